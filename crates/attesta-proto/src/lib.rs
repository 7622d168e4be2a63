//! Attesta's protocol: everything two parts of Attesta must agree on byte for
//! byte, and nothing else. No I/O lives here, so the server, the client and any
//! future client share one implementation of tokens, API types and blocks.

pub mod account_data;
pub mod api;
pub mod blocks;
pub mod encoding;
pub mod keyring;
pub mod keys;
pub mod password;
pub mod safety;
pub mod tokens;
