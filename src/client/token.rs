//! Where the command line keeps its bearer token: `ZJTX_TOKEN` overrides everything (scripts);
//! otherwise a file `token` with mode 0600 in the config directory (`ZJTX_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/zjtx`, else `~/.config/zjtx`). The OS keyring comes later; this file is
//! the fallback it will keep for hosts without a keyring service.

use std::io;
use std::path::{Path, PathBuf};

/// The environment variable that overrides the stored token.
pub const TOKEN_ENV: &str = "ZJTX_TOKEN";

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

/// The token to use: `ZJTX_TOKEN`, else the stored one.
pub fn load(dir: &Path) -> Option<String> {
    if let Ok(t) = std::env::var(TOKEN_ENV)
        && !t.trim().is_empty()
    {
        return Some(t.trim().to_string());
    }
    std::fs::read_to_string(token_file(dir))
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Stores `token` readable by the owner only.
pub fn save(dir: &Path, token: &str) -> io::Result<()> {
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

/// Forgets the stored token (no error when there is none).
pub fn clear(dir: &Path) -> io::Result<()> {
    match std::fs::remove_file(token_file(dir)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_owner_only_loaded_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "abc").unwrap();
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
