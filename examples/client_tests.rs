//! For teams writing a *client* of the task API: the reference provider in your own tests.
//!
//! It starts the provider on a free loopback port three ways (keeping the contract, with one
//! named fault, answering as a real family does), fetches a task from each with a tiny
//! client, and shows what a client test sees. Run it with
//! `cargo run --example client_tests`. Copied into a crate that depends on mjconform, it
//! needs nothing else: the client here is plain `std`, where your tests would use yours.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use mjconform::ReferenceProvider;

/// A GET with the key as a bearer token; returns the status code and the body.
fn fetch(url: &str, key: &str) -> std::io::Result<(u16, String)> {
    let rest = url
        .strip_prefix("http://")
        .expect("the provider serves plain HTTP");
    let (host, path) = rest.split_once('/').expect("a path after the host");
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A provider that keeps the contract: what a well-behaved server answers.
    let provider = ReferenceProvider::start()?;
    let id = provider.task_ids()[0].clone();
    let (status, body) = fetch(&provider.fetch_url(&id), provider.api_key())?;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("\"id\":\"{id}\"")));
    println!(
        "reference provider at {}: task {id} -> {status}",
        provider.url()
    );

    // A wrong key is refused: a client test can check its error path.
    let (status, _) = fetch(&provider.fetch_url(&id), "not-the-key")?;
    assert_eq!(status, 401);
    println!("a wrong key -> {status}");

    // One named fault (see `mjconform mock --list-faults`): button `type` and `style` sent as
    // integers, as every real family does. A client that parses them as strings breaks here.
    let faulty = ReferenceProvider::builder()
        .fault("button-integer-type-style")
        .start()?;
    let success = faulty
        .task_ids()
        .iter()
        .find_map(|id| {
            let (_, body) = fetch(&faulty.fetch_url(id), faulty.api_key()).ok()?;
            body.contains("\"buttons\":[{").then_some(body)
        })
        .expect("a task with buttons");
    assert!(success.contains("\"type\":2"));
    println!("with the fault `button-integer-type-style`: buttons carry \"type\":2");

    // A dialect: the provider answers as the Node port does, which reads the key from
    // `mj-api-secret` and refuses a bearer token.
    let node = ReferenceProvider::builder().dialect("node-port").start()?;
    let (status, _) = fetch(&node.fetch_url(&node.task_ids()[0]), node.api_key())?;
    println!("the node-port dialect, key as a bearer token -> {status}");
    assert_ne!(status, 200);

    // Dropping the handles stops the servers.
    drop((provider, faulty, node));
    println!("client_tests: ok");
    Ok(())
}
