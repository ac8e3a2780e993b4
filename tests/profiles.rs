//! Contrôleur pane, profiles and assignment: against a real controller over mTLS, through the console's client.

mod common;

use common::TestController;
use planhost::api::{
    Authorisation, ConfigChange, FirstSuperadministrator, NewProfile, NewUser, Profile, ProfileChange, ProfileKind,
    ProfileOutcome, User, UserChange, UserChanges, UserQuery, UserStatus,
};
use planhost::client::ControllerClient;
use planhost::ErrorCode;

async fn superadmin(m: &ControllerClient, login: &str) -> User {
    let change = UserChange::FirstSuperadministrator(FirstSuperadministrator {
        login: login.into(),
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        password: "correct horse battery".into(),
        confirmation: "correct horse battery".into(),
    });
    m.change_users(&change).await.unwrap().user.unwrap()
}

async fn user(m: &ControllerClient, login: &str, status: UserStatus) -> User {
    let change = UserChange::Add(NewUser {
        login: login.into(),
        first_name: "Jean".into(),
        last_name: login.into(),
        email: None,
        status,
        console_access: false,
        scope: None,
    });
    m.change_users(&change).await.unwrap().user.unwrap()
}

/// A change sent to the planning of the profile it names (found among the account's plannings; 0 when none has it).
async fn profile_change(m: &ControllerClient, change: &ProfileChange) -> planhost::Result<ProfileOutcome> {
    let named = match change {
        ProfileChange::Create(new) => return m.change_profiles(new.planning_id, change).await,
        ProfileChange::Change { id, .. } | ProfileChange::Delete { id } => *id,
        ProfileChange::Assign { profile_id, .. } | ProfileChange::Unassign { profile_id, .. } => *profile_id,
    };
    let mut planning = 0;
    for p in m.configuration().await?.plannings {
        if m.profiles(p.id).await?.profiles.iter().any(|x| x.id == named) {
            planning = p.id;
        }
    }
    m.change_profiles(planning, change).await
}

async fn profiles(m: &ControllerClient, planning_id: i64) -> Vec<Profile> {
    m.profiles(planning_id).await.unwrap().profiles
}

async fn named(m: &ControllerClient, planning_id: i64, name: &str) -> Profile {
    profiles(m, planning_id)
        .await
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
}

fn assign(profile: &Profile, users: &[&User]) -> ProfileChange {
    ProfileChange::Assign {
        profile_id: profile.id,
        user_ids: users.iter().map(|u| u.id).collect(),
    }
}

async fn logins(m: &ControllerClient, query: UserQuery) -> Vec<String> {
    let page = m.users(&query).await.unwrap();
    page.users.into_iter().map(|u| u.login).collect()
}

fn assigned_to(profile: &Profile) -> UserQuery {
    UserQuery {
        assigned_to: Some(profile.id),
        sort: planhost::api::UserSort::Login,
        ..UserQuery::default()
    }
}

