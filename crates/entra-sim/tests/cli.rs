//! The `entra-sim` binary: `serve --tls` prints a CA path clients can trust; `check` names the
//! line and field of a bad tenant file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
fn check_reports_line_and_field() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    write!(f, "tenant_id = \"6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f\"\ndomains = [\"a.example\"]\n\n[[users]]\nupn = \"a@a.example\"\npassword = \"x\"\nstate = \"frozen\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_entra-sim"))
        .arg("check")
        .arg(f.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:7:", f.path().display())), "{err}");
    assert!(err.contains("frozen"), "{err}");
    let ok = Command::new(env!("CARGO_BIN_EXE_entra-sim"))
        .args(["demo"])
        .output()
        .unwrap();
    let mut demo = tempfile::NamedTempFile::new().unwrap();
    demo.write_all(&ok.stdout).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_entra-sim"))
        .arg("check")
        .arg(demo.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("7 users"));
}

#[tokio::test]
async fn serve_tls_prints_a_ca_that_clients_can_trust() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_entra-sim"))
        .args(["serve", "--tls", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut ca) = (None, None);
    while base.is_none() || ca.is_none() {
        let line = lines.next().expect("output").unwrap();
        if let Some(u) = line.strip_prefix("entra-sim listening on ") {
            base = Some(u.to_string());
        }
        if let Some(p) = line.strip_prefix("CA certificate: ") {
            ca = Some(p.to_string());
        }
    }
    let (base, ca) = (base.unwrap(), ca.unwrap());
    assert!(base.starts_with("https://127.0.0.1:"));
    let pem = std::fs::read(&ca).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let doc: serde_json::Value = http
        .get(format!(
            "{base}/contoso.example/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["issuer"],
        format!("{base}/6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f/v2.0")
    );
    // Without the CA the connection is refused.
    assert!(reqwest::Client::new().get(&base).send().await.is_err());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(ca);
}

#[test]
fn background_sim_serves_synchronous_callers_and_stops_on_drop() {
    use std::io::Read;
    let sim = entra_sim::Sim::start_in_background(
        entra_sim::Tenant::demo(),
        entra_sim::SimOptions::default(),
    )
    .unwrap();
    let addr = sim.addr();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET /contoso.example/discovery/v2.0/keys HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"kty\":\"RSA\""), "{out}");
    drop(sim);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sim kept listening after its handle was dropped"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
