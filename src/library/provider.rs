//! The reference provider for other crates' tests: started on a free loopback port, with a
//! fault or a dialect if asked, stopped when dropped.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use super::error::Error;
use crate::contract::dialect;
use crate::provider::{self, Fault, ProviderConfig};

/// How a [`ReferenceProvider`] is set up before it starts.
#[derive(Debug, Clone, Default)]
pub struct ProviderBuilder {
    faults: Vec<String>,
    dialect: Option<String>,
    api_key: Option<String>,
    advance_step: Option<Duration>,
}

impl ProviderBuilder {
    /// Breaks the contract in one named way (`mjconform mock --list-faults` lists the names);
    /// call again for several faults.
    pub fn fault(mut self, name: impl Into<String>) -> Self {
        self.faults.push(name.into());
        self
    }

    /// Answers as a family of real servers does (`mjconform dialects` lists the names).
    pub fn dialect(mut self, name: impl Into<String>) -> Self {
        self.dialect = Some(name.into());
        self
    }

    /// The key the provider accepts; a fresh random one when not set.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The least time the advancing task spends in each stage of its life.
    pub fn advance_step(mut self, step: Duration) -> Self {
        self.advance_step = Some(step);
        self
    }

    /// Starts the provider on `127.0.0.1` on a free port.
    pub fn start(self) -> Result<ReferenceProvider, Error> {
        let mut config = ProviderConfig::with_random_key();
        for name in &self.faults {
            config
                .faults
                .push(name.parse::<Fault>().map_err(Error::Usage)?);
        }
        if let Some(name) = &self.dialect {
            config.dialect = Some(dialect::parse_name(name).map_err(Error::Usage)?);
        }
        if let Some(key) = self.api_key {
            if key.trim().is_empty() {
                return Err(Error::Usage("use an empty API key".to_owned()));
            }
            config.api_key = key;
        }
        if let Some(step) = self.advance_step {
            config.advance_step = step;
        }
        ReferenceProvider::serve(config)
    }
}

/// A reference provider serving `GET /mj/task/{id}/fetch` on loopback, on a thread of its
/// own, until dropped.
///
/// It runs its own runtime on that thread, so it can be started and dropped from plain
/// `#[test]`s and from inside another tokio runtime alike. `Debug` never prints the key.
pub struct ReferenceProvider {
    url: String,
    task_ids: Vec<String>,
    advancing_task_id: String,
    api_key: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What the serving thread reports once it listens.
struct Ready {
    url: String,
    task_ids: Vec<String>,
    advancing_task_id: String,
    api_key: String,
}

impl ReferenceProvider {
    /// Starts a provider that keeps the contract, with a fresh random key.
    pub fn start() -> Result<ReferenceProvider, Error> {
        Self::builder().start()
    }

    /// A provider to set up first: a fault, a dialect, a key.
    pub fn builder() -> ProviderBuilder {
        ProviderBuilder::default()
    }

    fn serve(config: ProviderConfig) -> Result<ReferenceProvider, Error> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<Ready, String>>();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("mjconform-provider".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        let _ = ready_tx.send(Err(format!("build a runtime: {err}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                    let running = match provider::start(config, addr).await {
                        Ok(running) => running,
                        Err(err) => {
                            let _ = ready_tx.send(Err(format!("listen on {addr}: {err}")));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(Ready {
                        url: running.base_url.to_string(),
                        task_ids: running.task_ids.clone(),
                        advancing_task_id: running.advancing_task_id.clone(),
                        api_key: running.api_key.clone(),
                    }));
                    // Serve until the handle is dropped (or forgotten: then the sender is
                    // dropped with it, and this ends too).
                    let _ = stopped.await;
                    drop(running);
                });
            })
            .map_err(|err| Error::Start(format!("spawn its thread: {err}")))?;
        let ready = ready_rx
            .recv()
            .map_err(|_| Error::Start("its thread ended before it listened".to_owned()))?
            .map_err(Error::Start)?;
        Ok(ReferenceProvider {
            url: ready.url,
            task_ids: ready.task_ids,
            advancing_task_id: ready.advancing_task_id,
            api_key: ready.api_key,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT/`: the fetch endpoint is
    /// `{url}mj/task/{id}/fetch`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL that fetches task `id`.
    pub fn fetch_url(&self, id: &str) -> String {
        format!("{}mj/task/{id}/fetch", self.url)
    }

    /// The ids of the seeded tasks (one per kind of task the doc describes).
    pub fn task_ids(&self) -> &[String] {
        &self.task_ids
    }

    /// The task that goes from `NOT_START` to `SUCCESS` as it is polled.
    pub fn advancing_task_id(&self) -> &str {
        &self.advancing_task_id
    }

    /// The key it accepts, sent as `Authorization: Bearer KEY` (or as the dialect says).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

impl Drop for ReferenceProvider {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for ReferenceProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReferenceProvider")
            .field("url", &self.url)
            .field("task_ids", &self.task_ids)
            .field("api_key", &"***")
            .finish_non_exhaustive()
    }
}

/// The names [`ProviderBuilder::fault`] takes.
pub fn fault_names() -> Vec<&'static str> {
    Fault::all().map(Fault::name).collect()
}

/// The names [`ProviderBuilder::dialect`] takes.
pub fn dialect_names() -> Vec<&'static str> {
    dialect::DIALECTS.iter().map(|d| d.name).collect()
}
