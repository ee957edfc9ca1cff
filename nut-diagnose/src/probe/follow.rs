//! Following a log file like `tail -F`: new bytes as the file grows, across rotation (rename and
//! re-create, to a smaller or bigger file), truncation (copytruncate, also refilled past the old
//! offset before the next look), deletion and re-creation, each reported once; no byte of the
//! followed file is skipped, and memory stays bounded by the caller's budget whatever the burst.
//!
//! How each change is seen, at every [`Follower::poll`]:
//! - the last bytes already read (up to 64) are read again at their offset: if they differ, the file
//!   was truncated and rewritten, even when it is now longer than before (a size check alone would
//!   jump into the middle of the new text);
//! - the open descriptor is read to its end (in budget-sized slices) before the path is looked at,
//!   so the lines written to a file just before it was renamed away are delivered;
//! - then the path: another inode means rotated (or re-created after a deletion), absent means
//!   deleted (reported once until it comes back), a size below the offset means truncated.
//!
//! When the source changes, a LF is delivered first if the previous data did not end with one, so a
//! half line of the old file never glues to the first line of the new one.
//!
//! Plain std file reads (regular files only, opened with [`nut_proto::safe_file::open_regular`]):
//! callable from any thread or async task; a poll never waits for data.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// What happened to the followed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowEvent {
    /// The path now names another file (rename + create, or a copy moved into place).
    Rotated,
    /// The same file was cut (copytruncate, `> file`), and maybe refilled: read from its start.
    Truncated,
    /// The path is gone (the old file is still read to its end).
    Deleted,
    /// The path exists again after [`FollowEvent::Deleted`].
    Recreated,
}

/// What a poll delivers, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// Bytes of the followed file, in file order.
    Data(&'a [u8]),
    /// A change of the path, between the data of the old and the new file.
    Event(FollowEvent),
}

/// Bytes kept to recognise a rewritten file.
const FINGERPRINT: usize = 64;

/// A followed file.
#[derive(Debug)]
pub struct Follower {
    path: PathBuf,
    file: File,
    id: (u64, u64),
    offset: u64,
    /// The last bytes read (at `offset - tail.len()`).
    tail: Vec<u8>,
    gone: bool,
    buf: Vec<u8>,
}

