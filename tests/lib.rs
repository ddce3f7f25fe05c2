//! End-to-end tests that cross crate boundaries live in `tests/e2e/`; this
//! library only holds the helpers they share.
