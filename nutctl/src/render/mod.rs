//! Rendering: [`text`] for people (colour only when [`crate::ctx::Ctx::color`] says so) and
//! [`json`] for programs (one document per run). Renderers never decide a severity: they show the
//! ones nut-diagnose gave.

pub(crate) mod doctor;
pub(crate) mod drill;
pub(crate) mod episodes;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod perfdata;
pub(crate) mod prometheus;
pub(crate) mod report;
pub(crate) mod sanitize;
pub(crate) mod text;
pub(crate) mod upsc;
pub(crate) mod watch;

use std::io::Write;

/// Writes text to stdout, control characters escaped ([`sanitize::sanitize`]). Errors (a closed
/// pipe above all) are returned, not panicked on as `print!` would.
pub(crate) fn emit(text: &str) -> std::io::Result<()> {
    emit_exact(&sanitize::sanitize(text))
}

/// Writes `text` to stdout as it is: JSON only (serde and [`upsc`] escape control characters).
pub(crate) fn emit_exact(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
