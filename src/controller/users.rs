//! The Contrôleur pane's users: the first superadministrator, the list (search, sort, pages in SQL) and each change
//! to it, checked and written with its history line in one `BEGIN IMMEDIATE` transaction.

use super::actor::Actor;
use super::administrators as admins;
use super::store::devices;
use super::store::history::{self, Outcome};
use super::store::users::{self as rows, Among, Insert};
use super::{Controller, Session};
use crate::api::{
    ConsoleScope, ProfileKind, User, UserChange, UserChanges, UserOutcome, UserPage, UserQuery, UserStatus,
};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{display_name, DomainName, HostingNumber};
use crate::time_fmt::now_unix;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

pub const LOGIN_MAX: usize = 40;
pub const NAME_MAX: usize = 60;
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;
pub const PER_PAGE_MAX: u32 = 200;
const SEARCH_MAX: usize = 200;
const GENERATED_LEN: usize = 16;
/// No 0/O, 1/l/I: a generated password is read off a screen and typed.
const GENERATED_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A login: 2 to 40 letters, digits, `.`, `-`, `_` or `@`, starting with a letter or a digit.
pub fn login(input: &str) -> Result<String> {
    let login = crate::ids::nfc(input.trim());
    let len = login.chars().count();
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@');
    let starts_well = login.chars().next().is_some_and(char::is_alphanumeric);
    if !(2..=LOGIN_MAX).contains(&len) || !login.chars().all(allowed) || !starts_well {
        return Err(Error::invalid(
            format!(
                "A login has 2 to {LOGIN_MAX} letters, digits, dots, hyphens, underscores or @, and starts with a letter or a digit."
            ),
            format!(
                "Un identifiant compte de 2 à {LOGIN_MAX} lettres, chiffres, points, tirets, soulignés ou @, et commence par une lettre ou un chiffre."
            ),
        )
        .on("login"));
    }
    Ok(login)
}

pub fn first_name(input: &str) -> Result<String> {
    display_name(input, NAME_MAX, ("A first name", "Un prénom")).map_err(|e| e.on("first_name"))
}

pub fn last_name(input: &str) -> Result<String> {
    display_name(input, NAME_MAX, ("A last name", "Un nom")).map_err(|e| e.on("last_name"))
}

/// An e-mail address: `name@domain.tld`, at most 254 characters; empty means none.
pub fn email(input: &str) -> Result<Option<String>> {
    let address = input.trim();
    if address.is_empty() {
        return Ok(None);
    }
    let refused = || {
        Error::invalid(
            format!("'{address}' is not an e-mail address (for example prenom.nom@lycee-hugo.fr)."),
            format!("« {address} » n'est pas une adresse e-mail (par exemple prenom.nom@lycee-hugo.fr)."),
        )
        .on("email")
    };
    let (local, domain) = address.split_once('@').ok_or_else(refused)?;
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let domain = DomainName::parse(domain).map_err(|_| refused())?;
    if !local_ok || !domain.as_str().contains('.') || address.len() > 254 {
        return Err(refused());
    }
    Ok(Some(format!("{local}@{}", domain.as_str())))
}

/// A password a person chose: 12 to 128 characters, typed twice the same, not containing the login.
pub fn chosen_password(password: &str, confirmation: &str, login: &str) -> Result<()> {
    let len = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&len) {
        return Err(Error::invalid(
            format!("A password has {PASSWORD_MIN} to {PASSWORD_MAX} characters (this one has {len})."),
            format!("Un mot de passe compte de {PASSWORD_MIN} à {PASSWORD_MAX} caractères (celui-ci en a {len})."),
        )
        .on("password"));
    }
    if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
        return Err(Error::invalid(
            "The password must not contain the login.",
            "Le mot de passe ne doit pas contenir l'identifiant.",
        )
        .on("password"));
    }
    if password != confirmation {
        return Err(Error::invalid(
            "The two passwords are different: type the same one twice.",
            "Les deux mots de passe sont différents : saisissez deux fois le même.",
        )
        .on("confirmation"));
    }
    Ok(())
}

