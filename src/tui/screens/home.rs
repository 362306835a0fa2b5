//! The home of a logged-in role: the navigation of its workspace on the left (or on top when
//! the terminal is narrow) and who is logged in on the right. Each workspace registers its
//! entries in [`nav_items`]; a workspace with a home of its own (the enterprise workspace,
//! [`super::enterprise::home_for`]) is shown instead.

use super::public::PublicHome;
use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen};
use crate::tui::theme::Role;
use crate::tui::widgets::menu::{Menu, MenuItem};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use std::any::Any;

/// What a navigation entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// End the session and go back to the public home.
    Logout,
    /// 账户与安全: password, phone, real-name verification.
    Account,
    /// 实名认证 of a legal-person account not yet verified.
    RealName,
    /// An administration or support workspace.
    Admin(super::admin::AdminDest),
    /// A review queue of one kind (reviewers and admins).
    ReviewQueue(super::review::QueueKind),
    /// 企业申报信息: the enterprise's declarations, new ones from an open window.
    Declarations,
    /// 企业重大变更.
    Changes,
    /// 认证到期管理: certifications, 复核.
    Certifications,
    /// 信息更新: the annual info update.
    InfoUpdate,
}

/// One navigation entry: catalogue keys of its label and description, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavItem {
    pub label: &'static str,
    pub detail: &'static str,
    pub dest: Dest,
}

const fn item(label: &'static str, detail: &'static str, dest: Dest) -> NavItem {
    NavItem {
        label,
        detail,
        dest,
    }
}

/// The navigation of an account's workspace, by role.
pub fn nav_items(account: &Account) -> Vec<NavItem> {
    let mut items = Vec::new();
    match account.kind.as_str() {
        "legal" | "natural" => {}
        "reviewer" | "admin" => {
            for k in super::review::QueueKind::ALL {
                items.push(item(k.title_key(), k.detail_key(), Dest::ReviewQueue(k)));
            }
        }
        "support" => {}
        _ => {}
    }
    items.extend(super::admin::nav_items(account));
    if super::account::needs_verification(account) {
        items.insert(
            0,
            item(
                "account.nav.verify",
                "account.nav.verify_detail",
                Dest::RealName,
            ),
        );
    }
    items.push(item(
        "account.nav.security",
        "account.nav.security_detail",
        Dest::Account,
    ));
    items.push(item("home.logout", "home.logout_detail", Dest::Logout));
    items
}

fn open(dest: Dest, cx: &mut Ctx) {
    match dest {
        Dest::ReviewQueue(kind) => {
            if let Some(account) = cx.session.account.clone() {
                cx.push(super::review::QueueScreen::new(cx.ui, &account, kind));
            }
        }
        Dest::Declarations | Dest::Changes | Dest::Certifications | Dest::InfoUpdate => {
            super::declare::open(dest, cx)
        }
        Dest::Admin(d) => super::admin::open(d, cx),
        Dest::Account => {
            if let Some(a) = cx.session.account.clone() {
                cx.push(super::account::Security::new(cx.ui, &a));
            }
        }
        Dest::RealName => cx.push(super::account::RealName::new(cx.ui, false)),
        Dest::Logout => logout(cx),
    }
}

/// Ends the session (the answer comes back as the job kind `logout`: call [`logged_out`]).
pub fn logout(cx: &mut Ctx) {
    let forget = cx.session.token_dir.clone();
    cx.spawn("logout", move |c| async move {
        // an expired session is as good as ended
        let r = c.logout().await;
        c.set_token(None);
        if let Some(dir) = forget {
            let _ = tokio::task::spawn_blocking(move || crate::client::token::clear(&dir)).await;
        }
        match r {
            Err(e) if e.status() != Some(401) => Err(e),
            _ => Ok(()),
        }
    });
}

/// After [`logout`]: forget the account and go back to the public home.
pub fn logged_out(cx: &mut Ctx) {
    cx.session.account = None;
    cx.reset(PublicHome::new(cx.ui));
}

/// The home of a role.
pub struct RoleHome {
    account: Account,
    items: Vec<NavItem>,
    menu: Menu,
    /// A workspace with a home of its own (the enterprise workspace for legal-person and
    /// natural-person accounts): every call goes to it.
    workspace: Option<Box<dyn Screen>>,
}

