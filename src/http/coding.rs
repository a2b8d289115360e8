//! The body as a client reads it: decoded from the codings its `Content-Encoding` names.
//!
//! The harness sends no `Accept-Encoding`, and RFC 9110 §12.5.3 lets a server send a coded
//! body all the same ("any content coding is considered acceptable"). Every client a user
//! has decodes gzip, deflate and br, so a body labelled with them is judged decoded. Both
//! readers of answers (the library and the wire reader) call [`decode`], the one place this
//! happens.
//!
//! The cap holds on both sides: a coded body is read off the connection under `--max-body`,
//! and its decoded form is read under the same cap, so a decompression bomb (a few KiB that
//! inflate to gigabytes) costs at most the cap, and is reported as a body longer than the
//! cap. A body that does not decode as labelled, or a coding no client knows, is recorded as
//! a problem; `Exchange::json` reports it (a client fails on it).

use std::io::Read as _;

use crate::http::request::TRUNCATED_BODY_KEPT;

/// What decoding did to a body, kept on the exchange for findings and excerpts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentCoding {
    /// The codings as the header lists them, in the order they were applied.
    pub codings: Vec<String>,
    /// Body bytes as they came off the connection, before decoding.
    pub wire_bytes: usize,
    /// Why the body could not be decoded as labelled; the body is then kept as it arrived.
    pub problem: Option<String>,
}

impl ContentCoding {
    /// `gzip`, or `deflate, gzip` for several.
    pub fn label(&self) -> String {
        self.codings.join(", ")
    }
}

/// The codings a client decodes; `x-gzip` is gzip's old name (RFC 9110 §8.4.1.3).
const KNOWN: &[&str] = &["gzip", "x-gzip", "deflate", "br"];

/// Decodes `body` (as read under `cap`, `truncated` if it was longer) by the
/// `Content-Encoding` of `headers` (names lowercase). Returns the body to judge, whether it
/// is truncated, and what was done; `None` when no coding applies (absent, `identity`, an
/// empty body as HEAD and 204 have, or a body already cut at the cap, which cannot be
/// decoded whole and is reported as too long).
pub fn decode(
    headers: &[(String, String)],
    body: Vec<u8>,
    truncated: bool,
    cap: usize,
) -> (Vec<u8>, bool, Option<ContentCoding>) {
    let codings: Vec<String> = headers
        .iter()
        .filter(|(name, _)| name == "content-encoding")
        .flat_map(|(_, value)| value.split(','))
        .map(|coding| coding.trim().to_ascii_lowercase())
        .filter(|coding| !coding.is_empty() && coding != "identity")
        .collect();
    if codings.is_empty() || body.is_empty() || truncated {
        return (body, truncated, None);
    }
    let mut record = ContentCoding {
        codings: codings.clone(),
        wire_bytes: body.len(),
        problem: None,
    };
    if let Some(unknown) = codings.iter().find(|c| !KNOWN.contains(&c.as_str())) {
        record.problem = Some(format!(
            "`{unknown}` is not a coding clients decode (gzip, deflate, br)"
        ));
        return (body, false, Some(record));
    }
    // The last coding listed was applied last, so it is undone first (RFC 9110 §8.4).
    let mut current = body;
    for coding in codings.iter().rev() {
        match decode_one(coding, &current, cap) {
            Ok(Decoded::Whole(bytes)) => current = bytes,
            Ok(Decoded::OverCap(mut start)) => {
                start.truncate(TRUNCATED_BODY_KEPT.min(cap));
                start.shrink_to_fit();
                return (start, true, Some(record));
            }
            Err(reason) => {
                record.problem = Some(format!("it does not decode as {coding}: {reason}"));
                // The bytes as they arrived: what the excerpt can show.
                return (current, false, Some(record));
            }
        }
    }
    current.shrink_to_fit();
    (current, false, Some(record))
}

enum Decoded {
    Whole(Vec<u8>),
    /// Longer than the cap once decoded: its start.
    OverCap(Vec<u8>),
}

fn decode_one(coding: &str, input: &[u8], cap: usize) -> Result<Decoded, String> {
    match coding {
        "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(input), cap),
        // RFC 9110 §8.4.1.2: deflate is the zlib format. Some servers send raw deflate, which
        // browsers and curl accept too, so that is tried when the zlib header is absent.
        "deflate" => read_capped(flate2::read::ZlibDecoder::new(input), cap)
            .or_else(|zlib| {
                read_capped(flate2::read::DeflateDecoder::new(input), cap).map_err(|_| zlib)
            }),
        "br" => read_capped(brotli_decompressor::Decompressor::new(input, 4096), cap),
        other => Err(format!("`{other}` is not decoded")),
    }
}

