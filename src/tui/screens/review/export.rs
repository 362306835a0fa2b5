//! Export of a queue view: every row of the queue with its filters, page by page from the API,
//! into a CSV file (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese
//! names) or an XLSX workbook (rust_xlsxwriter in constant-memory mode: rows go to a temporary
//! file, so a 100 000-row export does not hold the sheet in memory). A progress bar follows the
//! pages; the file is written as a new file in the download directory and its path is shown.
//! Esc while it runs stops it and removes the unfinished file.

use super::queue::{PAGE, QueueRow, columns, encode};
use crate::client::ClientError;
use crate::domain::Lang;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::theme::Role;
use crate::tui::widgets::progress::{Progress, Unit};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// Where rows go.
enum Sink {
    Csv(std::io::BufWriter<std::fs::File>),
    Xlsx {
        book: Box<rust_xlsxwriter::Workbook>,
        row: u32,
    },
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// A CSV field: quoted when it holds a separator, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Sink {
    fn create(format: Format, path: &Path, header: &[String]) -> std::io::Result<Sink> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        match format {
            Format::Csv => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)?;
                let mut w = std::io::BufWriter::new(f);
                w.write_all("\u{feff}".as_bytes())?;
                let mut s = Sink::Csv(w);
                s.write_row(header, None)?;
                Ok(s)
            }
            Format::Xlsx => {
                // claim the name now, so two exports never pick the same file
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)?;
                let mut book = Box::new(rust_xlsxwriter::Workbook::new());
                let sheet = book
                    .add_worksheet_with_constant_memory()
                    .map_err(xlsx_err)?;
                for (c, w) in [36, 20, 12, 24, 12, 10, 8, 10, 18].iter().enumerate() {
                    sheet.set_column_width(c as u16, *w).map_err(xlsx_err)?;
                }
                let mut s = Sink::Xlsx { book, row: 0 };
                s.write_row(header, None)?;
                Ok(s)
            }
        }
    }

    /// One row; `score` (the score column's number) is written as a number in XLSX.
    fn write_row(&mut self, cells: &[String], score: Option<(usize, f64)>) -> std::io::Result<()> {
        match self {
            Sink::Csv(w) => {
                let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
                w.write_all(line.join(",").as_bytes())?;
                w.write_all(b"\r\n")
            }
            Sink::Xlsx { book, row } => {
                let sheet = book.worksheet_from_index(0).map_err(xlsx_err)?;
                for (c, text) in cells.iter().enumerate() {
                    match score {
                        Some((sc, n)) if sc == c => {
                            sheet.write_number(*row, c as u16, n).map_err(xlsx_err)?;
                        }
                        _ if text.is_empty() => {}
                        _ => {
                            sheet.write_string(*row, c as u16, text).map_err(xlsx_err)?;
                        }
                    }
                }
                *row += 1;
                Ok(())
            }
        }
    }

    fn finish(self, path: &Path) -> std::io::Result<()> {
        match self {
            Sink::Csv(mut w) => {
                w.flush()?;
                w.get_ref().sync_all()
            }
            Sink::Xlsx { mut book, .. } => book.save(path).map_err(xlsx_err),
        }
    }
}

/// The score column of the queue's cells.
const SCORE_COLUMN: usize = 6;

/// What a page job reports.
struct PageDone {
    rows: usize,
    next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Running,
    Done,
    Failed(String),
    Cancelled,
}

/// The export screen.
pub struct ExportScreen {
    title: String,
    filters: String,
    query: String,
    format: Format,
    path: PathBuf,
    lang: Lang,
    sink: Arc<Mutex<Option<Sink>>>,
    written: usize,
    progress: Progress,
    phase: Phase,
    cancel: bool,
}

impl ExportScreen {
    /// `query`: the queue's filter; `total`: its size as counted (for the bar).
    pub fn new(
        ui: &Ui,
        title: &str,
        filters: &str,
        query: String,
        total: usize,
        format: Format,
        dir: PathBuf,
    ) -> ExportScreen {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
        let path = super::free_path(&dir, &format!("{title}-{stamp}"), format.ext());
        ExportScreen {
            title: title.to_string(),
            filters: filters.to_string(),
            query,
            format,
            path,
            lang: ui.lang,
            sink: Arc::new(Mutex::new(None)),
            written: 0,
            progress: Progress::new(
                &ui.tr("review.export.progress"),
                Some(total as u64),
                Unit::Items,
            ),
            phase: Phase::Running,
            cancel: false,
        }
    }

    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fetch(&mut self, cursor: Option<String>, cx: &mut Ctx) {
        let sink = self.sink.clone();
        let path = self.path.clone();
        let format = self.format;
        let lang = self.lang;
        let mut query = format!("{}&limit={PAGE}", self.query);
        if let Some(c) = &cursor {
            query.push_str(&format!("&cursor={}", encode(c)));
        }
        cx.spawn("page", move |c| async move {
            let page = c.queue(&query).await?;
            tokio::task::spawn_blocking(move || write_page(&sink, &path, format, lang, &page))
                .await
                .map_err(|e| ClientError::Transport(e.to_string()))?
                .map_err(|e| ClientError::Transport(e.to_string()))
        });
    }

