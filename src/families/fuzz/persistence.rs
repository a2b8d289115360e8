//! Failures written to `<dir>/<target>/<trial>.txt`, `<dir>` being `--fuzz-dir` (or
//! `MJ_FUZZ_DIR`), by default `.mjconform/fuzz-failures/` under the current directory (the
//! package root under `cargo test`), so a failure outlives the terminal scrollback and can
//! be attached to a bug report. The default directory is git-ignored. A file holds the
//! report as printed, redacted again before writing: the key never reaches disk.

use std::path::{Path, PathBuf};

use url::Url;

use crate::message::redact::Redactor;

/// Where failures go without `--fuzz-dir`, relative to the current directory.
pub const FAILURES_DIR: &str = ".mjconform/fuzz-failures";

/// A directory name for a target: `embedded`, or its host and port (`127.0.0.1_8080`) and
/// path prefix, with anything that is not a safe file-name character replaced by `_`.
pub fn target_label(base_url: &Url, embedded: bool) -> String {
    if embedded {
        return "embedded".to_owned();
    }
    let mut label = base_url.host_str().unwrap_or("target").to_owned();
    if let Some(port) = base_url.port_or_known_default() {
        label.push_str(&format!("_{port}"));
    }
    let prefix = base_url.path().trim_matches('/');
    if !prefix.is_empty() {
        label.push('_');
        label.push_str(prefix);
    }
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The file of `trial` (`fuzz::ids::x` → `fuzz.ids.x.txt`) for the target `label`, in the
/// failures directory `dir`.
pub fn failure_path(dir: &Path, label: &str, trial: &str) -> PathBuf {
    dir.join(label)
        .join(format!("{}.txt", trial.replace("::", ".")))
}

/// A failure report could not be written (the run goes on; the report is still printed).
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("create the directory `{path}`: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("write `{path}`: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes `report` for `trial` in the failures directory `dir`, replacing an earlier failure
/// of the same trial. Returns the file's path (relative when `dir` is).
pub fn save(
    dir: &Path,
    label: &str,
    trial: &str,
    report: &str,
    redactor: &Redactor,
) -> Result<PathBuf, SaveError> {
    let path = failure_path(dir, label, trial);
    let text = redactor.redact(report);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| SaveError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(&path, text).map_err(|source| SaveError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_safe_file_names() {
        let url = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(target_label(&url, false), "127.0.0.1_8080");
        let prefixed = Url::parse("https://relay.example/api/v1/").unwrap();
        assert_eq!(target_label(&prefixed, false), "relay.example_443_api_v1");
        assert_eq!(target_label(&url, true), "embedded");
        assert_eq!(
            failure_path(
                Path::new(FAILURES_DIR),
                "embedded",
                "fuzz::ids::not_a_server_error"
            ),
            Path::new(".mjconform/fuzz-failures/embedded/fuzz.ids.not_a_server_error.txt")
        );
    }

    #[test]
    fn saved_reports_hold_no_key() {
        let root =
            std::env::temp_dir().join(format!("mjconform-persistence-test-{}", std::process::id()));
        let redactor = Redactor::new(["sk-live-123"]);
        let saved = save(
            &root,
            "127.0.0.1_1",
            "fuzz::credentials::ignored_auth",
            "echoed: sk-live-123\n",
            &redactor,
        )
        .unwrap();
        assert!(saved.starts_with(&root), "{}", saved.display());
        let written = std::fs::read_to_string(&saved).unwrap();
        assert_eq!(written, "echoed: ***\n");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_unwritable_root_is_an_error_not_a_panic() {
        let file =
            std::env::temp_dir().join(format!("mjconform-persistence-file-{}", std::process::id()));
        std::fs::write(&file, "not a directory").unwrap();
        let err = save(&file, "x", "fuzz::ids::y", "report", &Redactor::default()).unwrap_err();
        assert!(err.to_string().starts_with("create the directory"), "{err}");
        std::fs::remove_file(&file).unwrap();
    }
}
