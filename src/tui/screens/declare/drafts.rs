//! Local drafts: what the enterprise typed into a form, kept in the client's data directory so
//! that nothing typed is lost when the server is unreachable, the link drops, or the program is
//! closed before the form was saved.
//!
//! One JSON file per form (`<local_dir>/drafts/<account id>/<form key>.json`), written on every
//! change through a temporary file and a rename, so a crash leaves either the old or the new
//! draft, never half of one. A draft remembers whether the server still has to receive it
//! (`pending`): the form that opens it sends it as soon as the server answers again. It is
//! removed once the server has stored what it holds.

use crate::tui::screen::Session;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a form holds locally.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Field id → the text as typed (a choice as its option id).
    pub values: BTreeMap<String, String>,
    /// The server version the edits were made on.
    #[serde(default)]
    pub base_version: Option<i64>,
    /// The server has not stored these values yet (a save failed or was never made).
    #[serde(default)]
    pub pending: bool,
    /// What the form was built from (the server's form description), so the form can still
    /// be shown when the server cannot be reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
}

/// The drafts of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftStore {
    dir: PathBuf,
}

/// A form key as a file name: letters, digits, `-` and `_` only.
fn file_name(key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.json")
}

impl DraftStore {
    /// The drafts of `account` under `local_dir`.
    pub fn new(local_dir: &Path, account: &str) -> DraftStore {
        DraftStore {
            dir: local_dir
                .join("drafts")
                .join(file_name(account).trim_end_matches(".json")),
        }
    }

    /// The store of the logged-in account, if the client keeps local files.
    pub fn of(session: &Session) -> Option<DraftStore> {
        let dir = session.local_dir.as_deref()?;
        let account = session.account.as_ref()?;
        Some(DraftStore::new(dir, &account.id))
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(file_name(key))
    }

    /// The draft of a form, if one is kept (an unreadable file counts as none).
    pub fn load(&self, key: &str) -> Option<Draft> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!("local draft {key} is unreadable: {e}");
                None
            }
        }
    }

    /// Writes a draft atomically: a temporary file in the same directory, then a rename.
    pub fn save(&self, key: &str, draft: &Draft) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let target = self.path(key);
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", file_name(key), std::process::id()));
        {
            // readable by the user only: drafts hold the enterprise's figures
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            f.write_all(&serde_json::to_vec(draft).map_err(std::io::Error::other)?)?;
            f.flush()?;
        }
        std::fs::rename(&tmp, &target)
    }

    /// Forgets a draft (the server has it now).
    pub fn clear(&self, key: &str) {
        match std::fs::remove_file(self.path(key)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!("cannot remove local draft {key}: {e}"),
        }
    }

    /// Whether a draft is kept for `key`.
    pub fn has(&self, key: &str) -> bool {
        self.path(key).exists()
    }
}

/// Saves a draft and logs (never shows) a failure: a full disk must not stop typing.
pub fn keep(store: Option<&DraftStore>, key: &str, draft: &Draft) {
    if let Some(s) = store
        && let Err(e) = s.save(key, draft)
    {
        tracing::warn!("cannot keep the local draft {key}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_round_trip_and_are_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("zjtx-drafts-{}", uuid::Uuid::now_v7()));
        let store = DraftStore::new(&dir, "01a2-acc");
        assert!(store.load("declaration-1").is_none());
        let mut d = Draft::default();
        d.values.insert("revenue_y1".into(), "2880".into());
        d.pending = true;
        store.save("declaration-1", &d).unwrap();
        assert!(store.has("declaration-1"));
        assert_eq!(store.load("declaration-1"), Some(d.clone()));
        d.values.insert("employees".into(), "77".into());
        store.save("declaration-1", &d).unwrap();
        assert_eq!(store.load("declaration-1"), Some(d));
        // no temporary file is left behind
        let names: Vec<String> = std::fs::read_dir(dir.join("drafts").join("01a2-acc"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec!["declaration-1.json".to_string()]);
        // only the user can read it
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path("declaration-1"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.clear("declaration-1");
        assert!(store.load("declaration-1").is_none());
        store.clear("declaration-1");
        // a key cannot leave the directory
        assert_eq!(file_name("../x"), "___x.json");
        let _ = std::fs::remove_dir_all(dir);
    }
}