/// Reads a decoder's output up to `cap` bytes (one more tells that there is more). The
/// whole input must be consumed: bytes after a complete stream are not the labelled coding.
fn read_capped(reader: impl std::io::Read, cap: usize) -> Result<Decoded, String> {
    let mut out = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|err| err.to_string())?;
    if out.len() > cap {
        out.truncate(cap);
        return Ok(Decoded::OverCap(out));
    }
    Ok(Decoded::Whole(out))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write as _;

    use super::*;

    pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn headers(coding: &str) -> Vec<(String, String)> {
        vec![("content-encoding".into(), coding.into())]
    }

    /// `{"a":1}` as a brotli stream (RFC 7932) of one uncompressed meta-block: window bits 0,
    /// ISLAST 0, four nibbles of MLEN-1 = 6, ISUNCOMPRESSED 1, the bytes, then an empty last
    /// meta-block.
    const BROTLI_A1: &[u8] = &[
        0x60, 0x00, 0x10, b'{', b'"', b'a', b'"', b':', b'1', b'}', 0x03,
    ];

    #[test]
    fn gzip_deflate_and_br_are_decoded() {
        let (body, truncated, coding) = decode(&headers("gzip"), gzip(b"{\"a\":1}"), false, 1024);
        assert_eq!(body, b"{\"a\":1}");
        assert!(!truncated);
        let coding = coding.unwrap();
        assert_eq!(coding.label(), "gzip");
        assert_eq!(coding.problem, None);

        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(b"{}").unwrap();
        let (body, _, coding) = decode(&headers("deflate"), zlib.finish().unwrap(), false, 1024);
        assert_eq!((body.as_slice(), coding.unwrap().problem), (&b"{}"[..], None));

        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(b"{}").unwrap();
        let (body, _, coding) = decode(&headers("Deflate"), raw.finish().unwrap(), false, 1024);
        assert_eq!((body.as_slice(), coding.unwrap().problem), (&b"{}"[..], None));

        let (body, _, coding) = decode(&headers("br"), BROTLI_A1.to_vec(), false, 1024);
        assert_eq!(coding.unwrap().problem, None);
        assert_eq!(body, b"{\"a\":1}");
    }

    #[test]
    fn identity_and_empty_bodies_are_left_alone() {
        for label in ["identity", ""] {
            let (body, _, coding) = decode(&headers(label), b"{}".to_vec(), false, 1024);
            assert_eq!((body.as_slice(), coding), (&b"{}"[..], None));
        }
        let (_, _, coding) = decode(&headers("gzip"), Vec::new(), false, 1024);
        assert_eq!(coding, None);
        let (_, _, coding) = decode(&[], b"{}".to_vec(), false, 1024);
        assert_eq!(coding, None);
    }

    #[test]
    fn two_codings_are_undone_last_first() {
        let twice = gzip(&gzip(b"{}"));
        let (body, _, coding) = decode(&headers("gzip, gzip"), twice, false, 1024);
        assert_eq!(body, b"{}");
        assert_eq!(coding.unwrap().codings, ["gzip", "gzip"]);
    }

    #[test]
    fn a_body_that_does_not_decode_is_a_problem() {
        let (body, truncated, coding) = decode(&headers("gzip"), b"{\"a\":1}".to_vec(), false, 1024);
        assert_eq!(body, b"{\"a\":1}", "kept as it arrived");
        assert!(!truncated);
        let problem = coding.unwrap().problem.unwrap();
        assert!(problem.starts_with("it does not decode as gzip: "), "{problem}");
        let (_, _, coding) = decode(&headers("zstd"), b"xx".to_vec(), false, 1024);
        assert_eq!(
            coding.unwrap().problem.unwrap(),
            "`zstd` is not a coding clients decode (gzip, deflate, br)"
        );
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![b' '; 4 * 1024 * 1024]);
        assert!(bomb.len() < 16 * 1024);
        let (body, truncated, coding) = decode(&headers("gzip"), bomb, false, 64 * 1024);
        assert!(truncated);
        assert_eq!(body.len(), TRUNCATED_BODY_KEPT);
        assert_eq!(coding.unwrap().problem, None);
    }
}
