//! The client against Debian's real upsd 2.8 + dummy-ups, started by the test (the `nut-lab` crate).
//!
//! Skipped with `skipped: no NUT installed` when /lib/nut/upsd is absent, except under `CI=true`.
//! Each test owns its lab (own temp dir, own port), so they run in parallel; together they take a few
//! seconds plus one short MAXAGE wait.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves
#![cfg(feature = "client")]

mod common;

use std::time::Duration;

use common::{wait_for, Lab, ADMIN, MON};
use nut_proto::client::{
    Accepted, Client, ClientError, Options, TlsError, TrackingStatus, ValueKind,
};
use nut_proto::error::ErrCode;
use nut_proto::Secret;

const APC: &str = "client-apc-back-ups-cs500.dev";
const EATON: &str = "client-eaton-5e650i.dev";

fn opts() -> Options {
    let mut o = Options::default();
    o.request_timeout = Duration::from_secs(5);
    o.connect_timeout = Duration::from_secs(5);
    o
}

async fn connect(lab: &Lab) -> Client {
    Client::connect_target(&common::target(lab, 0), opts())
        .await
        .unwrap()
}

fn code(r: Result<impl std::fmt::Debug, ClientError>) -> ErrCode {
    match r {
        Err(ClientError::Server { code, .. }) => code,
        other => panic!("expected a server ERR, got {other:?}"),
    }
}

