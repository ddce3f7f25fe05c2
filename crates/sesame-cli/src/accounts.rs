//! `sesame accounts`: the local accounts Sesame manages, for the helpdesk.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};
use sesame_core::provisioning::{AccountOs, DirectorySnapshot, LocalAccount};
use sesame_platform::AccountDirectory;

use crate::terminal::{json_safe, printable};

/// `sesame accounts [--root DIR] [--json]`
#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Read the accounts of the Linux system rooted at DIR (a sandbox root
    /// or a mounted disk) instead of this machine.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// Run `sesame accounts`.
pub fn run(args: AccountsArgs) -> anyhow::Result<ExitCode> {
    let (snapshot, os, source) = read(&args)?;
    let report = report(&snapshot, os);
    if args.json {
        println!("{}", json_safe(&serde_json::to_string_pretty(&report)?));
    } else {
        print!("{}", render(&report, &printable(&source)));
    }
    Ok(ExitCode::SUCCESS)
}

fn read(args: &AccountsArgs) -> anyhow::Result<(DirectorySnapshot, AccountOs, String)> {
    #[cfg(target_os = "macos")]
    if args.root.is_none() {
        let snapshot = sesame_platform::directory::MacDirectory::new()
            .snapshot()
            .context("reading the local directory node")?;
        return Ok((snapshot, AccountOs::Macos, "this Mac".to_owned()));
    }
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    let snapshot = sesame_platform::ShadowDirectory::new(&root)
        .snapshot()
        .with_context(|| format!("reading the accounts under {}", root.display()))?;
    Ok((snapshot, AccountOs::Linux, root.display().to_string()))
}

/// People's accounts: at or above the UID floor, below `nobody`.
fn is_person(a: &LocalAccount, os: AccountOs) -> bool {
    a.uid >= os.default_uid_floor() && a.uid < 65534
}

/// The report as JSON: managed accounts and unmanaged local ones.
fn report(snapshot: &DirectorySnapshot, os: AccountOs) -> Value {
    let managed: Vec<Value> = snapshot
        .accounts
        .iter()
        .filter_map(|a| a.binding.as_ref().map(|b| (a, b)))
        .map(|(a, b)| {
            json!({
                "short_name": a.short_name,
                "uid": a.uid,
                "upn": b.upn,
                "oid": b.id.oid,
                "tid": b.id.tid,
                "admin": a.is_admin,
                "admin_reason": a.is_admin.then(|| b.admin_reason.as_ref().map_or_else(
                    || "admin group member (reason not recorded)".to_owned(),
                    ToString::to_string,
                )),
                "origin": b.origin.as_str(),
                "last_sync": b.last_sync,
            })
        })
        .collect();
    let unmanaged: Vec<Value> = snapshot
        .accounts
        .iter()
        .filter(|a| a.binding.is_none() && is_person(a, os))
        .map(|a| {
            json!({
                "short_name": a.short_name,
                "uid": a.uid,
                "full_name": a.full_name,
                "admin": a.is_admin,
            })
        })
        .collect();
    json!({ "managed": managed, "unmanaged": unmanaged })
}

/// A cell of the text table; names come from the directory and Entra, so
/// terminal control characters are removed.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => printable(s).into_owned(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    out
}

fn empty() -> Vec<Value> {
    Vec::new()
}

/// The report as text tables.
fn render(report: &Value, source: &str) -> String {
    let managed = report["managed"].as_array().cloned().unwrap_or_else(empty);
    let unmanaged = report["unmanaged"]
        .as_array()
        .cloned()
        .unwrap_or_else(empty);
    let mut out = format!(
        "Accounts managed by Sesame on {source}: {}\n",
        managed.len()
    );
    if !managed.is_empty() {
        let mut rows = vec![
            [
                "SHORT NAME",
                "UPN",
                "OID",
                "TID",
                "ROLE",
                "WHY",
                "ORIGIN",
                "LAST SYNC",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        for m in &managed {
            rows.push(vec![
                text(&m["short_name"]),
                text(&m["upn"]),
                text(&m["oid"]),
                text(&m["tid"]),
                if m["admin"] == Value::Bool(true) {
                    "admin"
                } else {
                    "standard"
                }
                .to_owned(),
                text(&m["admin_reason"]),
                text(&m["origin"]),
                text(&m["last_sync"]),
            ]);
        }
        out.push_str(&table(&rows));
    }
    let _ = writeln!(
        out,
        "\nLocal accounts not bound to an Entra identity: {}",
        unmanaged.len()
    );
    if !unmanaged.is_empty() {
        out.push_str(
            "  (an Entra user with the same short name is linked only if Migrate is on and they\n   type this account's local password; otherwise they are denied)\n",
        );
        let mut rows = vec![
            ["SHORT NAME", "UID", "FULL NAME", "ROLE"]
                .map(str::to_owned)
                .to_vec(),
        ];
        for u in &unmanaged {
            rows.push(vec![
                text(&u["short_name"]),
                text(&u["uid"]),
                text(&u["full_name"]),
                if u["admin"] == Value::Bool(true) {
                    "admin"
                } else {
                    "standard"
                }
                .to_owned(),
            ]);
        }
        out.push_str(&table(&rows));
    }
    out
}
