//! MapLibre style-spec expressions, evaluated with the spec's semantics for one feature at one
//! zoom, so a style edited for the browser draws the same here. Legacy filters and
//! `{"stops": ...}` functions are read too, as MapLibre still accepts them.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::color::Color;

/// A value an expression yields.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Color(Color),
    Array(Vec<Val>),
}

impl Val {
    pub fn from_json(j: &Json) -> Val {
        match j {
            Json::Null => Val::Null,
            Json::Bool(b) => Val::Bool(*b),
            Json::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Json::String(s) => Val::Str(s.clone()),
            Json::Array(a) => Val::Array(a.iter().map(Val::from_json).collect()),
            Json::Object(_) => Val::Null,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// The value as a colour: a colour, or a string that parses as one.
    pub fn as_color(&self) -> Option<Color> {
        match self {
            Val::Color(c) => Some(*c),
            Val::Str(s) => Color::parse(s),
            _ => None,
        }
    }

    /// `to-string` semantics.
    pub fn to_text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => number_text(*n),
            Val::Str(s) => s.clone(),
            Val::Color(c) => c.rgba_text(),
            Val::Array(a) => {
                let items: Vec<String> = a.iter().map(Val::json_text).collect();
                format!("[{}]", items.join(","))
            }
        }
    }

    fn json_text(&self) -> String {
        match self {
            Val::Str(s) => serde_json::to_string(s).unwrap_or_default(),
            Val::Null => "null".into(),
            other => other.to_text(),
        }
    }

    /// `to-boolean` semantics.
    pub fn truthy(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0.0 && !n.is_nan(),
            Val::Str(s) => !s.is_empty(),
            Val::Color(_) | Val::Array(_) => true,
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "boolean",
            Val::Num(_) => "number",
            Val::Str(_) => "string",
            Val::Color(_) => "color",
            Val::Array(_) => "array",
        }
    }
}

/// Numbers as JavaScript prints them: `3`, not `3.0`.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// What an expression can read of a feature.
pub struct FeatureContext<'a> {
    pub properties: &'a HashMap<String, Val>,
    pub id: Option<u64>,
    /// "Point", "LineString" or "Polygon".
    pub geometry_type: &'static str,
    pub zoom: f64,
}

/// Why an expression has no value (the caller falls back to the property's default, or a
/// filter to false, as MapLibre does).
pub type EvalResult = Result<Val, String>;

/// Evaluate a property value: an expression, a legacy function, or a constant.
pub fn evaluate(expr: &Json, ctx: &FeatureContext) -> EvalResult {
    match expr {
        Json::Array(items) => match items.first() {
            Some(Json::String(op)) => call(op, &items[1..], ctx),
            _ => Ok(Val::from_json(expr)),
        },
        Json::Object(obj) if obj.contains_key("stops") || obj.contains_key("property") => {
            legacy_function(obj, ctx)
        }
        other => Ok(Val::from_json(other)),
    }
}

/// Evaluate a layer filter: an expression or a legacy filter; an error is `false`.
pub fn filter_matches(filter: &Json, ctx: &FeatureContext) -> bool {
    if is_legacy_filter(filter) {
        return legacy_filter(filter, ctx);
    }
    evaluate(filter, ctx).is_ok_and(|v| v == Val::Bool(true))
}

fn arg<'a>(args: &'a [Json], i: usize, op: &str) -> Result<&'a Json, String> {
    args.get(i)
        .ok_or_else(|| format!("'{op}' expects more arguments"))
}

fn num(args: &[Json], i: usize, op: &str, ctx: &FeatureContext) -> Result<f64, String> {
    match evaluate(arg(args, i, op)?, ctx)? {
        Val::Num(n) => Ok(n),
        other => Err(format!(
            "'{op}' expects a number, got {}",
            other.type_name()
        )),
    }
}

