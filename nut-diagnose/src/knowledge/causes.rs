//! Why a query to a UPS fails: the seed's reality check ("if upsc fails it is the wrong target, the server
//! is offline, or the network path is broken") plus the cases it folds in (bad credentials, driver down,
//! stale data, DNS), each with its meaning and the checks to make.
//!
//! Facts: nut-facts §1.5 (error codes and libupsclient texts) and §8.5 (log line → probable cause). Both
//! the probe-based reality check and the log-based episode findings read this one table.

use crate::finding::{Category, Severity};
use crate::knowledge::log_patterns::{CauseId, EventKind};
use nut_proto::ErrCode;

/// One failure cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause {
    /// Stable finding id (`net.no-route`).
    pub id: &'static str,
    /// How bad it is for the protection.
    pub severity: Severity,
    /// Short name.
    pub title: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// What to check.
    pub action: &'static str,
    /// Which layer broke.
    pub category: Category,
}

/// The cause table, sorted by id (a test keeps it sorted and unique).
#[rustfmt::skip]
pub const CAUSES: &[Cause] = &[
    Cause { id: "auth.access-denied", severity: Severity::Critical, title: "login refused (ACCESS-DENIED)",
        meaning: "upsd refused the login: wrong password, unknown user, or the user lacks the upsmon role in upsd.users. Without a login upsmon cannot take part in the shutdown handshake.",
        action: "Compare the user and password of the MONITOR line with upsd.users on the server (the user needs `upsmon primary` or `upsmon secondary`), then reload upsd.", category: Category::Credentials },
    Cause { id: "data.stale", severity: Severity::Critical, title: "data stale",
        meaning: "The driver runs but has no fresh data from the UPS: it lost the device (USB unplugged, serial cable) or hangs.",
        action: "Check the cable and the driver's log (nut-driver@<ups>), look at driver.state, and restart the driver.", category: Category::Driver },
    Cause { id: "driver.not-connected", severity: Severity::Critical, title: "driver not connected",
        meaning: "upsd has no connection to the UPS driver: the driver is not running, crashed, or uses another state path than upsd.",
        action: "Check `systemctl status nut-driver@<ups>` (or nut-driver.target) and upsd's log for `Can't connect to UPS [..]`; make driver and upsd use the same state path.", category: Category::Driver },
    Cause { id: "net.connect-failed", severity: Severity::Critical, title: "connection failed",
        meaning: "The TCP connection to the server failed for a reason other than the usual ones (see the evidence).",
        action: "Check the error text, the server's address and port, and local firewall rules.", category: Category::NetworkPath },
    Cause { id: "net.dns", severity: Severity::Critical, title: "name does not resolve",
        meaning: "The server's name could not be resolved (No such host): a typo, a missing DNS entry, or no resolver at boot.",
        action: "Check the name with `getent hosts <name>`; give the server a stable DNS name or a hosts entry.", category: Category::WrongTarget },
    Cause { id: "net.dns-failed", severity: Severity::Critical, title: "resolver failed (the name was not looked up)",
        meaning: "The resolver gave no answer (timeout, no DNS server reachable, resolver not configured): this says nothing about the name itself, which may be right.",
        action: "Check the resolver (`resolvectl status` or /etc/resolv.conf, `getent hosts <name>`); a hosts entry or the server's address in the MONITOR line avoids depending on DNS at boot.", category: Category::NetworkPath },
    Cause { id: "net.no-route", severity: Severity::Critical, title: "no route to host",
        meaning: "The server cannot be reached: it is down, the address is wrong, or the network path (or a firewall sending ICMP prohibited) is broken.",
        action: "Ping the server, check its IP address in the MONITOR line (a DHCP address may have changed) and the network path.", category: Category::NetworkPath },
    Cause { id: "net.refused", severity: Severity::Critical, title: "connection refused",
        meaning: "The host answers but nothing accepts connections on that port: upsd is not running, listens only on 127.0.0.1 or another port (LISTEN), or a firewall rejects.",
        action: "On the server: `systemctl status nut-server`, `ss -ltnp | grep 3493`, and the LISTEN lines of upsd.conf; check the firewall.", category: Category::ServerOffline },
    Cause { id: "net.server-gone", severity: Severity::Warning, title: "server closed the connection (or did not answer in time)",
        meaning: "upsd dropped an established connection (restarted, killed, or the client was idle too long), or did not answer a request within the client's timeout: libupsclient reports both as 'Server disconnected'.",
        action: "Check that nut-server is running and why it restarted (its log); if it runs, check the network path and the server's load (a request that times out looks the same).", category: Category::ServerOffline },
    Cause { id: "net.server-hung", severity: Severity::Critical, title: "server not answering (accepts connections but hangs)",
        meaning: "The TCP connection is accepted, but upsd does not answer a request within the timeout: the process is stopped, frozen or overloaded. upsmon gets no data and cannot learn of a power failure.",
        action: "On the server: `systemctl status nut-server` (a stopped process shows state T in `ps -o stat -C upsd`), its journal, then restart nut-server.", category: Category::ServerOffline },
    Cause { id: "net.timeout", severity: Severity::Critical, title: "connection timed out",
        meaning: "Packets are dropped on the way: a firewall DROP rule, or a host that is off on another subnet.",
        action: "Check firewalls between client and server for TCP port 3493 and that the server is powered.", category: Category::NetworkPath },
    Cause { id: "net.unreachable", severity: Severity::Critical, title: "network unreachable",
        meaning: "This client has no route to the server's network: an interface down, or no address yet at boot.",
        action: "Check the client's own network (ip addr, ip route); at boot, order nut-monitor after network-online.target.", category: Category::NetworkPath },
    Cause { id: "nut.error", severity: Severity::Warning, title: "NUT request failed",
        meaning: "The server answered with an error this engine does not interpret further.",
        action: "Read the error text in the evidence and the server's log.", category: Category::ServerError },
    Cause { id: "nut.protocol-anomaly", severity: Severity::Warning, title: "reply is not valid NUT",
        meaning: "The server answered with something no NUT server sends (a line that is no NUT reply, or a NUL or another control character inside a value): a broken or hostile server, or something else listening on the port. The value is not judged.",
        action: "Check what listens on the port (`ss -ltnp`) and the driver's raw data (`upsc <ups>`); never trust this server's values until it answers cleanly.", category: Category::ServerError },
    Cause { id: "tls.config", severity: Severity::Critical, title: "local TLS settings unusable",
        meaning: "The client's own TLS settings cannot be used (CA file missing, unreadable or empty, bad server name): no connection was attempted.",
        action: "Check the CA file path and its permissions (CERTPATH / CERTFILE in upsmon.conf, or the --ca option).", category: Category::Tls },
    Cause { id: "tls.handshake", severity: Severity::Critical, title: "TLS handshake failed",
        meaning: "The TLS session could not be set up: the server's certificate is not trusted, has expired, names another host, or the two sides share no protocol version.",
        action: "Check the server certificate (`openssl s_client -connect <host>:3493 -starttls` is not NUT-aware; inspect the CERTFILE of upsd.conf), its validity dates and name, and the CA the client trusts.", category: Category::Tls },
    Cause { id: "tls.refused", severity: Severity::Critical, title: "server refused STARTTLS",
        meaning: "upsd answered STARTTLS with an error (usually FEATURE-NOT-CONFIGURED): it has no certificate, so a client that requires TLS (FORCESSL, CERTVERIFY) will not connect.",
        action: "Give upsd a certificate (CERTFILE in upsd.conf) or stop requiring TLS on the client.", category: Category::Tls },
    Cause { id: "ups.unknown-name", severity: Severity::Critical, title: "UPS name unknown on the server",
        meaning: "The server does not have a UPS by that name (the [section] names of its ups.conf). upsmon keeps polling in vain.",
        action: "List the names the server offers with `upsc -l <server>` and fix the MONITOR line; on a Synology NAS the UPS is always named `ups` (use ups@<nas>).", category: Category::WrongTarget },
];

