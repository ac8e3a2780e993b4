//! The console as the app and the CLI drive it: enrolment once per device, keys in the real OS keyring (Secret
//! Service), login again after a relaunch without the invoice number, CA pinning.
//! These need a Secret Service: `scripts/test` runs them inside `dbus-run-session` with gnome-keyring.

mod common;

use common::{wrong_invoice, TestController};
use planhost::console::Console;
use planhost::secrets::SecretStore;
use planhost::ErrorCode;
use std::process::Command;

fn secret_tool_count(label_part: &str) -> usize {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", "planhost"])
        .output()
        .expect("secret-tool");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
        .filter(|l| l.contains(label_part))
        .count()
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn the_keyring_round_trip_goes_through_the_secret_service() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecretStore::for_config_dir(dir.path());
    let other = SecretStore::for_config_dir(&dir.path().join("other"));
    assert_eq!(store.get("probe").await.unwrap(), None);
    store.set("probe", "s3cret value".into()).await.unwrap();
    assert_eq!(store.get("probe").await.unwrap().as_deref(), Some("s3cret value"));
    assert_eq!(other.get("probe").await.unwrap(), None, "namespaces are apart");
    // A third-party client of the Secret Service sees the entry.
    assert!(secret_tool_count("/probe") >= 1, "secret-tool does not see the entry");
    store.delete("probe").await.unwrap();
    assert_eq!(store.get("probe").await.unwrap(), None);
    store.delete("probe").await.unwrap(); // deleting twice is fine
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn first_connection_installs_a_certificate_once_and_a_relaunch_does_not_ask_again() {
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let address = tc.address();

    let console = Console::open(cfg.path()).unwrap();
    // Bad input is refused before anything is sent.
    assert_eq!(
        console.login(&address, "12345", password, None).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        console.login(&address, hosting, "short", None).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        console.login(&address, hosting, password, None).await.unwrap_err().code,
        ErrorCode::EnrolmentRequired
    );
    assert!(console.needs_enrolment(&address, hosting).await.unwrap());

    let err = console
        .enrol(&address, hosting, password, &wrong_invoice(invoice), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadCredentials);
    assert!(
        console.config().controllers[&address].devices.is_empty(),
        "nothing recorded after a refusal"
    );
    assert!(
        console.config().controllers[&address].ca_pem.is_none(),
        "nothing pinned after a refusal"
    );

    let receipt = console.enrol(&address, hosting, password, invoice, None).await.unwrap();
    assert_eq!(receipt.hosting_number, *hosting);
    let plain = std::fs::read_to_string(cfg.path().join("console.json")).unwrap();
    assert!(
        plain.contains(&receipt.device_id) && plain.contains(hosting),
        "plain config keeps the hosting number and device id"
    );
    for secret in ["PRIVATE KEY", password, invoice] {
        assert!(!plain.contains(secret), "console.json must not contain {secret}");
    }

    let session = console.login(&address, hosting, password, None).await.unwrap();
    assert!(!session.licence_accepted);
    assert_eq!(console.info().await.unwrap_err().code, ErrorCode::LicenceNotAccepted);
    let licence = console.licence().await.unwrap();
    console.accept_licence(licence.version).await.unwrap();
    let info = console.info().await.unwrap();
    assert_eq!(info.certificate.fingerprint_sha256, receipt.certificate_fingerprint);
    assert_eq!(info.ca_fingerprint, receipt.ca_fingerprint);
    assert_eq!(info.account.hosting_number, *hosting);
    drop(console);

    // Relaunch: a new console on the same settings finds its certificate in the keyring.
    let console = Console::open(cfg.path()).unwrap();
    assert!(!console.needs_enrolment(&address, hosting).await.unwrap());
    let again = console.login(&address, hosting, password, None).await.unwrap();
    assert!(again.licence_accepted, "the licence is accepted once per account");
    assert_eq!(console.whoami().await.unwrap().device_id, receipt.device_id);
    assert_eq!(tc.count("SELECT count(*) FROM devices"), 1, "one device, enrolled once");

    console.logout().await.unwrap();
    assert_eq!(console.whoami().await.unwrap_err().code, ErrorCode::NotConnected);
    // Forgetting the controller removes its certificate: the next login asks for the invoice number again.
    console.forget(&address).await.unwrap();
    assert!(Console::open(cfg.path()).unwrap().config().controllers.is_empty());
    assert_eq!(
        console.login(&address, hosting, password, None).await.unwrap_err().code,
        ErrorCode::EnrolmentRequired
    );
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn a_replaced_controller_at_the_same_address_is_refused_with_a_warning() {
    let genuine = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let address = genuine.address();
    let addr = genuine.server.addr;
    let (hosting, password, invoice) = (
        genuine.account.hosting_number.clone(),
        genuine.account.console_password.clone(),
        genuine.account.invoice_number.clone(),
    );
    let console = Console::open(cfg.path()).unwrap();
    console
        .enrol(&address, &hosting, &password, &invoice, None)
        .await
        .unwrap();
    genuine.server.stop().await;

    // Another controller (another CA) now answers on the same address.
    let impostor = TestController::start().await;
    let replacement = planhost::server::start(impostor.controller.clone(), addr)
        .await
        .unwrap();
    let err = console.login(&address, &hosting, &password, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::CaMismatch);
    assert!(err.message_fr.contains("ne correspond pas"), "{}", err.message_fr);
    assert_eq!(
        impostor.count("SELECT count(*) FROM history WHERE action = 'session.login'"),
        0,
        "the password never reached it"
    );
    replacement.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn a_revoked_certificate_is_dropped_and_the_invoice_number_installs_a_new_one() {
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let address = tc.address();
    let console = Console::open(cfg.path()).unwrap();
    let first = console.enrol(&address, hosting, password, invoice, None).await.unwrap();
    console.login(&address, hosting, password, None).await.unwrap();

    tc.controller.revoke_device(&first.device_id).unwrap();
    assert_eq!(
        console.whoami().await.unwrap_err().code,
        ErrorCode::CertificateRevoked,
        "the open session is over"
    );
    let err = console.login(&address, hosting, password, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::EnrolmentRequired);
    assert!(err.message.contains("revoked"), "{}", err.message);
    assert!(
        console.needs_enrolment(&address, hosting).await.unwrap(),
        "the useless certificate is gone"
    );

    let second = console.enrol(&address, hosting, password, invoice, None).await.unwrap();
    assert_ne!(second.device_id, first.device_id);
    assert_eq!(
        second.ca_fingerprint, first.ca_fingerprint,
        "same controller, same pinned CA"
    );
    console.login(&address, hosting, password, None).await.unwrap();
    assert_eq!(console.whoami().await.unwrap().device_id, second.device_id);
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn a_certificate_close_to_expiry_is_renewed_at_login() {
    // This controller signs 10-day certificates: renewed in their last third, not at every login.
    let tc = TestController::start_custom(Default::default(), |c| c.set_device_certificate_days(10).unwrap()).await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let address = tc.address();
    let console = Console::open(cfg.path()).unwrap();
    let receipt = console.enrol(&address, hosting, password, invoice, None).await.unwrap();
    let days_left = |rfc: &str| {
        let end = time::OffsetDateTime::parse(rfc, &time::format_description::well_known::Rfc3339).unwrap();
        (end - time::OffsetDateTime::now_utc()).whole_days()
    };
    assert!(days_left(&receipt.certificate_not_after) <= 10);
    let session = console.login(&address, hosting, password, None).await.unwrap();
    assert!(!session.certificate_renewed, "a fresh short-lived certificate is kept");
    console.logout().await.unwrap();

    console.pretend_days_later(8);
    let session = console.login(&address, hosting, password, None).await.unwrap();
    assert!(session.certificate_renewed, "two days left of ten: renewed");
    let record = &Console::open(cfg.path()).unwrap().config().controllers[&address].devices[hosting].clone();
    assert_ne!(
        record.certificate_fingerprint, receipt.certificate_fingerprint,
        "a new certificate, from a new key"
    );
    assert_eq!(record.device_id, receipt.device_id, "for the same device");
    // The session opened with the old certificate goes on with the new one; the old one is refused.
    assert_eq!(console.whoami().await.unwrap().device_id, receipt.device_id);
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'device.renew'"),
        1
    );
    assert_eq!(tc.count("SELECT count(*) FROM devices"), 1);

    // A certificate far from expiry is left alone.
    let far = TestController::start().await;
    let console = Console::open(tempfile::tempdir().unwrap().path()).unwrap();
    console
        .enrol(
            &far.address(),
            &far.account.hosting_number,
            &far.account.console_password,
            &far.account.invoice_number,
            None,
        )
        .await
        .unwrap();
    assert!(
        !console
            .login(
                &far.address(),
                &far.account.hosting_number,
                &far.account.console_password,
                None
            )
            .await
            .unwrap()
            .certificate_renewed
    );
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn the_providers_fingerprint_is_checked_before_the_credentials_leave_the_machine() {
    let genuine = TestController::start().await;
    let impostor = TestController::start().await;
    let expected = genuine.controller.ca_fingerprint().unwrap();
    let (hosting, password, invoice) = (
        &impostor.account.hosting_number,
        &impostor.account.console_password,
        &impostor.account.invoice_number,
    );
    let cfg = tempfile::tempdir().unwrap();
    let console = Console::open(cfg.path()).unwrap();

    let err = console
        .enrol(&impostor.address(), hosting, password, invoice, Some("12:34"))
        .await
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::InvalidInput,
        "a malformed fingerprint is refused before anything else"
    );

    // The impostor answers, but its CA is not the announced one: the handshake stops, nothing is sent.
    let err = console
        .enrol(&impostor.address(), hosting, password, invoice, Some(&expected))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::CaMismatch);
    assert!(err.message.contains("Nothing was sent"), "{}", err.message);
    assert_eq!(
        impostor.count("SELECT count(*) FROM history WHERE action = 'device.enrol'"),
        0
    );
    assert!(
        console.config().controllers[&impostor.address()].ca_pem.is_none(),
        "nothing pinned"
    );

    // The genuine controller with its fingerprint as people copy it (lower case, no colons).
    let copied = expected.replace(':', "").to_lowercase();
    let (hosting, password, invoice) = (
        &genuine.account.hosting_number,
        &genuine.account.console_password,
        &genuine.account.invoice_number,
    );
    let receipt = console
        .enrol(&genuine.address(), hosting, password, invoice, Some(&copied))
        .await
        .unwrap();
    assert_eq!(receipt.ca_fingerprint, expected);
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn a_slow_call_in_flight_holds_up_neither_a_status_refresh_nor_a_logout() {
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let console = std::sync::Arc::new(Console::open(cfg.path()).unwrap());
    console
        .enrol(&tc.address(), hosting, password, invoice, None)
        .await
        .unwrap();
    console.login(&tc.address(), hosting, password, None).await.unwrap();
    let licence = console.licence().await.unwrap();
    console.accept_licence(licence.version).await.unwrap();

    // The session's client is built once: calls do not go back to the keyring for the token.
    SecretStore::for_config_dir(cfg.path()).delete("session").await.unwrap();
    assert!(console.statuses().await.is_ok(), "the session's client is reused");

    // A controller that accepts connections and never answers: a call to it hangs until its own timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_address = silent.local_addr().unwrap().to_string();
    let keep_open = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let slow = {
        let console = console.clone();
        let (h, p, i) = (hosting.to_owned(), password.to_owned(), invoice.to_owned());
        tokio::spawn(async move { console.enrol(&silent_address, &h, &p, &i, None).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let quick = std::time::Duration::from_secs(3);
    let refreshed = tokio::time::timeout(quick, console.statuses()).await;
    assert!(!slow.is_finished(), "the slow call is still in flight");
    assert!(
        matches!(refreshed, Ok(Ok(_))),
        "a status refresh waits for nothing: {refreshed:?}"
    );
    let logged_out = tokio::time::timeout(quick, console.logout()).await;
    assert!(
        matches!(logged_out, Ok(Ok(()))),
        "logout waits for nothing: {logged_out:?}"
    );
    assert_eq!(console.statuses().await.unwrap_err().code, ErrorCode::NotConnected);
    assert_eq!(
        tc.count("SELECT count(*) FROM sessions"),
        0,
        "the session ended on the controller"
    );
    slow.abort();
    keep_open.abort();
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn a_console_shipped_by_a_provider_checks_the_password_then_the_invoice_on_the_providers_controller() {
    let tc = TestController::start().await;
    let impostor = TestController::start().await;
    let (hosting, password, invoice) = tc.credentials();
    let cfg = tempfile::tempdir().unwrap();
    let file = cfg.path().join("provider.json");
    let provider = tc
        .controller
        .write_provider_file("Hébergeur Test", &tc.address(), None, Some(&file))
        .unwrap();
    assert_eq!(planhost::provider::Provider::read(&file).unwrap(), provider);
    let console = Console::open(cfg.path()).unwrap();
    console.register_provider(&provider).unwrap();
    assert_eq!(
        console.config().current.as_deref(),
        Some(tc.address().as_str()),
        "opens on it"
    );

    // Wrong password: refused at the first step, with no word about an invoice number.
    let err = console
        .login(&tc.address(), hosting, &common::wrong_password(password), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadCredentials);
    assert!(!err.message.contains("invoice"), "{}", err.message);
    // Right password: only then is the invoice number asked for.
    let err = console.login(&tc.address(), hosting, password, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::EnrolmentRequired);
    assert!(err.message.starts_with("Password accepted"), "{}", err.message);
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'device.enrol.password'"),
        2
    );
    console
        .enrol(&tc.address(), hosting, password, invoice, None)
        .await
        .unwrap();
    console.login(&tc.address(), hosting, password, None).await.unwrap();
    // A wrong password on the enrolled machine does not mention the invoice number either.
    console.logout().await.unwrap();
    let err = console
        .login(&tc.address(), hosting, &common::wrong_password(password), None)
        .await
        .unwrap_err();
    assert!(
        err.code == ErrorCode::BadCredentials && !err.message_fr.contains("facture"),
        "{}",
        err.message_fr
    );
    // Logging out keeps the controller and the hosting number for the next login.
    assert_eq!(console.config().current.as_deref(), Some(tc.address().as_str()));
    assert_eq!(console.config().last_hosting_number.as_deref(), Some(hosting));

    // The provider's fingerprint is checked before the password leaves: an impostor at the address gets nothing.
    let other = tempfile::tempdir().unwrap();
    let console = Console::open(other.path()).unwrap();
    let fake = planhost::provider::Provider::new("Hébergeur Test", &impostor.address(), &provider.ca_fingerprint, None)
        .unwrap();
    console.register_provider(&fake).unwrap();
    let (h, p) = (&impostor.account.hosting_number, &impostor.account.console_password);
    let err = console.login(&impostor.address(), h, p, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::CaMismatch, "{}", err.message);
    assert_eq!(
        impostor.count("SELECT count(*) FROM history WHERE action LIKE 'device.enrol%'"),
        0,
        "nothing reached the impostor"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn an_enrolment_reports_its_steps_and_one_waiting_on_a_silent_controller_can_be_cancelled() {
    use planhost::tasks::TaskStep;
    use std::sync::{Arc, Mutex};
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let console = Console::open(cfg.path()).unwrap();

    // A controller that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_address = silent.local_addr().unwrap().to_string();
    let keep_open = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let steps = Arc::new(Mutex::new(Vec::new()));
    let log = steps.clone();
    let started = std::time::Instant::now();
    let (result, cancelled) = tokio::join!(
        console.tasks().run(
            "enrol-1",
            move |p| log.lock().unwrap().push(p.step),
            console.enrol(&silent_address, hosting, password, invoice, None)
        ),
        async {
            while !steps.lock().unwrap().contains(&TaskStep::WaitingForController) {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            console.tasks().cancel("enrol-1")
        }
    );
    assert!(cancelled);
    assert_eq!(result.unwrap_err().code, ErrorCode::Cancelled);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "cancelled at once, not at the timeout"
    );
    assert_eq!(
        *steps.lock().unwrap(),
        [TaskStep::CreatingKey, TaskStep::WaitingForController]
    );
    let key = console.config().current.clone().unwrap();
    assert!(
        console.config().controllers[&key].devices.is_empty(),
        "a cancelled enrolment installs nothing"
    );
    keep_open.abort();

    // A real enrolment goes through every step, in order, and nothing is left under way.
    let steps = Arc::new(Mutex::new(Vec::new()));
    let log = steps.clone();
    console
        .tasks()
        .run(
            "enrol-2",
            move |p| log.lock().unwrap().push(p.step),
            console.enrol(&tc.address(), hosting, password, invoice, None),
        )
        .await
        .unwrap();
    assert_eq!(
        *steps.lock().unwrap(),
        [
            TaskStep::CreatingKey,
            TaskStep::WaitingForController,
            TaskStep::SavingToKeyring
        ]
    );
    assert_eq!(console.tasks().count(), 0);
}
