//! Where reports go. A report folder is built whole in a hidden sibling folder and renamed
//! into place at the end, so the folder a user names is never half-written or a mix of two
//! runs: before the rename it is what it was (nothing, or the previous report), after it the
//! new report.
//!
//! ```text
//!  prepare: check --out ──► make missing parents ──► reports/.NAME.partial-PID/
//!  write:   files ──► reports/.NAME.partial-PID/
//!  commit:  reports/NAME ──► reports/.NAME.old-PID     (if there was one)
//!           reports/.NAME.partial-PID ──► reports/NAME
//!           reports/.NAME.old-PID ──► reports/.NAME.partial-PID, removed
//!  failure, INT, TERM, HUP: remove reports/.NAME.partial-PID (and the parents it made)
//! ```
//!
//! A KILL cannot be caught: it can leave a `.partial-PID` folder (never the named one), which
//! the next command writing beside it removes, or, if it came in the middle of a commit, the
//! previous report as `.old-PID` (always whole), which the next command puts back where it was
//! if nothing is there, or a `.partial-PID` folder half removed, which the next command removes.
//!
//! An existing folder is replaced only when it is empty or a previous blastradius report
//! (recognised by the schema in its `summary.json`, `sweep.json` or `catalogue.json`); anything else is refused
//! unless `--force` says to replace it.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use super::CliError;

/// Staging folders of this process that a signal should remove, with the parent folders made
/// for them (outermost first), behind the lock a commit holds while it renames: a signal waits
/// for a commit to finish rather than cut it in two. A staging folder is made and registered
/// under the same lock, so a signal comes either before it exists or after it is registered.
static STAGING: Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// Removes this process's staging folders and exits with the shell's code for the signal
/// (130 for INT, 143 for TERM) on INT, TERM or HUP. Called once, first thing in `main`.
pub fn install_signal_handlers() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // Held until the process ends: a thread that fails or finishes meanwhile waits
            // here instead of making or committing anything.
            let staging = STAGING.lock().unwrap_or_else(|e| e.into_inner());
            for (dir, parents) in staging.iter() {
                remove_while_written(dir);
                for parent in parents.iter().rev() {
                    let _ = fs::remove_dir(parent);
                }
            }
            std::process::exit(128 + signal);
        }
    });
}

/// Removes a staging folder that another thread may still be writing files into: a file made
/// while the folder is being emptied makes the last step fail, so it is emptied again until
/// it is gone (the writer's next file then fails, its folder being gone, and the writer
/// waits for the lock the caller holds).
fn remove_while_written(dir: &Path) {
    for _ in 0..10_000 {
        match fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(_) if fs::symlink_metadata(dir).is_err() => return,
            Err(_) => std::thread::yield_now(),
        }
    }
}

fn deregister(staging: &mut Vec<(PathBuf, Vec<PathBuf>)>, dir: &Path) {
    staging.retain(|(d, _)| d != dir);
}

/// What is at an output path now.
#[derive(Clone, Debug, PartialEq)]
pub enum Existing {
    Missing,
    /// An empty folder.
    Empty,
    /// A previous report of ours: `summary.json` (run, compare, tabletop, catalogue),
    /// `sweep.json` (sweep, merge, calibrate) or `catalogue.json` (a catalogue's shard) with
    /// one of our schemas.
    Report {
        schema: String,
    },
    /// A folder holding something else; one of its entries, for the message.
    Foreign {
        example: String,
    },
    /// A file, a symbolic link or something else that is not a folder.
    NotFolder,
}

/// The schemas a previous report is recognised by.
pub const REPORT_SCHEMAS: [&str; 5] = [
    "blastradius.summary/1",
    "blastradius.compare/1",
    "blastradius.sweep/1",
    "blastradius.catalogue/1",
    "blastradius.catalogue-run/1",
];

