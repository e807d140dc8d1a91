//! CSV tables as journalists save them: comma, semicolon or tab; UTF-8 with or without a BOM;
//! CRLF or LF. Every row keeps its line number; a row with the wrong number of fields is an
//! error naming the line.

use std::path::Path;

use crate::error::LoadError;
use crate::table::{TextRows, TextTable, TooLarge};

/// The delimiter of the header line: the most frequent of comma, semicolon and tab outside
/// quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// A file of at least this much text per core is read in parts, one per core.
const PART_BYTES: usize = 4 << 20;

/// Read CSV bytes into text rows, in a part per core when the file is large.
pub fn read(path: &Path, bytes: &[u8]) -> Result<TextTable, LoadError> {
    read_parts(path, bytes, crate::cores::runs(bytes.len(), PART_BYTES))
}

/// Read CSV bytes in `parts` parts (or fewer, if there are fewer lines), each on a thread of
/// its own: the same rows, lines and errors as one part (public for the fuzz target, which
/// holds it to that).
///
/// A part starts at the first line that begins after its share of the bytes, and reads on
/// until a row starts at or past the next part's start. That line may be inside a quoted
/// cell; the part before then ends elsewhere, which the merge sees, and the rest of the file
/// is read there on one core. Rows, lines and errors are those of one pass over the file.
pub fn read_parts(path: &Path, bytes: &[u8], parts: usize) -> Result<TextTable, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + newlines(&bytes[..e.valid_up_to()]);
        LoadError::new(path, "the file is not UTF-8 text; save it as CSV UTF-8").at_line(line)
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(LoadError::new(
            path,
            "the file is empty; a header row is needed",
        ));
    }
    let delimiter = sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            let line = e.position().map_or(1, |p| {
                1 + newlines(&text.as_bytes()[..(p.byte() as usize).min(text.len())])
            });
            csv_error(path, &e).at_line(line)
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            return Err(LoadError::new(
                path,
                format!("column {} has no name in the header row", i + 1),
            )
            .at_line(1));
        }
        if !seen.insert(h) {
            return Err(LoadError::new(
                path,
                format!("column '{h}' appears twice in the header row"),
            )
            .at_line(1));
        }
    }
    let body = skip_breaks(text, reader.position().byte() as usize);
    let width = header.len();
    let length = text.len() - body;
    let count = parts.max(1);
    // Part `i` starts at the first line beginning after its share of the bytes.
    let share = length.div_ceil(count);
    let boundary = |i: usize| {
        let from = body + i * share;
        if i == 0 {
            return body;
        }
        match text.as_bytes().get(from..).filter(|_| i < count) {
            Some(rest) => match rest.iter().position(|&b| b == b'\n') {
                Some(n) => skip_breaks(text, from + n + 1),
                None => text.len(),
            },
            None => text.len(),
        }
    };
    let read = crate::cores::map_each(count, |i| {
        read_part(path, text, delimiter, width, boundary(i), boundary(i + 1))
    });
    let mut parts = Vec::with_capacity(read.len());
    let mut at = body;
    let mut line = 1 + newlines(&text.as_bytes()[..body]);
    let mut read = read.into_iter();
    while let Some(mut part) = read.next() {
        if part.start != at {
            // The line this part started at is inside a quoted cell: read the rest here.
            part = read_part(path, text, delimiter, width, at, text.len());
            read = Vec::new().into_iter();
        }
        if let Some(mut err) = part.error {
            err.line = err.line.map(|l| l + line);
            return Err(err);
        }
        let mut rows = part.rows;
        rows.shift_lines(line);
        parts.push(rows);
        line += part.newlines;
        at = part.end;
    }
    Ok(TextTable {
        file: crate::error::display_path(path),
        header,
        parts,
        spreadsheet: false,
    })
}

/// The rows of one part of a file, and where it ended.
struct Part {
    /// Where its first row starts and where the row after its last starts (a byte offset).
    start: usize,
    end: usize,
    rows: TextRows,
    /// Line breaks from `start` to `end`; the rows' lines and the error's line count from
    /// `start` (the part's first line is 0).
    newlines: usize,
    /// The first bad row; the part ends there.
    error: Option<LoadError>,
}

