//! Screen tests of the administration and support workspaces: snapshots at 80×24 and 120×40 in
//! both languages, and what a user does with the keys over the in-process API on the demo data
//! (gd_admin, mi_admin, zj_admin, kf_support …), checked against what the service stored.

use crate::domain::Lang;
use crate::service::admin::TrailKind;
use crate::service::{PageRequest, Session};
use crate::tui::screens::home::nav_items;
use crate::tui::testing::Harness;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = redact_ids(&h.screen(w, hh));
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), screen);
    }
}

/// Record ids (UUIDv7: time and randomness) shown on screen, as `x`s of the same width, so a
/// snapshot does not depend on when the demo data was seeded.
fn redact_ids(screen: &str) -> String {
    let shape = |s: &[u8]| {
        s.len() >= 36
            && s[..36].iter().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => *b == b'-',
                _ => b.is_ascii_hexdigit(),
            })
    };
    let bytes = screen.as_bytes();
    let mut out = String::with_capacity(screen.len());
    let mut i = 0;
    while i < bytes.len() {
        if shape(&bytes[i..]) {
            out.push_str("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
            i += 36;
        } else {
            let c = screen[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Opens the home entry whose label is `label` (a catalogue key), wherever other workspaces put
/// their entries: Home, then Down to it, then Enter.
fn open(h: &mut Harness, label: &str) {
    let account = h.app.session.account.clone().expect("logged in");
    let i = nav_items(&account)
        .iter()
        .position(|n| n.label == label)
        .unwrap_or_else(|| panic!("no entry {label}"));
    h.key(KeyCode::Home);
    for _ in 0..i {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Enter);
}

fn alt(h: &mut Harness, c: char) {
    h.send(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
}

/// Confirms an open dialog: to the action's button, then Enter.
fn confirm(h: &mut Harness) {
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
}

/// Dismisses the toast (a success message) if one is shown.
fn dismiss(h: &mut Harness) {
    if h.app.toast.is_some() {
        h.key(KeyCode::Enter);
    }
}

/// A service session of a demo account.
fn session(h: &Harness, login: &str) -> Session {
    h.rt.block_on(h.service.login(login, "Demo-2025!"))
        .expect("demo log-in")
        .session
}

fn page() -> PageRequest {
    PageRequest::first(200)
}

// ---------------------------------------------------------------------------------------------
// Homes
// ---------------------------------------------------------------------------------------------

#[test]
fn homes_show_the_entries_of_each_administration_role() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    for label in ["申报窗口", "审核链", "满足复核条件", "取消认定", "公告管理"]
    {
        assert!(h.shows(label), "gd_admin: {label}");
    }
    assert!(!h.shows("账号管理"));
    snap(&mut h, "home_province_admin_zh");
    h.login("mi_admin");
    for label in ["小巨人复核", "取消小巨人认定", "部级公告", "账号管理"] {
        assert!(h.shows(label), "mi_admin: {label}");
    }
    assert!(!h.shows("申报窗口"));
    h.login("kf_support");
    for label in ["客服申请", "账号查询", "发件箱（演示）"] {
        assert!(h.shows(label), "kf_support: {label}");
    }
    snap(&mut h, "home_support_zh");
    let mut h = Harness::demo(Lang::En);
    h.login("mi_admin");
    assert!(h.shows("Staff accounts"));
    snap(&mut h, "home_ministry_admin_en");
    // reviewers and enterprises get none of them
    h.login("gz_city");
    assert!(!h.shows("Declaration windows") && !h.shows("Staff accounts"));
}

// ---------------------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------------------

#[test]
fn a_window_ending_before_it_starts_is_refused_under_the_field_and_nothing_typed_is_lost() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    open(&mut h, "admin.nav.windows");
    let s = h.screen(120, 40);
    assert!(
        s.contains("申报窗口 · 广东省") && s.contains("开放中"),
        "{s}"
    );
    snap(&mut h, "windows_zh");
    h.key(KeyCode::Char('n'));
    // the service's today and year are filled in
    let s = h.screen(80, 24);
    assert!(s.contains("2026-04-16") && s.contains("2026"), "{s}");
    snap(&mut h, "window_new_zh");
    // 创新型 batch 2027, from 2026-06-01 to 2026-05-01
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    for _ in 0..4 {
        h.key(KeyCode::Backspace);
    }
    h.type_text("2027");
    h.key(KeyCode::Tab);
    for _ in 0.."2026-04-16".len() {
        h.key(KeyCode::Backspace);
    }
    h.type_text("2026-06-01");
    h.key(KeyCode::Tab);
    h.type_text("2026-05-01");
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("2026-06-01") && s.contains("2026-05-01"), "{s}");
    assert!(s.contains("请按字段下方的提示修改"), "{s}");
    assert!(
        s.contains("结束") && s.contains("早于"),
        "the API's message: {s}"
    );
    snap(&mut h, "window_end_before_start_zh");
    // a date that is not one is caught before asking
    h.type_text("x");
    h.key(KeyCode::F(9));
    assert!(h.shows("请按 YYYY-MM-DD 填写日期"));
    // correct it: the window opens and the list shows it
    for _ in 0.."2026-05-01x".len() {
        h.key(KeyCode::Backspace);
    }
    h.type_text("2026-06-30");
    h.key(KeyCode::F(9));
    assert!(h.app.toast.is_some(), "{}", h.screen(80, 24));
    assert!(h.shows("已开放创新型 2027 年度批次申报窗口"));
    dismiss(&mut h);
    let windows =
        h.rt.block_on(h.service.windows(
            "440000",
            &crate::service::windows::WindowFilter::default(),
            &page(),
        ))
        .unwrap();
    let w = windows
        .items
        .iter()
        .find(|w| w.batch == 2027)
        .expect("stored");
    assert_eq!(w.start.to_string(), "2026-06-01");
    assert_eq!(w.end.to_string(), "2026-06-30");
    assert!(h.shows("2026-06-30"));
}

#[test]
fn closing_a_window_asks_first_and_the_trail_names_who() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gd_admin");
        open(&mut h, "admin.nav.windows");
        // the first row is an open window (latest start first)
        h.key(KeyCode::Char('d'));
        let s = h.screen(80, 24);
        assert!(
            s.contains("提前关闭申报窗口") || s.contains("Close the window early"),
            "{s}"
        );
        snap(&mut h, &format!("window_close_confirm_{lang:?}"));
        // Enter on the focused safe answer does nothing
        h.key(KeyCode::Enter);
        let open_now = |h: &Harness| {
            h.rt.block_on(h.service.windows(
                "440000",
                &crate::service::windows::WindowFilter::default(),
                &page(),
            ))
            .unwrap()
            .items
            .iter()
            .filter(|w| w.closed_at.is_some())
            .count()
        };
        assert_eq!(open_now(&h), 0);
        h.key(KeyCode::Char('d'));
        confirm(&mut h);
        assert_eq!(open_now(&h), 1);
        assert!(h.shows("已提前关闭") || h.shows("closed early"));
        // Enter: the trail of the window
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains("李秀英"), "{s}");
        assert!(
            (s.contains("提前关闭窗口") && s.contains("开放申报窗口"))
                || (s.contains("window closed early") && s.contains("window opened")),
            "{s}"
        );
        snap(&mut h, &format!("window_trail_{lang:?}"));
    }
}

