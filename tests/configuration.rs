//! The Configuration pane's rules against a real controller: domains and ports, plannings and their quota, seats,
//! activation and the directory on the controller's coordinates, statuses from real checks, restarts.

mod common;

use common::TestController;
use planhost::api::{
    BaseChange, ConfigChange, Configuration, PlanningChanges, PlanningStatus, SeatAllocation, Seats, TimeGrid,
};
use planhost::client::ControllerClient;
use planhost::ErrorCode;
use std::process::Command;

/// "Créer une base": a new base in service, its planning server started.
async fn put_base_in_service(m: &ControllerClient, planning: i64, name: &str) {
    let grid = TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    };
    m.change_bases(
        planning,
        &BaseChange::Create {
            name: name.into(),
            grid,
        },
    )
    .await
    .unwrap();
}

async fn manager(tc: &TestController) -> ControllerClient {
    let (_, client) = tc.session().await;
    let licence = client.licence().await.unwrap();
    client.accept_licence(licence.version).await.unwrap();
    client
}

fn controller_domain(domain: &str) -> ConfigChange {
    ConfigChange::ControllerDomain { domain: domain.into() }
}

fn first_id(c: &Configuration) -> i64 {
    c.plannings[0].id
}

/// The directory as curl sees it (TLS 1.3, the controller's CA), or None when nothing answers.
async fn directory(tc: &TestController, port: u16) -> Option<serde_json::Value> {
    directory_at(&tc.ca_pem(), port).await
}