/// A random password for a new user or a reset, shown once.
pub fn generated_password() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..GENERATED_LEN)
        .map(|_| char::from(GENERATED_ALPHABET[rng.random_range(0..GENERATED_ALPHABET.len())]))
        .collect()
}

/// A generated password has about 93 bits of randomness: a plain SHA-256 keeps it safe, and 10,000 users import
/// without 10,000 slow hashes. A password the user chooses gets argon2id.
pub fn hash_generated(password: &str) -> String {
    format!(
        "sha256${}",
        crate::pki::hex(&Sha256::digest(password.as_bytes()), false, None)
    )
}

/// Console access needs an administrator status and an e-mail address (seed 000, step 4).
pub(super) fn check_console_access(status: UserStatus, email: Option<&str>, console_access: bool) -> Result<()> {
    if console_access && (!status.is_administrator() || email.is_none()) {
        return Err(Error::invalid(
            "Console access needs a valid e-mail address and an administrator status.",
            "L'accès à la console demande une adresse e-mail valide et un statut d'administrateur.",
        )
        .on("console_access"));
    }
    Ok(())
}

pub(super) fn not_found(id: i64) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("No user {id} in this account."),
        format!("Aucun utilisateur {id} dans ce compte."),
    )
}

fn login_taken(login: &str) -> Error {
    Error::new(
        ErrorCode::Conflict,
        format!("The login '{login}' is already used in this account."),
        format!("L'identifiant « {login} » est déjà utilisé dans ce compte."),
    )
    .on("login")
}

fn last_superadministrator() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "This is the last superadministrator: make another user superadministrator first.",
        "C'est le dernier superadministrateur : nommez d'abord un autre utilisateur superadministrateur.",
    )
}

impl Controller {
    /// One page of the users list.
    pub fn users(&self, s: &Session, q: &UserQuery) -> Result<UserPage> {
        if !(1..=PER_PAGE_MAX).contains(&q.per_page) {
            return Err(Error::invalid(
                format!("A page holds 1 to {PER_PAGE_MAX} users."),
                format!("Une page compte de 1 à {PER_PAGE_MAX} utilisateurs."),
            ));
        }
        if q.search.chars().count() > SEARCH_MAX {
            return Err(Error::invalid(
                format!("A search has at most {SEARCH_MAX} characters."),
                format!("Une recherche compte au plus {SEARCH_MAX} caractères."),
            ));
        }
        self.store.read(|c| {
            let h = &s.hosting_number;
            // A profile of a planning outside the caller's scope is as unknown as one of another account.
            let profile = |id: i64| {
                let p = super::profiles::profile(c, h, id)?;
                if s.actor.sees_planning(p.planning_id) {
                    Ok(p)
                } else {
                    Err(super::profiles::profile_not_found(id))
                }
            };
            let among = match (q.assigned_to, q.assignable_to, q.children_of) {
                (None, None, None) => Among::All,
                (Some(id), None, None) => Among::AssignedTo(profile(id)?.id),
                (None, Some(id), None) => {
                    let p = profile(id)?;
                    Among::Unassigned {
                        planning_id: p.planning_id,
                        administrators_only: p.kind == ProfileKind::Administration,
                    }
                }
                (None, None, Some(id)) => Among::ChildrenOf(rows::get(c, h, id)?.ok_or_else(|| not_found(id))?.id),
                _ => {
                    return Err(Error::invalid(
                        "Ask for one list at a time: assigned to a profile, assignable to it, or created by a user.",
                        "Demandez une liste à la fois : affectés à un profil, affectables à ce profil, ou créés par un utilisateur.",
                    ))
                }
            };
            let (users, matching) = rows::page(c, h, q, among)?;
            Ok(UserPage {
                users,
                matching,
                total: rows::count(c, h)?,
                superadministrators: rows::superadministrators(c, h)?,
                page: q.page,
                per_page: q.per_page,
            })
        })
    }

