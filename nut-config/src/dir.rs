//! `ConfigDir`: every NUT config file of one directory, each with its own outcome.
//!
//! A diagnosis needs to know that upsd.users is *missing* or *unreadable* as much as what it says, so
//! loading never fails as a whole: each file is [`FileState::Missing`], [`FileState::Unreadable`] (with
//! the reason, e.g. permission denied) or [`FileState::Parsed`] (document, typed view, diagnostics).
//! Files that hold passwords are checked for world-readable permissions.

use std::path::{Path, PathBuf};

use crate::document::{Document, FileKind};
use crate::error::{ConfigError, ErrorKind, Severity};
use crate::files::nut_conf::NutConf;
use crate::files::ups_conf::UpsConf;
use crate::files::upsd_conf::UpsdConf;
use crate::files::upsd_users::UpsdUsers;
use crate::files::upsmon_conf::UpsmonConf;
use crate::files::upssched_conf::UpsschedConf;
use crate::files::Parsed;

/// NUT's config directory on Debian/Ubuntu (the upstream source default is `/usr/local/ups/etc`).
pub const DEFAULT_DIR: &str = "/etc/nut";

/// Environment variable NUT itself reads to find its config directory.
pub const CONFPATH_ENV: &str = "NUT_CONFPATH";

/// Files larger than this are not read: no NUT config is anywhere near, and reading a huge file (or a
/// device node) by mistake must not exhaust memory.
pub const MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// Where the directory came from, so a report can say "NUT_CONFPATH points at …".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirSource {
    /// [`DEFAULT_DIR`].
    Default,
    /// The `NUT_CONFPATH` environment variable.
    Env,
    /// Given by the caller.
    Argument,
}

/// Ownership and permission bits of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Perms {
    /// Permission bits (`0o640`).
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Group gid.
    pub gid: u32,
}

impl Perms {
    /// Any user on the host can read the file.
    pub fn world_readable(&self) -> bool {
        self.mode & 0o004 != 0
    }
}

/// The outcome of loading one file.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FileState<V> {
    /// The file does not exist (a fact: e.g. no upssched.conf on a host that does not use it).
    Missing,
    /// The file exists but could not be read.
    Unreadable {
        /// Why, in words (`permission denied`, `a directory, not a regular file…`, `larger than 4 MiB`…).
        reason: String,
    },
    /// The file was read and parsed.
    Parsed {
        /// The lossless document (never serialized: it holds secrets).
        #[serde(skip)]
        doc: Document,
        /// The typed view and its diagnostics.
        #[serde(flatten)]
        parsed: Parsed<V>,
    },
}

/// One file of the directory.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport<V> {
    /// Full path.
    pub path: PathBuf,
    /// Ownership and mode, when the file exists and `stat` works.
    pub perms: Option<Perms>,
    /// Permission findings (world-readable secrets).
    pub perm_diagnostics: Vec<ConfigError>,
    /// What happened.
    #[serde(flatten)]
    pub state: FileState<V>,
}

impl<V> FileReport<V> {
    /// The typed view, if the file was parsed.
    pub fn view(&self) -> Option<&V> {
        match &self.state {
            FileState::Parsed { parsed, .. } => Some(&parsed.view),
            _ => None,
        }
    }

    /// The document, if the file was parsed.
    pub fn document(&self) -> Option<&Document> {
        match &self.state {
            FileState::Parsed { doc, .. } => Some(doc),
            _ => None,
        }
    }

    /// Permission and content diagnostics together.
    pub fn diagnostics(&self) -> Vec<ConfigError> {
        let mut out = self.perm_diagnostics.clone();
        if let FileState::Parsed { parsed, .. } = &self.state {
            out.extend(parsed.diagnostics.iter().cloned());
        }
        out
    }
}

/// Every NUT config file of a directory.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConfigDir {
    /// The directory read.
    pub dir: PathBuf,
    /// Where its path came from.
    pub source: DirSource,
    /// Whether the directory itself exists (if not, every file is `Missing`: usually the wrong path
    /// or NUT not installed).
    pub dir_exists: bool,
    /// nut.conf.
    pub nut_conf: FileReport<NutConf>,
    /// ups.conf.
    pub ups_conf: FileReport<UpsConf>,
    /// upsd.conf.
    pub upsd_conf: FileReport<UpsdConf>,
    /// upsd.users.
    pub upsd_users: FileReport<UpsdUsers>,
    /// upsmon.conf.
    pub upsmon_conf: FileReport<UpsmonConf>,
    /// upssched.conf.
    pub upssched_conf: FileReport<UpsschedConf>,
}

