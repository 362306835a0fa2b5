//! The store: the database behind the service, as a trait with one implementation per backend.
//!
//! Repository code is written once against sqlx's `Any` driver ([`Conn`] = `AnyConnection`), in
//! the portable subset of SQL that SQLite and PostgreSQL share:
//!
//! - ids are TEXT (UUIDv7 made in Rust, see [`new_id`]) or natural keys;
//! - instants are BIGINT unix milliseconds ([`ms`] / [`from_ms`]); dates are TEXT `YYYY-MM-DD`;
//! - booleans are BIGINT 0/1 (bind `i64`, never `bool`: PostgreSQL would see a BOOL);
//! - every integer is bound and read as `i64`, every real as `f64`, JSON as TEXT;
//! - parameters are `$1`, `$2` … (sqlx-sqlite binds `$N` by number, so the same text runs on both);
//! - `RETURNING` and `ON CONFLICT` are allowed (SQLite ≥ 3.35 is bundled);
//! - runtime queries only (`sqlx::query`), never the compile-time macros.
//!
//! Writes go through [`Store::begin_write`], reads through [`Store::read`]. On SQLite the writer is
//! a single dedicated connection opening transactions with `BEGIN IMMEDIATE`, so writers queue in
//! the pool instead of failing with `SQLITE_BUSY`; readers use their own pool (WAL mode, so they
//! never block the writer and the writer never blocks them).

mod migrate;
mod sqlite;

pub use migrate::{MIGRATIONS, Migration};
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use std::fmt;

/// A connection of the `Any` driver: what repository functions take (`&mut Conn`).
pub type Conn = sqlx::AnyConnection;
/// A write transaction. Deref to [`Conn`] with `&mut *tx`; `commit()` or drop (= roll back).
pub type WriteTx = sqlx::Transaction<'static, sqlx::Any>;
/// A pooled read connection. Deref to [`Conn`] with `&mut *conn`.
pub type ReadConn = sqlx::pool::PoolConnection<sqlx::Any>;

/// The SQL dialect of a store, for the rare statement that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A database failure below the service (connection, I/O, a corrupt migration table …).
#[derive(Debug)]
pub enum StoreError {
    Sqlx(sqlx::Error),
    /// A migration failed or an applied migration differs from the embedded one.
    Migration {
        version: i64,
        message: String,
    },
    Io(std::io::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlx(e) => write!(f, "database: {e}"),
            StoreError::Migration { version, message } => {
                write!(f, "migration {version}: {message}")
            }
            StoreError::Io(e) => write!(f, "i/o: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sqlx(e) => Some(e),
            StoreError::Io(e) => Some(e),
            StoreError::Migration { .. } => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Sqlx(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

/// The database behind the service. Implementations: [`SqliteStore`] (default, embedded);
/// a PostgreSQL store implements the same trait with the same SQL.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug + 'static {
    fn dialect(&self) -> Dialect;

    /// Starts a write transaction. On SQLite this waits for the single writer connection and
    /// runs `BEGIN IMMEDIATE`; on PostgreSQL a plain `BEGIN`.
    async fn begin_write(&self) -> Result<WriteTx, StoreError>;

    /// A connection for reading (autocommit; start a transaction on it for a consistent snapshot).
    async fn read(&self) -> Result<ReadConn, StoreError>;

    /// Applies the embedded migrations that are not yet applied (implementations call this when
    /// they open; calling it again is harmless).
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        migrate::run(&mut tx, MIGRATIONS).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes the pools; later calls fail.
    async fn close(&self);
}

/// A new time-ordered text id (UUIDv7): sorts by creation time, so `(…, id)` cursors page stably.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// An instant as stored: unix milliseconds.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// An instant read back from unix milliseconds (out-of-range values clamp to the epoch).
pub fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// A boolean as stored (0/1).
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// Whether `err` is a unique-constraint violation whose message or constraint name mentions
/// `column` (SQLite reports `UNIQUE constraint failed: table.column`, PostgreSQL a constraint name
/// such as `table_column_key`).
pub fn is_unique_violation(err: &sqlx::Error, column: &str) -> bool {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            db.message().contains(column) || db.constraint().is_some_and(|c| c.contains(column))
        }
        _ => false,
    }
}
