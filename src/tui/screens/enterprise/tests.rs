//! Screen tests of the enterprise workspace: snapshots at 80×24 and 120×40 in both languages,
//! and behaviour driven by real keys over the in-process API on the demo data (clock fixed at
//! 2026-04-16 10:00 Beijing time).

use crate::domain::Lang;
use crate::domain::assessment::{Dimension, Questionnaire};
use crate::domain::tiers::AssessmentCategory;
use crate::tui::testing::Harness;
use crossterm::event::KeyCode;
use serde_json::{Value, json};

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = h.screen(w, hh);
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), screen);
    }
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// Empties the focused text field (Ctrl-A to its start, Ctrl-K to its end).
fn clear(h: &mut Harness) {
    h.ctrl('a');
    h.ctrl('k');
}

/// What the API holds now, through the logged-in client.
fn api<T>(
    h: &Harness,
    f: impl FnOnce(crate::client::ApiClient) -> std::pin::Pin<Box<dyn Future<Output = T>>>,
) -> T {
    let c = h.app.client.clone();
    h.rt.block_on(f(c))
}

fn own_enterprise(h: &Harness) -> Value {
    api(h, |c| {
        Box::pin(async move { c.own_enterprise().await.expect("enterprise").value })
    })
}

fn attempts(h: &Harness) -> Vec<Value> {
    api(h, |c| {
        Box::pin(async move { c.assessments().await.expect("assessments") })
    })["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A legal-person account registered and verified just now: its basic info is still empty.
fn new_enterprise(h: &mut Harness) {
    let c = h.app.client.another();
    h.rt.block_on(async move {
        c.register("xc_newfirm", "Demo-2025!", "legal", "13900001234", None)
            .await
            .expect("register");
        c.login("xc_newfirm", "Demo-2025!").await.expect("login");
        c.verify_real_name(
            "北京新创传感科技有限公司",
            "91110108551385082Q",
            "王小明",
            "11010519491231002X",
        )
        .await
        .expect("verify");
    });
    h.login("xc_newfirm");
}

// ---------------------------------------------------------------------------------------------
// Home
// ---------------------------------------------------------------------------------------------

#[test]
fn legal_home_shows_entries_level_windows_and_unread_messages() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        let s = h.screen(120, 40);
        match lang {
            Lang::Zh => {
                for want in [
                    "企业信息",
                    "当前等级：三级（65.3 分",
                    "5 条未读",
                    "创新型 · 广东省 · 2026 年度批次 · 2026-03-26 至 2026-05-16",
                    "专精特新 · 广东省",
                    "广东省2026年度专精特新中小企业申报已开始",
                ] {
                    assert!(s.contains(want), "{want}: {s}");
                }
            }
            Lang::En => assert!(s.contains("now level 3 (65.3 points"), "{s}"),
        }
        snap(&mut h, &format!("home_legal_{}", lang_name(lang)));
    }
}

#[test]
fn natural_person_home_says_why_it_cannot_declare() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("np_chenming");
        let s = h.screen(80, 24);
        match lang {
            Lang::Zh => {
                assert!(s.contains("自然人账户不能办理企业业务"), "{s}");
                assert!(s.contains("注册法人账户"), "{s}");
                assert!(!s.contains("企业信息"), "{s}");
                assert!(s.contains("当前等级：二级"), "{s}");
            }
            Lang::En => assert!(s.contains("cannot act for an enterprise"), "{s}"),
        }
        snap(&mut h, &format!("home_natural_{}", lang_name(lang)));
    }
}

#[test]
fn home_of_an_enterprise_with_empty_basic_info_says_what_is_missing() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        new_enterprise(&mut h);
        let s = h.screen(80, 24);
        match lang {
            Lang::Zh => {
                assert!(s.contains("企业基本信息不完整"), "{s}");
                assert!(s.contains("尚未填写注册地"), "{s}");
                assert!(s.contains("尚未完成评测"), "{s}");
            }
            Lang::En => assert!(s.contains("basic information is incomplete"), "{s}"),
        }
        snap(&mut h, &format!("home_incomplete_{}", lang_name(lang)));
    }
}