impl ConfigDir {
    /// The directory NUT would use: `$NUT_CONFPATH` if set and non-empty, else [`DEFAULT_DIR`].
    pub fn default_dir() -> (PathBuf, DirSource) {
        match std::env::var_os(CONFPATH_ENV) {
            Some(p) if !p.is_empty() => (PathBuf::from(p), DirSource::Env),
            _ => (PathBuf::from(DEFAULT_DIR), DirSource::Default),
        }
    }

    /// Loads the directory NUT would use (see [`ConfigDir::default_dir`]).
    pub fn load_default() -> ConfigDir {
        let (dir, source) = ConfigDir::default_dir();
        ConfigDir::load_with_source(&dir, source)
    }

    /// Loads every known file of `dir`.
    pub fn load(dir: &Path) -> ConfigDir {
        ConfigDir::load_with_source(dir, DirSource::Argument)
    }

    fn load_with_source(dir: &Path, source: DirSource) -> ConfigDir {
        ConfigDir {
            dir: dir.to_path_buf(),
            source,
            dir_exists: dir.is_dir(),
            nut_conf: load_file(dir, FileKind::NutConf, NutConf::from_document),
            ups_conf: load_file(dir, FileKind::UpsConf, UpsConf::from_document),
            upsd_conf: load_file(dir, FileKind::UpsdConf, UpsdConf::from_document),
            upsd_users: load_file(dir, FileKind::UpsdUsers, UpsdUsers::from_document),
            upsmon_conf: load_file(dir, FileKind::UpsmonConf, UpsmonConf::from_document),
            upssched_conf: load_file(dir, FileKind::UpsschedConf, UpsschedConf::from_document),
        }
    }

    /// The parsed documents, for `nutctl config show` (render them with
    /// [`Document::render_redacted`]).
    pub fn documents(&self) -> Vec<(FileKind, &Document)> {
        [
            (FileKind::NutConf, self.nut_conf.document()),
            (FileKind::UpsConf, self.ups_conf.document()),
            (FileKind::UpsdConf, self.upsd_conf.document()),
            (FileKind::UpsdUsers, self.upsd_users.document()),
            (FileKind::UpsmonConf, self.upsmon_conf.document()),
            (FileKind::UpsschedConf, self.upssched_conf.document()),
        ]
        .into_iter()
        .filter_map(|(k, d)| d.map(|d| (k, d)))
        .collect()
    }

    /// Every diagnostic of every file, file by file.
    pub fn diagnostics(&self) -> Vec<ConfigError> {
        let mut out = self.nut_conf.diagnostics();
        out.extend(self.ups_conf.diagnostics());
        out.extend(self.upsd_conf.diagnostics());
        out.extend(self.upsd_users.diagnostics());
        out.extend(self.upsmon_conf.diagnostics());
        out.extend(self.upssched_conf.diagnostics());
        out
    }
}

/// Reads a config file of at most [`MAX_FILE_SIZE`] bytes: regular files only (a FIFO, device or
/// directory is refused without blocking), through [`nut_proto::safe_file`].
pub fn read_config_file(path: &Path) -> std::io::Result<Vec<u8>> {
    nut_proto::safe_file::read_regular(path, MAX_FILE_SIZE)
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotFound => "not found".to_string(),
        _ => e.to_string(),
    }
}

