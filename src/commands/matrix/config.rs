//! The matrix file: typed TOML that rejects unknown keys, read into validated [`Target`]s.
//!
//! Every value a child run takes as a flag is checked here with the parser `check` itself
//! uses, so a bad value is one line naming the file, the target and the key before any
//! target runs, not six children failing the same way. A key written in the file is refused:
//! matrix files get committed, so a target names the environment variable holding its key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::contract::dialect::{self, Dialect};
use crate::errors::MatrixError;
use crate::http::auth::{ApiKey, KeyPlacement};
use crate::provider::Fault;
use crate::run::cli::{parse_concurrency, parse_duration, parse_fuzz_cases, parse_rate};

/// Children run at once when neither the file nor `--concurrency` says.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// A target's deadline when neither it, the file nor `--deadline` says.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);
/// Where the matrix writes when neither the file nor `--report-dir` says.
pub const DEFAULT_REPORT_DIR: &str = "mjconform-matrix";

/// Keys that would hold a credential in the file. Refused by name (never echoing the value),
/// before serde's "unknown field" could print a less helpful line.
const KEY_LIKE: &[&str] = &[
    "key",
    "api_key",
    "api-key",
    "apikey",
    "mj_api_key",
    "token",
    "secret",
    "password",
    "authorization",
];

/// The file's top level.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOptions {
    concurrency: Option<Scalar>,
    deadline: Option<Scalar>,
    report_dir: Option<PathBuf>,
    identify: Option<bool>,
    /// Read one by one, so an error names its target.
    #[serde(default)]
    target: Vec<toml::Value>,
}

/// One `[[target]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetEntry {
    name: String,
    url: Option<String>,
    mock: Option<MockEntry>,
    #[serde(default)]
    task_ids: Vec<String>,
    key_placement: Option<String>,
    dialect: Option<String>,
    rate: Option<Scalar>,
    concurrency: Option<Scalar>,
    timeout: Option<Scalar>,
    deadline: Option<Scalar>,
    baseline: Option<PathBuf>,
    key_env: Option<String>,
    fuzz_cases: Option<Scalar>,
    #[serde(default)]
    watch: Vec<String>,
}

/// `mock = { dialect = "...", faults = ["..."] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MockEntry {
    dialect: Option<String>,
    #[serde(default)]
    faults: Vec<String>,
}

/// A number or a text (`rate = 5`, `rate = "5/s"`, `deadline = 90`, `deadline = "90s"`):
/// either way it becomes the text the child's own flag parses.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Integer(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Integer(n) => n.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Text(text) => text.clone(),
        }
    }
}

/// What the command line says, which wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub concurrency: Option<usize>,
    pub deadline: Option<Duration>,
    pub report_dir: Option<PathBuf>,
    pub identify: bool,
}

/// A matrix ready to run.
#[derive(Debug)]
pub struct Matrix {
    /// The file, as given.
    pub path: PathBuf,
    /// Children at once.
    pub concurrency: usize,
    pub report_dir: PathBuf,
    /// Run `mjconform identify` for targets that name no dialect.
    pub identify: bool,
    pub targets: Vec<Target>,
}

/// Where a target is.
#[derive(Debug, Clone)]
pub enum Source {
    Url(url::Url),
    /// An embedded mock the matrix starts itself on 127.0.0.1:0.
    Mock {
        dialect: Option<&'static Dialect>,
        faults: Vec<Fault>,
    },
}

/// One validated target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Also its directory under the report directory.
    pub name: String,
    pub source: Source,
    pub task_ids: Vec<String>,
    pub key_placement: Option<KeyPlacement>,
    pub dialect: Option<&'static Dialect>,
    /// `--rate`, `--concurrency`, `--timeout`, `--fuzz-cases` as validated text.
    pub rate: Option<String>,
    pub concurrency: Option<u32>,
    pub timeout: Option<String>,
    pub fuzz_cases: Option<u32>,
    pub deadline: Duration,
    /// Resolved against the matrix file's directory.
    pub baseline: Option<PathBuf>,
    /// The variable's name, for messages; the key itself never leaves [`Target::key`].
    pub key_env: Option<String>,
    pub key: Option<ApiKey>,
    pub watch: Vec<String>,
}

