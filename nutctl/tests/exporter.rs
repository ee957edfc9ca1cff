//! `nutctl exporter` against the real upsd + dummy-ups of nut-lab: /metrics values, a dead target
//! beside a live one, /ups_metrics?target=, DRuggeri names, the exposition checked by `promtool
//! check metrics` and the generated rules by `promtool check rules`; then a real Prometheus on
//! loopback scraping the exporter every second while the UPS goes OB LB, asserted through
//! Prometheus' query API (series and the generated alert firing); STARTTLS towards upsd with the
//! global `--cafile` (verified, and refused with a CA that did not sign upsd's certificate).
//!
//! promtool and prometheus come from Debian's `prometheus` package (.ci/run installs it): without it
//! the Prometheus parts say "skipped", except under CI=true, where that is a failure. The Prometheus
//! test takes ~10 s (Prometheus' start, a few 1 s scrape and rule-evaluation rounds).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::*;
use nut_lab::{wait_for, Lab, LabConfig};

/// One lab at a time in this file (real upsd + dummy-ups, and a Prometheus in one test).
static SERIAL: Mutex<()> = Mutex::new(());

/// A child process killed by PID when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A program of Debian's `prometheus` package, or `None` (with the skip message) when it is not
/// installed; under CI=true its absence fails the test.
fn prometheus_tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !in_ci(),
            "CI=true but {name} is missing: install Debian's prometheus package"
        );
        println!("skipped: no {name} (Debian package prometheus)");
    }
    found
}

