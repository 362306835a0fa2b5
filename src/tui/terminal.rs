//! The terminal guard: raw mode, the alternate screen, bracketed paste, optional mouse capture
//! and a hidden cursor while the UI runs; everything restored on drop and from a panic hook
//! (installed once, chained to the previous hook), so a crash never leaves a broken shell.
//! Each frame is wrapped in synchronized output (`CSI ? 2026 h/l`), so terminals that support
//! it show a frame all at once, and the rest ignore it.

use crossterm::cursor::{Hide, Show};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::{Frame, Terminal};
use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// How the terminal is set up (from `--no-mouse` and `--ascii`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Capture the mouse (off with `--no-mouse`: the terminal's own selection keeps working).
    pub mouse: bool,
    /// Draw with ASCII borders and masks (see [`crate::tui::symbols`]).
    pub ascii: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mouse: true,
            ascii: false,
        }
    }
}

/// Whether the terminal is in UI mode (set by [`TerminalGuard::enter`], cleared by
/// [`restore`]); the panic hook restores only then.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether mouse capture was turned on.
static MOUSE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Writes the sequences that put the terminal in UI mode (raw mode is separate).
pub fn write_enter<W: Write>(w: &mut W, mouse: bool) -> io::Result<()> {
    queue!(w, EnterAlternateScreen, EnableBracketedPaste, Hide)?;
    if mouse {
        queue!(w, EnableMouseCapture)?;
    }
    w.flush()
}

/// Writes the sequences that undo [`write_enter`] — and end a synchronized update a panic may
/// have interrupted — in reverse order.
pub fn write_restore<W: Write>(w: &mut W, mouse: bool) -> io::Result<()> {
    queue!(w, EndSynchronizedUpdate)?;
    if mouse {
        queue!(w, DisableMouseCapture)?;
    }
    queue!(w, DisableBracketedPaste, LeaveAlternateScreen, Show)?;
    w.flush()
}

/// Puts the terminal back as it was, once: leaves raw mode and writes [`write_restore`] to
/// stdout. Safe to call more than once and from a panic hook.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    let seq = write_restore(&mut io::stdout(), MOUSE.swap(false, Ordering::SeqCst));
    raw.and(seq)
}

/// Installs (once per process) a panic hook that restores the terminal before the previous
/// hook prints the panic message, so the message is readable.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}

/// Draws one frame between `BeginSynchronizedUpdate` and `EndSynchronizedUpdate`.
pub fn draw_synchronized<W: Write>(
    terminal: &mut Terminal<CjkBackend<W>>,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    queue!(terminal.backend_mut().0, BeginSynchronizedUpdate)?;
    terminal.draw(render)?;
    execute!(terminal.backend_mut().0, EndSynchronizedUpdate)?;
    Ok(())
}

/// Whether every character of a cell is wide in every terminal (CJK ideographs, kana, hangul,
/// full-width forms), so the cursor surely advanced two columns after printing it. Emoji and
/// ambiguous-width characters are not: after them the position is set explicitly.
fn surely_wide(symbol: &str) -> bool {
    !symbol.is_empty()
        && symbol.chars().all(|c| {
            matches!(c as u32,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF01..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
        })
}

/// The crossterm backend, with one saving for Chinese text: ratatui's backend moves the cursor
/// explicitly after every wide character (`ESC[y;xH`, 7–8 bytes for a 3-byte character)
/// because the cell hidden behind it is not in the diff. Where the character is surely two
/// columns wide, the terminal's cursor is already in the right place, so this backend reports
/// the next cell as adjacent and the move is left out — about half the bytes of a CJK row.
pub struct CjkBackend<W: Write>(pub CrosstermBackend<W>);

impl<W: Write> CjkBackend<W> {
    pub fn new(writer: W) -> CjkBackend<W> {
        CjkBackend(CrosstermBackend::new(writer))
    }
}

impl<W: Write> Write for CjkBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.0)
    }
}

impl<W: Write> Backend for CjkBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // (real x after the previous cell, its reported x, row)
        let mut prev: Option<(u16, u16, u16)> = None;
        let cells = content.map(move |(x, y, cell)| {
            let reported = match prev {
                Some((next_x, rep, py)) if py == y && next_x == x => rep + 1,
                _ => x,
            };
            let w = if surely_wide(cell.symbol()) { 2 } else { 1 };
            prev = Some((x + w, reported, y));
            (reported, y, cell)
        });
        self.0.draw(cells)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.0.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.0.set_cursor_position(position)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.0.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.0.clear_region(clear_type)
    }
    fn size(&self) -> io::Result<Size> {
        self.0.size()
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.0.window_size()
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.0)
    }
}

/// The terminal in UI mode; dropping it restores the terminal.
pub struct TerminalGuard {
    terminal: Terminal<CjkBackend<Stdout>>,
    options: Options,
}

