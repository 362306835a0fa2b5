//! The event loop (DESIGN.md §4): one owned [`App`] state with a stack of [`Screen`]s, an
//! [`Action`] per message, an [`update`] step that changes the state and returns [`Effect`]s,
//! and a loop that
//!
//! 1. waits for the next message (a terminal event, the answer of a job, a signal),
//! 2. drains every message already pending ([`drain`]),
//! 3. applies them all ([`step`]), carrying out the effects (quit, spawn a job, clear),
//! 4. draws **once**, and only if something changed (the `dirty` flag) — no frame rate, no
//!    timer: an idle screen writes nothing.
//!
//! Slow work runs off the loop as a [`Job`] (a future on the tokio runtime, see [`run`]) and
//! reports back over the same channel; a job carries a generation from [`Latest`] so that, for
//! filter-as-you-type, only the newest request's answer is applied.
//!
//! Keys go to the overlays first (toast, help), then to the top screen, and only when the
//! screen ignores them to the global bindings (help, back, quit, redraw).

use super::Ui;
use super::keymap::{Context, Keymap, KeymapWarning};
use super::screen::{Ctx, Job, JobOutput, Latest, Nav, Screen, Session};
use super::terminal::{Options, TerminalGuard};
use super::widgets::Handled;
use super::widgets::dialog::{Confirm, ConfirmEvent, Toast};
use super::widgets::help::render_help;
use super::widgets::statusbar::{Connection, Header, render_footer};
use crate::client::{ApiClient, ClientError};
use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::io;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

/// Everything that reaches the loop.
pub enum Msg {
    Term(TermEvent),
    /// A job finished.
    Done {
        screen: u64,
        kind: &'static str,
        generation: u64,
        output: JobOutput,
    },
    /// SIGTERM or SIGHUP (the SSH link dropped): leave cleanly.
    Terminate,
}

