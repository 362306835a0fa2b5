//! Evidence files judged from their bytes alone (DOMAIN.md §5 "evidence"): what a file is
//! ([`sniff`], by its first bytes, never by its name), and whether a zip ([`validate_zip`]) or a
//! PDF ([`validate_pdf`]) may be accepted. Every refusal ([`ArchiveError`]) names the offending
//! entry and says, in Chinese and English, what is wrong and what to do.
//!
//! Purity: everything here reads from a byte slice. The `zip` crate wants `std::io::Read + Seek`,
//! which a `Cursor<&[u8]>` provides in memory; decompressed bytes go to a counting sink that
//! keeps only the first few bytes. No file, socket or clock is touched.
//!
//! Zip checks, in the order they are reported (the first problem wins):
//!
//! 1. the archive opens (central directory readable) and no name occurs twice in it;
//! 2. at most [`ZipLimits::max_entries`] entries;
//! 3. per entry, from the central directory: a decodable name (UTF-8; or GBK when the UTF-8 flag
//!    is unset — common for zips made on Chinese Windows), a path that stays inside the archive
//!    (no `..` component, no leading `/` or `\`, no drive letter), not a symbolic link, only
//!    storable characters (no control characters, none of `<>:"|?*`), at most 255 bytes per path
//!    component, no duplicate name, not encrypted, stored or deflated (the two methods this build
//!    reads), not an archive by its extension, and a declared compression ratio of at most
//!    [`ZipLimits::max_ratio`] for entries larger than [`ZipLimits::ratio_min_size`];
//! 4. the declared uncompressed sizes add up to at most [`ZipLimits::max_total_size`], and at
//!    least one entry is a file (not only folders);
//! 5. local headers agree with the central directory (no entry hidden from this check);
//! 6. every file is decompressed into a counting sink that refuses to grow past the entry's
//!    declared size (so a header that lies about its size cannot exhaust memory or disk), the CRC
//!    is checked, the first bytes must not be another archive (Office / OFD documents, which
//!    are zip containers by design, are exempt — see [`CONTAINER_DOCUMENTS`]), and a PDF must not
//!    be encrypted (the same test as [`validate_pdf`], run on the stream).
//!
//! Decompression is deliberately sequential and bounded: memory stays at the zip crate's buffers
//! plus a few hundred bytes per entry, whatever the archive claims.

use crate::domain::text::{Localized, Text};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::io::{self, Cursor, Write};
use zip::ZipArchive;

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;

/// The longest path component (file or folder name) in bytes of UTF-8, as on common file systems.
pub const MAX_NAME_BYTES: usize = 255;

/// Characters no file name may contain (Windows cannot store them), besides control characters.
pub const UNSTORABLE_CHARS: &[char] = &['<', '>', ':', '"', '|', '?', '*'];

/// Extensions of files that are archives: such an entry inside a zip is refused.
pub const ARCHIVE_EXTENSIONS: &[&str] =
    &["zip", "zipx", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz"];

/// Document formats that are zip containers by design (Office Open XML, OpenDocument, and OFD,
/// China's fixed-layout e-document format used for e-invoices). An entry with one of these
/// extensions whose bytes start like a zip is a document, not a nested archive.
pub const CONTAINER_DOCUMENTS: &[&str] = &[
    "docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "odt", "ods", "odp", "ofd",
];

/// The general-purpose flag bit that says the entry's name is UTF-8 (the "EFS" bit).
const UTF8_FLAG: u16 = 0x0800;

/// What a file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    Zip,
    Pdf,
    Png,
    Jpeg,
}

impl ContentKind {
    pub const ALL: [ContentKind; 4] = [
        ContentKind::Zip,
        ContentKind::Pdf,
        ContentKind::Png,
        ContentKind::Jpeg,
    ];

    /// The media type stored with the evidence.
    pub fn mime(self) -> &'static str {
        match self {
            ContentKind::Zip => "application/zip",
            ContentKind::Pdf => "application/pdf",
            ContentKind::Png => "image/png",
            ContentKind::Jpeg => "image/jpeg",
        }
    }

    pub fn from_mime(mime: &str) -> Option<ContentKind> {
        ContentKind::ALL.into_iter().find(|k| k.mime() == mime)
    }

    pub fn name(self) -> Text {
        match self {
            ContentKind::Zip => Text::new("ZIP 压缩包", "ZIP archive"),
            ContentKind::Pdf => Text::new("PDF 文件", "PDF file"),
            ContentKind::Png => Text::new("PNG 图片", "PNG image"),
            ContentKind::Jpeg => Text::new("JPEG 图片", "JPEG image"),
        }
    }
}

/// What `bytes` are, from their magic numbers: a zip (`PK\3\4`, or `PK\5\6` for an empty one),
/// a PDF (`%PDF-`), a PNG or a JPEG; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<ContentKind> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(ContentKind::Zip)
    } else if bytes.starts_with(b"%PDF-") {
        Some(ContentKind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ContentKind::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(ContentKind::Jpeg)
    } else {
        None
    }
}

/// Whether the first bytes of a file are those of an archive (zip, rar, 7z, gzip, xz, tar).
fn looks_like_archive(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
        || head.starts_with(b"Rar!\x1a\x07")
        || head.starts_with(b"7z\xBC\xAF\x27\x1C")
        || head.starts_with(b"\x1f\x8b")
        || head.starts_with(b"\xFD7zXZ\x00")
        || head.get(257..262) == Some(b"ustar")
}

/// How many leading bytes of each entry are kept to recognise a nested archive.
const HEAD_LEN: usize = 262;

/// Caps against zip bombs and oversized archives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most entries (files and folders).
    pub max_entries: usize,
    /// Most uncompressed bytes, all entries together.
    pub max_total_size: u64,
    /// Highest uncompressed : compressed ratio of one entry …
    pub max_ratio: u64,
    /// … for entries larger than this (small files may compress very well).
    pub ratio_min_size: u64,
}

impl Default for ZipLimits {
    /// 1000 entries, 500 MiB uncompressed, 100:1 for entries over 1 MiB.
    fn default() -> ZipLimits {
        ZipLimits {
            max_entries: 1000,
            max_total_size: 500 * MIB,
            max_ratio: 100,
            ratio_min_size: MIB,
        }
    }
}

