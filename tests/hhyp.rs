//! `.HHYP` files: what the core writes opens with `unzip -t` and Python's `zipfile`, and each refusal of the
//! verifier is met by one crafted file, refused with its own message, nothing extracted.

use planhost::api::{Course, Placement, StudentGroup, Subject, Teacher, TimeGrid, Timetable};
use planhost::base::Base;
use planhost::hhyp::{self, Annex, Limits, Manifest, ManifestEntry};
use planhost::ids::HostingNumber;
use planhost::ErrorCode;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use zip::write::SimpleFileOptions;

const HOSTING: &str = "123456789012";

fn hosting() -> HostingNumber {
    HostingNumber::parse(HOSTING).unwrap()
}

fn grid() -> TimeGrid {
    TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    }
}

/// A base with a small timetable.
fn base(dir: &Path) -> PathBuf {
    let path = dir.join("lycee.sqlite3");
    let mut base = Base::create(&path, "Lycée Hugo", &grid()).unwrap();
    base.add_timetable(&Timetable {
        teachers: vec![Teacher {
            id: 1,
            code: "DUR".into(),
            last_name: "Durand".into(),
            first_name: "Élodie".into(),
        }],
        groups: vec![StudentGroup {
            id: 1,
            name: "2nde A".into(),
        }],
        subjects: vec![Subject {
            id: 1,
            code: "MATH".into(),
            name: "Mathématiques".into(),
        }],
        courses: vec![Course {
            id: 1,
            subject_id: 1,
            teacher_id: Some(1),
            group_id: Some(1),
            room_id: None,
            steps: 1,
        }],
        placements: vec![Placement {
            course_id: 1,
            week: 1,
            day: 1,
            step: 1,
        }],
        ..Timetable::default()
    })
    .unwrap();
    path
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An archive written by hand: a manifest (changed by `edit`) then the given entries, as a careless or hostile tool
/// would write it.
struct Craft {
    manifest: Manifest,
    entries: Vec<(String, Vec<u8>)>,
    symlink: Option<String>,
}

impl Craft {
    fn new(base_bytes: Vec<u8>) -> Craft {
        let mut c = Craft {
            manifest: Manifest {
                format: "planhost.hhyp".into(),
                version: 1,
                hosting_number: HOSTING.into(),
                base_name: "Lycée Hugo".into(),
                created: "2026-11-23T10:00:00Z".into(),
                generator: "a test".into(),
                entries: vec![],
            },
            entries: vec![],
            symlink: None,
        };
        c.add("base.sqlite3", base_bytes);
        c
    }
    fn add(&mut self, path: &str, bytes: Vec<u8>) {
        self.manifest.entries.push(ManifestEntry {
            path: path.into(),
            size: bytes.len() as u64,
            sha256: sha(&bytes),
        });
        self.entries.push((path.into(), bytes));
    }
    fn write(&self, path: &Path) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("manifest.json", options).unwrap();
        zip.write_all(&serde_json::to_vec(&self.manifest).unwrap()).unwrap();
        for (name, bytes) in &self.entries {
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        if let Some(link) = &self.symlink {
            zip.add_symlink(link.as_str(), "/etc/passwd", options).unwrap();
        }
        zip.finish().unwrap();
    }
}

#[test]
fn a_written_hhyp_verifies_and_opens_with_unzip_and_python() {
    let dir = tempfile::tempdir().unwrap();
    let base = base(dir.path());
    let photo = dir.path().join("durand.jpg");
    std::fs::write(&photo, [0xFF, 0xD8, 0xFF, 0xE0].repeat(5000)).unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "Réunion parents-professeurs\n".repeat(1000)).unwrap();
    let annexes = [
        Annex {
            name: "photos/durand.jpg".into(),
            file: photo,
        },
        Annex {
            name: "documents/notes.txt".into(),
            file: notes,
        },
    ];
    let out = dir.path().join("Lycée Hugo.HHYP");
    let last = std::sync::Mutex::new((0, 0));
    let manifest = hhyp::write(
        &out,
        &hosting(),
        &base,
        &annexes,
        &|d, t| *last.lock().unwrap() = (d, t),
        &AtomicBool::new(false),
    )
    .unwrap();
    let (done, total) = *last.lock().unwrap();
    assert!(done == total && total > 0, "progress reaches the total: {done}/{total}");
    assert_eq!(manifest.entries.len(), 3);
    assert!(!dir.path().join("Lycée Hugo.HHYP.part").exists());

    let extracted = dir.path().join("extracted");
    let verified = hhyp::verify(&out, &hosting(), &Limits::default(), Some(&extracted)).unwrap();
    assert_eq!(verified.base.name, "Lycée Hugo");
    assert_eq!(
        std::fs::read(extracted.join("annexes/photos/durand.jpg"))
            .unwrap()
            .len(),
        20000
    );
    assert_eq!(
        Base::open_read_only(&extracted.join("base.sqlite3"))
            .unwrap()
            .counts()
            .unwrap()
            .placements,
        1
    );

    // The JPEG is stored, the text deflated: as Info-ZIP lists them.
    let listing = std::process::Command::new("unzip")
        .arg("-v")
        .arg(&out)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let method = |name: &str| {
        listing
            .lines()
            .find(|l| l.ends_with(name))
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_owned()
    };
    assert_eq!(method("annexes/photos/durand.jpg"), "Stored");
    assert_eq!(method("annexes/documents/notes.txt"), "Defl:N");
    let tested = std::process::Command::new("unzip")
        .arg("-t")
        .arg(&out)
        .output()
        .unwrap();
    assert!(tested.status.success(), "{}", String::from_utf8_lossy(&tested.stdout));
    let python = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.namelist()[0])",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(python.status.success(), "{}", String::from_utf8_lossy(&python.stderr));
    assert_eq!(String::from_utf8_lossy(&python.stdout).trim(), "manifest.json");
}

