//! The header (who is logged in, role, region, local or remote mode, connection) and the
//! footer (key hints generated from the active keymap). Both fit any width: the footer drops
//! whole hints that do not fit and never cuts a CJK character in half.

use super::{cols, put};
use crate::tui::Ui;
use crate::tui::keymap::Hint;
use crate::tui::theme::Role;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The embedded database, in-process API.
    Local,
    /// `zjtx serve` at this address.
    Remote(String),
}

/// The state of the link to the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Online,
    Connecting,
    /// Offline: edits are kept as local drafts and synced later.
    Offline,
}

/// The top line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub user: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    pub mode: Mode,
    pub connection: Connection,
    /// Requests in flight: a quiet "working…" shows while there are any.
    pub busy: bool,
}

impl Default for Header {
    fn default() -> Header {
        Header {
            user: None,
            role: None,
            region: None,
            mode: Mode::Local,
            connection: Connection::Online,
            busy: false,
        }
    }
}

impl Header {
    /// The user part (user · role · region) and the mode.
    fn status(&self, ui: &Ui) -> (String, String) {
        let who = match &self.user {
            None => ui.tr("status.not_logged_in"),
            Some(u) => [
                Some(u.as_str()),
                self.role.as_deref(),
                self.region.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        };
        let mode = match &self.mode {
            Mode::Local => ui.tr("status.local"),
            Mode::Remote(url) => format!("{} {url}", ui.tr("status.remote")),
        };
        (who, mode)
    }

    /// One line: the application's name on the left, the status on the right. When space is
    /// short the name goes first, then the user part and the address are shortened; the
    /// connection state always shows.
    pub fn render(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        if area.height == 0 || area.width < 2 {
            return;
        }
        let style = ui.style(Role::Header);
        buf.set_style(Rect { height: 1, ..area }, style);
        let (who, mode) = self.status(ui);
        let mut conn = ui.tr(match self.connection {
            Connection::Online => "status.online",
            Connection::Connecting => "status.connecting",
            Connection::Offline => "status.offline",
        });
        if self.busy {
            conn = format!("{} · {conn}", ui.tr("status.working"));
        }
        let conn_style = match self.connection {
            Connection::Online => style,
            Connection::Connecting => style.patch(ui.style(Role::Warning)),
            Connection::Offline => style.patch(ui.style(Role::Error)),
        };
        let y = area.y;
        let left = area.x + 1;
        // right to left: connection, mode, who, title
        let mut right = area.right() - 1;
        let w = cols(&conn).min(right - left);
        right -= w;
        put(buf, right, y, &conn, w, conn_style);
        let dot = " · ";
        if right >= left + 3 + 4 {
            let w = cols(&mode).min(right - left - 3);
            right -= 3 + w;
            put(buf, right, y, &mode, w, style);
            put(buf, right + w, y, dot, 3, style);
        }
        let sep = format!(" {} ", ui.symbols.separator);
        let sep_w = cols(&sep);
        if right >= left + sep_w + 4 {
            let w = cols(&who).min(right - left - sep_w);
            right -= sep_w + w;
            put(buf, right, y, &who, w, style);
            put(buf, right + w, y, &sep, sep_w, style);
        }
        let title = ui.tr("app.title");
        if right >= left + cols(&title) + 2 {
            put(
                buf,
                left,
                y,
                &title,
                cols(&title),
                style.patch(ui.style(Role::Title)),
            );
        }
    }
}

/// Draws key hints on one line: `keys label` pairs from the keymap, left to right, whole
/// hints only; `pinned` (typically help) is kept at the right end whatever the width.
pub fn render_footer(area: Rect, buf: &mut Buffer, ui: &Ui, hints: &[Hint], pinned: Option<&Hint>) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let key_style = ui.style(Role::FooterKey);
    let text_style = ui.style(Role::FooterText);
    buf.set_style(Rect { height: 1, ..area }, text_style);
    let y = area.y;
    let mut right = area.right();
    if let Some(p) = pinned {
        let label = p.label(ui.lang);
        let w = cols(&p.keys) + 1 + cols(&label);
        if w < area.width {
            let x = right - w;
            let after = put(buf, x, y, &p.keys, w, key_style);
            put(
                buf,
                after + 1,
                y,
                &label,
                right.saturating_sub(after + 1),
                text_style,
            );
            right = x.saturating_sub(2);
        }
    }
    let mut x = area.x;
    for (i, h) in hints.iter().enumerate() {
        let label = h.label(ui.lang);
        let gap = if i == 0 { 0 } else { 2 };
        let w = gap + cols(&h.keys) + 1 + cols(&label);
        if x + w > right {
            if i == 0 {
                // not even one hint fits whole: cut it by display width
                let text = format!("{} {label}", h.keys);
                put(buf, x, y, &text, right.saturating_sub(x), key_style);
            }
            break;
        }
        x += gap;
        x = put(buf, x, y, &h.keys, right - x, key_style);
        x += 1;
        x = put(buf, x, y, &label, right.saturating_sub(x), text_style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display;
    use crate::domain::Lang;
    use crate::tui::keymap::{Context, Keymap};
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::draw;

    fn reviewer() -> Header {
        Header {
            user: Some("李审核".into()),
            role: Some("区县审核员".into()),
            region: Some("广东省 深圳市 南山区".into()),
            mode: Mode::Remote("https://zjtx.example.cn".into()),
            connection: Connection::Online,
            busy: false,
        }
    }

    fn frame(ui: &Ui, km: &Keymap, header: &Header, w: u16, h: u16) -> String {
        draw(w, h, |area, buf| {
            header.render(Rect { height: 1, ..area }, buf, ui);
            let mut hints = km.hints_for(
                Context::List,
                &[
                    "down",
                    "up",
                    "open",
                    "pass",
                    "return",
                    "reject",
                    "filter",
                    "half_page_down",
                ],
            );
            hints.extend(km.hints_for(Context::Global, &["back", "quit"]));
            let help = km.hints_for(Context::Global, &["help"]);
            render_footer(
                Rect {
                    y: area.bottom() - 1,
                    height: 1,
                    ..area
                },
                buf,
                ui,
                &hints,
                help.first(),
            );
        })
    }

    #[test]
    fn snapshot_header_footer_zh_80x24() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let screen = frame(&ui, &km, &reviewer(), 80, 24);
        insta::assert_snapshot!(screen);
        let last = screen.lines().last().unwrap();
        assert!(last.ends_with("?/F1 帮助"), "{last}");
        assert!(display::width(last) <= 80);
    }

    #[test]
    fn snapshot_header_footer_zh_120x40() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let screen = frame(&ui, &km, &reviewer(), 120, 40);
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn snapshot_header_footer_en_80x24_offline() {
        let ui = Ui::new(Theme::default(), true, Lang::En);
        let mut km = Keymap::defaults();
        // a user keymap shows in the footer at once
        km.patch("[list]\nfilter = [\"a\", \"F9\"]\n", "keys.toml");
        let header = Header {
            user: Some("Zhang San".into()),
            role: Some("enterprise".into()),
            region: None,
            mode: Mode::Local,
            connection: Connection::Offline,
            busy: false,
        };
        let screen = frame(&ui, &km, &header, 80, 24);
        insta::assert_snapshot!(screen);
        assert!(screen.contains("a/F9 filter"));
    }

    #[test]
    fn footer_never_splits_a_cjk_character() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let hints = km.hints(Context::List);
        for w in 5..40u16 {
            let screen = draw(w, 1, |area, buf| {
                render_footer(area, buf, &ui, &hints, None)
            });
            let line = screen.lines().nth(1).unwrap();
            assert!(display::width(line) <= w as usize, "{w}: {line}");
            assert!(!line.contains('\u{fffd}'));
        }
        let header = reviewer();
        for w in 10..100u16 {
            let screen = draw(w, 1, |area, buf| header.render(area, buf, &ui));
            let line = screen.lines().nth(1).unwrap();
            assert!(display::width(line) <= w as usize, "{w}: {line}");
            assert!(line.contains("已连接"), "{w}: {line}");
        }
    }
}
