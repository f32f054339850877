//! Where reports go: an output folder checked before anything is simulated, files written
//! whole (to a temporary name, then renamed), and no half-made folder left behind on failure.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::CliError;

/// A folder that outputs are written into.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    /// Folders this run created, outermost first, removed again if the run fails before
    /// writing anything.
    created: Vec<PathBuf>,
    wrote: bool,
}

impl OutputDir {
    /// Creates the folder if needed and proves it writable, so that a bad `--out` fails in the
    /// first millisecond rather than after the simulation. `flag` names the option in messages.
    pub fn prepare(path: &Path, flag: &str) -> Result<OutputDir, CliError> {
        let mut created = Vec::new();
        let mut missing = Vec::new();
        let mut p = path.to_path_buf();
        while !p.as_os_str().is_empty() && !p.exists() {
            missing.push(p.clone());
            p = p.parent().map(Path::to_path_buf).unwrap_or_default();
        }
        for dir in missing.iter().rev() {
            if let Err(e) = fs::create_dir(dir) {
                let out = OutputDir { path: path.to_path_buf(), created, wrote: false };
                out.abandon();
                return Err(CliError::input(format!(
                    "{flag} {}: cannot create the folder {}: {e}\n  hint: choose a folder you can write to",
                    path.display(),
                    dir.display()
                )));
            }
            created.push(dir.clone());
        }
        let out = OutputDir { path: path.to_path_buf(), created, wrote: false };
        if !path.is_dir() {
            return Err(CliError::input(format!(
                "{flag} {}: not a folder\n  hint: give the path of a folder (it is created if missing)",
                path.display()
            )));
        }
        let probe = path.join(format!(".blastradius-probe-{}", std::process::id()));
        let writable = fs::File::create(&probe).and_then(|mut f| f.write_all(b"probe"));
        let _ = fs::remove_file(&probe);
        if let Err(e) = writable {
            out.abandon();
            return Err(CliError::input(format!(
                "{flag} {}: cannot write there: {e}\n  hint: choose a folder you can write to",
                path.display()
            )));
        }
        Ok(out)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a file whole: to a temporary name in the same folder, then renamed into place,
    /// so a reader never sees half a file.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), CliError> {
        write_atomically(&self.path.join(name), bytes)?;
        self.wrote = true;
        Ok(())
    }

    /// Gives up on the folder: removes the folders this run created, if nothing was written.
    pub fn abandon(self) {
        if self.wrote {
            return;
        }
        for dir in self.created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(CliError::Failed(anyhow::anyhow!("writing {}: {e}", path.display())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("blastradius-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn missing_folders_are_created_and_removed_again_when_abandoned() {
        let root = scratch("abandon");
        let out = OutputDir::prepare(&root.join("a/b"), "--out").unwrap();
        assert!(root.join("a/b").is_dir());
        out.abandon();
        assert!(!root.exists());
    }

    #[test]
    fn files_are_written_whole_and_kept() {
        let root = scratch("write");
        let mut out = OutputDir::prepare(&root, "--out").unwrap();
        out.write("x.txt", b"hello").unwrap();
        out.abandon();
        assert_eq!(fs::read(root.join("x.txt")).unwrap(), b"hello");
        let leftovers: Vec<_> = fs::read_dir(&root).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_file_in_the_way_is_refused_with_the_flag_named() {
        let root = scratch("file");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("f"), b"").unwrap();
        let err = OutputDir::prepare(&root.join("f"), "--out").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--out"));
        fs::remove_dir_all(&root).unwrap();
    }
}
