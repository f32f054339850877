//! What the web tests share: a served tabletop (the real binary, on a free port), and a small
//! HTTP/1.1 client over a plain socket, enough for the server's JSON requests and for a
//! WebDriver server. Nothing here leaves this machine.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `blastradius tabletop --serve` process, stopped when dropped.
pub struct Served {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    pub token: String,
    pub code: Option<String>,
    pub out: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blastradius-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Starts the server and reads the addresses it prints.
pub fn serve(scenario: &str, out: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tabletop", scenario, "--serve", "--port", "0", "--threads", "1", "--out"])
        .arg(out)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let (mut addr, mut token, mut code) = (None, None, None);
    for line in lines.by_ref() {
        let line = line.expect("stdout is text");
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["console", url] => {
                let (base, t) = url.split_once("/console#token=").expect("a console URL");
                addr = Some(base.trim_start_matches("http://").to_string());
                token = Some(t.to_string());
            }
            ["join", "code", c] => code = Some(c.to_string()),
            ["join", "code", ..] => break,
            _ => {}
        }
        if line.trim_start().starts_with("join code") {
            break;
        }
    }
    // Keep reading what it prints, so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let addr = addr.expect("the server printed its console address");
    // A 0.0.0.0 server is reached here on loopback, which is what it prints.
    Served { child, addr, token: token.expect("a token"), code, out: out.to_path_buf() }
}

/// A response: status, headers (lower-case names) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// One request on its own connection (`Connection: close`).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method == "POST" {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).unwrap();
    // Read the head, then as much body as it announces (a WebDriver server keeps the
    // connection open whatever the request says), or to the end.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).unwrap();
        raw.extend_from_slice(&buf[..n]);
        if n == 0 || complete(&raw) {
            break;
        }
    }
    parse_response(&raw)
}

/// Whether a response read so far is whole: its announced length, or a last chunk.
fn complete(raw: &[u8]) -> bool {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return body.len() >= len;
    }
    if head.contains("transfer-encoding: chunked") {
        return body.ends_with(b"0\r\n\r\n");
    }
    false
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")) {
        rest = dechunk(&rest);
    }
    Response { status, headers, body: String::from_utf8_lossy(&rest).to_string() }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}

impl Served {
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A command line, as the console sends it.
    pub fn command(&self, line: &str) -> Response {
        let body = serde_json::json!({ "line": line }).to_string();
        request(
            &self.addr,
            "POST",
            "/api/command",
            &[("Content-Type", "application/json"), ("X-Blastradius-Token", &self.token)],
            Some(&body),
        )
    }

    /// A team's proposal, as the team view sends it.
    pub fn propose(&self, team: &str, decision: &str, why: &str) -> Response {
        let body =
            serde_json::json!({ "team": team, "decision": decision, "why": why }).to_string();
        let code = self.code.clone().unwrap_or_default();
        request(
            &self.addr,
            "POST",
            "/api/propose",
            &[("Content-Type", "application/json"), ("X-Blastradius-Code", &code)],
            Some(&body),
        )
    }

    pub fn control(&self, body: serde_json::Value) -> Response {
        request(
            &self.addr,
            "POST",
            "/api/control",
            &[("Content-Type", "application/json"), ("X-Blastradius-Token", &self.token)],
            Some(&body.to_string()),
        )
    }

    /// The public state, with the join code if there is one.
    pub fn state(&self) -> serde_json::Value {
        let code = self.code.clone().unwrap_or_default();
        request(&self.addr, "GET", "/api/state?view=public", &[("X-Blastradius-Code", &code)], None)
            .json()
    }

    /// A debrief file, with the facilitator token.
    pub fn debrief(&self, file: &str) -> Response {
        request(&self.addr, "GET", &format!("/api/debrief/{file}?token={}", self.token), &[], None)
    }
}
