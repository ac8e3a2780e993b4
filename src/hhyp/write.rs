//! Writes a `.HHYP`: hashes every entry, writes the manifest then the entries to `<name>.part` beside the target,
//! syncs it, checks it with the verifier, and only then renames it to its final name. Cancelled or failed, the part
//! file is removed: no half-written file ever carries the final name.

use super::{
    already_compressed, safe_path, verify, Limits, Manifest, ManifestEntry, ANNEXES, BASE, FORMAT, MANIFEST, VERSION,
};
use crate::base::Base;
use crate::error::{Error, Result};
use crate::ids::HostingNumber;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// A file to add under `annexes/` (`name` may hold sub-folders: `photos/durand.jpg`).
#[derive(Debug, Clone)]
pub struct Annex {
    pub name: String,
    pub file: PathBuf,
}

/// Bytes read so far out of the total (every source is read twice: to hash it, then to pack it).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

const CHUNK: usize = 256 * 1024;

fn hash_file(
    path: &Path,
    done: &mut u64,
    total: u64,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::cancelled());
        }
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
        *done += n as u64;
        progress(*done, total);
    }
    Ok((size, crate::pki::hex(&hasher.finalize(), false, None)))
}

/// Packs `base` (a base file) and `annexes` for `hosting` into `out`; returns the manifest written.
pub fn write(
    out: &Path,
    hosting: &HostingNumber,
    base: &Path,
    annexes: &[Annex],
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<Manifest> {
    let meta = Base::verify(base)?;
    let mut sources: Vec<(String, &Path)> = vec![(BASE.to_owned(), base)];
    for a in annexes {
        let path = format!("{ANNEXES}{}", a.name);
        if !safe_path(&path) || sources.iter().any(|(p, _)| *p == path) {
            return Err(Error::invalid(
                format!("“{}” cannot name an annex (a relative path, each name once).", a.name),
                format!(
                    "« {} » ne peut pas nommer une annexe (un chemin relatif, chaque nom une fois).",
                    a.name
                ),
            ));
        }
        sources.push((path, &a.file));
    }
    let total = sources
        .iter()
        .map(|(_, f)| std::fs::metadata(f).map(|m| m.len()))
        .sum::<std::io::Result<u64>>()?
        * 2;
    let mut done = 0;
    let mut entries = Vec::with_capacity(sources.len());
    for (path, file) in &sources {
        let (size, sha256) = hash_file(file, &mut done, total, progress, cancel)?;
        entries.push(ManifestEntry {
            path: path.clone(),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        hosting_number: hosting.as_str().to_owned(),
        base_name: meta.name,
        created: crate::time_fmt::rfc3339(crate::time_fmt::now_unix()),
        generator: format!("Planhost {}", env!("CARGO_PKG_VERSION")),
        entries,
    };
    let part = out.with_extension("HHYP.part");
    let written = (|| -> Result<()> {
        let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(CHUNK, File::create(&part)?));
        let deflated = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6))
            .large_file(true);
        let stored = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(true);
        zip.start_file(MANIFEST, deflated).map_err(zip_error)?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest).map_err(Error::internal)?)?;
        let mut buf = vec![0u8; CHUNK];
        for ((path, file), entry) in sources.iter().zip(&manifest.entries) {
            let options = if already_compressed(path) { stored } else { deflated };
            zip.start_file(path.as_str(), options).map_err(zip_error)?;
            let mut f = File::open(file)?;
            let mut copied = 0u64;
            loop {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Error::cancelled());
                }
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                zip.write_all(&buf[..n])?;
                copied += n as u64;
                done += n as u64;
                progress(done, total);
            }
            if copied != entry.size {
                return Err(Error::invalid(
                    format!("{} changed while it was being packed: pack it again.", file.display()),
                    format!("{} a changé pendant l'empaquetage : recommencez.", file.display()),
                ));
            }
        }
        let file = zip
            .finish()
            .map_err(zip_error)?
            .into_inner()
            .map_err(|e| Error::storage(e.into_error()))?;
        file.sync_all()?;
        verify(&part, hosting, &Limits::default(), None)?;
        Ok(())
    })();
    match written {
        Ok(()) => {
            std::fs::rename(&part, out)?;
            if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = File::open(dir).and_then(|d| d.sync_all());
            }
            Ok(manifest)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}

pub(super) fn zip_error(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(io) => Error::storage(io),
        other => Error::invalid(
            format!("This file is not a readable ZIP archive ({other})."),
            format!("Ce fichier n'est pas une archive ZIP lisible ({other})."),
        ),
    }
}
