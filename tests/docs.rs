//! Every command the README and `docs/*.md` show is run, so none goes stale.
//!
//! The commands are the lines of fenced `sh` blocks (and the `run:` lines of `yaml` blocks).
//! Each block is one trial, its commands run in order by `sh -c` in a scratch directory,
//! with the built binary first on `PATH` as `mjconform` and no `MJ_` variable inherited.
//!
//! The convention, in a trailing comment of a command line:
//!
//! - nothing: the command must exit 0;
//! - `# exits N`: it must exit N (a run that finds failures exits 1);
//! - `# not run: REASON`: it is not run (installing, a container, a server mjconform cannot
//!   stand in for); it is listed as an ignored trial with the reason, and a `mjconform check`
//!   line among them is still parsed, with `--list` added (no request is sent);
//! - `# run by .ci/run`: CI runs it; the trial checks that `.ci/run` holds the command;
//! - `# prints "TEXT"` (alone or after `exits N;`, repeatable): what the command prints
//!   (stdout and stderr) must hold TEXT. A number a page states about a command's output
//!   (requests sent, faults listed) is written as such a mark beside the command that prints
//!   it, so the page and the program cannot drift apart. Wall-clock numbers are never marked:
//!   pages give them as "about".
//!
//! Substitutions make the documented commands run here, as users would type them:
//!
//! - `cargo run --` is the built binary, `cargo test [--test conformance] --` is
//!   `mjconform check` (the same run, documented as such);
//! - `mjconform mock ...` starts a mock (`--port N` becomes `--port 0`) that stays up for the
//!   rest of its block; `http://127.0.0.1:8080/` and `https://relay.example/` in later lines
//!   are its URL (a block that names the relay without starting a mock gets a clean one);
//! - `export NAME=VALUE` lines set a variable for the rest of the block; `MJ_API_KEY` is
//!   otherwise the mock's key.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use libtest_mimic::{Completion, Failed, Trial};

/// The documents whose commands are run.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        let mut pages: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect();
        pages.sort();
        files.extend(pages);
    }
    files
}

/// One command line of a document.
#[derive(Debug, Clone)]
struct Line {
    /// Where it is: `docs/mock.md:12`.
    place: String,
    /// The command as written, continuation lines joined.
    text: String,
    mark: Mark,
    /// The `prints "TEXT"` marks: what the output must hold.
    prints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mark {
    Exits(i32),
    NotRun(String),
    RunByCi,
}

/// A fenced block of commands.
#[derive(Debug, Clone)]
struct Block {
    place: String,
    lines: Vec<Line>,
}

/// Where the reader of a document is.
enum Fence {
    Outside,
    /// In a `sh` or `yaml` block (true for yaml).
    Commands(Block, bool),
    /// In a block of another language.
    Other,
}

/// The command blocks of `text` (from file `name`).
fn blocks(name: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut fence = Fence::Outside;
    let mut pending = String::new();
    let mut pending_start = 0;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = raw.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = match std::mem::replace(&mut fence, Fence::Outside) {
                Fence::Commands(block, _) => {
                    if !block.lines.is_empty() {
                        blocks.push(block);
                    }
                    pending.clear();
                    Fence::Outside
                }
                Fence::Other => Fence::Outside,
                Fence::Outside => match info.trim() {
                    info @ ("sh" | "yaml") => Fence::Commands(
                        Block {
                            place: format!("{name}:{number}"),
                            lines: Vec::new(),
                        },
                        info == "yaml",
                    ),
                    _ => Fence::Other,
                },
            };
            continue;
        }
        let Fence::Commands(block, yaml) = &mut fence else {
            continue;
        };
        let line = if *yaml {
            match trimmed.trim_start_matches("- ").strip_prefix("run: ") {
                Some(command) => command,
                None => continue,
            }
        } else {
            raw.trim()
        };
        if pending.is_empty() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            pending_start = number;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let text = std::mem::take(&mut pending);
        block.lines.push(Line {
            place: format!("{name}:{pending_start}"),
            mark: mark_of(&text),
            prints: prints_of(&text),
            text,
        });
    }
    blocks
}