/// What [`update`] can do.
pub enum Action {
    Quit,
    Key(KeyEvent),
    Paste(String),
    /// The terminal changed size.
    Resize,
    JobDone {
        screen: u64,
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

struct Entry {
    id: u64,
    screen: Box<dyn Screen>,
}

/// The whole UI state.
pub struct App {
    pub ui: Ui,
    pub keymap: Keymap,
    pub header: Header,
    pub client: ApiClient,
    pub session: Session,
    pub help: bool,
    /// The first line of the help shown (it scrolls when taller than the screen).
    pub help_scroll: usize,
    pub toast: Option<Toast>,
    pub latest: Latest,
    pub running: bool,
    /// Asked before closing a screen with unsaved edits.
    leave: Option<Confirm>,
    stack: Vec<Entry>,
    next_id: u64,
    dirty: bool,
    /// Effects produced while opening screens outside [`update`] (the first screen).
    pending: Vec<Effect>,
    /// Keys typed while the top screen was still loading, given to it once it is ready.
    typeahead: std::collections::VecDeque<KeyEvent>,
}

/// At most this many keys wait for a loading screen (a key held down is not a plan).
const TYPEAHEAD: usize = 64;

impl App {
    /// A new state showing `root`; keymap warnings are shown at once in a toast.
    pub fn new(
        ui: Ui,
        keymap: Keymap,
        warnings: &[KeymapWarning],
        client: ApiClient,
        root: Box<dyn Screen>,
    ) -> App {
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
        let mut app = App {
            ui,
            keymap,
            header: Header::default(),
            client,
            session: Session::default(),
            help: false,
            help_scroll: 0,
            toast,
            latest: Latest::default(),
            running: true,
            leave: None,
            stack: Vec::new(),
            next_id: 0,
            dirty: true,
            pending: Vec::new(),
            typeahead: std::collections::VecDeque::new(),
        };
        let effects = app.navigate(vec![Nav::Reset(root)]);
        app.pending = effects;
        app
    }

    /// Effects waiting from construction (the first screen's loads): the loop runs them first.
    pub fn take_pending(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.pending)
    }

    /// Closes every screen and opens `screen` (log-in, log-out, tests).
    pub fn reset_to(&mut self, screen: Box<dyn Screen>) -> Vec<Effect> {
        let effects = self.navigate(vec![Nav::Reset(screen)]);
        self.refresh_header();
        self.touch();
        effects
    }

    /// Marks the screen as needing a redraw.
    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// Whether a redraw is needed, clearing the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// The key context of what has the focus.
    pub fn context(&self) -> Context {
        if self.leave.is_some() {
            return Context::Dialog;
        }
        self.stack
            .last()
            .map(|e| e.screen.context())
            .unwrap_or(Context::Global)
    }

    /// How many screens are open.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The top screen's title.
    pub fn title(&self) -> String {
        self.stack
            .last()
            .map(|e| e.screen.title(&self.ui))
            .unwrap_or_default()
    }

    /// Runs `f` on the top screen with a [`Ctx`], then applies what it asked for.
    fn with_top<R>(&mut self, f: impl FnOnce(&mut dyn Screen, &mut Ctx) -> R) -> (R, Vec<Effect>) {
        let App {
            stack,
            ui,
            keymap,
            client,
            session,
            latest,
            ..
        } = self;
        let entry = stack.last_mut().expect("a screen is always open");
        let mut cx = Ctx::new(ui, keymap, client, session, latest, entry.id);
        let r = f(entry.screen.as_mut(), &mut cx);
        let parts = cx_parts(cx);
        let effects = self.absorb(parts);
        (r, effects)
    }

    /// Applies what a screen asked for: toast, jobs, navigation, quit.
    fn absorb(&mut self, parts: CtxParts) -> Vec<Effect> {
        let CtxParts {
            jobs,
            nav,
            toast,
            quit,
        } = parts;
        let before = self.header.clone();
        let visible = toast.is_some() || !nav.is_empty() || quit;
        if toast.is_some() {
            self.toast = toast;
        }
        let mut effects: Vec<Effect> = jobs.into_iter().map(Effect::Spawn).collect();
        effects.extend(self.navigate(nav));
        if quit {
            self.running = false;
            effects.push(Effect::Quit);
        }
        self.refresh_header();
        if visible || self.header != before {
            self.touch();
        }
        effects
    }

    fn open(&mut self, screen: Box<dyn Screen>) -> Vec<Effect> {
        self.next_id += 1;
        self.stack.push(Entry {
            id: self.next_id,
            screen,
        });
        let (_, effects) = self.with_top(|s, cx| s.start(cx));
        effects
    }

    fn close_top(&mut self) {
        if let Some(e) = self.stack.pop() {
            self.latest.forget(e.id);
        }
    }

    fn navigate(&mut self, nav: Vec<Nav>) -> Vec<Effect> {
        if !nav.is_empty() {
            // another screen is on top: it must be drawn
            self.touch();
        }
        let mut effects = Vec::new();
        for n in nav {
            match n {
                Nav::Push(s) => effects.extend(self.open(s)),
                Nav::Pop => {
                    if self.stack.len() > 1 {
                        self.close_top();
                        let (_, e) = self.with_top(|s, cx| s.resumed(cx));
                        effects.extend(e);
                    }
                }
                Nav::Replace(s) => {
                    self.close_top();
                    effects.extend(self.open(s));
                }
                Nav::Reset(s) => {
                    while !self.stack.is_empty() {
                        self.close_top();
                    }
                    effects.extend(self.open(s));
                }
            }
        }
        effects
    }

    /// The header from the session and the number of requests in flight.
    fn refresh_header(&mut self) {
        match &self.session.account {
            Some(a) => {
                self.header.user = Some(a.display_name.clone());
                self.header.role = Some(a.role_label(self.ui.lang));
                self.header.region = a.region_name();
            }
            None => {
                self.header.user = None;
                self.header.role = None;
                self.header.region = None;
            }
        }
        self.header.busy = self.latest.pending() > 0;
    }

    /// Esc or `q` on a screen that ignored it: close it (asking first if it holds unsaved
    /// edits); on the first screen `q` quits and Esc does nothing.
    fn back(&mut self, quit_at_root: bool) -> Vec<Effect> {
        if self.stack.len() <= 1 {
            if quit_at_root {
                self.running = false;
                return vec![Effect::Quit];
            }
            return Vec::new();
        }
        let unsaved = self.stack.last().is_some_and(|e| e.screen.has_unsaved());
        if unsaved {
            self.leave = Some(Confirm::new(
                &self.ui.tr("app.leave.title"),
                &self.ui.tr("app.leave.body"),
                &self.ui.tr("app.leave.confirm"),
                &self.ui.tr("app.leave.cancel"),
            ));
            self.touch();
            return Vec::new();
        }
        self.navigate(vec![Nav::Pop])
    }

    /// Puts the top screen's workspace scope into the keymap.
    fn sync_scope(&self) {
        self.keymap
            .set_scope(self.stack.last().and_then(|e| e.screen.scope()));
    }

    fn on_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        self.sync_scope();
        if let Some(t) = &self.toast {
            use super::widgets::dialog::ToastKind;
            if matches!(t.kind, ToastKind::Info | ToastKind::Success) {
                // good news needs no answer: it goes with the next key, which still acts
                // unless it is a key that closes messages (Esc, Enter)
                self.toast = None;
                self.touch();
                if Toast::dismisses(&ev, &self.keymap) {
                    return Vec::new();
                }
            } else {
                // errors and warnings stay until dismissed, so they are read
                if Toast::dismisses(&ev, &self.keymap) {
                    self.toast = None;
                    self.touch();
                }
                return Vec::new();
            }
        }
        if let Some(dialog) = &mut self.leave {
            return match dialog.handle_key(&ev, &self.keymap) {
                Handled::Event(ConfirmEvent::Confirmed) => {
                    self.leave = None;
                    self.touch();
                    self.navigate(vec![Nav::Pop])
                }
                Handled::Event(ConfirmEvent::Cancelled) => {
                    self.leave = None;
                    self.touch();
                    Vec::new()
                }
                h => {
                    if h.changed() {
                        self.touch();
                    }
                    Vec::new()
                }
            };
        }
        let ctx = self.context();
        let global = self
            .keymap
            .resolve(ctx, &ev)
            .filter(|(c, _)| *c == Context::Global)
            .map(|(_, cmd)| cmd.to_string());
        if self.help {
            if matches!(global.as_deref(), Some("help" | "back")) {
                self.help = false;
                self.touch();
                return Vec::new();
            }
            let before = self.help_scroll;
            match self.keymap.resolve(Context::List, &ev).map(|(_, c)| c) {
                Some("down") => self.help_scroll += 1,
                Some("up") => self.help_scroll = self.help_scroll.saturating_sub(1),
                Some("half_page_down") => self.help_scroll += 10,
                Some("half_page_up") => self.help_scroll = self.help_scroll.saturating_sub(10),
                Some("top") => self.help_scroll = 0,
                _ => {}
            }
            // never past the last line
            let lines = super::widgets::help::line_count(&self.keymap, self.context());
            self.help_scroll = self.help_scroll.min(lines.saturating_sub(1));
            if self.help_scroll != before {
                self.touch();
            }
            return Vec::new();
        }
        // F1/F10/Ctrl-L work everywhere; a screen never sees them.
        match global.as_deref() {
            Some("help") if !ctx.is_text_entry() || !is_printable(&ev) => {
                self.help = true;
                self.help_scroll = 0;
                self.touch();
                return Vec::new();
            }
            Some("redraw") => {
                self.touch();
                return vec![Effect::ClearScreen];
            }
            _ => {}
        }
        if is_hard_quit(&ev) {
            self.running = false;
            return vec![Effect::Quit];
        }
        let loading = self.stack.last().is_some_and(|e| e.screen.loading());
        if loading {
            if matches!(global.as_deref(), Some("back" | "quit")) {
                // going back changes the plan: what was typed ahead goes too
                self.typeahead.clear();
            } else {
                if self.typeahead.len() < TYPEAHEAD {
                    self.typeahead.push_back(ev);
                }
                return Vec::new();
            }
        }
        let (handled, mut effects) = self.with_top(|s, cx| s.key(&ev, cx));
        if handled.changed() {
            self.touch();
        }
        if handled.consumed() {
            return effects;
        }
        match global.as_deref() {
            Some("help") => {
                self.help = true;
                self.help_scroll = 0;
                self.touch();
            }
            Some("back") => effects.extend(self.back(false)),
            Some("quit") => effects.extend(self.back(true)),
            _ => {}
        }
        effects
    }

