//! `--keep DIR`: the demo's files, left for inspection.

use std::path::Path;

use entra_sim::SimHandle;

use super::world::Paths;

/// Copies the sandbox root (its `etc/passwd`, `etc/group`, `etc/shadow`
/// and the rest, so it can serve as `--root` again), the sync log and the
/// profile to `dir`, and writes the tenant's sign-in log there as JSON (the
/// rows of `GET /_sim/signins`). Says what it left.
pub(crate) fn keep(paths: &Paths, sim: Option<&SimHandle>, dir: &Path) -> Result<String, String> {
    let fail = |what: &Path, e: std::io::Error| format!("cannot write {}: {e}", what.display());
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let mut left = Vec::new();
    if paths.root.join("etc/passwd").exists() {
        copy_tree(&paths.root, &dir.join("root"))?;
        left.push("root/ (etc/passwd, etc/group, etc/shadow, ...)".to_owned());
    }
    for (from, name) in [
        (&paths.log, "sync.log"),
        (&paths.profile, "sesame.mobileconfig"),
    ] {
        if from.exists() {
            let to = dir.join(name);
            std::fs::copy(from, &to).map_err(|e| fail(&to, e))?;
            left.push(name.to_owned());
        }
    }
    if let Some(sim) = sim {
        let to = dir.join("signins.json");
        let json = serde_json::to_string_pretty(&sim.sign_ins())
            .map_err(|e| format!("cannot write the sign-in log: {e}"))?;
        std::fs::write(&to, json).map_err(|e| fail(&to, e))?;
        left.push("signins.json".to_owned());
    }
    if left.is_empty() {
        return Err("nothing was made to keep".into());
    }
    Ok(format!("left {} in {}", left.join(", "), dir.display()))
}

/// Copies the directories and regular files under `from` to `to`; symbolic
/// links are left out (nothing here follows a link it did not make).
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let fail = |p: &Path, e: std::io::Error| format!("cannot copy {}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| fail(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| fail(from, e))? {
        let entry = entry.map_err(|e| fail(from, e))?;
        let kind = entry.file_type().map_err(|e| fail(&entry.path(), e))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).map_err(|e| fail(&target, e))?;
        }
    }
    Ok(())
}
