//! Writes a `.HHYP`: every entry hashed and compressed in one read, on every core; the manifest then the entries
//! written to a hidden temporary file beside the target, synced, checked with the verifier, and only then renamed to
//! its final name. Cancelled or failed, the temporary file and the spool are removed: no half-written file ever
//! carries the final name.

use super::verify::{verify_packed, CheckedBase};
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
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// A file to add under `annexes/` (`name` may hold sub-folders: `photos/durand.jpg`).
#[derive(Debug, Clone)]
pub struct Annex {
    pub name: String,
    pub file: PathBuf,
}

/// Bytes done so far out of the total: every source is read once (hashed and compressed together), then its packed
/// form is copied into the archive.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

const CHUNK: usize = 256 * 1024;

/// One source read once: hashed and written into a worker's spool archive (compressed unless already compressed).
fn spool_entry(
    spool: &mut zip::ZipWriter<BufWriter<File>>,
    (path, file, expected): (&str, &Path, u64),
    done: &AtomicU64,
    report: &dyn Fn(u64),
    cancel: &AtomicBool,
) -> Result<(u64, String)> {
    // ZIP64 fields only where needed: 2,500 small entries would otherwise carry 100 kB of them. A file that grows
    // past 4 GiB while it is packed is refused (its size changed).
    let options = SimpleFileOptions::default().large_file(expected >= u64::from(u32::MAX));
    let options = if already_compressed(path) {
        options.compression_method(CompressionMethod::Stored)
    } else {
        // zlib-rs's level 6 is zlib-ng's faster "medium" strategy: 4 % larger than Info-ZIP's -6 on a base;
        // level 7 matches it for 10 % more time (measured on the pack bench); level 8 took 4× as long.
        options
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(7))
    };
    spool.start_file(path, options).map_err(zip_error)?;
    let mut f = File::open(file)?;
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
        spool.write_all(&buf[..n])?;
        size += n as u64;
        report(done.fetch_add(n as u64, Ordering::Relaxed) + n as u64);
    }
    Ok((size, crate::pki::hex(&hasher.finalize(), false, None)))
}

/// Packs `base` (a base file) and `annexes` for `hosting` into `out`; returns the manifest written.
///
/// Every core takes sources, largest first, and reads each once: hashed and compressed together into its own spool
/// archive (in a folder beside `out`, removed after). The manifest (which needs every hash) is then written first,
/// and each spooled entry copied after it as it is, without compressing it again. Memory stays a few buffers per
/// core whatever the sizes.
pub fn write(
    out: &Path,
    hosting: &HostingNumber,
    base: &Path,
    annexes: &[Annex],
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<Manifest> {
    // Its name for the manifest; the whole check (integrity, schema, grid) runs once, on the packed copy, by the
    // verifier at the end.
    let meta = Base::open_read_only(base)?.meta()?;
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
    let sizes = sources
        .iter()
        .map(|(_, f)| std::fs::metadata(f).map(|m| m.len()))
        .collect::<std::io::Result<Vec<u64>>>()?;
    let total = sizes.iter().sum::<u64>() * 2;
    // Temporary names of their own (two packs to the same name never touch each other's files), hidden, beside the
    // output so that the last step is a rename on the same disk; both removed whatever happens.
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    let stem = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let part = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".part")
        .tempfile_in(&dir)?;
    let spool = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".spool")
        .tempdir_in(&dir)?;
    let spool_dir = spool.path().to_owned();
    let written = (|| -> Result<Manifest> {
        // The source base's SQLite checks run on their own thread while the workers pack.
        let (spooled, checked) = std::thread::scope(|scope| {
            let checking = scope.spawn(|| check_source(base, cancel));
            let spooled = spool_all(&spool_dir, &sources, &sizes, total, progress, cancel);
            let checked = checking
                .join()
                .unwrap_or_else(|_| Err(Error::internal("the base check panicked")));
            (spooled, checked)
        });
        let (spooled, checked) = (spooled?, checked?);
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            hosting_number: hosting.as_str().to_owned(),
            base_name: meta.name.clone(),
            created: crate::time_fmt::rfc3339(crate::time_fmt::now_unix()),
            generator: format!("Planhost {}", env!("CARGO_PKG_VERSION")),
            entries: sources
                .iter()
                .zip(&spooled.entries)
                .map(|((path, _), (size, sha256))| ManifestEntry {
                    path: path.clone(),
                    size: *size,
                    sha256: sha256.clone(),
                })
                .collect(),
        };
        for ((path, file), (size, entry)) in sources.iter().zip(sizes.iter().zip(&manifest.entries)) {
            if entry.size != *size {
                return Err(Error::invalid(
                    format!("{} changed while it was being packed: pack it again.", file.display()),
                    format!("{} a changé pendant l'empaquetage : recommencez.", file.display()),
                ));
            }
            debug_assert_eq!(&entry.path, path);
        }
        let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(CHUNK, part.reopen()?));
        let deflated = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6));
        zip.start_file(MANIFEST, deflated).map_err(zip_error)?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest).map_err(Error::internal)?)?;
        let mut archives = spooled
            .spools
            .iter()
            .map(|p| {
                let f = File::open(p)?;
                zip::ZipArchive::new(std::io::BufReader::with_capacity(CHUNK, f)).map_err(zip_error)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut done = total / 2;
        for (i, (spool, index)) in spooled.places.iter().enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::cancelled());
            }
            let entry = archives[*spool].by_index_raw(*index).map_err(zip_error)?;
            zip.raw_copy_file(entry).map_err(zip_error)?;
            done += sizes[i];
            progress(done, total);
        }
        let file = zip
            .finish()
            .map_err(zip_error)?
            .into_inner()
            .map_err(|e| Error::storage(e.into_error()))?;
        file.sync_all()?;
        drop(archives);
        match &checked {
            Some(c) => verify_packed(part.path(), hosting, c)?,
            None => verify(part.path(), hosting, &Limits::default(), None)?,
        };
        Ok(manifest)
    })();
    drop(spool);
    let manifest = written?;
    // Readable as any document the user saves (the temporary file was made owner-only).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(part.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    part.persist(out).map_err(|e| Error::storage(e.error))?;
    let _ = File::open(&dir).and_then(|d| d.sync_all());
    Ok(manifest)
}

