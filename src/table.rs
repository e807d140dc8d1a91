//! Attribute tables: rows of typed cells read from CSV or JSON, each remembering its line so
//! every later complaint (a bad date, an unmatched province) can point at it.

use std::collections::{HashMap, HashSet};
use std::mem::MaybeUninit;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::date::{self, DateSpan};
use crate::error::{LoadError, LoadErrors};
use crate::value::{ColumnType, Value};

#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

/// A typed cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Text(Arc<str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(DateSpan),
}

impl Cell {
    pub fn to_value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Int(i) => Value::Int(*i),
            Cell::Float(f) => Value::Float(*f),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Date(d) => Value::String(d.to_string().into()),
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn date(&self) -> Option<DateSpan> {
        match self {
            Cell::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// The cell as text for keys and messages.
    pub fn display(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// One data row and the line it came from (1-based; the header is line 1 in CSV).
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    pub line: usize,
    pub cells: &'a [Cell],
}

/// A table of rows with typed columns.
#[derive(Clone, Debug)]
pub struct Table {
    pub file: String,
    pub columns: Vec<Column>,
    /// Every row's cells, row after row, `columns.len()` to a row: one allocation, so a
    /// large table's typed cells go back to the system when they are dropped (a list per
    /// row left a million holes between the text that outlives them).
    cells: Vec<Cell>,
    lines: Vec<usize>,
    /// Read from a spreadsheet, where dates may be stored as day numbers.
    pub spreadsheet: bool,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Row `r` (`r < len()`).
    pub fn row(&self, r: usize) -> Row<'_> {
        let width = self.columns.len();
        Row {
            line: self.lines[r],
            cells: &self.cells[r * width..(r + 1) * width],
        }
    }

    /// Row `r`, if there is one.
    pub fn get(&self, r: usize) -> Option<Row<'_>> {
        (r < self.len()).then(|| self.row(r))
    }

    /// The rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> + Clone + '_ {
        (0..self.len()).map(|r| self.row(r))
    }

    /// The index of a column the catalog names, or an error listing the columns there are.
    pub fn require(&self, name: &str, role: &str) -> Result<usize, LoadError> {
        self.column(name)
            .ok_or_else(|| self.missing_column(name, role))
    }

    /// Keep the first `n` rows, giving the rest's memory back.
    pub fn keep_rows(&mut self, n: usize) {
        if n >= self.len() {
            return;
        }
        self.cells.truncate(n * self.columns.len());
        self.cells.shrink_to_fit();
        self.lines.truncate(n);
        self.lines.shrink_to_fit();
    }

    /// The table without the columns at these positions.
    pub fn without_columns(&self, drop: &[usize]) -> Table {
        let keep: Vec<usize> = (0..self.columns.len())
            .filter(|c| !drop.contains(c))
            .collect();
        let mut cells = Vec::with_capacity(self.len() * keep.len());
        for row in self.rows() {
            cells.extend(keep.iter().map(|&c| row.cells[c].clone()));
        }
        let columns = keep
            .iter()
            .filter_map(|&c| self.columns.get(c).cloned())
            .collect();
        Table {
            file: self.file.clone(),
            columns,
            cells,
            lines: self.lines.clone(),
            spreadsheet: self.spreadsheet,
        }
    }

    /// The error for a column the table lacks.
    pub fn missing_column(&self, name: &str, role: &str) -> LoadError {
        let have: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        LoadError::new(
            Path::new(&self.file),
            format!(
                "missing column '{name}' ({role}); the columns are: {}",
                have.join(", ")
            ),
        )
        .at_line(1)
        .with_field(name)
    }

    /// An error about a cell: its file, line, column number and header.
    pub fn cell_error(&self, row: Row, column: usize, message: impl Into<String>) -> LoadError {
        LoadError::new(Path::new(&self.file), message)
            .at_line(row.line)
            .at_column(column + 1)
            .with_field(self.columns[column].name.clone())
    }
}

/// Raw text rows before typing: header names and, per row, its line and cells.
#[derive(Debug)]
pub struct TextTable {
    pub file: String,
    pub header: Vec<String>,
    /// The rows in parts that follow one another (a large CSV file is read a part per core,
    /// and its cells are typed so).
    pub parts: Vec<TextRows>,
    /// Read from a spreadsheet (`.xlsx`, `.ods`), where dates may be stored as day numbers.
    pub spreadsheet: bool,
}

#[cfg(test)]
impl TextTable {
    /// Every row's line and cells, in order.
    pub fn rows(&self) -> Vec<(usize, Vec<&str>)> {
        self.parts.iter().flat_map(TextRows::iter).collect()
    }
}

