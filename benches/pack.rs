//! "Générer le .HHYP" (issue 9 §4): packing a prepared base and its annexes, side by side in one run with Info-ZIP
//! `zip -r -6` and `7z a` (Debian packages) on the same files. The benchmark generates a reference mix: a base of
//! about 200 MB (a large school's timetable), 2,000 photos (JPEG: compressed data behind a JPEG header) and 500 PDFs
//! (compressed streams with some plain text). Printed: time, output size, peak memory of each, medians of the rounds.
//! - planhost: `hhyp::write` (every entry hashed and compressed in one read on every core, photos and PDFs stored,
//!   the manifest written first, the output checked with the verifier before it gets its name);
//! - zip: `zip -r -6 -q`; 7z: `7z a -bd` (LZMA2, its default level, its own threads). Their peak memory comes from
//!   `/usr/bin/time -f %M`; planhost's is sampled from this process's RSS above what it used before packing.
//!
//! Run: `scripts/bench` (or `cargo bench --bench pack`; PLANHOST_BENCH_ROUNDS, PLANHOST_BENCH_DIR;
//! PLANHOST_BENCH_REFERENCES=0 for planhost alone).

#[path = "../tests/support/hhyp_files.rs"]
mod hhyp_files;
#[path = "support/memory.rs"]
mod memory;

use planhost::api::TimeGrid;
use planhost::base::Base;
use planhost::hhyp;
use planhost::ids::HostingNumber;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const PHOTOS: usize = 2000;
const PDFS: usize = 500;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Pseudo-random bytes (what compressed data looks like to a compressor).
fn noise(out: &mut Vec<u8>, n: usize, seed: &mut u64) {
    let start = out.len();
    out.resize(start + n.next_multiple_of(8), 0);
    for word in out[start..].chunks_exact_mut(8) {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        word.copy_from_slice(&seed.to_le_bytes());
    }
    out.truncate(start + n);
}

/// The reference mix under `dir`: `base.sqlite3` and `annexes/photos/*.jpg`, `annexes/documents/*.pdf`.
fn reference_mix(dir: &Path) -> (PathBuf, Vec<hhyp::Annex>) {
    let base = dir.join("base.sqlite3");
    let grid = TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    };
    let mut made = Base::create(&base, "Cité scolaire Hugo 2026", &grid).unwrap();
    made.add_timetable(&hhyp_files::school_timetable(3300, 44)).unwrap();
    drop(made);
    let mut annexes = Vec::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let photos = dir.join("annexes/photos");
    std::fs::create_dir_all(&photos).unwrap();
    for i in 0..PHOTOS {
        let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00".to_vec();
        noise(&mut bytes, 60_000 + (i * 7919) % 80_000, &mut seed);
        bytes.extend_from_slice(b"\xFF\xD9");
        let file = photos.join(format!("eleve-{i:04}.jpg"));
        std::fs::write(&file, &bytes).unwrap();
        annexes.push(hhyp::Annex {
            name: format!("photos/eleve-{i:04}.jpg"),
            file,
        });
    }
    let documents = dir.join("annexes/documents");
    std::fs::create_dir_all(&documents).unwrap();
    for i in 0..PDFS {
        let mut bytes = Vec::new();
        writeln!(bytes, "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj").unwrap();
        for page in 0..4 {
            writeln!(
                bytes,
                "{} 0 obj << /Type /Page /Title (Emploi du temps, classe {i}, page {page}) >> endobj",
                page + 3
            )
            .unwrap();
            bytes.extend_from_slice(b"stream\n");
            noise(&mut bytes, 40_000 + (i * 104_729) % 60_000, &mut seed);
            bytes.extend_from_slice(b"\nendstream\n");
        }
        bytes.extend_from_slice(b"%%EOF\n");
        let file = documents.join(format!("document-{i:03}.pdf"));
        std::fs::write(&file, &bytes).unwrap();
        annexes.push(hhyp::Annex {
            name: format!("documents/document-{i:03}.pdf"),
            file,
        });
    }
    (base, annexes)
}

/// Runs a packing command under `/usr/bin/time`; returns (seconds, peak RSS in MiB).
fn timed(dir: &Path, program: &str, args: &[&str]) -> (f64, f64) {
    let began = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", program])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (apt install zip 7zip)"));
    let secs = began.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kib: f64 = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    (secs, kib / 1024.0)
}

fn settle() {
    let _ = Command::new("sync").status();
    std::thread::sleep(Duration::from_millis(500));
}

