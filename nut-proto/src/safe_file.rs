//! Opening a file argument safely: regular files only, a stated size limit, no open or read that
//! can block forever.
//!
//! The path is opened with `O_NONBLOCK | O_NOCTTY` (so a FIFO without a writer or a terminal cannot
//! hang the open), the *opened descriptor* is checked with `fstat` (not the path, which could be
//! swapped in between), and `O_NONBLOCK` is cleared again before the caller reads. FIFOs, sockets,
//! devices and directories are refused with an error that names the path and what it is.
//!
//! Every crate that reads a file named by a user goes through here (nut-config's directory loader,
//! nutctl's `--dev`, `--password-file`, log files, the server's certificate and key).

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What a non-regular file is, for the error message.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading if it is a regular file (symlinks to one are followed). The error names
/// the path and, for the refusals, what the path is.
pub fn open_regular(path: &Path) -> io::Result<File> {
    use rustix::fs::OFlags;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: {}, not a regular file; refusing to read it",
                path.display(),
                kind_of(meta.file_type())
            ),
        ));
    }
    let flags = rustix::fs::fcntl_getfl(&file)?;
    rustix::fs::fcntl_setfl(&file, flags - OFlags::NONBLOCK)?;
    Ok(file)
}

/// Human form of a byte limit ("4 MiB", "64 KiB", "100 bytes").
pub fn format_limit(max: u64) -> String {
    if max >= 1024 * 1024 && max % (1024 * 1024) == 0 {
        format!("{} MiB", max / (1024 * 1024))
    } else if max >= 1024 && max % 1024 == 0 {
        format!("{} KiB", max / 1024)
    } else {
        format!("{max} bytes")
    }
}

fn too_big(path: &Path, max: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{}: larger than {}, the limit for this file; refusing to read it",
            path.display(),
            format_limit(max)
        ),
    )
}

/// Reads a whole regular file of at most `max` bytes ([`open_regular`], then a bounded read: a file
/// that grows while it is read is refused too, never read past `max + 1` bytes).
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Err(too_big(path, max));
    }
    let mut buf = Vec::with_capacity(len as usize);
    file.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    if buf.len() as u64 > max {
        return Err(too_big(path, max));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn refuses_fifos_devices_and_directories_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        // Without O_NONBLOCK this open would wait for a writer forever.
        let e = open_regular(&fifo).unwrap_err().to_string();
        assert!(e.contains("pipe") && e.contains("FIFO"), "{e}");
        let e = read_regular(Path::new("/dev/zero"), 10)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/dev/zero") && e.contains("character device"),
            "{e}"
        );
        let e = read_regular(dir.path(), 10).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
        let e = read_regular(&dir.path().join("missing"), 10)
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing"), "{e}");
    }

    #[test]
    fn size_limit_is_stated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_regular(&p, 2048).unwrap().len(), 2048);
        let e = read_regular(&p, 1024).unwrap_err().to_string();
        assert!(e.contains("1 KiB") && e.contains("big"), "{e}");
        // The descriptor is blocking again: a normal read works.
        let mut f = open_regular(&p).unwrap();
        let mut s = Vec::new();
        f.read_to_end(&mut s).unwrap();
        assert_eq!(s.len(), 2048);
    }
}