/// `nutctl exporter` on a free loopback port; returns the child and its `host:port`.
fn exporter(args: &[&str]) -> (Guard, String) {
    let mut child = nutctl()
        .args(["exporter", "--listen", "127.0.0.1:0", "--timeout", "2"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn nutctl exporter");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (Guard(child), addr)
}

/// A plain HTTP/1.0 GET (test side only): status code and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    try_get(addr, path).unwrap_or_else(|e| panic!("GET http://{addr}{path}: {e}"))
}

/// [`get`], with the I/O error of a server that is not up yet.
fn try_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((code, body.to_string()))
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

fn start_lab() -> Option<Lab> {
    Lab::start(
        LabConfig::new()
            .prefix("nutctl-exporter.")
            .dev_file(data_file(DEV)),
    )
}

/// `promtool check <what>` on a file; panics with its output when it refuses it.
fn promtool_check(promtool: &Path, what: &str, file: &Path, stdin_text: Option<&str>) {
    let mut cmd = Command::new(promtool);
    cmd.args(["check", what]);
    let o = match stdin_text {
        Some(text) => {
            let mut c = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
            c.wait_with_output().unwrap()
        }
        None => cmd.arg(file).output().unwrap(),
    };
    assert!(
        o.status.success(),
        "promtool check {what} refused it:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn metrics_of_a_real_upsd_and_a_dead_target() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(lab) = start_lab() else { return };
    let live = format!("127.0.0.1:{}", lab.port);
    let dead = format!("127.0.0.1:{}", closed_port());
    let single = format!("lab0@127.0.0.1:{}", lab.port);
    let (_exp, addr) = exporter(&[&live, &dead, &single]);

    let (status, m) = get(&addr, "/metrics");
    assert_eq!(status, 200, "{m}");
    let b = format!("target=\"{live}\",ups=\"lab0\"");
    for line in [
        format!("nut_target_up{{target=\"{live}\"}} 1.0"),
        format!("nut_target_up{{target=\"{dead}\"}} 0.0"),
        format!("nut_target_up{{target=\"{single}\"}} 1.0"),
        format!("nut_ups_up{{{b}}} 1.0"),
        // The dump's values, in base units.
        format!("nut_battery_charge_ratio{{{b}}} 1.0"),
        format!("nut_battery_runtime_seconds{{{b}}} 1777.0"),
        format!("nut_ups_load_ratio{{{b}}} 0.22"),
        format!("nut_input_voltage_volts{{{b}}} 120.0"),
        format!("nut_battery_voltage_volts{{{b}}} 13.5"),
        format!("nut_ups_status{{{b},flag=\"OL\"}} 1.0"),
        format!("nut_ups_status{{{b},flag=\"OB\"}} 0.0"),
        format!("nut_finding{{{b},id=\"status.online\",severity=\"ok\"}} 1.0"),
        format!("nut_finding{{target=\"{dead}\",ups=\"\",id=\"net.refused\",severity=\"critical\"}} 1.0"),
    ] {
        assert!(has_line(&m, &line), "missing {line:?} in\n{m}");
    }
    assert!(
        m.lines().any(|l| l.starts_with(&format!(
            "nut_ups_info{{{b},manufacturer=\"APC\",model=\"Back-UPS ES 725\",serial=\"3B0538X11281"
        ))),
        "{m}"
    );
    // The dead target has no UPS series, and did not hold the scrape up beyond its timeout.
    assert!(
        !m.contains(&format!("target=\"{dead}\",ups=\"lab0\"")),
        "{m}"
    );
    assert!(!m.contains("nut_ups_variable"), "opt-in only: {m}");

    // The multi-target pattern: one target's series only.
    let (status, one) = get(&addr, &format!("/ups_metrics?target={}", enc(&live)));
    assert_eq!(status, 200, "{one}");
    assert!(
        has_line(&one, &format!("nut_target_up{{target=\"{live}\"}} 1.0")),
        "{one}"
    );
    assert!(!one.contains(&dead), "{one}");
    let (status, _) = get(&addr, "/ups_metrics");
    assert_eq!(status, 400);
    let (status, why) = get(&addr, "/ups_metrics?target=a%20b");
    assert_eq!(status, 400, "{why}");

    // DRuggeri/nut_exporter's names.
    let (_exp2, addr2) = exporter(&["--names", "druggeri", "--all-vars", &live]);
    let (_, d) = get(&addr2, "/metrics");
    for line in [
        format!("network_ups_tools_battery_charge{{{b}}} 100.0"),
        format!("network_ups_tools_ups_load{{{b}}} 22.0"),
        format!("network_ups_tools_battery_runtime{{{b}}} 1777.0"),
        format!("network_ups_tools_ups_status{{{b},flag=\"OL\"}} 1.0"),
        format!("network_ups_tools_ups_status{{{b},flag=\"SD\"}} 0.0"),
    ] {
        assert!(has_line(&d, &line), "missing {line:?} in\n{d}");
    }
    assert!(
        d.contains(&format!(
            "network_ups_tools_device_info{{{b},model=\"Back-UPS ES 725\",mfr=\"APC\""
        )),
        "{d}"
    );

    let Some(promtool) = prometheus_tool("promtool") else {
        return;
    };
    promtool_check(&promtool, "metrics", Path::new("-"), Some(&m));
    promtool_check(&promtool, "metrics", Path::new("-"), Some(&d));
    let dir = tempfile::tempdir().unwrap();
    for names in ["nutctl", "druggeri"] {
        let o = run(&["exporter", "rules", "--names", names, "-w", "charge=70"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let f = dir.path().join(format!("{names}.yml"));
        std::fs::write(&f, &o.stdout).unwrap();
        promtool_check(&promtool, "rules", &f, None);
    }
}

/// A free loopback port (bound and released: Prometheus binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// The result vector of an instant query.
fn query(prom: &str, q: &str) -> Vec<serde_json::Value> {
    let Ok((200, body)) = try_get(prom, &format!("/api/v1/query?query={}", enc(q))) else {
        return Vec::new();
    };
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

/// Every PromQL query of the sample Grafana dashboard (nutctl/packaging/grafana/): each panel
/// target's `expr` and each variable's `label_values(SELECTOR, label)` selector, with the dashboard
/// variables (`$target`, `$ups`: "All" is `.*`) filled in.
fn dashboard_queries() -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x.as_str()) {
                        ("expr", Some(q)) => out.push(q.to_string()),
                        ("definition", Some(d)) => {
                            let inner = d
                                .strip_prefix("label_values(")
                                .and_then(|r| r.rsplit_once(','));
                            out.push(
                                inner
                                    .map(|(sel, _)| sel.to_string())
                                    .unwrap_or_else(|| d.to_string()),
                            );
                        }
                        _ => walk(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/grafana/nutctl-exporter.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Vec::new();
    walk(&v, &mut out);
    out.iter()
        .map(|q| q.replace("$target", ".*").replace("$ups", ".*"))
        .collect()
}

#[test]
fn prometheus_sees_on_battery_low_and_fires_the_generated_alert() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(lab) = start_lab() else { return };
    let (Some(promtool), Some(prometheus)) =
        (prometheus_tool("promtool"), prometheus_tool("prometheus"))
    else {
        return;
    };
    let live = format!("127.0.0.1:{}", lab.port);
    let dead = format!("127.0.0.1:{}", closed_port());
    let (_exp, addr) = exporter(&[&live, &dead]);

    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("nut.yml");
    let o = run(&["exporter", "rules"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    std::fs::write(&rules, &o.stdout).unwrap();
    promtool_check(&promtool, "rules", &rules, None);
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             rule_files: [\"{}\"]\n\
             scrape_configs:\n  - job_name: nut\n    static_configs:\n      - targets: [\"{addr}\"]\n",
            rules.display()
        ),
    )
    .unwrap();
    let port = free_port();
    let prom = format!("127.0.0.1:{port}");
    let _p = Guard(
        Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={prom}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("prometheus.log")).unwrap())
            .spawn()
            .expect("spawn prometheus"),
    );
    let log = || std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
    let flag =
        |f: &str| format!("nut_ups_status{{target=\"{live}\",ups=\"lab0\",flag=\"{f}\"}} == 1");

    // On line first, seen through Prometheus; the dead target is down, the live one's series there.
    wait_for(Duration::from_secs(40), || {
        !query(&prom, &flag("OL")).is_empty()
    })
    .unwrap_or_else(|| panic!("Prometheus never saw OL\n{}", log()));
    let down = query(&prom, &format!("nut_target_up{{target=\"{dead}\"}}"));
    assert_eq!(
        down.first().map(|r| r["value"][1].clone()),
        Some("0".into()),
        "{down:?}"
    );
    assert!(query(&prom, "ALERTS{alertname=\"NutOnBatteryLowBattery\"}").is_empty());

    // The sample Grafana dashboard: each of its queries names families this scrape has, and
    // Prometheus runs it and returns series (the lab UPS reports every variable it charts).
    let (_, scrape) = get(&addr, "/metrics");
    let queries = dashboard_queries();
    assert!(queries.len() >= 10, "{queries:?}");
    for q in &queries {
        let families = q
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("nut_"));
        for f in families {
            assert!(
                scrape.contains(&format!("# TYPE {f} gauge")),
                "the dashboard queries {f}, which the exporter does not emit:\n{scrape}"
            );
        }
        let series = wait_for(Duration::from_secs(10), || !query(&prom, q).is_empty());
        assert!(
            series.is_some(),
            "the dashboard's {q:?} returns nothing\n{}",
            log()
        );
    }

    drive(&lab, "OB LB");
    wait_for(Duration::from_secs(30), || {
        !query(&prom, &flag("OB")).is_empty() && !query(&prom, &flag("LB")).is_empty()
    })
    .unwrap_or_else(|| panic!("Prometheus never saw OB LB\n{}", log()));
    let firing = "ALERTS{alertname=\"NutOnBatteryLowBattery\",alertstate=\"firing\"}";
    wait_for(Duration::from_secs(30), || !query(&prom, firing).is_empty())
        .unwrap_or_else(|| panic!("the alert never fired\n{}", log()));
    let alert = query(&prom, firing);
    assert_eq!(alert[0]["metric"]["ups"], "lab0", "{alert:?}");
    assert_eq!(alert[0]["metric"]["severity"], "critical", "{alert:?}");
    let finding = query(
        &prom,
        "nut_finding{id=\"status.on-battery-low\",severity=\"critical\"} == 1",
    );
    assert_eq!(finding.len(), 1, "{finding:?}");
}

fn tls_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../nut-proto/tests/data")
        .join(name)
}

#[test]
fn starttls_towards_a_real_upsd() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(lab) = Lab::start(
        LabConfig::new()
            .prefix("nutctl-exporter.")
            .dev_file(data_file(DEV))
            .tls(nut_lab::TlsFiles {
                cert: tls_data("client-tls-server.pem"),
                key: tls_data("client-tls-server.key"),
                ca: tls_data("client-tls-ca.pem"),
            }),
    ) else {
        return;
    };
    let live = format!("127.0.0.1:{}", lab.port);
    let b = format!("target=\"{live}\",ups=\"lab0\"");
    let ca = tls_data("client-tls-ca.pem");
    let (_exp, addr) = exporter(&["--cafile", ca.to_str().unwrap(), &live]);
    let (_, m) = get(&addr, "/metrics");
    assert!(
        has_line(&m, &format!("nut_target_up{{target=\"{live}\"}} 1.0")),
        "{m}"
    );
    assert!(
        has_line(&m, &format!("nut_battery_runtime_seconds{{{b}}} 1777.0")),
        "{m}"
    );

    // A CA that did not sign upsd's certificate: down, with the TLS finding, nothing read.
    let other = tls_data("client-tls-other-ca.pem");
    let (_exp2, addr2) = exporter(&["--cafile", other.to_str().unwrap(), &live]);
    let (_, m) = get(&addr2, "/metrics");
    assert!(
        has_line(&m, &format!("nut_target_up{{target=\"{live}\"}} 0.0")),
        "{m}"
    );
    assert!(
        m.contains(&format!(
            "nut_finding{{target=\"{live}\",ups=\"\",id=\"tls."
        )),
        "{m}"
    );
    assert!(!m.contains("nut_battery_runtime_seconds"), "{m}");
}
