//! "Récupérer tous les utilisateurs et leurs autorisations" (seed 001, third step): a `.profils` file's users,
//! profiles and assignments, merged into the account with the same rules as one change made by hand. The preview
//! runs the very same writes and rolls them back, so it says exactly what applying will do; applying is one
//! transaction, whole or not at all. Nothing is deleted: what the file does not name stays as it is, and existing
//! users keep their password. The export writes what the caller may see; password hashes only for the hosting
//! manager and the administrators who reach the whole account.

use super::administrators as admins;
use super::auth::imported_hash;
use super::store::history::{self, Outcome};
use super::store::plannings;
use super::store::profiles as profile_rows;
use super::store::users::{self as rows, Insert};
use super::users::{check_console_access, email, first_name, generated_password, hash_generated, last_name, login};
use super::users_import::PROBLEMS_SHOWN;
use super::{Controller, Session};
use crate::api::{
    Authorisation, ChangeCounts, ConsoleScope, FieldChange, GeneratedPassword, Profile, ProfileKind, ProfilsAction,
    ProfilsChange, ProfilsImport, ProfilsItem, ProfilsProblem, User, UserStatus,
};
use crate::error::{Error, Result};
use crate::ids::fold;
use crate::profils::{ProfilsAssignment, ProfilsFile, ProfilsPlanning, ProfilsProfile, ProfilsUser};
use crate::time_fmt::{now_unix, rfc3339};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

/// Creations and updates listed in full; the counts say how many there are in all.
pub const CHANGES_SHOWN: usize = 1000;
/// What one file may hold: a whole account with room to spare, and no more (each line is checked and written).
pub const USERS_MAX: usize = 50_000;
pub const PROFILES_MAX: usize = 200;
pub const ASSIGNMENTS_MAX: usize = 200_000;

/// The key a file's login is matched by: the login as the account stores it (NFC), in lower case.
fn login_key(text: &str) -> String {
    login(text).unwrap_or_else(|_| text.trim().to_owned()).to_lowercase()
}

/// Finds a name as written first, else by a looser key when that key names one thing only (the account may hold
/// both "Lycée" and "Lycee", or "Équipe" and "équipe").
struct Names<T> {
    items: Vec<T>,
    exact: HashMap<String, usize>,
    loose: HashMap<String, Vec<usize>>,
    key: fn(&str) -> String,
}

impl<T> Names<T> {
    fn new(key: fn(&str) -> String) -> Names<T> {
        Names {
            items: Vec::new(),
            exact: HashMap::new(),
            loose: HashMap::new(),
            key,
        }
    }
    fn insert(&mut self, name: &str, value: T) {
        let i = self.items.len();
        self.items.push(value);
        self.exact.insert(name.to_owned(), i);
        self.loose.entry((self.key)(name)).or_default().push(i);
    }
    fn find(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.exact
            .get(name)
            .copied()
            .or_else(|| match self.loose.get(&(self.key)(name)) {
                Some(one) if one.len() == 1 => one.first().copied(),
                _ => None,
            })
    }
    fn get(&self, name: &str) -> Option<&T> {
        self.find(name).map(|i| &self.items[i])
    }
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// Refuses a file past the limits before anything is checked or written.
fn within_limits(file: &ProfilsFile) -> Result<()> {
    let profiles: usize = file.plannings.iter().map(|p| p.profiles.len()).max().unwrap_or(0);
    let assignments: usize = file.plannings.iter().map(|p| p.assignments.len()).sum();
    if file.users.len() > USERS_MAX || profiles > PROFILES_MAX || assignments > ASSIGNMENTS_MAX {
        return Err(Error::invalid(
            format!("This file holds more than a controller takes at once: at most {USERS_MAX} users, {PROFILES_MAX} profiles per planning and {ASSIGNMENTS_MAX} assignments."),
            format!("Ce fichier contient plus qu'un contrôleur n'accepte en une fois : au plus {USERS_MAX} utilisateurs, {PROFILES_MAX} profils par planning et {ASSIGNMENTS_MAX} affectations."),
        )
        .on("file"));
    }
    Ok(())
}

/// A refusal with the field it is about and the value refused.
type Refusal<F> = Box<(F, String, Error)>;

/// A user as the import knows it once its line of the file is done.
struct Known {
    id: i64,
    status: UserStatus,
}

/// One run of an import, inside its transaction.
struct Run<'a> {
    c: &'a Connection,
    s: &'a Session,
    peer: &'a str,
    now: i64,
    report: ProfilsImport,
    /// The first problems; `problem_count` counts them all.
    problems: Vec<ProfilsProblem>,
    problem_count: usize,
    /// Every user of the account (and those the file creates), by lower-case login.
    users: HashMap<String, Known>,
    /// Logins of the file whose line has a problem: their assignments are not checked again.
    broken: HashSet<String>,
    /// Users the file makes plain users, with their place: checked against Administration once assignments are done.
    demoted: Vec<(String, User)>,
    created_logins: Vec<String>,
}