/// Reads every kind of LIST and GET; compares with the .dev file and with a raw-socket oracle.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn lists_and_gets() {
    let Some(lab) = Lab::start(common::lab_config(&[APC, EATON])) else {
        return;
    };
    let mut c = connect(&lab).await;

    let ups = c.list_ups().await.unwrap();
    let names: Vec<_> = ups.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["lab0", "lab1"]);
    assert_eq!(ups[1].description, "lab 1");

    let vars = c.list_vars("lab0").await.unwrap();
    let get = |n: &str| vars.iter().find(|v| v.name == n).map(|v| v.value.as_str());
    assert_eq!(get("battery.charge"), Some("100"));
    assert_eq!(get("ups.status"), Some("OL"));
    assert_eq!(get("battery.mfr.date"), Some("2004/07/03"));
    assert_eq!(get("driver.name"), Some("dummy-ups"));
    // upsd sorts LIST VAR by name.
    let sorted = {
        let mut v: Vec<_> = vars.iter().map(|v| v.name.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(
        vars.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
        sorted
    );
    assert!(vars.len() >= 20, "{} vars", vars.len());

    // dummy-ups makes every variable writable.
    let rw = c.list_rw("lab0").await.unwrap();
    assert!(rw
        .iter()
        .any(|v| v.name == "battery.charge" && v.value == "100"));

    assert_eq!(c.list_cmds("lab0").await.unwrap(), ["load.off"]);
    assert!(c.list_enum("lab0", "ups.status").await.unwrap().is_empty());
    assert!(c
        .list_range("lab0", "battery.charge")
        .await
        .unwrap()
        .is_empty());
    assert!(c.list_clients("lab0").await.unwrap().is_empty());

    assert_eq!(c.get_var("lab1", "ups.status").await.unwrap(), "OL CHRG");
    assert_eq!(c.get_var("lab1", "input.voltage").await.unwrap(), "247.0");
    let t = c.get_type("lab0", "ups.status").await.unwrap();
    assert!(t.rw);
    assert_eq!(t.kind, ValueKind::String { max_len: 32 });
    assert_eq!(
        c.get_type("lab0", "battery.charge").await.unwrap().kind,
        ValueKind::Number
    );
    assert!(!c
        .get_desc("lab0", "battery.charge")
        .await
        .unwrap()
        .is_empty());
    assert!(!c.get_cmd_desc("lab0", "load.off").await.unwrap().is_empty());
    assert_eq!(c.get_ups_desc("lab0").await.unwrap(), "lab 0");
    assert_eq!(c.get_num_logins("lab0").await.unwrap(), 0);

    let ver = c.ver().await.unwrap();
    assert!(ver.starts_with("Network UPS Tools upsd "), "{ver}");
    assert_eq!(ver, lab.raw("VER").unwrap());
    assert_eq!(c.netver().await.unwrap(), "1.3");
    assert_eq!(c.protver().await.unwrap(), "1.3");
    assert!(c.help().await.unwrap().starts_with("Commands: "));
    // GET TRACKING answers OFF on a fresh connection (2.8.0+).
    assert!(!c.tracking_enabled().await.unwrap());

    // Pipelined GETs give what LIST VAR gave, in request order.
    let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
    let got = c.get_vars_pipelined("lab0", &names).await.unwrap();
    for (v, g) in vars.iter().zip(&got) {
        assert_eq!(g.as_ref().unwrap(), &v.value, "{}", v.name);
    }

    // Error replies leave the connection usable.
    assert_eq!(
        code(c.get_var("nope", "ups.status").await),
        ErrCode::UnknownUps
    );
    assert_eq!(code(c.list_vars("nope").await), ErrCode::UnknownUps);
    assert_eq!(
        code(c.get_var("lab0", "no.such.var").await),
        ErrCode::VarNotSupported
    );
    assert_eq!(
        code(c.list_enum("lab0", "no.such.var").await),
        ErrCode::VarNotSupported
    );
    let mixed = c
        .get_vars_pipelined("lab0", &["ups.status", "no.such.var", "battery.charge"])
        .await
        .unwrap();
    assert_eq!(mixed[0].as_ref().unwrap(), "OL");
    assert_eq!(
        mixed[1].as_ref().unwrap_err().err_code(),
        Some(&ErrCode::VarNotSupported)
    );
    assert_eq!(mixed[2].as_ref().unwrap(), "100");

    // Debian's upsd has no certificate: STARTTLS is refused, plaintext continues.
    let mut o = opts();
    o.tls.danger_accept_invalid_certs = true;
    let mut t = Client::connect_target(&common::target(&lab, 0), o)
        .await
        .unwrap();
    match t.starttls().await {
        Err(ClientError::Tls(TlsError::Refused(inner))) => assert!(
            matches!(
                inner.err_code(),
                Some(ErrCode::FeatureNotConfigured | ErrCode::FeatureNotSupported)
            ),
            "{inner:?}"
        ),
        other => panic!("expected STARTTLS refusal, got {other:?}"),
    }
    assert_eq!(t.netver().await.unwrap(), "1.3");

    c.logout().await.unwrap();
}

/// USERNAME/PASSWORD/LOGIN, SET VAR, INSTCMD, PRIMARY, FSD, LIST CLIENT, and the auth errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn auth_and_control() {
    let Some(lab) = Lab::start(common::lab_config(&[APC])) else {
        return;
    };

    // Nothing sent yet: privileged commands want a username.
    let mut anon = connect(&lab).await;
    assert_eq!(
        code(anon.set_var("lab0", "ups.status", "OB").await),
        ErrCode::UsernameRequired
    );
    assert_eq!(code(anon.login("lab0").await), ErrCode::UsernameRequired);
    anon.username("admin").await.unwrap();
    assert_eq!(code(anon.fsd("lab0").await), ErrCode::PasswordRequired);
    assert_eq!(
        code(anon.username("admin").await),
        ErrCode::AlreadySetUsername
    );

    // Wrong password: PASSWORD says OK, the action is denied.
    let mut bad = connect(&lab).await;
    bad.authenticate(ADMIN.0, &Secret::new("wrong"))
        .await
        .unwrap();
    let e = bad
        .set_var("lab0", "battery.charge", "50")
        .await
        .unwrap_err();
    assert!(e.is_auth(), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("wrong"));

    // Admin: SET VAR and INSTCMD.
    let mut admin = connect(&lab).await;
    admin
        .authenticate(ADMIN.0, &Secret::new(ADMIN.1))
        .await
        .unwrap();
    assert_eq!(
        admin.set_var("lab0", "battery.charge", "42").await.unwrap(),
        Accepted::Forwarded
    );
    // The driver applies it asynchronously.
    let applied = wait_for(Duration::from_secs(5), || {
        lab.raw("GET VAR lab0 battery.charge").unwrap() == "VAR lab0 battery.charge \"42\""
    });
    assert!(applied.is_some(), "SET VAR never reached the driver");
    assert_eq!(admin.get_var("lab0", "battery.charge").await.unwrap(), "42");
    assert_eq!(
        admin.instcmd("lab0", "load.off", None).await.unwrap(),
        Accepted::Forwarded
    );
    // The optional parameter (protocol 1.3).
    assert_eq!(
        admin.instcmd("lab0", "load.off", Some("5")).await.unwrap(),
        Accepted::Forwarded
    );
    assert_eq!(
        code(admin.instcmd("lab0", "no.such.cmd", None).await),
        ErrCode::CmdNotSupported
    );
    // Tracking (2.8.0+): SET VAR answers OK TRACKING <id>, and the id resolves.
    admin.set_tracking(true).await.unwrap();
    assert!(admin.tracking_enabled().await.unwrap());
    let Accepted::Tracking(id) = admin.set_var("lab0", "battery.charge", "43").await.unwrap()
    else {
        panic!("tracking on, but no tracking id");
    };
    let mut status = admin.tracking_status(&id).await.unwrap();
    for _ in 0..50 {
        if status != TrackingStatus::Pending {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = admin.tracking_status(&id).await.unwrap();
    }
    assert_eq!(status, TrackingStatus::Success);
    assert_eq!(
        admin
            .tracking_status("00000000-0000-4000-8000-000000000000")
            .await
            .unwrap(),
        TrackingStatus::Unknown
    );
    admin.set_tracking(false).await.unwrap();

    // admin has no upsmon role.
    assert_eq!(code(admin.login("lab0").await), ErrCode::AccessDenied);

    // upsmon primary: LOGIN shows in NUMLOGINS and LIST CLIENT; PRIMARY; FSD latches.
    let mut mon = connect(&lab).await;
    mon.authenticate(MON.0, &Secret::new(MON.1)).await.unwrap();
    mon.login("lab0").await.unwrap();
    assert_eq!(code(mon.login("lab0").await), ErrCode::AlreadyLoggedIn);
    mon.primary("lab0").await.unwrap();
    mon.master("lab0").await.unwrap();
    assert_eq!(admin.get_num_logins("lab0").await.unwrap(), 1);
    assert_eq!(admin.list_clients("lab0").await.unwrap(), ["127.0.0.1"]);
    assert_eq!(code(mon.login("nope").await), ErrCode::AlreadyLoggedIn);
    admin.fsd("lab0").await.unwrap();
    let status = admin.get_var("lab0", "ups.status").await.unwrap();
    assert!(status.starts_with("FSD "), "{status}");

    mon.logout().await.unwrap();
    let gone = wait_for(Duration::from_secs(5), || {
        lab.raw("GET NUMLOGINS lab0").unwrap() == "NUMLOGINS lab0 0"
    });
    assert!(gone.is_some(), "LOGOUT did not end the login");
}

/// DATA-STALE (driver frozen past MAXAGE), DRIVER-NOT-CONNECTED (driver killed), connection refused
/// (upsd stopped).
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn driver_failures_and_refusal() {
    let Some(mut lab) = Lab::start(common::lab_config(&[APC]).maxage(2)) else {
        return;
    };
    let mut c = connect(&lab).await;
    assert_eq!(c.get_var("lab0", "ups.status").await.unwrap(), "OL");

    lab.freeze_driver(0);
    let mut last = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        match c.get_var("lab0", "ups.status").await {
            Err(e) if e.err_code() == Some(&ErrCode::DataStale) => {
                last = Some(e);
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("unexpected error while waiting for DATA-STALE: {e:?}"),
        }
    }
    let e = last.expect("no DATA-STALE within 15 s of freezing the driver (MAXAGE 2)");
    assert!(e.is_driver_problem());
    assert_eq!(code(c.list_vars("lab0").await), ErrCode::DataStale);
    // LIST UPS does not look at the driver.
    assert_eq!(c.list_ups().await.unwrap().len(), 1);

    lab.thaw_driver(0);
    lab.kill_driver(0);
    let mut seen = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if c.get_var("lab0", "ups.status")
            .await
            .err()
            .and_then(|e| e.err_code().cloned())
            == Some(ErrCode::DriverNotConnected)
        {
            seen = true;
            break;
        }
    }
    assert!(seen, "no DRIVER-NOT-CONNECTED after killing the driver");
    assert_eq!(code(c.list_vars("lab0").await), ErrCode::DriverNotConnected);

    let target = common::target(&lab, 0);
    lab.stop_upsd();
    drop(c);
    let e = Client::connect_target(&target, opts()).await.unwrap_err();
    assert!(
        matches!(e, ClientError::ConnectionRefused { addr } if addr.port() == target.port),
        "{e:?}"
    );
}

/// QUICKACK on and off give the same list (the speed difference is in the benchmark).
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn quickack_off_reads_the_same_list() {
    let Some(lab) = Lab::start(common::lab_config(&[EATON])) else {
        return;
    };
    let mut on = connect(&lab).await;
    let mut o = opts();
    o.quickack = false;
    let mut off = Client::connect_target(&common::target(&lab, 0), o)
        .await
        .unwrap();
    let a = on.list_vars("lab0").await.unwrap();
    let b = off.list_vars("lab0").await.unwrap();
    assert_eq!(a, b);
    assert!(a
        .iter()
        .any(|v| v.name == "outlet.desc" && v.value == "Main Outlet"));
}