    fn on_done(
        &mut self,
        screen: u64,
        kind: &'static str,
        generation: u64,
        output: JobOutput,
    ) -> Vec<Effect> {
        if !self.latest.is_current(screen, kind, generation) {
            return Vec::new(); // a newer request is on its way, or the screen is gone
        }
        let before = self.header.clone();
        self.latest.settle(screen, kind);
        match &output {
            Err(ClientError::Transport(_)) => self.header.connection = Connection::Offline,
            _ => self.header.connection = Connection::Online,
        }
        let Some(pos) = self.stack.iter().position(|e| e.id == screen) else {
            return Vec::new();
        };
        self.refresh_header();
        if self.header != before {
            self.touch();
        }
        // a failure of the top screen changes the plan keys were typed ahead for
        if output.is_err() && pos + 1 == self.stack.len() {
            self.typeahead.clear();
        }
        let App {
            stack,
            ui,
            keymap,
            client,
            session,
            latest,
            ..
        } = self;
        let entry = &mut stack[pos];
        let mut cx = Ctx::new(ui, keymap, client, session, latest, entry.id);
        let changed = match output {
            Ok(v) => entry.screen.done(kind, v, &mut cx),
            Err(e) => entry.screen.failed(kind, e, &mut cx),
        };
        // an answer for a screen under the top one changes nothing visible yet
        let visible = changed && pos + 1 == stack.len();
        let parts = cx_parts(cx);
        if visible {
            self.touch();
        }
        let mut effects = self.absorb(parts);
        effects.extend(self.replay_typeahead());
        effects
    }

