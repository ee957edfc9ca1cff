//! Helpers of the real-host tests (`real_hosts.rs`, `real_hosts_tryout.rs`): boot a host that sees
//! the binary under test, write its config, run commands in it, read doctor's JSON.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use nut_lab::host::Host;
use serde_json::Value;

/// Boots a host that sees the binary under test at its path (bind-mounted when it lives on another
/// filesystem than the overlay's root).
pub fn boot(name: &str, etc: &Path) -> Host {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nutctl"))
        .parent()
        .unwrap()
        .to_path_buf();
    Host::boot_sharing(name, Some(etc), &[bin_dir]).unwrap_or_else(|e| panic!("{name} boots: {e}"))
}

pub fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

pub fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["report"]["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["id"].as_str().unwrap_or("").to_string(),
                        f["severity"].as_str().unwrap_or("").to_string(),
                        f["subject"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn has(v: &Value, id: &str) -> bool {
    findings(v).iter().any(|f| f.0 == id)
}

pub fn logged_in(master: &Host, who: &str) -> bool {
    master
        .run("upsc -c ups@localhost 2>/dev/null")
        .stdout
        .lines()
        .any(|l| l.trim() == who)
}

pub fn sh(h: &Host, cmd: &str) {
    let r = h.run(cmd);
    assert!(
        r.ok(),
        "{}: `{cmd}` failed: {}{}",
        h.name(),
        r.stdout,
        r.stderr
    );
}

/// A master's /etc/nut: MODE=netserver, one dummy-ups UPS `ups` replaying `dev`, upsd on every
/// address, `mon` (primary, local) and `remote` (secondary) accounts, upsmon as primary.
pub fn master_etc(dir: &Path, dev: &str) {
    write(dir, "nut.conf", "MODE=netserver\n");
    write(
        dir,
        "ups.conf",
        "[ups]\n driver = dummy-ups\n port = ups.dev\n desc = \"lab\"\n",
    );
    write(dir, "ups.dev", dev);
    write(dir, "upsd.conf", "LISTEN 0.0.0.0 3493\n");
    write(
        dir,
        "upsd.users",
        "[mon]\n password = monpw\n upsmon primary\n[remote]\n password = rpw\n upsmon secondary\n",
    );
    write(
        dir,
        "upsmon.conf",
        "MONITOR ups@localhost 1 mon monpw primary\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\nPOWERDOWNFLAG /etc/killpower\nPOLLFREQ 2\nPOLLFREQALERT 2\nHOSTSYNC 10\nFINALDELAY 2\n",
    );
}
