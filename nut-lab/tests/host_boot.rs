//! The real-host lab itself: a host boots real systemd, runs commands, has its own cgroup and network,
//! links to another host, and leaves nothing behind when dropped.
use std::time::Duration;

use nut_lab::host::{hosts_available, running_hosts, Host};

#[test]
fn two_hosts_boot_link_and_power_off() {
    if !hosts_available() {
        return;
    }
    let a = Host::boot("labboot-a", None).expect("host a boots");
    let b = Host::boot("labboot-b", None).expect("host b boots");
    assert_eq!(a.run("hostname").stdout.trim(), "labboot-a");
    assert_eq!(a.run("cat /proc/1/comm").stdout.trim(), "systemd");
    // its own cgroup namespace: PID 1 sits at the root of what it sees
    let cg = a.run("grep name=systemd /proc/1/cgroup").stdout;
    assert!(
        cg.trim().ends_with(":name=systemd:/init.scope"),
        "PID 1's cgroup as it sees it: {cg}"
    );
    let cable = Host::link(&a, &b, "10.201.0").expect("cable");
    // nothing listens on a's port 9: a refusal (RST) proves the cable carries packets both ways
    let knock = b.run(&format!(
        "timeout 5 bash -c 'exec 3<>/dev/tcp/{}/9' 2>&1",
        cable.a_addr
    ));
    assert!(
        knock.stdout.contains("Connection refused"),
        "b reaches a over the cable: {knock:?}"
    );
    let off = b.run("timeout 3 bash -c 'exec 3<>/dev/tcp/10.202.0.1/9' 2>&1");
    assert!(
        off.stdout.contains("unreachable"),
        "nothing but the cable: {off:?}"
    );
    // writes land in the host's tmpfs, never on this machine's disk
    assert!(a.run("echo x > /etc/nutlab-probe").ok());
    assert!(!std::path::Path::new("/etc/nutlab-probe").exists());
    assert!(a.journal().contains("systemd"), "journald answers");
    assert_eq!(running_hosts().len(), 2);
    b.power_off();
    assert!(
        !a.wait_down(Duration::from_millis(300)),
        "a is not touched by b's power-off"
    );
    assert!(a.is_up());
    drop(a);
    assert!(
        running_hosts().is_empty(),
        "no host leaked: {:?}",
        running_hosts()
    );
}
