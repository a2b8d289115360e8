//! The shrinking loop, apart from any network: proptest's value trees say what a simpler
//! input is, a callback says whether it still fails. The callback may refuse (the request
//! budget is spent), which ends the search with the smallest failure found so far.

use proptest::strategy::ValueTree;

/// Where shrinking ended.
#[derive(Debug, Clone)]
pub struct Shrunk<V> {
    /// The simplest input found that still fails.
    pub value: V,
    /// Simplifications accepted (each one a smaller failing input).
    pub steps: usize,
    /// Inputs tried, failing or not.
    pub tried: usize,
    /// Why the search stopped before the tree ran out of simplifications, if it did.
    pub stopped: Option<&'static str>,
}

/// Shrinks from `first` (the tree's current value, known to fail) as proptest's own runner
/// does: simplify while the input still fails, complicate when it passes, until the tree
/// has nothing left to try, `max_tries` inputs were tried, or `fails` returns `None`.
pub fn shrink<V: Clone + std::fmt::Debug>(
    tree: &mut dyn ValueTree<Value = V>,
    first: V,
    max_tries: usize,
    mut fails: impl FnMut(&V) -> Option<bool>,
) -> Shrunk<V> {
    let mut shrunk = Shrunk {
        value: first,
        steps: 0,
        tried: 0,
        stopped: None,
    };
    if !tree.simplify() {
        return shrunk;
    }
    loop {
        if shrunk.tried >= max_tries {
            shrunk.stopped = Some("the shrinking step limit was reached");
            break;
        }
        let candidate = tree.current();
        shrunk.tried += 1;
        match fails(&candidate) {
            None => {
                shrunk.stopped = Some("the request budget for shrinking was spent");
                break;
            }
            Some(true) => {
                shrunk.value = candidate;
                shrunk.steps += 1;
                if !tree.simplify() {
                    break;
                }
            }
            Some(false) => {
                if !tree.complicate() {
                    break;
                }
            }
        }
    }
    shrunk
}

/// The last pass of shrinking: tries each of `smaller(value)` in turn and moves to the
/// first that still fails, until none does. Proptest shrinks each piece of a hostile id
/// toward the simplest piece but cannot drop a piece once it was simplified (`a%` stays
/// `a%`); deleting one character at a time finishes the job (`%`).
pub fn drop_characters<V: Clone>(
    shrunk: &mut Shrunk<V>,
    max_tries: usize,
    smaller: impl Fn(&V) -> Vec<V>,
    mut fails: impl FnMut(&V) -> Option<bool>,
) {
    if shrunk.stopped.is_some() {
        return;
    }
    'outer: loop {
        for candidate in smaller(&shrunk.value) {
            if shrunk.tried >= max_tries {
                shrunk.stopped = Some("the shrinking step limit was reached");
                return;
            }
            shrunk.tried += 1;
            match fails(&candidate) {
                None => {
                    shrunk.stopped = Some("the request budget for shrinking was spent");
                    return;
                }
                Some(true) => {
                    shrunk.value = candidate;
                    shrunk.steps += 1;
                    continue 'outer;
                }
                Some(false) => {}
            }
        }
        return;
    }
}

/// `text` with one character removed, for each character, when `text` is short enough
/// for that to be cheap (at most [`MAX_CHARS_TO_DROP`] characters).
pub fn without_one_char(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_CHARS_TO_DROP {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for skip in 0..chars.len() {
        let shorter: String = chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| c)
            .collect();
        if !out.contains(&shorter) {
            out.push(shorter);
        }
    }
    out
}

/// Longer texts are left as proptest shrank them: deleting characters one request at a
/// time would cost more than it tells.
pub const MAX_CHARS_TO_DROP: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;

    #[test]
    fn finds_the_smallest_failing_vector() {
        let mut runner = TestRunner::deterministic();
        let strategy = vec(0u32..1000, 5..20);
        // Fails whenever some element is at least 500: the minimum is the shortest vector
        // allowed (five elements), zeros and one 500.
        let mut tree = loop {
            let tree = strategy.new_tree(&mut runner).unwrap();
            if tree.current().iter().any(|n| *n >= 500) {
                break tree;
            }
        };
        let first = tree.current();
        let shrunk = shrink(&mut tree, first, 10_000, |v: &Vec<u32>| {
            Some(v.iter().any(|n| *n >= 500))
        });
        assert_eq!(shrunk.value, vec![0, 0, 0, 0, 500]);
        assert!(shrunk.steps > 0);
        assert!(shrunk.stopped.is_none());
    }

    #[test]
    fn dropping_characters_finishes_what_proptest_left() {
        let mut shrunk = Shrunk {
            value: "a%b".to_owned(),
            steps: 3,
            tried: 3,
            stopped: None,
        };
        let mut asked = Vec::new();
        drop_characters(
            &mut shrunk,
            100,
            |text: &String| without_one_char(text),
            |text| {
                asked.push(text.clone());
                Some(text.contains('%'))
            },
        );
        assert_eq!(shrunk.value, "%");
        assert_eq!(shrunk.steps, 5);
        assert_eq!(asked, ["%b", "b", "%", ""]);
        assert_eq!(without_one_char("aab"), ["ab", "aa"]);
        assert!(without_one_char(&"x".repeat(MAX_CHARS_TO_DROP + 1)).is_empty());
    }

    #[test]
    fn a_refusing_callback_keeps_the_last_failure() {
        let mut runner = TestRunner::deterministic();
        let mut tree = (100u32..1000).new_tree(&mut runner).unwrap();
        let first = tree.current();
        let mut budget = 2;
        let shrunk = shrink(&mut tree, first, 100, |_| {
            if budget == 0 {
                return None;
            }
            budget -= 1;
            Some(true)
        });
        assert_eq!(shrunk.steps, 2);
        assert_eq!(
            shrunk.stopped,
            Some("the request budget for shrinking was spent")
        );
        assert!(shrunk.value <= first);
    }
}
