//! Scenarios across the parts of Attesta: the real server binary on a
//! loopback port, real clients on their own profile directories, the real
//! `attesta` CLI, and a real SMTP sink for confirmation mail.

pub mod binaries;
pub mod cli;
pub mod mail;
pub mod raw;
pub mod server;
pub mod world;

pub use cli::{Cli, Run};
pub use world::{PASSWORD, PATIENCE, Person, Setup, World};