/// Reads and validates `path`, reading keys from `env` (the process environment in use).
pub fn load(
    path: &Path,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Matrix, MatrixError> {
    let text = std::fs::read_to_string(path).map_err(|source| MatrixError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text, overrides, env)
}

/// [`load`] of text already read.
pub fn parse(
    path: &Path,
    text: &str,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Matrix, MatrixError> {
    let invalid = |message: String| MatrixError::Invalid {
        path: path.to_owned(),
        message,
    };
    let table: toml::Table = toml::from_str(text).map_err(|err| MatrixError::Parse {
        path: path.to_owned(),
        message: syntax_message(text, &err),
    })?;
    refuse_written_keys(&table, None).map_err(invalid)?;
    let options: FileOptions =
        toml::Value::Table(table)
            .try_into()
            .map_err(|err: toml::de::Error| MatrixError::Parse {
                path: path.to_owned(),
                message: one_line(err.message()),
            })?;
    if options.target.is_empty() {
        return Err(invalid(
            "no `[[target]]` entry: a matrix needs at least one target".to_owned(),
        ));
    }
    let concurrency = match (overrides.concurrency, &options.concurrency) {
        (Some(n), _) => n,
        (None, Some(value)) => parse_concurrency(&value.text())
            .map_err(|err| invalid(format!("`concurrency`: {err}")))?
            as usize,
        (None, None) => DEFAULT_CONCURRENCY,
    };
    let default_deadline = match (overrides.deadline, &options.deadline) {
        (Some(deadline), _) => deadline,
        (None, Some(value)) => {
            deadline_of(value).map_err(|err| invalid(format!("`deadline`: {err}")))?
        }
        (None, None) => DEFAULT_DEADLINE,
    };
    let base = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut targets = Vec::new();
    let mut names = BTreeSet::new();
    for (index, value) in options.target.into_iter().enumerate() {
        let label = value
            .get("name")
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("#{} (no name)", index + 1));
        let target_error = |message: String| MatrixError::Target {
            path: path.to_owned(),
            target: label.clone(),
            message,
        };
        if let toml::Value::Table(table) = &value {
            refuse_written_keys(table, Some(&label)).map_err(target_error)?;
        }
        let entry: TargetEntry = value
            .try_into()
            .map_err(|err: toml::de::Error| target_error(one_line(err.message())))?;
        let target = validate(entry, base, default_deadline, env).map_err(target_error)?;
        // Case folded: two names that differ only in case share a directory on macOS.
        if !names.insert(target.name.to_ascii_lowercase()) {
            return Err(target_error(
                "the name is used by another target (names are directories, compared without case)"
                    .to_owned(),
            ));
        }
        targets.push(target);
    }
    Ok(Matrix {
        path: path.to_owned(),
        concurrency,
        report_dir: overrides
            .report_dir
            .clone()
            .or(options.report_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_REPORT_DIR)),
        identify: overrides.identify || options.identify.unwrap_or(false),
        targets,
    })
}

