//! The stores below the service, on both backends: migrations (fresh, re-opened, changed
//! script, newer database), the one-writer rule across two stores on one database, read-only
//! readers, and PostgreSQL's typed parameters. PostgreSQL variants need `ZJTX_TEST_PG` (see
//! `tests/common`).

mod common;

use common::{Backend, PgDb};
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;
use zjtx::store::{Location, MIGRATIONS, Store, StoreError, real};

/// A fresh database location on `backend` (None: skipped) and what keeps it alive.
async fn fresh(backend: Backend) -> Option<(Location, Keep)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let location = Location::Sqlite(dir.path().join("zjtx.db"));
            Some((location, Keep::Dir(dir)))
        }
        Backend::Postgres => {
            let db = PgDb::create().await?;
            Some((db.location(), Keep::Pg(db)))
        }
    }
}

#[allow(dead_code)]
enum Keep {
    Dir(tempfile::TempDir),
    Pg(PgDb),
}

async fn applied(store: &Arc<dyn Store>) -> Vec<(i64, String)> {
    let mut conn = store.read().await.unwrap();
    sqlx::query("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("version").unwrap(),
                r.try_get("checksum").unwrap(),
            )
        })
        .collect()
}

async fn set_migration_row(store: &Arc<dyn Store>, sql: &'static str) {
    let mut tx = store.begin_write().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn migrations(backend: Backend) {
    let Some((location, _keep)) = fresh(backend).await else {
        return;
    };
    // Fresh: every migration applied once, with its checksum.
    let store = location.open().await.unwrap();
    let want: Vec<(i64, String)> = MIGRATIONS
        .iter()
        .map(|m| (m.version, m.checksum()))
        .collect();
    assert_eq!(applied(&store).await, want);
    // Every table of the schema is there and empty.
    let mut conn = store.read().await.unwrap();
    for table in [
        "accounts",
        "items",
        "evidence",
        "idempotency",
        "rate_limits",
    ] {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {table}"
        )))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    drop(conn);
    // Migrating again, and re-opening, change nothing.
    store.migrate().await.unwrap();
    store.close().await;
    let store = location.open().await.unwrap();
    assert_eq!(applied(&store).await, want);

    // A changed script is detected at the next open, naming its version.
    set_migration_row(
        &store,
        "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1",
    )
    .await;
    store.close().await;
    match location.open().await.unwrap_err() {
        StoreError::Migration { version, message } => {
            assert_eq!(version, 1);
            assert!(message.contains("differs"), "{message}");
        }
        other => panic!("expected a migration error, got {other}"),
    }

    // Put it back (directly: opening refuses while the checksum is wrong); then a migration
    // this program does not know: the database is newer.
    {
        use sqlx::Connection;
        let url = match &location {
            Location::Sqlite(file) => format!("sqlite://{}", file.display()),
            Location::Postgres(url) => url.clone(),
        };
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE schema_migrations SET checksum = $1 WHERE version = 1")
            .bind(MIGRATIONS[0].checksum())
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let store = location.open().await.unwrap();
    set_migration_row(
        &store,
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) \
         VALUES (999, 'future', 'x', 0)",
    )
    .await;
    store.close().await;
    match location.open().await.unwrap_err() {
        StoreError::Migration { version, message } => {
            assert_eq!(version, 999);
            assert!(message.contains("newer"), "{message}");
        }
        other => panic!("expected a migration error, got {other}"),
    }
}

#[tokio::test]
async fn migrations_apply_once_and_refuse_a_changed_or_newer_schema() {
    migrations(Backend::Sqlite).await;
}

#[tokio::test]
async fn migrations_apply_once_and_refuse_a_changed_or_newer_schema_on_postgres() {
    migrations(Backend::Postgres).await;
}

