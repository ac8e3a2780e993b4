//! A real controller on 127.0.0.1 (its own data directory, real TLS, real SQLite), and helpers to talk to it.
#![allow(dead_code)]

#[path = "../support/hhyp_files.rs"]
pub mod hhyp_files;
#[path = "../support/prepared_csv.rs"]
pub mod prepared_csv;
pub mod process;

use planhost::api::{EnrolRequest, EnrolResponse, LoginRequest};
use planhost::client::{ControllerClient, Identity, Trust};
use planhost::controller::{Controller, NewAccount};
use planhost::server::{self, RunningServer};
use std::sync::Arc;

pub struct TestController {
    pub dir: tempfile::TempDir,
    pub controller: Arc<Controller>,
    pub server: RunningServer,
    pub account: NewAccount,
}

impl TestController {
    /// The same data served by a `planhost-controller serve` process a test can kill; the folder must outlive it.
    pub async fn into_process(self) -> (tempfile::TempDir, process::ControllerProcess) {
        let data = self.dir.path().join("ctl");
        let TestController {
            dir,
            controller,
            server,
            ..
        } = self;
        server.stop().await;
        drop(controller);
        (dir, process::ControllerProcess::serve(&data, "127.0.0.1:0"))
    }

    pub async fn start() -> TestController {
        Self::start_with(planhost::server::Options::default()).await
    }

    pub async fn start_with(options: planhost::server::Options) -> TestController {
        Self::start_custom(options, |_| {}).await
    }

    /// `configure` sets the controller up before it serves (as the provider would with `init`).
    pub async fn start_custom(
        options: planhost::server::Options,
        configure: impl FnOnce(&mut Controller),
    ) -> TestController {
        planhost::init_crypto();
        let dir = tempfile::tempdir().unwrap();
        let mut controller =
            Controller::init(&dir.path().join("ctl"), Some("lycee.example.fr"), Some(free_pool())).unwrap();
        configure(&mut controller);
        let account = controller.create_account(2).unwrap();
        let controller = Arc::new(controller);
        let server = server::start_with(controller.clone(), ([127, 0, 0, 1], 0).into(), options)
            .await
            .unwrap();
        TestController {
            dir,
            controller,
            server,
            account,
        }
    }

    pub fn address(&self) -> String {
        self.server.addr.to_string()
    }

    pub fn ca_pem(&self) -> String {
        self.controller.ca_pem().to_owned()
    }

    /// A client trusting this controller's CA, with or without a device identity.
    pub fn client(&self, identity: Option<&Identity>) -> ControllerClient {
        ControllerClient::new(&self.address(), &Trust::Pinned(self.ca_pem()), identity).unwrap()
    }

    pub fn enrol_request(&self, invoice: &str, password: &str) -> (String, EnrolRequest) {
        let (key_pem, csr_pem) = planhost::pki::new_device_key_and_csr().unwrap();
        let req = EnrolRequest {
            hosting_number: self.account.hosting_number.clone(),
            login: None,
            password: password.to_owned(),
            invoice_number: invoice.to_owned(),
            csr_pem,
            device_label: "test device".into(),
        };
        (key_pem, req)
    }

    /// Enrols a new device with the right credentials.
    pub async fn enrol(&self) -> (Identity, EnrolResponse) {
        let (key_pem, req) = self.enrol_request(&self.account.invoice_number, &self.account.console_password);
        let resp = self.client(None).enrol(&req).await.expect("enrolment");
        (
            Identity {
                key_pem,
                cert_pem: resp.certificate_pem.clone(),
            },
            resp,
        )
    }

    /// Hosting number, console password and invoice number, as the provider printed them.
    pub fn credentials(&self) -> (&str, &str, &str) {
        (
            &self.account.hosting_number,
            &self.account.console_password,
            &self.account.invoice_number,
        )
    }

    /// Logs `identity` in with the right password.
    pub async fn login_as(&self, identity: &Identity) -> planhost::Result<planhost::api::LoginResponse> {
        self.client(Some(identity))
            .login(&self.login_request(&self.account.console_password))
            .await
    }

    pub fn login_request(&self, password: &str) -> LoginRequest {
        LoginRequest {
            hosting_number: self.account.hosting_number.clone(),
            login: None,
            password: password.to_owned(),
        }
    }

    /// A device enrolled and logged in: a client carrying its session token.
    pub async fn session(&self) -> (Identity, ControllerClient) {
        let (identity, _) = self.enrol().await;
        let login = self
            .client(Some(&identity))
            .login(&self.login_request(&self.account.console_password))
            .await
            .unwrap();
        let client = self.client(Some(&identity)).with_token(login.token);
        (identity, client)
    }

    /// The hosting manager logged in, the licence accepted: ready for the Contrôleur pane.
    pub async fn manager(&self) -> ControllerClient {
        let (_, client) = self.session().await;
        let licence = client.licence().await.unwrap();
        client.accept_licence(licence.version).await.unwrap();
        client
    }

    /// The hosting manager of a second account on this controller, logged in, the licence accepted.
    pub async fn other_manager(&self) -> ControllerClient {
        let other = self.controller.create_account(2).unwrap();
        let client = self
            .session_for(&other.hosting_number, &other.console_password, &other.invoice_number)
            .await;
        client
            .accept_licence(planhost::controller::auth::LICENCE_VERSION)
            .await
            .unwrap();
        client
    }

