//! `nutctl config check|show` on hand-made directories (tests/data/config): `file:line:col`
//! diagnostics with the line and a caret, the exit-code scale, and no password in any output.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Every password the fixtures hold; none may ever be printed.
const SECRETS: [&str; 5] = [
    "Brok3n-Secret-771",
    "Adm1n-Secret-552",
    "Mon-Secret-913",
    "Warn-Secret-338",
    "Clean-Secret-404",
];

/// A private copy of a fixture directory with mode 600 files (a git checkout leaves them 644,
/// which nut-config rightly warns about for files holding passwords).
fn copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/config")
        .join(name);
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join(name);
    std::fs::create_dir(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        std::fs::copy(e.path(), &to).unwrap();
        set_mode(&to, 0o600);
    }
    (tmp, dst)
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn config(args: &[&str], dir: &Path) -> std::process::Output {
    let mut a = vec!["config"];
    a.extend_from_slice(args);
    nutctl()
        .args(&a)
        .arg("--confdir")
        .arg(dir)
        .output()
        .unwrap()
}

fn assert_no_secret(o: &std::process::Output) {
    for s in SECRETS {
        assert!(!stdout(o).contains(s), "{s} in stdout: {}", stdout(o));
        assert!(!stderr(o).contains(s), "{s} in stderr: {}", stderr(o));
    }
}

#[test]
fn check_broken_dir_errors_with_file_line_col_and_caret() {
    let (_t, dir) = copy("broken");
    let o = config(&["check"], &dir);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let text = stdout(&o);
    let um = dir.join("upsmon.conf").display().to_string();
    assert!(
        text.contains(&format!("{um}:3:10: POLLFREQ: \"often\" is not a number\n  3 | POLLFREQ often\n    |          ^\n")),
        "{text}"
    );
    let uu = dir.join("upsd.users").display().to_string();
    assert!(
        text.contains(&format!("{uu}:6:13: unterminated quote")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{uu}:5:1: warning: [monuser] has no password")),
        "{text}"
    );
    assert!(text.contains("2 error(s), 1 warning(s)"), "{text}");
    assert_no_secret(&o);

    let o = config(&["check", "--json"], &dir);
    assert_eq!(code(&o), 2);
    assert_no_secret(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(v["exit_code"], 2);
    let upsmon = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "upsmon.conf")
        .unwrap();
    assert_eq!(upsmon["state"], "parsed");
    let d = &upsmon["diagnostics"][0];
    assert_eq!((d["line"].as_u64(), d["col"].as_u64()), (Some(3), Some(10)));
    assert_eq!(d["severity"], "error");
    assert!(
        upsmon.get("redacted").is_none(),
        "check does not print the files"
    );
}

#[test]
fn check_warnings_only_is_1_clean_is_0() {
    let (_t, dir) = copy("warn");
    let o = config(&["check"], &dir);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let um = dir.join("upsmon.conf").display().to_string();
    assert!(
        stdout(&o).contains(&format!(
            "{um}:4:1: warning: unknown directive POLLFREQUENCY"
        )),
        "{}",
        stdout(&o)
    );
    assert_no_secret(&o);

    let (_t, dir) = copy("clean");
    let o = config(&["check"], &dir);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("upsmon.conf: ok"), "{}", stdout(&o));
    // The same file readable by everyone: a warning about permissions.
    set_mode(&dir.join("upsmon.conf"), 0o644);
    let o = config(&["check"], &dir);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("readable by every user"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn check_missing_or_unreadable_dir_is_3() {
    let o = config(&["check"], Path::new("/nonexistent-nutctl-confdir"));
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(code(&config(&["check"], empty.path())), 3);
    let o = config(
        &["check", "--json"],
        Path::new("/nonexistent-nutctl-confdir"),
    );
    assert_eq!(code(&o), 3);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dir_exists"], false);
    // A file that cannot be read (a directory in its place: also works as root).
    let (_t, dir) = copy("clean");
    std::fs::create_dir(dir.join("upsd.users")).unwrap();
    let o = config(&["check"], &dir);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    assert!(stdout(&o).contains("cannot read"), "{}", stdout(&o));
}

#[test]
fn show_never_prints_a_password() {
    for name in ["broken", "warn", "clean"] {
        let (_t, dir) = copy(name);
        let o = config(&["show"], &dir);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        assert_no_secret(&o);
        assert!(stdout(&o).contains("<redacted>"), "{name}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("MONITOR myups@nas.local 1 monuser <redacted>"),
            "{}",
            stdout(&o)
        );
        let o = config(&["show", "--json"], &dir);
        assert_no_secret(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let upsmon = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == "upsmon.conf")
            .unwrap();
        assert!(upsmon["redacted"].as_str().unwrap().contains("<redacted>"));
    }
    // The broken upsd.users (an unterminated quote around a password) shows its diagnostics too.
    let (_t, dir) = copy("broken");
    let o = config(&["show"], &dir);
    assert!(
        stdout(&o).contains("# ") && stdout(&o).contains("unterminated quote"),
        "{}",
        stdout(&o)
    );
}