/// Looks at what is at `path` without changing it.
pub fn inspect(path: &Path) -> Existing {
    let Ok(meta) = fs::symlink_metadata(path) else { return Existing::Missing };
    if !meta.is_dir() {
        return Existing::NotFolder;
    }
    let Ok(entries) = fs::read_dir(path) else {
        return Existing::Foreign { example: "(unreadable)".into() };
    };
    let mut example = None;
    for entry in entries.flatten() {
        example.get_or_insert_with(|| entry.file_name().to_string_lossy().into_owned());
    }
    let Some(example) = example else { return Existing::Empty };
    for file in ["summary.json", "sweep.json", "catalogue.json"] {
        let schema = read_small(&path.join(file), 1 << 26)
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v.get("schema").and_then(|s| s.as_str()).map(str::to_string));
        if let Some(schema) = schema.filter(|s| REPORT_SCHEMAS.contains(&s.as_str())) {
            return Existing::Report { schema };
        }
    }
    Existing::Foreign { example }
}

/// A regular file's text, if it is one, UTF-8 and at most `max` bytes.
fn read_small(path: &Path, max: u64) -> Option<String> {
    use std::io::Read;
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let mut text = String::new();
    fs::File::open(path).ok()?.take(max).read_to_string(&mut text).ok()?;
    Some(text)
}

/// Refuses an output path whose folder holds something that is not ours, unless `force`.
pub fn check_replaceable(path: &Path, flag: &str, force: bool) -> Result<Existing, CliError> {
    let existing = inspect(path);
    let shown = path.display();
    match &existing {
        Existing::Foreign { example } if !force => Err(CliError::input(format!(
            "{flag} {shown}: the folder exists and is not a blastradius report (it holds \"{example}\", and no summary.json or sweep.json of ours)\n  hint: choose a new folder, or add --force to replace the folder and everything in it"
        ))),
        Existing::NotFolder if !force => Err(CliError::input(format!(
            "{flag} {shown}: something that is not a folder is in the way (a file or a link)\n  hint: choose another path, or add --force to replace it"
        ))),
        _ => Ok(existing),
    }
}

/// The path's last component, which must be a name (not `..`, `.` or a root).
fn last_name(path: &Path, flag: &str) -> Result<String, CliError> {
    match path.components().next_back() {
        Some(Component::Normal(name)) => Ok(name.to_string_lossy().into_owned()),
        _ => Err(CliError::input(format!(
            "{flag} {}: the path must end in a folder name\n  hint: e.g. {flag} reports/mine",
            path.display()
        ))),
    }
}

/// A scenario name as a folder name: letters, digits, `-`, `_` and `.` kept, anything else
/// (a `/`, a space, a quote) a `-`, no leading dot or dash, at most 100 characters; `report`
/// if nothing is left. `/some/absolute/path` becomes `some-absolute-path`, `../escaped`
/// becomes `escaped`.
pub fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if c.is_alphanumeric() || "-_.".contains(c) { c } else { '-' };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '.');
    let mut safe: String = trimmed.chars().take(100).collect();
    while safe.ends_with(['-', '.']) {
        safe.pop();
    }
    if safe.is_empty() { "report".to_string() } else { safe }
}

/// A report folder being built: files go into a hidden sibling staging folder, which
/// [`OutputDir::commit`] renames into place. Dropped without a commit, it removes the staging
/// folder and the parent folders it made.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    /// Parent folders this run created, outermost first.
    created: Vec<PathBuf>,
    done: bool,
}

