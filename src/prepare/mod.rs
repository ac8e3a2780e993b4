//! Préparation hors ligne: a base prepared with no controller, in a folder of its own (a "workspace"):
//! `base.sqlite3` (the base format the controller serves), `annexes/` (the files added, copied in), and packed into
//! a `.HHYP` for a hosting number by the same writer and verifier the controller uses. Nothing here needs a network.

mod timetable;
mod timetable_columns;
mod users;

pub use timetable_columns::{file_name as timetable_file_name, template as timetable_template};
pub use users::template as users_template;

use crate::api::{
    GridConversion, PreparedUser, PreparedUsersImport, TimeGrid, TimetableFile, TimetableImport, UnplacedCourse,
};
use crate::base::{Base, BaseMeta};
use crate::error::{Error, ErrorCode, Result};
use crate::hhyp::{self, Annex, Manifest, Progress};
use crate::ids::HostingNumber;
use crate::profils::ProfilsFile;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use ts_rs::TS;

const BASE: &str = "base.sqlite3";
const ANNEXES: &str = "annexes";
/// The end of an annex's name while it is being copied in.
const COPYING: &str = ".part-copy";

/// What a prepared base holds, as the pane and `planhost prepare summary` show it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PreparedSummary {
    pub folder: String,
    pub name: String,
    pub weeks: u32,
    pub courses: u32,
    pub placements: u32,
    pub teachers: u32,
    pub rooms: u32,
    pub groups: u32,
    pub subjects: u32,
    /// Placements a grid change kept aside (listed by `unplaced`).
    pub unplaced: u32,
    pub users: u32,
    pub annexes: u32,
    /// The base and its annexes, in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
    pub annex_files: Vec<PreparedAnnex>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PreparedAnnex {
    pub name: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A `.HHYP` generated and checked, as the pane reports it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PackedHhyp {
    pub file: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub entries: u32,
}

/// Writes `path` whole or not at all: beside it under a hidden temporary name, synced, then renamed over it.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut part = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".part")
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut part, bytes)?;
    part.as_file().sync_all()?;
    part.persist(path).map_err(|e| Error::from(e.error))?;
    Ok(())
}

/// A file the user chose, read whole (at most `max` bytes), or an error that names it.
pub fn read_chosen(path: &Path, max: usize) -> Result<Vec<u8>> {
    let refuse = |en: String, fr: String| Error::invalid(en, fr).on("file");
    let size = std::fs::metadata(path)
        .map_err(|e| {
            refuse(
                format!("Cannot read {}: {e}", path.display()),
                format!("Impossible de lire {} : {e}", path.display()),
            )
        })?
        .len();
    if size > max as u64 {
        return Err(refuse(
            format!("{} has {size} bytes; at most {max} are read.", path.display()),
            format!("{} fait {size} octets ; au plus {max} sont lus.", path.display()),
        ));
    }
    std::fs::read(path).map_err(|e| {
        refuse(
            format!("Cannot read {}: {e}", path.display()),
            format!("Impossible de lire {} : {e}", path.display()),
        )
    })
}

