//! The `.HHYP` verifier, shared by the console (before sending), the controller (before a base goes in service)
//! and the writer (before a file gets its final name). Each refusal says what is wrong in words a user can act on.

use super::write::zip_error;
use super::{safe_path, Manifest, ANNEXES, BASE, FORMAT, MANIFEST, VERSION};
use crate::base::{Base, BaseMeta};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::HostingNumber;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

/// What a `.HHYP` may hold at most.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total uncompressed bytes of every entry.
    pub total_bytes: u64,
    pub entries: usize,
    /// Uncompressed ÷ compressed, for entries past 1 MiB (a zip bomb is many gigabytes from a few kilobytes).
    pub ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            total_bytes: 8 << 30,
            entries: 100_000,
            ratio: 200,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Manifest,
    pub base: BaseMeta,
}

const MANIFEST_MAX: u64 = 16 << 20;

fn refused(en: impl Into<String>, fr: impl Into<String>) -> Error {
    Error::invalid(en, fr)
}

/// Checks `path` for `hosting` against `limits`: manifest, entries, sizes, hashes, the base itself. With
/// `extract_to` (a folder that must not exist), the entries are written there as they are checked.
pub fn verify(path: &Path, hosting: &HostingNumber, limits: &Limits, extract_to: Option<&Path>) -> Result<Verified> {
    if let Some(dir) = extract_to.filter(|d| d.exists()) {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "{} already exists: a .HHYP is unpacked into a new folder.",
                dir.display()
            ),
            format!(
                "{} existe déjà : un .HHYP se décompresse dans un nouveau dossier.",
                dir.display()
            ),
        ));
    }
    let verified = verify_and_extract(path, hosting, limits, extract_to, None);
    if let (Err(_), Some(dir)) = (&verified, extract_to) {
        // Refused: nothing of it is left behind (the folder did not exist before this call).
        let _ = std::fs::remove_dir_all(dir);
    }
    verified
}

/// A base whose SQLite checks (`Base::verify`) already passed, known by the SHA-256 of the very bytes checked.
pub(super) struct CheckedBase {
    pub sha256: String,
    pub meta: BaseMeta,
}

/// `verify`, for the writer's own output: when the packed base has the SHA-256 of a base already checked (the
/// source, checked while it was being packed), its SQLite checks are not run a second time on the same bytes.
pub(super) fn verify_packed(path: &Path, hosting: &HostingNumber, checked: &CheckedBase) -> Result<Verified> {
    verify_and_extract(path, hosting, &Limits::default(), None, Some(checked))
}

