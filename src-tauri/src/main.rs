//! The binary's edge: everything lives in the library so tests can reach it.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> anyhow::Result<()> {
    attesta_desktop::run()?;
    Ok(())
}
