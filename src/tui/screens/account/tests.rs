//! The account flows driven by keys over the in-process API on a fresh demo copy: snapshots of
//! every screen (80×24 and 120×40, Chinese and English) and what a user does with them.

use crate::domain::Lang;
use crate::domain::ids::{id_check_char, uscc_check_char};
use crate::service::notify::outbox_to;
use crate::tui::screens::home::{Dest, nav_items};
use crate::tui::screens::public::{Entry, entries};
use crate::tui::testing::Harness;
use crossterm::event::KeyCode;
use sqlx::Row;

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = redact_ids(&h.screen(w, hh));
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), screen);
    }
}

/// Replaces UUIDs (request numbers differ on every run) with a mark of the same width.
fn redact_ids(s: &str) -> String {
    const SHAPE: &[usize] = &[8, 4, 4, 4, 12];
    let is_uuid = |t: &str| {
        let parts: Vec<&str> = t.split('-').collect();
        parts.len() == SHAPE.len()
            && parts.iter().zip(SHAPE).all(|(p, n)| {
                p.len() == *n
                    && p.chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_uppercase())
            })
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if i + 36 <= chars.len() {
            let t: String = chars[i..i + 36].iter().collect();
            if is_uuid(&t) {
                out.push_str("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
                i += 36;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[test]
fn request_numbers_are_redacted_in_snapshots_only() {
    let s = "编号 01a20129-5fbd-7504-a42d-04f307866fb3（2026-04-16 10:00）";
    assert_eq!(
        redact_ids(s),
        "编号 xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx（2026-04-16 10:00）"
    );
    assert_eq!(redact_ids("2026-04-16 10:10"), "2026-04-16 10:10");
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// Presses the digit of a public-home entry.
fn open_public(h: &mut Harness, entry: Entry) {
    let i = entries()
        .iter()
        .position(|(e, _, _)| *e == entry)
        .expect("the entry is on the public home");
    h.key(KeyCode::Char(char::from(b'1' + i as u8)));
}

/// Presses the digit of a role-home entry.
fn open_nav(h: &mut Harness, dest: Dest) {
    let account = h.app.session.account.clone().expect("logged in");
    let i = if matches!(account.kind.as_str(), "legal" | "natural") {
        // the enterprise workspace has its own home
        let id = match dest {
            Dest::Account => "security",
            Dest::RealName => "verify",
            _ => unreachable!("not an entry this test opens"),
        };
        crate::tui::screens::enterprise::workspace_entries(&account)
            .iter()
            .position(|e| e.id == id)
            .expect("the entry is in the enterprise home")
    } else {
        nav_items(&account)
            .iter()
            .position(|n| n.dest == dest)
            .expect("the entry is in the role home")
    };
    h.key(KeyCode::Char(char::from(b'1' + i as u8)));
}

/// The code in the newest message to `recipient` (the six digits after "验证码 ").
fn last_code(h: &Harness, recipient: &str) -> String {
    let msgs = h.rt.block_on(async {
        let mut conn = h.service.read().await.expect("read");
        outbox_to(&mut conn, recipient).await.expect("outbox")
    });
    let body = &msgs.first().expect("a message").body;
    let after = body.split("验证码 ").nth(1).expect("a code in the message");
    after.chars().take(6).collect()
}

/// A number from a query with one text parameter.
fn count(h: &Harness, sql: &'static str, arg: &str) -> i64 {
    h.rt.block_on(async {
        let mut conn = h.service.read().await.expect("read");
        sqlx::query(sql)
            .bind(arg)
            .fetch_one(&mut *conn)
            .await
            .expect("query")
            .try_get::<i64, _>("n")
            .expect("n")
    })
}

fn can_log_in(h: &Harness, login: &str, password: &str) -> bool {
    h.rt.block_on(h.service.login(login, password)).is_ok()
}

/// 广州瑞芯's USCC (a demo firm, verified).
fn ruixin_uscc() -> String {
    let first = "91440106MA59R3LN2";
    format!("{first}{}", uscc_check_char(first).unwrap())
}

/// A USCC no demo firm holds.
fn fresh_uscc() -> String {
    let first = "91440106MA5K7Q8W3";
    format!("{first}{}", uscc_check_char(first).unwrap())
}

fn an_id_number() -> String {
    let first = "44010619800101123";
    format!("{first}{}", id_check_char(first).unwrap())
}

/// Registers an unverified legal-person account through the API (password Demo-2025!) and
/// shows its home.
fn unverified_legal(h: &mut Harness, login: &str) {
    let client = h.app.client.clone();
    h.rt.block_on(client.register(login, "Demo-2025!", "legal", "13700001111", None))
        .expect("register");
    h.login(login);
}

/// Tab over `n` fields.
fn tabs(h: &mut Harness, n: usize) {
    for _ in 0..n {
        h.key(KeyCode::Tab);
    }
}

fn erase(h: &mut Harness, n: usize) {
    for _ in 0..n {
        h.key(KeyCode::Backspace);
    }
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

#[test]
fn public_home_offers_register_and_account_help() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        let s = h.screen(80, 24);
        assert!(
            s.contains("注册") || s.contains("Register"),
            "the register entry: {s}"
        );
        assert!(s.contains("账户帮助") || s.contains("Account help"), "{s}");
        open_public(&mut h, Entry::AccountHelp);
        let s = h.screen(80, 24);
        assert!(
            s.contains("找回密码") || s.contains("Forgotten password"),
            "{s}"
        );
        snap(&mut h, &format!("account_help_{}", lang_name(lang)));
    }
}

#[test]
fn every_role_has_account_and_security_and_unverified_legal_accounts_verify_first() {
    for login in [
        "gz_ruixin",
        "np_chenming",
        "gz_city",
        "gd_admin",
        "kf_support",
    ] {
        let mut h = Harness::demo(Lang::Zh);
        h.login(login);
        assert!(h.shows("账户与安全"), "{login}");
        assert!(!h.shows("实名认证  法人账户申报前须完成"), "{login}");
    }
    let mut h = Harness::demo(Lang::Zh);
    unverified_legal(&mut h, "new_firm");
    let account = h.app.session.account.clone().unwrap();
    assert_eq!(nav_items(&account)[0].dest, Dest::RealName);
    snap(&mut h, "role_home_unverified_zh");
}

#[test]
fn account_and_security_shows_the_bound_phone_and_email_masked() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_ruixin");
        open_nav(&mut h, Dest::Account);
        let s = h.screen(80, 24);
        assert!(s.contains("138****0002"), "{s}");
        assert!(!s.contains("13810000002"), "never the whole number: {s}");
        snap(&mut h, &format!("security_{}", lang_name(lang)));
    }
    // no e-mail address: the screen says which way to change the phone
    let mut h = Harness::demo(Lang::Zh);
    h.login("np_chenming");
    open_nav(&mut h, Dest::Account);
    assert!(h.shows("未绑定电子邮箱"));
}

// ---------------------------------------------------------------------------------------------
// Register, verify
// ---------------------------------------------------------------------------------------------

#[test]
fn register_explains_the_two_account_types() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        open_public(&mut h, Entry::Register);
        let s = h.screen(120, 40);
        assert!(
            s.contains("法人账户") || s.contains("Legal-person account"),
            "{s}"
        );
        assert!(
            s.contains("不能申报") || s.contains("may browse announcements"),
            "{s}"
        );
        snap(&mut h, &format!("register_{}", lang_name(lang)));
    }
}

