//! Evidence (证明材料) attached to a workflow item: a ZIP archive, a PDF or an image.
//!
//! Bytes are stored content-addressed under the data directory,
//! `evidence/<sha256[0..2]>/<sha256>`, so the same file attached twice (to one item under two
//! names, or to two items) is one blob on disk. A blob is written to a temporary file in its final
//! directory, flushed to disk, then renamed: a crash never leaves a partial blob under its final
//! name. The row (name, size, SHA-256, sniffed content type) is written in a transaction after
//! the blob is safely on disk; a failed transaction leaves at most an unreferenced blob, which a
//! later attach of the same bytes reuses. Removing evidence deletes the row only: blobs may be
//! shared, and are never deleted in the request path (garbage collection is a maintenance job).
//!
//! The content type is sniffed from the bytes, never taken from the name or the client's claim.
//! Deep validation of ZIP archives (entry names, encryption) and resumable chunked uploads belong
//! to the API layer (DESIGN.md §3).
//!
//! Who may attach or remove: the item's owning enterprise while the item is editable (draft,
//! returned, withdrawn). Who may list and download: whoever may read the item.

use crate::domain::text::Text;
use crate::service::Service;
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::declarations::{authorize_read, require_reader_role};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::items;
use crate::service::session::Session;
use crate::service::validate::Fields;
use crate::store::{Conn, from_ms, new_id};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::io::Write as _;
use std::path::Path;

/// The largest evidence file: 50 MiB **(our rule)**.
pub const MAX_EVIDENCE_BYTES: usize = 50 * 1024 * 1024;
/// The longest file name, in characters **(our rule)**.
pub const MAX_EVIDENCE_NAME_CHARS: usize = 100;
/// The most evidence files on one item **(our rule)**.
pub const MAX_EVIDENCE_PER_ITEM: i64 = 50;
use crate::domain::archive;
/// The accepted kinds of evidence file, recognised by their first bytes (the domain's archive
/// module decides; this module and the resumable uploads share it).
pub use crate::domain::archive::{ContentKind as EvidenceType, sniff};
use crate::domain::text::Localized;
/// Where blobs live: shared with the resumable uploads.
pub use crate::service::uploads::{EVIDENCE_DIR, blob_path};

/// An evidence file as listed.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceView {
    pub id: String,
    pub item_id: String,
    pub name: String,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    pub size: i64,
    /// The sniffed MIME type.
    pub content_type: String,
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An evidence file with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    pub evidence: EvidenceView,
    pub bytes: Vec<u8>,
}

const EVIDENCE_COLUMNS: &str =
    "id, item_id, name, sha256, size, content_type, uploaded_by, created_at";

