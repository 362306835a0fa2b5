//! The `?` help overlay: the keys of the current context and the global ones, generated from
//! the active keymap (so a user's remapping shows here at once).

use super::{block, centered, clear, cols, put};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Role;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

/// The catalogue key of a context's heading.
pub fn context_key(ctx: Context) -> String {
    format!("help.ctx.{}", ctx.name())
}

/// Draws the help for `ctx` (and the global keys, unless `ctx` is modal) centred in `area`.
/// Lines beyond the box are left out from `scroll` on.
/// The sections shown for `ctx`: the context, the active workspace scope, the global keys.
fn sections(keymap: &Keymap, ctx: Context) -> Vec<Context> {
    let mut sections = vec![ctx];
    if let Some(scope) = keymap.scope()
        && !ctx.is_modal()
        && scope != ctx
    {
        sections.push(scope);
    }
    if ctx != Context::Global && !ctx.is_modal() {
        sections.push(Context::Global);
    }
    sections
}

/// How many lines the help of `ctx` has (headings and blank separators included).
pub fn line_count(keymap: &Keymap, ctx: Context) -> usize {
    let s = sections(keymap, ctx);
    s.iter().map(|c| keymap.hints(*c).len() + 1).sum::<usize>() + s.len().saturating_sub(1)
}

pub fn render_help(
    area: Rect,
    buf: &mut Buffer,
    ui: &Ui,
    keymap: &Keymap,
    ctx: Context,
    scroll: usize,
) {
    let sections = sections(keymap, ctx);
    // (heading?, keys, label)
    let mut lines: Vec<(bool, String, String)> = Vec::new();
    for (n, c) in sections.iter().enumerate() {
        if n > 0 {
            lines.push((false, String::new(), String::new()));
        }
        lines.push((true, ui.tr(&context_key(*c)), String::new()));
        for h in keymap.hints(*c) {
            let label = h.label(ui.lang);
            lines.push((false, h.keys, label));
        }
    }
    let keys_w = lines
        .iter()
        .filter(|l| !l.0)
        .map(|l| cols(&l.1))
        .max()
        .unwrap_or(0);
    let label_w = lines.iter().map(|l| cols(&l.2)).max().unwrap_or(0);
    let width = (keys_w + label_w + 7).max(30);
    let height = lines.len() as u16 + 2;
    let rect = centered(area, width, height);
    clear(buf, rect, ui.style(Role::Text));
    let title = ui.tr("help.title");
    let frame = block(ui, &title, true);
    let inner = frame.inner(rect);
    frame.render(rect, buf);
    for (r, (heading, keys, label)) in lines
        .iter()
        .skip(scroll)
        .take(inner.height as usize)
        .enumerate()
    {
        let y = inner.y + r as u16;
        if *heading {
            put(
                buf,
                inner.x + 1,
                y,
                keys,
                inner.width.saturating_sub(2),
                ui.style(Role::Title),
            );
        } else if !keys.is_empty() {
            put(buf, inner.x + 2, y, keys, keys_w, ui.style(Role::FooterKey));
            let x = inner.x + 2 + keys_w + 2;
            put(
                buf,
                x,
                y,
                label,
                inner.right().saturating_sub(x + 1),
                ui.style(Role::Text),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::i18n::tr;
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::draw;

    #[test]
    fn every_context_has_a_heading() {
        for c in Context::ALL {
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(tr(lang, &context_key(c)), context_key(c));
            }
        }
    }

    #[test]
    fn snapshot_help_list_zh_80x24() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let screen = draw(80, 24, |area, buf| {
            render_help(area, buf, &ui, &km, Context::List, 0)
        });
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn snapshot_help_form_en_120x40() {
        let ui = Ui::new(Theme::default(), false, Lang::En);
        let mut km = Keymap::defaults();
        km.patch(
            "[form]\nsave_draft = [\"Ctrl-s\", \"F2\", \"Alt-s\"]\n",
            "keys.toml",
        );
        let screen = draw(120, 40, |area, buf| {
            render_help(area, buf, &ui, &km, Context::Form, 0)
        });
        insta::assert_snapshot!(screen);
        assert!(screen.contains("Ctrl-s/F2/Alt-s"));
    }
}
