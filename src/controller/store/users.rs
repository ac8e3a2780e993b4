//! `users`: each account's users (Contrôleur pane). Search runs on a folded key (lower case, no accents), sorting and
//! paging in SQL: the console never loads the whole list.

use crate::api::{ConsoleScope, Pane, User, UserQuery, UserSort, UserStatus};
use crate::error::Result;
use crate::ids::{fold, HostingNumber};
use crate::time_fmt::rfc3339;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

impl FromSql for UserStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        UserStatus::parse(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl ToSql for UserStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

/// A user as written: what the list shows, plus what only the controller reads.
pub struct Insert<'a> {
    pub login: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: Option<&'a str>,
    pub status: UserStatus,
    pub console_access: bool,
    pub must_change_password: bool,
    pub password_hash: &'a str,
    pub parent_id: Option<i64>,
    /// With console access.
    pub scope: Option<&'a ConsoleScope>,
}

impl<'a> Insert<'a> {
    /// A plain user with no e-mail and no console access, who changes its password at the first login.
    pub fn new(login: &'a str, first_name: &'a str, last_name: &'a str, password_hash: &'a str) -> Insert<'a> {
        Insert {
            login,
            first_name,
            last_name,
            email: None,
            status: UserStatus::User,
            console_access: false,
            must_change_password: true,
            password_hash,
            parent_id: None,
            scope: None,
        }
    }
}

fn search_key(login: &str, first: &str, last: &str, email: Option<&str>) -> String {
    fold(&format!("{login} {first} {last} {}", email.unwrap_or("")))
}

/// The scope, its plannings, the parent's login and the count of children come from subqueries: they cost only for
/// the rows of one page.
const COLUMNS: &str = "id, login, first_name, last_name, email, status, console_access, disabled, must_change_password,
    created_at, console_panes, console_every_planning,
    (SELECT group_concat(planning_id, ' ') FROM console_plannings cp WHERE cp.user_id = users.id),
    parent_id, (SELECT p.login FROM users p WHERE p.id = users.parent_id),
    (SELECT count(*) FROM users ch WHERE ch.parent_id = users.id)";

/// Panes are written by name; an unknown one is an error, never dropped.
fn panes_column(text: &str) -> rusqlite::Result<Vec<Pane>> {
    text.split_whitespace()
        .map(|p| {
            Pane::parse(p)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(10, rusqlite::types::Type::Text, Box::new(e)))
        })
        .collect()
}

fn scope(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<ConsoleScope>> {
    if !r.get::<_, bool>(6)? {
        return Ok(None);
    }
    let panes = panes_column(&r.get::<_, String>(10)?)?;
    let plannings = if r.get::<_, bool>(11)? {
        None
    } else {
        let ids: Option<String> = r.get(12)?;
        let mut ids: Vec<i64> = ids
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|id| id.parse().ok())
            .collect();
        ids.sort_unstable();
        Some(ids)
    };
    Ok(Some(ConsoleScope { panes, plannings }))
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        scope: scope(r)?,
        parent_id: r.get(13)?,
        parent_login: r.get(14)?,
        children: r.get(15)?,
        id: r.get(0)?,
        login: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        email: r.get(4)?,
        status: r.get(5)?,
        console_access: r.get(6)?,
        disabled: r.get(7)?,
        must_change_password: r.get(8)?,
        created_at: rfc3339(r.get(9)?),
    })
}

/// What `insert` derives from a user's fields; an import computes them on another thread than the writer's.
pub struct Keys {
    login_key: String,
    search_key: String,
}

impl Keys {
    pub fn of(u: &Insert<'_>) -> Keys {
        Keys {
            login_key: u.login.to_lowercase(),
            search_key: search_key(u.login, u.first_name, u.last_name, u.email),
        }
    }
}