#[test]
fn a_window_is_chosen_with_tab_and_opens_the_new_declaration() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        h.key(KeyCode::Tab); // the windows
        h.key(KeyCode::Down); // the second one
        h.key(KeyCode::Enter);
        assert_eq!(h.app.depth(), 2);
        let s = h.screen(80, 24);
        // the open windows, to create the draft in
        assert!(s.contains("2026-03-26"), "{s}");
        // the window chosen on the home is under the cursor
        assert!(s.contains("2/2"), "{s}");
        snap(&mut h, &format!("window_{}", lang_name(lang)));
        h.key(KeyCode::Esc);
        assert_eq!(h.app.depth(), 1);
    }
}

#[test]
fn opening_a_message_from_the_home_marks_it_read() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    assert!(h.shows("5 条未读"));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab); // the messages
    h.key(KeyCode::Enter);
    assert!(h.shows("申报时间：2026-03-26 至 2026-05-16"));
    h.key(KeyCode::Esc);
    assert!(h.shows("4 条未读"), "{}", h.screen(120, 40));
}

// ---------------------------------------------------------------------------------------------
// 企业信息
// ---------------------------------------------------------------------------------------------

#[test]
fn enterprise_info_says_what_location_and_industry_decide() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        h.key(KeyCode::Char('1'));
        let s = h.screen(120, 40);
        match lang {
            Lang::Zh => {
                assert!(s.contains("注册地决定审核机关（现为：广东省）"), "{s}");
                assert!(s.contains("评测问卷（现为：制造业）"), "{s}");
                assert!(s.contains("敏感元件及传感器制造"), "{s}");
                assert!(s.contains("（3983）"), "{s}");
                assert!(s.contains("Enter 修改"), "{s}");
            }
            Lang::En => assert!(s.contains("decides the reviewing authority"), "{s}"),
        }
        snap(&mut h, &format!("info_{}", lang_name(lang)));
    }
}

#[test]
fn a_certified_enterprise_sees_its_info_read_only_with_the_update_period() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("sz_guangchi");
    h.key(KeyCode::Char('1'));
    let s = h.screen(120, 40);
    assert!(s.contains("企业已获认定，基本信息不能直接修改"), "{s}");
    assert!(s.contains("信息更新"), "{s}");
    assert!(!s.contains("Enter 修改"), "{s}");
    snap(&mut h, "info_certified_zh");
    // Enter opens 信息更新 (the update period is open), never a direct edit
    h.key(KeyCode::Enter);
    assert_eq!(h.app.depth(), 3);
    assert!(!h.shows("修改企业信息"));
    assert!(h.shows("信息更新"));
}

#[test]
fn the_edit_shows_the_apis_errors_under_the_fields_and_keeps_the_text() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        let before = own_enterprise(&h);
        h.key(KeyCode::Char('1'));
        h.key(KeyCode::Enter);
        assert_eq!(h.app.depth(), 3);
        // 成立日期 in the future, a negative revenue, a bad phone
        for _ in 0..4 {
            h.key(KeyCode::Tab);
        }
        clear(&mut h);
        h.type_text("2030-01-01");
        h.key(KeyCode::Tab);
        h.key(KeyCode::Tab);
        h.key(KeyCode::Tab);
        clear(&mut h);
        h.type_text("-5");
        h.key(KeyCode::Tab);
        h.key(KeyCode::Tab);
        h.key(KeyCode::Tab);
        clear(&mut h);
        h.type_text("12345");
        h.key(KeyCode::F(9));
        let s = h.screen(120, 40);
        match lang {
            Lang::Zh => {
                assert!(s.contains("晚于今天"), "{s}");
                assert!(s.contains("应为不小于 0 的数字"), "{s}");
                assert!(s.contains("联系电话应为 11 位手机号码"), "{s}");
            }
            Lang::En => assert!(s.contains("is after today"), "{s}"),
        }
        // nothing typed is lost
        for typed in ["2030-01-01", "-5", "12345"] {
            assert!(s.contains(typed), "{typed}: {s}");
        }
        snap(&mut h, &format!("edit_errors_{}", lang_name(lang)));
        // nothing was stored
        assert_eq!(own_enterprise(&h)["version"], before["version"]);
    }
}

