//! Issue 15's acceptance: the peak memory of any refused command stays under 100 MB. Each
//! command here is one the issue saw allocate gigabytes (4 billion endpoints, 10,000
//! organisations of 20 million, one-second samples over 300 replications, a sweep grid of 4
//! billion values, PHOLD with 10 billion events, 48 MiB of nested lists, `--script
//! /dev/zero`); each is refused with exit code 2, and its maximum resident set size, as the
//! kernel counts it for the child (`wait4`), is measured.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_blastradius")
}

/// Runs the command to its end: its exit code and peak resident memory in bytes. The child
/// is reaped by `wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn peak(args: &[&str], dir: &std::path::Path) -> (Option<i32>, u64) {
    let child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: plain data out-parameters, filled by the kernel, for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Linux counts ru_maxrss in kilobytes.
    (code, usage.ru_maxrss as u64 * 1024)
}

#[test]
fn refused_commands_stay_under_100_mb() {
    let dir = std::env::temp_dir().join(format!("blastradius-limits-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &[u8]| -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    };
    let billions = file(
        "billions.ron",
        b"(extends: \"hospital-tabletop\", name: \"billions\", fleet: { \"harbour_health\": (organisations: 1000000) })",
    );
    // Written a piece at a time: a child's peak counts from the peak of the process that
    // forked it (Linux copies the high-water mark at fork), so this process stays small.
    let nested = {
        use std::io::Write;
        let path = dir.join("nested.ron");
        let mut w = std::io::BufWriter::new(fs::File::create(&path).unwrap());
        w.write_all(b"(description: [").unwrap();
        for _ in 0..(48 << 20) / 3 {
            w.write_all(b"[],").unwrap();
        }
        w.write_all(b"[]])").unwrap();
        w.flush().unwrap();
        path
    };
    let giants = file(
        "giants.ron",
        b"(extends: \"hospital-tabletop\", name: \"giants\", fleet: { \"harbour_health\": (organisations: 10000, size: (mean: 20000000.0, cv: 0.1, min: 20000000, max: 20000000)) })",
    );
    let dense = file(
        "dense.ron",
        b"(extends: \"hospital-tabletop\", name: \"dense\", horizon: \"2d\", output_interval: \"1s\")",
    );
    let (b, n) = (billions.to_str().unwrap(), nested.to_str().unwrap());
    let (g, d) = (giants.to_str().unwrap(), dense.to_str().unwrap());
    let h = "hospital-tabletop";
    let mut worst = (0, String::new());
    let mut all = Vec::new();
    for args in [
        vec!["run", b],
        vec!["run", b, "--reps", "300"],
        vec!["run", g],
        vec!["run", d, "--reps", "300", "--memory-limit", "8GiB"],
        vec!["compare", h, b],
        vec!["sweep", b, "--set", "vendor.revert=1h,2h"],
        vec!["tabletop", b],
        vec!["bench", "model", b],
        vec!["bench", "phold", "--lps", "100000000", "--events-per-lp", "100"],
        vec!["sweep", h, "--set", "vendor.revert=1h..2h:4000000000"],
        vec!["sweep", h, "--set", "vendor.revert=1h..2h:1000000", "--reps", "100000"],
        vec![
            "sweep",
            h,
            "--set",
            "vendor.revert=1h..2h:1001",
            "--set",
            "vendor.telemetry.latency=1m..2m:1000",
        ],
        vec!["run", h, "--reps", "300", "--memory-limit", "50MB"],
        vec!["run", n],
        vec!["tabletop", h, "--script", "/dev/zero"],
    ] {
        let (code, bytes) = peak(&args, &dir);
        assert_eq!(code, Some(2), "{args:?} was not refused");
        assert!(bytes < 100_000_000, "{args:?} peaked at {bytes} bytes");
        if bytes > worst.0 {
            worst = (bytes, format!("{args:?}"));
        }
        all.push((bytes, format!("{args:?}")));
    }
    eprintln!("the most a refused command took: {} bytes ({})", worst.0, worst.1);
    for (bytes, args) in &all {
        eprintln!("  {bytes:>10} bytes  {args}");
    }
    assert!(!dir.join("reports").exists(), "a refused command wrote a report");
    fs::remove_dir_all(&dir).unwrap();
}
