//! `Client::list_vars_pipelined` and `Client::list_ups_and_vars` against the embedded server: one
//! write, the replies read in order, a UPS's `ERR` kept in its place with the stream still in step
//! (the next request on the same connection answers correctly), and batches past `PIPELINE_BATCH`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use nut_proto::client::{Client, ClientError, Options, PIPELINE_BATCH};
use nut_proto::server::{Server, Store, UpsData};
use nut_proto::ErrCode;

fn store() -> Store {
    let mut s = Store::new();
    s.insert_ups(UpsData::from_dev(
        "a",
        "ups.status: OL\nbattery.charge: 90\n",
    ));
    s.insert_ups(UpsData::from_dev("b", "ups.status: OB LB\n"));
    s
}

/// The value of `name` in one UPS's listing.
fn value<'a>(vars: &'a [nut_proto::client::Variable], name: &str) -> Option<&'a str> {
    vars.iter()
        .find(|v| v.name == name)
        .map(|v| v.value.as_str())
}

fn unknown(r: &Result<Vec<nut_proto::client::Variable>, ClientError>) -> bool {
    matches!(
        r,
        Err(ClientError::Server {
            code: ErrCode::UnknownUps,
            ..
        })
    )
}

#[tokio::test]
async fn pipelined_lists_keep_errors_in_place_and_the_stream_in_step() {
    let server = Server::bind(store()).await.unwrap();
    let addr = server.addr();
    let mut c = Client::connect(&addr.ip().to_string(), addr.port(), Options::default())
        .await
        .unwrap();

    let got = c.list_vars_pipelined(&["a", "nope", "b"]).await.unwrap();
    assert_eq!(got.len(), 3);
    // Each listing is the one a plain LIST VAR gives (the dump plus dummy-ups' defaults).
    let a = got[0].as_ref().unwrap();
    assert_eq!(a, &c.list_vars("a").await.unwrap());
    assert_eq!(
        (value(a, "battery.charge"), value(a, "ups.status")),
        (Some("90"), Some("OL"))
    );
    assert!(unknown(&got[1]), "{:?}", got[1]);
    assert_eq!(value(got[2].as_ref().unwrap(), "ups.status"), Some("OB LB"));
    assert_eq!(c.get_var("b", "ups.status").await.unwrap(), "OB LB");

    let (list, vars) = c.list_ups_and_vars(&["b", "gone"]).await.unwrap();
    assert_eq!(
        list.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(vars.len(), 2);
    assert_eq!(
        value(vars[0].as_ref().unwrap(), "ups.status"),
        Some("OB LB")
    );
    assert!(unknown(&vars[1]), "{:?}", vars[1]);
    let (list, vars) = c.list_ups_and_vars(&[]).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(vars.is_empty());

    // Past one batch: every reply still in its place.
    let mut names: Vec<String> = (0..PIPELINE_BATCH * 2 + 3)
        .map(|i| format!("x{i}"))
        .collect();
    names[PIPELINE_BATCH + 1] = "a".into();
    names[PIPELINE_BATCH * 2 + 2] = "b".into();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    for vars in [
        c.list_vars_pipelined(&refs).await.unwrap(),
        c.list_ups_and_vars(&refs).await.unwrap().1,
    ] {
        assert_eq!(vars.len(), names.len());
        for (n, v) in names.iter().zip(&vars) {
            match n.as_str() {
                "a" | "b" => assert!(v.is_ok(), "{n}: {v:?}"),
                _ => assert!(unknown(v), "{n}: {v:?}"),
            }
        }
    }
    assert_eq!(c.get_var("a", "battery.charge").await.unwrap(), "90");
}
