//! Enrolment, mutual TLS, login, sessions and lock-out against a real controller on 127.0.0.1.

mod common;

use common::{wrong_invoice, wrong_password, TestController};
use planhost::client::{ControllerClient, Trust};
use planhost::controller::auth::LICENCE_VERSION;
use planhost::ErrorCode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};
use std::sync::Arc;

#[tokio::test]
async fn enrolment_returns_a_client_certificate_that_verifies_against_the_ca() {
    let tc = TestController::start().await;
    let (identity, resp) = tc.enrol().await;
    assert_eq!(resp.ca_pem, tc.ca_pem());

    // rustls' own client verifier: chains to the CA and has the clientAuth usage.
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(tc.ca_pem().as_bytes()).unwrap())
        .unwrap();
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), planhost::tls::crypto_provider())
            .build()
            .unwrap();
    let cert = CertificateDer::from_pem_slice(identity.cert_pem.as_bytes()).unwrap();
    verifier
        .verify_client_cert(&cert, &[], UnixTime::now())
        .expect("client certificate verifies");

    // And OpenSSL agrees, for the client purpose.
    let ca_file = tc.dir.path().join("ca.pem");
    let cert_file = tc.dir.path().join("device.pem");
    std::fs::write(&ca_file, tc.ca_pem()).unwrap();
    std::fs::write(&cert_file, &identity.cert_pem).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["verify", "-purpose", "sslclient", "-CAfile"])
        .arg(&ca_file)
        .arg(&cert_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = std::process::Command::new("openssl")
        .args(["verify", "-purpose", "sslserver", "-CAfile"])
        .arg(&ca_file)
        .arg(&cert_file)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a device certificate must not be usable as a server certificate"
    );

    let info = planhost::pki::cert_info(&identity.cert_pem).unwrap();
    assert_eq!(info.subject_cn, resp.device_id);
    assert_eq!(info.subject_ou.as_deref(), Some(tc.account.hosting_number.as_str()));
    assert_eq!(tc.count("SELECT count(*) FROM devices WHERE revoked_at IS NULL"), 1);
}

#[tokio::test]
async fn without_a_client_certificate_every_route_but_enrolment_is_refused() {
    let tc = TestController::start().await;
    let anonymous = tc.client(None).with_token("not-a-token");
    let results = [
        (
            "login",
            anonymous
                .login(&tc.login_request(&tc.account.console_password))
                .await
                .map(drop),
        ),
        ("logout", anonymous.logout().await.map(drop)),
        ("session", anonymous.whoami().await.map(drop)),
        ("licence", anonymous.licence().await.map(drop)),
        (
            "licence/accept",
            anonymous.accept_licence(LICENCE_VERSION).await.map(drop),
        ),
        ("account", anonymous.account().await.map(drop)),
    ];
    for (route, result) in results {
        assert_eq!(result.unwrap_err().code, ErrorCode::CertificateRequired, "{route}");
    }
    // Enrolment is reachable: a wrong invoice gets the credentials answer, not the certificate one.
    let (_, req) = tc.enrol_request(&wrong_invoice(&tc.account.invoice_number), &tc.account.console_password);
    assert_eq!(anonymous.enrol(&req).await.unwrap_err().code, ErrorCode::BadCredentials);
    // Even the right password through login without a certificate opened no session.
    assert_eq!(tc.count("SELECT count(*) FROM sessions"), 0);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let ours = TestController::start().await;
    let other = TestController::start().await;
    let (foreign, _) = other.enrol().await;
    // The foreign certificate is genuine on its own controller…
    assert!(other.login_as(&foreign).await.is_ok());
    // …and refused here, at the TLS handshake.
    let err = ours.login_as(&foreign).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::CertificateRevoked, "{err:?}");
    assert_eq!(ours.count("SELECT count(*) FROM sessions"), 0);
}

