//! "Charger une base" (issue 8 §7): a 1 GiB `.HHYP` uploaded on loopback, side by side in one run with
//! `curl -T` of the same file to nginx (Debian package) storing it with WebDAV PUT, client-certificate verification
//! on both.
//! - planhost: the console's own upload (`planhost::console::transfer::upload`) to a `planhost-controller serve`
//!   process: the file checked on this side (the verifier, then its SHA-256), sent in chunks, checked again on the
//!   controller (SHA-256, verifier unpacking into a new base folder, synced) and put in service. Each phase is timed;
//!   "sending" is what compares with curl;
//! - curl → nginx: `curl -T FILE https://…/upload/FILE` with the same CA, a client certificate; nginx writes the
//!   body to a temporary file and renames it into place.
//!
//! Peak RSS above rest is sampled every 10 ms: this process (the console side), the controller, nginx's workers.
//! Run: `scripts/bench` (or `cargo bench --bench upload`; PLANHOST_BENCH_MIB, PLANHOST_BENCH_ROUNDS).

#[path = "../tests/support/hhyp_files.rs"]
mod hhyp_files;
#[path = "support/memory.rs"]
mod memory;
#[path = "support/nginx.rs"]
mod nginx;
#[path = "../tests/support/session.rs"]
mod session;
#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use planhost::tasks::{TaskStep, Tasks};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A step of the upload: when it began, and the CPU seconds the console and the controller had used by then.
type Mark = (TaskStep, Instant, f64, f64);

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Each side starts with no dirty page waiting to be written back (the file just generated, or what the other side
/// wrote, would otherwise be flushed during the next side's transfer), and with the same kind of free memory. This VM
/// reports freed pages to its host (`page_reporting`): a page freed a few seconds ago costs a host fault when touched
/// again, a page freed just now does not. Without waiting, whichever side happened to run right after the other
/// deleted its gibibyte wrote into warm pages and the other into cold ones (measured: 0.9 s against 2.1 s for the
/// same upload). So: wait until the reporting has gone quiet.
fn settle() {
    assert!(Command::new("sync").status().unwrap().success());
    let reported = || std::fs::read_to_string("/sys/module/page_reporting/parameters/reported_kib").ok();
    let Some(mut last) = reported() else { return };
    let (mut quiet, deadline) = (0, Instant::now() + Duration::from_secs(15));
    while quiet < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        let now = reported();
        quiet = if now.as_ref() == Some(&last) { quiet + 1 } else { 0 };
        last = now.unwrap_or_default();
    }
}

/// CPU seconds (user + system) `pid` has used so far, every thread included.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<f64> = after.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    f.get(11).zip(f.get(12)).map_or(0.0, |(u, s)| (u + s) / 100.0)
}

