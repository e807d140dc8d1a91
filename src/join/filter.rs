//! Query-string filters (`?from=2025-01-01&to=2025-12-31&group=TTP`). Only filters a layer
//! declares in the catalog are accepted; anything else is a 400 that lists what is. A filter
//! has one canonical text, used in cache keys.

use std::collections::BTreeSet;

use crate::config::FilterKind;
use crate::date::{self, DateSpan};
use crate::name::normalize;
use crate::source::claims::{ClaimRow, Claims, NO_CODE, RowKey, RowKeys};

/// A parsed filter; the default matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// Groups as given (for display) and normalised (for matching), sorted by the latter.
    pub groups: Vec<(String, String)>,
    pub event_types: Vec<(String, String)>,
}

/// Percent-decode a query component (`+` is a space).
pub fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .map_err(|_| "bad percent-encoding".to_string())?;
                out.push(
                    u8::from_str_radix(hex, 16)
                        .map_err(|_| format!("bad percent-encoding '%{hex}'"))?,
                );
                i += 2;
            }
            b'%' => return Err("bad percent-encoding at the end of the query".into()),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "the query is not UTF-8".into())
}

fn names(kinds: &BTreeSet<FilterKind>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for k in kinds {
        match k {
            FilterKind::Date => out.extend(["from", "to"]),
            FilterKind::Group => out.push("group"),
            FilterKind::EventType => out.push("event_type"),
        }
    }
    if out.is_empty() {
        "no filters".into()
    } else {
        out.join(", ")
    }
}