#[tokio::test]
async fn wrong_invoice_password_or_hosting_number_is_refused_alike_and_nothing_is_stored() {
    let tc = TestController::start().await;
    let client = tc.client(None);
    let right_pw = tc.account.console_password.clone();
    let right_inv = tc.account.invoice_number.clone();
    let (_, bad_invoice) = tc.enrol_request(&wrong_invoice(&right_inv), &right_pw);
    let (_, bad_password) = tc.enrol_request(&right_inv, &wrong_password(&right_pw));
    let (_, mut bad_hosting) = tc.enrol_request(&right_inv, &right_pw);
    bad_hosting.hosting_number = if tc.account.hosting_number == "999999999999" {
        "999999999998".into()
    } else {
        "999999999999".into()
    };
    let mut messages = Vec::new();
    for req in [bad_invoice, bad_password, bad_hosting] {
        let err = client.enrol(&req).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::BadCredentials);
        messages.push((err.message, err.message_fr));
    }
    assert!(
        messages.windows(2).all(|w| w[0] == w[1]),
        "the answer must not say which one was wrong: {messages:?}"
    );
    assert!(messages[0].0.contains("hosting number, password or invoice number"));

    // Malformed input is refused before any check, with what is wrong.
    let (_, mut malformed) = tc.enrol_request("123", &right_pw);
    let err = client.enrol(&malformed).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("10 digits"), "{}", err.message);
    malformed.invoice_number = right_inv.clone();
    malformed.csr_pem = "not a CSR".into();
    assert_eq!(
        client.enrol(&malformed).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );

    assert_eq!(tc.count("SELECT count(*) FROM devices"), 0, "no device recorded");
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'device.enrol' AND outcome = 'refused'"),
        3
    );
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'device.enrol' AND outcome = 'ok'"),
        0
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_for_a_growing_delay() {
    let tc = TestController::start().await;
    let (identity, _) = tc.enrol().await;
    let client = tc.client(Some(&identity));
    let wrong = tc.login_request(&wrong_password(&tc.account.console_password));
    let right = tc.login_request(&tc.account.console_password);
    for attempt in 1..=5 {
        assert_eq!(
            client.login(&wrong).await.unwrap_err().code,
            ErrorCode::BadCredentials,
            "attempt {attempt}"
        );
    }
    // Locked: even the right password is turned away, with the delay to wait.
    let locked = client.login(&right).await.unwrap_err();
    assert_eq!(locked.code, ErrorCode::TooManyAttempts);
    let first_delay = locked.retry_after_secs.unwrap();
    assert!((25..=30).contains(&first_delay), "{first_delay}");
    assert_eq!(tc.count("SELECT count(*) FROM sessions"), 0);

    // Once the lock has run out (moved into the past here), one more failure locks for longer.
    tc.db().execute("UPDATE lockouts SET locked_until = 0", []).unwrap();
    assert_eq!(client.login(&wrong).await.unwrap_err().code, ErrorCode::BadCredentials);
    let second_delay = client.login(&right).await.unwrap_err().retry_after_secs.unwrap();
    assert!(second_delay > first_delay, "{second_delay} > {first_delay}");

    // After the lock, the right password works and the count starts again.
    tc.db().execute("UPDATE lockouts SET locked_until = 0", []).unwrap();
    assert!(client.login(&right).await.is_ok());
    assert_eq!(tc.count("SELECT count(*) FROM lockouts"), 0, "the count starts again");
    assert_eq!(
        tc.count("SELECT sum(repeats) FROM history WHERE outcome = 'locked'"),
        2,
        "both turned-away attempts are counted (on one folded line)"
    );
}

