//! The names and ids of a run's planned requests: the unknown id shaped like the known ones,
//! the path variants a router may serve as the same resource, and the case names
//! (`task_<id>`, unique, safe in trial names and file names).

/// An id that cannot exist, shaped like the given ones: all zeros for numeric ids (real
/// ids are timestamp-based), a clearly synthetic string otherwise.
pub fn unknown_id_like(task_ids: &[String]) -> String {
    match task_ids.first() {
        Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            "0".repeat(id.len())
        }
        _ => "mjconform-no-such-task-0000000000".to_owned(),
    }
}

/// The variants of the fetch path `path` of `id` a router may take for it: a trailing slash,
/// a doubled slash, the id's first character percent-encoded (RFC 3986 makes it the same
/// id), and the first fixed segment in upper case.
pub fn path_variants(path: &str, id: &str) -> Vec<(&'static str, String)> {
    let mut variants = vec![("trailing_slash", format!("{path}/"))];
    if let Some(second) = path[1..].find('/').map(|at| at + 1) {
        variants.push((
            "doubled_slash",
            format!("{}/{}", &path[..second], &path[second..]),
        ));
    }
    let encoded = crate::http::request::encode_path_segment(id);
    if let (Some(first), Some(at)) = (id.chars().next(), path.find(&format!("/{encoded}/"))) {
        if first.is_ascii_alphanumeric() {
            let rest = &encoded[first.len_utf8()..];
            let mut changed = path[..=at].to_owned();
            changed.push_str(&format!("%{:02X}{rest}", first as u32));
            changed.push_str(&path[at + 1 + encoded.len()..]);
            variants.push(("encoded_id", changed));
        }
    }
    let first_segment = path[1..].split('/').next().unwrap_or_default();
    if first_segment.bytes().any(|b| b.is_ascii_lowercase()) {
        let upper = first_segment.to_ascii_uppercase();
        variants.push((
            "uppercase_segment",
            format!("/{upper}{}", &path[1 + first_segment.len()..]),
        ));
    }
    variants
}

/// What every known task's case name starts with.
pub const TASK_CASE_PREFIX: &str = "task_";

/// The case name for a task id, `task_<id>`: only characters that read well in a trial
/// name. Pass the id through the run's redactor first, so a key given as an id stays out.
pub fn task_case_name(id: &str) -> String {
    let mut cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    if cleaned.is_empty() {
        cleaned.push('_');
    }
    format!("{TASK_CASE_PREFIX}{cleaned}")
}

/// [`task_case_name`], made unique among the cases planned so far.
pub(super) fn case_name_for<'a>(id: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let base = task_case_name(id);
    let mut name = base.clone();
    let mut n = 2;
    while taken.clone().any(|taken| taken == name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