/// Rows of text cells packed into one buffer, each row with its line. A `Vec<String>` per
/// row cost about 600 bytes a row of eleven cells, five times a CSV file's own size.
#[derive(Debug, Default, PartialEq)]
pub struct TextRows {
    width: usize,
    text: String,
    /// Where each cell ends in `text` (a row's cells follow one another).
    ends: Vec<u32>,
    lines: Vec<usize>,
}

/// A table's text is over 4 GB, past what one buffer indexes with 32-bit offsets.
#[derive(Debug)]
pub struct TooLarge;

impl TooLarge {
    pub fn error(path: &Path) -> LoadError {
        LoadError::new(
            path,
            "the table holds over 4 GB of text, more than one table can; split it into several files",
        )
    }
}

impl TextRows {
    /// Rows of `width` cells.
    pub fn new(width: usize) -> TextRows {
        TextRows {
            width,
            ..TextRows::default()
        }
    }

    /// Append a row from `line`: its first `width` cells, padded with empty ones.
    pub fn push<'a>(
        &mut self,
        line: usize,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), TooLarge> {
        let mut n = 0;
        for cell in cells.into_iter().take(self.width) {
            self.text.push_str(cell);
            self.ends
                .push(u32::try_from(self.text.len()).map_err(|_| TooLarge)?);
            n += 1;
        }
        let end = u32::try_from(self.text.len()).map_err(|_| TooLarge)?;
        self.ends.extend(std::iter::repeat_n(end, self.width - n));
        self.lines.push(line);
        Ok(())
    }

    /// Move every row's line on by `by`.
    pub fn shift_lines(&mut self, by: usize) {
        for line in &mut self.lines {
            *line += by;
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Row `r`'s line in its file.
    pub fn line(&self, r: usize) -> usize {
        self.lines[r]
    }

    /// Row `r`'s cell in column `c`.
    pub fn cell(&self, r: usize, c: usize) -> &str {
        let i = r * self.width + c;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Keep the first `n` rows, giving the rest's memory back.
    fn keep_rows(&mut self, n: usize) {
        if n >= self.len() {
            return;
        }
        let cells = n * self.width;
        let end = if cells == 0 {
            0
        } else {
            self.ends[cells - 1] as usize
        };
        self.text.truncate(end);
        self.text.shrink_to_fit();
        self.ends.truncate(cells);
        self.ends.shrink_to_fit();
        self.lines.truncate(n);
        self.lines.shrink_to_fit();
    }

    /// Each row's line and cells.
    pub fn iter(&self) -> impl Iterator<Item = (usize, Vec<&str>)> + '_ {
        (0..self.len()).map(|r| {
            let cells = (0..self.width).map(|c| self.cell(r, c)).collect();
            (self.lines[r], cells)
        })
    }
}

/// Type a text table: declared types are enforced (every bad cell is reported, with file,
/// line and column); the others are inferred from every non-empty cell.
pub fn type_columns(
    text: TextTable,
    declared: &HashMap<String, ColumnType>,
) -> Result<Table, LoadErrors> {
    let file = Path::new(&text.file).to_path_buf();
    for name in declared.keys() {
        if !text.header.contains(name) {
            return Err(LoadError::new(
                &file,
                format!("the catalog declares a type for column '{name}', which the file does not have (columns: {})", text.header.join(", ")),
            )
            .at_line(1)
            .with_field(name.clone())
            .into());
        }
    }
    // Columns inferred in parallel (each reads every row of its column).
    let kinds: Vec<ColumnType> = crate::cores::map_runs(text.header.len(), 1, |columns| {
        columns
            .map(|c| {
                declared.get(&text.header[c]).copied().unwrap_or_else(|| {
                    infer(
                        text.parts
                            .iter()
                            .flat_map(|part| (0..part.len()).map(move |r| part.cell(r, c))),
                    )
                })
            })
            .collect::<Vec<_>>()
    })
    .concat();
    let TextTable {
        file: name,
        header,
        parts,
        spreadsheet,
    } = text;
    let lines: Vec<usize> = parts.iter().flat_map(|p| p.lines.iter().copied()).collect();
    let width = kinds.len();
    // Each part typed on a core of its own, straight into its place among the table's
    // cells; the parts' text is given back as the cells grow (holding all of both was the
    // peak of loading a large table).
    let mut cells: Vec<Cell> = Vec::with_capacity(lines.len() * width);
    let mut places = Vec::with_capacity(parts.len());
    let mut rest = &mut cells.spare_capacity_mut()[..lines.len() * width];
    for part in &parts {
        let (place, after) = rest.split_at_mut(part.len() * width);
        places.push(place);
        rest = after;
    }
    let typer = Typer {
        file: &file,
        header: &header,
        kinds: &kinds,
    };
    let errors: Vec<LoadError> =
        crate::cores::map_owned(parts.into_iter().zip(places).collect(), |(part, place)| {
            typer.type_part(part, place)
        })
        .concat();
    // SAFETY: the places cover the first `lines.len() * width` slots of `cells`, one part's
    // rows each, and `type_part` wrote every slot of its place (a bad cell as null) before
    // returning; a panic in any part is carried on by `map_owned` before this line.
    unsafe { cells.set_len(lines.len() * width) };
    if !errors.is_empty() {
        return Err(LoadErrors(errors));
    }
    let columns = header
        .into_iter()
        .zip(kinds)
        .map(|(name, kind)| Column { name, kind })
        .collect();
    Ok(Table {
        file: name,
        columns,
        cells,
        lines,
        spreadsheet,
    })
}

/// What typing a part of a table needs to know.
struct Typer<'a> {
    file: &'a Path,
    header: &'a [String],
    kinds: &'a [ColumnType],
}

