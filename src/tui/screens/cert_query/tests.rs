//! 企业认定查询 driven by keys over the in-process API on the demo data: a certified enterprise
//! found, "none found", the API's exact credit-code error under its field, a wrong answer that
//! keeps name and code and brings a new challenge, a new challenge on demand, and the rate
//! limit as a sentence with the wait.

use crate::display;
use crate::domain::Lang;
use crate::domain::ids::{Uscc, uscc_check_char};
use crate::domain::text::Localized;
use crate::tui::testing::Harness;
use crossterm::event::KeyCode;
use sqlx::Row;

/// 深圳光驰: certified 专精特新 last batch by 深圳市 (a 计划单列市).
const GUANGCHI: &str = "深圳光驰光电科技有限公司";
/// 杭州滨江数智: certified 创新型 last batch by 浙江省.
const SHUZHI: &str = "杭州滨江数智软件有限公司";

/// A demo enterprise's credit code, as the demo builds it (county + organisation code).
fn uscc(county: &str, org: &str) -> String {
    let first17 = format!("91{county}{org}");
    let check = uscc_check_char(&first17).unwrap();
    format!("{first17}{check}")
}

fn guangchi_uscc() -> String {
    uscc("440305", "MA5E4RH9P")
}

fn shuzhi_uscc() -> String {
    uscc("330108", "MA27W1E5Q")
}

/// The public home's entry 1 is the query.
fn open(lang: Lang) -> Harness {
    let mut h = Harness::demo(lang);
    h.key(KeyCode::Char('1'));
    h
}

/// The challenge on screen (`7 + 5 = ?`), as a person reads it.
fn expression(screen: &str) -> String {
    let line = screen
        .lines()
        .find(|l| l.contains(" = ?"))
        .unwrap_or_else(|| panic!("no challenge on screen: {screen}"));
    let end = line.find(" = ?").unwrap() + " = ?".len();
    let start = line[..end]
        .rfind(|c: char| {
            !(c.is_ascii_digit() || c == ' ' || c == '+' || c == '-' || c == '=' || c == '?')
        })
        .map(|i| i + line[i..].chars().next().unwrap().len_utf8())
        .unwrap();
    line[start..end].trim().to_string()
}

/// What a person at the terminal works out.
fn solve(screen: &str) -> String {
    let e = expression(screen);
    let parts: Vec<&str> = e.split(' ').collect();
    let (x, y): (i64, i64) = (parts[0].parse().unwrap(), parts[2].parse().unwrap());
    match parts[1] {
        "+" => (x + y).to_string(),
        "-" => (x - y).to_string(),
        op => panic!("unexpected operator {op} in {e}"),
    }
}

/// The screen with the random challenge replaced by a fixed one of the same width.
fn masked(screen: &str) -> String {
    let Some(line) = screen.lines().find(|l| l.contains(" = ?")) else {
        return screen.to_string();
    };
    let e = expression(screen);
    let at = line.find(&e).unwrap();
    let rest = &line[at + e.len()..];
    let spaces = rest.len() - rest.trim_start_matches(' ').len();
    let span = e.len() + spaces;
    let fixed = display::pad("x + y = ?", span);
    // a typed answer to the random question is masked too
    let after = &line[at + span..];
    let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let answer = if digits > 0 {
        display::pad("n", digits)
    } else {
        String::new()
    };
    let new_line = format!("{}{}{}{}", &line[..at], fixed, answer, &after[digits..]);
    screen.replacen(line, &new_line, 1)
}

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = h.screen(w, hh);
        for line in screen.lines().skip(1) {
            assert!(display::width(line) <= w as usize, "{line}");
            if line.starts_with('│') {
                assert_eq!(
                    display::width(line),
                    w as usize,
                    "cut before the border: {line}"
                );
            }
        }
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), masked(&screen));
    }
}

/// Fills the form: name, Tab, credit code, Tab, answer.
fn fill(h: &mut Harness, name: &str, code: &str, answer: &str) {
    h.type_text(name);
    h.key(KeyCode::Tab);
    h.type_text(code);
    h.key(KeyCode::Tab);
    h.type_text(answer);
}

/// Challenges issued in the current rate window.
fn challenges_issued(h: &Harness) -> i64 {
    let svc = h.service.clone();
    h.rt.block_on(async move {
        let mut w = svc.write().await.unwrap();
        let n: i64 = sqlx::query(
            "SELECT COALESCE(SUM(hits), 0) AS n FROM rate_limits WHERE bucket LIKE 'challenge:%'",
        )
        .fetch_one(&mut *w)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        w.commit().await.unwrap();
        n
    })
}

#[test]
fn the_form_shows_the_apis_challenge_in_both_languages() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = open(lang);
        let s = h.screen(80, 24);
        let prompt = if lang == Lang::Zh {
            "请计算："
        } else {
            "Work out: "
        };
        assert!(s.contains(prompt), "{s}");
        let e = expression(&s);
        assert!(s.contains(&format!("{prompt}{e}")), "{s}");
        assert_eq!(challenges_issued(&h), 1);
        snap(&mut h, &format!("form_{lang:?}"));
    }
}

