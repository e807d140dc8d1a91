//! Dates as sources give them: a day, a month or a year. A date is an interval of days since
//! 1970-01-01, so "January 2026" overlaps any window that touches January, and is served as
//! ISO text no more precise than the source ("2026-01") plus a number for client filters.

use std::fmt;

/// How precise a date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// How a column writes its dates. A column is read in one format, inferred from all its
/// values (never guessed cell by cell), or declared in the catalog (`date_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateFormat {
    /// `YYYY-MM-DD`, `YYYY-MM`, `YYYY` (also with `/`, and a trailing time).
    Iso,
    /// `DD/MM/YYYY` (also `-` or `.`), or `MM/YYYY`.
    DayMonthYear,
    /// `MM/DD/YYYY`, or `MM/YYYY`.
    MonthDayYear,
    /// Month names: `3 Feb 2025`, `February 3, 2025`, `Feb 2025`, `3-Feb-2025`.
    Written,
    /// Spreadsheet day numbers (1 = 1900-01-01, as Excel and LibreOffice count).
    Serial,
}

impl DateFormat {
    pub const ALL: [DateFormat; 5] = [
        DateFormat::Iso,
        DateFormat::Written,
        DateFormat::DayMonthYear,
        DateFormat::MonthDayYear,
        DateFormat::Serial,
    ];

    /// The name a catalog uses for it (`date_format = "DD/MM/YYYY"`).
    pub fn name(self) -> &'static str {
        match self {
            DateFormat::Iso => "YYYY-MM-DD",
            DateFormat::DayMonthYear => "DD/MM/YYYY",
            DateFormat::MonthDayYear => "MM/DD/YYYY",
            DateFormat::Written => "D Mon YYYY",
            DateFormat::Serial => "serial",
        }
    }

    /// The format a catalog names, case-insensitively; `None` when unknown.
    pub fn from_name(name: &str) -> Option<DateFormat> {
        let n: String = name
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match n.as_str() {
            "yyyymmdd" | "iso" | "yyyymm" | "yyyy" => DateFormat::Iso,
            "ddmmyyyy" | "dmy" => DateFormat::DayMonthYear,
            "mmddyyyy" | "mdy" => DateFormat::MonthDayYear,
            "dmonyyyy" | "dmmmyyyy" | "written" | "text" => DateFormat::Written,
            "serial" | "excel" => DateFormat::Serial,
            _ => return None,
        })
    }

    /// Whether `text` could be in this format at all: a cheap look at its shape, so inferring
    /// a column's format does not build an error message for every value it rejects.
    fn may_read(self, text: &str) -> bool {
        let t = text.trim().as_bytes();
        let digits_first = t.first().is_some_and(u8::is_ascii_digit);
        match self {
            DateFormat::Iso => t.len() >= 4 && t[..4].iter().all(u8::is_ascii_digit),
            DateFormat::DayMonthYear | DateFormat::MonthDayYear => {
                digits_first && t.iter().any(|b| matches!(b, b'/' | b'-' | b'.'))
            }
            DateFormat::Written => t.iter().any(u8::is_ascii_alphabetic),
            DateFormat::Serial => {
                digits_first && t.iter().all(|b| b.is_ascii_digit() || *b == b'.')
            }
        }
    }

    /// Parse one value in this format.
    pub fn parse(self, text: &str) -> Result<DateSpan, String> {
        match self {
            DateFormat::Iso => parse(text),
            DateFormat::DayMonthYear => parse_numeric(text, true),
            DateFormat::MonthDayYear => parse_numeric(text, false),
            DateFormat::Written => parse_written(text),
            DateFormat::Serial => parse_serial(text),
        }
    }
}

/// Why a column's date format could not be chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatError {
    /// Every value reads both as DD/MM/YYYY and as MM/DD/YYYY.
    Ambiguous,
    /// No value reads as a date in any format.
    NoDates,
}

