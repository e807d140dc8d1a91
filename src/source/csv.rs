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

/// Read CSV bytes into text rows.
pub fn read(path: &Path, bytes: &[u8]) -> Result<TextTable, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        LoadError::new(path, "the file is not UTF-8 text; save it as CSV UTF-8").at_line(line)
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(LoadError::new(
            path,
            "the file is empty; a header row is needed",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line() as usize);
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!(
                "this row has {len} fields but the header has {expected_len} (a missing or extra separator, or an unclosed quote?)"
            ),
            _ => e.to_string(),
        };
        let err = LoadError::new(path, message);
        match line {
            Some(l) => err.at_line(l),
            None => err,
        }
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
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
    // Lines from byte offsets: the reader's own line count skips blank lines.
    let mut counted_to = 0usize;
    let mut line = 1usize;
    let mut line_at = |offset: usize| {
        // A record's position may sit on the line break before it (CRLF): skip breaks.
        let mut offset = offset.min(text.len());
        while offset < text.len() && matches!(text.as_bytes()[offset], b'\r' | b'\n') {
            offset += 1;
        }
        line += text.as_bytes()[counted_to..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = offset;
        line
    };
    let mut rows = TextRows::new(header.len());
    // One record read into again and again, not a new one (and a UTF-8 check) per row; its
    // fields are text, as the whole file is checked to be and fields split at ASCII bytes.
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let offset = e.position().map(|p| p.byte() as usize);
                let mut err = csv_error(e);
                if let Some(o) = offset {
                    err.line = Some(line_at(o));
                }
                return Err(err);
            }
        }
        let line = line_at(record.position().map(|p| p.byte() as usize).unwrap_or(0));
        let fields = record.iter().map(|f| std::str::from_utf8(f).unwrap_or(""));
        if fields.clone().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push(line, fields).map_err(|_| TooLarge::error(path))?;
    }
    Ok(TextTable {
        file: crate::error::display_path(path),
        header,
        rows,
        spreadsheet: false,
    })
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
        assert_eq!(
            t.rows.iter().collect::<Vec<_>>(),
            vec![(2, vec!["1", "x;y"]), (4, vec!["2", "z"])]
        );
    }

    #[test]
    fn tabs() {
        let t = read(Path::new("x.tsv"), b"a\tb\n1\t2\n").unwrap();
        assert_eq!(t.rows.iter().next().unwrap().1, ["1", "2"]);
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
