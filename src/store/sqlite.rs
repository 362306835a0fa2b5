//! The embedded SQLite store (bundled SQLite through sqlx's `sqlite-bundled` feature: no system
//! library needed).
//!
//! Two pools on one database file: a writer pool of exactly one connection (every write
//! transaction starts with `BEGIN IMMEDIATE`, so it holds the write lock from the start and a
//! second writer simply waits for the pooled connection — no `SQLITE_BUSY` from lock upgrades),
//! and a small reader pool with `query_only` on. The journal is WAL, so readers see the last
//! committed state while a write is in progress.
//!
//! Checkpoints (copying the WAL back into the database file, with an fsync) run on a connection
//! of their own in the background, not inside a write: SQLite's automatic checkpoint (every 1000
//! WAL pages) falls on whichever commit crosses the threshold, and with a million declarations
//! that made about one review decision in 35 take 6–8 ms instead of 0.2–0.5 ms
//! (`benches/service.rs`). Every write transaction wakes the checkpointer, which waits
//! [`CHECKPOINT_PAUSE`] to gather a burst of writes and then runs a `PASSIVE` checkpoint: it
//! proceeds alongside readers and the writer and skips what it cannot copy yet. The writer's
//! own automatic checkpoint stays on, at [`WRITER_AUTOCHECKPOINT_PAGES`], only as a bound on
//! the WAL during a long uninterrupted stream of writes (the WAL restarts from its beginning only
//! when a write begins after a complete checkpoint). A process killed at any point — in a write,
//! in a checkpoint — leaves a database that SQLite recovers on the next open.
//!
//! There is no in-memory mode: several pools cannot share a `:memory:` database without shared
//! cache, which changes locking. Tests open a file in a temporary directory instead.

use super::{Dialect, ReadConn, Store, StoreError, WriteTx};
use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a caller waits for a pooled connection (the writer queue included).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// SQLite's own wait on a lock held by another process (e.g. a checkpoint), in milliseconds.
const BUSY_TIMEOUT_MS: u32 = 5_000;
/// Reader connections.
const READERS: u32 = 4;
/// How long the checkpointer lets writes gather after the first one wakes it.
pub const CHECKPOINT_PAUSE: Duration = Duration::from_millis(20);
/// The writer's own automatic checkpoint threshold (pages of the WAL, 128 MiB at 4 KiB): far
/// above what a burst of interactive writes accumulates, so it only bounds the WAL during bulk
/// loads.
pub const WRITER_AUTOCHECKPOINT_PAGES: u32 = 32_768;

