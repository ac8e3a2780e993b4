//! "Charger une base" and backups against a real controller: a `.HHYP` checked on the console, sent in chunks that
//! resume, checked again on the controller and only then put in service; a kept base downloaded as a `.HHYP` that
//! the verifier accepts; every bad request refused with its reason and nothing changed.

mod common;

use common::hhyp_files::hhyp_file;
use common::TestController;
use planhost::api::{BaseOrigin, UploadStart};
use planhost::client::ControllerClient;
use planhost::console::Console;
use planhost::hhyp;
use planhost::ids::HostingNumber;
use planhost::ErrorCode;
use sha2::{Digest, Sha256};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run scripts/test"]
async fn a_hhyp_is_checked_sent_in_chunks_put_in_service_and_downloaded_back() {
    let tc = TestController::start().await;
    let (hosting, password, invoice) = tc.credentials();
    let address = tc.address();
    let cfg = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let console = Console::open(cfg.path()).unwrap();
    console.enrol(&address, hosting, password, invoice, None).await.unwrap();
    console.login(&address, hosting, password, None).await.unwrap();
    let licence = console.licence().await.unwrap();
    console.accept_licence(licence.version).await.unwrap();
    let planning = console.configuration().await.unwrap().plannings[0].id;

    // A file for another hosting number is refused on the console: nothing is sent.
    let foreign = hhyp_file(files.path(), "999999999999", "Ailleurs", 1000);
    let e = console.upload_base(planning, &foreign).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("999999999999"), "{}", e.message);
    assert_eq!(tc.count("SELECT count(*) FROM uploads"), 0);
    assert_eq!(tc.count("SELECT count(*) FROM base_files"), 0);

    // 3 MiB of annex: several chunks.
    let file = hhyp_file(files.path(), hosting, "Lycée 2026", 3 << 20);
    let bases = console.upload_base(planning, &file).await.unwrap();
    let served = bases.in_service.as_ref().expect("in service");
    assert_eq!(served.name, "Lycée 2026");
    assert_eq!(served.origin, BaseOrigin::Uploaded);
    assert_eq!(served.weeks, 44);
    assert_eq!(
        tc.count("SELECT count(*) FROM uploads"),
        0,
        "a finished upload is forgotten"
    );
    assert!(
        std::fs::read_dir(tc.dir.path().join("ctl/uploads"))
            .unwrap()
            .next()
            .is_none(),
        "its bytes are removed"
    );
    let history =
        tc.count("SELECT count(*) FROM history WHERE action = 'bases.upload' AND detail LIKE '%Lycée 2026.HHYP%'");
    assert_eq!(history, 1);
    let config = console.configuration().await.unwrap();
    assert_eq!(config.plannings[0].base.as_deref(), Some("Lycée 2026"));

    // The backup is the same base and annexes, accepted by the verifier.
    let saved = console.download_base(planning, served.id, files.path()).await.unwrap();
    assert_eq!(
        saved.file_name().unwrap(),
        "Lycée 2026 (2).HHYP",
        "never over the file already there"
    );
    let hosting_number = HostingNumber::parse(hosting).unwrap();
    let back = hhyp::verify(&saved, &hosting_number, &hhyp::Limits::default(), None).unwrap();
    let sent = hhyp::verify(&file, &hosting_number, &hhyp::Limits::default(), None).unwrap();
    assert_eq!(back.manifest.entries, sent.manifest.entries);
    assert_eq!(back.base.name, "Lycée 2026");
    assert!(!files.path().join("Lycée 2026 (2).HHYP.part").exists());

    // A second file goes in service; the first is kept under "Autres bases".
    let second = hhyp_file(files.path(), hosting, "Lycée 2027", 1000);
    let bases = console.upload_base(planning, &second).await.unwrap();
    assert_eq!(bases.in_service.unwrap().name, "Lycée 2027");
    assert_eq!(bases.others.len(), 1);
    assert_eq!(bases.others[0].name, "Lycée 2026");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_resumes_from_the_controllers_offset_and_bad_requests_change_nothing() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let hosting = tc.account.hosting_number.clone();
    let planning = m.configuration().await.unwrap().plannings[0].id;
    let files = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(hhyp_file(files.path(), &hosting, "Lycée 2026", 200_000)).unwrap();
    let start = UploadStart {
        file_name: "Lycée 2026.HHYP".into(),
        size: bytes.len() as u64,
        sha256: sha256(&bytes),
    };

    // Bad announcements are refused.
    for (size, sha, name) in [
        (0u64, start.sha256.clone(), "x.HHYP"),
        (9 << 30, start.sha256.clone(), "x.HHYP"),
        (10, "ABC".to_owned(), "x.HHYP"),
        (10, start.sha256.to_uppercase(), "x.HHYP"),
        (10, start.sha256.clone(), ""),
        (10, start.sha256.clone(), "a\nb"),
    ] {
        let bad = UploadStart {
            file_name: name.into(),
            size,
            sha256: sha,
        };
        let e = m.start_upload(planning, &bad).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{bad:?}");
    }
    assert_eq!(
        m.start_upload(9_999, &start).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(tc.count("SELECT count(*) FROM uploads"), 0);

    let state = m.start_upload(planning, &start).await.unwrap();
    assert_eq!((state.offset, state.size), (0, bytes.len() as u64));
    let half = bytes.len() / 2;
    let id = state.upload_id.clone();
    let after = m.upload_chunk(planning, &id, 0, bytes[..half].to_vec()).await.unwrap();
    assert_eq!(after.offset, half as u64);

    // The same file announced again (a console restarted) resumes; a chunk at another offset is refused.
    let again = m.start_upload(planning, &start).await.unwrap();
    assert_eq!((again.upload_id.as_str(), again.offset), (id.as_str(), half as u64));
    for wrong in [0, half as u64 - 1, half as u64 + 1, u64::MAX] {
        let e = m
            .upload_chunk(planning, &id, wrong, bytes[half..].to_vec())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "offset {wrong}");
        assert!(e.message.contains(&half.to_string()), "{}", e.message);
    }
    // More than the file announced: refused, nothing kept.
    let mut too_much = bytes[half..].to_vec();
    too_much.push(0);
    assert_eq!(
        m.upload_chunk(planning, &id, half as u64, too_much)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    // Finishing early is refused.
    let e = m.finish_upload(planning, &id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(m.upload_state(planning, &id).await.unwrap().offset, half as u64);
    // Another planning's address does not reach it; nor does another account.
    let other = m
        .apply(&planhost::api::ConfigChange::AddPlanning { name: None })
        .await
        .unwrap()
        .plannings[1]
        .id;
    assert_eq!(m.upload_state(other, &id).await.unwrap_err().code, ErrorCode::NotFound);
    let stranger = tc.other_manager().await;
    assert_eq!(
        stranger.upload_state(planning, &id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        stranger.cancel_upload(planning, &id).await.unwrap_err().code,
        ErrorCode::NotFound
    );

    let done = m
        .upload_chunk(planning, &id, half as u64, bytes[half..].to_vec())
        .await
        .unwrap();
    assert_eq!(done.offset, bytes.len() as u64);
    let bases = m.finish_upload(planning, &id).await.unwrap();
    assert_eq!(bases.in_service.as_ref().unwrap().name, "Lycée 2026");
    // Asked again after a lost answer: the same answer, nothing added.
    let again = m.finish_upload(planning, &id).await.unwrap();
    assert_eq!(again.in_service.unwrap().id, bases.in_service.unwrap().id);
    assert_eq!(tc.count("SELECT count(*) FROM base_files"), 1);

    // A file damaged in the middle (as a faulty disk would) is refused by the controller's own check and forgotten;
    // the base in service stays.
    let other_bytes = std::fs::read(hhyp_file(files.path(), &hosting, "Lycée 2027", 100_000)).unwrap();
    let mut damaged = other_bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x5a;
    let e = send_whole(&m, planning, "Lycée 2027.HHYP", &damaged).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
    assert_eq!(
        tc.count("SELECT count(*) FROM uploads"),
        0,
        "a refused file is not kept"
    );
    assert_eq!(m.bases(planning).await.unwrap().in_service.unwrap().name, "Lycée 2026");
    let another = UploadStart {
        file_name: "Lycée 2027.HHYP".into(),
        size: other_bytes.len() as u64,
        sha256: sha256(&other_bytes),
    };

    // A file the console would have refused (another hosting number) is refused again by the controller.
    let foreign = std::fs::read(hhyp_file(files.path(), "999999999999", "Ailleurs", 1000)).unwrap();
    let e = send_whole(&m, planning, "Ailleurs.HHYP", &foreign).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("999999999999"), "{}", e.message);
    // Not a ZIP at all.
    let e = send_whole(&m, planning, "notes.HHYP", b"PK but not really a zip")
        .await
        .unwrap_err();
    assert!(e.message.contains("ZIP"), "{}", e.message);
    assert_eq!(m.bases(planning).await.unwrap().in_service.unwrap().name, "Lycée 2026");
    let folders = std::fs::read_dir(tc.dir.path().join("ctl/bases")).unwrap().count();
    assert_eq!(folders, 1, "a refused file leaves no folder behind");

    // Cancelled: its bytes are removed and it cannot be finished.
    let state = m.start_upload(planning, &another).await.unwrap();
    m.upload_chunk(planning, &state.upload_id, 0, other_bytes[..100].to_vec())
        .await
        .unwrap();
    m.cancel_upload(planning, &state.upload_id).await.unwrap();
    assert_eq!(
        m.finish_upload(planning, &state.upload_id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(tc.count("SELECT count(*) FROM uploads"), 0);
    assert!(std::fs::read_dir(tc.dir.path().join("ctl/uploads"))
        .unwrap()
        .next()
        .is_none());

    // A new file replaces an unfinished one.
    let first = m.start_upload(planning, &another).await.unwrap();
    let second = m.start_upload(planning, &start).await.unwrap();
    assert_ne!(first.upload_id, second.upload_id);
    assert_eq!(
        m.upload_state(planning, &first.upload_id).await.unwrap_err().code,
        ErrorCode::NotFound
    );

    // Malformed addresses.
    for path in [
        format!("/plannings/{planning}/uploads/{}?offset=-1", second.upload_id),
        format!("/plannings/{planning}/uploads/{}", second.upload_id),
        format!(
            "/plannings/{planning}/uploads/{}?offset=99999999999999999999999",
            second.upload_id
        ),
    ] {
        let e = m.call_route(reqwest::Method::PUT, &path, None).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{path}");
    }
    assert_eq!(
        m.call_route(
            reqwest::Method::GET,
            &format!("/plannings/{planning}/bases/-5/hhyp"),
            None
        )
        .await
        .unwrap_err()
        .code,
        ErrorCode::NotFound
    );
}

async fn send_whole(
    m: &ControllerClient,
    planning: i64,
    name: &str,
    bytes: &[u8],
) -> planhost::Result<planhost::api::PlanningBases> {
    let start = UploadStart {
        file_name: name.into(),
        size: bytes.len() as u64,
        sha256: sha256(bytes),
    };
    let state = m.start_upload(planning, &start).await?;
    m.upload_chunk(planning, &state.upload_id, 0, bytes.to_vec()).await?;
    m.finish_upload(planning, &state.upload_id).await
}
