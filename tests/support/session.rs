//! A device enrolled on a controller process and its hosting manager logged in, the licence accepted: where the
//! benchmarks start from.
#![allow(dead_code)]

use planhost::api::{EnrolRequest, LoginRequest};
use planhost::client::{ControllerClient, Identity, Trust};

pub struct Manager {
    pub client: ControllerClient,
    pub identity: Identity,
    pub token: String,
    pub ca_pem: String,
}

/// Enrols a device for `account` (as `planhost-controller account create --json` printed it) and logs in.
pub async fn manager(address: &str, ca_pem: &str, account: &serde_json::Value) -> Manager {
    let text = |k: &str| account[k].as_str().unwrap().to_owned();
    let (key_pem, csr_pem) = planhost::pki::new_device_key_and_csr().unwrap();
    let enrolled = ControllerClient::new(address, &Trust::Pinned(ca_pem.to_owned()), None)
        .unwrap()
        .enrol(&EnrolRequest {
            hosting_number: text("hosting_number"),
            login: None,
            password: text("console_password"),
            invoice_number: text("invoice_number"),
            csr_pem,
            device_label: "bench".into(),
        })
        .await
        .unwrap();
    let identity = Identity {
        key_pem,
        cert_pem: enrolled.certificate_pem,
    };
    let client = ControllerClient::new(address, &Trust::Pinned(ca_pem.to_owned()), Some(&identity)).unwrap();
    let token = client
        .login(&LoginRequest {
            hosting_number: text("hosting_number"),
            login: None,
            password: text("console_password"),
        })
        .await
        .unwrap()
        .token;
    let client = client.with_token(token.clone());
    let licence = client.licence().await.unwrap();
    client.accept_licence(licence.version).await.unwrap();
    Manager {
        client,
        identity,
        token,
        ca_pem: ca_pem.to_owned(),
    }
}
