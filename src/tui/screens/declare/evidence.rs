//! 证明材料: the evidence files of an item (a declaration, a 复核 application, an info update, a
//! major change) and uploads of new ones.
//!
//! An upload is resumable: the file's SHA-256 and size are declared first, then chunks go at
//! the offset the server holds, with a progress bar. When the link drops the upload pauses
//! where it was, the screen asks the server again (2 s, 4 s … 60 s; F9 at once) and goes on
//! from the offset the server has — also after a restart, from the record kept in the local
//! drafts. A file the server refuses (a name it cannot store, an encrypted PDF, a zip entry
//! escaping its folder, a checksum that does not match …) is shown with the server's exact
//! reason.

use super::drafts::{Draft, DraftStore, keep};
use super::render_placeholder;
use super::{MapUnit, Pending, is_offline, render_status, retry_delay};
use crate::client::ClientError;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::date_of;
use crate::tui::theme::Role;
use crate::tui::widgets::dialog::Confirm;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::progress::{Progress, Unit, format_bytes};
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::any::Any;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The size of one chunk.
pub const CHUNK: u64 = 128 * 1024;

/// The smallest and largest chunk [`next_chunk`] chooses.
const MIN_CHUNK: u64 = 32 * 1024;
const MAX_CHUNK: u64 = 4 * 1024 * 1024;

/// How long one chunk should take: short enough that the progress bar moves and a dropped
/// link loses little, long enough that request overhead stays small.
const CHUNK_SECONDS: f64 = 5.0;

/// The size of the next chunk after `sent` bytes took `took`: about [`CHUNK_SECONDS`] at the
/// rate just measured, between 32 KiB and 4 MiB (the server takes up to 8 MiB), in 16 KiB steps.
/// On a 128 kbit/s link that is 64 KiB (a moving bar, far from the client's 60 s
/// time-out); on a LAN it is 4 MiB.
pub fn next_chunk(sent: u64, took: std::time::Duration) -> u64 {
    let secs = took.as_secs_f64().max(0.001);
    let rate = sent as f64 / secs;
    let want = (rate * CHUNK_SECONDS) as u64;
    let step = 16 * 1024;
    (want / step * step).clamp(MIN_CHUNK, MAX_CHUNK)
}

/// The upload under way.
#[derive(Debug, Clone, PartialEq)]
struct Upload {
    path: PathBuf,
    name: String,
    size: u64,
    sha256: String,
    id: Option<String>,
    offset: u64,
    progress: Progress,
    /// Waiting for the link (or for F9).
    paused: bool,
    /// Being sent (not finished, refused or paused).
    active: bool,
    /// The size of the next chunk, adapted to the link ([`next_chunk`]).
    chunk: u64,
    /// When the chunk in flight started, and its size.
    sending: Option<(std::time::Instant, u64)>,
}

/// What preparing a file gives.
enum Prepared {
    Ready {
        name: String,
        size: u64,
        sha256: String,
        upload: Value,
    },
    /// The local file cannot be used (missing, a folder, unreadable): why.
    Local(String),
    /// The file was read but the server could not be reached to declare it.
    Unsent { name: String, size: u64 },
}

/// What sending a chunk gives.
enum Sent {
    Offset(u64),
    Local(String),
}

