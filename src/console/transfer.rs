//! "Charger une base" and backups from the console: a `.HHYP` checked here with the controller's own verifier,
//! sent in chunks that resume after a dropped connection or a restart, then checked again on the controller; a kept
//! base saved as a `.HHYP` under a name that never overwrites a file, nor carries the final name half-written.

use super::Console;
use crate::api::{PlanningBases, UploadStart, UploadState};
use crate::client::ControllerClient;
use crate::error::{Error, ErrorCode, Result};
use crate::hhyp;
use crate::ids::HostingNumber;
use crate::tasks::{self, TaskStep};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Chunks grow or shrink to take about this long, between the bounds below (a slow link never meets the
/// controller's request deadline; a fast one is not slowed by round trips).
const CHUNK_TARGET: Duration = Duration::from_secs(2);
const CHUNK_MIN: usize = 256 * 1024;
/// What the controller accepts: fewer round trips on a fast link. Progress is reported while a chunk is sent.
const CHUNK_MAX: usize = crate::controller::uploads::CHUNK_MAX;
/// How often the bytes sent are reported while a chunk is on its way.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);
/// A dropped connection is retried this many times in a row, waiting longer each time, before the upload stops
/// (it resumes from what arrived when started again).
const RETRIES: u32 = 6;

/// The file's size and SHA-256, after the `.HHYP` verifier accepted it for `hosting`.
fn check_file(path: &Path, hosting: &HostingNumber) -> Result<(u64, String, hhyp::Verified)> {
    let verified = hhyp::verify(path, hosting, &hhyp::Limits::default(), None)?;
    let (size, sha256) = hhyp::file_sha256(path, |size| {
        tasks::progress(TaskStep::CheckingFile, Some(size), None);
    })?;
    Ok((size, sha256, verified))
}

/// 250 ms, 500 ms, 1 s… 8 s: a controller restarting is back long before the last try.
fn backoff(failures: u32) -> Duration {
    Duration::from_millis(250 << failures.saturating_sub(1).min(5))
}

/// `call` again while the controller cannot be reached (it may be restarting), up to `RETRIES` times.
async fn retrying<T, F: std::future::Future<Output = Result<T>>>(call: impl Fn() -> F) -> Result<T> {
    let mut failures = 0u32;
    loop {
        match call().await {
            Err(e) if e.code == ErrorCode::Unreachable && failures < RETRIES => {
                failures += 1;
                tasks::cancellable(async {
                    tokio::time::sleep(backoff(failures)).await;
                    Ok(())
                })
                .await?;
            }
            answer => return answer,
        }
    }
}

fn next_chunk(current: usize, sent: usize, took: Duration) -> usize {
    let per_sec = sent as f64 / took.as_secs_f64().max(0.001);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped just below
    let wanted = (per_sec * CHUNK_TARGET.as_secs_f64()) as usize;
    wanted.clamp(CHUNK_MIN, CHUNK_MAX).min(current.saturating_mul(4))
}

/// A part of a file, read by a blocking thread a few pieces ahead of the request body that sends them.
struct ReadAhead {
    pieces: tokio::sync::mpsc::Receiver<std::io::Result<bytes::Bytes>>,
    /// What the connection has taken (the progress shown), not what was read ahead.
    taken: Arc<AtomicU64>,
}

/// Read at once; `AHEAD` of them wait to be sent.
const PIECE: usize = 1 << 20;
const AHEAD: usize = 4;
static PIECES: crate::buffers::Pool = crate::buffers::Pool::new(PIECE, 2 * AHEAD);

impl ReadAhead {
    /// `len` bytes of `path` from `offset`; `taken` counts what the connection took. The file must still have `size`
    /// bytes.
    fn start(path: &Path, size: u64, offset: u64, len: usize, taken: Arc<AtomicU64>) -> Result<ReadAhead> {
        let mut file = std::fs::File::open(path)?;
        if file.metadata()?.len() != size {
            return Err(Error::invalid(
                "The file changed while it was being sent: choose it again.",
                "Le fichier a changé pendant l'envoi : choisissez-le de nouveau.",
            ));
        }
        file.seek(SeekFrom::Start(offset))?;
        let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
        tokio::task::spawn_blocking(move || {
            let mut left = len;
            while left > 0 {
                let n = left.min(PIECE);
                // Read into a kept buffer (no zeroing, no fresh pages), back in the pool once the connection took it.
                let mut buffer = PIECES.take();
                let piece = (&mut file)
                    .take(n as u64)
                    .read_to_end(buffer.vec())
                    .and_then(|read| match read == n {
                        true => Ok(bytes::Bytes::from_owner(buffer)),
                        false => Err(std::io::ErrorKind::UnexpectedEof.into()),
                    });
                let failed = piece.is_err();
                // The request was dropped (cancelled, or the connection cut): stop reading.
                if tx.blocking_send(piece).is_err() || failed {
                    return;
                }
                left -= n;
            }
        });
        Ok(ReadAhead { pieces: rx, taken })
    }
}

impl futures_core::Stream for ReadAhead {
    type Item = std::io::Result<bytes::Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.pieces.poll_recv(cx);
        if let Poll::Ready(Some(Ok(piece))) = &next {
            self.taken.fetch_add(piece.len() as u64, Ordering::Relaxed);
        }
        next
    }
}

/// `work` (a chunk on its way), reporting the bytes sent so far every `PROGRESS_EVERY`.
async fn reporting<T>(work: impl std::future::Future<Output = T>, offset: u64, size: u64, read: &AtomicU64) -> T {
    tokio::pin!(work);
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    loop {
        tokio::select! {
            answer = &mut work => return answer,
            _ = tick.tick() => {
                let done = offset.saturating_add(read.load(Ordering::Relaxed)).min(size);
                tasks::progress(TaskStep::Uploading, Some(done), Some(size));
            }
        }
    }
}

