//! `blastradius tabletop SCENARIO --serve`: the tabletop served to a classroom's browsers from
//! the binary itself. A facilitator console, a projector view and team views, live by
//! server-sent events, on axum over a single-threaded tokio runtime; the pages are embedded
//! (`assets/`), so nothing is fetched from anywhere else.
//!
//! The session is `blastradius_tabletop`'s, owned by one thread (`host.rs`); the web layer only
//! turns clicks into its command lines, so a web session's transcript is that of `--script`
//! with the same commands (its `commands.txt`). `access.rs` decides who may do what,
//! `routes.rs` is the HTTP surface, `json.rs` the state the pages read.
//!
//! By default the server listens on 127.0.0.1 only. `--bind` to any other address serves a
//! classroom network and needs a join code, random unless `--join-code` gives one; the server
//! refuses to start without one.

mod access;
mod host;
mod json;
mod routes;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use clap::Args;
use tokio::sync::watch;

use super::output::OutputDir;
use super::{CliError, CliResult};
use crate::tabletop::Debriefing;
use access::Access;
use blastradius_tabletop::{Session, SessionError};
use host::{Host, HostInfo, Last, Published};

/// The flags of `tabletop --serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve the session to browsers: a facilitator console, a projector view and team views
    #[arg(long, conflicts_with = "script")]
    pub serve: bool,
    /// Port to listen on (0: any free port, printed at start)
    #[arg(long, default_value_t = 8080, requires = "serve")]
    pub port: u16,
    /// Address to listen on: 127.0.0.1 (this machine only), or e.g. 0.0.0.0 for a classroom
    /// network, which needs a join code
    #[arg(long, default_value = "127.0.0.1", requires = "serve")]
    pub bind: String,
    /// The join code teams and the projector need (default: random when --bind reaches beyond
    /// this machine, none otherwise)
    #[arg(long, requires = "serve")]
    pub join_code: Option<String>,
    /// Open the facilitator console in the default browser
    #[arg(long, requires = "serve")]
    pub open: bool,
}

/// Everything `serve` needs from `tabletop`: the checked flags, and how to build a session.
pub struct Served {
    pub scenario: String,
    pub out: OutputDir,
    /// `--force`: later groups' debrief folders may replace what is there too.
    pub force: bool,
    pub debriefing: Debriefing,
    pub fresh: Box<dyn Fn() -> Result<Session, SessionError> + Send>,
}

/// The address to listen on, and whether it reaches only this machine.
fn address(bind: &str, port: u16) -> Result<(SocketAddr, Option<String>), CliError> {
    if let Ok(ip) = bind.parse::<IpAddr>() {
        return Ok((SocketAddr::new(ip, port), None));
    }
    if bind.eq_ignore_ascii_case("localhost") {
        return Ok((SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port), None));
    }
    Err(CliError::input(format!(
        "--bind {bind}: not an IP address\n  hint: 127.0.0.1 serves this machine only, 0.0.0.0 \
         every network it is on"
    )))
}

/// The join code the server uses: given, random, or none on loopback. Listening beyond this
/// machine without one is refused.
fn join_code(args: &ServeArgs, loopback: bool) -> Result<Option<String>, CliError> {
    match &args.join_code {
        Some(code) if code.trim().is_empty() && !loopback => Err(CliError::input(format!(
            "--bind {}: a server on a network needs a join code, and --join-code is empty\n  \
             hint: leave --join-code out for a random one, or --bind 127.0.0.1 for this machine only",
            args.bind
        ))),
        Some(code) if code.trim().is_empty() => Ok(None),
        Some(code) => access::check_join_code(code).map(Some).map_err(CliError::Input),
        None if loopback => Ok(None),
        None => access::new_join_code().map(Some).map_err(|e| {
            CliError::Failed(anyhow::anyhow!(
                "--bind {}: a server on a network needs a join code, and {e}; the server does \
                 not start without one",
                args.bind
            ))
        }),
    }
}

/// Opens a page in the default browser, or says why not.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!(
            "warning: --open: could not start {opener}: {e}; open the console's address by hand"
        );
    }
}

