//! `--keep DIR`: the demo's files, left for inspection.

use std::path::Path;

use entra_sim::SimHandle;

use super::world::Paths;

/// Copies the sandbox root's account files, the sync log and the profile to
/// `dir`, and writes the tenant's sign-in log there as JSON (the rows of
/// `GET /_sim/signins`). Says what it left.
pub(crate) fn keep(paths: &Paths, sim: Option<&SimHandle>, dir: &Path) -> Result<String, String> {
    let fail = |what: &Path, e: std::io::Error| format!("cannot write {}: {e}", what.display());
    std::fs::create_dir_all(dir.join("root/etc")).map_err(|e| fail(dir, e))?;
    let mut left = Vec::new();
    for file in ["etc/passwd", "etc/group", "etc/shadow"] {
        let from = paths.root.join(file);
        if from.exists() {
            let to = dir.join("root").join(file);
            std::fs::copy(&from, &to).map_err(|e| fail(&to, e))?;
            left.push(format!("root/{file}"));
        }
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