#[test]
fn windows_in_english() {
    let mut h = Harness::demo(Lang::En);
    h.login("sz_admin");
    open(&mut h, "admin.nav.windows");
    assert!(h.shows("Declaration windows · 深圳市"));
    snap(&mut h, "windows_en");
    h.key(KeyCode::Char('n'));
    snap(&mut h, "window_new_en");
}

// ---------------------------------------------------------------------------------------------
// Review chains
// ---------------------------------------------------------------------------------------------

#[test]
fn a_chain_the_rules_refuse_shows_why_and_a_good_one_is_stored() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    open(&mut h, "admin.nav.chains");
    let s = h.screen(120, 40);
    assert!(
        s.contains("县级 → 市级 → 省级") && s.contains("默认"),
        "{s}"
    );
    snap(&mut h, "chains_zh");
    // 专精特新 (second row): drop the province — the chain would end at the city
    h.key(KeyCode::Down);
    h.key(KeyCode::Enter);
    snap(&mut h, "chain_edit_zh");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("省级"), "{s}");
    assert!(h.app.toast.is_none(), "refused: {s}");
    snap(&mut h, "chain_refused_zh");
    // the focus is on the message: put the province back, drop the county: city → province
    h.key(KeyCode::BackTab);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::F(9));
    assert!(h.shows("专精特新审核链已设置为：市级 → 省级"));
    dismiss(&mut h);
    let gd = session(&h, "gd_admin");
    let chain =
        h.rt.block_on(
            h.service
                .chain(&gd, "440000", crate::domain::tiers::Tier::Specialized),
        )
        .unwrap();
    assert!(!chain.is_default);
    assert_eq!(chain.name.zh, "市级 → 省级");
    let s = h.screen(120, 40);
    assert!(s.contains("已配置") && s.contains("李秀英"), "{s}");
}

