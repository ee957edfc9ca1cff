//! Prints the diagnostics and the redacted render of a config file: `cargo run --example check FILE`.
use nut_config::files::nut_conf::NutConf;
use nut_config::files::ups_conf::UpsConf;
use nut_config::files::upsd_conf::UpsdConf;
use nut_config::files::upsd_users::UpsdUsers;
use nut_config::files::upsmon_conf::UpsmonConf;
use nut_config::files::upssched_conf::UpsschedConf;
use nut_config::{Document, FileKind};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: check FILE [--redacted]");
        std::process::exit(2);
    };
    let bytes = match nut_config::dir::read_config_file(path.as_ref()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let kind = FileKind::from_file_name(&path);
    let doc = Document::parse(kind, path.clone(), &bytes);
    let diags = match kind {
        FileKind::NutConf => NutConf::from_document(&doc).diagnostics,
        FileKind::UpsConf => UpsConf::from_document(&doc).diagnostics,
        FileKind::UpsdConf => UpsdConf::from_document(&doc).diagnostics,
        FileKind::UpsdUsers => UpsdUsers::from_document(&doc).diagnostics,
        FileKind::UpsmonConf => UpsmonConf::from_document(&doc).diagnostics,
        FileKind::UpsschedConf => UpsschedConf::from_document(&doc).diagnostics,
        FileKind::Other => doc.diagnostics(),
    };
    for d in &diags {
        eprintln!("{}", doc.snippet(d));
    }
    if std::env::args().any(|a| a == "--redacted") {
        print!("{}", doc.render_redacted());
    }
}
