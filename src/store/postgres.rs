//! The PostgreSQL store, for several `zjtx serve` processes on one database.
//!
//! Same SQL as SQLite (the portable subset of [`crate::store`]) through sqlx's `Any` driver; two
//! pools on one database:
//!
//! - **the writer**: a pool of one connection per process. [`Store::begin_write`] runs
//!   `BEGIN ISOLATION LEVEL READ COMMITTED` and then `SELECT pg_advisory_xact_lock(WRITE_LOCK)`:
//!   every write transaction of every process on the database holds one transaction-scoped
//!   advisory lock from its start to its commit or rollback. Writers therefore run one at a time,
//!   exactly as on SQLite (`BEGIN IMMEDIATE` on a single writer connection), and the service's
//!   read-check-write rules — one open declaration per tier and batch, the expected version of
//!   an item, "the login name is free", the rate-limit counters — hold across processes without
//!   any change to the service. Within one process the second writer waits for the pooled
//!   connection; across processes it waits on the lock in the database (at most
//!   [`LOCK_TIMEOUT`], like the SQLite writer's acquire time-out).
//!
//!   Why not `SERIALIZABLE`: PostgreSQL would detect the conflicting read-check-write patterns
//!   too, but it answers them with serialization failures (SQLSTATE 40001) that the caller must
//!   retry from the start. The use cases are written for one writer at a time and do not retry
//!   (a use case may already have sent a notification into its transaction, hashed a password
//!   before it, or moved a file); a retry loop around every use case would be new behaviour
//!   that only PostgreSQL exercises. Writes are short (milliseconds) and the platform's write
//!   rate is modest, so serialising them costs little, and the readers — most of the traffic —
//!   are not serialised at all.
//!
//!   Why `READ COMMITTED` (stated explicitly, whatever the server's default): each statement
//!   takes a fresh snapshot, so every statement after the lock sees every write committed before
//!   it was granted. Under `REPEATABLE READ` the snapshot would be taken by the lock statement
//!   itself, before the wait, and a writer could act on a state another writer has since
//!   changed.
//!
//! - **the readers**: a pool of [`READERS`] connections whose transactions are read-only by
//!   default (`default_transaction_read_only`, like SQLite's `query_only`). They never wait for
//!   the writer (MVCC) and see the last committed state.
//!
//! The advisory lock is scoped to the database, so several zjtx databases on one server (for
//! instance the tests' throwaway databases) do not serialise each other.

use super::{Dialect, ReadConn, Store, StoreError, WriteTx};
use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection};
use std::time::Duration;

/// How long a caller waits for a pooled connection (the in-process writer queue included).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a writer waits for the write lock held by another process.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// Reader connections per process.
pub const READERS: u32 = 8;
/// The key of the advisory lock every write transaction holds ("zjtx" and a 1, in ASCII).
pub const WRITE_LOCK: i64 = 0x7a6a_7478_0000_0001;

/// The PostgreSQL implementation of [`Store`].
#[derive(Debug)]
pub struct PgStore {
    writer: AnyPool,
    reader: AnyPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`; the
    /// database must exist) and applies the embedded migrations.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        sqlx::any::install_default_drivers();
        let options: AnyConnectOptions = url.parse()?;
        // One connection first, so that a wrong host, database or password is reported at once
        // with the server's reason (the pools would retry until their time-out).
        AnyConnection::connect_with(&options).await?.close().await?;

        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    let set = format!("SET lock_timeout = {}", LOCK_TIMEOUT.as_millis());
                    sqlx::raw_sql(sqlx::AssertSqlSafe(set))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        let reader = AnyPoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::raw_sql("SET default_transaction_read_only = on")
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = PgStore { writer, reader };
        store.migrate().await?;
        Ok(store)
    }
}

#[async_trait]
impl Store for PgStore {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let mut tx = self
            .writer
            .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
            .await?;
        // A failure here drops (rolls back) the transaction.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    async fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(self.reader.acquire().await?)
    }

    async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}
