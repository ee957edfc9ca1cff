//! Writing a [`Document`] back to disk, atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::Document;

impl Document {
    /// Writes the document to `path` safely: a temp file in the same directory (same mode and, when
    /// permitted, same owner as the old file), flushed to disk, then renamed over `path`. With
    /// `backup`, the old file is kept as `path.bak` first. Returns the backup's path, if one was made.
    pub fn write_atomic(&self, path: &Path, backup: bool) -> std::io::Result<Option<PathBuf>> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let fname = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config".to_string());
        let tmp = dir.join(format!(".{fname}.nutctl-tmp-{}", std::process::id()));
        let old_meta = std::fs::metadata(path).ok();
        let result = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            if let Some(m) = &old_meta {
                f.set_permissions(m.permissions())?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt as _;
                    // Best effort: only root can give the file to root:nut again.
                    let _ = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()));
                }
            }
            f.write_all(&self.render())?;
            f.sync_all()?;
            let bak = if backup && old_meta.is_some() {
                let bak = dir.join(format!("{fname}.bak"));
                std::fs::copy(path, &bak)?;
                Some(bak)
            } else {
                None
            };
            std::fs::rename(&tmp, path)?;
            Ok(bak)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}
