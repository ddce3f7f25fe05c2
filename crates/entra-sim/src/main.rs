//! `entra-sim serve [--tenant FILE] [--listen ADDR] [--tls]`: run a simulated Entra tenant.

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
        } => {
            let tenant = match tenant {
                Some(p) => Tenant::load(&p)?,
                None => Tenant::demo(),
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the runtime")?;
            rt.block_on(serve(tenant, &listen, tls, ca_out))
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
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    drop(sim);
    Ok(())
}