impl Typer<'_> {
    /// Type `part` into `place` (its rows' cells, row after row), last row first, giving its
    /// text back as it goes; every slot of `place` is written. The bad cells, in file order.
    fn type_part(&self, mut part: TextRows, place: &mut [MaybeUninit<Cell>]) -> Vec<LoadError> {
        let width = self.kinds.len();
        let mut errors: Vec<LoadError> = Vec::new();
        let mut interners: Vec<Interner> = self.kinds.iter().map(|_| Interner::default()).collect();
        const GIVE_BACK: usize = 1 << 16;
        for r in (0..part.len()).rev() {
            for (c, &kind) in self.kinds.iter().enumerate().rev() {
                let raw = part.cell(r, c);
                let parsed = match kind {
                    ColumnType::Text => Ok(interners[c].text_cell(raw)),
                    kind => parse_cell(raw, kind),
                };
                let cell = parsed.unwrap_or_else(|msg| {
                    errors.push(
                        LoadError::new(self.file, msg)
                            .at_line(part.line(r))
                            .at_column(c + 1)
                            .with_field(self.header[c].clone()),
                    );
                    Cell::Null
                });
                place[r * width + c].write(cell);
            }
            if r % GIVE_BACK == 0 {
                part.keep_rows(r);
            }
        }
        errors.reverse();
        errors
    }
}

fn infer<'a>(cells: impl Iterator<Item = &'a str> + Clone) -> ColumnType {
    let values: Vec<&str> = cells.map(str::trim).filter(|s| !s.is_empty()).collect();
    if values.is_empty() {
        return ColumnType::Text;
    }
    if values.iter().all(|v| v.parse::<i64>().is_ok()) {
        return ColumnType::Integer;
    }
    if values
        .iter()
        .all(|v| v.parse::<f64>().is_ok_and(f64::is_finite))
    {
        return ColumnType::Float;
    }
    if values
        .iter()
        .all(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "false"))
    {
        return ColumnType::Boolean;
    }
    if values
        .iter()
        .all(|v| v.contains('-') && date::parse(v).is_ok())
    {
        return ColumnType::Date;
    }
    ColumnType::Text
}

/// Repeated text shares one allocation: a column of a million rows names a few groups,
/// sources and places, and each row holding its own copy was most of a large table's memory.
#[derive(Default)]
pub struct Interner {
    seen: HashSet<Arc<str>, crate::value::IdBuild>,
}

impl Interner {
    /// Distinct values remembered per column; a column of mostly unique text (citations,
    /// notes) stops being remembered there, and its later values are allocated as they come.
    pub const LIMIT: usize = 1 << 16;

    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(known) = self.seen.get(text) {
            return known.clone();
        }
        let new: Arc<str> = text.into();
        if self.seen.len() < Self::LIMIT {
            self.seen.insert(new.clone());
        }
        new
    }

    /// A text cell as [`parse_cell`] reads it (trimmed; empty is null), interned.
    fn text_cell(&mut self, raw: &str) -> Cell {
        match raw.trim() {
            "" => Cell::Null,
            t => Cell::Text(self.get(t)),
        }
    }
}

