//! `sesame explain`: what an AADSTS code or a raw Entra error body means.
//!
//! Exit codes: 0 explained; 1 the input is not an Entra error body (proxy
//! page, truncated JSON, empty) or the code is not in the catalog; 2 the
//! input could not be read or is not a code at all.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};
use sesame_core::verdict::PasswordProof;
use sesame_entra::Catalog;
use sesame_entra::catalog::{CatalogEntry, LockoutRisk, parse_code};
use sesame_entra::error::{EntraError, parse_error_response};
use sesame_entra::verdict::{DEFAULT_SUCCESS_CODES, verdict_for_error};

/// The most of a pasted body Sesame reads (Entra's bodies are ~1 KB).
const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// `sesame explain …`
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// An AADSTS code: 50076 or AADSTS50076.
    #[arg(required_unless_present = "response", conflicts_with = "response")]
    code: Option<String>,
    /// A file holding a raw Entra error body, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    response: Option<PathBuf>,
    /// Print one JSON object (entra, error, codes, password_verified, lockout_risk,
    /// remediation, trace_id, correlation_id, timestamp, …).
    #[arg(long)]
    json: bool,
}

/// Everything `explain` says about one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// `true` when the input is an Entra error body or an AADSTS code.
    pub entra: bool,
    /// Why the input is not Entra's (when `entra` is false).
    pub not_entra: Option<String>,
    /// The OAuth `error`.
    pub error: Option<String>,
    /// The AADSTS codes, primary first.
    pub codes: Vec<u32>,
    /// The catalog entries of the codes Sesame knows.
    pub entries: Vec<CatalogEntry>,
    /// What the answer proves about the password: right, wrong, nothing (not
    /// applicable) or unknown. Printed as `password_verified`.
    pub password_verified: PasswordProof,
    /// `none`, `low`, `high`, `locked` or `unknown`.
    pub lockout_risk: &'static str,
    /// What the admin or user should do.
    pub remediation: String,
    /// The password verdict a Sesame password check would reach (bodies only).
    pub verdict: Option<String>,
    /// The first line of `error_description`.
    pub description: Option<String>,
    /// Entra's `trace_id`.
    pub trace_id: Option<String>,
    /// Entra's `correlation_id`.
    pub correlation_id: Option<String>,
    /// Entra's `timestamp`.
    pub timestamp: Option<String>,
}

fn lockout_name(l: LockoutRisk) -> &'static str {
    match l {
        LockoutRisk::None => "none",
        LockoutRisk::Low => "low",
        LockoutRisk::High => "high",
        LockoutRisk::Locked => "locked",
        LockoutRisk::Unknown => "unknown",
    }
}

const NOT_IN_CATALOG: &str = "Sesame's catalog does not know this code: look it up at \
     https://login.microsoftonline.com/error and give Microsoft support the trace and \
     correlation IDs";

/// Explains one code given as text (`50076`, `AADSTS50076`); `None` when the
/// text is not a code at all.
pub fn explain_code(text: &str, catalog: &Catalog) -> Option<Explanation> {
    let code = parse_code(text)?;
    let entry = catalog.get(code);
    Some(Explanation {
        entra: true,
        not_entra: None,
        error: None,
        codes: vec![code],
        entries: entry.into_iter().cloned().collect(),
        password_verified: entry.map_or(PasswordProof::Unknown, CatalogEntry::password_verified),
        lockout_risk: entry.map_or("unknown", |e| lockout_name(e.lockout)),
        remediation: entry.map_or_else(|| NOT_IN_CATALOG.to_owned(), CatalogEntry::fix_with_portal),
        verdict: None,
        description: None,
        trace_id: None,
        correlation_id: None,
        timestamp: None,
    })
}

/// Explains a raw body. Anything not in Entra's error shape is reported as
/// such (`entra: false`), never guessed at.
pub fn explain_body(body: &[u8], catalog: &Catalog, now: SystemTime) -> Explanation {
    match parse_error_response(400, None, None, body) {
        Ok(err) => explain_entra_error(&err, catalog, now),
        Err(unexpected) => Explanation {
            entra: false,
            not_entra: Some(format!(
                "this is {}, not an Entra error body; Sesame does not guess at it. \
                 Ask for the raw answer of login.microsoftonline.com (start of the input: {:?})",
                unexpected.problem, unexpected.snippet
            )),
            error: None,
            codes: Vec::new(),
            entries: Vec::new(),
            password_verified: PasswordProof::Unknown,
            lockout_risk: "unknown",
            remediation: "Find out what answered instead of Entra (a proxy, captive portal or \
                          firewall) and let the Mac reach login.microsoftonline.com directly"
                .to_owned(),
            verdict: None,
            description: None,
            trace_id: None,
            correlation_id: None,
            timestamp: None,
        },
    }
}

