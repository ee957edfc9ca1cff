//! `LineBuffer`: the bounded line framer under [`Connection`](super::Connection).
//!
//! Kept free of sockets so that its one job — cut a byte stream into `\n`-terminated lines without
//! ever holding more than one maximal line plus one read — can be checked with arbitrary chunkings
//! (proptest) and fuzzed, and reused by other transports.

use std::ops::Range;

use super::error::{ClientError, ProtocolViolation, MAX_ERROR_LINE};

/// Largest `max_line` a buffer accepts; bigger requests are clamped. upsd's lines are at most 511
/// bytes, so this only stops a configuration mistake from allocating gigabytes.
pub const MAX_LINE_LIMIT: usize = 1 << 20;

/// Bytes asked from the kernel per read, on top of room for one maximal line.
pub const READ_CHUNK: usize = 16 * 1024;

/// A fixed-size receive buffer cut into lines. Memory is allocated once: `max_line + 1 + READ_CHUNK`.
#[derive(Debug)]
pub struct LineBuffer {
    buf: Vec<u8>,
    /// Bytes `start..end` are received but not consumed.
    start: usize,
    end: usize,
    max_line: usize,
}

impl LineBuffer {
    /// A buffer for lines of at most `max_line` bytes (without the `\n`; clamped to
    /// [`MAX_LINE_LIMIT`]).
    pub fn new(max_line: usize) -> Self {
        let max_line = max_line.min(MAX_LINE_LIMIT);
        LineBuffer {
            buf: vec![0; max_line + 1 + READ_CHUNK],
            start: 0,
            end: 0,
            max_line,
        }
    }

    /// The (clamped) line bound in force.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Bytes received but not yet returned as lines.
    pub fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Position of the next complete line, consuming it; `None` when more bytes are needed.
    pub(crate) fn next_range(&mut self) -> Result<Option<Range<usize>>, ClientError> {
        let pending = self.pending();
        if let Some(pos) = memchr::memchr(b'\n', pending) {
            let line_start = self.start;
            let mut line_end = self.start + pos;
            self.start = line_end + 1;
            if line_end - line_start > self.max_line {
                return Err(self.too_long(line_start));
            }
            if line_end > line_start && self.buf.get(line_end - 1) == Some(&b'\r') {
                line_end -= 1;
            }
            return Ok(Some(line_start..line_end));
        }
        if pending.len() > self.max_line {
            return Err(self.too_long(self.start));
        }
        Ok(None)
    }

    /// The bytes of a range returned by `next_range` (valid until the next `spare`).
    pub(crate) fn slice(&self, r: Range<usize>) -> &[u8] {
        self.buf.get(r).unwrap_or(&[])
    }

    /// The next complete line without its `\n` (and without a `\r` before it), or `None` when more
    /// bytes are needed. A line longer than `max_line` is [`ProtocolViolation::LineTooLong`] as soon as
    /// `max_line + 1` bytes without `\n` are buffered.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, ClientError> {
        Ok(self.next_range()?.map(|r| self.slice(r)))
    }

    /// Free space to read into, after moving unconsumed bytes to the front. Call after
    /// [`next_line`](Self::next_line) returned `None`: then at least `READ_CHUNK` bytes are free.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        self.buf.get_mut(self.end..).unwrap_or(&mut [])
    }

    /// Marks `n` bytes of the slice returned by [`spare`](Self::spare) as received.
    pub fn commit(&mut self, n: usize) {
        self.end = self.end.saturating_add(n).min(self.buf.len());
    }

    fn too_long(&self, from: usize) -> ClientError {
        let upto = self.end.min(from.saturating_add(MAX_ERROR_LINE + 1));
        ClientError::protocol(
            self.buf.get(from..upto).unwrap_or(&[]),
            ProtocolViolation::LineTooLong { max: self.max_line },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `data` in the given chunk sizes, collecting lines until the first error.
    fn run(max: usize, data: &[u8], chunks: &[usize]) -> (Vec<Vec<u8>>, bool) {
        let mut lb = LineBuffer::new(max);
        let mut out = Vec::new();
        let mut rest = data;
        let mut sizes = chunks.iter().cycle();
        loop {
            loop {
                match lb.next_line() {
                    Ok(Some(l)) => out.push(l.to_vec()),
                    Ok(None) => break,
                    Err(_) => return (out, true),
                }
            }
            if rest.is_empty() {
                return (out, false);
            }
            let spare = lb.spare();
            assert!(spare.len() >= READ_CHUNK);
            let n = (*sizes.next().unwrap())
                .clamp(1, spare.len())
                .min(rest.len());
            spare[..n].copy_from_slice(&rest[..n]);
            lb.commit(n);
            rest = &rest[n..];
        }
    }

    /// The reference: split on `\n`, strip one `\r`, stop at the first over-long line (complete or
    /// not) — an unterminated tail is not a line.
    fn model(max: usize, data: &[u8]) -> (Vec<Vec<u8>>, bool) {
        let mut out = Vec::new();
        let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        let tail = parts.pop().unwrap_or(&[]);
        for p in parts {
            if p.len() > max {
                return (out, true);
            }
            out.push(p.strip_suffix(b"\r").unwrap_or(p).to_vec());
        }
        (out, tail.len() > max)
    }

    proptest! {
        #[test]
        fn any_chunking_gives_the_model_lines(
            data in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..1500),
            chunks in proptest::collection::vec(1usize..700, 1..8),
            max in 0usize..300,
        ) {
            prop_assert_eq!(run(max, &data, &chunks), model(max, &data));
        }
    }

    #[test]
    fn crlf_and_empty_lines() {
        let (lines, err) = run(10, b"a\r\n\nb\r\r\n", &[1]);
        assert!(!err);
        assert_eq!(lines, [b"a".to_vec(), vec![], b"b\r".to_vec()]);
    }

    #[test]
    fn over_long_without_newline_is_caught_at_max_plus_one() {
        let mut lb = LineBuffer::new(4);
        let s = lb.spare();
        s[..5].copy_from_slice(b"abcde");
        lb.commit(5);
        assert!(matches!(
            lb.next_line(),
            Err(ClientError::Protocol {
                reason: ProtocolViolation::LineTooLong { max: 4 },
                ..
            })
        ));
    }

    #[test]
    fn huge_max_line_is_clamped() {
        assert_eq!(LineBuffer::new(usize::MAX).max_line(), MAX_LINE_LIMIT);
    }
}
