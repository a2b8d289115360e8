//! The command line of each child: the same binary's `check` (or `identify`) with the
//! target's options as flags, and its key only in the child's environment (`MJ_API_KEY`),
//! never on a command line another user could read in the process list.

use std::path::Path;
use std::process::Command;

use super::config::Target;
use super::mocks::Endpoint;

/// The child's `--fuzz-dir`, beside its reports.
pub const FUZZ_FAILURES: &str = "fuzz-failures";

/// The formats every target writes beside the matrix.
pub const CHILD_REPORTS: &str = "json,junit,html";

/// `mjconform check` of one target, its reports into `dir`.
pub fn check(exe: &Path, target: &Target, endpoint: &Endpoint, dir: &Path) -> Command {
    let mut command = base(exe, "check", target, endpoint);
    command
        .arg("--target-name")
        .arg(&target.name)
        .arg("--report")
        .arg(CHILD_REPORTS)
        .arg("--report-dir")
        .arg(dir)
        // Fuzz failure files stay with the target's reports, not in the current directory.
        .arg("--fuzz-dir")
        .arg(dir.join(FUZZ_FAILURES));
    if let Some(baseline) = &target.baseline {
        command.arg("--baseline").arg(baseline);
    }
    if let Some(cases) = target.fuzz_cases {
        command.arg("--fuzz-cases").arg(cases.to_string());
    }
    if !endpoint.watch.is_empty() {
        command.arg("--watch").arg(endpoint.watch.join(","));
        if let Some(interval) = &endpoint.watch_interval {
            command.arg("--watch-interval").arg(interval);
        }
    }
    command
}

/// `mjconform identify` of one target: the planned requests once, no fuzzing, no watching.
pub fn identify(exe: &Path, target: &Target, endpoint: &Endpoint) -> Command {
    base(exe, "identify", target, endpoint)
}

/// The options both commands take, and the environment.
fn base(exe: &Path, subcommand: &str, target: &Target, endpoint: &Endpoint) -> Command {
    let mut command = Command::new(exe);
    command
        .arg(subcommand)
        .arg("--target-url")
        .arg(endpoint.url.as_str());
    if !endpoint.task_ids.is_empty() {
        command.arg("--task-id").arg(endpoint.task_ids.join(","));
    }
    if subcommand == "check" {
        if let Some(dialect) = target.dialect {
            command.arg("--dialect").arg(dialect.name);
        }
    }
    // A named dialect brings its own placement; a mock's own placement is the fallback.
    let placement = target.key_placement.clone().or_else(|| {
        target
            .dialect
            .is_none()
            .then(|| endpoint.default_placement.clone())
            .flatten()
    });
    if let Some(placement) = placement {
        command.arg("--key-placement").arg(placement.to_string());
    }
    if let Some(rate) = &target.rate {
        command.arg("--rate").arg(rate);
    }
    if let Some(concurrency) = target.concurrency {
        command.arg("--concurrency").arg(concurrency.to_string());
    }
    if let Some(timeout) = &target.timeout {
        command.arg("--timeout").arg(timeout);
    }
    // The matrix's own environment must not steer its children: an `MJ_BASELINE` or
    // `MJ_TARGET_URL` meant for one run would apply to every target, and each child appending
    // to the job summary would repeat what the matrix appends once.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("MJ_") || name == "GITHUB_STEP_SUMMARY" {
            command.env_remove(name.as_ref());
        }
    }
    match &endpoint.key {
        Some(key) => {
            command.env("MJ_API_KEY", key.expose());
        }
        // A target the file gives no `key_env` is checked without a key on purpose: the file
        // says so, and a `key_env` naming an unset variable is refused when the file is read.
        None => {
            command.arg("--no-key");
        }
    }
    command
}

/// The family `identify` named from its output: `doc`, a dialect, or why none.
pub fn identified(stdout: &str) -> Result<String, String> {
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("best fit: ") {
            if rest.starts_with("the doc itself") {
                return Ok("doc".to_owned());
            }
            if let Some(name) = rest.split_whitespace().next() {
                return Ok(name.to_owned());
            }
        }
    }
    let last = stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("identify printed nothing");
    Err(last.trim_start_matches("mjconform identify: ").to_owned())
}

/// Where `identify` found the server reads the key, when it had to look (`the server reads
/// the key as `header:mj-api-secret``): the target's check then puts the key there.
pub fn identified_placement(stdout: &str) -> Option<crate::http::auth::KeyPlacement> {
    stdout.lines().find_map(|line| {
        let rest = line.split("the server reads the key as `").nth(1)?;
        rest.split('`').next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::matrix::config::{parse, Overrides};
    use crate::http::auth::ApiKey;

    #[test]
    fn the_key_goes_in_the_environment_never_on_the_command_line() {
        let key = "sk-command-line-test-93f1";
        let matrix = parse(
            Path::new("m.toml"),
            "[[target]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/\"\nkey_env = \"K\"\ntask_ids = [\"1\", \"2\"]\nrate = 3\n",
            &Overrides::default(),
            &|_| Some(key.to_owned()),
        )
        .unwrap();
        let target = &matrix.targets[0];
        let endpoint = Endpoint {
            url: url::Url::parse("http://127.0.0.1:9/").unwrap(),
            key: Some(ApiKey::new(key)),
            task_ids: target.task_ids.clone(),
            watch: Vec::new(),
            watch_interval: None,
            default_placement: None,
        };
        for command in [
            check(
                Path::new("mjconform"),
                target,
                &endpoint,
                Path::new("out/a"),
            ),
            identify(Path::new("mjconform"), target, &endpoint),
        ] {
            let args: Vec<String> = command
                .get_args()
                .map(|arg| arg.to_string_lossy().into_owned())
                .collect();
            assert!(!args.iter().any(|arg| arg.contains(key)), "{args:?}");
            assert!(
                args.windows(2).any(|w| w == ["--task-id", "1,2"]),
                "{args:?}"
            );
            assert!(args.windows(2).any(|w| w == ["--rate", "3"]), "{args:?}");
            let env: Vec<(String, Option<String>)> = command
                .get_envs()
                .map(|(name, value)| {
                    (
                        name.to_string_lossy().into_owned(),
                        value.map(|v| v.to_string_lossy().into_owned()),
                    )
                })
                .collect();
            assert!(env.contains(&("MJ_API_KEY".to_owned(), Some(key.to_owned()))));
        }
    }

    #[test]
    fn identify_output_names_the_placement_it_found() {
        let said = "every authenticated request was refused with the key as `bearer`; trying ...\n  `header:mj-api-secret`: 200\nthe server reads the key as `header:mj-api-secret` (pass --key-placement header:mj-api-secret to `mjconform check`)\n";
        assert_eq!(
            identified_placement(said),
            Some(crate::http::auth::KeyPlacement::Header("mj-api-secret".into()))
        );
        assert_eq!(identified_placement("best fit: the doc itself\n"), None);
    }

    #[test]
    fn identify_output_names_the_best_fit_or_says_why_not() {
        assert_eq!(
            identified("ranking ...\nbest fit: plus with 2 remaining deviation(s)\n"),
            Ok("plus".to_owned())
        );
        assert_eq!(
            identified("best fit: the doc itself, with 0 deviation(s)\n"),
            Ok("doc".to_owned())
        );
        assert_eq!(
            identified(
                "x\nmjconform identify: no request got an answer, so nothing can be judged\n"
            ),
            Err("no request got an answer, so nothing can be judged".to_owned())
        );
    }
}
