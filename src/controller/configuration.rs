//! The hosting account's configuration: the controller's domain and port, activation, plannings (quota, names,
//! domains, time zones, web publication), licence seats, and planning statuses. Every change is written to the
//! history as `before → after`.

use super::store::HistoryEntry;
use super::{Controller, Session};
use crate::api::{
    Configuration, ControllerSettings, Coordinates, Planning, PlanningChanges, PlanningStatus, SeatAllocation, Seats,
    SeatsSummary,
};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::DomainName;
use crate::time_fmt::{now_unix, rfc3339};
use rusqlite::{params, Connection, OptionalExtension};

pub const DEFAULT_TIME_ZONE: &str = "Europe/Paris";
const NAME_MAX: usize = 40;

/// A planning's name: 1–40 characters, no control characters, trimmed.
pub fn planning_name(input: &str) -> Result<String> {
    let name = input.trim();
    let len = name.chars().count();
    if len == 0 || len > NAME_MAX || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            format!("A planning's name has 1 to {NAME_MAX} characters."),
            format!("Le nom d'un planning compte de 1 à {NAME_MAX} caractères."),
        ));
    }
    Ok(name.to_owned())
}

/// An IANA time zone known to the bundled database.
pub fn time_zone(input: &str) -> Result<String> {
    let name = input.trim();
    match jiff::tz::db().get(name) {
        Ok(_) if !name.is_empty() => Ok(name.to_owned()),
        _ => Err(Error::invalid(
            format!("'{name}' is not a known time zone (use an IANA name such as Europe/Paris)."),
            format!("« {name} » n'est pas un fuseau horaire connu (utilisez un nom IANA comme Europe/Paris)."),
        )),
    }
}

/// Every IANA time zone name, sorted.
pub fn time_zones() -> Vec<String> {
    let mut all: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    all.sort();
    all
}

fn not_found(id: i64) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("No planning {id} in this account."),
        format!("Aucun planning {id} dans ce compte."),
    )
}

fn conflict(en: String, fr: String) -> Error {
    Error::new(ErrorCode::Conflict, en, fr)
}

pub(super) struct Row {
    pub(super) planning: Planning,
    raw_publication_name: Option<String>,
}

fn planning_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let name: String = r.get(1)?;
    let domain: Option<String> = r.get(2)?;
    let port: Option<u16> = r.get(3)?;
    let publication: Option<String> = r.get(6)?;
    Ok(Row {
        planning: Planning {
            id: r.get(0)?,
            coordinates: domain.zip(port).map(|(domain, port)| Coordinates { domain, port }),
            time_zone: r.get(4)?,
            web_publication: r.get(5)?,
            publication_name: publication.clone().unwrap_or_else(|| name.clone()),
            name,
            disabled: r.get(7)?,
            seats: Seats {
                modification: r.get(8)?,
                consultation: r.get(9)?,
            },
            status: PlanningStatus::parse(&r.get::<_, String>(10)?),
            status_changed_at: rfc3339(r.get(11)?),
            base: r.get(12)?,
        },
        raw_publication_name: publication,
    })
}

const SELECT_PLANNINGS: &str =
    "SELECT p.id, p.name, p.domain, p.port, p.time_zone, p.web_publication, p.publication_name,
        p.disabled, p.seats_modification, p.seats_consultation, p.status, p.status_changed_at, b.name
    FROM plannings p LEFT JOIN bases b ON b.planning_id = p.id";

pub(super) fn plannings(c: &Connection, hosting: &str) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = c.prepare(&format!("{SELECT_PLANNINGS} WHERE p.hosting_number = ?1 ORDER BY p.id"))?;
    let rows = stmt.query_map([hosting], planning_row)?.collect();
    rows
}

