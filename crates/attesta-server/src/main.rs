use std::net::SocketAddr;

use anyhow::Context;
use attesta_server::config::{Config, ConfigError};
use attesta_server::{AppState, http};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let config = match Config::load(std::env::args_os()) {
        Ok(config) => config,
        // `--help`, `--version` and bad flags: clap's own message and exit code.
        Err(ConfigError::Args(error)) => error.exit(),
        // A bad config file: its message (naming the key) and exit code 2, no backtrace.
        Err(error) => {
            eprintln!("attesta-server: {error}");
            std::process::exit(2);
        }
    };
    let listen = config.listen;
    let state = AppState::open(config).context("opening the data directory")?;
    tokio::spawn(attesta_server::expiry::sweep_forever(state.clone()));
    tokio::spawn(forget_idle_limits(state.clone()));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    // The one line on stdout: scripts and tests read the port from it.
    println!("listening on {bound}");
    tracing::info!(%bound, "serving");
    axum::serve(
        listener,
        http::router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .context("serving")
}

/// Rate limiters remember every key they saw; recovered ones are dropped now and then.
async fn forget_idle_limits(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        state.limits.forget_idle();
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, so that service managers stop the
/// server gracefully; a signal that cannot be installed is never awaited.
async fn shutdown() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
