//! A body as a client reads it: held to the cap while it arrives, and a failed read named the
//! same way by every reader. The library client and the blocking sender share the capped
//! buffer, so both keep the same bytes of the same answer; the wire reader, which reads past
//! what a client keeps to observe the framing, shares only the naming of failures.

use crate::errors::RequestError;
use crate::http::request::TRUNCATED_BODY_KEPT;

/// Bytes reserved up front for a body of unannounced length (chunked, or ended by the
/// close); it grows from there, up to the cap.
pub const UNANNOUNCED_BODY_RESERVE: usize = 64 * 1024;

/// The body as it arrives, held to the cap. A body announced longer than the cap is read
/// only as far as what is kept of it ([`TRUNCATED_BODY_KEPT`]), whatever follows.
pub struct CappedBody {
    bytes: Vec<u8>,
    limit: usize,
    kept_if_truncated: usize,
    announced_too_long: bool,
    truncated: bool,
}

impl CappedBody {
    /// A buffer for a body under `cap`, of `announced` bytes if the headers say.
    pub fn new(cap: usize, announced: Option<u64>) -> CappedBody {
        let kept_if_truncated = TRUNCATED_BODY_KEPT.min(cap);
        let announced_too_long = announced.is_some_and(|length| length > cap as u64);
        let limit = if announced_too_long {
            kept_if_truncated
        } else {
            cap
        };
        // Reserve what the body announces (up to the limit) at once: growing by doubling
        // would hold the old and the new buffer together at each step. A lying
        // `Content-Length` costs nothing: pages reserved but never written are not resident.
        let reserve = announced
            .map_or(UNANNOUNCED_BODY_RESERVE, |length| {
                usize::try_from(length).unwrap_or(usize::MAX)
            })
            .min(limit);
        CappedBody {
            bytes: Vec::with_capacity(reserve),
            limit,
            kept_if_truncated,
            announced_too_long,
            truncated: false,
        }
    }

    /// Appends `chunk`; false once the cap (or, announced too long, what is kept) is
    /// reached: the body is then truncated and reading stops.
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        let room = self.limit - self.bytes.len();
        if chunk.len() > room || (self.announced_too_long && chunk.len() == room) {
            self.bytes.extend_from_slice(&chunk[..room]);
            self.truncated = true;
            return false;
        }
        self.bytes.extend_from_slice(chunk);
        true
    }

    /// Bytes held so far.
    pub fn received(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The bytes kept and whether the body was truncated.
    pub fn finish(mut self) -> (Vec<u8>, bool) {
        if self.truncated {
            self.bytes.truncate(self.kept_if_truncated);
        }
        (self.bytes, self.truncated)
    }
}

/// Gives back what was reserved for a (decoded) body and not used: the answer is kept for
/// the whole run.
pub fn give_back_unused(body: &mut Vec<u8>) {
    if body.capacity() - body.len() > UNANNOUNCED_BODY_RESERVE {
        body.shrink_to_fit();
    }
}

/// Why a read off the socket gave nothing.
pub enum ReadFailure {
    Deadline,
    Io(std::io::Error),
}

impl ReadFailure {
    /// The error of a body that broke off after `received` bytes of an answer with
    /// `status`.
    pub fn body_error(self, timeout_ms: u64, status: u16, received: usize) -> RequestError {
        match self {
            ReadFailure::Deadline => RequestError::BodyTimeout {
                timeout_ms,
                status,
                received,
            },
            ReadFailure::Io(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {
                RequestError::Body {
                    status,
                    reason: format!("the connection was reset after {received} body bytes"),
                }
            }
            ReadFailure::Io(err) => RequestError::Body {
                status,
                reason: format!("{err} after {received} body bytes"),
            },
        }
    }
}
