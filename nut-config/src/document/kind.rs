//! [`FileKind`]: which NUT config file a document is, and what that decides (syntax, key matching,
//! sections, whether it holds secrets).

/// Which NUT config file a document is: decides the syntax, the key-matching rules and which words
/// are secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// `nut.conf`: shell `NAME=value` lines.
    NutConf,
    /// `ups.conf`: drivers, `[ups]` sections of `key = value`.
    UpsConf,
    /// `upsd.conf`: `KEYWORD args` directives.
    UpsdConf,
    /// `upsd.users`: `[user]` sections.
    UpsdUsers,
    /// `upsmon.conf`: `KEYWORD args` directives.
    UpsmonConf,
    /// `upssched.conf`: `KEYWORD args` directives.
    UpsschedConf,
    /// Any other parseconf file (`hosts.conf`, `upsset.conf`, dummy-ups `.dev`): lossless, no view.
    Other,
}

impl FileKind {
    /// The six files nutctl knows, in the order a NUT install reads them.
    pub const ALL: [FileKind; 6] = [
        FileKind::NutConf,
        FileKind::UpsConf,
        FileKind::UpsdConf,
        FileKind::UpsdUsers,
        FileKind::UpsmonConf,
        FileKind::UpsschedConf,
    ];

    /// The file's name in a NUT config directory (empty for [`FileKind::Other`]).
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::NutConf => "nut.conf",
            FileKind::UpsConf => "ups.conf",
            FileKind::UpsdConf => "upsd.conf",
            FileKind::UpsdUsers => "upsd.users",
            FileKind::UpsmonConf => "upsmon.conf",
            FileKind::UpsschedConf => "upssched.conf",
            FileKind::Other => "",
        }
    }

    /// Guesses the kind from a file name (a `.sample` suffix is ignored), so `nutctl config show FILE`
    /// needs no flag.
    pub fn from_file_name(name: &str) -> FileKind {
        let base = name.rsplit('/').next().unwrap_or(name);
        let base = base.strip_suffix(".sample").unwrap_or(base);
        FileKind::ALL
            .into_iter()
            .find(|k| k.file_name() == base)
            .unwrap_or(FileKind::Other)
    }

    /// True for nut.conf, the one file in shell syntax.
    pub fn is_shell(self) -> bool {
        self == FileKind::NutConf
    }

    /// True if the file normally holds passwords: then it must not be world-readable, and lines that
    /// cannot be parsed are redacted whole.
    pub fn holds_secrets(self) -> bool {
        matches!(
            self,
            FileKind::UpsConf | FileKind::UpsdConf | FileKind::UpsdUsers | FileKind::UpsmonConf
        )
    }

    /// Whether the file has `[name]` sections.
    pub fn has_sections(self) -> bool {
        matches!(
            self,
            FileKind::UpsConf | FileKind::UpsdUsers | FileKind::Other
        )
    }

    /// upsd.users compares its keys case-insensitively; every other file case-sensitively.
    pub(super) fn keys_case_insensitive(self) -> bool {
        self == FileKind::UpsdUsers
    }

    /// ups.conf and upsd.users are written `key = value`; the others `KEYWORD value`.
    pub(super) fn key_value_style(self) -> bool {
        matches!(self, FileKind::UpsConf | FileKind::UpsdUsers)
    }

    pub(crate) fn key_eq(self, a: &str, b: &str) -> bool {
        if self.keys_case_insensitive() {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }
}