    /// Gives the keys typed ahead to the top screen once it has stopped loading, in order; a
    /// key that opens another loading screen keeps the rest waiting for that one. An error
    /// shown meanwhile drops them: the plan they were typed for has changed.
    fn replay_typeahead(&mut self) -> Vec<Effect> {
        use super::widgets::dialog::ToastKind;
        if self
            .toast
            .as_ref()
            .is_some_and(|t| !matches!(t.kind, ToastKind::Info | ToastKind::Success))
        {
            self.typeahead.clear();
            return Vec::new();
        }
        if self.typeahead.is_empty() || self.stack.last().is_none_or(|e| e.screen.loading()) {
            return Vec::new();
        }
        let keys = std::mem::take(&mut self.typeahead);
        let mut effects = Vec::new();
        for k in keys {
            effects.extend(self.on_key(k));
        }
        effects
    }
}

struct CtxParts {
    jobs: Vec<Job>,
    nav: Vec<Nav>,
    toast: Option<Toast>,
    quit: bool,
}

fn cx_parts(cx: Ctx) -> CtxParts {
    CtxParts {
        jobs: cx.jobs,
        nav: cx.nav,
        toast: cx.toast,
        quit: cx.quit,
    }
}

fn is_printable(ev: &KeyEvent) -> bool {
    super::keymap::Key::from_event(ev).is_printable()
}

/// Ctrl-C always leaves (drafts are kept by the screens as they are typed).
fn is_hard_quit(ev: &KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL)
}