/// Parse one cell as `kind`; empty cells are null.
pub fn parse_cell(raw: &str, kind: ColumnType) -> Result<Cell, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(Cell::Null);
    }
    Ok(match kind {
        ColumnType::Text => Cell::Text(t.into()),
        ColumnType::Integer => Cell::Int(
            t.parse()
                .map_err(|_| format!("'{t}' is not a whole number"))?,
        ),
        ColumnType::Float => {
            let v: f64 = t.parse().map_err(|_| format!("'{t}' is not a number"))?;
            if !v.is_finite() {
                return Err(format!("'{t}' is not a finite number"));
            }
            Cell::Float(v)
        }
        ColumnType::Boolean => match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Cell::Bool(true),
            "false" | "no" | "0" => Cell::Bool(false),
            _ => return Err(format!("'{t}' is not true or false")),
        },
        ColumnType::Date => Cell::Date(date::parse(t)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &[&str], rows: &[&[&str]]) -> TextTable {
        let mut text = TextRows::new(header.len());
        for (i, r) in rows.iter().enumerate() {
            text.push(i + 2, r.iter().copied()).unwrap();
        }
        TextTable {
            file: "t.csv".into(),
            header: header.iter().map(|s| s.to_string()).collect(),
            parts: vec![text],
            spreadsheet: false,
        }
    }

    /// Cells are typed last row first and given back in blocks: a table past a block keeps
    /// every row in order, and its bad cells are reported in file order.
    #[test]
    fn a_large_table_keeps_its_order_and_reports_in_file_order() {
        let n = 150_000;
        let rows: Vec<[String; 3]> = (0..n)
            .map(|i| {
                let count = if i == 3 || i == 140_000 {
                    "x".to_string()
                } else {
                    i.to_string()
                };
                let flag = if i == 3 { "maybe" } else { "true" };
                [count, format!("row {i}"), flag.to_string()]
            })
            .collect();
        let refs: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
        let declared = HashMap::from([
            ("n".to_string(), ColumnType::Integer),
            ("ok".to_string(), ColumnType::Boolean),
        ]);
        let errors = type_columns(table(&["n", "s", "ok"], &slices), &declared).unwrap_err();
        let at: Vec<(Option<usize>, Option<usize>)> =
            errors.0.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            at,
            [
                (Some(5), Some(1)),
                (Some(5), Some(3)),
                (Some(140_002), Some(1))
            ]
        );
        let t = type_columns(table(&["n", "s"], &slices), &HashMap::new()).unwrap();
        assert_eq!(t.len(), n);
        for r in [0, 65_535, 65_536, 131_072, n - 1] {
            assert_eq!(t.row(r).line, r + 2);
            assert_eq!(t.row(r).cells[1], Cell::Text(format!("row {r}").into()));
        }
    }

    /// A table in parts (a large CSV file's) types as it would in one: the same cells and
    /// lines, types inferred over every part, bad cells reported in file order.
    #[test]
    fn parts_type_as_one() {
        let rows: Vec<[String; 2]> = (0..10)
            .map(|i| {
                let n = if i == 2 || i == 7 {
                    "x".into()
                } else {
                    i.to_string()
                };
                let d = if i == 8 {
                    "2026-01".into()
                } else {
                    format!("{i}.5")
                };
                [n, d]
            })
            .collect();
        let part = |range: std::ops::Range<usize>| {
            let mut text = TextRows::new(2);
            for i in range {
                text.push(i + 2, rows[i].iter().map(String::as_str))
                    .unwrap();
            }
            text
        };
        let table = |parts: Vec<TextRows>| TextTable {
            file: "t.csv".into(),
            header: vec!["n".into(), "d".into()],
            parts,
            spreadsheet: false,
        };
        let one = type_columns(table(vec![part(0..10)]), &HashMap::new()).unwrap();
        let three = type_columns(
            table(vec![part(0..3), part(3..3), part(3..10)]),
            &HashMap::new(),
        )
        .unwrap();
        assert_eq!(one.columns[1].kind, ColumnType::Text);
        assert_eq!(three.columns[1].kind, ColumnType::Text);
        assert_eq!(one.cells, three.cells);
        assert_eq!(one.lines, three.lines);
        let declared = HashMap::from([("n".to_string(), ColumnType::Integer)]);
        let errors = type_columns(table(vec![part(0..5), part(5..10)]), &declared).unwrap_err();
        let lines: Vec<Option<usize>> = errors.0.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(4), Some(9)]);
    }

    #[test]
    fn types_are_inferred() {
        let t = type_columns(
            table(
                &["n", "x", "ok", "d", "s"],
                &[
                    &["1", "1.5", "true", "2026-01", "a"],
                    &["2", "", "false", "2025-03-04", "3"],
                ],
            ),
            &HashMap::new(),
        )
        .unwrap();
        let kinds: Vec<ColumnType> = t.columns.iter().map(|c| c.kind).collect();
        use ColumnType::*;
        assert_eq!(kinds, [Integer, Float, Boolean, Date, Text]);
        assert_eq!(t.row(1).cells[1], Cell::Null);
    }

    #[test]
    fn a_declared_date_that_is_not_a_date_names_line_and_column() {
        let declared = HashMap::from([("date".to_string(), ColumnType::Date)]);
        let err = type_columns(
            table(&["date"], &[&["2025-01-02"], &["2025-13-02"]]),
            &declared,
        )
        .unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(
            err.to_string(),
            "t.csv line 3, field 'date': '2025-13-02' is not a date: month 13 is not 1–12 (expected YYYY-MM-DD)"
        );
    }
}
