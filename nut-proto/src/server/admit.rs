//! Who the embedded server lets in, and how fast: connection slots (total and per source address,
//! sized from the fd limit) and the per-source slow-down of failed authentications.
//!
//! upsd caps connections at `MAXCONN` and has no limit on password guessing; this server refuses a
//! connection over either cap at once (the client sees it closed, nobody waits in the backlog), and
//! makes every credential check from a source that failed too often wait its turn.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// File descriptors kept for everything that is not a client connection (listener, logs, files).
const FD_RESERVE: u64 = 64;
/// Upper bound of the default connection limit, whatever the fd limit (memory: ~8 KiB each).
const MAX_DEFAULT_CONNECTIONS: u64 = 16_384;

/// The soft `RLIMIT_NOFILE` of this process (1024 when it cannot be read).
pub fn fd_limit() -> u64 {
    rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX)
        .min(1 << 20)
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (capped at 65 536) and returns the soft limit
/// in force afterwards. A server that is meant to hold many clients calls this before binding.
pub fn raise_fd_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    let want = now.maximum.unwrap_or(u64::MAX).min(65_536);
    if now.current.is_some_and(|c| c < want) {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(want),
                maximum: now.maximum,
            },
        );
    }
    fd_limit()
}

/// The default connection limit: three quarters of the fds left after a reserve, at least 16.
pub fn default_max_connections() -> usize {
    let usable = fd_limit().saturating_sub(FD_RESERVE) * 3 / 4;
    usable.clamp(16, MAX_DEFAULT_CONNECTIONS) as usize
}

/// The key a source is counted under: an IPv4 address, or the /64 of an IPv6 address (one host
/// usually owns a whole /64, so counting single IPv6 addresses would not limit anybody).
pub(crate) fn source_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Connection slots in use, in total and per source.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    inner: Mutex<SlotCount>,
}

#[derive(Debug, Default)]
struct SlotCount {
    total: usize,
    per_source: HashMap<IpAddr, usize>,
}

impl Slots {
    /// Takes a slot for `source` when both caps allow it.
    pub(crate) fn take(&self, source: IpAddr, max_total: usize, max_per_source: usize) -> bool {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mine = c.per_source.get(&source).copied().unwrap_or(0);
        if c.total >= max_total || mine >= max_per_source {
            return false;
        }
        c.total += 1;
        c.per_source.insert(source, mine + 1);
        true
    }

    /// Gives a slot back (every way a connection ends goes through here: see `SlotGuard`).
    pub(crate) fn give(&self, source: IpAddr) {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.per_source.get_mut(&source) {
            *n -= 1;
            if *n == 0 {
                c.per_source.remove(&source);
            }
        }
    }