/// The SQLite implementation of [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: AnyPool,
    reader: AnyPool,
    /// Wakes the checkpointer (a full channel means it is already awake). Dropping the sender
    /// stops it.
    wake_checkpointer: Mutex<Option<mpsc::Sender<()>>>,
    checkpointer: Mutex<Option<JoinHandle<()>>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path`, sets it to WAL and applies the
    /// embedded migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        sqlx::any::install_default_drivers();
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let url = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .to_url_lossy();
        let options = AnyConnectOptions::from_url(&url)?;

        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    let pragmas = format!(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA synchronous = NORMAL; \
                         PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES};"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        // The writer's first connection switches the file to WAL before any reader opens it.
        drop(writer.acquire().await?);

        let reader = AnyPoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    let pragmas = format!(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; \
                         PRAGMA query_only = ON;"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;

        let (wake, woken) = mpsc::channel(1);
        let checkpointer = Checkpointer::connect(&options).await?;
        let checkpointer = tokio::spawn(checkpointer.run(woken, writer.clone()));
        let store = SqliteStore {
            path,
            writer,
            reader,
            wake_checkpointer: Mutex::new(Some(wake)),
            checkpointer: Mutex::new(Some(checkpointer)),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        // A checkpoint soon (it copies what is committed by then; this write, if it commits in
        // time). Full channel: one is already due.
        if let Some(wake) = lock(&self.wake_checkpointer).as_ref() {
            let _ = wake.try_send(());
        }
        Ok(tx)
    }

    async fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(self.reader.acquire().await?)
    }

    async fn close(&self) {
        // Stop the checkpointer first, so that the last connection to close is a pool's (SQLite
        // checkpoints and removes the WAL when its last connection closes).
        drop(lock(&self.wake_checkpointer).take());
        let task = lock(&self.checkpointer).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        self.reader.close().await;
        self.writer.close().await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The background checkpointer: its own connection, woken by writes.
struct Checkpointer {
    conn: AnyConnection,
}

impl Checkpointer {
    async fn connect(options: &AnyConnectOptions) -> Result<Checkpointer, StoreError> {
        let mut conn = AnyConnection::connect_with(options).await?;
        let pragmas =
            format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA synchronous = NORMAL;");
        sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
            .execute(&mut conn)
            .await?;
        Ok(Checkpointer { conn })
    }

    /// Until the store closes or is dropped: wait for a write, let a burst gather, checkpoint.
    /// `writer` is the writer pool: while its one connection is out (a write transaction is
    /// still open — a long one, or a busy machine), the checkpoint waits, so the write it was
    /// woken for is committed, and copied, before the checkpointer sleeps again.
    async fn run(mut self, mut woken: mpsc::Receiver<()>, writer: sqlx::Pool<sqlx::Any>) {
        'wake: while woken.recv().await.is_some() {
            loop {
                // Writes during the pause are covered by this checkpoint; a close ends the
                // pause.
                let deadline = tokio::time::Instant::now() + CHECKPOINT_PAUSE;
                let closed = loop {
                    match tokio::time::timeout_at(deadline, woken.recv()).await {
                        Ok(Some(())) => continue,
                        Ok(None) => break true,
                        Err(_) => break false,
                    }
                };
                if closed {
                    break 'wake;
                }
                // a connection checked out of the writer pool is an open write transaction
                let busy = writer.size() as usize > writer.num_idle();
                if !busy || writer.is_closed() {
                    break;
                }
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&mut self.conn)
                .await
            {
                tracing::warn!(error = %e, "background WAL checkpoint failed");
            }
        }
        let _ = self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    #[tokio::test]
    async fn opens_migrates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("z.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let mut conn = store.read().await.unwrap();
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(fk, 1);
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(n, super::super::MIGRATIONS.len() as i64);
        drop(conn);
        store.close().await;
        // Opening again applies nothing new and still works.
        let store = SqliteStore::open(&path).await.unwrap();
        store.migrate().await.unwrap();
        store.close().await;
    }

    #[tokio::test]
    async fn dollar_parameters_returning_and_upsert_work_through_any() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("z.db")).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let row = sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at",
        )
        .bind("a")
        .bind("sms")
        .bind("13800000000")
        .bind("s")
        .bind("b")
        .bind(7_i64)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(row.try_get::<String, _>("id").unwrap(), "a");
        assert_eq!(row.try_get::<i64, _>("created_at").unwrap(), 7);
        // Parameters used out of order and twice.
        sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) \
             VALUES ($2, 'sms', $1, $1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET body = 'again'",
        )
        .bind("r")
        .bind("a")
        .bind(8_i64)
        .execute(&mut *tx)
        .await
        .unwrap();
        let body: String = sqlx::query("SELECT body FROM outbox WHERE id = $1")
            .bind("a")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
            .try_get("body")
            .unwrap();
        assert_eq!(body, "again");
        tx.commit().await.unwrap();
    }

    /// A write wakes the background checkpointer, which copies the WAL into the database file
    /// on its own connection; the writer's own automatic checkpoint is only a distant bound; a
    /// close stops the checkpointer and leaves no WAL behind.
    #[tokio::test]
    async fn checkpoints_run_in_the_background_and_close_removes_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let pages: i64 = sqlx::query("PRAGMA wal_autocheckpoint")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(pages, i64::from(WRITER_AUTOCHECKPOINT_PAGES));
        let before = std::fs::metadata(&path).unwrap().len();
        // About 2 MB: far below the writer's threshold, so only the checkpointer moves it.
        for i in 0..200 {
            sqlx::query(
                "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) \
                 VALUES ($1, 'sms', 'r', 's', $2, 1)",
            )
            .bind(format!("m{i}"))
            .bind("x".repeat(10_000))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::fs::metadata(&path).unwrap().len() < before + 1_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the WAL was not checkpointed into the database file"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        store.close().await;
        assert!(lock(&store.checkpointer).is_none());
        assert!(
            !dir.path().join("z.db-wal").exists(),
            "WAL left after close"
        );
    }

    #[tokio::test]
    async fn readers_are_read_only_and_see_committed_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("z.db")).await.unwrap();
        let mut conn = store.read().await.unwrap();
        let err = sqlx::query("DELETE FROM outbox")
            .execute(&mut *conn)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        let mut tx = store.begin_write().await.unwrap();
        sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) \
             VALUES ('x', 'sms', 'r', 's', 'b', 1)",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        // Not yet visible to a reader while the writer's transaction is open (WAL: no blocking).
        let count = |n: sqlx::any::AnyRow| n.try_get::<i64, _>("n").unwrap();
        let n = sqlx::query("SELECT COUNT(*) AS n FROM outbox")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(count(n), 0);
        tx.commit().await.unwrap();
        let n = sqlx::query("SELECT COUNT(*) AS n FROM outbox")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(count(n), 1);
    }
}
