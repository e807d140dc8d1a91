//! Joins of claim tables onto layers, computed once per data version: presence rows by key
//! (one-to-many, aggregated into a list, a flag per group and a count), incidents by point in
//! polygon (counts, fatality sums, first and last dates, in total and per group). A filtered
//! request recomputes the aggregates from the same row assignment, so a time window changes
//! the choropleth too. Rows that match nothing are reported, never dropped silently.

pub mod filter;
pub mod keys;
pub mod spatial;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::config::{PlacePolicy, TableKind};
use crate::geometry::projection::project;
use crate::geometry::{GeomKind, Shapes};
use crate::name::slug;
use crate::source::claims::{Claims, RowKey, Text};
use crate::value::{Field, FieldType, IdBuild, Value};
use filter::Filter;
use keys::{KeyIndex, Lookup};

/// How many claims are listed per feature in the `_claims` attribute (the rest are counted).
pub const MAX_CLAIMS_PER_FEATURE: usize = 50;

/// A table joined onto a layer.
#[derive(Debug)]
pub struct LayerJoin {
    pub claims: Arc<Claims>,
    pub prefix: String,
    /// Every group in the table (one flag or count attribute each).
    pub groups: Vec<Arc<str>>,
    pub report: JoinReport,
    /// Per row of the table: the feature it is counted in, and the feature its point falls
    /// in (rows with coordinates).
    pub placements: Vec<Placement>,
    /// Display names of the target's features, for the placements.
    pub feature_names: Vec<String>,
    /// The rows counted in each feature, packed: `joined[spans[f]]` for feature `f`.
    pub joined: Arc<[JoinedRow]>,
    pub spans: Vec<(u32, u32)>,
}

/// A row counted in a feature, with what a filtered request reads of it: its filter keys,
/// its group (index in [`LayerJoin::groups`], `NO_GROUP` when it has none) and source (index
/// in [`Claims::sources`]) as small numbers, its fatalities and whether it has a point.
/// Packed feature after feature, so counting a province's rows under a time window reads one
/// run of memory instead of a claim row scattered through a large table.
#[derive(Clone, Copy, Debug, Default)]
pub struct JoinedRow {
    pub fatalities: i64,
    pub key: RowKey,
    pub group: u32,
    pub source: u32,
    /// Index of the row in its table.
    pub row: u32,
    pub has_fatalities: bool,
    pub located: bool,
}

/// [`JoinedRow::group`] of a row with no group.
pub const NO_GROUP: u32 = u32::MAX;

/// Pack the rows of each feature (see [`JoinedRow`]); the feature's run in the packed rows.
/// The table is read once in order and each row written into its feature's run (reading
/// the rows feature by feature jumped about a million-row table: most of a join's time).
fn pack_rows(
    claims: &Claims,
    groups: &[Arc<str>],
    placements: &[Placement],
    features: usize,
) -> (Arc<[JoinedRow]>, Vec<(u32, u32)>) {
    let ids: HashMap<&str, u32> = claims
        .sources()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_ref(), i as u32))
        .collect();
    let mut counts = vec![0u32; features];
    for f in placements.iter().filter_map(|p| p.counted) {
        counts[f as usize] += 1;
    }
    let mut spans = Vec::with_capacity(features);
    let mut start = 0u32;
    for n in &counts {
        spans.push((start, start + n));
        start += n;
    }
    let mut next: Vec<u32> = spans.iter().map(|s| s.0).collect();
    let mut joined = vec![JoinedRow::default(); start as usize];
    // Texts seen before, by code: a million rows name a few groups and sources.
    let mut group_of: HashMap<Text, u32, IdBuild> = HashMap::default();
    let mut source_of: HashMap<Text, u32, IdBuild> = HashMap::default();
    for (r, place) in placements.iter().enumerate() {
        let (Some(f), Some(row), Some(key)) =
            (place.counted, claims.rows.get(r), claims.keys.rows.get(r))
        else {
            continue;
        };
        let group = *group_of.entry(row.group).or_insert_with(|| {
            claims
                .str(row.group)
                .and_then(|g| groups.binary_search_by(|x| (**x).cmp(g)).ok())
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(NO_GROUP)
        });
        // Every row's source is in the list, which is made from the rows.
        let source = *source_of.entry(row.source).or_insert_with(|| {
            claims
                .str(row.source)
                .and_then(|s| ids.get(s))
                .copied()
                .unwrap_or(u32::MAX)
        });
        let slot = &mut next[f as usize];
        joined[*slot as usize] = JoinedRow {
            fatalities: row.fatalities.unwrap_or(0),
            key: *key,
            group,
            source,
            row: r as u32,
            has_fatalities: row.fatalities.is_some(),
            located: row.point.is_some(),
        };
        *slot += 1;
    }
    (joined.into(), spans)
}