#[test]
fn register_a_legal_account_then_log_in_and_verify_it() {
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::Register);
    h.key(KeyCode::Right); // 法人账户
    h.key(KeyCode::Tab);
    h.type_text("xinchuang_2026");
    h.key(KeyCode::Tab);
    h.type_text("Xc-Secret-88");
    h.key(KeyCode::Tab);
    h.type_text("Xc-Secret-88");
    h.key(KeyCode::Tab);
    h.type_text("13712345678");
    h.key(KeyCode::Tab);
    h.type_text("ops@xinchuang.cn");
    h.key(KeyCode::Enter);
    // the log-in, with the new name filled in and what comes next
    let s = h.screen(80, 24);
    assert!(s.contains("xinchuang_2026"), "{s}");
    assert!(s.contains("注册成功"), "{s}");
    snap(&mut h, "registered_login_zh");
    assert_eq!(
        count(
            &h,
            "SELECT COUNT(*) AS n FROM accounts WHERE login_key = $1 AND kind = 'legal'",
            "xinchuang_2026"
        ),
        1
    );
    h.type_text("Xc-Secret-88");
    h.key(KeyCode::Enter);
    // logged in, not verified: the verification is offered at once
    assert!(h.app.session.account.is_some());
    let s = h.screen(80, 24);
    assert!(s.contains("尚未实名认证"), "{s}");
    snap(&mut h, "verify_after_login_zh");
    h.type_text("广州新创微系统有限公司");
    h.key(KeyCode::Tab);
    h.type_text(&fresh_uscc());
    h.key(KeyCode::Tab);
    h.type_text("李明");
    h.key(KeyCode::Tab);
    h.type_text(&an_id_number());
    h.key(KeyCode::Enter);
    let account = h.app.session.account.clone().unwrap();
    assert!(account.verified);
    assert_eq!(account.display_name, "广州新创微系统有限公司");
    assert_eq!(
        count(
            &h,
            "SELECT COUNT(*) AS n FROM enterprises WHERE uscc = $1",
            &fresh_uscc()
        ),
        1
    );
    let s = h.screen(80, 24);
    assert!(s.contains("实名认证完成"), "{s}");
    // the enterprise workspace opens on the verified name, and the entry is gone
    assert!(s.contains("广州新创微系统有限公司"), "{s}");
    assert!(!s.contains("实名认证  "), "{s}");
    assert!(!nav_items(&account).iter().any(|n| n.dest == Dest::RealName));
    assert!(
        !crate::tui::screens::enterprise::workspace_entries(&account)
            .iter()
            .any(|e| e.id == "verify")
    );
}

