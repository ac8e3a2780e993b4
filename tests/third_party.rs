//! Real third-party clients against the controller: curl with a device certificate, and openssl s_client to see the
//! protocol versions and the client-certificate request.

mod common;

use common::TestController;
use std::path::Path;
use std::process::{Command, Output};

/// Runs a command off the runtime's threads (the controller answers on them).
async fn run(cmd: &'static str, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(cmd)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    })
    .await
    .unwrap()
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    planhost::controller::write_private(&path, contents.as_bytes()).unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_with_the_device_certificate_reaches_an_authenticated_route() {
    let tc = TestController::start().await;
    let (identity, client) = tc.session().await;
    let dir = tc.dir.path();
    let (cert, key, ca) = (
        write(dir, "dev.pem", &identity.cert_pem),
        write(dir, "dev.key", &identity.key_pem),
        write(dir, "ca.pem", &tc.ca_pem()),
    );
    let url = format!("https://127.0.0.1:{}/api/v1/session", tc.server.addr.port());
    let bearer = format!("Authorization: Bearer {}", client.token().unwrap());

    let out = run(
        "curl",
        vec![
            "-sS".into(),
            "--fail-with-body".into(),
            "--cert".into(),
            cert.clone(),
            "--key".into(),
            key.clone(),
            "--cacert".into(),
            ca.clone(),
            "-H".into(),
            bearer.clone(),
            url.clone(),
        ],
    )
    .await;
    assert!(out.status.success(), "curl: {}", String::from_utf8_lossy(&out.stderr));
    let who: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(who["hosting_number"], tc.account.hosting_number.as_str());
    assert_eq!(who["actor"], "hosting_manager");

    // Without the certificate: refused, with a code the caller can act on.
    let out = run(
        "curl",
        vec![
            "-sS".into(),
            "-w".into(),
            "\n%{http_code}".into(),
            "--cacert".into(),
            ca.clone(),
            "-H".into(),
            bearer,
            url.clone(),
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.ends_with("\n401"), "{text}");
    assert!(text.contains("\"code\":\"certificate_required\""), "{text}");

    // TLS 1.2 is not spoken at all.
    let out = run(
        "curl",
        vec![
            "-sS".into(),
            "--tlsv1.2".into(),
            "--tls-max".into(),
            "1.2".into(),
            "--cacert".into(),
            ca,
            url,
        ],
    )
    .await;
    assert!(!out.status.success(), "a TLS 1.2 handshake must fail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_sees_tls_1_3_only_and_a_client_certificate_request() {
    let tc = TestController::start().await;
    let ca = write(tc.dir.path(), "ca.pem", &tc.ca_pem());
    let connect = format!("127.0.0.1:{}", tc.server.addr.port());

    let out = run(
        "openssl",
        vec![
            "s_client".into(),
            "-connect".into(),
            connect.clone(),
            "-tls1_3".into(),
            "-CAfile".into(),
            ca.clone(),
            "-brief".into(),
        ],
    )
    .await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Protocol version: TLSv1.3"), "{text}");
    assert!(text.contains("Verification: OK"), "{text}");

    // The server asks for a client certificate and names its CA as acceptable.
    let out = run(
        "openssl",
        vec![
            "s_client".into(),
            "-connect".into(),
            connect.clone(),
            "-tls1_3".into(),
            "-CAfile".into(),
            ca,
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Acceptable client certificate CA names"), "{text}");
    assert!(text.contains("Planhost controller CA"), "{text}");

    for old in ["-tls1_2", "-tls1_1"] {
        let out = run(
            "openssl",
            vec!["s_client".into(), "-connect".into(), connect.clone(), old.into()],
        )
        .await;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success() || !text.contains("Cipher is"),
            "{old} must be refused: {text}"
        );
    }
}
