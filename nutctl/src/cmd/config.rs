//! `nutctl config check|show`: nut-config's diagnostics with `file:line:col`, the offending line and
//! a caret; or every file with its secrets redacted. Validation and redaction are nut-config's
//! (`ConfigDir`, `Document::snippet`, `Document::render_redacted`); this file only renders them.

use std::fmt::Write as _;

use nut_config::dir::{FileReport, FileState};
use nut_config::{ConfigDir, ConfigError};
use serde::Serialize;

use crate::cli::ConfigAction;
use crate::ctx::Ctx;
use crate::exit::Exit;
use crate::render;
use crate::render::text::{bold, paint};

/// One file of the directory, as reported.
#[derive(Debug, Serialize)]
struct FileView {
    /// File name (`upsmon.conf`).
    file: &'static str,
    /// Full path.
    path: String,
    /// `parsed`, `missing` or `unreadable`.
    state: &'static str,
    /// Why it could not be read (`unreadable` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// Errors and warnings, permission ones included.
    diagnostics: Vec<ConfigError>,
    /// `show` only: the file with every secret replaced by `<redacted>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    redacted: Option<String>,
    /// Diagnostics with their (redacted) line and a caret, for terminals.
    #[serde(skip)]
    snippets: Vec<String>,
}

/// The `config check`/`config show` document.
#[derive(Debug, Serialize)]
struct ConfigReport {
    /// The directory read.
    dir: String,
    /// Whether it exists.
    dir_exists: bool,
    /// Each known file, in NUT's order.
    files: Vec<FileView>,
    /// Number of error diagnostics.
    errors: usize,
    /// Number of warning diagnostics.
    warnings: usize,
    /// The process exit code.
    exit_code: u8,
}

fn view<V>(file: &'static str, r: &FileReport<V>, show: bool) -> FileView {
    let diagnostics = r.diagnostics();
    let doc = r.document();
    let snippets = diagnostics
        .iter()
        .map(|d| doc.map_or_else(|| d.to_string(), |doc| doc.snippet(d)))
        .collect();
    let (state, reason) = match &r.state {
        FileState::Missing => ("missing", None),
        FileState::Unreadable { reason } => ("unreadable", Some(reason.clone())),
        FileState::Parsed { .. } => ("parsed", None),
    };
    FileView {
        file,
        path: r.path.display().to_string(),
        state,
        reason,
        diagnostics,
        redacted: if show {
            doc.map(nut_config::Document::render_redacted)
        } else {
            None
        },
        snippets,
    }
}

/// `nutctl config check|show`.
pub(crate) fn run(ctx: &Ctx, action: ConfigAction) -> anyhow::Result<Exit> {
    let show = matches!(action, ConfigAction::Show);
    let d = ConfigDir::load(&ctx.confdir);
    let files = vec![
        view("nut.conf", &d.nut_conf, show),
        view("ups.conf", &d.ups_conf, show),
        view("upsd.conf", &d.upsd_conf, show),
        view("upsd.users", &d.upsd_users, show),
        view("upsmon.conf", &d.upsmon_conf, show),
        view("upssched.conf", &d.upssched_conf, show),
    ];
    let all = || files.iter().flat_map(|f| &f.diagnostics);
    let errors = all().filter(|e| e.is_error()).count();
    let warnings = all().count() - errors;
    let unreadable = files.iter().any(|f| f.state == "unreadable");
    let none = files.iter().all(|f| f.state == "missing");
    let exit = if !d.dir_exists || unreadable || none {
        Exit::Unknown
    } else if show {
        Exit::Ok
    } else if errors > 0 {
        Exit::Critical
    } else if warnings > 0 {
        Exit::Warning
    } else {
        Exit::Ok
    };
    let report = ConfigReport {
        dir: d.dir.display().to_string(),
        dir_exists: d.dir_exists,
        files,
        errors,
        warnings,
        exit_code: exit.code(),
    };
    if ctx.json {
        render::json::emit(&report)?;
        return Ok(exit);
    }
    let color = ctx.color;
    let mut out = String::new();
    if !report.dir_exists {
        eprintln!(
            "nutctl config: {} does not exist or is not a directory (use --confdir DIR or set NUT_CONFPATH)",
            report.dir
        );
        return Ok(exit);
    }
    if none {
        eprintln!(
            "nutctl config: no NUT configuration file in {} (nut.conf, ups.conf, upsd.conf, upsd.users, upsmon.conf, upssched.conf)",
            report.dir
        );
        return Ok(exit);
    }
    for f in &report.files {
        match f.state {
            "missing" => {
                if !show {
                    let _ = writeln!(out, "{}: not present", f.path);
                }
                continue;
            }
            "unreadable" => {
                let _ = writeln!(
                    out,
                    "{}: {}",
                    f.path,
                    paint(
                        &format!("cannot read: {}", f.reason.as_deref().unwrap_or("?")),
                        Some(nut_diagnose::Severity::Critical),
                        color
                    )
                );
                continue;
            }
            _ => {}
        }
        if show {
            let _ = writeln!(out, "{}", bold(&format!("==> {} <==", f.path), color));
            if let Some(text) = &f.redacted {
                out.push_str(text);
                if !text.is_empty() && !text.ends_with('\n') {
                    out.push('\n');
                }
            }
            for s in &f.snippets {
                let _ = writeln!(out, "# {}", s.replace('\n', "\n# "));
            }
            out.push('\n');
        } else if f.diagnostics.is_empty() {
            let _ = writeln!(out, "{}: ok", f.path);
        } else {
            for (d, s) in f.diagnostics.iter().zip(&f.snippets) {
                let sev = if d.is_error() {
                    nut_diagnose::Severity::Critical
                } else {
                    nut_diagnose::Severity::Warning
                };
                let mut lines = s.lines();
                if let Some(head) = lines.next() {
                    let _ = writeln!(out, "{}", paint(head, Some(sev), color));
                }
                for l in lines {
                    let _ = writeln!(out, "{l}");
                }
            }
        }
    }
    if !show {
        let _ = writeln!(
            out,
            "\n{} error(s), {} warning(s) in {} => exit code {}",
            report.errors,
            report.warnings,
            report.dir,
            exit.code()
        );
    }
    render::emit(&out)?;
    Ok(exit)
}
