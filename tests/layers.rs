//! The layering stays true: read every `crate::…` and `super::…` path in `src/`, draw the
//! import graph between files, and fail on an upward import between layers or on a circle
//! between files.
//!
//! The layers and their order are data in one place, the `Layers, bottom to top:` line of
//! `ARCHITECTURE.md`, and must name exactly the folders (and files) of `src/` beside
//! `lib.rs` and `main.rs`. A file may import its own layer and every layer below it.
//! An import of a module's own ancestor (`super::X` where `X` is re-exported by the folder's
//! `mod.rs`) is the folder's facade, not an edge. The reader is a few lines of text
//! scanning, not a Rust parser: `tests/layers.rs`'s own self-test pins what it reads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use libtest_mimic::{Failed, Trial};

fn main() -> ExitCode {
    let args = mjconform::commands::self_tests::test_arguments();
    let trials = vec![
        Trial::test("layers::architecture_names_every_folder_of_src", || {
            let root = root();
            let layers = declared_layers(&root)?;
            let mut declared: Vec<String> = layers.clone();
            declared.sort();
            let present = top_level_modules(&root.join("src"));
            if declared != present {
                return Err(format!(
                    "ARCHITECTURE.md's layers {layers:?} are not the modules of src/ {present:?}"
                )
                .into());
            }
            Ok(())
        }),
        Trial::test("layers::no_upward_import", || {
            let root = root();
            let layers = declared_layers(&root)?;
            let graph = Graph::read(&root.join("src"));
            let rank = |module: &str| {
                let top = module.split("::").next().unwrap_or_default();
                layers.iter().position(|layer| layer == top)
            };
            let mut upward = Vec::new();
            for (from, targets) in &graph.edges {
                for to in targets {
                    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
                        if b > a {
                            upward.push(format!("{from} -> {to}"));
                        }
                    }
                }
            }
            if upward.is_empty() {
                Ok(())
            } else {
                Err(format!("upward imports (layers {layers:?}):\n{}", upward.join("\n")).into())
            }
        }),
        Trial::test("layers::no_import_circle", || {
            let graph = Graph::read(&root().join("src"));
            let circles = graph.circles();
            if circles.is_empty() {
                Ok(())
            } else {
                let lines: Vec<String> = circles.iter().map(|c| c.join(" <-> ")).collect();
                Err(format!("import circles between files:\n{}", lines.join("\n")).into())
            }
        }),
        Trial::test("layers::the_reader_sees_imports", || {
            // The reader itself: a grouped, nested `use` is expanded, comments are not read,
            // and an edge to an ancestor is dropped.
            let text = "//! crate::ignored::x\nuse crate::a::{b::{c, d as e}, f};\n\
                        fn g() { crate::h::i(); super::j::k(); }\n";
            let paths = referenced_paths(text);
            let expect = [
                "crate::a::b::c",
                "crate::a::b::d",
                "crate::a::f",
                "crate::h::i",
                "super::j::k",
            ];
            if paths != expect {
                return Err(format!("read {paths:?}").into());
            }
            let graph = Graph::from_files(&[
                ("x::y", "use crate::x::Z; use crate::w::V;"),
                ("x", "use crate::x::y::Y;"),
                ("w", "use crate::x::y::Q;"),
            ]);
            let edges: Vec<(String, String)> = graph
                .edges
                .iter()
                .flat_map(|(a, bs)| bs.iter().map(move |b| (a.clone(), b.clone())))
                .collect();
            let expect = [("w", "x::y"), ("x", "x::y"), ("x::y", "w")];
            let expect: Vec<(String, String)> = expect
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            if edges != expect {
                return Err(format!("edges {edges:?}").into());
            }
            if graph.circles() != vec![vec!["w".to_owned(), "x::y".to_owned()]] {
                return Err(format!("circles {:?}", graph.circles()).into());
            }
            Ok(())
        }),
    ];
    libtest_mimic::run(&args, trials).exit_code()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The layer names of ARCHITECTURE.md's `Layers, bottom to top:` line, in order.
fn declared_layers(root: &Path) -> Result<Vec<String>, Failed> {
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md"))
        .map_err(|err| format!("read ARCHITECTURE.md: {err}"))?;
    let start = text
        .find("Layers, bottom to top:")
        .ok_or("ARCHITECTURE.md has no `Layers, bottom to top:` line")?;
    let paragraph = text[start..].split("\n\n").next().unwrap_or_default();
    let layers: Vec<String> = paragraph
        .split('→')
        .filter_map(|part| {
            let from = part.find('`')? + 1;
            let to = from + part[from..].find('`')?;
            Some(
                part[from..to]
                    .trim_end_matches(".rs")
                    .trim_end_matches('/')
                    .to_owned(),
            )
        })
        .collect();
    if layers.len() < 2 {
        return Err("ARCHITECTURE.md's layer line names fewer than two layers".into());
    }
    Ok(layers)
}

/// The modules declared at the top of `src/`: its folders and files, less the crate roots.
fn top_level_modules(src: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(src)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let path = entry.path();
                    let name = path.file_name()?.to_str()?.to_owned();
                    if path.is_dir() {
                        Some(name)
                    } else {
                        name.strip_suffix(".rs").map(str::to_owned)
                    }
                })
                .filter(|name| name != "lib" && name != "main")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Every `crate::…` and `super::…` path in `text`, comments left out and grouped `use`
