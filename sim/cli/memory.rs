//! How much memory a command may take, and the refusal of one that cannot fit, before anything
//! is allocated. The limit is the memory the machine has available now (Linux's
//! `MemAvailable`, lowered by the process's memory cgroup and its address-space limit when
//! they are tighter), or `--memory-limit SIZE` when the user knows better. The estimates are
//! `study::budget`'s; this file only reads the machine and words the refusal.

use blastradius_study::budget::Estimate;

use super::CliError;

/// The most a command may take, and where the figure came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub bytes: f64,
    /// "available (MemAvailable in /proc/meminfo)", "--memory-limit 8GiB", ...
    pub from: String,
    /// Whether the user gave it.
    pub flag: bool,
}

/// The limit: `--memory-limit` if given, else what the machine has available; `None` where
/// the machine does not say (the command then runs unchecked).
pub fn limit(flag: Option<&str>) -> Result<Option<Limit>, CliError> {
    if let Some(text) = flag {
        let bytes = parse_size(text).map_err(|e| {
            CliError::input(format!(
                "--memory-limit {text}: {e}\n  hint: a size with a unit, e.g. --memory-limit 16GiB, 512MiB or 2TB"
            ))
        })?;
        return Ok(Some(Limit { bytes, from: format!("--memory-limit {text}"), flag: true }));
    }
    Ok(available())
}

/// What the machine has available now, the tightest of what it says.
pub fn available() -> Option<Limit> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let mut best: Option<Limit> = None;
    let mut offer = |bytes: f64, from: String| {
        if bytes.is_finite() && best.as_ref().is_none_or(|b| bytes < b.bytes) {
            best = Some(Limit { bytes: bytes.max(0.0), from, flag: false });
        }
    };
    if let Some(kib) = read("/proc/meminfo").as_deref().and_then(|t| field(t, "MemAvailable:")) {
        offer(kib * 1024.0, "available (MemAvailable in /proc/meminfo)".into());
    }
    if let Some(cgroups) = read("/proc/self/cgroup") {
        for line in cgroups.lines() {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(b), Some(c)) => (a, b, c),
                _ => continue,
            };
            // cgroup v2 (one hierarchy, no controller names) and v1 (the memory hierarchy).
            let (dirs, max, current) = if controllers.is_empty() {
                (
                    vec![format!("/sys/fs/cgroup{path}"), "/sys/fs/cgroup".to_string()],
                    "memory.max",
                    "memory.current",
                )
            } else if controllers.split(',').any(|c| c == "memory") {
                (
                    vec![
                        format!("/sys/fs/cgroup/memory{path}"),
                        "/sys/fs/cgroup/memory".to_string(),
                    ],
                    "memory.limit_in_bytes",
                    "memory.usage_in_bytes",
                )
            } else {
                continue;
            };
            for dir in dirs {
                let number = |name: &str| {
                    read(&format!("{dir}/{name}")).and_then(|t| t.trim().parse::<f64>().ok())
                };
                // "max", or v1's 2^63 rounded to a page: no limit.
                if let (Some(max), Some(current)) = (number(max), number(current)) {
                    if max < 4.0e18 {
                        offer(max - current, format!("left in the memory cgroup ({dir})"));
                    }
                    break;
                }
            }
        }
    }
    if let Some(limits) = read("/proc/self/limits")
        && let Some(line) = limits.lines().find(|l| l.starts_with("Max address space"))
        && let Some(soft) = line["Max address space".len()..]
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<f64>().ok())
    {
        let used =
            read("/proc/self/status").as_deref().and_then(|t| field(t, "VmSize:")).unwrap_or(0.0);
        // Each thread reserves an allocator arena and a stack beyond what it uses.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64 + 1.0;
        offer(
            soft - used * 1024.0 - threads * 72.0 * 1024.0 * 1024.0,
            "left under the address-space limit (ulimit -v)".into(),
        );
    }
    best
}

/// This process's peak resident memory so far, in bytes (`VmHWM`; `None` off Linux).
pub fn peak_resident() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    field(&status, "VmHWM:").map(|kib| kib * 1024.0)
}

/// A `Name:   123 kB` line's number.
fn field(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l[name.len()..].split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
}

