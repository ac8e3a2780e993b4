//! A controller killed with SIGKILL in the middle of a write: started again, it holds the state before the change
//! or after it, whole, never a mix, and never forgets a change it answered.

mod common;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use common::process::ControllerProcess;
use common::{superadministrator, TestController};
use planhost::api::{LoginRequest, PasswordChange};
use planhost::client::{ControllerClient, Trust};
use planhost::ErrorCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn password(round: usize) -> String {
    format!("password of round {round:03}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_password_change_killed_at_any_instant_keeps_the_old_or_the_new_password_whole() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    superadministrator(&m, &password(0)).await;
    let device = tc.admin_device("super1", &password(0)).await.unwrap();
    let (hosting, ca) = (tc.account.hosting_number.clone(), tc.ca_pem());
    let data = tc.dir.path().join("ctl");
    let (_dir, mut process) = tc.into_process().await;
    let db = || rusqlite::Connection::open(data.join("controller.sqlite3")).unwrap();
    let stored = || -> String {
        db().query_row("SELECT password_hash FROM users WHERE login = 'super1'", [], |r| {
            r.get(0)
        })
        .unwrap()
    };
    let changes = || -> i64 {
        db().query_row(
            "SELECT count(*) FROM history WHERE action = 'session.password' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };

    let mut seed = std::process::id() as u64 | 1;
    let mut random = move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below.max(1)
    };
    let (mut current, mut duration_ms, mut changed, mut killed_before, mut answered) = (0, 0u64, 0, 0, 0);
    for round in 1..=30 {
        let client = ControllerClient::new(&process.address, &Trust::Pinned(ca.clone()), Some(&device)).unwrap();
        let login = LoginRequest {
            hosting_number: hosting.clone(),
            login: Some("super1".into()),
            password: password(current),
        };
        let token = client
            .login(&login)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {}", e.message))
            .token;
        let session = Arc::new(client.with_token(token));
        let change = PasswordChange {
            current: password(current),
            password: password(round),
            confirmation: password(round),
        };
        let start = Instant::now();
        let request = {
            let session = session.clone();
            tokio::spawn(async move { session.change_own_password(&change).await })
        };
        let answer = if round == 1 {
            // The first change runs to its end: how long one takes sets the window the others are killed in.
            let answer = request.await;
            duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
            answer
        } else {
            tokio::time::sleep(Duration::from_millis(random(duration_ms * 3 / 2 + 1))).await;
            process.kill_9();
            request.await
        };
        let ok = matches!(answer, Ok(Ok(_)));
        // Whatever the instant: the hash on disk is exactly the old password's or the new one's, and a change on
        // disk has its history line with it.
        let hash = stored();
        let (old, new) = (matches(&password(current), &hash), matches(&password(round), &hash));
        assert!(
            old != new,
            "round {round}: the stored hash is the old password's xor the new one's"
        );
        if ok {
            assert!(new, "round {round}: a change that was answered is on disk");
            answered += 1;
        }
        if new {
            current = round;
            changed += 1;
        } else {
            killed_before += 1;
        }
        assert_eq!(changes(), changed, "round {round}: one history line per change on disk");
        let check: String = db().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        if round > 1 {
            process = ControllerProcess::serve(&data, &process.address);
        }
    }
    println!("one change takes {duration_ms} ms; of 29 kills, {killed_before} before the write, {} after it ({} of those answered)", changed - 1, answered - 1);
    // The controller still works as before: the password in force logs in, the other does not.
    let client = ControllerClient::new(&process.address, &Trust::Pinned(ca.clone()), Some(&device)).unwrap();
    let right = LoginRequest {
        hosting_number: hosting.clone(),
        login: Some("super1".into()),
        password: password(current),
    };
    client.login(&right).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_password_changes_racing_from_two_devices_are_not_both_accepted() {
    let tc = Arc::new(TestController::start().await);
    let m = tc.manager().await;
    superadministrator(&m, &password(0)).await;
    let (_, first) = tc.administrator("super1", &password(0), &password(0)).await;
    let (_, second) = tc.administrator("super1", &password(0), &password(0)).await;
    let race: Vec<_> = [(first, 1), (second, 2)]
        .into_iter()
        .map(|(session, n)| {
            tokio::spawn(async move {
                let change = PasswordChange {
                    current: password(0),
                    password: password(n),
                    confirmation: password(n),
                };
                (n, session.change_own_password(&change).await)
            })
        })
        .collect();
    let mut winners = vec![];
    for r in race {
        let (n, outcome) = r.await.unwrap();
        match outcome {
            Ok(_) => winners.push(n),
            Err(e) => assert!(
                e.code == ErrorCode::Conflict || e.field.as_deref() == Some("current"),
                "{:?} {}",
                e.code,
                e.message
            ),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one change is accepted");
    let hash: String = tc
        .db()
        .query_row("SELECT password_hash FROM users WHERE login = 'super1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        matches(&password(winners[0]), &hash),
        "the accepted password is the one in force"
    );
}