fn verify_and_extract(
    path: &Path,
    hosting: &HostingNumber,
    limits: &Limits,
    extract_to: Option<&Path>,
    checked: Option<&CheckedBase>,
) -> Result<Verified> {
    let file = File::open(path)?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|_| {
        refused(
            "This file is not a .HHYP file (not a ZIP archive).",
            "Ce fichier n'est pas un fichier .HHYP (ce n'est pas une archive ZIP).",
        )
    })?;
    if zip.len() > limits.entries + 1 {
        return Err(refused(
            format!(
                "The file holds {} entries, more than the {} allowed.",
                zip.len(),
                limits.entries
            ),
            format!(
                "Le fichier contient {} entrées, plus que les {} permises.",
                zip.len(),
                limits.entries
            ),
        ));
    }
    let manifest = read_manifest(&mut zip)?;
    if manifest.hosting_number != hosting.as_str() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "This file was prepared for hosting number {}, not this one ({}): generate it again with your hosting number.",
                manifest.hosting_number, hosting
            ),
            format!(
                "Ce fichier a été préparé pour le numéro d'hébergement {}, pas pour celui-ci ({}) : générez-le de nouveau avec votre numéro d'hébergement.",
                manifest.hosting_number, hosting
            ),
        ));
    }
    let mut declared: HashMap<&str, (u64, &str)> = HashMap::new();
    let mut total = 0u64;
    for e in &manifest.entries {
        let allowed = e.path == BASE || (e.path.starts_with(ANNEXES) && e.path.len() > ANNEXES.len());
        if !safe_path(&e.path) || !allowed {
            return Err(bad_path(&e.path));
        }
        if declared.insert(&e.path, (e.size, &e.sha256)).is_some() {
            return Err(refused(
                format!("The manifest lists {} twice.", e.path),
                format!("Le manifeste cite {} deux fois.", e.path),
            ));
        }
        total = total.saturating_add(e.size);
    }
    if !declared.contains_key(BASE) {
        return Err(refused(
            "The file holds no base (base.sqlite3).",
            "Le fichier ne contient pas de base (base.sqlite3).",
        ));
    }
    if total > limits.total_bytes {
        return Err(refused(
            format!(
                "The file unpacks to {total} bytes, more than the {} allowed.",
                limits.total_bytes
            ),
            format!(
                "Le fichier se décompresse en {total} octets, plus que les {} permis.",
                limits.total_bytes
            ),
        ));
    }
    if let Some(dir) = extract_to {
        std::fs::create_dir(dir)?;
    }
    let mut seen = 0usize;
    for i in 1..zip.len() {
        let mut entry = zip.by_index(i).map_err(zip_error)?;
        let name = entry.name().to_owned();
        if !safe_path(&name) {
            return Err(bad_path(&name));
        }
        if entry.is_symlink() || entry.is_dir() {
            return Err(refused(
                format!("{name} is a link or a folder: a .HHYP holds plain files only."),
                format!("{name} est un lien ou un dossier : un .HHYP ne contient que des fichiers."),
            ));
        }
        let Some(&(size, sha256)) = declared.get(name.as_str()) else {
            return Err(refused(
                format!("{name} is in the file but not in its manifest."),
                format!("{name} est dans le fichier mais pas dans son manifeste."),
            ));
        };
        seen += 1;
        if entry.size() != size {
            return Err(wrong_size(&name, size, entry.size()));
        }
        if size > 1 << 20 && size / entry.compressed_size().max(1) > limits.ratio {
            return Err(refused(
                format!("{name} unpacks {}× larger than it is packed, more than the {}× allowed (a “zip bomb”).", size / entry.compressed_size().max(1), limits.ratio),
                format!("{name} se décompresse {} fois plus gros qu'il n'est compressé, plus que les {} fois permises (une « bombe zip »).", size / entry.compressed_size().max(1), limits.ratio),
            ));
        }
        let mut out = match extract_to {
            Some(dir) => {
                let target = dir.join(&name);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                Some(File::create_new(target)?)
            }
            None => None,
        };
        // Never more than the declared size, whatever the headers say.
        let mut limited = (&mut entry).take(size + 1);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut read = 0u64;
        loop {
            let n = limited.read(&mut buf).map_err(|e| {
                refused(
                    format!("{name} cannot be unpacked ({e})."),
                    format!("{name} ne peut pas être décompressé ({e})."),
                )
            })?;
            if n == 0 {
                break;
            }
            read += n as u64;
            hasher.update(&buf[..n]);
            if let Some(out) = out.as_mut() {
                out.write_all(&buf[..n])?;
            }
        }
        if read != size {
            return Err(wrong_size(&name, size, read));
        }
        if crate::pki::hex(&hasher.finalize(), false, None) != sha256.to_ascii_lowercase() {
            return Err(refused(
                format!("{name} does not match its SHA-256 in the manifest: the file is damaged or was changed."),
                format!("{name} ne correspond pas à son empreinte SHA-256 du manifeste : le fichier est endommagé ou a été modifié."),
            ));
        }
        if let Some(out) = out {
            out.sync_all()?;
        }
    }
    if seen != declared.len() {
        let present: Vec<String> = zip.file_names().map(str::to_owned).collect();
        let missing = declared
            .keys()
            .find(|p| !present.iter().any(|n| n == *p))
            .copied()
            .unwrap_or(BASE);
        return Err(refused(
            format!("{missing} is in the manifest but not in the file."),
            format!("{missing} est dans le manifeste mais pas dans le fichier."),
        ));
    }
    // The base is checked as SQLite: from the extracted copy, or from a temporary one.
    let same_bytes = checked.filter(|c| c.sha256.eq_ignore_ascii_case(declared[BASE].1));
    let base = match (extract_to, same_bytes) {
        // Every entry's bytes matched the manifest's SHA-256 above: these are the bytes checked.
        (_, Some(c)) => c.meta.clone(),
        (Some(dir), None) => Base::verify(&dir.join(BASE))?,
        (None, None) => {
            let tmp = tempfile::NamedTempFile::new()?;
            let mut entry = zip.by_name(BASE).map_err(zip_error)?;
            std::io::copy(&mut (&mut entry).take(declared[BASE].0), &mut tmp.as_file())?;
            Base::verify(tmp.path())?
        }
    };
    if base.name != manifest.base_name {
        return Err(refused(
            format!(
                "The manifest names the base “{}” but the base is “{}”.",
                manifest.base_name, base.name
            ),
            format!(
                "Le manifeste nomme la base « {} » mais la base s'appelle « {} ».",
                manifest.base_name, base.name
            ),
        ));
    }
    Ok(Verified { manifest, base })
}