/// Looks a cause up by id.
pub fn cause(id: &str) -> Option<&'static Cause> {
    CAUSES
        .binary_search_by(|c| c.id.cmp(id))
        .ok()
        .and_then(|i| CAUSES.get(i))
}

/// The failure cause a log event points to, if it is a failure at all.
pub fn cause_of_event(kind: EventKind) -> Option<&'static Cause> {
    use EventKind::*;
    let id = match kind {
        ConnectRefused => "net.refused",
        ConnectNoRoute => "net.no-route",
        ConnectNetUnreachable => "net.unreachable",
        ConnectTimedOut => "net.timeout",
        ConnectNoSuchHost => "net.dns",
        LoginAccessDenied | PrimaryRefused => "auth.access-denied",
        LoginUnknownUps | PollUnknownUps => "ups.unknown-name",
        PollDriverNotConnected | UpsdDriverMissing => "driver.not-connected",
        PollDataStale | UpsdDataStale => "data.stale",
        PollServerGone => "net.server-gone",
        ConnectFailed | LoginFailed | PollFailed => "nut.error",
        _ => return None,
    };
    cause(id)
}

/// The failure cause for a NUT `ERR` code; codes the reality check does not interpret further give
/// `nut.error`.
pub fn cause_of_err_code(code: &ErrCode) -> Option<&'static Cause> {
    let id = match code {
        ErrCode::AccessDenied
        | ErrCode::PasswordIncorrect
        | ErrCode::InvalidPassword
        | ErrCode::InvalidUsername
        | ErrCode::UsernameRequired
        | ErrCode::PasswordRequired => "auth.access-denied",
        ErrCode::UnknownUps => "ups.unknown-name",
        ErrCode::DriverNotConnected => "driver.not-connected",
        ErrCode::DataStale => "data.stale",
        ErrCode::FeatureNotConfigured | ErrCode::FeatureNotSupported => "tls.refused",
        _ => "nut.error",
    };
    cause(id)
}

