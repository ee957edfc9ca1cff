//! The log-message table: every upsmon/upsd/driver line the diagnosis understands, written in NUT's own
//! format with placeholders, and the [`EventKind`] it stands for.
//!
//! Facts: nut-facts §2.3 (notify texts), §5.1–§5.5 (exact formats), and the lab logs. A template is the
//! message text with `{ups}` (the UPS as upsmon names it, `ups@host[:port]`), `{detail}` (the variable part
//! worth keeping, such as the error text) and `{_}` (anything, not kept). When several templates match,
//! the one with the most literal text wins, so `Poll UPS [{ups}] failed - Data stale` beats
//! `Poll UPS [{ups}] failed - {detail}`.
//!
//! Limitation: upsmon.conf `NOTIFYMSG` can replace the notify texts; such lines stay unclassified until
//! the config-aware part of the engine lands.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// What a log line says, independent of its format. The vocabulary of the timeline and the log rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventKind {
    // --- power (upsmon notify events) ---
    /// `UPS x on battery` (ONBATT).
    OnBattery,
    /// `UPS x on line power` (ONLINE).
    OnLine,
    /// `UPS x battery is low` (LOWBATT).
    LowBattery,
    /// `UPS x: forced shutdown in progress` (FSD).
    ForcedShutdown,
    /// `Executing automatic power-fail shutdown`: this host starts shutting down.
    ShutdownStarted,
    /// `Auto logout and shutdown proceeding` (SHUTDOWN notify).
    ShutdownProceeding,
    /// `Host sync timer expired, forcing shutdown`: the primary stopped waiting for secondaries.
    HostSyncExpired,
    /// `Giving up on the primary for UPS [x]…`: a secondary shuts down without the primary's FSD.
    GivingUpOnPrimary,
    /// `Too few UPS(es) are healthy…`.
    TooFewHealthy,
    /// `Signal n: User requested FSD` (`upsmon -c fsd`; 2.8.5+ also `Got an FSD signal, initiating
    /// forced shutdown`).
    UserFsd,
    /// `UPS x battery needs to be replaced` (REPLBATT).
    ReplaceBattery,
    /// `UPS x: calibration in progress`.
    Calibrating,
    /// `UPS x: calibration finished`.
    CalibrationDone,
    /// `UPS x: administratively OFF or asleep`.
    Off,
    /// `UPS x: no longer administratively OFF or asleep`.
    NotOff,
    /// `UPS x: on bypass (powered, not protecting)`.
    Bypass,
    /// `UPS x: no longer on bypass`.
    NotBypass,
    /// `UPS x: in ECO mode…`.
    Eco,
    /// `UPS x: no longer in ECO mode`.
    NotEco,
    /// `UPS x: one or more active alarms: [...]`.
    Alarm,
    /// `UPS x is no longer in an alarm state…`.
    NotAlarm,
    /// `UPS x: overloaded`.
    Overload,
    /// `UPS x: no longer overloaded`.
    NotOverload,
    /// `UPS x: trimming incoming voltage`.
    Trim,
    /// `UPS x: no longer trimming incoming voltage`.
    NotTrim,
    /// `UPS x: boosting incoming voltage`.
    Boost,
    /// `UPS x: no longer boosting incoming voltage`.
    NotBoost,
    /// `UPS x: has at least one unclassified status token: [...]`.
    OtherStatus,
    /// `UPS x has no unclassified status tokens anymore`.
    NotOtherStatus,
    /// A driver sees contradicting status flags (`seems that UPS [x] is in OL+DISCHRG state now`): a
    /// calibration, or firmware reporting flags that do not hold (a spurious LB/RB is then likely).
    StatusInconsistent,
    // --- communication (upsmon) ---
    /// `Communications with UPS x lost` (COMMBAD).
    CommLost,
    /// `Communications with UPS x established` (COMMOK).
    CommOk,
    /// `UPS x is unavailable` (NOCOMM).
    NoComm,
    /// `connect failed: Connection failure: Connection refused`.
    ConnectRefused,
    /// `connect failed: Connection failure: No route to host`.
    ConnectNoRoute,
    /// `connect failed: Connection failure: Network is unreachable`.
    ConnectNetUnreachable,
    /// `connect failed: Connection failure: Connection timed out`.
    ConnectTimedOut,
    /// `connect failed: No such host` (DNS).
    ConnectNoSuchHost,
    /// Any other `connect failed: …`.
    ConnectFailed,
    /// `Login on UPS [x] failed - got [ERR ACCESS-DENIED]`.
    LoginAccessDenied,
    /// `Login on UPS [x] failed - got [ERR UNKNOWN-UPS]`.
    LoginUnknownUps,
    /// Any other login failure.
    LoginFailed,
    /// `Primary managerial privileges unavailable on UPS [x]`.
    PrimaryRefused,
    /// `Poll UPS [x] failed - Data stale`.
    PollDataStale,
    /// `Poll UPS [x] failed - Driver not connected`.
    PollDriverNotConnected,
    /// `Poll UPS [x] failed - [x] does not exist on server h`.
    PollUnknownUps,
    /// `Poll UPS [x] failed - Write error / Read error / Server disconnected`: upsd went away.
    PollServerGone,
    /// Any other `Poll UPS [x] failed - …`.
    PollFailed,
    /// `Poll UPS [x] failure state code changed…` (2.8.1+ throttling notice).
    PollFailureState,
    /// `Poll UPS [x] recovered from failure state code…`.
    PollRecovered,
    /// `[D1] Trying to connect to UPS [x]` (debug).
    Connecting,
    /// `[D1] Logged into UPS x` (debug): the login worked.
    LoggedIn,
    /// `[D1] Critical UPS: x` (debug).
    CriticalUps,
    // --- upsmon lifecycle ---
    /// `Network UPS Tools upsmon 2.8.0` and other start banners.
    Banner,
    /// `UPS: x (primary) (power value 1)`: one MONITOR line read at start.
    Monitoring,
    /// `Signal 15: exiting`.
    Exiting,
    /// `Reloading configuration`.
    Reloading,
    /// A line with no diagnostic value (SSL init notice, PID file, flag file).
    Noise,
    // --- upsd and drivers ---
    /// upsd: `Data for UPS [x] is stale - check driver`.
    UpsdDataStale,
    /// upsd: `UPS [x] data is no longer stale`.
    UpsdDataOk,
    /// upsd: `Can't connect to UPS [x] (…): …` (driver socket missing).
    UpsdDriverMissing,
    /// upsd: `Connected to UPS [x]: …`.
    UpsdDriverConnected,
    /// upsd: `User u@h logged into UPS [x]`.
    UpsdLogin,
    /// upsd: `User u@h logged out from UPS [x]`.
    UpsdLogout,
    /// upsd: `Client u@h set FSD on UPS [x]`.
    UpsdSetFsd,
    /// Driver: `No matching HID UPS found`.
    DriverNoDevice,
    /// upsdrvctl: `Driver failed to start (exit status=n)`, or a driver that took longer than
    /// maxstartdelay (`Driver [x] PID n initially exceeded maxstartdelay and is still starting`).
    DriverStartFailed,
    /// A driver cannot open the USB device: permissions (`insufficient permissions on everything`,
    /// `Permissions problem`).
    UsbPermission,
    /// `Can't claim USB device [vvvv:pppp]@…: reason` (busy, access denied, gone; 2.7.4 has no `@…`).
    UsbClaimFailed,
    /// A driver lost the UPS (`Communications with UPS lost: status read failed!`, `Got disconnected
    /// by another driver`).
    DriverLostUps,
    /// A driver has the UPS back (`Communications with UPS re-established`).
    DriverUpsBack,
    /// A driver started but cannot read the UPS (`Can't initialize data from HID UPS`).
    DriverInitFailed,
    /// The kernel saw a USB device go (`usb 1-1: USB disconnect, device number 5`).
    UsbDisconnect,
    /// The kernel saw a USB device arrive.
    UsbConnect,
    // --- configuration and files ---
    /// A NUT program refuses its configuration (`Fatal error: unusable configuration`, parse errors,
    /// MINSUPPLIES, an old-style MONITOR line, a section missing from ups.conf).
    ConfigError,
    /// upsmon: `Unable to call shutdown command: CMD`: the SHUTDOWNCMD failed (a wrong command, or one
    /// that cannot work where upsmon runs).
    ShutdownCmdFailed,
    /// `Can't open FILE: reason`: a missing or unreadable file.
    CantOpen,
    /// upsd cannot listen (`not listening on ADDR port P: reason`, `no listening interface available`).
    ListenFailed,
    /// upsd: `listening on ADDR port P`.
    Listening,
    /// upsd: `FILE is world readable`: a warning, not a failure (a weak file-permission cause).
    WorldReadable,
    /// A driver cannot open its device node (`Unable to open /dev/ttyU0: Permission denied`).
    DeviceOpenFailed,
    /// usbhid-ups: `This … device (vvvv:pppp) is not (or perhaps not yet) supported`.
    DriverUnsupported,
    /// The kernel saw a network link go down (`lagg0: link state changed to DOWN`, `eth0: Link is Down`).
    LinkDown,
    /// upsmon: `UPS [x]: connect failed: SSL error: …` and upsd's TLS complaints.
    TlsError,
    /// upsmon: `Login to UPS [x] failed: Write error…` (the connection broke during login).
    LoginIo,
    /// A client that sends only USERNAME, PASSWORD and reads (Home Assistant's NUT integration:
    /// `Failure getting NUT ups alias, ERR ACCESS-DENIED`) was answered ERR ACCESS-DENIED. Stock upsd
    /// checks no credential there (USERNAME and PASSWORD always get `OK`, LIST UPS needs no account),
    /// so the server refused this client itself: one that serves only the client addresses it was
    /// given (Synology DSM's list of permitted devices), or a server of its own kind that checks the
    /// password before any login.
    ClientDenied,
    // --- systemd about NUT's units ---
    /// A NUT unit failed (`Main process exited, code=exited, status=1/FAILURE`, `Failed with result`,
    /// `Failed to start …`, `Start request repeated too quickly`).
    UnitFailed,
    /// `Started Network UPS Tools - …`.
    UnitStarted,
    /// `Stopped Network UPS Tools - …` / `Stopping …`.
    UnitStopped,
    /// `nut-…: Scheduled restart job…`.
    UnitRestarting,
    /// The host resumed from sleep (`System returned from sleep state`, `PM: suspend exit`).
    HostResumed,
    // --- not from the table ---
    /// A debug line (`[D1] …`) the table does not know.
    Debug,
    /// A journal marker such as `-- Boot 1a2b… --` or `-- No entries --`.
    Marker,
    /// A line from another program (sshd, kernel…): not NUT's business, counted apart.
    Foreign,
    /// A NUT line (or a line of unknown origin) that no template matches. Counted, never dropped.
    Unclassified,
}

impl EventKind {
    /// True for the events that make up a shutdown: FSD, upsmon's power-fail shutdown and its
    /// steps, a user-set FSD, and the debug `Critical UPS` line that accompanies one. The timeline
    /// groups them into a shutdown episode, and a live view shows them even when they name no UPS.
    pub fn is_shutdown(self) -> bool {
        use EventKind::*;
        matches!(
            self,
            ForcedShutdown
                | ShutdownStarted
                | ShutdownProceeding
                | HostSyncExpired
                | GivingUpOnPrimary
                | TooFewHealthy
                | UserFsd
                | CriticalUps
        )
    }
}

/// The root cause an incident is named after (the ids of the real-world corpus, `tests/real-world/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseId {
    /// The driver exited, was not started, or upsd has no driver socket.
    DriverNotRunning,
    /// The USB device disconnected, is not found, or re-enumerated.
    UsbDeviceGone,
    /// The driver cannot open the device: permissions / udev rules.
    UsbPermission,
    /// Credential mismatch, user not in upsd.users, wrong role.
    LoginRefused,
    /// Wrong UPS name in MONITOR / target.
    UnknownUps,
    /// No route to host, network down, name does not resolve.
    NetworkUnreachable,
    /// upsd not running / not listening on that address (connection refused).
    ServerNotRunning,
    /// The server is reachable but does not answer in time.
    ServerTimeout,
    /// A firewall rejects or drops connections to the NUT port.
    Firewall,
    /// The server takes the connection but refuses this client: an allow-list of client addresses
    /// in the server (Synology DSM's permitted devices), not a credential.
    ClientNotPermitted,
    /// The driver runs but its data is stale.
    DataStale,
    /// A NUT program refuses its configuration.
    ConfigError,
    /// upsd cannot bind/listen.
    ListenFailed,
    /// A NUT program cannot read its files or write its state/pid directory.
    FilePermission,
    /// A real mains outage, handled as intended.
    PowerOutage,
    /// A forced shutdown that was not a real outage.
    FsdUnexpected,
    /// A forced shutdown someone asked for: `upsmon -c fsd` (`User requested FSD`), or a client that
    /// set FSD (upsd's `Client … set FSD`), with no power failure in the log.
    FsdRequested,
    /// The UPS reports its battery needs replacing.
    BatteryReplace,
    /// The UPS is overloaded.
    Overload,
    /// STARTTLS / certificate problems.
    TlsError,
    /// The host resumed from sleep.
    HostResumed,
    /// Anything else.
    Other,
}

impl CauseId {
    /// The id of the log finding an incident of this cause gives (`log.driver-not-running`).
    pub fn finding_id(self) -> &'static str {
        use CauseId::*;
        match self {
            DriverNotRunning => "log.driver-not-running",
            UsbDeviceGone => "log.usb-device-gone",
            UsbPermission => "log.usb-permission",
            LoginRefused => "log.login-refused",
            UnknownUps => "log.unknown-ups",
            NetworkUnreachable => "log.network-unreachable",
            ServerNotRunning => "log.server-not-running",
            ServerTimeout => "log.server-timeout",
            Firewall => "log.firewall",
            ClientNotPermitted => "log.client-not-permitted",
            DataStale => "log.data-stale",
            ConfigError => "log.config-error",
            ListenFailed => "log.listen-failed",
            FilePermission => "log.file-permission",
            PowerOutage => "log.power-outage",
            FsdUnexpected => "log.fsd-unexpected",
            FsdRequested => "log.fsd-requested",
            BatteryReplace => "log.battery-replace",
            Overload => "log.overload",
            TlsError => "log.tls-error",
            HostResumed => "log.host-resumed",
            Other => "log.other",
        }
    }

    /// The kebab-case id (`driver-not-running`).
    pub fn as_str(self) -> &'static str {
        use CauseId::*;
        match self {
            DriverNotRunning => "driver-not-running",
            UsbDeviceGone => "usb-device-gone",
            UsbPermission => "usb-permission",
            LoginRefused => "login-refused",
            UnknownUps => "unknown-ups",
            NetworkUnreachable => "network-unreachable",
            ServerNotRunning => "server-not-running",
            ServerTimeout => "server-timeout",
            Firewall => "firewall",
            ClientNotPermitted => "client-not-permitted",
            DataStale => "data-stale",
            ConfigError => "config-error",
            ListenFailed => "listen-failed",
            FilePermission => "file-permission",
            PowerOutage => "power-outage",
            FsdUnexpected => "fsd-unexpected",
            FsdRequested => "fsd-requested",
            BatteryReplace => "battery-replace",
            Overload => "overload",
            TlsError => "tls-error",
            HostResumed => "host-resumed",
            Other => "other",
        }
    }

    /// How decisive a line of this cause is for naming an incident: 0 names a root cause (a device, a
    /// permission, a credential, the network, the configuration), 1 a broken link whose own cause may be
    /// earlier (the driver is not running, upsd refuses connections), 2 a symptom (stale data), 3 the
    /// power situation itself. The root cause of an incident is the earliest line of the lowest tier.
    pub fn tier(self) -> u8 {
        use CauseId::*;
        match self {
            UsbPermission | LoginRefused | UnknownUps | NetworkUnreachable | ConfigError
            | ListenFailed | FilePermission | TlsError | HostResumed | ClientNotPermitted => 0,
            // A device gone is often what a permission or an unsupported device looks like next.
            // A forced shutdown ranks as a broken link does, whoever set it.
            UsbDeviceGone | DriverNotRunning | ServerNotRunning | ServerTimeout | Firewall
            | FsdUnexpected | FsdRequested => 1,
            DataStale | Other => 2,
            PowerOutage | BatteryReplace | Overload => 3,
        }
    }

    /// One line on what it means and what to do.
    pub fn advice(self) -> (&'static str, &'static str) {
        use CauseId::*;
        match self {
            DriverNotRunning => ("the UPS driver is not running (it exited, failed to start, or upsd cannot reach its socket)", "systemctl status nut-driver@<ups> (or upsdrvctl start) and the driver's own lines above"),
            UsbDeviceGone => ("the driver lost the USB device or cannot find it (unplugged, re-enumerated, flaky cable/port, power saving)", "check the cable and port (lsusb, dmesg), disable USB autosuspend, then restart the driver"),
            UsbPermission => ("the driver cannot open the USB device: the udev rules do not give the nut user access", "install or reload NUT's udev rules (udevadm control --reload-rules && udevadm trigger), replug, restart the driver"),
            LoginRefused => ("upsd refused the login: the user/password of the MONITOR line does not match upsd.users, or the user lacks the upsmon role", "make MONITOR's user and password match upsd.users (with `upsmon primary|secondary`), reload upsd, restart nut-monitor"),
            UnknownUps => ("the server has no UPS by that name", "upsc -l <server> lists the names; fix the MONITOR line"),
            NetworkUnreachable => ("the server cannot be reached: no route, network down, or the name does not resolve", "check the address in MONITOR, the network path, and order nut-monitor after network-online.target"),
            ServerNotRunning => ("upsd is not there for this client: not running, listening elsewhere, or gone (restarted, crashed) under an open connection", "systemctl status nut-server; LISTEN lines of upsd.conf; ss -ltnp | grep 3493"),
            ServerTimeout => ("the server does not answer in time (dropped packets, a firewall DROP rule, an overloaded host)", "check firewalls for TCP 3493 and that the server is up"),
            Firewall => ("a firewall on the server or on the way rejects (connection refused) or drops (timeout) TCP port 3493", "open TCP 3493 from this client on the server's firewall (nft/iptables/firewalld, the NAS or router GUI), then retry `upsc <ups>@<server>`"),
            ClientNotPermitted => ("the server answered but refuses this client (ERR ACCESS-DENIED before any login): its address is not on the server's allow-list", "add this client's address to the server's allow-list (a Synology NAS: the permitted devices of its UPS settings); if it was there, check the client's address has not changed (DHCP)"),
            DataStale => ("the driver runs but has no fresh data from the UPS", "check the cable and the driver's log; restart the driver; some UPS firmware needs pollinterval/interruptonly tuning"),
            ConfigError => ("a NUT program refused its configuration", "read the line: it names the file and the directive; `nutctl config check` shows the same"),
            ListenFailed => ("upsd could not listen on an address (not up yet at boot, or already in use)", "LISTEN only on addresses the host has; order nut-server after network-online.target; check nothing else uses the port"),
            FilePermission => ("a NUT program cannot read its configuration or write its state/PID directory", "check owner and mode of /etc/nut/* (root:nut 640) and of the state path (/run/nut, nut:nut)"),
            PowerOutage => ("mains failed and the UPS ran on battery; NUT handled it", "nothing to fix; check that the runtime covers the shutdown of every host"),
            FsdUnexpected => ("a forced shutdown without a real outage (a client set FSD, a bogus low battery, a calibration)", "find who set FSD (upsd's `Client … set FSD`), check battery.charge.low / runtime.low and the UPS's own LB"),
            FsdRequested => ("a forced shutdown asked for without a power failure in the log: `upsmon -c fsd` was run, or a client with upsmon primary rights set FSD", "if it was no test, find what asked for it: who or what ran `upsmon -c fsd` (a person, a NOTIFYCMD or upssched CMDSCRIPT), or why that client set FSD (its upsmon's log); restart upsd to clear a latched FSD"),
            BatteryReplace => ("the UPS says its battery needs replacing", "replace the battery (and set battery.date if the UPS keeps one)"),
            Overload => ("the UPS is overloaded: on battery it would not hold the load", "move load off the UPS (ups.load should stay well below 100 %)"),
            TlsError => ("the TLS session to upsd could not be set up", "check CERTFILE/CERTPATH and the server certificate"),
            HostResumed => ("the host resumed from sleep and its connections to upsd broke", "nothing to fix if communications came back; otherwise restart nut-monitor on resume (nut-sleep.service)"),
            Other => ("an incident the log does not explain further", "read the lines of the episode"),
        }
    }
}

