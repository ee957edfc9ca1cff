//! Tests of the lossless document (compiled only under `cfg(test)`: `mod tests;` in `mod.rs`).
//!
//! Test-only: its unwrap/expect/panic sites run on the tests' own fixture strings, never on input,
//! and each fails the test that wrote the fixture. Outside tests the crate denies unwrap, expect and
//! panic (`lib.rs`), so clippy -D warnings fails on any site that input could reach.

use super::*;

fn doc(kind: FileKind, s: &str) -> Document {
    Document::parse_str(kind, "t", s)
}

fn text(d: &Document) -> String {
    String::from_utf8(d.render()).unwrap()
}

#[test]
fn round_trip_odd_inputs() {
    for s in [
        "",
        "\n",
        "no newline",
        "a b",
        "  \t\r\n\r\n",
        "X \"open\nquote\n",
        "X \"a#b\"\nY z\n",
        "cont\\\ninued line\n",
        "[s]\n\tk = v # c \t\n\n[t]\r\n",
        "\u{0}\u{ff}\u{7f}=\"=\n",
    ] {
        for kind in [FileKind::UpsConf, FileKind::NutConf, FileKind::UpsmonConf] {
            assert_eq!(text(&doc(kind, s)), s, "{kind:?} {s:?}");
        }
    }
}

#[test]
fn sections_and_entries() {
    let d = doc(
        FileKind::UpsConf,
        "maxretry = 3\n[a]\n driver = x\n\n[b]\n port=y\n",
    );
    let e: Vec<_> = d
        .entries()
        .filter_map(|e| e.line.key().map(|k| (e.section, k.to_string())))
        .collect();
    assert_eq!(
        e,
        [
            (None, "maxretry".to_string()),
            (Some("a"), "driver".to_string()),
            (Some("b"), "port".to_string())
        ]
    );
    assert_eq!(d.line_number(5), 6);
}

#[test]
fn nul_in_a_password_is_an_error_naming_file_and_line() {
    let d = doc(
        FileKind::UpsmonConf,
        "# x\nMONITOR u@h 1 mon \"pw\0x\" primary\n",
    );
    let errs: Vec<String> = d
        .diagnostics()
        .iter()
        .filter(|e| e.is_error())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("t:2:19: NUL byte"), "{errs:?}");
    assert!(!errs[0].contains("pw"), "{errs:?}");
}

#[test]
fn structure_diagnostics() {
    let d = doc(FileKind::UpsConf, "[]\n[a]\n[a\n[b] extra\n[a]\n");
    let msgs: Vec<String> = d.diagnostics().iter().map(|e| e.to_string()).collect();
    assert_eq!(
        msgs,
        [
            "t:1:1: section header without a name",
            "t:3:1: malformed section header (expected [name], no spaces)",
            "t:4:5: warning: text after the section header is ignored",
            "t:5:1: duplicate section [a] (first defined on line 2)",
        ]
    );
}

#[test]
fn set_rewrites_only_the_value() {
    let mut d = doc(
        FileKind::UpsConf,
        "# top\n[ups]\n\tdriver=usbhid-ups   # the driver\n\tport = auto\n",
    );
    d.set(Some("ups"), "driver", &["nutdrv_qx"]).unwrap();
    assert_eq!(
        text(&d),
        "# top\n[ups]\n\tdriver=nutdrv_qx   # the driver\n\tport = auto\n"
    );
    d.set(Some("ups"), "desc", &["Rack UPS"]).unwrap();
    assert_eq!(
        text(&d),
        "# top\n[ups]\n\tdriver=nutdrv_qx   # the driver\n\tport = auto\n\tdesc = \"Rack UPS\"\n"
    );
    assert_eq!(
        d.set(Some("nope"), "x", &["y"]),
        Err(EditError::NoSuchSection("nope".into()))
    );
}