/// The checked flags and the listening socket: everything that bad input can make fail,
/// done before the session is built.
type Listening = (TcpListener, Option<String>, Option<String>, String);

fn listen(args: &ServeArgs) -> Result<Listening, CliError> {
    let (addr, bound_name) = address(&args.bind, args.port)?;
    let loopback = access::is_loopback(addr.ip());
    let join_code = join_code(args, loopback)?;
    let facilitator_token = access::new_token()
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot make the facilitator token: {e}")))?;
    let listener = TcpListener::bind(addr).map_err(|e| {
        CliError::input(format!(
            "--bind {} --port {}: cannot listen there: {e}\n  hint: --port 0 picks any free port",
            args.bind, args.port
        ))
    })?;
    listener.set_nonblocking(true)?;
    Ok((listener, bound_name, join_code, facilitator_token))
}

pub fn serve(args: &ServeArgs, served: Served) -> CliResult {
    let Served { scenario, out, force, debriefing, fresh } = served;
    let (listener, bound_name, join_code, facilitator_token) = match listen(args) {
        Ok(l) => l,
        Err(e) => {
            out.abandon();
            return Err(e);
        }
    };
    let local = listener.local_addr()?;
    // The address pages are opened at: a wildcard address is reached here as loopback.
    let shown_ip = if local.ip().is_unspecified() {
        if local.is_ipv4() {
            IpAddr::from([127, 0, 0, 1])
        } else {
            IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
        }
    } else {
        local.ip()
    };
    let base = format!("http://{}", SocketAddr::new(shown_ip, local.port()));
    let code_part = join_code.as_ref().map(|c| format!("#code={c}")).unwrap_or_default();
    let console_url = format!("{base}/console#token={facilitator_token}");
    let team_url = format!("{base}/team{code_part}");

    let session = match fresh() {
        Ok(s) => s,
        Err(e) => {
            out.abandon();
            return Err(crate::tabletop::failed(e));
        }
    };
    let out_base = out.path().to_path_buf();
    let info = HostInfo {
        playing: None,
        group: 1,
        join_code: join_code.clone(),
        team_url: team_url.clone(),
        debrief_files: Vec::new(),
        debrief_folder: None,
    };
    let host = Host {
        session,
        fresh,
        debriefing,
        info,
        last: Last::default(),
        out: Some(out),
        out_base,
        force,
        debrief_dir: None,
        version: 0,
    };
    let (requests_tx, requests_rx) = std::sync::mpsc::channel();
    let (state_tx, state_rx) = watch::channel(Arc::new(Published {
        version: 0,
        public: Arc::from("{}"),
        console: Arc::from("{}"),
        busy: Some("starting".into()),
        debrief_dir: None,
    }));
    let session_thread = std::thread::Builder::new()
        .name("tabletop-session".into())
        .spawn(move || host::run(host, requests_rx, state_tx))?;

    let mut lines = vec![format!("Serving the tabletop of {scenario} at {base} (Ctrl-C stops it)")];
    lines.push(format!("  console    {console_url}"));
    lines.push(format!("  projector  {base}/projector{code_part}"));
    lines.push(format!("  team       {team_url}"));
    match &join_code {
        Some(code) => lines.push(format!("  join code  {code}")),
        None => lines.push("  join code  none: only this machine can reach the server".into()),
    }
    if local.ip().is_unspecified() {
        lines.push(format!(
            "  Teams on the classroom network open http://<this machine's address>:{}/team and \
             enter the join code.",
            local.port()
        ));
    }
    super::scenarios::print(&format!("{}\n", lines.join("\n")))?;
    if args.open {
        open_browser(&console_url);
    }

    let app = routes::App {
        access: Arc::new(Access { facilitator_token, join_code }),
        requests: requests_tx,
        state: state_rx,
        streams: Arc::new(AtomicUsize::new(0)),
        bound_name,
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot start the web server: {e}")))?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, routes::router(app)).await
    });
    drop(session_thread);
    served.map_err(|e| CliError::Failed(anyhow::anyhow!("the web server stopped: {e}")))
}
