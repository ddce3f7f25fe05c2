//! `sesame`: the admin and helpdesk command.

mod accounts;
mod demo;
mod doctor;
mod explain;
mod log;
mod profile;
mod terminal;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Sesame: sign in to a Mac with Microsoft Entra ID.
#[derive(Debug, Parser)]
#[command(name = "sesame", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Every `sesame` subcommand; dispatch is one line per variant.
#[derive(Debug, Subcommand)]
enum Command {
    /// Check, show, import and describe configuration profiles.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// List the local accounts Sesame manages (and unbound local accounts).
    Accounts(accounts::AccountsArgs),
    /// Show the sync log: what happened, per user, each AADSTS code explained.
    Log(log::LogArgs),
    /// Explain an AADSTS code or a raw Entra error body.
    Explain(explain::ExplainArgs),
    /// Test a profile against its tenant and print a checklist with fixes.
    Doctor(doctor::DoctorArgs),
    /// Run Sesame's main job end to end on the embedded practice tenant.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Profile(cmd) => profile::run(cmd),
        Command::Log(args) => log::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Accounts(args) => accounts::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sesame: {e:#}");
            ExitCode::from(1)
        }
    }
}
