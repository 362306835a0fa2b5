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
//! Writes go through [`Store::begin_write`], reads through [`Store::read`]. Writers run one at a
//! time, on both backends: on SQLite the writer is a single dedicated connection opening
//! transactions with `BEGIN IMMEDIATE`, so writers queue in the pool instead of failing with
//! `SQLITE_BUSY`; on PostgreSQL every write transaction holds one advisory lock
//! ([`PgStore`]), so writers of several processes on one database queue too. Readers use their
//! own pool (WAL mode on SQLite, MVCC on PostgreSQL: they never block the writer and the writer
//! never blocks them).
//!
//! What differs between the two and is handled in SQL that both accept:
//!
//! - PostgreSQL's `SUM`/`AVG` of BIGINT are NUMERIC, which the `Any` driver cannot read: cast
//!   (`CAST(SUM(x) AS BIGINT)`) or count instead;
//! - a comparison or `EXISTS` in a select list is a BOOLEAN on PostgreSQL: select
//!   `CASE WHEN … THEN 1 ELSE 0 END`;
//! - `LIKE` is case-sensitive on PostgreSQL and ASCII-case-insensitive on SQLite: write
//!   `LOWER(column) LIKE LOWER($n) ESCAPE '\'` (the same result on SQLite);
//! - `ORDER BY` puts NULLs last on PostgreSQL and first on SQLite: order by non-null columns,
//!   or by `COALESCE(…)`, where the order matters;
//! - text comparisons follow the database's collation on PostgreSQL (create it with
//!   `LC_COLLATE 'C'` for SQLite's byte order; ids and codes are ASCII and sort the same either
//!   way);
//! - a failed statement aborts a PostgreSQL transaction: a use case that meets a constraint
//!   violation returns (rolling back) instead of going on in the same transaction;
//! - an `Option<f64>` is bound as [`real`]`(v)`: sqlx's `Any` driver would send its NULL as a
//!   `float4` and break the prepared statement for later values.

mod migrate;
mod postgres;
mod sqlite;

pub use migrate::{MIGRATIONS, Migration};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::domain::text::Text;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The name of the SQLite database file inside a data directory.
pub const DB_FILE: &str = "zjtx.db";

/// Where the database is: what `--db` names.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…` or `postgresql://…`; the database must exist).
    Postgres(String),
}

impl Location {
    /// Reads a `--db` argument: `postgres://…` or `postgresql://…` is a PostgreSQL database,
    /// `sqlite://PATH` (or `sqlite:PATH`) a SQLite file, anything else a data directory holding
    /// the SQLite file [`DB_FILE`]. Other URL schemes and SQLite's in-memory database are
    /// refused.
    pub fn from_arg(arg: &str) -> Result<Location, Text> {
        let arg = arg.trim();
        let lower = arg.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Location::Postgres(arg.to_string()));
        }
        if lower.starts_with("sqlite:") {
            let path = arg["sqlite:".len()..]
                .strip_prefix("//")
                .unwrap_or(&arg["sqlite:".len()..]);
            if path.is_empty() || path.contains('?') || path.starts_with(":memory:") {
                return Err(Text::new(
                    format!(
                        "“{arg}”不是可用的 SQLite 数据库：请写 sqlite://文件路径（不带参数，不支持内存数据库）。"
                    ),
                    format!(
                        "“{arg}” is not a usable SQLite database: write sqlite://PATH (a file, no parameters, no in-memory database)."
                    ),
                ));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = arg.split_once("://") {
            return Err(Text::new(
                format!(
                    "不支持的数据库“{scheme}://”：请用 postgres://…、sqlite://文件路径 或一个数据目录。"
                ),
                format!(
                    "Unsupported database “{scheme}://”: use postgres://…, sqlite://PATH or a data directory."
                ),
            ));
        }
        Ok(Location::Sqlite(Path::new(arg).join(DB_FILE)))
    }

    /// The directory evidence files go to unless told otherwise: the SQLite file's directory.
    /// None for PostgreSQL (the database is elsewhere; files need a directory of their own).
    pub fn default_files_dir(&self) -> Option<PathBuf> {
        match self {
            Location::Sqlite(file) => Some(
                file.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            ),
            Location::Postgres(_) => None,
        }
    }

    /// Opens (and migrates) the store.
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            Location::Sqlite(file) => Arc::new(SqliteStore::open(file).await?),
            Location::Postgres(url) => Arc::new(PgStore::open(url).await?),
        })
    }
}

