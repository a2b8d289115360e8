//! Ratios of two closures timed in the same run, robust to a machine other processes load.
//!
//! The two sides are timed in alternating batches (A, B, A, B, ...), so a burst of load from
//! elsewhere falls on both; each side's figure is its fastest batch (noise only ever adds
//! time), and the ratio is of those minima. The median of the per-pair ratios is printed
//! beside it as a check on the spread.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The two figures and their ratio.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    /// Fastest time per iteration of each side.
    pub a: Duration,
    pub b: Duration,
    /// `a / b` of the fastest batches.
    pub ratio: f64,
    /// Median of the per-pair ratios.
    pub median_pair_ratio: f64,
}

/// Batches per side and iterations per batch: many when benchmarking, a handful under
/// `cargo test`, where only "it runs" matters.
pub fn rounds(bench: bool) -> (usize, usize) {
    if bench {
        (41, 2_000)
    } else {
        (2, 3)
    }
}

/// Whether the binary runs under `cargo bench` (which passes `--bench`), not `cargo test`.
pub fn bench_mode() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

pub fn compare<A, B, RA, RB>(bench: bool, mut a: A, mut b: B) -> Ratio
where
    A: FnMut() -> RA,
    B: FnMut() -> RB,
{
    let (batches, iterations) = rounds(bench);
    let time = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        for _ in 0..iterations {
            f();
        }
        started.elapsed() / iterations as u32
    };
    let mut run_a = || {
        black_box(a());
    };
    let mut run_b = || {
        black_box(b());
    };
    // Warm caches and allocators on both before timing.
    time(&mut run_a);
    time(&mut run_b);
    let mut best_a = Duration::MAX;
    let mut best_b = Duration::MAX;
    let mut pairs = Vec::with_capacity(batches);
    for _ in 0..batches {
        let ta = time(&mut run_a);
        let tb = time(&mut run_b);
        best_a = best_a.min(ta);
        best_b = best_b.min(tb);
        pairs.push(ta.as_secs_f64() / tb.as_secs_f64().max(1e-12));
    }
    pairs.sort_by(f64::total_cmp);
    Ratio {
        a: best_a,
        b: best_b,
        ratio: best_a.as_secs_f64() / best_b.as_secs_f64().max(1e-12),
        median_pair_ratio: pairs[pairs.len() / 2],
    }
}

/// The load average, for the record beside the ratios.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

pub fn micros(duration: Duration) -> String {
    format!("{:.2} µs", duration.as_secs_f64() * 1e6)
}