impl Filter {
    /// Parse a raw query string against the filters that are allowed here.
    pub fn parse(query: Option<&str>, allowed: &BTreeSet<FilterKind>) -> Result<Filter, String> {
        let mut f = Filter::default();
        let Some(query) = query else { return Ok(f) };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k)?, decode(v)?);
            let kind = match k.as_str() {
                "from" | "to" => FilterKind::Date,
                "group" => FilterKind::Group,
                "event_type" => FilterKind::EventType,
                // Cache busters and similar harmless client additions.
                "v" | "_" => continue,
                other => {
                    return Err(format!(
                        "unknown query parameter '{other}'; accepted here: {}",
                        names(allowed)
                    ));
                }
            };
            if !allowed.contains(&kind) {
                return Err(format!(
                    "filter '{k}' is not declared for this layer; accepted here: {}",
                    names(allowed)
                ));
            }
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k.as_str() {
                "from" => f.from = Some(date::parse(v).map_err(|e| format!("from: {e}"))?.first),
                "to" => f.to = Some(date::parse(v).map_err(|e| format!("to: {e}"))?.last),
                "group" => f
                    .groups
                    .extend(v.split(',').map(|g| (g.trim().to_string(), normalize(g)))),
                _ => f
                    .event_types
                    .extend(v.split(',').map(|g| (g.trim().to_string(), normalize(g)))),
            }
        }
        if let (Some(a), Some(b)) = (f.from, f.to)
            && a > b
        {
            return Err("'from' is after 'to'".into());
        }
        for list in [&mut f.groups, &mut f.event_types] {
            list.retain(|(_, n)| !n.is_empty());
            list.sort_by(|a, b| a.1.cmp(&b.1));
            list.dedup_by(|a, b| a.1 == b.1);
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Canonical query text, the same however the request spelled it.
    pub fn canonical(&self) -> String {
        let mut parts = Vec::new();
        let day = |d: i32| date::days(d, d).to_string();
        if let Some(a) = self.from {
            parts.push(format!("from={}", day(a)));
        }
        if let Some(b) = self.to {
            parts.push(format!("to={}", day(b)));
        }
        if !self.groups.is_empty() {
            parts.push(format!(
                "group={}",
                self.groups
                    .iter()
                    .map(|g| g.1.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        if !self.event_types.is_empty() {
            parts.push(format!(
                "event_type={}",
                self.event_types
                    .iter()
                    .map(|g| g.1.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        parts.join("&")
    }

    fn has_date(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// Whether a date passes the window (an undated row passes only when there is no window).
    pub fn date_matches(&self, date: Option<DateSpan>) -> bool {
        match date {
            Some(d) => d.overlaps(self.from, self.to),
            None => !self.has_date(),
        }
    }

    /// `key` is already normalised (see [`normalize`]).
    fn in_list(list: &[(String, String)], key: Option<&str>) -> bool {
        list.is_empty()
            || key.is_some_and(|k| list.binary_search_by(|x| x.1.as_str().cmp(k)).is_ok())
    }

    /// Whether a claim row of `claims` passes every part of the filter, its names normalised
    /// as it goes. [`Filter::for_table`] answers the same from the table's packed keys.
    pub fn matches(&self, claims: &Claims, row: &ClaimRow, dated: bool) -> bool {
        let normal = |t| claims.str(t).map(normalize);
        (!dated || self.date_matches(row.date))
            && Self::in_list(&self.groups, normal(row.group).as_deref())
            && Self::in_list(&self.event_types, normal(row.event_type).as_deref())
    }

    /// This filter made ready for one table's rows: [`RowMatcher::matches`] answers as
    /// [`Filter::matches`] does, from the table's packed keys.
    pub fn for_table<'a>(&'a self, claims: &'a Claims, dated: bool) -> RowMatcher<'a> {
        let codes = |list: &[(String, String)], names: &[std::sync::Arc<str>]| {
            (!list.is_empty()).then(|| {
                names
                    .iter()
                    .map(|n| Self::in_list(list, Some(n)))
                    .collect::<Vec<bool>>()
            })
        };
        RowMatcher {
            filter: self,
            keys: &claims.keys,
            groups: codes(&self.groups, &claims.keys.groups),
            event_types: codes(&self.event_types, &claims.keys.event_types),
            dated,
        }
    }
}

/// A [`Filter`] for one table's rows by index; see [`Filter::for_table`].
pub struct RowMatcher<'a> {
    filter: &'a Filter,
    keys: &'a RowKeys,
    /// For each group code, whether the filter lets it through (`None`: every group).
    groups: Option<Vec<bool>>,
    event_types: Option<Vec<bool>>,
    dated: bool,
}

impl RowMatcher<'_> {
    /// Whether row `r` of the table passes every part of the filter.
    pub fn matches(&self, r: u32) -> bool {
        self.keys
            .rows
            .get(r as usize)
            .is_some_and(|k| self.matches_key(k))
    }

    /// Whether a row with these keys passes every part of the filter.
    pub fn matches_key(&self, k: &RowKey) -> bool {
        let f = self.filter;
        let date_ok = !self.dated
            || if k.dated {
                f.from.is_none_or(|a| k.last >= a) && f.to.is_none_or(|b| k.first <= b)
            } else {
                !f.has_date()
            };
        let listed = |allowed: &Option<Vec<bool>>, code: u32| match allowed {
            None => true,
            Some(_) if code == NO_CODE => false,
            Some(set) => set.get(code as usize).copied().unwrap_or(false),
        };
        date_ok && listed(&self.groups, k.group) && listed(&self.event_types, k.event_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> BTreeSet<FilterKind> {
        [FilterKind::Date, FilterKind::Group, FilterKind::EventType]
            .into_iter()
            .collect()
    }

    #[test]
    fn canonical_form_ignores_spelling_and_order() {
        let a = Filter::parse(Some("group=TTP,isil-k&from=2025-01&to=2025"), &all()).unwrap();
        let b = Filter::parse(
            Some("to=2025-12-31&from=2025-01-01&group=ISIL%2DK&group=ttp"),
            &all(),
        )
        .unwrap();
        assert_eq!(
            a.canonical(),
            "from=2025-01-01&to=2025-12-31&group=isilk,ttp"
        );
        assert_eq!(a.canonical(), b.canonical());
    }

    #[test]
    fn undeclared_and_unknown_filters_are_refused() {
        let only_date: BTreeSet<FilterKind> = [FilterKind::Date].into_iter().collect();
        assert!(
            Filter::parse(Some("group=TTP"), &only_date)
                .unwrap_err()
                .contains("not declared")
        );
        assert!(
            Filter::parse(Some("colour=red"), &all())
                .unwrap_err()
                .contains("unknown query parameter 'colour'")
        );
        assert!(
            Filter::parse(Some("from=yesterday"), &all())
                .unwrap_err()
                .contains("not a date")
        );
        assert!(
            Filter::parse(Some("from=2026&to=2025"), &all())
                .unwrap_err()
                .contains("after")
        );
    }

    #[test]
    fn a_table_matcher_answers_as_the_row_filter_does() {
        use crate::config::{TableConfig, TableKind};
        use crate::source::claims::{Claims, GroupNames};
        let csv = "id,date,event_type,group,latitude,longitude,fatalities,source,citation,report_date\n\
            1,2021-03-04,Bombing,TTP,33.1,69.2,2,A,row,2024-01\n\
            2,2022,armed clash,ISIL-K,33.2,69.3,,B,row,2024-01\n\
            3,,bombing,,33.3,69.4,1,A,row,2024-01\n\
            4,2021-12,Airstrike,Ttp,33.4,69.5,0,C,row,2024-01\n\
            5,2020-01-01,,IMP,33.5,69.6,3,B,row,2024-01\n";
        let path = std::path::Path::new("incidents.csv");
        let text = crate::source::read_table(path, csv.as_bytes()).unwrap();
        let table = crate::table::type_columns(text, &Default::default()).unwrap();
        let cfg = TableConfig::for_file("incidents", path, TableKind::Events);
        let claims = Claims::new(&cfg, table, &GroupNames::default()).unwrap();
        assert_eq!(claims.rows.len(), 5);
        let ids = |q: &str| -> Vec<u64> {
            let f = Filter::parse(Some(q), &all()).unwrap();
            let m = f.for_table(&claims, true);
            (0..5u32)
                .filter(|&r| m.matches(r))
                .map(|r| claims.rows[r as usize].id)
                .collect()
        };
        assert_eq!(ids("group=ttp"), [1, 4]);
        assert_eq!(ids("from=2021&to=2021"), [1, 4]);
        assert_eq!(ids(""), [1, 2, 3, 4, 5]);
        assert_eq!(ids("event_type=bombing&group=nobody"), Vec::<u64>::new());
        let queries = [
            "",
            "from=2021&to=2021",
            "from=2021-06",
            "to=2021-03-04",
            "group=ttp",
            "group=TTP,imp&from=2019",
            "group=nobody",
            "event_type=bombing",
            "event_type=Bombing,airstrike&group=TTP&to=2022-01",
        ];
        for q in queries {
            let f = Filter::parse(Some(q), &all()).unwrap();
            for dated in [true, false] {
                let m = f.for_table(&claims, dated);
                for (r, row) in claims.rows.iter().enumerate() {
                    assert_eq!(
                        m.matches(r as u32),
                        f.matches(&claims, row, dated),
                        "query '{q}', dated {dated}, row {}",
                        row.id
                    );
                }
            }
        }
    }
}
