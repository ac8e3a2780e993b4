//! The `planhost` command line against a real controller: connect, enroll, login with the password on stdin,
//! whoami/info in JSON, logout; and clear errors with a non-zero exit. Needs a Secret Service: run scripts/test.

mod common;

use common::{wrong_invoice, TestController};
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `planhost` with its own settings directory, feeding `stdin`, off the runtime's threads.
async fn planhost(config: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    planhost_in("en_GB.UTF-8", config, args, stdin).await
}

/// The same, under the given `LANG`.
async fn planhost_in(lang: &str, config: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let (lang, config, args, stdin) = (
        lang.to_owned(),
        config.to_owned(),
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        stdin.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_planhost"))
            .args(&args)
            .env("PLANHOST_CONFIG_DIR", &config)
            .env("LANG", &lang)
            .env_remove("LC_ALL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn the_command_line_enrols_logs_in_and_reports_errors_clearly() {
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let pw_line = format!("{password}\n");

    let out = planhost(cfg.path(), &["whoami"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error[not_connected]: Not logged in"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = planhost(cfg.path(), &["connect", "not an address"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[invalid_input]"));
    assert!(planhost(cfg.path(), &["connect", &tc.address()], "")
        .await
        .status
        .success());

    let out = planhost(cfg.path(), &["--json", "login", "--hosting-number", hosting], &pw_line).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["code"], "enrolment_required");

    let out = planhost(
        cfg.path(),
        &["--json", "enroll", "--hosting-number", hosting],
        &format!("{password}\n{}\n", wrong_invoice(invoice)),
    )
    .await;
    assert_eq!(json(&out)["code"], "bad_credentials");
    let out = planhost(
        cfg.path(),
        &["--json", "enroll", "--hosting-number", hosting],
        &format!("{password}\n{invoice}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let device_id = json(&out)["device_id"].as_str().unwrap().to_owned();

    let out = planhost(cfg.path(), &["--json", "login", "--hosting-number", hosting], &pw_line).await;
    assert!(out.status.success());
    assert_eq!(json(&out)["licence_accepted"], false);
    assert_eq!(
        json(&planhost(cfg.path(), &["--json", "info"], "").await)["code"],
        "licence_not_accepted"
    );
    assert!(planhost(cfg.path(), &["licence", "--accept"], "")
        .await
        .status
        .success());

    let who = json(&planhost(cfg.path(), &["--json", "whoami"], "").await);
    assert_eq!(who["hosting_number"], hosting);
    assert_eq!(who["device_id"], device_id.as_str());
    let info = planhost(cfg.path(), &["info"], "").await;
    assert!(String::from_utf8_lossy(&info.stdout).contains(&device_id));

    assert!(planhost(cfg.path(), &["logout"], "").await.status.success());
    assert_eq!(planhost(cfg.path(), &["whoami"], "").await.status.code(), Some(1));
    // Logging in again needs no invoice number; the last hosting number is remembered.
    assert!(planhost(cfg.path(), &["login"], &pw_line).await.status.success());
    assert_eq!(tc.count("SELECT count(*) FROM devices"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn the_command_line_configures_the_controller_and_the_plannings() {
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let pw_line = format!("{password}\n");
    let run = |args: Vec<&'static str>| {
        let (cfg, pw_line) = (cfg.path().to_owned(), pw_line.clone());
        async move { planhost(&cfg, &args, &pw_line).await }
    };
    assert!(planhost(cfg.path(), &["connect", &tc.address()], "")
        .await
        .status
        .success());
    assert!(planhost(
        cfg.path(),
        &["enroll", "--hosting-number", hosting],
        &format!("{password}\n{invoice}\n")
    )
    .await
    .status
    .success());
    assert!(planhost(cfg.path(), &["login", "--hosting-number", hosting], &pw_line)
        .await
        .status
        .success());
    assert!(run(vec!["licence", "--accept"]).await.status.success());

    // Without a terminal, a confirmation must be given with --yes; nothing changes otherwise.
    let out = run(vec!["config", "set-domain", "lycee.example.fr"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--yes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json(&run(vec!["--json", "config", "show"]).await)["controller"]["coordinates"].is_null());

    let out = run(vec!["--json", "config", "set-domain", "bad_domain.fr", "--yes"]).await;
    assert_eq!(json(&out)["code"], "invalid_input");
    let shown = json(&run(vec!["--json", "config", "set-domain", "Lycee.Example.FR", "--yes"]).await);
    assert_eq!(shown["controller"]["coordinates"]["domain"], "lycee.example.fr");
    assert!(run(vec!["config", "activate"]).await.status.success());

    assert!(run(vec!["plannings", "add", "Annexe"]).await.status.success());
    let out = run(vec!["plannings", "add"]).await;
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("allows 2 plannings"),
        "quota: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = run(vec![
        "--json",
        "plannings",
        "set",
        "annexe",
        "--time-zone",
        "America/Martinique",
        "--publication",
        "off",
    ])
    .await;
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stdout));
    let out = run(vec![
        "plannings",
        "seats",
        "Annexe",
        "--modification",
        "99",
        "--consultation",
        "1",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "over the licence");
    assert!(run(vec![
        "plannings",
        "seats",
        "Annexe",
        "--modification",
        "3",
        "--consultation",
        "20"
    ])
    .await
    .status
    .success());

    let list = json(&run(vec!["--json", "plannings", "list"]).await);
    let annexe = list["plannings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Annexe")
        .unwrap()
        .clone();
    assert_eq!(annexe["time_zone"], "America/Martinique");
    assert_eq!(annexe["web_publication"], false);
    assert_eq!(annexe["status"], "no_base");
    assert_eq!(list["seats"]["left"]["modification"], 7);
    let text = String::from_utf8_lossy(&run(vec!["plannings", "list"]).await.stdout).into_owned();
    assert!(
        text.contains("lycee.example.fr") && text.contains("Annexe") && text.contains("no base"),
        "{text}"
    );

    // One language per run, chosen from LANG for results and errors alike.
    let french = planhost_in("fr_FR.UTF-8", cfg.path(), &["plannings", "list"], "").await;
    let text = String::from_utf8_lossy(&french.stdout).into_owned();
    assert!(text.contains("Plannings (2 sur 2) :"), "{text}");
    assert!(
        text.contains("pas de base") && text.contains("Connexions restantes"),
        "{text}"
    );
    assert!(
        !text.contains("no base") && !text.contains("Connections left"),
        "{text}"
    );
    let refused = planhost_in("fr_FR.UTF-8", cfg.path(), &["plannings", "add"], "").await;
    let error = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(error.contains("Ce compte permet 2 plannings"), "{error}");
    let refused = planhost_in("en_GB.UTF-8", cfg.path(), &["plannings", "add"], "").await;
    let error = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(error.contains("allows 2 plannings"), "{error}");

    assert_eq!(
        run(vec!["plannings", "remove", "Annexe"]).await.status.code(),
        Some(1),
        "removal needs --yes"
    );
    assert!(run(vec!["plannings", "remove", "Annexe", "--yes"])
        .await
        .status
        .success());
    assert_eq!(tc.count("SELECT count(*) FROM plannings"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn the_command_line_manages_users() {
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let pw_line = format!("{password}\n");
    for (args, stdin) in [
        (vec!["connect", &tc.address()], String::new()),
        (
            vec!["enroll", "--hosting-number", hosting],
            format!("{password}\n{invoice}\n"),
        ),
        (vec!["login", "--hosting-number", hosting], pw_line.clone()),
        (vec!["licence", "--accept"], String::new()),
    ] {
        let out = planhost(cfg.path(), &args, &stdin).await;
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let superadmin = [
        "users",
        "superadmin",
        "--login",
        "cmartin",
        "--first-name",
        "Claire",
        "--last-name",
        "Martin",
    ];
    // Two different passwords: refused in French under a French LANG, nothing created.
    let out = planhost_in(
        "fr_FR.UTF-8",
        cfg.path(),
        &superadmin,
        "correct horse battery\ncorrect horse batery\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Les deux mots de passe sont différents"), "{stderr}");
    assert_eq!(tc.count("SELECT count(*) FROM users"), 0);
    let out = planhost(
        cfg.path(),
        &superadmin,
        "correct horse battery\ncorrect horse battery\n",
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = planhost(
        cfg.path(),
        &[
            "--json",
            "users",
            "add",
            "--login",
            "jdupont",
            "--first-name",
            "Jean",
            "--last-name",
            "Dupont",
        ],
        "",
    )
    .await;
    let added = json(&out);
    let generated = added["password"].as_str().unwrap().to_owned();
    assert_eq!(generated.len(), 16);
    assert_eq!(added["user"]["status"], "user");

    // Delete asks for --yes without a terminal; then the last superadministrator is kept.
    let out = planhost(cfg.path(), &["users", "delete", "cmartin"], "").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    let out = planhost(cfg.path(), &["users", "delete", "CMARTIN", "--yes"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[conflict]: This is the last superadministrator"));

    let out = planhost(cfg.path(), &["users", "reset-password", "jdupont", "--yes"], "").await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Password (shown once):") && !text.contains(&generated),
        "{text}"
    );

    let listed = json(
        &planhost(
            cfg.path(),
            &["--json", "users", "list", "--sort", "login", "--descending"],
            "",
        )
        .await,
    );
    let logins: Vec<&str> = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["jdupont", "cmartin"]);
    let out = planhost(cfg.path(), &["users", "list", "--page", "0"], "").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("numbered from 1"));
    let out = planhost(cfg.path(), &["users", "disable", "nobody", "--yes"], "").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[not_found]"));

    // Profiles and assignment, by names: the planning, the profile, the logins.
    let out = planhost(
        cfg.path(),
        &[
            "assign",
            "--planning",
            "planning01",
            "--profile",
            "administration",
            "cmartin",
            "jdupont",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "jdupont is a user");
    assert!(String::from_utf8_lossy(&out.stderr).contains("only administrators"));
    assert_eq!(tc.count("SELECT count(*) FROM assignments"), 0, "all or nothing");
    let out = planhost(
        cfg.path(),
        &[
            "assign",
            "--planning",
            "planning01",
            "--profile",
            "Administration",
            "cmartin",
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let create = |authorisations: &'static str| {
        let dir = cfg.path().to_owned();
        async move {
            let args = [
                "profiles",
                "create",
                "--planning",
                "planning01",
                "--profile",
                "Vie scolaire",
                "--kind",
                "consultation",
                "--authorisations",
                authorisations,
            ];
            planhost(&dir, &args, "").await
        }
    };
    let out = create("view_timetables,edit_courses").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a modification profile"));
    let out = create("view_timetables,flying").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("'flying' is not an authorisation"));
    assert_eq!(tc.count("SELECT count(*) FROM profiles WHERE name = 'Vie scolaire'"), 0);
    let out = create("view_timetables,print_and_export").await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    planhost(
        cfg.path(),
        &[
            "assign",
            "--planning",
            "planning01",
            "--profile",
            "vie scolaire",
            "jdupont",
        ],
        "",
    )
    .await;
    let listed = json(
        &planhost(
            cfg.path(),
            &["--json", "profiles", "list", "--planning", "planning01"],
            "",
        )
        .await,
    );
    let summary: Vec<(String, u64)> = listed["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["assigned"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("Administration".to_owned(), 1),
            ("Modification".to_owned(), 0),
            ("Consultation".to_owned(), 0),
            ("Vie scolaire".to_owned(), 1)
        ]
    );
    let out = planhost(
        cfg.path(),
        &[
            "profiles",
            "users",
            "--planning",
            "planning01",
            "--profile",
            "Administration",
        ],
        "",
    )
    .await;
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("cmartin"));
    let out = planhost(
        cfg.path(),
        &[
            "assign",
            "--remove",
            "--planning",
            "planning01",
            "--profile",
            "Vie scolaire",
            "jdupont",
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = planhost(
        cfg.path(),
        &[
            "profiles",
            "delete",
            "--planning",
            "planning01",
            "--profile",
            "Vie scolaire",
            "--yes",
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(tc.count("SELECT count(*) FROM profiles"), 3);

    // .profils: exported owner-only, changed, previewed (nothing written), then applied; a wrong file exits 1.
    let export = cfg.path().join("compte.profils");
    let out = planhost(cfg.path(), &["profils", "export", export.to_str().unwrap()], "").await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&export).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let mut file = planhost::profils::ProfilsFile::read(&std::fs::read(&export).unwrap()).unwrap();
    file.users.push(planhost::profils::ProfilsUser {
        login: "lnoel".into(),
        first_name: "Léa".into(),
        last_name: "Noël".into(),
        email: None,
        status: "user".into(),
        password_hash: None,
    });
    file.plannings[0]
        .assignments
        .push(planhost::profils::ProfilsAssignment {
            login: "lnoel".into(),
            profile: "Consultation".into(),
        });
    std::fs::write(&export, file.to_bytes()).unwrap();
    let path = export.to_str().unwrap();
    let out = planhost_in("fr_FR.UTF-8", cfg.path(), &["profils", "import", path, "--check"], "").await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("utilisateur lnoel créé"), "{text}");
    assert!(text.contains("Aperçu : rien n'est encore appliqué"), "{text}");
    assert_eq!(tc.count("SELECT count(*) FROM users WHERE login = 'lnoel'"), 0);
    let passwords = cfg.path().join("mdp.csv");
    let out = planhost(
        cfg.path(),
        &[
            "--json",
            "profils",
            "import",
            path,
            "--passwords",
            passwords.to_str().unwrap(),
        ],
        "",
    )
    .await;
    let report = json(&out);
    assert_eq!(report["applied"], true, "{report}");
    assert_eq!(report["assignments"]["created"], 1);
    assert_eq!(
        report["passwords"].as_array().unwrap().len(),
        0,
        "written to the file, not printed"
    );
    assert!(std::fs::read_to_string(&passwords).unwrap().contains("lnoel;"));
    std::fs::write(&export, b"{\"format\": \"planhost.profils\", \"version\": 7}").unwrap();
    let out = planhost(cfg.path(), &["profils", "import", path], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("version 7"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn the_command_line_creates_lists_and_restores_bases() {
    let tc = TestController::start().await;
    let cfg = tempfile::tempdir().unwrap();
    let (hosting, password, invoice) = tc.credentials();
    let pw_line = format!("{password}\n");
    assert!(planhost(cfg.path(), &["connect", &tc.address()], "")
        .await
        .status
        .success());
    let enrol = planhost(
        cfg.path(),
        &["enroll", "--hosting-number", hosting],
        &format!("{password}\n{invoice}\n"),
    )
    .await;
    assert!(enrol.status.success());
    assert!(planhost(cfg.path(), &["login", "--hosting-number", hosting], &pw_line)
        .await
        .status
        .success());
    assert!(planhost(cfg.path(), &["licence", "--accept"], "")
        .await
        .status
        .success());
    let create = |name: &'static str, monday: &'static str| {
        let cfg = cfg.path().to_owned();
        async move {
            let args = [
                "--json",
                "bases",
                "create",
                "--planning",
                "planning01",
                "--name",
                name,
                "--first-monday",
                monday,
                "--last-sunday",
                "2027-07-04",
                "--sequences",
                "10",
                "--minutes",
                "50",
                "--steps",
                "2",
            ];
            planhost(&cfg, &args, "").await
        }
    };
    // A Tuesday: refused in French beside its reason, exit 1, nothing created.
    let cfg_path = cfg.path().to_owned();
    let refused = planhost_in(
        "fr_FR.UTF-8",
        &cfg_path,
        &[
            "bases",
            "create",
            "--planning",
            "planning01",
            "--name",
            "Lycée",
            "--first-monday",
            "2026-09-01",
            "--last-sunday",
            "2027-07-04",
        ],
        "",
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("n'est pas un lundi"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(tc.count("SELECT count(*) FROM base_files"), 0);

    let first = create("Lycée 2026", "2026-08-31").await;
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first = json(&first);
    assert_eq!(first["in_service"]["name"], "Lycée 2026");
    assert_eq!(first["in_service"]["weeks"], 44);
    let second = json(&create("Essai", "2027-06-28").await);
    assert_eq!(second["in_service"]["weeks"], 1);
    let earlier = second["others"][0]["id"].as_i64().unwrap().to_string();
    let listed = planhost_in(
        "fr_FR.UTF-8",
        &cfg_path,
        &["bases", "list", "--planning", "planning01"],
        "",
    )
    .await;
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("En service : #") && text.contains("Essai") && text.contains("Autres bases"),
        "{text}"
    );
    let restored = json(
        &planhost(
            &cfg_path,
            &["--json", "bases", "restore", "--planning", "planning01", &earlier],
            "",
        )
        .await,
    );
    assert_eq!(restored["in_service"]["name"], "Lycée 2026");
}
