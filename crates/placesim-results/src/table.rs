//! CSV tables of a results folder, written from serde rows and read back by
//! column name. A reader refuses ragged (truncated) rows, and every problem
//! names the file (and the line and column where there is one).

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Why a results file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {what}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    pub what: String,
}

impl ReadError {
    pub fn new(path: &Path, what: impl std::fmt::Display) -> ReadError {
        ReadError {
            path: path.to_path_buf(),
            what: what.to_string(),
        }
    }
}

/// As [`csv_bytes`] with a header, and with the header alone when there are
/// no rows (taken from `T::default()`), so an empty table still loads in
/// pandas and R with its columns.
pub fn csv_bytes_with_header<T: Serialize + Default>(rows: &[T]) -> io::Result<Vec<u8>> {
    if !rows.is_empty() {
        return csv_bytes(rows, true);
    }
    let one = csv_bytes([T::default()], true)?;
    let end = one
        .iter()
        .position(|&b| b == b'\n')
        .map_or(one.len(), |i| i + 1);
    Ok(one[..end].to_vec())
}

/// Rows as CSV bytes, with or without the header line.
pub fn csv_bytes<T: Serialize>(
    rows: impl IntoIterator<Item = T>,
    headers: bool,
) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(headers)
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(io::Error::other)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// The header line of a row type's CSV (from one row of it, any values).
pub fn header_of<T: Serialize>(row: &T) -> String {
    let bytes = csv_bytes([row], true).unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// A cell of a hand-built CSV line, quoted when it must be.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV file open for reading, with its header.
pub struct Table {
    path: PathBuf,
    reader: csv::Reader<File>,
    header: Vec<String>,
}

impl Table {
    pub fn open(path: &Path) -> Result<Table, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| ReadError::new(path, format!("cannot be read ({e})")))?;
        let header = reader
            .headers()
            .map_err(|e| ReadError::new(path, format!("has no header ({e})")))?
            .iter()
            .map(String::from)
            .collect();
        Ok(Table {
            path: path.to_path_buf(),
            reader,
            header,
        })
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The index of the column called `name`.
    pub fn column(&self, name: &str) -> Result<usize, ReadError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ReadError::new(&self.path, format!("has no column `{name}`")))
    }

    /// The rows, one at a time.
    pub fn records(&mut self) -> impl Iterator<Item = Result<Record<'_>, ReadError>> + '_ {
        let (path, header) = (&self.path, &self.header);
        self.reader.records().map(move |rec| {
            rec.map(|rec| Record { path, header, rec })
                .map_err(|e| ReadError::new(path, format!("is truncated or damaged: {e}")))
        })
    }

    /// The rows as `T`, whose fields are matched to columns by name.
    pub fn rows<T: DeserializeOwned>(self) -> impl Iterator<Item = Result<T, ReadError>> {
        let path = self.path;
        self.reader.into_deserialize().map(move |row| {
            row.map_err(|e| ReadError::new(&path, format!("is truncated or damaged: {e}")))
        })
    }
}

/// One row of a [`Table`].
pub struct Record<'a> {
    path: &'a Path,
    header: &'a [String],
    rec: csv::StringRecord,
}

impl Record<'_> {
    /// The text of column `i` (empty if the row has no such column).
    pub fn text(&self, i: usize) -> &str {
        self.rec.get(i).unwrap_or("")
    }

    /// Column `i` as a number.
    pub fn number(&self, i: usize) -> Result<f64, ReadError> {
        self.parse(i)
    }

    /// Column `i` parsed as `T`, naming the file, line and column when it is not one.
    pub fn parse<T: FromStr>(&self, i: usize) -> Result<T, ReadError> {
        self.rec.get(i).and_then(|x| x.parse().ok()).ok_or_else(|| {
            let line = self.rec.position().map_or(0, |p| p.line());
            let col = self.header.get(i).map_or("?", String::as_str);
            ReadError::new(
                self.path,
                format!("line {line}, column `{col}`: not a number (is the file truncated?)"),
            )
        })
    }
}
