//! The shape of the event loop (DESIGN.md §4): one owned [`App`] state, an [`Action`] enum, an
//! [`update`] step that changes the state and returns [`Effect`]s, and a loop that
//!
//! 1. waits for the next message (a terminal event or the result of a job),
//! 2. drains every message already pending ([`drain`]),
//! 3. applies them all ([`step`]), carrying out the effects (quit, spawn a job, clear),
//! 4. draws **once**, and only if something changed (the `dirty` flag) — no frame rate, no
//!    timer: an idle screen writes nothing.
//!
//! Slow work runs off the loop as a [`Job`] on its own thread and reports back over the same
//! channel; a job carries a generation from [`Latest`] so that, for filter-as-you-type, only
//! the newest request's answer is applied. tokio is not a dependency yet: [`spawn_job`] and
//! [`spawn_input`] are the seam where tokio tasks (and the API client) will plug in.
//!
//! Screens are not here yet: when they come, [`App`] gets a screen stack, [`map_key`] asks the
//! top screen first, and [`view`] draws it between the header and the footer.

use super::Ui;
use super::keymap::{Context, Keymap, KeymapWarning};
use super::terminal::{Options, TerminalGuard};
use super::widgets::dialog::Toast;
use super::widgets::help::render_help;
use super::widgets::statusbar::{Header, render_footer};
use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::any::Any;
use std::collections::HashMap;
use std::io;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

/// What a job hands back: a value for the screen to downcast, or a message for the user.
pub type JobOutput = Result<Box<dyn Any + Send>, String>;

/// Everything that reaches the loop.
pub enum Msg {
    Term(TermEvent),
    /// A job finished.
    Done {
        kind: &'static str,
        generation: u64,
        output: JobOutput,
    },
}

/// A piece of slow work (an API call, an export) to run off the loop.
pub struct Job {
    /// What kind of request this is; [`Latest`] keeps one generation per kind.
    pub kind: &'static str,
    pub generation: u64,
    pub run: Box<dyn FnOnce() -> JobOutput + Send>,
}

/// What [`update`] can do.
pub enum Action {
    Quit,
    ToggleHelp,
    /// Esc with nothing else to close.
    Back,
    /// Repaint the whole screen (Ctrl-L).
    Redraw,
    /// The terminal changed size.
    Resize,
    DismissToast,
    Notify(Toast),
    JobDone {
        kind: &'static str,
        generation: u64,
        output: JobOutput,
    },
}

/// What the loop must do after [`update`].
pub enum Effect {
    Quit,
    /// Forget the screen contents so the next draw repaints everything.
    ClearScreen,
    Spawn(Job),
}

/// Generations of requests by kind: only the answer to the latest one counts.
#[derive(Debug, Default)]
pub struct Latest {
    next: u64,
    current: HashMap<&'static str, u64>,
}

impl Latest {
    /// A new generation for `kind`; older ones become stale.
    pub fn issue(&mut self, kind: &'static str) -> u64 {
        self.next += 1;
        self.current.insert(kind, self.next);
        self.next
    }

    pub fn is_current(&self, kind: &'static str, generation: u64) -> bool {
        self.current.get(kind) == Some(&generation)
    }
}

/// The whole UI state.
pub struct App {
    pub ui: Ui,
    pub keymap: Keymap,
    pub header: Header,
    /// The key context of what has the focus (screens set it).
    pub context: Context,
    pub help: bool,
    pub toast: Option<Toast>,
    pub latest: Latest,
    pub running: bool,
    dirty: bool,
}

impl App {
    /// A new state; keymap warnings are shown at once in a toast.
    pub fn new(ui: Ui, keymap: Keymap, warnings: &[KeymapWarning]) -> App {
        let toast = (!warnings.is_empty()).then(|| {
            let text = warnings
                .iter()
                .map(|w| w.message(ui.lang))
                .collect::<Vec<_>>()
                .join("\n");
            Toast {
                kind: super::widgets::dialog::ToastKind::Warning,
                message: text,
            }
        });
        App {
            ui,
            keymap,
            header: Header::default(),
            context: Context::Global,
            help: false,
            toast,
            latest: Latest::default(),
            running: true,
            dirty: true,
        }
    }

