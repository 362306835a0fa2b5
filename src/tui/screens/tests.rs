//! Screen tests of the frame, the public home, log-in and the role home: snapshots at 80×24
//! and 120×40 in both languages, driven by real keys over the in-process API.

use crate::domain::Lang;
use crate::tui::testing::Harness;
use crossterm::event::KeyCode;

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = h.screen(w, hh);
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), screen);
    }
}

#[test]
fn public_home_lists_entries_and_announcements_of_both_levels() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        let s = h.screen(120, 40);
        assert!(s.contains("部级") || s.contains("Ministry"), "{s}");
        assert!(s.contains("省级") || s.contains("Province"), "{s}");
        snap(&mut h, &format!("public_home_{lang:?}"));
    }
}

#[test]
fn log_in_with_a_demo_account_reaches_the_role_home() {
    let mut h = Harness::demo(Lang::Zh);
    h.key(KeyCode::Char('5'));
    assert!(h.shows("登录名"));
    h.type_text("gz_ruixin");
    h.key(KeyCode::Tab);
    h.type_text("Demo-2025!");
    snap(&mut h, "login_filled_zh");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("广州瑞芯智能传感股份有限公司"), "{s}");
    assert!(s.contains("法人账户"), "{s}");
    snap(&mut h, "role_home_legal_zh");
}

#[test]
fn a_wrong_password_keeps_what_was_typed_and_says_why() {
    let mut h = Harness::demo(Lang::En);
    h.key(KeyCode::Char('5'));
    h.type_text("gz_ruixin");
    h.key(KeyCode::Tab);
    h.type_text("wrong-password");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("gz_ruixin"), "the login stays typed: {s}");
    assert!(h.app.session.account.is_none());
    snap(&mut h, "login_failed_en");
}

#[test]
fn empty_log_in_marks_the_required_fields_without_a_request() {
    let mut h = Harness::demo(Lang::Zh);
    h.key(KeyCode::Char('5'));
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("必填项"), "{s}");
}

#[test]
fn log_out_returns_to_the_public_home() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_city");
    assert!(h.shows("市级审核员"));
    snap(&mut h, "role_home_reviewer_zh");
    // the last entry is log-out
    h.key(KeyCode::End);
    h.key(KeyCode::Enter);
    assert!(h.app.session.account.is_none());
    assert!(h.shows("通知公告"));
}

#[test]
fn esc_goes_back_and_q_quits_only_from_the_first_screen() {
    let mut h = Harness::demo(Lang::Zh);
    h.key(KeyCode::Char('5'));
    assert_eq!(h.app.depth(), 2);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.depth(), 1);
    h.key(KeyCode::Char('q'));
    assert!(h.quit);
}

#[test]
fn help_overlay_lists_the_keys_of_the_current_screen() {
    let mut h = Harness::demo(Lang::En);
    h.key(KeyCode::Char('?'));
    let s = h.screen(80, 24);
    assert!(s.contains("Keys") || s.contains("key"), "{s}");
    snap(&mut h, "help_public_home_en");
    h.key(KeyCode::Esc);
    assert!(!h.app.help);
}