#[test]
fn a_fixed_edit_is_stored_and_the_view_shows_it() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Enter);
    for _ in 0..5 {
        h.key(KeyCode::Tab);
    }
    clear(&mut h);
    h.type_text("广州市天河区科韵路 18 号");
    h.key(KeyCode::Tab);
    clear(&mut h);
    h.type_text("250");
    h.key(KeyCode::F(9));
    // back on the view, which shows the stored values
    assert_eq!(h.app.depth(), 2);
    let stored = own_enterprise(&h);
    assert_eq!(stored["address"], "广州市天河区科韵路 18 号");
    assert_eq!(stored["employees"], 250);
    assert_eq!(stored["contact_phone"], "13810000002");
    h.key(KeyCode::Enter); // dismiss the toast
    let s = h.screen(120, 40);
    assert!(s.contains("科韵路 18 号"), "{s}");
    assert!(s.contains("250 人"), "{s}");
}

#[test]
fn the_industry_picker_searches_by_initials_and_moves_on_to_the_segment() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        h.key(KeyCode::Char('1'));
        h.key(KeyCode::Enter);
        h.key(KeyCode::Tab); // 所属行业
        h.type_text("jcdl"); // 集成电路
        let s = h.screen(80, 24);
        assert!(s.contains("3973"), "{s}");
        assert!(s.contains("集成电路制造"), "{s}");
        snap(&mut h, &format!("edit_industry_picker_{}", lang_name(lang)));
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains("3973 集成电路制造"), "{s}");
        // the focus is on 细分领域 now: typing replaces nothing, it appends
        clear(&mut h);
        h.type_text("车规级芯片");
        h.key(KeyCode::F(9));
        let stored = own_enterprise(&h);
        assert_eq!(stored["industry_code"], "3973");
        assert_eq!(stored["segment"], "车规级芯片");
    }
}

#[test]
fn the_region_picker_changes_the_authority() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Enter);
    h.type_text("440305");
    assert!(h.shows("南山区"));
    h.key(KeyCode::Enter);
    assert!(h.shows("440305 广东省 深圳市 南山区"));
    h.key(KeyCode::F(9));
    let stored = own_enterprise(&h);
    assert_eq!(stored["county_code"], "440305");
    assert_eq!(stored["authority_code"], "440300");
    h.key(KeyCode::Enter); // the toast
    assert!(h.shows("注册地决定审核机关（现为：深圳市）"));
}

#[test]
fn after_moving_to_a_province_without_a_window_the_home_says_so() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Enter);
    h.type_text("430102"); // 长沙市芙蓉区
    h.key(KeyCode::Enter);
    h.key(KeyCode::F(9));
    h.key(KeyCode::Enter); // the toast
    h.key(KeyCode::Esc);
    let s = h.screen(80, 24);
    assert!(s.contains("湖南省目前没有开放的申报窗口"), "{s}");
    assert!(!s.contains("广东省 · 2026 年度批次"), "{s}");
}

#[test]
fn esc_closes_the_picker_and_leaving_an_edited_form_asks_first() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Enter);
    h.type_text("x");
    assert!(h.shows("选择注册地"));
    h.key(KeyCode::Esc); // clears the search
    h.key(KeyCode::Esc); // closes the picker
    assert!(!h.shows("选择注册地"));
    assert_eq!(h.app.depth(), 3);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.type_text("新");
    h.key(KeyCode::Esc);
    assert!(h.shows("放弃修改？"));
    h.key(KeyCode::Enter); // the safe choice: stay
    assert_eq!(h.app.depth(), 3);
    assert!(h.shows("智能传感器新"));
}

#[test]
fn a_stale_version_reloads_keeps_what_was_typed_and_saves_on_the_new_version() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Enter);
    // meanwhile the contact person is changed in another session
    let other = h.app.client.another();
    h.rt.block_on(async move {
        other.login("gz_ruixin", "Demo-2025!").await.expect("login");
        let e = other.own_enterprise().await.expect("read");
        other
            .update_enterprise(e.version.expect("etag"), &json!({"contact_name": "李明"}))
            .await
            .expect("update");
    });
    for _ in 0..5 {
        h.key(KeyCode::Tab);
    }
    clear(&mut h);
    h.type_text("广州市黄埔区科学大道 1 号");
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("已载入最新版本"), "{s}");
    assert!(s.contains("科学大道 1 号"), "the typed address stays: {s}");
    assert!(
        s.contains("李明"),
        "the untouched field shows the current value: {s}"
    );
    snap(&mut h, "edit_conflict_zh");
    h.key(KeyCode::F(9));
    assert_eq!(h.app.depth(), 2);
    let stored = own_enterprise(&h);
    assert_eq!(stored["address"], "广州市黄埔区科学大道 1 号");
    assert_eq!(stored["contact_name"], "李明");
}