#[test]
fn register_shows_the_api_errors_under_their_fields_and_keeps_the_text() {
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::Register);
    h.key(KeyCode::Right);
    h.key(KeyCode::Right); // 自然人账户
    h.key(KeyCode::Tab);
    h.type_text("gz_ruixin"); // taken
    h.key(KeyCode::Tab);
    h.type_text("short");
    h.key(KeyCode::Tab);
    h.type_text("short");
    h.key(KeyCode::Tab);
    h.type_text("12345");
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("gz_ruixin"), "typed text kept: {s}");
    assert!(s.contains("12345"), "{s}");
    assert!(s.contains("密码至少 8 位"), "under the password: {s}");
    assert!(s.contains("手机号码应为 11 位"), "under the phone: {s}");
    snap(&mut h, "register_errors_zh");
    // a taken login name (case does not matter)
    let mut h = Harness::demo(Lang::En);
    open_public(&mut h, Entry::Register);
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    h.type_text("GZ_RUIXIN");
    h.key(KeyCode::Tab);
    h.type_text("Another-Pass-1");
    h.key(KeyCode::Tab);
    h.type_text("Another-Pass-1");
    h.key(KeyCode::Tab);
    h.type_text("13700002222");
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("is taken"), "{s}");
    snap(&mut h, "register_taken_en");
}

