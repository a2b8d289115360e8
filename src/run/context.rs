//! Everything a run shares: the contract, the target (or the embedded provider), the one
//! HTTP client and tokio runtime, the redactor, and the planned requests with their
//! answers. Each request is made at most once and its answer shared by every check that
//! reads it, so adding a check never adds traffic to a paid provider.

use std::net::{Ipv4Addr, SocketAddr};
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use url::Url;

use crate::checks::Probe;
use crate::contract::spec::Contract;
use crate::errors::{RequestError, UsageError};
use crate::http::auth::{wrong_key_like, ApiKey, KeyPlacement};
use crate::http::client::{
    encode_path_segment, ClientLimits, Method, Reader, RequestSpec, TargetClient,
    TRUNCATED_BODY_KEPT,
};
use crate::http::exchange::Exchange;
use crate::http::politeness::{Politeness, PolitenessConfig};
use crate::message::redact::Redactor;
use crate::provider::{self, ProviderConfig, RunningProvider};
use crate::run::cli::RunArgs;
use crate::run::shared_answers::SharedAnswers;

pub use super::case_names::{
    path_variants, task_case_name, unknown_id_like, TASK_CASE_PREFIX,
};
use super::case_names::case_name_for;
pub use super::target_url::parse_target_url;

thread_local! {
    /// A sender thread's own runtime, set by [`RunContext::with_own_runtime`].
    static OWN_RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
    /// Whether this thread sends over blocking sockets where it can, set by
    /// [`RunContext::with_blocking_sender`].
    static BLOCKING_SENDER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Where the run's requests go.
#[derive(Debug, Clone)]
pub struct Target {
    pub base_url: Url,
    /// True when the embedded reference provider is the target.
    pub embedded: bool,
}

/// One planned request and, once made, its answer.
#[derive(Debug)]
pub struct Case {
    /// The case part of trial names: `task_<id>`, `unknown_id`, `missing_credential`, ...
    pub name: String,
    pub probe: Probe,
    /// The task id the request asks for (unencoded).
    pub task_id: String,
    pub request: RequestSpec,
    answer: OnceLock<Result<Exchange, RequestError>>,
}

impl Case {
    /// The answer, if the case was already answered (never sends).
    pub fn answered(&self) -> Option<&Result<Exchange, RequestError>> {
        self.answer.get()
    }
}

/// The shared state of one run.
pub struct RunContext {
    /// The options the run was started with, for trial families that read their own.
    pub args: RunArgs,
    pub runtime: tokio::runtime::Runtime,
    pub contract: Contract,
    pub client: TargetClient,
    pub redactor: Redactor,
    pub target: Target,
    pub placement: KeyPlacement,
    pub key: Option<ApiKey>,
    pub task_ids: Vec<String>,
    pub cases: Vec<Arc<Case>>,
    /// Concurrency, rate, 429 retries, the stall breaker and the request count: every
    /// request of the run goes through it in [`RunContext::send_async`].
    pub politeness: Politeness,
    /// Under cargo-nextest, the answers this run's processes share (see
    /// [`crate::run::shared_answers`]).
    shared: OnceLock<SharedAnswers>,
    /// Once the run's key was refused everywhere: the placement the server accepted it in,
    /// tried once each (`None`: no placement was accepted).
    working_placement: OnceLock<Option<KeyPlacement>>,
    /// Kept alive for the run; dropping it stops the embedded provider.
    _provider: Option<RunningProvider>,
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("target", &self.target.base_url.as_str())
            .field("cases", &self.cases.len())
            .finish_non_exhaustive()
    }
}