#[test]
fn an_empty_enterprise_fills_in_its_basic_info() {
    let mut h = Harness::demo(Lang::Zh);
    new_enterprise(&mut h);
    h.key(KeyCode::Char('1'));
    assert!(h.shows("申报前还须填写"));
    h.key(KeyCode::Enter);
    h.type_text("440106");
    h.key(KeyCode::Enter);
    h.type_text("3983");
    h.key(KeyCode::Enter);
    h.type_text("智能传感器");
    h.key(KeyCode::Tab);
    h.type_text("压力传感器");
    h.key(KeyCode::Enter);
    h.type_text("温度传感器");
    h.key(KeyCode::F(9));
    let stored = own_enterprise(&h);
    assert_eq!(stored["county_code"], "440106");
    assert_eq!(stored["industry_code"], "3983");
    assert_eq!(stored["main_products"], json!(["压力传感器", "温度传感器"]));
    assert_eq!(stored["questionnaire"]["category"], "manufacturing");
}

// ---------------------------------------------------------------------------------------------
// 数字化水平评测
// ---------------------------------------------------------------------------------------------

#[test]
fn assessment_home_shows_the_result_that_counts_and_the_history() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        h.key(KeyCode::Char('2'));
        let s = h.screen(120, 40);
        match lang {
            Lang::Zh => {
                assert!(s.contains("三级 · 65.3 分"), "{s}");
                assert!(s.contains("数字化水平得 5 分"), "{s}");
            }
            Lang::En => assert!(s.contains("level 3 · 65.3 points"), "{s}"),
        }
        snap(&mut h, &format!("assessment_home_{}", lang_name(lang)));
    }
}

#[test]
fn answers_are_saved_as_they_are_chosen_and_resume_after_leaving() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        h.key(KeyCode::Char('2'));
        h.key(KeyCode::Char('n'));
        assert_eq!(h.app.depth(), 3);
        h.key(KeyCode::Char('3'));
        h.key(KeyCode::Char('4'));
        h.key(KeyCode::Char('2'));
        // the API has them already
        let open = attempts(&h)
            .into_iter()
            .find(|a| a["completed_at"].is_null())
            .expect("an open attempt");
        let id = open["id"].as_str().unwrap().to_string();
        let detail = api(&h, |c| {
            Box::pin(async move { c.assessment(&id).await.expect("attempt").value })
        });
        assert_eq!(
            detail["answers"],
            json!({"m.base.01": 2, "m.base.02": 3, "m.base.03": 1})
        );
        // leave: nothing unsaved, so no question
        h.key(KeyCode::Esc);
        assert_eq!(h.app.depth(), 2);
        if lang == Lang::Zh {
            assert!(h.shows("尚未完成"), "{}", h.screen(120, 40));
        }
        // the newest attempt is the first row: Enter resumes it
        h.key(KeyCode::Enter);
        assert_eq!(h.app.depth(), 3);
        let s = h.screen(120, 40);
        assert!(s.contains("3 / 30"), "{s}");
        snap(&mut h, &format!("sheet_resumed_{}", lang_name(lang)));
    }
}

/// Answers every question of the manufacturing questionnaire with option `digit` (a complete
/// panel moves on to the next by itself).
fn answer_all(h: &mut Harness, digit: char) {
    let q = Questionnaire::builtin(AssessmentCategory::Manufacturing);
    for (n, d) in Dimension::ALL.into_iter().enumerate() {
        for _ in q.questions_in(d) {
            h.key(KeyCode::Char(digit));
        }
        if let Some(next) = Dimension::ALL.get(n + 1) {
            let first = q.questions_in(*next).next().expect("a question");
            let s = h.screen(80, 24);
            assert!(
                s.contains(first.title.zh.as_str()) || s.contains(first.title.en.as_str()),
                "on to {next:?}: {s}"
            );
        }
    }
}