#[test]
fn register_with_different_passwords_never_reaches_the_api() {
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::Register);
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    h.type_text("twice_typed");
    h.key(KeyCode::Tab);
    h.type_text("Good-Pass-2026");
    h.key(KeyCode::Tab);
    h.type_text("Good-Pass-2027");
    h.key(KeyCode::Tab);
    h.type_text("13712345678");
    h.key(KeyCode::F(9));
    assert!(h.shows("两次输入的密码不一致"));
    assert!(h.shows("twice_typed"));
    assert_eq!(
        count(
            &h,
            "SELECT COUNT(*) AS n FROM accounts WHERE login_key = $1",
            "twice_typed"
        ),
        0
    );
}

#[test]
fn verifying_a_uscc_another_account_holds_shows_the_ways_out() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        unverified_legal(&mut h, "late_comer");
        open_nav(&mut h, Dest::RealName);
        snap(&mut h, &format!("verify_{}", lang_name(lang)));
        h.type_text("广州瑞芯智能传感股份有限公司");
        h.key(KeyCode::Tab);
        h.type_text(&ruixin_uscc());
        h.key(KeyCode::Tab);
        h.type_text("陈国华");
        h.key(KeyCode::Tab);
        h.type_text(&an_id_number());
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains(&ruixin_uscc()), "{s}");
        assert!(
            s.contains("申请账户找回") || s.contains("account recovery"),
            "{s}"
        );
        assert!(!h.app.session.account.as_ref().unwrap().verified);
        snap(&mut h, &format!("uscc_taken_{}", lang_name(lang)));
        // Esc: back to the form, everything typed still there, the field marked
        h.key(KeyCode::Esc);
        let s = h.screen(120, 40);
        assert!(s.contains("陈国华"), "{s}");
        assert!(s.contains(&an_id_number()), "{s}");
        assert!(
            s.contains("已被其他账号实名认证") || s.contains("verified by another account"),
            "{s}"
        );
    }
}

#[test]
fn a_way_out_opens_its_flow_with_what_was_typed() {
    let mut h = Harness::demo(Lang::Zh);
    unverified_legal(&mut h, "late_comer");
    open_nav(&mut h, Dest::RealName);
    h.type_text("广州瑞芯智能传感股份有限公司");
    h.key(KeyCode::Tab);
    h.type_text(&ruixin_uscc());
    h.key(KeyCode::Tab);
    h.type_text("陈国华");
    h.key(KeyCode::Tab);
    h.type_text(&an_id_number());
    h.key(KeyCode::Enter);
    // 3 = account recovery
    h.key(KeyCode::Char('3'));
    let s = h.screen(120, 40);
    assert!(s.contains("账户找回"), "{s}");
    assert!(s.contains(&ruixin_uscc()), "the USCC carried over: {s}");
    assert!(s.contains("陈国华"), "{s}");
    h.key(KeyCode::Esc);
    // 2 = reset the existing account's password, by its USCC
    h.key(KeyCode::Char('2'));
    let s = h.screen(120, 40);
    assert!(s.contains("找回密码"), "{s}");
    assert!(s.contains(&ruixin_uscc()), "{s}");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert!(
        h.shows("138****0002"),
        "the code went to the existing account's phone"
    );
}

#[test]
fn logging_in_with_a_uscc_no_verified_account_holds_is_explained() {
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::Login);
    h.type_text(&fresh_uscc());
    h.key(KeyCode::Tab);
    h.type_text("Demo-2025!");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("自然人账户请用登录名登录"), "{s}");
    assert!(h.app.session.account.is_none());
    // a verified enterprise logs in with its USCC
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::Login);
    h.type_text(&ruixin_uscc());
    h.key(KeyCode::Tab);
    h.type_text("Demo-2025!");
    h.key(KeyCode::Enter);
    assert_eq!(
        h.app
            .session
            .account
            .as_ref()
            .map(|a| a.login_name.as_str()),
        Some("gz_ruixin")
    );
}

// ---------------------------------------------------------------------------------------------
// Forgotten password
// ---------------------------------------------------------------------------------------------

