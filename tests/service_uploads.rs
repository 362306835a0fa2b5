//! Resumable evidence uploads (service::uploads) on a real database and data directory: a link
//! cut in the middle, wrong offsets, crashes between write and count, limits before bytes,
//! checksum and content refusals that leave nothing behind, every zip refusal with a crafted
//! zip, PDFs and images by their bytes, and who may do what.

mod common;

use common::{Env, env};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};
use zjtx::domain::archive::{self, ArchiveError, ZipLimits};
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::domain::workflow::{Action, Chain};
use zjtx::service::audit::Who;
use zjtx::service::items::{self, Item, ItemFacts, ItemKind, NewItem};
use zjtx::service::uploads::{Evidence, MAX_OPEN_UPLOADS, MAX_UPLOAD_SIZE, NewUpload, blob_path};
use zjtx::service::{AccountKind, Clock, ServiceError, ServiceResult, Session};

// ---------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------

struct World {
    env: Env,
    firm: Session,
    other: Session,
    item: Item,
}

/// Two verified enterprises; the first has a draft declaration to attach evidence to.
async fn world() -> World {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    let other = env.enterprise("firm_two", 2).await;
    let item = draft(&env, &firm).await;
    World {
        env,
        firm,
        other,
        item,
    }
}

/// A draft declaration of `owner` (set up through `items::create`: declarations are another
/// engineer's use cases).
async fn draft(env: &Env, owner: &Session) -> Item {
    let mut w = env.svc.write().await.unwrap();
    let item = items::create(
        &mut w,
        &Who::from(owner),
        NewItem {
            kind: ItemKind::Declaration,
            subtype: None,
            enterprise_id: owner.enterprise_id.clone().unwrap(),
            certification_id: None,
            tier: Tier::Innovative,
            batch: 2025,
            window_id: None,
            ruleset: "2022".into(),
            payload: json!({}),
        },
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    item
}

/// Submits the item (facts fixed open; the real submit is another engineer's use case).
async fn submit(env: &Env, owner: &Session, item: &Item) {
    let facts = ItemFacts {
        window_open: true,
        basic_info_complete: true,
        prerequisites_met: true,
        other_open_declaration: false,
        barred: false,
        submit_chain: Some(Chain::new(vec![ReviewLevel::City, ReviewLevel::Province]).unwrap()),
    };
    let mut w = env.svc.write().await.unwrap();
    let current = items::load(&mut w, &item.id).await.unwrap();
    items::act(
        &mut w,
        owner,
        &item.id,
        current.version,
        &Action::Submit,
        facts,
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn new_upload(item: &Item, name: &str, bytes: &[u8]) -> NewUpload {
    NewUpload {
        item_id: item.id.clone(),
        name: name.into(),
        declared_size: bytes.len() as u64,
        sha256: sha(bytes),
    }
}

/// A small valid PDF of about `filler` bytes.
fn pdf(filler: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n".to_vec();
    b.extend((0..filler).map(|i| b'a' + (i % 26) as u8));
    b.extend_from_slice(b"\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n");
    b
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xFF\xD9";

impl World {
    fn svc(&self) -> &zjtx::service::Service {
        &self.env.svc
    }

    /// Create, one chunk, finish.
    async fn upload_as(
        &self,
        who: &Session,
        item: &Item,
        name: &str,
        bytes: &[u8],
    ) -> ServiceResult<Evidence> {
        let up = self
            .svc()
            .create_upload(who, new_upload(item, name, bytes))
            .await?;
        self.svc().append_chunk(who, &up.id, 0, bytes).await?;
        self.svc().finish_upload(who, &up.id).await
    }

    async fn upload(&self, name: &str, bytes: &[u8]) -> ServiceResult<Evidence> {
        self.upload_as(&self.firm, &self.item, name, bytes).await
    }

    fn data_dir(&self) -> &Path {
        self.svc().data_dir()
    }

    fn part(&self, id: &str) -> PathBuf {
        self.data_dir().join("uploads").join(format!("{id}.part"))
    }

    /// Files under `data_dir/<sub>`, recursively.
    fn files_in(&self, sub: &str) -> usize {
        fn walk(p: &Path) -> usize {
            match std::fs::read_dir(p) {
                Ok(rd) => rd
                    .map(|e| e.unwrap().path())
                    .map(|p| if p.is_dir() { walk(&p) } else { 1 })
                    .sum(),
                Err(_) => 0,
            }
        }
        walk(&self.data_dir().join(sub))
    }

    /// (upload rows, evidence rows, part files, blobs)
    async fn stored(&self) -> (i64, i64, usize, usize) {
        (
            self.env.scalar("SELECT COUNT(*) FROM uploads").await,
            self.env.scalar("SELECT COUNT(*) FROM evidence").await,
            self.files_in("uploads"),
            self.files_in("evidence"),
        )
    }
}

fn code(r: ServiceResult<impl std::fmt::Debug>) -> &'static str {
    r.unwrap_err().code()
}

// ---------------------------------------------------------------------------------------------
// Crafted zips
// ---------------------------------------------------------------------------------------------

fn opts() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in files {
        w.start_file(*name, opts()).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A one-entry zip whose name is the raw bytes `name` (no UTF-8 flag unless valid UTF-8).
fn zip_raw_name(name: &[u8], content: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file_with_options(opts().name(name)).unwrap();
    w.write_all(content).unwrap();
    w.finish().unwrap().into_inner()
}

fn find(bytes: &[u8], sig: &[u8]) -> usize {
    bytes
        .windows(sig.len())
        .position(|w| w == sig)
        .expect("signature present")
}

/// Sets the "encrypted" bit of the first entry in its local and central headers (the zip
/// crate writes encrypted entries only with its crypto features, which this build leaves out).
fn mark_encrypted(mut bytes: Vec<u8>) -> Vec<u8> {
    let local = find(&bytes, b"PK\x03\x04");
    bytes[local + 6] |= 1;
    let central = find(&bytes, b"PK\x01\x02");
    bytes[central + 8] |= 1;
    bytes
}

/// Makes the first entry's headers declare `size` uncompressed bytes (a lying header).
fn declare_size(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
    let local = find(&bytes, b"PK\x03\x04");
    bytes[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    let central = find(&bytes, b"PK\x01\x02");
    bytes[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
    bytes
}

// ---------------------------------------------------------------------------------------------
// The resumable path
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_upload_cut_in_the_middle_resumes_and_files_the_evidence() {
    let w = world().await;
    let bytes = pdf(300_000);
    let half = bytes.len() / 2;
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, " 营业执照.pdf ", &bytes))
        .await
        .unwrap();
    assert_eq!((up.offset, up.name.as_str()), (0, "营业执照.pdf"));
    assert_eq!(up.declared_size, bytes.len() as u64);

    let at = w
        .svc()
        .append_chunk(&w.firm, &up.id, 0, &bytes[..half])
        .await
        .unwrap();
    assert_eq!(at, half as u64);
    // The link drops; the client reconnects and asks where to go on.
    let resume = w.svc().upload_offset(&w.firm, &up.id).await.unwrap();
    assert_eq!(resume, half as u64);
    let view = w.svc().upload(&w.firm, &up.id).await.unwrap();
    assert_eq!((view.offset, view.finished_at), (half as u64, None));
    let end = w
        .svc()
        .append_chunk(&w.firm, &up.id, resume, &bytes[half..])
        .await
        .unwrap();
    assert_eq!(end, bytes.len() as u64);

    let ev = w.svc().finish_upload(&w.firm, &up.id).await.unwrap();
    assert_eq!(ev.id, up.id, "the evidence keeps the upload's id");
    assert_eq!(ev.item_id, w.item.id);
    assert_eq!(ev.name, "营业执照.pdf");
    assert_eq!(ev.content_type, "application/pdf");
    assert_eq!(ev.size, bytes.len() as u64);
    assert_eq!(ev.sha256, sha(&bytes));
    assert_eq!(ev.uploaded_by.as_deref(), Some(w.firm.account_id.as_str()));
    assert_eq!(ev.created_at, w.env.clock.now());

    let blob = blob_path(w.data_dir(), &ev.sha256);
    assert!(blob.starts_with(w.data_dir().join("evidence").join(&ev.sha256[..2])));
    assert_eq!(
        std::fs::read(&blob).unwrap(),
        bytes,
        "the stored blob is the file"
    );
    assert!(
        !w.part(&up.id).exists(),
        "the part file moved into the store"
    );
    assert_eq!(w.stored().await, (1, 1, 0, 1));
    assert_eq!(
        w.env.audit_actions("upload", &up.id).await,
        ["upload.create"]
    );
    assert_eq!(
        w.env.audit_actions("evidence", &ev.id).await,
        ["evidence.upload"]
    );

    // The finish response is lost; the retry gets the same evidence, nothing doubles.
    let again = w.svc().finish_upload(&w.firm, &up.id).await.unwrap();
    assert_eq!(again, ev);
    assert_eq!(w.svc().upload_offset(&w.firm, &up.id).await.unwrap(), end);
    assert_eq!(w.stored().await, (1, 1, 0, 1));
    // A finished upload takes no more bytes and cannot be aborted.
    assert_eq!(
        code(w.svc().append_chunk(&w.firm, &up.id, end, b"x").await),
        "upload_finished"
    );
    assert_eq!(
        code(w.svc().abort_upload(&w.firm, &up.id).await),
        "upload_finished"
    );
}

#[tokio::test]
async fn a_wrong_offset_is_refused_with_the_offset_to_resume_from() {
    let w = world().await;
    let bytes = pdf(10_000);
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.pdf", &bytes))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &bytes[..4000])
        .await
        .unwrap();
    for wrong in [0, 3999, 4001, 9000] {
        let e = w
            .svc()
            .append_chunk(&w.firm, &up.id, wrong, &bytes[4000..5000])
            .await
            .unwrap_err();
        match e {
            ServiceError::Conflict {
                current_version, ..
            } => assert_eq!(current_version, 4000, "offset {wrong}"),
            other => panic!("offset {wrong}: {other:?}"),
        }
    }
    assert_eq!(std::fs::metadata(w.part(&up.id)).unwrap().len(), 4000);
    assert_eq!(w.svc().upload_offset(&w.firm, &up.id).await.unwrap(), 4000);
    // An empty chunk is a client bug, not progress.
    assert_eq!(
        w.svc()
            .append_chunk(&w.firm, &up.id, 4000, b"")
            .await
            .unwrap_err()
            .field(),
        Some("bytes")
    );
}

#[tokio::test]
async fn bytes_written_but_never_counted_are_trimmed_on_reconnect() {
    let w = world().await;
    let bytes = pdf(20_000);
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.pdf", &bytes))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &bytes[..8000])
        .await
        .unwrap();
    // The process died after writing the next chunk to disk but before counting it.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(w.part(&up.id))
        .unwrap();
    f.write_all(&bytes[8000..9500]).unwrap();
    drop(f);
    assert_eq!(w.svc().upload_offset(&w.firm, &up.id).await.unwrap(), 8000);
    assert_eq!(std::fs::metadata(w.part(&up.id)).unwrap().len(), 8000);
    w.svc()
        .append_chunk(&w.firm, &up.id, 8000, &bytes[8000..])
        .await
        .unwrap();
    let ev = w.svc().finish_upload(&w.firm, &up.id).await.unwrap();
    assert_eq!(
        std::fs::read(blob_path(w.data_dir(), &ev.sha256)).unwrap(),
        bytes
    );

    // A part file lost altogether: the upload starts over at 0 instead of finishing short.
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "b.png", PNG))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &PNG[..10])
        .await
        .unwrap();
    std::fs::remove_file(w.part(&up.id)).unwrap();
    assert_eq!(w.svc().upload_offset(&w.firm, &up.id).await.unwrap(), 0);
    w.svc().append_chunk(&w.firm, &up.id, 0, PNG).await.unwrap();
    assert_eq!(
        w.svc()
            .finish_upload(&w.firm, &up.id)
            .await
            .unwrap()
            .content_type,
        "image/png"
    );
}

#[tokio::test]
async fn limits_are_checked_before_any_byte_is_stored() {
    let w = world().await;
    // Every bad field at once.
    let e = w
        .svc()
        .create_upload(
            &w.firm,
            NewUpload {
                item_id: w.item.id.clone(),
                name: "资料/营业执照?.pdf".into(),
                declared_size: MAX_UPLOAD_SIZE + 1,
                sha256: "abc".into(),
            },
        )
        .await
        .unwrap_err();
    let ServiceError::Invalid { fields } = &e else {
        panic!("{e:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["name", "declared_size", "sha256"]);
    assert!(
        fields[1].text.zh.contains("超过上限 50 MiB"),
        "{}",
        fields[1].text.zh
    );
    assert!(fields[2].text.en.contains("64 hexadecimal digits"));

    let mut zero = new_upload(&w.item, "a.pdf", b"");
    zero.sha256 = sha(b"");
    let e = w.svc().create_upload(&w.firm, zero).await.unwrap_err();
    assert_eq!(e.field(), Some("declared_size"));
    assert!(e.message(Lang::Zh).contains("文件是空的"));
    for bad in ["", "..", "a|b.pdf", "a\u{1}.pdf"] {
        let e = w
            .svc()
            .create_upload(&w.firm, new_upload(&w.item, bad, b"x"))
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("name"), "{bad:?}");
    }
    let mut exact = new_upload(&w.item, "big.pdf", b"");
    exact.declared_size = MAX_UPLOAD_SIZE;
    exact.sha256 = sha(b"x").to_uppercase();
    let big = w.svc().create_upload(&w.firm, exact).await.unwrap();
    assert_eq!(big.sha256, sha(b"x"), "stored in lower case");
    assert_eq!(w.stored().await, (1, 0, 0, 0), "only the accepted row");

    // A chunk past the declared size is refused before it is written.
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "ten.png", &PNG[..10]))
        .await
        .unwrap();
    assert_eq!(
        code(w.svc().append_chunk(&w.firm, &up.id, 0, &PNG[..11]).await),
        "upload_exceeds_declared_size"
    );
    assert!(!w.part(&up.id).exists());
    assert_eq!(w.svc().upload_offset(&w.firm, &up.id).await.unwrap(), 0);
}

