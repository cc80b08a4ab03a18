//! CART (Breiman et al. 1984) for scenario discovery: a binary
//! classification tree over numeric and categorical inputs, grown greedily
//! by the Gini impurity, to a maximum depth and a minimum leaf size, read
//! as rules.
//!
//! At a node a numeric input is tried at every midpoint between
//! consecutive distinct values of the cases in the node, and a categorical
//! input at each of its categories present (that category against the
//! rest, as a tree on one-hot columns splits). The split with the lowest
//! weighted Gini impurity of its two children wins (ties: the lower input,
//! then the lower threshold or category), if it lowers the node's impurity
//! and leaves each child at least `min_leaf` cases.

/// A tree's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub max_depth: usize,
    pub min_leaf: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_depth: 4,
            min_leaf: 20,
        }
    }
}

/// The question a split asks of a case's value on its input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Test {
    /// A numeric input: is it below the threshold?
    Below(f64),
    /// A categorical input: is it this category (its code)?
    Is(u32),
}

impl Test {
    /// Whether a case with value `v` passes.
    pub fn passes(self, v: f64) -> bool {
        match self {
            Test::Below(t) => v < t,
            Test::Is(c) => v as u32 == c,
        }
    }
}

/// A node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Cases that pass the test go left.
    Split {
        input: usize,
        test: Test,
        left: Box<Node>,
        right: Box<Node>,
    },
    Leaf {
        cases: usize,
        of_interest: usize,
    },
}

fn gini(of_interest: usize, n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let p = of_interest as f64 / n as f64;
    2.0 * p * (1.0 - p)
}

/// Grow a tree on `x` (one row per case, one column per input; a
/// categorical input's values are its categories' codes), `y`, and which
/// inputs are categorical (none, if shorter than a row).
pub fn grow(x: &[Vec<f64>], y: &[bool], categorical: &[bool], settings: Settings) -> Node {
    let rows: Vec<usize> = (0..x.len()).collect();
    node(x, y, categorical, rows, 0, settings)
}

// Inputs are columns of the rows: indexing by the input is the clearest way.
#[allow(clippy::needless_range_loop)]
fn node(
    x: &[Vec<f64>],
    y: &[bool],
    categorical: &[bool],
    rows: Vec<usize>,
    depth: usize,
    s: Settings,
) -> Node {
    let n = rows.len();
    let hits = rows.iter().filter(|&&r| y[r]).count();
    let leaf = Node::Leaf {
        cases: n,
        of_interest: hits,
    };
    if depth >= s.max_depth || hits == 0 || hits == n || n < 2 * s.min_leaf.max(1) {
        return leaf;
    }
    let inputs = x.first().map_or(0, Vec::len);
    let mut best: Option<(f64, usize, Test)> = None;
    let weighted = |left: usize, left_hits: usize| {
        (left as f64 * gini(left_hits, left) + (n - left) as f64 * gini(hits - left_hits, n - left))
            / n as f64
    };
    for input in 0..inputs {
        if categorical.get(input).copied().unwrap_or(false) {
            // Each category present against the rest.
            let mut tally: Vec<(u32, usize, usize)> = Vec::new();
            for &r in &rows {
                let c = x[r][input] as u32;
                match tally.iter_mut().find(|t| t.0 == c) {
                    Some(t) => {
                        t.1 += 1;
                        t.2 += usize::from(y[r]);
                    }
                    None => tally.push((c, 1, usize::from(y[r]))),
                }
            }
            tally.sort_unstable();
            for &(c, k, k_hits) in tally.iter().filter(|_| tally.len() > 1) {
                if k < s.min_leaf || n - k < s.min_leaf {
                    continue;
                }
                let impurity = weighted(k, k_hits);
                if best.is_none_or(|(b, _, _)| impurity < b) {
                    best = Some((impurity, input, Test::Is(c)));
                }
            }
            continue;
        }
        let mut order = rows.clone();
        order.sort_by(|&a, &b| x[a][input].total_cmp(&x[b][input]).then(a.cmp(&b)));
        let mut left_hits = 0;
        for k in 1..n {
            left_hits += usize::from(y[order[k - 1]]);
            let (lo, hi) = (x[order[k - 1]][input], x[order[k]][input]);
            if lo == hi || k < s.min_leaf || n - k < s.min_leaf {
                continue;
            }
            let impurity = weighted(k, left_hits);
            if best.is_none_or(|(b, _, _)| impurity < b) {
                best = Some((impurity, input, Test::Below(0.5 * (lo + hi))));
            }
        }
    }
    match best {
        Some((impurity, input, test)) if impurity < gini(hits, n) => {
            let (left, right): (Vec<usize>, Vec<usize>) =
                rows.into_iter().partition(|&r| test.passes(x[r][input]));
            Node::Split {
                input,
                test,
                left: Box::new(node(x, y, categorical, left, depth + 1, s)),
                right: Box::new(node(x, y, categorical, right, depth + 1, s)),
            }
        }
        _ => leaf,
    }
}

