//! `oha` (cargo install oha), the load generator of the benchmarks: keep-alive connections over TLS for a few
//! seconds, every answer required to be 200.

use std::path::Path;
use std::process::Command;

pub struct Round {
    pub rps: f64,
    pub p99_ms: f64,
}

/// What one run sends: `ca.pem` in `dir`, and `device.pem`/`device.key` there when `client_cert` is set.
pub struct Load<'a> {
    pub url: &'a str,
    pub connections: u32,
    pub secs: u32,
    pub dir: &'a Path,
    pub client_cert: bool,
    pub token: Option<&'a str>,
}

/// One `oha` run; panics unless every request succeeded.
pub fn oha(load: &Load) -> Round {
    let mut cmd = Command::new("oha");
    cmd.args(["--no-tui", "--output-format", "json", "-z", &format!("{}s", load.secs)])
        .args(["-c", &load.connections.to_string()])
        .args(["--cacert", load.dir.join("ca.pem").to_str().unwrap()]);
    if load.client_cert {
        cmd.args(["--cert", load.dir.join("device.pem").to_str().unwrap()])
            .args(["--key", load.dir.join("device.key").to_str().unwrap()]);
    }
    if let Some(token) = load.token {
        cmd.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let out = cmd.arg(load.url).output().expect("oha (cargo install oha)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oha JSON");
    let codes = &v["statusCodeDistribution"];
    let ok = codes["200"].as_u64().unwrap_or(0);
    let all: u64 = codes
        .as_object()
        .unwrap()
        .values()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    assert!(ok > 0 && ok == all, "{}: not every answer was 200: {codes}", load.url);
    Round {
        rps: v["summary"]["requestsPerSec"].as_f64().unwrap(),
        p99_ms: v["latencyPercentiles"]["p99"].as_f64().unwrap() * 1000.0,
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
