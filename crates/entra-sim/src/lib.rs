//! A simulated Microsoft Entra ID tenant for tests, demos and admins' dry runs.
//!
//! It decides every answer from its own tenant model and never imports
//! Sesame's client code, so a client bug cannot be mirrored by the server
//! that tests it.
