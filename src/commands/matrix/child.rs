//! One child process of the matrix (a `mjconform check` or `identify` of one target), run
//! to its end or to its deadline, whichever comes first.
//!
//! At the deadline (or when the matrix is interrupted) the child gets SIGINT, on which a
//! `check` writes the reports of the trials that ended and exits; one that has not exited
//! [`GRACE`] later is killed. Its output is read on threads as it comes, so a child that
//! prints a lot cannot block on a full pipe, and is kept only after the matrix's redactor
//! has passed over it (the children redact their own output already; this is a second net).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::message::redact::Redactor;

/// How long a child interrupted at its deadline gets to write its reports.
pub const GRACE: Duration = Duration::from_secs(3);
/// How often a running child is looked at.
const POLL: Duration = Duration::from_millis(20);
/// Output kept per stream: enough for a libtest run of every trial, bounded all the same.
const MAX_OUTPUT: usize = 4 * 1024 * 1024;

/// How a child ended.
#[derive(Debug)]
pub struct Ended {
    /// Its exit code; `None` when a signal ended it.
    pub exit_code: Option<i32>,
    /// It was still running at its deadline.
    pub deadline_hit: bool,
    /// The matrix was interrupted while it ran.
    pub interrupted: bool,
    /// Redacted.
    pub stdout: String,
    /// Redacted.
    pub stderr: String,
}

impl Ended {
    /// The child's own one-line error (`error: failed to …`), if it printed one.
    pub fn error_line(&self) -> Option<String> {
        self.stderr
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix("error: "))
            .map(str::to_owned)
    }
}

/// Runs `command` until it exits, `deadline` passes, or `stop` is set.
pub fn run(
    mut command: Command,
    deadline: Duration,
    stop: &AtomicBool,
    redactor: &Redactor,
) -> std::io::Result<Ended> {
    let started = Instant::now();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut deadline_hit = false;
    let mut interrupted = false;
    let mut stopping_since: Option<Instant> = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        match stopping_since {
            None if started.elapsed() >= deadline => {
                deadline_hit = true;
                interrupt(&mut child);
                stopping_since = Some(Instant::now());
            }
            None if stop.load(Ordering::Relaxed) => {
                interrupted = true;
                interrupt(&mut child);
                stopping_since = Some(Instant::now());
            }
            Some(since) if since.elapsed() >= GRACE => {
                let _ = child.kill();
                break child.wait()?;
            }
            _ => {}
        }
        std::thread::sleep(POLL);
    };
    let text = |handle: Option<JoinHandle<Vec<u8>>>| {
        handle
            .and_then(|handle| handle.join().ok())
            .map(|bytes| redactor.redact_bytes(&bytes))
            .unwrap_or_default()
    };
    Ok(Ended {
        exit_code: status.code(),
        deadline_hit,
        interrupted,
        stdout: text(stdout),
        stderr: text(stderr),
    })
}

/// Reads a pipe to its end on a thread, keeping at most [`MAX_OUTPUT`] bytes.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Option<JoinHandle<Vec<u8>>> {
    let mut pipe = pipe?;
    Some(std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = MAX_OUTPUT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buffer[..n.min(room)]);
                }
            }
        }
        kept
    }))
}

/// Asks the child to stop as Ctrl-C does, so it writes what it has.
#[cfg(unix)]
fn interrupt(child: &mut Child) {
    match libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a pid we spawned and still own (not yet waited for, so the
        // id cannot have been reused); it touches no memory of ours.
        Ok(pid) => unsafe {
            libc::kill(pid, libc::SIGINT);
        },
        Err(_) => {
            let _ = child.kill();
        }
    }
}

/// Elsewhere there is no SIGINT to send: the child is killed, and its reports may be missing.
#[cfg(not(unix))]
fn interrupt(child: &mut Child) {
    let _ = child.kill();
}
