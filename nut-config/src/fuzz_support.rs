//! Invariant checks shared by the fuzz targets (`fuzz/fuzz_targets/config_*.rs`) and the test that
//! replays their seed corpora, so both check exactly the same thing. Not a public API.

use crate::document::{Document, EditError, FileKind};
use crate::files::nut_conf::NutConf;
use crate::files::ups_conf::UpsConf;
use crate::files::upsd_conf::UpsdConf;
use crate::files::upsd_users::UpsdUsers;
use crate::files::upsmon_conf::UpsmonConf;
use crate::files::upssched_conf::UpsschedConf;
use crate::ConfigError;

const KINDS: [FileKind; 7] = [
    FileKind::NutConf,
    FileKind::UpsConf,
    FileKind::UpsdConf,
    FileKind::UpsdUsers,
    FileKind::UpsmonConf,
    FileKind::UpsschedConf,
    FileKind::Other,
];

/// Fuzz input for any file kind: the first byte picks the kind, the rest is the file.
pub fn parseconf(data: &[u8]) -> Result<(), String> {
    let Some((&sel, rest)) = data.split_first() else {
        return Ok(());
    };
    let kind = KINDS
        .get(usize::from(sel) % KINDS.len())
        .copied()
        .unwrap_or(FileKind::Other);
    check(kind, rest)
}

/// Fuzz input for nut.conf.
pub fn nutconf(data: &[u8]) -> Result<(), String> {
    check(FileKind::NutConf, data)
}

/// parse → render is the identity; views build; diagnostics point inside the file; an edit reads back.
pub fn check(kind: FileKind, data: &[u8]) -> Result<(), String> {
    let doc = Document::parse(kind, "fuzz", data);
    if doc.render() != data {
        return Err(format!("{kind:?}: render differs from input"));
    }
    let physical = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let diags: Vec<ConfigError> = match kind {
        FileKind::NutConf => NutConf::from_document(&doc).diagnostics,
        FileKind::UpsConf => UpsConf::from_document(&doc).diagnostics,
        FileKind::UpsdConf => UpsdConf::from_document(&doc).diagnostics,
        FileKind::UpsdUsers => UpsdUsers::from_document(&doc).diagnostics,
        FileKind::UpsmonConf => UpsmonConf::from_document(&doc).diagnostics,
        FileKind::UpsschedConf => UpsschedConf::from_document(&doc).diagnostics,
        FileKind::Other => doc.diagnostics(),
    };
    if let Some(d) = diags
        .iter()
        .find(|d| d.line > physical || (d.line > 0 && d.col == 0))
    {
        return Err(format!("{kind:?}: diagnostic outside the file: {d}"));
    }
    let _ = doc.render_redacted();
    let mut edited = doc.clone();
    match edited.set(None, "FUZZKEY", &["a value"]) {
        Ok(()) => {
            let again = Document::parse(kind, "fuzz", &edited.render());
            let read: Option<Vec<String>> = again
                .find("FUZZKEY")
                .filter(|e| e.section.is_none())
                .last()
                .map(|e| e.line.args().iter().map(|t| t.text().to_string()).collect());
            if read != Some(vec!["a value".to_string()]) {
                return Err(format!("{kind:?}: edit did not read back: {read:?}"));
            }
        }
        Err(EditError::UnterminatedQuote { .. }) => {}
        Err(e) => return Err(format!("{kind:?}: edit refused: {e}")),
    }
    Ok(())
}