/// The quoted texts of every `prints "TEXT"` in the line's trailing comment.
fn prints_of(text: &str) -> Vec<String> {
    let comment = text.split_once(" # ").map_or("", |(_, comment)| comment);
    comment
        .split("prints \"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(printed, _)| printed.to_owned()))
        .collect()
}

fn mark_of(text: &str) -> Mark {
    let comment = text.split_once(" # ").map_or("", |(_, comment)| comment);
    if let Some(reason) = comment.strip_prefix("not run: ") {
        return Mark::NotRun(reason.trim().to_owned());
    }
    if comment.starts_with("run by .ci/run") {
        return Mark::RunByCi;
    }
    if let Some(code) = comment.strip_prefix("exits ") {
        return Mark::Exits(
            code.split_whitespace()
                .next()
                .and_then(|code| code.trim_end_matches([';', ',']).parse().ok())
                .unwrap_or(-1),
        );
    }
    Mark::Exits(0)
}

/// The command without its trailing comment.
fn command_of(text: &str) -> &str {
    text.split_once(" # ")
        .map_or(text, |(command, _)| command)
        .trim()
}

/// The documented command as run here (see the module comment).
fn substitute(command: &str, mock_url: Option<&str>) -> String {
    let mut out = command
        .replace("cargo run --quiet -- ", "mjconform ")
        .replace("cargo run -- ", "mjconform ")
        .replace("cargo test --test conformance -- ", "mjconform check ")
        .replace("cargo test -- ", "mjconform check ");
    if let Some(url) = mock_url {
        out = out
            .replace("http://127.0.0.1:8080/", url)
            .replace("https://relay.example/", url);
    }
    out
}

/// A mock started by a block, stopped when the block ends.
struct Mock {
    child: Child,
    url: String,
    key: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment a block's commands see.
struct Shell {
    bin_dir: PathBuf,
    scratch: PathBuf,
    exports: BTreeMap<String, String>,
    mock: Option<Mock>,
}

impl Shell {
    fn command(&self, line: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(line).current_dir(&self.scratch);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name.starts_with("MJ_") || name == "CARGO_MANIFEST_DIR" {
                command.env_remove(name);
            }
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.bin_dir.clone()];
        paths.extend(std::env::split_paths(&path));
        command.env("PATH", std::env::join_paths(paths).expect("a PATH"));
        // Snapshots compare and never write pending files, as on CI.
        command.env("CI", "true");
        if let Some(mock) = &self.mock {
            command.env("MJ_API_KEY", &mock.key);
        }
        command.envs(&self.exports);
        command.stdin(Stdio::null());
        command
    }

    /// Starts `line` (a `mjconform mock` command) and waits for its ready lines.
    fn start_mock(&mut self, line: &str) -> Result<(), Failed> {
        self.mock = None;
        let line = port_zero(line);
        let mut child = self
            .command(&format!("exec {line}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("spawn `{line}`: {err}"))?;
        let stdout = child.stdout.take().expect("a piped stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut printed = Vec::new();
        let mut url = None;
        let mut key = None;
        loop {
            let Ok(out) = receiver.recv_timeout(Duration::from_secs(30)) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(
                    format!("`{line}` printed no ready command:\n{}", printed.join("\n")).into(),
                );
            };
            if let Some(rest) = out.split_once("listening on ").map(|(_, rest)| rest) {
                url = Some(rest.trim().to_owned());
            }
            if let Some(rest) = out.strip_prefix("api key: ") {
                if !rest.starts_with("the one given") {
                    key = rest.split_whitespace().next().map(str::to_owned);
                }
            }
            let ready = out.starts_with("check it: ");
            printed.push(out);
            if ready {
                break;
            }
        }
        let key = key
            .or_else(|| flag_value(&line, "--api-key"))
            .or_else(|| self.exports.get("MJ_API_KEY").cloned())
            .ok_or_else(|| format!("no key known for `{line}`"))?;
        let url = url.ok_or_else(|| format!("no URL in:\n{}", printed.join("\n")))?;
        self.mock = Some(Mock { child, url, key });
        Ok(())
    }

    fn mock_url(&self) -> Option<&str> {
        self.mock.as_ref().map(|mock| mock.url.as_str())
    }
}

/// `--port N` as `--port 0`: documents name a port, tests take a free one.
fn port_zero(line: &str) -> String {
    let mut words: Vec<String> = line.split(' ').map(str::to_owned).collect();
    for i in 1..words.len() {
        if words[i - 1] == "--port" {
            words[i] = "0".to_owned();
        }
    }
    words.join(" ")
}

fn flag_value(line: &str, flag: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    while let Some(word) = words.next() {
        if word == flag {
            return words
                .next()
                .map(|value| value.trim_matches(['"', '\'']).to_owned());
        }
    }
    None
}

fn is_mock(command: &str) -> bool {
    command.contains("mjconform mock") && !command.contains("--list-faults")
}

/// Copies a directory with its subdirectories.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Runs the commands of `block` that are run, in order.
fn run_block(block: &Block, bin_dir: &Path, scratch: &Path) -> Result<Completion, Failed> {
    // Documents name the repository's specs and examples by their relative paths.
    for dir in ["spec", "examples"] {
        copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
            &scratch.join(dir),
        )?;
    }
    let mut shell = Shell {
        bin_dir: bin_dir.to_path_buf(),
        scratch: scratch.to_path_buf(),
        exports: BTreeMap::new(),
        mock: None,
    };
    let mut ran = 0;
    for line in &block.lines {
        let Mark::Exits(expected) = line.mark else {
            continue;
        };
        let command = command_of(&line.text);
        if let Some(assignment) = command.strip_prefix("export ") {
            let (name, value) = assignment
                .split_once('=')
                .ok_or_else(|| format!("{}: `{command}` is not `export NAME=VALUE`", line.place))?;
            if shell.mock.is_none() && value.contains("https://relay.example/") {
                shell.start_mock("mjconform mock --port 0")?;
            }
            let value = substitute(value.trim_matches(['"', '\'']), shell.mock_url());
            shell.exports.insert(name.to_owned(), value);
            continue;
        }
        let mut command = substitute(command, shell.mock_url());
        if is_mock(&command) {
            shell
                .start_mock(&command)
                .map_err(|err| format!("{}: {}", line.place, err.message().unwrap_or_default()))?;
            ran += 1;
            continue;
        }
        if shell.mock.is_none() && command.contains("https://relay.example/") {
            shell.start_mock("mjconform mock --port 0")?;
            command = substitute(&command, shell.mock_url());
        }
        let output = shell
            .command(&command)
            .output()
            .map_err(|err| format!("{}: run `{command}`: {err}", line.place))?;
        ran += 1;
        if output.status.code() != Some(expected) {
            return Err(format!(
                "{}: `{command}` exited {:?}, the document expects {expected}\nstdout:\n{}\nstderr:\n{}",
                line.place,
                output.status.code(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            )
            .into());
        }
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        for expected in &line.prints {
            if !printed.contains(expected.as_str()) {
                return Err(format!(
                    "{}: the document says `{command}` prints \"{expected}\"; it printed:\n{printed}",
                    line.place
                )
                .into());
            }
        }
    }
    let _ = std::fs::remove_dir_all(scratch);
    if ran == 0 {
        return Ok(Completion::ignored_with(
            "no command of this block is run here",
        ));
    }
    Ok(Completion::Completed)
}

/// A line CI runs: `.ci/run` must hold it.
fn run_by_ci(line: &Line, ci_script: &str) -> Result<(), Failed> {
    let command = command_of(&line.text);
    let found = ci_script
        .lines()
        .map(str::trim)
        .any(|ci| ci == command || ci.replace(" --locked", "") == command);
    if found {
        Ok(())
    } else {
        Err(format!(
            "{}: `{command}` is marked as run by .ci/run, which does not run it",
            line.place
        )
        .into())
    }
}

/// A line not run: a `mjconform check` among them must still parse.
fn not_run(
    line: &Line,
    reason: &str,
    bin_dir: &Path,
    scratch: &Path,
) -> Result<Completion, Failed> {
    let command = substitute(command_of(&line.text), None);
    if command.contains("mjconform check") && !command.contains('|') {
        std::fs::create_dir_all(scratch)?;
        let shell = Shell {
            bin_dir: bin_dir.to_path_buf(),
            scratch: scratch.to_path_buf(),
            exports: BTreeMap::from([("MJ_API_KEY".to_owned(), "sk-docs-key".to_owned())]),
            mock: None,
        };
        let output = shell
            .command(&format!("{command} --list"))
            .output()
            .map_err(|err| format!("{}: {err}", line.place))?;
        let _ = std::fs::remove_dir_all(scratch);
        if !output.status.success() {
            return Err(format!(
                "{}: `{command} --list` does not parse: {}",
                line.place,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
    }
    Ok(Completion::ignored_with(format!("not run: {reason}")))
}

fn main() -> ExitCode {
    let arguments = mjconform::commands::self_tests::test_arguments();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scratch_root = std::env::temp_dir().join(format!("mjconform-docs-{}", std::process::id()));
    let bin_dir = scratch_root.join("bin");
    std::fs::create_dir_all(&bin_dir).expect("a scratch directory");
    let link = bin_dir.join("mjconform");
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mjconform"), &link)
        .expect("a link to the binary");
    #[cfg(not(unix))]
    std::fs::copy(env!("CARGO_BIN_EXE_mjconform"), &link).expect("a copy of the binary");
    let ci_script = std::fs::read_to_string(root.join(".ci/run")).unwrap_or_default();

    let mut trials = Vec::new();
    let mut count = 0;
    for path in documents(&root) {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for block in blocks(&name, &text) {
            count += 1;
            for line in &block.lines {
                match &line.mark {
                    Mark::NotRun(reason) => {
                        let (line, reason) = (line.clone(), reason.clone());
                        let bin_dir = bin_dir.clone();
                        let scratch = scratch_root.join(format!(
                            "not-run-{count}-{}",
                            line.place.replace(['/', ':', '.'], "_")
                        ));
                        trials.push(Trial::ignorable_test(
                            format!("{} (not run)", line.place),
                            move || not_run(&line, &reason, &bin_dir, &scratch),
                        ));
                    }
                    Mark::RunByCi => {
                        let (line, ci_script) = (line.clone(), ci_script.clone());
                        trials.push(Trial::test(
                            format!("{} (run by .ci/run)", line.place),
                            move || run_by_ci(&line, &ci_script),
                        ));
                    }
                    Mark::Exits(_) => {}
                }
            }
            if block
                .lines
                .iter()
                .any(|line| matches!(line.mark, Mark::Exits(_)))
            {
                let bin_dir = bin_dir.clone();
                let scratch = scratch_root.join(format!("block-{count}"));
                let place = block.place.clone();
                trials.push(Trial::ignorable_test(place, move || {
                    run_block(&block, &bin_dir, &scratch)
                }));
            }
        }
    }
    trials.push(Trial::test(
        "the_convention_reads_documents_as_written",
        convention_self_test,
    ));
    let links_root = root.clone();
    trials.push(Trial::test("every_relative_link_resolves", move || {
        relative_links_resolve(&links_root)
    }));
    let complete_root = root.clone();
    trials.push(Trial::test(
        "the_repository_is_complete_on_its_own",
        move || complete_on_its_own(&complete_root),
    ));
    let msrv_root = root.clone();
    trials.push(Trial::test(
        "the_stated_rust_version_builds_the_locked_tree",
        move || rust_version_holds(&msrv_root),
    ));
    let conclusion = mjconform::commands::self_tests::run_self_tests(&arguments, trials);
    let _ = std::fs::remove_dir_all(&scratch_root);
    conclusion.exit_code()
}

/// The extraction itself: marks, continuations, yaml `run:` lines, other languages skipped.
fn convention_self_test() -> Result<(), Failed> {
    let text = "intro\n```sh\n# a comment\nmjconform check \\\n  --seed 7   # exits 1\ncargo install --path .  # not run: installs\n```\n```rust\nnot a command\n```\n```yaml\nsteps:\n  - run: cargo test --all-targets  # run by .ci/run\n```\n";
    let found = blocks("x.md", text);
    let lines: Vec<(String, String, Mark)> = found
        .iter()
        .flat_map(|block| block.lines.iter())
        .map(|line| {
            (
                line.place.clone(),
                command_of(&line.text).to_owned(),
                line.mark.clone(),
            )
        })
        .collect();
    let expected = vec![
        (
            "x.md:4".to_owned(),
            "mjconform check  --seed 7".to_owned(),
            Mark::Exits(1),
        ),
        (
            "x.md:6".to_owned(),
            "cargo install --path .".to_owned(),
            Mark::NotRun("installs".to_owned()),
        ),
        (
            "x.md:13".to_owned(),
            "cargo test --all-targets".to_owned(),
            Mark::RunByCi,
        ),
    ];
    if lines != expected {
        return Err(format!("{lines:?}").into());
    }
    let run = substitute(
        "cargo test -- --target-url https://relay.example/ x",
        Some("http://127.0.0.1:9/"),
    );
    if run != "mjconform check --target-url http://127.0.0.1:9/ x" {
        return Err(run.into());
    }
    if port_zero("mjconform mock --port 8080 --fault x") != "mjconform mock --port 0 --fault x" {
        return Err("port".into());
    }
    let marked = r#"mjconform check --seed 7  # exits 1; prints "12 requests sent" prints "1 new""#;
    if mark_of(marked) != Mark::Exits(1)
        || prints_of(marked) != ["12 requests sent", "1 new"]
        || !prints_of("mjconform check").is_empty()
        || mark_of(r#"mjconform mock --list-faults  # prints "x""#) != Mark::Exits(0)
    {
        return Err(format!("prints marks: {:?}", prints_of(marked)).into());
    }
    Ok(())
}

/// Every relative link of the README and the docs names a file of the repository.
fn relative_links_resolve(root: &Path) -> Result<(), Failed> {
    let mut broken = Vec::new();
    for path in documents(root) {
        let text = std::fs::read_to_string(&path)?;
        let dir = path.parent().unwrap_or(root);
        for (_, rest) in text
            .match_indices("](")
            .map(|(at, _)| ((), &text[at + 2..]))
        {
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.contains("://") || target.starts_with('#') || target.contains(' ') {
                continue;
            }
            let file = target.split('#').next().unwrap_or_default();
            if !dir.join(file).exists() {
                broken.push(format!("{}: {target}", path.display()));
            }
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(format!("links to nothing:\n{}", broken.join("\n")).into())
    }
}

/// A clone has no notes from outside the repository: nothing may send a reader there.
fn complete_on_its_own(root: &Path) -> Result<(), Failed> {
    let needle = format!("{}/{}", "shared", "research");
    let seed = format!("{}/{}", "shared", "seed");
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = [
        "README.md",
        "ARCHITECTURE.md",
        "CHANGELOG.md",
        "docs",
        "src",
        "spec",
        "tests",
        "benches",
    ]
    .iter()
    .map(|name| root.join(name))
    .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            if text.contains(&needle) || text.contains(&seed) {
                found.push(path.display().to_string());
            }
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "these files point outside the repository:\n{}",
            found.join("\n")
        )
        .into())
    }
}

/// `rust-version` in Cargo.toml (and the README's "Rust toolchain (X or newer)") is at least
/// what every package of the locked build needs: cargo refuses to build a dependency whose
/// own `rust-version` is newer than the toolchain, so `cargo install --locked` on the stated
/// version would fail otherwise. Our own code's use of std is held to it by clippy's
/// `incompatible_msrv` lint (`.ci/run` runs clippy with `-D warnings`). Building with that
/// exact toolchain needs it installed, which this offline test does not assume.
fn rust_version_holds(root: &Path) -> Result<(), Failed> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let manifest: toml::Table = toml::from_str(&manifest)?;
    let declared = manifest
        .get("package")
        .and_then(|package| package.get("rust-version"))
        .and_then(|version| version.as_str())
        .ok_or("Cargo.toml has no package.rust-version")?
        .to_owned();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let host = Command::new("rustc").arg("-vV").output()?;
    let host = String::from_utf8_lossy(&host.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .ok_or("rustc -vV names no host")?;
    let output = Command::new(&cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let root_id = metadata["resolve"]["root"]
        .as_str()
        .ok_or("no root package")?;
    let nodes = metadata["resolve"]["nodes"]
        .as_array()
        .ok_or("no resolve")?;
    // What `cargo install` builds: normal and build dependencies, transitively.
    let mut needed = vec![root_id.to_owned()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(id) = needed.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(node) = nodes.iter().find(|node| node["id"] == id.as_str()) else {
            continue;
        };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let built = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|kind| kind["kind"].is_null() || kind["kind"] == "build");
            if built {
                if let Some(pkg) = dep["pkg"].as_str() {
                    needed.push(pkg.to_owned());
                }
            }
        }
    }
    // `1.89` and `1.89.0` are the same version: compare three parts.
    let parse = |version: &str| -> Vec<u32> {
        let mut parts: Vec<u32> = version
            .split('.')
            .map(|part| part.parse().unwrap_or(0))
            .collect();
        parts.resize(3, 0);
        parts
    };
    let mut newest: Option<(Vec<u32>, String)> = None;
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let (Some(id), Some(version)) = (package["id"].as_str(), package["rust_version"].as_str())
        else {
            continue;
        };
        if seen.contains(id)
            && newest
                .as_ref()
                .is_none_or(|(best, _)| parse(version) > *best)
        {
            newest = Some((parse(version), format!("{} {version}", package["name"])));
        }
    }
    if let Some((version, who)) = &newest {
        if *version > parse(&declared) {
            return Err(format!(
                "rust-version {declared} is older than the locked tree needs: {who}"
            )
            .into());
        }
    }
    let readme = std::fs::read_to_string(root.join("README.md"))?;
    if !readme.contains(&format!("({declared} or newer)")) {
        return Err(format!("the README does not state Rust {declared} or newer").into());
    }
    Ok(())
}