/// Explains a parsed Entra error: the code that pairs with the OAuth `error`
/// decides; a code Entra never sends with that error is not trusted.
pub fn explain_entra_error(err: &EntraError, catalog: &Catalog, now: SystemTime) -> Explanation {
    let entries: Vec<CatalogEntry> = err
        .error_codes
        .iter()
        .filter_map(|c| catalog.get(*c).cloned())
        .collect();
    let deciding = entries.iter().find(|e| e.pairs_with(&err.error));
    let verdict = verdict_for_error(err, &DEFAULT_SUCCESS_CODES, catalog, now);
    let remediation = match (deciding, &verdict) {
        (Some(e), _) => e.fix_with_portal(),
        (None, sesame_core::verdict::PasswordVerdict::Misconfigured { fix, .. }) => fix.clone(),
        (None, _) if !entries.is_empty() => format!(
            "Entra sent these codes with an unusual error `{}`, so Sesame does not rely on them; \
             give Microsoft support the trace and correlation IDs",
            err.error
        ),
        (None, _) => NOT_IN_CATALOG.to_owned(),
    };
    Explanation {
        entra: true,
        not_entra: None,
        error: Some(err.error.clone()),
        codes: err.error_codes.clone(),
        password_verified: deciding.map_or(PasswordProof::Unknown, CatalogEntry::password_verified),
        lockout_risk: deciding.map_or("unknown", |e| lockout_name(e.lockout)),
        entries,
        remediation,
        verdict: Some(verdict.name().to_owned()),
        description: err.description.lines().next().map(str::to_owned),
        trace_id: err.trace_id.clone(),
        correlation_id: err.correlation_id.clone(),
        timestamp: err.timestamp.clone(),
    }
}

/// The `--json` object.
pub fn to_json(x: &Explanation) -> Value {
    let explanations: Vec<Value> = x
        .entries
        .iter()
        .map(|e| {
            json!({
                "code": e.code,
                "name": e.name,
                "meaning": e.meaning,
                "password_verified": e.password_verified().as_str(),
                "lockout_risk": lockout_name(e.lockout),
                "lockout_note": e.lockout_note,
                "fix": e.fix,
                "portal": e.portal,
            })
        })
        .collect();
    json!({
        "entra": x.entra,
        "not_entra_reason": x.not_entra,
        "error": x.error,
        "codes": x.codes,
        "password_verified": x.password_verified.as_str(),
        "lockout_risk": x.lockout_risk,
        "remediation": x.remediation,
        "verdict": x.verdict,
        "description": x.description,
        "trace_id": x.trace_id,
        "correlation_id": x.correlation_id,
        "timestamp": x.timestamp,
        "explanations": explanations,
    })
}

/// The text a helpdesk person reads.
pub fn to_text(x: &Explanation) -> String {
    let mut s = String::new();
    if let Some(why) = &x.not_entra {
        s.push_str(&format!(
            "Not an Entra error: {why}.\nWhat to do: {}.\n",
            x.remediation
        ));
        return s;
    }
    if let Some(error) = &x.error {
        s.push_str(&format!("Entra error `{error}`"));
        if let Some(d) = &x.description {
            s.push_str(&format!(": {d}"));
        }
        s.push('\n');
    }
    for e in &x.entries {
        s.push_str(&format!("\nAADSTS{} {}\n", e.code, e.name));
        s.push_str(&format!("  What it means:      {}\n", e.meaning));
        s.push_str(&format!(
            "  Password:           {}\n",
            e.password_verified().describe()
        ));
        s.push_str(&format!(
            "  Lockout risk:       {} ({})\n",
            lockout_name(e.lockout),
            e.lockout_note
        ));
        s.push_str(&format!("  Fix:                {}\n", e.fix));
        if let Some(p) = &e.portal {
            s.push_str(&format!("  Entra admin center: {p}\n"));
        }
    }
    for code in x
        .codes
        .iter()
        .filter(|c| !x.entries.iter().any(|e| e.code == **c))
    {
        s.push_str(&format!("\nAADSTS{code}: not in Sesame's catalog.\n"));
    }
    if s.starts_with('\n') {
        s.remove(0);
    }
    s.push_str(&format!(
        "\nPassword: {}\nLockout risk: {}\n",
        x.password_verified.describe(),
        x.lockout_risk
    ));
    if let Some(v) = &x.verdict {
        s.push_str(&format!("Sesame's verdict for a password check: {v}\n"));
    }
    s.push_str(&format!("What to do: {}\n", x.remediation));
    if x.trace_id.is_some() || x.correlation_id.is_some() || x.timestamp.is_some() {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        s.push_str(&format!(
            "\nFor Microsoft support:\n  Trace ID:       {}\n  Correlation ID: {}\n  Timestamp:      {}\n",
            dash(&x.trace_id),
            dash(&x.correlation_id),
            dash(&x.timestamp)
        ));
    }
    s
}

fn read_input(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_RESPONSE_BYTES)
            .read_to_end(&mut bytes)
            .context("could not read the response from standard input")?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_RESPONSE_BYTES).read_to_end(&mut bytes))
            .with_context(|| format!("could not read the response file {}", path.display()))?;
    }
    Ok(bytes)
}

/// Runs `sesame explain`.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::builtin();
    let x = if let Some(path) = &args.response {
        match read_input(path) {
            Ok(bytes) => explain_body(&bytes, catalog, SystemTime::now()),
            Err(e) => {
                eprintln!("sesame explain: {e:#}");
                return Ok(ExitCode::from(2));
            }
        }
    } else {
        let text = args.code.as_deref().unwrap_or_default();
        match explain_code(text, catalog) {
            Some(x) => x,
            None => {
                eprintln!(
                    "sesame explain: `{text}` is not an AADSTS code: give a number such as 50076 \
                     or AADSTS50076, or pass a whole error body with --response FILE"
                );
                return Ok(ExitCode::from(2));
            }
        }
    };
    if args.json {
        println!("{}", to_json(&x));
    } else {
        print!("{}", to_text(&x));
    }
    let explained = x.entra && (args.response.is_some() || !x.entries.is_empty());
    Ok(if explained {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
