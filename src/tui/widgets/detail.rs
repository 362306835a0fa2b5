//! A scrollable pane for a message or a detail text, wrapped by display width so Chinese text
//! breaks between characters and never overflows; the position shows on the bottom border.

use super::{Handled, block};
use crate::display;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Role;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    title: String,
    text: String,
    scroll: usize,
    page: usize,
    /// Wrapped lines and the width they were wrapped for.
    lines: Vec<String>,
    width: u16,
}

impl Detail {
    pub fn new(title: &str, text: &str) -> Detail {
        Detail {
            title: title.to_string(),
            text: text.to_string(),
            scroll: 0,
            page: 10,
            lines: Vec::new(),
            width: 0,
        }
    }

    /// Replaces the text and goes back to the top.
    pub fn set_text(&mut self, text: &str) -> bool {
        if self.text == text {
            return false;
        }
        self.text = text.to_string();
        self.width = 0;
        self.scroll = 0;
        true
    }

    pub fn scroll(&self) -> usize {
        self.scroll
    }

    fn max_scroll(&self) -> usize {
        self.lines.len().saturating_sub(self.page)
    }

    fn scroll_to(&mut self, to: usize) -> bool {
        let to = to.min(self.max_scroll());
        let changed = to != self.scroll;
        self.scroll = to;
        changed
    }

    pub fn scroll_by(&mut self, delta: isize) -> bool {
        self.scroll_to(self.scroll.saturating_add_signed(delta))
    }

    /// The list keys scroll: up/down, half pages, top/bottom.
    pub fn handle_key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled {
        let half = (self.page / 2).max(1) as isize;
        let changed = match keymap.resolve(Context::List, ev) {
            Some((_, "up")) => self.scroll_by(-1),
            Some((_, "down")) => self.scroll_by(1),
            Some((_, "half_page_down")) => self.scroll_by(half),
            Some((_, "half_page_up")) => self.scroll_by(-half),
            Some((_, "top")) => self.scroll_to(0),
            Some((_, "bottom")) => self.scroll_to(usize::MAX),
            _ => return Handled::Ignored,
        };
        Handled::from_changed(changed)
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let mut frame = block(ui, &self.title, false);
        let inner = frame.inner(area);
        if inner.width != self.width {
            self.lines = display::wrap(&self.text, inner.width.max(2) as usize);
            self.width = inner.width;
        }
        self.page = inner.height as usize;
        self.scroll = self.scroll.min(self.max_scroll());
        if self.lines.len() > self.page {
            let end = (self.scroll + self.page).min(self.lines.len());
            let pos = format!(" {}–{}/{} ", self.scroll + 1, end, self.lines.len());
            frame = frame.title_bottom(Line::styled(pos, ui.style(Role::Muted)).right_aligned());
        }
        frame.render(area, buf);
        for (r, line) in self
            .lines
            .iter()
            .skip(self.scroll)
            .take(self.page)
            .enumerate()
        {
            super::put(
                buf,
                inner.x,
                inner.y + r as u16,
                line,
                inner.width,
                ui.style(Role::Text),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::{ctrl, draw, key};
    use crossterm::event::KeyCode;

    const NOTICE: &str = "关于组织开展2025年度专精特新中小企业认定工作的通知\n\n各区（县）工业和信息化主管部门：为深入贯彻落实党中央、国务院关于促进中小企业高质量发展的决策部署，根据《优质中小企业梯度培育管理暂行办法》（工信部企业〔2022〕63号），现就做好2025年度专精特新中小企业认定工作通知如下。一、申报条件：在中华人民共和国境内工商注册登记、连续经营2年以上并具有独立法人资格的中小企业，且为有效期内的创新型中小企业。二、申报时间：2025年3月1日至2025年4月30日，逾期不予受理。三、申报材料：企业通过优质中小企业梯度培育平台在线填报，并上传营业执照、上年度财务报表、研发费用明细及知识产权证明等材料（PDF 格式，单个文件不超过 20 MB）。";

    #[test]
    fn snapshot_wraps_cjk_80x24() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let mut d = Detail::new("公告详情", NOTICE);
        let screen = draw(80, 24, |area, buf| d.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        // every line fits: no character is cut at the border
        for line in screen.lines().skip(1) {
            assert!(display::width(line) <= 80, "{line}");
        }
        assert_eq!(d.handle_key(&ctrl('d'), &km), Handled::Unchanged);
        let mut small = Detail::new("公告详情", NOTICE);
        let screen = draw(40, 8, |area, buf| small.render(area, buf, &ui));
        assert!(screen.contains("1–6/"), "{screen}");
        assert_eq!(
            small.handle_key(&key(KeyCode::Char('j')), &km),
            Handled::Changed
        );
        assert_eq!(small.scroll(), 1);
        assert_eq!(small.handle_key(&key(KeyCode::End), &km), Handled::Changed);
        assert_eq!(
            small.handle_key(&key(KeyCode::Down), &km),
            Handled::Unchanged
        );
        assert_eq!(small.handle_key(&key(KeyCode::Home), &km), Handled::Changed);
        assert_eq!(small.scroll(), 0);
    }

    #[test]
    fn snapshot_en_120x40() {
        let ui = Ui::new(Theme::default(), false, Lang::En);
        let mut d = Detail::new(
            "Notice",
            &format!("The call for 2025 declarations is open. {NOTICE}"),
        );
        let screen = draw(120, 40, |area, buf| d.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
    }
}