fn id_of(m: &std::fs::Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

impl Follower {
    /// Opens `path` (a regular file) to follow it from its start.
    pub fn open(path: &Path) -> io::Result<Follower> {
        let file = nut_proto::safe_file::open_regular(path)?;
        let id = id_of(&file.metadata()?);
        Ok(Follower {
            path: path.to_path_buf(),
            file,
            id,
            offset: 0,
            tail: Vec::new(),
            gone: false,
            buf: Vec::new(),
        })
    }

    /// Bytes of the current file delivered so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Delivers what is new to `sink`, reading at most `budget` bytes (at least 1). Returns true
    /// when more data was left for the next poll (call again without waiting).
    pub fn poll(&mut self, budget: usize, sink: &mut dyn FnMut(Chunk<'_>)) -> io::Result<bool> {
        let budget = budget.max(1);
        let mut left = budget;
        if self.rewritten()? {
            self.restart(FollowEvent::Truncated, sink)?;
        }
        if self.drain(&mut left, sink)? {
            return Ok(true);
        }
        match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !self.gone {
                    self.gone = true;
                    sink(Chunk::Event(FollowEvent::Deleted));
                }
                return Ok(false);
            }
            Err(e) => return Err(e),
            Ok(m) if id_of(&m) != self.id => {
                let file = match nut_proto::safe_file::open_regular(&self.path) {
                    Ok(f) => f,
                    // Between rename and create, or not a regular file (yet): look again later.
                    Err(_) => return Ok(false),
                };
                let event = if self.gone {
                    FollowEvent::Recreated
                } else {
                    FollowEvent::Rotated
                };
                self.id = id_of(&file.metadata()?);
                self.file = file;
                self.restart(event, sink)?;
            }
            Ok(m) if m.len() < self.offset => {
                self.file.seek(SeekFrom::Start(0))?;
                self.restart(FollowEvent::Truncated, sink)?;
            }
            Ok(_) => {}
        }
        self.gone = false;
        self.drain(&mut left, sink)
    }

    /// The bytes before the offset are not the ones read there: the file was rewritten.
    fn rewritten(&mut self) -> io::Result<bool> {
        if self.tail.is_empty() {
            return Ok(false);
        }
        let at = self.offset - self.tail.len() as u64;
        let mut now = vec![0u8; self.tail.len()];
        let mut got = 0;
        while got < now.len() {
            match self
                .file
                .read_at(now.get_mut(got..).unwrap_or_default(), at + got as u64)
            {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if got < now.len() || now != self.tail {
            self.file.seek(SeekFrom::Start(0))?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Starts over on the (new or cut) file from its first byte, ending a half line first.
    fn restart(&mut self, event: FollowEvent, sink: &mut dyn FnMut(Chunk<'_>)) -> io::Result<()> {
        if self.tail.last().is_some_and(|&b| b != b'\n') {
            sink(Chunk::Data(b"\n"));
        }
        sink(Chunk::Event(event));
        self.offset = 0;
        self.tail.clear();
        Ok(())
    }

    /// Reads the open file to its end or until the budget is spent; true when stopped by the budget.
    fn drain(&mut self, left: &mut usize, sink: &mut dyn FnMut(Chunk<'_>)) -> io::Result<bool> {
        let slice = (*left).min(256 * 1024);
        if self.buf.len() < slice {
            self.buf.resize(slice, 0);
        }
        while *left > 0 {
            let want = (*left).min(self.buf.len());
            let n = match self.file.read(self.buf.get_mut(..want).unwrap_or_default()) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Ok(false);
            }
            let data = self.buf.get(..n).unwrap_or_default();
            sink(Chunk::Data(data));
            self.offset += n as u64;
            *left -= n;
            // Keep the last FINGERPRINT bytes read.
            if n >= FINGERPRINT {
                self.tail.clear();
                self.tail
                    .extend_from_slice(data.get(n - FINGERPRINT..).unwrap_or_default());
            } else {
                self.tail.extend_from_slice(data);
                let extra = self.tail.len().saturating_sub(FINGERPRINT);
                self.tail.drain(..extra);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    /// A follower and everything it delivered, as text with events in brackets.
    struct Seen {
        f: Follower,
        out: String,
    }

    impl Seen {
        fn new(path: &Path) -> Seen {
            Seen {
                f: Follower::open(path).unwrap(),
                out: String::new(),
            }
        }

        fn poll(&mut self) -> &str {
            let out = &mut self.out;
            while self
                .f
                .poll(4096, &mut |c| match c {
                    Chunk::Data(d) => out.push_str(&String::from_utf8_lossy(d)),
                    Chunk::Event(e) => out.push_str(&format!("[{e:?}]")),
                })
                .unwrap()
            {}
            &self.out
        }
    }

    fn append(p: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(p)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn rename_and_create() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        append(&p, "a1\n");
        let mut s = Seen::new(&p);
        assert_eq!(s.poll(), "a1\n");
        // Written just before the rename: still delivered, from the old file.
        append(&p, "a2\n");
        std::fs::rename(&p, d.path().join("log.1")).unwrap();
        append(&p, "b1\n");
        assert_eq!(s.poll(), "a1\na2\n[Rotated]b1\n");
        assert_eq!(s.poll(), "a1\na2\n[Rotated]b1\n", "reported once");
    }

    #[test]
    fn copytruncate() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        append(&p, "line one\nline two\n");
        let mut s = Seen::new(&p);
        s.poll();
        std::fs::copy(&p, d.path().join("log.1")).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(0)
            .unwrap();
        append(&p, "new\n");
        assert_eq!(s.poll(), "line one\nline two\n[Truncated]new\n");
    }

    #[test]
    fn truncate_and_refill_past_the_old_offset() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        append(&p, "old 1\nold 2\n");
        let mut s = Seen::new(&p);
        s.poll();
        std::fs::write(&p, "fresh 1 is much longer than before\nfresh 2\n").unwrap();
        assert_eq!(
            s.poll(),
            "old 1\nold 2\n[Truncated]fresh 1 is much longer than before\nfresh 2\n"
        );
    }

    #[test]
    fn rotate_to_a_bigger_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        append(&p, "small\n");
        let mut s = Seen::new(&p);
        s.poll();
        let big = "x".repeat(100) + "\n";
        let other = d.path().join("staged");
        std::fs::write(&other, big.repeat(50)).unwrap();
        std::fs::rename(&other, &p).unwrap();
        let out = s.poll().to_string();
        assert_eq!(out, format!("small\n[Rotated]{}", big.repeat(50)));
    }

    #[test]
    fn delete_and_recreate_reported_once_each() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        append(&p, "before\n");
        let mut s = Seen::new(&p);
        s.poll();
        std::fs::remove_file(&p).unwrap();
        for _ in 0..13 {
            s.poll();
        }
        assert_eq!(s.poll(), "before\n[Deleted]");
        append(&p, "after\n");
        assert_eq!(s.poll(), "before\n[Deleted][Recreated]after\n");
    }

    #[test]
    fn half_line_of_the_old_file_is_ended() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        append(&p, "complete\nhalf");
        let mut s = Seen::new(&p);
        s.poll();
        std::fs::rename(&p, d.path().join("log.1")).unwrap();
        append(&p, "next\n");
        assert_eq!(s.poll(), "complete\nhalf\n[Rotated]next\n");
    }

    #[test]
    fn bursts_are_read_in_bounded_slices_without_loss() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        append(&p, "");
        let mut f = Follower::open(&p).unwrap();
        let mut text = String::new();
        for i in 0..300_000 {
            text.push_str(&format!("upsmon[1]: line {i}\n"));
        }
        append(&p, &text);
        let (mut lines, mut biggest, mut polls) = (0usize, 0usize, 0usize);
        loop {
            polls += 1;
            let more = f
                .poll(64 * 1024, &mut |c| {
                    if let Chunk::Data(d) = c {
                        biggest = biggest.max(d.len());
                        lines += d.iter().filter(|&&b| b == b'\n').count();
                    }
                })
                .unwrap();
            if !more {
                break;
            }
        }
        assert_eq!(lines, 300_000);
        assert!(biggest <= 64 * 1024, "{biggest}");
        assert!(polls > 10, "{polls}");
        assert!(f.buf.len() <= 64 * 1024);
    }
}
