//! `.HHYP` files for tests and benchmarks, written by the core's own writer: a new base and one incompressible photo
//! (stored as it is), generated in pieces so that a 1 GiB file needs no 1 GiB of memory.
#![allow(dead_code)]

use planhost::api::TimeGrid;
use planhost::base::Base;
use planhost::hhyp;
use planhost::ids::HostingNumber;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// `dir/NAME.HHYP` for `hosting`, holding a new base `name` and `photo_bytes` pseudo-random bytes of photo.
pub fn hhyp_file(dir: &Path, hosting: &str, name: &str, photo_bytes: usize) -> PathBuf {
    let work = tempfile::tempdir_in(dir).unwrap();
    let base = work.path().join("base.sqlite3");
    let grid = TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    };
    drop(Base::create(&base, name, &grid).unwrap());
    let photo = work.path().join("durand.jpg");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&photo).unwrap());
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut piece = vec![0u8; 1 << 20];
    let mut left = photo_bytes;
    while left > 0 {
        for word in piece.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(piece.len());
        out.write_all(&piece[..n]).unwrap();
        left -= n;
    }
    out.flush().unwrap();
    drop(out);
    let file = dir.join(format!("{name}.HHYP"));
    let annexes = [hhyp::Annex {
        name: "photos/durand.jpg".into(),
        file: photo,
    }];
    let hosting = HostingNumber::parse(hosting).unwrap();
    hhyp::write(&file, &hosting, &base, &annexes, &|_, _| {}, &AtomicBool::new(false)).unwrap();
    file
}