impl OutputDir {
    /// Checks the path (a name at its end; an existing folder empty or a previous report,
    /// unless `force`), makes missing parents, clears what a killed run left beside it, and
    /// makes the staging folder, proving the place writable: a bad `--out` fails in the first
    /// millisecond, not after the simulation. `flag` names the option in messages.
    pub fn prepare(path: &Path, flag: &str, force: bool) -> Result<OutputDir, CliError> {
        let name = last_name(path, flag)?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        // The parents are made and registered under the signal handler's lock, so a signal
        // removes them whenever it comes; from here on, dropping `out` removes them too.
        let created = {
            let mut registered = STAGING.lock().unwrap_or_else(|e| e.into_inner());
            let created = make_parents(&parent, path, flag)?;
            registered.push((staging.clone(), created.clone()));
            created
        };
        let out = OutputDir { target: path.to_path_buf(), staging, created, done: false };
        recover(&parent, &name, path);
        check_replaceable(path, flag, force)?;
        let _ = fs::remove_dir_all(&out.staging);
        let made = {
            let _registered = STAGING.lock().unwrap_or_else(|e| e.into_inner());
            fs::create_dir(&out.staging)
        };
        if let Err(e) = made {
            return Err(CliError::input(format!(
                "{flag} {}: cannot write in {}: {e}\n  hint: choose a folder you can write to",
                path.display(),
                parent.display()
            )));
        }
        Ok(out)
    }

    /// The folder the report ends up in.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// The staging folder written into until the commit (a file opened in it stays open,
    /// and the same file, after the commit).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Writes a file into the staging folder; a name with folders in it (`ord/SELT.csv`) makes
    /// them there. A write holds the lock a signal's clean-up takes, so a staging folder being
    /// removed is never written into (nor made again) halfway: the write fails instead.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), CliError> {
        let _cleanup = STAGING.lock().unwrap_or_else(|e| e.into_inner());
        let path = self.staging.join(name);
        let mut folder = self.staging.clone();
        let mut made = Ok(());
        if let Some(parent) = Path::new(name).parent() {
            for part in parent.components() {
                folder.push(part);
                // One level at a time, so a staging folder that is gone is not made again.
                made = made.and_then(|()| match fs::create_dir(&folder) {
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                    other => other,
                });
            }
        }
        made.and_then(|()| fs::File::create(&path))
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| write_failed(&self.target.join(name), &e))
    }

    /// Copies the entries of the folder there now whose names `keep` accepts (folders with
    /// everything in them) into the staging folder, so the new folder keeps them: a
    /// calibration's later waves when its first wave's folder is rewritten, and its waves when
    /// its own files are added.
    pub fn carry_over(&mut self, keep: &dyn Fn(&str) -> bool) -> Result<(), CliError> {
        let Ok(entries) = fs::read_dir(&self.target) else { return Ok(()) };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !keep(&name) {
                continue;
            }
            copy_tree(&entry.path(), &self.staging.join(&name))
                .map_err(|e| write_failed(&self.target.join(&name), &e))?;
        }
        Ok(())
    }

    /// Puts the staging folder in place of the target, replacing what was there whole.
    pub fn commit(mut self) -> Result<(), CliError> {
        let mut staging = STAGING.lock().unwrap_or_else(|e| e.into_inner());
        // Everything written reaches the disk before the folder is named.
        if let Ok(entries) = fs::read_dir(&self.staging) {
            for entry in entries.flatten() {
                let _ = fs::File::open(entry.path()).and_then(|f| f.sync_all());
            }
        }
        let name = last_name(&self.target, "--out")?;
        let old = self.staging.with_file_name(format!(".{name}.old-{}", std::process::id()));
        let had_old = fs::symlink_metadata(&self.target).is_ok();
        if had_old {
            let _ = fs::remove_dir_all(&old);
            fs::rename(&self.target, &old).map_err(|e| {
                CliError::Failed(anyhow::anyhow!(
                    "cannot move the previous {} aside: {e}",
                    self.target.display()
                ))
            })?;
        }
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(CliError::Failed(anyhow::anyhow!(
                "cannot put the report in {}: {e}",
                self.target.display()
            )));
        }
        deregister(&mut staging, &self.staging);
        self.done = true;
        if had_old {
            // Given the staging folder's free name before it is removed: a KILL halfway
            // through leaves a `.partial` folder, which the next command clears, never part
            // of the previous report under the `.old` name, which it would put back.
            let doomed = if fs::rename(&old, &self.staging).is_ok() { &self.staging } else { &old };
            remove_any(doomed);
        }
        Ok(())
    }

    /// Gives up: removes the staging folder and the parents made for it.
    pub fn abandon(self) {
        drop(self);
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut staging = STAGING.lock().unwrap_or_else(|e| e.into_inner());
        let _ = fs::remove_dir_all(&self.staging);
        deregister(&mut staging, &self.staging);
        for dir in self.created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Copies a file, or a folder and everything in it (links are not followed).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.is_dir() {
        fs::create_dir(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else if meta.is_file() {
        fs::copy(from, to).map(|_| ())
    } else {
        Ok(())
    }
}

/// Makes the missing folders of `parent` in order, as `mkdir -p` would (so
/// `a/newdir/../o3` works): the ones made, outermost first.
fn make_parents(parent: &Path, path: &Path, flag: &str) -> Result<Vec<PathBuf>, CliError> {
    let mut created: Vec<PathBuf> = Vec::new();
    let mut so_far = PathBuf::new();
    for component in parent.components() {
        so_far.push(component);
        if matches!(component, Component::Normal(_)) && fs::symlink_metadata(&so_far).is_err() {
            if let Err(e) = fs::create_dir(&so_far) {
                for dir in created.iter().rev() {
                    let _ = fs::remove_dir(dir);
                }
                return Err(CliError::input(format!(
                    "{flag} {}: cannot create the folder {}: {e}\n  hint: choose a folder you can write to",
                    path.display(),
                    so_far.display()
                )));
            }
            created.push(so_far.clone());
        }
    }
    if !parent.is_dir() {
        for dir in created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
        return Err(CliError::input(format!(
            "{flag} {}: {} is not a folder\n  hint: give a path inside a folder",
            path.display(),
            parent.display()
        )));
    }
    Ok(created)
}

/// Clears what killed runs left beside `target`: their staging folders go, and a previous
/// report moved aside by a commit that was cut short goes back in place.
fn recover(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else { continue };
        let (kind, pid) = match rest.rsplit_once('-') {
            Some((kind, pid)) if pid.parse::<u32>().is_ok() => (kind, pid),
            _ => continue,
        };
        if !process_is_gone(pid) {
            continue;
        }
        match kind {
            "partial" => remove_any(&entry.path()),
            "old" if fs::symlink_metadata(target).is_err() => {
                let _ = fs::rename(entry.path(), target);
            }
            "old" => {
                let _ = fs::remove_dir_all(entry.path());
            }
            _ => {}
        }
    }
}

/// Removes a folder and everything in it, or a file or link.
fn remove_any(path: &Path) {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        let _ = fs::remove_dir_all(path);
    } else {
        let _ = fs::remove_file(path);
    }
}

