//! Contrôleur pane, users: against a real controller over mTLS, through the same client the console uses.

mod common;

use common::TestController;
use planhost::api::{
    FirstSuperadministrator, NewUser, UserChange, UserChanges, UserOutcome, UserQuery, UserSort, UserStatus,
};
use planhost::client::ControllerClient;
use planhost::ErrorCode;

fn first(login: &str, password: &str, confirmation: &str) -> UserChange {
    UserChange::FirstSuperadministrator(FirstSuperadministrator {
        login: login.into(),
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        password: password.into(),
        confirmation: confirmation.into(),
    })
}

fn new_user(login: &str, last: &str, status: UserStatus) -> UserChange {
    UserChange::Add(NewUser {
        login: login.into(),
        first_name: "Jean".into(),
        last_name: last.into(),
        email: None,
        status,
        console_access: false,
        scope: None,
    })
}

async fn add(m: &ControllerClient, change: UserChange) -> UserOutcome {
    m.change_users(&change).await.unwrap()
}

fn id(outcome: &UserOutcome) -> i64 {
    outcome.user.as_ref().unwrap().id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_superadministrator_is_created_once_with_the_password_it_chose() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let page = m.users(&UserQuery::default()).await.unwrap();
    assert_eq!(
        (page.total, page.superadministrators),
        (0, 0),
        "a new account asks for one"
    );

    // Each refusal names its field and creates nothing.
    for (change, field) in [
        (first("c", "correct horse battery", "correct horse battery"), "login"),
        (first("cmartin", "short", "short"), "password"),
        (
            first("cmartin", "correct horse battery", "correct horse batery"),
            "confirmation",
        ),
        (
            first("cmartin", "cmartin-2026-secret", "cmartin-2026-secret"),
            "password",
        ),
    ] {
        let e = m.change_users(&change).await.unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidInput, Some(field)),
            "{}",
            e.message
        );
    }
    assert_eq!(tc.count("SELECT count(*) FROM users"), 0);

    let made = add(&m, first("cmartin", "correct horse battery", "correct horse battery")).await;
    let user = made.user.unwrap();
    assert_eq!(user.status, UserStatus::Superadministrator);
    assert!(!user.must_change_password, "it chose its password");
    assert_eq!(made.password, None, "a chosen password is never sent back");
    let hash: String = tc
        .db()
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let again = m
        .change_users(&first("other", "correct horse battery", "correct horse battery"))
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);
    let page = m.users(&UserQuery::default()).await.unwrap();
    assert_eq!((page.total, page.superadministrators), (1, 1));
    assert_eq!(page.users[0].login, "cmartin");
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'users.superadministrator'"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_users_get_a_generated_password_once_and_logins_are_unique_whatever_the_case() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let made = add(&m, new_user("jdupont", "Dupont", UserStatus::User)).await;
    let password = made.password.clone().unwrap();
    assert_eq!(password.len(), 16);
    assert!(made.user.as_ref().unwrap().must_change_password);
    let hash: String = tc
        .db()
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("sha256$") && !hash.contains(&password));
    // Never shown again: the list has no password.
    let listed = serde_json::to_string(&m.users(&UserQuery::default()).await.unwrap()).unwrap();
    assert!(!listed.contains(&password) && !listed.contains("sha256"));

    let e = m
        .change_users(&new_user("JDupont", "Dupont", UserStatus::User))
        .await
        .unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Conflict, Some("login")));
    assert_eq!(tc.count("SELECT count(*) FROM users"), 1);

    // A reset gives a new temporary password, to change at the next login.
    let reset = add(&m, UserChange::ResetPassword { id: id(&made) }).await;
    let temporary = reset.password.unwrap();
    assert_ne!(temporary, password);
    assert!(reset.user.unwrap().must_change_password);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_access_needs_an_email_and_an_administrator_status() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let mut with_access = NewUser {
        login: "admin2".into(),
        first_name: "Anne".into(),
        last_name: "Bernard".into(),
        email: None,
        status: UserStatus::BaseAdministrator,
        console_access: true,
        scope: None,
    };
    let e = m.change_users(&UserChange::Add(with_access.clone())).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("console_access"));
    with_access.email = Some("anne@lycee".into());
    let e = m.change_users(&UserChange::Add(with_access.clone())).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("email"));
    with_access.email = Some("Anne.Bernard@Lycee-Hugo.fr".into());
    let made = add(&m, UserChange::Add(with_access)).await;
    let user = made.user.clone().unwrap();
    assert_eq!(user.email.as_deref(), Some("Anne.Bernard@lycee-hugo.fr"));
    assert!(user.console_access);

    // Demoting to a plain user while keeping console access is refused, and nothing changes.
    let demote = UserChange::Change {
        id: user.id,
        changes: UserChanges {
            status: Some(UserStatus::User),
            ..UserChanges::default()
        },
    };
    let e = m.change_users(&demote).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("console_access"));
    let now = m.users(&UserQuery::default()).await.unwrap().users[0].clone();
    assert_eq!(now.status, UserStatus::BaseAdministrator);
    // Removing the access in the same change is accepted, whole.
    let both = UserChange::Change {
        id: user.id,
        changes: UserChanges {
            status: Some(UserStatus::User),
            console_access: Some(false),
            ..UserChanges::default()
        },
    };
    let after = add(&m, both).await.user.unwrap();
    assert_eq!((after.status, after.console_access), (UserStatus::User, false));
    let detail: String = tc
        .db()
        .query_row(
            "SELECT detail FROM history WHERE action = 'users.change' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        detail,
        "admin2: status base_administrator → user, console access yes → no, scope plannings history, every planning → —"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_superadministrator_cannot_be_deleted_disabled_or_demoted() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let boss = id(&add(&m, first("cmartin", "correct horse battery", "correct horse battery")).await);
    let refused = [
        UserChange::Delete { id: boss },
        UserChange::Disable {
            id: boss,
            disabled: true,
        },
        UserChange::Change {
            id: boss,
            changes: UserChanges {
                status: Some(UserStatus::BaseAdministrator),
                ..UserChanges::default()
            },
        },
    ];
    for change in &refused {
        let e = m.change_users(change).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{change:?}");
        assert!(e.message.contains("last superadministrator"), "{}", e.message);
    }
    // With a second one, the first can go.
    add(&m, new_user("second", "Petit", UserStatus::Superadministrator)).await;
    add(&m, UserChange::Delete { id: boss }).await;
    let page = m.users(&UserQuery::default()).await.unwrap();
    assert_eq!((page.total, page.superadministrators), (1, 1));
    let e = m.change_users(&UserChange::Delete { id: boss }).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_searches_sorts_and_pages_the_list() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    for (login, last) in [
        ("edupre", "Dupré"),
        ("amartin", "Martin"),
        ("bdurand", "Durand"),
        ("cpetit", "Petit"),
        ("under_score", "Zola"),
    ] {
        add(&m, new_user(login, last, UserStatus::User)).await;
    }
    let query = |search: &str, sort: UserSort, descending: bool, page: u32, per_page: u32| UserQuery {
        search: search.into(),
        sort,
        descending,
        page,
        per_page,
        ..UserQuery::default()
    };
    let logins = |p: &planhost::api::UserPage| p.users.iter().map(|u| u.login.clone()).collect::<Vec<_>>();

    let by_name = m.users(&query("", UserSort::Name, false, 0, 2)).await.unwrap();
    assert_eq!(logins(&by_name), ["edupre", "bdurand"]);
    assert_eq!((by_name.matching, by_name.total), (5, 5));
    let second = m.users(&query("", UserSort::Name, false, 1, 2)).await.unwrap();
    assert_eq!(logins(&second), ["amartin", "cpetit"]);
    let last = m.users(&query("", UserSort::Login, true, 0, 1)).await.unwrap();
    assert_eq!(logins(&last), ["under_score"]);
    // Accents and case ignored, every word must match; `_` and `%` are letters, not wildcards.
    let found = m
        .users(&query("DUPRE jean", UserSort::Name, false, 0, 50))
        .await
        .unwrap();
    assert_eq!((logins(&found), found.matching), (vec!["edupre".to_owned()], 1));
    let literal = m.users(&query("n_j", UserSort::Name, false, 0, 50)).await.unwrap();
    assert_eq!(literal.matching, 0);
    let percent = m.users(&query("%", UserSort::Name, false, 0, 50)).await.unwrap();
    assert_eq!(percent.matching, 0);
    // Past the end: an empty page, not an error.
    let beyond = m.users(&query("", UserSort::Name, false, u32::MAX, 200)).await.unwrap();
    assert!(beyond.users.is_empty());

    for bad in [0, 201, u32::MAX] {
        let e = m.users(&query("", UserSort::Name, false, 0, bad)).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}");
    }
    let e = m
        .users(&query(&"x".repeat(201), UserSort::Name, false, 0, 50))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_need_a_session_and_the_accepted_licence() {
    let tc = TestController::start().await;
    let (_, client) = tc.session().await;
    let e = client.users(&UserQuery::default()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::LicenceNotAccepted);
    let e = client
        .change_users(&new_user("jdupont", "Dupont", UserStatus::User))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::LicenceNotAccepted);
    let (identity, _) = tc.enrol().await;
    let no_session = tc.client(Some(&identity));
    let e = no_session.users(&UserQuery::default()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionRequired);
    assert_eq!(tc.count("SELECT count(*) FROM users"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_requests_leave_one_first_superadministrator_and_never_none() {
    let tc = TestController::start().await;
    let m = std::sync::Arc::new(tc.manager().await);
    let successes = |changes: Vec<UserChange>| {
        let mut set = tokio::task::JoinSet::new();
        for change in changes {
            let m = m.clone();
            set.spawn(async move { m.change_users(&change).await.is_ok() });
        }
        async move { set.join_all().await.into_iter().filter(|ok| *ok).count() }
    };
    let firsts = (0..8)
        .map(|i| first(&format!("boss{i}"), "correct horse battery", "correct horse battery"))
        .collect();
    assert_eq!(successes(firsts).await, 1);
    let boss = m.users(&UserQuery::default()).await.unwrap().users[0].id;
    let other = id(&add(&m, new_user("second", "Petit", UserStatus::Superadministrator)).await);
    // Two deletions racing: each alone would pass the check, together they would leave none.
    let deletions = vec![UserChange::Delete { id: boss }, UserChange::Delete { id: other }];
    assert_eq!(successes(deletions).await, 1);
    assert_eq!(m.users(&UserQuery::default()).await.unwrap().superadministrators, 1);
}