fn validate(
    entry: TargetEntry,
    base: &Path,
    default_deadline: Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, String> {
    check_name(&entry.name)?;
    let source = match (&entry.url, &entry.mock) {
        (Some(_), Some(_)) => {
            return Err("give `url` or `mock`, not both".to_owned());
        }
        (None, None) => {
            return Err(
                "give `url = \"https://...\"`, or `mock = { dialect = \"...\" }` for an embedded mock"
                    .to_owned(),
            );
        }
        (Some(url), None) => Source::Url(check_url(url)?),
        (None, Some(mock)) => Source::Mock {
            dialect: mock
                .dialect
                .as_deref()
                .map(dialect::parse_name)
                .transpose()
                .map_err(|err| format!("`mock.dialect`: {err}"))?,
            faults: mock
                .faults
                .iter()
                .map(|name| name.parse::<Fault>())
                .collect::<Result<_, _>>()
                .map_err(|err| format!("`mock.faults`: {err}"))?,
        },
    };
    let key_placement = entry
        .key_placement
        .as_deref()
        .map(|value| {
            value
                .parse::<KeyPlacement>()
                .map_err(|err| format!("`key_placement`: failed to {err}"))
        })
        .transpose()?;
    let dialect = entry
        .dialect
        .as_deref()
        .map(dialect::parse_name)
        .transpose()
        .map_err(|err| format!("`dialect`: {err}"))?;
    let rate = entry
        .rate
        .as_ref()
        .map(|value| {
            let text = value.text();
            parse_rate(&text)
                .map(|_| text)
                .map_err(|err| format!("`rate`: {err}"))
        })
        .transpose()?;
    let concurrency = entry
        .concurrency
        .as_ref()
        .map(|value| {
            parse_concurrency(&value.text()).map_err(|err| format!("`concurrency`: {err}"))
        })
        .transpose()?;
    let timeout = entry
        .timeout
        .as_ref()
        .map(|value| {
            let text = value.text();
            parse_duration(&text)
                .map(|_| text)
                .map_err(|err| format!("`timeout`: {err}"))
        })
        .transpose()?;
    let fuzz_cases = entry
        .fuzz_cases
        .as_ref()
        .map(|value| parse_fuzz_cases(&value.text()).map_err(|err| format!("`fuzz_cases`: {err}")))
        .transpose()?;
    let deadline = entry
        .deadline
        .as_ref()
        .map(|value| deadline_of(value).map_err(|err| format!("`deadline`: {err}")))
        .transpose()?
        .unwrap_or(default_deadline);
    let baseline = entry
        .baseline
        .map(|file| {
            let resolved = base.join(&file);
            if resolved.is_file() {
                Ok(resolved)
            } else {
                Err(format!(
                    "`baseline`: `{}` is not a file (a baseline path is relative to the matrix file)",
                    resolved.display()
                ))
            }
        })
        .transpose()?;
    let key = match &entry.key_env {
        None => None,
        Some(name) if name.trim().is_empty() => {
            return Err(
                "`key_env` is empty: name the environment variable that holds the key".to_owned(),
            );
        }
        Some(name) => match env(name) {
            None => {
                return Err(format!(
                    "`key_env` names the environment variable `{name}`, which is not set"
                ));
            }
            Some(value) if value.trim().is_empty() => {
                return Err(format!(
                    "`key_env` names the environment variable `{name}`, which is empty"
                ));
            }
            Some(value) => Some(ApiKey::new(value)),
        },
    };
    if let Source::Url(url) = &source {
        refuse_key_in_url(url, key.as_ref())?;
    }
    // `mjconform check` refuses a URL target without a task (a run that judged none would be
    // green): say so here, naming the target, before any target runs.
    if matches!(source, Source::Url(_)) && entry.task_ids.is_empty() {
        return Err(
            "`task_ids` is missing: give the id of a task that exists for the key (a URL target \
             needs one; a mock brings its own)"
                .to_owned(),
        );
    }
    for (what, ids) in [("task_ids", &entry.task_ids), ("watch", &entry.watch)] {
        if ids
            .iter()
            .any(|id| id.trim().is_empty() || id.contains(','))
        {
            return Err(format!(
                "`{what}`: an id is empty or holds a comma; list each id as its own string"
            ));
        }
    }
    Ok(Target {
        name: entry.name,
        source,
        task_ids: entry.task_ids,
        key_placement,
        dialect,
        rate,
        concurrency,
        timeout,
        fuzz_cases,
        deadline,
        baseline,
        key_env: entry.key_env,
        key,
        watch: entry.watch,
    })
}

fn deadline_of(value: &Scalar) -> Result<Duration, String> {
    let deadline = parse_duration(&value.text())?;
    if deadline.is_zero() {
        return Err("a deadline of zero leaves no time to run".to_owned());
    }
    Ok(deadline)
}

/// A name is a directory under the report directory and a fragment of links: letters,
/// digits, `.`, `_` and `-`, starting with a letter or digit.
fn check_name(name: &str) -> Result<(), String> {
    let fits = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 64;
    if fits {
        Ok(())
    } else {
        Err("`name` must be 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit (it names the target's report directory)".to_owned())
    }
}

fn check_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text.trim()).map_err(|err| format!("`url`: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`url`: the scheme `{}` is not http or https",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the URL: its user part may be the key.
        return Err("`url` holds a user or password; files get committed: put the key in an environment variable and name it with `key_env`".to_owned());
    }
    Ok(url)
}

