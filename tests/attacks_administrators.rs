//! The administrators' own doors attacked as the hosting manager's were (tests/attacks.rs): floods of guesses at an
//! administrator's enrolment and at its current password. Five tries, then a lock-out that even the right password
//! meets, and nothing changed.

mod common;

use common::{forty_parallel_guesses, superadministrator, TestController};
use planhost::api::PasswordChange;
use planhost::server::Options;
use planhost::ErrorCode;
use std::sync::Arc;

const CHOSEN: &str = "correct horse battery";

fn crowd_options() -> Options {
    Options {
        enrol_burst: 10_000,
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_at_an_administrators_enrolment_get_five_tries_and_no_more() {
    let tc = Arc::new(TestController::start_with(crowd_options()).await);
    let m = tc.manager().await;
    superadministrator(&m, CHOSEN).await;
    let checked = forty_parallel_guesses(&tc, |tc| async move {
        tc.admin_device("super1", "wrong horse battery").await.unwrap_err().code
    })
    .await;
    assert_eq!(checked, 5, "exactly five passwords were tried");
    // Locked out: even its right password is refused, and no device was made.
    let e = tc.admin_device("super1", CHOSEN).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TooManyAttempts);
    assert_eq!(tc.count("SELECT count(*) FROM devices WHERE user_id IS NOT NULL"), 0);
    // The lock is this administrator's: the hosting manager still enrols another machine.
    tc.enrol().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_at_an_administrators_current_password_get_five_tries_and_change_nothing() {
    let tc = Arc::new(TestController::start_with(crowd_options()).await);
    let m = tc.manager().await;
    superadministrator(&m, CHOSEN).await;
    let (_, s) = tc.administrator("super1", CHOSEN, CHOSEN).await;
    let s = Arc::new(s);
    let stored = || -> String {
        tc.db()
            .query_row("SELECT password_hash FROM users WHERE login = 'super1'", [], |r| {
                r.get(0)
            })
            .unwrap()
    };
    let before = stored();
    let guesses: Vec<_> = (0..40)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let change = PasswordChange {
                    current: format!("not my password {i}"),
                    password: "a brand new password".into(),
                    confirmation: "a brand new password".into(),
                };
                s.change_own_password(&change).await.unwrap_err()
            })
        })
        .collect();
    let mut checked = 0;
    for g in guesses {
        let e = g.await.unwrap();
        match e.code {
            ErrorCode::InvalidInput => {
                assert_eq!(e.field.as_deref(), Some("current"), "{}", e.message);
                checked += 1;
            }
            other => assert_eq!(other, ErrorCode::TooManyAttempts, "{}", e.message),
        }
    }
    assert_eq!(checked, 5, "exactly five current passwords were tried");
    let right = PasswordChange {
        current: CHOSEN.into(),
        password: "a brand new password".into(),
        confirmation: "a brand new password".into(),
    };
    assert_eq!(
        s.change_own_password(&right).await.unwrap_err().code,
        ErrorCode::TooManyAttempts
    );
    assert_eq!(stored(), before, "the password did not change");
}
