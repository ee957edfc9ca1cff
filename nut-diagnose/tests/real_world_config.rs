//! The real-world configuration corpus (tests/real-world/config/NNN-slug/, collected from help threads
//! with what each thread concluded): every case whose mistake the files alone can show is named by a
//! finding of `doctor`'s rules or a `config check` diagnostic. The mapping mistake id → finding id is
//! below; a case whose mistake needs a live host (a server-side password, a file mode, a flag file on
//! disk, a driver's option table) is listed as such, so a new case forces a decision.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use nut_config::ConfigDir;
use nut_diagnose::config::HostConfig;
use nut_diagnose::knowledge::Thresholds;
use nut_diagnose::{diagnose, Facts};

/// mistake id (meta.txt) → the finding that names it.
const NAMED_BY: &[(&str, &str)] = &[
    (
        "user-missing-upsmon-role",
        "config.user-without-upsmon-role",
    ),
    ("listen-address-not-local", "config.listen-specific-address"),
    ("mode-invalid-value", "mode.unknown"),
    ("ups-conf-colon-instead-of-equals", "config.warning"),
    ("directive-wrong-case", "config.unknown-directive"),
    ("mode-none", "mode.none"),
    (
        "listen-address-not-up-at-boot",
        "config.listen-specific-address",
    ),
    ("usb-port-used-to-select-device", "config.usb-port-ignored"),
    ("shutdowncmd-without-time", "config.shutdowncmd-no-time"),
    ("usb-match-string-trailing-space", "config.usb-match-spaces"),
    (
        "usb-sections-indistinguishable",
        "config.usb-sections-indistinguishable",
    ),
    (
        "upssched-timer-never-cancelled",
        "config.upssched-timer-never-cancelled",
    ),
    (
        "listen-any-ipv4-ipv6-conflict",
        "config.listen-wildcards-conflict",
    ),
    ("listen-ipv4-only", "config.listen-ipv4-only"),
];

/// Mistakes the stored files cannot show, and why (the real-host tests cover the live ones).
const NOT_FROM_FILES: &[(&str, &str)] = &[
    (
        "run-as-user-not-os-account",
        "needs the host's account database",
    ),
    (
        "option-not-valid-for-driver",
        "needs each driver's option table",
    ),
    (
        "upssched-at-name-with-host",
        "needs upsmon's UPS naming at run time",
    ),
    (
        "password-mismatch",
        "the server's upsd.users was not shown; live: auth.access-denied",
    ),
    ("cmdscript-not-executable", "a file mode on the host"),
    (
        "pollfreq-set-in-upsmon-not-driver",
        "needs the driver's polling behaviour",
    ),
    ("stale-powerdownflag-file", "a flag file on the host's disk"),
];

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/real-world/config")
}

fn meta(dir: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("meta.txt")).ok()?;
    text.lines().find_map(|l| {
        l.strip_prefix(&format!("{key}:"))
            .map(|v| v.trim().to_string())
    })
}

/// The case's files in a temp dir (meta.txt left out), mode 640 as NUT installs them.
fn load(dir: &Path) -> HostConfig {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name();
        if name == "meta.txt" {
            continue;
        }
        let to = tmp.path().join(&name);
        std::fs::copy(e.path(), &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    HostConfig::from_dir("case", &ConfigDir::load(tmp.path()))
}

#[test]
fn every_real_world_mistake_is_named_or_accounted_for() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 21, "the corpus is in the repository");
    let mut named = 0;
    for dir in &cases {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mistake =
            meta(dir, "mistake").unwrap_or_else(|| panic!("{case}: no mistake in meta.txt"));
        let mut facts = Facts::default();
        facts.config = Some(load(dir));
        let report = diagnose(&facts, &Thresholds::default());
        let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_ref()).collect();
        // no secret of the case in any finding
        let json = serde_json::to_string(&report).unwrap();
        for pw in ["secret", "mypass"] {
            assert!(
                !json.contains(&format!("\"{pw}\"")),
                "{case}: password in the report"
            );
        }
        match NAMED_BY.iter().find(|(m, _)| *m == mistake) {
            Some((_, id)) => {
                assert!(
                    ids.contains(id),
                    "{case}: mistake {mistake} should be named by {id}; got {ids:?}"
                );
                named += 1;
            }
            None => assert!(
                NOT_FROM_FILES.iter().any(|(m, _)| *m == mistake),
                "{case}: mistake {mistake} is neither named nor accounted for ({ids:?})"
            ),
        }
    }
    println!("real-world config cases named: {named} of {}", cases.len());
    assert!(named >= 14, "named {named}");
}

#[test]
fn checks_stay_quiet_on_sound_files() {
    // A sound netserver written for this test: none of the corpus checks fires on it.
    let dir = tempfile::tempdir().unwrap();
    let w = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).unwrap();
    w("nut.conf", "MODE=netserver\n");
    w("ups.conf", "[a]\n driver = usbhid-ups\n port = auto\n serial = \"A1\"\n[b]\n driver = usbhid-ups\n port = auto\n serial = \"B2\"\n");
    w("upsd.conf", "LISTEN *\n");
    w(
        "upsd.users",
        "[mon]\n password = pw\n upsmon primary\n[admin]\n password = apw\n actions = SET FSD\n",
    );
    w("upsmon.conf", "MONITOR a@localhost 1 mon pw primary\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\nPOWERDOWNFLAG /etc/killpower\n");
    w("upssched.conf", "CMDSCRIPT /bin/true\nPIPEFN /run/nut/p\nLOCKFN /run/nut/l\nAT ONBATT * START-TIMER t 30\nAT ONLINE * CANCEL-TIMER t\n");
    let mut facts = Facts::default();
    facts.config = Some(load(dir.path()));
    let report = diagnose(&facts, &Thresholds::default());
    for (_, id) in NAMED_BY {
        assert!(
            !report.findings.iter().any(|f| f.id == *id),
            "{id} on a sound config: {:#?}",
            report.findings
        );
    }
}
