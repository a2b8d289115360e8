//! The run's options, shared by `cargo test -- ...` and `mjconform check ...`.
//!
//! Cargo forwards everything after `cargo test --` to every test binary, mixed with
//! libtest's own flags (`--exact`, `--list`, filters). [`split_args`] takes out the
//! options declared here and leaves the rest for libtest-mimic, so one command line
//! serves both.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, FromArgMatches, Parser};

use crate::errors::UsageError;
use crate::http::auth::KeyPlacement;

/// Options of a conformance run. Each also reads an environment variable, for nextest
/// and CI where flags are awkward to pass.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Base URL of the server under test (e.g. `https://relay.example/`); without it, the
    /// embedded reference provider is started on loopback and tested.
    #[arg(long, env = "MJ_TARGET_URL", value_name = "URL")]
    pub target_url: Option<String>,

    /// The API key. It is sent only to the target and shown as `***` everywhere.
    #[arg(long, env = "MJ_API_KEY", value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Check an external target without a key, on purpose. Without it, a target whose
    /// contract requires a key is refused before any request when no key is given (an unset
    /// CI secret would otherwise spend a run on refusals).
    #[arg(long, env = "MJ_NO_KEY")]
    pub no_key: bool,

    /// A task id that exists for this key (repeatable; the env var is comma separated).
    #[arg(
        long = "task-id",
        env = "MJ_TASK_IDS",
        value_name = "ID",
        value_delimiter = ','
    )]
    pub task_ids: Vec<String>,

    /// Where the key goes: `bearer` (`Authorization: Bearer KEY`, the doc's way), `raw`
    /// (`Authorization: KEY`) or `header:NAME` (e.g. `header:mj-api-secret`). Default: where
    /// the spec's security scheme puts it (`bearer` for the doc).
    #[arg(long, env = "MJ_KEY_PLACEMENT", value_name = "PLACEMENT",
          value_parser = parse_key_placement)]
    pub key_placement: Option<KeyPlacement>,

    /// The OpenAPI document to check against (default: the embedded `spec/` contract).
    #[arg(long, env = "MJ_SPEC", value_name = "PATH")]
    pub spec: Option<PathBuf>,

    /// Deadline for each request, headers and body together (`10`, `2.5s`, `500ms`).
    #[arg(long, env = "MJ_TIMEOUT", value_name = "DURATION", default_value = "10s",
          value_parser = parse_duration, allow_hyphen_values = true)]
    pub timeout: Duration,

    /// Deadline for establishing each connection.
    #[arg(long, env = "MJ_CONNECT_TIMEOUT", value_name = "DURATION", default_value = "5s",
          value_parser = parse_duration, allow_hyphen_values = true)]
    pub connect_timeout: Duration,

    /// Stop reading a body after this many bytes (`8MiB`, `65536`, `64KiB`).
    #[arg(long, env = "MJ_MAX_BODY", value_name = "BYTES", default_value = "8MiB",
          value_parser = parse_size, allow_hyphen_values = true)]
    pub max_body: usize,

    /// The id used to probe "unknown id" answers (default: one that cannot exist, shaped
    /// like the given ids).
    #[arg(long, env = "MJ_UNKNOWN_ID", value_name = "ID")]
    pub unknown_id: Option<String>,

    /// Seed of the property-based fuzzing; the same seed replays the same requests.
    #[arg(long, env = "MJ_SEED", value_name = "N", default_value_t = DEFAULT_SEED,
          value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: u64,

    /// Generated cases per fuzz property (`0` turns fuzzing off). Each case is one request.
    #[arg(long, env = "MJ_FUZZ_CASES", value_name = "N", default_value_t = DEFAULT_FUZZ_CASES,
          value_parser = parse_fuzz_cases, allow_hyphen_values = true)]
    pub fuzz_cases: u32,

    /// Replay one fuzz case (the `--fuzz-replay` value a fuzz failure prints) instead of
    /// generating cases: one request, no shrinking.
    /// (Kept as text here and read by `fuzz::replay::for_run`, so the options sit below the
    /// trial families that read them.)
    #[arg(long, env = "MJ_FUZZ_REPLAY", value_name = "CASE")]
    pub fuzz_replay: Option<String>,

    /// Label of the target in snapshot paths (`snapshots/<label>/`); default: the host.
    #[arg(long, env = "MJ_TARGET_NAME", value_name = "NAME")]
    pub target_name: Option<String>,

    /// Snapshot trials: `compare` with the target's baseline (none yet: they are ignored),
    /// `record` a new baseline, or `off`.
    #[arg(long, env = "MJ_SNAPSHOTS", value_name = "MODE", value_enum,
          default_value_t = SnapshotMode::Compare)]
    pub snapshots: SnapshotMode,

    /// Directory of the snapshot baselines, one subdirectory per target label (default:
    /// `snapshots/` in the package root under cargo, else in the current directory).
    #[arg(long, env = "MJ_SNAPSHOT_DIR", value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,

    /// Poll this task until it reaches a terminal status, checking its transitions
    /// (repeatable).
    #[arg(
        long = "watch",
        env = "MJ_WATCH",
        value_name = "ID",
        value_delimiter = ','
    )]
    pub watch: Vec<String>,

    /// Time between two polls of a watched task.
    #[arg(long, env = "MJ_WATCH_INTERVAL", value_name = "DURATION", default_value = "1s",
          value_parser = parse_duration)]
    pub watch_interval: Duration,

    /// Give up watching a task that has not finished after this long.
    #[arg(long, env = "MJ_WATCH_DEADLINE", value_name = "DURATION", default_value = "120s",
          value_parser = parse_duration)]
    pub watch_deadline: Duration,

    /// Most requests per second to the target (`5`, `5/s`, `0.5/s`); default: unlimited.
    #[arg(long, env = "MJ_RATE", value_name = "N/s", value_parser = parse_rate,
          allow_hyphen_values = true)]
    pub rate: Option<f64>,

    /// Most requests in flight at once.
    #[arg(long, env = "MJ_CONCURRENCY", value_name = "N", default_value_t = 4,
          value_parser = parse_concurrency, allow_hyphen_values = true)]
    pub concurrency: u32,

    /// Longest `Retry-After` a 429 is honoured for; a longer one is reported instead.
    #[arg(long, env = "MJ_MAX_RETRY_AFTER", value_name = "DURATION", default_value = "30s",
          value_parser = parse_duration, allow_hyphen_values = true)]
    pub max_retry_after: Duration,

    /// Write reports of the run: `junit`, `json`, `markdown`, `html` (comma separated,
    /// repeatable). Written whatever happens, even when the run is interrupted.
    #[arg(
        long = "report",
        env = "MJ_REPORT",
        value_name = "FORMAT[,FORMAT...]",
        value_delimiter = ','
    )]
    pub reports: Vec<String>,

    /// Directory for the reports (default: `target/mjconform/` in the package under cargo,
    /// else `mjconform-reports/` in the current directory).
    #[arg(long, env = "MJ_REPORT_DIR", value_name = "DIR")]
    pub report_dir: Option<PathBuf>,

    /// Known deviations to accept (TOML; see docs/baseline.md): only new findings fail.
    #[arg(long, env = "MJ_BASELINE", value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every finding of this run as a baseline file (grouped, with case globs).
    #[arg(long, env = "MJ_WRITE_BASELINE", value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Fail the run when a baseline entry matched nothing (stale) or is past its `until`.
    #[arg(long, env = "MJ_STRICT_BASELINE")]
    pub strict_baseline: bool,

    /// Accept baseline entries with a wildcard (`rule = "*"`, `pointer = "*"`) on the checks
    /// that guard access (`ignored_auth`, the credential fuzz properties), which could hide a
    /// server that lets anyone in.
    #[arg(long, env = "MJ_ALLOW_BROAD_BASELINE")]
    pub allow_broad_baseline: bool,

    /// Directory of the fuzz failure reports, one subdirectory per target (default:
    /// `.mjconform/fuzz-failures/` in the current directory, the package root under cargo).
    #[arg(long, env = "MJ_FUZZ_DIR", value_name = "DIR")]
    pub fuzz_dir: Option<PathBuf>,

    /// How the run was started, so the replay commands it prints are the same kind. Not a
    /// flag: the `mjconform` binary says so with [`Invocation::started_from_cli`].
    #[arg(skip = Invocation::current())]
    pub invocation: Invocation,
    /// Fail a check trial whose answer took longer than this (`500ms`, `2s`), as
    /// Schemathesis's `max_response_time` does; default: off.
    #[arg(long, env = "MJ_MAX_RESPONSE_TIME", value_name = "DURATION",
          value_parser = parse_duration, allow_hyphen_values = true)]
    pub max_response_time: Option<Duration>,

    /// Check against a family's contract instead of the doc: one of the embedded dialect
    /// documents (`mjconform dialects` lists them). The key goes where it says, unless
    /// --key-placement is given.
    #[arg(long, env = "MJ_DIALECT", value_name = "NAME", conflicts_with = "spec",
          value_parser = crate::contract::dialect::parse_name)]
    pub dialect: Option<&'static crate::contract::dialect::Dialect>,

    /// Make these checks' findings failures (exit code 1), whatever their default level
    /// (repeatable, comma separated; `docs/http-rules.md` has the default of each check).
    #[arg(long = "deny", env = "MJ_DENY", value_name = "CHECK", value_delimiter = ',',
          value_parser = crate::checks::levels::parse_name)]
    pub deny: Vec<String>,

    /// Make these checks' findings warnings: shown in the last lines and every report, and
    /// the run still passes (repeatable, comma separated).
    #[arg(long = "warn", env = "MJ_WARN", value_name = "CHECK", value_delimiter = ',',
          value_parser = crate::checks::levels::parse_name)]
    pub warn: Vec<String>,

    /// Do not run these checks: their trials are reported ignored, "allowed by level"
    /// (repeatable, comma separated).
    #[arg(long = "allow", env = "MJ_ALLOW", value_name = "CHECK", value_delimiter = ',',
          value_parser = crate::checks::levels::parse_name)]
    pub allow: Vec<String>,
}

