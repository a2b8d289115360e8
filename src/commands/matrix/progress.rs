//! What the matrix says on stderr: one line when it starts, one per target as it finishes
//! (name, verdict, counts, duration), and a summary line per target at the end.

use super::config::Matrix;
use super::model::{plural, MatrixOutcome, TargetOutcome, Verdict};

pub fn started_line(matrix: &Matrix) -> String {
    format!(
        "mjconform matrix: {} from {}, at most {} at once; reports in {}",
        plural(matrix.targets.len(), "target", "targets"),
        matrix.path.display(),
        matrix.concurrency.min(matrix.targets.len()),
        matrix.report_dir.display()
    )
}

/// `[2/6] plus-mock  FAIL  230 passed, 0 known, 4 failed, 0 could not run  (1.2 s)`.
pub fn finished_line(done: usize, total: usize, target: &TargetOutcome) -> String {
    format!(
        "mjconform matrix: [{done}/{total}] {}",
        target_line(target, 0)
    )
}

/// One line per target in the file's order, then the verdict.
pub fn summary_lines(outcome: &MatrixOutcome) -> Vec<String> {
    let width = outcome
        .targets
        .iter()
        .map(|target| target.name.len())
        .max()
        .unwrap_or(0);
    let mut lines = vec!["mjconform matrix: summary".to_owned()];
    for target in &outcome.targets {
        lines.push(format!("  {}", target_line(target, width)));
    }
    let count = |verdict: Verdict| {
        outcome
            .targets
            .iter()
            .filter(|target| target.verdict == verdict)
            .count()
    };
    lines.push(format!(
        "mjconform matrix: {}: {} pass, {} pass with known deviations only, {} fail, {} could not run ({})",
        plural(outcome.targets.len(), "target", "targets"),
        count(Verdict::Pass),
        count(Verdict::Known),
        count(Verdict::Fail),
        count(Verdict::CouldNotRun),
        crate::reports::duration_text(outcome.duration_ms)
    ));
    lines
}

fn target_line(target: &TargetOutcome, width: usize) -> String {
    let mut line = format!(
        "{:width$}  {:<13}  {}  ({})",
        target.name,
        target.verdict.label(),
        target.counts_line(),
        crate::reports::duration_text(target.duration_ms)
    );
    if let Some(reason) = &target.reason {
        line.push_str(&format!(": {reason}"));
    }
    line
}