#[test]
fn a_certified_enterprise_is_found_with_its_certification() {
    let mut h = open(Lang::Zh);
    let s = h.screen(80, 24);
    fill(&mut h, GUANGCHI, &guangchi_uscc(), &solve(&s));
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("查询到 1 条认定记录。"), "{s}");
    let row = s
        .lines()
        .find(|l| l.contains("专精特新中小企业"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("深圳市") && row.contains("有效"), "{row}");
    assert!(s.contains(&guangchi_uscc()), "{s}");
    // the challenge is spent: a new one is there for the next query, name and code stay
    assert_eq!(challenges_issued(&h), 2);
    assert!(s.contains(GUANGCHI), "{s}");
    snap(&mut h, "found_zh");
}

#[test]
fn a_certified_enterprise_in_english() {
    let mut h = open(Lang::En);
    let s = h.screen(80, 24);
    fill(&mut h, SHUZHI, &shuzhi_uscc(), &solve(&s));
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("1 certification record(s) found."), "{s}");
    let row = s
        .lines()
        .find(|l| l.contains("Innovative SME"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        row.contains("浙江省 (330000)") && row.contains("valid"),
        "{row}"
    );
    snap(&mut h, "found_en");
}

#[test]
fn a_name_that_does_not_match_finds_nothing_and_says_so() {
    let mut h = open(Lang::Zh);
    let s = h.screen(80, 24);
    fill(&mut h, "深圳光驰科技有限公司", &guangchi_uscc(), &solve(&s));
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("未查询到认定记录"), "{s}");
    assert!(!s.contains("认定机关"), "no table: {s}");
    snap(&mut h, "none_found_zh");
}

#[test]
fn a_bad_credit_code_shows_the_apis_words_under_its_field_and_keeps_the_challenge() {
    let mut h = open(Lang::Zh);
    let good = guangchi_uscc();
    let last = good.chars().last().unwrap();
    let wrong_check = if last == '0' { '1' } else { '0' };
    let bad = format!("{}{wrong_check}", &good[..17]);
    let expected = Uscc::parse(&bad).unwrap_err().text().zh;
    let s = h.screen(80, 24);
    let answer = solve(&s);
    fill(&mut h, GUANGCHI, &bad, &answer);
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    let at = s
        .find(&bad)
        .unwrap_or_else(|| panic!("the code stays typed: {s}"));
    let below = &s[at..];
    let head: String = expected.chars().take(12).collect();
    assert!(
        below.contains(&head),
        "the API's message under the field: {expected} / {s}"
    );
    assert!(s.contains(GUANGCHI), "{s}");
    assert_eq!(
        challenges_issued(&h),
        1,
        "invalid input does not spend the challenge"
    );
    snap(&mut h, "bad_uscc_zh");
    // the focus went to the code: fix its check character, and the same challenge still works
    h.key(KeyCode::Backspace);
    h.type_text(&last.to_string());
    h.key(KeyCode::F(9));
    assert!(h.shows("查询到 1 条认定记录。"), "{}", h.screen(120, 40));
}

#[test]
fn a_wrong_answer_keeps_name_and_code_and_issues_a_new_challenge() {
    let mut h = open(Lang::Zh);
    let code = guangchi_uscc();
    fill(&mut h, GUANGCHI, &code, "999");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("验证题答案错误"), "{s}");
    assert!(s.contains("已换一道新的验证题"), "{s}");
    assert!(
        s.contains(GUANGCHI) && s.contains(&code),
        "nothing typed is lost: {s}"
    );
    assert!(
        !s.contains("999"),
        "the old answer went with the old question: {s}"
    );
    assert_eq!(challenges_issued(&h), 2);
    snap(&mut h, "wrong_answer_zh");
    // the focus is on the answer: type the new one and query
    let answer = solve(&s);
    h.type_text(&answer);
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("查询到 1 条认定记录。"), "{s}");
    assert!(
        !s.contains("验证题答案错误"),
        "the old message is gone: {s}"
    );
}

#[test]
fn f5_brings_a_new_challenge_and_clears_the_answer() {
    let mut h = open(Lang::En);
    fill(&mut h, SHUZHI, &shuzhi_uscc(), "12");
    h.key(KeyCode::F(5));
    let s = h.screen(80, 24);
    assert!(s.contains("Here is a new challenge."), "{s}");
    assert!(s.contains(SHUZHI), "{s}");
    assert_eq!(challenges_issued(&h), 2);
    let answer_line = s.lines().find(|l| l.contains(" = ?")).unwrap();
    let typed = answer_line.split(" = ?").nth(1).unwrap();
    assert_eq!(
        typed.trim_matches(['│', ' ']),
        "",
        "the old answer is gone: {answer_line}"
    );
}

#[test]
fn an_empty_query_marks_the_required_fields_without_a_request() {
    let mut h = open(Lang::Zh);
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert_eq!(s.matches("必填项").count(), 3, "{s}");
    assert!(s.contains("尚未查询"), "{s}");
}

#[test]
fn the_rate_limit_is_a_plain_sentence_with_the_wait() {
    let mut h = open(Lang::Zh);
    fill(&mut h, GUANGCHI, &guangchi_uscc(), "");
    // ten queries in the window are allowed (wrong answers count too)
    for _ in 0..10 {
        h.type_text("999");
        h.key(KeyCode::Enter);
        assert!(h.shows("验证题答案错误"));
    }
    h.type_text("999");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("查询过于频繁，请 10 分钟后再试。"), "{s}");
    assert!(
        s.contains(GUANGCHI) && s.contains("999"),
        "everything typed stays: {s}"
    );
    snap(&mut h, "rate_limited_zh");
}