#[test]
fn set_global_goes_above_the_first_section_comment() {
    let mut d = doc(
        FileKind::UpsConf,
        "# intro\n\n# first ups\n[a]\n\tdriver = x\n",
    );
    d.set(None, "maxretry", &["3"]).unwrap();
    assert_eq!(
        text(&d),
        "# intro\n\nmaxretry = 3\n# first ups\n[a]\n\tdriver = x\n"
    );
}

#[test]
fn insert_remove_and_crlf_and_missing_newline() {
    let mut d = doc(
        FileKind::UpsmonConf,
        "MONITOR a@h 1 u p primary\r\nPOLLFREQ 5",
    );
    d.insert(None, "MONITOR", &["b@h", "1", "u", "p", "secondary"])
        .unwrap();
    d.set(None, "DEADTIME", &["30"]).unwrap();
    assert_eq!(
        text(&d),
        "MONITOR a@h 1 u p primary\r\nMONITOR b@h 1 u p secondary\r\nPOLLFREQ 5\r\nDEADTIME 30\r\n"
    );
    assert_eq!(d.remove(None, "MONITOR").unwrap(), 2);
    assert_eq!(text(&d), "POLLFREQ 5\r\nDEADTIME 30\r\n");
}

#[test]
fn sections_added_and_removed() {
    let mut d = doc(FileKind::UpsdUsers, "[admin]\n\tpassword = x\n");
    d.add_section("mon").unwrap();
    d.set(Some("mon"), "upsmon", &["secondary"]).unwrap();
    assert_eq!(
        text(&d),
        "[admin]\n\tpassword = x\n\n[mon]\n\tupsmon = secondary\n"
    );
    assert_eq!(
        d.add_section("mon"),
        Err(EditError::SectionExists("mon".into()))
    );
    assert!(d.remove_section("admin").unwrap());
    assert_eq!(text(&d), "[mon]\n\tupsmon = secondary\n");
    assert!(!d.remove_section("admin").unwrap());
}

#[test]
fn upsd_users_keys_are_case_insensitive_and_flag_forms_kept() {
    let mut d = doc(
        FileKind::UpsdUsers,
        "[u]\n  PassWord = old\n  upsmon master\n",
    );
    d.set(Some("u"), "password", &["new pw"]).unwrap();
    d.set(Some("u"), "upsmon", &["primary"]).unwrap();
    assert_eq!(text(&d), "[u]\n  PassWord = \"new pw\"\n  upsmon primary\n");
}

#[test]
fn nut_conf_edits() {
    let mut d = doc(FileKind::NutConf, "# mode\nMODE=none # was\n");
    d.set(None, "MODE", &["netclient"]).unwrap();
    d.set(None, "UPSD_OPTIONS", &["-D -D"]).unwrap();
    assert_eq!(
        text(&d),
        "# mode\nMODE=netclient # was\nUPSD_OPTIONS=\"-D -D\"\n"
    );
    assert_eq!(d.set(None, "MODE", &[]), Err(EditError::OneValue));
    assert_eq!(
        d.add_section("x"),
        Err(EditError::NoSections(FileKind::NutConf))
    );
}

#[test]
fn flags() {
    let mut d = doc(FileKind::UpsConf, "[u]\n\tnolock = yes\n");
    d.set(Some("u"), "nolock", &[]).unwrap();
    d.set(Some("u"), "ignorelb", &[]).unwrap();
    assert_eq!(text(&d), "[u]\n\tnolock\n\tignorelb\n");
}

#[test]
fn redaction() {
    let d = doc(
        FileKind::UpsdUsers,
        "[u]\n\tpassword = \"s3cr3t pw\"  # set 2024\n#\tpassword = oldpass\n\tpasword = typo1\n\tactions = SET\n\tpassword = \"x#y\"\n",
    );
    let r = d.render_redacted();
    assert_eq!(
        r,
        "[u]\n\tpassword = <redacted>  # set 2024\n#\tpassword = <redacted>\n\t<redacted>\n\tactions = SET\n\tpassword <redacted>\n"
    );
    let dbg = format!("{d:?}");
    for s in ["s3cr3t", "oldpass", "typo1", "x#y"] {
        assert!(!dbg.contains(s), "{s} in {dbg}");
    }
    let m = doc(
        FileKind::UpsmonConf,
        "MONITOR ups@h 1 mon Pa55 primary\n# MONITOR ups@h 1 mon OldPw slave\nCERTIDENT me Cpw\n",
    );
    assert_eq!(
        m.render_redacted(),
        "MONITOR ups@h 1 mon <redacted> primary\n# MONITOR ups@h 1 mon <redacted> slave\nCERTIDENT me <redacted>\n"
    );
}