/// The one format that reads every value of a column; when none reads all, the one that
/// reads most (the other values are then errors). `serial` is considered only for
/// spreadsheets, where day numbers are how dates are stored.
pub fn infer_format<'a>(
    values: impl Iterator<Item = &'a str> + Clone,
    allow_serial: bool,
) -> Result<DateFormat, FormatError> {
    let candidates: Vec<DateFormat> = DateFormat::ALL
        .into_iter()
        .filter(|f| allow_serial || *f != DateFormat::Serial)
        .collect();
    let total = values.clone().filter(|v| !v.trim().is_empty()).count();
    let counts: Vec<usize> = candidates
        .iter()
        .map(|f| {
            values
                .clone()
                .filter(|v| !v.trim().is_empty() && f.may_read(v) && f.parse(v).is_ok())
                .count()
        })
        .collect();
    let best = counts.iter().copied().max().unwrap_or(0);
    if best == 0 || total == 0 {
        return Err(FormatError::NoDates);
    }
    let winners: Vec<DateFormat> = candidates
        .iter()
        .zip(&counts)
        .filter(|(_, c)| **c == best)
        .map(|(f, _)| *f)
        .collect();
    // ISO first: `2025-03-04` is never day-first.
    if winners.contains(&DateFormat::Iso) {
        return Ok(DateFormat::Iso);
    }
    if winners.contains(&DateFormat::DayMonthYear) && winners.contains(&DateFormat::MonthDayYear) {
        // Only months and years (`03/2025`) read alike in both: no ambiguity about the day.
        let has_day = values
            .clone()
            .filter_map(|v| DateFormat::DayMonthYear.parse(v).ok())
            .any(|d| d.precision == Precision::Day);
        return if has_day {
            Err(FormatError::Ambiguous)
        } else {
            Ok(DateFormat::DayMonthYear)
        };
    }
    Ok(winners[0])
}

/// `DD/MM/YYYY` (`day_first`) or `MM/DD/YYYY`; `MM/YYYY` is a month in both.
fn parse_numeric(text: &str, day_first: bool) -> Result<DateSpan, String> {
    let t = text.trim();
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    let expected = if day_first {
        "DD/MM/YYYY"
    } else {
        "MM/DD/YYYY"
    };
    let bad = || format!("'{text}' is not a date (expected {expected})");
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    let num = |s: &str, max_len: usize| -> Result<u32, String> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<u32>().map_err(|_| bad())
    };
    let year = |s: &str| -> Result<i32, String> {
        if s.len() != 4 {
            return Err(format!(
                "'{text}' is not a date: the year must have four digits (expected {expected})"
            ));
        }
        Ok(num(s, 4)? as i32)
    };
    match parts.as_slice() {
        [m, y] => month_span(text, year(y)?, num(m, 2)?),
        [a, b, y] => {
            let (a, b, y) = (num(a, 2)?, num(b, 2)?, year(y)?);
            let (d, m) = if day_first { (a, b) } else { (b, a) };
            day_span(text, y, m, d)
        }
        _ => Err(bad()),
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// `3 Feb 2025`, `3 February 2025`, `Feb 3, 2025`, `Feb 2025`, `3-Feb-2025`.
fn parse_written(text: &str) -> Result<DateSpan, String> {
    let bad = || {
        format!("'{text}' is not a date (expected a day, a month name and a year, e.g. 3 Feb 2025)")
    };
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '/' | '.'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    let mut month = None;
    let mut year = None;
    let mut day = None;
    for w in &words {
        if w.chars().all(|c| c.is_alphabetic()) {
            let m = MONTHS
                .iter()
                .position(|m| w.len() >= 3 && (w.starts_with(m) && (w.len() == 3 || full_month(w))))
                .ok_or_else(bad)?;
            if month.replace(m as u32 + 1).is_some() {
                return Err(bad());
            }
        } else {
            let digits = w.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']);
            if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
                return Err(bad());
            }
            let n: u32 = digits.parse().map_err(|_| bad())?;
            if digits.len() == 4 && year.is_none() {
                year = Some(n as i32);
            } else if digits.len() <= 2 && day.is_none() {
                day = Some(n);
            } else {
                return Err(bad());
            }
        }
    }
    match (day, month, year) {
        (Some(d), Some(m), Some(y)) => day_span(text, y, m, d),
        (None, Some(m), Some(y)) => month_span(text, y, m),
        _ => Err(bad()),
    }
}

fn full_month(w: &str) -> bool {
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    FULL.contains(&w) || w == "sept"
}

