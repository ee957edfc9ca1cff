//! The binary's conventions: help, usage errors, completions, man page, broken pipe, and the demo.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::*;

#[test]
fn help_has_examples_and_exit_codes() {
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("2  CRITICAL"), "{}", stdout(&o));
    for cmd in [
        "status",
        "list",
        "clients",
        "check",
        "set",
        "cmd",
        "fsd",
        "serve",
        "demo",
        "logs",
        "config",
        "watch",
        "doctor",
        "mode",
        "map",
        "completions",
        "man",
    ] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(code(&o), 0, "{cmd}");
        assert!(
            stdout(&o).contains("Example"),
            "{cmd} --help has no example"
        );
    }
}

#[test]
fn usage_errors_are_unknown_not_critical() {
    let o = run(&["status", "--no-such-flag"]);
    assert_eq!(code(&o), 3);
    let o = run(&["status", "bad target"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("bad target"), "{}", stderr(&o));
    let o = run(&["--timeout", "-1", "status", "ups@127.0.0.1"]);
    assert_eq!(code(&o), 3);
}

#[test]
fn set_and_cmd_refuse_a_bad_name_before_connecting_or_asking_for_credentials() {
    // Port 1 on loopback is closed: a connection attempt would say "refused"; no --user is given,
    // which would be refused next. The name is checked before both.
    for args in [
        &["set", "ups@127.0.0.1:1", "bad name", "1"][..],
        &["cmd", "ups@127.0.0.1:1", "beeper\ndisable"][..],
    ] {
        let o = run(args);
        assert_ne!(code(&o), 0, "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("not a NUT name") || err.contains("forbidden byte"),
            "{err}"
        );
        assert!(!err.contains("refused") && !err.contains("--user"), "{err}");
    }
}

#[test]
fn completions_and_man_page_come_from_the_cli() {
    let o = run(&["completions", "bash"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("nutctl") && stdout(&o).contains("--raw"));
    let o = run(&["man"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).starts_with(".ie") || stdout(&o).contains(".TH nutctl"),
        "{}",
        stdout(&o)
    );
    // The main page lists nutctl-exporter(1) and the others: `--dir` writes each of them.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = run(&["man", "--dir", &dir.path().display().to_string()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = |name: &str| {
        std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert!(page("nutctl.1").contains("nutctl\\-exporter(1)"));
    let exporter = page("nutctl-exporter.1");
    assert!(
        exporter.contains("\\-\\-listen") && exporter.contains("\\-\\-targets"),
        "{exporter}"
    );
    assert!(page("nutctl-exporter-rules.1").contains("\\-\\-names"));
}

#[test]
fn broken_pipe_exits_zero() {
    let s = Serve::start();
    let t = s.target();
    // More output than a pipe buffer holds, so the write fails with EPIPE once we close our end,
    // whenever that happens.
    let targets: Vec<&str> = std::iter::repeat(t.as_str()).take(80).collect();
    let mut child = nutctl()
        .args(["status", "--raw"])
        .args(&targets)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(0), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn no_color_env_and_non_tty_mean_plain_text() {
    let s = Serve::start();
    let o = nutctl()
        .env("NO_COLOR", "1")
        .args(["status", &s.target()])
        .output()
        .unwrap();
    assert!(!stdout(&o).contains('\x1b'));
}

#[test]
fn demo_runs_to_completion_and_tells_the_story() {
    let o = run(&["demo", "--pace", "0"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("server started on 127.0.0.1:"), "{text}");
    for needle in [
        "step 1/6",
        "status.on-battery",
        "status.on-battery-low",
        "net.refused",
        "step 6/6",
        "part 4:",
        "(auth.access-denied)",
        "(config.monitor-localhost-netclient)",
        "done:",
    ] {
        assert!(text.contains(needle), "missing {needle}: {text}");
    }
    // The demo client's passwords (right and wrong) are never shown.
    assert!(!text.contains("demo-Right-pw") && !text.contains("demo-Wrong-pw"));
    let o = run(&["demo", "--pace", "0", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<u64> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["exit_code"].as_u64().unwrap())
        .collect();
    // "mains back" (OL CHRG, 35 %): a low charge on line power is a warning (recharging), not critical.
    assert_eq!(codes, [0, 1, 2, 1, 2, 0]);
    let doctor_ids: Vec<&str> = v["doctor"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(doctor_ids.contains(&"auth.access-denied"), "{doctor_ids:?}");
    assert_eq!(v["doctor"]["verdict"]["worst"], "critical");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("demo-Wrong-pw"));
}

/// The README next to this crate (the one the package ships).
fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("nutctl/README.md")
}

/// `(code, word)` of every `  0  OK  …` line of the help's exit-code table.
fn help_exit_table(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() > 2 && w[0].len() == 1 && w[0].chars().all(|c| c.is_ascii_digit()))
        .filter(|w| w[1].chars().all(|c| c.is_ascii_uppercase()))
        .map(|w| (w[0].to_string(), w[1].to_string()))
        .collect()
}

/// The code a sentence gives each outcome: the digit opening the clause (split at `,`, `(`,
/// `)` and `;`) that names `outcome`.
fn code_of(sentence: &str, outcome: &str) -> Option<char> {
    sentence
        .split([',', '(', ')', ';'])
        .map(str::trim)
        .filter(|c| c.contains(outcome))
        .find_map(|c| c.chars().next().filter(char::is_ascii_digit))
}

#[test]
fn exit_code_tables_of_help_man_and_readme_agree() {
    let help = help_exit_table(&stdout(&run(&["--help"])));
    assert_eq!(help.len(), 4, "{help:?}");
    let man = help_exit_table(&stdout(&run(&["man"])));
    assert_eq!(man, help, "the man page's table is the help's");
    let readme = readme();
    let rows: Vec<(String, String)> = readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() > 3 && cells[1].len() == 1 && cells[1].chars().all(|c| c.is_ascii_digit()))
                .then(|| (cells[1].to_string(), cells[2].to_string()))
        })
        .collect();
    assert_eq!(rows, help, "README's exit-code table is the help's");

    // `logs` states its own use of the scale in its help and in README's command table.
    let logs_help = stdout(&run(&["logs", "--help"])).replace('\n', " ");
    let logs_help = logs_help
        .split("exit code")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let logs_row = readme
        .lines()
        .find(|l| l.starts_with("| `logs "))
        .and_then(|l| l.split("Exit:").nth(1))
        .unwrap_or_default()
        .to_string();
    for outcome in ["shutdown", "still down"] {
        let (h, r) = (code_of(&logs_help, outcome), code_of(&logs_row, outcome));
        assert!(
            h.is_some(),
            "logs --help gives no code for {outcome:?}: {logs_help}"
        );
        assert_eq!(
            h, r,
            "{outcome:?}: logs --help {logs_help:?} vs README {logs_row:?}"
        );
    }
}

