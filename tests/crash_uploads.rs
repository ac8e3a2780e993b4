//! "Charger une base" and "Créer une base" with the controller killed (SIGKILL) at random instants, 100 times each:
//! the planning serves the previous base or the new one, whole, never a mix; the console's upload resumes against
//! the restarted controller and ends with the new base in service.

mod common;

use common::TestController;
use planhost::base::Base;
use planhost::console::Console;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The base in service (name, file), read from the data directory.
fn in_service(data: &Path, planning: i64) -> Option<(String, std::path::PathBuf)> {
    let db = rusqlite::Connection::open(data.join("controller.sqlite3")).unwrap();
    db.query_row(
        "SELECT f.name, f.folder FROM base_files f JOIN bases b ON b.file_id = f.id WHERE b.planning_id = ?1",
        [planning],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )
    .ok()
    .map(|(name, folder)| (name, data.join("bases").join(folder).join("base.sqlite3")))
}

/// Bytes of the planning's unfinished upload, if any.
fn received(data: &Path) -> Option<u64> {
    let db = rusqlite::Connection::open(data.join("controller.sqlite3")).unwrap();
    let id: String = db.query_row("SELECT id FROM uploads", [], |r| r.get(0)).ok()?;
    Some(std::fs::metadata(data.join("uploads").join(format!("{id}.part"))).map_or(0, |m| m.len()))
}