/// Refuses a `url` that carries a key in its query string (`?key=…`, `?api_key=…`), or the
/// target's own key anywhere in any encoding: the matrix writes each target's URL into
/// matrix.json, .md, .html and the child's log. Never echoes the value.
fn refuse_key_in_url(url: &url::Url, key: Option<&ApiKey>) -> Result<(), String> {
    let named = url
        .query_pairs()
        .map(|(name, _)| name.to_ascii_lowercase())
        .find(|name| KEY_LIKE.contains(&name.as_str()) || name.replace('-', "_").ends_with("api_key"));
    let holds_key = key.is_some_and(|key| {
        crate::message::redact::Redactor::new([key.expose()]).holds_secret(url.as_str())
    });
    match (named, holds_key) {
        (Some(name), _) => Err(format!(
            "`url` carries a key in its query string (`{name}=`), and files get committed: put the key in an environment variable and name it with `key_env` (and `key_placement`)"
        )),
        (None, true) => Err(
            "`url` holds the key named by `key_env`, and files get committed: keep the key out of the URL; `key_env` and `key_placement` say where it goes"
                .to_owned(),
        ),
        (None, false) => Ok(()),
    }
}

/// Refuses a key written in the file, naming the key and never its value.
fn refuse_written_keys(table: &toml::Table, target: Option<&str>) -> Result<(), String> {
    let Some(found) = table
        .keys()
        .find(|key| KEY_LIKE.contains(&key.to_ascii_lowercase().as_str()))
    else {
        return Ok(());
    };
    let message = format!(
        "`{found}` would hold a key in the file, and files get committed: put the key in an environment variable and name it with `key_env = \"VARIABLE\"`"
    );
    match target {
        // The target's own error names it.
        Some(_) => Err(message),
        None => Err(format!("top level: {message}")),
    }
}