/// Where one row went.
#[derive(Clone, Copy, Debug, Default)]
pub struct Placement {
    pub counted: Option<u32>,
    pub at_point: Option<u32>,
}

/// What a join matched and what it did not.
#[derive(Clone, Debug, Serialize)]
pub struct JoinReport {
    pub table: String,
    pub file: String,
    pub layer: String,
    pub rows: usize,
    pub matched: usize,
    pub unmatched: Vec<Unmatched>,
    /// Features no row names (by their display name).
    pub features_without_rows: Vec<String>,
    /// Catalog aliases that point at nothing.
    pub dangling_aliases: Vec<String>,
    /// Rows whose place name and coordinates disagree (or whose point lies outside every
    /// feature): never silent, in `check`, the load log and `/health`.
    pub place_conflicts: Vec<PlaceConflict>,
}

/// A row that names one area while its coordinates fall in another (or in none).
#[derive(Clone, Debug, Serialize)]
pub struct PlaceConflict {
    pub line: usize,
    /// The area as the row names it, and the feature that name matched.
    pub stated: String,
    pub stated_feature: String,
    /// Longitude, latitude.
    pub point: [f64; 2],
    /// The feature the point falls in; `None` when it is outside every feature.
    pub point_feature: Option<String>,
    /// Countries of the two features when they differ: the row crosses a border.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub across_border: Option<[String; 2]>,
    /// Where the row is counted.
    pub counted_in: String,
    pub policy: PlacePolicy,
}

impl std::fmt::Display for PlaceConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [lon, lat] = self.point;
        write!(f, "line {}: the row names {}", self.line, self.stated)?;
        if self.stated != self.stated_feature {
            write!(f, " ({})", self.stated_feature)?;
        }
        match &self.point_feature {
            Some(p) => write!(
                f,
                " but its point {lat:.5}, {lon:.5} (lat, lon) lies in {p}"
            )?,
            None => write!(
                f,
                " but its point {lat:.5}, {lon:.5} (lat, lon) lies outside every feature"
            )?,
        }
        if let Some([a, b]) = &self.across_border {
            write!(f, ", ACROSS THE BORDER ({a} / {b})")?;
        }
        match self.policy {
            PlacePolicy::Stated => write!(
                f,
                "; counted in {} (the stated name; set place = \"point\" on the table to count rows where their coordinates fall)",
                self.counted_in
            ),
            PlacePolicy::Point => write!(
                f,
                "; counted in {} (where its point falls, as the table's place = \"point\" says)",
                self.counted_in
            ),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Unmatched {
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<[f64; 2]>,
    pub reason: String,
    pub suggestions: Vec<String>,
}

impl std::fmt::Display for Unmatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)?;
        if !self.suggestions.is_empty() {
            write!(f, " (did you mean {}?)", self.suggestions.join(", "))?;
        }
        Ok(())
    }
}

/// What a join needs to know about the layer it joins onto.
pub struct Target<'a> {
    pub layer_id: &'a str,
    pub fields: &'a [Field],
    pub props: Vec<&'a [Value]>,
    pub shapes: &'a Shapes,
    pub kinds: &'a [GeomKind],
    /// Properties that name a feature.
    pub keys: &'a [String],
    /// Catalog aliases: alias → key value.
    pub aliases: &'a std::collections::BTreeMap<String, String>,
}

impl Target<'_> {
    /// The country a feature is in, for telling when a row crosses a border: its `country`
    /// (or `iso_a2`, `adm0_a3`) property, else the prefix of an ISO 3166-2 code ("AF-PKA").
    fn country(&self, feature: usize) -> Option<String> {
        let props = self.props[feature];
        let text = |name: &str| {
            self.fields
                .iter()
                .position(|f| f.name == name)
                .and_then(|i| props[i].as_str())
                .map(str::to_string)
        };
        ["country", "iso_a2", "adm0_a3", "admin", "country_code"]
            .iter()
            .find_map(|n| text(n))
            .or_else(|| {
                self.keys.iter().find_map(|k| {
                    let code = text(k)?;
                    let (prefix, rest) = code.split_once('-')?;
                    (prefix.len() == 2
                        && prefix.bytes().all(|b| b.is_ascii_uppercase())
                        && !rest.is_empty())
                    .then(|| prefix.to_string())
                })
            })
    }

    fn display_name(&self, feature: usize) -> String {
        let name = self.fields.iter().position(|f| f.name == "name");
        let idx = name.or_else(|| {
            self.keys
                .first()
                .and_then(|k| self.fields.iter().position(|f| &f.name == k))
        });
        idx.and_then(|i| match &self.props[feature][i] {
            Value::String(s) => Some(s.to_string()),
            Value::Null => None,
            other => Some(other.to_json().to_string()),
        })
        .unwrap_or_else(|| format!("feature {feature}"))
    }
}

