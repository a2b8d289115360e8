//! The reference provider with faults, started in-process on loopback for tests that drive
//! the built binary against it.

use std::net::{Ipv4Addr, SocketAddr};

use mjconform::provider::{self, Fault, ProviderConfig, RunningProvider};

/// One runtime for every provider a test binary starts; it lives as long as the process.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// A provider on 127.0.0.1:0 that accepts `key` and bends its answers by `faults` (names as
/// `mjconform mock --fault` takes them).
pub fn with_faults(key: &str, faults: &[&str]) -> RunningProvider {
    let mut config = ProviderConfig::with_random_key();
    config.api_key = key.to_owned();
    config.faults = faults
        .iter()
        .map(|name| name.parse::<Fault>().expect("a known fault"))
        .collect();
    runtime()
        .block_on(provider::start(
            config,
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        ))
        .expect("the provider starts")
}
