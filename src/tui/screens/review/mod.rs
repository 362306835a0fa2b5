//! The reviewer console (审核工作台), part 1: the queues of items at my level in my region, one
//! per kind (declarations, 复核 applications, info updates, major changes), the item detail a
//! decision is made on, pass / return / reject one item or many, and exports of a queue view.
//!
//! - [`queue`]: [`QueueScreen`] — a virtual table over pages fetched by cursor as the user
//!   scrolls ([`QueueRows`]), the filter bar and panel with counts, decisions, export.
//! - [`detail`]: [`ItemDetail`] — the enterprise and its figures, the score breakdown with the
//!   gates, evidence (zip listing, save a file), history; decisions with a reason.
//! - [`decide`]: [`ReasonPanel`] — the reason (or note) of a decision, from the province's
//!   templates; shared by the queue and the detail.
//! - [`bulk`]: [`BulkScreen`] — one decision for the selected items, with progress and a
//!   per-item result list.
//! - [`export`]: [`ExportScreen`] — the current queue view to CSV or XLSX, with progress.
//! - [`evidence`]: [`ZipListing`] — the entries of an evidence zip.
//!
//! Every rule (who may act, what a state allows, reasons required) is the API's: the screens
//! show its answers — allowed actions, field errors, conflicts — in the user's language.

pub mod bulk;
pub mod decide;
pub mod detail;
pub mod evidence;
pub mod export;
pub mod queue;
#[cfg(test)]
mod tests;

pub use bulk::BulkScreen;
pub use decide::ReasonPanel;
pub use detail::ItemDetail;
pub use evidence::ZipListing;
pub use export::ExportScreen;
pub use queue::{QueueRow, QueueRows, QueueScreen};

use crate::client::ClientError;
use crate::domain::Lang;
use crate::i18n::{tr, trf};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::screen::Session;
use crate::tui::theme::Role;
use crate::tui::widgets::{Handled, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::Value;
use std::path::PathBuf;

/// The kinds of workflow item a reviewer works on, one queue each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueKind {
    /// 申报
    Declaration,
    /// 复核申请
    Review,
    /// 信息更新
    Update,
    /// 重大变更
    Change,
}

impl QueueKind {
    pub const ALL: [QueueKind; 4] = [
        QueueKind::Declaration,
        QueueKind::Review,
        QueueKind::Update,
        QueueKind::Change,
    ];

    /// The API's code.
    pub fn code(self) -> &'static str {
        match self {
            QueueKind::Declaration => "declaration",
            QueueKind::Review => "review",
            QueueKind::Update => "update",
            QueueKind::Change => "change",
        }
    }

    /// The catalogue key of the queue's title.
    pub fn title_key(self) -> &'static str {
        match self {
            QueueKind::Declaration => "review.queue.declaration",
            QueueKind::Review => "review.queue.review",
            QueueKind::Update => "review.queue.update",
            QueueKind::Change => "review.queue.change",
        }
    }

    /// The catalogue key of the navigation entry's description.
    pub fn detail_key(self) -> &'static str {
        match self {
            QueueKind::Declaration => "review.nav.declaration_detail",
            QueueKind::Review => "review.nav.review_detail",
            QueueKind::Update => "review.nav.update_detail",
            QueueKind::Change => "review.nav.change_detail",
        }
    }
}

/// A panel's answer as a plain screen answer (an event means the panel changed).
pub(crate) fn plain<E>(h: Handled<E>) -> Handled {
    match h {
        Handled::Ignored => Handled::Ignored,
        Handled::Unchanged => Handled::Unchanged,
        Handled::Changed | Handled::Event(_) => Handled::Changed,
    }
}

/// Whether a key means "back" (Esc, or what the keymap binds to it).
pub(crate) fn is_back(ev: &crossterm::event::KeyEvent, keymap: &Keymap) -> bool {
    matches!(keymap.resolve(Context::Form, ev), Some((_, "back")))
}

/// A tier code as a short label (创新型, 专精特新, 小巨人).
pub fn tier_label(lang: Lang, code: &str) -> String {
    match code {
        "innovative" | "specialized" | "little_giant" => tr(lang, &format!("review.tier.{code}")),
        other => other.to_string(),
    }
}