/// Two stores on one database (two `zjtx serve` processes): while one holds a write transaction,
/// the other's `begin_write` waits; it proceeds once the first commits.
async fn one_writer_across_stores(backend: Backend) {
    let Some((location, _keep)) = fresh(backend).await else {
        return;
    };
    let a = location.open().await.unwrap();
    let b = location.open().await.unwrap();
    let tx = a.begin_write().await.unwrap();
    let waiting = {
        let b = b.clone();
        tokio::spawn(async move { b.begin_write().await.map(|_tx| ()) })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the second store began writing while the first held the write lock"
    );
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the second writer proceeds after the commit")
        .unwrap()
        .unwrap();
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn a_second_store_waits_for_the_first_writer() {
    one_writer_across_stores(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_second_store_waits_for_the_first_writer_on_postgres() {
    one_writer_across_stores(Backend::Postgres).await;
}

/// Read-check-write from many tasks through two stores at once: read the highest number, wait a
/// little, write the next. One writer at a time means no number is taken twice (the primary key
/// would refuse it) and none is lost.
async fn read_check_write_never_collides(backend: Backend) {
    let Some((location, _keep)) = fresh(backend).await else {
        return;
    };
    let stores = [
        location.open().await.unwrap(),
        location.open().await.unwrap(),
    ];
    let mut tx = stores[0].begin_write().await.unwrap();
    sqlx::query("CREATE TABLE t_counter (n BIGINT PRIMARY KEY, by_store BIGINT NOT NULL)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    const PER_STORE: i64 = 12;
    let mut tasks = Vec::new();
    for (k, store) in stores.iter().enumerate() {
        for _ in 0..PER_STORE {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin_write().await?;
                let top: i64 = sqlx::query("SELECT COALESCE(MAX(n), 0) AS top FROM t_counter")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("top")?;
                tokio::time::sleep(Duration::from_millis(3)).await;
                sqlx::query("INSERT INTO t_counter (n, by_store) VALUES ($1, $2)")
                    .bind(top + 1)
                    .bind(k as i64)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<_, StoreError>(())
            }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut conn = stores[1].read().await.unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MAX(n) AS top, COUNT(DISTINCT by_store) AS stores FROM t_counter",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let (n, top, both): (i64, i64, i64) = (
        row.try_get("n").unwrap(),
        row.try_get("top").unwrap(),
        row.try_get("stores").unwrap(),
    );
    assert_eq!((n, top, both), (2 * PER_STORE, 2 * PER_STORE, 2));
    drop(conn);
    for s in stores {
        s.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_check_write_through_two_stores_never_collides() {
    read_check_write_never_collides(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_check_write_through_two_stores_never_collides_on_postgres() {
    read_check_write_never_collides(Backend::Postgres).await;
}

#[tokio::test]
async fn postgres_readers_are_read_only_and_writers_hold_the_lock() {
    let Some((location, _keep)) = fresh(Backend::Postgres).await else {
        return;
    };
    let store = location.open().await.unwrap();
    let mut conn = store.read().await.unwrap();
    let err = sqlx::query("DELETE FROM outbox")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    drop(conn);
    // The writer's transaction holds the advisory lock (and only it: one lock, this session).
    let mut tx = store.begin_write().await.unwrap();
    let held: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' \
         AND pid = pg_backend_pid() AND granted",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(held, 1);
    tx.commit().await.unwrap();
    store.close().await;
}

/// A statement first run with a NULL real and then with a value (the same prepared statement):
/// `real` keeps the parameter a float8 on PostgreSQL.
async fn null_then_real(backend: Backend) {
    let Some((location, _keep)) = fresh(backend).await else {
        return;
    };
    let store = location.open().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    sqlx::query("CREATE TABLE t_real (k TEXT PRIMARY KEY, v DOUBLE PRECISION)")
        .execute(&mut *tx)
        .await
        .unwrap();
    for (k, v) in [
        ("a", None),
        ("b", Some(1.25)),
        ("c", None),
        ("d", Some(5e9)),
    ] {
        sqlx::query("INSERT INTO t_real (k, v) VALUES ($1, $2)")
            .bind(k)
            .bind(real(v))
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    let got: Vec<Option<f64>> = sqlx::query("SELECT v FROM t_real ORDER BY k")
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("v").unwrap())
        .collect();
    assert_eq!(got, [None, Some(1.25), None, Some(5e9)]);
    tx.commit().await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn a_null_real_then_a_value_through_one_statement() {
    null_then_real(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_null_real_then_a_value_through_one_statement_on_postgres() {
    null_then_real(Backend::Postgres).await;
}
