//! Mes plannings against a real controller: "Créer une base" puts a base in service and its planning server serves
//! it over TLS — users with a profile log in within the seats, the grid and timetable as JSON, the public page when
//! web publication is on; earlier bases are kept and can be put back; bad grids change nothing.

mod common;

use common::TestController;
use planhost::api::{
    BaseChange, ConfigChange, NewUser, PlanningChanges, PlanningStatus, ProfileChange, SeatAllocation, Seats,
    ServedGrid, TimeGrid, UserChange, UserStatus,
};
use planhost::client::ControllerClient;
use planhost::ErrorCode;
use reqwest::Method;
use serde_json::json;

fn grid() -> TimeGrid {
    TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    }
}

/// A user with a generated password, assigned to `profile` of the planning; returns (login, password).
async fn user_with(m: &ControllerClient, planning: i64, login: &str, profile: &str) -> (String, String) {
    let (login, password, _) = user_with_id(m, planning, login, profile).await;
    (login, password)
}

/// The same, with the user's id.
async fn user_with_id(m: &ControllerClient, planning: i64, login: &str, profile: &str) -> (String, String, i64) {
    let added = m
        .change_users(&UserChange::Add(NewUser {
            login: login.into(),
            first_name: "Zoé".into(),
            last_name: login.into(),
            email: Some(format!("{login}@lycee-hugo.fr")),
            status: if profile == "Administration" {
                UserStatus::Superadministrator
            } else {
                UserStatus::User
            },
            console_access: false,
            scope: None,
        }))
        .await
        .unwrap();
    let id = added.user.unwrap().id;
    let profiles = m.profiles(planning).await.unwrap();
    let profile_id = profiles.profiles.iter().find(|p| p.name == profile).unwrap().id;
    m.change_profiles(
        planning,
        &ProfileChange::Assign {
            profile_id,
            user_ids: vec![id],
        },
    )
    .await
    .unwrap();
    (login.into(), added.password.unwrap(), id)
}

/// planning01 at edt.lycee-hugo.fr, published as "Lycée Hugo", with one Modification seat and `consultation` others.
async fn published_planning(m: &ControllerClient, consultation: u32) -> i64 {
    let id = m.configuration().await.unwrap().plannings[0].id;
    let publish = PlanningChanges {
        web_publication: Some(true),
        publication_name: Some("Lycée Hugo".into()),
        ..Default::default()
    };
    let seats = Seats {
        modification: 1,
        consultation,
    };
    for change in [
        ConfigChange::planning_domain(id, "edt.lycee-hugo.fr"),
        ConfigChange::ChangePlanning { id, changes: publish },
        ConfigChange::Seats {
            allocations: vec![SeatAllocation { planning_id: id, seats }],
        },
    ] {
        m.apply(&change).await.unwrap();
    }
    id
}

/// "Créer une base" on the school year's default grid.
async fn create_base(
    m: &ControllerClient,
    planning: i64,
    name: &str,
) -> planhost::Result<planhost::api::PlanningBases> {
    m.change_bases(
        planning,
        &BaseChange::Create {
            name: name.into(),
            grid: grid(),
        },
    )
    .await
}

/// planning01's port.
async fn planning_port(m: &ControllerClient) -> u16 {
    m.configuration().await.unwrap().plannings[0]
        .coordinates
        .clone()
        .unwrap()
        .port
}

/// A client trusting only the controller's CA.
fn https(ca: &str) -> reqwest::Client {
    trusting(ca).build().unwrap()
}