/// Read the rows that start from `start` (the start of a row or of a line) until one starts
/// at or past `stop`.
fn read_part(
    path: &Path,
    text: &str,
    delimiter: u8,
    width: usize,
    start: usize,
    stop: usize,
) -> Part {
    // The reader starts on the line break before the part, as one pass would have: a reader
    // at the very start of its input takes a byte order mark there for the file's own.
    let origin = if start > 0 && matches!(text.as_bytes()[start - 1], b'\r' | b'\n') {
        start - 1
    } else {
        start
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(&text.as_bytes()[origin..]);
    // Lines from byte offsets (from `origin`): the reader's own line count skips blank lines.
    let mut counted_to = start;
    let mut line = 0usize;
    let mut line_at = |offset: usize| {
        // A record's position may sit on the line break before it (CRLF): skip breaks.
        let offset = skip_breaks(text, origin + offset).max(start);
        line += newlines(&text.as_bytes()[counted_to..offset]);
        counted_to = offset;
        line
    };
    let mut rows = TextRows::new(width);
    let mut error = None;
    // One record read into again and again, not a new one per row (its text is checked as
    // UTF-8 once, not cell by cell).
    let mut record = csv::StringRecord::new();
    let end = loop {
        let next = skip_breaks(text, origin + reader.position().byte() as usize);
        if next >= stop {
            break next;
        }
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break text.len(),
            Err(e) => {
                let offset = e.position().map(|p| p.byte() as usize);
                let mut err = csv_error(path, &e);
                err.line = offset.map(&mut line_at);
                error = Some(err);
                break text.len();
            }
        }
        let line = line_at(record.position().map(|p| p.byte() as usize).unwrap_or(0));
        if record.len() != width {
            error = Some(
                LoadError::new(
                    path,
                    format!(
                        "this row has {} fields but the header has {width} (a missing or extra separator, or an unclosed quote?)",
                        record.len()
                    ),
                )
                .at_line(line),
            );
            break text.len();
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.push(line, record.iter()).is_err() {
            error = Some(TooLarge::error(path));
            break text.len();
        }
    };
    let newlines = line_at(end - origin);
    Part {
        start,
        end,
        rows,
        newlines,
        error,
    }
}

/// A reader's error, without its line.
fn csv_error(path: &Path, e: &csv::Error) -> LoadError {
    LoadError::new(path, e.to_string())
}

/// The offset past any line breaks at `offset`.
fn skip_breaks(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut offset = offset.min(bytes.len());
    while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
        offset += 1;
    }
    offset
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_bom_and_crlf() {
        let t = read(
            Path::new("x.csv"),
            "\u{feff}a;b\r\n1;\"x;y\"\r\n\r\n2;z\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(t.header, ["a", "b"]);
        assert_eq!(t.rows(), vec![(2, vec!["1", "x;y"]), (4, vec!["2", "z"])]);
    }

    #[test]
    fn tabs() {
        let t = read(Path::new("x.tsv"), b"a\tb\n1\t2\n").unwrap();
        assert_eq!(t.rows()[0].1, ["1", "2"]);
    }

    /// Read in parts, a file gives the rows, lines and first error of one pass, wherever
    /// the parts start: in a quoted cell across lines, on blank lines, in CRLF breaks.
    #[test]
    fn parts_read_as_one_pass() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for case in 0..300 {
            let mut text = String::from("id,note,when\r\n");
            for row in 0..next(40) {
                let note = match next(6) {
                    0 => "\"two\nlines, and \"\"quotes\"\"\"".to_string(),
                    1 => "\"\r\n\r\n\"".to_string(),
                    2 => String::new(),
                    _ => format!("n{row}"),
                };
                if next(20) == 0 {
                    // A byte order mark inside the file is text, wherever a part starts.
                    text.push('\u{feff}');
                }
                text.push_str(&format!("{row},{note},2026-0{}", 1 + next(9)));
                text.push_str(["\n", "\r\n", "\n\n", "\r\n\r\n"][next(4) as usize]);
                if case % 50 == 49 && next(30) == 0 {
                    text.push_str("short\n");
                }
            }
            let path = Path::new("x.csv");
            let one = read_parts(path, text.as_bytes(), 1);
            for parts in 2..9 {
                let many = read_parts(path, text.as_bytes(), parts);
                match (&one, &many) {
                    (Ok(a), Ok(b)) => assert_eq!(a.rows(), b.rows(), "{parts} parts of {text:?}"),
                    (Err(a), Err(b)) => assert_eq!(
                        (a.line, &a.message),
                        (b.line, &b.message),
                        "{parts} parts of {text:?}"
                    ),
                    _ => panic!("{parts} parts of {text:?}: {one:?} against {many:?}"),
                }
            }
        }
        let err = read_parts(Path::new("x.csv"), b"a,b\n1,2\n3,4\n\n5\n6,7\n", 3).unwrap_err();
        assert_eq!(err.line, Some(5));
        // Found by the fuzz target: a last line of only a byte order mark is a row of one
        // field, not an empty line, in a part of its own too.
        let text = "a,b,c,d\n5,2025-02-02,T',\n\u{feff}";
        for parts in 1..4 {
            let err = read_parts(Path::new("x.csv"), text.as_bytes(), parts).unwrap_err();
            assert_eq!(err.line, Some(3), "{parts} parts");
        }
        let t = read_parts(Path::new("x.csv"), "a\n\u{feff}1\n".as_bytes(), 1).unwrap();
        assert_eq!(t.rows(), [(2, vec!["\u{feff}1"])]);
    }

    #[test]
    fn short_row_names_its_line() {
        let err = read(Path::new("x.csv"), b"a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.contains("1 fields but the header has 2"),
            "{err}"
        );
    }
}
