//! `nutctl doctor`, `mode` and `map` on prepared config directories (written here into temp dirs,
//! their MONITOR lines pointing at a closed loopback port or at a live `nutctl serve`), checking the
//! finding ids in `--json` and in text, the exit codes, and that no password is ever printed.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

mod common;

use std::path::Path;

use common::{closed_port, code, nutctl, stderr, stdout, Serve, ADMIN, ADMIN_PW};

/// Writes `files` (name, text) into a fresh temp dir, mode 640 like a packaged /etc/nut.
fn cfg(files: &[(&str, String)]) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = d.path().join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    d
}

fn doctor(dir: &Path, json: bool) -> std::process::Output {
    let mut c = nutctl();
    c.args(["doctor", "--timeout", "2", "--confdir"]).arg(dir);
    if json {
        c.arg("--json");
    }
    c.output().unwrap()
}

fn ids(o: &std::process::Output) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)));
    v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// Runs doctor in JSON and text; checks the id is in both, the exit code, and that no secret shows.
fn expect(dir: &Path, id: &str, exit: i32, secrets: &[&str]) -> (serde_json::Value, String) {
    let j = doctor(dir, true);
    assert_eq!(code(&j), exit, "{}\n{}", stdout(&j), stderr(&j));
    assert!(ids(&j).iter().any(|i| i == id), "{id} not in {:?}", ids(&j));
    let t = doctor(dir, false);
    assert_eq!(code(&t), exit, "{}", stdout(&t));
    let text = stdout(&t);
    assert!(text.contains(&format!("({id})")), "{id} not in\n{text}");
    for s in secrets {
        for out in [stdout(&j), stderr(&j), text.clone(), stderr(&t)] {
            assert!(!out.contains(s), "password {s} printed:\n{out}");
        }
    }
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["exit_code"], exit);
    (v, text)
}

#[test]
fn mode_none_with_ups_and_monitor_is_critical_in_doctor_and_mode() {
    let port = closed_port();
    let d = cfg(&[
        ("nut.conf", "MODE=none\n".into()),
        ("ups.conf", "[desk]\n  driver = usbhid-ups\n  port = auto\n".into()),
        (
            "upsmon.conf",
            format!("MONITOR desk@127.0.0.1:{port} 1 watcher pw-none-123 primary\nSHUTDOWNCMD \"/bin/true\"\n"),
        ),
    ]);
    let (_, text) = expect(d.path(), "mode.none-configured", 2, &["pw-none-123"]);
    // The verdict comes first, on one line: role, severity, the top problem.
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("role: none"), "{first}");
    assert!(first.contains("CRITICAL"), "{first}");

    let o = nutctl()
        .args(["mode", "--confdir"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let t = stdout(&o);
    assert!(
        t.contains("(mode.none-configured)") && t.contains("MODE=none"),
        "{t}"
    );
    assert!(!t.contains("pw-none-123"));
    let o = nutctl()
        .args(["mode", "--json", "--confdir"])
        .arg(d.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "none");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"].as_str().unwrap().starts_with("mode.")));
    assert_eq!(v["findings"][0]["id"], "mode.none-configured");
}

#[test]
fn password_mismatch_between_upsmon_and_upsd_users() {
    let port = closed_port();
    let d = cfg(&[
        ("nut.conf", "MODE=standalone\n".into()),
        ("ups.conf", "[desk]\n  driver = usbhid-ups\n  port = auto\n".into()),
        ("upsd.conf", format!("LISTEN 127.0.0.1 {port}\n")),
        (
            "upsd.users",
            "[watcher]\n  password = right-Pw-5521\n  upsmon primary\n".into(),
        ),
        (
            "upsmon.conf",
            format!("MONITOR desk@127.0.0.1:{port} 1 watcher wrong-Pw-9913 primary\nSHUTDOWNCMD \"/bin/true\"\nPOWERDOWNFLAG /run/x-killpower\n"),
        ),
    ]);
    let (v, _) = expect(
        d.path(),
        "config.monitor-password-mismatch",
        2,
        &["right-Pw-5521", "wrong-Pw-9913"],
    );
    // The closed port is probed and reported too, and the gaps are listed.
    let ids: Vec<&str> = v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"net.refused"), "{ids:?}");
    assert!(v["unavailable"].as_array().is_some());
}