#[test]
fn forgotten_password_end_to_end_with_the_code_from_the_outbox() {
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::AccountHelp);
    h.key(KeyCode::Char('1'));
    snap(&mut h, "forgot_zh");
    h.type_text("gz_ruixin");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("验证码已发送至 138****0002"), "{s}");
    snap(&mut h, "forgot_code_zh");
    let code = last_code(&h, "13810000002");
    // a wrong code: said under the code field, nothing typed lost
    let wrong = if code == "000000" { "111111" } else { "000000" };
    h.type_text(wrong);
    h.key(KeyCode::Tab);
    h.type_text("Fresh-Start-26");
    h.key(KeyCode::Tab);
    h.type_text("Fresh-Start-26");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("验证码错误，还可尝试 4 次"), "{s}");
    assert!(s.contains(wrong), "the code stays typed: {s}");
    assert_eq!(
        s.matches("••••••••••••••").count(),
        2,
        "both passwords kept: {s}"
    );
    snap(&mut h, "forgot_wrong_code_zh");
    assert!(can_log_in(&h, "gz_ruixin", "Demo-2025!"));
    // the right code
    erase(&mut h, 6);
    h.type_text(&code);
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("密码已重置"), "{s}");
    assert!(s.contains("gz_ruixin"), "the account filled in: {s}");
    h.type_text("Fresh-Start-26");
    h.key(KeyCode::Enter);
    assert_eq!(
        h.app
            .session
            .account
            .as_ref()
            .map(|a| a.login_name.as_str()),
        Some("gz_ruixin")
    );
    assert!(!can_log_in(&h, "gz_ruixin", "Demo-2025!"));
}

#[test]
fn forgotten_password_with_different_passwords_never_reaches_the_api() {
    let mut h = Harness::demo(Lang::En);
    open_public(&mut h, Entry::AccountHelp);
    h.key(KeyCode::Char('1'));
    h.type_text("gz_huake");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert!(h.shows("138****0003"));
    h.type_text("123456");
    h.key(KeyCode::Tab);
    h.type_text("Fresh-Start-26");
    h.key(KeyCode::Tab);
    h.type_text("Fresh-Start-62");
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("The two passwords differ"), "{s}");
    snap(&mut h, "forgot_mismatch_en");
    // the code was not used up: nothing reached the API
    assert_eq!(
        count(
            &h,
            "SELECT COUNT(*) AS n FROM codes c JOIN accounts a ON a.id = c.target \
             WHERE a.login_key = $1 AND c.used_at IS NULL AND c.attempts = 0",
            "gz_huake"
        ),
        1
    );
    assert!(can_log_in(&h, "gz_huake", "Demo-2025!"));
}

#[test]
fn forgotten_password_in_english_and_esc_goes_back_a_step() {
    let mut h = Harness::demo(Lang::En);
    open_public(&mut h, Entry::AccountHelp);
    h.key(KeyCode::Char('1'));
    snap(&mut h, "forgot_en");
    h.type_text("gz_ruixin");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right); // have a code
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("Enter the code you received"), "{s}");
    snap(&mut h, "forgot_code_en");
    h.key(KeyCode::Esc);
    let s = h.screen(80, 24);
    assert!(s.contains("gz_ruixin"), "step 1 again, as typed: {s}");
    assert_eq!(h.app.depth(), 3, "still on the flow");
}

#[test]
fn an_unknown_account_is_explained_on_the_first_step() {
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::AccountHelp);
    h.key(KeyCode::Char('1'));
    h.type_text("nobody_here");
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("未找到该账号"), "{s}");
    assert!(s.contains("nobody_here"), "{s}");
}

// ---------------------------------------------------------------------------------------------
// Change of password
// ---------------------------------------------------------------------------------------------