#[tokio::test]
async fn a_session_token_replayed_from_another_device_is_refused() {
    let tc = TestController::start().await;
    let (_, session_a) = tc.session().await;
    let (identity_b, _) = tc.enrol().await;
    assert_eq!(tc.count("SELECT count(*) FROM sessions"), 1);
    // Device A's token, stolen, presented with device B's certificate.
    let stolen = session_a.token().unwrap().to_owned();
    let replay = tc.client(Some(&identity_b)).with_token(stolen);
    assert_eq!(replay.whoami().await.unwrap_err().code, ErrorCode::SessionRequired);
    assert!(session_a.whoami().await.is_ok(), "the owner keeps its session");
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE detail = 'token of another device'"),
        1
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_a_revoked_device_is_refused() {
    let tc = TestController::start().await;
    let (identity, session) = tc.session().await;
    let who = session.whoami().await.unwrap();
    assert_eq!(who.hosting_number, tc.account.hosting_number);
    assert_eq!(who.actor, "hosting_manager");
    session.logout().await.unwrap();
    assert_eq!(session.whoami().await.unwrap_err().code, ErrorCode::SessionRequired);

    let device_id = planhost::pki::cert_info(&identity.cert_pem).unwrap().subject_cn;
    tc.controller.revoke_device(&device_id).unwrap();
    let err = tc.login_as(&identity).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::CertificateRevoked);
}

#[tokio::test]
async fn nothing_opens_until_the_licence_is_accepted_and_the_acceptance_is_kept() {
    let tc = TestController::start().await;
    let (_, session) = tc.session().await;
    assert_eq!(session.account().await.unwrap_err().code, ErrorCode::LicenceNotAccepted);
    let licence = session.licence().await.unwrap();
    assert!(licence.accepted_at.is_none());
    assert!(licence.text_fr.contains("CONTRAT DE LICENCE") && licence.text_en.contains("LICENCE AGREEMENT"));
    assert_eq!(
        session.accept_licence(licence.version + 1).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    let accepted = session.accept_licence(licence.version).await.unwrap();
    assert!(accepted.accepted_at.is_some());
    assert!(accepted.accepted_by.unwrap().starts_with("hosting_manager"));
    let account = session.account().await.unwrap();
    assert_eq!(account.controller_domain, "lycee.example.fr");
    assert_eq!(account.plannings_quota, 2);
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'licence.accept'"),
        1
    );
}

#[tokio::test]
async fn a_controller_whose_ca_differs_from_the_pinned_one_is_refused() {
    let genuine = TestController::start().await;
    let impostor = TestController::start().await;
    // Pinned on the genuine CA, talking to the impostor's address.
    let client = ControllerClient::new(&impostor.address(), &Trust::Pinned(genuine.ca_pem()), None).unwrap();
    let (_, req) = impostor.enrol_request(&impostor.account.invoice_number, &impostor.account.console_password);
    let err = client.enrol(&req).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::CaMismatch, "{}", err.message);
    assert!(err.message.contains("does not match"), "{}", err.message);
    assert_eq!(
        impostor.count("SELECT count(*) FROM history WHERE action = 'device.enrol'"),
        0,
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_stopped_controller_is_reported_unreachable() {
    let tc = TestController::start().await;
    let address = tc.address();
    let ca = tc.ca_pem();
    tc.server.stop().await;
    let client = ControllerClient::new(&address, &Trust::Pinned(ca), None).unwrap();
    let req = planhost::api::LoginRequest {
        hosting_number: "123456789012".into(),
        login: None,
        password: "x".repeat(14),
    };
    let err = client.login(&req).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unreachable);
    assert!(err.message.contains(&address));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_revokes_a_lost_device_with_the_command_line() {
    let tc = TestController::start().await;
    let (identity, session) = tc.session().await;
    let device_id = planhost::pki::cert_info(&identity.cert_pem).unwrap().subject_cn;
    let data = tc.dir.path().join("ctl");
    let provider = |args: Vec<String>| {
        let data = data.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_planhost-controller"))
                .args(&args)
                .arg("--data")
                .arg(&data)
                .env("LANG", "en_GB.UTF-8")
                .output()
                .unwrap()
        })
    };
    let out = provider(vec![
        "--json".into(),
        "device".into(),
        "list".into(),
        tc.account.hosting_number.clone(),
    ])
    .await
    .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["id"], device_id.as_str());
    assert!(list[0]["revoked_at"].is_null());

    // Requests before the revocation are answered (and what they read is kept in memory)...
    for _ in 0..3 {
        session.whoami().await.unwrap();
    }
    let out = provider(vec!["device".into(), "revoke".into(), device_id.clone()])
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The session it had is over, and its certificate opens nothing any more.
    assert_eq!(session.whoami().await.unwrap_err().code, ErrorCode::CertificateRevoked);
    let err = tc.login_as(&identity).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::CertificateRevoked);
    assert_eq!(tc.count("SELECT count(*) FROM sessions"), 0);

    let again = provider(vec!["device".into(), "revoke".into(), device_id.clone()])
        .await
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already revoked"));
    let unknown = provider(vec!["device".into(), "revoke".into(), "no-such-device".into()])
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&unknown.stderr).starts_with("error[not_found]"));
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'device.revoke'"),
        1
    );
}

