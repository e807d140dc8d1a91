//! Dates as sources give them: a day, a month or a year. A date is an interval of days since
//! 1970-01-01, so "January 2026" overlaps any window that touches January, and is served as
//! ISO text no more precise than the source ("2026-01") plus a number for client filters.

use std::fmt;

/// How precise a date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Day,
    Month,
    Year,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Year => "year",
        }
    }
}

/// A date or period: first and last day (inclusive), in days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateSpan {
    pub first: i32,
    pub last: i32,
    pub precision: Precision,
}

impl DateSpan {
    /// Whether the span overlaps `[from, to]` (either end open).
    pub fn overlaps(&self, from: Option<i32>, to: Option<i32>) -> bool {
        from.is_none_or(|f| self.last >= f) && to.is_none_or(|t| self.first <= t)
    }

    /// The span from this one's start to `end`'s end (for events with a start and an end date).
    pub fn until(self, end: DateSpan) -> DateSpan {
        DateSpan {
            first: self.first,
            last: end.last.max(self.first),
            precision: self.precision.max(end.precision),
        }
    }
}

impl fmt::Display for DateSpan {
    /// ISO text at the span's precision: `2026-01-15`, `2026-01` or `2026`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.first);
        match self.precision {
            Precision::Day => write!(f, "{y:04}-{m:02}-{d:02}"),
            Precision::Month => write!(f, "{y:04}-{m:02}"),
            Precision::Year => write!(f, "{y:04}"),
        }
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parse `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (also `YYYY/MM/DD`, and a trailing time, which is
/// ignored). The error says what was expected.
pub fn parse(text: &str) -> Result<DateSpan, String> {
    let t = text.trim();
    let t = t.split(['T', ' ']).next().unwrap_or(t);
    let parts: Vec<&str> = t.split(['-', '/']).collect();
    let bad = || format!("'{text}' is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY)");
    let num = |s: &str, len: usize| -> Result<u32, String> {
        if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<u32>().map_err(|_| bad())
    };
    match parts.as_slice() {
        [y] => {
            let y = num(y, 4)? as i32;
            Ok(DateSpan {
                first: days_from_civil(y, 1, 1),
                last: days_from_civil(y, 12, 31),
                precision: Precision::Year,
            })
        }
        [y, m] => {
            let (y, m) = (num(y, 4)? as i32, num(m, 2)?);
            if !(1..=12).contains(&m) {
                return Err(format!("'{text}' is not a date: month {m} is not 1–12"));
            }
            Ok(DateSpan {
                first: days_from_civil(y, m, 1),
                last: days_from_civil(y, m, days_in_month(y, m)),
                precision: Precision::Month,
            })
        }
        [y, m, d] => {
            let (y, m, d) = (num(y, 4)? as i32, num(m, 2)?, num(d, 2)?);
            if !(1..=12).contains(&m) {
                return Err(format!(
                    "'{text}' is not a date: month {m} is not 1–12 (expected YYYY-MM-DD)"
                ));
            }
            if d == 0 || d > days_in_month(y, m) {
                return Err(format!(
                    "'{text}' is not a date: {y:04}-{m:02} has no day {d}"
                ));
            }
            let day = days_from_civil(y, m, d);
            Ok(DateSpan {
                first: day,
                last: day,
                precision: Precision::Day,
            })
        }
        _ => Err(bad()),
    }
}

/// A span of whole days from `first` to `last`.
pub fn days(first: i32, last: i32) -> DateSpan {
    DateSpan {
        first,
        last,
        precision: Precision::Day,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 1, 15), 20_468);
        for z in [-800_000, -1, 0, 1, 20_468, 60_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn partial_dates_are_periods() {
        let jan = parse("2026-01").unwrap();
        assert_eq!(jan.to_string(), "2026-01");
        assert_eq!(jan.last - jan.first, 30);
        assert!(jan.overlaps(Some(days_from_civil(2026, 1, 31)), None));
        assert!(!jan.overlaps(Some(days_from_civil(2026, 2, 1)), None));
        assert_eq!(
            parse("2024").unwrap().last - parse("2024").unwrap().first,
            365
        );
        assert_eq!(
            parse("2025-03-04T10:00:00").unwrap().to_string(),
            "2025-03-04"
        );
    }

    #[test]
    fn bad_dates_say_why() {
        assert!(parse("2025-13-02").unwrap_err().contains("month 13"));
        assert!(parse("2025-02-30").unwrap_err().contains("no day 30"));
        assert!(
            parse("yesterday")
                .unwrap_err()
                .contains("expected YYYY-MM-DD")
        );
        assert!(parse("25-01-01").is_err());
    }
}