#[test]
fn change_password_mismatch_wrong_old_and_success() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        h.login("gz_city");
        open_nav(&mut h, Dest::Account);
        h.key(KeyCode::Char('1'));
        snap(&mut h, &format!("change_password_{}", lang_name(lang)));
    }
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_city");
    open_nav(&mut h, Dest::Account);
    h.key(KeyCode::Char('1'));
    h.type_text("Demo-2025!");
    h.key(KeyCode::Tab);
    h.type_text("New-City-Pass-1");
    h.key(KeyCode::Tab);
    h.type_text("New-City-Pass-2");
    h.key(KeyCode::Enter);
    assert!(h.shows("两次输入的密码不一致"));
    assert!(can_log_in(&h, "gz_city", "Demo-2025!"), "nothing was sent");
    // the repeat typed again, the old password wrong
    erase(&mut h, 1);
    h.type_text("1");
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    erase(&mut h, 10);
    h.type_text("Wrong-2025!");
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("原密码不正确"), "{s}");
    snap(&mut h, "change_password_wrong_old_zh");
    erase(&mut h, 11);
    h.type_text("Demo-2025!");
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("密码已修改"), "{s}");
    assert!(can_log_in(&h, "gz_city", "New-City-Pass-1"));
    assert!(!can_log_in(&h, "gz_city", "Demo-2025!"));
}

// ---------------------------------------------------------------------------------------------
// Phone change
// ---------------------------------------------------------------------------------------------

#[test]
fn phone_change_by_email_code_end_to_end() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        open_public(&mut h, Entry::AccountHelp);
        h.key(KeyCode::Char('2'));
        snap(&mut h, &format!("phone_email_{}", lang_name(lang)));
        h.type_text("gz_ruixin");
        h.key(KeyCode::Enter);
        let s = h.screen(80, 24);
        assert!(
            s.contains("g***@example.com") || s.contains("@example.com"),
            "{s}"
        );
        snap(&mut h, &format!("phone_email_code_{}", lang_name(lang)));
        let code = last_code(&h, "gz_ruixin@example.com");
        h.type_text(&code);
        h.key(KeyCode::Tab);
        h.type_text("13966668888");
        h.key(KeyCode::Enter);
        let s = h.screen(80, 24);
        assert!(s.contains("13966668888"), "{s}");
        snap(&mut h, &format!("phone_email_done_{}", lang_name(lang)));
        assert_eq!(
            count(
                &h,
                "SELECT COUNT(*) AS n FROM accounts WHERE login_key = $1 AND phone = '13966668888'",
                "gz_ruixin"
            ),
            1
        );
        h.key(KeyCode::Enter);
        assert!(
            h.shows("账户帮助") || h.shows("Account help"),
            "back to the menu"
        );
    }
}

#[test]
fn from_account_settings_the_phone_change_knows_the_account() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    open_nav(&mut h, Dest::Account);
    h.key(KeyCode::Char('2'));
    assert!(h.shows("gz_ruixin"), "the account filled in");
    h.key(KeyCode::Enter);
    let code = last_code(&h, "gz_ruixin@example.com");
    h.type_text(&code);
    h.key(KeyCode::Tab);
    h.type_text("13966668888");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    // back on the settings, which show the new phone (masked)
    assert!(h.shows("139****8888"));
}

#[test]
fn without_an_email_the_phone_change_moves_to_manual_verification() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        open_public(&mut h, Entry::AccountHelp);
        h.key(KeyCode::Char('2'));
        h.type_text("np_chenming");
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(
            s.contains("人工核验") || s.contains("manual"),
            "the manual request: {s}"
        );
        assert!(s.contains("np_chenming"), "the account carried over: {s}");
        snap(
            &mut h,
            &format!("phone_manual_from_email_{}", lang_name(lang)),
        );
        // fill in the rest and file it
        tabs(&mut h, 3);
        h.type_text("13955556666");
        h.key(KeyCode::Tab);
        h.type_text("原手机号已停用");
        h.key(KeyCode::Tab);
        h.type_text("chen@example.com");
        h.key(KeyCode::Enter);
        let s = h.screen(80, 24);
        assert!(s.contains("chen@example.com"), "{s}");
        snap(&mut h, &format!("phone_manual_done_{}", lang_name(lang)));
        assert_eq!(
            count(
                &h,
                "SELECT COUNT(*) AS n FROM support_requests r JOIN accounts a ON a.id = r.account_id \
                 WHERE r.kind = 'phone_change' AND r.state = 'pending' AND a.login_key = $1",
                "np_chenming"
            ),
            1
        );
    }
}