/// Applies one action.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            app.running = false;
            vec![Effect::Quit]
        }
        Action::Key(ev) => app.on_key(ev),
        Action::Paste(text) => {
            let (changed, effects) = app.with_top(|s, cx| s.paste(&text, cx));
            if changed {
                app.touch();
            }
            effects
        }
        Action::Resize => {
            app.touch();
            Vec::new()
        }
        Action::JobDone {
            screen,
            kind,
            generation,
            output,
        } => app.on_done(screen, kind, generation, output),
    }
}

/// Turns a message into an action.
pub fn to_action(msg: Msg) -> Option<Action> {
    match msg {
        Msg::Term(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => Some(Action::Key(k)),
        Msg::Term(TermEvent::Paste(text)) => Some(Action::Paste(text)),
        Msg::Term(TermEvent::Resize(_, _)) => Some(Action::Resize),
        Msg::Term(_) => None,
        Msg::Terminate => Some(Action::Quit),
        Msg::Done {
            screen,
            kind,
            generation,
            output,
        } => Some(Action::JobDone {
            screen,
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

/// Applies a batch of messages; returns the effects in order. Stops at a quit.
pub fn step(app: &mut App, batch: Vec<Msg>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for msg in batch {
        if let Some(action) = to_action(msg) {
            let more = update(app, action);
            let quit = more.iter().any(|e| matches!(e, Effect::Quit));
            effects.extend(more);
            if quit {
                break;
            }
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
    for effect in app.take_pending() {
        if let Effect::Spawn(job) = effect {
            spawn(job, tx.clone());
        }
    }
    app.refresh_header();
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

/// Runs a job on the tokio runtime and sends its result back.
pub fn spawn_on(handle: &tokio::runtime::Handle, job: Job, tx: Sender<Msg>) {
    handle.spawn(async move {
        let output = job.work.await;
        let _ = tx.send(Msg::Done {
            screen: job.screen,
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

/// Draws the frame: header, the top screen, footer generated from the keymap, overlays.
pub fn view(app: &mut App, frame: &mut Frame) {
    let area = frame.area();
    if area.height < 3 {
        return;
    }
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
    app.sync_scope();
    let ctx = app.context();
    let mut cursor = None;
    {
        let buf = frame.buffer_mut();
        app.header.render(Rect { height: 1, ..area }, buf, &app.ui);
        if let Some(top) = app.stack.last_mut() {
            top.screen.render(body, buf, &app.ui);
            if app.leave.is_none() && !app.help && app.toast.is_none() {
                cursor = top.screen.cursor();
            }
        }
        let km = &app.keymap;
        let mut hints = Vec::new();
        let at_root = app.stack.len() <= 1;
        // Esc first (the way out matters most on a narrow footer), then the screen's own
        // keys, then quit at the first screen
        if !ctx.is_modal() && !at_root {
            hints.extend(km.hints_for(Context::Global, &["back"]));
        }
        if app.leave.is_some() {
            hints.extend(km.hints(Context::Dialog));
        } else if let Some(top) = app.stack.last() {
            hints.extend(top.screen.hints(km));
        }
        if !ctx.is_modal() && at_root {
            hints.extend(km.hints_for(Context::Global, &["quit"]));
        }
        let help = km.hints_for(Context::Global, &["help"]);
        render_footer(footer, buf, &app.ui, &hints, help.first());
        if let Some(d) = &app.leave {
            d.render(body, buf, &app.ui);
        }
        if app.help {
            render_help(body, buf, &app.ui, km, ctx, app.help_scroll);
        }
        if let Some(t) = &app.toast {
            t.render(body, buf, &app.ui, km);
        }
    }
    if let Some(p) = cursor {
        frame.set_cursor_position(p);
    }
}

/// Runs the UI until quit: terminal guard, input thread, signal watcher, loop. Jobs run on
/// `rt`.
pub fn run(options: Options, mut app: App, rt: &tokio::runtime::Runtime) -> io::Result<()> {
    let mut guard = TerminalGuard::enter(options)?;
    let (tx, rx) = std::sync::mpsc::channel();
    spawn_input(tx.clone());
    watch_signals(rt, tx.clone());
    let handle = rt.handle().clone();
    let guard_cell = std::cell::RefCell::new(&mut guard);
    run_loop(
        &mut app,
        &rx,
        &tx,
        |app| guard_cell.borrow_mut().draw(|f| view(app, f)),
        || guard_cell.borrow_mut().clear(),
        |job, tx| spawn_on(&handle, job, tx),
    )
}

/// SIGTERM and SIGHUP (an SSH link that dropped) end the loop like a quit, so the terminal
/// guard restores the terminal and nothing is left half-written.
fn watch_signals(rt: &tokio::runtime::Runtime, tx: Sender<Msg>) {
    #[cfg(unix)]
    rt.spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        tracing::info!("terminating on a signal");
        let _ = tx.send(Msg::Terminate);
    });
    #[cfg(not(unix))]
    let _ = (rt, tx);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiClient;
    use crate::tui::screen::take;
    use crate::tui::widgets::testing::key;
    use crossterm::event::KeyCode;
    use ratatui::buffer::Buffer;
    use std::any::Any;
    use std::sync::mpsc::channel;

    /// A screen that counts keys and asks for a value on `f` (a "filter" request).
    struct Probe {
        seen: Vec<String>,
        answers: std::sync::Arc<std::sync::Mutex<Vec<u32>>>,
    }

    impl Screen for Probe {
        fn title(&self, _ui: &Ui) -> String {
            "probe".into()
        }
        fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
            match ev.code {
                KeyCode::Char('f') => {
                    let n = self.seen.len() as u32;
                    cx.spawn("filter", move |_c| async move { Ok::<u32, ClientError>(n) });
                    self.seen.push("f".into());
                    Handled::Unchanged
                }
                KeyCode::Char('z') => Handled::Unchanged,
                KeyCode::Char(c @ 'a'..='e') => {
                    self.seen.push(c.to_string());
                    Handled::Changed
                }
                _ => Handled::Ignored,
            }
        }
        fn done(&mut self, _k: &'static str, v: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
            self.answers.lock().unwrap().extend(take::<u32>(v));
            true
        }
        fn render(&mut self, _a: Rect, _b: &mut Buffer, _ui: &Ui) {}
    }

    type Answers = std::sync::Arc<std::sync::Mutex<Vec<u32>>>;

    fn probe_with(answers: &Answers) -> Box<dyn Screen> {
        Box::new(Probe {
            seen: Vec::new(),
            answers: answers.clone(),
        })
    }

    fn probe() -> Box<dyn Screen> {
        probe_with(&Answers::default())
    }

    fn app_with(answers: &Answers) -> App {
        // never called: the probe's jobs do not use the client
        let client = ApiClient::http("http://127.0.0.1:9").unwrap();
        App::new(
            Ui::default(),
            Keymap::defaults(),
            &[],
            client,
            probe_with(answers),
        )
    }

    fn app() -> App {
        app_with(&Answers::default())
    }

    fn k(code: KeyCode) -> Msg {
        Msg::Term(TermEvent::Key(key(code)))
    }

    fn jobs(effects: Vec<Effect>) -> Vec<Job> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Spawn(j) => Some(j),
                _ => None,
            })
            .collect()
    }

    fn run(job: Job) -> Msg {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let output = rt.block_on(job.work);
        Msg::Done {
            screen: job.screen,
            kind: job.kind,
            generation: job.generation,
            output,
        }
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
        for m in [
            k(KeyCode::Char('a')),
            k(KeyCode::Char('b')),
            k(KeyCode::F(1)),
        ] {
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
        assert!(app.help, "F1 opened the help");
    }

    #[test]
    fn nothing_changed_nothing_drawn() {
        let mut app = app();
        assert!(app.take_dirty());
        let effects = step(&mut app, vec![k(KeyCode::Char('z')), k(KeyCode::Tab)]);
        assert!(effects.is_empty());
        assert!(!app.take_dirty(), "an unchanged screen is not redrawn");
        // a key release (Windows reports them) is not a key press
        let mut release = key(KeyCode::Char('a'));
        release.kind = KeyEventKind::Release;
        step(&mut app, vec![Msg::Term(TermEvent::Key(release))]);
        assert!(!app.take_dirty());
        step(&mut app, vec![k(KeyCode::Char('a'))]);
        assert!(app.take_dirty());
    }

    #[test]
    fn only_the_latest_answer_of_a_kind_is_applied() {
        let answers = Answers::default();
        let mut app = app_with(&answers);
        let first = jobs(step(&mut app, vec![k(KeyCode::Char('f'))]));
        let second = jobs(step(&mut app, vec![k(KeyCode::Char('f'))]));
        assert!(app.header.busy, "the header says work is in flight");
        // the newer answer arrives first, then the older one: only the newer counts
        step(&mut app, vec![run(second.into_iter().next().unwrap())]);
        step(&mut app, vec![run(first.into_iter().next().unwrap())]);
        assert_eq!(*answers.lock().unwrap(), vec![1]);
        assert!(!app.header.busy, "nothing in flight any more");
    }

    /// A screen that opens a probe on `o`.
    struct Opener;

    impl Screen for Opener {
        fn title(&self, _ui: &Ui) -> String {
            "opener".into()
        }
        fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
            if ev.code == KeyCode::Char('o') {
                cx.push(Probe {
                    seen: Vec::new(),
                    answers: Answers::default(),
                });
                return Handled::Unchanged;
            }
            Handled::Ignored
        }
        fn done(&mut self, _k: &'static str, _v: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
            false
        }
        fn render(&mut self, _a: Rect, _b: &mut Buffer, _ui: &Ui) {}
    }

    #[test]
    fn opening_and_leaving_a_screen_redraws_at_once() {
        let client = ApiClient::http("http://127.0.0.1:9").unwrap();
        let mut app = App::new(
            Ui::default(),
            Keymap::defaults(),
            &[],
            client,
            Box::new(Opener),
        );
        app.take_dirty();
        step(&mut app, vec![k(KeyCode::Char('o'))]);
        assert_eq!(app.depth(), 2);
        assert!(app.take_dirty(), "the new screen is drawn");
        step(&mut app, vec![k(KeyCode::Esc)]);
        assert_eq!(app.depth(), 1);
        assert!(
            app.take_dirty(),
            "Esc shows the screen below without waiting for a key"
        );
    }

    #[test]
    fn answers_for_a_closed_screen_are_dropped() {
        let mut app = app();
        let open = |app: &mut App| {
            let e = app.reset_to(probe());
            assert!(e.is_empty());
        };
        open(&mut app);
        let pending = jobs(step(&mut app, vec![k(KeyCode::Char('f'))]));
        open(&mut app); // a new screen replaces the one that asked
        app.take_dirty();
        let effects = step(&mut app, vec![run(pending.into_iter().next().unwrap())]);
        assert!(effects.is_empty());
        assert!(!app.take_dirty(), "a stale answer changes nothing");
    }

    #[test]
    fn quit_redraw_and_signals() {
        let mut app = app();
        let effects = step(
            &mut app,
            vec![Msg::Term(TermEvent::Key(
                crate::tui::widgets::testing::ctrl('l'),
            ))],
        );
        assert!(matches!(effects.as_slice(), [Effect::ClearScreen]));
        let effects = step(&mut app, vec![k(KeyCode::F(10))]);
        assert!(matches!(effects.as_slice(), [Effect::Quit]));
        let mut app = super::tests::app();
        let effects = step(&mut app, vec![Msg::Terminate, k(KeyCode::Char('a'))]);
        assert!(matches!(effects.as_slice(), [Effect::Quit]));
        assert!(!app.running);
        // quit leaves before drawing the rest of the batch
        let mut app = super::tests::app();
        let (tx, rx) = channel();
        tx.send(k(KeyCode::Char('q'))).unwrap();
        tx.send(k(KeyCode::Char('a'))).unwrap();
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
        assert_eq!(draws, 1);
    }
}
