//! Where the command line keeps its bearer token. `ZJTX_TOKEN` overrides everything (scripts).
//! Otherwise the token goes to the OS keyring (service `zjtx`, one entry per config directory);
//! where no keyring service answers within [`KEYRING_TIMEOUT`] (an SSH host without a desktop
//! session) or the keyring refuses, it goes to a file `token` with mode 0600 in the config
//! directory (`ZJTX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/zjtx`, else `~/.config/zjtx`).
//! `ZJTX_KEYRING=off` skips the keyring altogether (the file only).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// The environment variable that overrides the stored token.
pub const TOKEN_ENV: &str = "ZJTX_TOKEN";
/// The environment variable that turns the keyring off (`off`, `0`, `no`, `false`).
pub const KEYRING_ENV: &str = "ZJTX_KEYRING";
/// How long a keyring call may take before the file is used instead.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(2);
/// The keyring service name.
const KEYRING_SERVICE: &str = "zjtx";

/// Where a token was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// The OS keyring.
    Keyring,
    /// The 0600 file at this path; `why` tells why the keyring was not used.
    File { path: PathBuf, why: String },
}

impl std::fmt::Display for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stored::Keyring => write!(f, "the OS keyring"),
            Stored::File { path, why } => {
                write!(f, "{} (mode 0600; keyring: {why})", path.display())
            }
        }
    }
}

/// The config directory.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("ZJTX_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("zjtx"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|h| PathBuf::from(h).join(".config").join("zjtx"))
}

fn token_file(dir: &Path) -> PathBuf {
    dir.join("token")
}

/// Whether the keyring may be tried (`ZJTX_KEYRING` is not `off`).
pub fn keyring_enabled() -> bool {
    match std::env::var(KEYRING_ENV) {
        Ok(v) => !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "no" | "false"
        ),
        Err(_) => true,
    }
}

/// Runs `op` on the keyring entry of `dir` on its own thread, giving up after
/// [`KEYRING_TIMEOUT`] (a hung D-Bus call is left behind; it ends with the process).
fn with_keyring<T: Send + 'static>(
    dir: &Path,
    op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
) -> Result<T, String> {
    if !keyring_enabled() {
        return Err(format!("turned off by {KEYRING_ENV}"));
    }
    // One entry per config directory, so that separate profiles keep separate tokens.
    let user = dir.to_string_lossy().into_owned();
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("zjtx-keyring".into())
        .spawn(move || {
            let result = keyring::Entry::new(KEYRING_SERVICE, &user).and_then(|e| op(&e));
            let _ = tx.send(result);
        })
        .map_err(|e| format!("cannot start the keyring thread: {e}"))?;
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(format!("no answer within {} s", KEYRING_TIMEOUT.as_secs()))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the keyring call failed".into()),
    }
}

/// The token to use: `ZJTX_TOKEN`, else the file (present only when the keyring was not
/// usable at login), else the keyring.
pub fn load(dir: &Path) -> Option<String> {
    if let Ok(t) = std::env::var(TOKEN_ENV)
        && !t.trim().is_empty()
    {
        return Some(t.trim().to_string());
    }
    let clean = |t: String| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    if let Ok(t) = std::fs::read_to_string(token_file(dir))
        && let Some(t) = clean(t)
    {
        return Some(t);
    }
    with_keyring(dir, |e| e.get_password()).ok().and_then(clean)
}

/// Keeps `token`: in the keyring when it answers in time (and then removes an older file),
/// else in the owner-only file. Says where.
pub fn save(dir: &Path, token: &str) -> io::Result<Stored> {
    let secret = token.to_string();
    match with_keyring(dir, move |e| e.set_password(&secret)) {
        Ok(()) => {
            remove_file(dir)?;
            Ok(Stored::Keyring)
        }
        Err(why) => {
            save_file(dir, token)?;
            Ok(Stored::File {
                path: token_file(dir),
                why,
            })
        }
    }
}

/// Stores `token` in the file readable by the owner only.
pub fn save_file(dir: &Path, token: &str) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = token_file(dir);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    io::Write::write_all(&mut f, token.as_bytes())
}

fn remove_file(dir: &Path) -> io::Result<()> {
    match std::fs::remove_file(token_file(dir)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Forgets the stored token in both stores (no error when there is none; an unreachable
/// keyring holds nothing this host could have written).
pub fn clear(dir: &Path) -> io::Result<()> {
    remove_file(dir)?;
    match with_keyring(dir, |e| match e.delete_credential() {
        Err(keyring::Error::NoEntry) => Ok(()),
        other => other,
    }) {
        Ok(()) => Ok(()),
        // Nothing reachable to clear.
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_owner_only_loaded_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        save_file(dir.path(), "abc").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        if std::env::var_os(TOKEN_ENV).is_none() {
            assert_eq!(load(dir.path()).as_deref(), Some("abc"));
        }
        clear(dir.path()).unwrap();
        clear(dir.path()).unwrap();
        if std::env::var_os(TOKEN_ENV).is_none() {
            assert_eq!(load(dir.path()), None);
        }
    }
}
