//! The harness's requests per second over a fuzz campaign against the embedded provider,
//! as a fraction of a plain client loop measured in the same run.
//!
//! `cargo bench --bench throughput` runs a 10,000-case campaign (per domain; identical
//! requests are sent once, which leaves about 7,500) at `--concurrency` 1, 4 and 16,
//! alternating harness and plain rounds so that the load other processes put on the
//! machine falls on both alike, and prints the ratio of each pair. Absolute figures on a
//! shared machine are noise; the ratio is the figure. A third side, the plain loop with a
//! connection pool, shows what connection reuse alone would be worth.
//! `MJCONFORM_BENCH_CASES`, `MJCONFORM_BENCH_LEVELS` (e.g. `4`) and `MJCONFORM_BENCH_ROUNDS`
//! narrow it for profiling.
//!
//! Both sides face the same provider (the run's embedded one, on the run's own runtime),
//! send the same requests (the campaign's, once each), at the same concurrency, with the
//! same connection policy (a new connection per request), from the same process:
//! - the harness: `Fuzzer::campaign` for both domains, then every `fuzz::` property
//!   judged, so the figure is what `mjconform check --fuzz-cases N` pays per request;
//! - the plain loop: a bare `reqwest` client (`pool_max_idle_per_host(0)`), N tasks on
//!   the same runtime taking the next request, reading each body to the end, judging
//!   nothing.
//!
//! Under `cargo test --all-targets` it runs a 16-case campaign at concurrency 1 and 4 and
//! asserts only what must hold: every request answered, every property passing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mjconform::families::fuzz::{Domain, Fuzzer, PropertyOutcome};
use mjconform::http::client::RequestSpec;
use mjconform::run::cli::parse_run_args;
use mjconform::run::context::RunContext;

/// One side's figures for one round.
#[derive(Debug, Clone, Copy)]
struct Round {
    requests: usize,
    elapsed: Duration,
}