fn call(op: &str, args: &[Json], ctx: &FeatureContext) -> EvalResult {
    match op {
        "literal" => Ok(Val::from_json(arg(args, 0, op)?)),
        "get" => {
            let key = evaluate(arg(args, 0, op)?, ctx)?.to_text();
            if args.len() > 1 {
                // `["get", key, object]`: served styles read only feature properties.
                return Ok(Val::Null);
            }
            Ok(ctx.properties.get(&key).cloned().unwrap_or(Val::Null))
        }
        "has" => {
            let key = evaluate(arg(args, 0, op)?, ctx)?.to_text();
            Ok(Val::Bool(ctx.properties.contains_key(&key)))
        }
        "properties" => Ok(Val::Null),
        "feature-state" => Ok(Val::Null),
        "id" => Ok(ctx.id.map(|i| Val::Num(i as f64)).unwrap_or(Val::Null)),
        "geometry-type" => Ok(Val::Str(ctx.geometry_type.into())),
        "zoom" => Ok(Val::Num(ctx.zoom)),
        "coalesce" => {
            for a in args {
                match evaluate(a, ctx) {
                    Ok(Val::Null) | Err(_) => continue,
                    Ok(v) => return Ok(v),
                }
            }
            Ok(Val::Null)
        }
        "case" => {
            let mut i = 0;
            while i + 1 < args.len() {
                if evaluate(&args[i], ctx)? == Val::Bool(true) {
                    return evaluate(&args[i + 1], ctx);
                }
                i += 2;
            }
            evaluate(arg(args, i, op)?, ctx)
        }
        "match" => {
            let input = evaluate(arg(args, 0, op)?, ctx)?;
            let mut i = 1;
            while i + 1 < args.len() {
                let labels = match &args[i] {
                    Json::Array(a) => a.iter().map(Val::from_json).collect(),
                    other => vec![Val::from_json(other)],
                };
                if labels.iter().any(|l| match_equal(l, &input)) {
                    return evaluate(&args[i + 1], ctx);
                }
                i += 2;
            }
            evaluate(arg(args, i, op)?, ctx)
        }
        "step" => {
            let input = num(args, 0, op, ctx)?;
            let mut out = arg(args, 1, op)?;
            let mut i = 2;
            while i + 1 < args.len() {
                let stop = args[i].as_f64().ok_or("'step' stops must be numbers")?;
                if input < stop {
                    break;
                }
                out = &args[i + 1];
                i += 2;
            }
            evaluate(out, ctx)
        }
        "interpolate" | "interpolate-hcl" | "interpolate-lab" => interpolate(args, ctx),
        "==" | "!=" => {
            let a = evaluate(arg(args, 0, op)?, ctx)?;
            let b = evaluate(arg(args, 1, op)?, ctx)?;
            let eq = a == b;
            Ok(Val::Bool(if op == "==" { eq } else { !eq }))
        }
        "<" | "<=" | ">" | ">=" => {
            let a = evaluate(arg(args, 0, op)?, ctx)?;
            let b = evaluate(arg(args, 1, op)?, ctx)?;
            let ord = match (&a, &b) {
                (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
                (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
                _ => {
                    return Err(format!(
                        "'{op}' compares two numbers or two strings, not {} and {}",
                        a.type_name(),
                        b.type_name()
                    ));
                }
            };
            use std::cmp::Ordering::*;
            Ok(Val::Bool(match (op, ord) {
                (_, None) => false,
                ("<", Some(o)) => o == Less,
                ("<=", Some(o)) => o != Greater,
                (">", Some(o)) => o == Greater,
                (_, Some(o)) => o != Less,
            }))
        }
        "all" => {
            for a in args {
                if evaluate(a, ctx)? != Val::Bool(true) {
                    return Ok(Val::Bool(false));
                }
            }
            Ok(Val::Bool(true))
        }
        "any" => {
            for a in args {
                if evaluate(a, ctx)? == Val::Bool(true) {
                    return Ok(Val::Bool(true));
                }
            }
            Ok(Val::Bool(false))
        }
        "!" => Ok(Val::Bool(
            evaluate(arg(args, 0, op)?, ctx)? != Val::Bool(true),
        )),
        "in" => {
            let needle = evaluate(arg(args, 0, op)?, ctx)?;
            match evaluate(arg(args, 1, op)?, ctx)? {
                Val::Array(items) => Ok(Val::Bool(items.contains(&needle))),
                Val::Str(hay) => Ok(Val::Bool(hay.contains(&needle.to_text()))),
                other => Err(format!(
                    "'in' looks in an array or a string, not {}",
                    other.type_name()
                )),
            }
        }
        "to-string" => Ok(Val::Str(evaluate(arg(args, 0, op)?, ctx)?.to_text())),
        "to-number" => {
            for a in args {
                match evaluate(a, ctx)? {
                    Val::Num(n) => return Ok(Val::Num(n)),
                    Val::Bool(b) => return Ok(Val::Num(if b { 1.0 } else { 0.0 })),
                    Val::Null => return Ok(Val::Num(0.0)),
                    Val::Str(s) => {
                        if let Ok(n) = s.trim().parse::<f64>() {
                            return Ok(Val::Num(n));
                        }
                    }
                    _ => {}
                }
            }
            Err("'to-number' found no number".into())
        }
        "to-boolean" => Ok(Val::Bool(evaluate(arg(args, 0, op)?, ctx)?.truthy())),
        "to-color" => {
            for a in args {
                if let Some(c) = evaluate(a, ctx)?.as_color() {
                    return Ok(Val::Color(c));
                }
            }
            Err("'to-color' found no colour".into())
        }
        "number" | "string" | "boolean" | "array" | "object" => {
            let want = match op {
                "number" => "number",
                "string" => "string",
                "boolean" => "boolean",
                "array" => "array",
                _ => "object",
            };
            for a in args {
                let v = evaluate(a, ctx)?;
                if v.type_name() == want {
                    return Ok(v);
                }
            }
            Err(format!("'{op}' found no {want}"))
        }
        "typeof" => Ok(Val::Str(
            evaluate(arg(args, 0, op)?, ctx)?.type_name().into(),
        )),
        "concat" => {
            let mut s = String::new();
            for a in args {
                s.push_str(&evaluate(a, ctx)?.to_text());
            }
            Ok(Val::Str(s))
        }
        "upcase" => Ok(Val::Str(
            evaluate(arg(args, 0, op)?, ctx)?.to_text().to_uppercase(),
        )),
        "downcase" => Ok(Val::Str(
            evaluate(arg(args, 0, op)?, ctx)?.to_text().to_lowercase(),
        )),
        "length" => match evaluate(arg(args, 0, op)?, ctx)? {
            Val::Str(s) => Ok(Val::Num(s.chars().count() as f64)),
            Val::Array(a) => Ok(Val::Num(a.len() as f64)),
            other => Err(format!("'length' of {}", other.type_name())),
        },
        "at" => {
            let i = num(args, 0, op, ctx)?;
            match evaluate(arg(args, 1, op)?, ctx)? {
                Val::Array(a) => a
                    .get(i as usize)
                    .cloned()
                    .ok_or_else(|| format!("'at' index {i} is out of bounds")),
                other => Err(format!("'at' of {}", other.type_name())),
            }
        }
        "+" | "*" | "min" | "max" => {
            let mut acc: Option<f64> = None;
            for i in 0..args.len() {
                let n = num(args, i, op, ctx)?;
                acc = Some(match (acc, op) {
                    (None, _) => n,
                    (Some(a), "+") => a + n,
                    (Some(a), "*") => a * n,
                    (Some(a), "min") => a.min(n),
                    (Some(a), _) => a.max(n),
                });
            }
            acc.map(Val::Num)
                .ok_or_else(|| format!("'{op}' expects numbers"))
        }
        "-" if args.len() == 1 => Ok(Val::Num(-num(args, 0, op, ctx)?)),
        "-" | "/" | "%" | "^" => {
            let a = num(args, 0, op, ctx)?;
            let b = num(args, 1, op, ctx)?;
            Ok(Val::Num(match op {
                "-" => a - b,
                "/" => a / b,
                "%" => a % b,
                _ => a.powf(b),
            }))
        }
        "abs" | "floor" | "ceil" | "round" | "sqrt" | "ln" | "log10" | "log2" => {
            let a = num(args, 0, op, ctx)?;
            Ok(Val::Num(match op {
                "abs" => a.abs(),
                "floor" => a.floor(),
                "ceil" => a.ceil(),
                "round" => a.round(),
                "sqrt" => a.sqrt(),
                "ln" => a.ln(),
                "log10" => a.log10(),
                _ => a.log2(),
            }))
        }
        "pi" => Ok(Val::Num(std::f64::consts::PI)),
        "e" => Ok(Val::Num(std::f64::consts::E)),
        "rgb" | "rgba" => {
            let r = num(args, 0, op, ctx)?;
            let g = num(args, 1, op, ctx)?;
            let b = num(args, 2, op, ctx)?;
            let a = if op == "rgba" {
                num(args, 3, op, ctx)?
            } else {
                1.0
            };
            Ok(Val::Color(Color::new(
                (r / 255.0) as f32,
                (g / 255.0) as f32,
                (b / 255.0) as f32,
                a as f32,
            )))
        }
        "let" => {
            // Bindings are rare in served styles; evaluate the body with none.
            evaluate(args.last().ok_or("'let' needs a body")?, ctx)
        }
        "format" => {
            let mut s = String::new();
            for section in args.iter().filter(|a| !a.is_object()) {
                s.push_str(&evaluate(section, ctx)?.to_text());
            }
            Ok(Val::Str(s))
        }
        other => Err(format!("the expression '{other}' is not supported")),
    }
}

/// `match` compares labels with the input by value and type.
fn match_equal(label: &Val, input: &Val) -> bool {
    label == input
}

fn interpolate(args: &[Json], ctx: &FeatureContext) -> EvalResult {
    let kind = args
        .first()
        .and_then(Json::as_array)
        .ok_or("'interpolate' needs an interpolation type")?;
    let input = num(args, 1, "interpolate", ctx)?;
    let mut stops: Vec<(f64, &Json)> = Vec::new();
    let mut i = 2;
    while i + 1 < args.len() {
        let at = args[i]
            .as_f64()
            .ok_or("'interpolate' stops must be numbers")?;
        stops.push((at, &args[i + 1]));
        i += 2;
    }
    let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
        return Err("'interpolate' needs stops".into());
    };
    if input <= first.0 {
        return evaluate(first.1, ctx);
    }
    if input >= last.0 {
        return evaluate(last.1, ctx);
    }
    let k = stops.iter().rposition(|s| s.0 <= input).unwrap_or(0);
    let (z0, v0) = stops[k];
    let (z1, v1) = stops[k + 1];
    let base = match kind.first().and_then(Json::as_str) {
        Some("exponential") => kind.get(1).and_then(Json::as_f64).unwrap_or(1.0),
        _ => 1.0,
    };
    let t = if kind.first().and_then(Json::as_str) == Some("cubic-bezier") {
        let p: Vec<f64> = kind[1..].iter().filter_map(Json::as_f64).collect();
        let t = (input - z0) / (z1 - z0);
        if p.len() == 4 { cubic_bezier(&p, t) } else { t }
    } else {
        interpolation_factor(input, base, z0, z1)
    };
    let a = evaluate(v0, ctx)?;
    let b = evaluate(v1, ctx)?;
    blend(&a, &b, t)
}

/// The spec's `interpolationFactor`.
pub fn interpolation_factor(input: f64, base: f64, lower: f64, upper: f64) -> f64 {
    let diff = upper - lower;
    let progress = input - lower;
    if diff == 0.0 {
        0.0
    } else if base == 1.0 {
        progress / diff
    } else {
        (base.powf(progress) - 1.0) / (base.powf(diff) - 1.0)
    }
}

fn cubic_bezier(p: &[f64], x: f64) -> f64 {
    // Solve x(s) = x by bisection, then return y(s).
    let bez = |a: f64, b: f64, s: f64| {
        3.0 * a * s * (1.0 - s).powi(2) + 3.0 * b * s * s * (1.0 - s) + s.powi(3)
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if bez(p[0], p[2], mid) < x {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    bez(p[1], p[3], (lo + hi) / 2.0)
}

fn blend(a: &Val, b: &Val, t: f64) -> EvalResult {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => Ok(Val::Num(x + (y - x) * t)),
        (Val::Array(x), Val::Array(y)) if x.len() == y.len() => Ok(Val::Array(
            x.iter()
                .zip(y)
                .map(|(p, q)| blend(p, q, t))
                .collect::<Result<_, _>>()?,
        )),
        _ => match (a.as_color(), b.as_color()) {
            (Some(x), Some(y)) => Ok(Val::Color(x.mix(&y, t as f32))),
            _ => Err(format!(
                "cannot interpolate between {} and {}",
                a.type_name(),
                b.type_name()
            )),
        },
    }
}

/// `{"stops": [...], "base": ..., "property": ..., "type": ...}` (style-spec functions).
fn legacy_function(obj: &serde_json::Map<String, Json>, ctx: &FeatureContext) -> EvalResult {
    let input = match obj.get("property").and_then(Json::as_str) {
        Some(p) => ctx.properties.get(p).cloned().unwrap_or(Val::Null),
        None => Val::Num(ctx.zoom),
    };
    let kind = obj.get("type").and_then(Json::as_str).unwrap_or(
        if obj.contains_key("property") && input.as_f64().is_none() {
            "categorical"
        } else {
            "exponential"
        },
    );
    let default = obj.get("default").map(Val::from_json);
    if kind == "identity" {
        return Ok(input);
    }
    let stops: Vec<(Val, Val)> = obj
        .get("stops")
        .and_then(Json::as_array)
        .map(|s| {
            s.iter()
                .filter_map(|p| {
                    let p = p.as_array()?;
                    let at = match p.first()? {
                        Json::Object(o) => Val::from_json(o.get("value")?),
                        other => Val::from_json(other),
                    };
                    Some((at, Val::from_json(p.get(1)?)))
                })
                .collect()
        })
        .unwrap_or_default();
    let fallback = || default.clone().ok_or_else(|| "no stop matches".to_string());
    match kind {
        "categorical" => stops
            .iter()
            .find(|(k, _)| *k == input)
            .map(|(_, v)| v.clone())
            .map_or_else(fallback, Ok),
        _ => {
            let Some(x) = input.as_f64() else {
                return fallback();
            };
            let Some(first) = stops.first() else {
                return fallback();
            };
            let at = |v: &Val| v.as_f64().unwrap_or(f64::NAN);
            if x <= at(&first.0) {
                return Ok(first.1.clone());
            }
            let k = stops.iter().rposition(|s| at(&s.0) <= x).unwrap_or(0);
            if kind == "interval" || k + 1 >= stops.len() {
                return Ok(stops[k].1.clone());
            }
            let base = obj.get("base").and_then(Json::as_f64).unwrap_or(1.0);
            let t = interpolation_factor(x, base, at(&stops[k].0), at(&stops[k + 1].0));
            blend(&stops[k].1, &stops[k + 1].1, t)
        }
    }
}

/// MapLibre's `isExpressionFilter`, inverted: filters written before expressions.
fn is_legacy_filter(filter: &Json) -> bool {
    let Some(items) = filter.as_array() else {
        return false;
    };
    let Some(op) = items.first().and_then(Json::as_str) else {
        return false;
    };
    match op {
        "has" => items.len() == 2 && items[1].as_str().is_some_and(|k| k != "$type"),
        "!has" | "!in" | "none" => true,
        "in" => items.len() != 3 || !items[2].is_array(),
        "==" | "!=" | ">" | ">=" | "<" | "<=" => {
            items.len() == 3 && items[1].is_string() && !items[2].is_array()
        }
        "any" | "all" => items[1..].iter().any(is_legacy_filter),
        _ => false,
    }
}

fn legacy_filter(filter: &Json, ctx: &FeatureContext) -> bool {
    let Some(items) = filter.as_array() else {
        return false;
    };
    let op = items.first().and_then(Json::as_str).unwrap_or("");
    let key_value = |key: &Json| -> Val {
        match key.as_str() {
            Some("$type") => Val::Str(ctx.geometry_type.into()),
            Some("$id") => ctx.id.map(|i| Val::Num(i as f64)).unwrap_or(Val::Null),
            Some(k) => ctx.properties.get(k).cloned().unwrap_or(Val::Null),
            None => Val::Null,
        }
    };
    match op {
        "all" => items[1..].iter().all(|f| legacy_filter(f, ctx)),
        "any" => items[1..].iter().any(|f| legacy_filter(f, ctx)),
        "none" => !items[1..].iter().any(|f| legacy_filter(f, ctx)),
        "has" => items
            .get(1)
            .and_then(Json::as_str)
            .is_some_and(|k| ctx.properties.contains_key(k)),
        "!has" => !items
            .get(1)
            .and_then(Json::as_str)
            .is_some_and(|k| ctx.properties.contains_key(k)),
        "in" | "!in" => {
            let v = items.get(1).map(key_value).unwrap_or(Val::Null);
            let found = items[2.min(items.len())..]
                .iter()
                .any(|c| Val::from_json(c) == v);
            found == (op == "in")
        }
        "==" | "!=" | "<" | "<=" | ">" | ">=" => {
            let (Some(k), Some(c)) = (items.get(1), items.get(2)) else {
                return false;
            };
            let v = key_value(k);
            let c = Val::from_json(c);
            let ord = match (&v, &c) {
                (Val::Num(a), Val::Num(b)) => a.partial_cmp(b),
                (Val::Str(a), Val::Str(b)) => Some(a.cmp(b)),
                _ => None,
            };
            use std::cmp::Ordering::*;
            match op {
                "==" => v == c,
                "!=" => v != c,
                "<" => ord == Some(Less),
                "<=" => matches!(ord, Some(Less | Equal)),
                ">" => ord == Some(Greater),
                _ => matches!(ord, Some(Greater | Equal)),
            }
        }
        _ => filter_matches(filter, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval_with(expr: Json, props: &[(&str, Val)], zoom: f64) -> Val {
        let properties: HashMap<String, Val> = props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let ctx = FeatureContext {
            properties: &properties,
            id: Some(7),
            geometry_type: "Polygon",
            zoom,
        };
        evaluate(&expr, &ctx).unwrap_or(Val::Str("ERROR".into()))
    }

    #[test]
    fn step_picks_the_last_stop_not_above_the_input() {
        let e = json!(["step", ["coalesce", ["get", "n"], 0], "a", 1, "b", 5, "c"]);
        assert_eq!(eval_with(e.clone(), &[], 5.0), Val::Str("a".into()));
        assert_eq!(
            eval_with(e.clone(), &[("n", Val::Num(1.0))], 5.0),
            Val::Str("b".into())
        );
        assert_eq!(
            eval_with(e.clone(), &[("n", Val::Num(4.9))], 5.0),
            Val::Str("b".into())
        );
        assert_eq!(
            eval_with(e, &[("n", Val::Num(5.0))], 5.0),
            Val::Str("c".into())
        );
    }

    #[test]
    fn interpolate_is_linear_between_stops_and_clamped_outside() {
        let e = json!(["interpolate", ["linear"], ["zoom"], 3, 0.8, 8, 1.6]);
        assert_eq!(eval_with(e.clone(), &[], 2.0), Val::Num(0.8));
        assert_eq!(eval_with(e.clone(), &[], 9.0), Val::Num(1.6));
        let Val::Num(mid) = eval_with(e, &[], 5.5) else {
            panic!("a number")
        };
        assert!((mid - 1.2).abs() < 1e-9);
        let e = json!(["interpolate", ["exponential", 2], ["zoom"], 0, 0, 2, 3]);
        assert_eq!(eval_with(e, &[], 1.0), Val::Num(1.0));
    }

    #[test]
    fn interpolate_blends_colours() {
        let e = json!([
            "interpolate",
            ["linear"],
            ["get", "v"],
            0,
            "#000000",
            10,
            "#ffffff"
        ]);
        let Val::Color(c) = eval_with(e, &[("v", Val::Num(5.0))], 5.0) else {
            panic!("a colour")
        };
        assert!((c.r - 0.5).abs() < 1e-6 && (c.a - 1.0).abs() < 1e-6);
    }

    #[test]
    fn match_compares_by_type_and_takes_label_lists() {
        let e = json!(["match", ["get", "g"], "TTP", 1, ["ISIL-K", "IS"], 2, 0]);
        assert_eq!(
            eval_with(e.clone(), &[("g", Val::Str("TTP".into()))], 5.0),
            Val::Num(1.0)
        );
        assert_eq!(
            eval_with(e.clone(), &[("g", Val::Str("IS".into()))], 5.0),
            Val::Num(2.0)
        );
        assert_eq!(
            eval_with(e.clone(), &[("g", Val::Num(1.0))], 5.0),
            Val::Num(0.0)
        );
        assert_eq!(eval_with(e, &[], 5.0), Val::Num(0.0));
    }

    #[test]
    fn comparisons_are_typed_and_equality_is_strict() {
        let props = [("n", Val::Num(3.0)), ("b", Val::Bool(true))];
        assert_eq!(
            eval_with(json!([">", ["get", "n"], 2]), &props, 5.0),
            Val::Bool(true)
        );
        assert_eq!(
            eval_with(json!(["==", ["get", "n"], "3"]), &props, 5.0),
            Val::Bool(false)
        );
        assert_eq!(
            eval_with(json!(["==", ["get", "b"], true]), &props, 5.0),
            Val::Bool(true)
        );
        // Comparing a number with a string is an error, and a filter treats it as false.
        assert_eq!(
            eval_with(json!(["<", ["get", "n"], "x"]), &props, 5.0),
            Val::Str("ERROR".into())
        );
        assert_eq!(
            eval_with(
                json!([
                    "all",
                    ["has", "n"],
                    ["!", ["has", "m"]],
                    ["any", false, [">=", 3, 3]]
                ]),
                &props,
                5.0
            ),
            Val::Bool(true)
        );
    }

    #[test]
    fn strings_case_and_coalesce() {
        let props = [
            ("count", Val::Num(12.0)),
            ("name", Val::Str("Paktika".into())),
        ];
        assert_eq!(
            eval_with(json!(["to-string", ["get", "count"]]), &props, 5.0),
            Val::Str("12".into())
        );
        assert_eq!(
            eval_with(
                json!(["concat", ["get", "name"], " (", ["get", "count"], ")"]),
                &props,
                5.0
            ),
            Val::Str("Paktika (12)".into())
        );
        assert_eq!(
            eval_with(
                json!([
                    "case",
                    ["==", ["get", "count"], 1],
                    "one",
                    [">", ["get", "count"], 10],
                    "many",
                    "few"
                ]),
                &props,
                5.0
            ),
            Val::Str("many".into())
        );
        assert_eq!(
            eval_with(
                json!(["coalesce", ["get", "x"], ["get", "name"]]),
                &props,
                5.0
            ),
            Val::Str("Paktika".into())
        );
        assert_eq!(
            eval_with(json!(["literal", [1, 2]]), &props, 5.0),
            Val::Array(vec![Val::Num(1.0), Val::Num(2.0)])
        );
    }

    #[test]
    fn legacy_filters_and_functions() {
        let properties: HashMap<String, Val> = [("kind".to_string(), Val::Str("a".into()))].into();
        let ctx = FeatureContext {
            properties: &properties,
            id: None,
            geometry_type: "Point",
            zoom: 4.0,
        };
        assert!(filter_matches(&json!(["==", "kind", "a"]), &ctx));
        assert!(filter_matches(
            &json!(["all", ["==", "$type", "Point"], ["in", "kind", "a", "b"]]),
            &ctx
        ));
        assert!(!filter_matches(&json!(["!has", "kind"]), &ctx));
        assert!(filter_matches(&json!(["==", ["get", "kind"], "a"]), &ctx));
        let f = json!({"stops": [[2, 1], [6, 5]]});
        assert_eq!(evaluate(&f, &ctx), Ok(Val::Num(3.0)));
    }
}