#[test]
fn client_pointing_at_localhost_and_server_against_a_live_serve() {
    let s = Serve::start();
    // A client (netclient) whose MONITOR points at this host.
    let client = cfg(&[
        ("nut.conf", "MODE=netclient\n".into()),
        (
            "upsmon.conf",
            format!(
                "MONITOR {} 1 {ADMIN} \"{ADMIN_PW}\" secondary\nSHUTDOWNCMD \"/bin/true\"\n",
                s.target()
            ),
        ),
    ]);
    let (v, text) = expect(
        client.path(),
        "config.monitor-localhost-netclient",
        2,
        &[ADMIN_PW],
    );
    assert!(text.starts_with("role: client"), "{text}");
    // The target was probed (with the MONITOR line's login) and found reachable.
    let reach = v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "target.reachable")
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        reach["subject"]
            .as_str()
            .unwrap()
            .contains(&s.port.to_string()),
        "{reach}"
    );

    // The server (netserver) of that UPS: reachable, its own UPS on the map with who is logged in.
    let server = cfg(&[
        ("nut.conf", "MODE=netserver\n".into()),
        ("ups.conf", "[es]\n  driver = dummy-ups\n  port = es.dev\n".into()),
        ("upsd.conf", format!("LISTEN 127.0.0.1 {}\n", s.port)),
        (
            "upsd.users",
            format!("[{ADMIN}]\n  password = {ADMIN_PW}\n  upsmon primary\n"),
        ),
        (
            "upsmon.conf",
            format!(
                "MONITOR {} 1 {ADMIN} \"{ADMIN_PW}\" primary\nSHUTDOWNCMD \"/bin/true\"\nPOWERDOWNFLAG /run/x-killpower\n",
                s.target()
            ),
        ),
    ]);
    let j = doctor(server.path(), true);
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    let ids = ids(&j);
    assert!(ids.contains(&"mode.role".to_string()), "{ids:?}");
    assert!(ids.contains(&"target.reachable".to_string()), "{ids:?}");
    assert!(!ids.contains(&"config.monitor-localhost-netclient".to_string()));
    assert_eq!(v["exit_code"].as_u64().unwrap() as i32, code(&j));
    assert!(!stdout(&j).contains(ADMIN_PW));
    let t = doctor(server.path(), false);
    let text = stdout(&t);
    assert!(text.starts_with("role: primary and server"), "{text}");
    assert!(
        text.contains("Authority map") && text.contains("UPS es@"),
        "{text}"
    );
    assert!(text.contains("Timeline"), "{text}");
    assert!(!text.contains(ADMIN_PW) && !stderr(&t).contains(ADMIN_PW));
}

#[test]
fn wrong_password_against_a_live_serve_is_a_credentials_finding() {
    let s = Serve::start();
    let d = cfg(&[
        ("nut.conf", "MODE=netserver\n".into()),
        (
            "upsmon.conf",
            format!(
                "MONITOR {} 1 {ADMIN} \"not-The-Pw-404\" primary\nSHUTDOWNCMD \"/bin/true\"\n",
                s.target()
            ),
        ),
    ]);
    let j = doctor(d.path(), true);
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    let f = v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == "credentials")
        .unwrap_or_else(|| panic!("no credentials finding: {v}"));
    assert_eq!(f["id"], "auth.access-denied");
    assert_eq!(code(&j), 2);
    assert!(!stdout(&j).contains("not-The-Pw-404") && !stderr(&j).contains("not-The-Pw-404"));
}

