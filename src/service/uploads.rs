//! Resumable evidence uploads (DESIGN.md §3, DOMAIN.md §5 "evidence"): create an upload with
//! its declared size and SHA-256 → append chunks at an offset → after a dropped link, ask for the
//! offset and go on → finish, which verifies the SHA-256, judges the bytes ([`archive`]) and
//! files them as evidence of the item, content-addressed under `data_dir/evidence/ab/abcd…`.
//!
//! Who: only the enterprise that owns the item, and only while the item is editable (Draft,
//! Returned, Withdrawn — the workflow table's `edit`), checked at create and again at finish.
//! Only the account that created an upload may append to, query, finish or abort it.
//!
//! Durability: chunks go to `data_dir/uploads/<id>.part` (append, then `fsync`), and the
//! `received` count in the database moves only after the bytes are durable. A crash between the
//! two leaves extra bytes in the part file, which the next call trims back to `received`
//! ([`Service::upload_offset`] and every append reconcile); a part file shorter than `received`
//! (lost) moves `received` back, so the client resends. Calls on one upload are serialised by an
//! in-process lock; across processes the `received` column is the guard (`UPDATE … WHERE
//! received = offset`), and whatever slips through is caught by the SHA-256 at finish.
//!
//! The offset is the upload's version: an append at the wrong offset is a
//! [`ServiceError::Conflict`] whose `current_version` is the byte offset to resume from.
//!
//! Limits are checked before a byte is stored: declared size in 1 B ..= [`MAX_UPLOAD_SIZE`], a
//! storable file name, a 64-hex SHA-256, at most [`MAX_OPEN_UPLOADS`] unfinished uploads per
//! account, and no chunk past the declared size. Content refused at finish (checksum, type, zip
//! or PDF rules) discards the upload and its part file: nothing of it stays.
//!
//! Audit: `upload.create`, `upload.abort`, `upload.discard` (refused at finish), `upload.purge`
//! and `evidence.upload` (the evidence row). Chunks are not audited one by one: they are bytes,
//! not decisions; the upload row keeps `received` and `updated_at`.

use crate::domain::archive::{self, ContentKind, MIB, ZipLimits};
use crate::domain::text::{Localized, Text};
use crate::domain::workflow;
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::items;
use crate::service::session::Session;
use crate::service::validate::Fields;
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms, ms, new_id};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};

/// The largest evidence file.
pub const MAX_UPLOAD_SIZE: u64 = 50 * MIB;

/// The most unfinished uploads one account may have at a time.
pub const MAX_OPEN_UPLOADS: i64 = 20;

/// Part files of unfinished uploads, under the data directory.
pub const UPLOADS_DIR: &str = "uploads";

/// The content-addressed evidence store, under the data directory.
pub const EVIDENCE_DIR: &str = "evidence";

/// What the client declares before sending bytes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    /// The item (declaration, 复核, update, change) the evidence belongs to.
    pub item_id: String,
    /// The file name shown with the evidence (a name, not a path).
    pub name: String,
    /// Size in bytes.
    pub declared_size: u64,
    /// SHA-256 of the whole file, 64 hex digits.
    pub sha256: String,
}

/// An upload as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Upload {
    pub id: String,
    pub item_id: String,
    pub name: String,
    pub declared_size: u64,
    pub sha256: String,
    /// Bytes received so far: where the next chunk starts.
    pub offset: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A stored evidence file (the `evidence` row). A finished upload's evidence has the upload's id.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub id: String,
    pub item_id: String,
    pub name: String,
    pub sha256: String,
    pub size: u64,
    /// Sniffed from the bytes ([`ContentKind::mime`]), never taken from the name.
    pub content_type: String,
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What [`Service::purge_stale_uploads`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Purged {
    /// Upload rows deleted (unfinished and idle, or finished long ago).
    pub uploads: u64,
    /// Part files deleted (of those uploads, and orphans without a row).
    pub part_files: u64,
}

// ---------------------------------------------------------------------------------------------
// The blob store
// ---------------------------------------------------------------------------------------------

/// Whether `s` is a SHA-256 as stored: 64 lower-case hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where the blob with digest `sha256` lives: `data_dir/evidence/<first two digits>/<digest>`.
pub fn blob_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir
        .join(EVIDENCE_DIR)
        .join(&sha256[..2.min(sha256.len())])
        .join(sha256)
}

