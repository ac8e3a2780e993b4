//! Mes plannings: the bases each planning keeps, "Créer une base", putting an earlier base back in service.
//!
//! Each base file lives in its own folder under `bases/`, written and synced before the one transaction that puts it
//! in service; until that commit the previous base stays in service, and a folder no row names (an interrupted
//! change) is removed when the controller opens. The planning keeps the `KEEP` previous bases.

use super::profiles::planning_not_found;
use super::store::bases::{self, BaseFileRow};
use super::store::history::{self, Outcome};
use super::store::{plannings, uploads};
use super::{Controller, Session};
use crate::api::{BaseChange, BaseInfo, BaseOrigin, PlanningBases, TimeGrid};
use crate::base::{grid, Base, BaseMeta};
use crate::error::{Error, Result};
use crate::time_fmt::{now_unix, rfc3339};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// Earlier bases kept for each planning ("Autres bases").
pub const KEEP: usize = 3;
pub const BASES_DIR: &str = "bases";
pub const BASE_FILE: &str = "base.sqlite3";

fn info(dir: &Path, row: &BaseFileRow) -> BaseInfo {
    // What the file holds; a file that cannot be read is listed with nothing in it rather than hiding the list.
    let (weeks, counts) = Base::open_read_only(&dir.join(&row.folder).join(BASE_FILE))
        .and_then(|b| Ok((grid::check(&b.grid()?).weeks, b.counts()?)))
        .unwrap_or_default();
    BaseInfo {
        id: row.id,
        name: row.name.clone(),
        created: row.created.clone(),
        added_at: rfc3339(row.added_at),
        bytes: u64::try_from(row.bytes).unwrap_or(0),
        origin: row.origin,
        weeks,
        counts,
    }
}

/// A verified base folder about to go in service.
pub(crate) struct NewBase<'a> {
    pub folder: String,
    pub meta: &'a BaseMeta,
    pub origin: BaseOrigin,
    /// The history's action and detail.
    pub action: &'a str,
    pub detail: &'a str,
    /// The upload it came from, forgotten in the same transaction.
    pub upload_id: Option<&'a str>,
}

/// A `.HHYP` ready to send: an open, already unlinked file.
pub struct Backup {
    pub file: std::fs::File,
    pub bytes: u64,
    pub file_name: String,
}

