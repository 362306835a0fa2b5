//! The account flows (DOMAIN.md §5 "accounts"): register, real-name verification, forgotten
//! password, phone change (e-mail code or manual verification), account recovery, change of
//! password, and the two menus that lead to them — 账户帮助 on the public home and 账户与安全 in
//! every role's home.
//!
//! Every rule (what a login name, a password, a USCC must look like; who may verify; when a code
//! is void) is the API's: the screens send what was typed and show the API's answer under the
//! field it concerns. The only check made here is that a new password was typed the same way
//! twice, which the API cannot know.

mod menus;
mod password;
mod phone;
mod real_name;
mod register;
mod request;
#[cfg(test)]
mod tests;

pub use menus::{AccountHelp, Security, needs_verification};
pub use password::{ChangePassword, ForgotPassword};
pub use phone::PhoneByEmail;
pub use real_name::{RealName, UsccTaken};
pub use register::Register;
pub use request::SupportRequestForm;

use super::{FormPanel, PanelEvent, Status};
use crate::display;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen};
use crate::tui::theme::Role;
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use std::any::Any;

/// What is already known when a flow opens (typed elsewhere, or the logged-in account), so
/// nothing has to be typed twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// A login name or a USCC.
    pub identifier: String,
    pub enterprise_name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub legal_rep_id: String,
}

impl Known {
    /// What the logged-in account brings: its login name.
    pub fn of_session(cx: &Ctx) -> Known {
        Known {
            identifier: cx
                .session
                .account
                .as_ref()
                .map(|a| a.login_name.clone())
                .unwrap_or_default(),
            ..Known::default()
        }
    }
}

/// The account flows a menu entry or a way out can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Register,
    ForgotPassword,
    PhoneByEmail,
    PhoneManual,
    Recovery,
    ChangePassword,
    RealName,
    LogIn,
}

/// Opens a flow on top of the current screen.
pub fn open_flow(flow: Flow, known: &Known, cx: &mut Ctx) {
    match flow {
        Flow::Register => cx.push(Register::new(cx.ui)),
        Flow::ForgotPassword => cx.push(ForgotPassword::new(cx.ui, known)),
        Flow::PhoneByEmail => cx.push(PhoneByEmail::new(cx.ui, known)),
        Flow::PhoneManual => cx.push(SupportRequestForm::phone_manual(cx.ui, known, None)),
        Flow::Recovery => cx.push(SupportRequestForm::recovery(cx.ui, known)),
        Flow::ChangePassword => cx.push(ChangePassword::new(cx.ui)),
        Flow::RealName => cx.push(RealName::new(cx.ui, false)),
        Flow::LogIn => {
            let login = super::public::Login::new(cx.ui, None);
            cx.push(if known.identifier.is_empty() {
                login
            } else {
                login.prefilled(&known.identifier, None)
            })
        }
    }
}

/// What a form screen makes of a key: a submit, or what the panel did with it.
pub(super) enum Routed {
    Submit,
    Key(Handled),
}

/// Passes a key to a form panel (Ctrl-S means nothing in these forms: there are no drafts).
pub(super) fn route(panel: &mut FormPanel, ev: &KeyEvent, keymap: &Keymap) -> Routed {
    match panel.key(ev, keymap) {
        Handled::Event(PanelEvent::Submit) => Routed::Submit,
        Handled::Event(PanelEvent::SaveDraft) => Routed::Key(Handled::Unchanged),
        Handled::Changed => Routed::Key(Handled::Changed),
        Handled::Unchanged => Routed::Key(Handled::Unchanged),
        Handled::Ignored => Routed::Key(Handled::Ignored),
    }
}

/// The footer hints of a form without drafts.
pub(super) fn form_hints(keymap: &Keymap) -> Vec<Hint> {
    keymap.hints_for(
        Context::Form,
        &["submit", "next_field", "prev_field", "option_next"],
    )
}

/// Where a form panel goes: the full height, at most 100 columns wide, centred.
pub(super) fn form_area(area: Rect) -> Rect {
    let w = area.width.min(100);
    Rect {
        x: area.x + (area.width - w) / 2,
        width: w,
        ..area
    }
}