fn field(name: &str, before: impl Into<String>, after: impl Into<String>) -> FieldChange {
    FieldChange {
        field: name.into(),
        before: before.into(),
        after: after.into(),
    }
}

fn no_mail(e: &Option<String>) -> String {
    e.clone().unwrap_or_default()
}

fn authorisation_names(list: &[Authorisation]) -> String {
    list.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" ")
}

impl Run<'_> {
    fn problem(&mut self, place: String, name: &str, value: &str, e: &Error) {
        self.problem_count += 1;
        if self.problems.len() >= PROBLEMS_SHOWN {
            return;
        }
        self.problems.push(ProfilsProblem {
            place,
            name: name.to_owned(),
            value: value.to_owned(),
            message: e.message.clone(),
            message_fr: e.message_fr.clone(),
        });
    }

    /// The value, or none with its problem recorded at `place`.
    fn kept<T>(&mut self, place: String, name: &str, value: &str, result: Result<T>) -> Option<T> {
        result.map_err(|e| self.problem(place, name, value, &e)).ok()
    }

    fn change(&mut self, item: ProfilsItem, action: ProfilsAction, name: String, fields: Vec<FieldChange>) {
        let counts = match item {
            ProfilsItem::User => &mut self.report.users,
            ProfilsItem::Profile => &mut self.report.profiles,
            ProfilsItem::Assignment => &mut self.report.assignments,
        };
        match action {
            ProfilsAction::Created => counts.created += 1,
            ProfilsAction::Updated => counts.updated += 1,
        }
        if self.report.changes.len() < CHANGES_SHOWN {
            self.report.changes.push(ProfilsChange {
                item,
                action,
                name,
                fields,
            });
        }
    }

    fn record(&self, detail: &str) -> Result<()> {
        history::record(
            self.c,
            &self.s.who(self.peer),
            "profils.import",
            Outcome::Ok,
            detail,
            self.now,
        )
    }

    fn users(&mut self, list: &[ProfilsUser]) -> Result<()> {
        let (h, actor) = (&self.s.hosting_number, &self.s.actor);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, u) in list.iter().enumerate() {
            let at = |f: &str| format!("users[{i}].{f}");
            let key = login_key(&u.login);
            let login = self.kept(at("login"), &u.login, &u.login, login(&u.login));
            // A second line for a login is the problem; the first line stands (its assignments are still checked).
            if let Some(&first) = seen.get(&key).filter(|_| login.is_some()) {
                let e = Error::invalid(
                    format!("This login is already in users[{first}]."),
                    format!("Cet identifiant est déjà dans users[{first}]."),
                );
                self.problem(at("login"), &u.login, &u.login, &e);
                continue;
            }
            seen.insert(key.clone(), i);
            let first = self.kept(at("first_name"), &u.login, &u.first_name, first_name(&u.first_name));
            let last = self.kept(at("last_name"), &u.login, &u.last_name, last_name(&u.last_name));
            // Absent keeps an existing user's e-mail; "" clears it.
            let written = u.email.as_deref().unwrap_or("");
            let mail = self.kept(at("email"), &u.login, written, email(written));
            let status = UserStatus::parse(&u.status).and_then(|s| admins::check_status_given(actor, s).map(|()| s));
            let status = self.kept(at("status"), &u.login, &u.status, status);
            let hash = u.password_hash.as_deref().map(imported_hash).transpose();
            let shown_hash = u.password_hash.as_deref().unwrap_or("");
            let hash = self.kept(at("password_hash"), &u.login, shown_hash, hash);
            let (Some(login), Some(first), Some(last), Some(mail), Some(status), Some(hash)) =
                (login, first, last, mail, status, hash)
            else {
                self.broken.insert(key);
                continue;
            };
            let existing = self.users.get(&key).map(|k| k.id);
            let result = match existing {
                None => self.create_user(&login, &first, &last, mail.as_deref(), status, hash.as_deref()),
                Some(id) => {
                    let before = rows::get(self.c, h, id)?.ok_or_else(|| super::users::not_found(id))?;
                    let after = User {
                        first_name: first,
                        last_name: last,
                        email: if u.email.is_some() { mail } else { before.email.clone() },
                        status,
                        ..before.clone()
                    };
                    self.update_user(i, before, after)
                }
            };
            if let Err((f, e)) = result {
                let value = match f {
                    "status" => u.status.clone(),
                    "email" => u.email.clone().unwrap_or_default(),
                    _ => u.login.clone(),
                };
                self.problem(at(f), &u.login, &value, &e);
                self.broken.insert(key);
            }
        }
        Ok(())
    }

    /// A refusal comes with the field it is about.
    fn create_user(
        &mut self,
        login: &str,
        first: &str,
        last: &str,
        mail: Option<&str>,
        status: UserStatus,
        hash: Option<&str>,
    ) -> std::result::Result<(), (&'static str, Error)> {
        let h = &self.s.hosting_number;
        let password = hash.is_none().then(generated_password);
        let written = match (&password, hash) {
            (Some(p), _) => hash_generated(p),
            (None, Some(hash)) => hash.to_owned(),
            (None, None) => unreachable!("a user has a hash or a generated password"),
        };
        let row = Insert {
            email: mail,
            status,
            must_change_password: password.is_some(),
            parent_id: self.s.actor.administrator().map(|a| a.user_id),
            ..Insert::new(login, first, last, &written)
        };
        let id = rows::insert(self.c, h, &row, self.now).map_err(|e| ("login", e))?;
        self.users.insert(login.to_lowercase(), Known { id, status });
        self.created_logins.push(login.to_owned());
        let fields = vec![
            field("first_name", "", first),
            field("last_name", "", last),
            field("email", "", mail.unwrap_or("")),
            field("status", "", status.as_str()),
            field("password", "", if password.is_some() { "generated" } else { "file" }),
        ];
        self.change(ProfilsItem::User, ProfilsAction::Created, login.to_owned(), fields);
        if let Some(password) = password {
            self.report.passwords.push(GeneratedPassword {
                login: login.to_owned(),
                password,
            });
        }
        Ok(())
    }

    /// The same rules as a change by hand: who may change whom, console access, the scope a status allows, the
    /// last superadministrator.
    fn update_user(&mut self, i: usize, before: User, after: User) -> std::result::Result<(), (&'static str, Error)> {
        let (c, h) = (self.c, &self.s.hosting_number);
        if (&before.first_name, &before.last_name, &before.email, before.status)
            == (&after.first_name, &after.last_name, &after.email, after.status)
        {
            self.report.users.unchanged += 1;
            return Ok(());
        }
        let rights = before.status != after.status;
        admins::check_may_change(c, &self.s.actor, &before, rights).map_err(|e| ("login", e))?;
        check_console_access(after.status, after.email.as_deref(), after.console_access).map_err(|e| {
            let f = if after.email.is_none() { "email" } else { "status" };
            (f, e)
        })?;
        if let Some(scope) = after.scope.as_ref().filter(|_| rights) {
            admins::check_grant(c, h, &self.s.actor, after.status, scope).map_err(|e| ("status", e))?;
        }
        super::users::guard_last_superadministrator(c, h, &before, &after).map_err(|e| ("status", e))?;
        rows::update(c, h, &after).map_err(|e| ("login", e))?;
        self.record(&super::users::describe(&before, &after))
            .map_err(|e| ("login", e))?;
        if before.status.is_administrator() && !after.status.is_administrator() {
            self.demoted.push((format!("users[{i}].status"), after.clone()));
        }
        self.users.insert(
            after.login.to_lowercase(),
            Known {
                id: after.id,
                status: after.status,
            },
        );
        let mut fields = vec![
            field("first_name", &before.first_name, &after.first_name),
            field("last_name", &before.last_name, &after.last_name),
            field("email", no_mail(&before.email), no_mail(&after.email)),
            field("status", before.status.as_str(), after.status.as_str()),
        ];
        fields.retain(|f| f.before != f.after);
        self.change(ProfilsItem::User, ProfilsAction::Updated, after.login, fields);
        Ok(())
    }

    fn planning(&mut self, pi: usize, p: &ProfilsPlanning, id: i64, name: &str) -> Result<()> {
        let h = &self.s.hosting_number;
        let mut profiles = Names::new(lower);
        for profile in profile_rows::list(self.c, h, id)? {
            profiles.insert(&profile.name.clone(), profile);
        }
        let mut seen = HashSet::new();
        // Profiles of the file with a problem: their assignments are not checked again.
        let mut broken = HashSet::new();
        for (qi, prof) in p.profiles.iter().enumerate() {
            let at = format!("plannings[{pi}].profiles[{qi}]");
            let shown = format!("{name} / {}", prof.name);
            if let Err(refusal) = self.profile(id, name, prof, &mut profiles, &mut seen) {
                let (f, value, e) = *refusal;
                self.problem(format!("{at}{f}"), &shown, &value, &e);
                broken.insert(prof.name.trim().to_lowercase());
            }
        }
        let mut assigned: HashMap<i64, i64> = profile_rows::assignments(self.c, id)?
            .into_iter()
            .map(|(user, _, profile)| (user, profile))
            .collect();
        let mut given: HashMap<String, usize> = HashMap::new();
        for (ai, a) in p.assignments.iter().enumerate() {
            let at = format!("plannings[{pi}].assignments[{ai}]");
            let shown = format!("{name} / {}", a.login);
            let key = login_key(&a.login);
            if self.broken.contains(&key) {
                continue;
            }
            if let Some(first) = given.insert(key.clone(), ai) {
                let e = Error::invalid(
                    format!("This user already has a profile in this planning, at assignments[{first}]: one profile per user and planning."),
                    format!("Cet utilisateur a déjà un profil dans ce planning, en assignments[{first}] : un profil par utilisateur et par planning."),
                );
                self.problem(format!("{at}.login"), &shown, &a.login, &e);
                continue;
            }
            if broken.contains(&a.profile.trim().to_lowercase()) {
                continue;
            }
            if let Err(refusal) = self.assignment(a, &key, name, &profiles, &mut assigned) {
                let (f, value, e) = *refusal;
                self.problem(format!("{at}.{f}"), &shown, &value, &e);
            }
        }
        Ok(())
    }

    /// A refusal comes with the field it is about and the value refused.
    fn profile(
        &mut self,
        planning_id: i64,
        planning: &str,
        prof: &ProfilsProfile,
        profiles: &mut Names<Profile>,
        seen: &mut HashSet<String>,
    ) -> std::result::Result<(), Refusal<String>> {
        let fail = |f: &str, value: &str, e: Error| Box::new((f.to_owned(), value.to_owned(), e));
        let name = super::profiles::profile_name(&prof.name).map_err(|e| fail(".name", &prof.name, e))?;
        if !seen.insert(name.to_lowercase()) {
            let e = Error::invalid(
                "This profile is already given for this planning.",
                "Ce profil est déjà donné pour ce planning.",
            );
            return Err(fail(".name", &prof.name, e));
        }
        let kind = ProfileKind::parse(&prof.kind).map_err(|e| fail(".kind", &prof.kind, e))?;
        let mut list = Vec::with_capacity(prof.authorisations.len());
        for (k, a) in prof.authorisations.iter().enumerate() {
            list.push(Authorisation::parse(a).map_err(|e| fail(&format!(".authorisations[{k}]"), a, e))?);
        }
        let shown = format!("{planning} / {name}");
        let wrote = |e: Error| fail("", &prof.name, e);
        match profiles.get(&name).cloned() {
            Some(before) if before.kind != kind => Err(fail(
                ".kind",
                &prof.kind,
                Error::invalid(
                    format!("{} is a {} profile in this planning: a profile's kind does not change.", before.name, before.kind.as_str()),
                    format!("{} est un profil {} dans ce planning : le type d'un profil ne change pas.", before.name, before.kind.as_str()),
                ),
            )),
            // Administration holds every authorisation, whatever the file lists.
            Some(_) if kind == ProfileKind::Administration => {
                self.report.profiles.unchanged += 1;
                Ok(())
            }
            Some(before) => {
                let list = super::profiles::authorisations(kind, &list)
                    .map_err(|e| fail(".authorisations", &prof.authorisations.join(" "), e))?;
                if list == before.authorisations {
                    self.report.profiles.unchanged += 1;
                    return Ok(());
                }
                profile_rows::update(self.c, before.id, &before.name, &list).map_err(wrote)?;
                let after = Profile {
                    authorisations: list,
                    ..before.clone()
                };
                self.record(&super::profiles::describe(planning, &before, &after)).map_err(wrote)?;
                let fields = vec![field(
                    "authorisations",
                    authorisation_names(&before.authorisations),
                    authorisation_names(&after.authorisations),
                )];
                self.change(ProfilsItem::Profile, ProfilsAction::Updated, shown, fields);
                if let Some(i) = profiles.find(&name) {
                    profiles.items[i] = after;
                }
                Ok(())
            }
            None if kind == ProfileKind::Administration => Err(fail(
                ".kind",
                &prof.kind,
                Error::invalid(
                    "Administration exists once per planning: a new profile is of the modification or consultation kind.",
                    "Administration existe une fois par planning : un nouveau profil est de type modification ou consultation.",
                ),
            )),
            None => {
                let list = super::profiles::authorisations(kind, &list)
                    .map_err(|e| fail(".authorisations", &prof.authorisations.join(" "), e))?;
                let id = profile_rows::insert(self.c, planning_id, &name, kind, false, &list, self.now).map_err(wrote)?;
                let fields = vec![
                    field("kind", "", kind.as_str()),
                    field("authorisations", "", authorisation_names(&list)),
                ];
                self.change(ProfilsItem::Profile, ProfilsAction::Created, shown, fields);
                let profile = Profile {
                    id,
                    planning_id,
                    name: name.clone(),
                    kind,
                    builtin: false,
                    authorisations: list,
                    assigned: 0,
                };
                profiles.insert(&name, profile);
                Ok(())
            }
        }
    }

    fn assignment(
        &mut self,
        a: &ProfilsAssignment,
        key: &str,
        planning: &str,
        profiles: &Names<Profile>,
        assigned: &mut HashMap<i64, i64>,
    ) -> std::result::Result<(), Refusal<&'static str>> {
        let Some(user) = self.users.get(key) else {
            let e = Error::invalid(
                format!("No user '{}' in the file or in the account.", a.login),
                format!("Aucun utilisateur « {} » dans le fichier ni dans le compte.", a.login),
            );
            return Err(Box::new(("login", a.login.clone(), e)));
        };
        let (user_id, status) = (user.id, user.status);
        let Some(profile) = profiles.get(&a.profile) else {
            let e = Error::invalid(
                format!("No profile '{}' in {planning}, nor in the file for it.", a.profile),
                format!(
                    "Aucun profil « {} » dans {planning}, ni dans le fichier pour lui.",
                    a.profile
                ),
            );
            return Err(Box::new(("profile", a.profile.clone(), e)));
        };
        if profile.kind == ProfileKind::Administration && status == UserStatus::User {
            let e = Error::invalid(
                format!(
                    "{} is a user: only administrators can have the Administration profile.",
                    a.login
                ),
                format!(
                    "{} est utilisateur : seuls les administrateurs peuvent avoir le profil Administration.",
                    a.login
                ),
            );
            return Err(Box::new(("profile", a.profile.clone(), e)));
        }
        let shown = format!("{planning} / {}", a.login);
        let wrote = |e: Error| Box::new(("login", a.login.clone(), e));
        let previous = assigned.get(&user_id).copied();
        if previous == Some(profile.id) {
            self.report.assignments.unchanged += 1;
            return Ok(());
        }
        // An administrator's profiles are its rights: changed only by those who may change it.
        if status.is_administrator() {
            let target = rows::get(self.c, &self.s.hosting_number, user_id).map_err(wrote)?;
            if let Some(target) = target {
                admins::check_may_change(self.c, &self.s.actor, &target, true).map_err(wrote)?;
            }
        }
        if let Some(p) = previous {
            profile_rows::unassign(self.c, p, user_id).map_err(wrote)?;
        }
        profile_rows::assign(self.c, profile, user_id, self.now).map_err(wrote)?;
        assigned.insert(user_id, profile.id);
        let before = previous
            .and_then(|p| profiles.items.iter().find(|q| q.id == p))
            .map(|q| q.name.clone())
            .unwrap_or_default();
        let action = if previous.is_some() {
            self.record(&format!("{shown}: profile {before} → {}", profile.name))
                .map_err(wrote)?;
            ProfilsAction::Updated
        } else {
            ProfilsAction::Created
        };
        self.change(
            ProfilsItem::Assignment,
            action,
            shown,
            vec![field("profile", before, &profile.name)],
        );
        Ok(())
    }

    /// A user the file made plain may not keep Administration anywhere (the file may have moved it out).
    fn check_demoted(&mut self) -> Result<()> {
        for (place, user) in std::mem::take(&mut self.demoted) {
            let list = profile_rows::administration_plannings(self.c, user.id)?;
            if !list.is_empty() {
                let e = Error::invalid(
                    format!(
                        "{} keeps the Administration profile in {}: a user cannot have it.",
                        user.login,
                        list.join(", ")
                    ),
                    format!(
                        "{} garde le profil Administration dans {} : un utilisateur ne peut pas l'avoir.",
                        user.login,
                        list.join(", ")
                    ),
                );
                self.problem(place, &user.login, user.status.as_str(), &e);
            }
        }
        Ok(())
    }

    fn summary(&self) -> String {
        let counts = |what: &str, n: &ChangeCounts| {
            format!(
                "{what} {} created, {} updated, {} unchanged",
                n.created, n.updated, n.unchanged
            )
        };
        let shown: Vec<&str> = self.created_logins.iter().take(20).map(String::as_str).collect();
        let more = self.created_logins.len().saturating_sub(20);
        let created = match (shown.is_empty(), more) {
            (true, _) => String::new(),
            (false, 0) => format!(" (created: {})", shown.join(", ")),
            (false, more) => format!(" (created: {} and {more} more)", shown.join(", ")),
        };
        format!(
            "{}; {}; {}{created}",
            counts("users", &self.report.users),
            counts("profiles", &self.report.profiles),
            counts("assignments", &self.report.assignments)
        )
    }
}