fn evidence_from_row(row: &AnyRow) -> ServiceResult<EvidenceView> {
    Ok(EvidenceView {
        id: row.try_get("id")?,
        item_id: row.try_get("item_id")?,
        name: row.try_get("name")?,
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        content_type: row.try_get("content_type")?,
        uploaded_by: row.try_get("uploaded_by")?,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

/// The evidence of an item, oldest first.
pub(crate) async fn evidence_of(
    conn: &mut Conn,
    item_id: &str,
) -> ServiceResult<Vec<EvidenceView>> {
    let sql = format!(
        "SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE item_id = $1 ORDER BY created_at, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(evidence_from_row).collect()
}

async fn load_evidence(conn: &mut Conn, id: &str) -> ServiceResult<EvidenceView> {
    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该证明材料", "the evidence file")))?;
    evidence_from_row(&row)
}

/// A file name the platform can store: trimmed, not empty, no path separators, no control
/// characters, not only dots, at most [`MAX_EVIDENCE_NAME_CHARS`] characters.
pub fn check_name(name: &str) -> Result<String, Text> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Text::new("请填写文件名。", "Give the file a name."));
    }
    if let Some(c) = n.chars().find(|c| *c == '/' || *c == '\\') {
        return Err(Text::new(
            format!("文件名“{n}”含有路径分隔符“{c}”：文件名不能包含“/”或“\\”，请改名后重新上传。"),
            format!(
                "The file name \"{n}\" contains the path separator \"{c}\": a name may not \
                 contain \"/\" or \"\\\"; rename the file and upload it again."
            ),
        ));
    }
    if let Some((i, c)) = n.chars().enumerate().find(|(_, c)| c.is_control()) {
        let code = format!("U+{:04X}", u32::from(c));
        return Err(Text::new(
            format!(
                "文件名第 {} 个字符是不可见的控制字符（{code}）：请去掉后重新上传。",
                i + 1
            ),
            format!(
                "Character {} of the file name is an invisible control character ({code}); \
                 remove it and upload again.",
                i + 1
            ),
        ));
    }
    if n.chars().all(|c| c == '.') {
        return Err(Text::new(
            format!("文件名“{n}”不能只由“.”组成。"),
            format!("The file name \"{n}\" may not consist of dots only."),
        ));
    }
    let count = n.chars().count();
    if count > MAX_EVIDENCE_NAME_CHARS {
        return Err(Text::new(
            format!(
                "文件名最多 {MAX_EVIDENCE_NAME_CHARS} 个字，当前 {count} 个：请改用较短的文件名。"
            ),
            format!(
                "A file name has at most {MAX_EVIDENCE_NAME_CHARS} characters; this one has \
                 {count}. Use a shorter name."
            ),
        ));
    }
    Ok(n.to_string())
}

fn mib(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn accepted_types() -> Text {
    let names: Vec<Text> = EvidenceType::ALL.iter().map(|t| t.name()).collect();
    Text::new(
        names
            .iter()
            .map(|t| t.zh.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        names
            .iter()
            .map(|t| t.en.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Size and type of the bytes; the sniffed type when both are acceptable.
fn check_file(bytes: &[u8]) -> Result<EvidenceType, Text> {
    if bytes.is_empty() {
        return Err(Text::new(
            "文件是空的（0 字节）：请选择有内容的文件。",
            "The file is empty (0 bytes); choose a file with content.",
        ));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(Text::new(
            format!(
                "文件大小 {} MiB 超过上限 {} MiB：请压缩或拆分后分别上传。",
                mib(bytes.len()),
                MAX_EVIDENCE_BYTES / (1024 * 1024)
            ),
            format!(
                "The file is {} MiB, over the limit of {} MiB; compress it or split it into \
                 several files.",
                mib(bytes.len()),
                MAX_EVIDENCE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let kind = sniff(bytes).ok_or_else(|| {
        let t = accepted_types();
        Text::new(
            format!(
                "无法识别的文件类型：只接受{}（按文件内容识别，与扩展名无关）。",
                t.zh
            ),
            format!(
                "Unrecognised file type: only {} are accepted (recognised by content, not by \
                 extension).",
                t.en
            ),
        )
    })?;
    // The same archive checks as the resumable uploads: encrypted entries, escaping paths,
    // unstorable names, bombs and nested archives are refused, naming the entry.
    match kind {
        EvidenceType::Zip => {
            archive::validate_zip(bytes, &archive::ZipLimits::default()).map_err(|e| e.text())?;
        }
        EvidenceType::Pdf => archive::validate_pdf(bytes).map_err(|e| e.text())?,
        EvidenceType::Png | EvidenceType::Jpeg => {}
    }
    Ok(kind)
}

/// Writes `bytes` as the blob of its SHA-256 (unless that blob exists) and returns the digest:
/// a synced temporary file moved into place by the shared blob store, so a crash never leaves
/// a partial blob under its final name. Blocking: run it off the async threads.
fn store_blob(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let path = blob_path(data_dir, &sha);
    if let Ok(meta) = std::fs::metadata(&path)
        && meta.len() == bytes.len() as u64
    {
        return Ok(sha);
    }
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("blob path has no parent"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{sha}.{}.tmp", new_id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        crate::service::uploads::store_blob(data_dir, &sha, &tmp).map(|_| ())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(sha)
}

impl Service {
    /// Attaches a file to an item: the owning enterprise, while the item is editable. The name
    /// must be storable ([`check_name`]), the file 1 byte to [`MAX_EVIDENCE_BYTES`], of a type
    /// sniffed from its bytes (ZIP, PDF, PNG, JPEG) — all problems reported at once. The same
    /// bytes are stored once; an item may hold them twice only under different names.
    /// `content_type_hint` (what the client claimed) is recorded in the audit trail only.
    pub async fn attach_evidence(
        &self,
        session: &Session,
        item_id: &str,
        name: &str,
        content_type_hint: Option<&str>,
        bytes: Vec<u8>,
    ) -> ServiceResult<EvidenceView> {
        authz::require_enterprise(session)?;
        let mut f = Fields::default();
        let name = f.check("name", check_name(name));
        let kind = f.check("file", check_file(&bytes));
        f.finish()?;
        let (Some(name), Some(kind)) = (name, kind) else {
            return Err(ServiceError::internal("validated evidence fields missing"));
        };
        // Nobody but the owner of an editable item gets a byte onto the disk.
        {
            let mut conn = self.read().await?;
            let item = items::load(&mut conn, item_id).await?;
            items::require_editable(session, &item)?;
        }
        let size = i64::try_from(bytes.len()).map_err(ServiceError::internal)?;
        let dir = self.data_dir().to_path_buf();
        let sha = tokio::task::spawn_blocking(move || store_blob(&dir, &bytes))
            .await?
            .map_err(ServiceError::internal)?;

        let mut w = self.write().await?;
        let item = items::load(&mut w, item_id).await?;
        items::require_editable(session, &item)?;
        let existing = evidence_of(&mut w, item_id).await?;
        if existing.iter().any(|e| e.name == name) {
            return Err(ServiceError::invalid(
                "name",
                Text::new(
                    format!("已有同名文件“{name}”：请改名，或先删除原文件再上传。"),
                    format!(
                        "A file named \"{name}\" is already attached; rename this one, or remove \
                         the other first."
                    ),
                ),
            ));
        }
        if existing.len() as i64 >= MAX_EVIDENCE_PER_ITEM {
            return Err(ServiceError::rule(
                "too_many_evidence_files",
                Text::new(
                    format!(
                        "每项申报最多上传 {MAX_EVIDENCE_PER_ITEM} 个文件：请把材料合并为压缩包，或删除不需要的文件。"
                    ),
                    format!(
                        "An item holds at most {MAX_EVIDENCE_PER_ITEM} files; combine material \
                         into an archive or remove files that are not needed."
                    ),
                ),
            ));
        }
        let id = new_id();
        let now = w.now_ms();
        sqlx::query(
            "INSERT INTO evidence (id, item_id, name, sha256, size, content_type, uploaded_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(item_id)
        .bind(&name)
        .bind(&sha)
        .bind(size)
        .bind(kind.mime())
        .bind(&session.account_id)
        .bind(now)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &Who::from(session),
            "evidence.attach",
            "item",
            Some(item_id),
            json!({
                "evidence_id": id,
                "name": name,
                "sha256": sha,
                "size": size,
                "content_type": kind.mime(),
                "content_type_hint": content_type_hint,
            }),
        )
        .await?;
        let view = load_evidence(&mut w, &id).await?;
        w.commit().await?;
        Ok(view)
    }

    /// Removes an evidence file from an item (the owner, while the item is editable). The blob
    /// stays on disk (it may be shared).
    pub async fn remove_evidence(&self, session: &Session, evidence_id: &str) -> ServiceResult<()> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let ev = load_evidence(&mut w, evidence_id).await?;
        let item = items::load(&mut w, &ev.item_id).await?;
        items::require_editable(session, &item)?;
        sqlx::query("DELETE FROM evidence WHERE id = $1")
            .bind(evidence_id)
            .execute(&mut *w)
            .await?;
        audit(
            &mut w,
            &Who::from(session),
            "evidence.remove",
            "item",
            Some(&ev.item_id),
            json!({"evidence_id": ev.id, "name": ev.name, "sha256": ev.sha256}),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// The evidence of an item, oldest first: whoever may read the item.
    pub async fn evidence_list(
        &self,
        session: &Session,
        item_id: &str,
    ) -> ServiceResult<Vec<EvidenceView>> {
        require_reader_role(session)?;
        let mut conn = self.read().await?;
        let item = items::load(&mut conn, item_id).await?;
        authorize_read(session, &item)?;
        evidence_of(&mut conn, item_id).await
    }

    /// An evidence file with its bytes (checked against the recorded size and SHA-256):
    /// whoever may read the item.
    pub async fn evidence_bytes(
        &self,
        session: &Session,
        evidence_id: &str,
    ) -> ServiceResult<EvidenceFile> {
        require_reader_role(session)?;
        let ev = {
            let mut conn = self.read().await?;
            let ev = load_evidence(&mut conn, evidence_id).await?;
            let item = items::load(&mut conn, &ev.item_id).await?;
            authorize_read(session, &item)?;
            ev
        };
        let path = blob_path(self.data_dir(), &ev.sha256);
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await?
            .map_err(ServiceError::internal)?;
        let sha = hex::encode(Sha256::digest(&bytes));
        if sha != ev.sha256 || bytes.len() as i64 != ev.size {
            return Err(ServiceError::internal(format!(
                "evidence blob {} is damaged (sha256 {sha}, {} bytes)",
                ev.sha256,
                bytes.len()
            )));
        }
        Ok(EvidenceFile {
            evidence: ev,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(EvidenceType::Zip));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(EvidenceType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(EvidenceType::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some(EvidenceType::Jpeg));
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b"PK"), None, "a truncated signature is not a zip");
        assert_eq!(
            EvidenceType::from_mime("application/pdf"),
            Some(EvidenceType::Pdf)
        );
    }

    #[test]
    fn names() {
        assert_eq!(check_name("  营业执照.pdf ").unwrap(), "营业执照.pdf");
        assert!(check_name("  ").unwrap_err().zh.contains("请填写文件名"));
        assert!(check_name("a/b.pdf").unwrap_err().zh.contains("“/”"));
        assert!(check_name("a\\b.pdf").unwrap_err().en.contains("\"\\\""));
        assert!(check_name("a\u{7}b.pdf").unwrap_err().en.contains("U+0007"));
        assert!(check_name("..").is_err());
        assert!(check_name(&"文".repeat(100)).is_ok());
        assert!(
            check_name(&"文".repeat(101))
                .unwrap_err()
                .zh
                .contains("101")
        );
    }

    #[test]
    fn blobs_are_content_addressed_and_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let a = store_blob(dir.path(), b"%PDF-1 hello").unwrap();
        let b = store_blob(dir.path(), b"%PDF-1 hello").unwrap();
        assert_eq!(a, b);
        let path = blob_path(dir.path(), &a);
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1 hello");
        let siblings: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(siblings.len(), 1, "no temporary file left: {siblings:?}");
    }
}