#[test]
fn snippets_point_at_the_column_without_secrets() {
    let d = doc(
        FileKind::UpsmonConf,
        "MONITOR u@h 1 mon Pw9 primary\n\tPOLLFREQ often\nMONITOR u@h:0 1 mon Pw9 primary\n",
    );
    let p = crate::files::upsmon_conf::UpsmonConf::from_document(&d);
    let shown: Vec<String> = p.diagnostics.iter().map(|e| d.snippet(e)).collect();
    assert_eq!(
        shown,
        [
            "t:2:11: POLLFREQ: \"often\" is not a number\n  2 | \tPOLLFREQ often\n    | \t         ^",
            "t:3:9: MONITOR: bad port \"0\" in target \"u@h:0\" (expected a number from 1 to 65535)\n  3 | MONITOR u@h:0 1 mon <redacted> primary",
        ]
    );
    assert_eq!(d.snippet(&d.file_error(Severity::Warning, ErrorKind::LastWordLost)), "t: warning: last line is a single word without a final newline: NUT ignores it (add a newline)");
}

#[test]
fn write_atomic_keeps_backup() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("upsmon.conf");
    std::fs::write(&p, "POLLFREQ 5\n").unwrap();
    let mut d = Document::parse(
        FileKind::UpsmonConf,
        "upsmon.conf",
        &std::fs::read(&p).unwrap(),
    );
    d.set(None, "POLLFREQ", &["10"]).unwrap();
    let bak = d.write_atomic(&p, true).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "POLLFREQ 10\n");
    let bak = bak.unwrap();
    assert_eq!(std::fs::read_to_string(&bak).unwrap(), "POLLFREQ 5\n");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty());
    assert_eq!(d.write_atomic(&p, false).unwrap(), None);
}

#[test]
fn snippet_picks_the_physical_line_inside_a_logical_one() {
    let d = doc(
        FileKind::UpsmonConf,
        "MONITOR u@h 1 mon \\\n s3cr3t primary\nPOLLFREQ often\n",
    );
    let at = |line: usize, col: usize| ConfigError {
        file: "t".into(),
        line,
        col,
        severity: Severity::Error,
        kind: ErrorKind::NulByte,
    };
    let s = d.snippet(&at(3, 10));
    assert!(
        s.ends_with("\n  3 | POLLFREQ often\n    |          ^"),
        "{s}"
    );
    let s = d.snippet(&at(2, 2));
    assert!(s.ends_with("\n  2 |  <redacted> primary"), "{s}");
    assert!(!s.contains("s3cr3t"), "{s}");
    assert_eq!(d.snippet(&at(9, 1)), at(9, 1).to_string());
}

#[test]
fn a_line_of_unknown_origin_hides_what_any_config_file_would() {
    use super::redact_any_line;
    for (line, secret) in [
        ("MONITOR ups@nas 1 monuser Hunter2x primary", "Hunter2x"),
        ("  password = s3cr3t-pw", "s3cr3t-pw"),
        ("PASSWORD = \"quoted pw\"", "quoted pw"),
        ("community = publ1c-x", "publ1c-x"),
    ] {
        let r = redact_any_line(line);
        assert!(!r.contains(secret), "{line} -> {r}");
        assert!(r.contains(crate::secret::REDACTED), "{line} -> {r}");
    }
    // A log line is no config line: it comes back as it was.
    for line in [
        "Nov 26 15:21:13 nas CRON[99]: (root) CMD (true)",
        "UPS ups@localhost on battery",
        "",
    ] {
        assert_eq!(redact_any_line(line), line);
    }
}
