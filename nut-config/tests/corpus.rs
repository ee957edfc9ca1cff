//! Every file of NUT's sample set (read in place from ../shared, never copied) parses, renders back
//! byte for byte (also as CRLF and without its final newline), and yields a typed view.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use std::path::PathBuf;

use nut_config::files::nut_conf::{Mode, NutConf};
use nut_config::files::ups_conf::UpsConf;
use nut_config::files::upsd_conf::UpsdConf;
use nut_config::files::upsd_users::UpsdUsers;
use nut_config::files::upsmon_conf::UpsmonConf;
use nut_config::files::upssched_conf::UpsschedConf;
use nut_config::{ConfigError, Document, FileKind};

fn samples() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/nut-samples");
    let entries = std::fs::read_dir(&dir).ok()?;
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    Some(out)
}

fn view_diagnostics(doc: &Document) -> Vec<ConfigError> {
    match doc.kind() {
        FileKind::NutConf => NutConf::from_document(doc).diagnostics,
        FileKind::UpsConf => UpsConf::from_document(doc).diagnostics,
        FileKind::UpsdConf => UpsdConf::from_document(doc).diagnostics,
        FileKind::UpsdUsers => UpsdUsers::from_document(doc).diagnostics,
        FileKind::UpsmonConf => UpsmonConf::from_document(doc).diagnostics,
        FileKind::UpsschedConf => UpsschedConf::from_document(doc).diagnostics,
        FileKind::Other => doc.diagnostics(),
    }
}

#[test]
fn samples_round_trip_byte_for_byte() {
    let Some(samples) = samples() else {
        println!("skipped: no ../shared");
        return;
    };
    assert!(samples.len() >= 8, "expected the NUT sample set");
    for (name, bytes) in &samples {
        let kind = FileKind::from_file_name(name);
        let doc = Document::parse(kind, name.clone(), bytes);
        assert_eq!(doc.render(), *bytes, "{name}");
        // The same file with CRLF line ends, and without its final newline.
        let crlf: Vec<u8> = bytes
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        assert_eq!(
            Document::parse(kind, name.clone(), &crlf).render(),
            crlf,
            "{name} crlf"
        );
        let trimmed = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        assert_eq!(
            Document::parse(kind, name.clone(), trimmed).render(),
            trimmed,
            "{name} no final LF"
        );
        // Every kind of view builds; the samples carry no errors.
        let errors: Vec<String> = view_diagnostics(&doc)
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn sample_views_read_what_the_samples_set() {
    let Some(samples) = samples() else {
        println!("skipped: no ../shared");
        return;
    };
    let get = |n: &str| {
        let (name, bytes) = samples.iter().find(|(f, _)| f == n).unwrap();
        Document::parse(FileKind::from_file_name(name), name.clone(), bytes)
    };
    let nut = NutConf::from_document(&get("nut.conf.sample"));
    assert_eq!(nut.view.mode, Mode::None);
    assert!(nut.view.mode_line.is_some());
    let mon = UpsmonConf::from_document(&get("upsmon.conf.sample")).view;
    assert!(mon.monitors.is_empty());
    assert_eq!(mon.minsupplies, 1);
    assert_eq!(mon.powerdownflag.as_deref(), Some("/etc/killpower"));
    assert!(mon.shutdowncmd.is_some());
    let ups = UpsConf::from_document(&get("ups.conf.sample")).view;
    assert_eq!(ups.globals.maxretry, 3);
    assert!(ups.upses.is_empty());
    let sched = UpsschedConf::from_document(&get("upssched.conf.sample")).view;
    assert!(sched.cmdscript.is_some());
}

#[test]
fn redacted_samples_hide_commented_out_passwords() {
    let Some(samples) = samples() else {
        println!("skipped: no ../shared");
        return;
    };
    for (name, bytes) in &samples {
        let kind = FileKind::from_file_name(name);
        let doc = Document::parse(kind, name.clone(), bytes);
        let red = doc.render_redacted();
        // Every example password the samples quote in comments.
        for pw in [
            "mypassword",
            "MyPasSw0rD",
            "mypass ",
            "= pass",
            "secretpass",
            "upswired blah",
        ] {
            assert!(!red.contains(pw), "{name} still shows {pw:?}");
        }
        // Prose survives: the redacted file has as many lines as the original.
        assert_eq!(
            red.lines().count(),
            String::from_utf8_lossy(bytes).lines().count(),
            "{name}"
        );
    }
}
