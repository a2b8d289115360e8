//! Replaying one case: the `--fuzz-replay` token a failure prints, and the one command line
//! that reruns exactly that case.
//!
//! The token spells the input itself, not a position in the random stream, so it replays
//! the same request whatever the seed or the proptest version. It never holds the key:
//! credentials name it symbolically (`token=key`, `token=cut:5`).
//!
//! Grammar (percent-encoded parts use RFC 3986 unreserved characters and `%XX`):
//!
//! ```text
//! ids:<pct>                 the id
//! ids:<pct char>*<count>    one character repeated
//! credentials:none          no credential header
//! credentials:<value>[+<value>]
//!   value := field[,field...]   scheme=<letters> gap=<n> lead=<n> trail=<n> token=<token>
//!   token := key | swapcase | first-encoded | text:<pct> | prefix:<pct> | suffix:<pct> | cut:<n> | repeat:<pct char>*<n>
//! ```
//!
//! A printed replay adds `@<conditions>`, what the environment of the run could change
//! without the command line saying so (see [`Conditions`]): a replay under other conditions
//! is refused, never run, because it could pass where the original failed.

use std::fmt;
use std::str::FromStr;

use super::credentials::{CredentialInput, CredentialValue, Scheme, Token};
use super::ids::IdInput;
use super::input::Input;
use crate::http::auth::KeyPlacement;
use crate::message::failure::shell_quote;
use crate::run::cli::{Invocation, RunArgs};

/// The longest repeat a token may ask for: far above the 16 KiB generated, far below what
/// would exhaust memory.
const MAX_REPEAT: usize = 1 << 20;

/// One case to replay instead of generating a campaign (`--fuzz-replay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayCase(pub Input);

/// A `--fuzz-replay` value that is not a case token; the message says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read the fuzz case: {0}")]
pub struct ReplayError(String);

/// What a run was like beyond its command line: where its requests went, whether it sent a
/// key and where, whether it was given task ids. Each can come from the environment
/// (`MJ_TARGET_URL`, `MJ_API_KEY`, `MJ_KEY_PLACEMENT`, `MJ_TASK_IDS`), so a printed command
/// alone cannot pin it: a replay without the key, say, sends no credential, gets a refusal
/// and passes. The seed does not matter (the token spells the input).
///
/// Written `embedded,ids`, `target,key=bearer,noids`, `target,nokey,ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conditions {
    /// The embedded reference provider was the target (its key is generated each run).
    pub embedded: bool,
    /// Where the key went, when a key was sent to a target.
    pub key: Option<KeyPlacement>,
    /// Whether task ids were given (credential cases ask for the first one).
    pub task_ids: bool,
}

impl Conditions {
    /// The conditions of a run with these options.
    pub fn of(args: &RunArgs, embedded: bool, placement: &KeyPlacement) -> Conditions {
        Conditions {
            embedded,
            key: (!embedded && args.api_key.is_some()).then(|| placement.clone()),
            task_ids: !args.task_ids.is_empty(),
        }
    }