#[tokio::test]
async fn renewal_replaces_the_certificate_of_the_same_device_and_refuses_the_old_one() {
    let tc = TestController::start().await;
    let (old, session) = tc.session().await;
    let (new_key, csr) = planhost::pki::new_device_key_and_csr().unwrap();
    let renewed = session.renew(csr).await.unwrap();
    let (old_info, new_info) = (
        planhost::pki::cert_info(&old.cert_pem).unwrap(),
        planhost::pki::cert_info(&renewed.certificate_pem).unwrap(),
    );
    assert_eq!(new_info.subject_cn, old_info.subject_cn, "same device id");
    assert_ne!(new_info.fingerprint_sha256, old_info.fingerprint_sha256);
    let new = planhost::client::Identity {
        key_pem: new_key,
        cert_pem: renewed.certificate_pem,
    };
    assert!(tc.login_as(&new).await.is_ok());
    let err = tc.login_as(&old).await.unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::CertificateRevoked,
        "the old certificate is refused"
    );
    // Renewal needs a session: a certificate alone is not enough.
    let (_, csr) = planhost::pki::new_device_key_and_csr().unwrap();
    assert_eq!(
        tc.client(Some(&new)).renew(csr).await.unwrap_err().code,
        ErrorCode::SessionRequired
    );
}

#[test]
fn the_provider_writes_the_provider_file_and_the_welcome_messages_of_a_new_account() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ctl");
    let bin = env!("CARGO_BIN_EXE_planhost-controller");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .arg("--data")
            .arg(&data)
            .env("LANG", "en_GB.UTF-8")
            .output()
            .unwrap()
    };
    assert!(run(&["init", "--domain", "ctl.example.fr"]).status.success());
    let file = dir.path().join("provider.json");
    let refused = run(&[
        "provider-file",
        "--name",
        "Hébergeur",
        "--address",
        "no port",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(
        !refused.status.success() && !file.exists(),
        "a bad address writes nothing"
    );
    let out = run(&[
        "provider-file",
        "--name",
        "Hébergeur",
        "--address",
        "ctl.example.fr:8443",
        "--download-url",
        "https://example.fr/console",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let provider = planhost::provider::Provider::read(&file).unwrap();
    let ca = std::fs::read_to_string(data.join("ca.pem")).unwrap();
    assert_eq!(
        provider.ca_fingerprint,
        planhost::pki::fingerprint(&planhost::pki::pem_to_der(&ca).unwrap())
    );
    assert_eq!(provider.controller, "ctl.example.fr:8443");

    let messages = dir.path().join("messages");
    let out = run(&["--json", "account", "create", "--messages", messages.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosting = account["hosting_number"].as_str().unwrap();
    let read = |name: &str| {
        let path = messages.join(format!("{hosting}-{name}.txt"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::read_to_string(path).unwrap()
    };
    let connection = read("1-email-connexion");
    assert!(connection.contains(account["invoice_number"].as_str().unwrap()));
    assert!(connection.contains("https://example.fr/console") && connection.contains("ctl.example.fr:8443"));
    assert!(read("2-email-hebergement").contains(hosting));
    assert!(read("3-sms").contains(account["console_password"].as_str().unwrap()));
    assert_eq!(
        account["messages"]["password_sms"].as_str(),
        Some(read("3-sms").as_str())
    );
}