/// How a run was started: the replay command lines a run prints take the same form, so
/// they work where the run worked (`cargo test` needs the package; `mjconform` does not).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Invocation {
    /// `cargo test -- ...`: the `conformance` test binary of the package.
    #[default]
    CargoTest,
    /// `mjconform check ...`, `program` being the binary as it was called.
    Cli { program: String },
}

/// Set once by the `mjconform` binary; test binaries leave it unset.
static STARTED_AS: OnceLock<Invocation> = OnceLock::new();

impl Invocation {
    /// Records that this process is the `mjconform` binary, called as `program` (its
    /// `argv[0]`). Later calls are ignored.
    pub fn started_from_cli(program: &str) {
        let _ = STARTED_AS.set(Invocation::Cli {
            program: program.to_owned(),
        });
    }

    /// How this process was started: [`Invocation::CargoTest`] unless the binary said
    /// otherwise.
    pub fn current() -> Invocation {
        STARTED_AS.get().cloned().unwrap_or_default()
    }

    /// The words that start a run of this kind, before its options: `cargo test --test
    /// conformance --`, or `mjconform check`.
    pub fn command_prefix(&self) -> Vec<String> {
        match self {
            Invocation::CargoTest => ["cargo", "test", "--test", "conformance", "--"]
                .iter()
                .map(|word| word.to_string())
                .collect(),
            Invocation::Cli { program } => {
                vec![
                    crate::message::failure::shell_quote(program),
                    "check".to_owned(),
                ]
            }
        }
    }
}