/// Checks that the new password was typed the same way twice; when not, says so under the
/// repeat field, moves there and keeps everything typed. Nothing is sent then.
pub(super) fn passwords_match(panel: &mut FormPanel, new: &str, repeat: &str, ui: &Ui) -> bool {
    let value = |id: &str| {
        panel
            .form
            .field(id)
            .map(|f| f.text_value().trim().to_string())
            .unwrap_or_default()
    };
    let (a, b) = (value(new), value(repeat));
    if b.is_empty() || a == b {
        let mismatch = ui.tr("account.mismatch");
        if panel.form.field(repeat).and_then(|f| f.error.as_deref()) == Some(mismatch.as_str()) {
            panel.form.set_error(repeat, None);
        }
        return true;
    }
    panel.form.check_required();
    panel
        .form
        .set_error(repeat, Some(&ui.tr("account.mismatch")));
    panel.form.focus(repeat);
    panel.status = Status::Error(ui.tr("form.fix_fields"));
    false
}

/// A time from the API (RFC 3339) in Beijing time, `YYYY-MM-DD HH:MM`.
pub(super) fn beijing_time(v: &serde_json::Value) -> String {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Paragraphs wrapped to `area` from line `scroll` on; returns how many lines they take.
pub(super) fn render_paragraphs(
    paras: &[(String, Role)],
    area: Rect,
    buf: &mut Buffer,
    ui: &Ui,
    scroll: usize,
) -> usize {
    let width = area.width.max(2) as usize;
    let mut lines: Vec<(String, Role)> = Vec::new();
    for (i, (text, role)) in paras.iter().enumerate() {
        if i > 0 {
            lines.push((String::new(), *role));
        }
        lines.extend(display::wrap(text, width).into_iter().map(|l| (l, *role)));
    }
    for (row, (line, role)) in lines
        .iter()
        .skip(scroll)
        .take(area.height as usize)
        .enumerate()
    {
        put(
            buf,
            area.x,
            area.y + row as u16,
            line,
            area.width,
            ui.style(*role),
        );
    }
    lines.len()
}

/// The end of a flow: what was done and what happens next. Enter (or Esc) goes back.
pub struct Outcome {
    title: String,
    paras: Vec<(String, Role)>,
    scroll: usize,
    lines: usize,
    page: usize,
}

impl Outcome {
    /// `first` is the headline (shown as a success); `rest` explain what happens next.
    pub fn new(title: String, first: String, rest: Vec<String>) -> Outcome {
        let mut paras = vec![(first, Role::Success)];
        paras.extend(rest.into_iter().map(|p| (p, Role::Text)));
        Outcome {
            title,
            paras,
            scroll: 0,
            lines: 0,
            page: 1,
        }
    }
}

impl Screen for Outcome {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = vec![Hint {
            keys: "Enter".into(),
            label_key: "account.key.done".into(),
        }];
        h.extend(keymap.hints_for(Context::List, &["down", "up"]));
        h
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if ev.code == KeyCode::Enter {
            cx.pop();
            return Handled::Changed;
        }
        let max = self.lines.saturating_sub(self.page);
        let to = match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("down") => (self.scroll + 1).min(max),
            Some("up") => self.scroll.saturating_sub(1),
            _ => return Handled::Ignored,
        };
        let changed = to != self.scroll;
        self.scroll = to;
        Handled::from_changed(changed)
    }

    fn done(&mut self, _kind: &'static str, _value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let area = form_area(area);
        let b = block(ui, &self.title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        let text = Rect {
            x: inner.x + 1,
            y: inner.y + u16::from(inner.height > 2),
            width: inner.width.saturating_sub(2),
            height: inner.height.saturating_sub(2),
        };
        self.page = text.height.max(1) as usize;
        self.lines = render_paragraphs(&self.paras, text, buf, ui, self.scroll);
        put(
            buf,
            text.x,
            inner.bottom().saturating_sub(1),
            &ui.tr("account.outcome.back"),
            text.width,
            ui.style(Role::Muted),
        );
    }
}
