//! Drives the real `zjtx` binary in a pseudo-terminal: keys in, the screen read back through a
#![allow(dead_code)] // each test file uses part of it
//! VT100 parser. Every wait is bounded.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tui {
    /// Starts `zjtx ARGS` at `cols`×`rows` with its config, data and state in `home`.
    pub fn start(home: &Path, args: &[&str], cols: u16, rows: u16) -> Tui {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_zjtx"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("ZJTX_CONFIG_DIR", home.join("config"));
        cmd.env("ZJTX_KEYRING", "off");
        cmd.env_remove("ZJTX_SERVER");
        cmd.env_remove("ZJTX_TOKEN");
        cmd.env_remove("NO_COLOR");
        let child = pair.slave.spawn_command(cmd).expect("start zjtx");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).expect("rows"),
            std::num::NonZeroU16::new(cols).expect("cols"),
            0,
        )));
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        Tui {
            parser,
            writer,
            child,
            _master: pair.master,
        }
    }

    /// The screen's text, one line per row.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text` (at most `secs` seconds); panics with the screen.
    pub fn wait_for(&self, text: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "`{text}` did not appear within {secs} s; the screen:\n{}",
            self.screen()
        );
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
        std::thread::sleep(Duration::from_millis(30));
    }

    /// Sends several keys in turn.
    pub fn keys(&mut self, keys: &[&[u8]]) {
        for k in keys {
            self.send(k);
        }
    }

    /// Types text as a user would, one character at a time.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let mut b = [0u8; 4];
            self.send(c.encode_utf8(&mut b).as_bytes());
        }
    }

    /// Waits for the program to end (at most `secs`); returns whether it did.
    pub fn wait_exit(&mut self, secs: u64) -> Option<portable_pty::ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub const ENTER: &[u8] = b"\r";
pub const TAB: &[u8] = b"\t";
pub const ESC: &[u8] = b"\x1b";
pub const DOWN: &[u8] = b"\x1b[B";
pub const END: &[u8] = b"\x1b[F";
pub const F9: &[u8] = b"\x1b[20~";
pub const F7: &[u8] = b"\x1b[18~";
pub const RIGHT: &[u8] = b"\x1b[C";
pub const BACKTAB: &[u8] = b"\x1b[Z";
pub const PGUP: &[u8] = b"\x1b[5~";
pub const PGDN: &[u8] = b"\x1b[6~";
pub const BACKSPACE: &[u8] = b"\x7f";
