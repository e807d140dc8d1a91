//! Spreadsheets as newsrooms keep them (`.xlsx`, `.ods`), read directly so nobody has to
//! export a CSV first: the first sheet, its first non-empty row as the header, one text row
//! per sheet row with the sheet's own row number, so every later message points at the row
//! the journalist sees. Cells formatted as dates become ISO dates; numbers keep their text.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Ods, Reader, Xlsx, open_workbook_from_rs};

use crate::date::DateFormat;
use crate::error::LoadError;
use crate::table::{TextRows, TextTable, TooLarge};

/// Read the first sheet of an `.xlsx` or `.ods` file.
pub fn read(path: &Path, bytes: &[u8], ods: bool) -> Result<TextTable, LoadError> {
    let kind = if ods { "OpenDocument" } else { "Excel" };
    let unreadable = |e: String| {
        LoadError::new(
            path,
            format!(
                "cannot read this {kind} spreadsheet ({e}); is it saved as .{}?",
                if ods { "ods" } else { "xlsx" }
            ),
        )
    };
    let first_sheet = |names: Vec<String>| {
        names
            .into_iter()
            .next()
            .ok_or_else(|| LoadError::new(path, "the spreadsheet has no sheets"))
    };
    let range = if ods {
        let mut book: Ods<_> = open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e: calamine::OdsError| unreadable(e.to_string()))?;
        let name = first_sheet(book.sheet_names())?;
        book.worksheet_range(&name)
            .map_err(|e| unreadable(e.to_string()))?
    } else {
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e: calamine::XlsxError| unreadable(e.to_string()))?;
        let name = first_sheet(book.sheet_names())?;
        book.worksheet_range(&name)
            .map_err(|e| unreadable(e.to_string()))?
    };
    // Sheet row numbers are 1-based; the range may start below row 1 or right of column A.
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row as usize + i + 1, cells))
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, Data::Empty)));
    let Some((header_line, header_cells)) = rows.next() else {
        return Err(LoadError::new(
            path,
            "the first sheet is empty; a header row is needed",
        ));
    };
    let mut header: Vec<String> = header_cells.iter().map(cell_text).collect();
    while header.last().is_some_and(|h| h.is_empty()) {
        header.pop();
    }
    for (c, h) in header.iter().enumerate() {
        if h.is_empty() {
            return Err(LoadError::new(
                path,
                format!(
                    "the header row has an empty cell in column {}; name every column",
                    column_letters(first_col as usize + c)
                ),
            )
            .at_line(header_line));
        }
    }
    let width = header.len();
    let mut out = TextRows::new(width);
    for (line, cells) in rows {
        let mut texts: Vec<String> = cells.iter().take(width).map(cell_text).collect();
        texts.resize(width, String::new());
        if let Some(extra) = cells
            .iter()
            .skip(width)
            .position(|c| !matches!(c, Data::Empty))
        {
            return Err(LoadError::new(
                path,
                format!(
                    "this row has a value in column {}, right of the last named column; give that column a header or clear it",
                    column_letters(first_col as usize + width + extra)
                ),
            )
            .at_line(line));
        }
        out.push(line, texts.iter().map(String::as_str))
            .map_err(|_| TooLarge::error(path))?;
    }
    Ok(TextTable {
        file: crate::error::display_path(path),
        header,
        parts: vec![out],
        spreadsheet: true,
    })
}

/// A cell as the text a CSV export of it would hold; dates as ISO `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => serial_to_iso(d.as_f64()),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A day number of the 1900 date system as `YYYY-MM-DD` (the time of day is dropped).
fn serial_to_iso(serial: f64) -> String {
    match DateFormat::Serial.parse(&serial.floor().to_string()) {
        Ok(d) => d.to_string(),
        // Out of range (or Lotus's 1900-02-29): keep the number, so the date column's
        // check names it.
        Err(_) => serial.to_string(),
    }
}

/// `A`, `B`, ..., `Z`, `AA`: the column names a spreadsheet shows.
pub fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::days_from_civil;

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn date_cells_become_iso_days() {
        assert_eq!(serial_to_iso(45651.0), "2024-12-25");
        assert_eq!(serial_to_iso(45651.75), "2024-12-25");
        assert_eq!(
            days_from_civil(2024, 12, 25) - days_from_civil(1899, 12, 30),
            45651
        );
    }
}
