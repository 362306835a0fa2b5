//! The listing of an evidence zip: its files with their sizes, read from the bytes the API
//! serves (the same checks as at upload: an entry that cannot be read is named with the reason).

use crate::client::ClientError;
use crate::domain::archive::{ZipLimits, validate_zip};
use crate::domain::text::Localized;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::theme::Role;
use crate::tui::widgets::progress::format_bytes;
use crate::tui::widgets::table::{Column, Table, VecSource};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use std::any::Any;

/// What the listing job found.
enum Listing {
    Entries(Vec<(String, u64)>, u64),
    /// The archive cannot be listed: why (both languages).
    Refused(crate::domain::text::Text),
}

/// The files inside an evidence zip.
pub struct ZipListing {
    id: String,
    name: String,
    table: Table,
    source: VecSource,
    summary: Option<(String, Role)>,
}

impl ZipListing {
    pub fn new(ui: &Ui, evidence_id: &str, name: &str) -> ZipListing {
        ZipListing {
            id: evidence_id.to_string(),
            name: name.to_string(),
            table: Table::new(vec![
                Column::new(&ui.tr("review.zip.entry"), 20, 90),
                Column::new(&ui.tr("review.zip.size"), 10, 12).right(),
            ]),
            source: VecSource::default(),
            summary: None,
        }
    }
}

impl Screen for ZipListing {
    fn title(&self, ui: &Ui) -> String {
        trf(ui.lang, "review.zip.title", &[("name", &self.name)])
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["down", "up", "filter", "sort"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        let id = self.id.clone();
        cx.spawn("list", move |c| async move {
            let (bytes, _) = c.evidence_bytes(&id).await?;
            tokio::task::spawn_blocking(move || match validate_zip(&bytes, &ZipLimits::default()) {
                Ok(s) => Listing::Entries(
                    s.entries.into_iter().map(|e| (e.name, e.size)).collect(),
                    s.total_size,
                ),
                Err(e) => Listing::Refused(e.text()),
            })
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))
        });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(crate::tui::widgets::table::TableEvent::FilterChanged(f)) => {
                self.source.apply(self.table.sort(), &f);
                Handled::Changed
            }
            Handled::Event(crate::tui::widgets::table::TableEvent::SortChanged(s)) => {
                self.source.apply(s, self.table.filter());
                Handled::Changed
            }
            Handled::Event(_) => Handled::Unchanged,
            h => super::plain(h),
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(l) = take::<Listing>(value) else {
            return false;
        };
        match l {
            Listing::Entries(entries, total) => {
                self.summary = Some((
                    trf(
                        cx.lang(),
                        "review.zip.summary",
                        &[
                            ("n", &entries.len().to_string()),
                            ("size", &format_bytes(total)),
                        ],
                    ),
                    Role::Info,
                ));
                self.source = VecSource::new(
                    entries
                        .into_iter()
                        .map(|(n, s)| vec![n, format_bytes(s)])
                        .collect(),
                );
            }
            Listing::Refused(t) => {
                self.summary = Some((t.get(cx.lang()).to_string(), Role::Error));
            }
        }
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.summary = Some((error_text(cx.lang(), &error), Role::Error));
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = self.title(ui);
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.height < 3 {
            return;
        }
        let (text, role) = self
            .summary
            .clone()
            .unwrap_or_else(|| (ui.tr("common.loading"), Role::Muted));
        put(
            buf,
            inner.x + 1,
            inner.y,
            &text,
            inner.width.saturating_sub(2),
            ui.style(role),
        );
        let rest = Rect {
            x: inner.x + 1,
            y: inner.y + 2,
            width: inner.width.saturating_sub(2),
            height: inner.height.saturating_sub(2),
        };
        self.table.render(rest, buf, ui, &self.source);
    }
}
