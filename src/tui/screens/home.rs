//! The home of a logged-in role: the navigation of its workspace on the left (or on top when
//! the terminal is narrow) and who is logged in on the right. Each workspace registers its
//! entries in [`nav_items`].

use super::public::PublicHome;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen};
use crate::tui::theme::Role;
use crate::tui::widgets::menu::{Menu, MenuItem};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use std::any::Any;

/// What a navigation entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// End the session and go back to the public home.
    Logout,
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
        "legal" => items.extend(super::declare::nav_items()),
        "natural" => {}
        "reviewer" | "admin" => {}
        "support" => {}
        _ => {}
    }
    items.push(item("home.logout", "home.logout_detail", Dest::Logout));
    items
}

fn open(dest: Dest, cx: &mut Ctx) {
    match dest {
        Dest::Declarations | Dest::Changes | Dest::Certifications | Dest::InfoUpdate => {
            super::declare::open(dest, cx)
        }
        Dest::Logout => {
            let forget = cx.session.token_dir.clone();
            cx.spawn("logout", move |c| async move {
                // an expired session is as good as ended
                let r = c.logout().await;
                c.set_token(None);
                if let Some(dir) = forget {
                    let _ = tokio::task::spawn_blocking(move || crate::client::token::clear(&dir))
                        .await;
                }
                match r {
                    Err(e) if e.status() != Some(401) => Err(e),
                    _ => Ok(()),
                }
            });
        }
    }
}

/// The home of a role.
pub struct RoleHome {
    account: Account,
    items: Vec<NavItem>,
    menu: Menu,
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
        ui.tr("home.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["open", "down", "up"])
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
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

    fn done(&mut self, kind: &'static str, _value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        if kind == "logout" {
            cx.session.account = None;
            cx.reset(PublicHome::new(cx.ui));
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
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
