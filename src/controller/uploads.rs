//! "Charger une base": a `.HHYP` received in chunks, resumable, then checked and put in service.
//!
//! The bytes go to `uploads/<id>.part`; its length is the offset to resume from (after a dropped connection, an app
//! restart or a controller killed mid-chunk: a chunk cut short keeps what arrived). Finishing runs the `.HHYP`
//! verifier (every entry's size and SHA-256 against the manifest) unpacking into a new base folder, syncs it, and
//! only then puts it in service in the one transaction that also forgets the upload: until that commit the previous
//! base stays in service. The whole file's SHA-256 the console announces names the upload, so that the same file
//! resumes; it is not hashed again here (the entries are, and that is what decides).

use super::bases::{sync_dir, NewBase, BASES_DIR, BASE_FILE};
use super::profiles::planning_not_found;
use super::store::plannings;
use super::store::uploads::{self, UploadRow};
use super::{Controller, Session};
use crate::api::{BaseOrigin, PlanningBases, UploadStart, UploadState};
use crate::error::{Error, ErrorCode, Result};
use crate::hhyp;
use crate::time_fmt::now_unix;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const UPLOADS_DIR: &str = "uploads";
/// Bytes handed to the kernel per write. Linux gives a 1 MiB write a 1 MiB page-cache folio, taken from free
/// blocks that a VM with free page reporting has returned to its host: each one faults in again. Measured with `dd`
/// on this machine after the reporting went quiet: 1 MiB writes 460–720 MB/s, 256 KiB writes 5.3 GB/s.
const WRITE_AT_ONCE: usize = 256 * 1024;

/// The most one chunk request may carry; the console sends less on a slow link.
pub const CHUNK_MAX: usize = 64 << 20;
/// An unfinished upload is forgotten after this long.
const KEEP_UNFINISHED_SECS: i64 = 7 * 24 * 3600;

/// One lock per upload being received or checked, so that two connections never write the same file at once.
#[derive(Default)]
pub struct Receiving {
    open: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl Receiving {
    fn of(&self, id: &str) -> Result<Arc<Mutex<()>>> {
        let mut open = self.open.lock().map_err(Error::internal)?;
        Ok(open.entry(id.to_owned()).or_default().clone())
    }
    fn forget(&self, id: &str) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(id);
        }
    }
}

fn gone(id: &str) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("The controller no longer keeps upload {id} (another file was sent, or it was cancelled): send the file again."),
        format!("Le contrôleur ne garde plus l'envoi {id} (un autre fichier a été envoyé, ou il a été annulé) : envoyez de nouveau le fichier."),
    )
}

fn busy() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "This file is already being received or checked from another connection.",
        "Ce fichier est déjà en cours de réception ou de vérification par une autre connexion.",
    )
}

fn check_start(start: &UploadStart, limits: &hhyp::Limits) -> Result<()> {
    let name = start.file_name.trim();
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "The file name must have 1 to 255 printable characters.",
            "Le nom du fichier doit avoir de 1 à 255 caractères imprimables.",
        ));
    }
    if start.size == 0 || start.size > limits.total_bytes {
        return Err(Error::invalid(
            format!(
                "A .HHYP file has 1 to {} bytes; this one announces {}.",
                limits.total_bytes, start.size
            ),
            format!(
                "Un fichier .HHYP a de 1 à {} octets ; celui-ci en annonce {}.",
                limits.total_bytes, start.size
            ),
        ));
    }
    if start.sha256.len() != 64
        || !start
            .sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(Error::invalid(
            "The file's SHA-256 must be 64 lower-case hexadecimal characters.",
            "L'empreinte SHA-256 du fichier doit compter 64 caractères hexadécimaux minuscules.",
        ));
    }
    Ok(())
}

/// Syncs every file and folder under `dir` (the verifier synced the files it wrote; the folders' names need it too).
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        }
    }
    sync_dir(dir)
}

impl Controller {
    fn uploads_dir(&self) -> PathBuf {
        self.dir.join(UPLOADS_DIR)
    }

    fn part(&self, id: &str) -> PathBuf {
        self.uploads_dir().join(format!("{id}.part"))
    }