/// Shown without the password of a URL.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(file) => write!(f, "{}", file.display()),
            Location::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(file) => f.debug_tuple("Sqlite").field(file).finish(),
            Location::Postgres(_) => f.debug_tuple("Postgres").field(&self.to_string()).finish(),
        }
    }
}

/// `scheme://user:password@host/…` → `scheme://user:***@host/…` (and a `password=` parameter
/// likewise); other text unchanged.
pub fn redact_password(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let authority_end = out[start..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..authority_end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&");
        out = format!("{head}{query}");
    }
    out
}

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

/// The database behind the service. Implementations: [`SqliteStore`] (default, embedded) and
/// [`PgStore`] (several servers on one database), with the same SQL.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug + 'static {
    fn dialect(&self) -> Dialect;

    /// Starts a write transaction; writers run one at a time. On SQLite this waits for the single
    /// writer connection and runs `BEGIN IMMEDIATE`; on PostgreSQL it begins and takes the
    /// database's write lock (an advisory lock held until the transaction ends).
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

/// An optional real number as a query argument: bind an `Option<f64>` as `real(v)`, never
/// directly. sqlx's `Any` driver sends a NULL `f64` as a NULL `float4` (and a NULL `f32` as a
/// NULL `float8`); PostgreSQL prepares the statement with the parameter types of its first
/// execution and sqlx caches it, so a statement first run with a NULL would refuse every later
/// 8-byte value ("incorrect binary data format"). [`Real`] sends its NULL as the `Any` type that
/// reaches PostgreSQL as `float8` (`tests/store_postgres.rs` checks it); SQLite is indifferent.
pub fn real(v: Option<f64>) -> Real {
    Real(v)
}

/// See [`real`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Real(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for Real {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl sqlx::Encode<'_, sqlx::Any> for Real {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            Some(v) => <f64 as sqlx::Encode<'_, sqlx::Any>>::encode_by_ref(&v, buf),
            // What sqlx turns into a NULL float8 (see above).
            None => <Option<f32> as sqlx::Encode<'_, sqlx::Any>>::encode_by_ref(&None, buf),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_arguments_name_a_directory_a_sqlite_file_or_a_postgres_url() {
        assert_eq!(
            Location::from_arg("/var/lib/zjtx").unwrap(),
            Location::Sqlite(PathBuf::from("/var/lib/zjtx/zjtx.db"))
        );
        assert_eq!(
            Location::from_arg("sqlite:///srv/z.db").unwrap(),
            Location::Sqlite(PathBuf::from("/srv/z.db"))
        );
        assert_eq!(
            Location::from_arg("sqlite:data/z.db").unwrap(),
            Location::Sqlite(PathBuf::from("data/z.db"))
        );
        for url in [
            "postgres://u@h/db",
            "postgresql://u:p@h:5433/db",
            "POSTGRES://h/db",
        ] {
            assert_eq!(
                Location::from_arg(url).unwrap(),
                Location::Postgres(url.into())
            );
        }
        for bad in [
            "mysql://h/db",
            "sqlite::memory:",
            "sqlite://",
            "sqlite://z.db?mode=ro",
        ] {
            let e = Location::from_arg(bad).unwrap_err();
            assert!(
                e.en.contains(bad.split("://").next().unwrap()),
                "{bad}: {e:?}"
            );
        }
        assert_eq!(
            Location::from_arg("sqlite:///srv/z.db")
                .unwrap()
                .default_files_dir(),
            Some(PathBuf::from("/srv"))
        );
        assert_eq!(
            Location::from_arg("sqlite:z.db")
                .unwrap()
                .default_files_dir(),
            Some(PathBuf::from("."))
        );
        assert_eq!(
            Location::from_arg("postgres://h/db")
                .unwrap()
                .default_files_dir(),
            None
        );
    }

    #[test]
    fn passwords_never_show() {
        let loc = Location::from_arg("postgres://zjtx:s3cret@db.local:5432/zjtx?sslmode=disable")
            .unwrap();
        assert_eq!(
            loc.to_string(),
            "postgres://zjtx:***@db.local:5432/zjtx?sslmode=disable"
        );
        assert!(!format!("{loc:?}").contains("s3cret"));
        assert_eq!(
            redact_password("postgres://h/db?user=a&password=x&port=1"),
            "postgres://h/db?user=a&password=***&port=1"
        );
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_password("postgres://h/db"), "postgres://h/db");
    }
}
