//! Load errors that name the file, the line and the field, so a person editing a CSV or a
//! catalog can go straight to the mistake.

use std::fmt;
use std::path::Path;

use serde::Serialize;

/// A problem with one input file.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LoadError {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    /// `column` counts table columns (named by `field` in the text form), not characters.
    #[serde(skip)]
    pub table_cell: bool,
}

impl LoadError {
    pub fn new(file: &Path, message: impl Into<String>) -> LoadError {
        LoadError {
            file: display_path(file),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            table_cell: false,
        }
    }

    pub fn at_line(mut self, line: usize) -> LoadError {
        self.line = Some(line);
        self
    }

    /// The 1-based column of a table cell (shown in `file:line:column:` form).
    pub fn at_column(mut self, column: usize) -> LoadError {
        self.column = Some(column);
        self.table_cell = true;
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> LoadError {
        self.field = Some(field.into());
        self
    }

    pub fn io(file: &Path, e: std::io::Error) -> LoadError {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            _ => format!("cannot read file: {e}"),
        };
        LoadError::new(file, message)
    }

    /// A serde_json error; `feature` is the index of the feature being read.
    pub fn json(file: &Path, e: &serde_json::Error, feature: usize) -> LoadError {
        let text = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
        let message = match e.classify() {
            serde_json::error::Category::Eof => {
                format!("the file ends too early ({message}); is it truncated?")
            }
            serde_json::error::Category::Syntax => format!("invalid JSON: {message}"),
            _ => format!("feature {feature} (counting from 0): {message}"),
        };
        LoadError {
            line: Some(e.line()),
            column: Some(e.column()),
            ..LoadError::new(file, message)
        }
    }

    /// A line and column from a byte offset into `text`.
    pub fn at_offset(mut self, text: &str, offset: usize) -> LoadError {
        let before = &text[..offset.min(text.len())];
        self.line = Some(before.matches('\n').count() + 1);
        self.column = Some(before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1);
        self
    }
}

impl LoadError {
    /// `file:line:column: field: message`, the form terminals and editors link to the spot.
    pub fn located(&self) -> String {
        let mut out = self.file.clone();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
            if let Some(col) = self.column {
                out.push_str(&format!(":{col}"));
            }
        }
        out.push_str(": ");
        if let Some(field) = &self.field {
            out.push_str(&format!("{field}: "));
        }
        out.push_str(&self.message);
        out
    }
}

impl fmt::Display for LoadError {
    /// `file line L[ column C], field 'F': message`; a table cell's column is named by its
    /// field only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
            if let Some(col) = self.column.filter(|_| !self.table_cell) {
                write!(f, " column {col}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ", field '{field}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

/// Every problem found while loading a dataset.
#[derive(Clone, Debug, Serialize)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

impl From<LoadError> for LoadErrors {
    fn from(e: LoadError) -> Self {
        LoadErrors(vec![e])
    }
}

/// Paths in messages: as given, with forward slashes.
pub fn display_path(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