/// The lowest free port of the pool.
fn allocate_port(c: &Connection, pool: (u16, u16), hosting: &str, owner: &str) -> Result<u16> {
    let mut stmt = c.prepare("SELECT port FROM ports WHERE port BETWEEN ?1 AND ?2 ORDER BY port")?;
    let taken: Vec<u16> = stmt
        .query_map([pool.0, pool.1], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let port = (pool.0..=pool.1)
        .find(|p| taken.binary_search(p).is_err())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Conflict,
                "The controller has no free port left: ask the provider to widen its port pool.",
                "Le contrôleur n'a plus de port libre : demandez à l'hébergeur d'élargir sa plage de ports.",
            )
        })?;
    c.execute(
        "INSERT INTO ports (port, hosting_number, owner) VALUES (?1, ?2, ?3)",
        params![port, hosting, owner],
    )?;
    Ok(port)
}

/// `domain:port`, or a dash when there are no coordinates yet.
fn show(coordinates: Option<&Coordinates>) -> String {
    coordinates.map_or_else(|| "—".into(), |c| format!("{}:{}", c.domain, c.port))
}

impl Controller {
    /// Keeps the port already held, or allocates one from the pool; then `store` records domain and port, all in one
    /// transaction.
    fn assign_port(
        &self,
        hosting: &str,
        owner: &str,
        held: Option<u16>,
        store: impl FnOnce(&Connection, u16) -> rusqlite::Result<usize>,
    ) -> Result<u16> {
        let pool = self.port_pool();
        self.store.with(|c| {
            let tx = c.unchecked_transaction()?;
            let port = match held.map(Ok).unwrap_or_else(|| allocate_port(&tx, pool, hosting, owner)) {
                Ok(port) => port,
                Err(e) => return Ok(Err(e)),
            };
            store(&tx, port)?;
            tx.commit()?;
            Ok(Ok(port))
        })?
    }

    fn history(&self, s: &Session, peer: &str, action: &str, detail: String) {
        let entry = HistoryEntry {
            at: now_unix(),
            hosting_number: Some(s.hosting_number.clone()),
            actor: s.actor.clone(),
            device_id: Some(s.device_id.clone()),
            peer: Some(peer.to_owned()),
            action: action.into(),
            outcome: "ok".into(),
            detail,
        };
        if let Err(e) = self.store.record(&entry) {
            tracing::error!("history not written: {e}");
        }
    }

    fn planning(&self, hosting: &str, id: i64) -> Result<Row> {
        self.store
            .with(|c| {
                c.query_row(
                    &format!("{SELECT_PLANNINGS} WHERE p.hosting_number = ?1 AND p.id = ?2"),
                    params![hosting, id],
                    planning_row,
                )
                .optional()
            })?
            .ok_or_else(|| not_found(id))
    }

    pub fn configuration(&self, s: &Session) -> Result<Configuration> {
        self.require_licence(s)?;
        self.store.with(|c| {
            let (domain, port, active, quota, modification, consultation): (Option<String>, Option<u16>, bool, i64, u32, u32) = c.query_row(
                "SELECT controller_domain, controller_port, controller_active, plannings_quota, seats_modification, seats_consultation
                 FROM accounts WHERE hosting_number = ?1",
                [&s.hosting_number],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )?;
            let plannings: Vec<Planning> = plannings(c, &s.hosting_number)?.into_iter().map(|r| r.planning).collect();
            let licence = Seats { modification, consultation };
            let allocated = plannings.iter().fold(Seats::default(), |a, p| Seats {
                modification: a.modification + p.seats.modification,
                consultation: a.consultation + p.seats.consultation,
            });
            let left = Seats {
                modification: licence.modification.saturating_sub(allocated.modification),
                consultation: licence.consultation.saturating_sub(allocated.consultation),
            };
            Ok(Configuration {
                controller: ControllerSettings {
                    coordinates: domain.zip(port).map(|(domain, port)| Coordinates { domain, port }),
                    active,
                },
                plannings,
                plannings_quota: quota,
                seats: SeatsSummary { licence, allocated, left },
            })
        })
    }

