//! `sesame profile`: check, show, import and schema.
//!
//! Exit codes: 0 valid (warnings allowed), 1 any error, 2 a file could not be read.

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use sesame_core::import::{self, Outcome, Product};
use sesame_core::settings::keys::{DefaultValue, KEYS, Kind};
use sesame_core::settings::schema::{self, Format};
use sesame_core::settings::source::MAX_PROFILE_BYTES;
use sesame_core::settings::{self, Finding, ParseError, Report, Severity, Typed};
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// `sesame profile …`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Validate profiles: exit 0 when valid (warnings allowed), 1 on any error, 2 when a file can't be read.
    Check {
        /// .mobileconfig (plain or signed) or managed-preferences plist files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the findings as a JSON array of {file, payload, key, severity, message}.
        #[arg(long)]
        json: bool,
        /// Check the files together as one configuration (macOS precedence) instead of each on its own.
        #[arg(long)]
        merged: bool,
    },
    /// Show the effective settings, defaults included, each with the file it came from.
    Show {
        /// Files in precedence order: later files win at the same management level.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Convert a Jamf Connect or XCreds configuration into a Sesame profile.
    Import {
        /// The product the configuration comes from.
        #[arg(long, value_enum)]
        from: FromProduct,
        /// Source profiles or plists.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The Sesame .mobileconfig to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the key schema generated from Sesame's key table.
    Schema {
        /// jamf (Jamf Pro custom schema), manifest (ProfileManifests plist) or markdown.
        #[arg(long, value_enum, default_value = "markdown")]
        format: SchemaFormat,
    },
}

/// Source products for `import --from`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FromProduct {
    /// Jamf Connect (com.jamf.connect.login, com.jamf.connect).
    JamfConnect,
    /// XCreds (com.twocanoes.xcreds).
    Xcreds,
}

/// Formats for `schema --format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaFormat {
    /// Jamf Pro "Application & Custom Settings" JSON schema.
    Jamf,
    /// ProfileManifests plist (iMazing Profile Editor, ProfileCreator).
    Manifest,
    /// Markdown key table.
    Markdown,
}

/// Run a `profile` subcommand.
pub fn run(cmd: ProfileCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ProfileCommand::Check {
            files,
            json,
            merged,
        } => check(&files, json, merged),
        ProfileCommand::Show { files, json } => show(&files, json),
        ProfileCommand::Import {
            from,
            files,
            output,
            json,
        } => import_cmd(from, &files, &output, json),
        ProfileCommand::Schema { format } => {
            emit(&schema::render(match format {
                SchemaFormat::Jamf => Format::Jamf,
                SchemaFormat::Manifest => Format::Manifest,
                SchemaFormat::Markdown => Format::Markdown,
            }))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Files read, and findings for files that could not be read (exit 2) or are too large.
struct Inputs {
    read: Vec<(String, Vec<u8>)>,
    unreadable: Vec<Finding>,
    refused: Vec<Finding>,
}

fn read_all(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs {
        read: Vec::new(),
        unreadable: Vec::new(),
        refused: Vec::new(),
    };
    for path in paths {
        let name = path.display().to_string();
        let result = std::fs::File::open(path).and_then(|f| {
            let len = f.metadata()?.len();
            if f.metadata()?.is_dir() {
                return Err(std::io::Error::other("it is a directory"));
            }
            if len > MAX_PROFILE_BYTES as u64 {
                return Ok(Err(len));
            }
            let mut buf = Vec::new();
            f.take(MAX_PROFILE_BYTES as u64 + 1).read_to_end(&mut buf)?;
            Ok(Ok(buf))
        });
        match result {
            Ok(Ok(bytes)) => inputs.read.push((name, bytes)),
            Ok(Err(len)) => inputs.refused.push(Finding::file(
                &name,
                Severity::Error,
                ParseError::TooLarge(len).to_string(),
            )),
            Err(e) => inputs.unreadable.push(Finding::file(
                &name,
                Severity::Error,
                format!("cannot read the file: {e}"),
            )),
        }
    }
    inputs
}

fn load(read: &[(String, Vec<u8>)]) -> Report {
    let refs: Vec<(&str, &[u8])> = read
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    settings::load(&refs)
}

fn exit_code(findings: &[Finding], unreadable: bool) -> ExitCode {
    if unreadable {
        ExitCode::from(2)
    } else if settings::findings::has_errors(findings) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Write `text` to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn findings_text(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("{f}\n")).collect()
}

fn summary(findings: &[Finding]) -> String {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let (e, w) = (count(Severity::Error), count(Severity::Warning));
    format!(
        "{e} error{}, {w} warning{}",
        if e == 1 { "" } else { "s" },
        if w == 1 { "" } else { "s" }
    )
}

fn check(paths: &[PathBuf], as_json: bool, merged: bool) -> anyhow::Result<ExitCode> {
    let inputs = read_all(paths);
    let mut findings = inputs.unreadable.clone();
    findings.extend(inputs.refused.iter().cloned());
    let mut oks = Vec::new();
    if merged {
        findings.extend(load(&inputs.read).findings);
    } else {
        for one in &inputs.read {
            let report = load(std::slice::from_ref(one));
            if !report.has_errors() {
                let file = &report.files[0];
                oks.push(format!(
                    "{}: ok ({} payload{}, {}{})",
                    one.0,
                    file.payloads.len(),
                    if file.payloads.len() == 1 { "" } else { "s" },
                    file.encoding,
                    file.signer
                        .as_deref()
                        .map(|s| format!(" by {s}"))
                        .unwrap_or_default()
                ));
            }
            findings.extend(report.findings);
        }
    }
    if as_json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&findings)?))?;
    } else {
        let mut out: String = oks.iter().map(|ok| format!("{ok}\n")).collect();
        out.push_str(&findings_text(&findings));
        out.push_str(&format!(
            "{} file{} checked: {}\n",
            paths.len(),
            if paths.len() == 1 { "" } else { "s" },
            summary(&findings)
        ));
        emit(&out)?;
    }
    Ok(exit_code(&findings, !inputs.unreadable.is_empty()))
}

