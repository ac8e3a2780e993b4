//! The hosting account's configuration: the controller's domain and port, activation, plannings (quota, names,
//! domains, time zones, web publication), licence seats. Each change is one `BEGIN IMMEDIATE` transaction: checked,
//! applied and written to the history as `before → after`, whole or not at all.

use super::store::history::{self, Outcome};
use super::store::plannings::{self, Row};
use super::store::{accounts, ports};
use super::{Controller, Session};
use crate::api::{
    ConfigChange, Configuration, ControllerSettings, Coordinates, Planning, PlanningChanges, SeatAllocation, Seats,
    SeatsSummary,
};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{display_name, DomainName, HostingNumber};
use crate::time_fmt::now_unix;
use rusqlite::Connection;

pub use plannings::DEFAULT_TIME_ZONE;
const NAME_MAX: usize = 40;

/// A planning's name: 1–40 characters (see `display_name`).
pub fn planning_name(input: &str) -> Result<String> {
    display_name(input, NAME_MAX, ("A planning's name", "Le nom d'un planning"))
}

/// Names in the time-zone database that are not places: they are refused.
fn is_place(name: &str) -> bool {
    !matches!(name, "Factory" | "localtime" | "posixrules")
        && !name.starts_with("posix/")
        && !name.starts_with("right/")
}

/// An IANA time zone, written exactly as in the database (`Europe/Paris`, not `europe/paris`).
pub fn time_zone(input: &str) -> Result<String> {
    let name = input.trim();
    let known = is_place(name) && jiff::tz::db().available().any(|n| n.as_str() == name);
    if known {
        Ok(name.to_owned())
    } else {
        Err(Error::invalid(
            format!("'{name}' is not a time zone: choose one in the list (for example Europe/Paris)."),
            format!(
                "« {name} » n'est pas un fuseau horaire : choisissez-en un dans la liste (par exemple Europe/Paris)."
            ),
        ))
    }
}

/// Every IANA time zone a planning may use, sorted.
pub fn time_zones() -> Vec<String> {
    let mut all: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.to_string())
        .filter(|n| is_place(n))
        .collect();
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

/// `domain:port`, or a dash when there are no coordinates yet.
fn show(coordinates: Option<&Coordinates>) -> String {
    coordinates.map_or_else(|| "—".into(), |c| format!("{}:{}", c.domain, c.port))
}

/// True if any account's controller or any planning of this controller (other than the one being changed) uses
/// this domain: a domain name leads to one place only.
fn domain_taken(c: &Connection, domain: &str, hosting: &HostingNumber, planning: Option<i64>) -> Result<bool> {
    let other_controller = match planning {
        Some(_) => None,
        None => Some(hosting),
    };
    Ok(
        accounts::controller_domain_taken(c, domain, other_controller)?
            || plannings::domain_taken(c, domain, planning)?,
    )
}

/// Modification and Consultation seats added up in 64 bits: no value can wrap the sums around.
pub(super) fn total(seats: impl Iterator<Item = Seats>) -> (u64, u64) {
    seats.fold((0, 0), |(m, c), s| {
        (m + u64::from(s.modification), c + u64::from(s.consultation))
    })
}

