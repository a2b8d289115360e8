//! The `mjconform` command: `check` runs the conformance suite, `mock` serves the
//! reference provider for client developers.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use crate::commands::harness::{self, Mode};
use crate::errors::UsageError;
use crate::message::failure::shell_quote;
use crate::provider::{self, Fault, ProviderConfig, RunningProvider};
use crate::run::cli::{self, Invocation};

#[derive(Debug, Parser)]
#[command(
    name = "mjconform",
    version,
    about = "Contract tests for the Midjourney-proxy task API",
    arg_required_else_help = true,
    after_help = "Start with `mjconform check` (the suite against the embedded reference provider),\n\
                  then `mjconform check --target-url URL --task-id ID` with MJ_API_KEY set."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the conformance suite (against --target-url, or the embedded provider).
    /// Takes the same options as `cargo test -- ...`; see `mjconform check --help`.
    #[command(disable_help_flag = true, disable_version_flag = true)]
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
        #[arg(long, default_value_t = 8080, value_parser = cli::parse_port,
              allow_hyphen_values = true)]
        port: u16,
        /// Address or host name to bind (`127.0.0.1`, `localhost`, `::1`); loopback unless
        /// you mean to share it.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
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
              value_parser = crate::run::cli::parse_duration)]
        advance_step: Duration,
        /// Answer as this family of real servers does (see `mjconform dialects`).
        #[arg(long, env = "MJ_DIALECT", value_name = "NAME",
              value_parser = crate::contract::dialect::parse_name)]
        dialect: Option<&'static crate::contract::dialect::Dialect>,
        /// Once listening, write where and how to reach it to PATH as JSON, for scripts:
        /// `{"url", "api_key", "task_ids", "advancing_task_id"}` (written whole, then
        /// renamed into place, so a reader never sees half of it; removed on exit).
        #[arg(long, value_name = "PATH")]
        ready_file: Option<std::path::PathBuf>,
    },
    /// List the dialects: the contracts real server families keep, one line each.
    Dialects,
    /// Run the suite against every target of a TOML file (servers, or embedded mocks) at
    /// once, and write a targets × checks matrix (Markdown, HTML, JSON) beside each
    /// target's own reports; see docs/matrix.md.
    Matrix(crate::commands::matrix::MatrixArgs),
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

/// The command definition, with `mjconform help check` showing the real options of
/// `check` (its own parser only collects them for the harness).
fn command() -> clap::Command {
    Cli::command().mut_subcommand("check", |check| check.override_help(cli::check_help()))
}

pub fn main() -> ExitCode {
    restore_default_sigpipe();
    let args: Vec<String> = std::env::args().collect();
    let program = args
        .first()
        .cloned()
        .unwrap_or_else(|| "mjconform".to_owned());
    if args.get(1).map(String::as_str) == Some("mock") {
        let mock = Cli::command();
        if let Some(mock) = mock.find_subcommand("mock") {
            if let Err(err) = cli::refuse_empty_values(mock, &args[2..]) {
                return harness::usage_exit(&err);
            }
        }
    }
    let command = command();
    let parsed = command
        .clone()
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `mjconform` alone: the usage and the commands, as a usage error.
            eprint!("{err}");
            return ExitCode::from(harness::EXIT_USAGE);
        }
        Err(err) if !err.use_stderr() => {
            // --help and --version
            print!("{err}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            let given = args.get(1..).unwrap_or_default();
            let in_mock = command
                .find_subcommand("mock")
                .filter(|_| given.first().is_some_and(|word| word == "mock"));
            let line = cli::clap_error_line(&err, in_mock.unwrap_or(&command), given);
            return harness::usage_exit(&UsageError::Arguments(line));
        }
    };
    match cli.command {
        Command::Check { args } if asks_for_version(&args) => {
            println!("mjconform {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Check { args } => {
            Invocation::started_from_cli(&program);
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
            ready_file,
        } => {
            let addr = match provider::server::listen_addr(&host, port) {
                Ok(addr) => addr,
                Err(err) => {
                    return harness::usage_exit(&UsageError::Listen {
                        addr: format!("{host}:{port}"),
                        reason: format!(
                            "`{host}` is not an address or a name that resolves: {err}"
                        ),
                    })
                }
            };
            let mock = Mock {
                program,
                api_key,
                faults,
                advance_step,
                dialect,
                ready_file,
            };
            serve_mock(addr, mock)
        }
        Command::Dialects => {
            print!("{}", crate::contract::dialect::listing());
            ExitCode::SUCCESS
        }
        Command::Matrix(args) => crate::commands::matrix::run(args),
        Command::Identify { args } => {
            let mut full = vec!["mjconform identify".to_owned()];
            full.extend(args);
            crate::commands::identify::run(full)
        }
    }
}