fn perms_of(path: &Path) -> Option<Perms> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let m = std::fs::metadata(path).ok()?;
        Some(Perms {
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn load_file<V>(
    dir: &Path,
    kind: FileKind,
    view: impl Fn(&Document) -> Parsed<V>,
) -> FileReport<V> {
    let path = dir.join(kind.file_name());
    let name = path.display().to_string();
    let perms = perms_of(&path);
    let state = match read_config_file(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
        Err(e) => FileState::Unreadable {
            // The report names the file already.
            reason: reason(&e)
                .trim_start_matches(&format!("{name}: "))
                .to_string(),
        },
        Ok(bytes) => {
            let doc = Document::parse(kind, name.clone(), &bytes);
            let parsed = view(&doc);
            FileState::Parsed { doc, parsed }
        }
    };
    let mut perm_diagnostics = Vec::new();
    if let Some(p) = perms.filter(Perms::world_readable) {
        let has_secret = match &state {
            FileState::Parsed { doc, .. } => doc
                .lines()
                .iter()
                .any(|l| l.tokens().iter().any(|t| t.is_secret())),
            _ => false,
        };
        if matches!(kind, FileKind::UpsdUsers | FileKind::UpsmonConf) || has_secret {
            perm_diagnostics.push(ConfigError {
                file: name,
                line: 0,
                col: 0,
                severity: Severity::Warning,
                kind: ErrorKind::WorldReadable { mode: p.mode },
            });
        }
    }
    FileReport {
        path,
        perms,
        perm_diagnostics,
        state,
    }
}

// Test-only: its unwrap/expect/panic run on the tests' own fixtures, never on input; outside tests
// the crate denies them (lib.rs), so clippy -D warnings fails on any that would be reachable.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::nut_conf::Mode;

    #[test]
    fn missing_parsed_and_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("nut.conf"), "MODE=netclient\n").unwrap();
        std::fs::write(
            dir.path().join("upsmon.conf"),
            "MONITOR ups@nas 1 mon Secr3tValue secondary\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("upsd.conf")).unwrap();
        let c = ConfigDir::load(dir.path());
        assert_eq!(c.source, DirSource::Argument);
        assert!(c.dir_exists);
        assert!(!ConfigDir::load(&dir.path().join("nope")).dir_exists);
        assert_eq!(c.nut_conf.view().map(|v| v.mode), Some(Mode::Netclient));
        assert!(matches!(c.ups_conf.state, FileState::Missing));
        assert!(
            matches!(&c.upsd_conf.state, FileState::Unreadable { reason } if reason.starts_with("a directory"))
        );
        let m = c.upsmon_conf.view().unwrap();
        assert_eq!(
            m.monitors.first().map(|m| m.target.host.as_str()),
            Some("nas")
        );
        assert_eq!(c.documents().len(), 2);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("Secr3tValue"), "{json}");
        assert!(json.contains("\"state\":\"missing\""), "{json}");
        assert!(json.contains("<redacted>"), "{json}");
    }

    #[cfg(unix)]
    #[test]
    fn permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("upsd.users");
        std::fs::write(&users, "[mon]\n\tpassword = Pw1\n\tupsmon secondary\n").unwrap();
        std::fs::set_permissions(&users, std::fs::Permissions::from_mode(0o644)).unwrap();
        let upsd = dir.path().join("upsd.conf");
        std::fs::write(&upsd, "LISTEN 0.0.0.0\n").unwrap();
        std::fs::set_permissions(&upsd, std::fs::Permissions::from_mode(0o644)).unwrap();
        let c = ConfigDir::load(dir.path());
        assert_eq!(c.upsd_users.perms.map(|p| p.mode), Some(0o644));
        let d: Vec<String> = c
            .upsd_users
            .diagnostics()
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            d,
            [format!(
                "{}: warning: holds passwords but is readable by every user (mode 644); use chmod 640 and group nut",
                users.display()
            )]
        );
        // upsd.conf without CERTIDENT holds no secret: world-readable is fine.
        assert!(c.upsd_conf.perm_diagnostics.is_empty());
        std::fs::set_permissions(&users, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(ConfigDir::load(dir.path())
            .upsd_users
            .perm_diagnostics
            .is_empty());

        // Unreadable for real only when not root (root reads anything).
        std::fs::set_permissions(&users, std::fs::Permissions::from_mode(0o000)).unwrap();
        let c = ConfigDir::load(dir.path());
        if std::fs::read(&users).is_err() {
            assert!(
                matches!(&c.upsd_users.state, FileState::Unreadable { reason } if reason == "permission denied")
            );
        } else {
            assert!(matches!(c.upsd_users.state, FileState::Parsed { .. }));
        }
    }

    #[test]
    fn too_large_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ups.conf");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_FILE_SIZE + 1).unwrap();
        let c = ConfigDir::load(dir.path());
        assert!(
            matches!(&c.ups_conf.state, FileState::Unreadable { reason } if reason.starts_with("larger than 4 MiB"))
        );
    }

    #[test]
    fn fifo_and_device_are_unreadable_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("upsmon.conf");
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("ups.conf")).unwrap();
        let c = ConfigDir::load(dir.path());
        assert!(
            matches!(&c.upsmon_conf.state, FileState::Unreadable { reason } if reason.contains("FIFO")),
            "{:?}",
            c.upsmon_conf.state
        );
        assert!(
            matches!(&c.ups_conf.state, FileState::Unreadable { reason } if reason.contains("character device")),
            "{:?}",
            c.ups_conf.state
        );
    }

    #[test]
    fn default_dir_is_etc_nut_or_env() {
        let (d, s) = ConfigDir::default_dir();
        match std::env::var_os(CONFPATH_ENV) {
            Some(p) if !p.is_empty() => assert_eq!((d, s), (PathBuf::from(p), DirSource::Env)),
            _ => assert_eq!((d, s), (PathBuf::from(DEFAULT_DIR), DirSource::Default)),
        }
    }
}