    /// Sets the controller's domain; the first time, a port is allocated from the pool.
    pub fn set_controller_domain(&self, s: &Session, domain: &str, peer: &str) -> Result<Configuration> {
        self.require_licence(s)?;
        let domain = DomainName::parse(domain)?;
        let before = self.configuration(s)?.controller.coordinates;
        if self.domain_taken(&s.hosting_number, domain.as_str(), None)? {
            return Err(domain_taken(domain.as_str()));
        }
        let port = self.assign_port(
            &s.hosting_number,
            "controller",
            before.as_ref().map(|c| c.port),
            |tx, port| {
                tx.execute(
                    "UPDATE accounts SET controller_domain = ?2, controller_port = ?3 WHERE hosting_number = ?1",
                    params![s.hosting_number, domain.as_str(), port],
                )
            },
        )?;
        let was = show(before.as_ref());
        self.history(
            s,
            peer,
            "controller.domain",
            format!("{was} → {}:{port}", domain.as_str()),
        );
        self.configuration(s)
    }

    pub fn set_controller_active(&self, s: &Session, active: bool, peer: &str) -> Result<Configuration> {
        let config = self.configuration(s)?;
        if active && config.controller.coordinates.is_none() {
            return Err(Error::invalid(
                "Set the controller's domain name before activating it.",
                "Saisissez le nom de domaine du contrôleur avant de l'activer.",
            ));
        }
        if config.controller.active != active {
            self.store.with(|c| {
                c.execute(
                    "UPDATE accounts SET controller_active = ?2 WHERE hosting_number = ?1",
                    params![s.hosting_number, active],
                )
            })?;
            let word = |a: bool| if a { "active" } else { "inactive" };
            self.history(
                s,
                peer,
                "controller.active",
                format!("{} → {}", word(config.controller.active), word(active)),
            );
        }
        self.configuration(s)
    }

    /// True if another planning of the account, or the account's controller, already uses this domain.
    fn domain_taken(&self, hosting: &str, domain: &str, except_planning: Option<i64>) -> Result<bool> {
        self.store.with(|c| {
            let planning: i64 = c.query_row(
                "SELECT count(*) FROM plannings WHERE hosting_number = ?1 AND domain = ?2 AND id IS NOT ?3",
                params![hosting, domain, except_planning],
                |r| r.get(0),
            )?;
            let controller: i64 = c.query_row(
                "SELECT count(*) FROM accounts WHERE hosting_number = ?1 AND controller_domain = ?2",
                params![hosting, domain],
                |r| r.get(0),
            )?;
            Ok(planning + if except_planning.is_some() { controller } else { 0 } > 0)
        })
    }