#[test]
fn chains_in_english() {
    let mut h = Harness::demo(Lang::En);
    h.login("gd_admin");
    open(&mut h, "admin.nav.chains");
    snap(&mut h, "chains_en");
    h.key(KeyCode::End);
    h.key(KeyCode::Enter);
    snap(&mut h, "chain_edit_en");
}

// ---------------------------------------------------------------------------------------------
// 复核 candidates
// ---------------------------------------------------------------------------------------------

#[test]
fn gd_admin_sees_jinpeng_with_the_reasons_and_sets_and_clears_the_flag() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    open(&mut h, "admin.nav.reexam");
    let s = h.screen(120, 40);
    assert!(s.contains("广州金鹏数控装备有限公司"), "{s}");
    assert!(s.contains("专精特新中小企业 · 2026 年到期"), "{s}");
    assert!(s.contains("平台建议设置满足复核条件"), "{s}");
    assert!(s.contains("于今年（2026年）到期"), "{s}");
    snap(&mut h, "reexam_zh");
    let flag = |h: &Harness| {
        let gd = session(h, "gd_admin");
        let c =
            h.rt.block_on(h.service.managed_certifications(
                &gd,
                &crate::service::admin::ManagedFilter {
                    text: Some("金鹏".into()),
                    ..Default::default()
                },
                &page(),
            ))
            .unwrap();
        c.items[0].review_flag
    };
    assert!(flag(&h), "flagged in the demo");
    alt(&mut h, 'u');
    assert!(!flag(&h));
    assert!(h.shows("已清除满足复核条件 1 项"));
    h.key(KeyCode::Char('f'));
    assert!(flag(&h));
    assert!(h.shows("已设置满足复核条件 1 项"));
    // the trail of the certification says who did it
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(
        s.contains("设置满足复核条件") && s.contains("清除满足复核条件"),
        "{s}"
    );
    assert!(s.contains("李秀英"), "{s}");
}

#[test]
fn a_late_change_is_a_reason_not_to_propose() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("zj_admin");
        open(&mut h, "admin.nav.reexam");
        let s = h.screen(120, 40);
        assert!(s.contains("杭州天目生物医药有限公司"), "{s}");
        assert!(
            s.contains("平台不建议") || s.contains("does not propose"),
            "{s}"
        );
        snap(&mut h, &format!("reexam_not_proposed_{lang:?}"));
        // the previous year has none
        h.key(KeyCode::Left);
        assert!(!h.shows("杭州天目生物医药有限公司"));
        assert!(h.shows("2025"));
    }
}

// ---------------------------------------------------------------------------------------------
// Cancellations
// ---------------------------------------------------------------------------------------------

#[test]
fn cancelling_needs_a_reason_and_a_note_asks_first_and_the_trail_keeps_why() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    open(&mut h, "admin.nav.cancel");
    snap(&mut h, "certifications_zh");
    h.key(KeyCode::Char('/'));
    h.type_text("金鹏");
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(s.contains("广州金鹏数控装备有限公司"), "{s}");
    assert!(!s.contains("广州岭南"), "only the match: {s}");
    h.key(KeyCode::Char('d'));
    snap(&mut h, "cancel_form_zh");
    // nothing chosen, nothing written: refused before asking
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("必填项"), "{s}");
    assert!(h.app.context() == crate::tui::keymap::Context::Form);
    // 提供虚假材料、数据造假 (the third reason): it bars for three years
    h.key(KeyCode::Right);
    h.key(KeyCode::Right);
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    h.type_text("经核实，2024 年研发费用与审计报告不符。");
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("3 年内不得再次申报"), "{s}");
    snap(&mut h, "cancel_confirm_zh");
    confirm(&mut h);
    assert!(h.shows("已取消广州金鹏数控装备有限公司 · 专精特新的认定"));
    dismiss(&mut h);
    let gd = session(&h, "gd_admin");
    let cert =
        h.rt.block_on(h.service.managed_certifications(
            &gd,
            &crate::service::admin::ManagedFilter {
                text: Some("金鹏".into()),
                ..Default::default()
            },
            &page(),
        ))
        .unwrap()
        .items
        .remove(0);
    assert_eq!(cert.status.code(), "cancelled");
    assert_eq!(
        cert.cancel_note.as_deref(),
        Some("经核实，2024 年研发费用与审计报告不符。")
    );
    assert!(cert.barred_until.is_some());
    // the detail: the cancellation and who did it, with the note
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(s.contains("提供虚假材料、数据造假"), "{s}");
    assert!(s.contains("李秀英") && s.contains("取消认定"), "{s}");
    assert!(s.contains("2029-04-16"), "barred until: {s}");
    snap(&mut h, "certification_detail_zh");
    // a cancelled one is not offered again
    h.key(KeyCode::Char('d'));
    assert!(h.shows("只有有效的认定可以取消"));
    let trail =
        h.rt.block_on(h.service.trail(&gd, TrailKind::Certification, &cert.id))
            .unwrap();
    assert_eq!(trail[0].action, "certification.cancel");
}

