//! "Récupérer tous les utilisateurs et leurs autorisations" (seed 001, third step): a `.profils` file's users,
//! profiles and assignments, merged into the account with the same rules as one change made by hand. The preview
//! runs the very same writes and rolls them back, so it says exactly what applying will do; applying is one
//! transaction, whole or not at all. Nothing is deleted: what the file does not name stays as it is, and existing
//! users keep their password. The export writes what the caller may see, and password hashes only of the users it
//! may change.

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
    Authorisation, ChangeCounts, FieldChange, GeneratedPassword, Profile, ProfileKind, ProfilsAction, ProfilsChange,
    ProfilsImport, ProfilsItem, ProfilsProblem, User, UserStatus,
};
use crate::error::{Error, Result};
use crate::ids::fold;
use crate::profils::{ProfilsAssignment, ProfilsFile, ProfilsPlanning, ProfilsProfile, ProfilsUser};
use crate::time_fmt::{now_unix, rfc3339};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

/// Creations and updates listed in full; the counts say how many there are in all.
pub const CHANGES_SHOWN: usize = 1000;

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
    problems: Vec<ProfilsProblem>,
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
        self.problems.push(ProfilsProblem {
            place,
            name: name.to_owned(),
            value: value.to_owned(),
            message: e.message.clone(),
            message_fr: e.message_fr.clone(),
        });
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
        let h = &self.s.hosting_number;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, u) in list.iter().enumerate() {
            let at = |f: &str| format!("users[{i}].{f}");
            let before = self.problems.len();
            let key = u.login.trim().to_lowercase();
            let login = match login(&u.login) {
                Ok(l) => Some(l),
                Err(e) => {
                    self.problem(at("login"), &u.login, &u.login, &e);
                    None
                }
            };
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
            let mut check = |f: &str, value: &str, r: Result<()>| {
                if let Err(e) = r {
                    self.problem(at(f), &u.login, value, &e);
                }
            };
            let first = first_name(&u.first_name);
            let last = last_name(&u.last_name);
            let mail = email(u.email.as_deref().unwrap_or(""));
            let status = UserStatus::parse(&u.status);
            let hash = u.password_hash.as_deref().map(imported_hash).transpose();
            check(
                "first_name",
                &u.first_name,
                first.as_ref().map(|_| ()).map_err(Clone::clone),
            );
            check(
                "last_name",
                &u.last_name,
                last.as_ref().map(|_| ()).map_err(Clone::clone),
            );
            check(
                "email",
                u.email.as_deref().unwrap_or(""),
                mail.as_ref().map(|_| ()).map_err(Clone::clone),
            );
            check("status", &u.status, status.as_ref().map(|_| ()).map_err(Clone::clone));
            let shown_hash = u.password_hash.as_deref().unwrap_or("");
            check(
                "password_hash",
                shown_hash,
                hash.as_ref().map(|_| ()).map_err(Clone::clone),
            );
            let (Some(login), Ok(first), Ok(last), Ok(mail), Ok(status), Ok(hash)) =
                (login, first, last, mail, status, hash)
            else {
                self.broken.insert(key);
                continue;
            };
            if self.problems.len() > before {
                self.broken.insert(key);
                continue;
            }
            let existing = self.users.get(&key).map(|k| k.id);
            let result = match existing {
                None => self.create_user(&login, &first, &last, mail.as_deref(), status, hash.as_deref()),
                Some(id) => {
                    let before = rows::get(self.c, h, id)?.ok_or_else(|| super::users::not_found(id))?;
                    let after = User {
                        first_name: first,
                        last_name: last,
                        email: mail,
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
        let mut profiles: HashMap<String, Profile> = profile_rows::list(self.c, h, id)?
            .into_iter()
            .map(|p| (p.name.to_lowercase(), p))
            .collect();
        let mut seen = HashSet::new();
        for (qi, prof) in p.profiles.iter().enumerate() {
            let at = format!("plannings[{pi}].profiles[{qi}]");
            let shown = format!("{name} / {}", prof.name);
            match self.profile(id, name, prof, &mut profiles, &mut seen) {
                Ok(()) => {}
                Err((f, value, e)) => self.problem(format!("{at}{f}"), &shown, &value, &e),
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
            let key = a.login.trim().to_lowercase();
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
            if let Err((f, value, e)) = self.assignment(a, &key, name, &profiles, &mut assigned) {
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
        profiles: &mut HashMap<String, Profile>,
        seen: &mut HashSet<String>,
    ) -> std::result::Result<(), (String, String, Error)> {
        let fail = |f: &str, value: &str, e: Error| (f.to_owned(), value.to_owned(), e);
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
        match profiles.get(&name.to_lowercase()).cloned() {
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
                profiles.insert(name.to_lowercase(), after);
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
                profiles.insert(name.to_lowercase(), profile);
                Ok(())
            }
        }
    }

    fn assignment(
        &mut self,
        a: &ProfilsAssignment,
        key: &str,
        planning: &str,
        profiles: &HashMap<String, Profile>,
        assigned: &mut HashMap<i64, i64>,
    ) -> std::result::Result<(), (&'static str, String, Error)> {
        let Some(user) = self.users.get(key) else {
            let e = Error::invalid(
                format!("No user '{}' in the file or in the account.", a.login),
                format!("Aucun utilisateur « {} » dans le fichier ni dans le compte.", a.login),
            );
            return Err(("login", a.login.clone(), e));
        };
        let (user_id, status) = (user.id, user.status);
        let Some(profile) = profiles.get(&a.profile.trim().to_lowercase()) else {
            let e = Error::invalid(
                format!("No profile '{}' in {planning}, nor in the file for it.", a.profile),
                format!(
                    "Aucun profil « {} » dans {planning}, ni dans le fichier pour lui.",
                    a.profile
                ),
            );
            return Err(("profile", a.profile.clone(), e));
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
            return Err(("profile", a.profile.clone(), e));
        }
        let shown = format!("{planning} / {}", a.login);
        let wrote = |e: Error| ("login", a.login.clone(), e);
        let previous = assigned.get(&user_id).copied();
        match previous {
            Some(p) if p == profile.id => {
                self.report.assignments.unchanged += 1;
                return Ok(());
            }
            Some(p) => {
                profile_rows::unassign(self.c, p, user_id).map_err(wrote)?;
            }
            None => {}
        }
        profile_rows::assign(self.c, profile, user_id, self.now).map_err(wrote)?;
        assigned.insert(user_id, profile.id);
        let before = previous
            .and_then(|p| profiles.values().find(|q| q.id == p))
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
        let h = &s.hosting_number;
        self.store.write_or_roll_back(|c| {
            let users = rows::all_with_password_hash(c, h)?
                .into_iter()
                .map(|(u, _)| {
                    let known = Known {
                        id: u.id,
                        status: u.status,
                    };
                    (u.login.to_lowercase(), known)
                })
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
                users,
                broken: HashSet::new(),
                demoted: Vec::new(),
                created_logins: Vec::new(),
            };
            run.users(&file.users)?;
            // Only the plannings the caller reaches: the others are as unknown to it as another account's.
            let reached: HashMap<String, (i64, String)> = plannings::list(c, h)?
                .into_iter()
                .filter(|p| s.actor.sees_planning(p.planning.id))
                .map(|p| (fold(&p.planning.name), (p.planning.id, p.planning.name)))
                .collect();
            let mut seen = HashSet::new();
            for (pi, p) in file.plannings.iter().enumerate() {
                let Some((id, name)) = reached.get(&fold(&p.name)) else {
                    let e = Error::invalid(
                        format!("No planning '{}' in the account.", p.name),
                        format!("Aucun planning « {} » dans le compte.", p.name),
                    );
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
            let keep = !check_only && run.problems.is_empty();
            if keep {
                run.record(&run.summary())?;
            }
            let mut report = run.report;
            report.applied = keep;
            if !keep {
                report.passwords.clear();
            }
            report.problem_count = u32::try_from(run.problems.len()).unwrap_or(u32::MAX);
            run.problems.truncate(PROBLEMS_SHOWN);
            report.problems = run.problems;
            Ok((report, keep))
        })
    }

    /// The account's users, and the profiles and assignments of the plannings the caller reaches, as a `.profils`
    /// file. A chosen password's hash goes with the users the caller may change; generated ones never do.
    pub fn export_profils(&self, s: &Session, peer: &str) -> Result<ProfilsFile> {
        let h = &s.hosting_number;
        let now = now_unix();
        self.store.write(|c| {
            let generator = format!("Planhost {}", env!("CARGO_PKG_VERSION"));
            let mut file = ProfilsFile::new(&generator, rfc3339(now));
            let mut hashes = 0;
            for (u, hash) in rows::all_with_password_hash(c, h)? {
                let own = s.actor.administrator().is_some_and(|a| a.user_id == u.id);
                let may = own || admins::check_may_change(c, &s.actor, &u, true).is_ok();
                let password_hash = (may && !u.must_change_password && hash.starts_with("$argon2id$")).then_some(hash);
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
