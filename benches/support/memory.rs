//! Memory of processes while a benchmark runs: resident set sizes from `/proc`, and their peak sampled every 5 ms.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `VmRSS` of `pid`, in KiB (0 once it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Samples the summed RSS of `pids` every 5 ms until stopped; returns the peak above the first sample, in MiB.
pub struct PeakRss {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    rest: u64,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakRss {
    pub fn start(pids: Vec<u32>) -> PeakRss {
        let total = move || pids.iter().map(|&p| rss_kib(p)).sum::<u64>();
        let rest = total();
        let (stop, peak) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(rest)));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(total(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        PeakRss {
            stop,
            peak,
            rest,
            thread: Some(thread),
        }
    }
    pub fn above_rest_mib(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        (self.peak.load(Ordering::Relaxed).saturating_sub(self.rest)) as f64 / 1024.0
    }
}
