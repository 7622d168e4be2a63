//! The server's settings: command-line flags, each also readable from an
//! `ATTESTA_*` environment variable. Defaults are those of api.md.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "attesta-server",
    version,
    about = "The Attesta messenger service"
)]
pub struct Config {
    /// Address and port to listen on; port 0 picks a free one (the chosen
    /// address is printed on stdout as `listening on ADDR`).
    #[arg(long, env = "ATTESTA_LISTEN", default_value = "127.0.0.1:8470")]
    pub listen: SocketAddr,

    /// Directory of the SQLite database and the server secret.
    #[arg(long, env = "ATTESTA_DATA_DIR", default_value = "attesta-data")]
    pub data_dir: PathBuf,

    /// Largest request body in bytes; larger ones are refused before they are read.
    #[arg(long, env = "ATTESTA_REQUEST_MAX_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub request_max_bytes: usize,
}
