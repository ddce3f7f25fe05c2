//! The Sesame login agent as a library.
pub mod web;