/// Join `claims` onto `target`.
pub fn join(target: &Target, claims: Arc<Claims>, prefix: &str) -> LayerJoin {
    let mut index = KeyIndex::default();
    let key_fields: Vec<usize> = target
        .keys
        .iter()
        .filter_map(|k| target.fields.iter().position(|f| &f.name == k))
        .collect();
    for (feature, props) in target.props.iter().enumerate() {
        for &k in &key_fields {
            if let Value::String(s) = &props[k] {
                for name in s.split([';', '|']) {
                    index.insert(name, feature);
                }
            }
        }
    }
    let mut dangling_aliases = Vec::new();
    for (alias, value) in target.aliases {
        match index.lookup(value) {
            Lookup::Found(f) => index.insert(alias, f),
            _ => dangling_aliases.push(format!("{alias} → {value}")),
        }
    }
    let polygons = PolygonIndexOnce::new(target);
    let mut has_rows = vec![false; target.props.len()];
    let mut unmatched = Vec::new();
    let mut matched = 0;
    let mut place_conflicts = Vec::new();
    let mut placements = vec![Placement::default(); claims.rows.len()];
    let lookup_key = |key: &str| match index.lookup(key) {
        Lookup::Found(f) => Ok(f),
        Lookup::Ambiguous(fs) => Err(Unmatched {
            line: 0,
            key: Some(key.to_string()),
            point: None,
            reason: format!(
                "'{key}' names several features of layer '{}'",
                target.layer_id
            ),
            suggestions: fs.into_iter().map(|f| target.display_name(f)).collect(),
        }),
        Lookup::Missing => Err(Unmatched {
            line: 0,
            key: Some(key.to_string()),
            point: None,
            reason: format!("'{key}' matches no feature of layer '{}'", target.layer_id),
            suggestions: index
                .nearest(key, 3)
                .into_iter()
                .map(|(_, f)| target.display_name(f))
                .collect(),
        }),
    };
    // Each distinct area name is looked up once (by its text code for events): a million rows
    // name a few hundred places.
    let mut stated_areas: HashMap<Text, Option<usize>, IdBuild> = HashMap::default();
    let mut named_areas: HashMap<&str, Result<usize, Unmatched>> = HashMap::new();
    // The feature each event's point falls in, found in runs (one per core).
    let at_points: Vec<Option<usize>> = match claims.kind {
        TableKind::Events if claims.rows.iter().any(|r| r.point.is_some()) => {
            let index = polygons.get();
            crate::cores::map_runs(claims.rows.len(), 20_000, |run| {
                claims.rows[run]
                    .iter()
                    .map(|row| row.point.and_then(|p| index.locate(project(p))))
                    .collect::<Vec<_>>()
            })
            .concat()
        }
        _ => Vec::new(),
    };
    for (r, row) in claims.rows.iter().enumerate() {
        let found = match (claims.kind, row.point) {
            (TableKind::Events, Some(point)) => {
                let at_point = at_points.get(r).copied().flatten();
                placements[r].at_point = at_point.map(|f| f as u32);
                // Only whether the stated area is found: a miss is reported by the point, so
                // no suggestions are worked out for it (they cost an edit distance to every
                // key, per row: most of the load time of a million-row table).
                let stated = claims.str(row.key).map(|k| {
                    let found =
                        stated_areas
                            .entry(row.key)
                            .or_insert_with(|| match index.lookup(k) {
                                Lookup::Found(f) => Some(f),
                                _ => None,
                            });
                    (k, found.ok_or(()))
                });
                match (stated, at_point) {
                    // The row names an area the layer has: the name and the point must agree.
                    (Some((key, Ok(s))), _) if at_point != Some(s) => {
                        let counted = match (claims.place, at_point) {
                            (PlacePolicy::Point, Some(p)) => p,
                            _ => s,
                        };
                        let (cs, cp) =
                            (target.country(s), at_point.and_then(|p| target.country(p)));
                        place_conflicts.push(PlaceConflict {
                            line: row.line,
                            stated: key.to_string(),
                            stated_feature: target.display_name(s),
                            point,
                            point_feature: at_point.map(|p| target.display_name(p)),
                            across_border: match (cs, cp) {
                                (Some(a), Some(b)) if a != b => Some([a, b]),
                                _ => None,
                            },
                            counted_in: target.display_name(counted),
                            policy: claims.place,
                        });
                        Ok(counted)
                    }
                    (_, Some(f)) => Ok(f),
                    (_, None) => Err(Unmatched {
                        line: row.line,
                        key: claims.str(row.key).map(str::to_string),
                        point: Some(point),
                        reason: format!(
                            "the point {:.5}, {:.5} (lat, lon) is inside no feature of layer '{}'",
                            point[1], point[0], target.layer_id
                        ),
                        suggestions: polygons
                            .get()
                            .nearest(project(point), 2)
                            .into_iter()
                            .map(|f| target.display_name(f))
                            .collect(),
                    }),
                }
            }
            _ => {
                let key = claims.str(row.key).unwrap_or("");
                named_areas
                    .entry(key)
                    .or_insert_with(|| lookup_key(key))
                    .clone()
                    .map_err(|mut u| {
                        u.line = row.line;
                        u
                    })
            }
        };
        match found {
            Ok(f) => {
                has_rows[f] = true;
                placements[r].counted = Some(f as u32);
                matched += 1;
            }
            Err(u) => unmatched.push(u),
        }
    }
    let features_without_rows = has_rows
        .iter()
        .enumerate()
        .filter(|(_, has)| !**has)
        .map(|(f, _)| target.display_name(f))
        .collect();
    let report = JoinReport {
        table: claims.id.clone(),
        file: claims.table.file.clone(),
        layer: target.layer_id.to_string(),
        rows: claims.rows.len(),
        matched,
        unmatched,
        features_without_rows,
        dangling_aliases,
        place_conflicts,
    };
    let groups = claims.groups().to_vec();
    let feature_names = (0..target.props.len())
        .map(|f| target.display_name(f))
        .collect();
    let (joined, spans) = pack_rows(&claims, &groups, &placements, target.props.len());
    LayerJoin {
        claims,
        prefix: prefix.to_string(),
        groups,
        report,
        placements,
        feature_names,
        joined,
        spans,
    }
}