impl EventKind {
    /// Lines that point to a cause without being a failure (upsd's "world readable" warning): their
    /// cause names an incident only when nothing stronger does.
    pub fn is_weak(self) -> bool {
        matches!(self, EventKind::WorldReadable)
    }

    /// The cause a line of this kind points to, `detail` refining it (the error text after a colon).
    pub fn cause(self, detail: Option<&str>) -> Option<CauseId> {
        use EventKind::*;
        let d = detail.unwrap_or("");
        // Asked only by the kinds it refines (a timeline asks every classified line's cause).
        let perm = || d.contains("ermission") || d.contains("ccess denied") || d.contains("EACCES");
        Some(match self {
            PollDriverNotConnected | UpsdDriverMissing | DriverStartFailed | DriverInitFailed => {
                CauseId::DriverNotRunning
            }
            DriverNoDevice | UsbDisconnect => CauseId::UsbDeviceGone,
            // A driver that lost its UPS (serial or USB) leaves upsd's data stale.
            DriverLostUps => CauseId::DataStale,
            DriverUnsupported => CauseId::DriverNotRunning,
            DeviceOpenFailed if perm() => CauseId::UsbPermission,
            DeviceOpenFailed => CauseId::UsbDeviceGone,
            WorldReadable => CauseId::FilePermission,
            LinkDown => CauseId::NetworkUnreachable,
            UsbPermission => CauseId::UsbPermission,
            UsbClaimFailed if perm() => CauseId::UsbPermission,
            // Busy: another process (a second driver, a kernel driver) holds the device.
            UsbClaimFailed if d.contains("busy") => CauseId::Other,
            UsbClaimFailed => CauseId::UsbDeviceGone,
            LoginAccessDenied | PrimaryRefused => CauseId::LoginRefused,
            // An allow-list inside the server; a wrong password is the other candidate (see
            // causes::alternatives).
            ClientDenied => CauseId::ClientNotPermitted,
            LoginFailed if d.contains("UNKNOWN-UPS") || d.contains("Unknown UPS") => {
                CauseId::UnknownUps
            }
            LoginFailed => CauseId::LoginRefused,
            LoginUnknownUps | PollUnknownUps => CauseId::UnknownUps,
            ConnectNoRoute | ConnectNetUnreachable | ConnectNoSuchHost => {
                CauseId::NetworkUnreachable
            }
            ConnectRefused => CauseId::ServerNotRunning,
            ConnectTimedOut => CauseId::ServerTimeout,
            ConnectFailed if d.contains("No route") || d.contains("unreachable") => {
                CauseId::NetworkUnreachable
            }
            ConnectFailed if d.contains("refused") => CauseId::ServerNotRunning,
            ConnectFailed if d.contains("timed out") => CauseId::ServerTimeout,
            ConnectFailed if d.contains("SSL") || d.contains("TLS") => CauseId::TlsError,
            PollServerGone | LoginIo => CauseId::ServerNotRunning,
            // upsd's own reply quoted by another client (aionut's `Error running: LIST VAR ups: ERR
            // DATA-STALE`): the words whose cause is unambiguous, as the `client.err.*` rows.
            PollFailed if d.contains("ERR DATA-STALE") => CauseId::DataStale,
            PollFailed if d.contains("ERR DRIVER-NOT-CONNECTED") => CauseId::DriverNotRunning,
            PollFailed if d.contains("ERR UNKNOWN-UPS") => CauseId::UnknownUps,
            PollDataStale | UpsdDataStale => CauseId::DataStale,
            ConfigError | ShutdownCmdFailed => CauseId::ConfigError,
            CantOpen if perm() => CauseId::FilePermission,
            CantOpen => CauseId::ConfigError,
            ListenFailed => CauseId::ListenFailed,
            TlsError => CauseId::TlsError,
            HostResumed => CauseId::HostResumed,
            UnitFailed => return None, // depends on the unit: see the timeline
            OnBattery | LowBattery => CauseId::PowerOutage,
            ReplaceBattery => CauseId::BatteryReplace,
            Overload => CauseId::Overload,
            _ => return None,
        })
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogPattern {
    /// Stable id of the row (`upsmon.poll.data-stale`).
    pub id: &'static str,
    /// The message format with `{ups}`, `{detail}` and `{_}` placeholders.
    pub template: &'static str,
    /// What a matching line means.
    pub kind: EventKind,
}

macro_rules! p {
    ($id:literal, $kind:ident, $t:literal) => {
        LogPattern {
            id: $id,
            template: $t,
            kind: EventKind::$kind,
        }
    };
}

/// The table, sorted by id (a test keeps it sorted and unique).
#[rustfmt::skip]
pub const LOG_PATTERNS: &[LogPattern] = &[
    // upsd's error reply as another client prints it (`nut2.PyNUTError: ERR UNKNOWN-UPS`), or only its
    // word (`Err while getting NUT values: DRIVER-NOT-CONNECTED`): the words whose cause is unambiguous
    // (ACCESS-DENIED is also a refused SET or INSTCMD, not only a login).
    p!("client.err.data-stale", PollDataStale, "ERR DATA-STALE"),
    p!("client.err.driver-not-connected", PollDriverNotConnected, "ERR DRIVER-NOT-CONNECTED"),
    p!("client.err.unknown-ups", PollUnknownUps, "ERR UNKNOWN-UPS"),
    p!("client.word.data-stale", PollDataStale, "DATA-STALE"),
    p!("client.word.driver-not-connected", PollDriverNotConnected, "DRIVER-NOT-CONNECTED"),
    p!("client.word.unknown-ups", PollUnknownUps, "UNKNOWN-UPS"),
    p!("common.cant-open", CantOpen, "Can't open {_}: {detail}"),
    // upsd, upsmon, upssched 2.8.2+ after the invalid-directive lines of a config they read on:
    // the count of lines they skipped.
    p!("common.config.errors-ignored", ConfigError, "Encountered {_} config errors, those entries were ignored"),
    p!("common.debug-default", Noise, "Defaulting debug verbosity to NUT_DEBUG_LEVEL={_} since none was requested by command-line options"),
    p!("common.fopen", CantOpen, "fopen {_}: {detail}"),
    p!("common.fopen-pid", Noise, "fopen {_}.pid: No such file or directory"),
    p!("common.invalid-pid", Noise, "Ignoring invalid pid number {_}"),
    p!("common.kill", Noise, "kill: No such process"),
    p!("common.pid.not-found-driver", Noise, "Could not {_} PID file '{_}' to see if previous driver instance is already running or not!"),
    p!("common.pid.not-found-upsd", Noise, "Could not {_} PID file '{_}' to see if previous upsd instance is already running or not!"),
    // upsd's and upsmon's SIGHUP handlers when the new configuration cannot be read or parsed.
    p!("common.reload-failed", ConfigError, "Reload failed: {detail}"),
    p!("common.startup", Banner, "Startup successful"),
    p!("common.upsnotify.notech", Noise, "upsnotify: failed to notify about state {_}: no notification tech defined, will not spam more about it"),
    p!("common.upsnotify.watchdog", Noise, "upsnotify: logged the systemd watchdog situation once, will not spam more about it"),
    p!("common.writepid", CantOpen, "writepid: fopen {_}: {detail}"),
    p!("driver.apcupsd.no-comm", DriverLostUps, "can't communicate with apcupsd!"),
    p!("driver.async", Noise, "{_}: enabling asynchronous mode ({_})"),
    p!("driver.blazer.back", DriverUpsBack, "Communications with UPS re-established"),
    p!("driver.blazer.lost", DriverLostUps, "Communications with UPS lost: {detail}"),
    p!("driver.debug-min", Noise, "Applying debug_min={_} from ups.conf driver section"),
    p!("driver.debug-min-global", Noise, "Applying debug_min={_} from ups.conf global section"),
    p!("driver.disconnected-by-other", DriverLostUps, "Got disconnected by another driver"),
    // drivers/dstate.c send_to_all() / send_to_one() (2.8.0+, printed at debug level 0, so always):
    // a write to a client of the driver's socket (upsd) failed and the driver dropped that
    // connection. upsd stopping or restarting does it (`Broken pipe`); upsd's own lines say more.
    p!("driver.dstate.write-failed", Noise, "WARNING: {_}: write {_} bytes to socket {_} failed (ret={_}), disconnecting: {detail}"),
    // 2.8.5+: send_to_all()'s text ends in a full stop, then the errno text.
    p!("driver.dstate.write-failed-dot", Noise, "WARNING: {_}: write {_} bytes to socket {_} failed (ret={_}), disconnecting.: {detail}"),
    p!("driver.exiting", Exiting, "Exiting."),
    p!("driver.hid-init-failed", DriverInitFailed, "Can't initialize data from HID UPS"),
    p!("driver.invalid-variable", ConfigError, "Fatal error: '{detail}' is not a valid {_} for this driver."),
    p!("driver.invalid-variable.help-1", Noise, "Look in the man page or call this driver with -h for a list of"),
    p!("driver.invalid-variable.help-2", Noise, "valid variable names and flags."),
    p!("driver.libusb.access-denied", UsbPermission, "{_}: Access denied (insufficient permissions)"),
    p!("driver.libusb.io-error", DriverLostUps, "{_}: Input/Output Error"),
    p!("driver.libusb.no-device", UsbDisconnect, "{_}: No such device (it may have been disconnected)"),
    p!("driver.no-hid-device", DriverNoDevice, "No matching HID UPS found"),
    p!("driver.no-port", ConfigError, "Error: you must specify a port name in ups.conf{_}"),
    p!("driver.powercom.receive", DriverLostUps, "data receiving error ({_} instead of {_} bytes)"),
    p!("driver.qx-init-failed", DriverInitFailed, "Can't initialise data from the UPS"),
    p!("driver.qx.back", DriverUpsBack, "Communications with the UPS re-established"),
    p!("driver.qx.no-device", DriverNoDevice, "No supported devices found. Please check your device availability with 'lsusb'"),
    p!("driver.qx.no-device.help-1", Noise, "and make sure you have an up-to-date version of NUT. If this does not help"),
    p!("driver.qx.no-device.help-2", Noise, "try running the driver with at least 'subdriver', 'vendorid' and 'productid'"),
    p!("driver.qx.no-device.help-3", Noise, "options specified. Please refer to the man page for details about these options"),
    p!("driver.qx.no-device.help-4", Noise, "(man 8 nutdrv_qx)."),
    p!("driver.qx.no-device.help-4-blazer", Noise, "(man 8 blazer_usb)."),
    p!("driver.section-missing", ConfigError, "Error: Section {detail} not found in ups.conf"),
    p!("driver.serial.excessive-failures", DriverLostUps, "Warning: excessive comm failures, limiting error reporting"),
    p!("driver.serial.group", Noise, "Serial port group: {_} ({_})"),
    p!("driver.serial.mode", Noise, "Mode of port: {_}"),
    p!("driver.serial.owner", Noise, "Serial port owner: {_} ({_})"),
    p!("driver.serial.unable-open", DeviceOpenFailed, "Unable to open {_}: {detail}"),
    p!("driver.serial.user", Noise, "Current user id: {_} ({_})"),
    p!("driver.snmp.classic", Noise, "Going back to the classic MIB detection method."),
    p!("driver.snmp.detected", Noise, "Detected {_} on host {_} (mib: {_} {_})"),
    p!("driver.snmp.no-device", DriverUnsupported, "No supported device detected"),
    p!("driver.snmp.no-device-at", DriverUnsupported, "No supported device detected at [{_}] (host {_})"),
    p!("driver.snmp.no-mib", Noise, "No matching MIB found for sysOID '{_}'!"),
    p!("driver.snmp.report", Noise, "Please report it to NUT developers, with an 'upsc' output for your device."),
    p!("driver.socket-group", Noise, "WARNING: Needed to fix group access to filesystem socket of this driver, but failed; run the driver with more debugging to see how exactly."),
    p!("driver.socket-group.consumers", Noise, "Consumers of the socket, such as upsd data server, can fail to interact with the driver and represent the device: {_}"),
    p!("driver.start-failed", DriverStartFailed, "Driver failed to start (exit status={detail})"),
    p!("driver.startup-timer", DriverStartFailed, "Startup timer elapsed, continuing..."),
    p!("driver.ups-not-in-conf", ConfigError, "UPS {detail} not found in ups.conf"),
    p!("driver.usb.banner", Banner, "USB communication driver {_}"),
    p!("driver.usb.bus", Noise, "- Bus: {_}"),
    p!("driver.usb.checking", Noise, "Checking device ({_}/{_}) ({_}/{_})"),
    p!("driver.usb.claim", UsbClaimFailed, "Can't claim USB device [{_}]@{_}: {detail}"),
    p!("driver.usb.claim-debug", UsbClaimFailed, "failed to claim USB device: {detail}"),
    // drivers/libusb.c (2.7.4): the same failure without the `@` and interface indexes 2.8.0+ add.
    p!("driver.usb.claim-old", UsbClaimFailed, "Can't claim USB device [{_}:{_}]: {detail}"),
    p!("driver.usb.detach-debug", Noise, "failed to detach kernel driver from USB device: {_}"),
    p!("driver.usb.manufacturer", Noise, "- Manufacturer: {_}"),
    p!("driver.usb.matches", Noise, "Device matches"),
    p!("driver.usb.no-bus", DriverNoDevice, "{_}: Could not open any HID devices: no USB buses found"),
    p!("driver.usb.no-bus-or-device", DriverNoDevice, "{_}: Could not open any HID devices: no USB buses (or devices) found"),
    p!("driver.usb.permissions", UsbPermission, "{_}: Could not open any HID devices: insufficient permissions on everything"),
    p!("driver.usb.permissions-qx", UsbPermission, "Permissions problem"),
    p!("driver.usb.product", Noise, "- Product: {_}"),
    p!("driver.usb.product-id", Noise, "- ProductID: {_}"),
    p!("driver.usb.release", Noise, "- Device release number: {_}"),
    p!("driver.usb.serial", Noise, "- Serial Number: {_}"),
    p!("driver.usb.trying", Noise, "Trying to match device"),
    p!("driver.usb.vendor-id", Noise, "- VendorID: {_}"),
    p!("driver.usbhid.apc-product-null", Noise, "device->Product is NULL so it is not possible to determine whether to activate max_report_size workaround"),
    p!("driver.usbhid.ol-dischrg", StatusInconsistent, "{_}: seems that UPS [{ups}] is in OL+DISCHRG state now. {_}"),
    p!("driver.usbhid.subdriver", Noise, "Using subdriver: {_}"),
    p!("driver.usbhid.unsupported", DriverUnsupported, "This {_} device ({_}:{_}) is not (or perhaps not yet) supported"),
    p!("driver.wrong-driver", ConfigError, "Error: UPS [{ups}] is for driver '{detail}'{_}"),
    p!("dummy-ups.no-definition-file", CantOpen, "Can't open dummy-ups definition file {_}: {detail}"),
    // nut-driver-enumerator (catalog/nut-scripts.txt): the helper that writes a nut-driver@ unit
    // for each ups.conf section and reloads upsd. What it does, systemd's own lines about those
    // units say as well (started, stopped, reloaded), so its lines name no cause. 2.8.0..2.8.2 start
    // some with `date -u` and ` : `, 2.8.5+ every one with the date and `[INFO] ` (or `[ERROR] `…):
    // the reader finds the message after either.
    p!("enumerator.adding", Noise, "Adding new {_} service instance for power device [{_}]..."),
    // ups.conf empty or absent: on a netclient it fails so by design (nut#2574); where drivers are
    // wanted, upsd's and the drivers' own lines about ups.conf name the cause.
    p!("enumerator.conf-empty", Noise, "The '{_}' file exists but is empty"),
    p!("enumerator.conf-missing", Noise, "The '{_}' file does not exist or is not readable"),
    p!("enumerator.dropping", Noise, "Dropping old {_} service instance for power device [{_}] which is no longer in config file..."),
    p!("enumerator.dropping-changed", Noise, "Dropping old {_} service instance '{_}' whose section '{_}' in config file has changed..."),
    p!("enumerator.dropping-changed-old", Noise, "Dropping old {_} service instance {_} whose section in config file has changed..."),
    p!("enumerator.enabled", Noise, "Enabled instance: 'nut-driver@{_}' for NUT configuration section '{_}'"),
    p!("enumerator.global-changed", Noise, "Detected changes in global section of '{_}', will restart all drivers"),
    // The headers of the lists it prints after a change (the lists' items, one section or unit
    // name a line, say nothing by themselves and stay unclassified).
    p!("enumerator.list-configs", Noise, "The currently defined configurations in '{_}' are:"),
    p!("enumerator.list-configs-old", Noise, "=== The currently defined configurations in '{_}' are:"),
    p!("enumerator.list-instances", Noise, "The currently defined service instances are:"),
    p!("enumerator.list-instances-old", Noise, "=== The currently defined service instances are:"),
    // No nut-driver@ unit yet (the first run after installing).
    p!("enumerator.list-none", Noise, "Could not read the list of {_} service instances for UPS drivers, or none are defined{_}"),
    p!("enumerator.list-none-old", Noise, "Error reading the list of {_} service instances for UPS drivers, or none are defined{_}"),
    p!("enumerator.no-changes", Noise, "OK: No changes to reconcile between {_} service instances and device configurations in '{_}'"),
    p!("enumerator.no-more-changes", Noise, "OK: No more changes to reconcile between {_} service instances and device configurations in '{_}'"),
    p!("enumerator.removing", Noise, "Removing instance: 'nut-driver@{_}' ..."),
    p!("enumerator.restart-driver", Noise, "Reloading or restarting NUT driver instance '{_}' to make sure it knows new configuration..."),
    p!("enumerator.restart-driver-old", Noise, "Restarting NUT driver instance '{_}' to make sure it knows new configuration..."),
    p!("enumerator.restart-upsd", Noise, "Reloading or restarting NUT data server to make sure it knows new configuration..."),
    p!("enumerator.restart-upsd-old", Noise, "Restarting NUT data server to make sure it knows new configuration..."),
    p!("enumerator.started", Noise, "Started instance: 'nut-driver@{_}' for NUT configuration section '{_}'"),
    p!("ha-addon.s6-legacy", Noise, "services-up: info: copying legacy longrun {_} (no readiness notification)"),
    p!("ha-addon.s6-rc-started", Noise, "s6-rc: info: service {_} successfully started"),
    p!("ha-addon.start-drivers", Noise, "INFO: Starting the UPS drivers..."),
    p!("ha-addon.start-upsd", Noise, "INFO: Starting the UPS information server..."),
    p!("ha-addon.start-upsmon", Noise, "INFO: Starting the UPS monitor and shutdown controller..."),
    p!("ha-addon.upsmon-crashed", Noise, "WARNING: upsmon crashed, halting add-on"),
    p!("ha-addon.upsmon-crashed-app", Noise, "WARNING: upsmon crashed, halting app"),
    p!("ha-addon.upsmon-restart", Noise, "INFO: upsmon stopped, restarting..."),
    // Home Assistant's NUT integration (catalog/ha-integration.txt), under its logger
    // `homeassistant.components.nut` (the config entry's lines under `homeassistant.config_entries`).
    // pynut2 (HA 0.108 to 2023.x) reports upsd's reply to USERNAME, PASSWORD or LIST UPS as it
    // came, and any OSError of the connect as `Socket error.`: refused, no route, a timeout, a name
    // that does not resolve alike, so that line names no cause.
    p!("ha-integration.alias.access-denied", ClientDenied, "Failure getting NUT ups alias, ERR ACCESS-DENIED"),
    // LIST UPS answered with no UPS: the server's ups.conf defines none.
    p!("ha-integration.alias.empty", ConfigError, "Empty list while getting NUT ups aliases"),
    p!("ha-integration.alias.failed", PollFailed, "Failure getting NUT ups alias, {detail}"),
    p!("ha-integration.alias.socket-error", ConnectFailed, "Failure getting NUT ups alias, Socket error."),
    // The first refresh failed (the integration's own line before it, if any, says why).
    p!("ha-integration.not-ready", PollFailed, "Config entry '{_}' for nut integration not ready yet: Error fetching UPS state; Retrying in background"),
    // With aionut (later HA) the error follows: upsd's reply (`Error running: LIST VAR ups: ERR
    // DATA-STALE`), `Connection closed by server`, or Python's OSError text.
    p!("ha-integration.not-ready-detail", PollFailed, "Config entry '{_}' for nut integration not ready yet: Error fetching UPS state: {detail}; Retrying in background"),
    p!("ha-integration.update-failed", PollFailed, "Error fetching NUT resource status data: Error fetching UPS state"),
    p!("ha-integration.update-failed-detail", PollFailed, "Error fetching NUT resource status data: Error fetching UPS state: {detail}"),
    p!("os.kernel.link-down", LinkDown, "{_}: link state changed to DOWN"),
    p!("os.kernel.link-down-linux", LinkDown, "{_}: Link is Down"),
    p!("os.kernel.link-up", Noise, "{_}: link state changed to UP"),
    p!("os.kernel.usb-connect", UsbConnect, "usb {_}: new {_} USB device number {_} using {_}"),
    p!("os.kernel.usb-disconnect", UsbDisconnect, "usb {_}: USB disconnect, device number {_}"),
    p!("os.kernel.usb-serial-gone", UsbDisconnect, "{_}: {_} converter now disconnected from {_}"),
    p!("os.rc.nut-precmd", DriverStartFailed, "{_}: WARNING: failed precmd routine for nut"),
    p!("os.rc.nut-precmd-bare", DriverStartFailed, "WARNING: failed precmd routine for nut"),
    p!("os.resume", HostResumed, "System returned from sleep state."),
    p!("os.resume-pm", HostResumed, "PM: suspend exit"),
    p!("os.wall.header", Noise, "Broadcast message from {_} ({_}) ({_}):"),
    // pynut2 (logger `pynut2.nut2`): EOFError or BrokenPipeError on the connection, the server
    // having closed it.
    p!("pynut2.read-failed", PollServerGone, "NUT2 problem reading from server."),
    p!("pynut2.write-failed", PollServerGone, "NUT2 problem writing to server."),
    // systemd's lines about a unit with `systemd[1]: ` cut off, so that the unit's name reads as the
    // ident (`nut-monitor.service: Control process exited, …`): generic, so only under a NUT ident.
    p!("systemd.as-ident.control-exited", UnitFailed, "Control process exited, code={_}, status={_}"),
    p!("systemd.as-ident.failed-result", UnitFailed, "Failed with result '{_}'."),
    p!("systemd.as-ident.main-exited", UnitFailed, "Main process exited, code={_}, status={_}"),
    p!("systemd.as-ident.repeated", UnitFailed, "Start request repeated too quickly."),
    p!("systemd.as-ident.restart", UnitRestarting, "Scheduled restart job, restart counter is at {_}."),
    p!("systemd.dependency-failed", UnitFailed, "Dependency failed for Network UPS Tools - {detail}."),
    p!("systemd.dependency-failed-named", UnitFailed, "Dependency failed for nut-{detail} - Network UPS Tools - {_}."),
    p!("systemd.driver.control-exited", UnitFailed, "nut-driver@{ups}.service: Control process exited, code={_}, status={detail}"),
    p!("systemd.driver.failed-result", UnitFailed, "nut-driver@{ups}.service: Failed with result '{detail}'."),
    p!("systemd.driver.failed-start", UnitFailed, "Failed to start Network UPS Tools - device driver for {ups}."),
    p!("systemd.driver.failed-start-named", UnitFailed, "Failed to start nut-driver@{ups}.service - Network UPS Tools - device driver for {_}."),
    p!("systemd.driver.main-exited", UnitFailed, "nut-driver@{ups}.service: Main process exited, code={_}, status={detail}"),
    p!("systemd.driver.started", UnitStarted, "Started Network UPS Tools - device driver for {ups}."),
    // systemd 252 (Debian 12) names the unit before its description: `Started nut-driver@apc.service -
    // Network UPS Tools - device driver for apc.` (seen in the real-host lab's journal).
    p!("systemd.driver.started-named", UnitStarted, "Started nut-driver@{ups}.service - Network UPS Tools - device driver for {_}."),
    p!("systemd.driver.stopped", UnitStopped, "Stopped Network UPS Tools - device driver for {ups}."),
    p!("systemd.driver.stopped-named", UnitStopped, "Stopped nut-driver@{ups}.service - Network UPS Tools - device driver for {_}."),
    p!("systemd.driver.stopping", UnitStopped, "Stopping Network UPS Tools - device driver for {ups}..."),
    p!("systemd.driver.stopping-named", UnitStopped, "Stopping nut-driver@{ups}.service - Network UPS Tools - device driver for {_}..."),
    p!("systemd.failed-start", UnitFailed, "Failed to start Network UPS Tools - {detail}."),
    p!("systemd.failed-start-named", UnitFailed, "Failed to start nut-{detail} - Network UPS Tools - {_}."),
    p!("systemd.repeated", UnitFailed, "nut-{detail}: Start request repeated too quickly."),
    p!("systemd.unit.control-exited", UnitFailed, "nut-{detail}: Control process exited, code={_}, status={_}"),
    p!("systemd.unit.deactivated", UnitStopped, "nut-{detail}: Deactivated successfully."),
    p!("systemd.unit.failed-result", UnitFailed, "nut-{detail}: Failed with result '{_}'."),
    p!("systemd.unit.main-exited", UnitFailed, "nut-{detail}: Main process exited, code={_}, status={_}"),
    p!("systemd.unit.pid-file", Noise, "nut-{detail}: Can't open PID file {_} (yet?) after start: {_}"),
    p!("systemd.unit.reloaded", Reloading, "Reloaded Network UPS Tools - {detail}."),
    p!("systemd.unit.reloaded-named", Reloading, "Reloaded nut-{detail} - Network UPS Tools - {_}."),
    p!("systemd.unit.reloading", Noise, "Reloading Network UPS Tools - {detail}..."),
    p!("systemd.unit.reloading-named", Noise, "Reloading nut-{detail} - Network UPS Tools - {_}..."),
    p!("systemd.unit.restart", UnitRestarting, "nut-{detail}: Scheduled restart job, restart counter is at {_}."),
    p!("systemd.unit.started", UnitStarted, "Started Network UPS Tools - {detail}."),
    p!("systemd.unit.started-named", UnitStarted, "Started nut-{detail} - Network UPS Tools - {_}."),
    p!("systemd.unit.starting", Noise, "Starting Network UPS Tools - {detail}..."),
    p!("systemd.unit.starting-named", Noise, "Starting nut-{detail} - Network UPS Tools - {_}..."),
    p!("systemd.unit.stopped", UnitStopped, "Stopped Network UPS Tools - {detail}."),
    p!("systemd.unit.stopped-named", UnitStopped, "Stopped nut-{detail} - Network UPS Tools - {_}."),
    p!("systemd.unit.stopping", UnitStopped, "Stopping Network UPS Tools - {detail}..."),
    p!("systemd.unit.stopping-named", UnitStopped, "Stopping nut-{detail} - Network UPS Tools - {_}..."),
    p!("systemd.unit.succeeded", UnitStopped, "nut-{detail}: Succeeded."),
    p!("upsc.connect-failed", ConnectFailed, "Error: Connection failure: {detail}"),
    p!("upsc.data-stale", PollDataStale, "Error: Data stale"),
    p!("upsc.driver-not-connected", PollDriverNotConnected, "Error: Driver not connected"),
    p!("upsc.no-such-host", ConnectNoSuchHost, "Error: No such host"),
    p!("upsc.unknown-ups", PollUnknownUps, "Error: Unknown UPS"),
    p!("upsclient.tls.disconnect", TlsError, "Can not connect to {_} in SSL, disconnect"),
    p!("upsclient.tls.eof", TlsError, "ssl_error() EOF from client"),
    p!("upsclient.tls.handshake", TlsError, "SSL_connect do not accept handshake.: {detail}"),
    p!("upsd.client-fsd", UpsdSetFsd, "Client {detail} set FSD on UPS [{ups}]"),
    p!("upsd.config.fatal-parse", ConfigError, "Fatal error in parseconf({_}): {detail}"),
    // server/conf.c (upsd.conf) and server/desc.c (cmdvartab) put a space before the parenthesis,
    // server/user.c (upsd.users) none: every version from 2.7.4 to 2.8.5.
    p!("upsd.config.fatal-parse-cmdvartab", ConfigError, "Fatal error in parseconf (cmdvartab): {detail}"),
    p!("upsd.config.fatal-parse-upsd-conf", ConfigError, "Fatal error in parseconf (upsd.conf): {detail}"),
    // server/conf.c (catalog/nut-composed.txt): an upsd.conf line it does not know, its words after.
    p!("upsd.config.invalid-directive", ConfigError, "upsd.conf: invalid directive {detail}"),
    p!("upsd.config.no-ups", ConfigError, "Fatal error: at least one UPS must be defined in ups.conf"),
    p!("upsd.config.no-ups-warning", ConfigError, "Warning: no UPS definitions in ups.conf"),
    p!("upsd.driver-connected", UpsdDriverConnected, "Connected to UPS [{ups}]: {_}"),
    p!("upsd.driver-missing", UpsdDriverMissing, "Can't connect to UPS [{ups}] ({_}): {detail}"),
    p!("upsd.foreground", Noise, "Running as foreground process, not saving a PID file"),
    p!("upsd.foreground-pid", Noise, "Running as foreground process, but saving a PID file anyway"),
    p!("upsd.found-ups", Noise, "Found {_} UPS defined in ups.conf"),
    p!("upsd.listen.failed", ListenFailed, "not listening on {_} port {_}: {detail}"),
    p!("upsd.listen.failed-bare", ListenFailed, "not listening on {_} port {detail}"),
    p!("upsd.listen.getaddrinfo", ListenFailed, "getaddrinfo: {detail}"),
    p!("upsd.listen.getaddrinfo-addr", ListenFailed, "getaddrinfo('{_}'): {detail}"),
    p!("upsd.listen.none", ListenFailed, "no listening interface available"),
    p!("upsd.listen.ok", Listening, "listening on {_} port {_}"),
    p!("upsd.listen.some", ListenFailed, "Fatal error: some listening interfaces were not available"),
    // server/upsd.c mainloop() (catalog/nut-composed.txt): poll() interrupted by a signal (a
    // reload's SIGHUP): harmless, upsd polls again.
    p!("upsd.mainloop.eintr", Noise, "mainloop: Interrupted system call"),
    p!("upsd.pid.not-found", Noise, "Could not {_} PID file '{_}' to see if previous upsd instance is already running!"),
    p!("upsd.reload-sighup", Reloading, "SIGHUP: reloading configuration"),
    p!("upsd.set-variable", Noise, "Set variable: {_} set {_} on {ups} to {_} (tracking ID: {_})"),
    p!("upsd.stale", UpsdDataStale, "Data for UPS [{ups}] is stale - check driver"),
    p!("upsd.stale-cleared", UpsdDataOk, "UPS [{ups}] data is no longer stale"),
    p!("upsd.tls.accept-failed", TlsError, "{_}: SSL_accept failed (SSL_ERROR {detail})"),
    p!("upsd.tls.accept-unknown", TlsError, "Unknown return value from SSL_accept: {detail}"),
    p!("upsd.tls.cert", TlsError, "SSL_CTX_use_certificate_chain_file({_}) failed"),
    p!("upsd.tls.key", TlsError, "SSL_CTX_use_PrivateKey_file({_}) failed"),
    p!("upsd.user-login", UpsdLogin, "User {_} logged into UPS [{ups}]{_}"),
    p!("upsd.user-logout", UpsdLogout, "User {_} logged out from UPS [{ups}]"),
    p!("upsd.world-readable", WorldReadable, "{detail} is world readable"),
    p!("upsd.world-readable-warning", WorldReadable, "WARNING: {detail} is world readable (hope you don't have passwords there)"),
    p!("upsdrvctl.cant-start", CantOpen, "Can't start {_}: {detail}"),
    p!("upsdrvctl.no-ups", ConfigError, "Error: no UPS definitions found in ups.conf"),
    p!("upsdrvctl.no-ups-bang", ConfigError, "Error: no UPS definitions found in ups.conf!"),
    p!("upsdrvctl.slow-start.abnormal", DriverStartFailed, "Driver [{ups}] PID {_} initially exceeded maxstartdelay and has exited abnormally by now"),
    p!("upsdrvctl.slow-start.abnormal-sec", DriverStartFailed, "Driver [{ups}] PID {_} initially exceeded maxstartdelay {_} sec and has exited abnormally by now"),
    p!("upsdrvctl.slow-start.failed", DriverStartFailed, "Driver [{ups}] PID {_} initially exceeded maxstartdelay and has failed to start by now (exit status={_})"),
    p!("upsdrvctl.slow-start.failed-sec", DriverStartFailed, "Driver [{ups}] PID {_} initially exceeded maxstartdelay {_} sec and has failed to start by now (exit status={_})"),
    p!("upsdrvctl.slow-start.still", DriverStartFailed, "Driver [{ups}] PID {_} initially exceeded maxstartdelay and is still starting"),
    p!("upsdrvctl.slow-start.still-sec", DriverStartFailed, "Driver [{ups}] PID {_} initially exceeded maxstartdelay {_} sec and is still starting"),
    p!("upsmon.alarm", Alarm, "UPS {ups}: one or more active alarms: [{detail}]"),
    p!("upsmon.banner", Banner, "Network UPS Tools {_}"),
    p!("upsmon.boost", Boost, "UPS {ups}: boosting incoming voltage"),
    p!("upsmon.bypass", Bypass, "UPS {ups}: on bypass (powered, not protecting)"),
    p!("upsmon.cal", Calibrating, "UPS {ups}: calibration in progress"),
    p!("upsmon.commbad", CommLost, "Communications with UPS {ups} lost"),
    p!("upsmon.commok", CommOk, "Communications with UPS {ups} established"),
    p!("upsmon.config.certverify", ConfigError, "Configuration error: CERTVERIFY is set, but CERTPATH isn't"),
    p!("upsmon.config.edit", ConfigError, "Edit your upsmon.conf and change the values."),
    p!("upsmon.config.insufficient-power", ConfigError, "Fatal error: insufficient power configured!"),
    p!("upsmon.config.invalid-directive", ConfigError, "{_} line {_}: invalid directive {detail}"),
    p!("upsmon.config.min-supplies-value", ConfigError, "Minimum value (MINSUPPLIES): {_}"),
    p!("upsmon.config.minsupplies", ConfigError, "Fatal error: total power value ({_}) less than MINSUPPLIES ({_})"),
    p!("upsmon.config.monitor-args", ConfigError, "MONITOR configuration directives require five arguments."),
    p!("upsmon.config.monitor-invalid", ConfigError, "Ignoring invalid MONITOR line in {_}!"),
    p!("upsmon.config.old-monitor", ConfigError, "Unable to use old-style MONITOR line without a username"),
    p!("upsmon.config.old-monitor-convert", ConfigError, "Convert it and add a username to upsd.users - see the documentation"),
    p!("upsmon.config.parse", ConfigError, "Parse error: {_}"),
    p!("upsmon.config.power", ConfigError, "Impossible power configuration, unable to continue"),
    p!("upsmon.config.power-sum", ConfigError, "Sum of power values........: {_}"),
    p!("upsmon.config.unusable", ConfigError, "Fatal error: unusable configuration"),
    p!("upsmon.connect.failed", ConnectFailed, "UPS [{ups}]: connect failed: {detail}"),
    p!("upsmon.connect.no-route", ConnectNoRoute, "UPS [{ups}]: connect failed: Connection failure: No route to host"),
    p!("upsmon.connect.no-such-host", ConnectNoSuchHost, "UPS [{ups}]: connect failed: No such host"),
    p!("upsmon.connect.refused", ConnectRefused, "UPS [{ups}]: connect failed: Connection failure: Connection refused"),
    p!("upsmon.connect.timed-out", ConnectTimedOut, "UPS [{ups}]: connect failed: Connection failure: Connection timed out"),
    p!("upsmon.connect.timed-out-bsd", ConnectTimedOut, "UPS [{ups}]: connect failed: Connection failure: Operation timed out"),
    p!("upsmon.connect.tls", TlsError, "UPS [{ups}]: connect failed: SSL error: {detail}"),
    p!("upsmon.connect.unreachable", ConnectNetUnreachable, "UPS [{ups}]: connect failed: Connection failure: Network is unreachable"),
    p!("upsmon.dead-no-assumption.boost", NoComm, "UPS [{ups}] was last known to be boosting incoming voltage and currently is not communicating, but we make no assumptions if it is dead now"),
    p!("upsmon.dead-no-assumption.over", NoComm, "UPS [{ups}] was last known to be overloaded and currently is not communicating, but we make no assumptions if it is dead now"),
    p!("upsmon.dead-no-assumption.trim", NoComm, "UPS [{ups}] was last known to be trimming incoming voltage and currently is not communicating, but we make no assumptions if it is dead now"),
    p!("upsmon.dead-waiting", NoComm, "UPS [{ups}] was last known to be not fully online and currently is not communicating, just so you know (waiting for DEADTIME to elapse)"),
    p!("upsmon.dead.alarm", CriticalUps, "UPS [{ups}] was last known to be in an ALARM state and currently is not communicating, assuming dead. If this is in error and causes unwanted shutdowns, consider disabling the upsmon ALARMCRITICAL option."),
    p!("upsmon.dead.alarm-not-critical", NoComm, "UPS [{ups}] was last known to be in an ALARM state and currently is not communicating. It is not assumed dead as the upsmon ALARMCRITICAL option was disabled."),
    p!("upsmon.dead.bypass", CriticalUps, "UPS [{ups}] was last known to be on BYPASS and currently is not communicating, assuming dead"),
    p!("upsmon.dead.calibrating", CriticalUps, "UPS [{ups}] was last known to be calibrating and currently is not communicating, assuming dead"),
    p!("upsmon.dead.not-online", CriticalUps, "UPS [{ups}] was last known to be not fully online and currently is not communicating, assuming dead"),
    p!("upsmon.dead.off", CriticalUps, "UPS [{ups}] was last known to be (administratively) OFF and currently is not communicating, assuming dead"),
    p!("upsmon.debug-min", Noise, "Applying debug_min={_} from upsmon.conf"),
    p!("upsmon.debug.connecting", Connecting, "Trying to connect to UPS [{ups}]"),
    p!("upsmon.debug.critical", CriticalUps, "Critical UPS: {ups}"),
    p!("upsmon.debug.logged-in", LoggedIn, "Logged into UPS {ups}"),
    p!("upsmon.eco", Eco, "UPS {ups}: in ECO mode (as defined by vendor)"),
    p!("upsmon.exiting", Exiting, "Signal {_}: exiting"),
    p!("upsmon.fsd", ForcedShutdown, "UPS {ups}: forced shutdown in progress"),
    p!("upsmon.giving-up", GivingUpOnPrimary, "Giving up on the primary for UPS [{ups}]"),
    p!("upsmon.giving-up-after", GivingUpOnPrimary, "Giving up on the primary for UPS [{ups}] after {_} sec since last comms"),
    p!("upsmon.hostsync-expired", HostSyncExpired, "Host sync timer expired, forcing shutdown"),
    p!("upsmon.killpower.magic", ConfigError, "POWERDOWNFLAG ({_}) does not containthe upsmon magic string - disabling!"),
    p!("upsmon.killpower.magic-new", ConfigError, "POWERDOWNFLAG ({_}) does not contain the upsmon magic string (not a NUT file) - disabling!"),
    p!("upsmon.killpower.unreadable", ConfigError, "'{_}' exists, but we can't read from it: {detail}"),
    p!("upsmon.login.cant", LoginFailed, "Can't login to UPS [{ups}]: {detail}"),
    p!("upsmon.login.denied", LoginAccessDenied, "Login on UPS [{ups}] failed - got [ERR ACCESS-DENIED]"),
    p!("upsmon.login.failed", LoginFailed, "Login on UPS [{ups}] failed - got [{detail}]"),
    p!("upsmon.login.io", LoginIo, "Login to UPS [{ups}] failed: {detail}"),
    p!("upsmon.login.unknown-ups", LoginUnknownUps, "Login on UPS [{ups}] failed - got [ERR UNKNOWN-UPS]"),
    p!("upsmon.lowbatt", LowBattery, "UPS {ups} battery is low"),
    p!("upsmon.monitor.monitoring-only", Monitoring, "UPS: {ups} (monitoring only)"),
    p!("upsmon.monitor.primary", Monitoring, "UPS: {ups} (primary) (power value {_})"),
    p!("upsmon.monitor.role", Monitoring, "UPS: {ups} ({_}) (power value {_})"),
    p!("upsmon.monitor.secondary", Monitoring, "UPS: {ups} (secondary) (power value {_})"),
    p!("upsmon.no-parent", Noise, "Parent died - shutdown impossible"),
    p!("upsmon.nocomm", NoComm, "UPS {ups} is unavailable"),
    p!("upsmon.noise.debug-level", Noise, "debug level is '{_}'"),
    p!("upsmon.noise.drop-connection", Noise, "Dropping connection to UPS [{ups}]"),
    p!("upsmon.noise.drop-connection-online", Noise, "Dropping connection to UPS [{ups}], last seen as fully online."),
    p!("upsmon.noise.flag-file", Noise, "Using power down flag file {_}"),
    p!("upsmon.noise.get-var", Noise, "get_var: {ups} / {_}"),
    p!("upsmon.noise.no-pid-file", Noise, "Could not find PID file to see if previous upsmon instance is already running!"),
    p!("upsmon.noise.no-pid-file-or-not", Noise, "Could not {_} PID file to see if previous upsmon instance is already running or not!{_}"),
    p!("upsmon.noise.notify", Noise, "do_notify: ntype {_} ({_})"),
    p!("upsmon.noise.one-root-process", Noise, "Warning: running as one big root process by request (upsmon -p)"),
    p!("upsmon.noise.pollups", Noise, "pollups: {ups}"),
    p!("upsmon.noise.pollups-ssl", Noise, "pollups: {ups} [SSL]"),
    p!("upsmon.noise.ssl-init", Noise, "Init SSL without certificate database"),
    p!("upsmon.notalarm", NotAlarm, "UPS {ups} is no longer in an alarm state (no active alarms)"),
    p!("upsmon.notboost", NotBoost, "UPS {ups}: no longer boosting incoming voltage"),
    p!("upsmon.notbypass", NotBypass, "UPS {ups}: no longer on bypass"),
    p!("upsmon.notcal", CalibrationDone, "UPS {ups}: calibration finished"),
    p!("upsmon.noteco", NotEco, "UPS {ups}: no longer in ECO mode"),
    p!("upsmon.notoff", NotOff, "UPS {ups}: no longer administratively OFF or asleep"),
    p!("upsmon.notother", NotOtherStatus, "UPS {ups} has no unclassified status tokens anymore"),
    p!("upsmon.notover", NotOverload, "UPS {ups}: no longer overloaded"),
    p!("upsmon.nottrim", NotTrim, "UPS {ups}: no longer trimming incoming voltage"),
    p!("upsmon.off", Off, "UPS {ups}: administratively OFF or asleep"),
    p!("upsmon.off-assumed", Off, "ups_is_off: {ups} is in state OFF for {_} sec, assuming the line is not fed{_}"),
    // 2.8.1+ with OFFDURATION 0: the line is taken as not fed as soon as the UPS reports OFF.
    p!("upsmon.off-assumed-at-once", Off, "ups_is_off: {ups} is in state OFF, assuming the line is not fed{_}"),
    p!("upsmon.off-reported", Off, "UPS [{ups}] is reported as (administratively) OFF"),
    p!("upsmon.onbatt", OnBattery, "UPS {ups} on battery"),
    p!("upsmon.online", OnLine, "UPS {ups} on line power"),
    p!("upsmon.other", OtherStatus, "UPS {ups}: has at least one unclassified status token: [{detail}]"),
    p!("upsmon.over", Overload, "UPS {ups}: overloaded"),
    p!("upsmon.poll.access-denied", LoginAccessDenied, "Poll UPS [{ups}] failed - Access denied"),
    p!("upsmon.poll.broken-pipe", PollServerGone, "Poll UPS [{ups}] failed - Write error: {detail}"),
    p!("upsmon.poll.data-stale", PollDataStale, "Poll UPS [{ups}] failed - Data stale"),
    p!("upsmon.poll.driver-not-connected", PollDriverNotConnected, "Poll UPS [{ups}] failed - Driver not connected"),
    p!("upsmon.poll.failed", PollFailed, "Poll UPS [{ups}] failed - {detail}"),
    p!("upsmon.poll.read-error", PollServerGone, "Poll UPS [{ups}] failed - Read error: {detail}"),
    p!("upsmon.poll.recovered", PollRecovered, "Poll UPS [{ups}] recovered from failure state code {detail} - now {_}"),
    p!("upsmon.poll.server-disconnected", PollServerGone, "Poll UPS [{ups}] failed - Server disconnected"),
    p!("upsmon.poll.state-changed", PollFailureState, "Poll UPS [{ups}] failure state code changed from {detail} to {_}; report below will not be repeated to syslog:"),
    p!("upsmon.poll.state-changed-every", PollFailureState, "Poll UPS [{ups}] failure state code changed from {detail} to {_}; report below will only be repeated to syslog every {_} polling loop cycles ({_} sec):"),
    p!("upsmon.poll.state-changed-every-old", PollFailureState, "Poll UPS [{ups}] failure state code changed from {detail} to {_}; report below will only be repeated to syslog every {_} polling loop cycles:"),
    p!("upsmon.poll.timeout", PollServerGone, "Poll UPS [{ups}] failed - Connection timed out"),
    p!("upsmon.poll.unknown-ups", PollUnknownUps, "Poll UPS [{ups}] failed - [{_}] does not exist on server {detail}"),
    p!("upsmon.poll.unknown-ups-err", PollUnknownUps, "Poll UPS [{ups}] failed - Unknown UPS"),
    p!("upsmon.primary-refused", PrimaryRefused, "Primary managerial privileges unavailable on UPS [{ups}]"),
    p!("upsmon.primary-waiting", Noise, "This system is a primary... waiting for secondaries to logout..."),
    p!("upsmon.reloading", Reloading, "Reloading configuration"),
    p!("upsmon.replbatt", ReplaceBattery, "UPS {ups} battery needs to be replaced"),
    p!("upsmon.shutdown", ShutdownProceeding, "Auto logout and shutdown proceeding"),
    p!("upsmon.shutdown-executing", ShutdownStarted, "Executing automatic power-fail shutdown"),
    p!("upsmon.shutdown.no-exit", Noise, "Configured to not exit upsmon after initiating shutdown"),
    p!("upsmon.shutdown.parent-pipe", Noise, "{_}: call parent pipe for shutdown (async)"),
    p!("upsmon.shutdowncmd-failed", ShutdownCmdFailed, "Unable to call shutdown command: {detail}"),
    p!("upsmon.shutdowncmd-failed-parent", ShutdownCmdFailed, "parent: Unable to call shutdown command: {detail}"),
    p!("upsmon.shutdowncmd-failed-upsmon-parent", ShutdownCmdFailed, "upsmon parent: Unable to call shutdown command: {detail}"),
    p!("upsmon.too-few-healthy", TooFewHealthy, "Too few UPS(es) are healthy ({_}<{_}), initiating forced shutdown"),
    p!("upsmon.trim", Trim, "UPS {ups}: trimming incoming voltage"),
    p!("upsmon.user-fsd", UserFsd, "Signal {_}: User requested FSD"),
    // 2.8.5+: the main loop acting on that signal.
    p!("upsmon.user-fsd.main-loop", UserFsd, "Got an FSD signal, initiating forced shutdown"),
    p!("upssched.bind", CantOpen, "bind {_} failed: {detail}"),
    p!("upssched.cancel-timer", Noise, "Cancelling timer: {_}"),
    // clients/upssched.c (catalog/nut-composed.txt): an upssched.conf line it does not know.
    p!("upssched.config.invalid-directive", ConfigError, "upssched.conf: invalid directive {detail}"),
    p!("upssched.event", Noise, "Event: {_}"),
    p!("upssched.executing", Noise, "Executing command: {_}"),
    p!("upssched.new-timer", Noise, "New timer: {_} ({_} seconds)"),
    p!("upssched.timer-started", Noise, "Timer daemon started"),
];

/// A placeholder in a compiled template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hole {
    Ups,
    Detail,
    Skip,
}

/// A template split into literal pieces around its holes: `pieces.len() == holes.len() + 1`.
#[derive(Debug)]
struct Compiled {
    pieces: Vec<&'static str>,
    /// A prepared substring searcher for each inner piece (`finders[i]` searches `pieces[i + 1]`).
    finders: Vec<memchr::memmem::Finder<'static>>,
    holes: Vec<Hole>,
    literal_len: usize,
    kind: EventKind,
    /// Another daemon could say the same (`Signal 15: exiting`): only matched on a NUT program's line.
    generic: bool,
    /// The first (up to 8) bytes of the first literal and the mask of those bytes, for a one-compare
    /// rejection of most templates of a bucket (see [`head8`]).
    head: u64,
    head_mask: u64,
    /// The bit of the [`AnchorSet`] that must be set for this row to be tried: its anchor (one of
    /// its literal pieces contains it), or every bit when there is no prefilter.
    anchor: AnchorSet,
}

/// The first 8 bytes of `b` as a little-endian word, zero-padded.
fn head8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    if let (Some(dst), Some(src)) = (w.get_mut(..n), b.get(..n)) {
        dst.copy_from_slice(src);
    }
    u64::from_le_bytes(w)
}