/// A TOML syntax error on one line: where it is and what (the baseline's reader, which
/// never quotes the source line).
fn syntax_message(text: &str, err: &toml::de::Error) -> String {
    crate::run::baseline::toml_error_line(text, err)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "RELAY_KEY").then(|| "sk-matrix-unit".to_owned())
    }

    fn parse_text(text: &str) -> Result<Matrix, String> {
        parse(Path::new("m.toml"), text, &Overrides::default(), &env).map_err(|err| err.to_string())
    }

    #[test]
    fn a_full_file_reads_into_targets() {
        let matrix = parse_text(
            r#"
concurrency = 2
deadline = "90s"
[[target]]
name = "relay-a"
url = "https://relay.example/"
key_env = "RELAY_KEY"
task_ids = ["1", "2"]
dialect = "new-api"
rate = 5
concurrency = 2
timeout = "3s"
fuzz_cases = 8
[[target]]
name = "plus-mock"
mock = { dialect = "plus", faults = ["wrong-id"] }
deadline = 30
"#,
        )
        .unwrap();
        assert_eq!(matrix.concurrency, 2);
        assert_eq!(matrix.targets.len(), 2);
        let relay = &matrix.targets[0];
        assert_eq!(relay.key.as_ref().unwrap().expose(), "sk-matrix-unit");
        assert_eq!(relay.deadline, Duration::from_secs(90));
        assert_eq!(relay.rate.as_deref(), Some("5"));
        assert_eq!(relay.dialect.unwrap().name, "new-api");
        let mock = &matrix.targets[1];
        assert_eq!(mock.deadline, Duration::from_secs(30));
        assert!(matches!(&mock.source, Source::Mock { faults, .. } if faults.len() == 1));
    }

    #[test]
    fn a_key_in_the_url_is_refused_without_echoing_it() {
        for url in [
            "http://127.0.0.1:1/?key=sk-secret-in-url",
            "http://127.0.0.1:1/mj?api_key=sk-secret-in-url&x=1",
            "http://127.0.0.1:1/?x-api-key=sk-secret-in-url",
            // The target's own key under any name, or escaped.
            "http://127.0.0.1:1/?q=MATRIXKEY",
            "http://127.0.0.1:1/?q=%73k-matrix-unit",
        ] {
            let url = url.replace("MATRIXKEY", "sk-matrix-unit");
            let text = format!(
                "[[target]]\nname = \"a\"\nurl = \"{url}\"\nkey_env = \"RELAY_KEY\"\n"
            );
            let err = parse_text(&text).unwrap_err();
            assert!(
                err.contains("target `a`") && err.contains("`url`") && err.contains("key_env"),
                "{url}: {err}"
            );
            assert!(!err.contains('\n'), "{err}");
            assert!(
                !err.contains("sk-secret-in-url") && !err.contains("sk-matrix-unit"),
                "{err}"
            );
        }
        // A query string without a key is fine.
        let text = "[[target]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/?region=eu\"\nkey_env = \"RELAY_KEY\"\ntask_ids = [\"1\"]\n";
        assert!(parse_text(text).is_ok(), "{:?}", parse_text(text));
    }

    #[test]
    fn a_key_in_the_file_is_refused_without_echoing_it() {
        let err = parse_text(
            "[[target]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/\"\napi_key = \"sk-secret-in-file\"\n",
        )
        .unwrap_err();
        assert!(
            err.contains("target `a`") && err.contains("`api_key`"),
            "{err}"
        );
        assert!(err.contains("key_env"), "{err}");
        assert!(!err.contains("sk-secret-in-file"), "{err}");
    }

    #[test]
    fn errors_are_one_line_naming_the_target_and_key() {
        let cases = [
            ("[[target]]\nname = \"a\"\nurl = \"http://x/\"\nratee = 1\n", "unknown field `ratee`"),
            ("[[target]]\nname = \"a\"\nurl = \"http://x/\"\nkey_env = \"NOPE\"\n", "`NOPE`, which is not set"),
            ("[[target]]\nname = \"a\"\nurl = \"http://x/\"\ndialect = \"zzz\"\n", "unknown dialect `zzz`"),
            ("[[target]]\nname = \"a\"\nmock = { faults = [\"nope\"] }\n", "`mock.faults`"),
            ("[[target]]\nname = \"a\"\n", "give `url = "),
            ("[[target]]\nname = \"../x\"\nurl = \"http://x/\"\n", "`name` must be"),
            ("[[target]]\nname = \"a\"\nurl = \"http://u:p@x/\"\n", "user or password"),
            ("[[target]]\nname = \"a\"\nurl = \"http://x/\"\nrate = \"fast\"\n", "`rate`"),
            ("[[target]]\nname = \"a\"\nurl = \"http://x/\"\ntask_ids = [\"1\"]\n[[target]]\nname = \"A\"\nurl = \"http://y/\"\ntask_ids = [\"1\"]\n", "used by another target"),
            ("[[target]]\nname = \"a\"\nurl = \"http://x/\"\n", "`task_ids` is missing"),
            ("concurency = 2\n", "unknown field `concurency`"),
            ("[[target]\n", "line 1:"),
            ("", "no `[[target]]` entry"),
        ];
        for (text, expected) in cases {
            let err = parse_text(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(err.contains("`m.toml`"), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn the_command_line_wins_over_the_file() {
        let overrides = Overrides {
            concurrency: Some(1),
            deadline: Some(Duration::from_secs(7)),
            report_dir: Some(PathBuf::from("out")),
            identify: true,
        };
        let matrix = parse(
            Path::new("m.toml"),
            "concurrency = 3\ndeadline = \"1m\"\n[[target]]\nname = \"a\"\nmock = {}\n",
            &overrides,
            &env,
        )
        .unwrap();
        assert_eq!(matrix.concurrency, 1);
        assert_eq!(matrix.targets[0].deadline, Duration::from_secs(7));
        assert_eq!(matrix.report_dir, PathBuf::from("out"));
        assert!(matrix.identify);
    }
}