#[test]
fn map_draws_several_hosts_in_mermaid_and_dot() {
    let nas = cfg(&[
        ("nut.conf", "MODE=netserver\n".into()),
        (
            "ups.conf",
            "[rack]\n  driver = usbhid-ups\n  port = auto\n".into(),
        ),
        (
            "upsmon.conf",
            "MONITOR rack@localhost 1 w sec-Map-1 primary\nSHUTDOWNCMD \"/bin/true\"\n".into(),
        ),
    ]);
    let pc = cfg(&[
        ("nut.conf", "MODE=netclient\n".into()),
        (
            "upsmon.conf",
            "MONITOR rack@nas 1 r sec-Map-2 secondary\nSHUTDOWNCMD \"/bin/true\"\n".into(),
        ),
    ]);
    let host = |n: &str, d: &tempfile::TempDir| format!("{n}={}", d.path().display());
    for (fmt, head) in [("mermaid", "flowchart"), ("dot", "digraph")] {
        let o = nutctl()
            .args(["map", "--offline", "--format", fmt, "--host"])
            .arg(host("nas", &nas))
            .arg("--host")
            .arg(host("pc1", &pc))
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        let out = stdout(&o);
        assert!(out.starts_with(head), "{fmt}: {out}");
        assert!(out.contains("nas") && out.contains("pc1"), "{fmt}: {out}");
        assert!(!out.contains("sec-Map"), "{out}");
    }
    // Text and JSON: one UPS, nas primary, pc1 secondary.
    let o = nutctl()
        .args(["map", "--offline", "--json", "--host"])
        .arg(host("nas", &nas))
        .arg("--host")
        .arg(host("pc1", &pc))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["map"]["upses"][0]["ups"], "rack@nas");
    assert_eq!(v["map"]["upses"][0]["primaries"][0], "nas");
    assert_eq!(v["map"]["upses"][0]["secondaries"][0], "pc1");
    assert_eq!(v["hosts"][1]["name"], "pc1");
    assert!(!stdout(&o).contains("sec-Map"));
    // Several --confdir: hosts named after the directories; other commands refuse several.
    let o = nutctl()
        .args(["map", "--offline", "--confdir"])
        .arg(nas.path())
        .arg("--confdir")
        .arg(pc.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pc_name = pc.path().file_name().unwrap().to_str().unwrap();
    assert!(stdout(&o).contains(pc_name), "{}", stdout(&o));
    let o = nutctl()
        .args(["mode", "--confdir"])
        .arg(nas.path())
        .arg("--confdir")
        .arg(pc.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 3);
}

#[test]
fn map_asks_a_live_server_who_is_logged_in() {
    let s = Serve::start();
    let d = cfg(&[
        ("nut.conf", "MODE=netclient\n".into()),
        (
            "upsmon.conf",
            format!(
                "MONITOR {} 1 {ADMIN} \"{ADMIN_PW}\" secondary\n",
                s.target()
            ),
        ),
    ]);
    let o = nutctl()
        .args(["map", "--json", "--host"])
        .arg(format!("pc1={}", d.path().display()))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["map"]["upses"][0]["live_clients"].is_array(), "{v}");
    assert!(!stdout(&o).contains(ADMIN_PW));
}

#[test]
fn user_credentials_log_in_to_the_ups_served_here_when_upsmon_conf_is_absent() {
    let s = Serve::start();
    let d = cfg(&[
        ("nut.conf", "MODE=netserver\n".into()),
        (
            "ups.conf",
            "[es]\n  driver = dummy-ups\n  port = es.dev\n".into(),
        ),
        ("upsd.conf", format!("LISTEN 127.0.0.1 {}\n", s.port)),
    ]);
    let run = |pw_env: &str| {
        let o = nutctl()
            .env("WRONG_PW", "not-it-7781")
            .args(["doctor", "--json", "--timeout", "2", "--user", ADMIN])
            .args(["--password-env", pw_env, "--confdir"])
            .arg(d.path())
            .output()
            .unwrap();
        assert!(!stdout(&o).contains(ADMIN_PW) && !stdout(&o).contains("not-it-7781"));
        ids(&o)
    };
    let good = run(common::PW_ENV);
    assert!(good.contains(&"target.reachable".to_string()), "{good:?}");
    assert!(
        !good.contains(&"auth.access-denied".to_string()),
        "{good:?}"
    );
    let bad = run("WRONG_PW");
    assert!(bad.contains(&"auth.access-denied".to_string()), "{bad:?}");
}