pub fn insert(c: &Connection, hosting: &HostingNumber, u: &Insert<'_>, now: i64) -> Result<i64> {
    let id = insert_row(c, hosting, u, &Keys::of(u), now)?;
    if u.scope.is_some() {
        set_scope(c, id, u.scope)?;
    }
    Ok(id)
}

/// As `insert`, with the keys already made, and `None` when the login is already in the account (the unique index
/// says so: no lookup before).
pub fn insert_new(
    c: &Connection,
    hosting: &HostingNumber,
    u: &Insert<'_>,
    keys: &Keys,
    now: i64,
) -> Result<Option<i64>> {
    let id = match insert_row(c, hosting, u, keys, now) {
        Err(rusqlite::Error::SqliteFailure(e, Some(message)))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE && message.contains("login_key") =>
        {
            return Ok(None)
        }
        other => other?,
    };
    if u.scope.is_some() {
        set_scope(c, id, u.scope)?;
    }
    Ok(Some(id))
}

fn insert_row(c: &Connection, hosting: &HostingNumber, u: &Insert<'_>, keys: &Keys, now: i64) -> rusqlite::Result<i64> {
    // Cached: an import inserts thousands in one transaction.
    c.prepare_cached(
        "INSERT INTO users (hosting_number, login, login_key, first_name, last_name, email, status, console_access,
                            must_change_password, password_hash, search_key, parent_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        hosting,
        u.login,
        keys.login_key,
        u.first_name,
        u.last_name,
        u.email,
        u.status,
        u.console_access,
        u.must_change_password,
        u.password_hash,
        keys.search_key,
        u.parent_id,
        now
    ])?;
    Ok(c.last_insert_rowid())
}

/// Writes what an administrator's console access covers (nothing without console access).
pub fn set_scope(c: &Connection, id: i64, scope: Option<&ConsoleScope>) -> Result<()> {
    let panes = scope.map_or(String::new(), |s| {
        s.panes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" ")
    });
    let every = scope.is_none_or(|s| s.plannings.is_none());
    c.execute(
        "UPDATE users SET console_panes = ?2, console_every_planning = ?3 WHERE id = ?1",
        params![id, panes, every],
    )?;
    c.execute("DELETE FROM console_plannings WHERE user_id = ?1", [id])?;
    if let Some(ids) = scope.and_then(|s| s.plannings.as_ref()) {
        let mut stmt =
            c.prepare_cached("INSERT OR IGNORE INTO console_plannings (user_id, planning_id) VALUES (?1, ?2)")?;
        for planning in ids {
            stmt.execute(params![id, planning])?;
        }
    }
    Ok(())
}

/// Which of `keys` (lower-case logins) the account already has: one query, each key looked up in the account's
/// index (an import would otherwise ask once per row, or read every login of a large account).
pub fn taken_login_keys(
    c: &Connection,
    hosting: &HostingNumber,
    keys: &[String],
) -> Result<std::collections::HashSet<String>> {
    let list = serde_json::to_string(keys).map_err(crate::error::Error::internal)?;
    let taken = c
        .prepare_cached(
            "SELECT login_key FROM users
             WHERE hosting_number = ?1 AND login_key IN (SELECT value FROM json_each(?2))",
        )?
        .query_map(params![hosting, list], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(taken)
}

pub fn login_taken(c: &Connection, hosting: &HostingNumber, login: &str) -> Result<bool> {
    let mut stmt = c.prepare_cached("SELECT 1 FROM users WHERE hosting_number = ?1 AND login_key = ?2")?;
    Ok(stmt.exists(params![hosting, login.to_lowercase()])?)
}

pub fn get(c: &Connection, hosting: &HostingNumber, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE hosting_number = ?1 AND id = ?2");
    Ok(c.prepare_cached(&sql)?
        .query_row(params![hosting, id], row)
        .optional()?)
}

/// A user and its password hash, by login (case ignored): for a login or an enrolment.
pub fn with_password_hash(c: &Connection, hosting: &HostingNumber, login: &str) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE hosting_number = ?1 AND login_key = ?2");
    Ok(c.prepare_cached(&sql)?
        .query_row(params![hosting, login.to_lowercase()], |r| Ok((row(r)?, r.get(16)?)))
        .optional()?)
}