    fn state(&self, row: &UploadRow) -> Result<UploadState> {
        let offset = std::fs::metadata(self.part(&row.id)).map_or(0, |m| m.len());
        Ok(UploadState {
            upload_id: row.id.clone(),
            planning_id: row.planning_id,
            file_name: row.file_name.clone(),
            size: row.size,
            offset: offset.min(row.size),
        })
    }

    fn upload_row(&self, s: &Session, planning_id: i64, id: &str) -> Result<UploadRow> {
        self.store.read(|c| {
            plannings::get(c, &s.hosting_number, planning_id)?.ok_or_else(|| planning_not_found(planning_id))?;
            uploads::get(c, planning_id, id)?.ok_or_else(|| gone(id))
        })
    }

    /// Announces a file: the same file (size and SHA-256) announced again resumes where it stopped; another one
    /// replaces the planning's unfinished upload.
    pub fn start_upload(&self, s: &Session, planning_id: i64, start: &UploadStart) -> Result<UploadState> {
        check_start(start, &hhyp::Limits::default())?;
        std::fs::create_dir_all(self.uploads_dir())?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (row, replaced) = self.store.write(|c| {
            plannings::get(c, &s.hosting_number, planning_id)?.ok_or_else(|| planning_not_found(planning_id))?;
            let mut replaced = Vec::new();
            for u in uploads::of_planning(c, planning_id)? {
                if u.size == start.size && u.sha256 == start.sha256 {
                    return Ok((u, replaced));
                }
                uploads::delete(c, &u.id)?;
                replaced.push(u.id);
            }
            let row = UploadRow {
                id: id.clone(),
                planning_id,
                file_name: start.file_name.trim().to_owned(),
                size: start.size,
                sha256: start.sha256.clone(),
                created_at: now_unix(),
            };
            uploads::insert(c, &row)?;
            Ok((row, replaced))
        })?;
        for old in replaced {
            self.receiving.forget(&old);
            let _ = std::fs::remove_file(self.part(&old));
        }
        if row.id == id {
            std::fs::File::create(self.part(&id))?;
        }
        self.state(&row)
    }

    pub fn upload_state(&self, s: &Session, planning_id: i64, id: &str) -> Result<UploadState> {
        self.state(&self.upload_row(s, planning_id, id)?)
    }