#[test]
fn cancellations_in_english_and_the_ministry_sees_little_giants_only() {
    let mut h = Harness::demo(Lang::En);
    h.login("gd_admin");
    open(&mut h, "admin.nav.cancel");
    snap(&mut h, "certifications_en");
    h.key(KeyCode::Char('d'));
    snap(&mut h, "cancel_form_en");
    let mut h = Harness::demo(Lang::Zh);
    h.login("mi_admin");
    open(&mut h, "admin.nav.cancel_giant");
    let s = h.screen(120, 40);
    assert!(s.contains("取消小巨人认定"), "{s}");
    assert!(!s.contains("专精特新 ") && !s.contains("创新型"), "{s}");
}

// ---------------------------------------------------------------------------------------------
// Announcements
// ---------------------------------------------------------------------------------------------

#[test]
fn compose_preview_publish_and_withdraw_an_announcement() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    open(&mut h, "admin.nav.announcements");
    snap(&mut h, "announcements_zh");
    h.key(KeyCode::Char('n'));
    h.type_text("关于2026年专精特新中小企业复核工作的通知");
    h.key(KeyCode::Tab);
    h.type_text("各有关企业：");
    h.key(KeyCode::Enter);
    h.type_text("请于5月31日前完成复核申请。");
    snap(&mut h, "announcement_editor_zh");
    // preview: what the public will read
    h.key(KeyCode::F(6));
    let s = h.screen(80, 24);
    assert!(
        s.contains("发布单位：广东省") && s.contains("请于5月31日前完成复核申请。"),
        "{s}"
    );
    snap(&mut h, "announcement_preview_zh");
    h.key(KeyCode::Esc);
    // save the draft, then publish (asked first)
    h.ctrl('s');
    assert!(h.shows("草稿已保存"));
    h.key(KeyCode::F(9));
    assert!(h.shows("已发布的公告不能修改"));
    confirm(&mut h);
    assert!(h.shows("已发布《关于2026年专精特新中小企业复核工作的通知》"));
    dismiss(&mut h);
    let public =
        h.rt.block_on(h.service.announcements(&Default::default(), &page()))
            .unwrap();
    let a = public
        .items
        .iter()
        .find(|a| a.title == "关于2026年专精特新中小企业复核工作的通知")
        .expect("public");
    assert_eq!(a.authority_code.as_deref(), Some("440000"));
    // the newest is first in the list: withdraw it (asked first)
    h.key(KeyCode::Home);
    h.key(KeyCode::Char('d'));
    assert!(h.shows("撤回公告"));
    snap(&mut h, "announcement_withdraw_confirm_zh");
    confirm(&mut h);
    assert!(h.shows("已撤回"));
    let public =
        h.rt.block_on(h.service.announcements(&Default::default(), &page()))
            .unwrap();
    assert!(
        public
            .items
            .iter()
            .all(|a| a.title != "关于2026年专精特新中小企业复核工作的通知")
    );
}