/// The files under a base's `annexes/` folder, named as in the archive.
fn annexes_in(dir: &Path, prefix: &str) -> Result<Vec<crate::hhyp::Annex>> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(found);
    };
    for entry in entries {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            found.extend(annexes_in(&entry.path(), &format!("{name}/"))?);
        } else {
            found.push(crate::hhyp::Annex {
                name,
                file: entry.path(),
            });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Syncs a folder so that the names in it survive a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

impl Controller {
    fn bases_dir(&self) -> PathBuf {
        self.dir.join(BASES_DIR)
    }

    /// A new, empty folder for a base file.
    pub(crate) fn new_base_folder(&self) -> Result<(String, PathBuf)> {
        let root = self.bases_dir();
        std::fs::create_dir_all(&root)?;
        let name = uuid::Uuid::new_v4().simple().to_string();
        let path = root.join(&name);
        std::fs::create_dir(&path)?;
        Ok((name, path))
    }

    fn bases_in(&self, c: &Connection, s: &Session, planning_id: i64) -> Result<PlanningBases> {
        let planning = plannings::get(c, &s.hosting_number, planning_id)?
            .ok_or_else(|| planning_not_found(planning_id))?
            .planning;
        let current = bases::in_service(c, planning_id)?;
        let dir = self.bases_dir();
        Ok(PlanningBases {
            planning_id,
            planning_name: planning.name,
            publication_name: planning.publication_name,
            status: planning.status,
            in_service: current.as_ref().map(|f| info(&dir, f)),
            others: bases::of_planning(c, planning_id)?
                .iter()
                .filter(|f| Some(f.id) != current.as_ref().map(|c| c.id))
                .map(|f| info(&dir, f))
                .collect(),
            keep: u32::try_from(KEEP).unwrap_or(3),
        })
    }

    pub fn bases(&self, s: &Session, planning_id: i64) -> Result<PlanningBases> {
        self.store.read(|c| self.bases_in(c, s, planning_id))
    }

    pub fn change_bases(
        &self,
        s: &Session,
        planning_id: i64,
        change: &BaseChange,
        peer: &str,
    ) -> Result<PlanningBases> {
        match change {
            BaseChange::Create { name, grid } => self.create_base(s, planning_id, name, grid, peer),
            BaseChange::Restore { id } => self.restore_base(s, planning_id, *id, peer),
        }
    }

    /// "Créer une base": an empty base with its grid, in service once its transaction commits.
    fn create_base(
        &self,
        s: &Session,
        planning_id: i64,
        name: &str,
        grid: &TimeGrid,
        peer: &str,
    ) -> Result<PlanningBases> {
        crate::base::check_name(name)?;
        let weeks = grid::validated(grid)?.weeks;
        self.store.read(|c| {
            plannings::get(c, &s.hosting_number, planning_id)?.ok_or_else(|| planning_not_found(planning_id))
        })?;
        let (folder, path) = self.new_base_folder()?;
        let made = Base::create(&path.join(BASE_FILE), name, grid).and_then(|base| {
            drop(base);
            std::fs::File::open(path.join(BASE_FILE))?.sync_all()?;
            sync_dir(&path)?;
            sync_dir(&self.bases_dir())?;
            Base::verify(&path.join(BASE_FILE))
        });
        let meta = match made {
            Ok(meta) => meta,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&path);
                return Err(e);
            }
        };
        let detail = format!("{name} ({weeks} weeks, {} sequences a day)", grid.sequences_per_day);
        self.put_in_service(
            s,
            planning_id,
            NewBase {
                folder,
                meta: &meta,
                origin: BaseOrigin::Created,
                action: "bases.create",
                detail: &detail,
                upload_id: None,
            },
            peer,
        )
    }

    /// Records a verified base folder and puts it in service in one transaction (which also forgets the upload it
    /// came from); the earlier bases past `KEEP` are forgotten, their folders removed after the commit. On failure
    /// the new folder is removed.
    pub(crate) fn put_in_service(
        &self,
        s: &Session,
        planning_id: i64,
        new: NewBase<'_>,
        peer: &str,
    ) -> Result<PlanningBases> {
        let NewBase {
            folder,
            meta,
            origin,
            action,
            detail,
            upload_id,
        } = new;
        let dir = self.bases_dir();
        let bytes = std::fs::metadata(dir.join(&folder).join(BASE_FILE)).map_or(0, |m| m.len());
        let now = now_unix();
        let written = self.store.write(|c| {
            let planning = plannings::get(c, &s.hosting_number, planning_id)?
                .ok_or_else(|| planning_not_found(planning_id))?
                .planning;
            let mut row = BaseFileRow {
                id: 0,
                planning_id,
                folder: folder.clone(),
                name: meta.name.clone(),
                created: meta.created.clone(),
                bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
                origin,
                added_at: now,
            };
            row.id = bases::insert(c, &row, upload_id)?;
            if let Some(id) = upload_id {
                uploads::delete(c, id)?;
            }
            let before = planning.base.unwrap_or_else(|| "—".into());
            bases::put_in_service(c, planning_id, &row, now)?;
            let gone = bases::trim(c, planning_id, KEEP)?;
            history::record(
                c,
                &s.who(peer),
                action,
                Outcome::Ok,
                &format!("{}: {before} → {detail}", planning.name),
                now,
            )?;
            Ok((gone, self.bases_in(c, s, planning_id)?))
        });
        match written {
            Ok((gone, bases)) => {
                for old in gone {
                    let _ = std::fs::remove_dir_all(dir.join(old));
                }
                Ok(bases)
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(dir.join(&folder));
                Err(e)
            }
        }
    }

    /// An earlier base back in service: its file is checked again first (a damaged file never goes in service).
    fn restore_base(&self, s: &Session, planning_id: i64, id: i64, peer: &str) -> Result<PlanningBases> {
        let dir = self.bases_dir();
        // Checked before the write lock (a large file takes a while); the row is read again inside it.
        let kept = self.store.read(|c| bases::get(c, planning_id, id))?;
        if let Some(file) = &kept {
            Base::verify(&dir.join(&file.folder).join(BASE_FILE))?;
        }
        let now = now_unix();
        self.store.write(|c| {
            let planning = plannings::get(c, &s.hosting_number, planning_id)?
                .ok_or_else(|| planning_not_found(planning_id))?
                .planning;
            let file = bases::get(c, planning_id, id)?
                .filter(|f| kept.as_ref().is_some_and(|k| k.folder == f.folder))
                .ok_or_else(|| {
                    Error::new(
                        crate::ErrorCode::NotFound,
                        format!("Planning {} keeps no base {id}.", planning.name),
                        format!("Le planning {} ne garde pas de base {id}.", planning.name),
                    )
                })?;
            let before = planning.base.unwrap_or_else(|| "—".into());
            bases::put_in_service(c, planning_id, &file, now)?;
            history::record(
                c,
                &s.who(peer),
                "bases.restore",
                Outcome::Ok,
                &format!(
                    "{}: {before} → {} (added {})",
                    planning.name,
                    file.name,
                    rfc3339(file.added_at)
                ),
                now,
            )?;
            self.bases_in(c, s, planning_id)
        })
    }

    /// A kept base (in service or not) as a `.HHYP` for this account, written and verified in full, then unlinked:
    /// the open file is all that is left of it, and it goes when the download ends.
    pub fn backup(&self, s: &Session, planning_id: i64, id: i64) -> Result<Backup> {
        let file = self.store.read(|c| {
            plannings::get(c, &s.hosting_number, planning_id)?.ok_or_else(|| planning_not_found(planning_id))?;
            bases::get(c, planning_id, id)
        })?;
        let file = file.ok_or_else(|| {
            Error::new(
                crate::ErrorCode::NotFound,
                format!("This planning keeps no base {id}."),
                format!("Ce planning ne garde pas de base {id}."),
            )
        })?;
        let folder = self.bases_dir().join(&file.folder);
        let annexes = annexes_in(&folder.join("annexes"), "")?;
        let out_dir = self.dir.join("backups");
        std::fs::create_dir_all(&out_dir)?;
        let out = out_dir.join(format!("{}.HHYP", uuid::Uuid::new_v4().simple()));
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::hhyp::write(
            &out,
            &s.hosting_number,
            &folder.join(BASE_FILE),
            &annexes,
            &|_, _| {},
            &cancel,
        )?;
        let opened = std::fs::File::open(&out);
        let _ = std::fs::remove_file(&out);
        let opened = opened?;
        let bytes = opened.metadata()?.len();
        let ascii: String = file
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || " -_.()".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(Backup {
            file: opened,
            bytes,
            file_name: format!("{}.HHYP", ascii.trim()),
        })
    }

    /// The file a planning server serves: (its id, its path).
    pub fn base_in_service(&self, planning_id: i64) -> Result<Option<(i64, PathBuf)>> {
        self.store.read(|c| self.base_in_service_in(c, planning_id))
    }

    /// The same, within a read already open.
    pub(super) fn base_in_service_in(
        &self,
        c: &rusqlite::Connection,
        planning_id: i64,
    ) -> Result<Option<(i64, PathBuf)>> {
        Ok(bases::in_service(c, planning_id)?.map(|f| (f.id, self.bases_dir().join(f.folder).join(BASE_FILE))))
    }

    /// Removes the folders under `bases/` that no row names: what a change interrupted before its commit left. Called
    /// by the server before it serves, never while a change may be under way.
    pub fn sweep_bases(&self) -> Result<usize> {
        let root = self.bases_dir();
        let Ok(entries) = std::fs::read_dir(&root) else {
            return Ok(0);
        };
        // A backup being written when the controller stopped.
        let _ = std::fs::remove_dir_all(self.dir.join("backups"));
        let known: std::collections::HashSet<String> = self.store.read(bases::folders)?.into_iter().collect();
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !known.contains(&name) && !name.starts_with('.') {
                let _ = std::fs::remove_dir_all(entry.path());
                removed += 1;
            }
        }
        Ok(removed)
    }
}
