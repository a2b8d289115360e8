//! The `mjconform` command: `check` runs the conformance suite, `mock` serves the
//! reference provider for client developers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use mjconform::errors::UsageError;
use mjconform::harness::{self, Mode};
use mjconform::provider::{self, Fault, ProviderConfig};

#[derive(Debug, Parser)]
#[command(
    name = "mjconform",
    version,
    about = "Contract tests for the Midjourney-proxy task API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the conformance suite (against --target-url, or the embedded provider).
    /// Takes the same options as `cargo test -- ...`; see `mjconform check --help`.
    #[command(disable_help_flag = true)]
    Check {
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "OPTIONS"
        )]
        args: Vec<String>,
    },
    /// Serve the reference provider, which keeps the contract, until interrupted; with
    /// `--fault`, a provider that breaks it in one named way, to see a check fail.
    Mock {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to bind; loopback unless you mean to share it.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        host: IpAddr,
        /// The key clients must send as `Authorization: Bearer KEY` (default: generated).
        #[arg(long, env = "MJ_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        /// Deviate from the contract in this way (repeatable); see --list-faults.
        #[arg(long = "fault", value_name = "NAME")]
        faults: Vec<Fault>,
        /// List the faults, each with what it does and the checks that catch it, and exit.
        #[arg(long)]
        list_faults: bool,
        /// The least time the advancing task spends in each stage of its life
        /// (NOT_START, SUBMITTED, four IN_PROGRESS steps, SUCCESS).
        #[arg(long, value_name = "DURATION", default_value = "500ms",
              value_parser = mjconform::cli::parse_duration)]
        advance_step: Duration,
        /// Answer as this family of real servers does (see `mjconform dialects`).
        #[arg(long, env = "MJ_DIALECT", value_name = "NAME",
              value_parser = mjconform::dialect::parse_name)]
        dialect: Option<&'static mjconform::dialect::Dialect>,
    },
    /// List the dialects: the contracts real server families keep, one line each.
    Dialects,
    /// Send the planned requests once and rank the doc and every dialect by how the answers
    /// fit; takes the target options of `check` (see `mjconform identify --help`).
    #[command(disable_help_flag = true)]
    Identify {
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "OPTIONS"
        )]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version
            print!("{err}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            return harness::usage_exit(&UsageError::Arguments(mjconform::cli::first_line(
                &err.to_string(),
            )))
        }
    };
    match cli.command {
        Command::Check { args } => {
            let mut full = vec!["mjconform check".to_owned()];
            full.extend(args);
            harness::run(full, Mode::Cli)
        }
        Command::Mock {
            list_faults: true, ..
        } => {
            print_faults();
            ExitCode::SUCCESS
        }
        Command::Mock {
            port,
            host,
            api_key,
            faults,
            advance_step,
            list_faults: false,
            dialect,
        } => serve_mock(
            SocketAddr::new(host, port),
            api_key,
            faults,
            advance_step,
            dialect,
        ),
        Command::Dialects => {
            print!("{}", mjconform::dialect::listing());
            ExitCode::SUCCESS
        }
        Command::Identify { args } => {
            let mut full = vec!["mjconform identify".to_owned()];
            full.extend(args);
            mjconform::identify::run(full)
        }
    }
}

/// `mjconform mock --list-faults`: name, what it does, and which checks must catch it.
fn print_faults() {
    let width = Fault::all().map(|f| f.name().len()).max().unwrap_or(0);
    for fault in Fault::all() {
        println!(
            "{:width$}  {}  [caught by: {}]",
            fault.name(),
            fault.description(),
            fault
                .caught_by()
                .iter()
                .map(|check| check.trim_end_matches("::"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

fn serve_mock(
    addr: SocketAddr,
    api_key: Option<String>,
    faults: Vec<Fault>,
    advance_step: Duration,
    dialect: Option<&'static mjconform::dialect::Dialect>,
) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return harness::usage_exit(&UsageError::Runtime(err)),
    };
    runtime.block_on(async {
        let mut config = ProviderConfig::with_random_key();
        let generated = api_key.is_none();
        if let Some(key) = api_key {
            config.api_key = key;
        }
        config.advance_step = advance_step;
        config.faults = faults.clone();
        config.dialect = dialect;
        let hint = provider::dialect::key_hint(dialect);
        let running = match provider::start(config, addr).await {
            Ok(running) => running,
            Err(err) => return harness::usage_exit(&UsageError::Provider(err)),
        };
        match dialect {
            Some(dialect) => println!(
                "mjconform mock speaking the {} dialect listening on {}",
                dialect.name, running.base_url
            ),
            None => println!(
                "mjconform reference provider listening on {}",
                running.base_url
            ),
        }
        if generated {
            println!("api key: {}  (send it as `{hint}`)", running.api_key);
        } else {
            println!("api key: the one given (send it as `{hint}`)");
        }
        if let Some(dialect) = dialect {
            println!("dialect: {} ({})", dialect.name, dialect.description);
        }
        println!("task ids:");
        for id in &running.task_ids {
            println!("  {id}");
        }
        println!(
            "advancing task (NOT_START to SUCCESS, one stage per {} ms or more, from its first fetch): {}",
            running.advance_step.as_millis(),
            running.advancing_task_id
        );
        if !faults.is_empty() {
            let names: Vec<&str> = faults.iter().map(|fault| fault.name()).collect();
            println!(
                "faults: {} (this provider breaks the contract on purpose)",
                names.join(", ")
            );
        }
        println!(
            "try: curl -H '{hint}' {}mj/task/{}/fetch",
            running.base_url,
            running.task_ids.first().map(String::as_str).unwrap_or("ID")
        );
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}