/// Reads the file's name, size and SHA-256 (blocking).
fn inspect(path: &Path) -> std::io::Result<(String, u64, String)> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a file"));
    }
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok((name, meta.len(), hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads `len` bytes at `offset` (blocking).
fn read_chunk(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(len as usize);
    f.take(len).read_to_end(&mut buf)?;
    Ok(buf)
}

/// `~/x` → the home directory's `x`.
fn expand(path: &str) -> PathBuf {
    let p = path.trim();
    if let Some(rest) = p.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(p)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Files,
    Path,
}

/// The evidence of one item.
pub struct EvidenceScreen {
    item: String,
    files: Vec<Value>,
    table: Table,
    source: VecSource,
    path: Form,
    focus: Focus,
    upload: Option<Upload>,
    status: String,
    status_role: Role,
    pending: Option<Pending<String>>,
    drafts: Option<DraftStore>,
    loaded: bool,
    failures: u32,
    retrying: bool,
    cursor: Option<Position>,
}

impl EvidenceScreen {
    pub fn new(ui: &Ui, item: &str) -> EvidenceScreen {
        EvidenceScreen {
            item: item.to_string(),
            files: Vec::new(),
            table: Table::new(vec![
                Column::new(&ui.tr("declare.evidence.col.name"), 16, 48),
                Column::new(&ui.tr("declare.evidence.col.size"), 9, 10).right(),
                Column::new(&ui.tr("declare.evidence.col.type"), 10, 18).priority(2),
                Column::new(&ui.tr("declare.evidence.col.date"), 10, 10).priority(1),
            ]),
            source: VecSource::default(),
            path: Form::new(vec![
                Field::text("path", &ui.tr("declare.evidence.path"))
                    .with_placeholder(&ui.tr("declare.evidence.path_hint")),
            ]),
            focus: Focus::Path,
            upload: None,
            status: String::new(),
            status_role: Role::Muted,
            pending: None,
            drafts: None,
            loaded: false,
            failures: 0,
            retrying: false,
            cursor: None,
        }
    }

    fn draft_key(&self) -> String {
        format!("upload-{}", self.item)
    }

    fn load(&self, cx: &mut Ctx) {
        let id = self.item.clone();
        cx.spawn("list", move |c| async move { c.evidence_list(&id).await });
    }

    /// Records the upload so it can go on after a restart.
    fn remember(&self) {
        let Some(u) = &self.upload else {
            if let Some(d) = &self.drafts {
                d.clear(&self.draft_key());
            }
            return;
        };
        let Some(id) = &u.id else { return };
        let mut values = std::collections::BTreeMap::new();
        values.insert("path".to_string(), u.path.display().to_string());
        values.insert("name".to_string(), u.name.clone());
        values.insert("size".to_string(), u.size.to_string());
        values.insert("sha256".to_string(), u.sha256.clone());
        values.insert("upload".to_string(), id.clone());
        keep(
            self.drafts.as_ref(),
            &self.draft_key(),
            &Draft {
                values,
                pending: true,
                ..Draft::default()
            },
        );
    }

    fn start_upload(&mut self, cx: &mut Ctx) {
        if self.upload.as_ref().is_some_and(|u| u.active) {
            return;
        }
        let text = self
            .path
            .field("path")
            .map(|f| f.text_value())
            .unwrap_or_default();
        if text.trim().is_empty() {
            self.path
                .set_error("path", Some(&cx.tr("declare.evidence.path_missing")));
            return;
        }
        self.path.set_error("path", None);
        let path = expand(&text);
        let item = self.item.clone();
        let p = path.clone();
        self.upload = Some(Upload {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            path,
            size: 0,
            sha256: String::new(),
            id: None,
            offset: 0,
            progress: Progress::new(&cx.tr("declare.evidence.checking"), None, Unit::Bytes),
            paused: false,
            active: true,
            chunk: CHUNK,
            sending: None,
        });
        self.status = cx.tr("declare.evidence.checking");
        self.status_role = Role::Muted;
        cx.spawn("prepare", move |c| async move {
            let q = p.clone();
            let inspected = tokio::task::spawn_blocking(move || inspect(&q))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r);
            let (name, size, sha256) = match inspected {
                Ok(x) => x,
                Err(e) => return Ok(Prepared::Local(format!("{}: {e}", p.display()))),
            };
            let upload = match c.create_upload(&item, &name, size, &sha256).await {
                Ok(u) => u,
                Err(e) if is_offline(&e) => return Ok(Prepared::Unsent { name, size }),
                Err(e) => return Err(e),
            };
            Ok(Prepared::Ready {
                name,
                size,
                sha256,
                upload,
            })
        });
    }

    fn send_next(&mut self, cx: &mut Ctx) {
        let Some(u) = &mut self.upload else { return };
        let Some(id) = u.id.clone() else { return };
        u.paused = false;
        if u.offset >= u.size {
            self.status = cx.tr("declare.evidence.finishing");
            self.status_role = Role::Muted;
            cx.spawn("finish", move |c| async move { c.finish_upload(&id).await });
            return;
        }
        let (path, offset, len) = (u.path.clone(), u.offset, u.chunk.min(u.size - u.offset));
        u.sending = Some((std::time::Instant::now(), len));
        cx.spawn("chunk", move |c| async move {
            let p = path.clone();
            let bytes = tokio::task::spawn_blocking(move || read_chunk(&p, offset, len))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r);
            match bytes {
                Ok(b) if b.len() as u64 == len => {
                    Ok(Sent::Offset(c.append_chunk(&id, offset, &b).await?))
                }
                Ok(_) => Ok(Sent::Local(format!("{}", path.display()))),
                Err(e) => Ok(Sent::Local(format!("{}: {e}", path.display()))),
            }
        });
    }

    fn pause(&mut self, cx: &mut Ctx) {
        if let Some(u) = &mut self.upload {
            u.paused = true;
            u.active = false;
            self.status = if u.id.is_some() {
                trf(
                    cx.lang(),
                    "declare.evidence.paused",
                    &[
                        ("done", &format_bytes(u.offset)),
                        ("total", &format_bytes(u.size)),
                    ],
                )
            } else {
                // nothing was declared yet: it starts from the file when the link is back
                cx.tr("declare.evidence.paused_start")
            };
            self.status_role = Role::Warning;
        }
        self.remember();
        if !self.retrying && !super::gives_up(self.failures) {
            self.retrying = true;
            self.failures += 1;
            let wait = retry_delay(self.failures);
            cx.spawn("retry", move |c| async move {
                tokio::time::sleep(wait).await;
                c.healthz().await
            });
        }
    }

    fn resume(&mut self, cx: &mut Ctx) {
        let Some(u) = &mut self.upload else { return };
        let Some(id) = u.id.clone() else {
            // never declared: start again from the file
            self.upload = None;
            self.start_upload(cx);
            return;
        };
        u.paused = false;
        u.active = true;
        self.status = cx.tr("declare.evidence.resuming");
        self.status_role = Role::Muted;
        cx.spawn("resume", move |c| async move { c.upload_offset(&id).await });
    }

    fn refused(&mut self, cx: &mut Ctx, message: String) {
        if let Some(u) = &mut self.upload {
            u.progress.fail(&cx.tr("declare.evidence.refused_short"));
            u.active = false;
        }
        self.status = message;
        self.status_role = Role::Error;
        if let Some(u) = &mut self.upload {
            u.id = None;
        }
        if let Some(d) = &self.drafts {
            d.clear(&self.draft_key());
        }
    }

    fn selected(&self) -> Option<&Value> {
        if self.source.is_empty() {
            return None;
        }
        let i: usize = self.source.key(self.table.cursor()).parse().ok()?;
        self.files.get(i)
    }
}