/// Rows whose text other programs use too; matched only on lines of a NUT program (or of no known
/// program), never on another program's line.
const GENERIC: &[&str] = &[
    "systemd.as-ident.control-exited",
    "systemd.as-ident.failed-result",
    "systemd.as-ident.main-exited",
    "systemd.as-ident.repeated",
    "systemd.as-ident.restart",
    "common.cant-open",
    "common.fopen",
    "common.fopen-pid",
    "driver.serial.unable-open",
    "upsdrvctl.cant-start",
    "upssched.bind",
    "common.startup",
    "driver.exiting",
    "driver.usb.permissions-qx",
    "upsmon.banner",
    "upsmon.config.parse",
    "upsmon.exiting",
    "upsmon.reloading",
    "upssched.event",
    "upssched.executing",
    "upssched.new-timer",
    "upssched.cancel-timer",
    "upsd.mainloop.eintr",
    "enumerator.conf-empty",
    "enumerator.conf-missing",
];

fn compile(t: &'static str, kind: EventKind) -> Compiled {
    let mut pieces = Vec::new();
    let mut holes = Vec::new();
    let mut rest = t;
    loop {
        let next = [
            ("{ups}", Hole::Ups),
            ("{detail}", Hole::Detail),
            ("{_}", Hole::Skip),
        ]
        .iter()
        .filter_map(|(name, hole)| rest.find(name).map(|at| (at, name.len(), *hole)))
        .min_by_key(|(at, _, _)| *at);
        match next {
            Some((at, len, hole)) => {
                pieces.push(rest.get(..at).unwrap_or(""));
                holes.push(hole);
                rest = rest.get(at + len..).unwrap_or("");
            }
            None => {
                pieces.push(rest);
                break;
            }
        }
    }
    let literal_len = pieces.iter().map(|p| p.len()).sum();
    let inner = pieces.len().saturating_sub(2);
    let finders = pieces
        .iter()
        .skip(1)
        .take(inner)
        .map(|p| memchr::memmem::Finder::new(p.as_bytes()))
        .collect();
    Compiled {
        pieces,
        finders,
        holes,
        literal_len,
        kind,
        generic: false,
        head: 0,
        head_mask: 0,
        anchor: AnchorSet::ALL,
    }
}