/// Sends a `.HHYP` to a planning and puts it in service once the controller has checked it. Run as a task, it reports
/// its steps and bytes and stops when cancelled (the controller then forgets what it received).
pub async fn upload(
    client: &ControllerClient,
    hosting: &HostingNumber,
    planning_id: i64,
    path: &Path,
) -> Result<PlanningBases> {
    tasks::step(TaskStep::CheckingFile);
    let (file, hosting) = (path.to_owned(), hosting.clone());
    let (size, sha256, _) = tasks::cancellable(async move {
        tokio::task::spawn_blocking(move || check_file(&file, &hosting))
            .await
            .map_err(Error::internal)?
    })
    .await?;
    let file_name = path
        .file_name()
        .map_or_else(|| "base.HHYP".into(), |n| n.to_string_lossy().into_owned());
    let start = UploadStart {
        file_name,
        size,
        sha256,
    };
    let mut state = retrying(|| tasks::cancellable(client.start_upload(planning_id, &start))).await?;
    let upload = state.upload_id.clone();
    if let Err(e) = send_chunks(client, planning_id, path, &mut state).await {
        if e.code == ErrorCode::Cancelled {
            // Cancelled by the user: nothing of it is kept (a dropped connection keeps it, to resume).
            let _ = client.cancel_upload(planning_id, &upload).await;
        }
        return Err(e);
    }
    tasks::progress(TaskStep::CheckingOnController, Some(size), Some(size));
    // Not cancellable: once the controller checks the file, it goes in service whatever the console does. A
    // dropped answer is asked again: the controller checks the file again, or says it is already in service.
    retrying(|| client.finish_upload(planning_id, &upload)).await
}

async fn send_chunks(client: &ControllerClient, planning_id: i64, path: &Path, state: &mut UploadState) -> Result<()> {
    let mut chunk = CHUNK_MIN * 4;
    let mut failures = 0u32;
    tasks::progress(TaskStep::Uploading, Some(state.offset), Some(state.size));
    while state.offset < state.size {
        let len = usize::try_from((state.size - state.offset).min(chunk as u64)).unwrap_or(chunk);
        // Read ahead from the file by a thread of its own while the previous pieces are encrypted and sent; memory
        // stays small whatever the chunk's size.
        let offset = state.offset;
        let read = Arc::new(AtomicU64::new(0));
        let bytes = reqwest::Body::wrap_stream(ReadAhead::start(path, state.size, offset, len, read.clone())?);
        let began = Instant::now();
        let sending = client.upload_chunk_streamed(planning_id, &state.upload_id, offset, len as u64, bytes);
        match tasks::cancellable(reporting(sending, offset, state.size, &read)).await {
            Ok(now) => {
                *state = now;
                failures = 0;
                chunk = next_chunk(chunk, len, began.elapsed());
            }
            // The connection dropped, the controller has another offset (a chunk cut short), or the chunk took
            // longer than the controller's deadline (the link slowed down): ask it where it is and go on from there
            // with small chunks.
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::Unreachable | ErrorCode::Conflict | ErrorCode::Internal | ErrorCode::RequestTimeout
                ) =>
            {
                failures += 1;
                if failures > RETRIES {
                    return Err(e);
                }
                chunk = CHUNK_MIN;
                tasks::cancellable(async {
                    tokio::time::sleep(backoff(failures)).await;
                    Ok(())
                })
                .await?;
                if let Ok(now) = tasks::cancellable(client.upload_state(planning_id, &state.upload_id)).await {
                    *state = now;
                }
            }
            Err(e) => return Err(e),
        }
        tasks::progress(TaskStep::Uploading, Some(state.offset), Some(state.size));
    }
    Ok(())
}

impl Console {
    /// `upload` with this console's session.
    pub async fn upload_base(&self, planning_id: i64, path: &Path) -> Result<PlanningBases> {
        let open = self.session_client().await?;
        let hosting = HostingNumber::parse(&open.session.hosting_number)?;
        upload(&open.client, &hosting, planning_id, path).await
    }

    /// Saves a kept base as `<base name>.HHYP` in `dir` (a name not taken yet), written to a `.part` file first.
    pub async fn download_base(&self, planning_id: i64, base_id: i64, dir: &Path) -> Result<PathBuf> {
        let open = self.session_client().await?;
        let bases = open.client.bases(planning_id).await?;
        let name = bases
            .in_service
            .iter()
            .chain(&bases.others)
            .find(|b| b.id == base_id)
            .map_or_else(|| format!("base {base_id}"), |b| b.name.clone());
        let stem: String = name
            .chars()
            .map(|c| {
                if c.is_control() || "/\\:*?\"<>|".contains(c) {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        std::fs::create_dir_all(dir).map_err(super::downloads::cannot_write(dir))?;
        let target = super::downloads::free_name(dir, stem.trim(), "HHYP");
        let part = target.with_extension("HHYP.part");
        let mut out = std::fs::File::create_new(&part).map_err(super::downloads::cannot_write(dir))?;
        tasks::step(TaskStep::Downloading);
        let report = |done, total| tasks::progress(TaskStep::Downloading, Some(done), Some(total));
        let got = tasks::cancellable(open.client.download_base(planning_id, base_id, &mut out, &report)).await;
        let finished = got.and_then(|_| {
            out.sync_all()?;
            std::fs::rename(&part, &target)?;
            Ok(target)
        });
        if finished.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        finished
    }
}