    /// Whether a run with `args` replays under these conditions; if not, what differs and
    /// how to fix it, in words that follow "failed to replay the fuzz case: ".
    pub fn check(&self, args: &RunArgs) -> Result<(), String> {
        match (self.embedded, &args.target_url) {
            (true, Some(_)) => {
                return Err(
                    "it was found against the embedded provider, but a target is given \
                            (--target-url or MJ_TARGET_URL): leave it out"
                        .to_owned(),
                )
            }
            (false, None) => {
                return Err(
                    "it was found against a target, and no --target-url is given: \
                            run the printed command whole"
                        .to_owned(),
                )
            }
            _ => {}
        }
        if !self.embedded {
            match (&self.key, &args.api_key) {
                (Some(_), None) => {
                    return Err("it was found with a key, and none is given now: set \
                                MJ_API_KEY (without it the request carries no key and could \
                                pass where the original failed)"
                        .to_owned())
                }
                (None, Some(_)) => {
                    return Err("it was found without a key, and one is given now \
                                (--api-key or MJ_API_KEY): unset it"
                        .to_owned())
                }
                (Some(placement), Some(_)) if *placement != current_placement(args) => {
                    return Err(format!(
                        "the key was sent as `{placement}` and would now go as `{}`: add \
                         --key-placement {placement}",
                        current_placement(args)
                    ))
                }
                _ => {}
            }
        }
        match (self.task_ids, args.task_ids.is_empty()) {
            (true, true) => Err(
                "it was found with --task-id ids, and none is given now: run \
                                 the printed command whole"
                    .to_owned(),
            ),
            (false, false) => Err("it was found without task ids, and some are given now \
                                   (--task-id or MJ_TASK_IDS): unset MJ_TASK_IDS"
                .to_owned()),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Conditions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.embedded {
            f.write_str("embedded")?;
        } else {
            f.write_str("target,")?;
            match &self.key {
                Some(placement) => write!(f, "key={placement}")?,
                None => f.write_str("nokey")?,
            }
        }
        f.write_str(if self.task_ids { ",ids" } else { ",noids" })
    }
}

impl FromStr for Conditions {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut conditions = Conditions {
            embedded: false,
            key: None,
            task_ids: false,
        };
        let (mut target, mut key, mut ids) = (false, false, false);
        for word in text.split(',') {
            match word {
                "embedded" if !target => (conditions.embedded, target) = (true, true),
                "target" if !target => target = true,
                "nokey" if !key => key = true,
                "ids" | "noids" if !ids => (conditions.task_ids, ids) = (word == "ids", true),
                _ => match word.strip_prefix("key=") {
                    Some(placement) if !key => {
                        key = true;
                        conditions.key = Some(
                            placement
                                .parse()
                                .map_err(|_| format!("`{placement}` is not a key placement"))?,
                        );
                    }
                    _ => return Err(format!("`{word}` in `@{text}` is not a run condition")),
                },
            }
        }
        if !target || !ids || (key == conditions.embedded) {
            return Err(format!(
                "`@{text}` does not say where the case was found (e.g. `@target,key=bearer,ids`)"
            ));
        }
        Ok(conditions)
    }
}

/// The `--fuzz-replay` value: a case and, when printed by a run, the run's conditions.
/// A token written by hand may leave the conditions out; then nothing is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayArg {
    pub case: ReplayCase,
    pub conditions: Option<Conditions>,
}

impl fmt::Display for ReplayArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.case)?;
        if let Some(conditions) = &self.conditions {
            write!(f, "@{conditions}")?;
        }
        Ok(())
    }
}

impl FromStr for ReplayArg {
    type Err = ReplayError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // A token never holds a raw `@` (it is %-encoded), so the last one starts the
        // conditions.
        match text.rsplit_once('@') {
            Some((case, conditions)) => Ok(ReplayArg {
                case: case.parse()?,
                conditions: Some(conditions.parse().map_err(ReplayError)?),
            }),
            None => Ok(ReplayArg {
                case: text.parse()?,
                conditions: None,
            }),
        }
    }
}

/// clap's value parser for `--fuzz-replay`.
pub fn parse_replay_arg(value: &str) -> Result<ReplayArg, ReplayError> {
    value.parse()
}

/// The run's `--fuzz-replay`, read and checked against the conditions it was found under:
/// a replay that cannot reproduce them is refused, never run.
pub fn for_run(args: &RunArgs) -> Result<Option<ReplayArg>, String> {
    let Some(text) = &args.fuzz_replay else {
        return Ok(None);
    };
    let arg = parse_replay_arg(text).map_err(|err| format!("`--fuzz-replay {text}`: {err}"))?;
    if let Some(conditions) = &arg.conditions {
        conditions.check(args)?;
    }
    Ok(Some(arg))
}

fn encode(text: &str) -> String {
    crate::http::client::encode_path_segment(text)
}

fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| format!("`{text}` has a bad %-escape at byte {i}"))?;
                out.push(hex);
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => {
                out.push(b);
                i += 1;
            }
            b => {
                return Err(format!(
                    "`{text}` holds `{}`, which must be %-encoded",
                    b as char
                ))
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{text}` does not decode to UTF-8"))
}

/// `<pct char>*<count>`: one character and how often it repeats.
fn decode_repeat(text: &str) -> Result<(char, usize), String> {
    let (unit, count) = text
        .rsplit_once('*')
        .ok_or_else(|| format!("`{text}` is not `<char>*<count>`"))?;
    let unit = decode(unit)?;
    let mut chars = unit.chars();
    let (Some(unit), None) = (chars.next(), chars.next()) else {
        return Err(format!("`{text}` repeats more or less than one character"));
    };
    let count = number(count)?;
    if count == 0 || count > MAX_REPEAT {
        return Err(format!(
            "`{text}` repeats 0 or more than {MAX_REPEAT} times"
        ));
    }
    Ok((unit, count))
}

fn number<T: FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a small whole number"))
}

fn write_token(f: &mut fmt::Formatter<'_>, token: &Token) -> fmt::Result {
    match token {
        Token::Key => f.write_str("key"),
        Token::SwapCase => f.write_str("swapcase"),
        Token::FirstEncoded => f.write_str("first-encoded"),
        Token::Text(text) => write!(f, "text:{}", encode(text)),
        Token::Prefixed(text) => write!(f, "prefix:{}", encode(text)),
        Token::Suffixed(text) => write!(f, "suffix:{}", encode(text)),
        Token::Cut(n) => write!(f, "cut:{n}"),
        Token::Repeat { unit, count } => {
            write!(f, "repeat:{}*{count}", encode(&unit.to_string()))
        }
    }
}

fn write_value(f: &mut fmt::Formatter<'_>, value: &CredentialValue) -> fmt::Result {
    if let Scheme::Named(name) = &value.scheme {
        write!(f, "scheme={name},")?;
    }
    if value.gap != 1 {
        write!(f, "gap={},", value.gap)?;
    }
    if value.lead != 0 {
        write!(f, "lead={},", value.lead)?;
    }
    if value.trail != 0 {
        write!(f, "trail={},", value.trail)?;
    }
    f.write_str("token=")?;
    write_token(f, &value.token)
}

fn parse_token(text: &str) -> Result<Token, String> {
    match text {
        "key" => return Ok(Token::Key),
        "swapcase" => return Ok(Token::SwapCase),
        "first-encoded" => return Ok(Token::FirstEncoded),
        _ => {}
    }
    let (kind, rest) = text
        .split_once(':')
        .ok_or_else(|| format!("unknown token `{text}`"))?;
    Ok(match kind {
        "text" => Token::Text(decode(rest)?),
        "prefix" => Token::Prefixed(decode(rest)?),
        "suffix" => Token::Suffixed(decode(rest)?),
        "cut" => Token::Cut(number(rest)?),
        "repeat" => {
            let (unit, count) = decode_repeat(rest)?;
            Token::Repeat { unit, count }
        }
        _ => return Err(format!("unknown token kind `{kind}`")),
    })
}

fn parse_value(text: &str) -> Result<CredentialValue, String> {
    let mut value = CredentialValue {
        scheme: Scheme::Placement,
        gap: 1,
        lead: 0,
        trail: 0,
        token: Token::Key,
    };
    let mut token = None;
    for field in text.split(',') {
        let (name, field_value) = field
            .split_once('=')
            .ok_or_else(|| format!("`{field}` is not `name=value`"))?;
        match name {
            "scheme"
                if !field_value.is_empty()
                    && field_value.len() <= 32
                    && field_value.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                value.scheme = Scheme::Named(field_value.to_owned())
            }
            "scheme" => return Err(format!("scheme `{field_value}` is not a word")),
            "gap" => value.gap = number(field_value)?,
            "lead" => value.lead = number(field_value)?,
            "trail" => value.trail = number(field_value)?,
            "token" => token = Some(parse_token(field_value)?),
            _ => return Err(format!("unknown field `{name}`")),
        }
    }
    value.token = token.ok_or_else(|| format!("`{text}` has no token"))?;
    Ok(value)
}

impl fmt::Display for ReplayCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Input::Id(IdInput::Text(id)) => write!(f, "ids:{}", encode(id)),
            Input::Id(IdInput::Repeat { unit, count }) => {
                write!(f, "ids:{}*{count}", encode(&unit.to_string()))
            }
            Input::Credential(CredentialInput::Absent) => f.write_str("credentials:none"),
            Input::Credential(CredentialInput::One(value)) => {
                f.write_str("credentials:")?;
                write_value(f, value)
            }
            Input::Credential(CredentialInput::Twice(first, second)) => {
                f.write_str("credentials:")?;
                write_value(f, first)?;
                f.write_str("+")?;
                write_value(f, second)
            }
        }
    }
}

impl FromStr for ReplayCase {
    type Err = ReplayError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_case(text).map(ReplayCase).map_err(ReplayError)
    }
}

fn parse_case(text: &str) -> Result<Input, String> {
    let (domain, rest) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not `ids:...` or `credentials:...`"))?;
    let input = match domain {
        "ids" if rest.contains('*') => {
            let (unit, count) = decode_repeat(rest)?;
            Input::Id(IdInput::Repeat { unit, count })
        }
        "ids" => Input::Id(IdInput::Text(decode(rest)?)),
        "credentials" if rest == "none" => Input::Credential(CredentialInput::Absent),
        "credentials" => {
            let values = rest
                .split('+')
                .map(parse_value)
                .collect::<Result<Vec<_>, _>>()?;
            let mut values = values.into_iter();
            match (values.next(), values.next(), values.next()) {
                (Some(one), None, None) => Input::Credential(CredentialInput::One(one)),
                (Some(first), Some(second), None) => {
                    Input::Credential(CredentialInput::Twice(first, second))
                }
                _ => return Err(format!("`{text}` holds more than two credentials")),
            }
        }
        _ => return Err(format!("unknown fuzz domain `{domain}`")),
    };
    Ok(input)
}

/// The one command line that reruns exactly `trial` on the replayed case, in the form the
/// run was started with (`invocation`): the target and what shapes the request (task ids,
/// placement), what changes the verdict (spec or dialect, levels, `--max-response-time`), the seed, the token with the run's [`Conditions`], `--exact`.
/// The key is never on it; the caller says to set `MJ_API_KEY`.
pub fn rerun_command(
    args: &RunArgs,
    embedded: bool,
    placement: &KeyPlacement,
    replay: &ReplayCase,
    trial: &str,
    invocation: &Invocation,
) -> String {
    let mut words = invocation.command_prefix();
    let mut flag = |name: &str, value: &str| {
        words.push(name.to_owned());
        words.push(shell_quote(value));
    };
    if let (false, Some(url)) = (embedded, &args.target_url) {
        flag("--target-url", url);
    }
    // Every option that changes a verdict goes on the line: run without `--dialect`, the
    // case is judged against the doc, where it may pass.
    if args.key_placement.is_some() || (!embedded && *placement != KeyPlacement::Bearer) {
        flag("--key-placement", &placement.to_string());
    }
    if let Some(dialect) = args.dialect {
        flag("--dialect", dialect.name);
    }
    for id in &args.task_ids {
        flag("--task-id", id);
    }
    if let Some(id) = &args.unknown_id {
        flag("--unknown-id", id);
    }
    if let Some(spec) = &args.spec {
        flag("--spec", &spec.display().to_string());
    }
    if let Some(limit) = args.max_response_time {
        flag("--max-response-time", &format!("{}s", limit.as_secs_f64()));
    }
    let levels = args.levels().as_flags();
    for pair in levels.chunks(2) {
        if let [level, check] = pair {
            flag(level, check);
        }
    }
    flag("--seed", &args.seed.to_string());
    let replay = ReplayArg {
        case: replay.clone(),
        conditions: Some(Conditions::of(args, embedded, placement)),
    };
    flag("--fuzz-replay", &replay.to_string());
    flag("--exact", trial);
    words.join(" ")
}

/// Where this run would put the key: `--key-placement`, else its contract's scheme.
fn current_placement(args: &RunArgs) -> KeyPlacement {
    args.contract()
        .map(|contract| args.placement_for(&contract))
        .unwrap_or_else(|_| args.key_placement.clone().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(input: Input) {
        let token = ReplayCase(input.clone()).to_string();
        let back: ReplayCase = token.parse().unwrap_or_else(|err| panic!("{token}: {err}"));
        assert_eq!(back.0, input, "{token}");
    }

    #[test]
    fn tokens_read_well() {
        let id = |text: &str| ReplayCase(Input::Id(IdInput::Text(text.into()))).to_string();
        assert_eq!(id("%"), "ids:%25");
        assert_eq!(id("1747"), "ids:1747");
        assert_eq!(id(""), "ids:");
        let long = ReplayCase(Input::Id(IdInput::Repeat {
            unit: 'a',
            count: 16384,
        }));
        assert_eq!(long.to_string(), "ids:a*16384");
        let cut = CredentialInput::One(CredentialValue {
            scheme: Scheme::Named("bearer".into()),
            gap: 2,
            lead: 0,
            trail: 1,
            token: Token::Cut(5),
        });
        assert_eq!(
            ReplayCase(Input::Credential(cut)).to_string(),
            "credentials:scheme=bearer,gap=2,trail=1,token=cut:5"
        );
    }

    #[test]
    fn bad_tokens_are_refused_with_a_reason() {
        for (bad, why) in [
            ("nothing", "is not `ids:"),
            ("ids:a b", "must be %-encoded"),
            ("ids:%G1", "bad %-escape"),
            ("ids:%FF", "UTF-8"),
            ("ids:ab*3", "more or less than one character"),
            ("ids:a*99999999", "more than"),
            ("credentials:token=secret", "unknown token"),
            ("credentials:gap=1", "has no token"),
            ("credentials:scheme=a b,token=key", "is not a word"),
            ("credentials:scheme=1,token=key", "is not a word"),
            ("keys:x", "unknown fuzz domain"),
        ] {
            let err = bad.parse::<ReplayCase>().unwrap_err().to_string();
            assert!(err.starts_with("read the fuzz case: "), "{err}");
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn the_rerun_command_names_the_case_but_not_the_key() {
        let args = crate::run::cli::parse_run_args(&[
            "--target-url".to_owned(),
            "http://127.0.0.1:9/".to_owned(),
            "--api-key".to_owned(),
            "sk-secret".to_owned(),
            "--task-id".to_owned(),
            "1747".to_owned(),
            "--seed".to_owned(),
            "7".to_owned(),
        ])
        .unwrap();
        let replay = ReplayCase(Input::Id(IdInput::Text("a b".into())));
        let command = rerun_command(
            &args,
            false,
            &KeyPlacement::Header("mj-api-secret".into()),
            &replay,
            "fuzz::ids::not_a_server_error",
            &Invocation::CargoTest,
        );
        assert_eq!(
            command,
            "cargo test --test conformance -- --target-url http://127.0.0.1:9/ \
             --key-placement header:mj-api-secret --task-id 1747 --seed 7 \
             --fuzz-replay ids:a%20b@target,key=header:mj-api-secret,ids \
             --exact fuzz::ids::not_a_server_error"
        );
        assert!(!command.contains("sk-secret"));
        let cli = Invocation::Cli {
            program: "mjconform".to_owned(),
        };
        let command = rerun_command(&args, true, &KeyPlacement::Bearer, &replay, "t", &cli);
        assert_eq!(
            command,
            "mjconform check --task-id 1747 --seed 7 --fuzz-replay ids:a%20b@embedded,ids --exact t"
        );
    }

    /// Every option that changes a verdict is on the printed line, so the line judges as the
    /// run did: the dialect, the placement asked for, the levels, the response-time limit.
    #[test]
    fn the_rerun_command_carries_every_option_that_changes_a_verdict() {
        let run = args(&[
            "--target-url",
            "http://127.0.0.1:9/",
            "--api-key",
            "sk-secret",
            "--dialect",
            "java-original",
            "--deny",
            "head_supported,scheme_case_like_bearer",
            "--allow",
            "time_order",
            "--max-response-time",
            "1500ms",
        ]);
        let placement = current_placement(&run);
        let replay = ReplayCase(Input::Id(IdInput::Text("a".into())));
        let cli = Invocation::Cli {
            program: "mjconform".to_owned(),
        };
        let command = rerun_command(&run, false, &placement, &replay, "t", &cli);
        for part in [
            "--dialect java-original",
            "--deny head_supported",
            "--deny scheme_case_like_bearer",
            "--allow time_order",
            "--max-response-time 1.5s",
        ] {
            assert!(command.contains(part), "{part} missing: {command}");
        }
        assert!(!command.contains("sk-secret"));
        // The printed line parses back into the same options.
        let words: Vec<String> = command
            .split_whitespace()
            .skip(2)
            .map(str::to_owned)
            .collect();
        let (ours, _) = crate::run::cli::split_args(
            std::iter::once("mjconform".to_owned()).chain(words),
        );
        let again = crate::run::cli::parse_run_args(&ours).unwrap();
        assert_eq!(again.dialect.map(|d| d.name), Some("java-original"));
        assert_eq!(again.levels(), run.levels());
        assert_eq!(again.max_response_time, run.max_response_time);
        assert_eq!(current_placement(&again), placement);
    }

    fn args(words: &[&str]) -> RunArgs {
        let words: Vec<String> = words.iter().map(|word| word.to_string()).collect();
        crate::run::cli::parse_run_args(&words).unwrap()
    }

    #[test]
    fn conditions_round_trip_and_refuse_what_differs() {
        for text in [
            "embedded,ids",
            "embedded,noids",
            "target,nokey,ids",
            "target,key=bearer,noids",
            "target,key=header:mj-api-secret,ids",
        ] {
            let conditions: Conditions = text.parse().unwrap();
            assert_eq!(conditions.to_string(), text);
        }
        for bad in [
            "",
            "target",
            "target,ids",
            "embedded,key=raw,ids",
            "target,nokey,ids,ids",
            "x",
        ] {
            assert!(bad.parse::<Conditions>().is_err(), "{bad}");
        }
        let url = "http://127.0.0.1:9/";
        let keyed: Conditions = "target,key=bearer,ids".parse().unwrap();
        assert!(keyed
            .check(&args(&[
                "--target-url",
                url,
                "--api-key",
                "k",
                "--task-id",
                "1"
            ]))
            .is_ok());
        let no_key = keyed
            .check(&args(&["--target-url", url, "--task-id", "1"]))
            .unwrap_err();
        assert!(no_key.contains("set MJ_API_KEY"), "{no_key}");
        let placed = keyed
            .check(&args(&[
                "--target-url",
                url,
                "--api-key",
                "k",
                "--task-id",
                "1",
                "--key-placement",
                "raw",
            ]))
            .unwrap_err();
        assert!(placed.contains("--key-placement bearer"), "{placed}");
        let no_target = keyed
            .check(&args(&["--api-key", "k", "--task-id", "1"]))
            .unwrap_err();
        assert!(no_target.contains("--target-url"), "{no_target}");
        let keyless: Conditions = "target,nokey,noids".parse().unwrap();
        assert!(keyless.check(&args(&["--target-url", url])).is_ok());
        let extra_key = keyless
            .check(&args(&["--target-url", url, "--api-key", "k"]))
            .unwrap_err();
        assert!(extra_key.contains("unset it"), "{extra_key}");
        let extra_ids = keyless
            .check(&args(&["--target-url", url, "--task-id", "1"]))
            .unwrap_err();
        assert!(extra_ids.contains("MJ_TASK_IDS"), "{extra_ids}");
        let embedded: Conditions = "embedded,noids".parse().unwrap();
        assert!(embedded.check(&args(&[])).is_ok());
        assert!(embedded.check(&args(&["--target-url", url])).is_err());
    }

    #[test]
    fn a_replay_arg_may_leave_the_conditions_out() {
        let bare: ReplayArg = "ids:%40".parse().unwrap();
        assert_eq!(bare.conditions, None);
        assert_eq!(bare.case.0, Input::Id(IdInput::Text("@".into())));
        let full: ReplayArg = "ids:%40@target,nokey,ids".parse().unwrap();
        assert_eq!(full.to_string(), "ids:%40@target,nokey,ids");
        assert!("ids:1@somewhere".parse::<ReplayArg>().is_err());
    }

    fn any_token() -> impl Strategy<Value = Token> {
        prop_oneof![
            Just(Token::Key),
            any::<String>().prop_map(Token::Text),
            any::<String>().prop_map(Token::Prefixed),
            any::<String>().prop_map(Token::Suffixed),
            (0usize..100).prop_map(Token::Cut),
            (any::<char>(), 1usize..5000).prop_map(|(unit, count)| Token::Repeat { unit, count }),
        ]
    }

    fn any_value() -> impl Strategy<Value = CredentialValue> {
        (
            prop_oneof![
                Just(Scheme::Placement),
                "[A-Za-z]{1,10}".prop_map(Scheme::Named)
            ],
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any_token(),
        )
            .prop_map(|(scheme, gap, lead, trail, token)| CredentialValue {
                scheme,
                gap,
                lead,
                trail,
                token,
            })
    }

    proptest! {
        #[test]
        fn every_input_survives_its_token(
            id in any::<String>(),
            unit in any::<char>(),
            count in 1usize..20000,
            first in any_value(),
            second in any_value(),
        ) {
            round_trip(Input::Id(IdInput::Text(id)));
            round_trip(Input::Id(IdInput::Repeat { unit, count }));
            round_trip(Input::Credential(CredentialInput::Absent));
            round_trip(Input::Credential(CredentialInput::One(first.clone())));
            round_trip(Input::Credential(CredentialInput::Twice(first, second)));
        }
    }
}