/// The same, reaching `domain` on 127.0.0.1:`port` (as a resolver pointing the planning's domain here would).
fn https_as(ca: &str, domain: &str, port: u16) -> reqwest::Client {
    trusting(ca)
        .resolve(domain, std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .build()
        .unwrap()
}

fn trusting(ca: &str) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_base_is_served_to_users_with_a_profile_within_the_seats() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let id = published_planning(&m, 2).await;

    // Bad grids and names are refused beside their field; nothing is created.
    let tuesday = TimeGrid {
        first_monday: "2026-09-01".into(),
        ..grid()
    };
    let e = m
        .change_bases(
            id,
            &BaseChange::Create {
                name: "Lycée 2026".into(),
                grid: tuesday,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::InvalidInput, Some("first_monday"))
    );
    let e = m
        .change_bases(
            id,
            &BaseChange::Create {
                name: "../x".into(),
                grid: grid(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("name"));
    assert_eq!(tc.count("SELECT count(*) FROM base_files"), 0);
    let folders = || std::fs::read_dir(tc.dir.path().join("ctl/bases")).map_or(0, |d| d.count());
    assert_eq!(folders(), 0, "no folder left by a refusal");

    let bases = m
        .change_bases(
            id,
            &BaseChange::Create {
                name: "Lycée 2026".into(),
                grid: grid(),
            },
        )
        .await
        .unwrap();
    let current = bases.in_service.clone().unwrap();
    assert_eq!((current.name.as_str(), current.weeks), ("Lycée 2026", 44));
    assert!(bases.others.is_empty());
    assert_eq!(
        bases.status,
        PlanningStatus::Online,
        "the answer already shows the server online"
    );
    assert_eq!(m.statuses().await.unwrap().plannings[0].status, PlanningStatus::Online);
    assert!(tc.count("SELECT count(*) FROM history WHERE action = 'bases.create'") == 1);

    // Its planning server: no session, no timetable.
    let port = planning_port(&m).await;
    let address = format!("127.0.0.1:{port}");
    let ca = tc.ca_pem();
    let anonymous = ControllerClient::new(&address, &planhost::client::Trust::Pinned(ca.clone()), None).unwrap();
    assert_eq!(
        anonymous.call_route(Method::GET, "/grid", None).await.unwrap_err().code,
        ErrorCode::SessionRequired
    );

    // A user with no profile is refused; so is a wrong password.
    let lonely = m
        .change_users(&UserChange::Add(NewUser {
            login: "seul".into(),
            first_name: "A".into(),
            last_name: "Seul".into(),
            email: None,
            status: UserStatus::User,
            console_access: false,
            scope: None,
        }))
        .await
        .unwrap();
    let login = |l: &str, p: &str| json!({"login": l, "password": p});
    let e = anonymous
        .call_route(Method::POST, "/login", Some(&login("seul", &lonely.password.unwrap())))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message_fr.contains("pas de profil"), "{}", e.message_fr);
    let (reader1, pw1) = user_with(&m, id, "eleve1", "Consultation").await;
    let (reader2, pw2) = user_with(&m, id, "eleve2", "Consultation").await;
    let (reader3, pw3) = user_with(&m, id, "eleve3", "Consultation").await;
    let (admin, admin_pw) = user_with(&m, id, "admin1", "Administration").await;
    assert_eq!(
        anonymous
            .call_route(Method::POST, "/login", Some(&login(&reader1, "not it at all")))
            .await
            .unwrap_err()
            .code,
        ErrorCode::BadCredentials
    );

    // Two Consultation seats: the third reader is told all connections are in use.
    let token = |v: serde_json::Value| v["token"].as_str().unwrap().to_owned();
    let t1 = token(
        anonymous
            .call_route(Method::POST, "/login", Some(&login(&reader1, &pw1)))
            .await
            .unwrap(),
    );
    let s2 = anonymous
        .call_route(Method::POST, "/login", Some(&login(&reader2, &pw2)))
        .await
        .unwrap();
    assert_eq!(s2["seat"], "consultation");
    let e = anonymous
        .call_route(Method::POST, "/login", Some(&login(&reader3, &pw3)))
        .await
        .unwrap_err();
    assert!(e.message.contains("All connections in use"), "{}", e.message);
    // Logging in again replaces one's own session: it takes no second seat, and the third reader still waits.
    anonymous
        .call_route(Method::POST, "/login", Some(&login(&reader2, &pw2)))
        .await
        .unwrap();
    let e = anonymous
        .call_route(Method::POST, "/login", Some(&login(&reader3, &pw3)))
        .await
        .unwrap_err();
    assert!(e.message.contains("All connections in use"), "{}", e.message);
    // One logs out: the seat is free again.
    let first = ControllerClient::new(&address, &planhost::client::Trust::Pinned(ca.clone()), None)
        .unwrap()
        .with_token(t1.clone());
    let served: ServedGrid =
        serde_json::from_value(first.call_route(Method::GET, "/grid", None).await.unwrap()).unwrap();
    assert_eq!(
        (served.base.as_str(), served.weeks, served.day.len()),
        ("Lycée 2026", 44, 8)
    );
    assert_eq!(served.day[0].start, "08:00");
    let timetable = first.call_route(Method::GET, "/timetable", None).await.unwrap();
    assert_eq!(timetable["courses"].as_array().unwrap().len(), 0, "a new base is empty");
    assert_eq!(
        first
            .call_route(Method::GET, "/admin/summary", None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::Forbidden
    );
    first.call_route(Method::POST, "/logout", None).await.unwrap();
    assert_eq!(
        first.call_route(Method::GET, "/grid", None).await.unwrap_err().code,
        ErrorCode::SessionRequired
    );
    anonymous
        .call_route(Method::POST, "/login", Some(&login(&reader3, &pw3)))
        .await
        .unwrap();
    // Administration takes the Modification seat and reaches administrative calls.
    let a = token(
        anonymous
            .call_route(Method::POST, "/login", Some(&login(&admin, &admin_pw)))
            .await
            .unwrap(),
    );
    let admin_client = ControllerClient::new(&address, &planhost::client::Trust::Pinned(ca.clone()), None)
        .unwrap()
        .with_token(a);
    let summary = admin_client
        .call_route(Method::GET, "/admin/summary", None)
        .await
        .unwrap();
    assert_eq!(summary["weeks"], 44);
    // Oversized logins and passwords are refused before any password is checked.
    for (l, p) in [("x".repeat(65), "p".to_owned()), (reader1.clone(), "p".repeat(257))] {
        let e = anonymous
            .call_route(Method::POST, "/login", Some(&login(&l, &p)))
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
    }

    // The public page under the publication name; none under another name. (Reached as localhost, a name the
    // server's certificate holds; the planning's own domain resolves elsewhere.)
    let http = https(&ca);
    let page = http
        .get(format!("https://localhost:{port}/Lyc%C3%A9e%20Hugo"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<h1 id=\"title\">Lycée Hugo</h1>") && html.contains("08:00 – 08:55"),
        "{html}"
    );
    let other = http
        .get(format!("https://localhost:{port}/autre"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);

    // A second base: the first goes to "Autres bases" and can be put back.
    let short = TimeGrid {
        last_sunday: "2026-12-20".into(),
        sequences_per_day: 10,
        ..grid()
    };
    let bases = m
        .change_bases(
            id,
            &BaseChange::Create {
                name: "Essai".into(),
                grid: short,
            },
        )
        .await
        .unwrap();
    assert_eq!(bases.in_service.as_ref().unwrap().name, "Essai");
    assert_eq!(bases.others.len(), 1);
    let served: ServedGrid =
        serde_json::from_value(admin_client.call_route(Method::GET, "/grid", None).await.unwrap()).unwrap();
    assert_eq!(
        (served.base.as_str(), served.day.len()),
        ("Essai", 10),
        "the server follows the base in service"
    );
    let back = m
        .change_bases(id, &BaseChange::Restore { id: bases.others[0].id })
        .await
        .unwrap();
    assert_eq!(back.in_service.unwrap().name, "Lycée 2026");
    assert_eq!(
        m.configuration().await.unwrap().plannings[0].base.as_deref(),
        Some("Lycée 2026")
    );
    assert_eq!(
        m.change_bases(id, &BaseChange::Restore { id: 999 })
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );

    // Three earlier bases are kept, no more; their folders go with them.
    for i in 0..4 {
        create_base(&m, id, &format!("Base {i}")).await.unwrap();
    }
    let bases = m.bases(id).await.unwrap();
    assert_eq!(bases.others.len(), 3);
    assert_eq!(folders(), 4, "one folder per base kept");
}

#[tokio::test]
async fn a_folder_left_by_an_interrupted_change_is_removed_when_the_controller_starts_serving() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let id = m.configuration().await.unwrap().plannings[0].id;
    m.change_bases(
        id,
        &BaseChange::Create {
            name: "Lycée".into(),
            grid: grid(),
        },
    )
    .await
    .unwrap();
    let root = tc.dir.path().join("ctl/bases");
    std::fs::create_dir(root.join("interrupted")).unwrap();
    std::fs::write(root.join("interrupted/base.sqlite3"), b"half").unwrap();
    // A provider command opening the controller beside the running server sweeps nothing.
    let reopened = planhost::controller::Controller::open(&tc.dir.path().join("ctl")).unwrap();
    assert!(root.join("interrupted").exists());
    let reopened = std::sync::Arc::new(reopened);
    let server = planhost::server::start(reopened.clone(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    assert!(!root.join("interrupted").exists());
    assert_eq!(
        std::fs::read_dir(&root).unwrap().count(),
        1,
        "the base in service stays"
    );
    assert!(reopened.base_in_service(id).unwrap().unwrap().1.exists());
    server.stop().await;
}

/// A planning's server is reached by the planning's own domain name; a user's access is checked again after changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planning_server_names_its_domain_and_ends_sessions_whose_access_changed() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let id = published_planning(&m, 1).await;
    // A school's base (two classes, 44 weeks), uploaded as a `.HHYP`.
    let files = tempfile::tempdir().unwrap();
    let hosting = planhost::ids::HostingNumber::parse(tc.credentials().0).unwrap();
    let file = common::hhyp_files::school_hhyp(files.path(), hosting.as_str(), "Lycée 2026", 2, 44);
    planhost::tasks::Tasks::default()
        .run(
            "upload",
            |_| {},
            planhost::console::transfer::upload(&m, &hosting, id, &file),
        )
        .await
        .unwrap();
    let port = planning_port(&m).await;
    let ca = tc.ca_pem();
    let token = |v: serde_json::Value| v["token"].as_str().unwrap().to_owned();

    // Reached by the planning's own domain, its server presents a certificate from the controller's CA naming it;
    // a new domain is named at the next connection, with no restart.
    let page = https_as(&ca, "edt.lycee-hugo.fr", port)
        .get(format!("https://edt.lycee-hugo.fr:{port}/Lyc%C3%A9e%20Hugo"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let e = https_as(&ca, "planning.lycee-hugo.fr", port)
        .get(format!("https://planning.lycee-hugo.fr:{port}/Lyc%C3%A9e%20Hugo"))
        .send()
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("NotValidForName"), "{e:?}");
    m.apply(&ConfigChange::planning_domain(id, "planning.lycee-hugo.fr"))
        .await
        .unwrap();
    let port = planning_port(&m).await;
    let page = https_as(&ca, "planning.lycee-hugo.fr", port)
        .get(format!("https://planning.lycee-hugo.fr:{port}/Lyc%C3%A9e%20Hugo"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the new name, without a restart");
    let address = format!("127.0.0.1:{port}");
    let anonymous = ControllerClient::new(&address, &planhost::client::Trust::Pinned(ca.clone()), None).unwrap();

    // A user disabled, or no longer assigned, loses the open session at the next request.
    let session_of = |login: String, password: String| {
        let anonymous = &anonymous;
        let (ca, address) = (ca.clone(), address.clone());
        async move {
            let t = token(
                anonymous
                    .call_route(
                        Method::POST,
                        "/login",
                        Some(&json!({"login": login, "password": password})),
                    )
                    .await
                    .unwrap(),
            );
            ControllerClient::new(&address, &planhost::client::Trust::Pinned(ca), None)
                .unwrap()
                .with_token(t)
        }
    };
    let (teacher, teacher_pw, teacher_id) = user_with_id(&m, id, "prof1", "Modification").await;
    let (head, head_pw, head_id) = user_with_id(&m, id, "cpe1", "Consultation").await;
    let teacher_session = session_of(teacher, teacher_pw).await;
    let head_session = session_of(head, head_pw).await;
    // The timetable: the whole year, or one week of it; a week outside the base is refused.
    let year = head_session.call_route(Method::GET, "/timetable", None).await.unwrap();
    let placements = |v: &serde_json::Value| v["placements"].as_array().unwrap().clone();
    assert_eq!(placements(&year).len(), 2 * 6 * 5 * 44);
    let week = head_session
        .call_route(Method::GET, "/timetable?week=2", None)
        .await
        .unwrap();
    assert_eq!(placements(&week).len(), 2 * 6 * 5);
    assert!(placements(&week).iter().all(|p| p["week"] == 2));
    assert_eq!(
        week["courses"], year["courses"],
        "every course, placed or not this week"
    );
    for bad in ["0", "45", "-1", "x"] {
        let e = head_session
            .call_route(Method::GET, &format!("/timetable?week={bad}"), None)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "week={bad}: {}", e.message);
    }
    assert!(teacher_session.call_route(Method::GET, "/grid", None).await.is_ok());
    m.change_users(&UserChange::Disable {
        id: teacher_id,
        disabled: true,
    })
    .await
    .unwrap();
    let e = teacher_session
        .call_route(Method::GET, "/grid", None)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionRequired);
    assert!(e.message_fr.contains("a changé"), "{}", e.message_fr);
    assert!(
        head_session.call_route(Method::GET, "/timetable", None).await.is_ok(),
        "others go on"
    );
    let consultation = m
        .profiles(id)
        .await
        .unwrap()
        .profiles
        .iter()
        .find(|p| p.name == "Consultation")
        .unwrap()
        .id;
    m.change_profiles(
        id,
        &ProfileChange::Unassign {
            profile_id: consultation,
            user_ids: vec![head_id],
        },
    )
    .await
    .unwrap();
    assert_eq!(
        head_session
            .call_route(Method::GET, "/timetable", None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::SessionRequired
    );
    // A deleted user's id can be given to the next user created: the session of the deleted one still ends.
    let (reader, reader_pw, reader_id) = user_with_id(&m, id, "lecteur", "Consultation").await;
    let reader_session = session_of(reader, reader_pw).await;
    m.change_users(&UserChange::Delete { id: reader_id }).await.unwrap();
    let (_, _, next_id) = user_with_id(&m, id, "remplacant", "Consultation").await;
    assert_eq!(
        next_id, reader_id,
        "SQLite gave the id again (what this check is about)"
    );
    assert_eq!(
        reader_session
            .call_route(Method::GET, "/grid", None)
            .await
            .unwrap_err()
            .code,
        ErrorCode::SessionRequired
    );

    // The controller's own name is never a planning's (its certificate would name the controller).
    let e = m
        .apply(&ConfigChange::planning_domain(id, "lycee.example.fr"))
        .await
        .unwrap_err();
    assert!(e.message_fr.contains("déjà utilisé"), "{}", e.message_fr);
}

/// Twelve "Créer une base" racing on one planning: each is put in service in its turn, whole; one stays in service,
/// three are kept, the rest are removed from the disk too; one history line each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_creates_leave_one_base_in_service_and_three_kept_whole() {
    let tc = TestController::start().await;
    let m = std::sync::Arc::new(tc.manager().await);
    let id = m.configuration().await.unwrap().plannings[0].id;
    m.apply(&ConfigChange::planning_domain(id, "edt.lycee-hugo.fr"))
        .await
        .unwrap();
    let racing: Vec<_> = (0..12)
        .map(|i| {
            let m = m.clone();
            tokio::spawn(async move { create_base(&m, id, &format!("Base {i}")).await })
        })
        .collect();
    for r in racing {
        r.await.unwrap().unwrap();
    }
    let bases = m.bases(id).await.unwrap();
    let current = bases.in_service.expect("one in service");
    assert_eq!(bases.others.len(), 3, "three kept");
    assert_eq!(tc.count("SELECT count(*) FROM base_files"), 4);
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'bases.create'"),
        12
    );
    let root = tc.dir.path().join("ctl/bases");
    let folders: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
    assert_eq!(folders.len(), 4, "trimmed bases leave no folder behind");
    for f in &folders {
        planhost::base::Base::verify(&f.path().join("base.sqlite3")).unwrap();
    }
    // The planning server serves the one in service.
    assert_eq!(
        m.configuration().await.unwrap().plannings[0].base.as_deref(),
        Some(current.name.as_str())
    );
}
