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
use ratatui::backend::{Backend, CrosstermBackend};
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
    terminal: &mut Terminal<CrosstermBackend<W>>,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(render)?;
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

/// The terminal in UI mode; dropping it restores the terminal.
pub struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
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
            .and_then(|_| Terminal::new(CrosstermBackend::new(io::stdout())));
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

    pub fn size(&self) -> io::Result<ratatui::layout::Size> {
        self.terminal.backend().size()
    }

    pub fn terminal_mut(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
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
    pub(crate) fn fixed_terminal(w: u16, h: u16) -> (Terminal<CrosstermBackend<Shared>>, Shared) {
        let out = Shared::default();
        let term = Terminal::with_options(
            CrosstermBackend::new(out.clone()),
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
