//! The controller as a real process on a data directory, so that a test can kill it with SIGKILL at any instant
//! and start it again on the same address.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct ControllerProcess {
    child: Option<Child>,
    data: PathBuf,
    pub address: String,
}

impl ControllerProcess {
    /// `planhost-controller serve` on `data` (already initialised), on `listen` ("127.0.0.1:0" for any port).
    pub fn serve(data: &Path, listen: &str) -> ControllerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_planhost-controller"))
            .args(["serve", "--listen", listen, "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        ControllerProcess {
            child: Some(child),
            data: data.to_owned(),
            address,
        }
    }

    /// SIGKILL: no destructor, no flush, no shutdown of SQLite.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Killed, then started again on the same address and data.
    pub fn restart_after_kill(&mut self) {
        self.kill_9();
        *self = ControllerProcess::serve(&self.data.clone(), &self.address.clone());
    }
}

impl Drop for ControllerProcess {
    fn drop(&mut self) {
        self.kill_9();
    }
}