impl Controller {
    /// Previews (`check_only`: the same writes, rolled back) or applies a `.profils` file, whole or not at all.
    pub fn import_profils(&self, s: &Session, bytes: &[u8], check_only: bool, peer: &str) -> Result<ProfilsImport> {
        let file = ProfilsFile::read(bytes)?;
        within_limits(&file)?;
        let h = &s.hosting_number;
        self.store.write_or_roll_back(|c| {
            let users = rows::keys(c, h)?
                .into_iter()
                .map(|(key, id, status)| (key, Known { id, status }))
                .collect();
            let mut run = Run {
                c,
                s,
                peer,
                now: now_unix(),
                report: ProfilsImport {
                    applied: false,
                    problems: Vec::new(),
                    problem_count: 0,
                    users: ChangeCounts::default(),
                    profiles: ChangeCounts::default(),
                    assignments: ChangeCounts::default(),
                    changes: Vec::new(),
                    passwords: Vec::new(),
                },
                problems: Vec::new(),
                problem_count: 0,
                users,
                broken: HashSet::new(),
                demoted: Vec::new(),
                created_logins: Vec::new(),
            };
            run.users(&file.users)?;
            // Only the plannings the caller reaches: the others are as unknown to it as another account's.
            let mut reached = Names::new(fold);
            for p in plannings::list(c, h)?
                .into_iter()
                .filter(|p| s.actor.sees_planning(p.planning.id))
            {
                reached.insert(&p.planning.name, (p.planning.id, p.planning.name.clone()));
            }
            let mut seen = HashSet::new();
            for (pi, p) in file.plannings.iter().enumerate() {
                let Some((id, name)) = reached.get(&p.name) else {
                    let e = match s.actor.administrator() {
                        Some(_) => Error::invalid(
                            format!("No planning '{}' among the plannings you manage.", p.name),
                            format!("Aucun planning « {} » parmi ceux que vous gérez.", p.name),
                        ),
                        None => Error::invalid(
                            format!("No planning '{}' in the account.", p.name),
                            format!("Aucun planning « {} » dans le compte.", p.name),
                        ),
                    };
                    run.problem(format!("plannings[{pi}].name"), &p.name, &p.name, &e);
                    continue;
                };
                if !seen.insert(*id) {
                    let e = Error::invalid(
                        "This planning is already in the file: give its profiles and assignments once.",
                        "Ce planning est déjà dans le fichier : donnez ses profils et affectations une seule fois.",
                    );
                    run.problem(format!("plannings[{pi}].name"), &p.name, &p.name, &e);
                    continue;
                }
                run.planning(pi, p, *id, name)?;
            }
            run.check_demoted()?;
            let keep = !check_only && run.problem_count == 0;
            if keep {
                run.record(&run.summary())?;
            }
            let mut report = run.report;
            report.applied = keep;
            if !keep {
                report.passwords.clear();
            }
            report.problem_count = u32::try_from(run.problem_count).unwrap_or(u32::MAX);
            report.problems = run.problems;
            Ok((report, keep))
        })
    }

