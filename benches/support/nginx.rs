//! nginx (Debian package), the reference the benchmarks compare with: on a free port of 127.0.0.1, TLS 1.3 with the
//! controller's own server certificate, client certificates verified against the controller's CA (or none asked, to
//! compare with a planning server, which asks none).

use crate::webdriver::{free_port, Killed};
use std::path::Path;
use std::process::{Command, Stdio};

/// Serves `dir/www`; `directives` are added to the server block (a location, say). Returns the process and its port.
#[allow(dead_code)] // not every benchmark uses both
pub fn nginx(dir: &Path, data: &Path, directives: &str) -> (Killed, u16) {
    nginx_with(dir, data, directives, true)
}

/// The same, asking no client certificate.
#[allow(dead_code)] // not every benchmark uses both
pub fn nginx_public(dir: &Path, data: &Path, directives: &str) -> (Killed, u16) {
    nginx_with(dir, data, directives, false)
}

fn nginx_with(dir: &Path, data: &Path, directives: &str, verify_clients: bool) -> (Killed, u16) {
    let port = free_port();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::create_dir_all(dir.join("www")).unwrap();
    let conf = format!(
        "worker_processes auto; pid {d}/nginx.pid; error_log {d}/error.log; daemon off;
# Run as root (as here), workers would otherwise switch to nobody and not write in this private folder.
user root;
events {{ worker_connections 4096; }}
http {{
  access_log off; default_type application/json; keepalive_requests 1000000;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  server {{
    listen 127.0.0.1:{port} ssl; root {d}/www;
    ssl_protocols TLSv1.3;
    ssl_certificate {data}/server.pem; ssl_certificate_key {data}/server.key;
    {clients}
    {directives}
  }}
}}
",
        d = dir.display(),
        data = data.display(),
        clients = if verify_clients {
            format!(
                "ssl_client_certificate {}/ca.pem; ssl_verify_client on;",
                data.display()
            )
        } else {
            String::new()
        }
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new("nginx")
        .args(["-c", dir.join("nginx.conf").to_str().unwrap(), "-e", "stderr"])
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx (apt install nginx-light)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (Killed(child), port)
}