/// Moves the file at `from` into the content-addressed store as the blob `sha256` (a rename,
/// atomic on one file system) and returns its path; when the blob is already there, `from` is
/// just removed (unless `from` is the blob itself). The caller must have verified that `from` hashes to `sha256` and should have
/// synced it to disk. Blocking file I/O: call it from a blocking context.
pub fn store_blob(data_dir: &Path, sha256: &str, from: &Path) -> io::Result<PathBuf> {
    if !is_sha256_hex(sha256) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a lower-case hex SHA-256: {sha256:?}"),
        ));
    }
    let dest = blob_path(data_dir, sha256);
    let dir = dest
        .parent()
        .ok_or_else(|| io::Error::other("blob path without a parent"))?;
    fs::create_dir_all(dir)?;
    if dest.exists() {
        if from != dest {
            remove_if_present(from)?;
        }
        return Ok(dest);
    }
    fs::rename(from, &dest)?;
    sync_dir(dir)?;
    Ok(dest)
}

/// Makes a rename inside `dir` durable (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn remove_if_present(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Part files
// ---------------------------------------------------------------------------------------------

/// Brings the part file in line with the database's `received`: extra bytes (written before a
/// crash, never counted) are cut off; returns the durable length (≤ `received`; 0 if missing).
fn reconcile_part(part: &Path, received: u64) -> io::Result<u64> {
    match fs::metadata(part) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
        Ok(m) if m.len() > received => {
            let f = OpenOptions::new().write(true).open(part)?;
            f.set_len(received)?;
            f.sync_all()?;
            Ok(received)
        }
        Ok(m) => Ok(m.len()),
    }
}

/// Appends `bytes` to the part file and waits until they are on disk.
fn append_part(part: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = part.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut f = OpenOptions::new().create(true).append(true).open(part)?;
    f.write_all(bytes)?;
    f.sync_data()
}

/// Runs blocking file work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> ServiceResult<T> {
    tokio::task::spawn_blocking(f)
        .await?
        .map_err(ServiceError::internal)
}

