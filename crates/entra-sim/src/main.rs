//! `entra-sim serve [--tenant FILE] [--listen ADDR] [--tls] [--write-profile FILE]`: run a
//! simulated Entra tenant (and write a Sesame profile that points at it).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use entra_sim::{Sim, SimOptions, Tenant};

#[derive(Parser, Debug)]
#[command(
    name = "entra-sim",
    version,
    about = "A simulated Microsoft Entra ID tenant"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve a tenant over HTTP (or HTTPS with --tls) until interrupted.
    Serve {
        /// Tenant file (TOML); the built-in demo tenant when absent.
        #[arg(long)]
        tenant: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Serve HTTPS with a freshly generated CA; its PEM path is printed.
        #[arg(long)]
        tls: bool,
        /// Where to write the CA certificate (default: a file in the temp directory).
        #[arg(long)]
        ca_out: Option<PathBuf>,
        /// Write a Sesame configuration profile (.mobileconfig) for this tenant to FILE:
        /// tenant, authority, client ID, redirect URI, the CA to trust, admin groups.
        #[arg(long, value_name = "FILE")]
        write_profile: Option<PathBuf>,
    },
    /// Check a tenant file and print a summary (exit code 1 with the line and field on error).
    Check {
        /// Tenant file (TOML).
        tenant: PathBuf,
    },
    /// Print the built-in demo tenant (TOML) to start your own from.
    Demo,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            tenant,
            listen,
            tls,
            ca_out,
            write_profile,
        } => {
            let tenant = match tenant {
                Some(p) => Tenant::load(&p)?,
                None => Tenant::demo(),
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the runtime")?;
            rt.block_on(serve(tenant, &listen, tls, ca_out, write_profile))
        }
        Command::Check { tenant } => {
            let t = Tenant::load(&tenant)?;
            println!(
                "{}: tenant {} ({}), {} users, {} groups, {} apps, {} Conditional Access policies",
                tenant.display(),
                t.tenant_id,
                t.domains.join(", "),
                t.users.len(),
                t.groups.len(),
                t.apps.len(),
                t.conditional_access.len()
            );
            Ok(())
        }
        Command::Demo => {
            print!("{}", entra_sim::DEMO_TENANT_TOML);
            Ok(())
        }
    }
}

async fn serve(
    tenant: Tenant,
    listen: &str,
    tls: bool,
    ca_out: Option<PathBuf>,
    write_profile: Option<PathBuf>,
) -> anyhow::Result<()> {
    let tid = tenant.tenant_id;
    let domain = tenant.domains.first().cloned().unwrap_or_default();
    let sim = Sim::start_on(tenant, SimOptions { tls }, listen).await?;
    println!("entra-sim listening on {}", sim.base_url());
    println!("tenant: {tid} ({domain})");
    println!("authority: {}", sim.authority());
    println!(
        "discovery: {}/v2.0/.well-known/openid-configuration",
        sim.authority()
    );
    if let Some(pem) = sim.ca_pem() {
        let path = ca_out.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("entra-sim-ca-{}.pem", sim.addr().port()))
        });
        std::fs::write(&path, pem)
            .with_context(|| format!("writing the CA certificate to {}", path.display()))?;
        println!("CA certificate: {}", path.display());
    }
    println!("sign-in log: {}/_sim/signins", sim.base_url());
    if let Some(path) = write_profile {
        write_sesame_profile(&sim, &path)?;
    }
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    drop(sim);
    Ok(())
}

/// Writes the Sesame profile for `sim`'s tenant and says what it chose.
fn write_sesame_profile(sim: &entra_sim::SimHandle, path: &std::path::Path) -> anyhow::Result<()> {
    let (bytes, summary) =
        entra_sim::profile::sesame_profile(sim, &entra_sim::profile::ProfileOptions::default())?;
    std::fs::write(path, bytes)
        .with_context(|| format!("writing the Sesame profile to {}", path.display()))?;
    println!("Sesame profile: {}", path.display());
    println!(
        "  app: {} ({}), redirect URI {}",
        summary.app_name, summary.client_id, summary.redirect_uri
    );
    if summary.admin_groups.is_empty() {
        println!("  no group named *admin*: add AdminGroups (ObjectIDs) to the profile yourself");
    }
    for (id, name) in &summary.admin_groups {
        println!("  admin group: {name} ({id})");
    }
    if summary.insecure {
        println!(
            "  plain http: the profile sets AllowInsecureSimulatedTenant (prefer --tls; never on a real Mac)"
        );
    }
    println!("  try: sesame doctor --profile {}", path.display());
    Ok(())
}