    /// Slots in use now.
    pub(crate) fn in_use(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

/// The turn of one credential check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Run it now.
    Now,
    /// Wait until then, then run it.
    At(Instant),
    /// Too many queued from this source: close the connection without checking.
    Refuse,
}

/// Failed credential checks per source, and when the next check from there may run.
#[derive(Debug)]
pub(crate) struct AuthLimiter {
    free: u32,
    base: Duration,
    inner: Mutex<HashMap<IpAddr, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// The earliest time the next credential check from this source runs.
    next: Instant,
    last: Instant,
}

/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Sources remembered at most (beyond it the oldest half is forgotten).
const MAX_SOURCES: usize = 4096;

impl AuthLimiter {
    /// `free` failures per source go unpunished; after that each check waits `base`, doubling with
    /// every further failure up to 16 × `base`. `base` zero turns the limiter off.
    pub(crate) fn new(free: u32, base: Duration) -> Self {
        AuthLimiter {
            free,
            base,
            inner: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the turn of one credential check from `source`: now, the instant to wait for (one
    /// penalty after the previous check's turn), or refused when the queue is 32 base delays long. Every check counts as a
    /// failure until [`succeeded`](Self::succeeded) says otherwise, so checks in flight on parallel
    /// connections cannot slip past the free ones; opening more connections buys no more guesses.
    pub(crate) fn admit(&self, source: IpAddr, now: Instant) -> Admit {
        if self.base.is_zero() {
            return Admit::Now;
        }
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SOURCES && !map.contains_key(&source) {
            forget_old(&mut map, now);
        }
        let f = map.entry(source).or_insert(Failures {
            count: 0,
            next: now,
            last: now,
        });
        if now.duration_since(f.last) > FORGET_AFTER {
            f.count = 0;
        }
        f.last = now;
        let n = f.count;
        f.count = f.count.saturating_add(1);
        if n < self.free {
            return Admit::Now;
        }
        let penalty = self.base * (1u32 << (n - self.free).min(4));
        let turn = f.next.max(now) + penalty;
        // A queue longer than this would keep a legitimate check from the same source waiting
        // behind every queued guess: refuse instead (the connection is closed, unanswered).
        if turn > now + self.base * 32 {
            return Admit::Refuse;
        }
        f.next = turn;
        Admit::At(turn)
    }

    /// A request admitted by [`admit`](Self::admit) ended before the credentials were checked (an
    /// unknown UPS, a bad argument): it does not count as a failure.
    pub(crate) fn not_checked(&self, source: IpAddr) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = map.get_mut(&source) {
            f.count = f.count.saturating_sub(1);
        }
    }

    /// A check admitted by [`admit`](Self::admit) found the right credentials: the source is
    /// forgiven. (A failed check needs no call: it was counted when admitted.)
    pub(crate) fn succeeded(&self, source: IpAddr) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&source);
    }
}

/// Keeps the map bounded: drops stale sources, then the older half if still full.
fn forget_old(map: &mut HashMap<IpAddr, Failures>, now: Instant) {
    map.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
    if map.len() >= MAX_SOURCES {
        let mut lasts: Vec<Instant> = map.values().map(|f| f.last).collect();
        lasts.sort_unstable();
        let cut = lasts.get(lasts.len() / 2).copied().unwrap_or(now);
        map.retain(|_, f| f.last > cut);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn slots_cap_total_and_per_source() {
        let s = Slots::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(s.take(a, 3, 2));
        assert!(s.take(a, 3, 2));
        assert!(!s.take(a, 3, 2), "per-source cap");
        assert!(s.take(b, 3, 2));
        assert!(!s.take(b, 3, 2), "total cap");
        s.give(a);
        assert!(s.take(b, 3, 2));
        assert_eq!(s.in_use(), 3);
    }

    #[test]
    fn ipv6_sources_count_per_64() {
        let a = source_key("2001:db8:1:2::1".parse().unwrap());
        let b = source_key("2001:db8:1:2:ffff::9".parse().unwrap());
        let c = source_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            source_key("::ffff:10.1.2.3".parse().unwrap()),
            "10.1.2.3".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn checks_beyond_the_free_ones_queue() {
        let l = AuthLimiter::new(2, Duration::from_secs(1));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t = Instant::now();
        assert_eq!(l.admit(ip, t), Admit::Now);
        assert_eq!(l.admit(ip, t), Admit::Now, "two free checks");
        // Then each check waits its turn: 1 s, then 2 s after that one, …
        let first = l.admit(ip, t);
        let second = l.admit(ip, t);
        assert_eq!(first, Admit::At(t + Duration::from_secs(1)));
        assert_eq!(second, Admit::At(t + Duration::from_secs(3)));
        // 1 + 2 + 4 + 8 + 16 = 31 s queued; the next one would end past 32 s: refused.
        assert_eq!(l.admit(ip, t), Admit::At(t + Duration::from_secs(7)));
        assert_eq!(l.admit(ip, t), Admit::At(t + Duration::from_secs(15)));
        assert_eq!(l.admit(ip, t), Admit::At(t + Duration::from_secs(31)));
        assert_eq!(l.admit(ip, t), Admit::Refuse);
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(l.admit(other, t), Admit::Now, "per source");
        l.succeeded(ip);
        assert_eq!(l.admit(ip, t), Admit::Now, "a success forgives");
        l.not_checked(ip);
        assert_eq!(l.admit(ip, t), Admit::Now);
        l.not_checked(ip);
        assert_eq!(
            l.admit(ip, t),
            Admit::Now,
            "requests that checked nothing are refunded"
        );
    }
}