/// A warning about a file's mode, not a failure: what it exposes and how to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// Stable finding id.
    pub id: &'static str,
    /// Short name.
    pub title: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// The fix.
    pub action: &'static str,
}

/// upsd's `FILE is world readable` (NUT's check_perms(): the file or directory has the "others" read
/// or execute bit; upsd checks upsd.conf, upsd.users, its state path and the TLS certificate file and
/// path). Nothing stops working: the secrets in the file are readable by every local user.
pub const WORLD_READABLE: Exposure = Exposure {
    id: "log.world-readable",
    title: "readable by every local user (upsd's \"world readable\" warning)",
    meaning: "upsd reads the file (or directory) fine, but so can every other user of the host: upsd.users holds the passwords upsmon logs in with (anyone who reads them can set FSD and shut the protected hosts down), upsd.conf and the certificate file may hold the certificate's password, and a state path open to others lets any local user reach the driver sockets.",
    action: "For each file named: `chown root:nut <file>` and `chmod 0640 <file>`; for the state path (a directory): `chmod 0770` with group nut. Then restart nut-server and check the warning is gone.",
};

/// Another cause the same evidence fits, and why: a log line often cannot tell two causes apart (a
/// firewall's reject is a closed port to the client), and a verdict must not be surer than its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alternative {
    /// The other cause.
    pub cause: CauseId,
    /// Why the evidence fits it too.
    pub why: &'static str,
}

const fn alt(cause: CauseId, why: &'static str) -> Alternative {
    Alternative { cause, why }
}

