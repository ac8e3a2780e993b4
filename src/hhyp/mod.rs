//! `.HHYP` v1 (DESIGN.md "File formats"): a standard ZIP archive any unzip tool reads — `manifest.json` first (format,
//! version, hosting number, base name, every other entry's path, size and SHA-256), then `base.sqlite3`, then
//! `annexes/…`. The console checks a file with the same verifier the controller uses; the writer checks its own
//! output with it before the file gets its final name.

mod verify;
mod write;

pub use verify::{verify, Limits, Verified};
pub use write::{write, Annex, Progress};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const FORMAT: &str = "planhost.hhyp";
pub const VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const BASE: &str = "base.sqlite3";
pub const ANNEXES: &str = "annexes/";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub hosting_number: String,
    pub base_name: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub generator: String,
    pub entries: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ManifestEntry {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// A file's size and SHA-256 (lower-case hex), `read` told the bytes read so far after each piece.
pub fn file_sha256(path: &std::path::Path, mut read: impl FnMut(u64)) -> crate::Result<(u64, String)> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut sha = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        size += n as u64;
        read(size);
    }
    Ok((size, crate::pki::hex(&sha.finalize(), false, None)))
}

/// Already compressed: stored as they are (compressing them again costs time and wins nothing).
pub fn already_compressed(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        ".jpg", ".jpeg", ".png", ".pdf", ".zip", ".gif", ".webp", ".mp4", ".docx", ".xlsx", ".odt", ".gz",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// A path inside the archive as the verifier accepts it: relative, `/`-separated, no `.`/`..`/empty parts, no
/// drive letter or backslash, printable.
pub fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 512
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(':')
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// A name Windows can hold as a file name (the console runs there too): not a reserved device name (`CON`, `aux.txt`,
/// `COM1`…), not ending in a dot or a space, none of `<>"|?*`.
pub fn portable_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    !reserved && !name.ends_with('.') && !name.ends_with(' ') && !name.contains(['<', '>', '"', '|', '?', '*'])
}

#[cfg(test)]
mod name_tests {
    #[test]
    fn names_windows_cannot_hold_are_found() {
        for bad in [
            "CON", "con.txt", "Aux", "nul.jpg", "COM1", "lpt9.pdf", "x.", "x ", "a?b", "a*b",
        ] {
            assert!(!super::portable_name(bad), "{bad}");
        }
        for good in ["console.txt", "COM.txt", "COM10", "photo.jpg", "Lycée Hugo 2026"] {
            assert!(super::portable_name(good), "{good}");
        }
    }
}