#[test]
fn a_cancelled_or_refused_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = base(dir.path());
    let out = dir.path().join("b.HHYP");
    let e = hhyp::write(&out, &hosting(), &base, &[], &|_, _| {}, &AtomicBool::new(true)).unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled);
    let evil = [Annex {
        name: "../evil".into(),
        file: base.clone(),
    }];
    assert!(hhyp::write(&out, &hosting(), &base, &evil, &|_, _| {}, &AtomicBool::new(false)).is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "only the base is left: {names:?}");
}

#[test]
fn each_crafted_file_is_refused_with_its_own_reason_and_nothing_is_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(base(dir.path())).unwrap();
    let newer = {
        let p = dir.path().join("newer.sqlite3");
        std::fs::write(&p, &good).unwrap();
        rusqlite::Connection::open(&p)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        std::fs::read(&p).unwrap()
    };
    let corrupt = {
        let mut b = good.clone();
        let n = b.len();
        b[n / 2..n / 2 + 2048].fill(0x5A);
        b
    };
    let bomb = vec![0u8; 16 << 20];
    let mut cases: Vec<(&str, Craft, &str)> = Vec::new();
    let c = |f: &dyn Fn(&mut Craft)| {
        let mut craft = Craft::new(good.clone());
        f(&mut craft);
        craft
    };
    cases.push((
        "another hosting number",
        c(&|k| k.manifest.hosting_number = "999999999999".into()),
        "999999999999",
    ));
    cases.push((
        "an extra entry",
        c(&|k| k.entries.push(("annexes/x.txt".into(), b"x".to_vec()))),
        "not in its manifest",
    ));
    cases.push((
        "a missing entry",
        c(&|k| {
            k.manifest.entries.push(ManifestEntry {
                path: "annexes/y.txt".into(),
                size: 1,
                sha256: sha(b"y"),
            })
        }),
        "not in the file",
    ));
    cases.push((
        "a wrong hash",
        c(&|k| k.manifest.entries[0].sha256 = sha(b"other")),
        "SHA-256",
    ));
    cases.push((
        "a wrong size",
        c(&|k| k.manifest.entries[0].size += 1),
        "bytes, not the",
    ));
    cases.push((
        "a .. path",
        c(&|k| k.add("annexes/../../etc/cron.d/x", b"x".to_vec())),
        "not an allowed path",
    ));
    cases.push((
        "an absolute path",
        c(&|k| k.add("/etc/passwd", b"x".to_vec())),
        "not an allowed path",
    ));
    cases.push((
        "a path outside annexes",
        c(&|k| k.add("autre.txt", b"x".to_vec())),
        "not an allowed path",
    ));
    cases.push((
        "a symlink",
        c(&|k| {
            k.symlink = Some("annexes/lien".into());
            k.manifest.entries.push(ManifestEntry {
                path: "annexes/lien".into(),
                size: 11,
                sha256: sha(b"/etc/passwd"),
            });
        }),
        "link",
    ));
    cases.push((
        "a zip bomb",
        c(&|k| k.add("annexes/zeros.bin", bomb.clone())),
        "zip bomb",
    ));
    cases.push(("a corrupt SQLite file", Craft::new(corrupt.clone()), "damaged"));
    cases.push(("a newer schema", Craft::new(newer.clone()), "newer Planhost"));
    cases.push(("a newer manifest", c(&|k| k.manifest.version = 2), "upgrade Planhost"));
    cases.push((
        "not a base at all",
        Craft::new(b"SQLite format 3\0 but not really".to_vec()),
        "not a Planhost base",
    ));
    cases.push((
        "no base",
        c(&|k| {
            k.entries.clear();
            k.manifest.entries.clear();
            k.add("annexes/a.txt", b"a".to_vec());
        }),
        "no base",
    ));
    let mut seen = std::collections::HashSet::new();
    for (what, craft, expected) in cases {
        let file = dir.path().join("crafted.HHYP");
        craft.write(&file);
        let target = dir.path().join("extracted");
        let e = hhyp::verify(&file, &hosting(), &Limits::default(), Some(&target)).unwrap_err();
        assert!(e.message.contains(expected), "{what}: {}", e.message);
        assert!(
            !e.message_fr.is_empty() && e.message_fr != e.message,
            "{what}: said in French too"
        );
        assert!(seen.insert(e.message.clone()), "{what}: its own message");
        assert!(!target.exists(), "{what}: nothing extracted");
    }
    // Not a ZIP at all, and an empty file.
    let text = dir.path().join("texte.HHYP");
    std::fs::write(&text, "bonjour").unwrap();
    assert!(hhyp::verify(&text, &hosting(), &Limits::default(), None)
        .unwrap_err()
        .message
        .contains("not a ZIP"));
}

