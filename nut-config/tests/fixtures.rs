//! Hand-made config directories (tests/fixtures/): a LAN server and a client in CRLF without a final
//! newline. Every file round-trips, loads without errors and its view says what the file says.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use std::path::PathBuf;

use nut_config::files::nut_conf::Mode;
use nut_config::files::Role;
use nut_config::{ConfigDir, FileKind, FileState};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn assert_round_trip_and_no_errors(c: &ConfigDir) {
    for (kind, doc) in c.documents() {
        let on_disk = std::fs::read(c.dir.join(kind.file_name())).unwrap();
        assert_eq!(doc.render(), on_disk, "{kind:?}");
    }
    let errors: Vec<String> = c
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn netserver() {
    let c = ConfigDir::load(&fixture("netserver"));
    assert_round_trip_and_no_errors(&c);
    assert_eq!(c.nut_conf.view().unwrap().mode, Mode::Netserver);
    let ups = c.ups_conf.view().unwrap();
    assert_eq!(ups.upses.len(), 2);
    assert_eq!(ups.ups("closet").unwrap().sdorder, 1);
    assert_eq!(
        ups.ups("rack").unwrap().desc.as_deref(),
        Some("Server rack, row 2")
    );
    let upsd = c.upsd_conf.view().unwrap();
    assert!(!upsd.loopback_only());
    assert_eq!(upsd.maxage, 20);
    let users = c.upsd_users.view().unwrap();
    assert_eq!(
        users.user("upsmon-remote").unwrap().upsmon,
        Some(Role::Secondary)
    );
    let mon = c.upsmon_conf.view().unwrap();
    assert_eq!(mon.monitors.len(), 2);
    assert_eq!(mon.total_power_value(), 1);
    // The MONITOR password matches the upsd.users one (nut-diagnose compares them this way).
    assert_eq!(
        Some(&mon.monitors[0].password),
        users.user("upsmon-local").unwrap().password.as_ref()
    );
    let sched = c.upssched_conf.view().unwrap();
    assert_eq!(sched.at.len(), 2);
    let shown: String = c
        .documents()
        .iter()
        .map(|(_, d)| d.render_redacted())
        .collect();
    for pw in [
        "Fixture admin pw",
        "LocalFixturePw",
        "RemoteFixturePw",
        "closet community",
    ] {
        assert!(!shown.contains(pw), "{pw}");
    }
}

#[test]
fn netclient_crlf_without_final_newline() {
    let c = ConfigDir::load(&fixture("netclient"));
    assert_round_trip_and_no_errors(&c);
    assert_eq!(c.nut_conf.view().unwrap().mode, Mode::Netclient);
    assert!(matches!(c.upsd_users.state, FileState::Missing));
    let mon = c.upsmon_conf.view().unwrap();
    let m = &mon.monitors[0];
    assert_eq!(m.target.host, "192.0.2.5");
    assert_eq!(
        (m.role, m.role_written.as_str()),
        (Role::Secondary, "slave")
    );
    assert_eq!((mon.pollfreq, mon.deadtime), (10, 30));

    // Editing keeps CRLF and adds the missing newline before appending.
    let mut doc = c.upsmon_conf.document().unwrap().clone();
    doc.set(None, "FINALDELAY", &["10"]).unwrap();
    let out = String::from_utf8(doc.render()).unwrap();
    assert!(out.ends_with("DEADTIME 30\r\nFINALDELAY 10\r\n"), "{out:?}");
    assert_eq!(FileKind::from_file_name("upsmon.conf"), doc.kind());
}