    /// Marks the screen as needing a redraw.
    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// Whether a redraw is needed, clearing the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }
}

/// Translates a key into an action: overlays first (toast, help), then the global keys.
/// `None` means the key changes nothing.
pub fn map_key(app: &App, ev: &KeyEvent) -> Option<Action> {
    if app.toast.is_some() {
        return Toast::dismisses(ev, &app.keymap).then_some(Action::DismissToast);
    }
    let cmd = app.keymap.resolve(app.context, ev).map(|(_, c)| c);
    if app.help {
        return matches!(cmd, Some("help" | "back")).then_some(Action::ToggleHelp);
    }
    match cmd? {
        "help" => Some(Action::ToggleHelp),
        "quit" => Some(Action::Quit),
        "redraw" => Some(Action::Redraw),
        "back" => Some(Action::Back),
        _ => None,
    }
}

/// Applies one action.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            app.running = false;
            return vec![Effect::Quit];
        }
        Action::ToggleHelp => app.help = !app.help,
        Action::Back => return Vec::new(),
        Action::Redraw => {
            app.touch();
            return vec![Effect::ClearScreen];
        }
        Action::Resize => {}
        Action::DismissToast => app.toast = None,
        Action::Notify(t) => app.toast = Some(t),
        Action::JobDone {
            kind,
            generation,
            output,
        } => {
            if !app.latest.is_current(kind, generation) {
                return Vec::new(); // a newer request is on its way
            }
            match output {
                Err(message) => app.toast = Some(Toast::error(&message)),
                Ok(_) => return Vec::new(), // screens will take the value
            }
        }
    }
    app.touch();
    Vec::new()
}

/// Turns a message into an action.
pub fn to_action(app: &App, msg: Msg) -> Option<Action> {
    match msg {
        Msg::Term(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => map_key(app, &k),
        Msg::Term(TermEvent::Resize(_, _)) => Some(Action::Resize),
        Msg::Term(_) => None,
        Msg::Done {
            kind,
            generation,
            output,
        } => Some(Action::JobDone {
            kind,
            generation,
            output,
        }),
    }
}

/// The first message and every one already waiting behind it.
pub fn drain<T>(first: T, rx: &Receiver<T>) -> Vec<T> {
    let mut batch = vec![first];
    loop {
        match rx.try_recv() {
            Ok(m) => batch.push(m),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => return batch,
        }
    }
}

/// Applies a batch of messages; returns the effects in order.
pub fn step(app: &mut App, batch: Vec<Msg>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for msg in batch {
        if let Some(action) = to_action(app, msg) {
            effects.extend(update(app, action));
        }
    }
    effects
}

/// The loop: wait, drain, step, carry out effects, draw once if dirty. Returns when an effect
/// says quit or every sender is gone.
pub fn run_loop(
    app: &mut App,
    rx: &Receiver<Msg>,
    tx: &Sender<Msg>,
    mut draw: impl FnMut(&mut App) -> io::Result<()>,
    mut clear: impl FnMut() -> io::Result<()>,
    spawn: impl Fn(Job, Sender<Msg>),
) -> io::Result<()> {
    if app.take_dirty() {
        draw(app)?;
    }
    while let Ok(first) = rx.recv() {
        for effect in step(app, drain(first, rx)) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::ClearScreen => clear()?,
                Effect::Spawn(job) => spawn(job, tx.clone()),
            }
        }
        if app.take_dirty() {
            draw(app)?;
        }
    }
    Ok(())
}

/// Runs a job on its own thread and sends its result back (the seam for tokio tasks).
pub fn spawn_job(job: Job, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        let output = (job.run)();
        let _ = tx.send(Msg::Done {
            kind: job.kind,
            generation: job.generation,
            output,
        });
    });
}

