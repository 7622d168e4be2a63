//! The TOML config file (`--config FILE`) against the real binary: its
//! settings take effect, flags win over it, and mistakes stop the server
//! with the key named.

mod common;

use std::path::PathBuf;
use std::process::Command;

use attesta_proto::api::ErrorCode;
use common::Server;

/// Writes `text` as a config file in a fresh directory (kept alive by the result).
fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("attesta.toml");
    std::fs::write(&path, text).expect("writing the config file");
    (dir, path)
}

/// Starts the binary with `--config path` and waits for it to stop: (exit code, stderr).
fn refused(path: &PathBuf) -> (Option<i32>, String) {
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let output = Command::new(env!("CARGO_BIN_EXE_attesta-server"))
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data_dir.path())
        .arg("--config")
        .arg(path)
        .output()
        .expect("running the server binary");
    assert!(
        output.stdout.is_empty(),
        "a refused config must not start the server: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_lowered_hello_limit_in_the_config_file_makes_the_second_hello_a_limit() {
    let (_dir, path) = config_file("# one HELLO a day\nhello_max_per_day = 1\nnick_max = 5\n");
    let server = Server::start_with(&["--config", path.to_str().expect("a UTF-8 path")]);
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    server
        .deliver(&alice, &id, b"hello")
        .await
        .expect("the first HELLO of the day");
    let second = server
        .deliver(&alice, &id, b"hello again")
        .await
        .unwrap_err();
    assert_eq!(second.code(), ErrorCode::Limit);
}

#[tokio::test]
async fn a_flag_wins_over_the_config_file() {
    let (_dir, path) = config_file("hello_max_per_day = 1\n");
    let server = Server::start_with(&[
        "--config",
        path.to_str().expect("a UTF-8 path"),
        "--hello-max-per-day",
        "2",
    ]);
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    for n in 0..2 {
        server
            .deliver(&alice, &id, format!("hello {n}").as_bytes())
            .await
            .expect("two HELLOs as the flag says");
    }
    let third = server.deliver(&alice, &id, b"hello 2").await.unwrap_err();
    assert_eq!(third.code(), ErrorCode::Limit);
}

#[test]
fn an_unknown_key_in_the_config_file_stops_the_server_naming_the_key() {
    let (_dir, path) = config_file("hello_max_per_day = 1\nhello_max_per_week = 5\n");
    let (code, stderr) = refused(&path);
    assert_ne!(code, Some(0), "the server must fail: {stderr}");
    assert!(
        stderr.contains("unknown setting `hello_max_per_week`"),
        "stderr names the key: {stderr}"
    );
}

#[test]
fn a_bad_value_in_the_config_file_stops_the_server_naming_the_key_and_what_it_takes() {
    let (_dir, path) = config_file("smtp_tls = \"ssl\"\n");
    let (code, stderr) = refused(&path);
    assert_ne!(code, Some(0), "the server must fail: {stderr}");
    assert!(
        stderr.contains("`smtp_tls`") && stderr.contains("`none`, `starttls`, `tls`"),
        "stderr names the key and the choices: {stderr}"
    );

    let (_dir, path) = config_file("expiry_sweep_secs = 600\n");
    let (code, stderr) = refused(&path);
    assert_ne!(code, Some(0), "the server must fail: {stderr}");
    assert!(
        stderr.contains("`expiry_sweep_secs`") && stderr.contains("1..=60"),
        "stderr names the key and the range: {stderr}"
    );
}