/// The compiled table, most literal text first, bucketed by the first byte of the template (templates
/// that start with a hole are in every bucket), so a line is tried only against the few templates that
/// can start like it.
struct Table {
    rows: Vec<Compiled>,
    /// For each first byte, indices into `rows`, most specific first.
    buckets: Vec<Vec<u16>>,
    /// Fragments of which every text a row matches contains at least one ([`anchors`]).
    anchors: Vec<&'static str>,
    /// A searcher for any of `anchors` (`None`: some row has no literal, every text may match).
    prefilter: Option<Prefilter>,
    /// For each anchor, the rows it stands for (indices into `rows`, in order): a text with one
    /// anchor is tried against those rows only.
    by_anchor: Vec<Vec<u16>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows: Vec<Compiled> = LOG_PATTERNS
            .iter()
            .map(|p| {
                let mut c = compile(p.template, p.kind);
                c.generic = GENERIC.contains(&p.id);
                let first = c.pieces.first().map_or(&b""[..], |f| f.as_bytes());
                c.head = head8(first);
                let n = first.len().min(8);
                c.head_mask = if n == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * n)) - 1
                };
                c
            })
            .collect();
        // Stable sort: among equally specific templates the table order decides.
        rows.sort_by_key(|c| std::cmp::Reverse(c.literal_len));
        let mut buckets = vec![Vec::new(); 256];
        for (i, c) in rows.iter().enumerate() {
            let i = u16::try_from(i).unwrap_or(u16::MAX);
            match c.pieces.first().and_then(|p| p.as_bytes().first()) {
                Some(&b) => {
                    if let Some(v) = buckets.get_mut(usize::from(b)) {
                        v.push(i);
                    }
                }
                None => buckets.iter_mut().for_each(|v| v.push(i)),
            }
        }
        let derived = derive_anchors(&rows).filter(|(a, _)| a.len() <= MAX_ANCHORS);
        let prefilter = derived.as_ref().and_then(|(a, _)| Prefilter::new(a));
        let mut by_anchor = Vec::new();
        if let (Some((a, of_row)), Some(_)) = (&derived, &prefilter) {
            by_anchor = vec![Vec::new(); a.len()];
            for (r, c) in rows.iter_mut().enumerate() {
                // The anchor that covered the row (one of its pieces contains it).
                let i = of_row.get(r).copied().unwrap_or(usize::MAX);
                if let Some(v) = by_anchor.get_mut(i) {
                    c.anchor = AnchorSet::one(i);
                    v.push(u16::try_from(r).unwrap_or(u16::MAX));
                }
            }
        }
        let anchors = derived.map(|(a, _)| a);
        Table {
            rows,
            buckets,
            anchors: anchors.unwrap_or_default(),
            prefilter,
            by_anchor,
        }
    })
}

