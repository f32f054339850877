//! `tabletop --serve` over HTTP, through the real binary: a web session's transcript is the
//! transcript of `--script` with the same commands; without the join code or the facilitator
//! token a request gets 403; a server beyond loopback does not start without a join code;
//! malformed requests get a 4xx with a message; clients that vanish mid-stream leave the
//! server serving. (`tests/browser.rs` drives the pages themselves in Chromium.)

#[path = "support/web.rs"]
mod web;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use web::{request, scratch, serve};

fn blastradius(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

/// The commands of a web session: console clicks, a note, a team's proposal and its fate.
const SESSION: [(&str, &str); 12] = [
    ("command", "next"),
    ("propose", "red|technicians hospital 20|the clinics are on their own"),
    ("command", "# the room argues about paper"),
    ("command", "inject fallback hospital"),
    ("command", "undo"),
    ("command", "accept 1"),
    ("propose", "blue|escrow hospital|"),
    ("command", "until revert"),
    ("command", "reject 2 the keys are not the problem yet"),
    ("command", "run 2h"),
    ("command", "status hospital"),
    ("command", "end"),
];

#[test]
fn a_web_session_gives_the_transcript_of_the_same_commands_as_a_script() {
    let out = scratch("transcript");
    let served = serve("hospital-tabletop", &out, &[]);
    for (kind, text) in SESSION {
        let r = match kind {
            "command" => served.command(text),
            _ => {
                let parts: Vec<&str> = text.split('|').collect();
                served.propose(parts[0], parts[1], parts[2])
            }
        };
        assert_eq!(r.status, 200, "{text}: {}", r.body);
        assert_eq!(r.json()["ok"], true, "{text}: {}", r.body);
    }
    let transcript = served.debrief("transcript.txt");
    assert_eq!(transcript.status, 200, "{}", transcript.body);
    assert!(transcript.header("content-disposition").unwrap().contains("attachment"));
    let commands = served.debrief("commands.txt").body;
    // The commands are the lines the clicks became, the proposals with their team and reason.
    let expected = "next\npropose red technicians hospital 20 -- the clinics are on their own\n\
                    # the room argues about paper\ninject fallback hospital\nundo\naccept 1\n\
                    propose blue escrow hospital\nuntil revert\nreject 2 the keys are not the \
                    problem yet\nrun 2h\nstatus hospital\nend\n";
    assert_eq!(commands, expected);
    for says in [
        "Proposal 1 from red at Fri 05:09 UTC: inject technicians hospital 20 (the clinics are on",
        "Accepted proposal 1 from red.",
        "proposed by red: 20 more technicians at every hospital",
        "Rejected proposal 2 from blue: the keys are not the problem yet.",
        "Inject, Fri 04:19 UTC (T+10m): The emergency department goes blue.",
    ] {
        assert!(transcript.body.contains(says), "the transcript lacks {says:?}");
    }
    let debrief = served.debrief("debrief.txt").body;
    assert!(debrief.contains("The teams' proposals (2 in all, 1 accepted)"), "{debrief}");
    assert!(debrief.contains("(proposed by red)"), "{debrief}");
    assert!(debrief.contains("Compared with the same scenario and seed without your decisions"));
    assert!(served.debrief("report.html").body.contains("<section id=\"debrief\">"));
    assert_eq!(served.debrief("summary.json").status, 404, "only the listed files");
    drop(served);

    // The same commands as a script give the same transcript, byte for byte.
    let script_dir = scratch("transcript-script");
    std::fs::create_dir_all(&script_dir).unwrap();
    let script = script_dir.join("commands.txt");
    std::fs::write(&script, &commands).unwrap();
    let replay = script_dir.join("out");
    let o = blastradius(&[
        "tabletop",
        "hospital-tabletop",
        "--script",
        script.to_str().unwrap(),
        "--out",
        replay.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let replayed = std::fs::read_to_string(replay.join("transcript.txt")).unwrap();
    assert_eq!(replayed, transcript.body);
    assert_eq!(std::fs::read_to_string(out.join("transcript.txt")).unwrap(), replayed);
    for dir in [out, script_dir] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn without_the_join_code_and_the_token_requests_get_403() {
    let out = scratch("access");
    let served = serve("hospital-tabletop", &out, &["--bind", "0.0.0.0"]);
    let code = served.code.clone().expect("a server on 0.0.0.0 prints a join code");
    assert_eq!(code.len(), 9, "{code}");
    let addr = served.addr.clone();
    let get = |path: &str, headers: &[(&str, &str)]| request(&addr, "GET", path, headers, None);
    let json = ("Content-Type", "application/json");
    let post = |path: &str, headers: &[(&str, &str)], body: &str| {
        let mut h = vec![json];
        h.extend_from_slice(headers);
        request(&addr, "POST", path, &h, Some(body))
    };
    let wrong = "WRNG-C0DE";
    let token = served.token.as_str();
    let line = r#"{"line": "next"}"#;
    let proposal = r#"{"team": "red", "decision": "technicians hospital 5"}"#;
    let with_code = [("X-Blastradius-Code", code.as_str())];
    let forbidden = [
        get("/api/state", &[]),
        get("/api/state?view=public", &[("X-Blastradius-Code", wrong)]),
        get(&format!("/api/state?code={wrong}"), &[]),
        get("/api/events?view=public", &[]),
        get("/api/state?view=console", &with_code),
        get("/api/events?view=console", &with_code),
        get(&format!("/api/state?view=console&token={}", &token[..31]), &[]),
        post("/api/command", &[], line),
        post("/api/command", &with_code, line),
        post("/api/command", &[("X-Blastradius-Token", "0123456789abcdef0123456789abcdef")], line),
        post("/api/control", &with_code, r#"{"action": "reset"}"#),
        post("/api/propose", &[], proposal),
        post("/api/propose", &[("X-Blastradius-Code", wrong)], proposal),
        get("/api/debrief/debrief.txt", &with_code),
    ];
    for r in &forbidden {
        assert_eq!(r.status, 403, "{r:?}");
        assert!(r.json()["error"].as_str().is_some_and(|e| !e.is_empty()), "{r:?}");
    }
    // With them: the room reads and proposes, the facilitator commands.
    assert_eq!(get("/api/state", &with_code).status, 200);
    let lower = code.to_lowercase().replace('-', "");
    assert_eq!(get(&format!("/api/state?code={lower}"), &[]).status, 200, "codes are loose");
    assert_eq!(post("/api/propose", &with_code, proposal).status, 200);
    assert_eq!(get("/api/state?view=console", &[("X-Blastradius-Token", token)]).status, 200);
    assert_eq!(post("/api/command", &[("X-Blastradius-Token", token)], line).status, 200);
    // The pages themselves hold no data and no secret.
    let page = get("/console", &[]);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(token) && !page.body.contains(&code));
    // A page on another site that points its name here is refused.
    let rebound = request(&addr, "GET", "/api/state", &[("Host", "evil.example")], None);
    assert_eq!(rebound.status, 403, "{rebound:?}");
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn a_server_on_a_network_refuses_to_start_without_a_join_code() {
    let out = scratch("no-code");
    let o = out.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--bind", "0.0.0.0", "--join-code", ""], "needs a join code"),
        (&["--bind", "0.0.0.0", "--join-code", "ab"], "at least 6 letters or digits"),
        (&["--bind", "0.0.0.0", "--join-code", "room 4b <x>"], "letters, digits and `-` only"),
        (&["--bind", "classroom", "--port", "0"], "not an IP address"),
        (&["--port", "0"], "--serve"),
    ];
    for (extra, says) in cases {
        let mut args = vec!["tabletop", "hospital-tabletop", "--out", o];
        if extra != ["--port", "0"] {
            args.push("--serve");
        }
        args.extend_from_slice(extra);
        let r = blastradius(&args);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(r.stdout.is_empty(), "{args:?} printed a console address");
    }
    // --serve and --script are two ways to run a session, not one.
    let r = blastradius(&["tabletop", "hospital-tabletop", "--serve", "--script", "x.txt"]);
    assert_eq!(r.status.code(), Some(2));
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn malformed_requests_get_a_4xx_with_a_message() {
    let out = scratch("malformed");
    let served = serve("hospital-tabletop", &out, &[]);
    let token = served.token.clone();
    let auth = ("X-Blastradius-Token", token.as_str());
    let json = ("Content-Type", "application/json");
    let post = |path: &str, headers: &[(&str, &str)], body: &str| {
        request(&served.addr, "POST", path, headers, Some(body))
    };
    let big = format!("{{\"line\": \"{}\"}}", "x".repeat(40_000));
    let cases: Vec<(web::Response, u16, &str)> = vec![
        (post("/api/command", &[auth, json], "{not json"), 400, "not JSON"),
        (post("/api/command", &[auth, json], "[1, 2]"), 400, "JSON object"),
        (
            post("/api/command", &[auth], r#"{"line": "next"}"#),
            415,
            "Content-Type: application/json",
        ),
        (post("/api/command", &[auth, json], "{}"), 400, "`line` is missing"),
        (post("/api/command", &[auth, json], r#"{"line": 7}"#), 400, "must be a string"),
        (post("/api/command", &[auth, json], r#"{"line": "next\nend"}"#), 400, "one line"),
        (post("/api/command", &[auth, json], &big), 413, ""),
        (
            post("/api/command", &[auth, json], r#"{"line": "fly to mars"}"#),
            422,
            "unknown command `fly`",
        ),
        (
            post("/api/control", &[auth, json], r#"{"action": "rewind"}"#),
            400,
            "play, pause or reset",
        ),
        (
            post("/api/control", &[auth, json], r#"{"action": "play", "every_s": 0}"#),
            400,
            "every_s",
        ),
        (
            post("/api/propose", &[json], r#"{"team": "red team", "decision": "halt"}"#),
            400,
            "not a team name",
        ),
        (
            post("/api/propose", &[json], r#"{"team": "red", "decision": "halt -- x -- y"}"#),
            400,
            "` -- `",
        ),
        (
            post("/api/propose", &[json], r#"{"team": "red", "decision": "teleport"}"#),
            422,
            "unknown decision",
        ),
        (
            post("/api/propose", &[json], r#"{"team": "red", "decision": "end"}"#),
            422,
            "unknown decision `end`",
        ),
        (post("/api/command", &[auth, json], r#"{"line": "accept 9"}"#), 422, "no proposal 9"),
        (
            request(&served.addr, "GET", "/api/nothing", &[], None),
            404,
            "nothing at GET /api/nothing",
        ),
        (
            request(&served.addr, "DELETE", "/api/command", &[auth], None),
            405,
            "does not take DELETE",
        ),
        (request(&served.addr, "GET", "/assets/../../etc/passwd", &[], None), 404, ""),
        (request(&served.addr, "GET", "/api/state?view=secret", &[], None), 400, "no view"),
        (
            request(
                &served.addr,
                "GET",
                &format!("/api/debrief/debrief.txt?token={token}"),
                &[],
                None,
            ),
            404,
            "no debrief yet",
        ),
    ];
    for (r, status, says) in cases {
        assert_eq!(r.status, status, "{r:?}");
        if !says.is_empty() {
            assert!(r.body.contains(says), "{says:?} not in {r:?}");
        }
        assert!((400..500).contains(&r.status));
    }
    // After all that the session is where it was, and goes on.
    let r = served.command("next");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(served.state()["situation"]["elapsed"], "T+1h");
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn the_server_survives_clients_that_disconnect_mid_stream() {
    let out = scratch("disconnect");
    let served = serve("hospital-tabletop", &out, &[]);
    let addr = served.addr.clone();
    let open_stream = || {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET /api/events?view=public HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut first = [0u8; 512];
        let n = s.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).contains("200 OK"));
        s
    };
    // Streams dropped after their first bytes, one half-sent request, and streams left open
    // while the state changes under them.
    for _ in 0..20 {
        drop(open_stream());
    }
    let mut half = TcpStream::connect(&addr).unwrap();
    write!(half, "POST /api/command HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100\r\n\r\n{{\"li")
        .unwrap();
    drop(half);
    let open: Vec<TcpStream> = (0..10).map(|_| open_stream()).collect();
    for _ in 0..3 {
        assert_eq!(served.command("next").status, 200);
    }
    drop(open);
    assert_eq!(served.command("next").status, 200);
    assert_eq!(served.state()["situation"]["elapsed"], "T+4h");
    std::fs::remove_dir_all(out).ok();
}
