//! The workspace's binaries, built on first use. `CARGO_BIN_EXE_*` exists
//! only inside a binary's own package, so this package asks Cargo to build
//! (or find up to date) the server and the CLI, and runs what it built.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The workspace manifest, so the binaries land in the shared `target/`.
fn workspace_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml")
}

/// Builds `bin` of `package` once per test process and returns its path.
/// Panics with Cargo's own message when it does not build: no scenario can
/// run without it.
fn built(package: &'static str, bin: &'static str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(&'static str, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    let mut built = built
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, path)) = built.iter().find(|(name, _)| *name == bin) {
        return path.clone();
    }
    let run = escargot::CargoBuild::new()
        .manifest_path(workspace_manifest())
        .package(package)
        .bin(bin)
        .run()
        .unwrap_or_else(|e| panic!("building {bin} (cargo build -p {package} --bin {bin}): {e}"));
    let path = run.path().to_path_buf();
    built.push((bin, path.clone()));
    path
}

/// The `attesta-server` binary.
pub fn server() -> PathBuf {
    built("attesta-server", "attesta-server")
}

/// The `attesta` CLI.
pub fn cli() -> PathBuf {
    built("attesta-client", "attesta")
}