/// The source base checked as the verifier checks a base, with the SHA-256 of what was checked: hashed before and
/// after, so a file changed meanwhile is not taken for the one checked (the packed copy is then checked in full).
fn check_source(base: &Path, cancel: &AtomicBool) -> Result<Option<CheckedBase>> {
    let sha256 = |path: &Path| super::file_sha256(path, |_| {}).map(|(_, sha)| sha);
    let before = sha256(base)?;
    let meta = Base::verify_unless(base, cancel)?;
    let after = sha256(base)?;
    Ok((before == after).then_some(CheckedBase { sha256: before, meta }))
}

/// What the workers produced: each source's (size, SHA-256) in the sources' order, where its packed form is (which
/// spool, which entry), and the spool files.
struct Spooled {
    entries: Vec<(u64, String)>,
    places: Vec<(usize, usize)>,
    spools: Vec<PathBuf>,
}

fn spool_all(
    dir: &Path,
    sources: &[(String, &Path)],
    sizes: &[u64],
    total: u64,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<Spooled> {
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .min(sources.len())
        .max(1);
    // Largest first: the last to start are the small ones, so no core is left alone with a big one at the end.
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    // Progress from any worker, at most every few MiB.
    let reported = AtomicU64::new(0);
    let report = |now: u64| {
        let last = reported.load(Ordering::Relaxed);
        // One worker reports at a time, and never less than what was reported before.
        let due = now >= last + (4 << 20) || now == total / 2;
        if due
            && reported
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            progress(now, total);
        }
    };
    type Done = Vec<(usize, usize, (u64, String))>;
    let results: Vec<Result<Done>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|k| {
                let (next, done, order, report) = (&next, &done, &order, &report);
                scope.spawn(move || -> Result<Done> {
                    let spool = File::create(dir.join(format!("{k}.zip")))?;
                    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(CHUNK, spool));
                    let mut mine = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = order.get(n) else { break };
                        let (path, file) = &sources[i];
                        let entry = spool_entry(&mut zip, (path, file, sizes[i]), done, report, cancel);
                        if entry.is_err() {
                            // The others stop once their current file is done.
                            next.store(order.len(), Ordering::Relaxed);
                        }
                        mine.push((i, mine.len(), entry?));
                    }
                    zip.finish().map_err(zip_error)?.flush()?;
                    Ok(mine)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::internal("a packing thread panicked")))
            })
            .collect()
    });
    let mut entries = vec![(0, String::new()); sources.len()];
    let mut places = vec![(0, 0); sources.len()];
    for (k, result) in results.into_iter().enumerate() {
        for (i, index, entry) in result? {
            entries[i] = entry;
            places[i] = (k, index);
        }
    }
    Ok(Spooled {
        entries,
        places,
        spools: (0..workers).map(|k| dir.join(format!("{k}.zip"))).collect(),
    })
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
