//! Where snapshots live, and the insta assertion that compares or records one.
//!
//! Layout: `<root>/<target label>/<case>.snap`. The root is `--snapshot-dir`, else
//! `snapshots/` in the package root when cargo runs us (`cargo test`, `cargo run`: cargo
//! sets `CARGO_MANIFEST_DIR` at run time), else `snapshots/` in the current directory (an
//! installed `mjconform`). A compile-time `env!("CARGO_MANIFEST_DIR")` would point into a
//! build directory that an installed binary no longer has.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

use url::Url;

use super::SnapshotMode;

/// The label of the embedded reference provider, whose snapshots are committed.
pub const REFERENCE_LABEL: &str = "reference";

/// The directory that holds one directory per target label, made absolute: insta would
/// resolve a relative snapshot path against the directory of the source file that asserts
/// (`src/snapshot/`), not against the current directory.
pub fn root_dir(explicit: Option<&Path>) -> PathBuf {
    let root = match (explicit, std::env::var_os("CARGO_MANIFEST_DIR")) {
        (Some(dir), _) => dir.to_path_buf(),
        (None, Some(package_root)) => PathBuf::from(package_root).join("snapshots"),
        (None, None) => PathBuf::from("snapshots"),
    };
    absolute(&root)
}

/// The label of a target: `--target-name` if given, `reference` for the embedded
/// provider, else the host, plus `_PORT` when the URL names a non-default port.
/// Always a single, safe path component.
pub fn label(target_name: Option<&str>, base_url: &Url, embedded: bool) -> String {
    if let Some(name) = target_name.filter(|name| !name.trim().is_empty()) {
        return sanitize_label(name.trim());
    }
    if embedded {
        return REFERENCE_LABEL.to_owned();
    }
    let host = base_url
        .host_str()
        .unwrap_or("target")
        .trim_start_matches('[')
        .trim_end_matches(']');
    match base_url.port() {
        Some(port) => sanitize_label(&format!("{host}_{port}")),
        None => sanitize_label(host),
    }
}

/// Keeps ASCII letters, digits, `.`, `-` and `_`; anything else (a `/`, a `:` of an IPv6
/// address, a space) becomes `_`. A leading dot becomes `_` too, so a label is never `..`
/// or a hidden directory, and it is at most 64 characters.
pub fn sanitize_label(raw: &str) -> String {
    let mut label: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if label.is_empty() {
        label.push('_');
    }
    if label.starts_with('.') {
        label.replace_range(0..1, "_");
    }
    label
}

/// Whether insta will write snapshots in place on this run (so a target without a
/// baseline gets one): `--snapshots record`, or insta's own `INSTA_UPDATE=always` (or
/// `1`, `force`, `unseen`) set by the user or by `cargo insta`.
pub fn writes_baselines(mode: SnapshotMode, insta_update: Option<&str>) -> bool {
    mode == SnapshotMode::Record
        || matches!(insta_update, Some("always" | "1" | "force" | "unseen"))
}

/// Sets insta's process-wide knobs for this run, once, before any trial runs.
///
/// insta reads its update mode and output style from the environment only (and caches them
/// on first use), so the mode flag is passed on that way:
/// - `record` sets `INSTA_UPDATE=always`: snapshots are written in place, new or changed;
/// - `INSTA_OUTPUT=none` unless the user chose one: the failure message of each trial
///   carries its own diff and what to do next, so insta's diff and hints (printed from
///   worker threads, interleaved with other trials' output, and speaking of `cargo insta
///   test`) are not repeated;
/// - `INSTA_WORKSPACE_ROOT`, unless set, to the directory holding the snapshot root (the
///   package root under cargo): otherwise insta runs `cargo metadata` in the compile-time
///   package directory, which an installed binary no longer has.
///
/// It also installs the panic hook that keeps insta's failure panics quiet (see
/// [`assert_snapshot`]).
///
/// This runs while the harness is still planning, on the main thread, before any trial
/// starts and with no request in flight, so nothing else reads the environment meanwhile.
pub fn configure_insta(mode: SnapshotMode, root: &Path) {
    install_quiet_hook();
    let unset = |name: &str| std::env::var_os(name).is_none_or(|value| value.is_empty());
    if mode == SnapshotMode::Record {
        std::env::set_var("INSTA_UPDATE", "always");
    }
    if unset("INSTA_OUTPUT") {
        std::env::set_var("INSTA_OUTPUT", "none");
    }
    if unset("INSTA_WORKSPACE_ROOT") {
        let workspace = root
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        std::env::set_var("INSTA_WORKSPACE_ROOT", workspace);
    }
}

thread_local! {
    /// Set while this thread runs an insta assertion whose panic is caught and reported.
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// insta fails an assertion by panicking. [`assert_snapshot`] catches that panic and turns
/// it into the trial's failure message, so the default hook's `thread panicked at …` line
/// and backtrace would only be noise. The hook is installed once and defers to the previous
/// one for every other panic, on every thread.
fn install_quiet_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `path` relative to the current directory when it is inside it, for shorter messages.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    shown.display().to_string()
}

/// Whether `cargo insta` would run here: a `cargo-insta` executable on `PATH` (how cargo
/// finds its subcommands). Looked up, never run.
pub fn cargo_insta_installed() -> bool {
    let name = if cfg!(windows) {
        "cargo-insta.exe"
    } else {
        "cargo-insta"
    };
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join(name).is_file())
    })
}

