//! Long operations as background tasks: a task reports the step it is at (and how far, for transfers) and can be
//! cancelled by its id while the rest of the console keeps working. Core operations mark their steps with `step` and
//! their network waits with `cancellable`; run outside a task (the CLI, tests), both simply do nothing special.

use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use ts_rs::TS;

/// Where an operation is, for the progress shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TaskStep {
    /// A new key pair for this machine is being made.
    CreatingKey,
    /// Waiting for the controller (connection, password check, certificate signing).
    WaitingForController,
    /// The certificate or session is being stored in the OS keyring.
    SavingToKeyring,
    /// This machine's certificate is being renewed.
    RenewingCertificate,
    /// A `.HHYP` is checked on this machine before it is sent (`done`: bytes read).
    CheckingFile,
    /// A `.HHYP` is being sent (`done` of `total` bytes).
    Uploading,
    /// The controller checks the file it received, then puts it in service.
    CheckingOnController,
    /// A base is being saved as a `.HHYP` (`done` of `total` bytes).
    Downloading,
    /// A prepared base is being packed into a `.HHYP` (`done` of `total` bytes), then checked.
    Packing,
}

/// One progress report, sent to whoever started the task.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TaskProgress {
    pub task_id: String,
    pub step: TaskStep,
    /// Bytes (or items) done and in all, for steps that move data.
    #[ts(optional, type = "number")]
    pub done: Option<u64>,
    #[ts(optional, type = "number")]
    pub total: Option<u64>,
}

type Report = Arc<dyn Fn(TaskProgress) + Send + Sync>;

#[derive(Clone)]
struct Current {
    id: String,
    report: Report,
    cancelled: watch::Receiver<bool>,
}

tokio::task_local! {
    static CURRENT: Current;
}

/// The tasks under way, by id.
#[derive(Default)]
pub struct Tasks {
    running: Mutex<HashMap<String, watch::Sender<bool>>>,
}

impl Tasks {
    /// Runs `work` as the task `id`, sending its progress to `report`. The id is chosen by the caller (the UI makes
    /// one before starting, so that it can cancel at once); an id already under way is refused.
    pub async fn run<T>(
        &self,
        id: &str,
        report: impl Fn(TaskProgress) + Send + Sync + 'static,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        if id.is_empty() || id.len() > 64 {
            return Err(Error::invalid(
                "A task id has 1 to 64 characters.",
                "Un identifiant de tâche a de 1 à 64 caractères.",
            ));
        }
        let (cancel, cancelled) = watch::channel(false);
        {
            let mut running = self.running.lock().map_err(Error::internal)?;
            if running.contains_key(id) {
                return Err(Error::invalid(
                    format!("A task {id} is already under way."),
                    format!("Une tâche {id} est déjà en cours."),
                ));
            }
            running.insert(id.to_owned(), cancel);
        }
        let current = Current {
            id: id.to_owned(),
            report: Arc::new(report),
            cancelled,
        };
        let result = CURRENT.scope(current, work).await;
        if let Ok(mut running) = self.running.lock() {
            running.remove(id);
        }
        result
    }

    /// Asks the task to stop at its next cancellable wait. False when no such task is under way (already finished).
    pub fn cancel(&self, id: &str) -> bool {
        let running = match self.running.lock() {
            Ok(r) => r,
            Err(_) => return false,
        };
        running.get(id).is_some_and(|cancel| cancel.send(true).is_ok())
    }

    /// How many tasks are under way.
    pub fn count(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or(0)
    }
}

/// Reports the step the current task is at (no-op outside a task).
pub fn step(step: TaskStep) {
    progress(step, None, None);
}

/// Reports a step with how much is done out of how much (no-op outside a task).
pub fn progress(step: TaskStep, done: Option<u64>, total: Option<u64>) {
    let _ = CURRENT.try_with(|c| {
        (c.report)(TaskProgress {
            task_id: c.id.clone(),
            step,
            done,
            total,
        })
    });
}

/// Waits for `work` unless the current task is cancelled first: then `work` is dropped (a request in flight is
/// abandoned) and the answer is `cancelled`. Only waits whose abandonment leaves nothing half-done are wrapped.
pub async fn cancellable<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    let Ok(mut cancelled) = CURRENT.try_with(|c| c.cancelled.clone()) else {
        return work.await;
    };
    if *cancelled.borrow() {
        return Err(Error::cancelled());
    }
    tokio::select! {
        result = work => result,
        _ = cancelled.wait_for(|c| *c) => Err(Error::cancelled()),
    }
}