    /// A device enrolled for any account of this controller with these credentials, logged in.
    pub async fn session_for(&self, hosting: &str, password: &str, invoice: &str) -> ControllerClient {
        let (key_pem, csr_pem) = planhost::pki::new_device_key_and_csr().unwrap();
        let req = EnrolRequest {
            hosting_number: hosting.to_owned(),
            login: None,
            password: password.to_owned(),
            invoice_number: invoice.to_owned(),
            csr_pem,
            device_label: "test device".into(),
        };
        let resp = self.client(None).enrol(&req).await.expect("enrolment");
        let identity = Identity {
            key_pem,
            cert_pem: resp.certificate_pem,
        };
        let login = self
            .client(Some(&identity))
            .login(&LoginRequest {
                hosting_number: hosting.to_owned(),
                login: None,
                password: password.to_owned(),
            })
            .await
            .unwrap();
        self.client(Some(&identity)).with_token(login.token)
    }

    /// An administrator's own device, enrolled with its login, its password and the account's invoice number.
    pub async fn admin_device(&self, login: &str, password: &str) -> planhost::Result<Identity> {
        let (key_pem, csr_pem) = planhost::pki::new_device_key_and_csr().unwrap();
        let req = EnrolRequest {
            hosting_number: self.account.hosting_number.clone(),
            login: Some(login.to_owned()),
            password: password.to_owned(),
            invoice_number: self.account.invoice_number.clone(),
            csr_pem,
            device_label: format!("{login}'s laptop"),
        };
        let resp = self.client(None).enrol(&req).await?;
        Ok(Identity {
            key_pem,
            cert_pem: resp.certificate_pem,
        })
    }

    /// An administrator logged in from `device`: the client carrying its session, and the login's answer.
    pub async fn admin_login(
        &self,
        device: &Identity,
        login: &str,
        password: &str,
    ) -> planhost::Result<(ControllerClient, planhost::api::LoginResponse)> {
        let resp = self
            .client(Some(device))
            .login(&LoginRequest {
                hosting_number: self.account.hosting_number.clone(),
                login: Some(login.to_owned()),
                password: password.to_owned(),
            })
            .await?;
        Ok((self.client(Some(device)).with_token(resp.token.clone()), resp))
    }

    /// An administrator with a given password: enrolled, logged in, its own password chosen (`chosen`).
    pub async fn administrator(&self, login: &str, given: &str, chosen: &str) -> (Identity, ControllerClient) {
        let device = self.admin_device(login, given).await.expect("administrator enrolment");
        let (client, resp) = self
            .admin_login(&device, login, given)
            .await
            .expect("administrator login");
        if resp.must_change_password {
            client
                .change_own_password(&planhost::api::PasswordChange {
                    current: given.to_owned(),
                    password: chosen.to_owned(),
                    confirmation: chosen.to_owned(),
                })
                .await
                .expect("password change");
        }
        (device, client)
    }

    /// The controller's SQLite file, opened as any other tool would.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("ctl/controller.sqlite3")).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// 20 ports starting at one the system just handed out: free for this test with high probability.
pub fn free_pool() -> (u16, u16) {
    let first = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .min(65000);
    (first, first + 19)
}

/// A password of the right shape that is not the account's.
pub fn wrong_password(right: &str) -> String {
    if right == "WrongPassword1" {
        "WrongPassword2".into()
    } else {
        "WrongPassword1".into()
    }
}

pub fn wrong_invoice(right: &str) -> String {
    if right == "1111111111" {
        "2222222222".into()
    } else {
        "1111111111".into()
    }
}

/// A new administrator with an e-mail and console access (`scope` absent: what its status allows).
pub fn new_admin(
    login: &str,
    status: planhost::api::UserStatus,
    scope: Option<planhost::api::ConsoleScope>,
) -> planhost::api::UserChange {
    planhost::api::UserChange::Add(planhost::api::NewUser {
        login: login.into(),
        first_name: "Anne".into(),
        last_name: login.into(),
        email: Some(format!("{login}@lycee-hugo.fr")),
        status,
        console_access: true,
        scope,
    })
}

/// The account's first superadministrator `super1` with the password it chose, then given an e-mail and console
/// access (every pane, every planning) by the hosting manager `m`.
pub async fn superadministrator(m: &ControllerClient, password: &str) -> planhost::api::User {
    use planhost::api::{FirstSuperadministrator, UserChange, UserChanges};
    let first = UserChange::FirstSuperadministrator(FirstSuperadministrator {
        login: "super1".into(),
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        password: password.into(),
        confirmation: password.into(),
    });
    let id = m.change_users(&first).await.unwrap().user.unwrap().id;
    let access = UserChange::Change {
        id,
        changes: UserChanges {
            email: Some("claire@lycee-hugo.fr".into()),
            console_access: Some(true),
            ..UserChanges::default()
        },
    };
    m.change_users(&access).await.unwrap().user.unwrap()
}

/// Sends 40 wrong guesses at once; every answer is a refusal or a lock-out. Returns how many were checked.
pub async fn forty_parallel_guesses<F, Fut>(tc: &Arc<TestController>, guess: F) -> usize
where
    F: Fn(Arc<TestController>) -> Fut,
    Fut: std::future::Future<Output = planhost::ErrorCode> + Send + 'static,
{
    let guesses: Vec<_> = (0..40).map(|_| tokio::spawn(guess(tc.clone()))).collect();
    let mut checked = 0;
    for g in guesses {
        match g.await.unwrap() {
            planhost::ErrorCode::BadCredentials => checked += 1,
            other => assert_eq!(other, planhost::ErrorCode::TooManyAttempts),
        }
    }
    checked
}
