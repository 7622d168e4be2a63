//! The limits under the figures, measured in the same run on the same disk
//! and loopback: what SQLite can insert with the server's pragmas, and what
//! a bare HTTP round trip costs. A server figure near its floor has little
//! left to gain in the server's own code.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::{Connection, params};

use crate::load::{Load, post_concurrently};
use crate::server::Api;
use crate::stats::per_second;

/// About the size of a sealed text block as the server stores it.
const ROW_BYTES: usize = 400;

/// A fresh database in `dir` with the server's pragmas (WAL, synchronous NORMAL).
fn database(dir: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(dir.join("floor.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE items (id TEXT PRIMARY KEY, connector TEXT NOT NULL, \
         author TEXT NOT NULL, created_at INTEGER NOT NULL, data BLOB NOT NULL) STRICT",
    )?;
    Ok(conn)
}

fn insert(conn: &Connection, n: usize, data: &[u8]) -> anyhow::Result<()> {
    conn.prepare_cached("INSERT INTO items VALUES (?1, 'connector', 'author', ?2, ?3)")?
        .execute(params![format!("item-{n:012}"), n as i64, data])?;
    Ok(())
}

/// Rows per second, `rows` inserted in one transaction.
pub fn sqlite_one_transaction(dir: &Path, rows: usize) -> anyhow::Result<f64> {
    let work = tempfile::tempdir_in(dir)?;
    let mut conn = database(work.path())?;
    let data = vec![7u8; ROW_BYTES];
    let began = Instant::now();
    let tx = conn.transaction()?;
    for n in 0..rows {
        insert(&tx, n, &data)?;
    }
    tx.commit()?;
    Ok(per_second(rows, began.elapsed()))
}

/// Rows per second with one commit each, as the server commits one per delivery.
pub fn sqlite_commit_each(dir: &Path, rows: usize) -> anyhow::Result<f64> {
    let work = tempfile::tempdir_in(dir)?;
    let conn = database(work.path())?;
    let data = vec![7u8; ROW_BYTES];
    let began = Instant::now();
    for n in 0..rows {
        insert(&conn, n, &data)?;
    }
    Ok(per_second(rows, began.elapsed()))
}

const NOTHING: &str = "nothing";

/// A minimal axum handler on loopback in this process, answering `{}` to a
/// JSON POST like an API method that does nothing.
pub struct BareHttp {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl BareHttp {
    pub async fn start() -> anyhow::Result<BareHttp> {
        let router = axum::Router::new()
            .route(
                "/api/v1/nothing",
                axum::routing::post(|_: axum::body::Bytes| async {
                    axum::Json(serde_json::json!({}))
                }),
            )
            .route("/health", axum::routing::get(|| async { "ok" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(BareHttp { url, task })
    }

    /// Round trips one after another on one keep-alive connection.
    pub async fn round_trips(&self, count: usize) -> anyhow::Result<Vec<Duration>> {
        let api = Api::new(&self.url)?;
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            let began = Instant::now();
            api.post(NOTHING, None, b"{}".to_vec())
                .await
                .context("the bare handler")?;
            times.push(began.elapsed());
        }
        Ok(times)
    }

    /// Requests per second over `connections` concurrent keep-alive connections.
    pub async fn throughput(&self, connections: usize, total: usize) -> anyhow::Result<f64> {
        let each = total.div_ceil(connections);
        let loads = (0..connections)
            .map(|_| Load {
                session: None,
                bodies: vec![b"{}".to_vec(); each],
            })
            .collect();
        let elapsed = post_concurrently(&self.url, NOTHING, loads).await?;
        Ok(per_second(each * connections, elapsed))
    }
}

impl Drop for BareHttp {
    fn drop(&mut self) {
        self.task.abort();
    }
}