/// One file of an accepted zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZipEntry {
    /// The decoded path inside the archive (`/`-separated as stored).
    pub name: String,
    /// Uncompressed size in bytes.
    pub size: u64,
}

/// What an accepted zip holds: its files (folders left out) in archive order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZipSummary {
    pub entries: Vec<ZipEntry>,
    pub total_size: u64,
}

/// Why a zip or PDF is refused. Entries are named by their decoded path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// The archive as a whole cannot be read.
    Corrupt {
        detail: Text,
    },
    /// One entry cannot be decompressed (bad data, CRC mismatch).
    CorruptEntry {
        entry: String,
        detail: Text,
    },
    /// No file in the archive.
    Empty,
    TooManyEntries {
        count: usize,
        max: usize,
    },
    /// The name is neither UTF-8 nor (without the UTF-8 flag) GBK: named by position (1-based)
    /// and raw bytes in hex.
    UndecodableName {
        index: usize,
        raw_hex: String,
    },
    EmptyName {
        index: usize,
    },
    /// `..` component, absolute path or drive letter.
    PathEscapes {
        entry: String,
    },
    /// A symbolic link.
    Link {
        entry: String,
    },
    UnstorableChar {
        entry: String,
        ch: char,
    },
    NameTooLong {
        entry: String,
        bytes: usize,
    },
    DuplicateName {
        entry: String,
    },
    Encrypted {
        entry: String,
    },
    /// A PDF inside the zip is itself encrypted (see [`validate_pdf`]).
    EncryptedPdfEntry {
        entry: String,
    },
    UnsupportedMethod {
        entry: String,
        method: String,
    },
    Nested {
        entry: String,
    },
    TooLarge {
        total: u64,
        max: u64,
    },
    Bomb {
        entry: String,
        size: u64,
        compressed: u64,
        max_ratio: u64,
    },
    /// The entry's real content is larger (or smaller) than its header declares.
    SizeMismatch {
        entry: String,
        declared: u64,
    },
    /// Not a PDF (no `%PDF-` header).
    NotPdf,
    /// No `%%EOF` near the end: the PDF was cut off.
    TruncatedPdf,
    EncryptedPdf,
}

impl ArchiveError {
    /// Stable machine code (the problem `type` suffix).
    pub fn code(&self) -> &'static str {
        match self {
            ArchiveError::Corrupt { .. } => "zip_corrupt",
            ArchiveError::CorruptEntry { .. } => "zip_entry_corrupt",
            ArchiveError::Empty => "zip_empty",
            ArchiveError::TooManyEntries { .. } => "zip_too_many_entries",
            ArchiveError::UndecodableName { .. } => "zip_name_undecodable",
            ArchiveError::EmptyName { .. } => "zip_name_empty",
            ArchiveError::PathEscapes { .. } => "zip_path_escapes",
            ArchiveError::Link { .. } => "zip_link",
            ArchiveError::UnstorableChar { .. } => "zip_name_unstorable",
            ArchiveError::NameTooLong { .. } => "zip_name_too_long",
            ArchiveError::DuplicateName { .. } => "zip_duplicate_name",
            ArchiveError::Encrypted { .. } => "zip_encrypted_entry",
            ArchiveError::EncryptedPdfEntry { .. } => "zip_encrypted_pdf",
            ArchiveError::UnsupportedMethod { .. } => "zip_unsupported_method",
            ArchiveError::Nested { .. } => "zip_nested_archive",
            ArchiveError::TooLarge { .. } => "zip_too_large",
            ArchiveError::Bomb { .. } => "zip_bomb",
            ArchiveError::SizeMismatch { .. } => "zip_size_mismatch",
            ArchiveError::NotPdf => "pdf_invalid",
            ArchiveError::TruncatedPdf => "pdf_truncated",
            ArchiveError::EncryptedPdf => "pdf_encrypted",
        }
    }

    /// The offending entry's path, when one entry is to blame.
    pub fn entry(&self) -> Option<&str> {
        match self {
            ArchiveError::CorruptEntry { entry, .. }
            | ArchiveError::PathEscapes { entry }
            | ArchiveError::Link { entry }
            | ArchiveError::UnstorableChar { entry, .. }
            | ArchiveError::NameTooLong { entry, .. }
            | ArchiveError::DuplicateName { entry }
            | ArchiveError::Encrypted { entry }
            | ArchiveError::EncryptedPdfEntry { entry }
            | ArchiveError::UnsupportedMethod { entry, .. }
            | ArchiveError::Nested { entry }
            | ArchiveError::Bomb { entry, .. }
            | ArchiveError::SizeMismatch { entry, .. } => Some(entry),
            _ => None,
        }
    }
}

/// A name as shown in a message: control characters become `U+XXXX`.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                format!("U+{:04X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn shown_char(ch: char) -> String {
    if ch.is_control() || ch.is_whitespace() {
        format!("U+{:04X}", ch as u32)
    } else {
        ch.to_string()
    }
}