#[test]
fn an_empty_announcement_is_refused_under_its_fields_and_drafts_can_be_deleted() {
    let mut h = Harness::demo(Lang::En);
    h.login("mi_admin");
    open(&mut h, "admin.nav.announcements_ministry");
    assert!(h.shows("Announcements · Ministry of Industry and Information Technology"));
    snap(&mut h, "announcements_en");
    h.key(KeyCode::Char('n'));
    h.ctrl('s');
    let s = h.screen(80, 24);
    assert!(s.contains("Required") || s.contains("required"), "{s}");
    h.type_text("Notice on the 2026 Little Giant batch");
    h.ctrl('s');
    let s = h.screen(80, 24);
    assert!(s.contains("Notice on the 2026 Little Giant batch"), "{s}");
    h.key(KeyCode::Tab);
    h.type_text("Details follow.");
    h.ctrl('s');
    assert!(h.shows("Draft saved"));
    snap(&mut h, "announcement_editor_en");
    h.key(KeyCode::Esc);
    let s = h.screen(120, 40);
    assert!(
        s.contains("draft") && s.contains("Notice on the 2026"),
        "{s}"
    );
    h.key(KeyCode::Home);
    h.key(KeyCode::Char('d'));
    assert!(h.shows("Delete the draft"));
    confirm(&mut h);
    assert!(h.shows("Deleted the draft"));
    let mi = session(&h, "mi_admin");
    let own =
        h.rt.block_on(h.service.own_announcements(&mi, None, &page()))
            .unwrap();
    assert!(
        own.items
            .iter()
            .all(|a| !a.title.starts_with("Notice on the 2026"))
    );
}

// ---------------------------------------------------------------------------------------------
// Staff accounts
// ---------------------------------------------------------------------------------------------

#[test]
fn mi_admin_creates_a_county_reviewer_in_the_region_tree_and_it_can_log_in() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("mi_admin");
    open(&mut h, "admin.nav.staff");
    let s = h.screen(120, 40);
    assert!(s.contains("gd_admin") && s.contains("省级管理员"), "{s}");
    snap(&mut h, "staff_zh");
    h.key(KeyCode::Char('n'));
    snap(&mut h, "staff_new_zh");
    // kind: reviewer, level: county (the defaults); the region in the tree
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    h.type_text("440111");
    let s = h.screen(80, 24);
    assert!(s.contains("白云区") && s.contains("广州市"), "{s}");
    snap(&mut h, "staff_region_picker_zh");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(
        s.contains("440111") && s.contains("管辖地区：广东省 广州市 白云区"),
        "{s}"
    );
    h.type_text("by_county");
    h.key(KeyCode::Tab);
    h.type_text("白云审核员");
    h.key(KeyCode::Tab);
    h.type_text("Baiyun-2026!");
    h.key(KeyCode::F(9));
    assert!(
        h.shows("已创建账号 by_county（县级审核员）"),
        "{}",
        h.screen(80, 24)
    );
    dismiss(&mut h);
    assert!(h.shows("by_county"));
    let me =
        h.rt.block_on(h.service.login("by_county", "Baiyun-2026!"))
            .expect("the new reviewer logs in");
    assert_eq!(me.session.region_code.as_deref(), Some("440111"));

    // disable it (asked first): it cannot log in any more
    let row = |h: &mut Harness| {
        let s = h.screen(120, 40);
        s.lines().position(|l| l.contains("by_county")).unwrap()
    };
    let r = row(&mut h);
    let first = {
        let s = h.screen(120, 40);
        s.lines().position(|l| l.contains("登录名")).unwrap() + 1
    };
    h.key(KeyCode::Home);
    for _ in first..r {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Delete);
    assert!(h.shows("确定停用 by_county（白云审核员）"));
    snap(&mut h, "staff_disable_confirm_zh");
    confirm(&mut h);
    assert!(h.shows("已停用账号 by_county"));
    assert!(
        h.rt.block_on(h.service.login("by_county", "Baiyun-2026!"))
            .is_err()
    );
}

#[test]
fn a_staff_account_the_rules_refuse_keeps_what_was_typed() {
    let mut h = Harness::demo(Lang::En);
    h.login("mi_admin");
    open(&mut h, "admin.nav.staff");
    snap(&mut h, "staff_en");
    h.key(KeyCode::Char('n'));
    // a county reviewer for a province: the API says the region must be a county
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.type_text("440000");
    h.key(KeyCode::Tab);
    h.type_text("bad_reviewer");
    h.key(KeyCode::Tab);
    h.type_text("Bad");
    h.key(KeyCode::Tab);
    h.type_text("short");
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("440000") && s.contains("bad_reviewer"), "{s}");
    assert!(s.contains("county"), "{s}");
    snap(&mut h, "staff_refused_en");
}