#[test]
fn options_are_shown_only_where_they_are_used() {
    for (cmd, unused) in [
        ("logs", &["--timeout", "--confdir", "--cafile"][..]),
        ("serve", &["--timeout", "--confdir", "--cafile"][..]),
    ] {
        let help = stdout(&run(&[cmd, "--help"]));
        for opt in unused {
            assert!(!help.contains(opt), "{cmd} --help shows {opt}:\n{help}");
        }
    }
    let help = stdout(&run(&["status", "--help"]));
    for opt in ["--timeout", "--confdir", "--cafile"] {
        assert!(help.contains(opt), "status --help lacks {opt}");
    }
    // Hidden, still accepted where it was (and ignored as before).
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("empty.log");
    std::fs::write(&log, "Nov 26 15:20:01 h upsmon[1]: UPS ups@h on battery\n").expect("write");
    let o = run(&["logs", "--timeout", "2", log.to_str().unwrap_or_default()]);
    assert_ne!(code(&o), 3, "{}", stderr(&o));
    for args in [
        &[
            "config",
            "--timeout",
            "2",
            "check",
            "--confdir",
            "/nonexistent",
        ][..],
        &[
            "config",
            "check",
            "--timeout",
            "2",
            "--confdir",
            "/nonexistent",
        ][..],
    ] {
        let o = run(args);
        assert!(
            !stderr(&o).contains("unexpected argument"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn exporter_help_names_the_file_that_documents_its_metrics() {
    let o = run(&["exporter", "--help"]);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    let doc = help
        .split_whitespace()
        .find(|w| w.ends_with(".md"))
        .unwrap_or_else(|| panic!("no .md named in\n{help}"));
    // Named relative to this crate (and installed beside it by the Debian package).
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    for family in [
        "nut_target_up",
        "nut_ups_status",
        "network_ups_tools_ups_status",
    ] {
        assert!(text.contains(family), "{doc} does not document {family}");
    }
}
