//! Authorisation in one place: every route of the API, walked with every role, against a real controller over mTLS.
//! The table below is the expectation, written by hand; a route the server declares and the table does not list
//! (or the other way round) fails the test.

mod common;

use common::{new_admin, superadministrator, TestController};
use planhost::api::{ConfigChange, ConsoleScope, NewUser, Pane, UserChange, UserStatus};
use planhost::client::ControllerClient;
use planhost::server::{declared_routes, Access, Target};
use planhost::ErrorCode;
use reqwest::Method;
use serde_json::json;

/// Roles that hold a session: hosting manager, superadministrator, base administrator, delegated administrator inside
/// its scope (planning01) and outside it (planning02).
const ROLES: [&str; 5] = ["M", "S", "B", "Di", "Do"];

/// (method, path, declared access, roles allowed). Open routes are allowed to everyone, certificate or not.
const TABLE: &[(&str, &str, &str, &str)] = &[
    ("POST", "/enrol", "open", "M S B Di Do"),
    ("POST", "/enrol/password", "open", "M S B Di Do"),
    ("POST", "/login", "device", "M S B Di Do"),
    ("POST", "/renew", "session", "M S B Di Do"),
    ("GET", "/session", "session", "M S B Di Do"),
    ("POST", "/session/password", "session", "M S B Di Do"),
    ("GET", "/licence", "session", "M S B Di Do"),
    ("POST", "/licence/accept", "hosting manager", "M"),
    ("GET", "/account", "session", "M S B Di Do"),
    ("GET", "/config", "configuration", "M S Di Do"),
    ("POST", "/config", "configuration (body)", "M S Di"),
    ("GET", "/plannings/status", "configuration", "M S Di Do"),
    ("GET", "/users", "controller", "M S Di Do"),
    ("POST", "/users", "controller", "M S Di Do"),
    ("POST", "/users/import", "controller", "M S Di Do"),
    ("GET", "/profils", "controller", "M S Di Do"),
    ("POST", "/profils", "controller", "M S Di Do"),
    ("GET", "/plannings/{id}/profiles", "controller (planning)", "M S Di"),
    ("POST", "/plannings/{id}/profiles", "controller (planning)", "M S Di"),
    // The delegated administrator was given Configuration and Contrôleur, not Mes plannings.
    ("GET", "/plannings/{id}/bases", "plannings (planning)", "M S B"),
    ("POST", "/plannings/{id}/bases", "plannings (planning)", "M S B"),
    ("POST", "/plannings/{id}/uploads", "plannings (planning)", "M S B"),
    (
        "GET",
        "/plannings/{id}/uploads/{upload}",
        "plannings (planning)",
        "M S B",
    ),
    (
        "PUT",
        "/plannings/{id}/uploads/{upload}",
        "plannings (planning)",
        "M S B",
    ),
    (
        "DELETE",
        "/plannings/{id}/uploads/{upload}",
        "plannings (planning)",
        "M S B",
    ),
    (
        "POST",
        "/plannings/{id}/uploads/{upload}/finish",
        "plannings (planning)",
        "M S B",
    ),
    (
        "GET",
        "/plannings/{id}/bases/{base}/hhyp",
        "plannings (planning)",
        "M S B",
    ),
    // Last: it ends the session it is sent with.
    ("POST", "/logout", "session", "M S B Di Do"),
];

fn describe(access: Access) -> String {
    let pane = |p: Pane| p.as_str().to_owned();
    match access {
        Access::Open => "open".into(),
        Access::Device => "device".into(),
        Access::Session => "session".into(),
        Access::HostingManager => "hosting manager".into(),
        Access::Pane(p, Target::Nothing) => pane(p),
        Access::Pane(p, Target::PlanningInPath) => format!("{} (planning)", pane(p)),
        Access::Pane(p, Target::InBody(_)) => format!("{} (body)", pane(p)),
    }
}

/// A harmless request for each route: it passes or fails the check, then changes nothing (an unknown id, an empty
/// change, a body the handler refuses).
fn probe(method: &str, path: &str, planning: i64) -> (Method, String, Option<serde_json::Value>) {
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    let path = path
        .replace("{id}", &planning.to_string())
        .replace("{upload}", "no-such-upload")
        .replace("{base}", "999999");
    let body = match (method, path.as_str()) {
        ("POST", "/config") => Some(json!({"kind": "change_planning", "id": planning, "changes": {}})),
        ("POST", "/users") => Some(json!({"kind": "disable", "id": 999_999, "disabled": true})),
        ("POST", "/licence/accept") => Some(json!({"version": 0})),
        ("POST", p) if p.ends_with("/profiles") => Some(json!({"action": "delete", "id": 999_999})),
        ("POST", p) if p.ends_with("/bases") => Some(json!({"action": "restore", "id": 999_999})),
        ("POST", "/logout") => None,
        ("POST", _) => Some(json!({})),
        _ => None,
    };
    let path = match path.as_str() {
        "/users/import" | "/profils" if method == "POST" => format!("{path}?check=true"),
        _ => path,
    };
    (m, path, body)
}

/// The codes of a refusal by the check (any other answer means the handler ran).
fn refused_by_check(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::CertificateRequired
            | ErrorCode::CertificateRevoked
            | ErrorCode::SessionRequired
            | ErrorCode::Forbidden
            | ErrorCode::LicenceNotAccepted
            | ErrorCode::PasswordChangeRequired
    )
}

