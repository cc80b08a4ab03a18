//! CART (Breiman et al. 1984) for scenario discovery: a binary
//! classification tree over numeric inputs, grown greedily by the Gini
//! impurity, to a maximum depth and a minimum leaf size, read as rules.
//!
//! At a node each input is tried at every midpoint between consecutive
//! distinct values of the cases in the node; the split with the lowest
//! weighted Gini impurity of its two children wins (ties: the lower input,
//! then the lower threshold), if it lowers the node's impurity and leaves
//! each child at least `min_leaf` cases.

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

/// A node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Cases with `input < threshold` go left.
    Split {
        input: usize,
        threshold: f64,
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

/// Grow a tree on `x` (one row per case, one column per input) and `y`.
pub fn grow(x: &[Vec<f64>], y: &[bool], settings: Settings) -> Node {
    let rows: Vec<usize> = (0..x.len()).collect();
    node(x, y, rows, 0, settings)
}

// Inputs are columns of the rows: indexing by the input is the clearest way.
#[allow(clippy::needless_range_loop)]
fn node(x: &[Vec<f64>], y: &[bool], rows: Vec<usize>, depth: usize, s: Settings) -> Node {
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
    let mut best: Option<(f64, usize, f64)> = None;
    for input in 0..inputs {
        let mut order = rows.clone();
        order.sort_by(|&a, &b| x[a][input].total_cmp(&x[b][input]).then(a.cmp(&b)));
        let mut left_hits = 0;
        for k in 1..n {
            left_hits += usize::from(y[order[k - 1]]);
            let (lo, hi) = (x[order[k - 1]][input], x[order[k]][input]);
            if lo == hi || k < s.min_leaf || n - k < s.min_leaf {
                continue;
            }
            let impurity = (k as f64 * gini(left_hits, k)
                + (n - k) as f64 * gini(hits - left_hits, n - k))
                / n as f64;
            if best.is_none_or(|(b, _, _)| impurity < b) {
                best = Some((impurity, input, 0.5 * (lo + hi)));
            }
        }
    }
    match best {
        Some((impurity, input, threshold)) if impurity < gini(hits, n) => {
            let (left, right): (Vec<usize>, Vec<usize>) =
                rows.into_iter().partition(|&r| x[r][input] < threshold);
            Node::Split {
                input,
                threshold,
                left: Box::new(node(x, y, left, depth + 1, s)),
                right: Box::new(node(x, y, right, depth + 1, s)),
            }
        }
        _ => leaf,
    }
}

/// One leaf as a rule: its conditions (input, `<` or `>=`, threshold) from
/// the root, its cases and those of interest among them.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub conditions: Vec<(usize, bool, f64)>,
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
    fn walk(n: &Node, path: &mut Vec<(usize, bool, f64)>, out: &mut Vec<Rule>) {
        match n {
            Node::Leaf { cases, of_interest } => out.push(Rule {
                conditions: path.clone(),
                cases: *cases,
                of_interest: *of_interest,
            }),
            Node::Split {
                input,
                threshold,
                left,
                right,
            } => {
                path.push((*input, true, *threshold));
                walk(left, path, out);
                path.pop();
                path.push((*input, false, *threshold));
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
            Settings {
                max_depth: 4,
                min_leaf: 20,
            },
        );
        let mut splits = Vec::new();
        fn collect(n: &Node, depth: usize, out: &mut Vec<(usize, f64, usize)>) {
            if let Node::Split {
                input,
                threshold,
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
}