impl RunContext {
    /// Loads the contract, starts the runtime (and the embedded provider when there is no
    /// target), and plans the requests. Every error here is a usage error (exit 2).
    pub fn prepare(args: &RunArgs) -> Result<Arc<RunContext>, UsageError> {
        let contract = args.contract()?;
        if args.task_ids.iter().any(|id| id.trim().is_empty()) {
            return Err(UsageError::TaskId("a task id is empty".to_owned()));
        }
        if args
            .unknown_id
            .as_ref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(UsageError::TaskId("the unknown id is empty".to_owned()));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mjconform-io")
            .enable_all()
            .build()
            .map_err(UsageError::Runtime)?;
        let (target, key, task_ids, placement, provider): (
            Target,
            Option<ApiKey>,
            Vec<String>,
            KeyPlacement,
            Option<RunningProvider>,
        ) = match &args.target_url {
            Some(raw) => {
                let base_url = parse_target_url(raw)?;
                let target = Target {
                    base_url,
                    embedded: false,
                };
                let key = args
                    .api_key
                    .clone()
                    .filter(|key| !key.is_empty())
                    .map(ApiKey::new);
                (
                    target,
                    key,
                    args.task_ids.clone(),
                    args.placement_for(&contract),
                    None,
                )
            }
            None => {
                let mut config = ProviderConfig::with_random_key();
                if let Some(key) = args.api_key.clone().filter(|key| !key.is_empty()) {
                    config.api_key = key;
                }
                // With a dialect, the embedded provider is that family's mock.
                config.dialect = args.dialect;
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                let running = runtime
                    .block_on(provider::start(config, addr))
                    .map_err(UsageError::Provider)?;
                let task_ids = if args.task_ids.is_empty() {
                    running.task_ids.clone()
                } else {
                    args.task_ids.clone()
                };
                let target = Target {
                    base_url: running.base_url.clone(),
                    embedded: true,
                };
                let key = Some(ApiKey::new(running.api_key.clone()));
                // The reference provider reads the key where the doc puts it; a dialect's
                // mock where its document does.
                let placement = match args.dialect {
                    Some(dialect) => args.placement_for(&dialect.contract()),
                    None => KeyPlacement::Bearer,
                };
                (target, key, task_ids, placement, Some(running))
            }
        };
        let limits = ClientLimits {
            timeout: args.timeout,
            connect_timeout: args.connect_timeout,
            max_body_bytes: args.max_body,
            max_response_time: args.max_response_time,
        };
        let client = TargetClient::new(target.base_url.clone(), limits)
            .map_err(|err| UsageError::Provider(std::io::Error::other(err.to_string())))?;
        let mut secrets: Vec<String> = key.iter().map(|key| key.expose().to_owned()).collect();
        if let Some(running) = &provider {
            secrets.extend(running.disabled_key.clone());
        }
        let redactor = Redactor::new(&secrets);
        let unknown_id = args
            .unknown_id
            .clone()
            .unwrap_or_else(|| unknown_id_like(&task_ids));
        let mut context = RunContext {
            args: args.clone(),
            runtime,
            contract,
            client,
            redactor,
            target,
            placement,
            key,
            task_ids,
            cases: Vec::new(),
            politeness: Politeness::new(PolitenessConfig {
                rate: args.rate,
                concurrency: args.concurrency as usize,
                max_retry_after: args.max_retry_after,
                timeout: args.timeout,
            }),
            shared: OnceLock::new(),
            working_placement: OnceLock::new(),
            _provider: provider,
        };
        context.cases = context.plan(&unknown_id);
        Ok(Arc::new(context))
    }

    /// Under cargo-nextest, shares answers with the run's other processes (the conformance
    /// suite's test binary calls this; a run of one process has nothing to share). Against
    /// the embedded provider there is nothing to share either: each process starts its own.
    pub fn share_answers_under_nextest(&self) {
        if self.target.embedded {
            return;
        }
        // Everything that decides what the planned requests are and how they are judged
        // scopes the shared answers; the credential itself is part of each request's key.
        let args = &self.args;
        let scope = format!(
            "{}|{}|{}|{}|{}|{}",
            self.target.base_url,
            self.contract.digest,
            self.task_ids.join(","),
            args.seed,
            args.fuzz_cases,
            args.max_body
        );
        if let Some(shared) =
            SharedAnswers::for_nextest(&scope, args.timeout * 2 + args.connect_timeout)
        {
            let _ = self.shared.set(shared);
        }
    }

    /// The credential header for the run's key, if there is a key.
    pub fn credential(&self) -> Vec<(String, String)> {
        self.key
            .iter()
            .map(|key| self.placement.credential(key.expose()))
            .collect()
    }

    /// The embedded reference provider, when it is the target (for its advancing task).
    pub fn provider(&self) -> Option<&RunningProvider> {
        self._provider.as_ref()
    }