async fn outcome(client: &ControllerClient, method: &str, path: &str, planning: i64) -> Result<(), ErrorCode> {
    let (m, path, body) = probe(method, path, planning);
    match client.call_route(m, &path, body.as_ref()).await {
        Err(e) if refused_by_check(e.code) => Err(e.code),
        _ => Ok(()),
    }
}

const CHOSEN: &str = "a password of my own";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_with_every_role() {
    // The table and the server's declarations list the same routes with the same access.
    let declared: Vec<(String, String, String)> = declared_routes()
        .into_iter()
        .map(|(m, p, a)| (m.to_string(), p.to_owned(), describe(a)))
        .collect();
    for (m, p, a) in &declared {
        let row = TABLE.iter().find(|r| r.0 == m && r.1 == p);
        let row = row.unwrap_or_else(|| panic!("{m} {p} is declared but has no row in this test's table"));
        assert_eq!(row.2, a, "{m} {p}: declared access");
    }
    for (m, p, _, _) in TABLE {
        assert!(
            declared.iter().any(|d| d.0 == *m && d.1 == *p),
            "{m} {p} is in the table but not declared by the server"
        );
    }

    // Every role probes the two open routes: more enrolment attempts than one address may make by default.
    let tc = TestController::start_with(planhost::server::Options {
        enrol_burst: 100,
        ..planhost::server::Options::default()
    })
    .await;
    let m = tc.manager().await;
    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let (p1, p2) = (config.plannings[0].id, config.plannings[1].id);

    // Superadministrator (every pane, every planning), created by the hosting manager.
    let super1 = superadministrator(&m, CHOSEN).await;
    assert_eq!(super1.scope, Some(ConsoleScope::everything()));
    let (_, s) = tc.administrator("super1", CHOSEN, CHOSEN).await;

    // Base administrator: Mes plannings and Historique, on every planning.
    let given = m
        .change_users(&new_admin("base1", UserStatus::BaseAdministrator, None))
        .await
        .unwrap();
    assert_eq!(
        given.user.unwrap().scope.unwrap().panes,
        [Pane::Plannings, Pane::History]
    );
    let (_, b) = tc.administrator("base1", &given.password.unwrap(), CHOSEN).await;

    // Delegated administrator, created by the superadministrator: Configuration and Contrôleur on planning01 only.
    let delegated = ConsoleScope {
        panes: vec![Pane::Configuration, Pane::Controller],
        plannings: Some(vec![p1]),
    };
    let given = s
        .change_users(&new_admin(
            "deleg1",
            UserStatus::Superadministrator,
            Some(delegated.clone()),
        ))
        .await
        .unwrap();
    let deleg = given.user.unwrap();
    assert_eq!(
        (deleg.parent_login.as_deref(), deleg.scope.as_ref()),
        (Some("super1"), Some(&delegated))
    );
    let (device, d) = tc.administrator("deleg1", &given.password.unwrap(), CHOSEN).await;
    // A second session of it, so that logging out one leaves the other.
    let (d_out, _) = tc.admin_login(&device, "deleg1", CHOSEN).await.unwrap();

    // Disabled administrator: logged in, then disabled by the hosting manager.
    let given = m
        .change_users(&new_admin("gone1", UserStatus::Superadministrator, None))
        .await
        .unwrap();
    let gone_id = given.user.unwrap().id;
    let (_, gone) = tc.administrator("gone1", &given.password.unwrap(), CHOSEN).await;
    gone.whoami().await.unwrap();
    m.change_users(&UserChange::Disable {
        id: gone_id,
        disabled: true,
    })
    .await
    .unwrap();

    // Revoked device: a second device of the hosting manager, revoked by the provider.
    let (revoked_identity, revoked) = tc.session().await;
    let device_id = planhost::pki::cert_info(&revoked_identity.cert_pem).unwrap().subject_cn;
    tc.controller.revoke_device(&device_id).unwrap();

    // A plain user never gets a certificate: it has no console access, and is told so once its password is right.
    let given = m
        .change_users(&UserChange::Add(NewUser {
            login: "plain1".into(),
            first_name: "Ugo".into(),
            last_name: "Petit".into(),
            email: None,
            status: UserStatus::User,
            console_access: false,
            scope: None,
        }))
        .await
        .unwrap();
    let no_certificate = tc.client(None);
    let sessions = [(&m, p1), (&s, p1), (&b, p1), (&d, p1), (&d_out, p2)];
    let mut walked = 0;
    for (method, path, access, allowed) in TABLE {
        let open = *access == "open";
        for (role, (client, planning)) in ROLES.iter().zip(sessions) {
            let expected = allowed.split_whitespace().any(|r| r == *role);
            let got = outcome(client, method, path, planning).await;
            assert_eq!(got.is_ok(), expected, "{role} {method} {path}: {got:?}");
            if let Err(code) = got {
                assert_eq!(code, ErrorCode::Forbidden, "{role} {method} {path}");
            }
            walked += 1;
        }
        for (role, client, code) in [
            ("no certificate", &no_certificate, ErrorCode::CertificateRequired),
            ("revoked device", &revoked, ErrorCode::CertificateRevoked),
            ("disabled administrator", &gone, ErrorCode::CertificateRevoked),
        ] {
            let got = outcome(client, method, path, p1).await;
            let expected = if open { Ok(()) } else { Err(code) };
            assert_eq!(got, expected, "{role} {method} {path}");
            walked += 1;
        }
    }
    assert_eq!(walked, TABLE.len() * 8);

    let e = tc.admin_device("plain1", &given.password.unwrap()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{}", e.message);
    let e = tc.admin_device("plain1", "not the password").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BadCredentials, "{}", e.message);
}