/// One lock per part file, held across a call's file work and database update, so two requests
/// on one upload (a client retrying while its first request is still running) never interleave.
fn upload_lock(part: &Path) -> Arc<tokio::sync::Mutex<()>> {
    type Locks = Mutex<HashMap<PathBuf, Weak<tokio::sync::Mutex<()>>>>;
    static LOCKS: LazyLock<Locks> = LazyLock::new(Locks::default);
    let mut map = LOCKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    map.retain(|_, lock| lock.strong_count() > 0);
    if let Some(lock) = map.get(part).and_then(Weak::upgrade) {
        return lock;
    }
    let lock = Arc::new(tokio::sync::Mutex::new(()));
    map.insert(part.to_path_buf(), Arc::downgrade(&lock));
    lock
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

/// The stored upload, with its owner.
struct UploadRow {
    id: String,
    account_id: String,
    item_id: String,
    name: String,
    declared_size: u64,
    sha256: String,
    received: u64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

impl UploadRow {
    fn view(&self, offset: u64) -> Upload {
        Upload {
            id: self.id.clone(),
            item_id: self.item_id.clone(),
            name: self.name.clone(),
            declared_size: self.declared_size,
            sha256: self.sha256.clone(),
            offset,
            created_at: self.created_at,
            updated_at: self.updated_at,
            finished_at: self.finished_at,
        }
    }
}

fn size_column(row: &AnyRow, col: &str) -> ServiceResult<u64> {
    let v: i64 = row.try_get(col)?;
    u64::try_from(v).map_err(|_| ServiceError::internal(format!("negative {col}: {v}")))
}

fn upload_from_row(row: &AnyRow) -> ServiceResult<UploadRow> {
    Ok(UploadRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        item_id: row
            .try_get::<Option<String>, _>("item_id")?
            .unwrap_or_default(),
        name: row.try_get("name")?,
        declared_size: size_column(row, "declared_size")?,
        sha256: row
            .try_get::<Option<String>, _>("sha256")?
            .unwrap_or_default(),
        received: size_column(row, "received")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        finished_at: row.try_get::<Option<i64>, _>("finished_at")?.map(from_ms),
    })
}

async fn load_upload(conn: &mut Conn, id: &str) -> ServiceResult<UploadRow> {
    let row = sqlx::query(
        "SELECT id, account_id, item_id, name, declared_size, sha256, received, created_at, \
         updated_at, finished_at FROM uploads WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(upload_not_found)?;
    upload_from_row(&row)
}

fn upload_not_found() -> ServiceError {
    ServiceError::not_found(Text::new(
        "该上传（可能已取消或已过期清理）",
        "the upload (it may have been aborted or expired)",
    ))
}

async fn load_evidence(conn: &mut Conn, id: &str) -> ServiceResult<Evidence> {
    let row = sqlx::query(
        "SELECT id, item_id, name, sha256, size, content_type, uploaded_by, created_at \
         FROM evidence WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| ServiceError::not_found(Text::new("该证明材料", "the evidence file")))?;
    Ok(Evidence {
        id: row.try_get("id")?,
        item_id: row.try_get("item_id")?,
        name: row.try_get("name")?,
        sha256: row.try_get("sha256")?,
        size: size_column(&row, "size")?,
        content_type: row.try_get("content_type")?,
        uploaded_by: row.try_get("uploaded_by")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

/// The upload, if `session` created it (else the workflow's "not the owner" refusal).
fn owned(session: &Session, row: UploadRow) -> ServiceResult<UploadRow> {
    if row.account_id == session.account_id {
        Ok(row)
    } else {
        Err(workflow::Refusal::NotOwner.into())
    }
}

fn unfinished(row: &UploadRow) -> ServiceResult<()> {
    if row.finished_at.is_none() {
        Ok(())
    } else {
        Err(ServiceError::rule(
            "upload_finished",
            Text::new(
                "该上传已完成，文件已保存为证明材料，不能再修改；如需更换请删除该材料后重新上传。",
                "This upload is finished and its file is stored as evidence; it cannot change \
                 any more. To replace it, delete the evidence and upload again.",
            ),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------------

fn check_size(size: u64) -> Result<u64, Text> {
    if size == 0 {
        Err(Text::new(
            "文件是空的（0 字节），请选择有内容的文件。",
            "The file is empty (0 bytes); choose a file with content.",
        ))
    } else if size > MAX_UPLOAD_SIZE {
        Err(Text::new(
            format!(
                "文件大小为 {:.1} MiB，超过上限 {} MiB；请压缩或拆分后分别上传。",
                size as f64 / MIB as f64,
                MAX_UPLOAD_SIZE / MIB
            ),
            format!(
                "The file is {:.1} MiB, over the limit of {} MiB; compress or split it and \
                 upload the parts separately.",
                size as f64 / MIB as f64,
                MAX_UPLOAD_SIZE / MIB
            ),
        ))
    } else {
        Ok(size)
    }
}

fn check_sha256(sha: &str) -> Result<String, Text> {
    let sha = sha.trim().to_ascii_lowercase();
    if is_sha256_hex(&sha) {
        Ok(sha)
    } else {
        Err(Text::new(
            "SHA-256 校验值应为 64 位十六进制数字（0-9、a-f）。",
            "The SHA-256 must be 64 hexadecimal digits (0-9, a-f).",
        ))
    }
}

fn check_name(name: &str) -> Result<String, Text> {
    let name = name.trim();
    archive::check_file_name(name)
        .map(|()| name.to_string())
        .map_err(|p| p.text())
}

// ---------------------------------------------------------------------------------------------
// Verdict at finish
// ---------------------------------------------------------------------------------------------

/// What the bytes of a complete upload turned out to be.
enum Verdict {
    Accepted {
        kind: ContentKind,
        zip_entries: Option<usize>,
    },
    ChecksumMismatch {
        actual: String,
    },
    UnknownType,
    Refused(archive::ArchiveError),
}

impl Verdict {
    fn code(&self) -> &'static str {
        match self {
            Verdict::Accepted { .. } => "accepted",
            Verdict::ChecksumMismatch { .. } => "checksum_mismatch",
            Verdict::UnknownType => "unsupported_content_type",
            Verdict::Refused(e) => e.code(),
        }
    }

    fn error(&self, name: &str) -> ServiceError {
        match self {
            Verdict::Accepted { .. } => ServiceError::internal("an accepted upload is no error"),
            Verdict::ChecksumMismatch { .. } => ServiceError::rule(
                "checksum_mismatch",
                Text::new(
                    format!(
                        "“{name}”校验失败：收到的内容的 SHA-256 与上传前声明的不一致，\
                         文件可能在传输中损坏。已丢弃本次上传，请重新上传。"
                    ),
                    format!(
                        "\"{name}\" failed verification: the SHA-256 of the bytes received \
                         differs from the one declared, so the file was damaged on the way. This \
                         upload was discarded; upload the file again."
                    ),
                ),
            ),
            Verdict::UnknownType => {
                let kinds: Vec<Text> = ContentKind::ALL.iter().map(|k| k.name()).collect();
                ServiceError::rule(
                    "unsupported_content_type",
                    Text::new(
                        format!(
                            "“{name}”不是平台接受的文件类型（按文件内容识别，而非扩展名）；\
                             证明材料只接受{}。已丢弃本次上传。",
                            kinds
                                .iter()
                                .map(|t| t.zh.as_str())
                                .collect::<Vec<_>>()
                                .join("、")
                        ),
                        format!(
                            "\"{name}\" is not a file type the platform accepts (judged by its \
                             content, not its extension); evidence must be a {}. This upload was \
                             discarded.",
                            kinds
                                .iter()
                                .map(|t| t.en.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                )
            }
            Verdict::Refused(e) => {
                let t = e.text();
                ServiceError::rule(
                    e.code(),
                    Text::new(
                        format!("“{name}”未被接受：{}。已丢弃本次上传。", t.zh),
                        format!(
                            "\"{name}\" was not accepted: {}. This upload was discarded.",
                            t.en
                        ),
                    ),
                )
            }
        }
    }
}

/// Reads the file, checks its digest, sniffs and validates it. Blocking.
fn judge(path: &Path, expected_sha: &str) -> io::Result<Verdict> {
    let bytes = fs::read(path)?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != expected_sha {
        return Ok(Verdict::ChecksumMismatch { actual });
    }
    let Some(kind) = archive::sniff(&bytes) else {
        return Ok(Verdict::UnknownType);
    };
    let checked = match kind {
        ContentKind::Zip => archive::validate_zip(&bytes, &ZipLimits::default())
            .map(|summary| Some(summary.entries.len())),
        ContentKind::Pdf => archive::validate_pdf(&bytes).map(|()| None),
        ContentKind::Png | ContentKind::Jpeg => Ok(None),
    };
    Ok(match checked {
        Ok(zip_entries) => Verdict::Accepted { kind, zip_entries },
        Err(e) => Verdict::Refused(e),
    })
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    fn part_path(&self, upload_id: &str) -> PathBuf {
        self.data_dir()
            .join(UPLOADS_DIR)
            .join(format!("{upload_id}.part"))
    }

    /// Starts an upload of evidence for one of the session's editable items. Nothing but the row
    /// is stored; returns the upload at offset 0.
    pub async fn create_upload(&self, session: &Session, new: NewUpload) -> ServiceResult<Upload> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let item = items::load(&mut w, &new.item_id).await?;
        items::require_editable(session, &item)?;

        let mut f = Fields::default();
        let name = f.check("name", check_name(&new.name));
        let size = f.check("declared_size", check_size(new.declared_size));
        let sha = f.check("sha256", check_sha256(&new.sha256));
        f.finish()?;
        let (Some(name), Some(size), Some(sha)) = (name, size, sha) else {
            return Err(ServiceError::internal("validated fields missing"));
        };

        let open: i64 = sqlx::query(
            "SELECT COUNT(*) FROM uploads WHERE account_id = $1 AND finished_at IS NULL",
        )
        .bind(&session.account_id)
        .fetch_one(&mut *w)
        .await?
        .try_get(0)?;
        if open >= MAX_OPEN_UPLOADS {
            return Err(ServiceError::rule(
                "too_many_open_uploads",
                Text::new(
                    format!(
                        "您已有 {open} 个未完成的上传（最多 {MAX_OPEN_UPLOADS} 个）；\
                         请先完成或取消其中一些再开始新的上传。"
                    ),
                    format!(
                        "You have {open} unfinished uploads (at most {MAX_OPEN_UPLOADS}); \
                         finish or abort some before starting another."
                    ),
                ),
            ));
        }

        let id = new_id();
        let now = w.now_ms();
        sqlx::query(
            "INSERT INTO uploads (id, account_id, item_id, name, declared_size, sha256, received, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
        )
        .bind(&id)
        .bind(&session.account_id)
        .bind(&item.id)
        .bind(&name)
        .bind(size as i64)
        .bind(&sha)
        .bind(now)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &Who::from(session),
            "upload.create",
            "upload",
            Some(&id),
            json!({"item_id": item.id, "name": name, "declared_size": size, "sha256": sha}),
        )
        .await?;
        let row = load_upload(&mut w, &id).await?;
        w.commit().await?;
        Ok(row.view(0))
    }

    /// Loads the session's upload, then takes its lock and loads it again (it may have changed
    /// while waiting).
    async fn lock_owned(
        &self,
        session: &Session,
        upload_id: &str,
    ) -> ServiceResult<(UploadRow, tokio::sync::OwnedMutexGuard<()>)> {
        authz::require_enterprise(session)?;
        let row = {
            let mut conn = self.read().await?;
            owned(session, load_upload(&mut conn, upload_id).await?)?
        };
        // The path comes from the stored id (ours), never from the caller's string.
        let guard = upload_lock(&self.part_path(&row.id)).lock_owned().await;
        let mut conn = self.read().await?;
        let row = owned(session, load_upload(&mut conn, &row.id).await?)?;
        Ok((row, guard))
    }

    /// The durable offset of an unfinished upload: the part file is trimmed to the database's
    /// count, and the count moved back if the file is shorter. Call with the upload's lock held.
    async fn reconcile(&self, row: &UploadRow) -> ServiceResult<u64> {
        let part = self.part_path(&row.id);
        let received = row.received;
        let durable = blocking(move || reconcile_part(&part, received)).await?;
        if durable != received {
            let mut w = self.write().await?;
            let now = w.now_ms();
            sqlx::query(
                "UPDATE uploads SET received = $1, updated_at = $2 WHERE id = $3 AND received = $4",
            )
            .bind(durable as i64)
            .bind(now)
            .bind(&row.id)
            .bind(received as i64)
            .execute(&mut *w)
            .await?;
            tracing::warn!(upload = %row.id, received, durable, "upload part file shorter than recorded; resuming from the durable length");
            w.commit().await?;
        }
        Ok(durable)
    }

    /// Appends `bytes` at `offset`, which must be the upload's current offset (else a
    /// [`ServiceError::Conflict`] whose `current_version` is the offset to resume from). Returns
    /// the new offset. The bytes are on disk before the offset moves.
    pub async fn append_chunk(
        &self,
        session: &Session,
        upload_id: &str,
        offset: u64,
        bytes: &[u8],
    ) -> ServiceResult<u64> {
        let (row, _guard) = self.lock_owned(session, upload_id).await?;
        unfinished(&row)?;
        let current = self.reconcile(&row).await?;
        if offset != current {
            return Err(ServiceError::Conflict {
                current_version: current as i64,
                by: Some(session.display_name.clone()),
                at: Some(row.updated_at),
            });
        }
        if bytes.is_empty() {
            return Err(ServiceError::invalid(
                "bytes",
                Text::new(
                    "数据块是空的；请发送文件的下一段内容。",
                    "The chunk is empty; send the next part of the file.",
                ),
            ));
        }
        let len = bytes.len() as u64;
        if current + len > row.declared_size {
            return Err(ServiceError::rule(
                "upload_exceeds_declared_size",
                Text::new(
                    format!(
                        "该数据块会使文件超过上传时声明的大小（已收到 {current} 字节，\
                         本块 {len} 字节，声明 {} 字节）；请检查所选文件是否正确。",
                        row.declared_size
                    ),
                    format!(
                        "This chunk would take the file past its declared size ({current} bytes \
                         received, {len} in this chunk, {} declared); check that the right file \
                         is being sent.",
                        row.declared_size
                    ),
                ),
            ));
        }
        let part = self.part_path(&row.id);
        let chunk = bytes.to_vec();
        blocking(move || append_part(&part, &chunk)).await?;

        let new_offset = current + len;
        let mut w = self.write().await?;
        let now = w.now_ms();
        let done = sqlx::query(
            "UPDATE uploads SET received = $1, updated_at = $2 \
             WHERE id = $3 AND received = $4 AND finished_at IS NULL",
        )
        .bind(new_offset as i64)
        .bind(now)
        .bind(&row.id)
        .bind(current as i64)
        .execute(&mut *w)
        .await?;
        if done.rows_affected() != 1 {
            // Another process moved it, or it was purged: the extra bytes are trimmed by the
            // next reconcile.
            drop(w);
            let mut conn = self.read().await?;
            let now_row = load_upload(&mut conn, &row.id).await?;
            return Err(ServiceError::Conflict {
                current_version: now_row.received as i64,
                by: Some(session.display_name.clone()),
                at: Some(now_row.updated_at),
            });
        }
        w.commit().await?;
        Ok(new_offset)
    }

    /// Where to resume an upload after a reconnect (the declared size once it is finished).
    pub async fn upload_offset(&self, session: &Session, upload_id: &str) -> ServiceResult<u64> {
        let (row, _guard) = self.lock_owned(session, upload_id).await?;
        if row.finished_at.is_some() {
            return Ok(row.declared_size);
        }
        self.reconcile(&row).await
    }

    /// The upload as its owner sees it (after reconciling its offset).
    pub async fn upload(&self, session: &Session, upload_id: &str) -> ServiceResult<Upload> {
        let (row, _guard) = self.lock_owned(session, upload_id).await?;
        let offset = if row.finished_at.is_some() {
            row.declared_size
        } else {
            self.reconcile(&row).await?
        };
        Ok(row.view(offset))
    }

    /// Completes an upload: every declared byte received, the SHA-256 matches, the content is a
    /// zip, PDF, PNG or JPEG by its bytes, and a zip or PDF passes [`archive`]'s checks. Then the
    /// blob goes into the store and the evidence row is written, in one transaction, audited.
    /// Content that fails is discarded with the upload (nothing stays). Finishing a finished
    /// upload again returns its evidence (a retry after a dropped response).
    pub async fn finish_upload(
        &self,
        session: &Session,
        upload_id: &str,
    ) -> ServiceResult<Evidence> {
        let (row, _guard) = self.lock_owned(session, upload_id).await?;
        if row.finished_at.is_some() {
            let mut conn = self.read().await?;
            return load_evidence(&mut conn, &row.id).await;
        }
        {
            let mut conn = self.read().await?;
            let item = items::load(&mut conn, &row.item_id).await?;
            items::require_editable(session, &item)?;
        }

        // The bytes: the part file, or — if an earlier finish stored the blob and then failed
        // to commit — the blob itself.
        let part = self.part_path(&row.id);
        let blob = blob_path(self.data_dir(), &row.sha256);
        let source = {
            let (part, blob) = (part.clone(), blob.clone());
            let complete = row.received == row.declared_size;
            blocking(move || {
                Ok(if !part.exists() && complete && blob.exists() {
                    blob
                } else {
                    part
                })
            })
            .await?
        };
        let from_blob = source != part;
        if !from_blob {
            let offset = self.reconcile(&row).await?;
            if offset != row.declared_size {
                return Err(ServiceError::rule(
                    "upload_incomplete",
                    Text::new(
                        format!(
                            "文件尚未传完：已收到 {offset} 字节，共 {} 字节；\
                             请从第 {offset} 字节继续上传后再完成。",
                            row.declared_size
                        ),
                        format!(
                            "The file is not complete: {offset} of {} bytes received; resume \
                             from byte {offset}, then finish.",
                            row.declared_size
                        ),
                    ),
                ));
            }
        }

        let verdict = {
            let (source, sha) = (source.clone(), row.sha256.clone());
            blocking(move || judge(&source, &sha)).await?
        };
        let Verdict::Accepted { kind, zip_entries } = verdict else {
            self.discard(session, &row, &verdict).await?;
            return Err(verdict.error(&row.name));
        };

        let mut w = self.write().await?;
        let current = load_upload(&mut w, &row.id).await?;
        unfinished(&current)?;
        if current.received != row.declared_size {
            return Err(ServiceError::Conflict {
                current_version: current.received as i64,
                by: Some(session.display_name.clone()),
                at: Some(current.updated_at),
            });
        }
        let item = items::load(&mut w, &row.item_id).await?;
        items::require_editable(session, &item)?;
        {
            let (dir, sha, from) = (self.data_dir().to_path_buf(), row.sha256.clone(), source);
            blocking(move || store_blob(&dir, &sha, &from)).await?;
        }
        let now = w.now_ms();
        sqlx::query(
            "INSERT INTO evidence (id, item_id, name, sha256, size, content_type, uploaded_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&row.id)
        .bind(&item.id)
        .bind(&row.name)
        .bind(&row.sha256)
        .bind(row.declared_size as i64)
        .bind(kind.mime())
        .bind(&session.account_id)
        .bind(now)
        .execute(&mut *w)
        .await?;
        sqlx::query(
            "UPDATE uploads SET finished_at = $1, updated_at = $1, content_type = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(kind.mime())
        .bind(&row.id)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &Who::from(session),
            "evidence.upload",
            "evidence",
            Some(&row.id),
            json!({
                "item_id": item.id,
                "name": row.name,
                "sha256": row.sha256,
                "size": row.declared_size,
                "content_type": kind.mime(),
                "zip_entries": zip_entries,
            }),
        )
        .await?;
        let evidence = load_evidence(&mut w, &row.id).await?;
        w.commit().await?;
        Ok(evidence)
    }

    /// Deletes a refused upload and its part file (never a blob: it may be someone's evidence).
    async fn discard(
        &self,
        session: &Session,
        row: &UploadRow,
        verdict: &Verdict,
    ) -> ServiceResult<()> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM uploads WHERE id = $1 AND finished_at IS NULL")
            .bind(&row.id)
            .execute(&mut *w)
            .await?;
        let actual = match verdict {
            Verdict::ChecksumMismatch { actual } => Some(actual.as_str()),
            _ => None,
        };
        audit(
            &mut w,
            &Who::from(session),
            "upload.discard",
            "upload",
            Some(&row.id),
            json!({
                "item_id": row.item_id,
                "name": row.name,
                "reason": verdict.code(),
                "declared_sha256": row.sha256,
                "actual_sha256": actual,
            }),
        )
        .await?;
        w.commit().await?;
        let part = self.part_path(&row.id);
        blocking(move || remove_if_present(&part)).await?;
        Ok(())
    }

    /// Abandons an unfinished upload: its row and part file are deleted.
    pub async fn abort_upload(&self, session: &Session, upload_id: &str) -> ServiceResult<()> {
        let (row, _guard) = self.lock_owned(session, upload_id).await?;
        unfinished(&row)?;
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM uploads WHERE id = $1 AND finished_at IS NULL")
            .bind(&row.id)
            .execute(&mut *w)
            .await?;
        audit(
            &mut w,
            &Who::from(session),
            "upload.abort",
            "upload",
            Some(&row.id),
            json!({"item_id": row.item_id, "name": row.name, "received": row.received}),
        )
        .await?;
        w.commit().await?;
        let part = self.part_path(&row.id);
        blocking(move || remove_if_present(&part)).await?;
        Ok(())
    }

    /// A scheduled job (the system acts): deletes unfinished uploads idle for longer than
    /// `older_than` with their part files, the rows of uploads finished longer ago than that
    /// (bookkeeping only: their evidence stays), and part files no upload row knows (left by a
    /// crash or by the deletion of their item).
    pub async fn purge_stale_uploads(&self, older_than: Duration) -> ServiceResult<Purged> {
        let mut w = self.write().await?;
        let cutoff = ms(w.now - older_than);
        let rows = sqlx::query(
            "SELECT id, finished_at FROM uploads WHERE \
             (finished_at IS NULL AND updated_at < $1) OR finished_at < $1",
        )
        .bind(cutoff)
        .fetch_all(&mut *w)
        .await?;
        let mut stale = Vec::with_capacity(rows.len());
        let mut unfinished_ids = Vec::new();
        for r in &rows {
            let id: String = r.try_get("id")?;
            if r.try_get::<Option<i64>, _>("finished_at")?.is_none() {
                unfinished_ids.push(id.clone());
            }
            stale.push(id);
        }
        for id in &stale {
            sqlx::query("DELETE FROM uploads WHERE id = $1")
                .bind(id)
                .execute(&mut *w)
                .await?;
        }
        if !stale.is_empty() {
            purge_audit(&mut w, &stale, &unfinished_ids, cutoff).await?;
        }
        w.commit().await?;

        // Files after the commit: a failure here leaves only orphans, swept next time.
        let known: Vec<String> = {
            let mut conn = self.read().await?;
            sqlx::query("SELECT id FROM uploads")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?
        };
        let dir = self.data_dir().join(UPLOADS_DIR);
        let part_files = blocking(move || sweep_parts(&dir, &known)).await?;
        Ok(Purged {
            uploads: stale.len() as u64,
            part_files,
        })
    }
}

async fn purge_audit(
    w: &mut Write,
    stale: &[String],
    unfinished_ids: &[String],
    cutoff: i64,
) -> ServiceResult<()> {
    audit(
        w,
        &Who::system(),
        "upload.purge",
        "upload",
        None,
        json!({
            "deleted": stale.len(),
            "unfinished": unfinished_ids,
            "idle_before": cutoff,
        }),
    )
    .await
}

/// Deletes every `*.part` file in `dir` whose upload id is not in `known`; returns how many.
fn sweep_parts(dir: &Path, known: &[String]) -> io::Result<u64> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry?.path();
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".part"))
        else {
            continue;
        };
        if !known.iter().any(|k| k == id) && remove_if_present(&path)? {
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconcile_trims_uncounted_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("x.part");
        assert_eq!(reconcile_part(&part, 0).unwrap(), 0, "no file yet");
        append_part(&part, b"hello world").unwrap();
        assert_eq!(reconcile_part(&part, 5).unwrap(), 5);
        assert_eq!(fs::read(&part).unwrap(), b"hello");
        assert_eq!(
            reconcile_part(&part, 9).unwrap(),
            5,
            "shorter: the file wins"
        );
    }

    #[test]
    fn blob_store_renames_once_and_deduplicates() {
        let dir = tempfile::tempdir().unwrap();
        let sha = hex::encode(Sha256::digest(b"abc"));
        let a = dir.path().join("a.part");
        fs::write(&a, b"abc").unwrap();
        let dest = store_blob(dir.path(), &sha, &a).unwrap();
        assert_eq!(dest, dir.path().join("evidence").join(&sha[..2]).join(&sha));
        assert_eq!(fs::read(&dest).unwrap(), b"abc");
        assert!(!a.exists());
        let b = dir.path().join("b.part");
        fs::write(&b, b"abc").unwrap();
        assert_eq!(store_blob(dir.path(), &sha, &b).unwrap(), dest);
        assert!(!b.exists(), "the duplicate part is dropped");
        assert!(store_blob(dir.path(), "../../etc/passwd", &b).is_err());
        assert!(!is_sha256_hex(&sha.to_uppercase()));
    }

    #[test]
    fn one_lock_per_part_file() {
        let p = Path::new("/data/uploads/a.part");
        let l1 = upload_lock(p);
        let l2 = upload_lock(p);
        assert!(Arc::ptr_eq(&l1, &l2));
        assert!(!Arc::ptr_eq(
            &l1,
            &upload_lock(Path::new("/data/uploads/b.part"))
        ));
    }
}
