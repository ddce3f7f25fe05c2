//! What can stop a check or `status` before Entra is even asked.

use std::path::PathBuf;

/// Why the daemon could not do its job. Never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum MenubarError {
    /// No local account for the user.
    #[error("no local account for {0}; sign in at the login window first")]
    NoAccount(String),
    /// The account is not bound to an Entra identity.
    #[error(
        "the local account '{0}' is not bound to an Entra identity; sign in with Sesame at the login window first"
    )]
    NotBound(String),
    /// The signed-in user could not be determined.
    #[error("cannot tell who is signed in; pass --user UPN")]
    WhoAmI,
    /// The account directory failed.
    #[error(transparent)]
    Directory(#[from] sesame_platform::DirectoryError),
    /// The secret store failed.
    #[error(transparent)]
    Secret(#[from] sesame_platform::SecretError),
    /// The daemon's record or journal could not be read or written.
    #[error("{path}: {problem}")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What went wrong and what to do.
        problem: String,
    },
}
