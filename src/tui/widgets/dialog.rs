//! A confirm dialog for destructive actions (withdraw, reject, delete a draft): title, body,
//! two choices, the safe one focused by default so a stray Enter does no harm. And an error
//! toast: a message that stays until dismissed (no timer, nothing repaints an idle screen).

use super::{Handled, block, centered, clear, cols, put};
use crate::display;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Role;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

/// The two answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The safe answer (keep, go back). Focused when the dialog opens.
    Cancel,
    /// The action itself.
    Confirm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmEvent {
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub body: String,
    pub confirm_label: String,
    pub cancel_label: String,
    /// Whether the action destroys something (its button uses the error role).
    pub destructive: bool,
    focus: Choice,
}

impl Confirm {
    /// A dialog for a destructive action, the safe choice focused.
    pub fn new(title: &str, body: &str, confirm_label: &str, cancel_label: &str) -> Confirm {
        Confirm {
            title: title.to_string(),
            body: body.to_string(),
            confirm_label: confirm_label.to_string(),
            cancel_label: cancel_label.to_string(),
            destructive: true,
            focus: Choice::Cancel,
        }
    }

    /// Marks the action as not destructive.
    pub fn harmless(mut self) -> Confirm {
        self.destructive = false;
        self
    }

    pub fn focus(&self) -> Choice {
        self.focus
    }

    /// Handles a key. The dialog is modal: keys it does not know are swallowed.
    pub fn handle_key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled<ConfirmEvent> {
        match keymap.resolve(Context::Dialog, ev) {
            Some((_, "switch")) => {
                self.focus = match self.focus {
                    Choice::Cancel => Choice::Confirm,
                    Choice::Confirm => Choice::Cancel,
                };
                Handled::Changed
            }
            Some((_, "confirm")) => Handled::Event(match self.focus {
                Choice::Confirm => ConfirmEvent::Confirmed,
                Choice::Cancel => ConfirmEvent::Cancelled,
            }),
            Some((_, "cancel")) => Handled::Event(ConfirmEvent::Cancelled),
            _ => Handled::Unchanged,
        }
    }

    /// Draws the dialog centred in `area`, over whatever is there.
    pub fn render(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let width = (area.width.saturating_sub(4)).clamp(20, 60);
        let body = display::wrap(&self.body, width.saturating_sub(4) as usize);
        let height = (body.len() as u16 + 6).min(area.height);
        let rect = centered(area, width, height);
        clear(buf, rect, ui.style(Role::Text));
        let frame = block(ui, &self.title, true);
        let inner = frame.inner(rect);
        frame.render(rect, buf);
        for (i, line) in body.iter().enumerate() {
            let y = inner.y + 1 + i as u16;
            if y + 2 >= inner.bottom() {
                break;
            }
            put(
                buf,
                inner.x + 1,
                y,
                line,
                inner.width.saturating_sub(2),
                ui.style(Role::Text),
            );
        }
        // the buttons, safe one first
        let cancel = format!("[ {} ]", self.cancel_label);
        let confirm = format!("[ {} ]", self.confirm_label);
        let total = cols(&cancel) + 3 + cols(&confirm);
        let y = inner.bottom().saturating_sub(2);
        let mut x = inner.x + inner.width.saturating_sub(total) / 2;
        let style_of = |choice: Choice| {
            if self.focus == choice {
                ui.style(Role::Selection)
            } else if choice == Choice::Confirm && self.destructive {
                ui.style(Role::Error)
            } else {
                ui.style(Role::Text)
            }
        };
        x = put(
            buf,
            x,
            y,
            &cancel,
            inner.right().saturating_sub(x),
            style_of(Choice::Cancel),
        );
        x += 3;
        put(
            buf,
            x,
            y,
            &confirm,
            inner.right().saturating_sub(x),
            style_of(Choice::Confirm),
        );
    }
}

/// How serious a toast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Error,
    Warning,
    Info,
    Success,
}

/// A message at the bottom of the screen until dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub kind: ToastKind,
    pub message: String,
}

impl Toast {
    pub fn error(message: &str) -> Toast {
        Toast {
            kind: ToastKind::Error,
            message: message.to_string(),
        }
    }

    pub fn info(message: &str) -> Toast {
        Toast {
            kind: ToastKind::Info,
            message: message.to_string(),
        }
    }

    /// Whether a key dismisses the toast (`back` or `confirm`: Esc, Enter).
    pub fn dismisses(ev: &KeyEvent, keymap: &Keymap) -> bool {
        matches!(keymap.resolve(Context::Global, ev), Some((_, "back")))
            || keymap.is(Context::Dialog, "confirm", ev)
    }

