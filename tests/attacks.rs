//! The controller attacked as the review did it: wrapped-around numbers, slow and crowded clients, floods of
//! password attempts, races on the same rule, look-alike names, odd HTTP. Each test failed before its fix.

mod common;

use common::{forty_parallel_guesses, wrong_invoice, wrong_password, TestController};
use planhost::api::{ConfigChange, PlanningChanges, SeatAllocation, Seats};
use planhost::server::{Limits, Options};
use planhost::ErrorCode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

/// A TLS connection without a client certificate, as any stranger can open.
async fn stranger(tc: &TestController) -> std::io::Result<Tls> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(tc.ca_pem().as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(planhost::tls::crypto_provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(tc.server.addr).await?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// Sends raw bytes and reads the whole answer: (status, body).
async fn exchange(tc: &TestController, request: &[u8]) -> (u16, String) {
    let mut tls = stranger(tc).await.unwrap();
    tls.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn code_of(body: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    json["code"].as_str().unwrap().to_owned()
}

async fn manager(tc: &TestController) -> planhost::client::ControllerClient {
    let (_, m) = tc.session().await;
    m.accept_licence(planhost::controller::auth::LICENCE_VERSION)
        .await
        .unwrap();
    m
}

#[tokio::test]
async fn seats_cannot_wrap_around_the_licence() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let (p1, p2) = (config.plannings[0].id, config.plannings[1].id);
    let history = tc.count("SELECT count(*) FROM history");
    let seats = |modification| Seats {
        modification,
        consultation: 0,
    };
    let err = m
        .apply(&ConfigChange::Seats {
            allocations: vec![
                SeatAllocation {
                    planning_id: p1,
                    seats: seats(u32::MAX),
                },
                SeatAllocation {
                    planning_id: p2,
                    seats: seats(1),
                },
            ],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("from 0 to 10"), "{}", err.message);
    let after = m.configuration().await.unwrap();
    assert_eq!(after.seats.allocated, Seats::default(), "nothing stored");
    assert_eq!(after.seats.left, after.seats.licence);
    assert_eq!(tc.count("SELECT count(*) FROM history"), history);
    // Each value within the licence, the sum beyond it: refused as a whole.
    let err = m
        .apply(&ConfigChange::Seats {
            allocations: vec![
                SeatAllocation {
                    planning_id: p1,
                    seats: seats(6),
                },
                SeatAllocation {
                    planning_id: p2,
                    seats: seats(6),
                },
            ],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(m.configuration().await.unwrap().seats.allocated, Seats::default());
}

#[tokio::test]
async fn a_planning_save_is_applied_whole_or_not_at_all() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let id = m.configuration().await.unwrap().plannings[0].id;
    let err = m
        .apply(&ConfigChange::ChangePlanning {
            id,
            changes: PlanningChanges {
                name: Some("Lycée Hugo".into()),
                domain: Some("edt.lycee.fr".into()),
                time_zone: Some("Mars/Olympus".into()),
                ..Default::default()
            },
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let p = &m.configuration().await.unwrap().plannings[0];
    assert_eq!(p.name, "planning01", "the valid rename was not applied either");
    assert!(p.coordinates.is_none(), "no port taken");
    assert_eq!(tc.count("SELECT count(*) FROM ports"), 0);
    // The same save, valid: every field at once, one history line.
    let p = m
        .apply(&ConfigChange::ChangePlanning {
            id,
            changes: PlanningChanges {
                name: Some("Lycée Hugo".into()),
                domain: Some("edt.lycee.fr".into()),
                time_zone: Some("America/Martinique".into()),
                ..Default::default()
            },
        })
        .await
        .unwrap()
        .plannings[0]
        .clone();
    assert_eq!(
        (p.name.as_str(), p.time_zone.as_str()),
        ("Lycée Hugo", "America/Martinique")
    );
    assert_eq!(p.coordinates.unwrap().domain, "edt.lycee.fr");
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'planning.change'"),
        1
    );
}

#[tokio::test]
async fn look_alike_names_and_non_canonical_time_zones_are_refused() {
    let tc = TestController::start().await;
    let m = manager(&tc).await;
    let id = m.configuration().await.unwrap().plannings[0].id;
    for bad in ["Lyc\u{202E}ée", "Ly\u{200B}cée", "Lyce\u{301}\u{302}\u{303}e"] {
        let err = m.apply(&ConfigChange::rename(id, bad)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad:?}");
    }
    for zone in ["localtime", "Factory", "europe/paris"] {
        let err = m
            .apply(&ConfigChange::ChangePlanning {
                id,
                changes: PlanningChanges {
                    time_zone: Some(zone.into()),
                    ..Default::default()
                },
            })
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{zone}");
    }
    // Decomposed letters are stored composed: the same name as the one typed with é.
    let config = m.apply(&ConfigChange::rename(id, "Lyce\u{301}e")).await.unwrap();
    assert_eq!(config.plannings[0].name, "Lycée");
    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let err = m
        .apply(&ConfigChange::rename(config.plannings[1].id, "Lycée"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_additions_never_pass_the_quota() {
    let tc = TestController::start().await;
    let m = Arc::new(manager(&tc).await);
    let adds: Vec<_> = (0..20)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move { m.apply(&ConfigChange::AddPlanning { name: None }).await })
        })
        .collect();
    let mut ok = 0;
    for add in adds {
        match add.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code, ErrorCode::Conflict),
        }
    }
    assert_eq!(ok, 1, "a quota of 2 with planning01 leaves room for one");
    assert_eq!(tc.count("SELECT count(*) FROM plannings"), 2);
}

/// Many strangers at once: a burst large enough that the per-address budget is not what stops them.
fn crowd_options() -> Options {
    Options {
        enrol_burst: 10_000,
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_five_tries_and_no_more() {
    let tc = Arc::new(TestController::start_with(crowd_options()).await);
    let checked = forty_parallel_guesses(&tc, |tc| async move {
        let (_, req) = tc.enrol_request(
            &tc.account.invoice_number,
            &wrong_password(&tc.account.console_password),
        );
        tc.client(None).enrol(&req).await.unwrap_err().code
    })
    .await;
    assert_eq!(checked, 5, "exactly five passwords were tried");
    assert_eq!(tc.count("SELECT count(*) FROM history WHERE outcome = 'refused'"), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_on_the_password_step_get_five_tries_and_no_more() {
    let tc = Arc::new(TestController::start_with(crowd_options()).await);
    let checked = forty_parallel_guesses(&tc, |tc| async move {
        let check = planhost::api::PasswordCheck {
            hosting_number: tc.account.hosting_number.clone(),
            login: None,
            password: wrong_password(&tc.account.console_password),
        };
        tc.client(None).check_enrol_password(&check).await.unwrap_err().code
    })
    .await;
    assert_eq!(checked, 5, "exactly five passwords were tried");
    // Locked out now: even the right password is refused on both steps.
    let right = planhost::api::PasswordCheck {
        hosting_number: tc.account.hosting_number.clone(),
        login: None,
        password: tc.account.console_password.clone(),
    };
    assert_eq!(
        tc.client(None).check_enrol_password(&right).await.unwrap_err().code,
        ErrorCode::TooManyAttempts
    );
    let (_, req) = tc.enrol_request(&tc.account.invoice_number, &tc.account.console_password);
    assert_eq!(
        tc.client(None).enrol(&req).await.unwrap_err().code,
        ErrorCode::TooManyAttempts
    );
    assert_eq!(tc.count("SELECT count(*) FROM devices"), 0);
}

#[tokio::test]
async fn unknown_hosting_numbers_get_the_same_answers_as_known_ones() {
    let tc = TestController::start_with(crowd_options()).await;
    let answers = |hosting: String| {
        let tc = &tc;
        async move {
            let mut codes = Vec::new();
            for _ in 0..7 {
                let (_, mut req) = tc.enrol_request("1111111111", "WrongPassword1");
                req.hosting_number = hosting.clone();
                let e = tc.client(None).enrol(&req).await.unwrap_err();
                codes.push((e.code, e.message));
            }
            codes
        }
    };
    let known = answers(tc.account.hosting_number.clone()).await;
    let unknown = answers("999999999999".into()).await;
    let codes = |a: &[(ErrorCode, String)]| a.iter().map(|(c, _)| *c).collect::<Vec<_>>();
    assert_eq!(codes(&known), codes(&unknown));
    assert_eq!(known[0], unknown[0], "word for word");
    assert_eq!(
        codes(&unknown)[5],
        ErrorCode::TooManyAttempts,
        "unknown numbers lock too"
    );
}

#[tokio::test]
async fn strangers_locking_the_number_out_do_not_lock_its_owner_out() {
    let tc = TestController::start_with(crowd_options()).await;
    let (owner, _) = tc.enrol().await;
    let (other, _) = tc.enrol().await;
    for _ in 0..6 {
        let (_, req) = tc.enrol_request(&wrong_invoice(&tc.account.invoice_number), &tc.account.console_password);
        let _ = tc.client(None).enrol(&req).await;
    }
    let (_, req) = tc.enrol_request(&tc.account.invoice_number, &tc.account.console_password);
    assert_eq!(
        tc.client(None).enrol(&req).await.unwrap_err().code,
        ErrorCode::TooManyAttempts,
        "the number is locked for strangers"
    );
    assert!(tc.login_as(&owner).await.is_ok(), "its enrolled device still logs in");

    // A device that keeps failing locks itself only.
    let wrong = tc.login_request(&wrong_password(&tc.account.console_password));
    for _ in 0..5 {
        let _ = tc.client(Some(&other)).login(&wrong).await;
    }
    assert_eq!(tc.login_as(&other).await.unwrap_err().code, ErrorCode::TooManyAttempts);
    assert!(tc.login_as(&owner).await.is_ok());
}

#[tokio::test]
async fn a_flood_of_refused_attempts_adds_a_few_history_lines_not_one_each() {
    let tc = TestController::start_with(crowd_options()).await;
    let (_, req) = tc.enrol_request("1111111111", "WrongPassword1");
    for _ in 0..5 {
        let _ = tc.client(None).enrol(&req).await;
    }
    let before = tc.count("SELECT count(*) FROM history");
    for _ in 0..200 {
        assert_eq!(
            tc.client(None).enrol(&req).await.unwrap_err().code,
            ErrorCode::TooManyAttempts
        );
    }
    assert!(tc.count("SELECT count(*) FROM history") <= before + 1);
    assert_eq!(
        tc.count("SELECT sum(repeats) FROM history WHERE outcome = 'locked'"),
        200,
        "every attempt is still counted"
    );
}

#[tokio::test]
async fn each_address_has_a_budget_of_enrolment_attempts() {
    let options = Options {
        enrol_burst: 3,
        enrol_refill: Duration::from_secs(60),
        ..Options::default()
    };
    let tc = TestController::start_with(options).await;
    let (_, req) = tc.enrol_request("1111111111", "WrongPassword1");
    for _ in 0..3 {
        assert_eq!(
            tc.client(None).enrol(&req).await.unwrap_err().code,
            ErrorCode::BadCredentials
        );
    }
    for _ in 0..50 {
        let e = tc.client(None).enrol(&req).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::TooManyAttempts);
        assert!(e.retry_after_secs.is_some_and(|s| s > 0));
    }
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE outcome = 'limited'"),
        1,
        "one line for the whole run"
    );
    // The password step draws on the same budget: no way around it.
    let check = planhost::api::PasswordCheck {
        hosting_number: tc.account.hosting_number.clone(),
        login: None,
        password: tc.account.console_password.clone(),
    };
    assert_eq!(
        tc.client(None).check_enrol_password(&check).await.unwrap_err().code,
        ErrorCode::TooManyAttempts
    );
    assert_eq!(
        tc.count("SELECT count(*) FROM lockouts WHERE failures > 3"),
        0,
        "no password checked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_does_not_wait_behind_a_flood_of_enrolments() {
    let tc = Arc::new(TestController::start_with(crowd_options()).await);
    let (owner, _) = tc.enrol().await;
    let done = Arc::new(AtomicUsize::new(0));
    const FLOOD: usize = 120;
    let flood: Vec<_> = (0..FLOOD)
        .map(|i| {
            let (tc, done) = (tc.clone(), done.clone());
            tokio::spawn(async move {
                // Numbers of their own, so no lock-out cuts the flood short.
                let (_, mut req) = tc.enrol_request("1111111111", "WrongPassword1");
                req.hosting_number = format!("{:012}", 100_000_000_000u64 + i as u64);
                let _ = tc.client(None).enrol(&req).await;
                done.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(tc.login_as(&owner).await.is_ok());
    let finished = done.load(Ordering::SeqCst);
    assert!(
        finished < FLOOD / 2,
        "the login went ahead of the queued enrolments ({finished} of {FLOOD} done)"
    );
    for f in flood {
        f.abort();
    }
}

#[tokio::test]
async fn a_request_that_trickles_in_is_cut_off_at_its_deadline() {
    let options = Options {
        limits: Limits {
            request_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
        ..Options::default()
    };
    let tc = TestController::start_with(options).await;
    let mut tls = stranger(&tc).await.unwrap();
    tls.write_all(
        b"POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let reader = async {
        let mut buf = [0u8; 4096];
        loop {
            tokio::select! {
                n = tls.read(&mut buf) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                },
                _ = tokio::time::sleep(Duration::from_millis(300)) => {
                    // One more byte of body, every 300 ms: never enough, never idle.
                    if tls.write_all(b" ").await.is_err() { break; }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .expect("the controller closed the connection");
    assert!(started.elapsed() < Duration::from_secs(5));
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
}

#[tokio::test]
async fn one_address_cannot_hold_every_connection() {
    let options = Options {
        limits: Limits {
            max_connections_per_peer: 3,
            ..Limits::default()
        },
        ..Options::default()
    };
    let tc = TestController::start_with(options).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(stranger(&tc).await.expect("within the share"));
    }
    assert!(stranger(&tc).await.is_err(), "the fourth is closed at once");
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(stranger(&tc).await.is_ok(), "a closed connection frees its place");
}

#[tokio::test]
async fn every_refusal_of_the_http_layer_is_json() {
    let tc = TestController::start().await;
    let (status, body) = exchange(
        &tc,
        b"PUT /api/v1/enrol HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert_eq!((status, code_of(&body).as_str()), (405, "method_not_allowed"));
    let big = "x".repeat(3 * 1024 * 1024);
    let request = format!(
        "POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{big}",
        big.len()
    );
    let (status, body) = exchange(&tc, request.as_bytes()).await;
    assert_eq!((status, code_of(&body).as_str()), (413, "payload_too_large"));
    let long = format!(
        "GET /api/v1/{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(10_000)
    );
    let (status, body) = exchange(&tc, long.as_bytes()).await;
    assert_eq!((status, code_of(&body).as_str()), (414, "uri_too_long"));
    let headers: String = (0..80)
        .map(|i| format!("X-Filler-{i}: {}\r\n", "y".repeat(100)))
        .collect();
    let request = format!("GET /api/v1/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n");
    let (status, body) = exchange(&tc, request.as_bytes()).await;
    assert_eq!((status, code_of(&body).as_str()), (431, "headers_too_large"));
    let (status, body) = exchange(&tc, b"POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{]").await;
    assert_eq!((status, code_of(&body).as_str()), (400, "invalid_input"));
}

#[tokio::test]
async fn a_password_reset_ends_every_session_and_domains_are_unique_controller_wide() {
    let tc = TestController::start().await;
    let (_, session) = tc.session().await;
    assert!(session.whoami().await.is_ok());
    tc.controller.reset_password(&tc.account.hosting_number).unwrap();
    assert_eq!(session.whoami().await.unwrap_err().code, ErrorCode::SessionRequired);

    // Another account of the same controller cannot claim this account's controller domain.
    let (hosting, _, invoice) = tc.credentials();
    let password = tc.controller.reset_password(hosting).unwrap();
    let m = tc.session_for(hosting, &password, invoice).await;
    m.accept_licence(planhost::controller::auth::LICENCE_VERSION)
        .await
        .unwrap();
    m.apply(&ConfigChange::ControllerDomain {
        domain: "ctl.lycee.fr".into(),
    })
    .await
    .unwrap();
    let other = tc.other_manager().await;
    for taken in ["ctl.lycee.fr", "CTL.lycee.fr"] {
        let err = other
            .apply(&ConfigChange::ControllerDomain { domain: taken.into() })
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict, "{taken}");
    }
    let id = other.configuration().await.unwrap().plannings[0].id;
    let err = other
        .apply(&ConfigChange::planning_domain(id, "ctl.lycee.fr"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
}

#[tokio::test]
async fn a_replayed_token_is_recorded_with_its_address() {
    let tc = TestController::start().await;
    let (_, a) = tc.session().await;
    let (b, _) = tc.enrol().await;
    let replay = tc.client(Some(&b)).with_token(a.token().unwrap().to_owned());
    assert_eq!(replay.whoami().await.unwrap_err().code, ErrorCode::SessionRequired);
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE detail = 'token of another device' AND peer = '127.0.0.1'"),
        1
    );
}

#[test]
fn init_keeps_an_existing_folders_mode_and_makes_every_file_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("srv");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).unwrap();
    planhost::controller::Controller::init(&data, Some("ctl.example.fr"), None).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o750, "the provider's folder is left as it was");
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    let fresh = dir.path().join("new/ctl");
    planhost::controller::Controller::init(&fresh, None, None).unwrap();
    assert_eq!(mode(&fresh), 0o700);
}

/// The controller's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_goes_back_near_idle_after_a_flood_of_password_checks() {
    use std::io::BufRead;
    let exe = env!("CARGO_BIN_EXE_planhost-controller");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ctl");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(exe)
            .args(args)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["init"]);
    run(&["account", "create"]);
    let mut child = std::process::Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line.split_whitespace().nth(2).unwrap().to_owned();
    let ca = std::fs::read_to_string(data.join("ca.pem")).unwrap();
    let client = || {
        planhost::client::ControllerClient::new(&address, &planhost::client::Trust::Pinned(ca.clone()), None).unwrap()
    };
    let attempt = |i: u64| {
        let client = client();
        async move {
            let (_, csr_pem) = planhost::pki::new_device_key_and_csr().unwrap();
            let req = planhost::api::EnrolRequest {
                hosting_number: format!("{:012}", 100_000_000_000 + i),
                login: None,
                password: "WrongPassword1".into(),
                invoice_number: "1111111111".into(),
                csr_pem,
                device_label: "flood".into(),
            };
            client.enrol(&req).await.unwrap_err().code
        }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = rss_kib(child.id());
    let flood: Vec<_> = (0..20).map(|i| tokio::spawn(attempt(i))).collect();
    for f in flood {
        assert_eq!(f.await.unwrap(), ErrorCode::BadCredentials);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = rss_kib(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    println!("controller RSS: idle {idle} KiB, after 40 argon2 checks {after} KiB");
    // Each check works in 19 MiB: none of it may stay once the checks are over.
    assert!(after < idle + 12 * 1024, "idle {idle} KiB, after the flood {after} KiB");
}

#[tokio::test]
async fn the_password_step_never_resets_the_count_of_wrong_invoice_numbers() {
    let tc = TestController::start().await;
    let client = tc.client(None);
    let (hosting, password, invoice) = tc.credentials();
    let check = |p: &str| planhost::api::PasswordCheck {
        hosting_number: hosting.to_owned(),
        login: None,
        password: p.to_owned(),
    };
    // A wrong password at the first step is refused without a word about the invoice number.
    let err = client
        .check_enrol_password(&check(&wrong_password(password)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadCredentials);
    assert!(
        !err.message.contains("invoice") && !err.message_fr.contains("facture"),
        "{}",
        err.message
    );
    client.check_enrol_password(&check(password)).await.unwrap();

    // Someone who knows the password alternates it with invoice guesses: the lock-out still comes.
    let mut locked = false;
    for _ in 0..8 {
        client.check_enrol_password(&check(password)).await.ok();
        let (_, req) = tc.enrol_request(&wrong_invoice(invoice), password);
        if client.enrol(&req).await.unwrap_err().code == ErrorCode::TooManyAttempts {
            locked = true;
            break;
        }
    }
    assert!(
        locked,
        "wrong invoice numbers lock the account out whatever the password step says"
    );
    assert_eq!(
        client.check_enrol_password(&check(password)).await.unwrap_err().code,
        ErrorCode::TooManyAttempts,
        "the password step is under the same lock-out"
    );
    assert_eq!(tc.count("SELECT count(*) FROM devices"), 0);
}