impl RunArgs {
    /// The level of each check in this run: the defaults, with `--deny`, `--warn`, `--allow`.
    pub fn levels(&self) -> crate::checks::levels::Levels {
        crate::checks::levels::Levels::new(&self.deny, &self.warn, &self.allow)
    }

    /// The contract the run checks against: `--spec`, else `--dialect`'s, else the doc.
    pub fn contract(&self) -> Result<crate::contract::spec::Contract, crate::errors::SpecError> {
        match (&self.spec, self.dialect) {
            (Some(path), _) => crate::contract::spec::Contract::from_path(path),
            (None, Some(dialect)) => Ok(dialect.contract()),
            (None, None) => Ok(crate::contract::spec::Contract::embedded()),
        }
    }

    /// Where the key goes: `--key-placement`, else the contract's first security scheme,
    /// else the doc's bearer.
    pub fn placement_for(&self, contract: &crate::contract::spec::Contract) -> KeyPlacement {
        self.key_placement
            .clone()
            .or_else(|| contract.fetch.key_placement())
            .unwrap_or_default()
    }
}

/// What the snapshot trials do on this run (`--snapshots`, `MJ_SNAPSHOTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SnapshotMode {
    /// Compare with the target's baseline. A difference fails; off CI insta leaves a
    /// `.snap.new` for `cargo insta review`, on CI (`CI=true`) it writes nothing. A target
    /// with no baseline directory has its snapshot trials ignored.
    #[default]
    Compare,
    /// Write the baseline: new and changed snapshots are saved in place, and the trials pass.
    Record,
    /// No snapshot trials.
    Off,
}

