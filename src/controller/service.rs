//! What the controller runs for its accounts, read from the configuration: planning statuses, the directory an
//! active controller serves, the planning servers of plannings with a base in service.

use super::configuration::plannings;
use super::store::HistoryEntry;
use super::Controller;
use crate::api::{Coordinates, Directory, DirectoryEntry, Planning, PlanningStatus, Seats};
use crate::error::Result;
use crate::time_fmt::now_unix;
use rusqlite::{params, OptionalExtension};

/// What a port of the pool serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    Directory,
    Planning(i64),
}

impl Controller {
    /// What each planning's status should be, before the network checks: `None` means "check its server".
    pub fn planned_statuses(&self, hosting: &str) -> Result<Vec<(Planning, Option<PlanningStatus>)>> {
        self.store.with(|c| {
            let (quota, licence_m, licence_c): (i64, u32, u32) = c.query_row(
                "SELECT plannings_quota, seats_modification, seats_consultation FROM accounts WHERE hosting_number = ?1",
                [hosting],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let rows: Vec<Planning> = plannings(c, hosting)?.into_iter().map(|r| r.planning).collect();
            let (m, cons) = rows.iter().fold((0, 0), |(m, cs), p| (m + p.seats.modification, cs + p.seats.consultation));
            let over_seats = m > licence_m || cons > licence_c;
            Ok(rows
                .into_iter()
                .enumerate()
                .map(|(rank, p)| {
                    let status = if p.disabled {
                        Some(PlanningStatus::Disabled)
                    } else if rank as i64 >= quota || (over_seats && p.seats != Seats::default()) {
                        Some(PlanningStatus::Limited)
                    } else if p.base.is_none() || p.coordinates.is_none() {
                        Some(PlanningStatus::NoBase)
                    } else {
                        None
                    };
                    (p, status)
                })
                .collect())
        })
    }

    /// Stores the statuses just computed; a change records its time and a history line.
    pub fn record_statuses(&self, hosting: &str, statuses: &[(i64, PlanningStatus)]) -> Result<()> {
        let now = now_unix();
        for (id, status) in statuses {
            let before: Option<(String, String)> = self.store.with(|c| {
                c.query_row(
                    "SELECT name, status FROM plannings WHERE id = ?1 AND hosting_number = ?2",
                    params![id, hosting],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
            })?;
            let Some((name, old)) = before else { continue };
            if old != status.as_str() {
                self.store.with(|c| {
                    c.execute(
                        "UPDATE plannings SET status = ?2, status_changed_at = ?3 WHERE id = ?1",
                        params![id, status.as_str(), now],
                    )
                })?;
                self.store.record(&HistoryEntry {
                    at: now,
                    hosting_number: Some(hosting.to_owned()),
                    actor: "controller".into(),
                    action: "planning.status".into(),
                    outcome: "ok".into(),
                    detail: format!("{name}: {old} → {}", status.as_str()),
                    ..Default::default()
                })?;
            }
        }
        Ok(())
    }

    /// The directory an active controller serves on its port, or `None` if no active account owns that port.
    pub fn directory(&self, port: u16) -> Result<Option<Directory>> {
        self.store.with(|c| {
            let account: Option<(String, String)> = c
                .query_row(
                    "SELECT hosting_number, controller_domain FROM accounts WHERE controller_port = ?1 AND controller_active = 1",
                    [port],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((hosting, domain)) = account else { return Ok(None) };
            let plannings = plannings(c, &hosting)?
                .into_iter()
                .map(|r| r.planning)
                .filter(|p| !p.disabled)
                .filter_map(|p| {
                    let coordinates = p.coordinates?;
                    Some(DirectoryEntry {
                        name: p.name,
                        publication_name: p.publication_name,
                        coordinates,
                        time_zone: p.time_zone,
                        web_publication: p.web_publication,
                    })
                })
                .collect();
            Ok(Some(Directory { controller: Coordinates { domain, port }, plannings }))
        })
    }

    /// Ports that must be listening: active controllers (directory) and plannings with a base in service.
    pub fn wanted_listeners(&self) -> Result<Vec<(u16, Listener)>> {
        self.store.with(|c| {
            let mut stmt = c.prepare("SELECT controller_port FROM accounts WHERE controller_active = 1 AND controller_port IS NOT NULL")?;
            let mut wanted: Vec<(u16, Listener)> =
                stmt.query_map([], |r| Ok((r.get(0)?, Listener::Directory)))?.collect::<rusqlite::Result<_>>()?;
            let mut stmt = c.prepare(
                "SELECT p.port, p.id FROM plannings p JOIN bases b ON b.planning_id = p.id WHERE p.port IS NOT NULL AND p.disabled = 0",
            )?;
            wanted.extend(stmt.query_map([], |r| Ok((r.get(0)?, Listener::Planning(r.get(1)?))))?.collect::<rusqlite::Result<Vec<_>>>()?);
            Ok(wanted)
        })
    }

    /// The base a planning server serves (name), with the planning's public name.
    pub fn planning_service(&self, id: i64) -> Result<Option<(String, String)>> {
        self.store.with(|c| {
            c.query_row(
                "SELECT coalesce(p.publication_name, p.name), b.name FROM plannings p JOIN bases b ON b.planning_id = p.id WHERE p.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    /// Records a base as in service for a planning (bases themselves arrive with the Mes plannings pane).
    pub fn put_base_in_service(&self, planning_id: i64, base_name: &str) -> Result<()> {
        self.store.with(|c| {
            c.execute(
                "INSERT INTO bases (planning_id, name, in_service_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(planning_id) DO UPDATE SET name = excluded.name, in_service_at = excluded.in_service_at",
                params![planning_id, base_name, now_unix()],
            )
            .map(drop)
        })
    }
}