    fn role(&self) -> Role {
        match self.kind {
            ToastKind::Error => Role::Error,
            ToastKind::Warning => Role::Warning,
            ToastKind::Info => Role::Info,
            ToastKind::Success => Role::Success,
        }
    }

    /// Draws the toast in a box just above the bottom of `area`; the dismiss keys come from
    /// the keymap.
    pub fn render(&self, area: Rect, buf: &mut Buffer, ui: &Ui, keymap: &Keymap) {
        let width = area.width.saturating_sub(4).clamp(10, 70).min(area.width);
        let lines = display::wrap(&self.message, width.saturating_sub(4) as usize);
        let height = (lines.len() as u16 + 3).min(area.height);
        let rect = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.bottom().saturating_sub(height + 1).max(area.y),
            width,
            height,
        };
        clear(buf, rect, ui.style(Role::Text));
        let title = ui.tr(match self.kind {
            ToastKind::Error => "toast.error",
            ToastKind::Warning => "toast.warning",
            ToastKind::Info => "toast.info",
            ToastKind::Success => "toast.success",
        });
        let frame = block(ui, &title, true).border_style(ui.style(self.role()));
        let inner = frame.inner(rect);
        frame.render(rect, buf);
        for (i, line) in lines.iter().enumerate() {
            let y = inner.y + i as u16;
            if y + 1 >= inner.bottom() {
                break;
            }
            put(
                buf,
                inner.x + 1,
                y,
                line,
                inner.width.saturating_sub(2),
                ui.style(Role::Text),
            );
        }
        let keys = keymap
            .keys(Context::Global, "back")
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("/");
        let hint = format!("{keys} {}", ui.tr("toast.dismiss"));
        let w = cols(&hint).min(inner.width);
        put(
            buf,
            inner.right() - w,
            inner.bottom() - 1,
            &hint,
            w,
            ui.style(Role::Muted),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::{draw, key};
    use crossterm::event::KeyCode;

    fn withdraw(lang: Lang) -> Confirm {
        match lang {
            Lang::Zh => Confirm::new(
                "撤回申报",
                "撤回后本次申报回到“已撤回”状态。当前申报窗口已关闭，撤回后将无法再次提交，确定撤回吗？",
                "撤回",
                "取消",
            ),
            Lang::En => Confirm::new(
                "Withdraw declaration",
                "The declaration goes back to Withdrawn. The window is closed: it cannot be submitted again. Withdraw?",
                "Withdraw",
                "Cancel",
            ),
        }
    }

    #[test]
    fn safe_choice_is_the_default() {
        let km = Keymap::defaults();
        let mut d = withdraw(Lang::Zh);
        assert_eq!(d.focus(), Choice::Cancel);
        assert_eq!(
            d.handle_key(&key(KeyCode::Enter), &km),
            Handled::Event(ConfirmEvent::Cancelled)
        );
        assert_eq!(d.handle_key(&key(KeyCode::Right), &km), Handled::Changed);
        assert_eq!(
            d.handle_key(&key(KeyCode::Enter), &km),
            Handled::Event(ConfirmEvent::Confirmed)
        );
        assert_eq!(
            d.handle_key(&key(KeyCode::Esc), &km),
            Handled::Event(ConfirmEvent::Cancelled)
        );
        // modal: other keys are swallowed, F10 does not quit from under it
        assert_eq!(d.handle_key(&key(KeyCode::F(10)), &km), Handled::Unchanged);
        assert_eq!(
            d.handle_key(&key(KeyCode::Char('q')), &km),
            Handled::Unchanged
        );
    }

    #[test]
    fn snapshot_confirm_zh_80x24() {
        let ui = Ui::default();
        let d = withdraw(Lang::Zh);
        let screen = draw(80, 24, |area, buf| d.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn snapshot_confirm_en_ascii_120x40() {
        let ui = Ui::new(Theme::default(), true, Lang::En);
        let d = withdraw(Lang::En);
        let screen = draw(120, 40, |area, buf| d.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        assert!(screen.contains("+-") && !screen.contains('┌'));
    }

    #[test]
    fn snapshot_toast_zh_80x24() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let t = Toast::error(
            "提交失败：网络连接中断。已填写的内容已保存为本地草稿，连接恢复后会自动同步。",
        );
        let screen = draw(80, 24, |area, buf| t.render(area, buf, &ui, &km));
        insta::assert_snapshot!(screen);
        assert!(Toast::dismisses(&key(KeyCode::Esc), &km));
        assert!(Toast::dismisses(&key(KeyCode::Enter), &km));
        assert!(!Toast::dismisses(&key(KeyCode::Char('x')), &km));
    }
}
