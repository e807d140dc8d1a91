//! `borderland export --site DIR`: a folder any static file host can serve with no borderland
//! process (filled in below).

use std::path::Path;

use super::{ExportError, ExportOptions, ExportSummary};
use crate::dataset::Dataset;

/// Write the site to `dir`.
pub fn export_site(
    _dataset: &Dataset,
    dir: &Path,
    _opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    Err(ExportError(format!(
        "{}: the static site export is not written yet",
        dir.display()
    )))
}