    /// The raw path that asks for `id`.
    pub fn path_for(&self, id: &str) -> String {
        self.contract.fetch.path_for(&encode_path_segment(id))
    }

    fn plan(&self, unknown_id: &str) -> Vec<Arc<Case>> {
        let mut cases: Vec<Arc<Case>> = Vec::new();
        let add = |cases: &mut Vec<Arc<Case>>, name: String, probe, id: &str, headers| {
            cases.push(Arc::new(Case {
                name,
                probe,
                task_id: id.to_owned(),
                request: RequestSpec::get(self.path_for(id), headers),
                answer: OnceLock::new(),
            }));
        };
        for id in &self.task_ids {
            // A key given as a task id (by mistake, or to test) must not reach trial names.
            let name = case_name_for(
                &self.redactor.redact(id),
                cases.iter().map(|case| case.name.as_str()),
            );
            add(&mut cases, name, Probe::KnownTask, id, self.credential());
        }
        add(
            &mut cases,
            "unknown_id".to_owned(),
            Probe::UnknownTask,
            unknown_id,
            self.credential(),
        );
        // Auth probes ask for a task that exists, so a server that ignores the credential
        // gives itself away by returning the task.
        let auth_id = self
            .task_ids
            .first()
            .map(String::as_str)
            .unwrap_or(unknown_id);
        add(
            &mut cases,
            "missing_credential".to_owned(),
            Probe::MissingCredential,
            auth_id,
            Vec::new(),
        );
        // The same, for the id that cannot exist: a server that looks the id up before it
        // checks the key answers the two differently (`no_existence_oracle`).
        if !self.task_ids.is_empty() {
            add(
                &mut cases,
                Probe::UnknownWithoutCredential.case_name(),
                Probe::UnknownWithoutCredential,
                unknown_id,
                Vec::new(),
            );
        }
        // Paths a router may take for the fetch path, without a credential: none may serve
        // the task (a route matched before the one the key check guards, a case-insensitive
        // or slash-merging router in front).
        if !self.task_ids.is_empty() {
            for (variant, path) in path_variants(&self.path_for(auth_id), auth_id) {
                cases.push(Arc::new(Case {
                    name: Probe::PathVariant(variant).case_name(),
                    probe: Probe::PathVariant(variant),
                    task_id: auth_id.to_owned(),
                    request: RequestSpec::get(path, Vec::new()),
                    answer: OnceLock::new(),
                }));
            }
        }
        let wrong = wrong_key_like(
            self.key
                .as_ref()
                .map(ApiKey::expose)
                .unwrap_or("mjconform-key"),
        );
        add(
            &mut cases,
            "wrong_key".to_owned(),
            Probe::WrongKey,
            auth_id,
            vec![self.placement.credential(&wrong)],
        );
        self.plan_http_rules(&mut cases, auth_id, unknown_id);
        cases
    }

    /// The probes of HTTP's own rules (`docs/http-rules.md`): each sent once, with the run's
    /// credential and no body, to the fetch path only. POST goes to the task the auth probes
    /// ask for (the method a server most often binds by mistake next to GET, and on a path
    /// that only reads, one whose handler reads too); PUT, PATCH and DELETE go to the id that
    /// cannot exist, so even a server that did replace, patch or delete on this path would
    /// find nothing to change. Methods the spec documents on the path are not probed.
    fn plan_http_rules(&self, cases: &mut Vec<Arc<Case>>, known_id: &str, unknown_id: &str) {
        let documented = &self.contract.fetch.path_methods;
        let mut add = |probe: Probe, id: &str, method: Method, reader: Reader| {
            let mut request = RequestSpec::get(self.path_for(id), self.credential());
            request.method = method;
            request.reader = reader;
            cases.push(Arc::new(Case {
                name: probe.case_name(),
                probe,
                task_id: id.to_owned(),
                request,
                answer: OnceLock::new(),
            }));
        };
        for (method, id) in [
            (Method::Post, known_id),
            (Method::Put, unknown_id),
            (Method::Patch, unknown_id),
            (Method::Delete, unknown_id),
        ] {
            if !documented.iter().any(|name| name == method.as_str()) {
                add(
                    Probe::UnsupportedMethod(method),
                    id,
                    method,
                    Reader::Library,
                );
            }
        }
        add(Probe::Head, known_id, Method::Head, Reader::Wire);
        add(Probe::Options, known_id, Method::Options, Reader::Library);
        add(Probe::Framing, known_id, Method::Get, Reader::Wire);
    }