/// Sums within the licence fit in a `u32`; anything larger is shown as the most a `u32` holds.
fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn configuration_in(c: &Connection, hosting: &HostingNumber) -> Result<Configuration> {
    let account = accounts::settings(c, hosting)?;
    let plannings: Vec<Planning> = plannings::list(c, hosting)?.into_iter().map(|r| r.planning).collect();
    let licence = account.seats;
    let (m, cons) = total(plannings.iter().map(|p| p.seats));
    let allocated = Seats {
        modification: clamp(m),
        consultation: clamp(cons),
    };
    let left = Seats {
        modification: licence.modification.saturating_sub(allocated.modification),
        consultation: licence.consultation.saturating_sub(allocated.consultation),
    };
    Ok(Configuration {
        controller: ControllerSettings {
            coordinates: account
                .controller_domain
                .zip(account.controller_port)
                .map(|(domain, port)| Coordinates { domain, port }),
            active: account.controller_active,
        },
        plannings,
        plannings_quota: account.plannings_quota,
        seats: SeatsSummary {
            licence,
            allocated,
            left,
        },
    })
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

fn domain_taken_error(domain: &str) -> Error {
    conflict(
        format!("The domain name {domain} is already used on this controller."),
        format!("Le nom de domaine {domain} est déjà utilisé sur ce contrôleur."),
    )
}

/// A planning change with every field checked, before anything is written.
struct CheckedChanges {
    name: Option<String>,
    domain: Option<DomainName>,
    time_zone: Option<String>,
    web_publication: Option<bool>,
    /// `Some(None)`: back to the planning's name.
    publication_name: Option<Option<String>>,
    disabled: Option<bool>,
}

impl CheckedChanges {
    fn check(changes: &PlanningChanges) -> Result<CheckedChanges> {
        Ok(CheckedChanges {
            name: changes.name.as_deref().map(planning_name).transpose()?,
            domain: changes.domain.as_deref().map(DomainName::parse).transpose()?,
            time_zone: changes.time_zone.as_deref().map(time_zone).transpose()?,
            web_publication: changes.web_publication,
            publication_name: match changes.publication_name.as_deref().map(str::trim) {
                None => None,
                Some("") => Some(None),
                Some(n) => Some(Some(display_name(
                    n,
                    NAME_MAX,
                    ("A publication name", "Le nom de publication"),
                )?)),
            },
            disabled: changes.disabled,
        })
    }
}

/// The plannings a delegated administrator is limited to; everything for the others.
fn seen_by(s: &Session, mut config: Configuration) -> Configuration {
    config.plannings.retain(|p| s.actor.sees_planning(p.id));
    config
}

impl Controller {
    /// Carries out one change of the Configuration pane.
    pub fn apply(&self, s: &Session, change: &ConfigChange, peer: &str) -> Result<Configuration> {
        let config = match change {
            ConfigChange::ControllerDomain { domain } => self.set_controller_domain(s, domain, peer),
            ConfigChange::ControllerActive { active } => self.set_controller_active(s, *active, peer),
            ConfigChange::AddPlanning { name } => self.add_planning(s, name.as_deref(), peer),
            ConfigChange::ChangePlanning { id, changes } => self.change_planning(s, *id, changes, peer),
            ConfigChange::RemovePlanning { id } => self.remove_planning(s, *id, peer),
            ConfigChange::Seats { allocations } => self.set_seats(s, allocations, peer),
        }?;
        Ok(seen_by(s, config))
    }

    pub fn configuration(&self, s: &Session) -> Result<Configuration> {
        Ok(seen_by(s, self.store.read(|c| configuration_in(c, &s.hosting_number))?))
    }

    /// Sets the controller's domain; the first time, a port is allocated from the pool.
    fn set_controller_domain(&self, s: &Session, domain: &str, peer: &str) -> Result<Configuration> {
        let domain = DomainName::parse(domain)?;
        let pool = self.port_pool();
        let now = now_unix();
        self.store.write(|c| {
            let h = &s.hosting_number;
            let before = configuration_in(c, h)?.controller.coordinates;
            if domain_taken(c, domain.as_str(), h, None)? {
                return Err(domain_taken_error(domain.as_str()));
            }
            let port = match &before {
                Some(k) => k.port,
                None => ports::allocate(c, pool, h, ports::CONTROLLER_OWNER)?,
            };
            accounts::set_controller(c, h, domain.as_str(), port)?;
            let detail = format!("{} → {}:{port}", show(before.as_ref()), domain.as_str());
            history::record(c, &s.who(peer), "controller.domain", Outcome::Ok, &detail, now)?;
            configuration_in(c, h)
        })
    }

    pub fn set_controller_active(&self, s: &Session, active: bool, peer: &str) -> Result<Configuration> {
        let now = now_unix();
        self.store.write(|c| {
            let h = &s.hosting_number;
            let config = configuration_in(c, h)?;
            if active && config.controller.coordinates.is_none() {
                return Err(Error::invalid(
                    "Set the controller's domain name before activating it.",
                    "Saisissez le nom de domaine du contrôleur avant de l'activer.",
                ));
            }
            if config.controller.active == active {
                return Ok(config);
            }
            accounts::set_active(c, h, active)?;
            let word = |a: bool| if a { "active" } else { "inactive" };
            let detail = format!("{} → {}", word(config.controller.active), word(active));
            history::record(c, &s.who(peer), "controller.active", Outcome::Ok, &detail, now)?;
            configuration_in(c, h)
        })
    }

    /// Adds a planning, up to the account's quota. Without a name it is called planningNN.
    fn add_planning(&self, s: &Session, name: Option<&str>, peer: &str) -> Result<Configuration> {
        let name = name.map(planning_name).transpose()?;
        let now = now_unix();
        self.store.write(|c| {
            let h = &s.hosting_number;
            let config = configuration_in(c, h)?;
            let count = config.plannings.len();
            if i64::try_from(count).unwrap_or(i64::MAX) >= config.plannings_quota {
                return Err(conflict(
                    format!(
                        "This account allows {} plannings and has them all.",
                        config.plannings_quota
                    ),
                    format!("Ce compte permet {} plannings et les a tous.", config.plannings_quota),
                ));
            }
            // The n-th planning is planning0n, or the next free number after it.
            let name = name.clone().unwrap_or_else(|| {
                (count + 1..)
                    .map(|i| format!("planning{i:02}"))
                    .find(|n| !config.plannings.iter().any(|p| p.name.eq_ignore_ascii_case(n)))
                    .unwrap_or_default()
            });
            if plannings::name_taken(c, h, &name, None)? {
                return Err(name_taken(&name));
            }
            plannings::insert(c, h, &name, now)?;
            history::record(
                c,
                &s.who(peer),
                "planning.add",
                Outcome::Ok,
                &format!("— → {name}"),
                now,
            )?;
            configuration_in(c, h)
        })
    }

    /// Name, domain, time zone, web publication, publication name, disabled: every field given is checked, then all
    /// are applied in one transaction, or none.
    fn change_planning(&self, s: &Session, id: i64, changes: &PlanningChanges, peer: &str) -> Result<Configuration> {
        let changes = CheckedChanges::check(changes)?;
        let pool = self.port_pool();
        let now = now_unix();
        self.store.write(|c| {
            let h = &s.hosting_number;
            let Row {
                planning: before,
                publication_name: raw_publication,
            } = plannings::get(c, h, id)?.ok_or_else(|| not_found(id))?;
            let mut details = Vec::new();
            let name = changes.name.clone().unwrap_or_else(|| before.name.clone());
            if name != before.name {
                if plannings::name_taken(c, h, &name, Some(id))? {
                    return Err(name_taken(&name));
                }
                details.push(format!("name {} → {name}", before.name));
            }
            let mut coordinates = before.coordinates.clone();
            if let Some(domain) = &changes.domain {
                if before.coordinates.as_ref().map(|k| k.domain.as_str()) != Some(domain.as_str()) {
                    // The controller's own name would be in the planning server's certificate: never a planning's.
                    if domain_taken(c, domain.as_str(), h, Some(id))? || domain.as_str() == self.domain() {
                        return Err(domain_taken_error(domain.as_str()));
                    }
                    let port = match &before.coordinates {
                        Some(k) => k.port,
                        None => ports::allocate(c, pool, h, &ports::planning_owner(id))?,
                    };
                    let after = Coordinates {
                        domain: domain.as_str().to_owned(),
                        port,
                    };
                    details.push(format!(
                        "coordinates {} → {}",
                        show(before.coordinates.as_ref()),
                        show(Some(&after))
                    ));
                    coordinates = Some(after);
                }
            }
            let zone = changes.time_zone.clone().unwrap_or_else(|| before.time_zone.clone());
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
            let publication = changes.publication_name.clone().unwrap_or(raw_publication);
            let shown = publication.clone().unwrap_or_else(|| name.clone());
            if shown != before.publication_name {
                details.push(format!("publication name {} → {shown}", before.publication_name));
            }
            let disabled = changes.disabled.unwrap_or(before.disabled);
            if disabled != before.disabled {
                let word = |d: bool| if d { "disabled" } else { "enabled" };
                details.push(format!("{} → {}", word(before.disabled), word(disabled)));
            }
            if details.is_empty() {
                return configuration_in(c, h);
            }
            plannings::update(
                c,
                id,
                &plannings::Settings {
                    name: &name,
                    coordinates: coordinates.as_ref(),
                    time_zone: &zone,
                    web_publication: web,
                    publication_name: publication.as_deref(),
                    disabled,
                },
            )?;
            let detail = format!("{}: {}", before.name, details.join(", "));
            history::record(c, &s.who(peer), "planning.change", Outcome::Ok, &detail, now)?;
            configuration_in(c, h)
        })
    }

    /// Removes a planning and frees its port; refused while a base is in service.
    fn remove_planning(&self, s: &Session, id: i64, peer: &str) -> Result<Configuration> {
        let now = now_unix();
        self.store.write(|c| {
            let h = &s.hosting_number;
            let before = plannings::get(c, h, id)?.ok_or_else(|| not_found(id))?.planning;
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
            ports::free(c, h, &ports::planning_owner(id))?;
            plannings::delete(c, id)?;
            history::record(
                c,
                &s.who(peer),
                "planning.remove",
                Outcome::Ok,
                &format!("{} → —", before.name),
                now,
            )?;
            configuration_in(c, h)
        })
    }

    /// Shares the licence's seats among the plannings: each value from 0 to the licence, and the sums never beyond
    /// it (computed in 64 bits: no value can wrap them around).
    fn set_seats(&self, s: &Session, allocations: &[SeatAllocation], peer: &str) -> Result<Configuration> {
        let now = now_unix();
        self.store.write(|c| {
            let h = &s.hosting_number;
            let config = configuration_in(c, h)?;
            let licence = config.seats.licence;
            let mut next: Vec<(i64, String, Seats)> =
                config.plannings.iter().map(|p| (p.id, p.name.clone(), p.seats)).collect();
            for a in allocations {
                let slot = next
                    .iter_mut()
                    .find(|(id, ..)| *id == a.planning_id)
                    .ok_or_else(|| not_found(a.planning_id))?;
                if a.seats.modification > licence.modification || a.seats.consultation > licence.consultation {
                    return Err(Error::invalid(
                        format!(
                            "{}: give from 0 to {} Modification and from 0 to {} Consultation connections.",
                            slot.1, licence.modification, licence.consultation
                        ),
                        format!(
                            "{} : attribuez de 0 à {} connexions Modification et de 0 à {} Consultation.",
                            slot.1, licence.modification, licence.consultation
                        ),
                    ));
                }
                slot.2 = a.seats;
            }
            let (m, cons) = total(next.iter().map(|(.., seats)| *seats));
            if m > u64::from(licence.modification) || cons > u64::from(licence.consultation) {
                return Err(conflict(
                    format!(
                        "The licence has {} Modification and {} Consultation connections; this sharing needs {m} and {cons}.",
                        licence.modification, licence.consultation
                    ),
                    format!(
                        "La licence compte {} connexions Modification et {} Consultation ; cette répartition en demande {m} et {cons}.",
                        licence.modification, licence.consultation
                    ),
                ));
            }
            let mut details = Vec::new();
            for (id, name, seats) in &next {
                let old = config.plannings.iter().find(|p| p.id == *id).map(|p| p.seats).unwrap_or_default();
                if old != *seats {
                    plannings::set_seats(c, *id, *seats)?;
                    details.push(format!(
                        "{name}: {}M/{}C → {}M/{}C",
                        old.modification, old.consultation, seats.modification, seats.consultation
                    ));
                }
            }
            if !details.is_empty() {
                history::record(c, &s.who(peer), "planning.seats", Outcome::Ok, &details.join(", "), now)?;
            }
            configuration_in(c, h)
        })
    }
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
        for bad in [
            "Mars/Olympus",
            "",
            "localtime",
            "Factory",
            "europe/paris",
            "posix/Europe/Paris",
        ] {
            assert_eq!(time_zone(bad).unwrap_err().code, ErrorCode::InvalidInput, "{bad:?}");
        }
        let all = time_zones();
        assert!(all.len() > 300 && all.contains(&"Europe/Paris".to_string()) && all.windows(2).all(|w| w[0] <= w[1]));
        assert!(!all.iter().any(|z| z == "Factory" || z == "localtime"));
    }
}
