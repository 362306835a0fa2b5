//! The enterprise workspace, part 2: declarations (申报), major changes (企业重大变更),
//! certifications and 复核 (认证到期管理) and the annual info update (信息更新).
//!
//! - [`declarations`]: the list with status and current level, a new declaration from an open
//!   window, the detail with its history, withdraw (撤回 / 撤回修改), export of the 申请书.
//! - [`form`]: the declaration form, built from the form endpoint section by section, with the
//!   live [`score`] panel beside or below it, save, and submission through a summary with the
//!   confirmations.
//! - [`evidence`]: evidence files of any item, resumable chunked uploads with a progress bar.
//! - [`changes`], [`certs`], [`updates`]: the other three workspaces.
//! - [`drafts`]: what is typed is kept on disk until the server has it (offline, restarts).
//!
//! Every rule is the server's: what may be done is offered from its answers, refusals are shown
//! in its words. The score panel evaluates with the domain's ruleset — the code the server runs.

pub mod certs;
pub mod changes;
pub mod declarations;
pub mod drafts;
pub mod evidence;
pub mod form;
pub mod history;
pub mod kept;
pub mod score;
pub mod updates;

#[cfg(test)]
mod tests;

use super::home::{Dest, NavItem};
use crate::client::ClientError;
use crate::domain::workflow::{ActionKind, State};
use crate::domain::{ReviewLevel, Tier};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen};
use crate::tui::theme::Role;
use crate::tui::widgets::Handled;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::dialog::{Confirm, ConfirmEvent};
use crate::tui::widgets::{block, put};
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::Value;
use std::any::Any;
use std::time::Duration;

/// The entries of this workspace in a legal-person account's navigation.
pub fn nav_items() -> Vec<NavItem> {
    vec![
        NavItem {
            label: "declare.nav.declarations",
            detail: "declare.nav.declarations_detail",
            dest: Dest::Declarations,
        },
        NavItem {
            label: "declare.nav.changes",
            detail: "declare.nav.changes_detail",
            dest: Dest::Changes,
        },
        NavItem {
            label: "declare.nav.certs",
            detail: "declare.nav.certs_detail",
            dest: Dest::Certifications,
        },
        NavItem {
            label: "declare.nav.update",
            detail: "declare.nav.update_detail",
            dest: Dest::InfoUpdate,
        },
    ]
}

