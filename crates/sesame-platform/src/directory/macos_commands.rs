//! The macOS directory-service command lines Sesame runs (`dscl`,
//! `dseditgroup`, `createhomedir`), built as plain data so they are checked
//! on any OS. Passwords never appear here: they go through the OpenDirectory
//! API in-process.

use crate::privileged::PrivilegedCommand;

/// The record attribute that holds Sesame's identity binding (JSON).
pub const BINDING_ATTRIBUTE: &str = "dsAttrTypeNative:io.sesame.binding";

/// The local admin group.
pub const ADMIN_GROUP: &str = "admin";

/// The primary group of new accounts (`staff`).
pub const STAFF_GID: u32 = 20;

/// A directory-service command line, run by absolute path with a cleared
/// environment (see [`PrivilegedCommand`]).
pub type MacCommand = PrivilegedCommand;

fn dscl(args: &[&str]) -> MacCommand {
    PrivilegedCommand::new("/usr/bin/dscl")
        .args(["."])
        .args(args.iter().copied())
}

fn user_path(short_name: &str) -> String {
    format!("/Users/{short_name}")
}

/// The commands that create a standard account (no password, not admin),
/// in order.
pub fn create_user(short_name: &str, uid: u32, full_name: &str, home: &str) -> Vec<MacCommand> {
    let path = user_path(short_name);
    let uid = uid.to_string();
    let gid = STAFF_GID.to_string();
    vec![
        dscl(&["-create", &path]),
        dscl(&["-create", &path, "UniqueID", &uid]),
        dscl(&["-create", &path, "PrimaryGroupID", &gid]),
        dscl(&["-create", &path, "UserShell", "/bin/zsh"]),
        dscl(&["-create", &path, "RealName", full_name]),
        dscl(&["-create", &path, "NFSHomeDirectory", home]),
        PrivilegedCommand::new("/usr/sbin/createhomedir").args(["-c", "-u", short_name]),
    ]
}

/// Set the full name.
pub fn set_full_name(short_name: &str, full_name: &str) -> MacCommand {
    dscl(&["-create", &user_path(short_name), "RealName", full_name])
}

/// Add to or remove from the `admin` group.
pub fn set_admin(short_name: &str, admin: bool) -> MacCommand {
    PrivilegedCommand::new("/usr/sbin/dseditgroup").args([
        "-o",
        "edit",
        if admin { "-a" } else { "-d" },
        short_name,
        "-t",
        "user",
        ADMIN_GROUP,
    ])
}

/// Write (`Some(json)`) or remove (`None`) the binding attribute.
pub fn bind(short_name: &str, binding_json: Option<&str>) -> MacCommand {
    let path = user_path(short_name);
    match binding_json {
        Some(json) => dscl(&["-create", &path, BINDING_ATTRIBUTE, json]),
        None => dscl(&["-delete", &path, BINDING_ATTRIBUTE]),
    }
}

/// Delete the account record (the home directory is removed separately).
pub fn delete_user(short_name: &str) -> MacCommand {
    dscl(&["-delete", &user_path(short_name)])
}

/// Read every user record with the attributes Sesame needs, as a plist.
pub fn read_users() -> MacCommand {
    let mut c = dscl(&[
        "-readall",
        "/Users",
        "RecordName",
        "UniqueID",
        "RealName",
        "NFSHomeDirectory",
        BINDING_ATTRIBUTE,
    ]);
    c.args.insert(0, "-plist".into());
    c
}

/// Read the admin group's members, as a plist.
pub fn read_admins() -> MacCommand {
    let mut c = dscl(&["-read", "/Groups/admin", "GroupMembership"]);
    c.args.insert(0, "-plist".into());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_sets_every_attribute_on_the_local_node_then_makes_the_home() {
        let cmds = create_user("ada", 502, "Ada Lovelace", "/Users/ada");
        assert_eq!(cmds[0].arg_strings(), [".", "-create", "/Users/ada"]);
        assert!(
            cmds.iter()
                .any(|c| c.arg_strings() == [".", "-create", "/Users/ada", "UniqueID", "502"])
        );
        assert!(
            cmds.iter()
                .any(|c| c.arg_strings()
                    == [".", "-create", "/Users/ada", "RealName", "Ada Lovelace"])
        );
        assert_eq!(
            cmds.last().map(|c| c.program),
            Some("/usr/sbin/createhomedir")
        );
    }

    #[test]
    fn admin_is_the_admin_group_via_dseditgroup() {
        assert_eq!(
            set_admin("ada", false).arg_strings(),
            ["-o", "edit", "-d", "ada", "-t", "user", "admin"]
        );
        assert_eq!(read_users().arg_strings()[..3], ["-plist", ".", "-readall"]);
        assert_eq!(
            bind("ada", None).arg_strings(),
            [".", "-delete", "/Users/ada", BINDING_ATTRIBUTE]
        );
    }
}

