//! 通知公告 driven by keys over the in-process API on the demo data: both levels with their
//! publishers, the level filter, search as you type, paging at the end, the detail of a long
//! Chinese notice scrolling, and the public home opening the same detail.

use crate::display;
use crate::domain::Lang;
use crate::tui::testing::Harness;
use crossterm::event::KeyCode;
use serde_json::Value;

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = h.screen(w, hh);
        assert_fits(&screen, w);
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), screen);
    }
}

/// No row is wider than the terminal (no CJK character spilling over), and every frame row
/// ends on its border (nothing cut in the middle of a character before it).
fn assert_fits(screen: &str, width: u16) {
    for line in screen.lines().skip(1) {
        assert!(display::width(line) <= width as usize, "{line}");
        if line.starts_with('│') {
            assert_eq!(display::width(line), width as usize, "{line}");
        }
    }
}

/// The public home's entry 4 is 通知公告.
fn open_list(lang: Lang) -> Harness {
    let mut h = Harness::demo(lang);
    h.key(KeyCode::Char('4'));
    h
}

/// What the API lists for a level and a search text (every page).
fn api_titles(h: &Harness, level: Option<&str>, text: Option<&str>) -> Vec<String> {
    let c = h.app.client.another();
    h.rt.block_on(async {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = c
                .announcement_page(level, text, cursor.as_deref(), 100)
                .await
                .unwrap();
            for n in page["items"].as_array().unwrap() {
                out.push(n["title"].as_str().unwrap().to_string());
            }
            match page["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => return out,
            }
        }
    })
}

/// Publishes an announcement through the API as `admin`; returns its id.
fn publish(h: &Harness, admin: &str, title: &str, body: &str) -> String {
    let c = h.app.client.another();
    h.rt.block_on(async {
        c.login(admin, "Demo-2025!").await.unwrap();
        let a = c.create_announcement(title, body).await.unwrap().value;
        let id = a["id"].as_str().unwrap().to_string();
        let version = a["version"].as_i64().unwrap();
        c.announcement_action(&id, version, "publish")
            .await
            .unwrap();
        id
    })
}

/// The rows of the list as shown at 120×40 (between the header row and the status line).
fn rows(h: &mut Harness) -> Vec<String> {
    let s = h.screen(120, 40);
    s.lines()
        .skip_while(|l| !l.contains("发布日期") && !l.contains("Published"))
        .skip(1)
        .take_while(|l| l.starts_with('│') && !l.trim_matches(['│', ' ']).is_empty())
        .map(|l| l.trim_matches(['│', ' ']).to_string())
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect()
}

#[test]
fn the_list_shows_both_levels_with_their_publishers() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = open_list(lang);
        let all = api_titles(&h, None, None);
        let shown = rows(&mut h);
        assert_eq!(shown.len(), all.len(), "{shown:#?}");
        let s = h.screen(120, 40);
        match lang {
            Lang::Zh => {
                assert!(s.contains("部级") && s.contains("工业和信息化部"), "{s}");
                assert!(s.contains("省级") && s.contains("广东省"), "{s}");
                assert!(s.contains(&format!("共 {} 条", all.len())), "{s}");
            }
            Lang::En => {
                assert!(s.contains("Ministry") && s.contains("Province"), "{s}");
            }
        }
        snap(&mut h, &format!("list_{lang:?}"));
    }
}

#[test]
fn the_level_filter_keeps_one_level() {
    let mut h = open_list(Lang::Zh);
    let ministry = api_titles(&h, Some("ministry"), None);
    let province = api_titles(&h, Some("province"), None);
    assert!(!ministry.is_empty() && !province.is_empty());
    h.key(KeyCode::Right);
    let shown = rows(&mut h);
    assert_eq!(shown.len(), ministry.len(), "{shown:#?}");
    assert!(
        shown
            .iter()
            .all(|r| r.contains("部级") && !r.contains("省级"))
    );
    snap(&mut h, "level_ministry_zh");
    h.key(KeyCode::Right);
    let shown = rows(&mut h);
    assert_eq!(shown.len(), province.len(), "{shown:#?}");
    assert!(
        shown
            .iter()
            .all(|r| r.contains("省级") && !r.contains("部级"))
    );
    // round the other way: back to all
    h.key(KeyCode::Left);
    h.key(KeyCode::Left);
    assert_eq!(rows(&mut h).len(), ministry.len() + province.len());
}

#[test]
fn search_narrows_the_list_as_you_type_and_esc_clears_it() {
    let mut h = open_list(Lang::Zh);
    let all = rows(&mut h).len();
    h.key(KeyCode::Char('/'));
    h.type_text("浙江");
    let zhejiang = api_titles(&h, None, Some("浙江"));
    let shown = rows(&mut h);
    assert!(!shown.is_empty() && shown.len() < all, "{shown:#?}");
    assert_eq!(shown.len(), zhejiang.len());
    assert!(!shown.iter().any(|r| r.contains("北京市")), "{shown:#?}");
    // one more word narrows it further; the level filter applies on top
    h.type_text("省创新型");
    let narrower = api_titles(&h, None, Some("浙江省创新型"));
    assert_eq!(rows(&mut h).len(), narrower.len());
    snap(&mut h, "search_zh");
    // Enter ends the search line and keeps the search
    h.key(KeyCode::Enter);
    assert!(h.shows("筛选：浙江省创新型"));
    assert_eq!(rows(&mut h).len(), narrower.len());
    // searching again: Esc clears it and everything is back
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    assert_eq!(rows(&mut h).len(), all);
    assert_eq!(
        h.app.depth(),
        2,
        "Esc in the search line does not leave the list"
    );
}

