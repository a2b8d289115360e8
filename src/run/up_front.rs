//! What a run refuses before its first request: inputs that would spend a paid target's
//! requests to learn nothing, or to lose what was learnt. Each is bad input (one line, exit 2).
//!
//! The target URL's own mistakes (no scheme, the endpoint pasted whole) are
//! [`crate::run::context::parse_target_url`]'s; these are the ones that need the whole run's
//! options.

use std::path::Path;

use crate::contract::spec::Contract;
use crate::errors::UsageError;
use crate::run::cli::RunArgs;

/// Refuses, for an external target (`--target-url`):
///
/// - no key when the contract requires one, unless `--no-key` says so on purpose: an unset
///   CI secret must not turn into a run of refusals that exits 1 as if the server were wrong;
/// - a key together with `--no-key`, which contradict each other;
/// - no `--task-id`: the checks that judge a task's body need one that exists, and a run
///   without it would be green having judged none (docs/ci.md).
///
/// The embedded provider brings its own key and tasks, so it is never refused here.
pub fn refuse_external_without_key_or_task(
    args: &RunArgs,
    contract: &Contract,
) -> Result<(), UsageError> {
    let Some(url) = &args.target_url else {
        return Ok(());
    };
    // A URL that is wrong in itself is the first thing to fix, and says so itself.
    crate::run::context::parse_target_url(url)?;
    let refuse = |reason: String| UsageError::TargetUrl {
        url: url.clone(),
        reason,
    };
    let has_key = args.api_key.as_deref().is_some_and(|key| !key.is_empty());
    if args.no_key && has_key {
        return Err(refuse(
            "--no-key (MJ_NO_KEY) and a key (--api-key or MJ_API_KEY) are both given; keep one"
                .to_owned(),
        ));
    }
    if !has_key && !args.no_key && contract.fetch.requires_auth {
        return Err(refuse(format!(
            "no key given, and the contract ({}) requires one: set MJ_API_KEY (in CI, check that the secret \
             exists), or add --no-key to check without a key on purpose",
            contract.origin
        )));
    }
    if args.task_ids.is_empty() {
        return Err(refuse(
            "no task id given: add --task-id ID (or MJ_TASK_IDS) with a task that exists for \
             your key, or the checks that judge a task's answer have nothing to judge"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Creates the report directory and proves a file can be written in it, so a run does not
/// spend its requests to fail at the end on a directory it cannot write.
pub fn refuse_unwritable_report_dir(dir: &Path) -> Result<(), UsageError> {
    let unwritable = |err: std::io::Error| {
        UsageError::Report(format!(
            "the report directory `{}` is not writable: {err}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let probe = dir.join(format!(".mjconform-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(unwritable)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::cli::parse_run_args;

    fn args(words: &[&str]) -> RunArgs {
        let words: Vec<String> = words.iter().map(|word| word.to_string()).collect();
        parse_run_args(&words).expect("valid arguments")
    }

    fn refused(words: &[&str]) -> Option<String> {
        refuse_external_without_key_or_task(&args(words), &Contract::embedded())
            .err()
            .map(|err| err.to_string())
    }

    #[test]
    fn an_external_target_needs_a_key_or_no_key_on_purpose() {
        let url = ["--target-url", "http://127.0.0.1:9/", "--task-id", "1"];
        let err = refused(&url).expect("refused");
        assert!(err.contains("set MJ_API_KEY") && err.contains("--no-key"), "{err}");
        assert_eq!(refused(&[&url[..], &["--no-key"]].concat()), None);
        assert_eq!(refused(&[&url[..], &["--api-key", "k"]].concat()), None);
        let both = refused(&[&url[..], &["--api-key", "k", "--no-key"]].concat());
        assert!(both.is_some_and(|err| err.contains("both given")));
    }

    #[test]
    fn an_external_target_needs_a_task_id() {
        let err = refused(&["--target-url", "http://127.0.0.1:9/", "--api-key", "k"])
            .expect("refused");
        assert!(err.contains("add --task-id ID"), "{err}");
    }

    #[test]
    fn the_embedded_provider_is_never_refused() {
        assert_eq!(refused(&[]), None);
    }

    #[test]
    fn a_contract_without_security_needs_no_key() {
        let mut contract = Contract::embedded();
        contract.fetch.requires_auth = false;
        let run = args(&["--target-url", "http://127.0.0.1:9/", "--task-id", "1"]);
        assert!(refuse_external_without_key_or_task(&run, &contract).is_ok());
    }

    #[test]
    fn the_report_directory_must_be_writable() {
        let dir = std::env::temp_dir().join(format!("mjconform-up-front-{}", std::process::id()));
        assert!(refuse_unwritable_report_dir(&dir.join("reports")).is_ok());
        let file = dir.join("a-file");
        std::fs::write(&file, b"").unwrap();
        let err = refuse_unwritable_report_dir(&file.join("reports")).unwrap_err();
        assert!(err.to_string().contains("not writable"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