/// A size for people: bytes, KiB or MiB.
fn human(bytes: u64) -> String {
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

const REPACK_ZH: &str = "请处理后重新打包上传";
const REPACK_EN: &str = "fix it and upload a new zip";

impl Localized for ArchiveError {
    fn text(&self) -> Text {
        match self {
            ArchiveError::Corrupt { detail } => Text::new(
                format!(
                    "压缩包已损坏或不是有效的 ZIP 文件，无法读取（{}），请重新打包后上传",
                    detail.zh
                ),
                format!(
                    "The zip is damaged or not a valid ZIP file and cannot be read ({}); pack it \
                     again and upload the new file",
                    detail.en
                ),
            ),
            ArchiveError::CorruptEntry { entry, detail } => Text::new(
                format!(
                    "压缩包中的“{}”已损坏，无法解压（{}），{REPACK_ZH}",
                    shown(entry),
                    detail.zh
                ),
                format!(
                    "The entry \"{}\" in the zip is damaged and cannot be unpacked ({}); \
                     {REPACK_EN}",
                    shown(entry),
                    detail.en
                ),
            ),
            ArchiveError::Empty => Text::new(
                "压缩包中没有任何文件，请放入证明材料后重新打包",
                "The zip contains no files; put the evidence in it and pack it again",
            ),
            ArchiveError::TooManyEntries { count, max } => Text::new(
                format!("压缩包中有 {count} 个文件或文件夹，最多允许 {max} 个，请精简或分包后上传"),
                format!(
                    "The zip holds {count} files and folders; at most {max} are allowed — remove \
                     some or split it"
                ),
            ),
            ArchiveError::UndecodableName { index, raw_hex } => Text::new(
                format!(
                    "压缩包中第 {index} 个文件的文件名无法识别（原始字节 {raw_hex}），\
                     请将文件名改为常用汉字、字母或数字后重新打包（建议使用 UTF-8 编码）"
                ),
                format!(
                    "The name of entry {index} in the zip cannot be decoded (raw bytes \
                     {raw_hex}); rename it with common characters and pack it again (UTF-8 \
                     names are best)"
                ),
            ),
            ArchiveError::EmptyName { index } => Text::new(
                format!("压缩包中第 {index} 个文件没有文件名，{REPACK_ZH}"),
                format!("Entry {index} in the zip has no name; {REPACK_EN}"),
            ),
            ArchiveError::PathEscapes { entry } => Text::new(
                format!(
                    "压缩包中的“{}”路径指向压缩包以外（含“..”、以“/”开头或带盘符），\
                     请只打包文件夹内的文件后重新上传",
                    shown(entry)
                ),
                format!(
                    "The path of \"{}\" in the zip points outside the archive (a \"..\" part, a \
                     leading \"/\" or a drive letter); pack only the files inside a folder and \
                     upload again",
                    shown(entry)
                ),
            ),
            ArchiveError::Link { entry } => Text::new(
                format!(
                    "压缩包中的“{}”是符号链接，平台不接受链接，请放入实际文件后重新打包",
                    shown(entry)
                ),
                format!(
                    "\"{}\" in the zip is a symbolic link; links are not accepted — put the real \
                     file in and pack it again",
                    shown(entry)
                ),
            ),
            ArchiveError::UnstorableChar { entry, ch } => Text::new(
                format!(
                    "压缩包中的“{}”文件名含有不能保存的字符“{}”，请重命名后重新打包",
                    shown(entry),
                    shown_char(*ch)
                ),
                format!(
                    "The name \"{}\" in the zip contains the character \"{}\", which cannot be \
                     stored (control characters and < > : \" | ? * are not allowed); rename the \
                     file and pack it again",
                    shown(entry),
                    shown_char(*ch)
                ),
            ),
            ArchiveError::NameTooLong { entry, bytes } => Text::new(
                format!(
                    "压缩包中的“{}”文件名过长（{bytes} 字节，最多 {MAX_NAME_BYTES} 字节，\
                     约 85 个汉字），请缩短后重新打包",
                    shown(entry)
                ),
                format!(
                    "A name in \"{}\" in the zip is too long ({bytes} bytes; at most \
                     {MAX_NAME_BYTES} bytes, about 85 Chinese characters); shorten it and pack \
                     it again",
                    shown(entry)
                ),
            ),
            ArchiveError::DuplicateName { entry } => Text::new(
                format!("压缩包中有多个名为“{}”的文件，{REPACK_ZH}", shown(entry)),
                format!(
                    "The zip holds more than one entry named \"{}\"; {REPACK_EN}",
                    shown(entry)
                ),
            ),
            ArchiveError::Encrypted { entry } => Text::new(
                format!(
                    "压缩包中的“{}”设置了密码（已加密），审核人员无法打开；\
                     请去掉密码后重新打包上传",
                    shown(entry)
                ),
                format!(
                    "\"{}\" in the zip is password-protected (encrypted), so reviewers cannot \
                     open it; remove the password and pack it again",
                    shown(entry)
                ),
            ),
            ArchiveError::EncryptedPdfEntry { entry } => Text::new(
                format!(
                    "压缩包中的“{}”是加密的 PDF（设置了打开密码或权限密码），审核人员无法查看；\
                     请取消加密后重新导出并打包",
                    shown(entry)
                ),
                format!(
                    "\"{}\" in the zip is an encrypted PDF (it has an open or permissions \
                     password), so reviewers cannot read it; remove the encryption, export it \
                     again and pack it again",
                    shown(entry)
                ),
            ),
            ArchiveError::UnsupportedMethod { entry, method } => Text::new(
                format!(
                    "压缩包中的“{}”使用了不支持的压缩方式（{method}），\
                     请用常见的 ZIP 格式（标准压缩）重新打包",
                    shown(entry)
                ),
                format!(
                    "\"{}\" in the zip uses an unsupported compression method ({method}); pack \
                     it again as a standard (deflate) ZIP",
                    shown(entry)
                ),
            ),
            ArchiveError::Nested { entry } => Text::new(
                format!(
                    "压缩包中的“{}”本身也是压缩包，平台不接受嵌套压缩包；\
                     请解压后将其中的文件直接放入压缩包",
                    shown(entry)
                ),
                format!(
                    "\"{}\" in the zip is itself an archive; nested archives are not accepted — \
                     unpack it and put its files in the zip directly",
                    shown(entry)
                ),
            ),
            ArchiveError::TooLarge { total, max } => Text::new(
                format!(
                    "压缩包解压后共 {}，超过上限 {}，请精简或分包后上传",
                    human(*total),
                    human(*max)
                ),
                format!(
                    "The zip unpacks to {}, more than the limit of {}; remove some files or \
                     split it",
                    human(*total),
                    human(*max)
                ),
            ),
            ArchiveError::Bomb {
                entry,
                size,
                compressed,
                max_ratio,
            } => Text::new(
                format!(
                    "压缩包中的“{}”压缩比异常（{} 压缩为 {}，超过 {max_ratio}:1），\
                     疑似压缩炸弹，已拒收",
                    shown(entry),
                    human(*size),
                    human(*compressed)
                ),
                format!(
                    "\"{}\" in the zip has an abnormal compression ratio ({} packed into {}, \
                     over {max_ratio}:1) and looks like a zip bomb; it is refused",
                    shown(entry),
                    human(*size),
                    human(*compressed)
                ),
            ),
            ArchiveError::SizeMismatch { entry, declared } => Text::new(
                format!(
                    "压缩包中的“{}”实际内容与其声明的大小（{declared} 字节）不符，\
                     压缩包可能已损坏或被篡改，{REPACK_ZH}",
                    shown(entry)
                ),
                format!(
                    "The content of \"{}\" in the zip does not match its declared size \
                     ({declared} bytes); the zip is damaged or tampered with — {REPACK_EN}",
                    shown(entry)
                ),
            ),
            ArchiveError::NotPdf => Text::new(
                "文件不是有效的 PDF（缺少 %PDF- 文件头），请重新导出 PDF 后上传",
                "The file is not a valid PDF (no %PDF- header); export the PDF again and \
                 upload it",
            ),
            ArchiveError::TruncatedPdf => Text::new(
                "PDF 文件不完整（缺少结束标记 %%EOF），可能在传输或保存时中断，请重新导出后上传",
                "The PDF is incomplete (no %%EOF end marker), probably cut off while saving or \
                 sending; export it again and upload it",
            ),
            ArchiveError::EncryptedPdf => Text::new(
                "PDF 文件已加密（设置了打开密码或权限密码），审核人员无法查看；\
                 请取消加密后重新导出上传",
                "The PDF is encrypted (it has an open or permissions password), so reviewers \
                 cannot read it; remove the encryption, export it again and upload it",
            ),
        }
    }
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for ArchiveError {}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/// Why a single file name (no folders) cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    /// `.` or `..`.
    DotName,
    /// A folder separator (`/` or `\`): a file name only.
    Separator,
    Unstorable(char),
    TooLong(usize),
}

impl Localized for NameProblem {
    fn text(&self) -> Text {
        match self {
            NameProblem::Empty => Text::new("请填写文件名。", "Enter a file name."),
            NameProblem::DotName => Text::new(
                "文件名不能是“.”或“..”。",
                "A file name cannot be \".\" or \"..\".",
            ),
            NameProblem::Separator => Text::new(
                "文件名不能包含“/”或“\\”，只填写文件本身的名称。",
                "A file name cannot contain \"/\" or \"\\\"; give the file's own name only.",
            ),
            NameProblem::Unstorable(ch) => Text::new(
                format!(
                    "文件名含有不能保存的字符“{}”（不允许控制字符及 < > : \" | ? *），请重命名。",
                    shown_char(*ch)
                ),
                format!(
                    "The file name contains \"{}\", which cannot be stored (control characters \
                     and < > : \" | ? * are not allowed); rename it.",
                    shown_char(*ch)
                ),
            ),
            NameProblem::TooLong(bytes) => Text::new(
                format!("文件名过长（{bytes} 字节），最多 {MAX_NAME_BYTES} 字节（约 85 个汉字）。"),
                format!(
                    "The file name is too long ({bytes} bytes); at most {MAX_NAME_BYTES} bytes \
                     (about 85 Chinese characters)."
                ),
            ),
        }
    }
}

/// The first character of `component` that no file system of the platform's users can store.
fn unstorable_char(component: &str) -> Option<char> {
    component
        .chars()
        .find(|c| c.is_control() || UNSTORABLE_CHARS.contains(c))
}

/// Checks one file name (as an upload's name): not blank, not `.`/`..`, no folder separator, only
/// storable characters, at most [`MAX_NAME_BYTES`] bytes.
pub fn check_file_name(name: &str) -> Result<(), NameProblem> {
    if name.trim().is_empty() {
        return Err(NameProblem::Empty);
    }
    if name == "." || name == ".." {
        return Err(NameProblem::DotName);
    }
    if name.contains(['/', '\\']) {
        return Err(NameProblem::Separator);
    }
    if let Some(ch) = unstorable_char(name) {
        return Err(NameProblem::Unstorable(ch));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(NameProblem::TooLong(name.len()));
    }
    Ok(())
}

/// Decodes an entry's raw name: UTF-8 when valid (flag set or not: many tools write UTF-8
/// without the flag); otherwise, without the UTF-8 flag, GBK (as written by Chinese Windows).
fn decode_name(raw: &[u8], utf8_flag: bool) -> Option<String> {
    if let Ok(s) = std::str::from_utf8(raw) {
        return Some(s.to_string());
    }
    if utf8_flag {
        return None;
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(raw)
        .map(|s| s.into_owned())
}

fn hex_bytes(raw: &[u8]) -> String {
    raw.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A path that leaves the archive's root: absolute (`/x`, `\x`), a drive letter (`C:`), or a
/// `..` component (either separator).
fn escapes(name: &str) -> bool {
    let bytes = name.as_bytes();
    let absolute = name.starts_with(['/', '\\']);
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    absolute || drive || name.split(['/', '\\']).any(|c| c == "..")
}

/// The checks on an entry's path (after decoding), in order.
fn check_entry_path(name: &str) -> Result<(), ArchiveError> {
    if escapes(name) {
        return Err(ArchiveError::PathEscapes {
            entry: name.to_string(),
        });
    }
    for component in name.split(['/', '\\']) {
        if let Some(ch) = unstorable_char(component) {
            return Err(ArchiveError::UnstorableChar {
                entry: name.to_string(),
                ch,
            });
        }
        if component.len() > MAX_NAME_BYTES {
            return Err(ArchiveError::NameTooLong {
                entry: name.to_string(),
                bytes: component.len(),
            });
        }
    }
    Ok(())
}

/// The lower-cased extension of the last path component.
fn extension(name: &str) -> Option<String> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = file.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

// ---------------------------------------------------------------------------------------------
// Zip
// ---------------------------------------------------------------------------------------------

/// Where decompressed bytes go: counted, the first [`HEAD_LEN`] kept, scanned for the PDF
/// encryption token, nothing else stored. A write past `limit` fails with [`SinkFull`].
struct CountingSink {
    written: u64,
    limit: u64,
    head: Vec<u8>,
    /// The last bytes of the previous write (a token may straddle two writes).
    carry: Vec<u8>,
    encrypt_token: bool,
}

impl CountingSink {
    fn new(limit: u64) -> CountingSink {
        CountingSink {
            written: 0,
            limit,
            head: Vec::with_capacity(HEAD_LEN),
            carry: Vec::new(),
            encrypt_token: false,
        }
    }

    /// The content is a PDF that names an encryption dictionary (see [`names_encryption`]).
    fn is_encrypted_pdf(&self) -> bool {
        self.head.starts_with(b"%PDF-")
            && (self.encrypt_token || encryption_token(&self.carry, true))
    }
}

#[derive(Debug)]
struct SinkFull;

impl fmt::Display for SinkFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("more bytes than declared")
    }
}

impl std::error::Error for SinkFull {}

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len() as u64;
        if self.written.saturating_add(n) > self.limit {
            return Err(io::Error::other(SinkFull));
        }
        if self.head.len() < HEAD_LEN {
            let take = (HEAD_LEN - self.head.len()).min(buf.len());
            self.head.extend_from_slice(&buf[..take]);
        }
        if !self.encrypt_token && !buf.is_empty() {
            let mut window = std::mem::take(&mut self.carry);
            window.extend_from_slice(buf);
            self.encrypt_token = encryption_token(&window, false);
            let keep = window.len().saturating_sub(ENCRYPT_TOKEN.len());
            self.carry = window.split_off(keep);
        }
        self.written += n;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A problem the zip crate reports, in both languages where it is a known one.
fn describe(err: &dyn fmt::Display) -> Text {
    let s = err.to_string();
    if s.contains("Invalid checksum") {
        Text::new("CRC 校验失败", "CRC checksum mismatch")
    } else if s.contains("EOCD") || s.contains("end of central directory") {
        Text::new(
            "找不到压缩包目录，文件可能不完整",
            "the archive directory is missing; the file may be incomplete",
        )
    } else if s.contains("header inconsistency") {
        Text::new(
            format!("文件头与压缩包目录不一致，可能被篡改：{s}"),
            format!(
                "the entry headers disagree with the archive directory, a sign of tampering: {s}"
            ),
        )
    } else {
        Text::new(s.clone(), s)
    }
}

/// The first name that occurs twice among the central-directory records starting at `start`.
fn repeated_name(bytes: &[u8], start: u64) -> Option<Vec<u8>> {
    let mut at = usize::try_from(start).ok()?;
    let mut seen = HashSet::new();
    let u16_at = |i: usize| -> Option<usize> {
        bytes
            .get(i..i + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    while bytes.get(at..at + 4) == Some(b"PK\x01\x02") {
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28)?, u16_at(at + 30)?, u16_at(at + 32)?);
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        if !seen.insert(name) {
            return Some(name.to_vec());
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    None
}

/// What the central directory says about one entry, after the per-entry checks.
struct Checked {
    index: usize,
    name: String,
    size: u64,
    is_dir: bool,
    container_document: bool,
}

/// Validates a zip held in memory against `limits`; see the module documentation for the checks
/// and their order. Returns the files it holds.
pub fn validate_zip(bytes: &[u8], limits: &ZipLimits) -> Result<ZipSummary, ArchiveError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| ArchiveError::Corrupt {
        detail: describe(&e),
    })?;
    if archive.has_duplicate_names() {
        // The zip crate keeps one entry per name; find the repeated one in the raw directory.
        let entry = repeated_name(bytes, archive.central_directory_start())
            .map(|raw| decode_name(&raw, false).unwrap_or_else(|| hex_bytes(&raw)))
            .unwrap_or_default();
        return Err(ArchiveError::DuplicateName { entry });
    }
    let count = archive.len();
    if count > limits.max_entries {
        return Err(ArchiveError::TooManyEntries {
            count,
            max: limits.max_entries,
        });
    }

    // Pass 1: the central directory, nothing decompressed.
    let mut checked = Vec::with_capacity(count);
    let mut seen = HashSet::with_capacity(count);
    let mut total: u64 = 0;
    for index in 0..count {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| ArchiveError::Corrupt {
                detail: describe(&e),
            })?;
        let raw = entry.name_raw();
        let utf8_flag = entry.flags().as_u16() & UTF8_FLAG != 0;
        let name = decode_name(raw, utf8_flag).ok_or_else(|| ArchiveError::UndecodableName {
            index: index + 1,
            raw_hex: hex_bytes(raw),
        })?;
        if name.is_empty() {
            return Err(ArchiveError::EmptyName { index: index + 1 });
        }
        check_entry_path(&name)?;
        if entry.is_symlink() {
            return Err(ArchiveError::Link { entry: name });
        }
        if !seen.insert(name.clone()) {
            return Err(ArchiveError::DuplicateName { entry: name });
        }
        if entry.encrypted() {
            return Err(ArchiveError::Encrypted { entry: name });
        }
        let is_dir = entry.is_dir();
        let size = entry.size();
        let compressed = entry.compressed_size();
        let ext = extension(&name);
        if !is_dir {
            let method = entry.compression();
            if method != zip::CompressionMethod::Stored
                && method != zip::CompressionMethod::Deflated
            {
                return Err(ArchiveError::UnsupportedMethod {
                    entry: name,
                    method: format!("{method:?}"),
                });
            }
            if ext
                .as_deref()
                .is_some_and(|e| ARCHIVE_EXTENSIONS.contains(&e))
            {
                return Err(ArchiveError::Nested { entry: name });
            }
            if size > limits.ratio_min_size && size > compressed.saturating_mul(limits.max_ratio) {
                return Err(ArchiveError::Bomb {
                    entry: name,
                    size,
                    compressed,
                    max_ratio: limits.max_ratio,
                });
            }
        }
        total = total.saturating_add(size);
        let container_document = ext
            .as_deref()
            .is_some_and(|e| CONTAINER_DOCUMENTS.contains(&e));
        checked.push(Checked {
            index,
            name,
            size,
            is_dir,
            container_document,
        });
    }
    if total > limits.max_total_size {
        return Err(ArchiveError::TooLarge {
            total,
            max: limits.max_total_size,
        });
    }
    if checked.iter().all(|c| c.is_dir) {
        return Err(ArchiveError::Empty);
    }
    // Local headers must tell the same story as the central directory, so that no extractor
    // sees a name or size this check did not.
    archive
        .validate_header_consistency()
        .map_err(|e| ArchiveError::Corrupt {
            detail: describe(&e),
        })?;

    // Pass 2: decompress each file into a counting sink capped at its declared size.
    let mut entries = Vec::new();
    let mut actual_total: u64 = 0;
    for c in checked.into_iter().filter(|c| !c.is_dir) {
        let mut file = archive
            .by_index(c.index)
            .map_err(|e| ArchiveError::CorruptEntry {
                entry: c.name.clone(),
                detail: describe(&e),
            })?;
        let mut sink = CountingSink::new(c.size);
        if let Err(e) = io::copy(&mut file, &mut sink) {
            let overflow = e.get_ref().is_some_and(|inner| inner.is::<SinkFull>())
                || e.to_string().contains("larger than its declared");
            return Err(if overflow {
                ArchiveError::SizeMismatch {
                    entry: c.name,
                    declared: c.size,
                }
            } else {
                ArchiveError::CorruptEntry {
                    entry: c.name,
                    detail: describe(&e),
                }
            });
        }
        if sink.written != c.size {
            return Err(ArchiveError::SizeMismatch {
                entry: c.name,
                declared: c.size,
            });
        }
        actual_total = actual_total.saturating_add(sink.written);
        if actual_total > limits.max_total_size {
            return Err(ArchiveError::TooLarge {
                total: actual_total,
                max: limits.max_total_size,
            });
        }
        if !c.container_document && looks_like_archive(&sink.head) {
            return Err(ArchiveError::Nested { entry: c.name });
        }
        if sink.is_encrypted_pdf() {
            return Err(ArchiveError::EncryptedPdfEntry { entry: c.name });
        }
        entries.push(ZipEntry {
            name: c.name,
            size: c.size,
        });
    }
    Ok(ZipSummary {
        entries,
        total_size: actual_total,
    })
}

