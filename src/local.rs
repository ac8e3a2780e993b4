//! The local controller: the same controller and server, run inside the desktop console on 127.0.0.1 with its own
//! data directory. Its first start creates a demo hosting account whose credentials the first screen shows.

use crate::controller::{write_private, Controller, NewAccount, DEFAULT_PLANNINGS};
use crate::error::{Error, Result};
use crate::server::{self, RunningServer};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use ts_rs::TS;

const DEMO_FILE: &str = "demo-account.json";

/// What the first screen shows about the local controller.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LocalControllerInfo {
    pub address: String,
    pub demo: Option<DemoAccount>,
}

/// The demo account's credentials, as a provider would send them.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DemoAccount {
    pub hosting_number: String,
    pub console_password: String,
    pub invoice_number: String,
}

pub struct LocalController {
    pub controller: Arc<Controller>,
    pub server: RunningServer,
    pub info: LocalControllerInfo,
}

/// Opens (creating on first use) the controller in `data_dir/local-controller` and serves it on a free port.
pub async fn start(data_dir: &Path) -> Result<LocalController> {
    let dir = data_dir.join("local-controller");
    let controller = if Controller::is_initialised(&dir) {
        Controller::open(&dir)?
    } else {
        let c = Controller::init(&dir, None, None)?;
        let NewAccount {
            hosting_number,
            console_password,
            invoice_number,
            ..
        } = c.create_account(DEFAULT_PLANNINGS)?;
        let demo = DemoAccount {
            hosting_number,
            console_password,
            invoice_number,
        };
        // The provider's side of the demo: kept on the controller, owner-only, like its keys.
        write_private(
            &dir.join(DEMO_FILE),
            &serde_json::to_vec_pretty(&demo).map_err(Error::internal)?,
        )?;
        c
    };
    let demo = std::fs::read(dir.join(DEMO_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let controller = Arc::new(controller);
    let server = server::start(controller.clone(), ([127, 0, 0, 1], 0).into()).await?;
    let info = LocalControllerInfo {
        address: server.addr.to_string(),
        demo,
    };
    Ok(LocalController {
        controller,
        server,
        info,
    })
}