    /// Carries out one change of the users list. The first superadministrator's password is hashed here (slow): the
    /// server runs this call off its async threads.
    pub fn change_users(&self, s: &Session, change: &UserChange, peer: &str) -> Result<UserOutcome> {
        let now = now_unix();
        let h = &s.hosting_number;
        let record = |c: &Connection, action: &str, detail: &str| {
            history::record(c, &s.who(peer), action, Outcome::Ok, detail, now)
        };
        // A change of one user's fields, checked against the delegation and last-superadministrator rules in the same
        // transaction. An administrator who loses its console access loses its sessions and devices at once.
        let update = |id: i64, change: &dyn Fn(&User) -> Result<User>| {
            self.store.write(|c| {
                let before = rows::get(c, h, id)?.ok_or_else(|| not_found(id))?;
                let after = change(&before)?;
                let rights = (&before.status, before.console_access, &before.scope, before.disabled)
                    != (&after.status, after.console_access, &after.scope, after.disabled);
                admins::check_may_change(c, &s.actor, &before, rights)?;
                if after.status != before.status {
                    admins::check_status_given(&s.actor, after.status)?;
                }
                // Nothing to change is not a change: nothing written, no history line.
                if after == before {
                    return Ok(UserOutcome {
                        user: Some(after),
                        password: None,
                    });
                }
                let regranted =
                    |scope: &&ConsoleScope| before.scope.as_ref() != Some(*scope) || before.status != after.status;
                if let Some(scope) = after.scope.as_ref().filter(regranted) {
                    admins::check_grant(c, h, &s.actor, after.status, scope)?;
                }
                guard_last_superadministrator(c, h, &before, &after)?;
                guard_administration(c, &before, &after)?;
                rows::update(c, h, &after)?;
                let mut detail = describe(&before, &after);
                if admins::is_console_administrator(&before) && !admins::is_console_administrator(&after) {
                    let n = devices::revoke_for_user(c, before.id, now)?;
                    if n > 0 {
                        detail.push_str(&format!(" (sessions ended, {n} devices revoked)"));
                    }
                }
                record(c, "users.change", &detail)?;
                Ok(UserOutcome {
                    user: Some(after),
                    password: None,
                })
            })
        };
        match change {
            UserChange::FirstSuperadministrator(first) => {
                let (first_name, last_name) = (first_name(&first.first_name)?, last_name(&first.last_name)?);
                let login = login(&first.login)?;
                chosen_password(&first.password, &first.confirmation, &login)?;
                let hash = super::auth::hash_secret(&first.password)?;
                let row = Insert {
                    status: UserStatus::Superadministrator,
                    must_change_password: false,
                    ..Insert::new(&login, &first_name, &last_name, &hash)
                };
                self.store.write(|c| {
                    if rows::superadministrators(c, h)? > 0 {
                        return Err(Error::new(
                            ErrorCode::Conflict,
                            "This account already has a superadministrator: add the others from the users list.",
                            "Ce compte a déjà un superadministrateur : ajoutez les autres depuis la liste des utilisateurs.",
                        ));
                    }
                    let user = insert_new(c, h, &row, now)?;
                    record(c, "users.superadministrator", &format!("{login}: created, superadministrator"))?;
                    Ok(UserOutcome {
                        user: Some(user),
                        password: None,
                    })
                })
            }
            UserChange::Add(new) => {
                let login = login(&new.login)?;
                let (first_name, last_name) = (first_name(&new.first_name)?, last_name(&new.last_name)?);
                let email = email(new.email.as_deref().unwrap_or(""))?;
                admins::check_status_given(&s.actor, new.status)?;
                check_console_access(new.status, email.as_deref(), new.console_access)?;
                let password = generated_password();
                let hash = hash_generated(&password);
                let scope = new.console_access.then(|| {
                    new.scope
                        .clone()
                        .unwrap_or_else(|| admins::default_scope(&s.actor, new.status))
                });
                let row = Insert {
                    email: email.as_deref(),
                    status: new.status,
                    console_access: new.console_access,
                    scope: scope.as_ref(),
                    parent_id: s.actor.administrator().map(|a| a.user_id),
                    ..Insert::new(&login, &first_name, &last_name, &hash)
                };
                self.store.write(|c| {
                    if let Some(scope) = &scope {
                        admins::check_grant(c, h, &s.actor, new.status, scope)?;
                    }
                    let user = insert_new(c, h, &row, now)?;
                    let access = match &scope {
                        Some(scope) => format!("console access yes ({})", scope_text(Some(scope))),
                        None => "console access no".into(),
                    };
                    let mail = email.as_deref().unwrap_or("—");
                    let detail = format!("{login}: created, {}, e-mail {mail}, {access}", new.status.as_str());
                    record(c, "users.add", &detail)?;
                    Ok(UserOutcome {
                        user: Some(user),
                        password: Some(password.clone()),
                    })
                })
            }
            UserChange::Change { id, changes } => update(*id, &|before| changed(before, changes, &s.actor)),
            UserChange::Disable { id, disabled } => update(*id, &|before| {
                Ok(User {
                    disabled: *disabled,
                    ..before.clone()
                })
            }),
            UserChange::ResetPassword { id } => {
                let password = generated_password();
                self.store.write(|c| {
                    let mut user = rows::get(c, h, *id)?.ok_or_else(|| not_found(*id))?;
                    admins::check_may_change(c, &s.actor, &user, true)?;
                    rows::set_password(c, h, *id, &hash_generated(&password), true)?;
                    user.must_change_password = true;
                    record(
                        c,
                        "users.reset_password",
                        &format!("{}: temporary password", user.login),
                    )?;
                    Ok(UserOutcome {
                        user: Some(user),
                        password: Some(password.clone()),
                    })
                })
            }
            UserChange::Delete { id } => self.store.write(|c| {
                let before = rows::get(c, h, *id)?.ok_or_else(|| not_found(*id))?;
                admins::check_may_change(c, &s.actor, &before, true)?;
                if before.status == UserStatus::Superadministrator && rows::superadministrators(c, h)? == 1 {
                    return Err(last_superadministrator());
                }
                let revoked = devices::revoke_for_user(c, before.id, now)?;
                rows::delete(c, h, *id)?;
                let detail = match revoked {
                    0 => format!("{}: deleted, was {}", before.login, before.status.as_str()),
                    n => format!(
                        "{}: deleted, was {} ({n} devices revoked)",
                        before.login,
                        before.status.as_str()
                    ),
                };
                record(c, "users.delete", &detail)?;
                Ok(UserOutcome {
                    user: None,
                    password: None,
                })
            }),
        }
    }
}