/// A size with a unit: `16GiB`, `512MiB`, `2TB`, `8G` (G, M, K, T are binary, as `ulimit` and
/// `sort -S` read them), or plain bytes.
pub fn parse_size(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 =
        number.parse().map_err(|_| format!("\"{t}\" is not a size (a number, then a unit)"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("\"{other}\" is not a unit of size")),
    };
    let bytes = number * factor;
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(format!("\"{t}\" is not a size above zero"));
    }
    Ok(bytes)
}

/// Bytes in words: `1.5 GiB (1,610,612,736 bytes)`.
pub fn bytes_text(bytes: f64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    let exact = if bytes < 1e18 {
        let digits = format!("{bytes:.0}");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{bytes:.3e}")
    };
    if unit == 0 {
        format!("{exact} bytes")
    } else {
        format!("{value:.1} {} ({exact} bytes)", units[unit])
    }
}

/// Refuses `what` (e.g. "this run") when its estimate is above the limit: exit 2, with the
/// estimate, the limit, the largest parts and a hint. Without a limit, everything passes.
pub fn check(
    estimate: &Estimate,
    limit: Option<&Limit>,
    what: &str,
    hint: &str,
) -> Result<(), CliError> {
    let Some(limit) = limit else { return Ok(()) };
    let total = estimate.total();
    if total <= limit.bytes {
        return Ok(());
    }
    let mut message = format!(
        "{what} needs about {} of memory, more than the {} {}",
        bytes_text(total),
        bytes_text(limit.bytes),
        if limit.flag { format!("that {} allows", limit.from) } else { limit.from.clone() }
    );
    for part in estimate.largest_first().into_iter().take(3) {
        message.push_str(&format!("\n  {}: {}", part.what, bytes_text(part.bytes)));
    }
    message.push_str(&format!(
        "\n  hint: {hint}; if the estimate is wrong for this machine, --memory-limit SIZE sets \
         the limit (e.g. --memory-limit 64GiB)"
    ));
    Err(CliError::Input(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_their_units() {
        assert_eq!(parse_size("16GiB").unwrap(), 16.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(parse_size("8G").unwrap(), 8.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(parse_size("2TB").unwrap(), 2e12);
        assert_eq!(parse_size("512 MiB").unwrap(), 512.0 * 1024.0 * 1024.0);
        assert_eq!(parse_size("1000").unwrap(), 1000.0);
        assert_eq!(parse_size("1.5k").unwrap(), 1536.0);
        for bad in ["", "lots", "-1G", "0", "5 parsecs", "1e400"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bytes_read_in_words() {
        assert_eq!(bytes_text(512.0), "512 bytes");
        assert_eq!(bytes_text(1_610_612_736.0), "1.5 GiB (1,610,612,736 bytes)");
    }

    #[test]
    fn an_estimate_above_the_limit_is_refused_with_its_parts_and_a_hint() {
        let mut e = Estimate::new();
        e.add("two worlds", 3e9);
        let limit = Limit { bytes: 1e9, from: "available (test)".into(), flag: false };
        let err = check(&e, Some(&limit), "this run", "use fewer --reps").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.starts_with("this run needs about 2.8 GiB (3,025,165,824 bytes) of memory, more than the 953.7 MiB (1,000,000,000 bytes) available (test)"), "{text}");
        assert!(text.contains("\n  two worlds: 2.8 GiB"), "{text}");
        assert!(text.contains("hint: use fewer --reps; if the estimate is wrong"), "{text}");
        assert!(check(&e, None, "this run", "").is_ok());
        let roomy = Limit { bytes: 1e12, ..limit };
        assert!(check(&e, Some(&roomy), "this run", "").is_ok());
    }

    #[test]
    fn the_peak_resident_size_covers_what_this_process_touched() {
        let touched = vec![1u8; 64 << 20];
        let peak = peak_resident().expect("Linux has /proc/self/status");
        assert!(peak >= touched.len() as f64, "{peak} bytes");
        assert_eq!(touched.iter().map(|&b| u64::from(b)).sum::<u64>(), 64 << 20);
    }

    #[test]
    fn this_machine_says_what_it_has() {
        if cfg!(target_os = "linux") {
            let limit = available().expect("Linux has /proc/meminfo");
            assert!(limit.bytes > 0.0, "{limit:?}");
        }
    }
}
