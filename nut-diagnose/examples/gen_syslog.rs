//! Writes a reproducible syslog file for the whole-process log figure (BENCHMARKS.md, README):
//! mostly lines of other programs (sshd, kernel, cron, systemd, dhcpcd, smartd, postfix) with upsmon,
//! upsd and usbhid-ups lines of a few outages in between, about 86 bytes a line.
//!
//! ```text
//! cargo run --release -p nut-diagnose --example gen_syslog -- 2000000 > /tmp/big.log
//! cargo run --release -p nut-diagnose --example gen_syslog -- 2000000 iso > /tmp/big_iso.log   # short-iso stamps
//! # or, without building the dev-dependencies: rustc -O --edition 2021 nut-diagnose/examples/gen_syslog.rs -o /tmp/gen_syslog
//! /usr/bin/time -f "%e %U %M" target/release/nutctl logs /tmp/big.log > /dev/null
//! /usr/bin/time -f "%e %U %M" grep -cE 'on battery|on line power|Communications with UPS|Poll UPS|connect failed|is unavailable|is stale|no longer stale|Driver not connected|Login on UPS|FSD' /tmp/big.log
//! ```
//!
//! No randomness: the same line count always gives the same bytes.

use std::io::{BufWriter, Write};

const HOST: &str = "nas";

fn main() -> std::io::Result<()> {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    // `iso`: the stamps as `journalctl -o short-iso` writes them (`2026-11-26T00:00:01+0100`).
    let iso = std::env::args().nth(2).as_deref() == Some("iso");
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let months = ["Nov", "Dec"];
    let mut t: u64 = 25 * 86_400; // seconds since Nov 1, 00:00
    let ups = ["ups@localhost", "rack@192.168.1.10", "pi@127.0.0.1:3493"];
    for i in 0..total {
        if i % 3 == 0 {
            t += 1;
        }
        let day = t / 86_400;
        let (month, mday) = if day < 30 {
            (months[0], day + 1)
        } else {
            (months[1], (day - 30) % 31 + 1)
        };
        let sod = t % 86_400;
        let (h, m, s) = (sod / 3600, sod / 60 % 60, sod % 60);
        if iso {
            let mm = if month == months[0] { 11 } else { 12 };
            write!(
                out,
                "2026-{mm:02}-{mday:02}T{h:02}:{m:02}:{s:02}+0100 {HOST} "
            )?;
        } else {
            write!(out, "{month} {mday:2} {h:02}:{m:02}:{s:02} {HOST} ")?;
        }
        let u = ups[(i / 1000) as usize % 3];
        let pid = 1000 + i % 7;
        // One cycle of 1000 lines: 950 foreign, 50 NUT (an outage, a stale driver, refused logins).
        match i % 1000 {
            0 => writeln!(out, "upsmon[812]: UPS {u} on battery")?,
            1 => writeln!(out, "upsd[700]: UPS [ups] data is stale - check driver")?,
            2 => writeln!(
                out,
                "usbhid-ups[640]: libusb1: Could not open any HID devices: insufficient permissions on everything"
            )?,
            3..=20 => writeln!(out, "upsmon[812]: Poll UPS [{u}] failed - Data stale")?,
            21 => writeln!(out, "upsmon[812]: Communications with UPS {u} lost")?,
            22..=30 => writeln!(
                out,
                "upsmon[812]: UPS [{u}]: connect failed: Connection failure: Connection refused"
            )?,
            31 => writeln!(out, "upsmon[812]: Communications with UPS {u} established")?,
            32 => writeln!(out, "upsd[700]: UPS [ups] data is no longer stale")?,
            33 => writeln!(out, "upsmon[812]: UPS {u} on line power")?,
            34..=45 => writeln!(
                out,
                "upsd[700]: User monuser@127.0.0.1 logged into UPS [ups]"
            )?,
            46 => writeln!(
                out,
                "upsmon[812]: Login on UPS [{u}] failed - got [ERR ACCESS-DENIED]"
            )?,
            47 => writeln!(out, "upsmon[812]: something this table has never seen")?,
            48 => writeln!(out, "upsd[700]: Connected to UPS [ups]: usbhid-ups-ups")?,
            49 => writeln!(out, "upsd[700]: Startup successful")?,
            k => match k % 10 {
                0..=2 => writeln!(
                    out,
                    "sshd[{pid}]: Accepted publickey for admin from 192.0.2.{} port {} ssh2: ED25519 SHA256:x",
                    k % 200,
                    40000 + k
                )?,
                3..=4 => writeln!(
                    out,
                    "kernel: [{}.{:06}] usb 1-1: new full-speed USB device number {} using xhci_hcd",
                    t,
                    k * 997 % 1_000_000,
                    k % 30
                )?,
                5 => writeln!(
                    out,
                    "CRON[{pid}]: (root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"
                )?,
                6 => writeln!(
                    out,
                    "systemd[1]: Started session-{k}.scope - Session {k} of User admin."
                )?,
                7 => writeln!(out, "dhcpcd[{pid}]: eth0: rebinding lease of 192.168.1.{}", k % 250)?,
                8 => writeln!(
                    out,
                    "smartd[{pid}]: Device: /dev/sda [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from 34 to 35"
                )?,
                _ => writeln!(
                    out,
                    "postfix/smtpd[{pid}]: connect from localhost[127.0.0.1]"
                )?,
            },
        }
    }
    out.flush()
}
