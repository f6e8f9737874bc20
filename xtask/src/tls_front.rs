//! An HTTPS front for the local OSV API, so that the bench can also measure every client as it reaches
//! api.osv.dev: over TLS, with HTTP/2 for the clients that offer it (Chromium does, and then sends all of a page's
//! requests at once over one connection, where plain HTTP/1.1 holds it to 6 connections per host).
//!
//! The front is Debian's nginx, proxying to the local server, so that the answers, the injected latency and the
//! request log stay the server's own. Its certificate is made for each bench run by openssl: a throwaway authority
//! signs one for `localhost`. uv and pip-audit trust that authority through `SSL_CERT_FILE` and
//! `REQUESTS_CA_BUNDLE`, Node through `NODE_EXTRA_CA_CERTS`, and Chromium the certificate's key, by its SPKI hash.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::toolchain::{self, run_quiet};

/// A running nginx in front of the local server; stopped when dropped.
pub struct TlsFront {
    origin: String,
    authority: PathBuf,
    spki_sha256: String,
    nginx: Child,
}

impl TlsFront {
    /// Starts an HTTPS front on a free port of 127.0.0.1 for the server at `upstream` (`http://127.0.0.1:PORT`),
    /// with its certificates, configuration and log in `folder`.
    pub fn start(upstream: &str, folder: &Path) -> Result<Self, String> {
        toolchain::ensure_debian_packages(
            "nginx and openssl, for the HTTPS front of the local OSV API",
            &["nginx", "openssl"],
        )?;
        let nginx_binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.is_file())
            .ok_or("nginx is installed but not in /usr/sbin or /usr/bin")?;
        let _ = std::fs::remove_dir_all(folder);
        std::fs::create_dir_all(folder).map_err(|error| format!("creating {}: {error}", folder.display()))?;
        let (authority, spki_sha256) = make_certificates(folder)?;
        let port = free_port()?;
        let upstream_address = upstream.trim_start_matches("http://").trim_end_matches('/');
        let config = folder.join("nginx.conf");
        std::fs::write(&config, nginx_config(folder, port, upstream_address))
            .map_err(|error| format!("writing {}: {error}", config.display()))?;
        let nginx = Command::new(&nginx_binary)
            .arg("-p")
            .arg(folder)
            .arg("-c")
            .arg(&config)
            .arg("-e")
            .arg(folder.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("could not start nginx: {error}"))?;
        let mut front = Self { origin: format!("https://localhost:{port}"), authority, spki_sha256, nginx };
        front.wait_until_listening(port, &folder.join("error.log"))?;
        Ok(front)
    }

    /// `https://localhost:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The PEM file of the authority that signed the front's certificate.
    pub fn authority(&self) -> &Path {
        &self.authority
    }

    /// The Chromium switch that trusts the front's certificate, and only it.
    pub fn chromium_switch(&self) -> String {
        format!("--ignore-certificate-errors-spki-list={}", self.spki_sha256)
    }

    fn wait_until_listening(&mut self, port: u16, log: &Path) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.nginx.try_wait() {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!("nginx stopped at once ({status}):\n{text}"));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("nginx did not listen on port {port} within 10 s"))
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = self.nginx.kill();
        let _ = self.nginx.wait();
    }
}

/// Makes an authority and a `localhost` certificate signed by it in `folder`. Returns the authority's PEM file and
/// the base64 SHA-256 of the certificate's public key (what Chromium's SPKI list takes).
fn make_certificates(folder: &Path) -> Result<(PathBuf, String), String> {
    let path = |name: &str| folder.join(name);
    let openssl = |args: &[&str]| run_quiet(Command::new("openssl").args(args).current_dir(folder));
    let p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let authority = ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=osv-lens bench authority"];
    openssl(&[&["req", "-x509"], &p256[..], &authority[..]].concat())
        .map_err(|error| format!("making the bench's certificate authority: {error}"))?;
    std::fs::write(
        path("localhost.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|error| format!("writing the certificate's extensions: {error}"))?;
    openssl(
        &[&["req"], &p256[..], &["-keyout", "localhost.key", "-out", "localhost.csr", "-subj", "/CN=localhost"]]
            .concat(),
    )
    .and_then(|_| {
        openssl(&[
            "x509",
            "-req",
            "-in",
            "localhost.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "localhost.pem",
            "-days",
            "2",
            "-extfile",
            "localhost.ext",
        ])
    })
    .and_then(|_| openssl(&["x509", "-in", "localhost.pem", "-pubkey", "-noout", "-out", "localhost.pub"]))
    .and_then(|_| openssl(&["pkey", "-pubin", "-in", "localhost.pub", "-outform", "der", "-out", "localhost.spki"]))
    .and_then(|_| openssl(&["dgst", "-sha256", "-binary", "-out", "localhost.spki.sha256", "localhost.spki"]))
    .map_err(|error| format!("making the bench's localhost certificate: {error}"))?;
    let hash = openssl(&["base64", "-A", "-in", "localhost.spki.sha256"])
        .map_err(|error| format!("encoding the certificate's key hash: {error}"))?;
    Ok((path("ca.pem"), hash.trim().to_string()))
}

/// A port of 127.0.0.1 that is free now (nginx binds it a moment later).
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| format!("finding a free port: {error}"))?;
    listener.local_addr().map(|address| address.port()).map_err(|error| error.to_string())
}

/// One nginx process (no workers, so that killing it stops it), TLS with HTTP/2 on `port`, every request passed to
/// `upstream` over kept-alive connections. Bodies stay in memory: a querybatch of a thousand packages is ~60 KB.
fn nginx_config(folder: &Path, port: u16, upstream: &str) -> String {
    let folder = folder.display();
    format!(
        "daemon off;
master_process off;
pid {folder}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  client_body_buffer_size 1m;
  client_max_body_size 16m;
  upstream osv {{
    server {upstream};
    keepalive 128;
  }}
  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {folder}/localhost.pem;
    ssl_certificate_key {folder}/localhost.key;
    http2_max_concurrent_streams 512;
    location / {{
      proxy_pass http://osv;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_buffering off;
    }}
  }}
}}
"
    )
}
