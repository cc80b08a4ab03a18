//! Posterior ensembles: the weighted parameter sets a calibration leaves
//! (`posterior.csv`), which a sweep draws from, one member per replicate
//! (`placesim sweep --ensemble FILE`).
//!
//! The file is CSV: a header `member,weight,KEY,...`, each KEY a dotted
//! scenario key (`citizens.risk_sigma`, `agencies.acute.beds.beds`), then
//! one row per member: `member` numbered 0, 1, 2, … in the file's order,
//! `weight` a finite number at least 0 (the weights sum to 1, within
//! [`WEIGHT_TOLERANCE`]), and each key's value as a finite number in the
//! key's own unit (a whole-number key runs at the nearest whole number, as
//! a design's point does). Replicate r of a sweep draws member m with
//! probability `weight m`, from the sweep seed and r alone
//! ([`draw`]), so every variant of a replicate runs with the same member,
//! and growing a sweep keeps the members its replicates drew.

use crate::problem::{suggestion, Problem, Problems};
use placesim_core::rng::{Purpose, Stream};
use std::path::Path;

/// The column that numbers the members.
pub const MEMBER: &str = "member";
/// The column of the members' weights.
pub const WEIGHT: &str = "weight";
/// How far the weights' sum may be from 1.
pub const WEIGHT_TOLERANCE: f64 = 1e-6;
/// Problems with the rows listed before the rest are only counted: a file
/// of the wrong shape says so in a screenful.
const MOST_LISTED: usize = 10;

/// What a posterior file must look like, for messages.
const SHAPE: &str = "a header `member,weight,KEY,...` (each KEY a dotted scenario key such as citizens.risk_sigma), then one row per member";

/// A posterior ensemble, its file's shape checked (its keys are checked
/// against the sweep it is used with, by `Sweep::with_ensemble`).
#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    /// The file, as given.
    pub file: String,
    /// The dotted keys, in the file's order.
    pub keys: Vec<String>,
    /// Each member's weight, in member order.
    pub weights: Vec<f64>,
    /// Each member's value of each key (in the keys' order).
    pub values: Vec<Vec<f64>>,
    /// Each member's line in the file, and each key's column (from 1), for messages.
    pub(crate) lines: Vec<usize>,
    pub(crate) columns: Vec<usize>,
}

impl Ensemble {
    /// The member replicate `replicate` of a sweep with seed `seed` runs with.
    pub fn draw(&self, seed: u64, replicate: u32) -> u32 {
        draw(&self.weights, seed, replicate)
    }

    /// Where member `member`'s value of `key` is in the file (its line, and
    /// the key's column; the `member` column for any other field).
    pub(crate) fn locate(&self, member: usize, key: &str) -> (usize, usize) {
        let column = self
            .keys
            .iter()
            .position(|k| k == key)
            .map_or(1, |i| self.columns[i]);
        (self.lines.get(member).copied().unwrap_or(0), column)
    }
}

/// The member drawn for `replicate` of a sweep with seed `seed` from
/// members of these `weights` (at least one positive): one uniform number
/// from the replicate's own stream ([`Purpose::Ensemble`], keyed by the
/// sweep seed and the replicate alone) against the weights' running sum.
/// A member of weight 0 is never drawn.
pub fn draw(weights: &[f64], seed: u64, replicate: u32) -> u32 {
    let total: f64 = weights.iter().sum();
    let u = Stream::new(seed, Purpose::Ensemble, 0, replicate).unit_f64() * total;
    let mut sum = 0.0;
    for (m, &w) in weights.iter().enumerate() {
        sum += w;
        if u < sum {
            return m as u32;
        }
    }
    // Rounding can leave u at the very top: the last member that has weight.
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0) as u32
}

/// Read a posterior file (refused: missing, a directory, not text, larger
/// than 4 MiB, or of the wrong shape).
pub fn load(path: &Path) -> Result<Ensemble, Problems> {
    let text = crate::source::read_text_of(path, "a posterior ensemble", "(.csv)")?;
    read(&path.display().to_string(), &text)
}

