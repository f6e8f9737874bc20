//! A small HTTP/1.1 client over real sockets, for the host tests that drive the core's [`Transport`] against the
//! local servers: one fresh connection per request, each on a thread of its own, so that the core's concurrency is
//! real. Answers must not be chunked (the local servers send `Content-Length`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use osv_lens::http::{HttpRequest, HttpResponse, Transport, TransportError};

/// Sends each request on a thread of its own over a fresh connection.
#[derive(Debug, Clone, Default)]
pub struct ThreadTransport;

impl Transport for ThreadTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let (sender, receiver) = futures::channel::oneshot::channel();
        let request = request.clone();
        std::thread::spawn(move || {
            let _ = sender.send(send_blocking(&request));
        });
        receiver.await.unwrap_or_else(|_| Err(TransportError::Network("the request thread ended".into())))
    }

    async fn sleep(&self, millis: u32) {
        let (sender, receiver) = futures::channel::oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(millis.into()));
            let _ = sender.send(());
        });
        let _ = receiver.await;
    }

    fn random(&self) -> f64 {
        0.5
    }
}

/// Sends `request` (an `http://` URL) and reads the whole answer.
pub fn send_blocking(request: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let network = |error: std::io::Error| TransportError::Network(error.to_string());
    let rest = request
        .url
        .strip_prefix("http://")
        .ok_or_else(|| TransportError::Network(format!("not an http:// URL: {}", request.url)))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).map_err(network)?;
    stream.set_read_timeout(Some(Duration::from_millis(request.timeout_ms.into()))).map_err(network)?;
    let body = request.body.as_deref().unwrap_or("");
    let mut head = format!("{} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n", request.method.as_str());
    if request.body.is_some() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).map_err(network)?;
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            return Err(TransportError::Timeout)
        }
        Err(error) => return Err(network(error)),
    }
    let end = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| TransportError::Network("no header end".into()))?;
    let head = String::from_utf8_lossy(&answer[..end]);
    let mut lines = head.lines();
    let status = lines.next().and_then(|line| line.split_whitespace().nth(1)).and_then(|s| s.parse().ok());
    let mut response = HttpResponse::new(status.unwrap_or(0), answer[end + 4..].to_vec());
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            response = response.with_header(name.trim(), value.trim());
        }
    }
    Ok(response)
}
