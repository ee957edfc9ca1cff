//! The probes: nut-proto's client against real servers, and the glue that turns what happened into
//! nut-diagnose facts ([`Snapshot`], [`ProbeFact`]) so that the rules, not nutctl, judge it.

use nut_diagnose::facts::{ProbeFact, Snapshot};
use nut_diagnose::watch::Observation;
use nut_proto::client::{ClientError, Variable};
use nut_proto::Target;

use crate::ctx::Ctx;

/// Reads every variable of a UPS (`LIST VAR`), in the server's order.
pub(crate) async fn read_vars(ctx: &Ctx, target: &Target) -> Result<Vec<Variable>, ClientError> {
    let mut client = ctx.connect(target).await?;
    let vars = client.list_vars(&target.ups).await?;
    // Closing politely is best effort: the data is already here.
    let _ = client.logout().await;
    Ok(vars)
}

/// The snapshot fact of a successful read.
pub(crate) fn snapshot(target: &Target, vars: &[Variable]) -> Snapshot {
    Snapshot::new(
        target.clone(),
        vars.iter().map(|v| (v.name.as_str(), v.value.as_str())),
    )
}

/// One poll of a UPS as the watcher's observation: the snapshot of a read, or the probe fact of a
/// failure.
pub(crate) fn observation(
    target: &Target,
    read: &Result<Vec<Variable>, ClientError>,
) -> Observation {
    match read {
        Ok(vars) => Observation::Read(snapshot(target, vars)),
        Err(e) => Observation::Failed(fact_from_error(target, e)),
    }
}

/// What a failed request tells about the path to the server, as the probe fact the reality-check
/// rule reads (nut-diagnose's mapping, so `check`, `status` and `doctor` agree).
pub(crate) fn fact_from_error(target: &Target, err: &ClientError) -> ProbeFact {
    nut_diagnose::probe::nut::fact_from_error(target, err)
}

/// The text libupsclient (and so `upsc`) prints after `Error: ` for a failure, so that
/// `nutctl status --raw` fails the way scripts expect.
pub(crate) fn upsc_error_text(err: &ClientError) -> String {
    match err {
        ClientError::Dns { .. } => "No such host".into(),
        ClientError::ConnectionRefused { .. } => "Connection failure: Connection refused".into(),
        ClientError::HostUnreachable { .. } => "Connection failure: No route to host".into(),
        ClientError::NetworkUnreachable { .. } => {
            "Connection failure: Network is unreachable".into()
        }
        ClientError::ConnectTimeout { .. } => "Connection failure: Connection timed out".into(),
        ClientError::Closed { .. } => "Server disconnected".into(),
        ClientError::Server { code, .. } => code.description().to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_diagnose::facts::{DnsOutcome, NutOutcome, TcpOutcome};
    use std::net::SocketAddr;

    #[test]
    fn refused_is_a_tcp_fact_and_stops_there() {
        let t = Target::new("ups", "127.0.0.1", 1);
        let addr: SocketAddr = ([127, 0, 0, 1], 1).into();
        let p = fact_from_error(&t, &ClientError::ConnectionRefused { addr });
        assert_eq!(p.dns, Some(DnsOutcome::Literal));
        assert_eq!(p.tcp, Some(TcpOutcome::Refused));
        assert_eq!(p.query, None);
    }

    #[test]
    fn server_err_is_a_query_fact() {
        let t = Target::new("ups", "nas", 3493);
        let e = ClientError::Server {
            code: nut_proto::ErrCode::parse("UNKNOWN-UPS"),
            extra: None,
        };
        let p = fact_from_error(&t, &e);
        assert_eq!(p.tcp, Some(TcpOutcome::Connected));
        assert_eq!(
            p.query,
            Some(NutOutcome::Err {
                code: nut_proto::ErrCode::UnknownUps
            })
        );
        assert_eq!(upsc_error_text(&e), "Unknown UPS");
    }
}
