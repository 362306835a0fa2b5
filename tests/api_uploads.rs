//! The resumable evidence upload through the API (`ApiClient`, in-process and over HTTP), fed
//! crafted files: every zip refusal is a 409 problem whose type names the check and whose
//! message (Chinese and English) names the offending entry, answered as the OpenAPI document
//! says, and leaves nothing behind; PDFs and images are accepted by their bytes, not their names.
//! (`tests/service_uploads.rs` covers the same rules at the service level, with the limits'
//! edges, resumption after crashes and who may do what.)

mod common;

use common::openapi::{conforms, conforms_problem};
use common::{Env, PASSWORD, env};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write as _};
use tokio::sync::oneshot;
use zjtx::client::{ApiClient, RawRequest};
use zjtx::domain::archive::MIB;
use zjtx::domain::tiers::Tier;
use zjtx::service::audit::Who;
use zjtx::service::items::{self, ItemKind, NewItem};

// ---------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------

struct World {
    env: Env,
    firm: ApiClient,
    item: String,
    _stop: Option<oneshot::Sender<()>>,
}

/// A verified enterprise logged in through the API (in-process, or over HTTP on a loopback
/// port), with a draft declaration to attach evidence to.
async fn world(http: bool) -> World {
    let env = env().await;
    let owner = env.enterprise("firm", 1).await;
    // The draft is set up through `items::create`: declaring is another scenario's subject.
    let mut w = env.svc.write().await.unwrap();
    let item = items::create(
        &mut w,
        &Who::from(&owner),
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
    let (firm, stop) = if http {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let svc = env.svc.clone();
        tokio::spawn(async move {
            zjtx::api::serve(listener, svc, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        (ApiClient::http(&base).unwrap(), Some(stop))
    } else {
        (ApiClient::in_process(env.svc.clone()), None)
    };
    firm.login("firm", PASSWORD).await.unwrap();
    World {
        env,
        firm,
        item: item.id,
        _stop: stop,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl World {
    /// Creates an upload, sends `bytes` in two chunks and finishes it: the evidence, or the
    /// problem as JSON (checked against the document).
    async fn upload(&self, name: &str, bytes: &[u8]) -> Result<Value, Value> {
        let up = self
            .firm
            .create_upload(&self.item, name, bytes.len() as u64, &sha256_hex(bytes))
            .await
            .unwrap();
        conforms("create_upload", 201, &up);
        let id = up["id"].as_str().unwrap();
        let half = bytes.len() / 2;
        assert_eq!(
            self.firm.append_chunk(id, 0, &bytes[..half]).await.unwrap(),
            half as u64
        );
        let end = self
            .firm
            .append_chunk(id, half as u64, &bytes[half..])
            .await
            .unwrap();
        assert_eq!(end, bytes.len() as u64);
        match self.firm.finish_upload(id).await {
            Ok(evidence) => {
                conforms("finish_upload", 201, &evidence);
                Ok(evidence)
            }
            Err(e) => {
                let p = serde_json::to_value(e.problem().expect("a problem")).unwrap();
                conforms_problem("finish_upload", p["status"].as_u64().unwrap() as u16, &p);
                // A refused upload is discarded: it cannot be resumed or finished again.
                let gone = self
                    .firm
                    .send(RawRequest::new("GET", format!("/api/v1/uploads/{id}")))
                    .await
                    .unwrap();
                assert_eq!(gone.status, 404, "{name}: the upload stays");
                Err(p)
            }
        }
    }

    async fn evidence_count(&self) -> usize {
        let list = self.firm.evidence_list(&self.item).await.unwrap();
        conforms("evidence_list", 200, &list);
        list.as_array().unwrap().len()
    }
}

// ---------------------------------------------------------------------------------------------
// Crafted files
// ---------------------------------------------------------------------------------------------

/// A small valid PDF.
fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
        .to_vec()
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn deflated() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in files {
        w.start_file(*name, deflated()).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Sets the "encrypted" bit of the first entry in its local and central headers (this build of
/// the zip crate cannot write encrypted entries).
fn mark_encrypted(mut bytes: Vec<u8>) -> Vec<u8> {
    let find = |sig: &[u8]| bytes.windows(4).position(|w| w == sig).unwrap();
    let (local, central) = (find(b"PK\x03\x04"), find(b"PK\x01\x02"));
    bytes[local + 6] |= 1;
    bytes[central + 8] |= 1;
    bytes
}

/// `count` entries, each `size` bytes of zeros, deflated once and copied raw (the headers tell
/// the truth: this is what the zip really unpacks to).
fn zeros_zip(count: usize, size: usize) -> Vec<u8> {
    let one = zip_of(&[("0.bin", &vec![0u8; size])]);
    let mut src = zip::ZipArchive::new(Cursor::new(one)).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..count {
        w.raw_copy_file_rename(src.by_index(0).unwrap(), format!("资料/{i:04}.bin"))
            .unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// One refusal: a name for the failure message, the file, the problem code, and texts both
/// messages must hold (Chinese, English).
struct Case {
    what: &'static str,
    bytes: Vec<u8>,
    code: &'static str,
    zh: Vec<String>,
    en: Vec<String>,
}

fn case(what: &'static str, bytes: Vec<u8>, code: &'static str, zh: &[&str], en: &[&str]) -> Case {
    Case {
        what,
        bytes,
        code,
        zh: zh.iter().map(|s| s.to_string()).collect(),
        en: en.iter().map(|s| s.to_string()).collect(),
    }
}

fn refusals() -> Vec<Case> {
    let ok = pdf();
    let inner = zip_of(&[("a.pdf", &ok)]);
    let mut many: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..1001 {
        many.push((format!("资料/{i:04}.txt"), b"x".to_vec()));
    }
    let many_refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    vec![
        case(
            "corrupt (cut off)",
            zip_of(&[("a.pdf", &ok), ("b.pdf", &ok)])[..150].to_vec(),
            "zip_corrupt",
            &["压缩包已损坏"],
            &["damaged or not a valid ZIP"],
        ),
        case(
            "encrypted entry",
            mark_encrypted(zip_of(&[("财务/审计报告.pdf", &ok)])),
            "zip_encrypted_entry",
            &["“财务/审计报告.pdf”设置了密码"],
            &["\"财务/审计报告.pdf\" in the zip is password-protected"],
        ),
        case(
            "../ path",
            zip_of(&[("资料/../../evil.pdf", &ok)]),
            "zip_path_escapes",
            &["“资料/../../evil.pdf”路径指向压缩包以外"],
            &["\"资料/../../evil.pdf\" in the zip points outside the archive"],
        ),
        case(
            "absolute path",
            zip_of(&[("/etc/cron.d/evil.pdf", &ok)]),
            "zip_path_escapes",
            &["“/etc/cron.d/evil.pdf”路径指向压缩包以外"],
            &["\"/etc/cron.d/evil.pdf\" in the zip points outside the archive"],
        ),
        case(
            "a character no file system of the users can store",
            zip_of(&[("资料/营业执照?.pdf", &ok)]),
            "zip_name_unstorable",
            &["“资料/营业执照?.pdf”文件名含有不能保存的字符“?”"],
            &["\"资料/营业执照?.pdf\" in the zip contains the character \"?\""],
        ),
        case(
            "a control character",
            zip_of(&[("资料/a\u{1}b.pdf", &ok)]),
            "zip_name_unstorable",
            &["“资料/aU+0001b.pdf”", "“U+0001”"],
            &["\"资料/aU+0001b.pdf\"", "\"U+0001\""],
        ),
        case(
            "too many entries",
            zip_of(&many_refs),
            "zip_too_many_entries",
            &["1001 个文件或文件夹", "最多允许 1000 个"],
            &["holds 1001 files and folders", "at most 1000"],
        ),
        case(
            "over the total uncompressed size (501 × 1 MiB)",
            zeros_zip(501, MIB as usize),
            "zip_too_large",
            &["解压后共 501.0 MiB", "超过上限 500.0 MiB"],
            &["unpacks to 501.0 MiB", "limit of 500.0 MiB"],
        ),
        case(
            "zip bomb (one entry, 2 MiB of zeros)",
            zip_of(&[("资料/zeros.bin", &vec![0u8; 2 * MIB as usize])]),
            "zip_bomb",
            &["“资料/zeros.bin”压缩比异常", "疑似压缩炸弹"],
            &[
                "\"资料/zeros.bin\" in the zip has an abnormal compression ratio",
                "zip bomb",
            ],
        ),
        case(
            "nested archive by name",
            zip_of(&[("资料/附件.zip", &inner)]),
            "zip_nested_archive",
            &["“资料/附件.zip”本身也是压缩包"],
            &["\"资料/附件.zip\" in the zip is itself an archive"],
        ),
        case(
            "nested archive by content",
            zip_of(&[("资料/证书.pdf", &inner)]),
            "zip_nested_archive",
            &["“资料/证书.pdf”本身也是压缩包"],
            &["\"资料/证书.pdf\" in the zip is itself an archive"],
        ),
    ]
}

async fn every_crafted_zip_is_refused_naming_the_entry(http: bool) {
    let w = world(http).await;
    let cases = refusals();
    for c in &cases {
        let p = w.upload("材料.zip", &c.bytes).await.unwrap_err();
        let what = c.what;
        assert_eq!(p["status"], 409, "{what}: {p}");
        assert_eq!(p["code"], c.code, "{what}: {p}");
        assert_eq!(
            p["type"],
            format!("https://zjtx.cn/problems/{}", c.code),
            "{what}"
        );
        let (zh, en) = (
            p["detail"].as_str().unwrap(),
            p["detail_en"].as_str().unwrap(),
        );
        assert!(zh.starts_with("“材料.zip”未被接受："), "{what}: {zh}");
        assert!(
            en.starts_with("\"材料.zip\" was not accepted: "),
            "{what}: {en}"
        );
        for want in &c.zh {
            assert!(zh.contains(want.as_str()), "{what}: {zh} lacks {want}");
        }
        for want in &c.en {
            assert!(en.contains(want.as_str()), "{what}: {en} lacks {want}");
        }
    }
    assert_eq!(w.evidence_count().await, 0, "refusals leave no evidence");
    assert_eq!(
        w.env
            .scalar("SELECT COUNT(*) FROM audit WHERE action = 'upload.discard'")
            .await,
        cases.len() as i64
    );
    assert_eq!(w.env.scalar("SELECT COUNT(*) FROM uploads").await, 0);
}

#[tokio::test]
async fn every_crafted_zip_is_refused_naming_the_entry_in_process() {
    every_crafted_zip_is_refused_naming_the_entry(false).await;
}

#[tokio::test]
async fn every_crafted_zip_is_refused_naming_the_entry_over_http() {
    every_crafted_zip_is_refused_naming_the_entry(true).await;
}

#[tokio::test]
async fn files_are_judged_by_their_bytes_not_their_names() {
    let w = world(false).await;
    // A PNG named .pdf is accepted as the PNG it is, and served back as one.
    let png = w.upload("扫描件.pdf", PNG).await.unwrap();
    assert_eq!(png["name"], "扫描件.pdf");
    assert_eq!(png["content_type"], "image/png");
    let (bytes, ct) = w
        .firm
        .evidence_bytes(png["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!((bytes.as_slice(), ct.as_str()), (PNG, "image/png"));
    // A PDF named .png is a PDF.
    let doc = w.upload("说明.png", &pdf()).await.unwrap();
    assert_eq!(doc["content_type"], "application/pdf");
    // A zip of plain files passes.
    let zip = w
        .upload("材料.zip", &zip_of(&[("资料/营业执照.pdf", &pdf())]))
        .await
        .unwrap();
    assert_eq!(zip["content_type"], "application/zip");
    assert_eq!(w.evidence_count().await, 3);

    // A text file named .pdf is refused, saying what is accepted.
    let p = w.upload("readme.pdf", b"just some text").await.unwrap_err();
    assert_eq!(
        (p["status"].clone(), p["code"].clone()),
        (json!(409), json!("unsupported_content_type"))
    );
    let zh = p["detail"].as_str().unwrap();
    assert!(zh.contains("“readme.pdf”不是平台接受的文件类型"), "{zh}");
    assert!(
        zh.contains("ZIP 压缩包、PDF 文件、PNG 图片、JPEG 图片"),
        "{zh}"
    );
    let en = p["detail_en"].as_str().unwrap();
    assert!(
        en.contains("judged by its content, not its extension"),
        "{en}"
    );
    // So is a PDF that is cut off or encrypted.
    let cut = pdf()[..30].to_vec();
    let p = w.upload("半截.pdf", &cut).await.unwrap_err();
    assert_eq!(p["code"], "pdf_truncated");
    let mut encrypted = pdf();
    let at = encrypted
        .windows(11)
        .position(|w| w == b"/Root 1 0 R")
        .unwrap();
    encrypted.splice(at..at, b"/Encrypt 9 0 R".iter().copied());
    let p = w.upload("加密.pdf", &encrypted).await.unwrap_err();
    assert_eq!(p["code"], "pdf_encrypted");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("“加密.pdf”未被接受：PDF 文件已加密"),
        "{p}"
    );
    assert_eq!(w.evidence_count().await, 3, "refusals added nothing");
}

#[tokio::test]
async fn an_unstorable_upload_name_is_refused_before_any_byte() {
    let w = world(false).await;
    let bytes = pdf();
    let e = w
        .firm
        .create_upload(
            &w.item,
            "报告|终稿.pdf",
            bytes.len() as u64,
            &sha256_hex(&bytes),
        )
        .await
        .unwrap_err();
    let p = serde_json::to_value(e.problem().unwrap()).unwrap();
    conforms_problem("create_upload", 422, &p);
    assert_eq!(
        (p["code"].clone(), p["field"].clone()),
        (json!("invalid"), json!("name"))
    );
    assert!(p["detail"].as_str().unwrap().contains("“|”"), "{p}");
    assert_eq!(w.env.scalar("SELECT COUNT(*) FROM uploads").await, 0);
}