#[tokio::test]
async fn open_uploads_per_account_are_capped() {
    let w = world().await;
    for i in 0..MAX_OPEN_UPLOADS {
        w.svc()
            .create_upload(&w.firm, new_upload(&w.item, &format!("{i}.png"), PNG))
            .await
            .unwrap();
    }
    let e = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "one-more.png", PNG))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "too_many_open_uploads");
    assert!(e.message(Lang::Zh).contains("20 个未完成的上传"));
    // Another account is not affected.
    let theirs = draft(&w.env, &w.other).await;
    assert!(
        w.svc()
            .create_upload(&w.other, new_upload(&theirs, "x.png", PNG))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_checksum_mismatch_is_refused_and_nothing_is_stored() {
    let w = world().await;
    let bytes = pdf(5000);
    let mut damaged = bytes.clone();
    damaged[2000] ^= 0xFF;
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "年报.pdf", &bytes))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &damaged)
        .await
        .unwrap();
    let e = w.svc().finish_upload(&w.firm, &up.id).await.unwrap_err();
    assert_eq!(e.code(), "checksum_mismatch");
    assert!(e.message(Lang::Zh).contains("“年报.pdf”校验失败"));
    assert!(e.message(Lang::En).contains("upload the file again"));
    assert_eq!(
        w.stored().await,
        (0, 0, 0, 0),
        "row, part and blob all gone"
    );
    assert_eq!(
        w.env.audit_actions("upload", &up.id).await,
        ["upload.create", "upload.discard"]
    );
    assert_eq!(
        code(w.svc().upload_offset(&w.firm, &up.id).await),
        "not_found"
    );
}