    /// The answer to `case`, requesting it on first use.
    pub fn answer<'a>(&self, case: &'a Case) -> &'a Result<Exchange, RequestError> {
        case.answer.get_or_init(|| {
            let mut answer = self.send_shared(&case.request);
            // The probes of HTTP's own rules are judged on status, headers and framing, never
            // on their body: keeping only its start keeps a run's memory where it was when
            // only the four contract answers were kept whole.
            if let (false, Ok(exchange)) = (case.probe.is_documented_get(), &mut answer) {
                if exchange.body.len() > TRUNCATED_BODY_KEPT {
                    exchange.body.truncate(TRUNCATED_BODY_KEPT);
                    exchange.body.shrink_to_fit();
                }
            }
            answer
        })
    }

    /// [`RunContext::send`], except that under cargo-nextest an answer another process of
    /// the run already got is read instead of sent again. For requests whose answer does not
    /// change between processes (the planned cases, the fuzz campaign); never for polls.
    pub fn send_shared(&self, request: &RequestSpec) -> Result<Exchange, RequestError> {
        match self.shared.get() {
            Some(shared) => shared.answer(
                request,
                self.target.base_url.as_str(),
                &self.redactor,
                || self.send(request),
            ),
            None => self.send(request),
        }
    }

    /// Sends one request now, from a thread outside the runtime (a trial, a sender thread).
    /// Within [`RunContext::with_own_runtime`] the request is driven on the thread's own
    /// runtime; otherwise on the run's.
    pub fn send(&self, request: &RequestSpec) -> Result<Exchange, RequestError> {
        let blocking = BLOCKING_SENDER.get() && self.client.sends_blocking(request);
        OWN_RUNTIME.with(|own| {
            let runtime = own.borrow();
            let runtime = runtime.as_ref().unwrap_or(&self.runtime);
            if blocking {
                // The politeness still decides when it goes and counts it; the exchange
                // itself blocks this thread, which waits on it anyway.
                let attempt = || std::future::ready(self.client.send_blocking(request));
                runtime.block_on(self.politeness.send(attempt))
            } else {
                runtime.block_on(self.send_async(request))
            }
        })
    }

    /// Runs `work` (a fuzz campaign's sender loop) on a runtime of this thread's own, with
    /// its requests to a plain `http` target sent over blocking sockets
    /// ([`crate::http::blocking`]): the reader of answers is the library's in all but the
    /// machinery, which cost more than the connection itself at thousands of requests. The
    /// suite keeps reqwest for every request.
    pub fn with_blocking_sender<R>(work: impl FnOnce() -> R) -> R {
        struct Restore;
        impl Drop for Restore {
            fn drop(&mut self) {
                BLOCKING_SENDER.set(false);
            }
        }
        BLOCKING_SENDER.set(true);
        let _restore = Restore;
        RunContext::with_own_runtime(work)
    }

    /// Runs `work` (a sender thread's loop) with its requests driven on a single-threaded
    /// runtime of this thread's own.
    ///
    /// `block_on` on the run's multi-thread runtime hands each request's connection to a
    /// worker thread and wakes the sender back when the answer is in: two thread wake-ups
    /// (futex calls, context switches) per request. A perf profile of a 5,000-case campaign at
    /// `--concurrency 4` put the scheduler and futex wake-ups at the top (docs/performance.md).
    /// On the sender's own runtime the connection, the answer and the sender are one thread.
    /// The threads, and so the memory bound (one body in flight per sender), stay as they are.
    pub fn with_own_runtime<R>(work: impl FnOnce() -> R) -> R {
        /// Takes the runtime out of the thread-local when the work ends (or panics), so it is
        /// dropped here and never in the thread-local's destructor, where tokio's own
        /// thread-locals may already be gone.
        struct Restore;
        impl Drop for Restore {
            fn drop(&mut self) {
                let own = OWN_RUNTIME.with(|own| own.borrow_mut().take());
                drop(own);
            }
        }
        let built = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        let Ok(runtime) = built else {
            // No runtime of its own (out of threads or file descriptors): the run's.
            return work();
        };
        OWN_RUNTIME.with(|own| *own.borrow_mut() = Some(runtime));
        let _restore = Restore;
        work()
    }

    /// Sends one request under the run's politeness (`--concurrency`, `--rate`, 429
    /// retries, the stall breaker), counting each attempt. The one choke point: every
    /// request of the run goes through here, so the limits hold whoever sends.
    pub async fn send_async(&self, request: &RequestSpec) -> Result<Exchange, RequestError> {
        self.politeness.send(|| self.client.send(request)).await
    }

    /// The request of `case` as it is sent, for reports of a case that got no answer.
    pub fn sent_request(&self, case: &Case) -> crate::http::exchange::SentRequest {
        crate::http::exchange::SentRequest {
            method: case.request.method.as_str().to_owned(),
            url: self.client.url_for(&case.request.raw_path),
            raw_path: case.request.raw_path.clone(),
            headers: case.request.headers.clone(),
        }
    }

    /// Why answers to authenticated requests cannot be judged, when the run's own
    /// credential is the reason they were refused: none was given though the spec requires
    /// one, or the server refused it on every request that carried it (a wrong key, or the
    /// key in a place this server does not read). `None` when the key was accepted
    /// somewhere, so a 401 elsewhere is the server's own deviation.
    pub fn credential_problem(&self) -> Option<String> {
        if self.key.is_none() {
            return self.contract.fetch.requires_auth.then(|| {
                "no credential was given (--api-key or MJ_API_KEY) and the spec requires one; \
                 give the key to run this check"
                    .to_owned()
            });
        }
        let refused = |case: &Arc<Case>| matches!(self.answer(case), Ok(exchange) if matches!(exchange.status, 401 | 403));
        let keyed: Vec<&Arc<Case>> = self
            .cases
            .iter()
            .filter(|case| matches!(case.probe, Probe::KnownTask | Probe::UnknownTask))
            .collect();
        if keyed.is_empty() || !keyed.iter().all(|case| refused(case)) {
            return None;
        }
        let hint = match self.working_placement(keyed[0]) {
            Some(placement) => format!(
                "the server accepts the key as `{placement}`: rerun with --key-placement {placement}"
            ),
            None => "no other key placement was accepted either, so the key itself may be wrong \
                     (`mjconform identify` tries each placement and names the server's family)"
                .to_owned(),
        };
        Some(format!(
            "the credential was refused on every request that carried it (as `{}`); {hint}",
            self.placement
        ))
    }

    /// The placement, other than the run's, in which the server accepts the key: each one a
    /// document names (the doc's and the dialects') is tried once, on `case`'s request, as
    /// `mjconform identify` does; the first not answered 401 or 403 wins. Tried once per run.
    fn working_placement(&self, case: &Case) -> Option<KeyPlacement> {
        self.working_placement
            .get_or_init(|| {
                let key = self.key.as_ref()?;
                let mut others: Vec<KeyPlacement> = Vec::new();
                let contracts = std::iter::once(Contract::embedded())
                    .chain(crate::contract::dialect::DIALECTS.iter().map(|d| d.contract()));
                for contract in contracts {
                    for placement in contract.fetch.key_placements() {
                        if placement != self.placement && !others.contains(&placement) {
                            others.push(placement);
                        }
                    }
                }
                others.into_iter().find(|placement| {
                    let request = RequestSpec {
                        headers: vec![placement.credential(key.expose())],
                        ..case.request.clone()
                    };
                    matches!(self.send(&request), Ok(answer) if !matches!(answer.status, 401 | 403))
                })
            })
            .clone()
    }

    /// Requests that went on the wire, 429 retries included.
    pub fn requests_made(&self) -> usize {
        self.politeness.requests_sent()
    }

    /// Answers `cases` (those not answered yet) concurrently, up to `--concurrency` at a
    /// time, before the trials read them: trials run on libtest's few threads, so left to
    /// them, requests to a slow target would wait on each other one timeout at a time.
    pub fn prefetch(&self, cases: &[Arc<Case>]) {
        let pending: Vec<&Arc<Case>> = cases
            .iter()
            .filter(|case| case.answer.get().is_none())
            .collect();
        if pending.is_empty() {
            return;
        }
        // One sender thread per permit: each takes the next case until none are left.
        // (`block_on` from several threads is fine on a multi-thread runtime.)
        let senders = self.politeness.config().concurrency.clamp(1, pending.len());
        let queue = std::sync::Mutex::new(pending.into_iter());
        std::thread::scope(|scope| {
            for _ in 0..senders {
                scope.spawn(|| {
                    RunContext::with_own_runtime(|| loop {
                        let next = queue.lock().map(|mut queue| queue.next());
                        let Ok(Some(case)) = next else { return };
                        // `answer` sends only if no one answered the case meanwhile.
                        self.answer(case);
                    })
                });
            }
        });
    }

    /// Fails fast, before any trial, when nothing listens at the target: an unreachable
    /// target is bad input (exit 2), not a hundred failed trials.
    ///
    /// Its connections count among the requests sent (the target sees them), and under
    /// cargo-nextest one process runs it for the whole run ([`SharedAnswers::once`]).
    pub fn preflight(&self) -> Result<(), UsageError> {
        match self.shared.get() {
            Some(shared) => shared.once("preflight", || self.preflight_here()),
            None => self.preflight_here(),
        }
    }

    fn preflight_here(&self) -> Result<(), UsageError> {
        let url = &self.target.base_url;
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let timeout = self.client.limits().connect_timeout;
        let unreachable = |reason: String| UsageError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        self.runtime.block_on(async {
            let connect = tokio::net::TcpStream::connect((host.as_str(), port));
            self.politeness.count_sent();
            match tokio::time::timeout(timeout, connect).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => return Err(unreachable(err.to_string())),
                Err(_) => {
                    return Err(unreachable(format!(
                        "no connection within {} ms",
                        timeout.as_millis()
                    )))
                }
            }
            // `https://` in front of a plain-HTTP server would make every trial an ERROR:
            // one bounded plain-HTTP probe (no credential, never a billed request) tells.
            if url.scheme() == "https" {
                self.politeness.count_sent();
                if let Some(reason) = crate::http::preflight::probe_tls_mismatch(url, timeout).await
                {
                    return Err(unreachable(reason));
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_urls_are_checked() {
        assert!(parse_target_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_target_url("https://relay.example/api/").is_ok());
        for (bad, why) in [
            ("not a url", "relative URL"),
            ("ftp://127.0.0.1/", "scheme `ftp`"),
            ("http://127.0.0.1/?x=1", "query"),
            ("http://user:pw@127.0.0.1/", "credentials"),
            ("file:///etc/passwd", "scheme `file`"),
            ("127.0.0.1:8080", "add http:// (`http://127.0.0.1:8080/`)"),
            ("localhost:8080", "add http:// (`http://localhost:8080/`)"),
            ("relay.example/api/", "add http:// (`http://relay.example/api/`)"),
            (
                "http://127.0.0.1:8080/mj/task/1747132783114582/fetch",
                "give `http://127.0.0.1:8080/`",
            ),
            (
                "https://relay.example/api/mj/task/{id}/fetch",
                "give `https://relay.example/api/`",
            ),
            ("http://127.0.0.1:8080/mj/task/", "give `http://127.0.0.1:8080/`"),
        ] {
            let err = parse_target_url(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn path_variants_keep_the_task_and_change_the_route() {
        let variants = path_variants("/mj/task/1747/fetch", "1747");
        let paths: Vec<&str> = variants.iter().map(|(_, path)| path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/mj/task/1747/fetch/",
                "/mj//task/1747/fetch",
                "/mj/task/%31747/fetch",
                "/MJ/task/1747/fetch",
            ]
        );
    }

    #[test]
    fn unknown_ids_follow_the_shape_of_known_ones() {
        assert_eq!(
            unknown_id_like(&["1747132423020537".into()]),
            "0000000000000000"
        );
        assert!(unknown_id_like(&["abc".into()]).starts_with("mjconform-no-such-task"));
        assert!(unknown_id_like(&[]).starts_with("mjconform-no-such-task"));
    }

    #[test]
    fn case_names_are_clean_and_unique() {
        let taken = ["task_a_b"];
        assert_eq!(case_name_for("a b", taken.into_iter()), "task_a_b_2");
        assert_eq!(case_name_for("123", taken.into_iter()), "task_123");
    }
}