/// A closed pipe ends the process quietly, as it ends `ls` or `grep`: `mjconform mock
/// --list-faults | head -1` must not panic in `println!`. Rust ignores SIGPIPE so a write gets
/// EPIPE, and every print of the command line (clap's help, libtest's lines, ours) would have
/// to handle it; the default action handles them all. Sockets are not affected: std and mio
/// send with `MSG_NOSIGNAL` (`SO_NOSIGPIPE` on macOS), so a peer that hangs up is still an
/// error the run reports, never a signal.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread is started; `signal` with
    // `SIG_DFL` touches no memory of ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `mjconform check --version` (or `-V`) before any other option: the version, like
/// `mjconform --version`. Later on the line, `-V` could be a filter or a value.
fn asks_for_version(args: &[String]) -> bool {
    args.first()
        .is_some_and(|arg| arg == "--version" || arg == "-V")
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

/// What `mjconform mock` was asked for.
struct Mock {
    /// The binary as it was called, for the ready `check` command it prints.
    program: String,
    api_key: Option<String>,
    faults: Vec<Fault>,
    advance_step: Duration,
    dialect: Option<&'static crate::contract::dialect::Dialect>,
    /// `--ready-file`: where to write the machine-readable [`ReadyFile`].
    ready_file: Option<std::path::PathBuf>,
}

/// What `--ready-file` holds: everything a script needs to run against the mock, so that
/// no script parses the lines printed for people (which change as they improve).
#[derive(Debug, serde::Serialize)]
struct ReadyFile<'a> {
    /// The base URL, `http://IP:PORT/`.
    url: &'a str,
    /// The key the mock accepts (a script needs it; the file is created readable by its
    /// owner alone).
    api_key: &'a str,
    /// How the key is sent, e.g. `Authorization: Bearer <key>`.
    key_hint: String,
    /// The seeded task ids, in the order the human listing shows them.
    task_ids: &'a [String],
    /// The advancing task, for `--watch` (not among `task_ids`).
    advancing_task_id: &'a str,
}