    /// Appends one chunk, which must start at the offset the controller has. Bytes are kept as they arrive: a chunk
    /// cut short leaves what came, and the console resumes from there.
    pub fn upload_chunk<D: AsRef<[u8]>, E: std::fmt::Display>(
        &self,
        s: &Session,
        planning_id: i64,
        id: &str,
        offset: u64,
        frames: impl Iterator<Item = std::result::Result<D, E>>,
    ) -> Result<UploadState> {
        let row = self.upload_row(s, planning_id, id)?;
        let lock = self.receiving.of(id)?;
        let _receiving = lock.try_lock().map_err(|_| busy())?;
        let path = self.part(id);
        // No file yet: the controller stopped between recording the upload and creating it.
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        let have = file.metadata()?.len();
        if offset != have {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("The controller has {have} bytes of this file: send from there."),
                format!("Le contrôleur a {have} octets de ce fichier : envoyez la suite à partir de là."),
            ));
        }
        let mut offset = have;
        for frame in frames {
            let data = frame.map_err(|e| {
                Error::new(
                    ErrorCode::Unreachable,
                    format!("The connection dropped during the upload ({e}): it resumes from what arrived."),
                    format!(
                        "La connexion s'est coupée pendant l'envoi ({e}) : il reprendra à partir de ce qui est arrivé."
                    ),
                )
            })?;
            let data = data.as_ref();
            if offset + data.len() as u64 > row.size {
                return Err(Error::invalid(
                    format!("More bytes were sent than the {} announced.", row.size),
                    format!("Plus d'octets ont été envoyés que les {} annoncés.", row.size),
                ));
            }
            for part in data.chunks(WRITE_AT_ONCE) {
                file.write_all(part)?;
            }
            offset += data.len() as u64;
        }
        self.state(&row)
    }

    /// Cancels an upload: its bytes are removed.
    pub fn cancel_upload(&self, s: &Session, planning_id: i64, id: &str) -> Result<()> {
        self.upload_row(s, planning_id, id)?;
        let lock = self.receiving.of(id)?;
        // A chunk the console abandoned on cancelling ends within moments: wait for it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let _receiving = loop {
            match lock.try_lock() {
                Ok(guard) => break guard,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(_) => return Err(busy()),
            }
        };
        self.store.write(|c| uploads::delete(c, id))?;
        self.receiving.forget(id);
        let _ = std::fs::remove_file(self.part(id));
        Ok(())
    }

    /// The whole file arrived: checked (SHA-256, then the `.HHYP` verifier unpacking into a new base folder) and put
    /// in service. Sent again after a lost answer, it answers with the planning's bases.
    pub fn finish_upload(&self, s: &Session, planning_id: i64, id: &str, peer: &str) -> Result<PlanningBases> {
        let row = match self.upload_row(s, planning_id, id) {
            Ok(row) => row,
            Err(e) if e.code == ErrorCode::NotFound => {
                return match self.store.read(|c| uploads::finished_as(c, planning_id, id))? {
                    Some(_) => self.bases(s, planning_id),
                    None => Err(e),
                };
            }
            Err(e) => return Err(e),
        };
        let lock = self.receiving.of(id)?;
        let _checking = lock.try_lock().map_err(|_| busy())?;
        let path = self.part(id);
        let have = std::fs::metadata(&path).map_or(0, |m| m.len());
        if have != row.size {
            return Err(Error::invalid(
                format!(
                    "Only {have} of the file's {} bytes have arrived: send the rest first.",
                    row.size
                ),
                format!(
                    "Seuls {have} des {} octets du fichier sont arrivés : envoyez d'abord la suite.",
                    row.size
                ),
            ));
        }
        std::fs::File::open(&path)?.sync_all()?;
        let folder = uuid::Uuid::new_v4().simple().to_string();
        let root = self.dir.join(BASES_DIR);
        std::fs::create_dir_all(&root)?;
        let target = root.join(&folder);
        let verified = hhyp::verify(&path, &s.hosting_number, &hhyp::Limits::default(), Some(&target));
        let verified = match verified {
            Ok(v) => v,
            Err(e) => {
                // A refused file would be refused again: it is not kept. A disk error is, to try again.
                if e.code == ErrorCode::InvalidInput {
                    self.drop_upload(id);
                }
                return Err(e);
            }
        };
        if let Err(e) = sync_tree(&target).and_then(|()| sync_dir(&root)) {
            let _ = std::fs::remove_dir_all(&target);
            return Err(e);
        }
        debug_assert!(target.join(BASE_FILE).exists());
        let annexes = verified.manifest.entries.len().saturating_sub(1);
        let detail = format!(
            "{} (loaded from {}, {} bytes, {annexes} annexes)",
            verified.base.name, row.file_name, row.size
        );
        let bases = self.put_in_service(
            s,
            planning_id,
            NewBase {
                folder,
                meta: &verified.base,
                origin: BaseOrigin::Uploaded,
                action: "bases.upload",
                detail: &detail,
                upload_id: Some(id),
            },
            peer,
        )?;
        self.receiving.forget(id);
        let _ = std::fs::remove_file(&path);
        Ok(bases)
    }

    fn drop_upload(&self, id: &str) {
        let _ = self.store.write(|c| uploads::delete(c, id));
        self.receiving.forget(id);
        let _ = std::fs::remove_file(self.part(id));
    }

    /// Removes what no upload row names, and uploads left unfinished for a week. Called by the server before it
    /// serves, with `sweep_bases`.
    pub fn sweep_uploads(&self) -> Result<usize> {
        let dir = self.uploads_dir();
        let now = now_unix();
        let rows = self.store.read(uploads::all)?;
        let mut removed = 0;
        for old in rows.iter().filter(|u| now - u.created_at > KEEP_UNFINISHED_SECS) {
            self.drop_upload(&old.id);
            removed += 1;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(removed);
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let known = name.strip_suffix(".part").is_some_and(|id| {
                rows.iter()
                    .any(|u| u.id == id && now - u.created_at <= KEEP_UNFINISHED_SECS)
            });
            if !known {
                let _ = std::fs::remove_file(entry.path());
                removed += 1;
            }
        }
        Ok(removed)
    }
}