/// One leaf as a rule: its conditions from the root (input, test, whether
/// the leaf's cases pass it), its cases and those of interest among them.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub conditions: Vec<(usize, Test, bool)>,
    pub cases: usize,
    pub of_interest: usize,
}

impl Rule {
    /// Share of the leaf's cases that are of interest.
    pub fn density(&self) -> f64 {
        self.of_interest as f64 / self.cases.max(1) as f64
    }
}

/// Every leaf of `tree` as a rule, left to right.
pub fn rules(tree: &Node) -> Vec<Rule> {
    fn walk(n: &Node, path: &mut Vec<(usize, Test, bool)>, out: &mut Vec<Rule>) {
        match n {
            Node::Leaf { cases, of_interest } => out.push(Rule {
                conditions: path.clone(),
                cases: *cases,
                of_interest: *of_interest,
            }),
            Node::Split {
                input,
                test,
                left,
                right,
            } => {
                path.push((*input, *test, true));
                walk(left, path, out);
                path.pop();
                path.push((*input, *test, false));
                walk(right, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planted;

    /// The planted box's four limits are among the tree's split points,
    /// each within 0.05, and no split is on an unrestricted input near the
    /// top of the tree.
    #[test]
    fn cart_recovers_the_planted_split_points() {
        let (x, y) = planted::data(2_000, 7);
        let tree = grow(
            &x,
            &y,
            &[],
            Settings {
                max_depth: 4,
                min_leaf: 20,
            },
        );
        let mut splits = Vec::new();
        fn collect(n: &Node, depth: usize, out: &mut Vec<(usize, f64, usize)>) {
            if let Node::Split {
                input,
                test: Test::Below(threshold),
                left,
                right,
            } = n
            {
                out.push((*input, *threshold, depth));
                collect(left, depth + 1, out);
                collect(right, depth + 1, out);
            }
        }
        collect(&tree, 0, &mut splits);
        for (input, limit) in planted::LIMITS {
            assert!(
                splits
                    .iter()
                    .any(|&(i, t, _)| i == input && (t - limit).abs() < 0.05),
                "no split within 0.05 of input {input} at {limit}: {splits:?}"
            );
        }
        assert!(
            splits.iter().filter(|s| s.2 < 2).all(|s| s.0 < 2),
            "a top split on an unrestricted input: {splits:?}"
        );
        let best = rules(&tree)
            .into_iter()
            .max_by(|a, b| a.density().total_cmp(&b.density()))
            .unwrap();
        assert!(best.density() > 0.8, "{best:?}");
    }

    /// The planted categorical box (categories 1 and 2 of four, x0 < 0.5):
    /// the tree splits on the categorical input at its top two levels, on
    /// x0 within 0.05 of 0.5, and its densest leaf requires x0 below the
    /// limit and a category of 1 or 2.
    #[test]
    fn cart_splits_on_the_planted_categories() {
        let (x, y) = planted::with_category(2_000, 7);
        let categorical = [false, false, false, false, true];
        let tree = grow(&x, &y, &categorical, Settings::default());
        let mut splits = Vec::new();
        fn collect(n: &Node, depth: usize, out: &mut Vec<(usize, Test, usize)>) {
            if let Node::Split {
                input,
                test,
                left,
                right,
            } = n
            {
                out.push((*input, *test, depth));
                collect(left, depth + 1, out);
                collect(right, depth + 1, out);
            }
        }
        collect(&tree, 0, &mut splits);
        assert!(
            splits
                .iter()
                .any(|&(i, t, d)| i == 4 && matches!(t, Test::Is(_)) && d < 2),
            "{splits:?}"
        );
        assert!(
            splits
                .iter()
                .any(|&(i, t, _)| i == 0 && matches!(t, Test::Below(v) if (v - 0.5).abs() < 0.05)),
            "{splits:?}"
        );
        let best = rules(&tree)
            .into_iter()
            .max_by(|a, b| a.density().total_cmp(&b.density()))
            .unwrap();
        assert!(best.density() > 0.8, "{best:?}");
        // The densest leaf's cases are all inside the planted box's categories.
        let inside = |row: &Vec<f64>| {
            best.conditions
                .iter()
                .all(|&(i, t, pass)| t.passes(row[i]) == pass)
        };
        assert!(x
            .iter()
            .filter(|r| inside(r))
            .all(|r| (r[4] == 1.0 || r[4] == 2.0) && r[0] < 0.55));
    }
}