fn children_of(pid: u32) -> Vec<u32> {
    let out = Command::new("pgrep").args(["-P", &pid.to_string()]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .chain([pid])
        .collect()
}

fn main() {
    planhost::init_crypto();
    let mib = env_or("PLANHOST_BENCH_MIB", 1024);
    let rounds = env_or("PLANHOST_BENCH_ROUNDS", 3);
    let tmp =
        tempfile::tempdir_in(std::env::var_os("PLANHOST_BENCH_DIR").unwrap_or_else(|| "/var/tmp".into())).unwrap();
    let data = tmp.path().join("ctl");
    let (controller, address, account) = webdriver::start_controller(&data);
    let controller_pid = controller.0.id();
    let ca_pem = std::fs::read_to_string(data.join("ca.pem")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let m = rt.block_on(session::manager(&address, &ca_pem, &account));
    let hosting = planhost::ids::HostingNumber::parse(account["hosting_number"].as_str().unwrap()).unwrap();
    let planning = rt.block_on(m.client.configuration()).unwrap().plannings[0].id;
    let work = tmp.path().join("files");
    std::fs::create_dir_all(&work).unwrap();
    let file = hhyp_files::hhyp_file(&work, hosting.as_str(), "Lycée Hugo 2026", mib << 20);
    let size = std::fs::metadata(&file).unwrap().len();
    let pem = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let (ca, cert, key) = (
        pem("ca.pem", &ca_pem),
        pem("device.pem", &m.identity.cert_pem),
        pem("device.key", &m.identity.key_pem),
    );
    let nginx_dir = tmp.path().join("nginx");
    std::fs::create_dir_all(nginx_dir.join("www/upload")).unwrap();
    let (nginx_process, port) = nginx::nginx(
        &nginx_dir,
        &data,
        "location /upload/ { dav_methods PUT; client_max_body_size 0; client_body_timeout 120s; }",
    );
    let nginx_pids = children_of(nginx_process.0.id());

    let mib_s = |secs: f64| size as f64 / secs / f64::from(1 << 20);
    let (mut checks, mut sends, mut finishes, mut totals, mut curls) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut console_rss, mut controller_rss, mut nginx_rss) = (vec![], vec![], vec![]);
    let (mut our_cpu, mut their_cpu, mut split_cpu) = (vec![], vec![], vec![]);
    let me = std::process::id();
    for round in 0..rounds {
        // planhost: the console's upload, each phase timed from its progress reports.
        settle();
        let marks: Arc<Mutex<Vec<Mark>>> = Arc::default();
        let seen = marks.clone();
        let timeline: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
        let line = timeline.clone();
        let tasks = Tasks::default();
        let (ours, theirs) = (
            memory::PeakRss::start(vec![me]),
            memory::PeakRss::start(vec![controller_pid]),
        );
        let began = Instant::now();
        let bases = rt
            .block_on(tasks.run(
                "bench",
                move |p| {
                    if p.step == TaskStep::Uploading {
                        line.lock().unwrap().push((Instant::now(), p.done.unwrap_or(0)));
                    }
                    let mut v = seen.lock().unwrap();
                    if v.last().is_none_or(|(s, ..)| *s != p.step) {
                        v.push((p.step, Instant::now(), cpu_secs(me), cpu_secs(controller_pid)));
                    }
                },
                planhost::console::transfer::upload(&m.client, &hosting, planning, &file),
            ))
            .unwrap();
        let ended = Instant::now();
        console_rss.push(ours.above_rest_mib());
        controller_rss.push(theirs.above_rest_mib());
        assert_eq!(bases.in_service.unwrap().name, "Lycée Hugo 2026", "round {round}");
        let at = |step| {
            marks
                .lock()
                .unwrap()
                .iter()
                .find(|(s, ..)| *s == step)
                .map(|(_, t, console, controller)| (*t, (*console, *controller)))
                .unwrap()
        };
        let ((sending, cpu_before), (checking, cpu_after)) =
            (at(TaskStep::Uploading), at(TaskStep::CheckingOnController));
        our_cpu.push((cpu_after.0 - cpu_before.0) + (cpu_after.1 - cpu_before.1));
        split_cpu.push((cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1));
        checks.push((sending - began).as_secs_f64());
        sends.push((checking - sending).as_secs_f64());
        finishes.push((ended - checking).as_secs_f64());
        totals.push((ended - began).as_secs_f64());

        if std::env::var_os("PLANHOST_BENCH_TIMELINE").is_some() {
            let t = timeline.lock().unwrap();
            let (t0, mut last) = (t[0].0, (t[0].0, 0u64));
            let steps: Vec<String> = t
                .iter()
                .map(|&(at, done)| {
                    let rate = (done - last.1) as f64 / (at - last.0).as_secs_f64().max(1e-9) / f64::from(1 << 20);
                    last = (at, done);
                    format!("{:.1}s:{rate:.0}", (at - t0).as_secs_f64())
                })
                .collect();
            println!("MiB/s over time: {}", steps.join(" "));
        }

        // curl → nginx.
        settle();
        let peak = memory::PeakRss::start(nginx_pids.clone());
        let nginx_cpu = || nginx_pids.iter().map(|&p| cpu_secs(p)).sum::<f64>();
        let nginx_before = nginx_cpu();
        let began = Instant::now();
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%U %S", "curl", "-sS", "--fail", "-o", "/dev/null", "-T"])
            .arg(&file)
            .arg("--cacert")
            .arg(&ca)
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .arg(format!("https://127.0.0.1:{port}/upload/round{round}.HHYP"))
            .output()
            .expect("curl");
        curls.push(began.elapsed().as_secs_f64());
        let curl_cpu: f64 = String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|x| x.parse::<f64>().ok())
            .sum();
        their_cpu.push(curl_cpu + nginx_cpu() - nginx_before);
        nginx_rss.push(peak.above_rest_mib());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stored = tmp.path().join(format!("nginx/www/upload/round{round}.HHYP"));
        assert_eq!(std::fs::metadata(&stored).unwrap().len(), size);
        std::fs::remove_file(stored).unwrap();
        println!(
            "round {}: planhost sending {:.2} s ({:.2} s of CPU: console {:.2}, controller {:.2}), curl → nginx {:.2} s ({:.2} s of CPU)",
            round + 1,
            sends[round],
            our_cpu[round],
            split_cpu[round].0,
            split_cpu[round].1,
            curls[round],
            their_cpu[round]
        );
    }
    let (send, curl) = (median(sends.clone()), median(curls.clone()));
    println!(
        "{:.0} MiB .HHYP on loopback, TLS 1.3 + client certificate, {rounds} alternating rounds, medians",
        size as f64 / f64::from(1 << 20)
    );
    println!(
        "planhost check on the console (verifier + SHA-256) {:>7.2} s",
        median(checks)
    );
    println!(
        "planhost sending (chunks)                         {send:>7.2} s  {:>7.0} MiB/s",
        mib_s(send)
    );
    println!(
        "planhost check on the controller + swap           {:>7.2} s",
        median(finishes)
    );
    println!(
        "planhost whole upload                             {:>7.2} s  {:>7.0} MiB/s",
        median(totals.clone()),
        mib_s(median(totals))
    );
    println!(
        "curl -T → nginx (WebDAV PUT)                      {curl:>7.2} s  {:>7.0} MiB/s",
        mib_s(curl)
    );
    println!("sending throughput ÷ curl→nginx                   {:>7.2}", curl / send);
    println!(
        "CPU seconds while sending: planhost (console + controller) {:.2}, curl + nginx {:.2}",
        median(our_cpu),
        median(their_cpu)
    );
    println!(
        "peak RSS above rest: console {:.1} MiB, controller {:.1} MiB, nginx {:.1} MiB",
        median(console_rss),
        median(controller_rss),
        median(nginx_rss)
    );
}
