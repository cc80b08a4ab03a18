//! Problems found in scenario and sweep files, each with where it is and what is allowed.

use std::fmt;

/// A place in a file: 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// One thing wrong with the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file the problem is in.
    pub file: String,
    /// Line and column when known.
    pub at: Option<(usize, usize)>,
    /// Dotted key of the field, empty for the file as a whole.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn in_file(file: &str, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_string(),
            at: None,
            field: String::new(),
            message: message.into(),
        }
    }

    pub fn at(location: &Location, field: &str, message: impl Into<String>) -> Self {
        Problem {
            file: location.file.clone(),
            at: Some((location.line, location.column)),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        // Command-line settings have no line: they are at line 0.
        if let Some((line, column)) = self.at.filter(|a| a.0 > 0) {
            write!(f, ":{line}:{column}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.field, self.message)
        }
    }
}

/// Everything wrong with one scenario or sweep: never empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl From<Problem> for Problems {
    fn from(p: Problem) -> Self {
        Problems(vec![p])
    }
}

/// The closest of `candidates` to `word`, if close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` or nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates).map_or(String::new(), |c| format!("; did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(
            did_you_mean("populaton", ["population", "residents"]),
            Some("population")
        );
        assert_eq!(did_you_mean("zzz", ["population", "residents"]), None);
    }

    #[test]
    fn displays_file_line_field() {
        let loc = Location {
            file: "a.toml".into(),
            line: 3,
            column: 5,
        };
        assert_eq!(
            Problem::at(&loc, "place.seed", "bad").to_string(),
            "a.toml:3:5: place.seed: bad"
        );
    }
}