    fn name_taken(&self, hosting: &str, name: &str, except: Option<i64>) -> Result<bool> {
        self.store.with(|c| {
            c.query_row(
                "SELECT count(*) FROM plannings WHERE hosting_number = ?1 AND name = ?2 COLLATE NOCASE AND id IS NOT ?3",
                params![hosting, name, except],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
        })
    }

    /// Adds a planning, up to the account's quota. Without a name it is called planningNN.
    pub fn add_planning(&self, s: &Session, name: Option<&str>, peer: &str) -> Result<Configuration> {
        let config = self.configuration(s)?;
        if config.plannings.len() as i64 >= config.plannings_quota {
            return Err(conflict(
                format!(
                    "This account allows {} plannings and has them all.",
                    config.plannings_quota
                ),
                format!("Ce compte permet {} plannings et les a tous.", config.plannings_quota),
            ));
        }
        let name = match name {
            Some(n) => planning_name(n)?,
            // The n-th planning is planning0n, or the next free number after it.
            None => (config.plannings.len() + 1..)
                .map(|i| format!("planning{i:02}"))
                .find(|n| !config.plannings.iter().any(|p| p.name.eq_ignore_ascii_case(n)))
                .expect("a free default name"),
        };
        if self.name_taken(&s.hosting_number, &name, None)? {
            return Err(name_taken(&name));
        }
        let now = now_unix();
        self.store.with(|c| {
            c.execute(
                "INSERT INTO plannings (hosting_number, name, time_zone, status_changed_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![s.hosting_number, name, DEFAULT_TIME_ZONE, now],
            )
        })?;
        self.history(s, peer, "planning.add", format!("— → {name}"));
        self.configuration(s)
    }

    pub fn rename_planning(&self, s: &Session, id: i64, name: &str, peer: &str) -> Result<Configuration> {
        self.require_licence(s)?;
        let before = self.planning(&s.hosting_number, id)?.planning;
        let name = planning_name(name)?;
        if self.name_taken(&s.hosting_number, &name, Some(id))? {
            return Err(name_taken(&name));
        }
        self.store
            .with(|c| c.execute("UPDATE plannings SET name = ?2 WHERE id = ?1", params![id, name]))?;
        self.history(s, peer, "planning.rename", format!("{} → {name}", before.name));
        self.configuration(s)
    }

    /// Sets a planning's domain; the first time, a port is allocated.
    pub fn set_planning_domain(&self, s: &Session, id: i64, domain: &str, peer: &str) -> Result<Configuration> {
        self.require_licence(s)?;
        let before = self.planning(&s.hosting_number, id)?.planning;
        let domain = DomainName::parse(domain)?;
        if self.domain_taken(&s.hosting_number, domain.as_str(), Some(id))? {
            return Err(domain_taken(domain.as_str()));
        }
        let held = before.coordinates.as_ref().map(|c| c.port);
        let port = self.assign_port(&s.hosting_number, &format!("planning:{id}"), held, |tx, port| {
            tx.execute(
                "UPDATE plannings SET domain = ?2, port = ?3 WHERE id = ?1",
                params![id, domain.as_str(), port],
            )
        })?;
        let was = show(before.coordinates.as_ref());
        self.history(
            s,
            peer,
            "planning.domain",
            format!("{}: {was} → {}:{port}", before.name, domain.as_str()),
        );
        self.configuration(s)
    }

    /// Time zone, web publication, publication name, disabled: only the fields given change.
    pub fn change_planning(
        &self,
        s: &Session,
        id: i64,
        changes: &PlanningChanges,
        peer: &str,
    ) -> Result<Configuration> {
        self.require_licence(s)?;
        let row = self.planning(&s.hosting_number, id)?;
        let before = row.planning;
        let zone = changes.time_zone.as_deref().map(time_zone).transpose()?;
        let publication = match changes.publication_name.as_deref().map(str::trim) {
            None => row.raw_publication_name.clone(),
            Some("") => None,
            Some(n) => Some(planning_name(n)?),
        };
        let mut details = Vec::new();
        let zone = zone.unwrap_or_else(|| before.time_zone.clone());
        if zone != before.time_zone {
            details.push(format!("time zone {} → {zone}", before.time_zone));
        }
        let web = changes.web_publication.unwrap_or(before.web_publication);
        if web != before.web_publication {
            details.push(format!(
                "web publication {} → {}",
                on_off(before.web_publication),
                on_off(web)
            ));
        }
        let shown = publication.clone().unwrap_or_else(|| before.name.clone());
        if shown != before.publication_name {
            details.push(format!("publication name {} → {shown}", before.publication_name));
        }
        let disabled = changes.disabled.unwrap_or(before.disabled);
        if disabled != before.disabled {
            details.push(format!(
                "{} → {}",
                if before.disabled { "disabled" } else { "enabled" },
                if disabled { "disabled" } else { "enabled" }
            ));
        }
        if details.is_empty() {
            return self.configuration(s);
        }
        self.store.with(|c| {
            c.execute(
                "UPDATE plannings SET time_zone = ?2, web_publication = ?3, publication_name = ?4, disabled = ?5 WHERE id = ?1",
                params![id, zone, web, publication, disabled],
            )
        })?;
        self.history(
            s,
            peer,
            "planning.change",
            format!("{}: {}", before.name, details.join(", ")),
        );
        self.configuration(s)
    }

    /// Removes a planning and frees its port; refused while a base is in service.
    pub fn remove_planning(&self, s: &Session, id: i64, peer: &str) -> Result<Configuration> {
        self.require_licence(s)?;
        let before = self.planning(&s.hosting_number, id)?.planning;
        if let Some(base) = &before.base {
            return Err(conflict(
                format!(
                    "Planning {} has a base in service ({base}): take it out of service first.",
                    before.name
                ),
                format!(
                    "Le planning {} a une base en service ({base}) : retirez-la du service d'abord.",
                    before.name
                ),
            ));
        }
        self.store.with(|c| {
            let tx = c.unchecked_transaction()?;
            tx.execute("DELETE FROM ports WHERE owner = ?1", [format!("planning:{id}")])?;
            tx.execute("DELETE FROM plannings WHERE id = ?1", [id])?;
            tx.commit()
        })?;
        self.history(s, peer, "planning.remove", format!("{} → —", before.name));
        self.configuration(s)
    }

    /// Shares the licence's seats among the plannings; the sum can never exceed the licence.
    pub fn set_seats(&self, s: &Session, allocations: &[SeatAllocation], peer: &str) -> Result<Configuration> {
        let config = self.configuration(s)?;
        let mut next: Vec<(i64, String, Seats)> = config
            .plannings
            .iter()
            .map(|p| (p.id, p.name.clone(), p.seats))
            .collect();
        for a in allocations {
            let slot = next
                .iter_mut()
                .find(|(id, ..)| *id == a.planning_id)
                .ok_or_else(|| not_found(a.planning_id))?;
            slot.2 = a.seats;
        }
        let total = next.iter().fold(Seats::default(), |t, (_, _, seats)| Seats {
            modification: t.modification + seats.modification,
            consultation: t.consultation + seats.consultation,
        });
        let licence = config.seats.licence;
        if total.modification > licence.modification || total.consultation > licence.consultation {
            return Err(conflict(
                format!(
                    "The licence has {} Modification and {} Consultation connections; this sharing needs {} and {}.",
                    licence.modification, licence.consultation, total.modification, total.consultation
                ),
                format!(
                    "La licence compte {} connexions Modification et {} Consultation ; cette répartition en demande {} et {}.",
                    licence.modification, licence.consultation, total.modification, total.consultation
                ),
            ));
        }
        let mut details = Vec::new();
        self.store.with(|c| {
            let tx = c.unchecked_transaction()?;
            for (id, name, seats) in &next {
                let old = config
                    .plannings
                    .iter()
                    .find(|p| p.id == *id)
                    .map(|p| p.seats)
                    .unwrap_or_default();
                if old != *seats {
                    tx.execute(
                        "UPDATE plannings SET seats_modification = ?2, seats_consultation = ?3 WHERE id = ?1",
                        params![id, seats.modification, seats.consultation],
                    )?;
                    details.push(format!(
                        "{name}: {}M/{}C → {}M/{}C",
                        old.modification, old.consultation, seats.modification, seats.consultation
                    ));
                }
            }
            tx.commit()
        })?;
        if !details.is_empty() {
            self.history(s, peer, "planning.seats", details.join(", "));
        }
        self.configuration(s)
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

fn name_taken(name: &str) -> Error {
    conflict(
        format!("There is already a planning called '{name}' in this account."),
        format!("Ce compte a déjà un planning nommé « {name} »."),
    )
}

fn domain_taken(domain: &str) -> Error {
    conflict(
        format!("The domain name {domain} is already used in this account."),
        format!("Le nom de domaine {domain} est déjà utilisé dans ce compte."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planning_names_and_time_zones_are_validated() {
        assert_eq!(planning_name("  Lycée Hugo  ").unwrap(), "Lycée Hugo");
        assert!(planning_name("").is_err());
        assert!(planning_name(&"é".repeat(41)).is_err());
        assert!(planning_name(&"é".repeat(40)).is_ok());
        assert!(planning_name("a\nb").is_err());
        assert_eq!(time_zone("America/Montreal").unwrap(), "America/Montreal");
        assert!(time_zone("Mars/Olympus").is_err());
        assert!(time_zone("").is_err());
        let all = time_zones();
        assert!(all.len() > 300 && all.contains(&"Europe/Paris".to_string()) && all.windows(2).all(|w| w[0] <= w[1]));
    }
}