/// The polygon index is built only when a table has points.
struct PolygonIndexOnce<'a> {
    target: &'a Target<'a>,
    index: std::cell::OnceCell<spatial::PolygonIndex<'a>>,
}

impl<'a> PolygonIndexOnce<'a> {
    fn new(target: &'a Target<'a>) -> Self {
        PolygonIndexOnce {
            target,
            index: std::cell::OnceCell::new(),
        }
    }
    fn get(&self) -> &spatial::PolygonIndex<'a> {
        self.index
            .get_or_init(|| spatial::PolygonIndex::new(self.target.shapes, self.target.kinds))
    }
}

impl LayerJoin {
    /// The table rows counted in feature `f`, in table order.
    pub fn rows_of(&self, f: usize) -> impl Iterator<Item = u32> + '_ {
        let (a, b) = self.spans.get(f).copied().unwrap_or((0, 0));
        self.joined[a as usize..b as usize].iter().map(|j| j.row)
    }

    /// The attributes this join adds, in order.
    pub fn fields(&self) -> Vec<Field> {
        let p = &self.prefix;
        let f = |name: String, kind: FieldType| Field { name, kind };
        let mut out = Vec::new();
        match self.claims.kind {
            TableKind::Presence => {
                out.push(f(format!("{p}_groups"), FieldType::String));
                out.push(f(format!("{p}_count"), FieldType::Integer));
                for g in &self.groups {
                    out.push(f(format!("{p}_{}", slug(g)), FieldType::Boolean));
                }
            }
            TableKind::Events => {
                out.push(f(format!("{p}_count"), FieldType::Integer));
                out.push(f(format!("{p}_fatalities"), FieldType::Integer));
                out.push(f(format!("{p}_first"), FieldType::String));
                out.push(f(format!("{p}_last"), FieldType::String));
                out.push(f(format!("{p}_first_days"), FieldType::Integer));
                out.push(f(format!("{p}_last_days"), FieldType::Integer));
                out.push(f(format!("{p}_undated"), FieldType::Integer));
                for g in &self.groups {
                    out.push(f(format!("{p}_count_{}", slug(g)), FieldType::Integer));
                }
            }
        }
        out.push(f(format!("{p}_sources"), FieldType::String));
        out.push(f(format!("{p}_claims"), FieldType::String));
        out
    }

    /// The attribute values of `feature` under `filter`, in the order of [`LayerJoin::fields`].
    /// One pass over the feature's packed rows ([`JoinedRow`]); a claim row itself is read
    /// only for the earliest and latest date and for claims listed in the popup.
    pub fn values(&self, feature: usize, filter: &Filter) -> Vec<Value> {
        let dated = self.claims.kind == TableKind::Events;
        let matcher = filter.for_table(&self.claims, dated);
        let mut per_group = vec![0i64; self.groups.len()];
        let mut count = 0i64;
        let mut fatalities: Option<i64> = None;
        // The rows with the earliest start and the latest end (first and last of equals).
        let mut first: Option<(i32, u32)> = None;
        let mut last: Option<(i32, u32)> = None;
        let mut undated = 0i64;
        let mut seen = vec![false; self.claims.sources().len()];
        let mut sources: Vec<&str> = Vec::new();
        let mut listed: Vec<u32> = Vec::new();
        let (start, end) = self.spans.get(feature).copied().unwrap_or((0, 0));
        for j in &self.joined[start as usize..end as usize] {
            let k = &j.key;
            if !matcher.matches_key(k) {
                continue;
            }
            count += 1;
            if let Some(n) = per_group.get_mut(j.group as usize) {
                *n += 1;
            }
            if j.has_fatalities {
                *fatalities.get_or_insert(0) += j.fatalities;
            }
            if k.dated {
                if first.is_none_or(|(a, _)| k.first < a) {
                    first = Some((k.first, j.row));
                }
                if last.is_none_or(|(b, _)| k.last >= b) {
                    last = Some((k.last, j.row));
                }
            } else {
                undated += 1;
            }
            if let Some(s) = seen.get_mut(j.source as usize)
                && !*s
            {
                *s = true;
                sources.push(&self.claims.sources()[j.source as usize]);
            }
            if !j.located {
                listed.push(j.row);
            }
        }
        let date_of = |r: u32| self.claims.rows.get(r as usize).and_then(|row| row.date);
        let mut out = Vec::new();
        let text = |s: String| Value::String(s.into());
        match self.claims.kind {
            TableKind::Presence => {
                let present: Vec<&str> = self
                    .groups
                    .iter()
                    .zip(&per_group)
                    .filter(|(_, n)| **n > 0)
                    .map(|(g, _)| g.as_ref())
                    .collect();
                out.push(text(present.join("; ")));
                out.push(Value::Int(present.len() as i64));
                for n in &per_group {
                    out.push(Value::Bool(*n > 0));
                }
            }
            TableKind::Events => {
                out.push(Value::Int(count));
                let first = first.and_then(|(_, r)| date_of(r));
                let last = last.and_then(|(_, r)| date_of(r));
                out.push(fatalities.map(Value::Int).unwrap_or(Value::Null));
                out.push(first.map(|d| text(d.to_string())).unwrap_or(Value::Null));
                out.push(
                    last.map(|d| text(crate::date::DateSpan { first: d.last, ..d }.to_string()))
                        .unwrap_or(Value::Null),
                );
                out.push(
                    first
                        .map(|d| Value::Int(d.first as i64))
                        .unwrap_or(Value::Null),
                );
                out.push(
                    last.map(|d| Value::Int(d.last as i64))
                        .unwrap_or(Value::Null),
                );
                out.push(Value::Int(undated));
                for n in &per_group {
                    out.push(Value::Int(*n));
                }
            }
        }
        out.push(if sources.is_empty() {
            Value::Null
        } else {
            text(sources.join("; "))
        });
        // Claims without a point of their own are listed for popups; points carry theirs.
        if listed.is_empty() {
            out.push(Value::Null);
        } else {
            let mut items: Vec<serde_json::Value> = listed
                .iter()
                .take(MAX_CLAIMS_PER_FEATURE)
                .filter_map(|&r| self.claims.rows.get(r as usize))
                .map(|row| row.to_json(&self.claims))
                .collect();
            if listed.len() > MAX_CLAIMS_PER_FEATURE {
                items.push(serde_json::json!({"more": listed.len() - MAX_CLAIMS_PER_FEATURE}));
            }
            out.push(text(serde_json::Value::Array(items).to_string()));
        }
        out
    }
}