/// The causes a root-cause line of `kind` (with its `detail`) fits besides `cause`, the one it is
/// named after. Facts: libupsclient reports a read that timed out as "Server disconnected" (its
/// select() returned nothing), just as an orderly close; a refused TCP connect is the same RST whether
/// no process listens or a firewall rejects; a dropped SYN is the same timeout whether a firewall drops
/// it or the host is off; nutdrv_qx/blazer's "No supported devices found" and usbhid-ups's "No matching
/// HID UPS found" are printed when no device matches, present and unsupported or absent alike.
pub fn alternatives(
    cause: CauseId,
    kind: EventKind,
    detail: Option<&str>,
) -> &'static [Alternative] {
    use CauseId as C;
    use EventKind::*;
    const REFUSED: &[Alternative] = &[alt(
        C::Firewall,
        "a firewall that rejects TCP 3493 answers exactly like a port nothing listens on",
    )];
    const TIMED_OUT: &[Alternative] = &[
        alt(
            C::Firewall,
            "a firewall that drops TCP 3493 makes the connect time out the same way",
        ),
        alt(
            C::NetworkUnreachable,
            "a server host that is off (or a wrong address) gives the same timeout",
        ),
    ];
    const DISCONNECTED: &[Alternative] = &[
        alt(C::ServerTimeout, "upsmon reports a request that got no answer within its timeout as 'Server disconnected' too"),
        alt(C::HostResumed, "connections also break this way while the host sleeps"),
    ];
    const BROKEN: &[Alternative] = &[alt(
        C::HostResumed,
        "connections also break this way while the host sleeps",
    )];
    const DRIVER_GONE: &[Alternative] = &[alt(
        C::UsbDeviceGone,
        "a driver exits when it loses its USB device; the driver's own lines would say",
    )];
    const NO_DEVICE: &[Alternative] = &[alt(C::DriverNotRunning, "the same line is printed for a device that is present but not supported by this driver or version (or not matched by vendorid/productid/subdriver)")];
    const STALE: &[Alternative] = &[
        alt(
            C::UsbDeviceGone,
            "a USB link that dropped for a moment leaves the data stale",
        ),
        alt(
            C::HostResumed,
            "a host that slept leaves the driver's data stale until its next poll",
        ),
    ];
    const RB: &[Alternative] = &[alt(C::Other, "some UPS firmware raises RB (often with LB) spuriously while on line power; a battery test (upscmd <ups> test.battery.start.quick) settles it")];
    const RB_DOUBTFUL: &[Alternative] = &[alt(C::BatteryReplace, "the UPS does report RB; if a battery test (upscmd <ups> test.battery.start.quick) fails, replace the battery")];
    const FSD: &[Alternative] = &[alt(
        C::Other,
        "a deliberate test (upsmon -c fsd, a primary set FSD on purpose) looks the same",
    )];
    const CLIENT_DENIED: &[Alternative] = &[alt(
        C::LoginRefused,
        "a server other than stock upsd may check the password before any login and refuse a wrong one with the same reply",
    )];
    const SHUTDOWNCMD: &[Alternative] = &[alt(C::Other, "the command may be right but fail where upsmon runs it (a container without the init it signals, missing privileges)")];
    let d = detail.unwrap_or("");
    match (cause, kind) {
        (_, ConnectRefused) => REFUSED,
        (C::ServerNotRunning, ConnectFailed) if d.contains("refused") => REFUSED,
        (_, ConnectTimedOut) => TIMED_OUT,
        (C::ServerTimeout, ConnectFailed) => TIMED_OUT,
        // "Server disconnected" and "Connection timed out" carry no detail; the write and read errors do.
        (_, PollServerGone) if detail.is_none() => DISCONNECTED,
        (_, PollServerGone | LoginIo) => BROKEN,
        (_, PollDriverNotConnected | UpsdDriverMissing) => DRIVER_GONE,
        (_, DriverNoDevice) => NO_DEVICE,
        (_, PollDataStale | UpsdDataStale) => STALE,
        (C::Other, ReplaceBattery) => RB_DOUBTFUL,
        (_, ReplaceBattery) => RB,
        (C::FsdUnexpected, _) => FSD,
        (C::ConfigError, ShutdownCmdFailed) => SHUTDOWNCMD,
        (_, ClientDenied) => CLIENT_DENIED,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in CAUSES.windows(2) {
            if let [a, b] = w {
                assert!(a.id < b.id, "{} must sort before {}", a.id, b.id);
            }
        }
    }

    #[test]
    fn every_mapped_id_exists() {
        use EventKind::*;
        for k in [
            ConnectRefused,
            ConnectNoRoute,
            ConnectNetUnreachable,
            ConnectTimedOut,
            ConnectNoSuchHost,
            LoginAccessDenied,
            LoginUnknownUps,
            PollUnknownUps,
            PollDriverNotConnected,
            PollDataStale,
            PollServerGone,
            PollFailed,
        ] {
            assert!(cause_of_event(k).is_some(), "{k:?}");
        }
        assert!(cause_of_event(OnBattery).is_none());
        for code in [
            "ACCESS-DENIED",
            "UNKNOWN-UPS",
            "DRIVER-NOT-CONNECTED",
            "DATA-STALE",
            "WHATEVER",
        ] {
            assert!(cause_of_err_code(&ErrCode::parse(code)).is_some(), "{code}");
        }
        assert_eq!(
            cause_of_err_code(&ErrCode::UnknownUps).map(|c| c.id),
            Some("ups.unknown-name")
        );
        assert_eq!(
            cause_of_err_code(&ErrCode::FeatureNotConfigured).map(|c| (c.id, c.category)),
            Some(("tls.refused", Category::Tls))
        );
    }
}