/// Whether the process is known to have ended (on Linux, by `/proc`; elsewhere never known,
/// so nothing of another run is touched).
fn process_is_gone(pid: &str) -> bool {
    pid != std::process::id().to_string()
        && Path::new("/proc/self").exists()
        && !Path::new("/proc").join(pid).exists()
}

/// The text of a journal or manifest of a resumable folder (a sweep's `runs.csv` and
/// `sweep.json`, a catalogue's `occurrences.csv` and `catalogue.json`), trusting nothing: a
/// folder in its place, an unreadable file or a byte that is not UTF-8 is refused with the
/// file named (and the line). `what` names the file in the message: "the sweep's runs.csv".
pub fn read_journal(path: &Path, what: &str) -> Result<String, CliError> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(CliError::input(format!(
            "{}: a folder is where {what} should be\n  hint: remove or rename it, or use another --out folder",
            path.display()
        )));
    }
    let bytes = fs::read(path).map_err(|e| {
        CliError::input(format!(
            "{}: cannot read it: {e}\n  hint: use another --out folder",
            path.display()
        ))
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        CliError::input(format!(
            "{}: line {line}: not UTF-8 text (the byte at offset {offset}); blastradius did not write this\n  hint: use another --out folder, or --force to start over",
            path.display()
        ))
    })
}

