//! CQL2 text filters (OGC API – Features Part 3) as QGIS, GDAL and OWSLib send them:
//! comparisons, `AND`/`OR`/`NOT`, `IN`, `BETWEEN`, `LIKE`, `IS NULL`, `S_INTERSECTS` with a
//! `BBOX`, `T_INTERSECTS` with a date or `INTERVAL`. Parsed once per request against the
//! layer's fields, so an unknown property is a 400 before any feature is read.

use crate::value::{Field, Value};

/// A parsed filter. Field references are indices into the layer's fields.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Operand, Cmp, Operand),
    Like(Operand, String),
    In(Operand, Vec<Operand>),
    Between(Operand, Operand, Operand),
    IsNull(Operand),
    /// `[west, south, east, north]` in degrees.
    Intersects([f64; 4]),
    /// First and last day (since 1970-01-01), either open.
    During(Option<i32>, Option<i32>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Field(usize),
    Literal(Value),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Text(String),
    Number(f64, bool),
    Symbol(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unclosed {c} quote")),
                    Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                        s.push(c);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&q) => {
                        s.push(q);
                        i += 1;
                    }
                }
            }
            out.push(if c == '\'' {
                Token::Text(s)
            } else {
                Token::Quoted(s)
            });
        } else if c.is_ascii_digit()
            || ((c == '-' || c == '.')
                && chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.'))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || chars[i] == 'e'
                    || chars[i] == 'E'
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let n = s
                .parse::<f64>()
                .map_err(|_| format!("'{s}' is not a number"))?;
            out.push(Token::Number(n, !s.contains(['.', 'e', 'E'])));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == ':'
                    || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match two.as_str() {
                "<>" => Some("<>"),
                "<=" => Some("<="),
                ">=" => Some(">="),
                "!=" => Some("<>"),
                _ => None,
            };
            if let Some(s) = sym {
                out.push(Token::Symbol(s));
                i += 2;
                continue;
            }
            let s = match c {
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '=' => "=",
                '<' => "<",
                '>' => ">",
                other => return Err(format!("unexpected character '{other}'")),
            };
            out.push(Token::Symbol(s));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    fields: &'a [Field],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn keyword(&mut self, word: &str) -> bool {
        if let Some(Token::Word(w)) = self.peek()
            && w.eq_ignore_ascii_case(word)
        {
            self.at += 1;
            return true;
        }
        false
    }

    fn symbol(&mut self, s: &str) -> bool {
        if self.peek()
            == Some(&Token::Symbol(match s {
                "(" => "(",
                ")" => ")",
                "," => ",",
                _ => return false,
            }))
        {
            self.at += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, s: &str) -> Result<(), String> {
        if self.symbol(s) {
            Ok(())
        } else {
            Err(format!("expected '{s}' {}", self.where_()))
        }
    }

    fn where_(&self) -> String {
        match self.peek() {
            None => "at the end of the filter".into(),
            Some(t) => format!("before {}", describe(t)),
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.not()?;
        while self.keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.predicate()
    }

    fn number(&mut self) -> Result<f64, String> {
        match self.tokens.get(self.at) {
            Some(Token::Number(n, _)) => {
                self.at += 1;
                Ok(*n)
            }
            _ => Err(format!("expected a number {}", self.where_())),
        }
    }

    fn text(&mut self) -> Result<String, String> {
        // DATE('2024-01-01') and TIMESTAMP('...') wrap a text; '..' is an open end.
        if self.keyword("DATE") || self.keyword("TIMESTAMP") {
            self.expect("(")?;
            let t = self.text()?;
            self.expect(")")?;
            return Ok(t);
        }
        match self.tokens.get(self.at) {
            Some(Token::Text(t)) => {
                self.at += 1;
                Ok(t.clone())
            }
            _ => Err(format!("expected a quoted text {}", self.where_())),
        }
    }

    fn predicate(&mut self) -> Result<Expr, String> {
        if self.symbol("(") {
            let e = self.or()?;
            self.expect(")")?;
            return Ok(e);
        }
        if self.keyword("S_INTERSECTS") {
            self.expect("(")?;
            self.geometry_name()?;
            self.expect(",")?;
            if !self.keyword("BBOX") {
                return Err("S_INTERSECTS takes a BBOX(west, south, east, north)".into());
            }
            self.expect("(")?;
            let mut n = vec![self.number()?];
            while self.symbol(",") {
                n.push(self.number()?);
            }
            self.expect(")")?;
            self.expect(")")?;
            let b = match n.len() {
                4 => [n[0], n[1], n[2], n[3]],
                6 => [n[0], n[1], n[3], n[4]],
                _ => return Err("BBOX takes 4 numbers (or 6 with heights)".into()),
            };
            return Ok(Expr::Intersects(b));
        }
        if self.keyword("T_INTERSECTS") {
            self.expect("(")?;
            self.geometry_name()?;
            self.expect(",")?;
            let (a, b) = if self.keyword("INTERVAL") {
                self.expect("(")?;
                let a = self.text()?;
                self.expect(",")?;
                let b = self.text()?;
                self.expect(")")?;
                (a, b)
            } else {
                let t = self.text()?;
                (t.clone(), t)
            };
            self.expect(")")?;
            let day = |t: &str, first: bool| -> Result<Option<i32>, String> {
                if t.trim().is_empty() || t.trim() == ".." {
                    return Ok(None);
                }
                crate::date::parse(t.trim())
                    .map(|d| Some(if first { d.first } else { d.last }))
                    .map_err(|e| format!("T_INTERSECTS: {e}"))
            };
            return Ok(Expr::During(day(&a, true)?, day(&b, false)?));
        }
        let left = self.operand()?;
        let negated = self.keyword("NOT");
        let e = if self.keyword("LIKE") {
            Expr::Like(left, self.text()?)
        } else if self.keyword("IN") {
            self.expect("(")?;
            let mut list = vec![self.operand()?];
            while self.symbol(",") {
                list.push(self.operand()?);
            }
            self.expect(")")?;
            Expr::In(left, list)
        } else if self.keyword("BETWEEN") {
            let lo = self.operand()?;
            if !self.keyword("AND") {
                return Err(format!("BETWEEN needs AND {}", self.where_()));
            }
            Expr::Between(left, lo, self.operand()?)
        } else if negated {
            return Err(format!(
                "NOT must come before LIKE, IN or BETWEEN {}",
                self.where_()
            ));
        } else if self.keyword("IS") {
            let not = self.keyword("NOT");
            if !self.keyword("NULL") {
                return Err(format!("expected NULL {}", self.where_()));
            }
            let e = Expr::IsNull(left);
            return Ok(if not { Expr::Not(Box::new(e)) } else { e });
        } else {
            let cmp = match self.tokens.get(self.at) {
                Some(Token::Symbol("=")) => Cmp::Eq,
                Some(Token::Symbol("<>")) => Cmp::Ne,
                Some(Token::Symbol("<")) => Cmp::Lt,
                Some(Token::Symbol("<=")) => Cmp::Le,
                Some(Token::Symbol(">")) => Cmp::Gt,
                Some(Token::Symbol(">=")) => Cmp::Ge,
                _ => {
                    return Err(format!(
                        "expected a comparison (=, <>, <, <=, >, >=, LIKE, IN, BETWEEN, IS NULL) {}",
                        self.where_()
                    ));
                }
            };
            self.at += 1;
            Expr::Compare(left, cmp, self.operand()?)
        };
        Ok(if negated { Expr::Not(Box::new(e)) } else { e })
    }

    /// The geometry or time property an S_/T_INTERSECTS names; any name is the feature's own.
    fn geometry_name(&mut self) -> Result<(), String> {
        match self.tokens.get(self.at) {
            Some(Token::Word(_) | Token::Quoted(_)) => {
                self.at += 1;
                Ok(())
            }
            _ => Err(format!("expected a property name {}", self.where_())),
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let t = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or("the filter ends where a value or property was expected")?;
        self.at += 1;
        let bare = matches!(t, Token::Word(_));
        Ok(match t {
            Token::Number(n, true) if n.abs() < 9.0e15 => Operand::Literal(Value::Int(n as i64)),
            Token::Number(n, _) => Operand::Literal(Value::Float(n)),
            Token::Text(s) => Operand::Literal(Value::String(s.into())),
            Token::Word(w) if w.eq_ignore_ascii_case("TRUE") => Operand::Literal(Value::Bool(true)),
            Token::Word(w) if w.eq_ignore_ascii_case("FALSE") => {
                Operand::Literal(Value::Bool(false))
            }
            Token::Word(w) | Token::Quoted(w) => {
                // DATE('…') is a literal; a bare `date` is the property of that name (GDAL
                // writes `(date >= '2024-01-01')`).
                let literal = bare
                    && (w.eq_ignore_ascii_case("DATE") || w.eq_ignore_ascii_case("TIMESTAMP"))
                    && self.peek() == Some(&Token::Symbol("("));
                if literal {
                    self.at -= 1;
                    return Ok(Operand::Literal(Value::String(self.text()?.into())));
                }
                let i = self
                    .fields
                    .iter()
                    .position(|f| f.name == w)
                    .ok_or_else(|| format!("'{w}' is not a queryable property"))?;
                Operand::Field(i)
            }
            Token::Symbol(s) => return Err(format!("unexpected '{s}'")),
        })
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) | Token::Quoted(w) => format!("'{w}'"),
        Token::Text(s) => format!("'{s}'"),
        Token::Number(n, _) => n.to_string(),
        Token::Symbol(s) => format!("'{s}'"),
    }
}

/// Parse a CQL2 text filter against a layer's fields.
pub fn parse(text: &str, fields: &[Field]) -> Result<Expr, String> {
    let mut p = Parser {
        tokens: tokenize(text)?,
        at: 0,
        fields,
    };
    let e = p.or()?;
    if p.at < p.tokens.len() {
        return Err(format!(
            "unexpected {} after a complete filter",
            describe(&p.tokens[p.at])
        ));
    }
    Ok(e)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(n) => Some(*n as f64),
        Value::UInt(n) => Some(*n as f64),
        Value::Float(n) => Some(*n),
        _ => None,
    }
}

