//! Administrators on the console: their own login (invoice number on a machine's first connection, forced password
//! change), delegated administrators limited to some panes and plannings, revocation when disabled. Against a real
//! controller over mTLS.

mod common;

use common::{new_admin, superadministrator, TestController};
use planhost::api::{
    ConfigChange, ConsoleScope, Pane, PasswordChange, ProfileChange, UserChange, UserChanges, UserQuery, UserStatus,
};
use planhost::ErrorCode;

const CHOSEN: &str = "a password of my own";

fn change_password(current: &str, new: &str) -> PasswordChange {
    PasswordChange {
        current: current.into(),
        password: new.into(),
        confirmation: new.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_logs_in_with_the_invoice_number_once_then_chooses_its_password() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let given = m
        .change_users(&new_admin("anne", UserStatus::Superadministrator, None))
        .await
        .unwrap();
    let password = given.password.unwrap();

    // Wrong password, unknown login or wrong invoice number: the same answer, naming the login among the suspects.
    let e = tc.admin_device("anne", "not the password").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadCredentials);
    assert!(e.message_fr.contains("identifiant"), "{}", e.message_fr);
    assert_eq!(
        tc.admin_device("nobody", &password).await.unwrap_err().code,
        ErrorCode::BadCredentials
    );
    assert_eq!(tc.count("SELECT count(*) FROM devices WHERE user_id IS NOT NULL"), 0);

    let device = tc.admin_device("ANNE", &password).await.unwrap();
    let (client, resp) = tc.admin_login(&device, "anne", &password).await.unwrap();
    assert!(resp.must_change_password && resp.licence_accepted);
    // Until it chooses its own password, only the session's own routes answer.
    let who = client.whoami().await.unwrap();
    assert_eq!(
        (who.actor.as_str(), who.login.as_deref()),
        ("superadministrator", Some("anne"))
    );
    assert!(who.must_change_password);
    assert_eq!(
        client.configuration().await.unwrap_err().code,
        ErrorCode::PasswordChangeRequired
    );
    assert_eq!(
        client.users(&UserQuery::default()).await.unwrap_err().code,
        ErrorCode::PasswordChangeRequired
    );

    for (change, field) in [
        (change_password("wrong current", CHOSEN), "current"),
        (change_password(&password, "short"), "password"),
        (change_password(&password, &password), "password"),
        (
            PasswordChange {
                current: password.clone(),
                password: CHOSEN.into(),
                confirmation: "something else entirely".into(),
            },
            "confirmation",
        ),
    ] {
        let e = client.change_own_password(&change).await.unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidInput, Some(field)),
            "{}",
            e.message
        );
    }
    let who = client
        .change_own_password(&change_password(&password, CHOSEN))
        .await
        .unwrap();
    assert!(!who.must_change_password);
    assert_eq!(who.scope, ConsoleScope::everything());
    client.configuration().await.unwrap();
    let hash: String = tc
        .db()
        .query_row("SELECT password_hash FROM users WHERE login = 'anne'", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "a chosen password gets a slow hash");

    // The given password is spent; the chosen one logs in without the invoice number again, without a change.
    assert_eq!(
        tc.admin_login(&device, "anne", &password).await.err().unwrap().code,
        ErrorCode::BadCredentials
    );
    let (_, resp) = tc.admin_login(&device, "anne", CHOSEN).await.unwrap();
    assert!(!resp.must_change_password);

    // A device belongs to one person: the administrator's is not the hosting manager's, nor another's.
    let manager_on_admin_device = tc
        .client(Some(&device))
        .login(&tc.login_request(&tc.account.console_password))
        .await
        .unwrap_err();
    assert_eq!(manager_on_admin_device.code, ErrorCode::BadCredentials);
    let (manager_device, _) = tc.enrol().await;
    assert_eq!(
        tc.admin_login(&manager_device, "anne", CHOSEN)
            .await
            .err()
            .unwrap()
            .code,
        ErrorCode::BadCredentials
    );
    // The hosting manager changes its console password with the provider, not here.
    assert_eq!(
        m.change_own_password(&change_password(&tc.account.console_password, CHOSEN))
            .await
            .unwrap_err()
            .code,
        ErrorCode::Forbidden
    );
    // Every step is in the history, under the administrator's login.
    let lines = tc
        .count("SELECT count(*) FROM history WHERE login = 'anne' AND action = 'session.password' AND outcome = 'ok'");
    assert_eq!(lines, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_licence_is_accepted_an_administrator_waits_for_the_hosting_manager() {
    let tc = TestController::start().await;
    let (_, m) = tc.session().await;
    // Users exist before the licence only through the provider's tools: write one as they would.
    let licence = m.licence().await.unwrap();
    m.accept_licence(licence.version).await.unwrap();
    superadministrator(&m, CHOSEN).await;
    tc.db()
        .execute("UPDATE accounts SET licence_version = NULL", [])
        .unwrap();
    let (_, s) = tc.administrator("super1", CHOSEN, CHOSEN).await;
    let e = s.configuration().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::LicenceNotAccepted);
    assert!(e.message_fr.contains("gestionnaire"), "{}", e.message_fr);
    assert_eq!(
        s.accept_licence(licence.version).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegated_administrator_gives_only_what_it_has_and_changes_only_its_own() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let (p1, p2) = (config.plannings[0].id, config.plannings[1].id);
    let super1 = superadministrator(&m, CHOSEN).await;
    let (_, s) = tc.administrator("super1", CHOSEN, CHOSEN).await;
    let limited = ConsoleScope {
        panes: vec![Pane::Controller, Pane::History],
        plannings: Some(vec![p1]),
    };
    let given = s
        .change_users(&new_admin(
            "deleg",
            UserStatus::Superadministrator,
            Some(limited.clone()),
        ))
        .await
        .unwrap();
    let deleg = given.user.unwrap();
    assert_eq!(deleg.parent_id, Some(super1.id));
    let (_, d) = tc.administrator("deleg", &given.password.unwrap(), CHOSEN).await;

    // It sees only its planning, and nothing of the other.
    assert_eq!(
        d.configuration().await.unwrap_err().code,
        ErrorCode::Forbidden,
        "no Configuration pane"
    );
    assert_eq!(d.profiles(p2).await.unwrap_err().code, ErrorCode::Forbidden);
    let other = m.profiles(p2).await.unwrap().profiles[0].id;
    let query = UserQuery {
        assignable_to: Some(other),
        ..UserQuery::default()
    };
    assert_eq!(d.users(&query).await.unwrap_err().code, ErrorCode::NotFound);
    let report = d
        .import_users(
            b"login;prenom;nom;planning;profil\nzoe;Zoe;Durand;planning02;Consultation\n".to_vec(),
            true,
        )
        .await
        .unwrap();
    assert_eq!(report.problem_count, 1, "{:?}", report.problems);

    // Its children get a part of its own rights, never more; refused changes leave nothing behind.
    let before = tc.count("SELECT count(*) FROM users");
    for (scope, status, field) in [
        (Some(vec![p1, p2]), UserStatus::Superadministrator, "scope"),
        (None, UserStatus::Superadministrator, "scope"),
        (Some(vec![p1]), UserStatus::BaseAdministrator, "scope"),
    ] {
        let wanted = ConsoleScope {
            panes: vec![Pane::Controller],
            plannings: scope,
        };
        let e = d
            .change_users(&new_admin("child", status, Some(wanted)))
            .await
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{}", e.message);
    }
    let more_panes = ConsoleScope {
        panes: vec![Pane::Configuration],
        plannings: Some(vec![p1]),
    };
    let e = d
        .change_users(&new_admin("child", UserStatus::Superadministrator, Some(more_panes)))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert_eq!(tc.count("SELECT count(*) FROM users"), before);

    // Without a scope, a child gets what its status allows within the giver's.
    let child = d
        .change_users(&new_admin("child", UserStatus::BaseAdministrator, None))
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(
        child.scope,
        Some(ConsoleScope {
            panes: vec![Pane::History],
            plannings: Some(vec![p1]),
        })
    );
    assert_eq!(child.parent_login.as_deref(), Some("deleg"));
    let children = m
        .users(&UserQuery {
            children_of: Some(deleg.id),
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        children.users.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(),
        ["child"]
    );
    assert_eq!(
        m.users(&UserQuery::default())
            .await
            .unwrap()
            .users
            .iter()
            .find(|u| u.login == "deleg")
            .unwrap()
            .children,
        1
    );

    // It changes its child, plain users and its own names; not its parent, not its own rights.
    d.change_users(&UserChange::Disable {
        id: child.id,
        disabled: true,
    })
    .await
    .unwrap();
    let e = d
        .change_users(&UserChange::ResetPassword { id: super1.id })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = d
        .change_users(&UserChange::Disable {
            id: deleg.id,
            disabled: true,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let wider = UserChange::Change {
        id: deleg.id,
        changes: UserChanges {
            scope: Some(ConsoleScope::everything()),
            ..UserChanges::default()
        },
    };
    assert_eq!(d.change_users(&wider).await.unwrap_err().code, ErrorCode::Forbidden);
    let renamed = UserChange::Change {
        id: deleg.id,
        changes: UserChanges {
            first_name: Some("Annie".into()),
            ..UserChanges::default()
        },
    };
    d.change_users(&renamed).await.unwrap();
    // An administrator's profiles are its rights: not given or taken by one who may not change it, itself included.
    let administration = d.profiles(p1).await.unwrap().profiles[0].id;
    for id in [super1.id, deleg.id] {
        let assign = ProfileChange::Assign {
            profile_id: administration,
            user_ids: vec![id],
        };
        assert_eq!(
            d.change_profiles(p1, &assign).await.unwrap_err().code,
            ErrorCode::Forbidden
        );
    }
    assert_eq!(tc.count("SELECT count(*) FROM assignments"), 0);

    // Deleting the delegated administrator hands its children to its own parent.
    m.change_users(&UserChange::Delete { id: deleg.id }).await.unwrap();
    let parent: Option<i64> = tc
        .db()
        .query_row("SELECT parent_id FROM users WHERE login = 'child'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(parent, Some(super1.id));
    assert_eq!(d.whoami().await.unwrap_err().code, ErrorCode::CertificateRevoked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_an_administrator_ends_its_sessions_and_revokes_its_devices_at_once() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    superadministrator(&m, CHOSEN).await;
    let given = m
        .change_users(&new_admin("anne", UserStatus::Superadministrator, None))
        .await
        .unwrap();
    let anne = given.user.unwrap();
    let password = given.password.unwrap();
    let (laptop, a) = tc.administrator("anne", &password, CHOSEN).await;
    let desktop = tc.admin_device("anne", CHOSEN).await.unwrap();
    let (b, _) = tc.admin_login(&desktop, "anne", CHOSEN).await.unwrap();
    a.users(&UserQuery::default()).await.unwrap();
    b.users(&UserQuery::default()).await.unwrap();

    m.change_users(&UserChange::Disable {
        id: anne.id,
        disabled: true,
    })
    .await
    .unwrap();
    // Revoked, not expired: the very next request is refused, on both devices, and the devices stay revoked.
    assert_eq!(
        a.users(&UserQuery::default()).await.unwrap_err().code,
        ErrorCode::CertificateRevoked
    );
    assert_eq!(b.whoami().await.unwrap_err().code, ErrorCode::CertificateRevoked);
    assert_eq!(tc.count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"), 0);
    assert_eq!(
        tc.count("SELECT count(*) FROM devices WHERE user_id IS NOT NULL AND revoked_at IS NULL"),
        0
    );
    let detail: String = tc
        .db()
        .query_row(
            "SELECT detail FROM history WHERE action = 'users.change' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.ends_with("(sessions ended, 2 devices revoked)"), "{detail}");
    // Disabled, it is told so once its password is right, and gets no new certificate.
    let e = tc.admin_device("anne", CHOSEN).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{}", e.message);
    assert!(e.message_fr.contains("désactivé"), "{}", e.message_fr);

    // Enabled again, it installs a new certificate with the invoice number: the old devices stay revoked.
    m.change_users(&UserChange::Disable {
        id: anne.id,
        disabled: false,
    })
    .await
    .unwrap();
    assert_eq!(
        tc.admin_login(&laptop, "anne", CHOSEN).await.err().unwrap().code,
        ErrorCode::CertificateRevoked
    );
    tc.administrator("anne", CHOSEN, CHOSEN).await.1.whoami().await.unwrap();

    // Taking console access away works the same way.
    let (_, c) = tc.administrator("anne", CHOSEN, CHOSEN).await;
    let no_access = UserChange::Change {
        id: anne.id,
        changes: UserChanges {
            console_access: Some(false),
            ..UserChanges::default()
        },
    };
    m.change_users(&no_access).await.unwrap();
    assert_eq!(c.whoami().await.unwrap_err().code, ErrorCode::CertificateRevoked);
}
