//! `sesame-menubar`: the password re-verification daemon and its status menu.
//! It re-checks the stored password against Entra on a jittered schedule, on
//! network change and on wake, and never locks anyone out.
fn main() {}