#[tokio::test]
async fn finishing_early_is_refused_and_the_upload_stays_resumable() {
    let w = world().await;
    let bytes = pdf(5000);
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.pdf", &bytes))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &bytes[..100])
        .await
        .unwrap();
    let e = w.svc().finish_upload(&w.firm, &up.id).await.unwrap_err();
    assert_eq!(e.code(), "upload_incomplete");
    assert!(e.message(Lang::Zh).contains("从第 100 字节继续"));
    w.svc()
        .append_chunk(&w.firm, &up.id, 100, &bytes[100..])
        .await
        .unwrap();
    assert!(w.svc().finish_upload(&w.firm, &up.id).await.is_ok());
}

// ---------------------------------------------------------------------------------------------
// Content
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn pdfs_and_images_are_judged_by_their_bytes_not_their_names() {
    let w = world().await;
    let png = w.upload("扫描件.pdf", PNG).await.unwrap();
    assert_eq!(png.content_type, "image/png", "named .pdf, but a PNG");
    let jpeg = w.upload("照片", JPEG).await.unwrap();
    assert_eq!(jpeg.content_type, "image/jpeg");
    let doc = w.upload("说明.png", &pdf(100)).await.unwrap();
    assert_eq!(doc.content_type, "application/pdf");
    let zip = w
        .upload("材料.zip", &zip_of(&[("资料/营业执照.pdf", &pdf(10))]))
        .await
        .unwrap();
    assert_eq!(zip.content_type, "application/zip");
    assert_eq!(w.stored().await, (4, 4, 0, 4));

    let e = w.upload("readme.pdf", b"just some text").await.unwrap_err();
    assert_eq!(e.code(), "unsupported_content_type");
    assert!(
        e.message(Lang::Zh)
            .contains("ZIP 压缩包、PDF 文件、PNG 图片、JPEG 图片")
    );
    let e = w
        .upload("setup.zip", b"MZ\x90\0\x03\0\0\0")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "unsupported_content_type");

    let mut encrypted = pdf(100);
    let at = find(&encrypted, b"/Root 1 0 R");
    encrypted.splice(at..at, b"/Encrypt 9 0 R".iter().copied());
    let e = w.upload("加密.pdf", &encrypted).await.unwrap_err();
    assert_eq!(e.code(), "pdf_encrypted");
    assert!(
        e.message(Lang::Zh)
            .contains("“加密.pdf”未被接受：PDF 文件已加密")
    );
    let cut = pdf(5000)[..3000].to_vec();
    assert_eq!(code(w.upload("半截.pdf", &cut).await), "pdf_truncated");
    assert_eq!(w.stored().await, (4, 4, 0, 4), "refusals left nothing");
}