/// A state code as shown (待审核, 已退回 …).
pub fn state_label(lang: Lang, code: &str) -> String {
    match code {
        "draft" | "submitted" | "in_review" | "returned" | "approved" | "rejected"
        | "withdrawn" => tr(lang, &format!("review.state.{code}")),
        other => other.to_string(),
    }
}

/// A review level code as shown (县级, 市级 …).
pub fn level_label(lang: Lang, code: &str) -> String {
    match code {
        "county" | "city" | "province" | "ministry" => tr(lang, &format!("review.level.{code}")),
        other => other.to_string(),
    }
}

/// The levels at and below `own`, own first (the queues a staff member may look at).
pub fn levels_from(own: &str) -> Vec<&'static str> {
    const ORDER: [&str; 4] = ["county", "city", "province", "ministry"];
    let top = ORDER.iter().position(|l| *l == own).unwrap_or(0);
    ORDER[..=top].iter().rev().copied().collect()
}

/// A workflow state from the API (`{"state", "level"}`) as one label: 待审核·市级.
pub fn state_text(lang: Lang, v: &Value) -> String {
    let state = state_label(lang, v["state"].as_str().unwrap_or_default());
    match v["level"].as_str() {
        Some(l) => format!("{state}·{}", level_label(lang, l)),
        None => state,
    }
}

/// A date-time from the API as Beijing `YYYY-MM-DD HH:MM`.
pub fn datetime_of(v: &Value) -> String {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A score as shown: `90`, `72.5`, or empty.
pub fn score_text(v: Option<f64>) -> String {
    match v {
        Some(s) if s.fract() == 0.0 => format!("{s:.0}"),
        Some(s) => format!("{s:.1}"),
        None => String::new(),
    }
}

/// Who acted first and when, if `e` is a conflict answer (another reviewer acted first).
pub fn conflict_parts(lang: Lang, e: &ClientError) -> Option<(String, String)> {
    let p = e.problem()?;
    if p.code != "conflict" && p.status != 412 && p.status != 409 {
        return None;
    }
    let who =
        p.by.clone()
            .unwrap_or_else(|| tr(lang, "review.conflict.someone"));
    let at =
        p.at.map(|t| datetime_of(&Value::String(t.to_rfc3339())))
            .unwrap_or_default();
    Some((who, at))
}

/// A conflict answer in plain words: who, when, and that the item was reloaded. `None` for
/// any other error.
pub fn conflict_text(lang: Lang, e: &ClientError, name: &str) -> Option<String> {
    let (who, at) = conflict_parts(lang, e)?;
    Some(trf(
        lang,
        "review.conflict",
        &[("name", name), ("who", &who), ("at", &at)],
    ))
}

/// Where saved files go: the session's choice, else the user's download directory, else the
/// data directory, else the working directory.
pub fn save_dir(session: &Session) -> PathBuf {
    if let Some(d) = &session.download_dir {
        return d.clone();
    }
    if let Some(d) = directories::UserDirs::new().and_then(|u| u.download_dir().map(PathBuf::from))
    {
        return d;
    }
    directories::ProjectDirs::from("cn", "zjtx", "zjtx")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A file path in `dir` for `stem.ext` that does not exist yet (`stem-2.ext` … otherwise).
pub fn free_path(dir: &std::path::Path, stem: &str, ext: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{ext}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem}-{n}.{ext}")))
        .find(|p| !p.exists())
        .expect("an unused name")
}

/// Styled lines drawn into an area from a scroll offset, with ▲/▼ marks when there is more.
/// Returns the number of lines that fit (the page).
pub fn draw_lines(
    buf: &mut Buffer,
    area: Rect,
    ui: &Ui,
    lines: &[(String, Role)],
    scroll: usize,
) -> usize {
    let page = area.height as usize;
    for (row, (text, role)) in lines.iter().skip(scroll).take(page).enumerate() {
        put(
            buf,
            area.x,
            area.y + row as u16,
            text,
            area.width.saturating_sub(1),
            ui.style(*role),
        );
    }
    let muted = ui.style(Role::Muted);
    if scroll > 0 && area.width > 0 {
        put(
            buf,
            area.right() - 1,
            area.y,
            ui.symbols.more_above,
            1,
            muted,
        );
    }
    if lines.len() > scroll + page && area.width > 0 && area.height > 0 {
        put(
            buf,
            area.right() - 1,
            area.bottom() - 1,
            ui.symbols.more_below,
            1,
            muted,
        );
    }
    page
}