/// Shortest fragment [`derive_anchors`] takes: shorter ones (`: `, ` (`) are in most lines of every
/// program, so they would let everything through.
const ANCHOR_MIN: usize = 4;

/// Past this length a fragment is rare enough: a shorter one more rows share is worth more.
const ANCHOR_ENOUGH: usize = 16;

/// The prefilter's fragments, derived from the rows (never a list of its own, so a new row is covered
/// the moment it is added): a row matches a text only if every literal piece of its template is in
/// that text, so one substring of one piece per row is enough. The candidates are runs of whole
/// words of the pieces ([`word_runs`]: `UPS `, `Fatal error: `, `Poll UPS [`); chosen greedily, the one with the most (rows not yet covered × bytes, up to
/// [`ANCHOR_ENOUGH`]) first, so a run many rows share is taken once and otherwise a row's longest
/// (rarest) run. A row no candidate covers
/// gets its longest piece. `None` when a row has no literal at all (it would match any text).
fn derive_anchors(rows: &[Compiled]) -> Option<(Vec<&'static str>, Vec<usize>)> {
    use std::collections::HashMap;
    let words = rows.len().div_ceil(64);
    // Every candidate with the rows it is in (as a run of whole words; an occurrence elsewhere is
    // only not counted, which never makes a row look covered when it is not).
    let mut covers: HashMap<&'static str, Vec<u64>> = HashMap::new();
    for (r, c) in rows.iter().enumerate() {
        for p in &c.pieces {
            for run in word_runs(p) {
                let v = covers.entry(run).or_insert_with(|| vec![0; words]);
                if let Some(w) = v.get_mut(r / 64) {
                    *w |= 1 << (r % 64);
                }
            }
        }
    }
    let cands: Vec<(&'static str, Vec<u64>)> = covers.into_iter().collect();
    // (No sort needed: the heap below orders by key, then by the text itself.)
    let mut uncovered = vec![u64::MAX; words];
    if let Some(last) = uncovered.last_mut() {
        if rows.len() % 64 != 0 {
            *last = (1u64 << (rows.len() % 64)) - 1;
        }
    }
    let count = |cov: &[u64], un: &[u64]| -> usize {
        cov.iter()
            .zip(un)
            .map(|(a, b)| (a & b).count_ones() as usize)
            .sum()
    };
    // Lazy greedy: a candidate's key only falls as rows get covered, so the stored key of each is an
    // upper bound; the top one, its key brought up to date, is the best when it still beats the
    // next one's bound. The same choice as comparing every candidate each round, in far less time.
    let key = |n: usize, c: &str| (n * c.len().min(ANCHOR_ENOUGH), n, c.len());
    // (key, the text reversed so the first in byte order wins a tie, index into cands)
    type Entry<'s> = ((usize, usize, usize), std::cmp::Reverse<&'s str>, usize);
    let mut heap: std::collections::BinaryHeap<Entry<'_>> = cands
        .iter()
        .enumerate()
        .map(|(i, (c, cov))| (key(count(cov, &uncovered), c), std::cmp::Reverse(*c), i))
        .collect();
    let mut anchors = Vec::new();
    // owner[r]: the anchor (index into `anchors`) that covered row r.
    let mut owner = vec![usize::MAX; rows.len()];
    while uncovered.iter().any(|w| *w != 0) {
        // Most (rows × bytes), then the most rows (fewer fragments), then the longer, then the
        // first in byte order: deterministic.
        let mut best: Option<(&'static str, &[u64])> = None;
        while let Some((_, name, i)) = heap.pop() {
            let Some((c, cov)) = cands.get(i) else {
                continue;
            };
            let n = count(cov, &uncovered);
            if n == 0 {
                continue;
            }
            let now = (key(n, c), name, i);
            if heap.peek().map_or(true, |top| now >= *top) {
                best = Some((c, cov));
                break;
            }
            heap.push(now);
        }
        match best {
            Some((c, cov)) => {
                anchors.push(c);
                for (r, slot) in owner.iter_mut().enumerate() {
                    let bit = 1u64 << (r % 64);
                    let newly = cov.get(r / 64).zip(uncovered.get(r / 64));
                    if newly.is_some_and(|(c, u)| c & u & bit != 0) {
                        *slot = anchors.len() - 1;
                    }
                }
                uncovered.iter_mut().zip(cov).for_each(|(u, c)| *u &= !c);
            }
            None => {
                // A row of short pieces only: its longest piece, however common.
                let r = uncovered
                    .iter()
                    .enumerate()
                    .find(|(_, w)| **w != 0)
                    .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)?;
                let piece = rows
                    .get(r)?
                    .pieces
                    .iter()
                    .map(|p| p.trim_start_matches(|c: char| c.is_ascii_punctuation() || c == ' '))
                    .max_by_key(|p| p.len())?;
                if piece.is_empty() {
                    return None;
                }
                anchors.push(piece);
                for (i, c) in rows.iter().enumerate() {
                    let Some(w) = uncovered.get_mut(i / 64) else {
                        continue;
                    };
                    if *w & (1 << (i % 64)) != 0 && c.pieces.iter().any(|p| p.contains(piece)) {
                        *w &= !(1 << (i % 64));
                        if let Some(slot) = owner.get_mut(i) {
                            *slot = anchors.len() - 1;
                        }
                    }
                }
            }
        }
    }
    // A fragment that contains another is found whenever it is: only the shorter is needed (and
    // so no anchor starts where another does, which anchors_in relies on).
    let all = anchors.clone();
    let keep = |a: &str| !all.iter().any(|b| b.len() < a.len() && a.contains(b));
    let mut kept: Vec<&'static str> = all.iter().copied().filter(|a| keep(a)).collect();
    kept.sort_unstable();
    kept.dedup();
    let index = |a: &str| -> Option<usize> {
        let a = if keep(a) {
            a
        } else {
            all.iter()
                .copied()
                .find(|b| b.len() < a.len() && a.contains(b) && keep(b))?
        };
        kept.binary_search(&a).ok()
    };
    let of_row = owner
        .iter()
        .map(|&o| all.get(o).and_then(|a| index(a)).unwrap_or(usize::MAX))
        .collect();
    Some((kept, of_row))
}

/// Finds any of the anchors: Teddy (SIMD) where the CPU has it, else an Aho-Corasick automaton.
///
/// Teddy's buckets fill up past 64 fragments: over a 200 MB syslog one searcher of all 121 of the
/// table's anchors ran at under 0.5 GB/s (its fingerprints then let most places through to the
/// check), two of about 60 each at 4 GB/s and 2.5 GB/s. So the anchors, in byte order (fragments
/// that start alike share a searcher, and so its buckets), are split into groups of at most
/// [`GROUP_MAX`], one searcher each, and a [`Cursor`] walks a text with all of them at once.
///
/// Within a searcher, Teddy puts pattern `i` in bucket `15 - i % 16` (unless an earlier pattern
/// shares its first bytes' low nibbles), and a bucket lets a place of the text through to the check
/// when each of its first four bytes has a high and a low nibble that some pattern of the bucket
/// has there. Given in byte order, a bucket held anchors far apart (`Access…`, `Fatal…`, `Mode…`,
/// `SSL_…`) and let most capitals through; so the anchors are first put in buckets by
/// [`teddy_groups`], which keeps small how often each bucket lets a place of a log through, and
/// each searcher is given its patterns in the order that puts them in those buckets. A [`Cursor`]'s
/// walk over the 203 MB syslog of BENCHMARKS.md (chunks of 256 KiB, best of 5): 274 ms with the
/// 128 anchors in byte order, 163 ms with them so; the table's 137 anchors now take 140 ms in two
/// searchers and 162 ms in three of at most 64.
enum Prefilter {
    /// One searcher per group, with the anchor index of each of its pattern ids.
    Packed(Vec<(aho_corasick::packed::Searcher, Vec<usize>)>),
    Automaton(aho_corasick::AhoCorasick),
}

/// Most fragments one Teddy searcher is given (see [`Prefilter`]): with the buckets chosen, 72 keep
/// the table's 137 anchors in two searchers (two passes over the text, not three).
const GROUP_MAX: usize = 72;

/// Buckets of the Teddy searcher aho-corasick builds on x86-64 with AVX2 ("fat" Teddy; the 8 of
/// the slim one divide it, so runs stay together there too).
const TEDDY_BUCKETS: usize = 16;

/// Most searchers a [`Cursor`] keeps a next match for: [`AnchorSet`] holds [`MAX_ANCHORS`].
const GROUPS: usize = MAX_ANCHORS.div_ceil(GROUP_MAX);

/// Passes of [`teddy_groups`]' swaps: on the table's anchors the sum of [`bucket_cost`] fell from
/// 99 to 36, 31, 28 M in the first three passes and by 4 % more in the six after.
const SWAP_PASSES: usize = 3;

/// A fragment's first four bytes as Teddy's buckets see them: per byte, its low nibble as one bit of
/// a 16-bit field and its high nibble as one bit of the next (eight fields). A bucket's mask is
/// the union (`|`) of its fragments'.
fn nibble_mask(fragment: &str) -> u128 {
    fragment
        .as_bytes()
        .iter()
        .take(4)
        .enumerate()
        .fold(0, |m, (k, &c)| {
            m | 1u128 << (32 * k + usize::from(c & 15))
                | 1u128 << (32 * k + 16 + usize::from(c >> 4))
        })
}