async fn directory_at(ca_pem: &str, port: u16) -> Option<serde_json::Value> {
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), ca_pem).unwrap();
    let path = ca.path().to_owned();
    let url = format!("https://127.0.0.1:{port}/");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args(["-sS", "--fail", "--max-time", "5", "--cacert"])
            .arg(&path)
            .arg(&url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_domain_names_are_refused_with_what_is_wrong_and_change_nothing() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let long_label = format!("{}.fr", "a".repeat(64));
    let too_long = vec!["abcdefghi"; 26].join(".");
    let table: [(&str, &str); 9] = [
        ("", "Enter a domain name"),
        ("lycée.fr", "'é' is not allowed"),
        ("my_school.fr", "'_' is not allowed"),
        ("a..fr", "two dots in a row"),
        (".lycee.fr", "start with a dot"),
        ("-lycee.fr", "start or end with a hyphen"),
        ("lycee-.fr", "start or end with a hyphen"),
        (&long_label, "at most 63 characters"),
        (&too_long, "at most 253 characters"),
    ];
    for (bad, why) in table {
        let err = m.apply(&controller_domain(bad)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad:?}");
        assert!(err.message.contains(why), "{bad:?}: {}", err.message);
        let err = m.apply(&ConfigChange::planning_domain(1, bad)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad:?} for a planning");
    }
    let config = m.configuration().await.unwrap();
    assert!(config.controller.coordinates.is_none());
    assert!(config.plannings.iter().all(|p| p.coordinates.is_none()));
    assert_eq!(tc.count("SELECT count(*) FROM ports"), 0);
    assert_eq!(tc.count("SELECT count(*) FROM history WHERE action LIKE '%domain'"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_domain_is_stored_lower_case_with_a_port_from_the_pool_kept_on_change() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let (first, last) = tc.controller.port_pool();
    let config = m.apply(&controller_domain("Lycee-Hugo.Example.FR")).await.unwrap();
    let coords = config.controller.coordinates.unwrap();
    assert_eq!(coords.domain, "lycee-hugo.example.fr");
    assert!((first..=last).contains(&coords.port));
    let again = m
        .apply(&controller_domain("hugo.example.fr"))
        .await
        .unwrap()
        .controller
        .coordinates
        .unwrap();
    assert_eq!(again.port, coords.port, "the port stays with the controller");
    let detail: String = tc
        .db()
        .query_row(
            "SELECT detail FROM history WHERE action = 'controller.domain' ORDER BY id DESC",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        detail,
        format!("lycee-hugo.example.fr:{0} → hugo.example.fr:{0}", coords.port)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_domains_are_unique_and_the_quota_holds() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let config = m.configuration().await.unwrap();
    assert_eq!(config.plannings.len(), 1);
    assert_eq!(config.plannings[0].name, "planning01");
    assert_eq!(config.plannings[0].time_zone, "Europe/Paris");
    assert!(config.plannings[0].web_publication, "web publication is on by default");
    let p1 = first_id(&config);

    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    assert_eq!(config.plannings[1].name, "planning02");
    let p2 = config.plannings[1].id;
    // Quota 2: a third planning is refused until the provider raises it.
    let err = m
        .apply(&ConfigChange::AddPlanning {
            name: Some("Annexe".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("allows 2 plannings"), "{}", err.message);
    tc.controller
        .set_licence(
            &tc.account.hosting_number,
            3,
            Seats {
                modification: 10,
                consultation: 100,
            },
        )
        .unwrap();
    assert_eq!(
        m.apply(&ConfigChange::AddPlanning {
            name: Some("Annexe".into())
        })
        .await
        .unwrap()
        .plannings
        .len(),
        3
    );

    let err = m.apply(&ConfigChange::rename(p2, "PLANNING01")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "names are unique whatever the case");
    for bad in ["", "   ", &"x".repeat(41)] {
        assert_eq!(
            m.apply(&ConfigChange::rename(p2, bad)).await.unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }
    assert_eq!(
        m.apply(&ConfigChange::rename(9999, "x")).await.unwrap_err().code,
        ErrorCode::NotFound
    );

    m.apply(&controller_domain("ctl.lycee.fr")).await.unwrap();
    let config = m
        .apply(&ConfigChange::planning_domain(p1, "edt.lycee.fr"))
        .await
        .unwrap();
    let coords1 = config.plannings[0].coordinates.clone().unwrap();
    for taken in ["edt.lycee.fr", "EDT.lycee.fr", "ctl.lycee.fr"] {
        let err = m.apply(&ConfigChange::planning_domain(p2, taken)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict, "{taken}");
    }
    let config = m
        .apply(&ConfigChange::planning_domain(p2, "edt2.lycee.fr"))
        .await
        .unwrap();
    let coords2 = config.plannings[1].coordinates.clone().unwrap();
    assert_ne!(coords1.port, coords2.port);
    assert_ne!(coords1.port, config.controller.coordinates.unwrap().port);
    // The other planning keeps its name after all the refusals.
    assert_eq!(config.plannings[1].name, "planning02");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_zone_and_web_publication_settings() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let id = first_id(&m.configuration().await.unwrap());
    let change = |changes: PlanningChanges| ConfigChange::ChangePlanning { id, changes };
    let err = m
        .apply(&change(PlanningChanges {
            time_zone: Some("Europe/Atlantis".into()),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let p = &m
        .apply(&change(PlanningChanges {
            time_zone: Some("America/Martinique".into()),
            web_publication: Some(false),
            ..Default::default()
        }))
        .await
        .unwrap()
        .plannings[0];
    assert_eq!((p.time_zone.as_str(), p.web_publication), ("America/Martinique", false));
    assert_eq!(
        p.publication_name, "planning01",
        "the publication name follows the planning's name"
    );
    let p = &m
        .apply(&ConfigChange::rename(id, "Lycée Hugo"))
        .await
        .unwrap()
        .plannings[0];
    assert_eq!(p.publication_name, "Lycée Hugo");
    let p = &m
        .apply(&change(PlanningChanges {
            publication_name: Some("EDT Hugo".into()),
            ..Default::default()
        }))
        .await
        .unwrap()
        .plannings[0];
    assert_eq!(p.publication_name, "EDT Hugo");
    let p = &m
        .apply(&change(PlanningChanges {
            publication_name: Some("".into()),
            ..Default::default()
        }))
        .await
        .unwrap()
        .plannings[0];
    assert_eq!(
        p.publication_name, "Lycée Hugo",
        "an empty publication name goes back to the planning's name"
    );
    let detail: String = tc
        .db()
        .query_row(
            "SELECT detail FROM history WHERE action = 'planning.change' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        detail,
        "planning01: time zone Europe/Paris → America/Martinique, web publication on → off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_licence_allows_one_to_a_thousand_plannings_and_refuses_the_rest() {
    let tc = TestController::start().await;
    let seats = Seats {
        modification: 5,
        consultation: 40,
    };
    let hosting = &tc.account.hosting_number;
    for refused in [0, -1, 1001, i64::MAX, i64::MIN] {
        let e = tc.controller.set_licence(hosting, refused, seats).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{refused}");
        assert!(e.message.contains("between 1 and 1000"), "{}", e.message);
        assert!(tc.controller.create_account(refused).is_err(), "{refused}");
    }
    let m = manager(&tc).await;
    let before = m.configuration().await.unwrap().plannings_quota;
    assert_ne!(before, 1000, "the refusals changed nothing");
    tc.controller.set_licence(hosting, 1000, seats).unwrap();
    assert_eq!(m.configuration().await.unwrap().plannings_quota, 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seats_are_shared_within_the_licence() {
    let tc = TestController::start().await;
    tc.controller
        .set_licence(
            &tc.account.hosting_number,
            2,
            Seats {
                modification: 5,
                consultation: 40,
            },
        )
        .unwrap();
    let m = manager(&tc).await;
    let p1 = first_id(&m.configuration().await.unwrap());
    let p2 = m
        .apply(&ConfigChange::AddPlanning { name: None })
        .await
        .unwrap()
        .plannings[1]
        .id;
    let seats = |id, modification, consultation| SeatAllocation {
        planning_id: id,
        seats: Seats {
            modification,
            consultation,
        },
    };
    let config = m
        .apply(&ConfigChange::Seats {
            allocations: vec![seats(p1, 3, 25), seats(p2, 2, 10)],
        })
        .await
        .unwrap();
    assert_eq!(
        config.seats.left,
        Seats {
            modification: 0,
            consultation: 5
        }
    );
    assert_eq!(
        config.seats.allocated,
        Seats {
            modification: 5,
            consultation: 35
        }
    );

    let err = m
        .apply(&ConfigChange::Seats {
            allocations: vec![seats(p2, 3, 10)],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("5 Modification"), "{}", err.message);
    let unchanged = m.configuration().await.unwrap();
    assert_eq!(
        unchanged.plannings[1].seats,
        Seats {
            modification: 2,
            consultation: 10
        },
        "nothing changed"
    );
    // Moving seats between plannings in one request is fine.
    let config = m
        .apply(&ConfigChange::Seats {
            allocations: vec![seats(p1, 1, 25), seats(p2, 4, 15)],
        })
        .await
        .unwrap();
    assert_eq!(
        config.seats.left,
        Seats {
            modification: 0,
            consultation: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removal_asks_no_base_in_service_and_frees_the_port() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let config = m
        .apply(&ConfigChange::AddPlanning {
            name: Some("Annexe".into()),
        })
        .await
        .unwrap();
    let (p1, p2) = (config.plannings[0].id, config.plannings[1].id);
    m.apply(&ConfigChange::planning_domain(p2, "annexe.lycee.fr"))
        .await
        .unwrap();
    put_base_in_service(&m, p2, "Annexe 2026").await;
    let err = m.apply(&ConfigChange::RemovePlanning { id: p2 }).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message_fr.contains("base en service"), "{}", err.message_fr);
    assert_eq!(m.configuration().await.unwrap().plannings.len(), 2);

    let config = m.apply(&ConfigChange::RemovePlanning { id: p1 }).await.unwrap();
    assert_eq!(config.plannings.len(), 1);
    tc.db().execute("DELETE FROM bases", []).unwrap();
    m.apply(&ConfigChange::RemovePlanning { id: p2 }).await.unwrap();
    assert_eq!(
        tc.count("SELECT count(*) FROM ports"),
        0,
        "its port went back to the pool"
    );
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'planning.remove'"),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_controller_answers_on_its_coordinates_and_stays_so_after_a_restart() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let err = m
        .apply(&ConfigChange::ControllerActive { active: true })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("domain name before activating"), "{}", err.message);

    let config = m.apply(&controller_domain("ctl.lycee.fr")).await.unwrap();
    let port = config.controller.coordinates.as_ref().unwrap().port;
    assert!(
        directory(&tc, port).await.is_none(),
        "nothing answers before activation"
    );
    let id = first_id(&config);
    m.apply(&ConfigChange::planning_domain(id, "edt.lycee.fr"))
        .await
        .unwrap();
    m.apply(&ConfigChange::AddPlanning {
        name: Some("Sans domaine".into()),
    })
    .await
    .unwrap();
    assert!(
        m.apply(&ConfigChange::ControllerActive { active: true })
            .await
            .unwrap()
            .controller
            .active
    );

    let dir = directory(&tc, port).await.expect("the directory answers");
    assert_eq!(dir["controller"]["domain"], "ctl.lycee.fr");
    let plannings = dir["plannings"].as_array().unwrap();
    assert_eq!(plannings.len(), 1, "only plannings with coordinates are listed: {dir}");
    assert_eq!(plannings[0]["name"], "planning01");
    assert_eq!(plannings[0]["coordinates"]["domain"], "edt.lycee.fr");

    // A restart of the controller: same data directory, new process state.
    let dir_path = tc.dir.path().join("ctl");
    let TestController { dir: _keep, server, .. } = tc;
    server.stop().await;
    let reopened = std::sync::Arc::new(planhost::controller::Controller::open(&dir_path).unwrap());
    let restarted = planhost::server::start(reopened.clone(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let again = directory_at(reopened.ca_pem(), port)
        .await
        .expect("still active after a restart");
    assert_eq!(again["plannings"][0]["name"], "planning01");
    restarted.stop().await;
    assert!(directory_at(reopened.ca_pem(), port).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_stops_the_directory() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let port = m
        .apply(&controller_domain("ctl.lycee.fr"))
        .await
        .unwrap()
        .controller
        .coordinates
        .unwrap()
        .port;
    m.apply(&ConfigChange::ControllerActive { active: true }).await.unwrap();
    assert!(directory(&tc, port).await.is_some());
    assert!(
        !m.apply(&ConfigChange::ControllerActive { active: false })
            .await
            .unwrap()
            .controller
            .active
    );
    assert!(directory(&tc, port).await.is_none());
    let details: Vec<String> = {
        let db = tc.db();
        let mut stmt = db
            .prepare("SELECT detail FROM history WHERE action = 'controller.active' ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(details, ["inactive → active", "active → inactive"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_follow_real_checks_of_the_planning_server() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let id = first_id(&m.configuration().await.unwrap());
    let status = |c: &Configuration| (c.plannings[0].status, c.plannings[0].status_changed_at.clone());
    assert_eq!(status(&m.statuses().await.unwrap()).0, PlanningStatus::NoBase);

    m.apply(&ConfigChange::planning_domain(id, "edt.lycee.fr"))
        .await
        .unwrap();
    put_base_in_service(&m, id, "Lycée 2026").await;
    let (online, since) = status(&m.statuses().await.unwrap());
    assert_eq!(online, PlanningStatus::Online);

    // Its server stops answering.
    let port = m.configuration().await.unwrap().plannings[0]
        .coordinates
        .clone()
        .unwrap()
        .port;
    tc.server.shared.listeners.stop_port(port).await;
    let (offline, changed) = status(&m.statuses().await.unwrap());
    assert_eq!(offline, PlanningStatus::Offline);
    assert!(changed >= since);

    let disabled = PlanningChanges {
        disabled: Some(true),
        ..Default::default()
    };
    // The answer to the change already shows the new status: the badge does not wait for the next check.
    let after = m
        .apply(&ConfigChange::ChangePlanning { id, changes: disabled })
        .await
        .unwrap();
    assert_eq!(status(&after).0, PlanningStatus::Disabled);
    assert_eq!(status(&m.statuses().await.unwrap()).0, PlanningStatus::Disabled);
    let enabled = PlanningChanges {
        disabled: Some(false),
        ..Default::default()
    };
    let after = m
        .apply(&ConfigChange::ChangePlanning { id, changes: enabled })
        .await
        .unwrap();
    assert_eq!(
        status(&after).0,
        PlanningStatus::Online,
        "enabling starts its server again"
    );

    // The provider lowers the licence below what the planning holds: Limited.
    m.apply(&ConfigChange::Seats {
        allocations: vec![SeatAllocation {
            planning_id: id,
            seats: Seats {
                modification: 4,
                consultation: 0,
            },
        }],
    })
    .await
    .unwrap();
    tc.controller
        .set_licence(
            &tc.account.hosting_number,
            2,
            Seats {
                modification: 2,
                consultation: 100,
            },
        )
        .unwrap();
    assert_eq!(status(&m.statuses().await.unwrap()).0, PlanningStatus::Limited);

    let changes: Vec<String> = {
        let db = tc.db();
        let mut stmt = db
            .prepare("SELECT detail FROM history WHERE action = 'planning.status' ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(
        changes,
        [
            "planning01: no_base → online",
            "planning01: online → offline",
            "planning01: offline → disabled",
            "planning01: disabled → online",
            "planning01: online → limited"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_needs_the_licence_and_a_session() {
    let tc = TestController::start().await;
    let (_, not_accepted) = tc.session().await;
    assert_eq!(
        not_accepted.configuration().await.unwrap_err().code,
        ErrorCode::LicenceNotAccepted
    );
    assert_eq!(
        not_accepted.apply(&controller_domain("a.fr")).await.unwrap_err().code,
        ErrorCode::LicenceNotAccepted
    );
    let anonymous = tc.client(None);
    assert_eq!(
        anonymous
            .apply(&ConfigChange::AddPlanning { name: None })
            .await
            .unwrap_err()
            .code,
        ErrorCode::CertificateRequired
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_are_checked_even_when_nobody_looks() {
    let options = planhost::server::Options {
        status_interval: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let tc = TestController::start_with(options).await;
    let m = manager(&tc).await;
    let id = first_id(&m.configuration().await.unwrap());
    let port = m
        .apply(&ConfigChange::planning_domain(id, "edt.lycee.fr"))
        .await
        .unwrap()
        .plannings[0]
        .coordinates
        .clone()
        .unwrap()
        .port;
    put_base_in_service(&m, id, "Lycée 2026").await;
    let stored = |tc: &TestController| {
        tc.db()
            .query_row("SELECT status FROM plannings", [], |r| r.get::<_, String>(0))
            .unwrap()
    };
    let wait_for = |want: &'static str| {
        let tc = &tc;
        async move {
            for _ in 0..50 {
                if stored(tc) == want {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("status stayed {} instead of becoming {want}", stored(tc));
        }
    };
    wait_for("online").await;
    tc.server.shared.listeners.stop_port(port).await;
    wait_for("offline").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_on_a_port_another_program_holds_fails_clearly_and_stays_inactive() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let port = m
        .apply(&controller_domain("ctl.lycee.fr"))
        .await
        .unwrap()
        .controller
        .coordinates
        .unwrap()
        .port;
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the test holds the port");
    let err = m
        .apply(&ConfigChange::ControllerActive { active: true })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unreachable);
    assert!(err.message.contains(&format!("127.0.0.1:{port}")), "{}", err.message);
    assert!(
        !m.configuration().await.unwrap().controller.active,
        "activation was undone"
    );
    drop(squatter);
    assert!(
        m.apply(&ConfigChange::ControllerActive { active: true })
            .await
            .unwrap()
            .controller
            .active
    );
    assert!(directory(&tc, port).await.is_some());
}
