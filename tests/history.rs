//! History (issue 7, item 9): every change of the Contrôleur and Configuration panes is written once, with who made
//! it (the administrator's login), when, from which device and address, and what it was before → after.

mod common;

use common::{superadministrator, TestController};
use planhost::api::{
    Authorisation, ConfigChange, NewProfile, NewUser, ProfileChange, ProfileKind, UserChange, UserChanges, UserStatus,
};

const CHOSEN: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_written_once_with_who_when_where_and_before_after() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let p1 = m.configuration().await.unwrap().plannings[0].id;
    superadministrator(&m, CHOSEN).await;
    m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let (_, s) = tc.administrator("super1", CHOSEN, CHOSEN).await;

    let add = UserChange::Add(NewUser {
        login: "jdupont".into(),
        first_name: "Jean".into(),
        last_name: "Dupont".into(),
        email: None,
        status: UserStatus::User,
        console_access: false,
        scope: None,
    });
    let id = s.change_users(&add).await.unwrap().user.unwrap().id;
    let mail = UserChange::Change {
        id,
        changes: UserChanges {
            email: Some("jean.dupont@lycee-hugo.fr".into()),
            ..UserChanges::default()
        },
    };
    s.change_users(&mail).await.unwrap();
    // A change that changes nothing is not a change: no line.
    s.change_users(&mail).await.unwrap();
    s.change_users(&UserChange::Disable { id, disabled: true })
        .await
        .unwrap();
    s.change_users(&UserChange::ResetPassword { id }).await.unwrap();
    let created = s
        .change_profiles(
            p1,
            &ProfileChange::Create(NewProfile {
                planning_id: p1,
                name: "Vie scolaire".into(),
                kind: ProfileKind::Consultation,
                authorisations: vec![Authorisation::ViewTimetables],
            }),
        )
        .await
        .unwrap();
    let profile_id = created.profile.unwrap().id;
    let authorisations = Some(vec![Authorisation::ViewTimetables, Authorisation::PrintAndExport]);
    s.change_profiles(
        p1,
        &ProfileChange::Change {
            id: profile_id,
            name: None,
            authorisations,
        },
    )
    .await
    .unwrap();
    for change in [
        ProfileChange::Assign {
            profile_id,
            user_ids: vec![id],
        },
        ProfileChange::Unassign {
            profile_id,
            user_ids: vec![id],
        },
        ProfileChange::Delete { id: profile_id },
    ] {
        s.change_profiles(p1, &change).await.unwrap();
    }
    s.change_users(&UserChange::Delete { id }).await.unwrap();
    // Refused changes write nothing either.
    assert!(s.change_users(&UserChange::Delete { id }).await.is_err());

    let lines: Vec<(String, String, String)> = tc
        .db()
        .prepare(
            "SELECT coalesce(login, actor), action, detail FROM history
             WHERE outcome = 'ok' AND action NOT LIKE 'session.%' AND action NOT LIKE 'device.%'
               AND action NOT IN ('licence.accept', 'account.create')
             ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected = [
        ("hosting_manager", "users.superadministrator", "super1: created, superadministrator"),
        (
            "hosting_manager",
            "users.change",
            "super1: e-mail — → claire@lycee-hugo.fr, console access no → yes, scope — → configuration plannings controller history, every planning",
        ),
        ("hosting_manager", "planning.add", "— → planning02"),
        ("super1", "users.add", "jdupont: created, user, e-mail —, console access no"),
        ("super1", "users.change", "jdupont: e-mail — → jean.dupont@lycee-hugo.fr"),
        ("super1", "users.change", "jdupont: disabled no → yes"),
        ("super1", "users.reset_password", "jdupont: temporary password"),
        (
            "super1",
            "profiles.create",
            "planning01 / Vie scolaire: created, consultation, view_timetables",
        ),
        ("super1", "profiles.change", "planning01 / Vie scolaire: added print_and_export"),
        ("super1", "profiles.assign", "planning01 / Vie scolaire: assigned jdupont"),
        ("super1", "profiles.unassign", "planning01 / Vie scolaire: removed jdupont"),
        ("super1", "profiles.delete", "planning01 / Vie scolaire: deleted, 0 assignments removed"),
        ("super1", "users.delete", "jdupont: deleted, was user"),
    ];
    let lines: Vec<(&str, &str, &str)> = lines
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(lines, expected);
    // Every line says when, from which device of the account and from which address.
    assert_eq!(
        tc.count(
            "SELECT count(*) FROM history WHERE outcome = 'ok' AND action NOT LIKE 'session.%'
               AND action NOT LIKE 'device.%' AND action NOT IN ('licence.accept', 'account.create')
               AND at > 0 AND peer = '127.0.0.1' AND hosting_number IS NOT NULL
               AND device_id IN (SELECT id FROM devices)"
        ),
        i64::try_from(expected.len()).unwrap()
    );
}