/// lists expanded (`crate::a::{b, c::d}` is `crate::a::b` and `crate::a::c::d`).
fn referenced_paths(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let mut paths = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let root = ["crate::", "super::"]
            .into_iter()
            .find(|root| rest.starts_with(root));
        let boundary = at == 0
            || !(bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b':');
        match root {
            Some(root) if boundary => {
                let (expanded, used) = expand(&code[at + root.len()..]);
                let root = root.trim_end_matches("::");
                paths.extend(expanded.into_iter().map(|path| format!("{root}::{path}")));
                at += root.len() + 2 + used.max(1);
            }
            _ => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    paths
}

/// Reads a path after its root: segments joined by `::`, maybe ending in a `{…}` group.
/// Returns the expanded paths and how many bytes were read.
fn expand(text: &str) -> (Vec<String>, usize) {
    let ident = |s: &str| {
        s.char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(s.len(), |(i, _)| i)
    };
    let mut segments: Vec<&str> = Vec::new();
    let mut at = 0;
    loop {
        let len = ident(&text[at..]);
        if len > 0 {
            segments.push(&text[at..at + len]);
            at += len;
        }
        if text[at..].starts_with("::{") {
            at += 3;
            let mut expanded = Vec::new();
            loop {
                let trimmed = text[at..].len() - text[at..].trim_start().len();
                at += trimmed;
                if text[at..].starts_with('}') {
                    at += 1;
                    break;
                }
                if text[at..].is_empty() {
                    break;
                }
                let (inner, used) = expand(&text[at..]);
                at += used.max(1);
                for path in inner {
                    if path == "self" {
                        expanded.push(segments.join("::"));
                    } else {
                        expanded.push(format!("{}::{path}", segments.join("::")));
                    }
                }
                // Past an `as` rename and the separating comma.
                if let Some(end) = text[at..].find([',', '}']) {
                    at += end;
                    if text[at..].starts_with(',') {
                        at += 1;
                    }
                }
            }
            return (expanded, at);
        }
        if text[at..].starts_with("::") && len > 0 {
            at += 2;
            continue;
        }
        break;
    }
    if segments.is_empty() {
        (Vec::new(), at)
    } else {
        (vec![segments.join("::")], at)
    }
}

/// The import graph between the files (modules) of `src/`.
struct Graph {
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    fn read(src: &Path) -> Graph {
        let mut files = Vec::new();
        collect(src, src, &mut files);
        let owned: Vec<(String, String)> = files
            .into_iter()
            .filter_map(|(module, path)| Some((module, std::fs::read_to_string(path).ok()?)))
            .collect();
        let borrowed: Vec<(&str, &str)> = owned
            .iter()
            .map(|(m, t)| (m.as_str(), t.as_str()))
            .collect();
        Graph::from_files(&borrowed)
    }

    /// `files`: (module path, its text).
    fn from_files(files: &[(&str, &str)]) -> Graph {
        let modules: BTreeSet<&str> = files.iter().map(|(m, _)| *m).collect();
        let resolve = |path: &str| {
            let segments: Vec<&str> = path.split("::").collect();
            (1..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|candidate| modules.contains(candidate.as_str()))
        };
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, text) in files {
            // `super` is the parent of the file's module, whether the file is `a/b.rs` or
            // `a/b/mod.rs`. (Inside an inline `mod tests`, `super::*` is the file itself;
            // read as its parent it resolves to an ancestor, which is no edge.)
            let super_base = module
                .rsplit_once("::")
                .map_or(String::new(), |(p, _)| p.to_owned());
            for path in referenced_paths(text) {
                let absolute = if let Some(rest) = path.strip_prefix("crate::") {
                    rest.to_owned()
                } else if let Some(rest) = path.strip_prefix("super::") {
                    if super_base.is_empty() {
                        rest.to_owned()
                    } else {
                        format!("{super_base}::{rest}")
                    }
                } else {
                    continue;
                };
                let Some(target) = resolve(&absolute) else {
                    continue;
                };
                let ancestor = module.starts_with(&format!("{target}::"));
                if target != *module && !ancestor {
                    edges.entry(module.to_string()).or_default().insert(target);
                }
            }
        }
        Graph { edges }
    }

    /// Every set of two or more files that import each other, directly or not (Tarjan).
    fn circles(&self) -> Vec<Vec<String>> {
        struct State<'a> {
            graph: &'a Graph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on_stack: BTreeSet<&'a str>,
            circles: Vec<Vec<String>>,
        }
        fn visit<'a>(state: &mut State<'a>, node: &'a str) {
            let n = state.index.len();
            state.index.insert(node, n);
            state.low.insert(node, n);
            state.stack.push(node);
            state.on_stack.insert(node);
            let graph = state.graph;
            for next in graph.edges.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !state.index.contains_key(next) {
                    visit(state, next);
                    let low = state.low[node].min(state.low[next]);
                    state.low.insert(node, low);
                } else if state.on_stack.contains(next) {
                    let low = state.low[node].min(state.index[next]);
                    state.low.insert(node, low);
                }
            }
            if state.low[node] == state.index[node] {
                let mut circle = Vec::new();
                while let Some(top) = state.stack.pop() {
                    state.on_stack.remove(top);
                    circle.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if circle.len() > 1 {
                    circle.sort();
                    state.circles.push(circle);
                }
            }
        }
        let mut state = State {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            circles: Vec::new(),
        };
        let nodes: BTreeSet<&str> = self
            .edges
            .iter()
            .flat_map(|(a, bs)| std::iter::once(a.as_str()).chain(bs.iter().map(String::as_str)))
            .collect();
        for node in nodes {
            if !state.index.contains_key(node) {
                visit(&mut state, node);
            }
        }
        state.circles.sort();
        state.circles
    }
}

/// (module path, file path) for every `.rs` file under `dir`.
fn collect(src: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            collect(src, &path, out);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap_or(&path).with_extension("");
        let mut segments: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if segments.last().is_some_and(|last| last == "mod") {
            segments.pop();
        }
        if segments == ["lib"] || segments == ["main"] {
            continue;
        }
        out.push((segments.join("::"), path));
    }
}
