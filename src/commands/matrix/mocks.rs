//! The embedded mocks of a matrix (`mock = { dialect, faults }`): each started on
//! 127.0.0.1:0 by the matrix process itself, on one runtime, for as long as the matrix runs.
//! The children check them over loopback like any other target.

use std::net::{Ipv4Addr, SocketAddr};

use tokio::runtime::Runtime;

use super::config::{Source, Target};
use crate::errors::MatrixError;
use crate::http::auth::{ApiKey, KeyPlacement};
use crate::provider::{self, ProviderConfig, RunningProvider};

/// Where a child finds its target, and what it knows of it beforehand.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: url::Url,
    pub key: Option<ApiKey>,
    pub task_ids: Vec<String>,
    pub watch: Vec<String>,
    /// A mock's advancing task moves one stage per step: it is polled that often, not once a
    /// second.
    pub watch_interval: Option<String>,
    /// Where the mock reads the key, for a target that names neither a placement nor a dialect.
    pub default_placement: Option<KeyPlacement>,
}

/// The running mocks and the runtime they run on; dropping it stops them.
pub struct Mocks {
    // Declared first so the servers stop before their runtime goes.
    _running: Vec<RunningProvider>,
    runtime: Runtime,
}

impl Mocks {
    /// The matrix's runtime, which also watches for Ctrl-C.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

/// Starts the mock of each mock target and returns every target's endpoint, in order.
pub fn start(targets: &[Target]) -> Result<(Mocks, Vec<Endpoint>), MatrixError> {
    let runtime = Runtime::new().map_err(MatrixError::Runtime)?;
    let mut running = Vec::new();
    let mut endpoints = Vec::new();
    for target in targets {
        let endpoint = match &target.source {
            Source::Url(url) => Endpoint {
                url: url.clone(),
                key: target.key.clone(),
                task_ids: target.task_ids.clone(),
                watch: target.watch.clone(),
                watch_interval: None,
                default_placement: None,
            },
            Source::Mock { dialect, faults } => {
                let mut config = ProviderConfig::with_random_key();
                // A mock with `key_env` accepts that key, so a file can show how keys are
                // handled without any server outside.
                if let Some(key) = &target.key {
                    config.api_key = key.expose().to_owned();
                }
                config.dialect = *dialect;
                config.faults = faults.clone();
                let step = config.advance_step;
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                let mock = runtime
                    .block_on(provider::start(config, addr))
                    .map_err(|source| MatrixError::Mock {
                        target: target.name.clone(),
                        source,
                    })?;
                let endpoint = Endpoint {
                    url: mock.base_url.clone(),
                    key: Some(ApiKey::new(mock.api_key.clone())),
                    task_ids: if target.task_ids.is_empty() {
                        mock.task_ids.clone()
                    } else {
                        target.task_ids.clone()
                    },
                    watch: if target.watch.is_empty() {
                        vec![mock.advancing_task_id.clone()]
                    } else {
                        target.watch.clone()
                    },
                    watch_interval: Some(format!("{}ms", step.as_millis().max(1))),
                    default_placement: dialect
                        .and_then(|dialect| dialect.contract().fetch.key_placement()),
                };
                running.push(mock);
                endpoint
            }
        };
        endpoints.push(endpoint);
    }
    Ok((
        Mocks {
            _running: running,
            runtime,
        },
        endpoints,
    ))
}
