//! Authenticated reads, side by side with nginx in one run: `GET /api/v1/session` with a client certificate and a
//! bearer token, keep-alive, over TLS 1.3 on 127.0.0.1, driven by `oha` at 50 and 200 connections.
//! - planhost: a `planhost-controller serve` process checks the certificate, the device, the session and the licence
//!   on every request (revocation and logout take effect at once);
//! - nginx (Debian package): the same server certificate, client-certificate verification on, the same JSON body
//!   served as a static file (no token check at all).
//!
//! Rounds alternate planhost / nginx; medians of the rounds are printed with the ratio planhost ÷ nginx.
//! Run: `scripts/bench` (or `cargo bench --bench reads`; PLANHOST_BENCH_ROUNDS, PLANHOST_BENCH_SECS).

#[path = "support/nginx.rs"]
mod nginx;
#[path = "support/oha.rs"]
mod oha;
#[path = "../tests/support/session.rs"]
mod session;
#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use oha::{median, oha, Load};
use std::path::Path;

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// nginx serving the same body as a static file at the same path.
fn nginx_with(dir: &Path, data: &Path, body: &[u8]) -> (webdriver::Killed, String) {
    let root = dir.join("www/api/v1");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("session"), body).unwrap();
    let (process, port) = nginx::nginx(dir, data, "");
    (process, format!("127.0.0.1:{port}"))
}

fn main() {
    planhost::init_crypto();
    let rounds = env_or("PLANHOST_BENCH_ROUNDS", 3);
    let secs = env_or("PLANHOST_BENCH_SECS", 5);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("ctl");
    let (_controller, address, account) = webdriver::start_controller(&data);
    let ca_pem = std::fs::read_to_string(data.join("ca.pem")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();

    // One enrolled device with an open session, its licence accepted: what every console call carries.
    let session::Manager {
        client,
        identity,
        token,
        ..
    } = rt.block_on(session::manager(&address, &ca_pem, &account));
    let body = serde_json::to_vec(&rt.block_on(client.whoami()).unwrap()).unwrap();
    std::fs::write(tmp.path().join("ca.pem"), &ca_pem).unwrap();
    std::fs::write(tmp.path().join("device.pem"), &identity.cert_pem).unwrap();
    std::fs::write(tmp.path().join("device.key"), &identity.key_pem).unwrap();
    let (_nginx, nginx_address) = nginx_with(&tmp.path().join("nginx"), &data, &body);

    println!(
        "GET /api/v1/session, client certificate + token, keep-alive, {rounds} alternating rounds of {secs} s, {} B body",
        body.len()
    );
    println!(
        "{:>5}  {:>14} {:>10}  {:>14} {:>10}  {:>6}",
        "conns", "planhost req/s", "p99 ms", "nginx req/s", "p99 ms", "ratio"
    );
    for connections in [50, 200] {
        let (mut ours, mut theirs, mut ours_p99, mut theirs_p99) = (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let load = |url: &str| {
                oha(&Load {
                    url,
                    connections,
                    secs,
                    dir: tmp.path(),
                    client_cert: true,
                    token: Some(&token),
                })
            };
            let a = load(&format!("https://{address}/api/v1/session"));
            let b = load(&format!("https://{nginx_address}/api/v1/session"));
            ours.push(a.rps);
            ours_p99.push(a.p99_ms);
            theirs.push(b.rps);
            theirs_p99.push(b.p99_ms);
        }
        let (o, t) = (median(ours), median(theirs));
        println!(
            "{connections:>5}  {o:>14.0} {:>10.2}  {t:>14.0} {:>10.2}  {:>6.2}",
            median(ours_p99),
            median(theirs_p99),
            o / t
        );
    }
}