// ---------------------------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------------------------

/// How far from the end `%%EOF` may sit (some writers append a few bytes after it).
const PDF_EOF_WINDOW: usize = 1024;

/// Whether `b` ends a PDF name token (white space or a delimiter).
fn ends_pdf_name(b: u8) -> bool {
    matches!(
        b,
        0 | b'\t'
            | b'\n'
            | 0x0C
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// Whether the PDF names an encryption dictionary: the name token `/Encrypt` (not
/// `/EncryptMetadata`) anywhere in the file. The whole file is searched rather than only the
/// last trailer: with cross-reference streams (PDF 1.5+), linearised files and incremental
/// updates the `/Encrypt` entry sits in a stream dictionary or an earlier trailer. An encrypted
/// file's strings and streams are ciphertext, so the token cannot be hidden in them; an
/// unencrypted file could only show it inside uncompressed page text, which in practice does not
/// happen.
fn names_encryption(bytes: &[u8]) -> bool {
    encryption_token(bytes, true)
}

const ENCRYPT_TOKEN: &[u8] = b"/Encrypt";

/// Whether `bytes` hold the `/Encrypt` name token; one right at the end counts only when
/// `at_end` (more bytes may follow and extend the name).
fn encryption_token(bytes: &[u8], at_end: bool) -> bool {
    let mut from = 0;
    while let Some(pos) = bytes[from..].iter().position(|&b| b == b'/') {
        let at = from + pos;
        if bytes[at..].starts_with(ENCRYPT_TOKEN) {
            match bytes.get(at + ENCRYPT_TOKEN.len()) {
                None if at_end => return true,
                None => {}
                Some(&b) if ends_pdf_name(b) => return true,
                Some(_) => {}
            }
        }
        from = at + 1;
    }
    false
}

/// Validates a PDF: a `%PDF-` header, an `%%EOF` marker within the last
/// 1024 bytes (not cut off), and no encryption (see `names_encryption`).
pub fn validate_pdf(bytes: &[u8]) -> Result<(), ArchiveError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(ArchiveError::NotPdf);
    }
    let tail = &bytes[bytes.len().saturating_sub(PDF_EOF_WINDOW)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(ArchiveError::TruncatedPdf);
    }
    if names_encryption(bytes) {
        return Err(ArchiveError::EncryptedPdf);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;
    use zip::write::SimpleFileOptions;

    fn stored() -> SimpleFileOptions {
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
    }

    fn deflated() -> SimpleFileOptions {
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
    }

    /// A zip of `(name, content)` files, deflated.
    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in files {
            w.start_file(*name, deflated()).unwrap();
            w.write_all(content).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn err(bytes: &[u8]) -> ArchiveError {
        validate_zip(bytes, &ZipLimits::default()).unwrap_err()
    }

    #[test]
    fn sniffs_by_magic_not_name() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(ContentKind::Zip));
        assert_eq!(sniff(b"PK\x05\x06\0\0"), Some(ContentKind::Zip));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(ContentKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(ContentKind::Png));
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            Some(ContentKind::Jpeg)
        );
        assert_eq!(sniff(b"MZ\x90\0"), None, "an executable");
        assert_eq!(sniff(b"PK"), None, "too short");
        assert_eq!(sniff(b""), None);
        assert_eq!(ContentKind::from_mime("image/png"), Some(ContentKind::Png));
    }

    #[test]
    fn accepts_a_plain_zip_and_lists_its_files() {
        let files: [(&str, &[u8]); 3] = [
            ("资料/营业执照.pdf", b"%PDF-1.4 ..."),
            ("资料/财务报表.xlsx", b"PK\x03\x04 an office document"),
            ("readme.txt", b"hello"),
        ];
        let bytes = zip_of(&files);
        let s = validate_zip(&bytes, &ZipLimits::default()).unwrap();
        let names: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["资料/营业执照.pdf", "资料/财务报表.xlsx", "readme.txt"]
        );
        assert_eq!(
            s.total_size,
            files.iter().map(|(_, c)| c.len() as u64).sum::<u64>()
        );
        assert_eq!(s.entries[2].size, 5);
    }

    #[test]
    fn folders_only_is_empty_and_garbage_is_corrupt() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_directory("资料/", stored()).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(err(&bytes), ArchiveError::Empty);
        let empty = zip::ZipWriter::new(Cursor::new(Vec::new()))
            .finish()
            .unwrap()
            .into_inner();
        assert_eq!(sniff(&empty), Some(ContentKind::Zip));
        assert_eq!(err(&empty), ArchiveError::Empty);
        let e = err(b"PK\x03\x04 not really a zip");
        assert_eq!(e.code(), "zip_corrupt");
        assert!(e.message(Lang::Zh).contains("压缩包已损坏"), "{e}");
    }

    #[test]
    fn path_rules() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/x",
            "\\windows\\x",
            "C:/x",
            "c:x",
            "a\\..\\x",
        ] {
            assert!(escapes(bad), "{bad}");
        }
        for good in ["a/b.pdf", "a/./b", "a..b/c", "资料/..资料.pdf", "x/"] {
            assert!(!escapes(good), "{good}");
        }
        assert_eq!(
            check_entry_path("资料/营业执照?.pdf"),
            Err(ArchiveError::UnstorableChar {
                entry: "资料/营业执照?.pdf".into(),
                ch: '?'
            })
        );
        let long = format!("a/{}.pdf", "长".repeat(90));
        assert!(matches!(
            check_entry_path(&long),
            Err(ArchiveError::NameTooLong { bytes: 274, .. })
        ));
        assert!(check_entry_path(&format!("{}/b", "长".repeat(85))).is_ok());
    }

    #[test]
    fn single_file_names() {
        assert_eq!(check_file_name("营业执照.pdf"), Ok(()));
        assert_eq!(check_file_name(" "), Err(NameProblem::Empty));
        assert_eq!(check_file_name(".."), Err(NameProblem::DotName));
        assert_eq!(check_file_name("a/b.pdf"), Err(NameProblem::Separator));
        assert_eq!(check_file_name("a|b"), Err(NameProblem::Unstorable('|')));
        let e = check_file_name("a\u{7}b").unwrap_err();
        assert!(e.message(Lang::Zh).contains("U+0007"));
        assert_eq!(
            check_file_name(&"x".repeat(256)),
            Err(NameProblem::TooLong(256))
        );
    }

    #[test]
    fn names_decode_as_utf8_or_gbk() {
        let gbk = encoding_rs::GBK.encode("营业执照.pdf").0.into_owned();
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode_name(&gbk, false).as_deref(), Some("营业执照.pdf"));
        assert_eq!(
            decode_name(&gbk, true),
            None,
            "flag says UTF-8 but it is not"
        );
        assert_eq!(decode_name(b"\xff\xff\xff", false), None);
        assert_eq!(
            decode_name("证书.pdf".as_bytes(), false).as_deref(),
            Some("证书.pdf")
        );
        assert_eq!(hex_bytes(b"\xff\x01"), "ff 01");
    }

    #[test]
    fn nested_archives_by_name_and_by_content() {
        let inner = zip_of(&[("a.txt", b"a")]);
        let e = err(&zip_of(&[("附件.rar", b"whatever")]));
        assert_eq!(
            e,
            ArchiveError::Nested {
                entry: "附件.rar".into()
            }
        );
        let e = err(&zip_of(&[("伪装.pdf", &inner)]));
        assert_eq!(
            e,
            ArchiveError::Nested {
                entry: "伪装.pdf".into()
            }
        );
        let gz = err(&zip_of(&[("x.bin", b"\x1f\x8b\x08\0\0\0")]));
        assert_eq!(gz.code(), "zip_nested_archive");
        // A Word document is a zip container, not a nested archive.
        assert!(validate_zip(&zip_of(&[("申请书.docx", &inner)]), &ZipLimits::default()).is_ok());
        assert!(validate_zip(&zip_of(&[("发票.ofd", &inner)]), &ZipLimits::default()).is_ok());
    }

    #[test]
    fn bombs_and_caps() {
        let zeros = vec![0u8; 2 * MIB as usize];
        let e = err(&zip_of(&[("zeros.bin", &zeros)]));
        assert!(
            matches!(e, ArchiveError::Bomb { size, .. } if size == 2 * MIB),
            "{e:?}"
        );
        // Below the size floor a high ratio is fine.
        let small = vec![0u8; 512 * 1024];
        assert!(validate_zip(&zip_of(&[("small.bin", &small)]), &ZipLimits::default()).is_ok());
        let tight = ZipLimits {
            max_entries: 2,
            max_total_size: 1000,
            ..ZipLimits::default()
        };
        let three = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        assert_eq!(
            validate_zip(&three, &tight).unwrap_err(),
            ArchiveError::TooManyEntries { count: 3, max: 2 }
        );
        let big = zip_of(&[("a", &[7u8; 600]), ("b", &[8u8; 600])]);
        assert_eq!(
            validate_zip(&big, &tight).unwrap_err(),
            ArchiveError::TooLarge {
                total: 1200,
                max: 1000
            }
        );
    }

    fn find(bytes: &[u8], sig: &[u8], nth: usize) -> usize {
        bytes
            .windows(sig.len())
            .enumerate()
            .filter(|(_, w)| *w == sig)
            .nth(nth)
            .unwrap()
            .0
    }

    /// Overwrites the name of the `nth` entry in its local (`local`) and/or central header.
    fn rename(mut bytes: Vec<u8>, nth: usize, to: &[u8], local: bool, central: bool) -> Vec<u8> {
        if local {
            let at = find(&bytes, b"PK\x03\x04", nth) + 30;
            bytes[at..at + to.len()].copy_from_slice(to);
        }
        if central {
            let at = find(&bytes, b"PK\x01\x02", nth) + 46;
            bytes[at..at + to.len()].copy_from_slice(to);
        }
        bytes
    }

    #[test]
    fn a_local_header_that_disagrees_with_the_directory_is_refused() {
        // Extractors reading local headers would write "../x.p"; the directory says "abcdef".
        let bytes = rename(zip_of(&[("abcdef", b"x")]), 0, b"../x.p", true, false);
        let e = err(&bytes);
        assert_eq!(e.code(), "zip_corrupt", "{e:?}");
        assert!(e.message(Lang::Zh).contains("可能被篡改"), "{e}");
    }

    #[test]
    fn duplicates_links_and_unsupported_methods() {
        let bytes = rename(
            zip_of(&[("a1.pdf", b"1"), ("a2.pdf", b"2")]),
            1,
            b"a1.pdf",
            true,
            true,
        );
        assert_eq!(
            err(&bytes),
            ArchiveError::DuplicateName {
                entry: "a1.pdf".into()
            }
        );

        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("a.pdf", deflated()).unwrap();
        w.write_all(b"%PDF-").unwrap();
        w.add_symlink("passwd", "/etc/passwd", stored()).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(
            err(&bytes),
            ArchiveError::Link {
                entry: "passwd".into()
            }
        );

        // Method 12 (bzip2) in both headers.
        let mut bytes = zip_of(&[("a.txt", b"abc")]);
        let local = find(&bytes, b"PK\x03\x04", 0);
        bytes[local + 8] = 12;
        let central = find(&bytes, b"PK\x01\x02", 0);
        bytes[central + 10] = 12;
        let e = err(&bytes);
        assert_eq!(e.code(), "zip_unsupported_method", "{e:?}");
        assert_eq!(e.entry(), Some("a.txt"));
    }

    #[test]
    fn counting_sink_stops_at_its_limit() {
        let mut sink = CountingSink::new(10);
        let e = io::copy(&mut &[1u8; 64][..], &mut sink).unwrap_err();
        assert!(e.get_ref().is_some_and(|i| i.is::<SinkFull>()));
        assert_eq!(sink.written, 0, "the oversized write was refused whole");
        sink.write_all(&[1u8; 10]).unwrap();
        assert!(sink.write_all(&[1]).is_err());
    }

    #[test]
    fn an_encrypted_pdf_inside_a_zip_is_refused_even_across_write_boundaries() {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend(std::iter::repeat_n(b'x', 20_000));
        pdf.extend_from_slice(b"trailer<</Root 1 0 R/Encrypt 5 0 R>>\n%%EOF\n");
        let e = err(&zip_of(&[("资料/年报.pdf", &pdf)]));
        assert_eq!(
            e,
            ArchiveError::EncryptedPdfEntry {
                entry: "资料/年报.pdf".into()
            }
        );
        assert!(e.message(Lang::Zh).contains("“资料/年报.pdf”是加密的 PDF"));
        // The token split over two writes, and at the very end.
        let mut sink = CountingSink::new(100);
        sink.write_all(b"%PDF-1.7 /Enc").unwrap();
        sink.write_all(b"rypt 5 0 R").unwrap();
        assert!(sink.is_encrypted_pdf());
        let mut sink = CountingSink::new(100);
        sink.write_all(b"%PDF-1.7 /Encrypt").unwrap();
        assert!(sink.is_encrypted_pdf());
        let mut sink = CountingSink::new(100);
        sink.write_all(b"%PDF-1.7 /Encrypt").unwrap();
        sink.write_all(b"Metadata false").unwrap();
        assert!(!sink.is_encrypted_pdf());
        // Not a PDF: the token means nothing.
        let mut sink = CountingSink::new(100);
        sink.write_all(b"notes on /Encrypt dictionaries").unwrap();
        assert!(!sink.is_encrypted_pdf());
    }

    #[test]
    fn pdf_rules() {
        let ok = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
        assert_eq!(validate_pdf(ok), Ok(()));
        let meta = b"%PDF-1.7\n<</EncryptMetadata false>>\ntrailer<<>>\n%%EOF";
        assert_eq!(
            validate_pdf(meta),
            Ok(()),
            "/EncryptMetadata alone is no encryption"
        );
        let enc = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R/Encrypt 5 0 R>>\n%%EOF\n";
        assert_eq!(validate_pdf(enc), Err(ArchiveError::EncryptedPdf));
        let enc2 = b"%PDF-1.5\n9 0 obj<</Type/XRef/Encrypt<</Filter/Standard>>>>\n%%EOF";
        assert_eq!(validate_pdf(enc2), Err(ArchiveError::EncryptedPdf));
        assert_eq!(
            validate_pdf(b"%PDF-1.7\n1 0 obj"),
            Err(ArchiveError::TruncatedPdf)
        );
        assert_eq!(validate_pdf(b"hello %%EOF"), Err(ArchiveError::NotPdf));
        let e = ArchiveError::EncryptedPdf;
        assert!(e.message(Lang::Zh).contains("已加密"));
        assert!(e.message(Lang::En).contains("encrypted"));
    }

    #[test]
    fn messages_name_the_entry() {
        let e = ArchiveError::UnstorableChar {
            entry: "资料/营业执照?.pdf".into(),
            ch: '?',
        };
        assert_eq!(
            e.message(Lang::Zh),
            "压缩包中的“资料/营业执照?.pdf”文件名含有不能保存的字符“?”，请重命名后重新打包"
        );
        assert!(e.message(Lang::En).contains("\"资料/营业执照?.pdf\""));
        assert_eq!(e.entry(), Some("资料/营业执照?.pdf"));
        let e = ArchiveError::UnstorableChar {
            entry: "a\u{1}b".into(),
            ch: '\u{1}',
        };
        assert!(
            e.message(Lang::Zh).contains("“aU+0001b”"),
            "{}",
            e.message(Lang::Zh)
        );
        let e = ArchiveError::UndecodableName {
            index: 3,
            raw_hex: "ff fe".into(),
        };
        assert!(
            e.message(Lang::Zh).contains("第 3 个文件") && e.message(Lang::Zh).contains("ff fe")
        );
        assert_eq!(human(3 * MIB / 2), "1.5 MiB");
        assert_eq!(human(2048), "2.0 KiB");
    }
}
