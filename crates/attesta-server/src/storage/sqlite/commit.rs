//! The write connection, and group commit for the operations that come in
//! floods (deliveries).
//!
//! A commit is the expensive part of a small write (appending every page it
//! touched to the WAL), and SQLite writes one transaction at a time anyway.
//! So queued operations ([`Writer::queue`]) go to a writer thread that runs
//! every operation waiting, each in its own savepoint of one transaction,
//! and commits them together: a failed operation is rolled back to its
//! savepoint and leaves the others alone, and nobody is answered before the
//! commit that holds their work. An answered write is a committed write, as
//! with one commit each. The async callers wait without holding a thread.
//!
//! Rarer operations ([`Writer::write`]) run in the caller's thread in a
//! transaction of their own, between the writer thread's batches.

use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use crate::{Error, Result};

/// Operations per commit at most, so that a long queue still commits (and
/// answers) regularly.
const MAX_BATCH: usize = 512;

/// The connection inside a write transaction, given to an operation. Only
/// the [`Writer`] makes one, so holding it means being inside one.
pub struct Tx<'a>(&'a Connection);

impl Deref for Tx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.0
    }
}

/// The one write connection, shared by the writer thread and [`Writer::write`].
pub struct Writer {
    conn: Arc<Mutex<Connection>>,
    /// Closed when the writer is dropped, which ends the writer thread.
    jobs: Sender<Job>,
}

/// A queued operation: run in its savepoint, it tells whether its work is to
/// be kept and how to answer once the batch's fate is known.
type Job = Box<dyn FnOnce(&Tx<'_>) -> Ran + Send>;

struct Ran {
    keep: bool,
    answer: Box<dyn FnOnce(Result<(), String>) + Send>,
}

/// Every lock here is held only around code that leaves its data consistent
/// when it panics (a transaction is rolled back when its connection is next
/// used), so a poisoned lock is still good.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Writer {
    pub fn new(conn: Connection) -> Result<Self> {
        let conn = Arc::new(Mutex::new(conn));
        let (jobs, queue) = channel();
        let thread_conn = Arc::clone(&conn);
        std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || run_batches(&thread_conn, &queue))
            .map_err(|e| Error::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { conn, jobs })
    }

    /// Runs `f` now in a transaction of its own, committed only when it
    /// returns `Ok`.
    pub fn write<R>(&self, f: impl FnOnce(&Tx<'_>) -> Result<R>) -> Result<R> {
        let mut conn = lock(&self.conn);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&Tx(&tx))?;
        tx.commit()?;
        Ok(value)
    }

    /// Queues `f` for the writer thread, which commits it with whatever else
    /// is waiting; the answer comes once that commit is done (or `f` failed).
    /// The future holds nothing of the writer: it only waits for the answer.
    pub fn queue<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<R> + Send + 'static,
    ) -> impl Future<Output = Result<R>> + Send + 'static {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |tx| {
            let outcome = f(tx);
            Ran {
                keep: outcome.is_ok(),
                answer: Box::new(move |committed| {
                    let answer = match (outcome, committed) {
                        (Ok(_), Err(why)) => Err(Error::Internal(why)),
                        (outcome, _) => outcome,
                    };
                    // The caller may have gone (its connection closed): the
                    // work is committed all the same, as a retry will find.
                    let _ = reply.send(answer);
                }),
            }
        });
        let queued = self.jobs.send(job);
        async move {
            queued.map_err(|_| Error::Internal("the writer thread has stopped".to_owned()))?;
            answer
                .await
                .map_err(|_| Error::Internal("a queued write was given up".to_owned()))?
        }
    }
}

/// The writer thread: batch after batch until the writer is dropped.
fn run_batches(conn: &Mutex<Connection>, queue: &Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let conn = lock(conn);
        let (ran, outcome) = run_batch(&conn, batch);
        drop(conn);
        for ran in ran {
            (ran.answer)(outcome.clone());
        }
    }
}

