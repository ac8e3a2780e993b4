//! The app window as a person uses it (wait, click, type, read, screenshots) and the machine set-ups the end-to-end
//! tests share: a controller process and this machine enrolled through the command line.

#![allow(dead_code)] // each test binary uses its own subset of these helpers
use crate::webdriver::{self, start_controller};
use fantoccini::{Client, Locator};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Ui<'a> {
    pub c: &'a Client,
    pub shots: PathBuf,
}

impl Ui<'_> {
    pub async fn wait(&self, id: &str) -> fantoccini::elements::Element {
        // A list re-drawn while it is searched can answer "stale element": look again.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self
                .c
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Id(id))
                .await
            {
                Ok(e) => return e,
                Err(e) if e.to_string().contains("Stale") && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => {
                    // What the window showed instead, for whoever reads the failure (bounded: a busy window may
                    // not answer).
                    let limit = Duration::from_secs(5);
                    if let Ok(Ok(png)) = tokio::time::timeout(limit, self.c.screenshot()).await {
                        let _ = std::fs::write(self.shots.join(format!("failure-{id}.png")), png);
                    } else {
                        // The page does not answer: take the whole (virtual) screen instead.
                        let file = self.shots.join(format!("failure-{id}-screen.png"));
                        let _ = std::process::Command::new("import")
                            .args(["-window", "root"])
                            .arg(&file)
                            .status();
                    }
                    let script = "return document.body.innerText";
                    let text = match tokio::time::timeout(limit, self.c.execute(script, vec![])).await {
                        Ok(Ok(v)) => v.as_str().unwrap_or_default().to_owned(),
                        _ => "(no answer)".to_owned(),
                    };
                    panic!("#{id} never appeared: {e}\nThe window showed:\n{text}")
                }
            }
        }
    }
    /// Finds the element afresh for each try: WebKitWebDriver can lose a reference while the page settles.
    pub async fn act(&self, id: &str, what: &str, text: Option<&str>) {
        let mut last = None;
        for _ in 0..5 {
            let e = self.wait(id).await;
            let result = match text {
                None => e.click().await,
                Some(t) => match e.clear().await {
                    // A cleared field fires no input event: type a space and erase it, as a person would.
                    Ok(()) if t.is_empty() => e.send_keys(" \u{E003}").await,
                    Ok(()) => e.send_keys(t).await,
                    Err(err) => Err(err),
                },
            };
            match result {
                Ok(()) => return,
                Err(err) => last = Some(err),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{what} #{id} failed: {last:?}");
    }
    /// Clicks once the element is enabled, as a person would (buttons are disabled while a change is under way).
    pub async fn click(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.wait(id).await.prop("disabled").await.ok().flatten().as_deref() == Some("true") {
            assert!(Instant::now() < deadline, "#{id} stayed disabled");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.act(id, "click on", None).await
    }
    pub async fn type_in(&self, id: &str, text: &str) {
        self.act(id, "typing into", Some(text)).await
    }
    pub async fn text(&self, id: &str) -> String {
        // The element found may be re-drawn before its text is read: find it again.
        for _ in 0..20 {
            match self.wait(id).await.text().await {
                Ok(text) => return text,
                Err(e) if e.to_string().contains("Stale") || e.to_string().contains("not found") => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => panic!("#{id}: {e}"),
            }
        }
        panic!("#{id} kept being re-drawn")
    }
    pub async fn value(&self, id: &str) -> String {
        self.wait(id).await.prop("value").await.unwrap().unwrap_or_default()
    }
    /// Waits until the element's text contains `needle` (the UI updates asynchronously).
    pub async fn text_contains(&self, id: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text(id).await;
            if text.contains(needle) || Instant::now() > deadline {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    /// Waits until the element is gone (a form closed after its change was saved).
    pub async fn wait_gone(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.exists(id).await {
            assert!(Instant::now() < deadline, "#{id} stayed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    /// Logs in from the first screen with the prefilled controller and hosting number; the console opens.
    pub async fn log_in(&self, password: &str) {
        self.wait("login-screen").await;
        self.type_in("password", password).await;
        self.click("login-submit").await;
        self.wait("shell").await;
    }

    /// The same screen at 800×600 and at 1280×860, in French and in English (`NAME-fr-1280x860.png`…), scrolled to
    /// `place` when given; the language is put back afterwards.
    pub async fn shots(&self, name: &str, place: Option<&str>) {
        let was = self.value("lang-switch").await;
        for language in ["fr", "en"] {
            self.wait("lang-switch").await.select_by_value(language).await.unwrap();
            for (width, height) in [(800, 600), (1280, 860)] {
                self.c.set_window_size(width, height).await.unwrap();
                if let Some(id) = place {
                    let script = "document.getElementById(arguments[0]).scrollIntoView({block: 'start'})";
                    self.c.execute(script, vec![id.into()]).await.unwrap();
                }
                self.shot(&format!("{name}-{language}-{width}x{height}")).await;
            }
        }
        self.wait("lang-switch").await.select_by_value(&was).await.unwrap();
    }

    /// Whether the element is inside the window's visible area.
    pub async fn in_view(&self, id: &str) -> bool {
        let script = "const r = document.getElementById(arguments[0]).getBoundingClientRect(); \
                      return r.top >= 0 && r.bottom <= window.innerHeight;";
        self.c.execute(script, vec![id.into()]).await.unwrap() == serde_json::Value::Bool(true)
    }

    pub async fn exists(&self, id: &str) -> bool {
        self.c.find(Locator::Id(id)).await.is_ok()
    }

    pub async fn shot(&self, name: &str) {
        // Two animation frames, so the screenshot shows the current frame and not the previous one.
        // A window covered by another test's window gets no animation frames: then wait no longer than a second.
        let script = "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        let _ = tokio::time::timeout(Duration::from_secs(1), self.c.execute_async(script, vec![])).await;
        // WebKitWebDriver takes its screenshot after the next drawing: without GPU compositing (the console's choice
        // on machines with no GPU, as here) a still page never draws again. A transparent pixel that changes for a
        // second gives it that drawing without changing the picture.
        let nudge = "let n = 0; const dot = document.createElement('div'); \
                     dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none'; \
                     document.body.append(dot); \
                     const t = setInterval(() => { dot.style.background = `rgba(0,0,0,${(n++ % 2) / 1000})`; \
                       if (n > 20) { clearInterval(t); dot.remove(); } }, 50);";
        self.c.execute(nudge, vec![]).await.unwrap();
        let png = tokio::time::timeout(Duration::from_secs(20), self.c.screenshot())
            .await
            .unwrap_or_else(|_| panic!("screenshot {name} took more than 20 s"))
            .unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

/// Runs the `planhost` command line on the app's settings, the password on stdin.
pub fn planhost_cli(config: &Path, args: &[&str], password: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_planhost"))
        .args(args)
        .env("PLANHOST_CONFIG_DIR", config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    assert!(child.wait().unwrap().success(), "planhost {args:?}");
}

/// A `planhost-controller` process (data in `tmp/controller`) and this machine's console settings (`tmp/config`),
/// enrolled with the command line, which shares the app's core, keyring and settings. With `accept_licence`, the
/// command line has also logged in once and accepted the licence.
pub fn enrolled_machine(tmp: &Path, accept_licence: bool) -> (webdriver::Killed, String, serde_json::Value, PathBuf) {
    let config = tmp.join("config");
    let (controller, address, account) = start_controller(&tmp.join("controller"));
    let field = |name: &str| account[name].as_str().unwrap().to_owned();
    let (hosting, password) = (field("hosting_number"), field("console_password"));
    let cli = |args: &[&str]| planhost_cli(&config, args, &password);
    cli(&["connect", &address]);
    let password_then_invoice = format!("{password}\n{}", field("invoice_number"));
    planhost_cli(
        &config,
        &["enroll", "--hosting-number", &hosting],
        &password_then_invoice,
    );
    if accept_licence {
        cli(&["login", "--hosting-number", &hosting]);
        cli(&["licence", "--accept"]);
    }
    (controller, address, account, config)
}

pub fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}