/// One user record from `dscl -plist . -readall /Users ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// `RecordName` (first value).
    pub short_name: String,
    /// `UniqueID`.
    pub uid: u32,
    /// `RealName`.
    pub full_name: String,
    /// `NFSHomeDirectory`.
    pub home: String,
    /// The binding attribute's JSON, when present.
    pub binding_json: Option<String>,
}

fn first(dict: &plist::Dictionary, key: &str) -> Option<String> {
    let value = dict
        .get(&format!("dsAttrTypeStandard:{key}"))
        .or_else(|| dict.get(key))?;
    match value {
        plist::Value::Array(a) => a.first().and_then(|v| v.as_string()).map(str::to_owned),
        plist::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Parse the output of [`read_users`]. Records without a numeric UID are
/// skipped (they are not login accounts).
pub fn parse_users(output: &[u8]) -> Result<Vec<UserRecord>, String> {
    let value: plist::Value = plist::from_bytes(output).map_err(|e| e.to_string())?;
    let records = value
        .into_array()
        .ok_or_else(|| "expected an array of records".to_owned())?;
    Ok(records
        .iter()
        .filter_map(|r| r.as_dictionary())
        .filter_map(|d| {
            Some(UserRecord {
                short_name: first(d, "RecordName")?,
                uid: first(d, "UniqueID")?.parse().ok()?,
                full_name: first(d, "RealName").unwrap_or_default(),
                home: first(d, "NFSHomeDirectory").unwrap_or_default(),
                binding_json: first(d, BINDING_ATTRIBUTE),
            })
        })
        .collect())
}

/// Parse the output of [`read_admins`]: the admin group's member names.
pub fn parse_admins(output: &[u8]) -> Result<Vec<String>, String> {
    let value: plist::Value = plist::from_bytes(output).map_err(|e| e.to_string())?;
    let dict = value
        .as_dictionary()
        .ok_or_else(|| "expected a record".to_owned())?;
    Ok(dict
        .get("dsAttrTypeStandard:GroupMembership")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_string().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    const USERS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><array>
<dict>
  <key>dsAttrTypeStandard:RecordName</key><array><string>ada</string><string>ada@contoso.example</string></array>
  <key>dsAttrTypeStandard:UniqueID</key><array><string>502</string></array>
  <key>dsAttrTypeStandard:RealName</key><array><string>Ada Lovelace</string></array>
  <key>dsAttrTypeStandard:NFSHomeDirectory</key><array><string>/Users/ada</string></array>
  <key>dsAttrTypeNative:io.sesame.binding</key><array><string>{"x":1}</string></array>
</dict>
<dict>
  <key>dsAttrTypeStandard:RecordName</key><array><string>_www</string></array>
  <key>dsAttrTypeStandard:UniqueID</key><array><string>70</string></array>
</dict>
<dict>
  <key>dsAttrTypeStandard:RecordName</key><array><string>broken</string></array>
</dict>
</array></plist>"#;

    #[test]
    fn dscl_plist_output_is_read() {
        let users = parse_users(USERS.as_bytes()).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].short_name, "ada");
        assert_eq!(users[0].uid, 502);
        assert_eq!(users[0].home, "/Users/ada");
        assert_eq!(users[0].binding_json.as_deref(), Some(r#"{"x":1}"#));
        assert_eq!((users[1].uid, users[1].full_name.as_str()), (70, ""));
        assert!(parse_users(b"not a plist").is_err());
        let admins = br#"<plist version="1.0"><dict><key>dsAttrTypeStandard:GroupMembership</key><array><string>root</string><string>it</string></array></dict></plist>"#;
        assert_eq!(parse_admins(admins).unwrap(), ["root", "it"]);
    }
}
