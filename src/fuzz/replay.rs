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
//!   token := key | text:<pct> | prefix:<pct> | suffix:<pct> | cut:<n> | repeat:<pct char>*<n>
//! ```

use std::fmt;
use std::str::FromStr;

use super::credentials::{CredentialInput, CredentialValue, Scheme, Token};
use super::ids::IdInput;
use super::input::Input;
use crate::auth::KeyPlacement;
use crate::cli::RunArgs;
use crate::report::shell_quote;

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

/// clap's value parser for `--fuzz-replay`.
pub fn parse_replay_arg(value: &str) -> Result<ReplayCase, ReplayError> {
    value.parse()
}

fn encode(text: &str) -> String {
    crate::client::encode_path_segment(text)
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
    if text == "key" {
        return Ok(Token::Key);
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

/// The one command line that reruns exactly `trial` on the replayed case: the target and
/// what shapes the request (task ids, placement, spec), the seed, the token, `--exact`.
/// The key is never on it; the caller says to set `MJ_API_KEY`.
pub fn rerun_command(
    args: &RunArgs,
    embedded: bool,
    placement: &KeyPlacement,
    replay: &ReplayCase,
    trial: &str,
) -> String {
    let mut words: Vec<String> = ["cargo", "test", "--test", "conformance", "--"]
        .iter()
        .map(|word| word.to_string())
        .collect();
    let mut flag = |name: &str, value: &str| {
        words.push(name.to_owned());
        words.push(shell_quote(value));
    };
    if let (false, Some(url)) = (embedded, &args.target_url) {
        flag("--target-url", url);
    }
    if !embedded && *placement != KeyPlacement::Bearer {
        flag("--key-placement", &placement.to_string());
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
    flag("--seed", &args.seed.to_string());
    flag("--fuzz-replay", &replay.to_string());
    flag("--exact", trial);
    words.join(" ")
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
        let args = crate::cli::parse_run_args(&[
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
        );
        assert_eq!(
            command,
            "cargo test --test conformance -- --target-url http://127.0.0.1:9/ \
             --key-placement header:mj-api-secret --task-id 1747 --seed 7 \
             --fuzz-replay ids:a%20b --exact fuzz::ids::not_a_server_error"
        );
        assert!(!command.contains("sk-secret"));
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
