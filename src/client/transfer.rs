//! The calls that move base files: a `.HHYP` sent in chunks, a kept base downloaded as a `.HHYP`.

use super::{refusal, transport_error, ControllerClient};
use crate::api::{PlanningBases, UploadStart, UploadState, API_PREFIX};
use crate::error::{Error, Result};
use reqwest::Method;
use std::io::Write;
use std::time::Duration;

/// Checking a large file on the controller takes a while: its answer is awaited this long.
const FINISH_TIMEOUT: Duration = Duration::from_secs(900);

impl ControllerClient {
    pub async fn start_upload(&self, planning_id: i64, start: &UploadStart) -> Result<UploadState> {
        self.call(Method::POST, &format!("/plannings/{planning_id}/uploads"), Some(start))
            .await
    }

    pub async fn upload_state(&self, planning_id: i64, upload: &str) -> Result<UploadState> {
        self.call(
            Method::GET,
            &format!("/plannings/{planning_id}/uploads/{upload}"),
            None::<&()>,
        )
        .await
    }

    /// Sends `bytes` (a buffer, or a stream of the file) as the part of the file starting at `offset`.
    pub async fn upload_chunk(
        &self,
        planning_id: i64,
        upload: &str,
        offset: u64,
        bytes: impl Into<reqwest::Body>,
    ) -> Result<UploadState> {
        self.send_chunk(planning_id, upload, offset, None, bytes.into()).await
    }

    /// A chunk streamed from elsewhere, `len` bytes long: sent with its length rather than in HTTP chunks.
    pub async fn upload_chunk_streamed(
        &self,
        planning_id: i64,
        upload: &str,
        offset: u64,
        len: u64,
        body: reqwest::Body,
    ) -> Result<UploadState> {
        self.send_chunk(planning_id, upload, offset, Some(len), body).await
    }

    async fn send_chunk(
        &self,
        planning_id: i64,
        upload: &str,
        offset: u64,
        len: Option<u64>,
        body: reqwest::Body,
    ) -> Result<UploadState> {
        self.call_with(
            Method::PUT,
            &format!("/plannings/{planning_id}/uploads/{upload}"),
            |r| {
                let r = r
                    .query(&[("offset", offset)])
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
                match len {
                    Some(len) => r.header(reqwest::header::CONTENT_LENGTH, len),
                    None => r,
                }
                .body(body)
            },
            None::<&()>,
        )
        .await
    }

    pub async fn cancel_upload(&self, planning_id: i64, upload: &str) -> Result<serde_json::Value> {
        self.call(
            Method::DELETE,
            &format!("/plannings/{planning_id}/uploads/{upload}"),
            None::<&()>,
        )
        .await
    }

    pub async fn finish_upload(&self, planning_id: i64, upload: &str) -> Result<PlanningBases> {
        self.call_with(
            Method::POST,
            &format!("/plannings/{planning_id}/uploads/{upload}/finish"),
            |r| r.timeout(FINISH_TIMEOUT),
            None::<&()>,
        )
        .await
    }

    /// Writes a kept base as a `.HHYP` into `out`, reporting (bytes so far, total); returns the bytes written.
    pub async fn download_base(
        &self,
        planning_id: i64,
        base_id: i64,
        out: &mut std::fs::File,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<u64> {
        let url = format!(
            "https://{}{API_PREFIX}/plannings/{planning_id}/bases/{base_id}/hhyp",
            self.address
        );
        let mut req = self.http.get(&url).timeout(FINISH_TIMEOUT);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let mut resp = req.send().await.map_err(|e| transport_error(&e, &self.address))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let bytes = resp.bytes().await.map_err(|e| transport_error(&e, &self.address))?;
            return Err(refusal(status, &bytes));
        }
        let total = resp.content_length().unwrap_or(0);
        let mut done = 0u64;
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&e, &self.address))? {
            out.write_all(&chunk)?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        if total > 0 && done != total {
            return Err(Error::new(
                crate::ErrorCode::Unreachable,
                format!("The download stopped after {done} of {total} bytes: try again."),
                format!("Le téléchargement s'est arrêté après {done} octets sur {total} : réessayez."),
            ));
        }
        Ok(done)
    }
}