/// The fixed default fuzzing seed: runs are reproducible unless a seed is asked for.
pub const DEFAULT_SEED: u64 = 20_261_128;

/// Cases per fuzz property by default: small, because fuzzing a paid provider costs money.
pub const DEFAULT_FUZZ_CASES: u32 = 32;

// A parser for the options alone, used to validate them and to print their help. (A plain
// comment, not a doc comment: clap would print a doc comment as the command's description.)
#[derive(Debug, Parser)]
#[command(
    name = "mjconform check",
    no_binary_name = true,
    disable_help_flag = true,
    about = "Run the conformance suite against --target-url, or the embedded reference provider",
    override_usage = "mjconform check [OPTIONS] [FILTER]\n       cargo test -- [OPTIONS] [FILTER]"
)]
struct RunArgsOnly {
    #[command(flatten)]
    run: RunArgs,
}

/// Long flag names declared by `command`, each with whether it takes a value.
fn long_flags(command: &clap::Command) -> Vec<(String, bool)> {
    command
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            Some((format!("--{long}"), arg.get_action().takes_values()))
        })
        .collect()
}

/// Splits a test binary's arguments into ours and libtest's. The first element (the
/// program name) goes to libtest's side, which expects it.
///
/// A `--flag` neither side knows goes to both: our parser, which runs first, then refuses
/// it with clap's "did you mean" among our flags (`--taskid` → `--task-id`), and a test
/// binary that drops our side still has libtest refuse it.
pub fn split_args<I: IntoIterator<Item = String>>(args: I) -> (Vec<String>, Vec<String>) {
    let ours_flags = long_flags(&RunArgsOnly::command());
    let libtest_flags = long_flags(&<libtest_mimic::Arguments as CommandFactory>::command());
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut args = args.into_iter();
    if let Some(program) = args.next() {
        theirs.push(program);
    }
    while let Some(arg) = args.next() {
        let name = arg.split('=').next().unwrap_or_default().to_owned();
        let inline_value = arg.contains('=');
        let find = |flags: &[(String, bool)]| {
            flags
                .iter()
                .find(|(flag, _)| *flag == name)
                .map(|(_, takes_value)| *takes_value)
        };
        if let Some(takes_value) = find(&ours_flags) {
            ours.push(arg);
            if takes_value && !inline_value {
                ours.extend(args.next());
            }
        } else if let Some(takes_value) = find(&libtest_flags) {
            theirs.push(arg);
            if takes_value && !inline_value {
                theirs.extend(args.next());
            }
        } else if name.starts_with("--") && name.len() > 2 {
            ours.push(arg.clone());
            theirs.push(arg);
        } else {
            theirs.push(arg);
        }
    }
    (ours, theirs)
}

