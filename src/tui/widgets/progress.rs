//! A progress bar for long work (uploads, exports, bulk decisions): a label, a bar, the percent
//! and the amount (bytes or items). Nothing moves unless the work does: with an unknown total
//! only the amount is shown (no spinner), and [`Progress::set`] reports a change only when
//! what is drawn would change, so a stream of small chunks does not repaint the screen.

use super::{cols, put};
use crate::tui::Ui;
use crate::tui::theme::Role;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// What the amounts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Items,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Running,
    Done,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    label: String,
    done: u64,
    total: Option<u64>,
    unit: Unit,
    state: State,
}

/// `1.5 MiB`, `820 KiB`, `12 B`.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if v >= 100.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

impl Progress {
    pub fn new(label: &str, total: Option<u64>, unit: Unit) -> Progress {
        Progress {
            label: label.to_string(),
            done: 0,
            total,
            unit,
            state: State::Running,
        }
    }

    pub fn done(&self) -> u64 {
        self.done
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Completed share, 0.0–1.0, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        self.total.map(|t| {
            if t == 0 {
                1.0
            } else {
                (self.done.min(t) as f64) / t as f64
            }
        })
    }

    /// What the bar shows, for change detection: whole percent and the amount text.
    fn shown(&self) -> (Option<u32>, String, State) {
        (
            self.fraction().map(|f| (f * 100.0).floor() as u32),
            self.amount(),
            self.state.clone(),
        )
    }

    fn amount(&self) -> String {
        let fmt = |n: u64| match self.unit {
            Unit::Bytes => format_bytes(n),
            Unit::Items => n.to_string(),
        };
        match self.total {
            Some(t) => format!("{} / {}", fmt(self.done), fmt(t)),
            None => fmt(self.done),
        }
    }

    /// Records progress. Returns whether the drawn bar changes.
    pub fn set(&mut self, done: u64) -> bool {
        let before = self.shown();
        self.done = done;
        before != self.shown()
    }

    pub fn set_total(&mut self, total: Option<u64>) -> bool {
        let before = self.shown();
        self.total = total;
        before != self.shown()
    }

    pub fn finish(&mut self) -> bool {
        let before = self.shown();
        if let Some(t) = self.total {
            self.done = t;
        }
        self.state = State::Done;
        before != self.shown()
    }

    pub fn fail(&mut self, message: &str) -> bool {
        let before = self.shown();
        self.state = State::Failed(message.to_string());
        before != self.shown()
    }

    /// One line: label, bar, percent, amount (the bar takes what is left).
    pub fn render(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        if area.height == 0 || area.width < 8 {
            return;
        }
        let y = area.y;
        let label_w = cols(&self.label).min(area.width / 3);
        let mut x = put(buf, area.x, y, &self.label, label_w, ui.style(Role::Text));
        x += 1;
        let tail = match &self.state {
            State::Running => match self.fraction() {
                Some(f) => format!("{:>3}%  {}", (f * 100.0).floor() as u32, self.amount()),
                None => self.amount(),
            },
            State::Done => format!("{}  {}", ui.tr("progress.done"), self.amount()),
            State::Failed(m) => format!("{}：{m}", ui.tr("progress.failed")),
        };
        let tail_style = match self.state {
            State::Running => ui.style(Role::Text),
            State::Done => ui.style(Role::Success),
            State::Failed(_) => ui.style(Role::Error),
        };
        let tail_w = cols(&tail).min(area.right().saturating_sub(x));
        let bar_w = area.right().saturating_sub(x + tail_w + 1);
        if let (Some(f), true) = (self.fraction(), bar_w >= 4) {
            let full = ((bar_w as f64) * f).floor() as u16;
            let style = ui.style(Role::Progress);
            for i in 0..bar_w {
                let (g, s) = if i < full {
                    (ui.symbols.bar_full, style)
                } else {
                    (ui.symbols.bar_empty, ui.style(Role::Muted))
                };
                put(buf, x + i, y, g, 1, s);
            }
            x += bar_w + 1;
        }
        put(buf, x, y, &tail, area.right().saturating_sub(x), tail_style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::draw;

    #[test]
    fn reports_change_only_when_the_bar_changes() {
        let mut p = Progress::new("上传", Some(1000), Unit::Items);
        assert!(p.set(10)); // 1%
        assert!(!p.set(10));
        assert!(p.set(11)); // the amount text changed
        let mut b = Progress::new("上传", Some(100 * 1024 * 1024), Unit::Bytes);
        assert!(b.set(1024 * 1024));
        // a few more bytes: same percent, same "1.0 MiB"
        assert!(!b.set(1024 * 1024 + 10));
        assert!(b.finish());
        assert_eq!(b.fraction(), Some(1.0));
    }

    #[test]
    fn formats_bytes() {
        assert_eq!(format_bytes(12), "12 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(format_bytes(300 * 1024 * 1024), "300 MiB");
    }

    #[test]
    fn snapshot_progress_80x24_and_120x40() {
        let ui = Ui::default();
        let mut upload = Progress::new("上传 营业执照.pdf", Some(2_726_297), Unit::Bytes);
        upload.set(1_226_833);
        let mut export = Progress::new("导出 审核队列", Some(1200), Unit::Items);
        export.set(1200);
        export.finish();
        let mut bulk = Progress::new("批量审核", Some(30), Unit::Items);
        bulk.set(12);
        bulk.fail("网络中断，已完成的 12 项已保存");
        let unknown = Progress::new("同步草稿", None, Unit::Bytes);
        let bars = [upload, export, bulk, unknown];
        let screen = draw(80, 24, |area, buf| {
            for (i, p) in bars.iter().enumerate() {
                p.render(
                    Rect {
                        y: area.y + i as u16 * 2,
                        height: 1,
                        ..area
                    },
                    buf,
                    &ui,
                );
            }
        });
        insta::assert_snapshot!("progress_zh_80x24", screen);
        let ascii = Ui::new(Theme::default(), true, Lang::En);
        let mut p = Progress::new("Upload licence.pdf", Some(2_726_297), Unit::Bytes);
        p.set(1_226_833);
        let screen = draw(120, 40, |area, buf| p.render(area, buf, &ascii));
        insta::assert_snapshot!("progress_en_ascii_120x40", screen);
        assert!(screen.contains("#####") && screen.contains("-----") && screen.contains("44%"));
    }
}
