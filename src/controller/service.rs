//! What the controller runs for its accounts, read from the configuration: planning statuses, the directory an
//! active controller serves, the planning servers of plannings with a base in service.

use super::store::history::{self, Outcome, Who};
use super::store::{accounts, plannings};
use super::Controller;
use crate::api::{Coordinates, Directory, DirectoryEntry, Planning, PlanningStatus};
use crate::error::Result;
use crate::ids::HostingNumber;
use crate::time_fmt::now_unix;

/// What a port of the pool serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    Directory,
    Planning(i64),
}

impl Controller {
    /// What each planning's status should be, before the network checks: `None` means "check its server".
    pub fn planned_statuses(&self, hosting: &HostingNumber) -> Result<Vec<(Planning, Option<PlanningStatus>)>> {
        self.store.read(|c| {
            let account = accounts::settings(c, hosting)?;
            let rows: Vec<Planning> = plannings::list(c, hosting)?.into_iter().map(|r| r.planning).collect();
            let (m, cons) = rows.iter().fold((0u64, 0u64), |(m, cs), p| {
                (
                    m + u64::from(p.seats.modification),
                    cs + u64::from(p.seats.consultation),
                )
            });
            let over_seats = m > u64::from(account.seats.modification) || cons > u64::from(account.seats.consultation);
            let quota = usize::try_from(account.plannings_quota).unwrap_or(0);
            Ok(rows
                .into_iter()
                .enumerate()
                .map(|(rank, p)| {
                    let status = if p.disabled {
                        Some(PlanningStatus::Disabled)
                    } else if rank >= quota || (over_seats && p.seats != crate::api::Seats::default()) {
                        Some(PlanningStatus::Limited)
                    } else if p.base.is_none() {
                        Some(PlanningStatus::NoBase)
                    } else if p.coordinates.is_none() {
                        // A base, but no domain yet: nothing can serve it.
                        Some(PlanningStatus::Offline)
                    } else {
                        None
                    };
                    (p, status)
                })
                .collect())
        })
    }

    /// Stores the statuses just computed; a change records its time and a history line.
    pub fn record_statuses(&self, hosting: &HostingNumber, statuses: &[(i64, PlanningStatus)]) -> Result<()> {
        let now = now_unix();
        self.store.write(|c| {
            for (id, status) in statuses {
                let Some(row) = plannings::get(c, hosting, *id)? else {
                    continue;
                };
                let old = row.planning.status;
                if old != *status {
                    plannings::set_status(c, *id, *status, now)?;
                    let detail = format!("{}: {} → {}", row.planning.name, old.as_str(), status.as_str());
                    history::record(
                        c,
                        &Who::controller(hosting),
                        "planning.status",
                        Outcome::Ok,
                        &detail,
                        now,
                    )?;
                }
            }
            Ok(())
        })
    }

    /// The directory an active controller serves on its port, or `None` if no active account owns that port.
    pub fn directory(&self, port: u16) -> Result<Option<Directory>> {
        self.store.read(|c| {
            let Some((hosting, domain)) = accounts::active_on_port(c, port)? else {
                return Ok(None);
            };
            let plannings = plannings::list(c, &hosting)?
                .into_iter()
                .map(|r| r.planning)
                .filter(|p| !p.disabled)
                .filter_map(|p| {
                    Some(DirectoryEntry {
                        coordinates: p.coordinates?,
                        name: p.name,
                        publication_name: p.publication_name,
                        time_zone: p.time_zone,
                        web_publication: p.web_publication,
                    })
                })
                .collect();
            Ok(Some(Directory {
                controller: Coordinates { domain, port },
                plannings,
            }))
        })
    }

    /// Ports that must be listening: active controllers (directory) and plannings with a base in service.
    pub fn wanted_listeners(&self) -> Result<Vec<(u16, Listener)>> {
        self.store.read(|c| {
            let mut wanted: Vec<(u16, Listener)> = accounts::active_ports(c)?
                .into_iter()
                .map(|p| (p, Listener::Directory))
                .collect();
            wanted.extend(
                plannings::serving(c)?
                    .into_iter()
                    .map(|(port, id)| (port, Listener::Planning(id))),
            );
            Ok(wanted)
        })
    }
}