/// Parses our side of the arguments (and the environment) into [`RunArgs`].
pub fn parse_run_args(ours: &[String]) -> Result<RunArgs, UsageError> {
    let command = RunArgsOnly::command();
    refuse_empty_values(&command, ours)?;
    let matches = command
        .clone()
        .try_get_matches_from(ours)
        .map_err(|err| UsageError::Arguments(clap_error_line(&err, &command, ours)))?;
    let parsed = RunArgsOnly::from_arg_matches(&matches)
        .map_err(|err| UsageError::Arguments(clap_error_line(&err, &command, ours)))?;
    Ok(parsed.run)
}

/// Refuses an empty or blank value of any option of `command`, given on the command line
/// (`--watch ''`, `--task-id 1,,2`) or in its environment variable (`MJ_API_KEY=`): every
/// option alike, before any is parsed, because an empty value would otherwise be read as
/// "not given" by some options and as a value by others.
pub fn refuse_empty_values(command: &clap::Command, given: &[String]) -> Result<(), UsageError> {
    let options: Vec<&clap::Arg> = command
        .get_arguments()
        .filter(|arg| arg.get_long().is_some() && arg.get_action().takes_values())
        .collect();
    let long = |arg: &clap::Arg| format!("--{}", arg.get_long().unwrap_or_default());
    // The fix for an empty item of a list (`1,,2`) is the same as for an empty value.
    let is_empty = |arg: &clap::Arg, value: &str| {
        value.trim().is_empty()
            || arg
                .get_value_delimiter()
                .is_some_and(|delimiter| value.split(delimiter).any(|part| part.trim().is_empty()))
    };
    let mut words = given.iter();
    let mut on_command_line = Vec::new();
    while let Some(word) = words.next() {
        let (name, inline) = match word.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (word.as_str(), None),
        };
        let Some(arg) = options.iter().find(|arg| long(arg) == name) else {
            continue;
        };
        on_command_line.push(arg.get_id().clone());
        // A flag without its value is clap's to report.
        let Some(value) = inline.or_else(|| words.next().cloned()) else {
            continue;
        };
        if is_empty(arg, &value) {
            return Err(UsageError::EmptyValue {
                name: long(arg),
                fix: "give one, or leave the option out",
            });
        }
    }
    for arg in &options {
        if on_command_line.contains(arg.get_id()) {
            continue;
        }
        let Some(variable) = arg.get_env() else {
            continue;
        };
        let Some(value) = std::env::var_os(variable) else {
            continue;
        };
        if is_empty(arg, &value.to_string_lossy()) {
            return Err(UsageError::EmptyValue {
                name: format!("{} (read as {})", variable.to_string_lossy(), long(arg)),
                fix: "give one, or unset the variable",
            });
        }
    }
    Ok(())
}

/// One line from a clap error, keeping what helps: clap's first line, the possible values,
/// its "did you mean", and, for a bad value that came from an environment variable, the
/// variable's name rather than the flag's (`MJ_RATE=abc` is not a `--rate` typo).
pub fn clap_error_line(err: &clap::Error, command: &clap::Command, given: &[String]) -> String {
    let line = first_line(&err.to_string());
    if !matches!(
        err.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return line;
    }
    let Some(ContextValue::String(shown)) = err.get(ContextKind::InvalidArg) else {
        return line;
    };
    let flag = shown.split_whitespace().next().unwrap_or_default();
    let typed = given
        .iter()
        .any(|word| word == flag || word.starts_with(&format!("{flag}=")));
    let variable = command
        .get_arguments()
        .find(|arg| {
            arg.get_long()
                .is_some_and(|long| format!("--{long}") == flag)
        })
        .and_then(clap::Arg::get_env);
    match variable {
        Some(variable) if !typed => line.replace(
            &format!("'{shown}'"),
            &format!("{} (read as {flag})", variable.to_string_lossy()),
        ),
        _ => line,
    }
}