/// How two values order: numbers as numbers, text as text, booleans as booleans; `None` for
/// values that do not compare (null, or different kinds).
fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => number(a)?.partial_cmp(&number(b)?),
    }
}

/// `LIKE` with `%` (any run) and `_` (one character), case-sensitive as CQL2 says.
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut ti, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || (p[pi] != '%' && p[pi] == t[ti])) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

/// What the evaluator needs from a feature beyond its attributes.
pub trait Spatial {
    fn intersects(&self, bbox: [f64; 4]) -> bool;
    fn during(&self, from: Option<i32>, to: Option<i32>) -> bool;
}

impl Expr {
    /// Whether a feature with attributes `props` matches.
    pub fn matches(&self, props: &[Value], feature: &dyn Spatial) -> bool {
        let val = |o: &Operand| -> Value {
            match o {
                Operand::Field(i) => props.get(*i).cloned().unwrap_or(Value::Null),
                Operand::Literal(v) => v.clone(),
            }
        };
        match self {
            Expr::And(a, b) => a.matches(props, feature) && b.matches(props, feature),
            Expr::Or(a, b) => a.matches(props, feature) || b.matches(props, feature),
            Expr::Not(a) => !a.matches(props, feature),
            Expr::Compare(a, cmp, b) => {
                let Some(o) = order(&val(a), &val(b)) else {
                    return false;
                };
                use std::cmp::Ordering::*;
                match cmp {
                    Cmp::Eq => o == Equal,
                    Cmp::Ne => o != Equal,
                    Cmp::Lt => o == Less,
                    Cmp::Le => o != Greater,
                    Cmp::Gt => o == Greater,
                    Cmp::Ge => o != Less,
                }
            }
            Expr::Like(a, pattern) => match val(a) {
                Value::String(s) => like(&s, pattern),
                _ => false,
            },
            Expr::In(a, list) => {
                let v = val(a);
                list.iter()
                    .any(|o| order(&v, &val(o)) == Some(std::cmp::Ordering::Equal))
            }
            Expr::Between(a, lo, hi) => {
                let v = val(a);
                order(&v, &val(lo)).is_some_and(|o| o.is_ge())
                    && order(&v, &val(hi)).is_some_and(|o| o.is_le())
            }
            Expr::IsNull(a) => matches!(val(a), Value::Null),
            Expr::Intersects(b) => feature.intersects(*b),
            Expr::During(from, to) => feature.during(*from, *to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::FieldType;

    struct Nowhere;
    impl Spatial for Nowhere {
        fn intersects(&self, _: [f64; 4]) -> bool {
            false
        }
        fn during(&self, _: Option<i32>, _: Option<i32>) -> bool {
            false
        }
    }

    fn fields() -> Vec<Field> {
        ["name", "pop", "country"]
            .iter()
            .map(|n| Field {
                name: n.to_string(),
                kind: FieldType::String,
            })
            .collect()
    }

    fn check(filter: &str, props: &[Value]) -> bool {
        parse(filter, &fields())
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches(props, &Nowhere)
    }

    #[test]
    fn the_operators_of_cql2_text() {
        let p = [
            Value::String("Paktika".into()),
            Value::Int(789_000),
            Value::String("Afghanistan".into()),
        ];
        assert!(check("name = 'Paktika'", &p));
        assert!(check("pop > 500000 AND country <> 'Pakistan'", &p));
        assert!(check("NOT (pop < 10) OR name = 'x'", &p));
        assert!(check("name IN ('Khost', 'Paktika')", &p));
        assert!(check("pop BETWEEN 700000 AND 800000", &p));
        assert!(check("name LIKE 'Pak%'", &p) && check("name LIKE 'P_ktika'", &p));
        assert!(check("name NOT LIKE 'Kh%'", &p));
        assert!(!check("\"name\" = 'Khost'", &p));
        assert!(check("pop IS NOT NULL", &p));
        assert!(parse("nope = 1", &fields()).unwrap_err().contains("'nope'"));
        assert!(parse("name = ", &fields()).is_err());
        assert!(parse("name = 'a' extra", &fields()).is_err());
        assert_eq!(
            parse("S_INTERSECTS(geometry, BBOX(68, 31, 70, 33))", &fields()),
            Ok(Expr::Intersects([68.0, 31.0, 70.0, 33.0]))
        );
        assert!(matches!(
            parse(
                "T_INTERSECTS(date, INTERVAL('2026-01-01', '..'))",
                &fields()
            ),
            Ok(Expr::During(Some(_), None))
        ));
    }
}