/// A failed write of `path`. A full disk, a quota, a file-size limit, a read-only file system
/// or a missing permission are the place's doing, not a fault of the program: said with what
/// to do (exit code 2). Anything else is a failure (exit code 1). A report's staging folder is
/// removed when its write fails, so what was at `--out` before stays as it was.
pub fn write_failed(path: &Path, e: &std::io::Error) -> CliError {
    use std::io::ErrorKind;
    let hint = match e.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            "the disk (or your quota) is full: free some space, or write elsewhere with --out (a sweep or a catalogue run again with the same command resumes where it stopped)"
        }
        ErrorKind::FileTooLarge => {
            "a file would pass the size limit set for this shell (ulimit -f) or this file system: raise it, or write elsewhere with --out"
        }
        ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => {
            "choose a folder you can write to, with --out"
        }
        _ => return CliError::Failed(anyhow::anyhow!("writing {}: {e}", path.display())),
    };
    CliError::input(format!("writing {}: {e}\n  hint: {hint}", path.display()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file (a sweep's journal, rewritten in place).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(write_failed(path, &e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_place_is_the_users_to_mend_and_anything_else_a_failure() {
        use std::io::{Error, ErrorKind};
        let path = Path::new("out/loss.png");
        for (kind, says) in [
            (ErrorKind::StorageFull, "the disk (or your quota) is full"),
            (ErrorKind::QuotaExceeded, "the disk (or your quota) is full"),
            (ErrorKind::FileTooLarge, "ulimit -f"),
            (ErrorKind::ReadOnlyFilesystem, "a folder you can write to"),
            (ErrorKind::PermissionDenied, "a folder you can write to"),
        ] {
            let e = write_failed(path, &Error::from(kind));
            assert_eq!(e.exit_code(), 2, "{kind:?}");
            let text = e.to_string();
            assert!(text.starts_with("writing out/loss.png: "), "{text}");
            let hint = text.split_once("\n  hint: ").map(|(_, h)| h).unwrap_or_default();
            assert!(hint.contains(says), "{kind:?}: {text}");
        }
        let e = write_failed(path, &Error::from(ErrorKind::Interrupted));
        assert_eq!(e.exit_code(), 1);
        assert!(!e.to_string().contains("hint:"));
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("blastradius-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn missing_folders_are_created_and_removed_again_when_abandoned() {
        let root = scratch("abandon");
        let out = OutputDir::prepare(&root.join("a/b"), "--out", false).unwrap();
        assert!(root.join("a").is_dir());
        assert!(!root.join("a/b").exists(), "nothing at the target before the commit");
        out.abandon();
        assert!(!root.exists());
    }

    #[test]
    fn a_report_appears_whole_at_the_commit_and_replaces_the_previous_one_whole() {
        let root = scratch("commit");
        let target = root.join("r");
        let mut out = OutputDir::prepare(&target, "--out", false).unwrap();
        out.write("summary.json", b"{\"schema\": \"blastradius.summary/1\"}").unwrap();
        out.write("loss_distribution.svg", b"<svg/>").unwrap();
        out.commit().unwrap();
        assert_eq!(names(&target), ["loss_distribution.svg", "summary.json"]);
        assert_eq!(names(&root), ["r"]);
        // A second run replaces it: the first run's extra chart does not survive.
        let mut out = OutputDir::prepare(&target, "--out", false).unwrap();
        out.write("summary.json", b"{\"schema\": \"blastradius.summary/1\", \"seed\": 3}").unwrap();
        out.commit().unwrap();
        assert_eq!(names(&target), ["summary.json"]);
        assert_eq!(names(&root), ["r"]);
        fs::remove_dir_all(&root).unwrap();
    }

    /// Issue 15: a user's own summary.json was overwritten silently.
    #[test]
    fn a_folder_that_is_not_ours_is_refused_unless_forced() {
        let root = scratch("foreign");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("summary.json"), b"{\"mine\": true}").unwrap();
        let err = OutputDir::prepare(&root, "--out", false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().contains("is not a blastradius report (it holds \"summary.json\""),
            "{err}"
        );
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(fs::read(root.join("summary.json")).unwrap(), b"{\"mine\": true}");
        let out = OutputDir::prepare(&root, "--out", true).unwrap();
        out.commit().unwrap();
        assert!(names(&root).is_empty());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_file_in_the_way_is_refused_with_the_flag_named() {
        let root = scratch("file");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("f"), b"").unwrap();
        let err = OutputDir::prepare(&root.join("f"), "--out", false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--out"));
        let err = OutputDir::prepare(&root.join("f/g"), "--out", false).unwrap_err();
        assert!(err.to_string().contains("is not a folder"), "{err}");
        fs::remove_dir_all(&root).unwrap();
    }

    /// Issue 15: the check refused a valid `--out a/newdir/../o3`.
    #[test]
    fn dot_dot_after_a_new_folder_works_as_mkdir_p_does() {
        let root = scratch("dotdot");
        fs::create_dir_all(root.join("a")).unwrap();
        let out = OutputDir::prepare(&root.join("a/newdir/../o3"), "--out", false).unwrap();
        out.commit().unwrap();
        assert!(root.join("a/o3").is_dir());
        assert!(root.join("a/newdir").is_dir());
        let err = OutputDir::prepare(&root.join("a/.."), "--out", false).unwrap_err();
        assert!(err.to_string().contains("must end in a folder name"), "{err}");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn what_a_killed_run_left_is_cleared_and_a_report_moved_aside_is_put_back() {
        let root = scratch("recover");
        fs::create_dir_all(root.join(".r.partial-999999999")).unwrap();
        fs::create_dir_all(root.join(".r.old-999999998")).unwrap();
        let old = b"{\"schema\": \"blastradius.summary/1\", \"seed\": 1}";
        fs::write(root.join(".r.old-999999998/summary.json"), old).unwrap();
        fs::create_dir_all(root.join(".other.partial-999999999")).unwrap();
        // What a KILL leaves of a replaced file being removed after its commit.
        fs::write(root.join(".r.partial-999999997"), "x").unwrap();
        let out = OutputDir::prepare(&root.join("r"), "--out", false).unwrap();
        assert_eq!(fs::read(root.join("r/summary.json")).unwrap(), old);
        drop(out);
        assert_eq!(names(&root), [".other.partial-999999999", "r"]);
        // A previous report half removed after a commit (a KILL during its removal) is never
        // put back, even where the report was removed since: only removed.
        fs::remove_dir_all(root.join("r")).unwrap();
        fs::create_dir_all(root.join(".r.partial-999999997")).unwrap();
        fs::write(root.join(".r.partial-999999997/loss.png"), b"half").unwrap();
        let out = OutputDir::prepare(&root.join("r"), "--out", false).unwrap();
        assert!(!root.join("r").exists());
        drop(out);
        assert_eq!(names(&root), [".other.partial-999999999"]);
        // A commit over a previous report leaves nothing beside it.
        let mut out = OutputDir::prepare(&root.join("r"), "--out", false).unwrap();
        out.write("summary.json", old).unwrap();
        out.commit().unwrap();
        let mut out = OutputDir::prepare(&root.join("r"), "--out", false).unwrap();
        out.write("summary.json", old).unwrap();
        out.commit().unwrap();
        assert_eq!(names(&root), [".other.partial-999999999", "r"]);
        fs::remove_dir_all(&root).unwrap();
    }

    /// Issue 15: the scenario name became a path.
    #[test]
    fn names_become_safe_folder_names() {
        for (name, safe) in [
            ("crowdstrike-2024", "crowdstrike-2024"),
            ("/some/absolute/path", "some-absolute-path"),
            ("../escaped", "escaped"),
            ("..", "report"),
            ("", "report"),
            ("my rings: v2", "my-rings-v2"),
            ("=HYPERLINK(\"x\")", "HYPERLINK-x"),
            ("ハーバー病院", "ハーバー病院"),
            (".hidden", "hidden"),
        ] {
            assert_eq!(safe_name(name), safe, "{name}");
        }
        assert_eq!(safe_name(&"x".repeat(300)).len(), 100);
    }
}