/// Clap's messages span several lines with usage hints; bad input gets one line. The first
/// line is kept, and so are the hints worth having: `[possible values: ...]` and
/// `tip: a similar argument exists: '--task-id'`, as "did you mean '--task-id'?".
pub fn first_line(message: &str) -> String {
    let mut lines = message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let mut out = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_owned();
    if out.ends_with(':') {
        // "the following required arguments were not provided:" lists them on the lines
        // that follow, before the usage: the list is the message.
        let listed: Vec<&str> = lines
            .clone()
            .take_while(|line| !line.starts_with("Usage:"))
            .collect();
        out = format!("{} {}", out, listed.join(", "));
    }
    for line in lines {
        if let Some(values) = line
            .strip_prefix("[possible values: ")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            out.push_str(&format!(" (possible values: {values})"));
        } else if let Some(rest) = line
            .strip_prefix("tip: a similar ")
            .or_else(|| line.strip_prefix("tip: some similar "))
        {
            if let Some((_, names)) = rest.split_once(": ") {
                out.push_str(&format!("; did you mean {names}?"));
            }
        }
    }
    out
}

fn parse_key_placement(value: &str) -> Result<KeyPlacement, String> {
    value.parse().map_err(|err: UsageError| {
        err.to_string()
            .trim_start_matches("use key placement ")
            .to_owned()
    })
}

/// `10`, `10s`, `2.5s`, `500ms`; zero and negative durations are refused.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (number, scale) = if let Some(ms) = value.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = value.strip_suffix('s') {
        (s, 1.0)
    } else {
        (value, 1.0)
    };
    let seconds: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a duration (try `10s` or `500ms`)"))?;
    let seconds = seconds * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 24.0 * 3600.0 {
        return Err(format!("`{value}` must be above zero and at most a day"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `5`, `5/s`, `0.5/s`: requests per second, above zero.
pub fn parse_rate(value: &str) -> Result<f64, String> {
    let trimmed = value.trim();
    let number = trimmed.strip_suffix("/s").unwrap_or(trimmed);
    match number.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("`{trimmed}` is not a rate above zero (try `5/s`)")),
    }
}

/// `65536`, `64KiB`, `8MiB`, `1GiB` (also `KB`/`MB` as binary units); at least 1 byte.
pub fn parse_size(value: &str) -> Result<usize, String> {
    let trimmed = value.trim();
    let lower = trimmed.to_ascii_lowercase();
    let units: [(&str, usize); 6] = [
        ("kib", 1 << 10),
        ("mib", 1 << 20),
        ("gib", 1 << 30),
        ("kb", 1 << 10),
        ("mb", 1 << 20),
        ("gb", 1 << 30),
    ];
    let (number, scale) = units
        .iter()
        .find_map(|(suffix, scale)| lower.strip_suffix(suffix).map(|n| (n, *scale)))
        .unwrap_or((lower.strip_suffix('b').unwrap_or(&lower), 1));
    let count: usize = number
        .trim()
        .parse()
        .map_err(|_| format!("`{trimmed}` is not a size (try `8MiB` or `65536`)"))?;
    match count.checked_mul(scale) {
        Some(0) => Err(format!("`{trimmed}` must be at least one byte")),
        Some(bytes) => Ok(bytes),
        None => Err(format!("`{trimmed}` is too large")),
    }
}

/// A whole number, with a message a person can act on (Rust's own is "invalid digit found
/// in string"); `hint` says what is expected.
fn whole_number(value: &str, hint: &str) -> Result<u64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a whole number ({hint})"))
}

/// `--seed`: any whole number from 0 to 2^64 - 1.
pub fn parse_seed(value: &str) -> Result<u64, String> {
    whole_number(value, "a seed is from 0 to 18446744073709551615")
}

/// `--fuzz-cases`: a whole number; 0 turns fuzzing off.
pub fn parse_fuzz_cases(value: &str) -> Result<u32, String> {
    let cases = whole_number(value, "try `32`, or `0` to turn fuzzing off")?;
    u32::try_from(cases).map_err(|_| format!("`{value}` is too many cases (at most {})", u32::MAX))
}

/// `mjconform mock --port`: 0 to 65535, 0 picking a free port.
pub fn parse_port(value: &str) -> Result<u16, String> {
    let port = whole_number(value, "a port is from 0 to 65535; 0 picks a free one")?;
    u16::try_from(port)
        .map_err(|_| format!("`{value}` is not a port (0 to 65535; 0 picks a free one)"))
}