/// How one insta assertion ended.
#[derive(Debug)]
pub enum Comparison {
    /// The snapshot matched, or was written in place (record mode).
    Matched,
    /// The snapshot differs from the baseline, or there is none.
    Differs {
        /// The baseline's text, if there is a baseline file.
        baseline: Option<String>,
        /// The `.snap.new` insta left for review, if it wrote one (never on CI).
        pending: Option<PathBuf>,
        /// insta's own message, which names the cause when it is not a difference (a
        /// snapshot directory that cannot be written, say).
        message: String,
    },
}

/// Compares `content` with `<dir>/<name>.snap` through insta, with settings bound to this
/// thread only: insta's settings are thread-local and trials run on worker threads, so
/// each trial binds its own explicit path and name (insta's automatic names would depend
/// on which thread ran which trial).
pub fn assert_snapshot(dir: &Path, name: &str, description: &str, content: &str) -> Comparison {
    let dir = absolute(dir);
    let file = dir.join(format!("{name}.snap"));
    let pending = file.with_extension("snap.new");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    QUIET_PANICS.with(|quiet| quiet.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name, content));
    }));
    QUIET_PANICS.with(|quiet| quiet.set(false));
    match outcome {
        Ok(()) => {
            // The baseline now holds this answer (recorded, or matching): a `.snap.new` left
            // by an earlier compare run is stale, and reviewing it would bring back an old
            // answer.
            if pending.is_file() {
                let _ = std::fs::remove_file(&pending);
            }
            Comparison::Matched
        }
        Err(payload) => Comparison::Differs {
            baseline: insta::Snapshot::from_file(&file)
                .ok()
                .and_then(|snapshot| snapshot.contents().as_text().map(ToString::to_string)),
            pending: pending.is_file().then_some(pending),
            message: payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "insta's assertion failed".to_owned()),
        },
    }
}

/// The changed lines between `baseline` and `current`, as a unified diff with two lines
/// of context: a change in one field reads as that field's `-` and `+` lines.
pub fn diff(baseline: &str, current: &str) -> String {
    let current = current.trim_end_matches('\n');
    let baseline = baseline.trim_end_matches('\n');
    let diff = similar::TextDiff::from_lines(baseline, current);
    diff.unified_diff()
        .context_radius(2)
        .header("baseline", "this run")
        .missing_newline_hint(false)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> Url {
        Url::parse(raw).unwrap()
    }

    #[test]
    fn labels_come_from_the_name_the_host_and_the_port() {
        let relay = url("https://relay.example/api/");
        assert_eq!(label(None, &relay, false), "relay.example");
        assert_eq!(label(Some("My Relay/prod"), &relay, false), "My_Relay_prod");
        assert_eq!(
            label(None, &url("http://127.0.0.1:8080/"), false),
            "127.0.0.1_8080"
        );
        assert_eq!(label(None, &url("http://[::1]:9/"), false), "__1_9");
        // The default port is not part of the label.
        assert_eq!(
            label(None, &url("https://relay.example:443/"), false),
            "relay.example"
        );
        assert_eq!(label(None, &url("http://127.0.0.1:1/"), true), "reference");
        assert_eq!(
            label(Some("  "), &url("http://127.0.0.1:1/"), true),
            "reference"
        );
    }

    #[test]
    fn labels_are_one_safe_path_component() {
        assert_eq!(sanitize_label(".."), "_.");
        assert_eq!(sanitize_label("../../etc"), "_._.._etc");
        assert_eq!(sanitize_label(".hidden"), "_hidden");
        assert_eq!(sanitize_label(""), "_");
        assert_eq!(sanitize_label(&"a".repeat(100)).len(), 64);
        for raw in ["..", "a/b", "c:\\d", ".", "x\0y"] {
            let label = sanitize_label(raw);
            let path = Path::new(&label);
            assert_eq!(path.components().count(), 1, "{raw} -> {label}");
            assert!(matches!(
                path.components().next(),
                Some(std::path::Component::Normal(_))
            ));
        }
    }

    #[test]
    fn the_root_is_explicit_or_derived() {
        assert_eq!(root_dir(Some(Path::new("/tmp/s"))), PathBuf::from("/tmp/s"));
        let relative = root_dir(Some(Path::new("baselines")));
        assert!(relative.is_absolute(), "{}", relative.display());
        assert_eq!(relative, std::env::current_dir().unwrap().join("baselines"));
        let derived = root_dir(None);
        assert!(
            derived.is_absolute() && derived.ends_with("snapshots"),
            "{}",
            derived.display()
        );
    }

    #[test]
    fn recording_is_the_flag_or_insta_in_place_modes() {
        assert!(writes_baselines(SnapshotMode::Record, None));
        assert!(writes_baselines(SnapshotMode::Compare, Some("always")));
        assert!(writes_baselines(SnapshotMode::Compare, Some("unseen")));
        assert!(!writes_baselines(SnapshotMode::Compare, Some("new")));
        assert!(!writes_baselines(SnapshotMode::Compare, Some("no")));
        assert!(!writes_baselines(SnapshotMode::Compare, None));
    }

    #[test]
    fn diffs_show_only_the_changed_line_with_context() {
        let baseline = "a\nb\nc\nd\ne\nf\ng\n";
        let current = "a\nb\nc\nD\ne\nf\ng\n";
        let shown = diff(baseline, current);
        let changed: Vec<&str> = shown
            .lines()
            .filter(|line| {
                (line.starts_with('-') || line.starts_with('+'))
                    && !line.starts_with("---")
                    && !line.starts_with("+++")
            })
            .collect();
        assert_eq!(changed, ["-d", "+D"], "{shown}");
        assert!(!shown.contains("\na\n"), "context is two lines: {shown}");
    }
}