/// How often a Teddy bucket of this [`nibble_mask`] lets a place of a log through to the check:
/// per byte, the bytes it lets through there (every high nibble it has with every low nibble it
/// has), each counted by how common it is in a log ([`text_weight`]), multiplied over the four
/// bytes (see [`Prefilter`]). Counting every byte alike kept `link…`, `list…` and `man …` together,
/// and their bucket let `min ` through: every `admin` of an sshd line.
fn bucket_cost(mask: u128) -> u64 {
    (0..4)
        .map(|k| {
            let lo = (mask >> (32 * k)) as u16;
            let hi = (mask >> (32 * k + 16)) as u16;
            let (lo_low, lo_high) = (usize::from(lo & 0xff), usize::from(lo >> 8));
            let (mut sum, mut his) = (0, hi);
            while his != 0 {
                let row = ROW_WEIGHTS.get(his.trailing_zeros() as usize);
                his &= his - 1;
                sum += row
                    .and_then(|r| r.first()?.get(lo_low))
                    .copied()
                    .unwrap_or(0)
                    + row
                        .and_then(|r| r.get(1)?.get(lo_high))
                        .copied()
                        .unwrap_or(0);
            }
            sum
        })
        .product()
}

/// For a high nibble `h`: the sum of [`text_weight`] of the bytes `h` makes with a set of low
/// nibbles, for the set's low eight (`[h][0][set]`) and high eight (`[h][1][set]`) bits, so a
/// bucket's byte costs two lookups per high nibble.
static ROW_WEIGHTS: [[[u64; 256]; 2]; 16] = {
    let mut t = [[[0; 256]; 2]; 16];
    let mut h = 0;
    while h < 16 {
        let mut half = 0;
        while half < 2 {
            let mut set = 0;
            while set < 256 {
                let mut l = 0;
                while l < 8 {
                    if set & (1 << l) != 0 {
                        t[h][half][set] += text_weight((h << 4 | (half * 8 + l)) as u8);
                    }
                    l += 1;
                }
                set += 1;
            }
            half += 1;
        }
        h += 1;
    }
    t
};

/// A byte's rough share of a log line's bytes: lower-case letters and the space most of them,
/// then digits, then capitals and punctuation; control and non-ASCII bytes hardly any.
const fn text_weight(c: u8) -> u64 {
    match c {
        b'a'..=b'z' | b' ' => 16,
        b'0'..=b'9' => 4,
        b'!'..=b'~' => 2,
        _ => 0,
    }
}

/// The anchors (in byte order) split among Teddy searchers of at most [`GROUP_MAX`] patterns and
/// `buckets` buckets each: per searcher, the anchor index of each of its pattern ids, in the order
/// that puts them in the buckets chosen here. Buckets start as runs of neighbours in byte order
/// (each of the size Teddy's round robin gives it), then any two fragments of two buckets swap
/// places while that lowers the sum of [`bucket_cost`]: deterministic, a few passes, about a
/// millisecond for the table's anchors.
fn teddy_groups(anchors: &[&str], buckets: usize) -> Vec<Vec<usize>> {
    let buckets = buckets.max(1);
    let n = anchors.len();
    let searchers = n.div_ceil(GROUP_MAX).max(1);
    let masks: Vec<u128> = anchors.iter().map(|a| nibble_mask(a)).collect();
    let mask = |i: usize| masks.get(i).copied().unwrap_or(0);
    // Pattern i of a searcher goes to bucket `buckets - 1 - i % buckets`.
    let bucket_of = |i: usize| buckets - 1 - i % buckets;
    let mut sizes: Vec<Vec<usize>> = Vec::new(); // per searcher, per bucket
    let mut next = 0;
    let mut all: Vec<Vec<usize>> = Vec::new(); // every bucket of every searcher
    for s in 0..searchers {
        let m = (n - next).div_ceil(searchers - s);
        let mut size = vec![0; buckets];
        for i in 0..m {
            if let Some(z) = size.get_mut(bucket_of(i)) {
                *z += 1;
            }
        }
        for &z in &size {
            all.push((next..next + z).collect());
            next += z;
        }
        sizes.push(size);
    }
    // Per bucket: the union of its masks but its k-th, for each k (a swap looks only at these).
    let rests = |b: &[usize]| -> Vec<u128> {
        (0..b.len())
            .map(|k| {
                b.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != k)
                    .fold(0, |m, (_, &f)| m | mask(f))
            })
            .collect()
    };
    let mut rest: Vec<Vec<u128>> = all.iter().map(|b| rests(b)).collect();
    let mut cost: Vec<u64> = all
        .iter()
        .map(|b| bucket_cost(b.iter().fold(0, |m, &f| m | mask(f))))
        .collect();
    // Each pass tries every swap; a pass that finds none ends it early.
    for _ in 0..SWAP_PASSES {
        let mut better = false;
        for x in 0..all.len() {
            for y in x + 1..all.len() {
                let (lo, hi) = all.split_at_mut(y);
                let (Some(bx), Some(by)) = (lo.get_mut(x), hi.first_mut()) else {
                    continue;
                };
                for i in 0..bx.len() {
                    for j in 0..by.len() {
                        let (Some(&p), Some(&q)) = (bx.get(i), by.get(j)) else {
                            continue;
                        };
                        let rx = rest.get(x).and_then(|r| r.get(i)).copied().unwrap_or(0);
                        let ry = rest.get(y).and_then(|r| r.get(j)).copied().unwrap_or(0);
                        let (cx, cy) = (bucket_cost(rx | mask(q)), bucket_cost(ry | mask(p)));
                        let now = cost.get(x).unwrap_or(&0) + cost.get(y).unwrap_or(&0);
                        if cx + cy < now {
                            if let (Some(p), Some(q)) = (bx.get_mut(i), by.get_mut(j)) {
                                std::mem::swap(p, q);
                            }
                            (rest[x], rest[y]) = (rests(bx), rests(by));
                            (cost[x], cost[y]) = (cx, cy);
                            better = true;
                        }
                    }
                }
            }
        }
        if !better {
            break;
        }
    }
    let mut filled = all.into_iter();
    sizes
        .iter()
        .map(|size| {
            let own: Vec<Vec<usize>> = filled.by_ref().take(size.len()).collect();
            let m: usize = size.iter().sum();
            (0..m)
                .filter_map(|i| own.get(bucket_of(i))?.get(i / buckets).copied())
                .collect()
        })
        .collect()
}

impl Prefilter {
    fn new(anchors: &[&str]) -> Option<Prefilter> {
        let packed: Option<Vec<_>> = teddy_groups(anchors, TEDDY_BUCKETS)
            .into_iter()
            .map(|ids| {
                // Teddy takes up to 128 fragments; its own limit of 64 is a guess for sets of short
                // ones, and these are 4 bytes and more.
                aho_corasick::packed::Config::new()
                    .heuristic_pattern_limits(false)
                    .builder()
                    .extend(ids.iter().filter_map(|&i| anchors.get(i)))
                    .build()
                    .map(|s| (s, ids))
            })
            .collect();
        if let Some(p) = packed.filter(|p| p.len() <= GROUPS) {
            return Some(Prefilter::Packed(p));
        }
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(anchors)
            .ok()
            .map(Prefilter::Automaton)
    }
}

/// Walks one text for every anchor in order, each searcher of the [`Prefilter`] scanning the text
/// once: a group's next match is kept until the walk passes it. A reader walks each chunk of input
/// with one (one search per anchor found, not one per line).
pub struct Cursor<'t> {
    text: &'t [u8],
    prefilter: Option<&'static Prefilter>,
    /// Per group: its next match at or after the last `from` (start, anchor), `None` when the group
    /// has none left; not yet searched while `searched` is false.
    next: [Option<(usize, usize)>; GROUPS],
    searched: bool,
    from: usize,
}

impl<'t> Cursor<'t> {
    /// A walk of `text` from its start.
    pub fn new(text: &'t [u8]) -> Self {
        Cursor {
            text,
            prefilter: table().prefilter.as_ref(),
            next: [None; GROUPS],
            searched: false,
            from: 0,
        }
    }

    /// The next place at or after `from` (never less than a `from` asked before) where one of the
    /// [`anchors`] starts, and that anchor as a set of one ([`AnchorSet::ALL`] at `from` when there
    /// is no prefilter).
    pub fn next_from(&mut self, from: usize) -> Option<(usize, AnchorSet)> {
        let bit = AnchorSet::one;
        let from = from.max(self.from);
        self.from = from;
        let text = self.text;
        match self.prefilter {
            Some(Prefilter::Packed(groups)) => {
                let span = from.min(text.len())..text.len();
                for ((s, ids), slot) in groups.iter().zip(self.next.iter_mut()) {
                    let stale = match slot {
                        Some((at, _)) => *at < from,
                        None => !self.searched,
                    };
                    if stale {
                        *slot = s.find_in(text, span.clone().into()).map(|m| {
                            let id = m.pattern().as_usize();
                            (m.start(), ids.get(id).copied().unwrap_or(usize::MAX))
                        });
                    }
                }
                self.searched = true;
                let (at, i) = self.next.iter().flatten().min().copied()?;
                Some((at, bit(i)))
            }
            Some(Prefilter::Automaton(a)) => {
                let span = from.min(text.len())..text.len();
                let m = a.find(aho_corasick::Input::new(text).span(span))?;
                Some((m.start(), bit(m.pattern().as_usize())))
            }
            None => (from < text.len()).then_some((from, AnchorSet::ALL)),
        }
    }
}

/// The candidate fragments of one piece for [`derive_anchors`]: runs of one to three words (with the
/// space after them, if any), and the whole piece, without leading punctuation; only those of at
/// least [`ANCHOR_MIN`] bytes that start with a capital (`UPS `, `Fatal error: `). The prefilter
/// (Teddy) looks at the first bytes of each fragment, and text starting with a lower-case letter or
/// a space is everywhere in a syslog: such fragments cost a check at most places of every line.
fn word_runs(piece: &'static str) -> impl Iterator<Item = &'static str> {
    let b = piece.as_bytes();
    let starts = (0..b.len()).filter(move |&i| i == 0 || b.get(i - 1) == Some(&b' '));
    starts
        .flat_map(move |s| {
            let mut ends = Vec::with_capacity(6);
            let mut e = s;
            for _ in 0..3 {
                match memchr::memchr(b' ', b.get(e..).unwrap_or_default()) {
                    Some(i) => {
                        ends.push(e + i);
                        ends.push(e + i + 1);
                        e += i + 1;
                    }
                    None => {
                        ends.push(b.len());
                        break;
                    }
                }
            }
            ends.into_iter().filter_map(move |e| piece.get(s..e))
        })
        .chain(std::iter::once(piece))
        .map(|run| run.trim_start_matches(|c: char| c.is_ascii_punctuation() || c == ' '))
        .filter(|run| {
            run.len() >= ANCHOR_MIN && run.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        })
}

/// The fragments the prefilter looks for (see [`may_match`]).
pub fn anchors() -> &'static [&'static str] {
    &table().anchors
}

/// False only when no row of the table can match `text` or any part of it: none of the
/// [`anchors`] is in it. One vectorised pass over the bytes, so a log reader can skip the table for
/// the lines of other programs (most of a syslog) without looking at them further.
pub fn may_match(text: &[u8]) -> bool {
    table().prefilter.is_none() || Cursor::new(text).next_from(0).is_some()
}

/// Which of the [`anchors`] a text holds: the rows whose anchor is missing cannot match it, so
/// classifying it tries only the others ([`classify_in`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorSet([u64; ANCHOR_WORDS]);

/// Words of an [`AnchorSet`]: room for [`MAX_ANCHORS`].
const ANCHOR_WORDS: usize = 4;

/// Most anchors the prefilter takes (past it every text is tried against every row).
pub const MAX_ANCHORS: usize = ANCHOR_WORDS * 64;

impl AnchorSet {
    /// No anchor: no row can match.
    pub const NONE: AnchorSet = AnchorSet([0; ANCHOR_WORDS]);
    /// Every row may match (no prefilter, or a text the prefilter cannot judge).
    pub const ALL: AnchorSet = AnchorSet([u64::MAX; ANCHOR_WORDS]);

    /// The set of anchor `i` alone (none past [`MAX_ANCHORS`]).
    fn one(i: usize) -> AnchorSet {
        let mut s = AnchorSet::NONE;
        if let Some(w) = s.0.get_mut(i / 64) {
            *w = 1 << (i % 64);
        }
        s
    }

    /// Whether no row can match.
    pub fn is_none(self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// The anchors of both.
    pub fn union(self, other: AnchorSet) -> AnchorSet {
        let mut s = self;
        s.0.iter_mut().zip(other.0).for_each(|(a, b)| *a |= b);
        s
    }

    /// Whether the two share an anchor.
    fn meets(self, other: AnchorSet) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    /// How many anchors.
    fn count(self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The lowest anchor in the set (`MAX_ANCHORS` when empty).
    fn first(self) -> usize {
        self.0
            .iter()
            .enumerate()
            .find(|(_, &w)| w != 0)
            .map_or(MAX_ANCHORS, |(i, w)| i * 64 + w.trailing_zeros() as usize)
    }
}

/// The anchors `text` holds. No anchor is part of another (the longer is dropped), so two never
/// start at one place, and one search from each start after the last finds them all.
pub fn anchors_in(text: &[u8]) -> AnchorSet {
    if table().prefilter.is_none() {
        return AnchorSet::ALL;
    }
    let mut set = AnchorSet::NONE;
    let mut walk = Cursor::new(text);
    let mut from = 0;
    while let Some((at, a)) = walk.next_from(from) {
        set = set.union(a);
        from = at + 1;
    }
    set
}

/// Which rows a line may match, by who logged it (see [`crate::logs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A NUT program's line, or a line of no known program: every row.
    Any,
    /// Another program's line (systemd, kernel, an unfamiliar ident): only rows no other daemon says.
    Distinctive,
}

/// The result of matching a message against the table: the kind and where `{ups}`/`{detail}` are in the
/// message (byte ranges, so the caller can borrow instead of copying).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// What the message means.
    pub kind: EventKind,
    /// Byte range of the `{ups}` capture, if the template has one.
    pub ups: Option<std::ops::Range<usize>>,
    /// Byte range of the `{detail}` capture, if the template has one.
    pub detail: Option<std::ops::Range<usize>>,
}

/// Tries one compiled template on a message.
fn try_match(c: &Compiled, msg: &str) -> Option<Match> {
    let (first, rest_pieces) = c.pieces.split_first()?;
    // One-byte checks at both ends before any memcmp: most templates fail here.
    let b = msg.as_bytes();
    if first
        .as_bytes()
        .first()
        .is_some_and(|f| b.first() != Some(f))
        || rest_pieces
            .last()
            .and_then(|l| l.as_bytes().last())
            .is_some_and(|l| b.last() != Some(l))
        || !msg.starts_with(first)
    {
        return None;
    }
    let mut m = Match {
        kind: c.kind,
        ups: None,
        detail: None,
    };
    let Some((last, inner)) = rest_pieces.split_last() else {
        // No hole: the whole message is the literal.
        return (msg.len() == first.len()).then_some(m);
    };
    // Cheap rejections first: the last literal anchors at the end and must not overlap the first.
    if !msg.ends_with(last) || msg.len() < first.len() + last.len() {
        return None;
    }
    let end_of_holes = msg.len() - last.len();
    let mut pos = first.len();
    for (i, hole) in c.holes.iter().enumerate() {
        let (hole_end, next) = if i == inner.len() {
            (end_of_holes, msg.len())
        } else {
            let finder = c.finders.get(i)?;
            let tail = msg.as_bytes().get(pos..end_of_holes)?;
            let at = finder.find(tail)?;
            let len = inner.get(i)?.len();
            (pos + at, pos + at + len)
        };
        if hole_end < pos {
            return None;
        }
        match hole {
            Hole::Ups if hole_end == pos => return None, // a UPS name is never empty
            Hole::Ups => m.ups = Some(pos..hole_end),
            Hole::Detail => m.detail = Some(pos..hole_end),
            Hole::Skip => {}
        }
        pos = next;
    }
    Some(m)
}

/// Classifies one message (the text after `ident[pid]: `, or after upsmon's `[D1] ` prefix). The most
/// specific matching template wins; `None` means no template matches.
pub fn classify(msg: &str) -> Option<Match> {
    classify_scoped(msg, Scope::Any)
}

/// [`classify`] restricted to the rows of a [`Scope`].
pub fn classify_scoped(msg: &str, scope: Scope) -> Option<Match> {
    classify_in(msg, scope, AnchorSet::ALL)
}

/// [`classify_scoped`] trying only the rows whose anchor is in `anchors` (those of a text `msg` is
/// part of: [`anchors_in`]); the others cannot match.
///
/// The answers for a subset of the table (a reader's prefilter found anchors) are remembered for
/// the last few messages on this thread ([`Recent`]): NUT's programs repeat themselves, so a
/// message like one just classified is answered by comparing bytes. [`AnchorSet::ALL`] (the
/// general path, and the reader without shortcuts the fuzz target compares with) always asks the
/// table.
pub fn classify_in(msg: &str, scope: Scope, anchors: AnchorSet) -> Option<Match> {
    if anchors == AnchorSet::ALL || msg.len() > RECENT_MAX_LEN {
        return classify_rows(msg, scope, anchors);
    }
    RECENT.with(|r| match r.try_borrow_mut() {
        Ok(mut r) => r.classify(msg, scope, anchors),
        Err(_) => classify_rows(msg, scope, anchors),
    })
}