/// A cell's problem: file, line, column (from 1) and field.
fn at(file: &str, line: usize, column: usize, field: &str, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        at: Some((line, column)),
        field: field.to_string(),
        message,
    }
}

/// A cell as a finite number, or what is wrong with it and what is allowed.
fn finite(text: &str, allowed: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(x) => Err(format!("{x} is not finite; allowed: {allowed}")),
        Err(_) if text.is_empty() => Err(format!("is empty; allowed: {allowed}")),
        Err(_) => Err(format!("`{text}` is not a number; allowed: {allowed}")),
    }
}

/// Parse the text of a posterior file named `file`, reporting every
/// problem with its shape at once.
pub fn read(file: &str, text: &str) -> Result<Ensemble, Problems> {
    let in_file = |m: String| Problems(vec![Problem::in_file(file, m)]);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| in_file(format!("cannot be read as CSV ({e})")))?
        .iter()
        .map(String::from)
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(in_file(format!("is empty; allowed: {SHAPE}")));
    }
    let mut problems = Vec::new();
    let column = |name: &str, problems: &mut Vec<Problem>| {
        let found = header.iter().position(|h| h == name);
        if found.is_none() {
            problems.push(at(
                file,
                1,
                1,
                "",
                format!(
                    "has no `{name}` column; allowed: {SHAPE}{}",
                    suggestion(name, header.iter().map(String::as_str))
                ),
            ));
        }
        found
    };
    let member_col = column(MEMBER, &mut problems);
    let weight_col = column(WEIGHT, &mut problems);
    let mut keys = Vec::new();
    let mut key_cols = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if Some(i) == member_col || Some(i) == weight_col {
            continue;
        }
        if name.is_empty() {
            problems.push(at(
                file,
                1,
                i + 1,
                "",
                format!("column {} has no name; allowed: {SHAPE}", i + 1),
            ));
        } else if let Some(j) = header[..i].iter().position(|h| h == name) {
            problems.push(at(
                file,
                1,
                i + 1,
                name,
                format!(
                    "is column {} and column {}; each key may be given once",
                    j + 1,
                    i + 1
                ),
            ));
        } else {
            keys.push(name.clone());
            key_cols.push(i);
        }
    }
    if keys.is_empty() && problems.is_empty() {
        problems.push(at(
            file,
            1,
            1,
            "",
            format!("has no parameter columns; allowed: {SHAPE}"),
        ));
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    let (Some(member_col), Some(weight_col)) = (member_col, weight_col) else {
        return Err(in_file(format!(
            "has no `member` or `weight` column; allowed: {SHAPE}"
        )));
    };
    let mut weights = Vec::new();
    let mut values = Vec::new();
    let mut lines = Vec::new();
    let mut bad_rows = 0usize;
    for (m, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem::in_file(
                    file,
                    format!("cannot be read as CSV ({e})"),
                ));
                break;
            }
        };
        let line = record.position().map_or(m + 2, |p| p.line() as usize);
        let before = problems.len();
        if record.len() != header.len() {
            problems.push(at(
                file,
                line,
                1,
                "",
                format!(
                    "has {} fields where the header has {}; every row holds a member's number, weight and value of each key",
                    record.len(),
                    header.len()
                ),
            ));
        } else {
            let cell = |i: usize| record.get(i).unwrap_or("");
            let numbered = "members numbered 0, 1, 2, … in the file's order";
            match cell(member_col).parse::<u64>() {
                Ok(n) if n == m as u64 => {}
                Ok(n) => problems.push(at(
                    file,
                    line,
                    member_col + 1,
                    MEMBER,
                    format!("{n} where member {m} was expected; allowed: {numbered}"),
                )),
                Err(_) => problems.push(at(
                    file,
                    line,
                    member_col + 1,
                    MEMBER,
                    format!(
                        "`{}` is not a whole number; allowed: {numbered}",
                        cell(member_col)
                    ),
                )),
            }
            let weight_allowed = "a finite number at least 0 (the weights sum to 1)";
            match finite(cell(weight_col), weight_allowed) {
                Ok(w) if w < 0.0 => problems.push(at(
                    file,
                    line,
                    weight_col + 1,
                    WEIGHT,
                    format!("{w} is negative; allowed: {weight_allowed}"),
                )),
                Ok(w) => weights.push(w),
                Err(why) => problems.push(at(file, line, weight_col + 1, WEIGHT, why)),
            }
            let mut row = Vec::with_capacity(keys.len());
            for (key, &i) in keys.iter().zip(&key_cols) {
                match finite(cell(i), "a finite number in the key's unit") {
                    Ok(x) => row.push(x),
                    Err(why) => problems.push(at(file, line, i + 1, key, why)),
                }
            }
            values.push(row);
        }
        lines.push(line);
        if problems.len() > before {
            bad_rows += 1;
        }
    }
    if lines.is_empty() && problems.is_empty() {
        problems.push(Problem::in_file(
            file,
            format!("has a header but no members; allowed: {SHAPE}"),
        ));
    }
    if problems.is_empty() {
        let sum: f64 = weights.iter().sum();
        if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
            problems.push(Problem {
                file: file.to_string(),
                at: None,
                field: WEIGHT.into(),
                message: format!(
                    "the {} members' weights sum to {sum}; allowed: weights that sum to 1 (within {WEIGHT_TOLERANCE})",
                    weights.len()
                ),
            });
        }
    }
    if problems.len() > MOST_LISTED {
        let more = problems.len() - MOST_LISTED;
        problems.truncate(MOST_LISTED);
        problems.push(Problem::in_file(
            file,
            format!("{more} more problems (in {bad_rows} rows in all); the first {MOST_LISTED} are listed"),
        ));
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Ok(Ensemble {
        file: file.to_string(),
        keys,
        weights,
        values,
        lines,
        columns: key_cols.iter().map(|i| i + 1).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> String {
        read("posterior.csv", text).unwrap_err().to_string()
    }

    /// 10,000 replicates of a sweep drawn from weights [0.2, 0.8]: member 0
    /// about a fifth of the time (within ±0.02, over five standard errors),
    /// the same members every time and whatever else is drawn, and a member
    /// of weight 0 never.
    #[test]
    fn draws_are_deterministic_and_follow_the_weights() {
        let weights = [0.2, 0.8];
        let draws: Vec<u32> = (0..10_000).map(|r| draw(&weights, 42, r)).collect();
        let share = draws.iter().filter(|&&m| m == 0).count() as f64 / 10_000.0;
        assert!(
            (share - 0.2).abs() <= 0.02,
            "member 0 drawn {share} of the time"
        );
        // Replicate r's member depends on the seed and r alone: drawn in
        // reverse, or for the first 100 only, it is the same.
        let again: Vec<u32> = (0..10_000).rev().map(|r| draw(&weights, 42, r)).collect();
        assert!(draws.iter().eq(again.iter().rev()));
        assert_eq!(
            &draws[..100],
            (0..100).map(|r| draw(&weights, 42, r)).collect::<Vec<_>>()
        );
        // Another seed draws other members.
        let other: Vec<u32> = (0..100).map(|r| draw(&weights, 43, r)).collect();
        assert_ne!(&draws[..100], &other[..]);
        // Weight 0 at either end or in the middle is never drawn.
        for weights in [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]] {
            let zero = weights.iter().position(|&w| w == 0.0).unwrap() as u32;
            assert!(
                (0..5_000).all(|r| draw(&weights, 7, r) != zero),
                "{weights:?}"
            );
        }
        // Weights that sum to just under 1 still draw every member with weight.
        let short = [0.5, 0.4999995];
        assert!((0..5_000).all(|r| draw(&short, 9, r) < 2));
    }

    #[test]
    fn a_posterior_reads_with_its_keys_weights_and_values() {
        let e = read(
            "posterior.csv",
            "member,weight,citizens.risk_sigma,agencies.acute.beds.beds\n0,0.25,0.8,250\n1,0.75,1.0,300\n",
        )
        .unwrap();
        assert_eq!(e.keys, ["citizens.risk_sigma", "agencies.acute.beds.beds"]);
        assert_eq!(e.weights, [0.25, 0.75]);
        assert_eq!(e.values, [vec![0.8, 250.0], vec![1.0, 300.0]]);
        assert_eq!(e.lines, [2, 3]);
        assert_eq!(e.locate(1, "agencies.acute.beds.beds"), (3, 4));
        // Columns in another order, spaces around cells.
        let e = read("p.csv", "weight, x.y ,member\n1, 2.5, 0\n").unwrap();
        assert_eq!(
            (e.keys, e.values),
            (vec!["x.y".to_string()], vec![vec![2.5]])
        );
    }

    /// Each mistake names the file, line, column and field, and what is allowed.
    #[test]
    fn every_mistake_in_a_posterior_is_named_with_what_is_allowed() {
        let cases = [
            ("", "posterior.csv: is empty; allowed: a header `member,weight,KEY,...`"),
            ("\n\n", "posterior.csv: is empty"),
            ("member,weight,x.y\n", "posterior.csv: has a header but no members"),
            ("weight,x.y\n1,2\n", "posterior.csv:1:1: has no `member` column"),
            ("member,weights,x.y\n0,1,2\n", "posterior.csv:1:1: has no `weight` column; allowed: a header `member,weight,KEY,...` (each KEY a dotted scenario key such as citizens.risk_sigma), then one row per member; did you mean `weights`?"),
            ("member,weight\n0,1\n", "posterior.csv:1:1: has no parameter columns"),
            ("member,weight,x.y,x.y\n0,1,2,3\n", "posterior.csv:1:4: x.y: is column 3 and column 4; each key may be given once"),
            ("member,weight,,x.y\n0,1,2,3\n", "posterior.csv:1:3: column 3 has no name"),
            ("member,weight,x.y\n0,-0.5,1\n1,1.5,1\n", "posterior.csv:2:2: weight: -0.5 is negative; allowed: a finite number at least 0 (the weights sum to 1)"),
            ("member,weight,x.y\n0,NaN,1\n", "posterior.csv:2:2: weight: NaN is not finite"),
            ("member,weight,x.y\n0,heavy,1\n", "posterior.csv:2:2: weight: `heavy` is not a number"),
            ("member,weight,x.y\n0,,1\n", "posterior.csv:2:2: weight: is empty"),
            ("member,weight,x.y\n0,0.5,1\n1,0.4,1\n", "posterior.csv: weight: the 2 members' weights sum to 0.9; allowed: weights that sum to 1 (within 0.000001)"),
            ("member,weight,x.y\n0,0.5,1\n2,0.5,1\n", "posterior.csv:3:1: member: 2 where member 1 was expected; allowed: members numbered 0, 1, 2, … in the file's order"),
            ("member,weight,x.y\n1,0.5,1\n0,0.5,1\n", "posterior.csv:2:1: member: 1 where member 0 was expected"),
            ("member,weight,x.y\nfirst,1,1\n", "posterior.csv:2:1: member: `first` is not a whole number"),
            ("member,weight,x.y\n0,1,inf\n", "posterior.csv:2:3: x.y: inf is not finite; allowed: a finite number in the key's unit"),
            ("member,weight,x.y\n0,1,wide\n", "posterior.csv:2:3: x.y: `wide` is not a number"),
            ("member,weight,x.y\n0,1\n", "posterior.csv:2:1: has 2 fields where the header has 3"),
        ];
        for (text, want) in cases {
            let got = problems(text);
            assert!(got.contains(want), "{text:?}:\n got  {got}\n want {want}");
        }
        // A weight within the tolerance of a sum of 1 is accepted.
        assert!(read("p.csv", "member,weight,x\n0,0.3333333,1\n1,0.6666666,2\n").is_ok());
        // Many bad rows: the first ten problems, then how many more.
        let many: String = std::iter::once("member,weight,x.y\n".to_string())
            .chain((0..30).map(|m| format!("{m},-1,1\n")))
            .collect();
        let got = problems(&many);
        assert_eq!(got.lines().count(), 11, "{got}");
        assert!(
            got.ends_with("20 more problems (in 30 rows in all); the first 10 are listed"),
            "{got}"
        );
    }
}
