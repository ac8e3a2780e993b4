//! What keeps one client, or a flood of them, from taking the controller down: a cap on connections (in all and per
//! network address), a deadline for each request, a pause in the accept loop when the process runs out of file
//! descriptors, warnings that repeat at most every few seconds, and a per-address budget of unauthenticated password
//! attempts.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits a listener applies.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The whole request, headers and body, must arrive within this time.
    pub request_timeout: Duration,
    /// Connections open at once; beyond it, new ones wait in the kernel's queue.
    pub max_connections: usize,
    /// Connections open at once from one address; beyond it, new ones are closed at once.
    pub max_connections_per_peer: usize,
    /// Bytes each connection reads from its socket at once (allocated for its whole life): the controller's own
    /// listener receives uploads; the public listeners (directories, planning servers) only small requests.
    pub read_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_peer: 256,
            read_buffer: 64 * 1024,
        }
    }
}

/// Counts the connections open, in all and per address.
pub(crate) struct ConnectionSlots {
    all: Arc<Semaphore>,
    per_peer: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_peer: usize,
}

/// Held for as long as a connection lives.
pub(crate) struct ConnectionSlot {
    _all: OwnedSemaphorePermit,
    peer: IpAddr,
    per_peer: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.per_peer.lock() {
            if let Some(n) = map.get_mut(&self.peer) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&self.peer);
                }
            }
        }
    }
}

impl ConnectionSlots {
    pub(crate) fn new(limits: &Limits) -> ConnectionSlots {
        ConnectionSlots {
            all: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            per_peer: Arc::default(),
            max_per_peer: limits.max_connections_per_peer.max(1),
        }
    }

    /// Waits for room among all connections (so the accept loop stops taking more).
    pub(crate) async fn room(&self) -> Option<OwnedSemaphorePermit> {
        self.all.clone().acquire_owned().await.ok()
    }

    /// The slot of a connection from `peer`, or `None` when that address already has its share.
    pub(crate) fn take(&self, permit: OwnedSemaphorePermit, peer: IpAddr) -> Option<ConnectionSlot> {
        let mut map = self.per_peer.lock().ok()?;
        let n = map.entry(peer).or_insert(0);
        if *n >= self.max_per_peer {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            _all: permit,
            peer,
            per_peer: self.per_peer.clone(),
        })
    }
}

/// True for the accept errors that mean "out of resources": retrying at once would only spin.
pub(crate) fn exhausted(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        // EMFILE, ENFILE, ENOBUFS, ENOMEM
        matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12))
    }
    #[cfg(not(unix))]
    {
        e.kind() == io::ErrorKind::OutOfMemory
    }
}

/// A warning that may repeat many times a second: written at most once per `every`, with how many were held back.
pub(crate) struct Throttled {
    every: Duration,
    last: Option<Instant>,
    held_back: u64,
}

impl Throttled {
    pub(crate) fn new(every: Duration) -> Throttled {
        Throttled {
            every,
            last: None,
            held_back: 0,
        }
    }

    pub(crate) fn warn(&mut self, message: impl std::fmt::Display) {
        let now = Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < self.every) {
            self.held_back += 1;
            return;
        }
        match std::mem::take(&mut self.held_back) {
            0 => tracing::warn!("{message}"),
            n => tracing::warn!("{message} ({n} more like it since the last warning)"),
        }
        self.last = Some(now);
    }
}

/// A token bucket per network address: `burst` attempts at once, then one more every `refill`.
pub struct AttemptBudget {
    burst: f64,
    refill: Duration,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant, bool)>>,
}

/// Why an attempt was refused: wait that long; `first` is true for the first refusal of a run (worth a history line).
#[derive(Debug, Clone, Copy)]
pub struct OverBudget {
    pub retry_after_secs: u64,
    pub first: bool,
}

impl AttemptBudget {
    pub fn new(burst: u32, refill: Duration) -> AttemptBudget {
        AttemptBudget {
            burst: f64::from(burst.max(1)),
            refill: refill.max(Duration::from_millis(1)),
            buckets: Mutex::default(),
        }
    }

    pub fn spend(&self, peer: IpAddr) -> Result<(), OverBudget> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() > 100_000 {
            // Forget the addresses whose bucket has filled up again.
            let (burst, refill) = (self.burst, self.refill.as_secs_f64());
            buckets.retain(|_, (tokens, at, _)| *tokens + now.duration_since(*at).as_secs_f64() / refill < burst);
        }
        let (tokens, at, refused) = buckets.entry(peer).or_insert((self.burst, now, false));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() / self.refill.as_secs_f64()).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            *refused = false;
            return Ok(());
        }
        let first = !*refused;
        *refused = true;
        let wait = (1.0 - *tokens) * self.refill.as_secs_f64();
        Err(OverBudget {
            // Whole seconds, at least one.
            retry_after_secs: Duration::from_secs_f64(wait).as_secs().max(1),
            first,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_allows_its_burst_then_refuses_until_it_refills() {
        let budget = AttemptBudget::new(3, Duration::from_millis(200));
        let (a, b): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        assert!((0..3).all(|_| budget.spend(a).is_ok()));
        let refused = budget.spend(a).unwrap_err();
        assert!(refused.first && refused.retry_after_secs >= 1);
        assert!(
            !budget.spend(a).unwrap_err().first,
            "one history line per run of refusals"
        );
        assert!(budget.spend(b).is_ok(), "another address has its own budget");
        std::thread::sleep(Duration::from_millis(250));
        assert!(budget.spend(a).is_ok(), "refilled");
    }

    #[test]
    fn slots_cap_connections_per_address() {
        let slots = ConnectionSlots::new(&Limits {
            max_connections: 10,
            max_connections_per_peer: 2,
            ..Limits::default()
        });
        let peer: IpAddr = [127, 0, 0, 1].into();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let permit = || rt.block_on(slots.room()).unwrap();
        let first = slots.take(permit(), peer).unwrap();
        let _second = slots.take(permit(), peer).unwrap();
        assert!(slots.take(permit(), peer).is_none());
        drop(first);
        assert!(
            slots.take(permit(), peer).is_some(),
            "a closed connection frees its slot"
        );
    }

    #[test]
    fn out_of_descriptors_is_told_apart() {
        assert!(exhausted(&io::Error::from_raw_os_error(24)));
        assert!(!exhausted(&io::Error::from(io::ErrorKind::ConnectionAborted)));
    }
}