#[test]
fn a_search_with_no_match_says_so_and_question_marks_are_typed() {
    let mut h = open_list(Lang::En);
    h.key(KeyCode::Char('/'));
    h.type_text("no such thing?");
    assert!(
        !h.app.help,
        "? is typed in the search line, not the help key"
    );
    let s = h.screen(80, 24);
    assert!(
        s.contains("No announcement contains “no such thing?”."),
        "{s}"
    );
    snap(&mut h, "search_none_en");
}

#[test]
fn scrolling_to_the_end_loads_the_next_page() {
    let mut h = Harness::demo(Lang::Zh);
    for i in 1..=40 {
        publish(
            &h,
            "gd_admin",
            &format!("测试公告第{i:02}号"),
            "广东省测试公告正文。",
        );
    }
    let total = api_titles(&h, None, None).len();
    assert!(total > 30 + 10);
    h.key(KeyCode::Char('4'));
    // the first page (30) is loaded, the rest waits for the cursor
    assert!(h.shows("已加载 30 条"), "{}", h.screen(120, 40));
    h.key(KeyCode::End);
    let s = h.screen(120, 40);
    assert!(s.contains(&format!("共 {total} 条")), "{s}");
    assert!(
        s.contains(&format!("30/{total}")),
        "the cursor stays on row 30: {s}"
    );
    h.key(KeyCode::End);
    assert!(h.shows(&format!("{total}/{total}")));
    snap(&mut h, "paged_to_end_zh");
}

/// A long notice: several paragraphs of Chinese with mixed Latin text and numbers.
fn long_body() -> String {
    let para = "为深入贯彻落实党中央、国务院关于促进中小企业高质量发展的决策部署，根据《优质中小企业梯度培育管理暂行办法》（工信部企业〔2022〕63号），现就做好2026年度专精特新“小巨人”企业培育工作通知如下。申报材料通过优质中小企业梯度培育平台（SME Platform）在线填报，PDF 格式，单个文件不超过 20 MB。";
    (1..=8)
        .map(|i| format!("{i}. {para}"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn enter_opens_the_detail_and_a_long_body_scrolls() {
    let mut h = Harness::demo(Lang::Zh);
    let title = "关于开展2026年度专精特新“小巨人”企业培育工作补充说明的通知（测试用较长标题，须完整换行显示）";
    publish(&h, "mi_admin", title, &long_body());
    h.key(KeyCode::Char('4'));
    // the newest is first
    h.key(KeyCode::Enter);
    assert_eq!(h.app.depth(), 3);
    let s = h.screen(80, 24);
    assert!(
        s.contains("工业和信息化部") && s.contains("2026-04-16"),
        "{s}"
    );
    assert!(
        s.contains("须完整换行显示"),
        "the title wraps, not cut: {s}"
    );
    assert!(s.contains("1. 为深入贯彻落实"), "{s}");
    snap(&mut h, "detail_long_zh");
    let top = h.screen(80, 24);
    assert!(
        top.contains("1–"),
        "the position shows on the border: {top}"
    );
    h.ctrl('d');
    let moved = h.screen(80, 24);
    assert_ne!(top, moved);
    assert!(!moved.contains("1. 为深入贯彻落实"), "{moved}");
    h.key(KeyCode::End);
    let end = h.screen(80, 24);
    assert!(end.contains("不超过 20 MB。"), "{end}");
    assert!(end.contains("8. ") || end.contains("单个文件"), "{end}");
    assert_fits(&end, 80);
    h.key(KeyCode::Home);
    assert_eq!(h.screen(80, 24), top);
    // Esc back to the list, where the cursor still is
    h.key(KeyCode::Esc);
    assert_eq!(h.app.depth(), 2);
}

#[test]
fn the_detail_in_english() {
    let mut h = open_list(Lang::En);
    h.key(KeyCode::Right); // ministry
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(
        s.contains("Ministry · Ministry of Industry and Information Technology · published"),
        "{s}"
    );
    snap(&mut h, "detail_en");
}

#[test]
fn the_public_home_opens_the_same_detail() {
    let mut h = Harness::demo(Lang::Zh);
    let first: Value = {
        let c = h.app.client.another();
        h.rt.block_on(async { c.announcements("limit=1").await.unwrap() })
    };
    let title = first["items"][0]["title"].as_str().unwrap().to_string();
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.depth(), 2);
    let s = h.screen(120, 40);
    assert!(s.contains("公告详情") && s.contains(&title), "{s}");
    assert!(s.contains("正文"), "{s}");
}