fn read_manifest<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Result<Manifest> {
    let not_first = || {
        refused(
            "This file is not a .HHYP file: its first entry is not manifest.json.",
            "Ce fichier n'est pas un fichier .HHYP : sa première entrée n'est pas manifest.json.",
        )
    };
    if zip.is_empty() {
        return Err(not_first());
    }
    let entry = zip.by_index(0).map_err(zip_error)?;
    if entry.name() != MANIFEST {
        return Err(not_first());
    }
    let mut text = Vec::new();
    entry.take(MANIFEST_MAX).read_to_end(&mut text).map_err(|e| {
        refused(
            format!("manifest.json cannot be unpacked ({e})."),
            format!("manifest.json ne peut pas être décompressé ({e})."),
        )
    })?;
    // Format and version first, so a newer file gets "upgrade" rather than a field it does not know.
    #[derive(serde::Deserialize)]
    struct Head {
        format: Option<String>,
        version: Option<u32>,
    }
    let head: Head = serde_json::from_slice(&text).map_err(|e| {
        refused(
            format!("manifest.json is not valid JSON ({e})."),
            format!("manifest.json n'est pas du JSON valide ({e})."),
        )
    })?;
    if head.format.as_deref() != Some(FORMAT) {
        return Err(refused(
            "This file is not a .HHYP file (its manifest is not planhost.hhyp).",
            "Ce fichier n'est pas un fichier .HHYP (son manifeste n'est pas planhost.hhyp).",
        ));
    }
    match head.version {
        Some(VERSION) => {}
        Some(v) if v > VERSION => {
            return Err(Error::new(
                ErrorCode::UnsupportedVersion,
                format!("This .HHYP file is version {v}, written by a newer program: upgrade Planhost to load it."),
                format!("Ce fichier .HHYP est en version {v}, écrit par un programme plus récent : mettez Planhost à jour pour le charger."),
            ))
        }
        _ => return Err(refused("The manifest's version is missing or unknown.", "La version du manifeste est absente ou inconnue.")),
    }
    serde_json::from_slice(&text).map_err(|e| {
        refused(
            format!("manifest.json is not a .HHYP v1 manifest ({e})."),
            format!("manifest.json n'est pas un manifeste .HHYP v1 ({e})."),
        )
    })
}

fn bad_path(name: &str) -> Error {
    refused(
        format!("“{name}” is not an allowed path: a .HHYP holds base.sqlite3 and annexes/… only, with no absolute path and no “..”."),
        format!("« {name} » n'est pas un chemin permis : un .HHYP ne contient que base.sqlite3 et annexes/…, sans chemin absolu ni « .. »."),
    )
}

fn wrong_size(name: &str, expected: u64, found: u64) -> Error {
    refused(
        format!("{name} is {found} bytes, not the {expected} its manifest says: the file is damaged or was changed."),
        format!("{name} fait {found} octets, pas les {expected} annoncés par son manifeste : le fichier est endommagé ou a été modifié."),
    )
}