/// Longest message [`Recent`] keeps (longer ones are rare and always asked of the table).
const RECENT_MAX_LEN: usize = 256;

/// How many messages [`Recent`] keeps.
const RECENT_SLOTS: usize = 8;

/// The last few messages [`classify_in`] asked the table about, with the question's scope and
/// anchors and the table's answer, kept round-robin in buffers that are reused (no allocation once
/// each has grown to its longest message). The same answer as the table's: a slot answers only a
/// byte-equal message under the same scope and anchors, and the table never changes.
struct Recent {
    slots: [RecentSlot; RECENT_SLOTS],
    next: usize,
}

struct RecentSlot {
    /// Empty: a free slot (an empty message never reaches one).
    msg: Vec<u8>,
    scope: Scope,
    anchors: AnchorSet,
    found: Option<Match>,
}

const FREE_SLOT: RecentSlot = RecentSlot {
    msg: Vec::new(),
    scope: Scope::Any,
    anchors: AnchorSet::NONE,
    found: None,
};

thread_local! {
    static RECENT: std::cell::RefCell<Recent> = const {
        std::cell::RefCell::new(Recent {
            slots: [FREE_SLOT; RECENT_SLOTS],
            next: 0,
        })
    };
}

impl Recent {
    fn classify(&mut self, msg: &str, scope: Scope, anchors: AnchorSet) -> Option<Match> {
        let b = msg.as_bytes();
        if b.is_empty() {
            return None;
        }
        if let Some(s) = self.slots.iter().find(|s| {
            s.msg.len() == b.len() && s.anchors == anchors && s.scope == scope && s.msg == b
        }) {
            return s.found.clone();
        }
        let found = classify_rows(msg, scope, anchors);
        if let Some(s) = self.slots.get_mut(self.next % RECENT_SLOTS) {
            s.msg.clear();
            s.msg.extend_from_slice(b);
            s.scope = scope;
            s.anchors = anchors;
            s.found = found.clone();
            self.next = self.next.wrapping_add(1);
        }
        found
    }
}

/// [`classify_in`] asking the table.
fn classify_rows(msg: &str, scope: Scope, anchors: AnchorSet) -> Option<Match> {
    let t = table();
    let first = *msg.as_bytes().first()?;
    let head = head8(msg.as_bytes());
    let bucket = t.buckets.get(usize::from(first))?;
    // One anchor (most lines): its own rows, when they are fewer than the bucket's. Both lists are
    // in table order, so the first match is the same.
    let rows = match t.by_anchor.get(anchors.first()) {
        Some(own) if anchors.count() == 1 && own.len() < bucket.len() => own,
        _ => bucket,
    };
    rows.iter().find_map(|&i| {
        let c = t.rows.get(usize::from(i))?;
        if head & c.head_mask != c.head
            || !c.anchor.meets(anchors)
            || (scope == Scope::Distinctive && c.generic)
            || c.pieces
                .first()
                .and_then(|p| p.as_bytes().first())
                .is_some_and(|&f| f != first)
        {
            return None;
        }
        try_match(c, msg)
    })
}

/// A NUT message standing later in a text (after a prefix nothing recognised): tried after each `: `,
/// `] `, `| `, `> ` and TAB (at most 16 places), and at the start unless `skip_start`. Byte ranges are
/// of `text`.
pub fn classify_anywhere(text: &str, skip_start: bool, scope: Scope) -> Option<Match> {
    classify_anywhere_in(text, skip_start, scope, AnchorSet::ALL)
}