/// The folder that holds annex `name` under `root`, made one level at a time: a level that exists must be a real
/// folder, never a link (a link would take the copy, and the folders made, out of the workspace).
fn folder_within(root: &Path, name: &str) -> Result<PathBuf> {
    if !root.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::invalid(
            "The prepared base's annexes folder is a link or missing: it must be a folder of its own.",
            "Le dossier des annexes de la base préparée est un lien ou manque : ce doit être un vrai dossier.",
        ));
    }
    let mut folder = root.to_owned();
    let parts: Vec<&str> = name.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        folder.push(part);
        match folder.symlink_metadata() {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::invalid(
                    format!("{name} would be written through annexes/{part}, which is a link or a file, not a folder."),
                    format!(
                        "{name} serait écrite à travers annexes/{part}, qui est un lien ou un fichier, pas un dossier."
                    ),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir(&folder)?,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(folder)
}

/// The annexes' names and folders, compared without letter case: Windows and macOS would make `Photos/a.jpg` and
/// `photos` (a file), or `A.jpg` and `a.jpg`, one and the same.
#[derive(Default)]
struct Taken {
    files: std::collections::HashMap<String, String>,
    folders: std::collections::HashMap<String, String>,
}

impl Taken {
    fn folders_of(name: &str) -> impl Iterator<Item = &str> {
        name.match_indices('/').map(move |(i, _)| &name[..i])
    }

    fn add(&mut self, name: &str) {
        self.files.insert(name.to_lowercase(), name.to_owned());
        for folder in Self::folders_of(name) {
            self.folders.insert(folder.to_lowercase(), folder.to_owned());
        }
    }

    /// The name already there that `name` would clash with.
    fn clash(&self, name: &str) -> Option<String> {
        let key = name.to_lowercase();
        if let Some(other) = self.files.get(&key).or_else(|| self.folders.get(&key)) {
            return Some(other.clone());
        }
        Self::folders_of(name).find_map(|folder| {
            let key = folder.to_lowercase();
            self.files
                .get(&key)
                .or_else(|| self.folders.get(&key).filter(|exact| *exact != folder))
                .cloned()
        })
    }
}

/// A lock file of the workspace: a change waits for no pack, and a pack for no change — one of them is told at once.
/// The OS releases it if the program dies.
const LOCK: &str = ".lock";
const CHANGING: &str = ".changing";

pub struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    /// A new prepared base in `dir` (created; refused if it exists and is not empty).
    pub fn create(dir: &Path, name: &str, grid: &TimeGrid) -> Result<Workspace> {
        // Checked before any folder is made: a refused name leaves nothing behind.
        crate::base::check_name(name)?;
        crate::base::grid::validated(grid)?;
        let holds_something = std::fs::read_dir(dir).is_ok_and(|d| {
            d.flatten()
                .any(|e| !matches!(e.file_name().to_str(), Some(LOCK | CHANGING)))
        });
        if holds_something {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("{} is not empty: choose a new folder for a new base.", dir.display()),
                format!(
                    "{} n'est pas vide : choisissez un nouveau dossier pour une nouvelle base.",
                    dir.display()
                ),
            ));
        }
        std::fs::create_dir_all(dir.join(ANNEXES))?;
        let made = Base::create(&dir.join(BASE), name, grid);
        if let Err(e) = made {
            let _ = std::fs::remove_dir_all(dir.join(ANNEXES));
            return Err(e);
        }
        Ok(Workspace { dir: dir.to_owned() })
    }

    /// A prepared base made earlier (its base file checked).
    pub fn open(dir: &Path) -> Result<Workspace> {
        let base = dir.join(BASE);
        if !base.is_file() {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("{} holds no prepared base ({BASE}).", dir.display()),
                format!("{} ne contient pas de base préparée ({BASE}).", dir.display()),
            ));
        }
        // What it is and its schema; the whole check (integrity, grid) runs when it is packed.
        Base::open_read_only(&base)?;
        Ok(Workspace { dir: dir.to_owned() })
    }

    /// Held while the base, its annexes or its users change (`packing` false) or while it is packed (true): a pack
    /// holds `.lock` alone, changes share it and take turns on `.changing` (two imports of users never read the same
    /// list). A change during a pack, or a pack during a change, is refused at once with why. On a read-only disk
    /// nothing can change the base: a pack goes on without a lock, a change fails on its first write.
    fn locked(&self, packing: bool) -> Result<Vec<std::fs::File>> {
        let open = |name: &str| {
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.dir.join(name))
        };
        let lock = match open(LOCK) {
            Ok(f) => f,
            Err(e)
                if packing
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                    ) =>
            {
                return Ok(Vec::new())
            }
            Err(e) => return Err(e.into()),
        };
        let taken = if packing {
            lock.try_lock()
        } else {
            lock.try_lock_shared()
        };
        match taken {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) if packing => {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "This base is being changed (an import, annexes, a grid): try again in a moment.",
                    "Cette base est en cours de modification (un import, des annexes, une grille) : recommencez dans un instant.",
                ))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "A .HHYP is being generated from this base: wait for it to end, or cancel the generation, then try again.",
                    "Un fichier .HHYP est en cours de génération pour cette base : attendez la fin ou annulez la génération, puis recommencez.",
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        let mut held = vec![lock];
        if !packing {
            let turn = open(CHANGING)?;
            turn.lock()?;
            held.push(turn);
        }
        Ok(held)
    }

    pub fn base_path(&self) -> PathBuf {
        self.dir.join(BASE)
    }

    pub fn meta(&self) -> Result<BaseMeta> {
        Base::open_read_only(&self.base_path())?.meta()
    }

    /// Copies `file` in as an annex named `name` (its file name if none; `/` makes sub-folders, as `photos/a.jpg`).
    /// A name already there, or one that is not a plain relative path, is refused and nothing is copied.
    pub fn add_annex(&self, file: &Path, name: Option<&str>) -> Result<String> {
        let mut added = self.add_annexes(&[(file, name)])?;
        Ok(added.remove(0))
    }

    /// Copies several files in, all or none: every one is checked before the first is copied, and those copied are
    /// removed again if a later copy fails.
    pub fn add_annexes(&self, files: &[(&Path, Option<&str>)]) -> Result<Vec<String>> {
        let _lock = self.locked(false)?;
        // Names compared without regard to case: Windows and macOS would make two of them one file.
        let mut taken = Taken::default();
        for a in self.annexes()? {
            taken.add(&a.name);
        }
        let mut planned: Vec<(String, &Path, PathBuf)> = Vec::new();
        for &(file, name) in files {
            let name = match name {
                Some(n) => n.trim().to_owned(),
                None => file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            let last = name.rsplit('/').next().unwrap_or("");
            let copying = last.starts_with('.') && last.ends_with(COPYING);
            let portable = name.split('/').all(hhyp::portable_name);
            if name.is_empty() || copying || !portable || !hhyp::safe_path(&format!("{}{name}", hhyp::ANNEXES)) {
                return Err(Error::invalid(
                    format!("“{name}” cannot name an annex: a relative path, without “..”, whose names Windows can hold (not CON, AUX…, not ending in a dot)."),
                    format!("« {name} » ne peut pas nommer une annexe : un chemin relatif, sans « .. », dont les noms sont possibles sous Windows (pas CON, AUX…, pas de point final)."),
                ));
            }
            if !file.is_file() {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    format!("{} is not a file.", file.display()),
                    format!("{} n'est pas un fichier.", file.display()),
                ));
            }
            if let Some(clash) = taken.clash(&name) {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("{name}: an annex or a folder is already named {clash} (letter case aside): remove it or choose another name."),
                    format!("{name} : une annexe ou un dossier s'appelle déjà {clash} (aux majuscules près) : retirez-la ou choisissez un autre nom."),
                ));
            }
            taken.add(&name);
            let target = self.dir.join(ANNEXES).join(&name);
            planned.push((name, file, target));
        }
        let root = self.dir.join(ANNEXES);
        let mut copied: Vec<PathBuf> = Vec::new();
        let result = (|| -> Result<()> {
            for (name, file, target) in &planned {
                let parent = folder_within(&root, name)?;
                // Copied under a hidden temporary name of its own first, then given its name only if that is still
                // free: an interrupted copy never passes for the annex, two copies never mix.
                let file_name = target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut part = tempfile::Builder::new()
                    .prefix(&format!(".{file_name}."))
                    .suffix(COPYING)
                    .tempfile_in(&parent)?;
                std::io::copy(&mut std::fs::File::open(file)?, part.as_file_mut())?;
                part.persist_noclobber(target).map_err(|e| {
                    if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                        Error::new(
                            ErrorCode::Conflict,
                            format!("An annex named {name} was added meanwhile."),
                            format!("Une annexe {name} a été ajoutée entre-temps."),
                        )
                    } else {
                        Error::from(e.error)
                    }
                })?;
                copied.push(target.clone());
            }
            Ok(())
        })();
        if let Err(e) = result {
            for target in copied {
                let _ = std::fs::remove_file(target);
            }
            return Err(e);
        }
        Ok(planned.into_iter().map(|(name, ..)| name).collect())
    }

    /// Files and folders dropped or chosen: a folder's files are added under its name, with their sub-folders.
    pub fn add_paths(&self, paths: &[PathBuf]) -> Result<Vec<String>> {
        let mut files: Vec<(PathBuf, String)> = Vec::new();
        for path in paths {
            let base = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.symlink_metadata()?.is_dir() {
                let mut folders = vec![(path.clone(), base)];
                while let Some((folder, prefix)) = folders.pop() {
                    for entry in std::fs::read_dir(&folder)? {
                        let entry = entry?;
                        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
                        let kind = entry.file_type()?;
                        if kind.is_dir() {
                            folders.push((entry.path(), name));
                        } else if !matches!(
                            entry.file_name().to_str(),
                            Some(".DS_Store" | "Thumbs.db" | "desktop.ini")
                        ) {
                            // What the desktop leaves in folders is not an annex. A link is followed, as the file
                            // dialog would; a link to a folder is refused by `add_annexes` ("not a file").
                            files.push((entry.path(), name));
                        }
                    }
                }
            } else {
                files.push((path.clone(), base));
            }
        }
        files.sort_by(|a, b| a.1.cmp(&b.1));
        let asked: Vec<(&Path, Option<&str>)> = files.iter().map(|(p, n)| (p.as_path(), Some(n.as_str()))).collect();
        self.add_annexes(&asked)
    }

    /// Removes an annex by name.
    pub fn remove_annex(&self, name: &str) -> Result<()> {
        let _lock = self.locked(false)?;
        let found = self.annexes()?.into_iter().find(|a| a.name == name);
        let Some(annex) = found else {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("No annex named {name}."),
                format!("Aucune annexe ne s'appelle {name}."),
            ));
        };
        std::fs::remove_file(&annex.file)?;
        // Folders it leaves empty go too (up to annexes/ itself, kept).
        let root = self.dir.join(ANNEXES);
        let mut folder = annex.file.parent().map(Path::to_owned);
        while let Some(f) = folder.filter(|f| *f != root && f.starts_with(&root)) {
            if std::fs::remove_dir(&f).is_err() {
                break;
            }
            folder = f.parent().map(Path::to_owned);
        }
        Ok(())
    }

    /// Every annex, by name. A link or an unreadable folder under `annexes/` is an error: it would be left out of
    /// the `.HHYP` without a word.
    pub fn annexes(&self) -> Result<Vec<Annex>> {
        let root = self.dir.join(ANNEXES);
        let mut found = Vec::new();
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder)? {
                let entry = entry?;
                let kind = entry.file_type()?;
                let path = entry.path();
                let name = path
                    .strip_prefix(&root)
                    .map_err(Error::internal)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                if kind.is_dir() {
                    folders.push(path);
                } else if kind.is_file() {
                    // A copy cut short by a crash: not an annex.
                    let copying = name
                        .rsplit('/')
                        .next()
                        .is_some_and(|n| n.starts_with('.') && n.ends_with(COPYING));
                    if !copying {
                        found.push(Annex { name, file: path });
                    }
                } else {
                    return Err(Error::invalid(
                        format!("annexes/{name} is a link or a special file: an annex is a plain file."),
                        format!(
                            "annexes/{name} est un lien ou un fichier spécial : une annexe est un fichier ordinaire."
                        ),
                    ));
                }
            }
        }
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }

    pub fn summary(&self) -> Result<PreparedSummary> {
        let base = Base::open_read_only(&self.base_path())?;
        let (meta, grid, counts) = (base.meta()?, base.grid()?, base.counts()?);
        let annexes = self.annexes()?;
        let mut bytes = std::fs::metadata(self.base_path())?.len();
        let mut annex_files = Vec::with_capacity(annexes.len());
        for a in &annexes {
            let size = std::fs::metadata(&a.file)?.len();
            bytes += size;
            annex_files.push(PreparedAnnex {
                name: a.name.clone(),
                bytes: size,
            });
        }
        let unplaced = base.unplaced()?.len();
        let users = users::stored(&self.dir, &meta.name)?.users.len();
        Ok(PreparedSummary {
            folder: self.dir.display().to_string(),
            name: meta.name,
            weeks: crate::base::grid::check(&grid).weeks,
            courses: counts.courses,
            placements: counts.placements,
            teachers: counts.teachers,
            rooms: counts.rooms,
            groups: counts.groups,
            subjects: counts.subjects,
            unplaced: u32::try_from(unplaced).unwrap_or(u32::MAX),
            users: u32::try_from(users).unwrap_or(u32::MAX),
            annexes: u32::try_from(annexes.len()).unwrap_or(u32::MAX),
            bytes,
            annex_files,
        })
    }

    /// Sets a new time grid, carrying the timetable into it; `apply` false only says what it would do.
    pub fn change_grid(&self, grid: &TimeGrid, apply: bool) -> Result<GridConversion> {
        let _lock = self.locked(false)?;
        Base::open(&self.base_path())?.change_grid(grid, apply)
    }

    pub fn grid(&self) -> Result<TimeGrid> {
        Base::open_read_only(&self.base_path())?.grid()
    }

    /// Placements a grid change kept aside, with why.
    pub fn unplaced(&self) -> Result<Vec<UnplacedCourse>> {
        Base::open_read_only(&self.base_path())?.unplaced()
    }

    /// Reads timetable CSV files in, all or nothing (`write` false: checked only).
    pub fn import_timetable(&self, files: &[(TimetableFile, &[u8])], write: bool) -> Result<TimetableImport> {
        let _lock = self.locked(false)?;
        timetable::import(&self.base_path(), files, write)
    }

    /// `import_timetable` on files named by path.
    pub fn import_timetable_files(&self, files: &[(TimetableFile, PathBuf)], write: bool) -> Result<TimetableImport> {
        let mut read = Vec::with_capacity(files.len());
        for (kind, path) in files {
            read.push((*kind, read_chosen(path, timetable::MAX_BYTES)?));
        }
        let borrowed: Vec<_> = read.iter().map(|(k, b)| (*k, b.as_slice())).collect();
        self.import_timetable(&borrowed, write)
    }

    /// `import_users` on a file named by path.
    pub fn import_users_file(&self, path: &Path, write: bool) -> Result<PreparedUsersImport> {
        self.import_users(&read_chosen(path, users::MAX_BYTES)?, write)
    }

    /// Writes `export_profils` to `out` (beside it first, then renamed).
    pub fn write_profils(&self, planning: &str, out: &Path) -> Result<u32> {
        self.check_output(out, "profils")?;
        let file = self.export_profils(planning)?;
        write_whole(out, &file.to_bytes())?;
        Ok(u32::try_from(file.users.len()).unwrap_or(u32::MAX))
    }

    /// The users kept with the base, with their profile.
    pub fn users(&self) -> Result<Vec<PreparedUser>> {
        Ok(users::list(&users::stored(&self.dir, &self.meta()?.name)?))
    }

    /// Reads a users file (the controller's users template) in, all or nothing (`write` false: checked only).
    pub fn import_users(&self, csv: &[u8], write: bool) -> Result<PreparedUsersImport> {
        let _lock = self.locked(false)?;
        users::import(&self.dir, &self.meta()?.name, csv, write)
    }

    pub fn remove_users(&self, logins: &[String]) -> Result<u32> {
        let _lock = self.locked(false)?;
        users::remove(&self.dir, &self.meta()?.name, logins)
    }

    /// The users and their assignments as a `.profils` v1 file for the planning named `planning` on the controller
    /// (a planning's name: the controller's import finds the planning by it).
    pub fn export_profils(&self, planning: &str) -> Result<ProfilsFile> {
        let planning = crate::controller::configuration::planning_name(planning).map_err(|e| e.on("planning"))?;
        users::export(&self.dir, &self.meta()?.name, &planning)
    }

    /// The `.HHYP` for `hosting` at `out`: written beside it under a temporary name, checked with the controller's
    /// verifier, then renamed.
    pub fn pack(
        &self,
        hosting: &HostingNumber,
        out: &Path,
        progress: Progress,
        cancel: &AtomicBool,
    ) -> Result<Manifest> {
        self.check_output(out, "hhyp")?;
        let _lock = self.locked(true)?;
        hhyp::write(out, hosting, &self.base_path(), &self.annexes()?, progress, cancel)
    }

    /// A file written from the base (`.HHYP`, `.profils`) ends in its extension, goes into a folder that exists, and
    /// out of the prepared base's folder (inside, it could replace the base, its users, or become an annex).
    fn check_output(&self, out: &Path, extension: &str) -> Result<()> {
        let refuse = |en: String, fr: String| Err(Error::invalid(en, fr).on("output"));
        let shown = out.display();
        if out
            .extension()
            .and_then(|e| e.to_str())
            .is_none_or(|e| !e.eq_ignore_ascii_case(extension))
        {
            let upper = extension.to_uppercase();
            return refuse(
                format!("{shown} does not end in .{upper}."),
                format!("{shown} ne se termine pas par .{upper}."),
            );
        }
        if out.is_dir() {
            return refuse(format!("{shown} is a folder."), format!("{shown} est un dossier."));
        }
        let folder = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let Ok(folder) = folder.canonicalize() else {
            return refuse(
                format!("The folder {} does not exist.", folder.display()),
                format!("Le dossier {} n'existe pas.", folder.display()),
            );
        };
        if folder.starts_with(self.dir.canonicalize()?) {
            return refuse(
                format!("{shown} is inside the prepared base's folder: write it elsewhere."),
                format!("{shown} est dans le dossier de la base préparée : écrivez-le ailleurs."),
            );
        }
        Ok(())
    }

    /// `pack` as a step of the current background task (progress and cancel), for a hosting number as typed.
    pub async fn pack_in_task(dir: &Path, hosting: &str, out: &Path) -> Result<PackedHhyp> {
        let hosting = HostingNumber::parse(hosting).map_err(|e| e.on("hosting_number"))?;
        let w = Workspace::open(dir)?;
        w.check_output(out, "hhyp")?;
        let target = out.to_owned();
        let manifest = crate::tasks::blocking(crate::tasks::TaskStep::Packing, move |progress, cancel| {
            w.pack(&hosting, &target, progress, cancel)
        })
        .await?;
        Ok(PackedHhyp {
            file: out.display().to_string(),
            bytes: std::fs::metadata(out)?.len(),
            entries: u32::try_from(manifest.entries.len()).unwrap_or(u32::MAX),
        })
    }
}
