//! `profiles` and `assignments`: each planning's profiles (built-in and custom) and which user has which profile in
//! which planning (at most one).

use crate::api::{Authorisation, Profile, ProfileKind};
use crate::error::Result;
use crate::ids::HostingNumber;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};

impl FromSql for ProfileKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        ProfileKind::parse(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl ToSql for ProfileKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

/// The built-in profiles every planning has, with the authorisations they start with.
fn builtins() -> [(&'static str, ProfileKind); 3] {
    [
        ("Administration", ProfileKind::Administration),
        ("Modification", ProfileKind::Modification),
        ("Consultation", ProfileKind::Consultation),
    ]
}

pub fn write_authorisations(list: &[Authorisation]) -> String {
    list.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" ")
}

/// Administration holds the whole catalogue; the others what is written (an unknown name is an error).
fn read_authorisations(kind: ProfileKind, written: &str) -> rusqlite::Result<Vec<Authorisation>> {
    if kind == ProfileKind::Administration {
        return Ok(Authorisation::ALL.to_vec());
    }
    let mut list = written
        .split_whitespace()
        .map(Authorisation::parse)
        .collect::<Result<Vec<_>>>()
        .map_err(|e| FromSqlError::Other(Box::new(e)))?;
    list.sort();
    Ok(list)
}

/// Gives a new planning its built-in profiles.
pub fn insert_builtins(c: &Connection, planning_id: i64, now: i64) -> Result<()> {
    for (name, kind) in builtins() {
        insert(c, planning_id, name, kind, true, &Authorisation::up_to(kind), now)?;
    }
    Ok(())
}

/// Run once by the migration that made profiles: the plannings that existed before get their built-in profiles.
pub fn insert_builtins_where_missing(c: &Connection) -> Result<()> {
    let ids: Vec<(i64, i64)> = c
        .prepare("SELECT id, created_at FROM plannings WHERE id NOT IN (SELECT planning_id FROM profiles)")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, created) in ids {
        insert_builtins(c, id, created)?;
    }
    Ok(())
}

pub fn insert(
    c: &Connection,
    planning_id: i64,
    name: &str,
    kind: ProfileKind,
    builtin: bool,
    authorisations: &[Authorisation],
    now: i64,
) -> Result<i64> {
    c.execute(
        "INSERT INTO profiles (planning_id, name, kind, builtin, authorisations, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            planning_id,
            name,
            kind,
            builtin,
            write_authorisations(authorisations),
            now
        ],
    )?;
    Ok(c.last_insert_rowid())
}

const SELECT: &str = "SELECT p.id, p.planning_id, p.name, p.kind, p.builtin, p.authorisations,
        (SELECT count(*) FROM assignments a WHERE a.profile_id = p.id)
    FROM profiles p JOIN plannings pl ON pl.id = p.planning_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Profile> {
    let kind: ProfileKind = r.get(3)?;
    let written: String = r.get(5)?;
    Ok(Profile {
        id: r.get(0)?,
        planning_id: r.get(1)?,
        name: r.get(2)?,
        kind,
        builtin: r.get(4)?,
        authorisations: read_authorisations(kind, &written)?,
        assigned: r.get(6)?,
    })
}

/// A planning's profiles: Administration, Modification, Consultation, then the custom ones by name.
pub fn list(c: &Connection, hosting: &HostingNumber, planning_id: i64) -> Result<Vec<Profile>> {
    let sql = format!(
        "{SELECT} WHERE pl.hosting_number = ?1 AND p.planning_id = ?2
         ORDER BY NOT p.builtin, CASE p.kind WHEN 'administration' THEN 0 WHEN 'modification' THEN 1 ELSE 2 END,
                  p.name COLLATE NOCASE"
    );
    let rows = c
        .prepare_cached(&sql)?
        .query_map(params![hosting, planning_id], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A profile of one of the account's plannings.
pub fn get(c: &Connection, hosting: &HostingNumber, id: i64) -> Result<Option<Profile>> {
    let sql = format!("{SELECT} WHERE pl.hosting_number = ?1 AND p.id = ?2");
    Ok(c.prepare_cached(&sql)?
        .query_row(params![hosting, id], row)
        .optional()?)
}

pub fn name_taken(c: &Connection, planning_id: i64, name: &str, except: Option<i64>) -> Result<bool> {
    let mut stmt = c.prepare_cached(
        "SELECT 1 FROM profiles WHERE planning_id = ?1 AND name = ?2 COLLATE NOCASE AND id IS NOT ?3",
    )?;
    Ok(stmt.exists(params![planning_id, name, except])?)
}

pub fn update(c: &Connection, id: i64, name: &str, authorisations: &[Authorisation]) -> Result<()> {
    c.execute(
        "UPDATE profiles SET name = ?2, authorisations = ?3 WHERE id = ?1",
        params![id, name, write_authorisations(authorisations)],
    )?;
    Ok(())
}

/// Deletes the profile and its assignments.
pub fn delete(c: &Connection, id: i64) -> Result<()> {
    c.execute("DELETE FROM profiles WHERE id = ?1", [id])?;
    Ok(())
}

/// The profile (name and kind) a user has in a planning, if any.
pub fn assigned(c: &Connection, planning_id: i64, user_id: i64) -> Result<Option<(String, ProfileKind)>> {
    let mut stmt = c.prepare_cached(
        "SELECT p.name, p.kind FROM assignments a JOIN profiles p ON p.id = a.profile_id
         WHERE a.planning_id = ?1 AND a.user_id = ?2",
    )?;
    Ok(stmt
        .query_row(params![planning_id, user_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn assign(c: &Connection, profile: &Profile, user_id: i64, now: i64) -> Result<()> {
    c.prepare_cached("INSERT INTO assignments (planning_id, user_id, profile_id, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![profile.planning_id, user_id, profile.id, now])?;
    Ok(())
}

/// A planning's assignments as (user id, login, profile id), by login.
pub fn assignments(c: &Connection, planning_id: i64) -> Result<Vec<(i64, String, i64)>> {
    let rows = c
        .prepare_cached(
            "SELECT a.user_id, u.login, a.profile_id FROM assignments a JOIN users u ON u.id = a.user_id
             WHERE a.planning_id = ?1 ORDER BY u.login_key",
        )?
        .query_map([planning_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Removes a user from a profile; false if it was not assigned to it.
pub fn unassign(c: &Connection, profile_id: i64, user_id: i64) -> Result<bool> {
    let n = c
        .prepare_cached("DELETE FROM assignments WHERE profile_id = ?1 AND user_id = ?2")?
        .execute(params![profile_id, user_id])?;
    Ok(n > 0)
}

/// The plannings (by name) where the user has the Administration profile.
pub fn administration_plannings(c: &Connection, user_id: i64) -> Result<Vec<String>> {
    let rows = c
        .prepare_cached(
            "SELECT pl.name FROM assignments a JOIN profiles p ON p.id = a.profile_id
             JOIN plannings pl ON pl.id = a.planning_id
             WHERE a.user_id = ?1 AND p.kind = 'administration' ORDER BY pl.id",
        )?
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorisations_round_trip_and_unknown_names_are_errors() {
        let list = Authorisation::up_to(ProfileKind::Modification);
        let written = write_authorisations(&list);
        assert_eq!(read_authorisations(ProfileKind::Modification, &written).unwrap(), list);
        assert_eq!(
            read_authorisations(ProfileKind::Administration, "").unwrap(),
            Authorisation::ALL.to_vec()
        );
        assert!(read_authorisations(ProfileKind::Consultation, "view_timetables fly").is_err());
    }
}
