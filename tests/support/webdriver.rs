//! Processes shared by the end-to-end tests and the benchmarks: a `planhost-controller` process, tauri-driver
//! (which starts WebKitWebDriver), and the app launched by a WebDriver session.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Killed(pub Child);
impl Drop for Killed {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too.
        terminate(self.0.id());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
    }
}

fn terminate(pid: u32) {
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("PLANHOST_APP") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/<test>-… → target/<profile>/planhost-console
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().join("planhost-console")
}

pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `planhost-controller` process with one account; returns it, its address and the account.
pub fn start_controller(data: &Path) -> (Killed, String, serde_json::Value) {
    start_controller_on(data, "127.0.0.1:0")
}

/// The same, listening on a given address.
pub fn start_controller_on(data: &Path, listen: &str) -> (Killed, String, serde_json::Value) {
    let bin = env!("CARGO_BIN_EXE_planhost-controller");
    let dir = data.to_str().unwrap();
    assert!(Command::new(bin)
        .args(["init", "--data", dir, "--domain", "lycee-e2e.example.fr"])
        .status()
        .unwrap()
        .success());
    let out = Command::new(bin)
        .args(["--json", "account", "create", "--data", dir])
        .output()
        .unwrap();
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut child = Command::new(bin)
        .args(["serve", "--data", dir, "--listen", listen])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|s| s.split_whitespace().next())
        .expect(&line)
        .to_owned();
    (Killed(child), address, account)
}

pub struct Driver {
    _process: Killed,
    pub url: String,
}

pub fn start_driver(config: &Path, data: &Path) -> Driver {
    let (port, native) = (free_port(), free_port());
    let child = Command::new("tauri-driver")
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("PLANHOST_CONFIG_DIR", config)
        .env("PLANHOST_DATA_DIR", data)
        .env("PLANHOST_DOWNLOAD_DIR", data.join("downloads"))
        // The native file dialog cannot be driven by WebDriver: the app picks this file instead.
        .env("PLANHOST_TEST_PICK_FILE", data.join("pick.HHYP"))
        // The other dialogs answer, in turn, the lines of this file (`ui::picks` writes them).
        .env("PLANHOST_TEST_PICKS", data.join("picks.txt"))
        .stdout(Stdio::null())
        .spawn()
        .expect("tauri-driver (cargo install tauri-driver)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver {
        _process: Killed(child),
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// Launches the app: a new WebDriver session starts it, closing the session closes it.
/// (WebKitWebDriver cannot read the text of a `<section>`: tests read headings and fields instead.)
pub async fn launch(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app_binary() }),
    );
    // tauri-driver sometimes drops the very first "new session" while WebKitWebDriver starts (seen once in ~20
    // runs): that is the harness, not the app, so it is tried again, at most three times.
    let mut last = None;
    for _ in 0..3 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => return client,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("WebDriver session: {last:?}")
}

/// Raises the account's licence to 40 plannings (20 Modification, 200 Consultation seats) with the provider's command,
/// then adds plannings 2 to 40 named by `name` through the core the app uses (the session is in the keyring).
pub async fn forty_plannings(controller_dir: &Path, hosting: &str, config: &Path, name: impl Fn(usize) -> String) {
    let licence = Command::new(env!("CARGO_BIN_EXE_planhost-controller"))
        .args(["account", "set-licence", "--data"])
        .arg(controller_dir)
        .args([
            hosting,
            "--plannings",
            "40",
            "--modification",
            "20",
            "--consultation",
            "200",
        ])
        .status()
        .unwrap();
    assert!(licence.success());
    let console = planhost::console::Console::open(config).unwrap();
    for i in 2..=40 {
        console
            .apply(&planhost::api::ConfigChange::AddPlanning { name: Some(name(i)) })
            .await
            .unwrap();
    }
}