#[test]
fn completing_shows_the_result_per_dimension_level_and_indicator_5() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        h.key(KeyCode::Char('2'));
        h.key(KeyCode::Char('n'));
        answer_all(&mut h, '3');
        h.key(KeyCode::F(9));
        let s = h.screen(120, 40);
        match lang {
            Lang::Zh => {
                assert!(s.contains("评测结果"), "{s}");
                assert!(s.contains("50 分（满分 100 分）"), "{s}");
                assert!(s.contains("二级"), "{s}");
                assert!(s.contains("数字化水平得 3 分"), "{s}");
                assert!(s.contains("申报专精特新中小企业时以此为准"), "{s}");
                assert!(s.contains("数字化经营"), "{s}");
            }
            Lang::En => assert!(s.contains("earns 3 points"), "{s}"),
        }
        snap(&mut h, &format!("result_{}", lang_name(lang)));
        // the lower, later result is the one that counts
        let list = attempts(&h);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["counts"], true);
        assert_eq!(list[0]["level"], "l2");
        // back on the assessment home, the new result counts
        h.key(KeyCode::Esc);
        if lang == Lang::Zh {
            assert!(h.shows("二级 · 50 分"), "{}", h.screen(120, 40));
        }
    }
}

#[test]
fn completing_too_early_points_at_the_first_unanswered_question() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    h.key(KeyCode::Char('2'));
    h.key(KeyCode::Char('n'));
    h.key(KeyCode::Char('5'));
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("第 2 题　网络覆盖"), "{s}");
    assert!(s.contains("m.base.02"), "the API's message names it: {s}");
    assert_eq!(h.app.depth(), 3);
}

#[test]
fn a_natural_person_chooses_the_questionnaire() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("np_chenming");
        h.key(KeyCode::Char('1'));
        h.key(KeyCode::F(8));
        snap(&mut h, &format!("assessment_choose_{}", lang_name(lang)));
        h.key(KeyCode::Char('2'));
        let s = h.screen(80, 24);
        match lang {
            Lang::Zh => assert!(s.contains("（生产性服务业）"), "{s}"),
            Lang::En => assert!(s.contains("(producer services)"), "{s}"),
        }
        let open = attempts(&h);
        assert_eq!(open[0]["category"], "producer_services");
        assert!(open[0]["completed_at"].is_null());
    }
}

#[test]
fn a_natural_person_switching_questionnaire_is_asked_to_discard_the_open_one() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("np_chenming");
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::F(8));
    h.key(KeyCode::Char('2')); // producer services
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Esc);
    h.key(KeyCode::F(8));
    h.key(KeyCode::Char('3')); // other industries: the API refuses while one is open
    assert!(h.shows("放弃未完成的评测？"), "{}", h.screen(120, 40));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert!(h.shows("（其他行业）"), "{}", h.screen(120, 40));
    let list = attempts(&h);
    let open: Vec<_> = list
        .iter()
        .filter(|a| a["completed_at"].is_null())
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["category"], "other");
}

// ---------------------------------------------------------------------------------------------
// 我的消息
// ---------------------------------------------------------------------------------------------

#[test]
fn the_inbox_has_five_category_tabs_with_unread_counts() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_jinpeng");
        h.key(KeyCode::Char('3'));
        let s = h.screen(120, 40);
        match lang {
            Lang::Zh => {
                for tab in [
                    "全部",
                    "认定到期",
                    "信息更新",
                    "认定通知",
                    "取消认定",
                    "申报提醒",
                ] {
                    assert!(s.contains(tab), "{tab}: {s}");
                }
            }
            Lang::En => assert!(s.contains("Reminders"), "{s}"),
        }
        snap(&mut h, &format!("inbox_{}", lang_name(lang)));
    }
}

#[test]
fn opening_a_message_marks_it_read_and_m_marks_without_opening() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        h.key(KeyCode::Char('3'));
        let unread = |h: &Harness| {
            api(h, |c| {
                Box::pin(async move { c.messages("limit=50").await.expect("inbox") })
            })["unread"]["total"]
                .as_i64()
                .unwrap()
        };
        assert_eq!(unread(&h), 5);
        // the reminders tab
        for _ in 0..5 {
            h.key(KeyCode::Tab);
        }
        h.key(KeyCode::Enter);
        let s = h.screen(80, 24);
        if lang == Lang::Zh {
            assert!(s.contains("申报提醒 · 2026-04-16"), "{s}");
        }
        snap(&mut h, &format!("message_{}", lang_name(lang)));
        assert_eq!(unread(&h), 4);
        h.key(KeyCode::Esc);
        // the next one, marked without opening
        h.key(KeyCode::Down);
        h.key(KeyCode::Char('m'));
        assert_eq!(unread(&h), 3);
        // two selected, marked at once
        h.key(KeyCode::Down);
        h.key(KeyCode::Char(' '));
        h.key(KeyCode::Char(' '));
        h.ctrl('r');
        assert_eq!(unread(&h), 1);
        if lang == Lang::Zh {
            assert!(h.shows("申报提醒 1"), "{}", h.screen(120, 40));
        }
    }
}