/// Every user of the account as (login key, id, status): what an import matches a file's logins against, without
/// the list's subqueries.
pub fn keys(c: &Connection, hosting: &HostingNumber) -> Result<Vec<(String, i64, UserStatus)>> {
    let rows = c
        .prepare_cached("SELECT login_key, id, status FROM users WHERE hosting_number = ?1")?
        .query_map([hosting], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Every user of the account with its password hash, by login: for a `.profils` export or import.
pub fn all_with_password_hash(c: &Connection, hosting: &HostingNumber) -> Result<Vec<(User, String)>> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE hosting_number = ?1 ORDER BY login_key");
    let rows = c
        .prepare_cached(&sql)?
        .query_map([hosting], |r| Ok((row(r)?, r.get(16)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Whether `ancestor` created `id`, or created its creator, and so on up.
pub fn descends_from(c: &Connection, id: i64, ancestor: i64) -> Result<bool> {
    let mut stmt = c.prepare_cached(
        "WITH RECURSIVE up(id) AS (SELECT parent_id FROM users WHERE id = ?1
                                   UNION SELECT u.parent_id FROM users u JOIN up ON u.id = up.id)
         SELECT 1 FROM up WHERE id = ?2",
    )?;
    Ok(stmt.exists(params![id, ancestor])?)
}

/// Writes every field the list shows (the login and password stay).
pub fn update(c: &Connection, hosting: &HostingNumber, u: &User) -> Result<()> {
    c.execute(
        "UPDATE users SET first_name = ?3, last_name = ?4, email = ?5, status = ?6, console_access = ?7,
                          disabled = ?8, search_key = ?9
         WHERE hosting_number = ?1 AND id = ?2",
        params![
            hosting,
            u.id,
            u.first_name,
            u.last_name,
            u.email,
            u.status,
            u.console_access,
            u.disabled,
            search_key(&u.login, &u.first_name, &u.last_name, u.email.as_deref()),
        ],
    )?;
    set_scope(c, u.id, u.scope.as_ref())
}

pub fn set_password(c: &Connection, hosting: &HostingNumber, id: i64, hash: &str, must_change: bool) -> Result<()> {
    c.execute(
        "UPDATE users SET password_hash = ?3, must_change_password = ?4 WHERE hosting_number = ?1 AND id = ?2",
        params![hosting, id, hash, must_change],
    )?;
    Ok(())
}

/// Writes a user's own chosen password only if its hash is still `before`; false when it changed meanwhile.
pub fn replace_password(c: &Connection, hosting: &HostingNumber, id: i64, before: &str, hash: &str) -> Result<bool> {
    let n = c.execute(
        "UPDATE users SET password_hash = ?4, must_change_password = 0
         WHERE hosting_number = ?1 AND id = ?2 AND password_hash = ?3",
        params![hosting, id, before, hash],
    )?;
    Ok(n == 1)
}

/// Deletes a user; the users it created get its own parent.
pub fn delete(c: &Connection, hosting: &HostingNumber, id: i64) -> Result<()> {
    c.execute(
        "UPDATE users SET parent_id = (SELECT parent_id FROM users WHERE id = ?2)
         WHERE hosting_number = ?1 AND parent_id = ?2",
        params![hosting, id],
    )?;
    c.execute(
        "DELETE FROM users WHERE hosting_number = ?1 AND id = ?2",
        params![hosting, id],
    )?;
    Ok(())
}

/// Superadministrators of the account that are not disabled.
pub fn active_superadministrators(c: &Connection, hosting: &HostingNumber) -> Result<u32> {
    let mut stmt = c.prepare_cached(
        "SELECT count(*) FROM users WHERE hosting_number = ?1 AND status = 'superadministrator' AND NOT disabled",
    )?;
    Ok(stmt.query_row([hosting], |r| r.get(0))?)
}

pub fn superadministrators(c: &Connection, hosting: &HostingNumber) -> Result<u32> {
    let mut stmt =
        c.prepare_cached("SELECT count(*) FROM users WHERE hosting_number = ?1 AND status = 'superadministrator'")?;
    Ok(stmt.query_row([hosting], |r| r.get(0))?)
}

pub fn count(c: &Connection, hosting: &HostingNumber) -> Result<u32> {
    let mut stmt = c.prepare_cached("SELECT count(*) FROM users WHERE hosting_number = ?1")?;
    Ok(stmt.query_row([hosting], |r| r.get(0))?)
}

/// Escapes `%`, `_` and `\` so a searched word is matched as typed.
fn like_pattern(word: &str) -> String {
    let mut p = String::from("%");
    for ch in word.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// Which users a page is taken from.
#[derive(Debug, Clone, Copy)]
pub enum Among {
    All,
    /// The users assigned to this profile.
    AssignedTo(i64),
    /// The users with no profile in this planning (administrators only, for Administration).
    Unassigned {
        planning_id: i64,
        administrators_only: bool,
    },
    /// The users this one created.
    ChildrenOf(i64),
}

/// The page asked for (the query already checked), and how many users match the search.
pub fn page(c: &Connection, hosting: &HostingNumber, q: &UserQuery, among: Among) -> Result<(Vec<User>, u32)> {
    let words: Vec<String> = fold(&q.search).split_whitespace().map(like_pattern).collect();
    let mut filter = String::from("hosting_number = ?1");
    for i in 0..words.len() {
        filter.push_str(&format!(" AND search_key LIKE ?{} ESCAPE '\\'", i + 2));
    }
    // Ids come typed from the controller, never from text: written in the SQL as numbers.
    match among {
        Among::All => {}
        Among::AssignedTo(profile) => {
            filter.push_str(&format!(
                " AND id IN (SELECT user_id FROM assignments WHERE profile_id = {profile})"
            ));
        }
        Among::Unassigned {
            planning_id,
            administrators_only,
        } => {
            filter.push_str(&format!(
                " AND id NOT IN (SELECT user_id FROM assignments WHERE planning_id = {planning_id})"
            ));
            if administrators_only {
                filter.push_str(" AND status <> 'user'");
            }
        }
        Among::ChildrenOf(parent) => filter.push_str(&format!(" AND parent_id = {parent}")),
    }
    let direction = if q.descending { "DESC" } else { "ASC" };
    let order = match q.sort {
        UserSort::Name => format!(
            "last_name COLLATE NOCASE {direction}, first_name COLLATE NOCASE {direction}, login_key {direction}"
        ),
        UserSort::Login => format!("login_key {direction}"),
        UserSort::Status => format!("status {direction}, last_name COLLATE NOCASE, first_name COLLATE NOCASE"),
        UserSort::Created => format!("created_at {direction}, id {direction}"),
    };
    let mut values: Vec<rusqlite::types::Value> = vec![hosting.as_str().to_owned().into()];
    values.extend(words.into_iter().map(Into::into));
    let matching: u32 = c
        .prepare_cached(&format!("SELECT count(*) FROM users WHERE {filter}"))?
        .query_row(params_from_iter(values.iter()), |r| r.get(0))?;
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE {filter} ORDER BY {order} LIMIT {} OFFSET {}",
        q.per_page,
        u64::from(q.page) * u64::from(q.per_page)
    );
    let users = c
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values.iter()), row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((users, matching))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_is_folded_and_like_wildcards_are_literal() {
        assert_eq!(fold("Élodie DUPRÉ"), "elodie dupre");
        assert_eq!(like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