/// [`classify_anywhere`] with the rows limited as in [`classify_in`].
pub fn classify_anywhere_in(
    text: &str,
    skip_start: bool,
    scope: Scope,
    anchors: AnchorSet,
) -> Option<Match> {
    if anchors.is_none() {
        return None;
    }
    if !skip_start {
        if let Some(m) = classify_in(text, scope, anchors) {
            return Some(m);
        }
    }
    let b = text.as_bytes();
    let mut tries = 0;
    let mut i = 0;
    while i + 1 < b.len() && tries < 16 {
        let c = *b.get(i)?;
        let next = *b.get(i + 1)?;
        let start = match (c, next) {
            (b':' | b']' | b'|' | b'>', b' ') => Some(i + 2),
            (b'\t', _) => Some(i + 1),
            _ => None,
        };
        if let Some(at) = start {
            tries += 1;
            let rest = text.get(at..)?.trim_start_matches(' ');
            let at = text.len() - rest.len();
            if let Some(m) = classify_in(rest, scope, anchors) {
                let shift = |r: std::ops::Range<usize>| (r.start + at)..(r.end + at);
                return Some(Match {
                    kind: m.kind,
                    ups: m.ups.map(shift),
                    detail: m.detail.map(shift),
                });
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One token of a pattern: a literal byte, or "anything" (a C conversion, a template hole).
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Lit(u8),
        Any,
    }

    /// A C format (`%s`, `%d`, `%04x`, `%.0f`…, `%%`) as tokens; `\"` and `\\t` unescaped.
    fn c_format(f: &str) -> Vec<Tok> {
        let f = f.replace("\\\"", "\"").replace("\\t", "\t");
        let b = f.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                if b.get(i + 1) == Some(&b'%') {
                    out.push(Tok::Lit(b'%'));
                    i += 2;
                    continue;
                }
                i += 1;
                while i < b.len() && !b[i].is_ascii_alphabetic() {
                    i += 1; // flags, width, precision
                }
                while i < b.len() && matches!(b[i], b'h' | b'l' | b'z' | b'j' | b't' | b'L') {
                    i += 1;
                }
                i += 1; // the conversion
                out.push(Tok::Any);
            } else {
                out.push(Tok::Lit(b[i]));
                i += 1;
            }
        }
        out
    }

    /// Whether `text` is a message `fmt` can print.
    fn prints(fmt: &[Tok], text: &[u8]) -> bool {
        let (n, m) = (fmt.len(), text.len());
        let mut seen = vec![false; (n + 1) * (m + 1)];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, j)) = stack.pop() {
            if std::mem::replace(&mut seen[i * (m + 1) + j], true) {
                continue;
            }
            if i == n && j == m {
                return true;
            }
            match (fmt.get(i), text.get(j)) {
                (Some(Tok::Any), next) => {
                    // A conversion prints zero or more bytes (`%s` of an empty string).
                    stack.push((i + 1, j));
                    if next.is_some() {
                        stack.push((i, j + 1));
                    }
                }
                (Some(Tok::Lit(x)), Some(y)) if x == y => stack.push((i + 1, j + 1)),
                _ => {}
            }
        }
        false
    }

    /// A row's template as messages: the holes filled with sample values (a word, `user@host`).
    fn samples(t: &str) -> Vec<String> {
        ["x 1", "u@h"]
            .iter()
            .map(|fill| {
                t.replace("{ups}", "ups@host")
                    .replace("{detail}", fill)
                    .replace("{_}", fill)
            })
            .collect()
    }

    /// The generated catalogs (knowledge/catalog/, from NUT's sources) and the OS lines (systemd,
    /// kernel): every format, one per printed line, with `: <errno text>` allowed after the
    /// `*_with_errno` ones.
    fn catalog_formats() -> Vec<(String, Vec<Tok>)> {
        const FILES: &[(&str, &str)] = &[
            ("nut-2.7.4", include_str!("catalog/nut-2.7.4.txt")),
            ("nut-2.8.0", include_str!("catalog/nut-2.8.0.txt")),
            ("nut-2.8.1", include_str!("catalog/nut-2.8.1.txt")),
            ("nut-2.8.2", include_str!("catalog/nut-2.8.2.txt")),
            ("nut-2.8.5", include_str!("catalog/nut-2.8.5.txt")),
            ("nut-master", include_str!("catalog/nut-master-6c63f77.txt")),
            ("nut-composed", include_str!("catalog/nut-composed.txt")),
            ("nut-scripts", include_str!("catalog/nut-scripts.txt")),
            ("nut-protocol", include_str!("catalog/nut-protocol.txt")),
            ("ha-addon", include_str!("catalog/ha-addon.txt")),
            ("ha-integration", include_str!("catalog/ha-integration.txt")),
            ("os", include_str!("catalog/os.txt")),
        ];
        let mut out = Vec::new();
        for (file, text) in FILES {
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                let mut cols = line.splitn(3, '\t');
                let (Some(prog), Some(call), Some(fmt)) = (cols.next(), cols.next(), cols.next())
                else {
                    panic!("{file}: malformed line {line:?}");
                };
                for piece in fmt.split("\\n").filter(|p| !p.trim().is_empty()) {
                    // Readers drop a line's leading blanks (the serial port report indents its lines).
                    let toks = c_format(piece.trim());
                    // `%s`, `%s: %s`: formats of almost only conversions would match any row. The
                    // count is the format's own literals: with the `: ` an errno call adds, a bare
                    // `%s` would match every row holding a colon.
                    if toks.iter().filter(|t| matches!(t, Tok::Lit(_))).count() < 4 {
                        continue;
                    }
                    if call.contains("with_errno") {
                        let mut e = toks.clone();
                        e.extend([Tok::Lit(b':'), Tok::Lit(b' '), Tok::Any]);
                        out.push((format!("{file} {prog} {call}: {piece}: <errno>"), e));
                    }
                    // The reader drops a line's trailing comma (a paste's list punctuation), so a
                    // continuation line ending in one is read without it.
                    if let Some(bare) = piece.trim().strip_suffix(',') {
                        out.push((format!("{file} {prog} {call}: {bare}"), c_format(bare)));
                    }
                    out.push((format!("{file} {prog} {call}: {piece}"), toks));
                }
            }
        }
        out
    }

    #[test]
    fn teddy_groups_are_a_partition_in_round_robin_buckets() {
        let all = anchors();
        for n in [0, 1, 5, 16, 17, 63, 64, 65, 100, all.len()] {
            let a = all.get(..n.min(all.len())).unwrap_or_default();
            let groups = teddy_groups(a, TEDDY_BUCKETS);
            assert!(groups.len() <= GROUPS && groups.iter().all(|g| g.len() <= GROUP_MAX));
            let mut seen: Vec<usize> = groups.iter().flatten().copied().collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..a.len()).collect::<Vec<_>>(), "n={n}");
        }
        // The table's own anchors: the buckets chosen let through far fewer places of a log than
        // runs in byte order do.
        // Capitals count 2, the space 16.
        assert_eq!(bucket_cost(nibble_mask("UPS ")), 2 * 2 * 2 * 16);
        // U/U; P/S: one high nibble, two low (P, S); S/B: two and two (S, B, C, R); space/space.
        assert_eq!(
            bucket_cost(nibble_mask("UPS ") | nibble_mask("USB ")),
            2 * (2 + 2) * (2 * 4) * 16
        );
        let cost = |groups: &[Vec<usize>]| -> u64 {
            groups
                .iter()
                .map(|g| {
                    (0..TEDDY_BUCKETS)
                        .map(|b| {
                            let mine = (0..g.len())
                                .filter(|i| TEDDY_BUCKETS - 1 - i % TEDDY_BUCKETS == b)
                                .fold(0, |m, i| m | nibble_mask(all[g[i]]));
                            bucket_cost(mine)
                        })
                        .sum::<u64>()
                })
                .sum()
        };
        let in_order: Vec<Vec<usize>> = (0..all.len())
            .collect::<Vec<_>>()
            .chunks(GROUP_MAX)
            .map(<[usize]>::to_vec)
            .collect();
        let chosen = teddy_groups(all, TEDDY_BUCKETS);
        assert!(
            cost(&chosen) * 3 < cost(&in_order),
            "{} vs {}",
            cost(&chosen),
            cost(&in_order)
        );
    }

    /// Rows whose holes stand for text NUT writes literally (the `libusb1` before a message, the
    /// advice after it, the `/` between a USB device's indexes), so no catalog format prints the
    /// [`samples`]: for each, a message NUT really logs (values filled in by hand), which the row
    /// must match and a catalog format must print.
    const WITNESSES: &[(&str, &str)] = &[
        // drivers/libusb1.c (2.8.2+: `[%04x:%04x]@%d/%d/%d: %s`), libusb_strerror(LIBUSB_ERROR_BUSY).
        ("driver.usb.claim", "Can't claim USB device [0764:0501]@0/0/0: Resource busy"),
        // drivers/libusb0.c and libusb1.c name themselves first (2.8.0..2.8.4, 2.8.5+ for the
        // `(or devices)` one).
        ("driver.usb.no-bus", "libusb1: Could not open any HID devices: no USB buses found"),
        (
            "driver.usb.no-bus-or-device",
            "libusb1: Could not open any HID devices: no USB buses (or devices) found",
        ),
        (
            "driver.usb.permissions",
            "libusb1: Could not open any HID devices: insufficient permissions on everything",
        ),
        // drivers/usbhid-ups.c ups_status_set(): the advice after `now. ` differs in each of 2.8.0,
        // 2.8.1 and 2.8.2+; this is 2.8.0's (tests/real-world/logs/036).
        (
            "driver.usbhid.ol-dischrg",
            "ups_status_set: seems that UPS [apc1] is in OL+DISCHRG state now. Is it calibrating or do you perhaps want to set 'onlinedischarge' option? Some UPS models (e.g. CyberPower UT series) emit OL+DISCHRG when offline.",
        ),
        // clients/upsmon.c ups_is_off() (2.8.1+; the line of tests/real-world/logs/034, another UPS).
        (
            "upsmon.off-assumed",
            "ups_is_off: ups@host is in state OFF for 35 sec, assuming the line is not fed (if it is calibrating etc., check the upsmon 'OFFDURATION' option)",
        ),
        // clients/upsmon.c ups_is_off() (2.8.1+), its other branch (OFFDURATION 0).
        (
            "upsmon.off-assumed-at-once",
            "ups_is_off: ups@host is in state OFF, assuming the line is not fed (if it is calibrating etc., check the upsmon 'OFFDURATION' option)",
        ),
    ];

    #[test]
    fn every_row_is_a_message_nut_or_the_os_really_logs() {
        let formats = catalog_formats();
        assert!(formats.len() > 1000, "catalogs missing");
        let printed = |t: &str| formats.iter().any(|(_, f)| prints(f, t.as_bytes()));
        for (id, _) in WITNESSES {
            assert!(
                LOG_PATTERNS.iter().any(|p| p.id == *id),
                "witness of no row: {id}"
            );
        }
        let mut missing = Vec::new();
        for p in LOG_PATTERNS {
            let by_samples = samples(p.template).iter().any(|t| printed(t));
            let witness = WITNESSES
                .iter()
                .find(|(id, _)| *id == p.id)
                .map(|(_, w)| *w);
            if let Some(w) = witness {
                assert!(!by_samples, "{}: the samples pass, drop its witness", p.id);
                assert!(
                    rows_matching(w).iter().any(|r| r.id == p.id),
                    "{}: its witness {w:?} is no line the row matches",
                    p.id
                );
            }
            if !by_samples && !witness.is_some_and(printed) {
                missing.push(format!("{}: {:?}", p.id, p.template));
            }
        }
        assert!(
            missing.is_empty(),
            "rows matching no format of knowledge/catalog/ (add the format's source, or fix the row):\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_catalog_check_can_fail() {
        let formats = catalog_formats();
        for made_up in [
            "UPS {ups} exploded",
            "Poll UPS [{ups}] succeeded wonderfully",
            // Lines with `: ` once matched a `*_with_errno` call's `%s` plus the errno text.
            "UPS {ups}: exploded into pieces",
            "{_}: exploded into pieces",
        ] {
            let texts = samples(made_up);
            let hit: Vec<_> = formats
                .iter()
                .filter(|(_, f)| texts.iter().any(|t| prints(f, t.as_bytes())))
                .map(|(n, _)| n)
                .collect();
            assert!(hit.is_empty(), "{made_up}: {hit:?}");
        }
    }

    #[test]
    fn every_row_contains_an_anchor() {
        let t = table();
        assert!(t.prefilter.is_some(), "every row has a literal");
        let a = anchors();
        // Room left for new rows: past MAX_ANCHORS the prefilter would be off, every line slow.
        assert!(
            !a.is_empty() && a.len() < MAX_ANCHORS * 3 / 4,
            "{} anchors: {a:?}",
            a.len()
        );
        assert!(matches!(t.prefilter, Some(Prefilter::Packed(_))) || !cfg!(target_arch = "x86_64"));
        assert!(
            a.iter().all(|x| !x.contains('\n')),
            "lines are searched one by one"
        );
        for c in &t.rows {
            let own = a.get(c.anchor.first());
            assert!(
                c.anchor.count() == 1
                    && own.is_some_and(|x| c.pieces.iter().any(|p| p.contains(x))),
                "{:?}: its anchor {own:?} is not in it",
                c.pieces
            );
        }
        for p in LOG_PATTERNS {
            for text in samples(p.template) {
                assert!(may_match(text.as_bytes()), "{}: {text:?}", p.id);
                let framed = format!("Nov 26 15:20:01 nas x[1]: {text}");
                assert!(Cursor::new(framed.as_bytes()).next_from(0).is_some());
                assert!(!anchors_in(framed.as_bytes()).is_none());
            }
        }
        // The lines of other programs most syslogs are made of pass no anchor.
        for foreign in [
            "Nov 26 15:20:01 nas sshd[4242]: Accepted publickey for admin from 192.0.2.7 port 50022 ssh2",
            "Nov 26 15:20:01 nas CRON[99]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
        ] {
            assert!(!may_match(foreign.as_bytes()), "{foreign}: {:?}", anchors());
        }
    }

    /// Every template's samples, and a few of each with a different ending (the same start: the
    /// remembered answer of one must not answer the other).
    fn recent_texts() -> Vec<String> {
        let mut texts: Vec<String> = LOG_PATTERNS
            .iter()
            .flat_map(|p| samples(p.template))
            .collect();
        let more: Vec<String> = texts.iter().step_by(7).map(|t| format!("{t}x")).collect();
        texts.extend(more);
        texts
    }

    /// One question to [`classify_in`] and to the table directly: the same answer.
    fn same_as_table(text: &str, scope: Scope, anchors: AnchorSet) {
        assert_eq!(
            classify_in(text, scope, anchors),
            classify_rows(text, scope, anchors),
            "{text:?} {scope:?} {anchors:?}"
        );
    }

    #[test]
    fn remembered_answers_are_the_tables() {
        let texts = recent_texts();
        // Each text under its anchors, then under the other scope (a generic row answers one and
        // not the other), then with no anchor (no row can match), then again: every answer the
        // table's, whatever the slots held.
        let mut generic_seen = false;
        for t in &texts {
            let a = anchors_in(t.as_bytes());
            same_as_table(t, Scope::Any, a);
            same_as_table(t, Scope::Distinctive, a);
            same_as_table(t, Scope::Any, AnchorSet::NONE);
            same_as_table(t, Scope::Any, a);
            generic_seen |= classify_rows(t, Scope::Any, a).is_some()
                && classify_rows(t, Scope::Distinctive, a).is_none();
        }
        assert!(
            generic_seen,
            "a row only NUT's programs may match is among the samples"
        );
        // A message repeated across more messages than there are slots.
        let busy = &texts[..RECENT_SLOTS * 3];
        for round in 0..3 {
            for t in busy.iter().skip(round) {
                same_as_table(t, Scope::Any, anchors_in(t.as_bytes()));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn remembered_answers_are_the_tables_in_any_order(
            picks in proptest::collection::vec((0usize..4096, proptest::bool::ANY), 1..200)
        ) {
            let texts = recent_texts();
            for (i, distinctive) in picks {
                let t = &texts[i % texts.len()];
                let scope = if distinctive { Scope::Distinctive } else { Scope::Any };
                same_as_table(t, scope, anchors_in(t.as_bytes()));
            }
        }
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for w in LOG_PATTERNS.windows(2) {
            if let [a, b] = w {
                assert!(a.id < b.id, "{} must sort before {}", a.id, b.id);
            }
        }
        let mut t: Vec<_> = LOG_PATTERNS.iter().map(|p| p.template).collect();
        t.sort_unstable();
        t.dedup();
        assert_eq!(t.len(), LOG_PATTERNS.len(), "templates must be unique");
    }

    #[test]
    fn templates_are_well_formed() {
        for p in LOG_PATTERNS {
            let c = compile(p.template, p.kind);
            assert_eq!(c.pieces.len(), c.holes.len() + 1, "{}", p.id);
            assert!(
                c.holes.iter().filter(|h| **h == Hole::Ups).count() <= 1,
                "{}",
                p.id
            );
            assert!(
                c.holes.iter().filter(|h| **h == Hole::Detail).count() <= 1,
                "{}",
                p.id
            );
            for inner in c
                .pieces
                .iter()
                .skip(1)
                .take(c.holes.len().saturating_sub(1))
            {
                assert!(!inner.is_empty(), "{}: adjacent holes", p.id);
            }
            assert!(!p.template.contains('%'), "{}: use {{}} placeholders", p.id);
        }
    }

    /// Every row that matches `msg` on its own (not only the one `classify` picks), in table order.
    fn rows_matching(msg: &str) -> Vec<&'static LogPattern> {
        LOG_PATTERNS
            .iter()
            .filter(|p| try_match(&compile(p.template, p.kind), msg).is_some())
            .collect()
    }

    fn kind_ups_detail(msg: &str) -> Option<(EventKind, Option<&str>, Option<&str>)> {
        classify(msg).map(|m| {
            (
                m.kind,
                m.ups.and_then(|r| msg.get(r)),
                m.detail.and_then(|r| msg.get(r)),
            )
        })
    }

    #[test]
    fn real_lab_lines() {
        use EventKind::*;
        let ups = Some("pi@127.0.0.1:34930");
        let cases: &[(&str, EventKind, Option<&str>, Option<&str>)] = &[
            ("Poll UPS [pi@127.0.0.1:34930] failed - Driver not connected", PollDriverNotConnected, ups, None),
            ("Poll UPS [pi@127.0.0.1:34930] failed - Data stale", PollDataStale, ups, None),
            ("Poll UPS [pi@127.0.0.1:34930] failed - Write error: Broken pipe", PollServerGone, ups, Some("Broken pipe")),
            ("Poll UPS [pi@127.0.0.1:34930] failed - Something new", PollFailed, ups, Some("Something new")),
            ("Communications with UPS pi@127.0.0.1:34930 lost", CommLost, ups, None),
            ("Communications with UPS pi@127.0.0.1:34930 established", CommOk, ups, None),
            ("UPS pi@127.0.0.1:34930 is unavailable", NoComm, ups, None),
            ("UPS pi@127.0.0.1:34930 on battery", OnBattery, ups, None),
            ("UPS pi@127.0.0.1:34930 on line power", OnLine, ups, None),
            ("UPS pi@127.0.0.1:34930 battery is low", LowBattery, ups, None),
            ("UPS pi@127.0.0.1:34930: forced shutdown in progress", ForcedShutdown, ups, None),
            ("Executing automatic power-fail shutdown", ShutdownStarted, None, None),
            ("Auto logout and shutdown proceeding", ShutdownProceeding, None, None),
            ("UPS [pi@127.0.0.1:34930]: connect failed: Connection failure: Connection refused", ConnectRefused, ups, None),
            ("UPS [pi@10.0.0.9]: connect failed: Connection failure: No route to host", ConnectNoRoute, Some("pi@10.0.0.9"), None),
            ("UPS [pi@nas]: connect failed: No such host", ConnectNoSuchHost, Some("pi@nas"), None),
            ("UPS [pi@nas]: connect failed: SSL error: x", TlsError, Some("pi@nas"), Some("x")),
            ("Login on UPS [pi@127.0.0.1:34930] failed - got [ERR ACCESS-DENIED]", LoginAccessDenied, ups, None),
            ("Login on UPS [nope@127.0.0.1:34930] failed - got [ERR UNKNOWN-UPS]", LoginUnknownUps, Some("nope@127.0.0.1:34930"), None),
            ("Login on UPS [pi@h] failed - got [ERR FOO]", LoginFailed, Some("pi@h"), Some("ERR FOO")),
            ("Poll UPS [nope@127.0.0.1:34930] failed - [nope] does not exist on server 127.0.0.1", PollUnknownUps, Some("nope@127.0.0.1:34930"), Some("127.0.0.1")),
            ("UPS: pi@127.0.0.1:34930 (primary) (power value 1)", Monitoring, ups, None),
            ("Logged into UPS pi@127.0.0.1:34930", LoggedIn, ups, None),
            ("Trying to connect to UPS [pi@127.0.0.1:34930]", Connecting, ups, None),
            ("Signal 15: exiting", Exiting, None, None),
            ("Network UPS Tools upsmon 2.8.0", Banner, None, None),
            ("Init SSL without certificate database", Noise, None, None),
            ("Data for UPS [pi] is stale - check driver", UpsdDataStale, Some("pi"), None),
            ("Can't connect to UPS [pi] (dummy-ups-pi): No such file or directory", UpsdDriverMissing, Some("pi"), Some("No such file or directory")),
        ];
        for (msg, kind, u, d) in cases {
            assert_eq!(kind_ups_detail(msg), Some((*kind, *u, *d)), "{msg}");
        }
    }

    /// Lines NUT logged in public threads (instantlinux/docker-tools#67, nut#704, hassio-addons/app-nut#368,
    /// nut PR #2135, nut#2394).
    #[test]
    fn thread_lines() {
        use EventKind::*;
        let cases: &[(&str, EventKind, Option<&str>)] = &[
            ("Warning: excessive comm failures, limiting error reporting", DriverLostUps, None),
            ("Found 2 UPS defined in ups.conf", Noise, None),
            ("This system is a primary... waiting for secondaries to logout...", Noise, None),
            ("WARNING: Needed to fix group access to filesystem socket of this driver, but failed; run the driver with more debugging to see how exactly.", Noise, None),
            ("Consumers of the socket, such as upsd data server, can fail to interact with the driver and represent the device: /var/run/nut/usbhid-ups-CP1500EPFCLCD", Noise, None),
            ("Driver [ups] PID 8119 initially exceeded maxstartdelay and is still starting", DriverStartFailed, Some("ups")),
            ("Driver [ups] PID 8119 initially exceeded maxstartdelay 45 sec and has failed to start by now (exit status=1)", DriverStartFailed, Some("ups")),
            ("ERR UNKNOWN-UPS", PollUnknownUps, None),
            ("Broadcast message from nut@phoscon (somewhere) (Sun May 31 19:48:11 2020):", Noise, None),
        ];
        for (msg, kind, u) in cases {
            assert_eq!(
                kind_ups_detail(msg).map(|(k, u, _)| (k, u)),
                Some((*kind, *u)),
                "{msg}"
            );
        }
    }

    /// Variants of one message (another branch of the same function, another program, another
    /// release) classify as the first does. Formats from NUT's sources with values filled in by hand,
    /// but for the upsmon.conf line (tests/real-world/logs/047) and the 2.7.4 claim line (nut#1071).
    #[test]
    fn message_variants() {
        use EventKind::*;
        let off = "(if it is calibrating etc., check the upsmon 'OFFDURATION' option)";
        let off_after = format!(
            "ups_is_off: ups@nas is in state OFF for 35 sec, assuming the line is not fed {off}"
        );
        let off_at_once =
            format!("ups_is_off: ups@nas is in state OFF, assuming the line is not fed {off}");
        let cases: &[(&str, EventKind, Option<&str>, Option<&str>)] = &[
            (&off_after, Off, Some("ups@nas"), None),
            (&off_at_once, Off, Some("ups@nas"), None),
            (
                "/etc/nut/upsmon.conf line 10: invalid directive OVERDURATION -1",
                ConfigError,
                None,
                Some("OVERDURATION -1"),
            ),
            (
                "upsd.conf: invalid directive LISTN 0.0.0.0 3493",
                ConfigError,
                None,
                Some("LISTN 0.0.0.0 3493"),
            ),
            (
                "upssched.conf: invalid directive AT ONBATT * START-TIMR onbatt 30",
                ConfigError,
                None,
                Some("AT ONBATT * START-TIMR onbatt 30"),
            ),
            (
                "Fatal error in parseconf (upsd.conf): Unbalanced word due to unescaped # in quotes",
                ConfigError,
                None,
                Some("Unbalanced word due to unescaped # in quotes"),
            ),
            (
                "Fatal error in parseconf(upsd.users): Can't open /etc/nut/upsd.users: Permission denied",
                ConfigError,
                None,
                Some("Can't open /etc/nut/upsd.users: Permission denied"),
            ),
            ("Encountered 2 config errors, those entries were ignored", ConfigError, None, None),
            (
                "Can't claim USB device [0764:0501]: Function not implemented",
                UsbClaimFailed,
                None,
                Some("Function not implemented"),
            ),
            (
                "Can't claim USB device [0764:0501]@0/0: Resource busy",
                UsbClaimFailed,
                None,
                Some("Resource busy"),
            ),
            (
                "Can't claim USB device [0764:0501]@0/0/0: Resource busy",
                UsbClaimFailed,
                None,
                Some("Resource busy"),
            ),
        ];
        for (msg, kind, u, d) in cases {
            assert_eq!(kind_ups_detail(msg), Some((*kind, *u, *d)), "{msg}");
        }
        // The two claim rows keep apart: the old one needs `]: `, the new one `]@`.
        for (msg, id) in [
            (
                "Can't claim USB device [0764:0501]: Function not implemented",
                "driver.usb.claim-old",
            ),
            (
                "Can't claim USB device [0764:0501]@0/0/0: Resource busy",
                "driver.usb.claim",
            ),
        ] {
            let hits: Vec<_> = rows_matching(msg).iter().map(|p| p.id).collect();
            assert_eq!(hits, [id], "{msg}");
        }
    }

    /// Home Assistant's NUT integration and its client libraries (catalog/ha-integration.txt): the
    /// thread lines of home-assistant/core#42154, #52635 and #94501 and hassio-addons/app-nut#81, and
    /// the aionut-era forms with values filled in by hand (hassio-addons/app-nut#418 for the first).
    #[test]
    fn home_assistant_integration_lines() {
        use EventKind::*;
        let cases: &[(&str, &str, EventKind, Option<&str>)] = &[
            ("Failure getting NUT ups alias, ERR ACCESS-DENIED", "ha-integration.alias.access-denied", ClientDenied, None),
            ("Empty list while getting NUT ups aliases", "ha-integration.alias.empty", ConfigError, None),
            ("Failure getting NUT ups alias, ERR INVALID-ARGUMENT", "ha-integration.alias.failed", PollFailed, Some("ERR INVALID-ARGUMENT")),
            ("Failure getting NUT ups alias, Socket error.", "ha-integration.alias.socket-error", ConnectFailed, None),
            ("Config entry '192.168.1.14:3493' for nut integration not ready yet: Error fetching UPS state; Retrying in background", "ha-integration.not-ready", PollFailed, None),
            ("Config entry 'a0d7b954-nut:3493' for nut integration not ready yet: Error fetching UPS state: Connection closed by server; Retrying in background", "ha-integration.not-ready-detail", PollFailed, Some("Connection closed by server")),
            ("Error fetching NUT resource status data: Error fetching UPS state", "ha-integration.update-failed", PollFailed, None),
            ("Error fetching NUT resource status data: Error fetching UPS state: Error running: LIST VAR myups: ERR DATA-STALE", "ha-integration.update-failed-detail", PollFailed, Some("Error running: LIST VAR myups: ERR DATA-STALE")),
            ("NUT2 problem reading from server.", "pynut2.read-failed", PollServerGone, None),
            ("NUT2 problem writing to server.", "pynut2.write-failed", PollServerGone, None),
        ];
        for (msg, id, kind, detail) in cases {
            assert_eq!(kind_ups_detail(msg), Some((*kind, None, *detail)), "{msg}");
            // The row meant, not another that happens to match as well.
            let best = rows_matching(msg)
                .into_iter()
                .max_by_key(|p| compile(p.template, p.kind).literal_len)
                .map(|p| p.id);
            assert_eq!(best, Some(*id), "{msg}");
        }
        // What each names: the access list (a wrong password the other candidate), nothing for the
        // socket error (refused, unreachable and timed out alike), upsd's quoted word.
        assert_eq!(ClientDenied.cause(None), Some(CauseId::ClientNotPermitted));
        assert_eq!(ConnectFailed.cause(Some("Socket error.")), None);
        assert_eq!(ConnectFailed.cause(None), None);
        assert_eq!(
            PollFailed.cause(Some("Error running: LIST VAR myups: ERR DATA-STALE")),
            Some(CauseId::DataStale)
        );
        assert_eq!(
            PollFailed.cause(Some(
                "Error running: LIST VAR ups: ERR DRIVER-NOT-CONNECTED"
            )),
            Some(CauseId::DriverNotRunning)
        );
        assert_eq!(PollFailed.cause(Some("Connection closed by server")), None);
        assert_eq!(PollFailed.cause(None), None);
        // The add-on's ACCESS-DENIED word alone stays unclaimed (a refused SET or INSTCMD says it too).
        assert_eq!(classify("ERR ACCESS-DENIED").map(|m| m.kind), None);
    }

    #[test]
    fn near_misses_do_not_match() {
        for msg in [
            "",
            "UPS  on battery",
            "Executing automatic power-fail shutdown now",
            "xCommunications with UPS a lost",
            "Communications with UPS a lost!",
            "Poll UPS [] failed - Data stale",
        ] {
            let k = classify(msg).map(|m| m.kind);
            assert!(
                !matches!(
                    k,
                    Some(
                        EventKind::OnBattery
                            | EventKind::ShutdownStarted
                            | EventKind::CommLost
                            | EventKind::PollDataStale
                    )
                ),
                "{msg:?} -> {k:?}"
            );
        }
    }
}
