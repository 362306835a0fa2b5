//! Reusable widgets. Each is a plain struct holding its state, with a `render` into a buffer
//! area and methods that report whether something visible changed.

pub mod detail;
pub mod dialog;
pub mod form;
pub mod help;
pub mod menu;
pub mod progress;
pub mod statusbar;
pub mod table;
pub mod tree_picker;

use super::Ui;
use super::theme::Role;
use crate::display;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders};

/// What a widget did with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled<E = ()> {
    /// Not for this widget: the caller may try its own bindings.
    Ignored,
    /// Used, but nothing visible changed: no redraw needed.
    Unchanged,
    /// Used, and the widget looks different: redraw.
    Changed,
    /// Used, and the caller has something to do (the widget may also have changed).
    Event(E),
}

impl<E> Handled<E> {
    /// Whether the key was used.
    pub fn consumed(&self) -> bool {
        !matches!(self, Handled::Ignored)
    }

    /// Whether the screen needs a redraw because of the widget itself.
    pub fn changed(&self) -> bool {
        matches!(self, Handled::Changed | Handled::Event(_))
    }

    /// `Changed` if `changed`, else `Unchanged`.
    pub fn from_changed(changed: bool) -> Handled<E> {
        if changed {
            Handled::Changed
        } else {
            Handled::Unchanged
        }
    }
}

/// A bordered block in the theme's border style and the active glyph set, with a title.
pub fn block<'a>(ui: &Ui, title: &'a str, focused: bool) -> Block<'a> {
    let border = if focused {
        Role::BorderFocus
    } else {
        Role::Border
    };
    let mut b = Block::default()
        .borders(Borders::ALL)
        .border_set(ui.symbols.border)
        .border_style(ui.style(border));
    if !title.is_empty() {
        b = b.title(ratatui::text::Span::styled(
            format!(" {title} "),
            ui.style(Role::Title),
        ));
    }
    b
}

/// Writes `text` at (x, y), cut to `max` display columns with `…` (never half a CJK
/// character). Returns the column after the text.
pub fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, max: u16, style: Style) -> u16 {
    if max == 0 || y >= buf.area.bottom() || x >= buf.area.right() {
        return x;
    }
    let t = display::truncate(text, max as usize);
    buf.set_stringn(x, y, &t, max as usize, style).0
}

/// A rectangle of at most `width` × `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Fills `area` with spaces in `style` (clears what was drawn below a popup).
pub fn clear(buf: &mut Buffer, area: Rect, style: Style) {
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        // a wide character just left of the popup would spill over its left border
        if area.left() > buf.area.left() {
            let left = &mut buf[(area.left() - 1, y)];
            if display::width(left.symbol()) > 1 {
                left.set_symbol(" ");
            }
        }
        for x in area.left()..area.right() {
            buf[(x, y)].reset();
            buf[(x, y)].set_style(style);
        }
    }
}

/// Display width of a string as `u16` (saturating).
pub(crate) fn cols(s: &str) -> u16 {
    display::width(s).min(u16::MAX as usize) as u16
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for widget tests: draw into a `TestBackend` and show it as text.
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    /// Draws with `f` into a `width` × `height` test terminal and returns the screen as text.
    pub fn draw(width: u16, height: u16, f: impl FnOnce(Rect, &mut Buffer)) -> String {
        let mut term = Terminal::new(TestBackend::new(width, height)).unwrap();
        term.draw(|frame| {
            let area = frame.area();
            f(area, frame.buffer_mut());
        })
        .unwrap();
        screen_text(term.backend().buffer())
    }

    /// The buffer as text, one line per row, trailing blanks cut, with a ruler of the width on
    /// top so the snapshot shows the terminal size. A wide character's hidden cell is skipped,
    /// so every line is exactly as wide on screen as in the buffer.
    pub fn screen_text(buf: &Buffer) -> String {
        let area = buf.area;
        let mut out = format!("{}x{}\n", area.width, area.height);
        for y in area.top()..area.bottom() {
            let mut line = String::new();
            let mut skip = 0;
            for x in area.left()..area.right() {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf[(x, y)].symbol();
                line.push_str(sym);
                skip = crate::display::width(sym).saturating_sub(1);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn key(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
        crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
    }

    pub fn ctrl(c: char) -> crossterm::event::KeyEvent {
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::CONTROL,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::detail::Detail;
    use super::dialog::{Confirm, Toast};
    use super::form::{Field, Form};
    use super::help::render_help;
    use super::progress::{Progress, Unit};
    use super::statusbar::{Header, render_footer};
    use super::table::{Column, FnSource, Table};
    use super::tree_picker::{RegionNodes, TreePicker};
    use crate::tui::Ui;
    use crate::tui::keymap::{Context, Keymap};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    /// Every widget draws without panicking in any small area, also offset inside a buffer.
    #[test]
    fn widgets_survive_tiny_areas() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let source = FnSource {
            len: 3,
            row: |i| vec![format!("第{i}行示例"), "专精特新".into()],
        };
        let mut picker = TreePicker::new(Box::new(RegionNodes::builtin()), "地区");
        picker.reveal("440305");
        for w in 0..16u16 {
            for h in 0..8u16 {
                let mut buf = Buffer::empty(Rect::new(0, 0, w + 2, h + 2));
                let area = Rect::new(1, 1, w, h);
                let mut form = Form::new(vec![
                    Field::text("a", "企业名称")
                        .required()
                        .with_value("深圳示例"),
                    Field::number("b", "营业收入", Some("万元")),
                    Field::multiline("c", "主导产品", 3),
                    Field::boolean("d", "是否上市"),
                ]);
                form.set_error("a", Some("校验位错误：第 18 位应为“Q”"));
                form.render(area, &mut buf, &ui);
                Table::new(vec![Column::new("名称", 6, 20), Column::new("类型", 4, 8)])
                    .with_multi_select()
                    .render(area, &mut buf, &ui, &source);
                picker.render(area, &mut buf, &ui);
                let mut p = Progress::new("上传", Some(10), Unit::Bytes);
                p.set(5);
                p.render(area, &mut buf, &ui);
                Detail::new("详情", "很长的中文文本。".repeat(5).as_str())
                    .render(area, &mut buf, &ui);
                Confirm::new("撤回", "确定撤回吗？", "撤回", "取消").render(area, &mut buf, &ui);
                Toast::error("网络中断").render(area, &mut buf, &ui, &km);
                Header::default().render(area, &mut buf, &ui);
                render_footer(area, &mut buf, &ui, &km.hints(Context::List), None);
                render_help(area, &mut buf, &ui, &km, Context::Form, 0);
            }
        }
    }
}