/// Puts the enterprise of `login` into the industry class `class` with a segment and products
/// (SQL, as if it had entered them).
fn enter_as(h: &Harness, login: &str, class: &str, segment: &str, products: &[&str]) {
    let svc = h.service.clone();
    let (login, class, segment) = (login.to_string(), class.to_string(), segment.to_string());
    let products = serde_json::to_string(products).unwrap();
    h.rt.block_on(async move {
        let mut w = svc.write().await.expect("write");
        sqlx::query(
            "UPDATE enterprises SET industry_code = $1, segment = $2, main_products = $3 \
             WHERE id = (SELECT enterprise_id FROM accounts WHERE login_name = $4)",
        )
        .bind(class)
        .bind(segment)
        .bind(products)
        .bind(login)
        .execute(&mut *w)
        .await
        .expect("update");
        w.commit().await.expect("commit");
    });
}

#[test]
fn the_segment_suggests_what_enterprises_of_the_industry_entered_and_enter_takes_one() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        // gz_ruixin is 3983 智能传感器; two more enterprises of 3983, one of 4090 (bj_zhixin)
        enter_as(
            &h,
            "sz_haiyun",
            "3983",
            "智能网联汽车传感器",
            &["毫米波雷达"],
        );
        enter_as(&h, "hz_xiyue", "3983", "智能家居传感器", &["温湿度传感器"]);
        h.login("gz_ruixin");
        h.key(KeyCode::Char('1'));
        h.key(KeyCode::Enter);
        h.key(KeyCode::Tab);
        h.key(KeyCode::Tab); // 细分领域
        clear(&mut h);
        h.type_text("智能");
        let s = h.screen(80, 24);
        assert!(
            s.contains("智能网联汽车传感器") && s.contains("智能家居传感器"),
            "{s}"
        );
        snap(
            &mut h,
            &format!("edit_segment_suggestions_{}", lang_name(lang)),
        );
        // typing narrows them
        h.type_text("网");
        let s = h.screen(80, 24);
        assert!(s.contains("智能网联汽车传感器"), "{s}");
        assert!(!s.contains("智能家居传感器"), "{s}");
        // Down highlights, Enter takes it
        h.key(KeyCode::Down);
        assert!(h.shows("› 智能网联汽车传感器"));
        h.key(KeyCode::Enter);
        assert!(!h.shows("› "), "the list closes");
        // 主导产品 suggests the products of that segment for the line being typed
        h.key(KeyCode::Tab);
        h.ctrl('e');
        h.key(KeyCode::Enter);
        h.type_text("毫");
        assert!(h.shows("毫米波雷达"), "{}", h.screen(80, 24));
        assert!(!h.shows("温湿度传感器"));
        h.key(KeyCode::Down);
        h.key(KeyCode::Enter);
        h.key(KeyCode::F(9));
        let stored = own_enterprise(&h);
        assert_eq!(stored["segment"], "智能网联汽车传感器");
        let products = stored["main_products"].as_array().unwrap();
        assert_eq!(products.last().unwrap(), "毫米波雷达", "{products:?}");
    }
}

#[test]
fn another_industry_brings_its_own_segments_and_free_text_is_kept() {
    let mut h = Harness::demo(Lang::Zh);
    enter_as(
        &h,
        "sz_haiyun",
        "3983",
        "智能网联汽车传感器",
        &["毫米波雷达"],
    );
    h.login("gz_ruixin");
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    clear(&mut h);
    assert!(h.shows("智能网联汽车传感器"), "{}", h.screen(80, 24));
    // 所属行业 → 4090 (bj_zhixin's 工业视觉检测): the list follows the industry
    h.key(KeyCode::BackTab);
    h.type_text("4090");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("工业视觉检测"), "{s}");
    assert!(!s.contains("智能网联汽车传感器"), "{s}");
    // free text no one entered: no list, and it is stored as typed
    h.type_text("激光测距");
    assert!(!h.shows("工业视觉检测"));
    h.key(KeyCode::F(9));
    let stored = own_enterprise(&h);
    assert_eq!(
        (stored["industry_code"].as_str(), stored["segment"].as_str()),
        (Some("4090"), Some("激光测距"))
    );
}
