//! `.HHYP` files for tests, written by the core's own writer.

use planhost::api::TimeGrid;
use planhost::base::Base;
use planhost::hhyp;
use planhost::ids::HostingNumber;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

fn grid() -> TimeGrid {
    TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    }
}

/// A `.HHYP` for `hosting` holding a new base `name` and an annex of `annex_bytes` pseudo-random bytes.
pub fn hhyp_file(dir: &Path, hosting: &str, name: &str, annex_bytes: usize) -> PathBuf {
    let work = dir.join(format!("src-{name}"));
    std::fs::create_dir_all(&work).unwrap();
    let base = work.join("base.sqlite3");
    drop(Base::create(&base, name, &grid()).unwrap());
    let photo = work.join("durand.jpg");
    let mut x = 0x9e37_79b9_u32 ^ u32::try_from(annex_bytes & 0xffff).unwrap();
    let bytes: Vec<u8> = (0..annex_bytes)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect();
    std::fs::write(&photo, bytes).unwrap();
    let out = dir.join(format!("{name}.HHYP"));
    let annexes = [hhyp::Annex {
        name: "photos/durand.jpg".into(),
        file: photo,
    }];
    let hosting = HostingNumber::parse(hosting).unwrap();
    hhyp::write(&out, &hosting, &base, &annexes, &|_, _| {}, &AtomicBool::new(false)).unwrap();
    out
}