/// A bounded fuzz of the verifier (PLANHOST_FUZZ_SECS, 15 s by default, in `./scripts/test`): a good file damaged at
/// random — bytes changed, cut short, bytes inserted or repeated — is never accepted unless its content is intact,
/// never crashes the verifier, always comes with a message a user can read, and leaves nothing extracted.
#[test]
fn the_verifier_survives_random_damage_for_a_bounded_time() {
    let secs: u64 = std::env::var("PLANHOST_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.HHYP");
    let photo = dir.path().join("durand.png");
    std::fs::write(&photo, b"\x89PNG not really a picture, but bytes".repeat(50)).unwrap();
    let annexes = [Annex {
        name: "photos/durand.png".into(),
        file: photo,
    }];
    hhyp::write(
        &good,
        &hosting(),
        &base(dir.path()),
        &annexes,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let original = std::fs::read(&good).unwrap();
    let reference = hhyp::verify(&good, &hosting(), &Limits::default(), None).unwrap();

    let mut seed = u64::from(std::process::id()) | 1;
    let mut random = move |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % u64::try_from(below.max(1)).unwrap()).unwrap()
    };
    let (began, mut tries, mut refused) = (std::time::Instant::now(), 0u32, 0u32);
    let damaged = dir.path().join("damaged.HHYP");
    while began.elapsed().as_secs() < secs {
        let mut bytes = original.clone();
        for _ in 0..=random(4) {
            let at = random(bytes.len());
            match random(4) {
                0 => bytes[at] ^= u8::try_from(1 + random(255)).unwrap(),
                1 => bytes.truncate(at.max(1)),
                2 => bytes.insert(at, u8::try_from(random(256)).unwrap()),
                _ => {
                    let end = (at + random(64)).min(bytes.len());
                    let piece = bytes[at..end].to_vec();
                    bytes.splice(at..at, piece);
                }
            }
        }
        std::fs::write(&damaged, &bytes).unwrap();
        let out = dir.path().join(format!("out{tries}"));
        tries += 1;
        match hhyp::verify(&damaged, &hosting(), &Limits::default(), Some(&out)) {
            Ok(v) => {
                // Accepted: only when what it holds is what was written (a change in a part no entry reads).
                assert_eq!(v.manifest, reference.manifest, "try {tries}");
                std::fs::remove_dir_all(&out).unwrap();
            }
            Err(e) => {
                refused += 1;
                assert!(!out.exists(), "try {tries}: {} left something extracted", e.message);
                assert!(
                    !e.message.is_empty() && !e.message_fr.is_empty(),
                    "try {tries}: no message"
                );
                assert_ne!(e.code, ErrorCode::Internal, "try {tries}: {}", e.message);
            }
        }
    }
    println!("{tries} damaged files in {secs} s, {refused} refused");
    assert!(tries > 50 && refused > tries / 2, "{tries} tries, {refused} refused");
}

/// The source base is checked while it is packed: a damaged one is refused with the verifier's own reason, and
/// nothing is left (no output, no part file, no spool).
#[test]
fn a_damaged_base_is_refused_by_the_writer_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = base(dir.path());
    let mut bytes = std::fs::read(&good).unwrap();
    let n = bytes.len();
    bytes[n / 2..n / 2 + 2048].fill(0x5A);
    let damaged = dir.path().join("damaged.sqlite3");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = dir.path().join("d.HHYP");
    let e = hhyp::write(&out, &hosting(), &damaged, &[], &|_, _| {}, &AtomicBool::new(false)).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
    assert!(e.message_fr.contains("endommagée"), "{}", e.message_fr);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["damaged.sqlite3", "lycee.sqlite3"]);
}
