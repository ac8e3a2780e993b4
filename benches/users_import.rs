//! Bulk CSV import of 10,000 users (issue 7 §6), side by side in one run with the `sqlite3` shell's `.import` of the
//! same file into a bare table.
//! - planhost: `POST /api/v1/users/import` to a `planhost-controller serve` process over TLS with a client
//!   certificate, as the console sends it: every row checked (login rules, unique in the file and the account,
//!   e-mail, status, planning and profile), then 10,000 users written with generated passwords and their
//!   assignments in one transaction, and the passwords sent back; timed from the request to the parsed answer;
//! - sqlite3: `.import --csv --skip 1` into a table with the same eight text columns, no check, no index; timed from
//!   the process start to its exit.
//!
//! The same 10,000 users as a `.profils` file are then previewed and applied (figures printed beside, no reference).
//!
//! Rounds alternate; each round imports other logins (the account grows by 20,000 users a round). Medians and the
//! ratio are printed. Run: `scripts/bench` (or `cargo bench --bench users_import`; PLANHOST_BENCH_ROUNDS).

#[path = "../tests/support/session.rs"]
mod session;
#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use std::process::Command;
use std::time::Instant;

const ROWS: usize = 10_000;

/// A file like a school's export: accents, e-mails, a third of the users given a profile.
fn file(round: usize) -> String {
    let (firsts, lasts) = (
        ["Élodie", "Marc", "Inès", "Hugo", "Zoé", "Noël", "Chloé", "Jérôme"],
        [
            "Durand", "Lefèvre", "Moreau", "Petit", "Bérard", "Faure", "Roux", "Gauthier",
        ],
    );
    let mut out = String::from("identifiant;prenom;nom;email;statut;acces_console;planning;profil\n");
    for i in 0..ROWS {
        let (first, last) = (firsts[i % 8], lasts[(i / 8) % 8]);
        let login = format!("r{round}.u{i:05}");
        let (status, profile) = match i % 3 {
            0 => ("Utilisateur", "planning01;Consultation"),
            1 => ("Utilisateur", ";"),
            _ => ("Administrateur de base", ";"),
        };
        out.push_str(&format!(
            "{login};{first};{last} {i};{login}@lycee-hugo.fr;{status};non;{profile}\n"
        ));
    }
    out
}

fn sqlite3_import(dir: &std::path::Path, csv: &std::path::Path) -> f64 {
    let db = dir.join("bare.sqlite3");
    let _ = std::fs::remove_file(&db);
    let setup = "CREATE TABLE users (identifiant TEXT, prenom TEXT, nom TEXT, email TEXT, statut TEXT, \
                 acces_console TEXT, planning TEXT, profil TEXT);";
    assert!(Command::new("sqlite3").arg(&db).arg(setup).status().unwrap().success());
    let start = Instant::now();
    let out = Command::new("sqlite3")
        .arg(&db)
        .args([
            "-cmd",
            ".separator ;",
            &format!(".import --csv --skip 1 {} users", csv.display()),
        ])
        .output()
        .expect("sqlite3 (apt install sqlite3)");
    let took = start.elapsed().as_secs_f64() * 1000.0;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT count(*) FROM users")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&rows.stdout).trim(), ROWS.to_string());
    took
}

/// The same users as a `.profils` file (other logins), a third assigned to Consultation in planning01.
fn profils(round: usize) -> Vec<u8> {
    use planhost::profils::{ProfilsAssignment, ProfilsFile, ProfilsPlanning, ProfilsUser};
    let mut f = ProfilsFile::new("bench", "2026-11-23T00:00:00Z".into());
    let mut planning = ProfilsPlanning {
        name: "planning01".into(),
        profiles: Vec::new(),
        assignments: Vec::new(),
    };
    for i in 0..ROWS {
        let login = format!("p{round}.u{i:05}");
        if i % 3 == 0 {
            planning.assignments.push(ProfilsAssignment {
                login: login.clone(),
                profile: "Consultation".into(),
            });
        }
        f.users.push(ProfilsUser {
            email: Some(format!("{login}@lycee-hugo.fr")),
            first_name: "Élodie".into(),
            last_name: format!("Durand {i}"),
            status: if i % 3 == 2 { "base_administrator" } else { "user" }.into(),
            password_hash: None,
            login,
        });
    }
    f.plannings.push(planning);
    f.to_bytes()
}

/// Each side starts on a quiet machine: what the last one left running in the background (the controller's WAL
/// checkpoint, the kernel writing back dirty pages) is not counted against the next.
fn settle() {
    let _ = Command::new("sync").status();
    std::thread::sleep(std::time::Duration::from_millis(300));
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    planhost::init_crypto();
    let rounds: usize = std::env::var("PLANHOST_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("ctl");
    let (_controller, address, account) = webdriver::start_controller(&data);
    let ca_pem = std::fs::read_to_string(data.join("ca.pem")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let m = rt.block_on(session::manager(&address, &ca_pem, &account));

    let (mut checks, mut ours, mut theirs) = (vec![], vec![], vec![]);
    let (mut previews, mut applies) = (vec![], vec![]);
    let mut bytes = 0;
    for round in 0..rounds {
        let text = file(round);
        bytes = text.len();
        let csv = tmp.path().join(format!("users-{round}.csv"));
        std::fs::write(&csv, &text).unwrap();

        settle();
        let start = Instant::now();
        let checked = rt
            .block_on(m.client.import_users(text.clone().into_bytes(), true))
            .unwrap();
        checks.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!((checked.problem_count, checked.rows as usize), (0, ROWS));

        settle();
        let start = Instant::now();
        let report = rt.block_on(m.client.import_users(text.into_bytes(), false)).unwrap();
        ours.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(report.imported && report.created as usize == ROWS && report.passwords.len() == ROWS);
        assert_eq!(report.assigned as usize, ROWS.div_ceil(3));

        settle();
        theirs.push(sqlite3_import(tmp.path(), &csv));

        let file = profils(round);
        settle();
        let start = Instant::now();
        let preview = rt.block_on(m.client.import_profils(file.clone(), true)).unwrap();
        previews.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!((preview.problem_count, preview.users.created as usize), (0, ROWS));
        let start = Instant::now();
        let applied = rt.block_on(m.client.import_profils(file, false)).unwrap();
        applies.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(applied.applied && applied.passwords.len() == ROWS);
    }
    let (o, t) = (median(ours), median(theirs));
    println!(
        "{ROWS} rows ({:.2} MB), {rounds} alternating rounds, medians",
        bytes as f64 / 1e6
    );
    println!("planhost check only (no write)          {:>8.1} ms", median(checks));
    println!("planhost check + import + passwords     {o:>8.1} ms");
    println!("sqlite3 .import into a bare table       {t:>8.1} ms");
    println!("ratio planhost ÷ sqlite3                {:>8.2}", o / t);
    println!("planhost .profils preview (rolled back) {:>8.1} ms", median(previews));
    println!("planhost .profils applied + passwords   {:>8.1} ms", median(applies));
}