// ---------------------------------------------------------------------------------------------
// Support
// ---------------------------------------------------------------------------------------------

#[test]
fn kf_support_approves_the_manual_phone_change_with_a_note_and_the_trail_shows_it() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("kf_support");
    open(&mut h, "admin.nav.requests");
    let s = h.screen(120, 40);
    assert!(
        s.contains("换手机号（人工核验）") && s.contains("账号找回"),
        "{s}"
    );
    snap(&mut h, "requests_zh");
    // the phone change is the first (oldest) row
    let row = {
        let s = h.screen(120, 40);
        let first = s.lines().position(|l| l.contains("申请类型")).unwrap() + 1;
        s.lines().position(|l| l.contains("换手机号")).unwrap() - first
    };
    for _ in 0..row {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(s.contains("13922220002") && s.contains("✓ 一致"), "{s}");
    snap(&mut h, "request_detail_zh");
    h.key(KeyCode::Char('a'));
    h.type_text("已致电法定代表人核实身份");
    snap(&mut h, "request_approve_zh");
    h.key(KeyCode::F(9));
    confirm(&mut h);
    assert!(h.shows("已通过换手机号（人工核验）申请"));
    dismiss(&mut h);
    let s = h.screen(120, 40);
    assert!(s.contains("处理结果：已通过，张敏"), "{s}");
    assert!(
        s.contains("客服通过") && s.contains("说明：已致电法定代表人核实身份"),
        "{s}"
    );
    snap(&mut h, "request_approved_zh");
    let kf = session(&h, "kf_support");
    let done =
        h.rt.block_on(h.service.support_requests(
            &kf,
            &crate::service::support::RequestFilter {
                state: crate::service::support::RequestState::Approved,
                kind: None,
            },
            &page(),
        ))
        .unwrap();
    assert_eq!(done.items.len(), 1);
    assert_eq!(
        done.items[0].reason.as_deref(),
        Some("已致电法定代表人核实身份")
    );
}

#[test]
fn rejecting_without_a_reason_is_refused_and_nothing_is_stored() {
    let mut h = Harness::demo(Lang::En);
    h.login("kf_support");
    open(&mut h, "admin.nav.requests");
    snap(&mut h, "requests_en");
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("Required") || s.contains("required"), "{s}");
    assert!(
        h.app.context() == crate::tui::keymap::Context::Form,
        "no dialog"
    );
    snap(&mut h, "request_reject_refused_en");
    let kf = session(&h, "kf_support");
    let pending =
        h.rt.block_on(
            h.service
                .support_requests(&kf, &Default::default(), &page()),
        )
        .unwrap();
    assert_eq!(pending.items.len(), 2);
    // with a reason: asked first, then rejected
    h.type_text("The legal representative's name does not match.");
    h.key(KeyCode::F(9));
    assert!(h.shows("Reject the request?"));
    confirm(&mut h);
    assert!(h.shows("Rejected the"));
    let pending =
        h.rt.block_on(
            h.service
                .support_requests(&kf, &Default::default(), &page()),
        )
        .unwrap();
    assert_eq!(pending.items.len(), 1);
    dismiss(&mut h);
    // the decided ones: Tab to approved, Tab to rejected
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    assert!(h.shows("Support requests · rejected"));
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(
        s.contains("The legal representative's name does not match."),
        "{s}"
    );
    snap(&mut h, "request_rejected_en");
}

#[test]
fn account_look_up_by_login_name_and_unlock() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("kf_support");
    // lock gz_ruixin with wrong passwords
    for _ in 0..6 {
        let _ =
            h.rt.block_on(h.service.login("gz_ruixin", "wrong-password"));
    }
    open(&mut h, "admin.nav.lookup");
    snap(&mut h, "lookup_zh");
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    h.type_text("gz_ruixin");
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(
        s.contains("广州瑞芯智能传感股份有限公司") && s.contains("锁定至"),
        "{s}"
    );
    snap(&mut h, "lookup_found_zh");
    h.key(KeyCode::Char('l'));
    assert!(h.shows("已解锁账号 gz_ruixin"));
    assert!(!h.shows("锁定至"));
    h.rt.block_on(h.service.login("gz_ruixin", "Demo-2025!"))
        .expect("unlocked");
    // back to the form (Tab): a phone that is not one — the API's message under the field
    h.key(KeyCode::Tab);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    for _ in 0.."gz_ruixin".len() {
        h.key(KeyCode::Backspace);
    }
    h.type_text("12345");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("12345") && s.contains("手机号"), "{s}");
    snap(&mut h, "lookup_bad_phone_zh");
}