fn assignable_to(profile: &Profile) -> UserQuery {
    UserQuery {
        assignable_to: Some(profile.id),
        sort: planhost::api::UserSort::Login,
        ..UserQuery::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_planning_has_the_builtin_profiles_and_custom_ones_follow_the_rules() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let planning = m.configuration().await.unwrap().plannings[0].id;

    let view = m.profiles(planning).await.unwrap();
    assert_eq!(view.planning_name, "planning01");
    assert_eq!(view.catalogue.len(), Authorisation::ALL.len());
    let summary: Vec<(&str, ProfileKind, bool, usize)> = view
        .profiles
        .iter()
        .map(|p| (p.name.as_str(), p.kind, p.builtin, p.authorisations.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("Administration", ProfileKind::Administration, true, 12),
            ("Modification", ProfileKind::Modification, true, 10),
            ("Consultation", ProfileKind::Consultation, true, 4),
        ]
    );
    // A planning added later has them too.
    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let second = config.plannings[1].id;
    assert_eq!(profiles(&m, second).await.len(), 3);

    // Refusals name their field and create nothing.
    let create = |name: &str, kind: ProfileKind, list: &[Authorisation]| {
        ProfileChange::Create(NewProfile {
            planning_id: planning,
            name: name.into(),
            kind,
            authorisations: list.to_vec(),
        })
    };
    use Authorisation::*;
    for (change, code, field) in [
        (
            create("Direction", ProfileKind::Administration, &[ViewTimetables]),
            ErrorCode::InvalidInput,
            Some("kind"),
        ),
        (
            create(
                "Vie scolaire",
                ProfileKind::Consultation,
                &[ViewTimetables, EditCourses],
            ),
            ErrorCode::InvalidInput,
            Some("authorisations"),
        ),
        (
            create("Vie scolaire", ProfileKind::Modification, &[AdministerBase]),
            ErrorCode::InvalidInput,
            Some("authorisations"),
        ),
        (
            create("Vie scolaire", ProfileKind::Consultation, &[]),
            ErrorCode::InvalidInput,
            Some("authorisations"),
        ),
        (
            create("  ", ProfileKind::Consultation, &[ViewTimetables]),
            ErrorCode::InvalidInput,
            Some("name"),
        ),
        (
            create("ADMINISTRATION", ProfileKind::Consultation, &[ViewTimetables]),
            ErrorCode::Conflict,
            Some("name"),
        ),
        (
            ProfileChange::Create(NewProfile {
                planning_id: 999_999,
                name: "Vie scolaire".into(),
                kind: ProfileKind::Consultation,
                authorisations: vec![ViewTimetables],
            }),
            ErrorCode::NotFound,
            None,
        ),
    ] {
        let e = profile_change(&m, &change).await.unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (code, field), "{}", e.message);
    }
    assert_eq!(tc.count("SELECT count(*) FROM profiles"), 6);

    let custom = profile_change(
        &m,
        &create(
            " Vie scolaire ",
            ProfileKind::Consultation,
            &[PrintAndExport, ViewTimetables, ViewTimetables],
        ),
    )
    .await
    .unwrap()
    .profile
    .unwrap();
    assert_eq!(
        (custom.name.as_str(), custom.builtin, custom.authorisations.clone()),
        ("Vie scolaire", false, vec![ViewTimetables, PrintAndExport])
    );
    // Custom profiles come after the built-in ones.
    assert_eq!(profiles(&m, planning).await[3].id, custom.id);

    // Built-in profiles keep their names; Administration keeps every authorisation; the others can be set.
    let administration = named(&m, planning, "Administration").await;
    let modification = named(&m, planning, "Modification").await;
    for (change, field) in [
        (
            ProfileChange::Change {
                id: modification.id,
                name: Some("Écriture".into()),
                authorisations: None,
            },
            Some("name"),
        ),
        (
            ProfileChange::Change {
                id: administration.id,
                name: None,
                authorisations: Some(vec![ViewTimetables]),
            },
            Some("authorisations"),
        ),
        (ProfileChange::Delete { id: administration.id }, None),
    ] {
        let e = profile_change(&m, &change).await.unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidInput, field),
            "{}",
            e.message
        );
    }
    let changed = profile_change(
        &m,
        &ProfileChange::Change {
            id: modification.id,
            name: None,
            authorisations: Some(vec![ViewTimetables, EditCourses, PlaceCourses]),
        },
    )
    .await
    .unwrap()
    .profile
    .unwrap();
    assert_eq!(changed.authorisations, vec![ViewTimetables, EditCourses, PlaceCourses]);
    let detail: String = tc
        .db()
        .query_row(
            "SELECT detail FROM history WHERE action = 'profiles.change' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        detail,
        "planning01 / Modification: removed view_room_occupancy view_teacher_records print_and_export \
         edit_resources book_rooms record_absences publish_timetables"
    );
    // Renaming onto another profile's name is refused; a custom profile can be renamed and deleted.
    let e = profile_change(
        &m,
        &ProfileChange::Change {
            id: custom.id,
            name: Some("consultation".into()),
            authorisations: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Conflict, Some("name")));
    let renamed = profile_change(
        &m,
        &ProfileChange::Change {
            id: custom.id,
            name: Some("Surveillants".into()),
            authorisations: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(renamed.profile.unwrap().name, "Surveillants");
    profile_change(&m, &ProfileChange::Delete { id: custom.id })
        .await
        .unwrap();
    assert_eq!(profiles(&m, planning).await.len(), 3);
    let e = profile_change(&m, &ProfileChange::Delete { id: custom.id })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);

    // Another account sees none of this account's profiles.
    let other = tc.other_manager().await;
    assert_eq!(other.profiles(planning).await.unwrap_err().code, ErrorCode::NotFound);
    let e = other
        .change_profiles(planning, &ProfileChange::Delete { id: modification.id })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(
        other.users(&assigned_to(&modification)).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_has_at_most_one_profile_per_planning_and_administration_takes_administrators() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let (first, second) = (config.plannings[0].id, config.plannings[1].id);
    let claire = superadmin(&m, "cmartin").await;
    let basile = user(&m, "bnoel", UserStatus::BaseAdministrator).await;
    let ugo = user(&m, "ugo", UserStatus::User).await;
    let vera = user(&m, "vera", UserStatus::User).await;
    let administration = named(&m, first, "Administration").await;
    let modification = named(&m, first, "Modification").await;
    let consultation = named(&m, first, "Consultation").await;

    // Administration takes administrators only: a mixed list is refused whole.
    assert_eq!(logins(&m, assignable_to(&administration)).await, ["bnoel", "cmartin"]);
    let e = profile_change(&m, &assign(&administration, &[&claire, &ugo]))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message_fr.contains("ugo"), "{}", e.message_fr);
    assert_eq!(tc.count("SELECT count(*) FROM assignments"), 0);

    let outcome = profile_change(&m, &assign(&administration, &[&claire])).await.unwrap();
    assert_eq!((outcome.users, outcome.profile.unwrap().assigned), (1, 1));
    assert_eq!(logins(&m, assigned_to(&administration)).await, ["cmartin"]);
    // Assigned in this planning: not offered by any of its profiles, still by the other planning's.
    assert_eq!(logins(&m, assignable_to(&administration)).await, ["bnoel"]);
    assert_eq!(logins(&m, assignable_to(&consultation)).await, ["bnoel", "ugo", "vera"]);
    let other_consultation = named(&m, second, "Consultation").await;
    assert!(logins(&m, assignable_to(&other_consultation))
        .await
        .contains(&"cmartin".to_owned()));

    // At most one profile per user and planning.
    let e = profile_change(&m, &assign(&modification, &[&claire]))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("Administration"), "{}", e.message);
    profile_change(&m, &assign(&other_consultation, &[&claire]))
        .await
        .unwrap();

    // Seats limit connections, not assignments: Modification has 0 seats and takes users all the same.
    assert_eq!(config.plannings[0].seats.modification, 0);
    profile_change(&m, &assign(&modification, &[&ugo, &vera, &ugo]))
        .await
        .unwrap();
    assert_eq!(named(&m, first, "Modification").await.assigned, 2);
    let detail: String = tc
        .db()
        .query_row(
            "SELECT detail FROM history WHERE action = 'profiles.assign' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(detail, "planning01 / Modification: assigned ugo, vera");

    // An administrator with the Administration profile keeps its status.
    profile_change(&m, &assign(&administration, &[&basile])).await.unwrap();
    let e = m
        .change_users(&UserChange::Change {
            id: basile.id,
            changes: UserChanges {
                status: Some(UserStatus::User),
                ..UserChanges::default()
            },
        })
        .await
        .unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some("status")));
    assert!(e.message.contains("planning01"), "{}", e.message);

    // Removing: only who is assigned; the whole list or nothing.
    let remove = |users: &[&User]| ProfileChange::Unassign {
        profile_id: modification.id,
        user_ids: users.iter().map(|u| u.id).collect(),
    };
    let e = profile_change(&m, &remove(&[&ugo, &claire])).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(named(&m, first, "Modification").await.assigned, 2);
    profile_change(&m, &remove(&[&ugo])).await.unwrap();
    assert_eq!(logins(&m, assigned_to(&modification)).await, ["vera"]);
    for bad in [vec![], vec![-1], vec![i64::MAX]] {
        let e = profile_change(
            &m,
            &ProfileChange::Assign {
                profile_id: consultation.id,
                user_ids: bad.clone(),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e.code, ErrorCode::InvalidInput | ErrorCode::NotFound),
            "{bad:?}"
        );
    }
    let both = UserQuery {
        assigned_to: Some(modification.id),
        assignable_to: Some(modification.id),
        ..UserQuery::default()
    };
    assert_eq!(m.users(&both).await.unwrap_err().code, ErrorCode::InvalidInput);

    // Deleting a user or a profile takes its assignments with it.
    m.change_users(&UserChange::Delete { id: vera.id }).await.unwrap();
    assert_eq!(named(&m, first, "Modification").await.assigned, 0);
    let before = tc.count("SELECT count(*) FROM assignments");
    let custom = profile_change(
        &m,
        &ProfileChange::Create(NewProfile {
            planning_id: first,
            name: "Vie scolaire".into(),
            kind: ProfileKind::Consultation,
            authorisations: vec![Authorisation::ViewTimetables],
        }),
    )
    .await
    .unwrap()
    .profile
    .unwrap();
    profile_change(&m, &assign(&custom, &[&ugo])).await.unwrap();
    profile_change(&m, &ProfileChange::Delete { id: custom.id })
        .await
        .unwrap();
    assert_eq!(tc.count("SELECT count(*) FROM assignments"), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_assignments_of_one_user_in_one_planning_give_one_profile() {
    let tc = TestController::start().await;
    let m = std::sync::Arc::new(tc.manager().await);
    let planning = m.configuration().await.unwrap().plannings[0].id;
    superadmin(&m, "cmartin").await;
    let ugo = user(&m, "ugo", UserStatus::User).await;
    let mut names = vec!["Modification".to_owned(), "Consultation".to_owned()];
    for i in 0..6 {
        let name = format!("Profil {i}");
        profile_change(
            &m,
            &ProfileChange::Create(NewProfile {
                planning_id: planning,
                name: name.clone(),
                kind: ProfileKind::Consultation,
                authorisations: vec![Authorisation::ViewTimetables],
            }),
        )
        .await
        .unwrap();
        names.push(name);
    }
    let all = profiles(&m, planning).await;
    let tasks: Vec<_> = names
        .iter()
        .map(|name| {
            let p = all.iter().find(|p| &p.name == name).unwrap().clone();
            let (m, ugo) = (m.clone(), ugo.clone());
            tokio::spawn(async move { profile_change(&m, &assign(&p, &[&ugo])).await })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(e) => assert_eq!(e.code, ErrorCode::Conflict, "{}", e.message),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(tc.count("SELECT count(*) FROM assignments"), 1);
}