#[test]
fn manual_phone_change_of_a_verified_enterprise_needs_its_uscc() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        open_public(&mut h, Entry::AccountHelp);
        h.key(KeyCode::Char('3'));
        snap(&mut h, &format!("phone_manual_{}", lang_name(lang)));
    }
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::AccountHelp);
    h.key(KeyCode::Char('3'));
    h.type_text("gz_huake");
    tabs(&mut h, 3);
    h.type_text("13955556666");
    h.key(KeyCode::Tab);
    h.type_text("原手机号已停用");
    h.key(KeyCode::Tab);
    h.type_text("13955556666");
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(s.contains("原手机号已停用"), "typed text kept: {s}");
    assert!(s.contains("统一社会信用代码"), "{s}");
    assert_eq!(
        count(
            &h,
            "SELECT COUNT(*) AS n FROM support_requests r JOIN accounts a ON a.id = r.account_id \
             WHERE r.kind = 'phone_change' AND a.login_key = $1",
            "gz_huake"
        ),
        0
    );
}

// ---------------------------------------------------------------------------------------------
// Account recovery
// ---------------------------------------------------------------------------------------------

fn fill_recovery(h: &mut Harness, name: &str, uscc: &str, rep: &str) {
    h.type_text(name);
    h.key(KeyCode::Tab);
    h.type_text(uscc);
    h.key(KeyCode::Tab);
    h.type_text(rep);
    h.key(KeyCode::Tab);
    h.type_text(&an_id_number());
    h.key(KeyCode::Tab);
    h.type_text("13922223333");
    h.key(KeyCode::Tab);
    h.type_text("黄丽");
    h.key(KeyCode::Tab);
    h.type_text("13922223333");
    h.key(KeyCode::Tab);
    h.type_text("原经办人离职");
}

#[test]
fn account_recovery_is_filed_and_says_what_happens_next() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        open_public(&mut h, Entry::AccountHelp);
        h.key(KeyCode::Char('4'));
        snap(&mut h, &format!("recovery_{}", lang_name(lang)));
        fill_recovery(
            &mut h,
            "广州瑞芯智能传感股份有限公司",
            &ruixin_uscc(),
            "陈国华",
        );
        // the reason is several lines: Enter breaks the line, F9 sends
        h.key(KeyCode::F(9));
        let s = h.screen(80, 24);
        assert!(s.contains("13922223333"), "{s}");
        snap(&mut h, &format!("recovery_done_{}", lang_name(lang)));
        assert_eq!(
            count(
                &h,
                "SELECT COUNT(*) AS n FROM support_requests WHERE kind = 'recovery' \
                 AND state = 'pending' AND payload LIKE $1",
                "%13922223333%"
            ),
            1
        );
    }
}

#[test]
fn account_recovery_refusals_are_explained() {
    let mut h = Harness::demo(Lang::Zh);
    open_public(&mut h, Entry::AccountHelp);
    h.key(KeyCode::Char('4'));
    // nobody verified this USCC: nothing to recover, register instead
    fill_recovery(&mut h, "广州新创微系统有限公司", &fresh_uscc(), "李明");
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("无需找回"), "{s}");
    assert!(s.contains("广州新创微系统有限公司"), "typed text kept: {s}");
    // a bad ID number: under its field
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    erase(&mut h, 1);
    h.type_text(if an_id_number().ends_with('0') {
        "1"
    } else {
        "0"
    });
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("校验位错误"), "{s}");
    snap(&mut h, "recovery_error_zh");
}