/// Opens a navigation entry of this workspace.
pub fn open(dest: Dest, cx: &mut Ctx) {
    match dest {
        Dest::Declarations => cx.push(declarations::DeclarationList::new(cx.ui)),
        Dest::Changes => cx.push(changes::ChangeList::new(cx.ui)),
        Dest::Certifications => cx.push(certs::CertList::new(cx.ui)),
        Dest::InfoUpdate => cx.push(updates::UpdateScreen::new(cx.ui)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Today in Beijing, for the hints a form shows before the server has answered (the 3-month
/// rule of a change). Tests use the harness's fixed day.
pub fn today() -> NaiveDate {
    #[cfg(test)]
    {
        chrono::DateTime::parse_from_rfc3339(crate::tui::testing::NOW)
            .expect("the harness's now")
            .date_naive()
    }
    #[cfg(not(test))]
    {
        chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .date_naive()
    }
}

/// Whether a call failed for the link (the server was not reached), not for a reason of the
/// server's.
pub fn is_offline(e: &ClientError) -> bool {
    matches!(e, ClientError::Transport(_))
}

/// How long to wait before asking the server again after the `n`-th failure (2 s, 4 s … 60 s;
/// a few milliseconds in tests).
pub fn retry_delay(n: u32) -> Duration {
    if cfg!(test) {
        return Duration::from_millis(5);
    }
    Duration::from_secs((1u64 << n.clamp(1, 6)).min(60))
}

/// Whether to stop asking the server again after `failures` failures in a row: the program
/// keeps asking (every minute at most); tests give up after two.
pub fn gives_up(failures: u32) -> bool {
    cfg!(test) && failures >= 2
}

/// A state (`{"state":"submitted","level":"city"}`) from the API.
pub fn state_of(v: &Value) -> Option<State> {
    serde_json::from_value(v.clone()).ok()
}

/// A state's name (暂存, 待审核(县级) …).
pub fn state_label(ui: &Ui, v: &Value) -> String {
    state_of(v)
        .map(|s| s.name().get(ui.lang).to_string())
        .unwrap_or_default()
}

/// A tier's name from its code.
pub fn tier_label(ui: &Ui, v: &Value) -> String {
    serde_json::from_value::<Tier>(v.clone())
        .map(|t| t.name().get(ui.lang).to_string())
        .unwrap_or_default()
}

/// A review level's name (县级 …) from its code; empty for none.
pub fn level_label(ui: &Ui, v: &Value) -> String {
    serde_json::from_value::<ReviewLevel>(v.clone())
        .map(|l| l.name().get(ui.lang).to_string())
        .unwrap_or_default()
}

/// A date-time from the API as Beijing `YYYY-MM-DD HH:MM`.
pub fn time_of(v: &Value) -> String {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A number as typed back into a field: `2880`, `15.5`.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The history of an item (oldest first) as lines: when, who, what, from → to, the reason.
pub fn history_lines(ui: &Ui, history: &Value) -> Vec<String> {
    let Some(list) = history.as_array() else {
        return Vec::new();
    };
    list.iter()
        .map(|h| {
            let code = h["action"].as_str().unwrap_or_default();
            let action = ActionKind::from_code(code)
                .map(|a| a.name().get(ui.lang).to_string())
                .unwrap_or_else(|| {
                    let key = format!("declare.history.{code}");
                    let t = ui.tr(&key);
                    if t == key { code.to_string() } else { t }
                });
            let mut line = format!(
                "{}  {}  {}",
                time_of(&h["at"]),
                h["actor_name"].as_str().unwrap_or_default(),
                action
            );
            let from = state_label(ui, &h["from"]);
            let to = state_label(ui, &h["to"]);
            if !to.is_empty() && from != to {
                if from.is_empty() {
                    line.push_str(&format!("  → {to}"));
                } else {
                    line.push_str(&format!("  {from} → {to}"));
                }
            }
            if let Some(r) = h["reason"].as_str().filter(|r| !r.is_empty()) {
                line.push_str(&format!(
                    "\n    {}",
                    crate::i18n::trf(ui.lang, "declare.history.reason", &[("reason", r)])
                ));
            }
            line
        })
        .collect()
}

/// The reason of the latest return or rejection in a history, if the item stands returned or
/// rejected.
pub fn latest_reason(history: &Value) -> Option<String> {
    history
        .as_array()?
        .iter()
        .rev()
        .find(|h| matches!(h["action"].as_str(), Some("return" | "reject")))
        .and_then(|h| h["reason"].as_str())
        .map(str::to_string)
}

/// Draws a status line's text (wrapped, at most `max` rows) from the bottom of `area` up;
/// returns the rows used.
pub fn render_status(
    buf: &mut Buffer,
    area: Rect,
    text: &str,
    role: Role,
    ui: &Ui,
    max: usize,
) -> u16 {
    if text.is_empty() || area.height == 0 {
        return 0;
    }
    let mut lines = crate::display::wrap(text, area.width.max(2) as usize);
    lines.truncate(max.min(area.height as usize));
    let first = area.bottom() - lines.len() as u16;
    for (i, l) in lines.iter().enumerate() {
        put(buf, area.x, first + i as u16, l, area.width, ui.style(role));
    }
    lines.len() as u16
}

/// A full-screen text (the whole score breakdown), scrollable.
pub struct TextScreen {
    title: String,
    detail: Detail,
}

impl TextScreen {
    pub fn new(title: &str, text: &str) -> TextScreen {
        TextScreen {
            title: title.to_string(),
            detail: Detail::new(title, text),
        }
    }
}

impl Screen for TextScreen {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["down", "up", "half_page_down"])
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        self.detail.handle_key(ev, cx.keymap)
    }

    fn done(&mut self, _kind: &'static str, _value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.detail.render(area, buf, ui);
    }
}

/// `Handled<E>` → `Handled`, for the keys a screen passes on from a widget.
pub trait MapUnit {
    fn map_unit(self) -> Handled;
}

impl<E> MapUnit for Handled<E> {
    fn map_unit(self) -> Handled {
        match self {
            Handled::Ignored => Handled::Ignored,
            Handled::Unchanged => Handled::Unchanged,
            Handled::Changed | Handled::Event(_) => Handled::Changed,
        }
    }
}

/// A confirmation the screen waits for, with what to do when it is given.
pub struct Pending<A> {
    pub dialog: Confirm,
    pub action: A,
}

impl<A: Clone> Pending<A> {
    pub fn new(dialog: Confirm, action: A) -> Pending<A> {
        Pending { dialog, action }
    }

    /// Gives a key to the dialog: `Some(Some(action))` when confirmed, `Some(None)` when
    /// cancelled (the dialog is to close), `None` while it stays open.
    pub fn key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> (Handled, Option<Option<A>>) {
        match self.dialog.handle_key(ev, keymap) {
            Handled::Event(ConfirmEvent::Confirmed) => {
                (Handled::Changed, Some(Some(self.action.clone())))
            }
            Handled::Event(ConfirmEvent::Cancelled) => (Handled::Changed, Some(None)),
            Handled::Changed => (Handled::Changed, None),
            _ => (Handled::Unchanged, None),
        }
    }
}

/// A page of text (a detail) with a status line at the bottom, for the detail screens.
pub fn render_page(
    area: Rect,
    buf: &mut Buffer,
    ui: &Ui,
    detail: &mut Detail,
    status: &str,
    status_role: Role,
) {
    let lines = if status.is_empty() {
        0
    } else {
        crate::display::wrap(status, area.width.saturating_sub(2).max(2) as usize)
            .len()
            .min(3) as u16
    };
    let top = Rect {
        height: area.height.saturating_sub(lines),
        ..area
    };
    detail.render(top, buf, ui);
    if lines > 0 {
        let s = Rect {
            x: area.x + 1,
            y: area.bottom() - lines,
            width: area.width.saturating_sub(2),
            height: lines,
        };
        render_status(buf, s, status, status_role, ui, 3);
    }
}

/// What a screen shows while it has nothing else: its error, or "loading" until `loaded`.
/// Returns whether it drew one (the screen then draws nothing more).
pub fn render_placeholder(
    area: Rect,
    buf: &mut Buffer,
    ui: &Ui,
    title: &str,
    error: Option<&str>,
    loaded: bool,
) -> bool {
    if let Some(e) = error {
        render_message(area, buf, ui, title, e, Role::Error);
    } else if !loaded {
        render_message(area, buf, ui, title, &ui.tr("common.loading"), Role::Muted);
    } else {
        return false;
    }
    true
}

/// A bordered box with a message in it (loading, an error, nothing to show).
pub fn render_message(area: Rect, buf: &mut Buffer, ui: &Ui, title: &str, text: &str, role: Role) {
    use ratatui::widgets::Widget;
    let b = block(ui, title, true);
    let inner = b.inner(area);
    b.render(area, buf);
    for (i, line) in crate::display::wrap(text, inner.width.saturating_sub(2).max(2) as usize)
        .iter()
        .take(inner.height as usize)
        .enumerate()
    {
        put(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            line,
            inner.width.saturating_sub(2),
            ui.style(role),
        );
    }
}