/// Inserts a user whose login is free in the account, and reads it back as the list shows it.
fn insert_new(c: &Connection, h: &HostingNumber, row: &Insert<'_>, now: i64) -> Result<User> {
    if rows::login_taken(c, h, row.login)? {
        return Err(login_taken(row.login));
    }
    let id = rows::insert(c, h, row, now)?;
    rows::get(c, h, id)?.ok_or_else(|| not_found(id))
}

/// The user after `changes`, every field checked (the scope against the giver in the transaction).
fn changed(before: &User, changes: &UserChanges, actor: &Actor) -> Result<User> {
    let mut after = before.clone();
    if let Some(v) = &changes.first_name {
        after.first_name = first_name(v)?;
    }
    if let Some(v) = &changes.last_name {
        after.last_name = last_name(v)?;
    }
    if let Some(v) = &changes.email {
        after.email = email(v)?;
    }
    if let Some(v) = changes.status {
        after.status = v;
    }
    if let Some(v) = changes.console_access {
        after.console_access = v;
    }
    check_console_access(after.status, after.email.as_deref(), after.console_access)?;
    after.scope = match (after.console_access, &changes.scope, &before.scope) {
        (false, _, _) => None,
        (true, Some(scope), _) => Some(scope.clone()),
        (true, None, Some(kept)) => Some(kept.clone()),
        (true, None, None) => Some(admins::default_scope(actor, after.status)),
    };
    Ok(after)
}

/// An account keeps at least one superadministrator who is not disabled.
pub(super) fn guard_last_superadministrator(
    c: &Connection,
    h: &HostingNumber,
    before: &User,
    after: &User,
) -> Result<()> {
    let was_active = before.status == UserStatus::Superadministrator && !before.disabled;
    let is_active = after.status == UserStatus::Superadministrator && !after.disabled;
    if was_active && !is_active && rows::active_superadministrators(c, h)? <= 1 {
        return Err(last_superadministrator());
    }
    Ok(())
}

