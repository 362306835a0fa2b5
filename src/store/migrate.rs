//! Embedded, forward-only migrations. Each is a portable SQL script applied once, in order, inside
//! the writer's transaction; its SHA-256 is recorded so a changed script is detected instead of
//! silently diverging. (sqlx's own migrator needs the `migrate` + `macros` features and per-driver
//! code; this runner is a few lines over the `Any` driver and serves SQLite and PostgreSQL alike.)

use super::{Conn, StoreError};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// One embedded migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// The migrations of this build, oldest first. Add new files at the end; never edit an old one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "schema",
        sql: include_str!("migrations/0001_schema.sql"),
    },
    Migration {
        version: 2,
        name: "rate_limits",
        sql: include_str!("migrations/0002_rate_limits.sql"),
    },
    Migration {
        version: 3,
        name: "reason_templates",
        sql: include_str!("migrations/0003_reason_templates.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
)";

/// Applies the missing migrations on `conn` (which must be inside a write transaction).
pub(super) async fn run(conn: &mut Conn, migrations: &[Migration]) -> Result<(), StoreError> {
    sqlx::query(CREATE_TABLE).execute(&mut *conn).await?;
    let rows = sqlx::query("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await?;
    let mut applied = Vec::with_capacity(rows.len());
    for row in rows {
        applied.push((
            row.try_get::<i64, _>("version")?,
            row.try_get::<String, _>("checksum")?,
        ));
    }
    for (version, checksum) in &applied {
        match migrations.iter().find(|m| m.version == *version) {
            Some(m) if m.checksum() == *checksum => {}
            Some(_) => {
                return Err(StoreError::Migration {
                    version: *version,
                    message: "the applied script differs from the embedded one".into(),
                });
            }
            None => {
                return Err(StoreError::Migration {
                    version: *version,
                    message: "the database is newer than this program".into(),
                });
            }
        }
    }
    for m in migrations {
        if applied.iter().any(|(v, _)| *v == m.version) {
            continue;
        }
        sqlx::raw_sql(m.sql)
            .execute(&mut *conn)
            .await
            .map_err(|e| StoreError::Migration {
                version: m.version,
                message: e.to_string(),
            })?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(m.checksum())
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(&mut *conn)
        .await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