/// Reads terminal events on a thread and forwards them until the loop is gone. (A blocking
/// read cannot be interrupted; the thread ends with the process.)
pub fn spawn_input(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            if tx.send(Msg::Term(ev)).is_err() {
                break;
            }
        }
    });
}

/// Draws the frame: header, (screens later), footer generated from the keymap, overlays.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.height < 3 {
        return;
    }
    let buf = frame.buffer_mut();
    app.header.render(Rect { height: 1, ..area }, buf, &app.ui);
    let body = Rect {
        y: area.y + 1,
        height: area.height - 2,
        ..area
    };
    let footer = Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    };
    let km = &app.keymap;
    let mut hints = Vec::new();
    if app.context != Context::Global {
        hints.extend(km.hints(app.context));
    }
    if !app.context.is_modal() {
        hints.extend(
            km.hints(Context::Global)
                .into_iter()
                .filter(|h| h.label_key != "key.help"),
        );
    }
    let help = km.hints_for(Context::Global, &["help"]);
    render_footer(footer, buf, &app.ui, &hints, help.first());
    if app.help {
        render_help(body, buf, &app.ui, km, app.context, 0);
    }
    if let Some(t) = &app.toast {
        t.render(body, buf, &app.ui, km);
    }
}

/// Runs the UI until quit: terminal guard, input thread, loop. (Wired to a command once the
/// first screens exist.)
pub fn run(options: Options, mut app: App) -> io::Result<()> {
    let mut guard = TerminalGuard::enter(options)?;
    let (tx, rx) = std::sync::mpsc::channel();
    spawn_input(tx.clone());
    let guard_cell = std::cell::RefCell::new(&mut guard);
    run_loop(
        &mut app,
        &rx,
        &tx,
        |app| guard_cell.borrow_mut().draw(|f| view(app, f)),
        || guard_cell.borrow_mut().clear(),
        spawn_job,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::tui::terminal::draw_synchronized;
    use crate::tui::terminal::tests::fixed_terminal;
    use crate::tui::widgets::testing::{ctrl, key, screen_text};
    use crossterm::event::KeyCode;
    use std::sync::mpsc::channel;

    fn app() -> App {
        App::new(Ui::default(), Keymap::defaults(), &[])
    }

    fn k(code: KeyCode) -> Msg {
        Msg::Term(TermEvent::Key(key(code)))
    }

    #[test]
    fn drain_takes_everything_pending() {
        let (tx, rx) = channel();
        for i in 1..5 {
            tx.send(i).unwrap();
        }
        let first = rx.recv().unwrap();
        assert_eq!(drain(first, &rx), vec![1, 2, 3, 4]);
        drop(tx);
        assert_eq!(drain(9, &rx), vec![9]);
    }

    #[test]
    fn a_batch_is_drawn_once() {
        let mut app = app();
        let (tx, rx) = channel();
        for m in [k(KeyCode::F(1)), k(KeyCode::F(1)), k(KeyCode::F(1))] {
            tx.send(m).unwrap();
        }
        tx.send(Msg::Term(TermEvent::Resize(100, 30))).unwrap();
        drop(tx); // the loop ends once the channel is empty and closed
        let mut draws = 0;
        run_loop(
            &mut app,
            &rx,
            &channel().0,
            |_| {
                draws += 1;
                Ok(())
            },
            || Ok(()),
            |_, _| {},
        )
        .unwrap();
        // the first frame, then one for the whole batch of four
        assert_eq!(draws, 2);
        assert!(app.help, "three toggles leave help open");
    }

    #[test]
    fn nothing_changed_nothing_drawn() {
        let mut app = app();
        assert!(app.take_dirty());
        let effects = step(&mut app, vec![k(KeyCode::Char('z')), k(KeyCode::Tab)]);
        assert!(effects.is_empty());
        assert!(!app.take_dirty());
        // a key release (Windows reports them) is not a key press
        let mut release = key(KeyCode::F(1));
        release.kind = KeyEventKind::Release;
        step(&mut app, vec![Msg::Term(TermEvent::Key(release))]);
        assert!(!app.help && !app.take_dirty());
    }

    #[test]
    fn quit_and_redraw_effects() {
        let mut app = app();
        let effects = step(
            &mut app,
            vec![ctrl('l')]
                .into_iter()
                .map(|e| Msg::Term(TermEvent::Key(e)))
                .collect(),
        );
        assert!(matches!(effects.as_slice(), [Effect::ClearScreen]));
        let effects = step(&mut app, vec![k(KeyCode::F(10))]);
        assert!(matches!(effects.as_slice(), [Effect::Quit]));
        assert!(!app.running);
        let mut app = super::tests::app();
        let (tx, rx) = channel();
        tx.send(k(KeyCode::Char('q'))).unwrap();
        tx.send(k(KeyCode::F(1))).unwrap();
        let mut draws = 0;
        run_loop(
            &mut app,
            &rx,
            &tx,
            |_| {
                draws += 1;
                Ok(())
            },
            || Ok(()),
            |_, _| {},
        )
        .unwrap();
        assert_eq!(draws, 1, "quit leaves before drawing the rest of the batch");
    }

    #[test]
    fn only_the_latest_job_counts() {
        let mut app = app();
        app.take_dirty();
        let old = app.latest.issue("filter");
        let new = app.latest.issue("filter");
        let other = app.latest.issue("export");
        assert!(!app.latest.is_current("filter", old));
        let done = |generation, output| Msg::Done {
            kind: "filter",
            generation,
            output,
        };
        step(&mut app, vec![done(old, Err("超时".into()))]);
        assert!(
            app.toast.is_none() && !app.take_dirty(),
            "a stale answer is dropped"
        );
        step(&mut app, vec![done(new, Err("网络中断".into()))]);
        assert_eq!(
            app.toast.as_ref().map(|t| t.message.as_str()),
            Some("网络中断")
        );
        assert!(app.take_dirty());
        assert!(app.latest.is_current("export", other));
        // the toast takes Esc first
        step(&mut app, vec![k(KeyCode::Esc)]);
        assert!(app.toast.is_none());
    }

    #[test]
    fn jobs_run_off_the_loop_and_report_back() {
        let (tx, rx) = channel();
        spawn_job(
            Job {
                kind: "ping",
                generation: 7,
                run: Box::new(|| Ok(Box::new(42u32) as Box<dyn Any + Send>)),
            },
            tx,
        );
        match rx.recv().unwrap() {
            Msg::Done {
                kind,
                generation,
                output,
            } => {
                assert_eq!((kind, generation), ("ping", 7));
                assert_eq!(output.unwrap().downcast_ref::<u32>(), Some(&42));
            }
            Msg::Term(_) => panic!("expected a job result"),
        }
    }

    #[test]
    fn keymap_warnings_show_at_start_and_frame_renders() {
        let mut km = Keymap::defaults();
        let mut warnings = km.patch("[list]\npass = [\"j\"]\n", "keys.toml");
        warnings.extend(km.conflicts());
        let mut app = App::new(Ui::new(Default::default(), false, Lang::Zh), km, &warnings);
        app.header.user = Some("张三".into());
        app.context = Context::List;
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        term.draw(|f| view(&app, f)).unwrap();
        let screen = screen_text(term.backend().buffer());
        insta::assert_snapshot!(screen);
        assert!(screen.contains("按键冲突"), "{screen}");
        // the same frame through the real backend is wrapped in synchronized output
        let (mut term, out) = fixed_terminal(80, 24);
        draw_synchronized(&mut term, |f| view(&app, f)).unwrap();
        assert!(out.take().starts_with("\x1b[?2026h"));
    }
}