    fn stop(&mut self, phase: Phase) {
        self.phase = phase;
        // an unfinished file is removed; what was written is dropped with the sink
        if let Ok(mut s) = self.sink.lock() {
            s.take();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes one page (creating the file on the first), and closes the file after the last.
fn write_page(
    sink: &Mutex<Option<Sink>>,
    path: &Path,
    format: Format,
    lang: Lang,
    page: &Value,
) -> std::io::Result<PageDone> {
    let mut guard = sink
        .lock()
        .map_err(|_| std::io::Error::other("export lock"))?;
    if guard.is_none() {
        let header: Vec<String> = columns(lang).into_iter().map(|c| c.title).collect();
        *guard = Some(Sink::create(format, path, &header)?);
    }
    let s = guard.as_mut().expect("the sink");
    let mut n = 0;
    for v in page["items"].as_array().into_iter().flatten() {
        if let Some(r) = QueueRow::from_json(v) {
            s.write_row(&r.cells(lang), r.score.map(|x| (SCORE_COLUMN, x)))?;
            n += 1;
        }
    }
    let next = page["next"].as_str().map(str::to_string);
    if next.is_none()
        && let Some(s) = guard.take()
    {
        s.finish(path)?;
    }
    Ok(PageDone { rows: n, next })
}

impl Screen for ExportScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("review.export.title")
    }

    fn hints(&self, _keymap: &Keymap) -> Vec<Hint> {
        // Esc (back, or stop while running) is among the global hints
        Vec::new()
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.fetch(None, cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.phase == Phase::Running && super::is_back(ev, cx.keymap) {
            self.cancel = true;
            cx.info(&cx.tr("review.export.stopping"));
            return Handled::Changed;
        }
        Handled::Ignored
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(p) = take::<PageDone>(value) else {
            return false;
        };
        self.written += p.rows;
        self.progress.set(self.written as u64);
        match p.next {
            _ if self.cancel => self.stop(Phase::Cancelled),
            Some(next) => self.fetch(Some(next), cx),
            None => {
                self.phase = Phase::Done;
                self.progress.set_total(Some(self.written as u64));
                self.progress.finish();
            }
        }
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        let msg = error_text(cx.lang(), &error);
        self.progress.fail(&cx.tr("review.export.failed"));
        self.stop(Phase::Failed(msg));
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("review.export.title");
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.height < 4 {
            return;
        }
        let w = inner.width.saturating_sub(2);
        let x = inner.x + 1;
        let mut y = inner.y;
        let bottom = inner.bottom();
        let line = |buf: &mut Buffer, text: &str, role: Role, y: &mut u16| {
            for l in crate::display::wrap(text, (w as usize).max(2)) {
                if *y >= bottom {
                    return;
                }
                put(buf, x, *y, &l, w, ui.style(role));
                *y += 1;
            }
        };
        line(
            buf,
            &trf(ui.lang, "review.export.what", &[("queue", &self.title)]),
            Role::Title,
            &mut y,
        );
        line(buf, &self.filters, Role::Info, &mut y);
        line(
            buf,
            &trf(
                ui.lang,
                "review.export.file",
                &[("path", &self.path.display().to_string())],
            ),
            Role::Text,
            &mut y,
        );
        y += 1;
        if y < bottom {
            self.progress.render(
                Rect {
                    x,
                    y,
                    width: w,
                    height: 1,
                },
                buf,
                ui,
            );
            y += 2;
        }
        let n = self.written.to_string();
        let path = self.path.display().to_string();
        let (text, role) = match &self.phase {
            Phase::Running => (
                trf(ui.lang, "review.export.running", &[("n", &n)]),
                Role::Muted,
            ),
            Phase::Done => (
                trf(ui.lang, "review.export.done", &[("n", &n), ("path", &path)]),
                Role::Success,
            ),
            Phase::Failed(m) => (
                trf(ui.lang, "review.export.error", &[("error", m)]),
                Role::Error,
            ),
            Phase::Cancelled => (ui.tr("review.export.cancelled"), Role::Warning),
        };
        line(buf, &text, role, &mut y);
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("广州华科"), "广州华科");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