/// Waits until the controller has recorded an upload.
async fn wait_for_upload(data: &Path) {
    let began = Instant::now();
    while received(data).is_none() {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the console never started sending"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// A fixed-seed xorshift: random instants that differ between runs only by the process id.
fn random_below() -> impl FnMut(u64) -> u64 {
    let mut seed = u64::from(std::process::id()) | 1;
    move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below.max(1)
    }
}

/// Restarted, the controller sweeps the base folders no row names: one folder per kept base remains.
fn one_folder_per_kept_base_after_a_restart(process: &mut common::process::ControllerProcess, data: &Path) {
    let before = std::fs::read_dir(data.join("bases")).unwrap().count();
    let rows = rusqlite::Connection::open(data.join("controller.sqlite3"))
        .unwrap()
        .query_row("SELECT count(*) FROM base_files", [], |r| r.get::<_, i64>(0))
        .unwrap();
    process.restart_after_kill();
    let after = std::fs::read_dir(data.join("bases")).unwrap().count();
    assert_eq!(i64::try_from(after).unwrap(), rows, "{before} folders before the sweep");
}

/// A controller running as its own process (so it can be killed), and a console enrolled and logged in to it.
struct Killable {
    _dir: tempfile::TempDir,
    process: common::process::ControllerProcess,
    data: std::path::PathBuf,
    hosting: String,
    console: Arc<Console>,
    planning: i64,
    _cfg: tempfile::TempDir,
}

async fn killable() -> Killable {
    let tc = TestController::start().await;
    let (hosting, password, invoice) = {
        let (h, p, i) = tc.credentials();
        (h.to_owned(), p.to_owned(), i.to_owned())
    };
    let data = tc.dir.path().join("ctl");
    let (_dir, process) = tc.into_process().await;
    let _cfg = tempfile::tempdir().unwrap();
    let console = Arc::new(Console::open(_cfg.path()).unwrap());
    console
        .enrol(&process.address, &hosting, &password, &invoice, None)
        .await
        .unwrap();
    console
        .login(&process.address, &hosting, &password, None)
        .await
        .unwrap();
    let licence = console.licence().await.unwrap();
    console.accept_licence(licence.version).await.unwrap();
    let planning = console.configuration().await.unwrap().plannings[0].id;
    Killable {
        _dir,
        process,
        data,
        hosting,
        console,
        planning,
        _cfg,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn an_upload_killed_at_any_instant_serves_the_old_or_the_new_base_and_resumes() {
    let Killable {
        _dir,
        mut process,
        data,
        hosting,
        console,
        planning,
        _cfg,
    } = killable().await;
    let files = tempfile::tempdir().unwrap();

    // One round without a kill, to know how long the controller's part of a round takes (from the moment it
    // records the upload: before that the console is checking the file on its own).
    let first = common::hhyp_files::hhyp_file(files.path(), &hosting, "Base 000", 3 << 20);
    let sending = console.clone();
    let upload = tokio::spawn(async move { sending.upload_base(planning, &first).await });
    wait_for_upload(&data).await;
    let began = Instant::now();
    upload.await.unwrap().unwrap();
    let round_ms = u64::try_from(began.elapsed().as_millis()).unwrap().max(20);

    let mut random = random_below();
    let (mut while_sending, mut while_checking, mut after_swap, mut resumed) = (0, 0, 0, 0);
    let mut previous = "Base 000".to_owned();
    for round in 1..=100 {
        let name = format!("Base {round:03}");
        let file = common::hhyp_files::hhyp_file(files.path(), &hosting, &name, 3 << 20);
        let size = std::fs::metadata(&file).unwrap().len();
        let sending = console.clone();
        let path = file.clone();
        let upload = tokio::spawn(async move { sending.upload_base(planning, &path).await });
        wait_for_upload(&data).await;
        tokio::time::sleep(Duration::from_millis(random(round_ms * 6 / 5))).await;
        process.kill_9();

        // Dead: the planning's base is the previous one or the new one, and it is whole.
        let (serving, path) = in_service(&data, planning).expect("a base stays in service");
        assert!(
            serving == previous || serving == name,
            "round {round}: {serving} in service"
        );
        let meta = Base::verify(&path).unwrap_or_else(|e| panic!("round {round}: {}", e.message));
        assert_eq!(meta.name, serving);
        match (serving == name, received(&data)) {
            (true, _) => after_swap += 1,
            (false, Some(n)) if n < size => while_sending += 1,
            (false, Some(_)) => while_checking += 1,
            (false, None) => panic!("round {round}: the upload vanished before its base went in service"),
        }
        let partial = received(&data).filter(|&n| n > 0 && n < size);

        process.restart_after_kill();
        let bases = tokio::time::timeout(Duration::from_secs(60), upload)
            .await
            .expect("the upload ends")
            .unwrap()
            .unwrap_or_else(|e| panic!("round {round}: {}", e.message));
        assert_eq!(bases.in_service.unwrap().name, name, "round {round}");
        if partial.is_some() {
            resumed += 1;
        }
        assert!(received(&data).is_none(), "round {round}: no upload left");
        previous = name;
    }
    println!(
        "100 kills: {while_sending} while sending, {while_checking} while checking, {after_swap} after the swap; {resumed} uploads resumed from a partial file (a round takes {round_ms} ms)"
    );
    assert!(while_sending > 0 && resumed > 0, "some kills land mid-upload");
    // Folders left by interrupted checks are swept when the controller starts: one per kept base remains.
    one_folder_per_kept_base_after_a_restart(&mut process, &data);
}

/// "Créer une base" with the controller killed (SIGKILL) at random instants, 100 times: the planning serves the
/// previous base or the new one, whole; created again after the restart (what the user does when the console says
/// the controller went away), the new base goes in service; the folders of creations cut short are swept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn a_base_creation_killed_at_any_instant_leaves_the_old_or_the_new_base_whole() {
    use planhost::api::{BaseChange, TimeGrid};
    let Killable {
        _dir,
        mut process,
        data,
        console,
        planning,
        _cfg,
        ..
    } = killable().await;
    let create = |name: String| {
        let console = console.clone();
        async move {
            let grid = TimeGrid {
                first_monday: "2026-08-31".into(),
                last_sunday: "2027-07-04".into(),
                ..TimeGrid::default()
            };
            console.change_bases(planning, &BaseChange::Create { name, grid }).await
        }
    };
    let began = Instant::now();
    create("Base 000".into()).await.unwrap();
    let round_ms = u64::try_from(began.elapsed().as_millis()).unwrap().max(5);

    let mut random = random_below();
    let (mut before, mut after) = (0, 0);
    let mut previous = "Base 000".to_owned();
    for round in 1..=100 {
        let name = format!("Base {round:03}");
        let creating = tokio::spawn(create(name.clone()));
        tokio::time::sleep(Duration::from_micros(random(round_ms * 1200))).await;
        process.kill_9();
        let answered = creating.await.unwrap();

        let (serving, path) = in_service(&data, planning).expect("a base stays in service");
        assert!(
            serving == previous || serving == name,
            "round {round}: {serving} in service"
        );
        let meta = Base::verify(&path).unwrap_or_else(|e| panic!("round {round}: {}", e.message));
        assert_eq!(meta.name, serving);
        if answered.is_ok() {
            assert_eq!(serving, name, "round {round}: answered, so in service");
        }
        process.restart_after_kill();
        if serving == name {
            after += 1;
        } else {
            before += 1;
            let bases = create(name.clone())
                .await
                .unwrap_or_else(|e| panic!("round {round}: {}", e.message));
            assert_eq!(bases.in_service.unwrap().name, name, "round {round}");
        }
        previous = name;
    }
    println!("100 kills: {before} before the new base went in service, {after} after (a creation takes {round_ms} ms)");
    assert!(before > 0 && after > 0, "kills land on both sides of the swap");
    one_folder_per_kept_base_after_a_restart(&mut process, &data);
}