/// A user keeps an administrator status while it has the Administration profile somewhere.
fn guard_administration(c: &Connection, before: &User, after: &User) -> Result<()> {
    if before.status.is_administrator() && !after.status.is_administrator() {
        let plannings = super::store::profiles::administration_plannings(c, before.id)?;
        if !plannings.is_empty() {
            let list = plannings.join(", ");
            return Err(Error::invalid(
                format!(
                    "{} has the Administration profile in {list}: remove it from there before making it a user.",
                    before.login
                ),
                format!(
                    "{} a le profil Administration dans {list} : retirez-le de ce profil avant d'en faire un utilisateur.",
                    before.login
                ),
            )
            .on("status"));
        }
    }
    Ok(())
}

/// `controller history, plannings 1 2` for the history.
fn scope_text(scope: Option<&ConsoleScope>) -> String {
    let Some(scope) = scope else {
        return "—".into();
    };
    let panes: Vec<&str> = scope.panes.iter().map(|p| p.as_str()).collect();
    let plannings = match &scope.plannings {
        None => "every planning".to_owned(),
        Some(ids) => format!(
            "plannings {}",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
        ),
    };
    format!("{}, {plannings}", panes.join(" "))
}

/// `login: field before → after, …` for the history.
pub(super) fn describe(before: &User, after: &User) -> String {
    let mut parts = Vec::new();
    let mut field = |name: &str, b: String, a: String| {
        if b != a {
            parts.push(format!("{name} {b} → {a}"));
        }
    };
    field("first name", before.first_name.clone(), after.first_name.clone());
    field("last name", before.last_name.clone(), after.last_name.clone());
    let mail = |e: &Option<String>| e.clone().unwrap_or_else(|| "—".into());
    field("e-mail", mail(&before.email), mail(&after.email));
    field("status", before.status.as_str().into(), after.status.as_str().into());
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    field(
        "console access",
        yes_no(before.console_access),
        yes_no(after.console_access),
    );
    field("disabled", yes_no(before.disabled), yes_no(after.disabled));
    field(
        "scope",
        scope_text(before.scope.as_ref()),
        scope_text(after.scope.as_ref()),
    );
    if parts.is_empty() {
        format!("{}: unchanged", after.login)
    } else {
        format!("{}: {}", after.login, parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_emails_and_passwords_are_checked_with_the_field_named() {
        assert_eq!(login(" Élodie.Dupré ").unwrap(), "Élodie.Dupré");
        for bad in ["a", "", "jean dupont", ".dupont", "du\u{200B}pont", &"x".repeat(41)] {
            assert_eq!(login(bad).unwrap_err().field.as_deref(), Some("login"), "{bad:?}");
        }
        assert_eq!(email("").unwrap(), None);
        assert_eq!(
            email(" Jean.Dupont@Lycee-Hugo.FR ").unwrap().as_deref(),
            Some("Jean.Dupont@lycee-hugo.fr")
        );
        for bad in [
            "jean",
            "jean@",
            "@lycee.fr",
            "jean@lycee",
            "je an@lycee.fr",
            "a..b@lycee.fr",
            "a@b@c.fr",
        ] {
            assert_eq!(email(bad).unwrap_err().field.as_deref(), Some("email"), "{bad:?}");
        }
        assert_eq!(
            chosen_password("short", "short", "x").unwrap_err().field.as_deref(),
            Some("password")
        );
        assert_eq!(
            chosen_password("mon-dupont-2026!", "mon-dupont-2026!", "Dupont")
                .unwrap_err()
                .field
                .as_deref(),
            Some("password")
        );
        assert_eq!(
            chosen_password("correct horse battery", "correct horse batery", "admin")
                .unwrap_err()
                .field
                .as_deref(),
            Some("confirmation")
        );
        chosen_password("correct horse battery", "correct horse battery", "admin").unwrap();
    }

    #[test]
    fn generated_passwords_are_random_unambiguous_and_hashed_fast() {
        let a = generated_password();
        assert_eq!(a.len(), GENERATED_LEN);
        assert!(a.bytes().all(|b| GENERATED_ALPHABET.contains(&b)));
        assert_ne!(a, generated_password());
        assert!(hash_generated(&a).starts_with("sha256$"));
        assert_eq!(hash_generated(&a), hash_generated(&a));
    }
}
