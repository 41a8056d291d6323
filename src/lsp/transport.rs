//! The stdio transport: `Content-Length` framed JSON-RPC on stdin and stdout.
//!
//! `lsp-server` has its own stdio transport, but its reader thread stops at the first body that is
//! not a JSON-RPC message, which ends the server. This one answers a request it can identify with
//! an error, skips anything else it cannot read, and keeps reading. Stdout carries only protocol
//! messages; problems go to stderr in one short line, never with the message body (a body may
//! hold a secret).

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, RequestId, Response};
use std::io::{self, BufRead, Read, Write};

/// Bodies larger than this are skipped (read and dropped) rather than buffered.
const MAX_BODY_LEN: usize = 256 * 1024 * 1024;

/// Starts the reader and writer threads on stdin and stdout; returns the connection the server
/// loop uses and a handle to wait for the writer with.
pub fn stdio() -> io::Result<(Connection, Writer)> {
    let (to_server, receiver) = crossbeam_channel::unbounded::<Message>();
    let (sender, to_client) = crossbeam_channel::unbounded::<Message>();
    let replies = sender.clone();
    std::thread::Builder::new()
        .name("keyless-lsp-reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            read_messages(&mut stdin.lock(), &to_server, &replies);
        })?;
    let (done, finished) = crossbeam_channel::bounded::<()>(1);
    std::thread::Builder::new()
        .name("keyless-lsp-writer".into())
        .spawn(move || {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            for message in to_client {
                if message.write(&mut out).and_then(|()| out.flush()).is_err() {
                    break;
                }
            }
            let _ = done.send(());
        })?;
    Ok((Connection { sender, receiver }, Writer { finished }))
}

/// The writer thread, to wait for before the process exits.
pub struct Writer {
    finished: Receiver<()>,
}

impl Writer {
    /// Waits (at most `limit`) until the writer has written every message and stopped, which
    /// happens once every sender is dropped. Replies the client waits for are written long
    /// before this: it only catches a last notification in flight.
    pub fn finish(self, limit: std::time::Duration) {
        let _ = self.finished.recv_timeout(limit);
    }
}

/// Reads framed messages until end of input or until the server stops listening. Unreadable
/// messages are skipped; a request whose id can be read gets an error reply through `replies`.
pub fn read_messages(
    input: &mut impl BufRead,
    to_server: &Sender<Message>,
    replies: &Sender<Message>,
) {
    loop {
        let length = match read_headers(input) {
            Ok(Some(Some(length))) => length,
            Ok(Some(None)) => {
                log("a message without a valid Content-Length header was skipped");
                continue;
            }
            Ok(None) | Err(_) => return,
        };
        if length > MAX_BODY_LEN {
            log("a message over 256 MiB was skipped");
            if io::copy(&mut input.take(length as u64), &mut io::sink()).is_err() {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).is_err() {
            return;
        }
        match serde_json::from_slice::<Message>(&body) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(note) if note.method == "exit");
                if to_server.send(message).is_err() || exit {
                    return;
                }
            }
            Err(error) => {
                log(&format!(
                    "a message that is not JSON-RPC was skipped ({})",
                    error.classify_name()
                ));
                if let Some(id) = request_id(&body) {
                    let reply = Response::new_err(
                        id,
                        ErrorCode::InvalidRequest as i32,
                        format!(
                            "not a JSON-RPC request: {}",
                            super::redact(&error.to_string())
                        ),
                    );
                    let _ = replies.send(reply.into());
                }
            }
        }
    }
}

/// Reads one header block. `Ok(None)`: end of input; `Ok(Some(None))`: a block without a usable
/// `Content-Length`.
fn read_headers(input: &mut impl BufRead) -> io::Result<Option<Option<usize>>> {
    let mut length = None;
    let mut seen_any = false;
    loop {
        let mut line = Vec::new();
        let read = input.take(64 * 1024).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if seen_any {
                return Ok(Some(length));
            }
            continue;
        }
        seen_any = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
}

/// The `id` of a body that is JSON but not a valid message, so that the request can be answered.
fn request_id(body: &[u8]) -> Option<RequestId> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = value.get("id")?;
    value.get("method")?;
    serde_json::from_value(id.clone()).ok()
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "i/o error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "not a request, response or notification",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

#[allow(
    clippy::print_stderr,
    reason = "stdout is the protocol channel; stderr is the log"
)]
fn log(message: &str) {
    eprintln!("keyless lsp: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_frames_are_skipped_and_good_ones_read() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let bad_request = r#"{"jsonrpc":"2.0","id":7,"method":5}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\nxxxxx\
             Content-Type: x\r\n\r\n\
             Content-Length: {}\r\n\r\n{bad_request}\
             Content-Length: {}\r\n\r\n{good}",
            bad_request.len(),
            good.len()
        );
        let (to_server, from_client) = crossbeam_channel::unbounded();
        let (replies, replied) = crossbeam_channel::unbounded();
        read_messages(&mut input.as_bytes(), &to_server, &replies);
        let received: Vec<Message> = from_client.try_iter().collect();
        assert_eq!(received.len(), 1, "{received:?}");
        let errors: Vec<Message> = replied.try_iter().collect();
        assert!(
            matches!(errors.as_slice(), [Message::Response(response)] if response.id == RequestId::from(7)),
            "{errors:?}"
        );
    }
}
