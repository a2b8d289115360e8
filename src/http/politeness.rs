//! Politeness toward the target, and a bound on a run against one that stopped answering.
//!
//! Every request of a run passes through [`Politeness::send`] (from `RunContext::send`,
//! the one choke point), which:
//!
//! - keeps at most `--concurrency` requests in flight;
//! - spaces the starts of requests to keep `--rate` (a fixed schedule, not a burst
//!   bucket: a paid provider sees an even pace);
//! - waits out a 429 as its `Retry-After` asks (delay-seconds or an HTTP date), up to
//!   `--max-retry-after`, pausing every request of the run rather than only the one that
//!   was refused, then retries it; a 429 that remains is a run error, never a contract
//!   failure;
//! - counts every request that goes on the wire, retries included (not one the HTTP stack
//!   refused to build, such as a credential with a control character);
//! - once [`STALL_LIMIT`] requests in a row got no answer within the timeout, sends no
//!   more: each later request fails at once with a message saying so. A stalled target
//!   then costs a few timeouts, not one per planned request.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::errors::RequestError;
use crate::http::exchange::Exchange;

/// Requests in a row without an answer in time after which the target is taken as
/// stalled. Three, so that one slow answer (or a few concurrent ones caught by the same
/// hiccup) does not end a run, while a dead target costs at most a round of timeouts.
pub const STALL_LIMIT: usize = 3;

/// Retries of one request after 429 answers, on top of the first attempt.
pub const MAX_RATE_LIMIT_RETRIES: u32 = 3;

/// The wait after a 429 without a usable `Retry-After`; it doubles with each retry.
pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(1);

/// The status a rate-limited request gets (RFC 6585).
pub const TOO_MANY_REQUESTS: u16 = 429;

/// What the run's options ask of the traffic.
#[derive(Debug, Clone)]
pub struct PolitenessConfig {
    /// Most request starts per second; `None` is unlimited.
    pub rate: Option<f64>,
    /// Most requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Longest `Retry-After` that is waited out.
    pub max_retry_after: Duration,
    /// The per-request timeout, for messages about a stalled target.
    pub timeout: Duration,
}

impl Default for PolitenessConfig {
    fn default() -> Self {
        PolitenessConfig {
            rate: None,
            concurrency: 4,
            max_retry_after: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }
}

/// When the next request may start.
#[derive(Debug)]
struct Schedule {
    /// The earliest start the rate allows for the next request.
    next_start: Option<Instant>,
    /// No request starts before this: a 429's `Retry-After` pauses the whole run.
    paused_until: Option<Instant>,
}

impl Schedule {
    /// Reserves the next start at or after `now`, and moves the schedule one interval on.
    fn reserve(&mut self, now: Instant, interval: Option<Duration>) -> Instant {
        let start = [Some(now), self.next_start, self.paused_until]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(now);
        if let Some(interval) = interval {
            self.next_start = Some(start + interval);
        }
        start
    }

    /// Pauses every start until `until` (a later pause wins over an earlier one).
    fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |paused| paused.max(until)));
    }
}

/// The shared traffic policy of one run. Cheap to share by reference; all state is
/// behind atomics and one short-held mutex.
#[derive(Debug)]
pub struct Politeness {
    config: PolitenessConfig,
    interval: Option<Duration>,
    permits: Semaphore,
    schedule: Mutex<Schedule>,
    sent: AtomicUsize,
    rate_limited_answers: AtomicUsize,
    retried: AtomicUsize,
    gave_up: AtomicUsize,
    longest_wait_ms: AtomicU64,
    no_answer_streak: AtomicUsize,
    stalled: AtomicBool,
    not_sent: AtomicUsize,
}

/// How one 429 is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateLimitDecision {
    /// Wait this long, then retry.
    Retry(Duration),
    /// Do not retry; the reason completes "failed to get an answer other than 429 ...".
    GiveUp(String),
}

