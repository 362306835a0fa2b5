//! A form whose typed values are kept in a local draft ([`super::drafts`]) until the server has
//! them: the page of a major change and of an info update. (The declaration form, with its
//! sections, does the same on its own.)

use super::drafts::{Draft, DraftStore, keep};
use super::retry_delay;
use crate::tui::screen::Ctx;
use crate::tui::screens::FormPanel;
use crate::tui::widgets::form::{FieldKind, Value};
use std::collections::BTreeMap;

pub struct KeptForm {
    pub panel: FormPanel,
    key: String,
    drafts: Option<DraftStore>,
    /// What the server holds, as field texts.
    server: BTreeMap<String, String>,
    /// What the draft file holds.
    kept: BTreeMap<String, String>,
    failures: u32,
    retrying: bool,
}

impl KeptForm {
    pub fn new(panel: FormPanel, key: &str) -> KeptForm {
        KeptForm {
            panel,
            key: key.to_string(),
            drafts: None,
            server: BTreeMap::new(),
            kept: BTreeMap::new(),
            failures: 0,
            retrying: false,
        }
    }

    /// Opens the account's drafts (at the screen's start).
    pub fn attach(&mut self, drafts: Option<DraftStore>) {
        self.drafts = drafts;
    }

    /// Every field's text (a choice as its option id), empty ones left out.
    pub fn values(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for f in self.panel.form.fields() {
            let text = match (&f.kind, f.value()) {
                (FieldKind::Choice { .. }, Value::Text(t)) => t,
                (FieldKind::Choice { .. }, _) => continue,
                (FieldKind::Bool, Value::Bool(b)) => b.to_string(),
                _ => {
                    let t = f.text_value();
                    if t.trim().is_empty() {
                        continue;
                    }
                    t
                }
            };
            out.insert(f.id.clone(), text);
        }
        out
    }

    /// Fills the fields with what the server holds (and records it).
    pub fn set_server(&mut self, values: BTreeMap<String, String>) {
        let ids: Vec<String> = self
            .panel
            .form
            .fields()
            .iter()
            .map(|f| f.id.clone())
            .collect();
        for id in ids {
            let v = values.get(&id).cloned().unwrap_or_default();
            self.panel.form.set_value(&id, &v);
        }
        self.server = self.values();
        self.kept = self.server.clone();
    }

    /// Puts a kept draft back into the fields; returns whether it differs from the server's
    /// values, and whether it still had to be sent.
    pub fn restore(&mut self) -> Option<bool> {
        let d = self.drafts.as_ref()?.load(&self.key)?;
        for (k, v) in &d.values {
            self.panel.form.set_value(k, v);
        }
        self.kept = self.values();
        if self.kept == self.server {
            return None;
        }
        Some(d.pending)
    }

    /// Writes the draft when the values changed since the last write.
    pub fn persist(&mut self) {
        let values = self.values();
        if values == self.kept {
            return;
        }
        if values == self.server {
            if let Some(d) = &self.drafts {
                d.clear(&self.key);
            }
        } else {
            keep(
                self.drafts.as_ref(),
                &self.key,
                &Draft {
                    values: values.clone(),
                    pending: true,
                    ..Draft::default()
                },
            );
        }
        self.kept = values;
    }

    /// The server holds `now` (a newer version than the one the form stood on): fields the
    /// user left as the server had them take the new values; typed ones stay.
    pub fn rebase(&mut self, now: BTreeMap<String, String>) {
        let typed = self.values();
        let ids: Vec<String> = self
            .panel
            .form
            .fields()
            .iter()
            .map(|f| f.id.clone())
            .collect();
        for id in ids {
            let was = self.server.get(&id).cloned().unwrap_or_default();
            let is = typed.get(&id).cloned().unwrap_or_default();
            let new = now.get(&id).cloned().unwrap_or_default();
            if is == was && new != was {
                self.panel.form.set_value(&id, &new);
            }
        }
        self.server = now
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        self.persist();
    }

    /// Whether the fields hold something the server does not have.
    pub fn unsynced(&self) -> bool {
        self.values() != self.server
    }

    /// The server stored `sent`.
    pub fn stored(&mut self, sent: BTreeMap<String, String>) {
        self.server = sent;
        self.failures = 0;
        self.kept = BTreeMap::new();
        if let Some(d) = &self.drafts {
            d.clear(&self.key);
        }
        self.persist();
    }

    /// A new item got its id: its draft moves to the item's key.
    pub fn rekey(&mut self, key: &str) {
        if key == self.key {
            return;
        }
        if let Some(d) = &self.drafts {
            d.clear(&self.key);
        }
        self.key = key.to_string();
        self.kept = BTreeMap::new();
        self.persist();
    }

    /// The draft is gone for good (deleted, submitted).
    pub fn forget(&mut self) {
        if let Some(d) = &self.drafts {
            d.clear(&self.key);
        }
        self.server = self.values();
        self.kept = self.server.clone();
    }

    /// Asks the server again after a while (`retry` comes back to the screen).
    pub fn schedule_retry(&mut self, cx: &mut Ctx) {
        if self.retrying || super::gives_up(self.failures) {
            return;
        }
        self.retrying = true;
        self.failures += 1;
        let wait = retry_delay(self.failures);
        cx.spawn("retry", move |c| async move {
            tokio::time::sleep(wait).await;
            c.healthz().await
        });
    }

    /// The retry came back (either way).
    pub fn retried(&mut self) {
        self.retrying = false;
    }
}