#[tokio::test]
async fn every_zip_refusal_names_the_entry_and_leaves_nothing() {
    let w = world().await;
    let ok = pdf(50);
    let inner = zip_of(&[("a.pdf", &ok)]);
    let big_text = vec![b'a'; 100_000];
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let mut encrypted_pdf = pdf(50);
    let at = find(&encrypted_pdf, b"/Root 1 0 R");
    encrypted_pdf.splice(at..at, b"/Encrypt 9 0 R".iter().copied());
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "encrypted entry",
            mark_encrypted(zip_of(&[("财务/审计报告.pdf", &ok)])),
            "zip_encrypted_entry",
            "“财务/审计报告.pdf”设置了密码",
        ),
        (
            "encrypted PDF inside",
            zip_of(&[("财务/审计报告.pdf", &encrypted_pdf)]),
            "zip_encrypted_pdf",
            "“财务/审计报告.pdf”是加密的 PDF",
        ),
        (
            "parent path",
            zip_of(&[("../x", &ok)]),
            "zip_path_escapes",
            "“../x”路径指向压缩包以外",
        ),
        (
            "absolute path",
            zip_of(&[("/etc/x", &ok)]),
            "zip_path_escapes",
            "“/etc/x”",
        ),
        (
            "backslash traversal",
            zip_of(&[("资料\\..\\..\\x.pdf", &ok)]),
            "zip_path_escapes",
            "资料\\..\\..\\x.pdf",
        ),
        (
            "unstorable character",
            zip_of(&[("资料/营业执照?.pdf", &ok)]),
            "zip_name_unstorable",
            "压缩包中的“资料/营业执照?.pdf”文件名含有不能保存的字符“?”，请重命名后重新打包",
        ),
        (
            "control character",
            zip_of(&[("资料/a\u{1}b.pdf", &ok)]),
            "zip_name_unstorable",
            "“资料/aU+0001b.pdf”文件名含有不能保存的字符“U+0001”",
        ),
        (
            "nested zip by content",
            zip_of(&[("资料/证书.pdf", &inner)]),
            "zip_nested_archive",
            "“资料/证书.pdf”本身也是压缩包",
        ),
        (
            "nested archive by name",
            zip_of(&[("资料/附件.7z", b"7z")]),
            "zip_nested_archive",
            "“资料/附件.7z”",
        ),
        (
            "zip bomb",
            zip_of(&[("zeros.bin", &zeros)]),
            "zip_bomb",
            "“zeros.bin”压缩比异常",
        ),
        (
            "lying header",
            declare_size(zip_of(&[("说明.txt", &big_text)]), 1000),
            "zip_size_mismatch",
            "“说明.txt”实际内容与其声明的大小（1000 字节）不符",
        ),
        (
            "truncated",
            zip_of(&[("a.pdf", &ok), ("b.pdf", &ok)])[..150].to_vec(),
            "zip_corrupt",
            "压缩包已损坏",
        ),
    ];
    for (what, bytes, want_code, want_text) in cases {
        let e = w.upload("材料.zip", &bytes).await.unwrap_err();
        assert_eq!(e.code(), want_code, "{what}: {e}");
        let zh = e.message(Lang::Zh);
        assert!(zh.contains(want_text), "{what}: {zh}");
        assert!(zh.contains("“材料.zip”未被接受"), "{what}: {zh}");
        assert!(zh.ends_with("已丢弃本次上传。"), "{what}: {zh}");
        assert!(!e.message(Lang::En).is_empty());
    }
    assert_eq!(w.stored().await, (0, 0, 0, 0));
    assert_eq!(
        w.env
            .scalar("SELECT COUNT(*) FROM audit WHERE action = 'upload.discard'")
            .await,
        12
    );
}