/// A spreadsheet day number: 1 is 1900-01-01; 60 is Lotus's 1900-02-29, which did not exist.
fn parse_serial(text: &str) -> Result<DateSpan, String> {
    let t = text.trim();
    let bad = || format!("'{text}' is not a spreadsheet date number");
    let v: f64 = t.parse().map_err(|_| bad())?;
    if !(1.0..2_958_466.0).contains(&v) || v == 60.0 {
        return Err(bad());
    }
    let whole = v.floor() as i32;
    // Day 61 is 1900-03-01; from there on, day n is 1899-12-30 + n.
    let day = if whole > 60 {
        days_from_civil(1899, 12, 30) + whole
    } else {
        days_from_civil(1899, 12, 31) + whole
    };
    Ok(days(day, day))
}

fn month_span(text: &str, y: i32, m: u32) -> Result<DateSpan, String> {
    if !(1..=12).contains(&m) {
        return Err(format!("'{text}' is not a date: month {m} is not 1–12"));
    }
    Ok(DateSpan {
        first: days_from_civil(y, m, 1),
        last: days_from_civil(y, m, days_in_month(y, m)),
        precision: Precision::Month,
    })
}

fn day_span(text: &str, y: i32, m: u32, d: u32) -> Result<DateSpan, String> {
    if !(1..=12).contains(&m) {
        return Err(format!("'{text}' is not a date: month {m} is not 1–12"));
    }
    if d == 0 || d > days_in_month(y, m) {
        return Err(format!(
            "'{text}' is not a date: {y:04}-{m:02} has no day {d}"
        ));
    }
    let day = days_from_civil(y, m, d);
    Ok(days(day, day))
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
    fn sheet_formats_read_one_way_per_column() {
        let dmy = DateFormat::DayMonthYear;
        assert_eq!(dmy.parse("25/12/2025").unwrap().to_string(), "2025-12-25");
        assert_eq!(dmy.parse("5.1.2025").unwrap().to_string(), "2025-01-05");
        assert_eq!(
            DateFormat::MonthDayYear
                .parse("12/25/2025")
                .unwrap()
                .to_string(),
            "2025-12-25"
        );
        assert_eq!(dmy.parse("03/2025").unwrap().to_string(), "2025-03");
        let w = DateFormat::Written;
        assert_eq!(w.parse("3 Feb 2025").unwrap().to_string(), "2025-02-03");
        assert_eq!(
            w.parse("February 3, 2025").unwrap().to_string(),
            "2025-02-03"
        );
        assert_eq!(w.parse("3-Feb-2025").unwrap().to_string(), "2025-02-03");
        assert_eq!(w.parse("Sept 2024").unwrap().to_string(), "2024-09");
        assert!(w.parse("3 Fbe 2025").is_err());
        assert_eq!(
            DateFormat::Serial.parse("45651").unwrap().to_string(),
            "2024-12-25"
        );
        assert_eq!(
            DateFormat::Serial.parse("1").unwrap().to_string(),
            "1900-01-01"
        );
        assert!(dmy.parse("25/12/25").unwrap_err().contains("four digits"));

        let col = |v: &[&'static str]| infer_format(v.iter().copied(), false);
        assert_eq!(
            col(&["25/12/2025", "03/01/2025"]),
            Ok(DateFormat::DayMonthYear)
        );
        assert_eq!(
            col(&["12/25/2025", "03/01/2025"]),
            Ok(DateFormat::MonthDayYear)
        );
        assert_eq!(
            col(&["03/01/2025", "04/02/2025"]),
            Err(FormatError::Ambiguous)
        );
        assert_eq!(col(&["2025-01-03", "2025-02"]), Ok(DateFormat::Iso));
        assert_eq!(
            col(&["3 Feb 2025", "", "Mar 2025"]),
            Ok(DateFormat::Written)
        );
        // One bad value does not change the column's format; it becomes that row's error.
        assert_eq!(
            col(&["25/12/2025", "31/31/2025", "01/02/2025"]),
            Ok(DateFormat::DayMonthYear)
        );
        assert_eq!(col(&["unknown", ""]), Err(FormatError::NoDates));
        assert_eq!(
            DateFormat::from_name("dd/mm/yyyy"),
            Some(DateFormat::DayMonthYear)
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