/// What no packer on this machine can go below while it checks the base as the controller does and deflates it to
/// zip's size: the base's two big costs timed alone, each on one core, shared over every core at best.
fn floor(dir: &Path, base: &Path, zip_secs: f64) {
    settle();
    let began = Instant::now();
    planhost::base::Base::verify(base).unwrap();
    let check = began.elapsed().as_secs_f64();
    let conn = rusqlite::Connection::open_with_flags(base, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.pragma_update(None, "cache_size", -65_536).unwrap();
    settle();
    let began = Instant::now();
    let quick: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).unwrap();
    let quick_secs = began.elapsed().as_secs_f64();
    assert_eq!(quick, "ok");
    settle();
    let began = Instant::now();
    let out = std::fs::File::create(dir.join("base-only.zip")).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
    let level7 = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(7));
    zip.start_file("base.sqlite3", level7).unwrap();
    std::io::copy(&mut std::fs::File::open(base).unwrap(), &mut zip).unwrap();
    zip.finish().unwrap();
    let deflate = began.elapsed().as_secs_f64();
    std::fs::remove_file(dir.join("base-only.zip")).unwrap();
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get) as f64;
    println!(
        "the base alone, one core each: integrity check {check:.2} s (quick_check {quick_secs:.2} s), deflate level 7 {deflate:.2} s"
    );
    println!(
        "floor on {cores} cores: (check + deflate) / cores = {:.2} s = {:.1}× zip at best; with quick_check {:.2} s = {:.1}×",
        (check + deflate) / cores,
        zip_secs / ((check + deflate) / cores),
        (quick_secs + deflate) / cores,
        zip_secs / ((quick_secs + deflate) / cores),
    );
}

fn main() {
    planhost::init_crypto();
    let rounds: usize = std::env::var("PLANHOST_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let tmp =
        tempfile::tempdir_in(std::env::var_os("PLANHOST_BENCH_DIR").unwrap_or_else(|| "/var/tmp".into())).unwrap();
    let dir = tmp.path();
    let generating = Instant::now();
    let (base, annexes) = reference_mix(dir);
    let input: u64 = std::iter::once(base.clone())
        .chain(annexes.iter().map(|a| a.file.clone()))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    println!(
        "reference mix: base {:.0} MB, {PHOTOS} photos, {PDFS} PDFs, {:.0} MB in all (generated in {:.0} s)",
        std::fs::metadata(&base).unwrap().len() as f64 / 1e6,
        input as f64 / 1e6,
        generating.elapsed().as_secs_f64()
    );
    let hosting = HostingNumber::parse("123456789012").unwrap();
    // PLANHOST_BENCH_REFERENCES=0 runs planhost alone (to profile it).
    let references = std::env::var("PLANHOST_BENCH_REFERENCES").map_or(true, |v| v != "0");
    // Debian's 7zip package names it 7zz; p7zip-full's 7z.
    let seven = ["7z", "7zz"]
        .into_iter()
        .find(|p| Command::new(p).arg("i").output().is_ok())
        .expect("7z (apt install 7zip)")
        .to_owned();
    let (mut ours, mut zips, mut sevens) = (vec![], vec![], vec![]);
    let (mut our_size, mut zip_size, mut seven_size) = (0, 0, 0);
    let (mut our_mem, mut zip_mem, mut seven_mem) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        settle();
        let out = dir.join("out.HHYP");
        let peak = memory::PeakRss::start(vec![std::process::id()]);
        let began = Instant::now();
        hhyp::write(&out, &hosting, &base, &annexes, &|_, _| {}, &AtomicBool::new(false)).unwrap();
        ours.push(began.elapsed().as_secs_f64());
        our_mem.push(peak.above_rest_mib());
        our_size = std::fs::metadata(&out).unwrap().len();
        std::fs::remove_file(&out).unwrap();

        if !references {
            println!("round {}: planhost {:.2} s", round + 1, ours[round]);
            continue;
        }
        settle();
        let (secs, mem) = timed(dir, "zip", &["-r", "-6", "-q", "out.zip", "base.sqlite3", "annexes"]);
        zips.push(secs);
        zip_mem.push(mem);
        zip_size = std::fs::metadata(dir.join("out.zip")).unwrap().len();
        std::fs::remove_file(dir.join("out.zip")).unwrap();

        settle();
        let (secs, mem) = timed(dir, &seven, &["a", "-bd", "-bso0", "out.7z", "base.sqlite3", "annexes"]);
        sevens.push(secs);
        seven_mem.push(mem);
        seven_size = std::fs::metadata(dir.join("out.7z")).unwrap().len();
        std::fs::remove_file(dir.join("out.7z")).unwrap();
        println!(
            "round {}: planhost {:.2} s, zip -6 {:.2} s, 7z {:.2} s",
            round + 1,
            ours[round],
            zips[round],
            sevens[round]
        );
    }
    if !references {
        println!(
            "planhost (.HHYP) {:.2} s, {:.1} MB",
            median(ours),
            our_size as f64 / 1e6
        );
        return;
    }
    let (o, z) = (median(ours), median(zips));
    floor(dir, &base, z);
    println!(
        "{rounds} alternating rounds, medians (peak memory above rest for planhost, whole process for zip and 7z)"
    );
    let line = |name: &str, secs: f64, size: u64, mem: f64| {
        println!(
            "{name:<24} {secs:>7.2} s  {:>8.1} MB  {mem:>7.1} MiB",
            size as f64 / 1e6
        );
    };
    line("planhost (.HHYP)", o, our_size, median(our_mem));
    line("zip -r -6", z, zip_size, median(zip_mem));
    line("7z a", median(sevens), seven_size, median(seven_mem));
    println!(
        "planhost is {:.1}× faster than zip -6; output {:.3}× zip's size",
        z / o,
        our_size as f64 / zip_size as f64
    );
}