#[test]
fn the_demo_outbox_shows_the_codes_sent() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.rt.block_on(h.service.request_password_reset("gz_ruixin"))
            .unwrap();
        h.login("kf_support");
        open(&mut h, "admin.nav.outbox");
        let s = h.screen(120, 40);
        assert!(s.contains("重置密码") || s.contains("password"), "{s}");
        snap(&mut h, &format!("outbox_{lang:?}"));
        h.key(KeyCode::Enter);
        let s = h.screen(80, 24);
        assert!(s.contains("验证码"), "{s}");
    }
}

#[test]
fn the_lookup_form_and_request_detail_in_english() {
    let mut h = Harness::demo(Lang::En);
    h.login("kf_support");
    open(&mut h, "admin.nav.lookup");
    snap(&mut h, "lookup_en");
    h.key(KeyCode::Esc);
    open(&mut h, "admin.nav.requests");
    h.key(KeyCode::Enter);
    snap(&mut h, "request_detail_en");
}

#[test]
fn reference_data_and_list_screens_fit_without_cutting_characters() {
    // every administration screen at 80×24: no row wider than the terminal
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    for label in [
        "admin.nav.windows",
        "admin.nav.chains",
        "admin.nav.reexam",
        "admin.nav.cancel",
        "admin.nav.announcements",
    ] {
        open(&mut h, label);
        let s = h.screen(80, 24);
        for line in s.lines().skip(1) {
            assert!(crate::display::width(line) <= 80, "{label}: {line}");
        }
        h.key(KeyCode::Esc);
    }
    let gd = session(&h, "gd_admin");
    let w =
        h.rt.block_on(h.service.windows("440000", &Default::default(), &page()))
            .unwrap();
    assert!(
        h.rt.block_on(h.service.trail(&gd, TrailKind::Window, &w.items[0].id))
            .is_ok()
    );
}

/// Opens a home entry by moving down to it (an admin's home has more than nine entries).
fn open_by_arrows(h: &mut Harness, dest: crate::tui::screens::home::Dest) {
    let account = h.app.session.account.clone().expect("logged in");
    let i = nav_items(&account)
        .iter()
        .position(|n| n.dest == dest)
        .expect("the entry is in the home");
    for _ in 0..i {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Enter);
}

#[test]
fn gd_admin_edits_the_return_templates_and_reviewers_get_them() {
    use crate::tui::screens::admin::AdminDest;
    use crate::tui::screens::home::Dest;
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gd_admin");
        open_by_arrows(&mut h, Dest::Admin(AdminDest::Templates));
        // the defaults of 退回, the decision shown first
        let s = h.screen(120, 40);
        assert!(s.contains("证明材料不完整"), "{s}");
        snap(
            &mut h,
            &format!("templates_{}", if lang == Lang::Zh { "zh" } else { "en" }),
        );
    }
    let mut h = Harness::demo(Lang::Zh);
    h.login("gd_admin");
    open_by_arrows(
        &mut h,
        Dest::Admin(crate::tui::screens::admin::AdminDest::Templates),
    );
    h.key(KeyCode::Tab); // the list
    // clear the defaults (three lines) and type two of our own
    for _ in 0..400 {
        h.send(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        h.send(KeyEvent::new(KeyCode::Delete, KeyModifiers::NONE));
    }
    h.type_text("请补充专利证书原件扫描件。");
    h.send(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    h.type_text("请补充近两年审计报告。");
    h.key(KeyCode::F(9));
    assert!(h.shows("已保存 2 条"), "{}", h.screen(120, 40));
    // a Guangzhou reviewer now starts from them
    let reviewer = h.app.client.another();
    let list = h.rt.block_on(async {
        reviewer.login("gz_city", "Demo-2025!").await.unwrap();
        reviewer.reason_templates(Some("return")).await.unwrap()
    });
    let texts: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"]["zh"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["请补充专利证书原件扫描件。", "请补充近两年审计报告。"]
    );
}
