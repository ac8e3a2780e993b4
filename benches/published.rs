//! A planning server under load (issue 8 §7), side by side in one run with nginx serving the same bytes as static
//! files: 200 keep-alive clients over TLS 1.3 on 127.0.0.1, driven by `oha`.
//! - planhost: a `planhost-controller serve` process; a school's base uploaded as a `.HHYP` and put in service; its
//!   planning server answers `GET /{publication name}` (the published page of the first week, web publication on) and
//!   `GET /api/v1/timetable` (`?week=1`: one week; without: the year) with a user's session token (checked on every
//!   request, as are the user's access and the base in service);
//! - nginx (Debian package): the same bodies as static files at the same paths, no client certificate (a planning
//!   server asks none), no token check.
//!
//! Rounds alternate planhost / nginx; medians of the rounds, with the ratio planhost ÷ nginx.
//! Run: `scripts/bench` (or `cargo bench --bench published`; PLANHOST_BENCH_ROUNDS, PLANHOST_BENCH_SECS,
//! PLANHOST_BENCH_CONNS, PLANHOST_BENCH_GROUPS).

#[path = "../tests/support/hhyp_files.rs"]
mod hhyp_files;
#[path = "support/nginx.rs"]
mod nginx;
#[path = "support/oha.rs"]
mod oha;
#[path = "../tests/support/session.rs"]
mod session;
#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use oha::{median, oha, Load};
use planhost::api::{
    ConfigChange, NewUser, PlanningChanges, ProfileChange, SeatAllocation, Seats, UserChange, UserStatus,
};
use planhost::tasks::Tasks;

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

const PUBLICATION: &str = "Lycee-Hugo";

fn main() {
    planhost::init_crypto();
    let rounds = env_or("PLANHOST_BENCH_ROUNDS", 3);
    let secs = env_or("PLANHOST_BENCH_SECS", 5);
    let connections = env_or("PLANHOST_BENCH_CONNS", 200);
    let groups = env_or("PLANHOST_BENCH_GROUPS", 8);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("ctl");
    let (_controller, address, account) = webdriver::start_controller(&data);
    let ca_pem = std::fs::read_to_string(data.join("ca.pem")).unwrap();
    std::fs::write(tmp.path().join("ca.pem"), &ca_pem).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let m = rt.block_on(session::manager(&address, &ca_pem, &account));
    let hosting = planhost::ids::HostingNumber::parse(account["hosting_number"].as_str().unwrap()).unwrap();

    // planning01 published under a name, with a domain (its port), seats, and a school's base in service.
    let id = rt.block_on(m.client.configuration()).unwrap().plannings[0].id;
    let changes = [
        ConfigChange::planning_domain(id, "edt.lycee-hugo.fr"),
        ConfigChange::ChangePlanning {
            id,
            changes: PlanningChanges {
                web_publication: Some(true),
                publication_name: Some(PUBLICATION.into()),
                ..Default::default()
            },
        },
        ConfigChange::Seats {
            allocations: vec![SeatAllocation {
                planning_id: id,
                seats: Seats {
                    modification: 1,
                    consultation: 1,
                },
            }],
        },
    ];
    for change in &changes {
        rt.block_on(m.client.apply(change)).unwrap();
    }
    let file = hhyp_files::school_hhyp(tmp.path(), hosting.as_str(), "Lycée Hugo 2026", groups.into(), 44);
    rt.block_on(Tasks::default().run(
        "bench",
        |_| {},
        planhost::console::transfer::upload(&m.client, &hosting, id, &file),
    ))
    .unwrap();
    let port = rt.block_on(m.client.configuration()).unwrap().plannings[0]
        .coordinates
        .clone()
        .unwrap()
        .port;

    // A reader with the Consultation profile, logged in on the planning server.
    let added = rt
        .block_on(m.client.change_users(&UserChange::Add(NewUser {
            login: "eleve1".into(),
            first_name: "Zoé".into(),
            last_name: "Martin".into(),
            email: None,
            status: UserStatus::User,
            console_access: false,
            scope: None,
        })))
        .unwrap();
    let profiles = rt.block_on(m.client.profiles(id)).unwrap();
    let consultation = profiles.profiles.iter().find(|p| p.name == "Consultation").unwrap().id;
    rt.block_on(m.client.change_profiles(
        id,
        &ProfileChange::Assign {
            profile_id: consultation,
            user_ids: vec![added.user.unwrap().id],
        },
    ))
    .unwrap();
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let planning = format!("https://127.0.0.1:{port}");
    let login: serde_json::Value = rt.block_on(async {
        http.post(format!("{planning}/api/v1/login"))
            .json(&serde_json::json!({"login": "eleve1", "password": added.password.unwrap()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let token = login["token"].as_str().expect("a planning session").to_owned();
    let fetch = |path: &str| {
        rt.block_on(async {
            let r = http
                .get(format!("{planning}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.bytes().await.unwrap()
        })
    };
    let page = fetch(&format!("/{PUBLICATION}"));
    let timetable = fetch("/api/v1/timetable");
    let week = fetch("/api/v1/timetable?week=1");

    // nginx: the same bytes at the same paths.
    let www = tmp.path().join("nginx/www");
    std::fs::create_dir_all(www.join("api/v1")).unwrap();
    std::fs::write(www.join(PUBLICATION), &page).unwrap();
    std::fs::write(www.join("api/v1/timetable"), &timetable).unwrap();
    std::fs::write(www.join("api/v1/timetable-week-1"), &week).unwrap();
    let (_nginx, nginx_port) = nginx::nginx_public(
        &tmp.path().join("nginx"),
        &data,
        &format!("location = /{PUBLICATION} {{ default_type \"text/html; charset=utf-8\"; }}"),
    );
    let theirs = format!("https://127.0.0.1:{nginx_port}");

    println!(
        "planning server vs nginx static, {connections} keep-alive connections, TLS 1.3, {rounds} alternating rounds of {secs} s, medians"
    );
    println!(
        "base: {groups} classes, 44 weeks; page {} B, timetable JSON {} B (year), {} B (a week)",
        page.len(),
        timetable.len(),
        week.len()
    );
    println!(
        "{:<22} {:>14} {:>9}  {:>12} {:>9}  {:>6}",
        "", "planhost req/s", "p99 ms", "nginx req/s", "p99 ms", "ratio"
    );
    let page_path = format!("/{PUBLICATION}");
    for (what, path, nginx_path, with_token) in [
        ("published page", page_path.as_str(), page_path.as_str(), false),
        (
            "timetable JSON, week",
            "/api/v1/timetable?week=1",
            "/api/v1/timetable-week-1",
            true,
        ),
        ("timetable JSON, year", "/api/v1/timetable", "/api/v1/timetable", true),
    ] {
        let (mut ours, mut ours_p99, mut nginx_rps, mut nginx_p99) = (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let load = |url: String| {
                oha(&Load {
                    url: &url,
                    connections,
                    secs,
                    dir: tmp.path(),
                    client_cert: false,
                    token: with_token.then_some(token.as_str()),
                })
            };
            let a = load(format!("{planning}{path}"));
            let b = load(format!("{theirs}{nginx_path}"));
            ours.push(a.rps);
            ours_p99.push(a.p99_ms);
            nginx_rps.push(b.rps);
            nginx_p99.push(b.p99_ms);
        }
        let (o, t) = (median(ours), median(nginx_rps));
        println!(
            "{what:<22} {o:>14.0} {:>9.2}  {t:>12.0} {:>9.2}  {:>6.2}",
            median(ours_p99),
            median(nginx_p99),
            o / t
        );
    }
}
