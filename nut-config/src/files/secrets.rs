//! The secret-marking policy: which words of which file are secrets (passwords, MONITOR password
//! fields, CERTIDENT passwords, SNMP credentials, stray words in upsd.users, commented-out settings).
//! Lines call [`mark`] when they are made; redaction, `Debug` and JSON then hide what it marked.

use super::role::Role;
use crate::document::FileKind;
use crate::lexer::Token;

/// upsd.users keys whose values are not secrets.
const NOT_SECRET_USER_KEYS: [&str; 4] = ["actions", "instcmds", "upsmon", "allowfrom"];

/// Marks the words of one line that hold secrets (`invalid`: NUT rejects the line). `conservative` (real lines, not comments) also hides values whose
/// role is unknown in files full of passwords, such as a misspelt `pasword` in upsd.users.
pub(crate) fn mark(file: FileKind, invalid: bool, tokens: &mut [Token], conservative: bool) {
    if invalid && file.holds_secrets() {
        for t in tokens.iter_mut().skip(1) {
            t.secret = true;
        }
        return;
    }
    let Some(key) = tokens.first().map(|t| t.text.to_ascii_lowercase()) else {
        return;
    };
    if key.starts_with('[') {
        return;
    }
    let has_equals = tokens.get(1).is_some_and(|t| t.equals);
    let skip = if has_equals { 2 } else { 1 };
    let nargs = tokens.len().saturating_sub(skip);
    let secretish = key.contains("pass") || key.contains("secret") || key.contains("community");
    let all = if conservative {
        secretish || (file == FileKind::UpsdUsers && !NOT_SECRET_USER_KEYS.contains(&key.as_str()))
    } else {
        // In comments only commented-out settings (`# password = old`), not prose about passwords.
        secretish && has_equals
    };
    let monitor = key == "monitor" && (file == FileKind::UpsmonConf || !conservative);
    let certident = key == "certident"
        && (matches!(file, FileKind::UpsmonConf | FileKind::UpsdConf) || !conservative);
    if conservative
        && file == FileKind::UpsdUsers
        && key != "password"
        && !NOT_SECRET_USER_KEYS.contains(&key.as_str())
    {
        // A stray word in upsd.users is as likely a password as a misspelt setting: hide it all.
        for t in tokens.iter_mut() {
            t.secret = true;
        }
        return;
    }
    let odd_role = conservative && file == FileKind::UpsdUsers && key == "upsmon";
    for (i, t) in tokens.iter_mut().skip(skip).enumerate() {
        t.secret = all
            || (odd_role && Role::parse(&t.text).is_none())
            || (monitor && nargs >= 5 && i == 3)
            || (monitor && conservative && nargs < 5 && i >= 1)
            || (certident && (nargs == 2 || conservative) && i >= 1);
    }
}