/// `--concurrency`: from 1 to 256 requests in flight.
pub fn parse_concurrency(value: &str) -> Result<u32, String> {
    match whole_number(value, "from 1 to 256")? {
        n @ 1..=256 => Ok(n as u32),
        _ => Err(format!("`{value}` is not from 1 to 256")),
    }
}

/// Help text for the run options, for `mjconform check --help` and the test binary.
pub fn run_help() -> String {
    RunArgsOnly::command().render_help().to_string()
}

/// Help text for `mjconform identify --help`: its own usage and description, and the options
/// of `check` it reads (the target, the key, the contract, the request limits); the ones it
/// ignores (fuzzing, watching, snapshots, reports, baselines) are left out.
pub fn identify_help() -> String {
    const IGNORED: [&str; 17] = [
        "seed",
        "fuzz_cases",
        "fuzz_replay",
        "target_name",
        "snapshots",
        "snapshot_dir",
        "watch",
        "watch_interval",
        "watch_deadline",
        "reports",
        "report_dir",
        "baseline",
        "write_baseline",
        "strict_baseline",
        "fuzz_dir",
        "no_key",
        // identify judges against the doc and every dialect at once.
        "dialect",
    ];
    let mut command = RunArgsOnly::command()
        .name("mjconform identify")
        .about(
            "Send the planned requests once and rank the doc and every dialect by how well the \
             answers fit",
        )
        .override_usage("mjconform identify --target-url URL [OPTIONS]");
    for id in IGNORED {
        command = command.mut_arg(id, |arg| arg.hide(true));
    }
    command.render_help().to_string()
}

/// The libtest options every run also accepts, one line for the end of the help.
pub const LIBTEST_OPTIONS_NOTE: &str = "libtest options (filters, --exact, --list, --ignored, --test-threads N, --nocapture, --format) are accepted too.";

