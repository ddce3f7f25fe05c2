//! The schemas come from the key table, and docs/ does not drift from it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use sesame_core::settings::keys::{KEYS, Kind};
use sesame_core::settings::schema::{self, Format};

#[test]
fn generated_docs_and_schemas_match_the_key_table() {
    for (file, format, name) in [
        ("docs/profile-keys.md", Format::Markdown, "markdown"),
        ("profiles/io.sesame.agent.jamf.json", Format::Jamf, "jamf"),
        (
            "profiles/io.sesame.agent.manifest.plist",
            Format::Manifest,
            "manifest",
        ),
    ] {
        let actual = std::fs::read_to_string(root().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e} (generate it with `sesame profile schema`)"));
        assert!(
            actual == schema::render(format),
            "{file} is out of date: run `cargo run -q -p sesame-cli -- profile schema --format {name} > {file}`"
        );
    }
}

#[test]
fn markdown_lists_every_key_with_default_and_validation() {
    let md = schema::markdown();
    for spec in KEYS {
        let line = md
            .lines()
            .find(|l| l.starts_with(&format!("| `{}`", spec.name)))
            .expect(spec.name);
        assert!(
            line.contains(&spec.kind.validation().replace('|', "\\|")),
            "{}",
            spec.name
        );
    }
}

#[test]
fn jamf_schema_is_json_with_every_key_typed() {
    let v: serde_json::Value = serde_json::from_str(&schema::jamf()).unwrap();
    let props = v["properties"].as_object().unwrap();
    assert_eq!(props.len(), KEYS.len());
    assert_eq!(v["required"], serde_json::json!(["OIDCClientID"]));
    assert_eq!(props["PasswordCheckInterval"]["minimum"], 5);
    assert_eq!(props["PasswordCheckInterval"]["maximum"], 1440);
    assert_eq!(props["PasswordCheckInterval"]["default"], 60);
    assert_eq!(
        props["ROPGEndpoint"]["enum"],
        serde_json::json!(["v1", "v2", "auto"])
    );
    assert_eq!(props["AdminGroups"]["type"], "array");
    assert_eq!(props["ROPGSuccessCodes"]["items"]["type"], "integer");
    assert_eq!(props["DenyLocal"]["type"], "boolean");
}

#[test]
fn manifest_is_a_plist_for_the_sesame_domain() {
    let text = schema::manifest();
    let v = plist::Value::from_reader_xml(text.as_bytes()).unwrap();
    let d = v.as_dictionary().unwrap();
    assert_eq!(d["pfm_domain"].as_string(), Some("io.sesame.agent"));
    let subkeys = d["pfm_subkeys"].as_array().unwrap();
    for spec in KEYS {
        let sk = subkeys
            .iter()
            .filter_map(|s| s.as_dictionary())
            .find(|s| s["pfm_name"].as_string() == Some(spec.name))
            .expect(spec.name);
        if spec.kind == Kind::Secret {
            assert_eq!(sk["pfm_sensitive"].as_boolean(), Some(true));
        }
    }
}
