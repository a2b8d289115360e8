//! The run's options, shared by `cargo test -- ...` and `mjconform check ...`.
//!
//! Cargo forwards everything after `cargo test --` to every test binary, mixed with
//! libtest's own flags (`--exact`, `--list`, filters). [`split_args`] takes out the
//! options declared here and leaves the rest for libtest-mimic, so one command line
//! serves both.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser};

use crate::auth::KeyPlacement;
use crate::errors::UsageError;

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
    #[arg(long, env = "MJ_SEED", value_name = "N", default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Generated cases per fuzz property (`0` turns fuzzing off). Each case is one request.
    #[arg(long, env = "MJ_FUZZ_CASES", value_name = "N", default_value_t = DEFAULT_FUZZ_CASES)]
    pub fuzz_cases: u32,

    /// Replay one fuzz case (the `--fuzz-replay` value a fuzz failure prints) instead of
    /// generating cases: one request, no shrinking.
    #[arg(long, env = "MJ_FUZZ_REPLAY", value_name = "CASE",
          value_parser = crate::fuzz::parse_replay_arg)]
    pub fuzz_replay: Option<crate::fuzz::ReplayCase>,

    /// Label of the target in snapshot paths (`snapshots/<label>/`); default: the host.
    #[arg(long, env = "MJ_TARGET_NAME", value_name = "NAME")]
    pub target_name: Option<String>,

    /// Snapshot trials: `compare` with the target's baseline (none yet: they are ignored),
    /// `record` a new baseline, or `off`.
    #[arg(long, env = "MJ_SNAPSHOTS", value_name = "MODE", value_enum,
          default_value_t = crate::snapshot::SnapshotMode::Compare)]
    pub snapshots: crate::snapshot::SnapshotMode,

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
          value_parser = clap::value_parser!(u32).range(1..=256))]
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

    /// Check against a family's contract instead of the doc: one of the embedded dialect
    /// documents (`mjconform dialects` lists them). The key goes where it says, unless
    /// --key-placement is given.
    #[arg(long, env = "MJ_DIALECT", value_name = "NAME", conflicts_with = "spec",
          value_parser = crate::dialect::parse_name)]
    pub dialect: Option<&'static crate::dialect::Dialect>,
}

impl RunArgs {
    /// The contract the run checks against: `--spec`, else `--dialect`'s, else the doc.
    pub fn contract(&self) -> Result<crate::spec::Contract, crate::errors::SpecError> {
        match (&self.spec, self.dialect) {
            (Some(path), _) => crate::spec::Contract::from_path(path),
            (None, Some(dialect)) => Ok(dialect.contract()),
            (None, None) => Ok(crate::spec::Contract::embedded()),
        }
    }

    /// Where the key goes: `--key-placement`, else the contract's first security scheme,
    /// else the doc's bearer.
    pub fn placement_for(&self, contract: &crate::spec::Contract) -> KeyPlacement {
        self.key_placement
            .clone()
            .or_else(|| contract.fetch.key_placement())
            .unwrap_or_default()
    }
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

/// Long flag names declared by [`RunArgs`], each with whether it takes a value.
fn run_flags() -> Vec<(String, bool)> {
    RunArgsOnly::command()
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            Some((format!("--{long}"), arg.get_action().takes_values()))
        })
        .collect()
}

/// Splits a test binary's arguments into ours and libtest's. The first element (the
/// program name) goes to libtest's side, which expects it.
pub fn split_args<I: IntoIterator<Item = String>>(args: I) -> (Vec<String>, Vec<String>) {
    let flags = run_flags();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let name = arg.split('=').next().unwrap_or_default();
        match flags.iter().find(|(flag, _)| flag == name) {
            Some((_, takes_value)) => {
                let inline_value = arg.contains('=');
                ours.push(arg);
                if *takes_value && !inline_value {
                    if let Some(value) = args.next() {
                        ours.push(value);
                    }
                }
            }
            None => theirs.push(arg),
        }
    }
    (ours, theirs)
}

/// Parses our side of the arguments (and the environment) into [`RunArgs`].
pub fn parse_run_args(ours: &[String]) -> Result<RunArgs, UsageError> {
    let matches = RunArgsOnly::command()
        .try_get_matches_from(ours)
        .map_err(|err| UsageError::Arguments(first_line(&err.to_string())))?;
    let parsed = RunArgsOnly::from_arg_matches(&matches)
        .map_err(|err| UsageError::Arguments(first_line(&err.to_string())))?;
    Ok(parsed.run)
}

/// Clap's messages span several lines with usage hints; bad input gets one line.
pub fn first_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_owned()
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

/// Help text for the run options, for `mjconform check --help` and the test binary.
pub fn run_help() -> String {
    RunArgsOnly::command().render_help().to_string()
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
        let doc = crate::spec::Contract::embedded();
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