#[test]
fn a_kept_session_goes_straight_back_to_the_roles_home() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    // the next run: the client still holds the token kept from this one
    let ui = h.app.ui.clone();
    h.restart_on(Box::new(crate::tui::screens::public::PublicHome::new(&ui)));
    assert!(h.shows("已恢复上次的登录：广州瑞芯智能传感股份有限公司"));
    assert!(h.shows("企业申报信息"));
    assert_eq!(
        h.app
            .session
            .account
            .as_ref()
            .map(|a| a.login_name.as_str()),
        Some("gz_ruixin")
    );
}

#[test]
fn an_expired_kept_session_is_forgotten_and_the_public_home_stays() {
    let mut h = Harness::demo(Lang::Zh);
    h.app.client.set_token(Some("expired-or-revoked".into()));
    let ui = h.app.ui.clone();
    h.restart_on(Box::new(crate::tui::screens::public::PublicHome::new(&ui)));
    assert!(h.shows("上次的登录已失效，请重新登录"));
    assert!(h.shows("企业认定查询"));
    assert!(h.app.client.token().is_none());
    assert!(h.app.session.account.is_none());
}

#[test]
fn a_kept_session_waits_while_the_server_is_unreachable() {
    let mut h = Harness::demo(Lang::Zh);
    h.login("gz_ruixin");
    let online = h.app.client.clone();
    let token = online.token().expect("logged in");
    // the next run starts while the link is down
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let offline = crate::client::ApiClient::http(&format!("http://127.0.0.1:{port}")).unwrap();
    offline.set_token(Some(token.clone()));
    h.app.client = offline.clone();
    let ui = h.app.ui.clone();
    h.restart_on(Box::new(crate::tui::screens::public::PublicHome::new(&ui)));
    // the public home, offline; the token is kept for when the server answers
    assert!(h.shows("离线"), "{}", h.screen(80, 24));
    assert!(h.shows("企业认定查询"));
    assert_eq!(offline.token(), Some(token));
    assert!(h.app.session.account.is_none());
    // back online: the kept session is taken up again
    h.app.client = online;
    h.restart_on(Box::new(crate::tui::screens::public::PublicHome::new(&ui)));
    assert!(h.shows("已恢复上次的登录"));
}

#[test]
fn keys_typed_after_the_log_in_go_to_the_home_it_opens() {
    let mut h = Harness::demo(Lang::Zh);
    h.key(KeyCode::Char('5'));
    h.type_text("gz_ruixin");
    h.key(KeyCode::Tab);
    h.type_text("Demo-2025!");
    // Enter, then `4` (企业申报信息) before the server has answered the log-in
    h.keys_ahead(&[KeyCode::Enter, KeyCode::Char('4')]);
    assert!(h.shows("企业申报信息"), "{}", h.screen(80, 24));
    assert!(h.shows("待审核"), "the list is open: {}", h.screen(80, 24));
}

#[test]
fn keys_typed_after_a_refused_log_in_do_not_go_into_the_form() {
    let mut h = Harness::demo(Lang::Zh);
    h.key(KeyCode::Char('5'));
    h.type_text("gz_ruixin");
    h.key(KeyCode::Tab);
    h.type_text("wrong-pass");
    // typed ahead for the home: back to the login name, and a `4`
    h.keys_ahead(&[KeyCode::Enter, KeyCode::BackTab, KeyCode::Char('4')]);
    let s = h.screen(80, 24);
    assert!(s.contains("登录名"), "still the log-in: {s}");
    assert!(s.contains("gz_ruixin"), "{s}");
    assert!(
        !s.contains("gz_ruixin4"),
        "nothing typed ahead went into the form: {s}"
    );
    assert!(h.app.session.account.is_none());
}