impl Round {
    fn per_second(self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct Options {
    cases: u32,
    levels: Vec<u32>,
    rounds: usize,
}

fn main() {
    let bench = std::env::args().any(|arg| arg == "--bench");
    let mut options = if bench {
        Options {
            cases: env_number("MJCONFORM_BENCH_CASES").unwrap_or(10_000),
            levels: vec![1, 4, 16],
            rounds: env_number("MJCONFORM_BENCH_ROUNDS").unwrap_or(3) as usize,
        }
    } else {
        Options {
            cases: 16,
            levels: vec![1, 4],
            rounds: 1,
        }
    };
    if let Ok(levels) = std::env::var("MJCONFORM_BENCH_LEVELS") {
        options.levels = levels
            .split(',')
            .filter_map(|level| level.trim().parse().ok())
            .collect();
    }
    if !bench {
        println!("(test mode: a small unoptimised campaign; `cargo bench` for figures)");
    }
    println!(
        "throughput: {} fuzz cases per domain, {} round(s) per side, load average {}",
        options.cases,
        options.rounds,
        load_average()
    );
    series(&options);
    println!(
        "load average at the end: {} (2 cores; other processes compete for both sides alike)",
        load_average()
    );
}

fn series(options: &Options) {
    println!("throughput: a new connection per request on both sides (mjconform's policy)");
    for &concurrency in &options.levels {
        let context = prepare(options.cases, concurrency);
        let failures_root = failures_root();
        let mut harness = Vec::new();
        let mut plain = Vec::new();
        let mut pooled = Vec::new();
        let mut requests = Vec::new();
        for _ in 0..options.rounds {
            let (round, sent) = harness_round(&context, &failures_root);
            harness.push(round);
            requests = sent;
            plain.push(plain_round(
                &context,
                &requests,
                concurrency as usize,
                false,
            ));
            pooled.push(plain_round(&context, &requests, concurrency as usize, true));
        }
        let mut ratios: Vec<f64> = harness
            .iter()
            .zip(&plain)
            .map(|(h, p)| h.per_second() / p.per_second())
            .collect();
        let in_order = ratios.clone();
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        let best_h = best(&harness);
        let best_p = best(&plain);
        let best_pooled = best(&pooled);
        println!(
            "  concurrency {concurrency:>2}: harness {:>6.0} req/s, plain loop {:>6.0} req/s ({} requests each): \
             harness/plain {:.0} % (best of each), {:.0} % (median round; rounds {})",
            best_h.per_second(),
            best_p.per_second(),
            best_h.requests,
            100.0 * best_h.per_second() / best_p.per_second(),
            100.0 * median,
            in_order
                .iter()
                .map(|ratio| format!("{:.0} %", ratio * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
        );
        println!(
            "                  (the plain loop reusing connections: {:>6.0} req/s, {:.1}x its rate with a new connection each)",
            best_pooled.per_second(),
            best_pooled.per_second() / best_p.per_second(),
        );
        assert!(
            !requests.is_empty()
                && plain
                    .iter()
                    .chain(&pooled)
                    .all(|round| round.requests == requests.len()),
            "the plain loop got an answer to every request"
        );
    }
}

fn best(rounds: &[Round]) -> Round {
    *rounds
        .iter()
        .max_by(|a, b| a.per_second().total_cmp(&b.per_second()))
        .expect("at least one round")
}

fn env_number(name: &str) -> Option<u32> {
    std::env::var(name).ok()?.trim().parse().ok()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Fuzz failure reports (there should be none) go outside the checkout.
fn failures_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("throughput-bench")
}

fn prepare(cases: u32, concurrency: u32) -> Arc<RunContext> {
    let args = vec![
        "--fuzz-cases".to_owned(),
        cases.to_string(),
        "--concurrency".to_owned(),
        concurrency.to_string(),
    ];
    let args = parse_run_args(&args).expect("bench options parse");
    RunContext::prepare(&args).expect("the run starts against the embedded provider")
}

/// The whole fuzz part of a run: send both campaigns, judge every property. Returns the
/// figures and the requests sent, once each.
fn harness_round(
    context: &Arc<RunContext>,
    failures_root: &std::path::Path,
) -> (Round, Vec<RequestSpec>) {
    let fuzzer = Fuzzer::new(context, failures_root.to_path_buf()).expect("fuzzing is on");
    let before = context.requests_made();
    let started = Instant::now();
    for domain in Domain::ALL {
        fuzzer.campaign(domain);
    }
    for domain in Domain::ALL {
        for &property in domain.properties() {
            match fuzzer.check(domain, property) {
                PropertyOutcome::Passed(_) | PropertyOutcome::NothingToCheck(_) => {}
                PropertyOutcome::Broken(failure) => {
                    panic!(
                        "the clean provider broke {}: {}",
                        failure.trial, failure.message
                    )
                }
                PropertyOutcome::CouldNotRun(message) => panic!("could not run: {message}"),
            }
        }
    }
    let elapsed = started.elapsed();
    let on_the_wire = context.requests_made() - before;
    // The requests that got an answer, once each: what the plain loop sends. (Inputs the
    // HTTP stack refuses to send cost the harness almost nothing and are left out of both.)
    let mut answered: Vec<RequestSpec> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for domain in Domain::ALL {
        for record in fuzzer.campaign(domain) {
            if record.answer.is_ok() && seen.insert(record.request.clone()) {
                answered.push(record.request.clone());
            }
        }
    }
    // A request the suite also makes is answered once for both: in a later round it is
    // answered already and goes out no more.
    assert!(
        answered.len() <= on_the_wire + fuzzer.ledger().shared(),
        "each answer was a request"
    );
    let round = Round {
        requests: answered.len(),
        elapsed,
    };
    (round, answered)
}

/// A request as the plain loop sends it: the URL and the headers.
type PlainRequest = (String, Vec<(String, String)>);

/// The same requests from a bare client: `concurrency` tasks on the run's runtime, each
/// taking the next request and reading its body to the end.
fn plain_round(
    context: &Arc<RunContext>,
    requests: &[RequestSpec],
    concurrency: usize,
    reuse: bool,
) -> Round {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .no_proxy();
    if !reuse {
        builder = builder.pool_max_idle_per_host(0);
    }
    let http = builder.build().expect("a plain client");
    let urls: Arc<Vec<PlainRequest>> = Arc::new(
        requests
            .iter()
            .map(|request| {
                (
                    context.client.url_for(&request.raw_path),
                    request.headers.clone(),
                )
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    context.runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (http, urls, next, answered) = (
                http.clone(),
                Arc::clone(&urls),
                Arc::clone(&next),
                Arc::clone(&answered),
            );
            tasks.spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some((url, headers)) = urls.get(n) else {
                        return;
                    };
                    let mut request = http.get(url.as_str());
                    for (name, value) in headers {
                        request = request.header(name.as_str(), value.as_str());
                    }
                    if let Ok(response) = request.send().await {
                        if response.bytes().await.is_ok() {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    });
    Round {
        requests: answered.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    }
}