/// Runs blocking `work` on a thread of its own as part of the current task: what it reports goes out as `step`, and
/// cancelling the task raises the flag `work` polls. Outside a task it simply runs.
pub async fn blocking<T: Send + 'static>(
    step: TaskStep,
    work: impl FnOnce(&(dyn Fn(u64, u64) + Sync), &AtomicBool) -> Result<T> + Send + 'static,
) -> Result<T> {
    let current = CURRENT.try_with(Clone::clone).ok();
    let cancel = Arc::new(AtomicBool::new(false));
    let watcher = current.as_ref().map(|c| {
        let (mut cancelled, flag) = (c.cancelled.clone(), cancel.clone());
        tokio::spawn(async move {
            if cancelled.wait_for(|c| *c).await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        })
    });
    let result = tokio::task::spawn_blocking(move || {
        // The task's scope again on this thread: `progress` reports as it does on the task's own.
        let report = |done: u64, total: u64| progress(step, Some(done), Some(total));
        match current {
            Some(c) => CURRENT.sync_scope(c, || work(&report, &cancel)),
            None => work(&report, &cancel),
        }
    })
    .await
    .map_err(Error::internal);
    if let Some(w) = watcher {
        w.abort();
    }
    result?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_cancelled_task_stops_at_its_wait_and_reports_its_steps() {
        let tasks = Arc::new(Tasks::default());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let runner = tasks.clone();
        let handle = tokio::spawn(async move {
            runner
                .run("t1", move |p| log.lock().unwrap().push(p.step), async {
                    step(TaskStep::CreatingKey);
                    step(TaskStep::WaitingForController);
                    cancellable(async {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        Ok(())
                    })
                    .await?;
                    step(TaskStep::SavingToKeyring);
                    Ok(())
                })
                .await
        });
        while tasks.count() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(!tasks.cancel("another"), "only the task named is cancelled");
        assert!(tasks.cancel("t1"));
        let result = tokio::time::timeout(Duration::from_secs(2), handle)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(result.unwrap_err().code, crate::ErrorCode::Cancelled);
        assert_eq!(
            *seen.lock().unwrap(),
            [TaskStep::CreatingKey, TaskStep::WaitingForController]
        );
        assert_eq!(tasks.count(), 0, "a finished task leaves the registry");
        assert!(!tasks.cancel("t1"));
    }

    #[tokio::test]
    async fn blocking_work_reports_its_progress_and_sees_the_cancel() {
        let tasks = Arc::new(Tasks::default());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let runner = tasks.clone();
        let handle = tokio::spawn(async move {
            runner
                .run(
                    "pack",
                    move |p| log.lock().unwrap().push((p.step, p.done, p.total)),
                    async {
                        blocking(TaskStep::Packing, |progress, cancel| {
                            progress(1, 10);
                            while !cancel.load(Ordering::Relaxed) {
                                std::thread::sleep(Duration::from_millis(2));
                            }
                            Err(Error::cancelled())
                        })
                        .await
                    },
                )
                .await
        });
        while seen.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(tasks.cancel("pack"));
        let result: Result<()> = tokio::time::timeout(Duration::from_secs(2), handle)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(result.unwrap_err().code, crate::ErrorCode::Cancelled);
        assert_eq!(*seen.lock().unwrap(), [(TaskStep::Packing, Some(1), Some(10))]);
    }

    #[tokio::test]
    async fn outside_a_task_nothing_is_reported_and_nothing_is_cancelled() {
        step(TaskStep::CreatingKey);
        assert_eq!(cancellable(async { Ok(7) }).await.unwrap(), 7);
        let tasks = Tasks::default();
        let (a, b) = tokio::join!(
            tasks.run("same", |_| {}, async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(())
            }),
            async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                tasks.run("same", |_| {}, async { Ok(()) }).await
            }
        );
        assert!(a.is_ok());
        assert_eq!(b.unwrap_err().code, crate::ErrorCode::InvalidInput, "one id, one task");
    }
}