impl Politeness {
    pub fn new(config: PolitenessConfig) -> Self {
        let interval = config
            .rate
            .filter(|rate| rate.is_finite() && *rate > 0.0)
            .map(|rate| Duration::from_secs_f64(1.0 / rate));
        let permits = Semaphore::new(config.concurrency.clamp(1, Semaphore::MAX_PERMITS));
        Politeness {
            config,
            interval,
            permits,
            schedule: Mutex::new(Schedule {
                next_start: None,
                paused_until: None,
            }),
            sent: AtomicUsize::new(0),
            rate_limited_answers: AtomicUsize::new(0),
            retried: AtomicUsize::new(0),
            gave_up: AtomicUsize::new(0),
            longest_wait_ms: AtomicU64::new(0),
            no_answer_streak: AtomicUsize::new(0),
            stalled: AtomicBool::new(false),
            not_sent: AtomicUsize::new(0),
        }
    }

    pub fn config(&self) -> &PolitenessConfig {
        &self.config
    }

    /// Requests that went on the wire, retries included.
    pub fn requests_sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Counts a request sent outside [`Politeness::send`] (the preflight's connection).
    pub fn count_sent(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether the run stopped sending because the target stopped answering.
    pub fn is_stalled(&self) -> bool {
        self.stalled.load(Ordering::Relaxed)
    }

    /// Runs `attempt` (one request on the wire) under the run's policy: a concurrency
    /// permit, the rate schedule, 429 retries and the stall breaker.
    pub async fn send<F, Fut>(&self, mut attempt: F) -> Result<Exchange, RequestError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Exchange, RequestError>>,
    {
        let mut retries = 0;
        loop {
            let outcome = {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = self.permits.acquire().await.ok();
                if self.is_stalled() {
                    return Err(self.not_sending());
                }
                self.wait_turn().await;
                if self.is_stalled() {
                    return Err(self.not_sending());
                }
                // Counted as it leaves, not when it is answered: a run interrupted (Ctrl-C)
                // with requests in flight reports what the server received.
                self.sent.fetch_add(1, Ordering::Relaxed);
                let outcome = attempt().await;
                // A request the HTTP stack refused to build (a control character in a
                // header) never reached the wire: it is not counted, nor does it say
                // anything about whether the target answers.
                if matches!(outcome, Err(RequestError::Build(_))) {
                    self.sent.fetch_sub(1, Ordering::Relaxed);
                } else {
                    self.observe(&outcome);
                }
                outcome
            };
            let exchange = match outcome {
                Ok(exchange) if exchange.status == TOO_MANY_REQUESTS => exchange,
                other => return other,
            };
            self.rate_limited_answers.fetch_add(1, Ordering::Relaxed);
            match self.decide(&exchange, retries, SystemTime::now()) {
                RateLimitDecision::Retry(wait) => {
                    retries += 1;
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                    self.longest_wait_ms.fetch_max(wait_ms, Ordering::Relaxed);
                    self.lock_schedule().pause_until(Instant::now() + wait);
                }
                RateLimitDecision::GiveUp(reason) => {
                    self.gave_up.fetch_add(1, Ordering::Relaxed);
                    return Err(RequestError::RateLimited { reason });
                }
            }
        }
    }

    /// What to do with a 429 after `retries` earlier retries of the same request.
    pub fn decide(&self, exchange: &Exchange, retries: u32, now: SystemTime) -> RateLimitDecision {
        let max = self.config.max_retry_after;
        if retries >= MAX_RATE_LIMIT_RETRIES {
            return RateLimitDecision::GiveUp(format!(
                "the target still answered 429 after {retries} retries"
            ));
        }
        let backoff = DEFAULT_BACKOFF.saturating_mul(1 << retries.min(16));
        let wait = match exchange.header("retry-after") {
            None => backoff,
            Some(value) => match parse_retry_after(value, now) {
                Some(wait) => wait,
                None => backoff,
            },
        };
        if wait > max {
            let asked = match exchange.header("retry-after") {
                Some(value) => format!("`Retry-After: {}` asks", value.trim()),
                None => "the backoff would be".to_owned(),
            };
            return RateLimitDecision::GiveUp(format!(
                "{asked} for a wait of {}, longer than --max-retry-after {}",
                seconds(wait),
                seconds(max)
            ));
        }
        RateLimitDecision::Retry(wait)
    }

    /// Lines for the end of the run, one per thing a person should know about the
    /// traffic: 429s waited out or given up on, and a stall that stopped the run.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let limited = self.rate_limited_answers.load(Ordering::Relaxed);
        if limited > 0 {
            lines.push(format!(
                "mjconform: the target answered 429 Too Many Requests {limited} time(s): \
                 {} retried after the wait it asked for (longest {}), {} reported as \
                 errors, not contract failures",
                self.retried.load(Ordering::Relaxed),
                seconds(Duration::from_millis(
                    self.longest_wait_ms.load(Ordering::Relaxed)
                )),
                self.gave_up.load(Ordering::Relaxed),
            ));
        }
        if self.is_stalled() {
            let not_sent = self.not_sent.load(Ordering::Relaxed);
            lines.push(format!(
                "mjconform: {STALL_LIMIT} requests in a row got no answer within {}, so the \
                 target is taken as stalled; {not_sent} later request(s) were not sent",
                seconds(self.config.timeout),
            ));
        }
        lines
    }

    fn lock_schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        // The schedule holds two instants; a panic elsewhere cannot leave it inconsistent.
        self.schedule
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sleeps until this request's start: the rate's next slot, and after any pause a
    /// 429 asked for (re-checked after waking, since a pause may arrive meanwhile).
    /// Bounded: each pause is at most `--max-retry-after`, and each request makes at
    /// most [`MAX_RATE_LIMIT_RETRIES`] of them.
    async fn wait_turn(&self) {
        let now = Instant::now();
        let start = self.lock_schedule().reserve(now, self.interval);
        // Only sleep for a start in the future: tokio rounds a deadline up to its next
        // millisecond tick, so sleeping until "now" cost up to a millisecond per request
        // (at `--concurrency 1`, most of each request's time against a local server).
        if start > now {
            tokio::time::sleep_until(start).await;
        }
        loop {
            let paused = self.lock_schedule().paused_until;
            match paused {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// Feeds the stall breaker: a run of requests that got no answer in time trips it,
    /// anything else (an answer, or an error that came quickly) resets the run.
    fn observe(&self, outcome: &Result<Exchange, RequestError>) {
        match outcome {
            Err(err) if err.is_no_answer_in_time() => {
                let streak = self.no_answer_streak.fetch_add(1, Ordering::Relaxed) + 1;
                if streak >= STALL_LIMIT {
                    self.stalled.store(true, Ordering::Relaxed);
                }
            }
            _ => self.no_answer_streak.store(0, Ordering::Relaxed),
        }
    }

    fn not_sending(&self) -> RequestError {
        self.not_sent.fetch_add(1, Ordering::Relaxed);
        RequestError::Stalled {
            limit: STALL_LIMIT,
            timeout_ms: u64::try_from(self.config.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The wait a `Retry-After` value asks for (RFC 9110 §10.2.3): delay-seconds, or an
/// HTTP date (IMF-fixdate and the two obsolete forms), a date in the past meaning no wait.
/// `None` when the value is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still a number of seconds: far too long.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A duration for messages: `30 s`, `1.5 s`, `250 ms`.
fn seconds(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        let secs = duration.as_secs_f64();
        if secs.fract() == 0.0 {
            format!("{secs:.0} s")
        } else {
            format!("{secs:.1} s")
        }
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::exchange::fixtures::answer;

    fn politeness(max_retry_after: Duration) -> Politeness {
        Politeness::new(PolitenessConfig {
            max_retry_after,
            ..PolitenessConfig::default()
        })
    }

    fn limited(retry_after: Option<&str>) -> Exchange {
        let mut exchange = answer(429, Some("application/json"), "{}");
        if let Some(value) = retry_after {
            exchange
                .headers
                .push(("retry-after".to_owned(), value.to_owned()));
        }
        exchange
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        // The obsolete RFC 850 and asctime forms are HTTP dates too.
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:57 1994", now),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means no wait"
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        for bad in ["", "-5", "1.5", "soon", "5 s"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn a_429_is_waited_out_within_the_bound() {
        let polite = politeness(Duration::from_secs(30));
        let now = SystemTime::now();
        assert_eq!(
            polite.decide(&limited(Some("2")), 0, now),
            RateLimitDecision::Retry(Duration::from_secs(2))
        );
        assert_eq!(
            polite.decide(&limited(Some("30")), 0, now),
            RateLimitDecision::Retry(Duration::from_secs(30))
        );
        match polite.decide(&limited(Some("31")), 0, now) {
            RateLimitDecision::GiveUp(reason) => {
                assert!(reason.contains("Retry-After: 31"), "{reason}");
                assert!(reason.contains("--max-retry-after 30 s"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_429_without_a_usable_retry_after_backs_off() {
        let polite = politeness(Duration::from_secs(3));
        let now = SystemTime::now();
        assert_eq!(
            polite.decide(&limited(None), 0, now),
            RateLimitDecision::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            polite.decide(&limited(Some("soon")), 1, now),
            RateLimitDecision::Retry(Duration::from_secs(2))
        );
        assert!(matches!(
            polite.decide(&limited(None), 2, now),
            RateLimitDecision::GiveUp(_)
        ));
        match polite.decide(&limited(Some("0")), MAX_RATE_LIMIT_RETRIES, now) {
            RateLimitDecision::GiveUp(reason) => assert!(reason.contains("still answered 429")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_schedule_spaces_starts_and_honours_pauses() {
        let mut schedule = Schedule {
            next_start: None,
            paused_until: None,
        };
        let t0 = Instant::now();
        let interval = Some(Duration::from_millis(200));
        assert_eq!(schedule.reserve(t0, interval), t0);
        assert_eq!(
            schedule.reserve(t0, interval),
            t0 + Duration::from_millis(200)
        );
        assert_eq!(
            schedule.reserve(t0 + Duration::from_millis(10), interval),
            t0 + Duration::from_millis(400)
        );
        schedule.pause_until(t0 + Duration::from_secs(5));
        schedule.pause_until(t0 + Duration::from_secs(1));
        assert_eq!(
            schedule.reserve(t0, interval),
            t0 + Duration::from_secs(5),
            "the later pause wins"
        );
        let mut unlimited = Schedule {
            next_start: None,
            paused_until: None,
        };
        assert_eq!(unlimited.reserve(t0, None), t0);
        assert_eq!(unlimited.reserve(t0, None), t0);
    }

    #[test]
    fn the_stall_breaker_trips_on_a_streak_only() {
        let polite = politeness(Duration::from_secs(30));
        let timeout = || Err(RequestError::Timeout { timeout_ms: 10 });
        polite.observe(&timeout());
        polite.observe(&timeout());
        polite.observe(&Err(RequestError::Transport("reset".into())));
        polite.observe(&timeout());
        polite.observe(&timeout());
        assert!(!polite.is_stalled(), "a quick error breaks the streak");
        polite.observe(&Err(RequestError::BodyTimeout {
            timeout_ms: 10,
            status: 200,
            received: 3,
        }));
        assert!(polite.is_stalled());
        assert!(polite.summary()[0].contains("were not sent"));
    }

    #[test]
    fn the_summary_is_silent_when_nothing_happened() {
        assert!(politeness(Duration::from_secs(1)).summary().is_empty());
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(250)), "250 ms");
    }

    #[test]
    fn only_requests_that_reached_the_wire_are_counted() {
        let polite = politeness(Duration::from_secs(1));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let unsendable = runtime.block_on(polite.send(|| async {
            Err(RequestError::Build(
                "the value of header `authorization` is not sendable".into(),
            ))
        }));
        assert!(matches!(unsendable, Err(RequestError::Build(_))));
        assert_eq!(polite.requests_sent(), 0);
        let refused = runtime.block_on(
            polite.send(|| async { Err(RequestError::Transport("connection refused".into())) }),
        );
        assert!(refused.is_err());
        assert_eq!(
            polite.requests_sent(),
            1,
            "a refused connection went on the wire"
        );
    }
}
