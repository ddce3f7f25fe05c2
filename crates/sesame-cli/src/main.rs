//! `sesame`: the admin and helpdesk command.
fn main() {}