impl TerminalGuard {
    /// Installs the panic hook, enters raw mode and UI mode. On failure whatever was set up is
    /// undone.
    pub fn enter(options: Options) -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        MOUSE.store(options.mouse, Ordering::SeqCst);
        let setup = write_enter(&mut io::stdout(), options.mouse)
            .and_then(|_| Terminal::new(CjkBackend::new(io::stdout())));
        match setup {
            Ok(terminal) => Ok(TerminalGuard { terminal, options }),
            Err(e) => {
                let _ = restore();
                Err(e)
            }
        }
    }

    pub fn options(&self) -> Options {
        self.options
    }

    /// Draws a frame with synchronized output. Only cells that changed since the last frame
    /// are written (ratatui diffs the buffers).
    pub fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
        draw_synchronized(&mut self.terminal, render)
    }

    /// Forgets what is on screen so the next draw repaints everything (Ctrl-L, after a resize
    /// that garbled the screen).
    pub fn clear(&mut self) -> io::Result<()> {
        self.terminal.clear()
    }

    pub fn size(&self) -> io::Result<Size> {
        self.terminal.backend().size()
    }

    pub fn terminal_mut(&mut self) -> &mut Terminal<CjkBackend<Stdout>> {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writer whose bytes the test can read while a terminal owns it.
    #[derive(Clone, Default)]
    pub(crate) struct Shared(pub Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        pub fn take(&self) -> String {
            String::from_utf8_lossy(&std::mem::take(&mut *self.0.borrow_mut())).into_owned()
        }
    }

    /// A terminal of a fixed size writing into a [`Shared`] buffer (no tty needed).
    pub(crate) fn fixed_terminal(w: u16, h: u16) -> (Terminal<CjkBackend<Shared>>, Shared) {
        let out = Shared::default();
        let term = Terminal::with_options(
            CjkBackend::new(out.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
            },
        )
        .unwrap();
        (term, out)
    }

    #[test]
    fn enter_and_restore_sequences() {
        let mut out = Vec::new();
        write_enter(&mut out, true).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("\x1b[?1049h"), "alternate screen: {s:?}");
        assert!(s.contains("\x1b[?2004h"), "bracketed paste: {s:?}");
        assert!(s.contains("\x1b[?25l"), "hidden cursor: {s:?}");
        assert!(s.contains("\x1b[?1000h"), "mouse: {s:?}");

        let mut out = Vec::new();
        write_enter(&mut out, false).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("\x1b[?1000h"));

        let mut out = Vec::new();
        write_restore(&mut out, true).unwrap();
        let s = String::from_utf8(out).unwrap();
        for (seq, what) in [
            ("\x1b[?2026l", "synchronized update ended"),
            ("\x1b[?1000l", "mouse released"),
            ("\x1b[?2004l", "paste off"),
            ("\x1b[?1049l", "main screen"),
            ("\x1b[?25h", "cursor shown"),
        ] {
            assert!(s.contains(seq), "{what}: {s:?}");
        }
        // the main screen comes back before the cursor is shown on it
        assert!(s.find("\x1b[?1049l") < s.find("\x1b[?25h"));
    }

    #[test]
    fn no_cursor_move_after_surely_wide_characters() {
        let (mut term, out) = fixed_terminal(30, 2);
        draw_synchronized(&mut term, |f| {
            let b = f.buffer_mut();
            b.set_string(0, 0, "专精特新ab", ratatui::style::Style::default());
            b.set_string(0, 1, "😀x", ratatui::style::Style::default());
        })
        .unwrap();
        let s = out.take();
        // row 1: one move to its start, none between the characters
        assert!(s.contains("\x1b[1;1H专精特新ab"), "{s:?}");
        // after an emoji the position is set explicitly (terminals disagree on its width)
        assert!(s.contains("😀\x1b[2;3Hx"), "{s:?}");
        assert!(surely_wide("汉") && surely_wide("，") && !surely_wide("😀") && !surely_wide("a"));
    }

    #[test]
    fn restore_is_a_no_op_when_not_active() {
        // never entered in tests: nothing is written, nothing fails
        assert!(restore().is_ok());
        install_panic_hook();
        install_panic_hook();
    }

    #[test]
    fn frames_are_wrapped_in_synchronized_output() {
        let (mut term, out) = fixed_terminal(20, 3);
        draw_synchronized(&mut term, |f| {
            f.buffer_mut()
                .set_string(0, 0, "专精特新", ratatui::style::Style::default());
        })
        .unwrap();
        let s = out.take();
        let begin = s.find("\x1b[?2026h").expect("begin");
        let end = s.rfind("\x1b[?2026l").expect("end");
        let text = s.find("专").expect("text");
        assert!(begin < text && text < end, "{s:?}");
        // nothing changed: the next frame writes no cells
        draw_synchronized(&mut term, |f| {
            f.buffer_mut()
                .set_string(0, 0, "专精特新", ratatui::style::Style::default());
        })
        .unwrap();
        assert!(!out.take().contains('专'));
    }
}