impl RoleHome {
    pub fn new(ui: &Ui, account: &Account) -> RoleHome {
        let items = nav_items(account);
        RoleHome {
            account: account.clone(),
            menu: Menu::new(
                items
                    .iter()
                    .map(|i| MenuItem::new(ui.tr(i.label), ui.tr(i.detail)))
                    .collect(),
            ),
            items,
            workspace: super::enterprise::home_for(ui, account),
        }
    }

    /// The lines of the account panel.
    fn account_lines(&self, ui: &Ui) -> Vec<(String, String)> {
        let a = &self.account;
        let mut lines = vec![
            (ui.tr("home.account.name"), a.display_name.clone()),
            (ui.tr("home.account.login"), a.login_name.clone()),
            (ui.tr("home.account.role"), a.role_label(ui.lang)),
        ];
        if let Some(r) = a.region_code.as_deref() {
            let full = crate::domain::regions::Regions::builtin()
                .full_name(r)
                .unwrap_or_else(|| r.to_string());
            lines.push((ui.tr("home.account.region"), full));
        }
        if a.kind == "legal" {
            lines.push((
                ui.tr("home.account.verified"),
                ui.tr(if a.verified {
                    "home.account.verified_yes"
                } else {
                    "home.account.verified_no"
                }),
            ));
        }
        lines
    }
}

impl Screen for RoleHome {
    fn title(&self, ui: &Ui) -> String {
        match &self.workspace {
            Some(w) => w.title(ui),
            None => ui.tr("home.title"),
        }
    }

    fn context(&self) -> Context {
        match &self.workspace {
            Some(w) => w.context(),
            None => Context::List,
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        match &self.workspace {
            Some(w) => w.hints(keymap),
            None => keymap.hints_for(Context::List, &["open", "down", "up"]),
        }
    }

    fn start(&mut self, cx: &mut Ctx) {
        if let Some(w) = &mut self.workspace {
            w.start(cx);
        }
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        if let Some(w) = &mut self.workspace {
            w.resumed(cx);
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Ctx) -> bool {
        match &mut self.workspace {
            Some(w) => w.paste(text, cx),
            None => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match &mut self.workspace {
            Some(w) => w.failed(kind, error, cx),
            None => {
                cx.error(&error);
                true
            }
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.workspace.as_ref().and_then(|w| w.cursor())
    }

    fn has_unsaved(&self) -> bool {
        self.workspace.as_ref().is_some_and(|w| w.has_unsaved())
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(w) = &mut self.workspace {
            return w.key(ev, cx);
        }
        match self.menu.handle_key(ev, cx.keymap) {
            Handled::Event(i) => {
                if let Some(it) = self.items.get(i) {
                    open(it.dest, cx);
                }
                Handled::Changed
            }
            Handled::Changed => Handled::Changed,
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        if let Some(w) = &mut self.workspace {
            return w.done(kind, value, cx);
        }
        if kind == "logout" {
            logged_out(cx);
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        if let Some(w) = &mut self.workspace {
            w.render(area, buf, ui);
            return;
        }
        let lines = self.account_lines(ui);
        let wide = area.width >= 100;
        let (nav, info) = if wide {
            let w = area.width * 11 / 20;
            (
                Rect { width: w, ..area },
                Rect {
                    x: area.x + w,
                    width: area.width - w,
                    ..area
                },
            )
        } else {
            let h = (self.menu.items.len() as u16 + 2).min(area.height.saturating_sub(4));
            (
                Rect { height: h, ..area },
                Rect {
                    y: area.y + h,
                    height: area.height - h,
                    ..area
                },
            )
        };
        let nav_title = ui.tr("home.nav");
        let b = block(ui, &nav_title, true);
        let inner = b.inner(nav);
        b.render(nav, buf);
        self.menu.render(inner, buf, ui, true);
        let acc_title = ui.tr("home.account");
        let b = block(ui, &acc_title, false);
        let inner = b.inner(info);
        b.render(info, buf);
        let label_w = lines
            .iter()
            .map(|(l, _)| crate::display::width(l))
            .max()
            .unwrap_or(0) as u16
            + 2;
        for (i, (label, value)) in lines.iter().enumerate().take(inner.height as usize) {
            let y = inner.y + i as u16;
            put(buf, inner.x + 1, y, label, label_w, ui.style(Role::Muted));
            let x = inner.x + 1 + label_w;
            put(
                buf,
                x,
                y,
                value,
                inner.right().saturating_sub(x),
                ui.style(Role::Text),
            );
        }
    }
}