#[tokio::test]
async fn gbk_names_from_windows_zips_are_accepted_and_undecodable_ones_named_by_bytes() {
    let w = world().await;
    let gbk = encoding_rs::GBK.encode("资料/营业执照.pdf").0.into_owned();
    assert!(std::str::from_utf8(&gbk).is_err());
    let bytes = zip_raw_name(&gbk, &pdf(10));
    let summary = archive::validate_zip(&bytes, &ZipLimits::default()).unwrap();
    assert_eq!(summary.entries[0].name, "资料/营业执照.pdf");
    let ev = w.upload("材料.zip", &bytes).await.unwrap();
    assert_eq!(ev.content_type, "application/zip");

    // Neither UTF-8 nor GBK.
    let junk = zip_raw_name(b"ok/\x81\x20.pdf", &pdf(10));
    let e = w.upload("乱码.zip", &junk).await.unwrap_err();
    assert_eq!(e.code(), "zip_name_undecodable");
    let zh = e.message(Lang::Zh);
    assert!(
        zh.contains("第 1 个文件") && zh.contains("6f 6b 2f 81 20 2e 70 64 66"),
        "{zh}"
    );
}

#[test]
fn zip_caps_on_entries_and_total_size_use_the_limits_given() {
    let tight = ZipLimits {
        max_entries: 3,
        max_total_size: 10_000,
        max_ratio: 100,
        ratio_min_size: 1024 * 1024,
    };
    let four = zip_of(&[("1", b"1"), ("2", b"2"), ("3", b"3"), ("4", b"4")]);
    assert_eq!(
        archive::validate_zip(&four, &tight).unwrap_err(),
        ArchiveError::TooManyEntries { count: 4, max: 3 }
    );
    let e = archive::validate_zip(&four, &tight).unwrap_err();
    assert!(e.message(Lang::Zh).contains("最多允许 3 个"));
    let heavy = zip_of(&[("a.txt", &[b'x'; 6000]), ("b.txt", &[b'y'; 6000])]);
    let e = archive::validate_zip(&heavy, &tight).unwrap_err();
    assert_eq!(
        e,
        ArchiveError::TooLarge {
            total: 12_000,
            max: 10_000
        }
    );
    assert!(e.message(Lang::En).contains("more than the limit"));
    // A small bomb under a small ratio cap.
    let ratio = ZipLimits {
        max_ratio: 10,
        ratio_min_size: 1000,
        ..tight
    };
    let e = archive::validate_zip(&zip_of(&[("z", &[0u8; 5000])]), &ratio).unwrap_err();
    assert_eq!(e.code(), "zip_bomb");
    assert_eq!(e.entry(), Some("z"));
    // The defaults of the brief.
    let d = ZipLimits::default();
    assert_eq!(
        (
            d.max_entries,
            d.max_total_size,
            d.max_ratio,
            d.ratio_min_size
        ),
        (1000, 500 * 1024 * 1024, 100, 1024 * 1024)
    );
    // A header that lies about its size is caught while decompressing, not after.
    let liar = declare_size(zip_of(&[("x.txt", &[b'q'; 200_000])]), 10);
    assert_eq!(
        archive::validate_zip(&liar, &ZipLimits::default()).unwrap_err(),
        ArchiveError::SizeMismatch {
            entry: "x.txt".into(),
            declared: 10
        }
    );
    // Office documents are zip containers, not nested archives.
    let docx = zip_of(&[("申请书.docx", &zip_of(&[("word/document.xml", b"<w/>")]))]);
    assert!(archive::validate_zip(&docx, &ZipLimits::default()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Who may
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn only_the_owner_of_an_editable_item_may_start_an_upload() {
    let w = world().await;
    let e = w
        .svc()
        .create_upload(&w.other, new_upload(&w.item, "a.png", PNG))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_owner");
    let reviewer = w
        .env
        .staff(
            "rev_sz",
            AccountKind::Reviewer,
            Some(ReviewLevel::City),
            Some("440300"),
        )
        .await;
    assert_eq!(
        code(
            w.svc()
                .create_upload(&reviewer, new_upload(&w.item, "a.png", PNG))
                .await
        ),
        "forbidden"
    );
    let support = w.env.support().await;
    assert_eq!(
        code(
            w.svc()
                .create_upload(&support, new_upload(&w.item, "a.png", PNG))
                .await
        ),
        "forbidden"
    );
    w.env.register("person", AccountKind::Natural, 7).await;
    let person = w.env.login("person").await;
    let e = w
        .svc()
        .create_upload(&person, new_upload(&w.item, "a.png", PNG))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.message(Lang::Zh).contains("自然人账户不能"));
    let mut missing = new_upload(&w.item, "a.png", PNG);
    missing.item_id = "no-such-item".into();
    assert_eq!(
        code(w.svc().create_upload(&w.firm, missing).await),
        "not_found"
    );

    // Submitted: not editable, so no new evidence.
    submit(&w.env, &w.firm, &w.item).await;
    let e = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.png", PNG))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_allowed_in_state");
    assert!(
        e.message(Lang::Zh).contains("不能修改"),
        "{}",
        e.message(Lang::Zh)
    );
    assert_eq!(w.stored().await, (0, 0, 0, 0));
}

#[tokio::test]
async fn another_enterprise_cannot_touch_my_upload() {
    let w = world().await;
    let bytes = pdf(1000);
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.pdf", &bytes))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &bytes[..500])
        .await
        .unwrap();
    let svc = w.svc();
    assert_eq!(
        code(svc.append_chunk(&w.other, &up.id, 500, &bytes[500..]).await),
        "not_owner"
    );
    assert_eq!(code(svc.upload_offset(&w.other, &up.id).await), "not_owner");
    assert_eq!(code(svc.upload(&w.other, &up.id).await), "not_owner");
    assert_eq!(code(svc.finish_upload(&w.other, &up.id).await), "not_owner");
    assert_eq!(code(svc.abort_upload(&w.other, &up.id).await), "not_owner");
    let reviewer = w
        .env
        .staff(
            "rev_gd",
            AccountKind::Reviewer,
            Some(ReviewLevel::Province),
            Some("440300"),
        )
        .await;
    assert_eq!(
        code(svc.upload_offset(&reviewer, &up.id).await),
        "forbidden"
    );
    // Mine is untouched.
    assert_eq!(svc.upload_offset(&w.firm, &up.id).await.unwrap(), 500);
    assert_eq!(std::fs::read(w.part(&up.id)).unwrap(), &bytes[..500]);
    assert_eq!(
        code(svc.upload_offset(&w.firm, "no-such-upload").await),
        "not_found"
    );
}

#[tokio::test]
async fn an_item_submitted_before_finish_refuses_it_and_keeps_the_bytes() {
    let w = world().await;
    let bytes = pdf(1000);
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.pdf", &bytes))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &bytes)
        .await
        .unwrap();
    submit(&w.env, &w.firm, &w.item).await;
    assert_eq!(
        code(w.svc().finish_upload(&w.firm, &up.id).await),
        "not_allowed_in_state"
    );
    assert_eq!(
        w.stored().await,
        (1, 0, 1, 0),
        "no evidence; the upload waits"
    );
    assert_eq!(
        w.svc().upload_offset(&w.firm, &up.id).await.unwrap(),
        bytes.len() as u64
    );
}

// ---------------------------------------------------------------------------------------------
// Abort, purge, de-duplication
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn abort_removes_the_upload_and_its_bytes() {
    let w = world().await;
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.png", PNG))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &PNG[..8])
        .await
        .unwrap();
    w.svc().abort_upload(&w.firm, &up.id).await.unwrap();
    assert_eq!(w.stored().await, (0, 0, 0, 0));
    assert_eq!(
        w.env.audit_actions("upload", &up.id).await,
        ["upload.create", "upload.abort"]
    );
    assert_eq!(
        code(w.svc().append_chunk(&w.firm, &up.id, 8, &PNG[8..]).await),
        "not_found"
    );
}

#[tokio::test]
async fn purge_removes_idle_uploads_and_orphan_part_files() {
    let w = world().await;
    let svc = w.svc();
    let idle = svc
        .create_upload(&w.firm, new_upload(&w.item, "idle.png", PNG))
        .await
        .unwrap();
    svc.append_chunk(&w.firm, &idle.id, 0, &PNG[..5])
        .await
        .unwrap();
    let never = svc
        .create_upload(&w.firm, new_upload(&w.item, "never.png", PNG))
        .await
        .unwrap();
    w.upload("done.png", JPEG).await.unwrap();
    let orphan = w.part("0000-orphan");
    std::fs::write(&orphan, b"left by a crash").unwrap();

    w.env.clock.advance(chrono::Duration::hours(20));
    let busy = svc
        .create_upload(&w.firm, new_upload(&w.item, "busy.png", PNG))
        .await
        .unwrap();
    svc.append_chunk(&w.firm, &busy.id, 0, &PNG[..5])
        .await
        .unwrap();
    w.env.clock.advance(chrono::Duration::hours(5));

    let purged = svc
        .purge_stale_uploads(chrono::Duration::hours(24))
        .await
        .unwrap();
    assert_eq!((purged.uploads, purged.part_files), (3, 2));
    assert!(!w.part(&idle.id).exists() && !orphan.exists());
    assert_eq!(
        code(svc.upload_offset(&w.firm, &never.id).await),
        "not_found"
    );
    assert_eq!(svc.upload_offset(&w.firm, &busy.id).await.unwrap(), 5);
    // The finished upload's row went; its evidence stays.
    assert_eq!(w.stored().await, (1, 1, 1, 1));
    assert_eq!(
        w.env
            .scalar("SELECT COUNT(*) FROM audit WHERE action = 'upload.purge' AND actor_id IS NULL")
            .await,
        1
    );
    let again = svc
        .purge_stale_uploads(chrono::Duration::hours(24))
        .await
        .unwrap();
    assert_eq!((again.uploads, again.part_files), (0, 0));
}

#[tokio::test]
async fn the_same_file_twice_is_stored_once() {
    let w = world().await;
    let bytes = pdf(2000);
    let second_item = draft(&w.env, &w.firm).await;
    let a = w.upload("a.pdf", &bytes).await.unwrap();
    let b = w
        .upload_as(&w.firm, &second_item, "b.pdf", &bytes)
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(
        w.stored().await,
        (2, 2, 0, 1),
        "two evidence rows, one blob"
    );
}

#[tokio::test]
async fn a_finish_that_stored_the_blob_but_did_not_commit_can_be_retried() {
    let w = world().await;
    let bytes = pdf(3000);
    let up = w
        .svc()
        .create_upload(&w.firm, new_upload(&w.item, "a.pdf", &bytes))
        .await
        .unwrap();
    w.svc()
        .append_chunk(&w.firm, &up.id, 0, &bytes)
        .await
        .unwrap();
    // As if a finish had moved the part into the store and then failed before its commit:
    // every byte is counted, the part file is gone, the blob is there.
    let blob = blob_path(w.data_dir(), &sha(&bytes));
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::rename(w.part(&up.id), &blob).unwrap();
    let ev = w.svc().finish_upload(&w.firm, &up.id).await.unwrap();
    assert_eq!(std::fs::read(&blob).unwrap(), bytes, "the blob survives");
    assert_eq!(ev.size, bytes.len() as u64);
    assert_eq!(w.stored().await, (1, 1, 0, 1));
}