/// Runs a batch in one transaction and commits it. A job that panicked is
/// rolled back and dropped, which tells its caller; jobs left unrun when
/// the transaction broke are dropped likewise.
fn run_batch(conn: &Connection, batch: Vec<Job>) -> (Vec<Ran>, Result<(), String>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        return (Vec::new(), Err(format!("could not begin a write: {e}")));
    }
    let mut ran = Vec::with_capacity(batch.len());
    for job in batch {
        match run_job(conn, job) {
            Ok(Some(done)) => ran.push(done),
            Ok(None) => {}
            Err(e) => {
                rollback(conn);
                return (ran, Err(format!("the write transaction broke: {e}")));
            }
        }
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => (ran, Ok(())),
        Err(e) => {
            rollback(conn);
            (ran, Err(format!("could not commit: {e}")))
        }
    }
}

/// Runs one job in its savepoint; `None` when it panicked.
fn run_job(conn: &Connection, job: Job) -> rusqlite::Result<Option<Ran>> {
    conn.prepare_cached("SAVEPOINT job")?.execute([])?;
    let ran = catch_unwind(AssertUnwindSafe(|| job(&Tx(conn)))).ok();
    if !ran.as_ref().is_some_and(|r| r.keep) {
        conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
    }
    conn.prepare_cached("RELEASE job")?.execute([])?;
    Ok(ran)
}

fn rollback(conn: &Connection) {
    if let Err(e) = conn.execute_batch("ROLLBACK") {
        tracing::error!(error = %e, "could not roll back a failed write transaction");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> (tempfile::TempDir, Arc<Writer>) {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("db.sqlite3")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE t (v INTEGER NOT NULL UNIQUE) STRICT")
            .unwrap();
        (dir, Arc::new(Writer::new(conn).unwrap()))
    }

    fn insert(tx: &Tx<'_>, v: i64) -> Result<()> {
        tx.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
        Ok(())
    }

    fn stored(dir: &tempfile::TempDir) -> Vec<i64> {
        let conn = Connection::open(dir.path().join("db.sqlite3")).unwrap();
        let mut stmt = conn.prepare("SELECT v FROM t ORDER BY v").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_answered_write_of_many_concurrent_callers_is_committed_once() {
        let (dir, writer) = writer();
        let callers: Vec<_> = (0..16)
            .map(|t| {
                let writer = Arc::clone(&writer);
                tokio::spawn(async move {
                    for i in 0..100 {
                        writer.queue(move |tx| insert(tx, t * 100 + i)).await?;
                    }
                    Result::<()>::Ok(())
                })
            })
            .collect::<Vec<_>>();
        for caller in callers {
            caller.await.unwrap().unwrap();
        }
        assert_eq!(stored(&dir), (0..1600).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_operation_leaves_nothing_and_spares_the_others_in_its_batch() {
        let (dir, writer) = writer();
        writer.write(|tx| insert(tx, 1)).unwrap();
        // Odd callers write 1000 + t and then a duplicate of 1: the whole
        // operation fails, its first insert included.
        let answers = futures_util::future::join_all((0..8).map(|t| {
            writer.queue(move |tx| {
                insert(tx, 1000 + t)?;
                if t % 2 == 1 { insert(tx, 1) } else { Ok(()) }
            })
        }))
        .await;
        assert_eq!(answers.iter().filter(|a| a.is_err()).count(), 4);
        assert_eq!(stored(&dir), vec![1, 1000, 1002, 1004, 1006]);
    }

    #[tokio::test]
    async fn a_panicking_operation_is_refused_and_the_writer_goes_on() {
        let (dir, writer) = writer();
        let panicked = writer
            .queue(|tx| -> Result<()> {
                insert(tx, 7)?;
                panic!("a bug in an operation")
            })
            .await;
        assert!(matches!(panicked, Err(Error::Internal(_))));
        writer.queue(|tx| insert(tx, 8)).await.unwrap();
        writer.write(|tx| insert(tx, 9)).unwrap();
        assert_eq!(stored(&dir), vec![8, 9]);
    }
}