    /// The account's users, and the profiles and assignments of the plannings the caller reaches, as a `.profils`
    /// file. Chosen passwords' hashes go to the whole account's administrators only; generated ones never go.
    pub fn export_profils(&self, s: &Session, peer: &str) -> Result<ProfilsFile> {
        let h = &s.hosting_number;
        let now = now_unix();
        self.store.write(|c| {
            let generator = format!("Planhost {}", env!("CARGO_PKG_VERSION"));
            let mut file = ProfilsFile::new(&generator, rfc3339(now));
            let mut hashes = 0;
            // Hashes could be attacked offline: only those who reach every user and planning export them.
            let whole_account = match &s.actor {
                super::actor::Actor::Administrator(a) => a.parent_id.is_none() && a.scope == ConsoleScope::everything(),
                _ => true,
            };
            for (u, hash) in rows::all_with_password_hash(c, h)? {
                let chosen = !u.must_change_password && hash.starts_with("$argon2id$");
                let password_hash = (whole_account && chosen).then_some(hash);
                hashes += usize::from(password_hash.is_some());
                file.users.push(ProfilsUser {
                    login: u.login,
                    first_name: u.first_name,
                    last_name: u.last_name,
                    email: u.email,
                    status: u.status.as_str().into(),
                    password_hash,
                });
            }
            for p in plannings::list(c, h)?
                .into_iter()
                .filter(|p| s.actor.sees_planning(p.planning.id))
            {
                let profiles = profile_rows::list(c, h, p.planning.id)?;
                let names: HashMap<i64, &str> = profiles.iter().map(|q| (q.id, q.name.as_str())).collect();
                let assignments = profile_rows::assignments(c, p.planning.id)?
                    .into_iter()
                    .map(|(_, login, profile)| ProfilsAssignment {
                        login,
                        profile: names.get(&profile).copied().unwrap_or_default().to_owned(),
                    })
                    .collect();
                file.plannings.push(ProfilsPlanning {
                    name: p.planning.name,
                    profiles: profiles
                        .iter()
                        .map(|q| ProfilsProfile {
                            name: q.name.clone(),
                            kind: q.kind.as_str().into(),
                            authorisations: q.authorisations.iter().map(|a| a.as_str().to_owned()).collect(),
                        })
                        .collect(),
                    assignments,
                });
            }
            let detail = format!(
                "{} users ({hashes} with a password hash), {} plannings",
                file.users.len(),
                file.plannings.len()
            );
            history::record(c, &s.who(peer), "profils.export", Outcome::Ok, &detail, now)?;
            Ok(file)
        })
    }
}