fn show(paths: &[PathBuf], as_json: bool) -> anyhow::Result<ExitCode> {
    let inputs = read_all(paths);
    let report = load(&inputs.read);
    let mut findings = inputs.unreadable.clone();
    findings.extend(inputs.refused.iter().cloned());
    findings.extend(report.findings.iter().cloned());
    let rows: Vec<_> = KEYS
        .iter()
        .map(|spec| {
            let entry = report.effective.get(spec.name);
            let value = report.effective.resolved(spec.name);
            (spec.name, value, entry)
        })
        .collect();
    if as_json {
        let settings: Vec<_> = rows
            .iter()
            .map(|(name, value, entry)| {
                json!({
                    "key": name,
                    "value": value.as_ref().map(|v| v.to_json()),
                    "source": entry.map(|e| json!({"file": e.source.file, "payload": e.source.payload})),
                    "default": entry.is_none(),
                    "also_set_in": entry.map(|e| e.also_set_in.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
                })
            })
            .collect();
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({"settings": settings, "findings": findings}))?
        ))?;
    } else {
        let width = KEYS.iter().map(|s| s.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (spec, (name, value, entry)) in KEYS.iter().zip(&rows) {
            let value = match value {
                None => "(not set)".to_owned(),
                Some(Typed::List(certs)) if spec.kind == Kind::PemList && !certs.is_empty() => {
                    format!("{} PEM block(s)", certs.len())
                }
                Some(v) => v.to_string(),
            };
            let source = match entry {
                Some(e) if e.also_set_in.is_empty() => e.source.to_string(),
                Some(e) => format!(
                    "{}; also set in {}",
                    e.source,
                    e.also_set_in
                        .iter()
                        .map(|s| s.file.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => match spec.default {
                    DefaultValue::SameAs(other) => format!("default: same as {other}"),
                    _ => "default".into(),
                },
            };
            out.push_str(&format!("{name:width$}  {value}  ({source})\n"));
        }
        if !findings.is_empty() {
            out.push('\n');
            out.push_str(&findings_text(&findings));
        }
        emit(&out)?;
    }
    Ok(exit_code(&findings, !inputs.unreadable.is_empty()))
}

fn import_cmd(
    from: FromProduct,
    paths: &[PathBuf],
    output: &std::path::Path,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let product = match from {
        FromProduct::JamfConnect => Product::JamfConnect,
        FromProduct::Xcreds => Product::XCreds,
    };
    let inputs = read_all(paths);
    if let Some(f) = inputs.unreadable.first().or(inputs.refused.first()) {
        eprintln!("{f}");
        return Ok(ExitCode::from(if inputs.unreadable.is_empty() {
            1
        } else {
            2
        }));
    }
    let refs: Vec<(&str, &[u8])> = inputs
        .read
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let imported = match import::import(product, &refs) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let seed: Vec<u8> = inputs
        .read
        .iter()
        .flat_map(|(_, b)| b.iter().copied())
        .collect();
    let bytes = import::mobileconfig(
        &imported.values,
        &format!("Sesame (imported from {})", product.name()),
        &seed,
    );
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    let out_name = output.display().to_string();
    let check = settings::load(&[(out_name.as_str(), bytes.as_slice())]);
    let mut out = String::new();
    if as_json {
        out = format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({
                "output": out_name,
                "report": imported.report,
                "findings": check.findings,
            }))?
        );
    } else {
        for line in &imported.report {
            match &line.outcome {
                Outcome::Mapped { to, note } => {
                    let to = if to.is_empty() {
                        "(used with another key)".to_owned()
                    } else {
                        to.join(", ")
                    };
                    let note = note
                        .as_deref()
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "mapped      {} {} → {to}{note}\n",
                        line.domain, line.key
                    ));
                }
                Outcome::NotMapped { reason } => out.push_str(&format!(
                    "not mapped  {} {}: {reason}\n",
                    line.domain, line.key
                )),
            }
        }
        out.push_str(&format!("\nwrote {out_name}; sesame profile check:\n"));
        out.push_str(&findings_text(&check.findings));
        out.push_str(&format!("{}\n", summary(&check.findings)));
        if imported.values.contains_key("OIDCClientSecret") {
            out.push_str(&format!("note: {out_name} contains the client secret from the source; protect it like the original\n"));
        }
    }
    emit(&out)?;
    Ok(exit_code(&check.findings, false))
}