/// Writes the ready file beside its final path, then renames it into place: a script that
/// polls for the file never reads a half-written one.
fn write_ready_file(path: &std::path::Path, running: &RunningProvider, mock: &Mock) -> std::io::Result<()> {
    let ready = ReadyFile {
        url: running.base_url.as_str(),
        api_key: &running.api_key,
        key_hint: provider::dialect::key_hint(mock.dialect),
        task_ids: &running.task_ids,
        advancing_task_id: &running.advancing_task_id,
    };
    let mut text = serde_json::to_string_pretty(&ready).map_err(std::io::Error::other)?;
    text.push('\n');
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = options
        .open(&partial)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
        .and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// How long open connections get to finish once a signal arrived.
const SHUTDOWN_DEADLINE: Duration = Duration::from_millis(300);

fn serve_mock(addr: SocketAddr, mock: Mock) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return harness::usage_exit(&UsageError::Runtime(err)),
    };
    let code = runtime.block_on(async {
        let mut config = ProviderConfig::with_random_key();
        let generated = mock.api_key.is_none();
        if let Some(key) = &mock.api_key {
            config.api_key = key.clone();
        }
        config.advance_step = mock.advance_step;
        config.faults = mock.faults.clone();
        config.dialect = mock.dialect;
        let running = match provider::start(config, addr).await {
            Ok(running) => running,
            Err(err) => {
                return harness::usage_exit(&UsageError::Listen {
                    addr: addr.to_string(),
                    reason: provider::server::listen_problem(&err),
                })
            }
        };
        // The file first: a path it cannot write is a usage error, with nothing printed.
        if let Some(path) = &mock.ready_file {
            if let Err(source) = write_ready_file(path, &running, &mock) {
                return harness::usage_exit(&UsageError::ReadyFile {
                    path: path.clone(),
                    source,
                });
            }
        }
        print_ready(&running, &mock, generated);
        interrupted().await;
        if let Some(path) = &mock.ready_file {
            // It describes a server that is going away; a stale one would mislead a script.
            let _ = std::fs::remove_file(path);
        }
        // Dropping the handle starts the graceful shutdown; the runtime's own deadline
        // below bounds it, so a client holding a connection open cannot keep us alive.
        drop(running);
        ExitCode::SUCCESS
    });
    runtime.shutdown_timeout(SHUTDOWN_DEADLINE);
    code
}

/// What a person needs to use the mock: where it listens, the key, each task id with what
/// it is, and a `check` command ready to paste.
fn print_ready(running: &RunningProvider, mock: &Mock, generated: bool) {
    let hint = provider::dialect::key_hint(mock.dialect);
    match mock.dialect {
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
    if let Some(dialect) = mock.dialect {
        println!("dialect: {} ({})", dialect.name, dialect.description);
    }
    println!("task ids:");
    let width = running.task_ids.iter().map(String::len).max().unwrap_or(0);
    for (id, kind) in running.task_ids.iter().zip(&running.task_kinds) {
        println!("  {id:width$}  {kind}");
    }
    println!(
        "advancing task (NOT_START to SUCCESS, one stage per {} ms or more, from its first fetch): {}",
        running.advance_step.as_millis(),
        running.advancing_task_id
    );
    if !mock.faults.is_empty() {
        let names: Vec<&str> = mock.faults.iter().map(|fault| fault.name()).collect();
        println!(
            "faults: {} (this provider breaks the contract on purpose)",
            names.join(", ")
        );
    }
    // A generated key is no secret (it lives as long as this process, on loopback), so the
    // commands carry it; a given one stays in the variable.
    let header_key = if generated {
        running.api_key.clone()
    } else {
        "$MJ_API_KEY".to_owned()
    };
    println!(
        "try: curl -H \"{}\" {}mj/task/{}/fetch",
        hint.replace("<key>", &header_key),
        running.base_url,
        running.task_ids.first().map(String::as_str).unwrap_or("ID")
    );
    let mut check = Vec::new();
    if generated {
        check.push(format!("MJ_API_KEY={}", shell_quote(&running.api_key)));
    }
    check.push(shell_quote(&mock.program));
    check.push("check".to_owned());
    check.push(format!("--target-url {}", running.base_url));
    // A fixed label: with `--port 0` each run would otherwise get its own snapshot
    // directory (the default label is the host and port).
    check.push("--target-name mock".to_owned());
    if let Some(dialect) = mock.dialect {
        check.push(format!("--dialect {}", dialect.name));
    }
    check.push(format!(
        "--task-id {}",
        shell_quote(&running.task_ids.join(","))
    ));
    check.push(format!(
        "--watch {}",
        shell_quote(&running.advancing_task_id)
    ));
    let note = if generated {
        ""
    } else {
        "  (with MJ_API_KEY set to the key given)"
    };
    println!("check it: {}{note}", check.join(" "));
}

/// Until SIGINT (Ctrl-C) or, on Unix, SIGTERM (what `kill`, CI runners and container
/// engines send).
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