impl Screen for EvidenceScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.evidence.title")
    }

    fn context(&self) -> Context {
        if self.pending.is_some() {
            Context::Dialog
        } else if self.focus == Focus::Path {
            Context::Form
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.pending.is_some() {
            return keymap.hints(Context::Dialog);
        }
        let mut h = match self.focus {
            Focus::Path => {
                let mut h = keymap.hints_for(Context::Form, &["submit"]);
                for x in &mut h {
                    x.label_key = "declare.key.upload".into();
                }
                h
            }
            Focus::Files => {
                let mut h = Vec::new();
                if self.upload.as_ref().is_some_and(|u| u.paused) {
                    h.extend(keymap.hints_for(Context::List, &["submit"]));
                    for x in &mut h {
                        x.label_key = "declare.key.resume".into();
                    }
                }
                h.extend(keymap.hints_for(Context::List, &["delete", "down", "up"]));
                h
            }
        };
        h.push(Hint {
            keys: "Tab".into(),
            label_key: "key.switch_panel".into(),
        });
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.drafts = DraftStore::of(cx.session);
        // an upload left unfinished (the link dropped, the program closed) goes on
        if let Some(d) = self.drafts.as_ref().and_then(|s| s.load(&self.draft_key())) {
            let v = |k: &str| d.values.get(k).cloned().unwrap_or_default();
            let size = v("size").parse().unwrap_or(0);
            let mut progress = Progress::new(&v("name"), Some(size), Unit::Bytes);
            progress.set(0);
            self.upload = Some(Upload {
                path: PathBuf::from(v("path")),
                name: v("name"),
                size,
                sha256: v("sha256"),
                id: Some(v("upload")),
                offset: 0,
                progress,
                paused: true,
                active: false,
                chunk: CHUNK,
                sending: None,
            });
            self.path.set_value("path", &v("path"));
            self.resume(cx);
        }
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(p) = &mut self.pending {
            let (h, outcome) = p.key(ev, cx.keymap);
            match outcome {
                Some(Some(id)) => {
                    self.pending = None;
                    cx.spawn(
                        "remove",
                        move |c| async move { c.remove_evidence(&id).await },
                    );
                }
                Some(None) => self.pending = None,
                None => {}
            }
            return h;
        }
        if matches!(ev.code, KeyCode::Tab | KeyCode::BackTab) {
            self.focus = match self.focus {
                Focus::Files => Focus::Path,
                Focus::Path => Focus::Files,
            };
            return Handled::Changed;
        }
        match self.focus {
            Focus::Path => {
                let submit = cx.keymap.is(Context::Form, "submit", ev)
                    || (ev.code == KeyCode::Enter && ev.modifiers.is_empty());
                if submit {
                    if self.upload.as_ref().is_some_and(|u| u.paused) {
                        self.resume(cx);
                    } else {
                        self.start_upload(cx);
                    }
                    return Handled::Changed;
                }
                match self.path.handle_key(ev, cx.keymap) {
                    Handled::Changed => {
                        if self.status_role == Role::Error {
                            self.status.clear();
                        }
                        Handled::Changed
                    }
                    other => other.map_unit(),
                }
            }
            Focus::Files => match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
                Some("submit") if self.upload.as_ref().is_some_and(|u| u.paused) => {
                    self.resume(cx);
                    Handled::Changed
                }
                Some("delete") => {
                    let Some(f) = self.selected() else {
                        return Handled::Unchanged;
                    };
                    let name = f["name"].as_str().unwrap_or_default().to_string();
                    let id = f["id"].as_str().unwrap_or_default().to_string();
                    self.pending = Some(Pending::new(
                        Confirm::new(
                            &cx.tr("declare.evidence.remove_title"),
                            &trf(
                                cx.lang(),
                                "declare.evidence.remove_body",
                                &[("name", &name)],
                            ),
                            &cx.tr("declare.evidence.remove_confirm"),
                            &cx.tr("declare.withdraw.cancel"),
                        ),
                        id,
                    ));
                    Handled::Changed
                }
                _ => match self.table.handle_key(ev, cx.keymap, &self.source) {
                    Handled::Event(TableEvent::FilterChanged(f)) => {
                        self.source.apply(self.table.sort(), &f);
                        Handled::Changed
                    }
                    Handled::Event(TableEvent::SortChanged(s)) => {
                        self.source.apply(s, self.table.filter());
                        Handled::Changed
                    }
                    Handled::Event(TableEvent::Open(_)) => Handled::Unchanged,
                    other => other.map_unit(),
                },
            },
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.focus == Focus::Path && self.path.handle_paste(text)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "list" => {
                let v = take::<Value>(value).unwrap_or_default();
                self.files = v.as_array().cloned().unwrap_or_default();
                self.source = VecSource::new(
                    self.files
                        .iter()
                        .map(|f| {
                            vec![
                                f["name"].as_str().unwrap_or_default().to_string(),
                                format_bytes(f["size"].as_u64().unwrap_or_default()),
                                f["content_type"].as_str().unwrap_or_default().to_string(),
                                date_of(&f["created_at"]),
                            ]
                        })
                        .collect(),
                );
                self.loaded = true;
                true
            }
            "prepare" => match take::<Prepared>(value) {
                Some(Prepared::Ready {
                    name,
                    size,
                    sha256,
                    upload,
                }) => {
                    if let Some(u) = &mut self.upload {
                        u.name = name.clone();
                        u.size = size;
                        u.sha256 = sha256;
                        u.id = upload["id"].as_str().map(str::to_string);
                        u.offset = upload["offset"].as_u64().unwrap_or(0);
                        u.progress = Progress::new(&name, Some(size), Unit::Bytes);
                        u.progress.set(u.offset);
                    }
                    self.status = cx.tr("declare.evidence.sending");
                    self.remember();
                    self.send_next(cx);
                    true
                }
                Some(Prepared::Unsent { name, size }) => {
                    if let Some(u) = &mut self.upload {
                        u.name = name;
                        u.size = size;
                        u.id = None;
                    }
                    self.pause(cx);
                    if let Some(u) = &mut self.upload {
                        u.progress = Progress::new(&u.name, Some(u.size), Unit::Bytes);
                    }
                    true
                }
                Some(Prepared::Local(why)) => {
                    self.upload = None;
                    self.status = trf(
                        cx.lang(),
                        "declare.evidence.local_error",
                        &[("error", &why)],
                    );
                    self.status_role = Role::Error;
                    true
                }
                None => false,
            },
            "chunk" => match take::<Sent>(value) {
                Some(Sent::Offset(o)) => {
                    self.failures = 0;
                    let Some(u) = &mut self.upload else {
                        return false;
                    };
                    u.offset = o;
                    if let Some((started, len)) = u.sending.take() {
                        u.chunk = next_chunk(len, started.elapsed());
                    }
                    let changed = u.progress.set(o);
                    self.send_next(cx);
                    changed
                }
                Some(Sent::Local(why)) => {
                    self.refused(
                        cx,
                        trf(
                            cx.lang(),
                            "declare.evidence.file_changed",
                            &[("path", &why)],
                        ),
                    );
                    true
                }
                None => false,
            },
            "resume" => {
                let Some(o) = take::<u64>(value) else {
                    return false;
                };
                self.failures = 0;
                if let Some(u) = &mut self.upload {
                    u.offset = o;
                    u.progress.set(o);
                }
                self.status = cx.tr("declare.evidence.sending");
                self.status_role = Role::Muted;
                self.send_next(cx);
                true
            }
            "finish" => {
                let v = take::<Value>(value).unwrap_or_default();
                if let Some(u) = &mut self.upload {
                    u.progress.finish();
                    u.active = false;
                }
                let name = v["name"].as_str().unwrap_or_default().to_string();
                self.status = trf(cx.lang(), "declare.evidence.uploaded", &[("name", &name)]);
                self.status_role = Role::Success;
                if let Some(u) = &mut self.upload {
                    u.id = None;
                }
                if let Some(d) = &self.drafts {
                    d.clear(&self.draft_key());
                }
                self.path.set_value("path", "");
                self.load(cx);
                true
            }
            "remove" => {
                self.status = cx.tr("declare.evidence.removed");
                self.status_role = Role::Success;
                self.load(cx);
                true
            }
            "retry" => {
                self.retrying = false;
                if self.upload.as_ref().is_some_and(|u| u.paused) {
                    self.resume(cx);
                }
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "prepare" | "chunk" | "resume" | "finish" if is_offline(&error) => {
                if kind == "prepare" {
                    // nothing was declared yet: start from the file again when back
                    if let Some(u) = &mut self.upload {
                        u.id = None;
                    }
                }
                self.pause(cx);
            }
            "chunk" if error.code() == Some("conflict") => {
                // the server holds another offset: go on from there
                let at = error.problem().and_then(|p| p.current_version);
                if let (Some(u), Some(at)) = (&mut self.upload, at) {
                    u.offset = u64::try_from(at).unwrap_or(0);
                    u.progress.set(u.offset);
                    self.send_next(cx);
                } else {
                    let msg = error_text(cx.lang(), &error);
                    self.refused(cx, msg);
                }
            }
            "resume" if error.status() == Some(404) => {
                // the server no longer has it (purged): start again from the file
                self.upload = None;
                if let Some(d) = &self.drafts {
                    d.clear(&self.draft_key());
                }
                self.start_upload(cx);
            }
            "prepare" | "chunk" | "resume" | "finish" => {
                let msg = error_text(cx.lang(), &error);
                self.refused(cx, msg);
            }
            "retry" => {
                self.retrying = false;
                self.pause(cx);
            }
            "list" => {
                self.loaded = true;
                self.status = error_text(cx.lang(), &error);
                self.status_role = Role::Error;
            }
            _ => {
                self.status = error_text(cx.lang(), &error);
                self.status_role = Role::Error;
            }
        }
        true
    }

    fn loading(&self) -> bool {
        !self.loaded
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.cursor = None;
        let title = ui.tr("declare.evidence.title");
        if render_placeholder(area, buf, ui, &title, None, !self.loading()) {
            return;
        }
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.height < 6 || inner.width < 20 {
            return;
        }
        let content = Rect {
            x: inner.x + 1,
            width: inner.width - 2,
            ..inner
        };
        // bottom up: status, progress, path field, intro; the files take the rest
        let mut bottom = content.bottom();
        bottom -= render_status(
            buf,
            Rect {
                y: content.y + 4,
                height: bottom.saturating_sub(content.y + 4),
                ..content
            },
            &self.status,
            self.status_role,
            ui,
            4,
        );
        if let Some(u) = &self.upload {
            bottom -= 1;
            u.progress.render(
                Rect {
                    y: bottom,
                    height: 1,
                    ..content
                },
                buf,
                ui,
            );
        }
        let path_h = 1 + u16::from(self.path.has_errors());
        bottom = bottom.saturating_sub(path_h);
        let path_area = Rect {
            y: bottom,
            height: path_h,
            ..content
        };
        self.path.render(path_area, buf, ui);
        if self.focus == Focus::Path && self.pending.is_none() {
            self.cursor = self.path.cursor_position();
        }
        let intro = ui.tr("declare.evidence.intro");
        let intro_lines = crate::display::wrap(&intro, content.width as usize);
        let intro_h = (intro_lines.len() as u16).min(2);
        bottom = bottom.saturating_sub(intro_h + 1);
        for (i, l) in intro_lines.iter().take(intro_h as usize).enumerate() {
            put(
                buf,
                content.x,
                bottom + 1 + i as u16,
                l,
                content.width,
                ui.style(Role::Muted),
            );
        }
        let files = Rect {
            height: bottom.saturating_sub(content.y),
            ..content
        };
        if self.files.is_empty() {
            put(
                buf,
                files.x,
                files.y,
                &ui.tr("declare.evidence.none"),
                files.width,
                ui.style(Role::Muted),
            );
        } else if files.height >= 3 {
            self.table.render(files, buf, ui, &self.source);
        }
        if let Some(p) = &self.pending {
            p.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.cursor
    }
}