/// The whole help of `mjconform check` (also `mjconform help check`): the run options and
/// the libtest ones.
pub fn check_help() -> String {
    format!("{}\n{LIBTEST_OPTIONS_NOTE}\n", run_help().trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn splits_our_flags_from_libtest_flags() {
        let (ours, theirs) = split_args(strings(&[
            "bin",
            "--target-url",
            "http://127.0.0.1:1",
            "--exact",
            "--api-key=k",
            "--task-id",
            "1",
            "--task-id",
            "2",
            "not_a_server_error",
            "--test-threads",
            "2",
        ]));
        assert_eq!(
            ours,
            strings(&[
                "--target-url",
                "http://127.0.0.1:1",
                "--api-key=k",
                "--task-id",
                "1",
                "--task-id",
                "2"
            ])
        );
        assert_eq!(
            theirs,
            strings(&[
                "bin",
                "--exact",
                "not_a_server_error",
                "--test-threads",
                "2"
            ])
        );
        let args = parse_run_args(&ours).unwrap();
        assert_eq!(args.task_ids, vec!["1", "2"]);
        assert_eq!(args.api_key.as_deref(), Some("k"));
        assert_eq!(args.key_placement, None);
        let doc = crate::contract::spec::Contract::embedded();
        assert_eq!(args.placement_for(&doc), KeyPlacement::Bearer);
    }

    #[test]
    fn the_dialect_chooses_the_contract_and_the_key_placement() {
        let args = parse_run_args(&strings(&["--dialect", "node-port"])).unwrap();
        let contract = args.contract().unwrap();
        assert_eq!(contract.origin, "<embedded dialect node-port>");
        assert_eq!(
            args.placement_for(&contract),
            KeyPlacement::Header("mj-api-secret".into())
        );
        let explicit = parse_run_args(&strings(&[
            "--dialect",
            "node-port",
            "--key-placement",
            "raw",
        ]))
        .unwrap();
        assert_eq!(explicit.placement_for(&contract), KeyPlacement::Raw);
        let err = parse_run_args(&strings(&["--dialect", "cobol"])).unwrap_err();
        let text = err.to_string();
        assert!(
            !text.contains('\n') && text.contains("java-original, plus"),
            "{text}"
        );
        let both = parse_run_args(&strings(&["--dialect", "plus", "--spec", "x.yaml"]));
        assert!(both
            .unwrap_err()
            .to_string()
            .contains("cannot be used with"));
    }

    #[test]
    fn bad_values_give_one_line() {
        let err = parse_run_args(&strings(&["--timeout", "soon"])).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains('\n'), "{text}");
        assert!(text.contains("soon"), "{text}");
        let err = parse_run_args(&strings(&["--key-placement", "cookie"])).unwrap_err();
        assert!(err.to_string().contains("header:NAME"), "{err}");
    }

    #[test]
    fn an_unknown_flag_reaches_our_parser_for_its_suggestion() {
        let (ours, theirs) = split_args(strings(&["bin", "--taskid", "1", "--skip", "x"]));
        assert_eq!(ours, strings(&["--taskid"]));
        assert_eq!(theirs, strings(&["bin", "--taskid", "1", "--skip", "x"]));
        let err = parse_run_args(&ours).unwrap_err().to_string();
        assert!(err.contains("did you mean '--task-id'?"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn clap_hints_stay_on_the_one_line() {
        let message = "error: invalid value 'recrod' for '--snapshots <MODE>'\n  \
                       [possible values: compare, record, off]\n\n  tip: a similar value \
                       exists: 'record'\n\nFor more information, try '--help'.\n";
        assert_eq!(
            first_line(message),
            "invalid value 'recrod' for '--snapshots <MODE>' (possible values: compare, \
             record, off); did you mean 'record'?"
        );
        let err = parse_run_args(&strings(&["--snapshots", "recrod"])).unwrap_err();
        assert!(err.to_string().contains("did you mean 'record'?"), "{err}");
    }

    #[test]
    fn empty_values_are_refused_alike() {
        for args in [
            &["--watch", ""][..],
            &["--watch="],
            &["--task-id", "1,"],
            &["--target-name", " "],
            &["--unknown-id", ""],
            &["--spec", ""],
        ] {
            let err = parse_run_args(&strings(args)).unwrap_err();
            assert!(
                matches!(err, UsageError::EmptyValue { .. }),
                "{args:?}: {err}"
            );
        }
    }

    #[test]
    fn numbers_get_messages_a_person_can_act_on() {
        assert_eq!(parse_seed("7").unwrap(), 7);
        assert!(parse_seed("-1").unwrap_err().contains("from 0 to"));
        assert_eq!(parse_fuzz_cases("0").unwrap(), 0);
        assert!(parse_fuzz_cases("abc")
            .unwrap_err()
            .contains("`0` to turn fuzzing off"));
        assert!(parse_fuzz_cases("99999999999")
            .unwrap_err()
            .contains("too many"));
        assert_eq!(parse_concurrency("256").unwrap(), 256);
        assert!(parse_concurrency("0").is_err());
        assert_eq!(parse_port("0").unwrap(), 0);
        assert!(parse_port("70000").is_err());
    }

    #[test]
    fn replay_commands_take_the_form_of_the_run() {
        assert_eq!(
            Invocation::CargoTest.command_prefix().join(" "),
            "cargo test --test conformance --"
        );
        let cli = Invocation::Cli {
            program: "./target/debug/mjconform".to_owned(),
        };
        assert_eq!(
            cli.command_prefix().join(" "),
            "./target/debug/mjconform check"
        );
        // Test binaries never say they are the CLI.
        assert_eq!(Invocation::current(), Invocation::CargoTest);
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("2.5s").unwrap(), Duration::from_millis(2500));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("abc").is_err());
        assert_eq!(parse_size("8MiB").unwrap(), 8 << 20);
        assert_eq!(parse_size("64KiB").unwrap(), 64 << 10);
        assert_eq!(parse_size("65536").unwrap(), 65536);
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_rate("5/s").unwrap(), 5.0);
        assert_eq!(parse_rate("0.5").unwrap(), 0.5);
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("fast").is_err());
    }
}
