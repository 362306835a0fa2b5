//! Accounts and support use cases, each test on a fresh database with TestClock time.

mod common;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use common::{PASSWORD, env, env_with, phone, resident_id, uscc};
use std::sync::Arc;
use zjtx::domain::ids::{ResidentId, Uscc};
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::ReviewLevel;
use zjtx::service::accounts::{
    ManualPhoneChange, RealName, RecoveryRequest, Registration, StaffAccount,
};
use zjtx::service::notify::Channel;
use zjtx::service::support::{AccountLookup, RequestFilter, RequestKind, RequestState};
use zjtx::service::{
    AccountKind, Notice, Notifier, PageRequest, ServiceError, ServiceResult, WayOut,
};
use zjtx::store::Conn;

fn reg(login: &str, password: &str, kind: AccountKind, phone: &str) -> Registration {
    Registration {
        login_name: login.into(),
        password: password.into(),
        kind,
        phone: phone.into(),
        email: None,
    }
}

fn field_errors(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| (f.field.clone(), f.text.zh.clone()))
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn real_name(n: u32) -> RealName {
    RealName {
        enterprise_name: format!("深圳市测试{n}科技有限公司"),
        uscc: uscc(n),
        legal_rep: "张三".into(),
        legal_rep_id: resident_id(n),
    }
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn registration_refusals_name_what_is_wrong() {
    let env = env().await;
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        // login, password, phone, field, expected fragment
        ("abc", PASSWORD, "13900000001", "login_name", "4–32"),
        ("zhang-san", PASSWORD, "13900000001", "login_name", "“-”"),
        (
            "12345678",
            PASSWORD,
            "13900000001",
            "login_name",
            "全部是数字",
        ),
        ("_zhang", PASSWORD, "13900000001", "login_name", "字母开头"),
        (
            "zhangsan",
            "short1A",
            "13900000001",
            "password",
            "至少 8 位",
        ),
        (
            "zhangsan",
            "alllowercase",
            "13900000001",
            "password",
            "缺少：大写字母、数字、符号",
        ),
        (
            "zhangsan",
            "Zhangsan-1",
            "13900000001",
            "password",
            "不能包含登录名",
        ),
        ("zhangsan", PASSWORD, "12900000001", "phone", "11 位"),
    ];
    for (login, pw, ph, field, fragment) in cases {
        let e = env
            .svc
            .register(reg(login, pw, AccountKind::Legal, ph))
            .await
            .unwrap_err();
        let errs = field_errors(&e);
        assert_eq!(errs.len(), 1, "{login} {pw} {ph}: {errs:?}");
        assert_eq!(errs[0].0, *field);
        assert!(errs[0].1.contains(fragment), "{}", errs[0].1);
        assert!(!e.message(Lang::En).is_empty());
    }
    // A name that is a USCC is refused (a USCC may start with a letter).
    let candidate = {
        let first17 = format!("A{}", &uscc(1)[1..17]);
        format!(
            "{first17}{}",
            zjtx::domain::uscc_check_char(&first17).unwrap()
        )
    };
    assert!(Uscc::parse(&candidate).is_ok());
    let e = env
        .svc
        .register(reg(&candidate, PASSWORD, AccountKind::Legal, "13900000001"))
        .await
        .unwrap_err();
    assert!(field_errors(&e)[0].1.contains("统一社会信用代码"));
    // Every bad field at once.
    let e = env
        .svc
        .register(Registration {
            email: Some("not-an-email".into()),
            ..reg("ab", "x", AccountKind::Legal, "123")
        })
        .await
        .unwrap_err();
    let fields: Vec<String> = field_errors(&e).into_iter().map(|f| f.0).collect();
    assert_eq!(fields, ["login_name", "password", "phone", "email"]);
    // Staff kinds cannot self-register.
    let e = env
        .svc
        .register(reg("zhangsan", PASSWORD, AccountKind::Admin, "13900000001"))
        .await
        .unwrap_err();
    assert_eq!(field_errors(&e)[0].0, "kind");
    // Nothing was written, not even an audit row.
    assert_eq!(env.scalar("SELECT COUNT(*) FROM accounts").await, 0);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM audit").await, 0);
}

#[tokio::test]
async fn login_names_are_unique_case_insensitively() {
    let env = env().await;
    let a = env.register("ZhangSan", AccountKind::Legal, 1).await;
    assert_eq!(a.login_name, "ZhangSan");
    assert_eq!(a.phone_masked.as_deref(), Some("139****0001"));
    assert!(!a.verified);
    let e = env
        .svc
        .register(reg(
            "zhangsan",
            PASSWORD,
            AccountKind::Natural,
            "13900000002",
        ))
        .await
        .unwrap_err();
    let errs = field_errors(&e);
    assert_eq!(errs[0].0, "login_name");
    assert!(errs[0].1.contains("已被使用"));
    assert_eq!(
        env.audit_actions("account", &a.id).await,
        ["account.register"]
    );
    // Logging in works with any case.
    assert!(env.svc.login("ZHANGSAN", PASSWORD).await.is_ok());
}

// ---------------------------------------------------------------------------------------------
// Real-name verification
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn verification_surfaces_the_identifier_errors() {
    let env = env().await;
    env.register("firm_one", AccountKind::Legal, 1).await;
    let s = env.login("firm_one").await;
    // A wrong check character: the USCC error's own message.
    let good = uscc(1);
    let wrong_check = if good.ends_with('0') {
        format!("{}1", &good[..17])
    } else {
        format!("{}0", &good[..17])
    };
    let expected = Uscc::parse(&wrong_check).unwrap_err().text();
    let e = env
        .svc
        .verify_real_name(
            &s,
            RealName {
                uscc: wrong_check,
                ..real_name(1)
            },
        )
        .await
        .unwrap_err();
    let errs = field_errors(&e);
    assert_eq!(errs, [("uscc".to_string(), expected.zh.clone())]);
    assert!(e.message(Lang::En).contains(&expected.en));
    // A bad ID number and an empty name, together.
    let bad_id = "110105194912310021";
    let expected = ResidentId::parse(bad_id).unwrap_err().text();
    let e = env
        .svc
        .verify_real_name(
            &s,
            RealName {
                enterprise_name: "  ".into(),
                legal_rep_id: bad_id.into(),
                ..real_name(1)
            },
        )
        .await
        .unwrap_err();
    let errs = field_errors(&e);
    assert_eq!(errs[0].0, "enterprise_name");
    assert_eq!(errs[1], ("legal_rep_id".to_string(), expected.zh));
    // A non-enterprise code (a 民办非企业单位, 52…) is refused with a reason.
    let first17 = "52440300000000001";
    let ngo = format!(
        "{first17}{}",
        zjtx::domain::uscc_check_char(first17).unwrap()
    );
    let e = env
        .svc
        .verify_real_name(
            &s,
            RealName {
                uscc: ngo,
                ..real_name(1)
            },
        )
        .await
        .unwrap_err();
    assert!(field_errors(&e)[0].1.contains("不是企业"));
    assert_eq!(env.scalar("SELECT COUNT(*) FROM enterprises").await, 0);
}

#[tokio::test]
async fn verification_creates_the_enterprise_and_duplicates_get_the_ways_out() {
    let env = env().await;
    env.register("firm_one", AccountKind::Legal, 1).await;
    let s = env.login("firm_one").await;
    let view = env.svc.verify_real_name(&s, real_name(1)).await.unwrap();
    assert!(view.verified);
    assert_eq!(view.display_name, "深圳市测试1科技有限公司");
    let id = resident_id(1);
    let masked: String = {
        let mut conn = env.svc.read().await.unwrap();
        sqlx::query("SELECT legal_rep_id_masked FROM enterprises")
            .fetch_one(&mut *conn)
            .await
            .map(|r| sqlx::Row::try_get(&r, 0).unwrap())
            .unwrap()
    };
    assert_eq!(masked, ResidentId::parse(&id).unwrap().masked());
    assert_eq!(env.scalar("SELECT COUNT(*) FROM enterprises").await, 1);
    // Verifying twice is refused.
    let again = env
        .svc
        .verify_real_name(&s, real_name(2))
        .await
        .unwrap_err();
    assert_eq!(again.code(), "already_verified");

    // A second account with the same USCC (typed in lower case with spaces).
    env.register("firm_two", AccountKind::Legal, 2).await;
    let s2 = env.login("firm_two").await;
    let e = env
        .svc
        .verify_real_name(
            &s2,
            RealName {
                uscc: format!(" {} ", uscc(1).to_lowercase()),
                ..real_name(2)
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(&e, ServiceError::UsccRegistered { uscc: u } if *u == uscc(1)));
    assert_eq!(e.code(), "uscc_registered");
    assert_eq!(e.field(), Some("uscc"));
    assert_eq!(e.http_status(), 409);
    assert_eq!(
        e.ways_out(),
        [WayOut::LogIn, WayOut::AccountRecovery, WayOut::PhoneChange]
    );
    let zh = e.message(Lang::Zh);
    assert!(
        zh.contains("忘记密码") && zh.contains("账号找回") && zh.contains("更换手机号"),
        "{zh}"
    );
    assert_eq!(env.scalar("SELECT COUNT(*) FROM enterprises").await, 1);

    // A natural-person account cannot verify as an enterprise.
    env.register("person", AccountKind::Natural, 3).await;
    let p = env.login("person").await;
    let e = env
        .svc
        .verify_real_name(&p, real_name(3))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.message(Lang::Zh).contains("自然人账户"));
}

// ---------------------------------------------------------------------------------------------
// Log-in, lock-out, tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn login_by_uscc_is_for_verified_legal_persons_only() {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    let ok = env
        .svc
        .login(&format!(" {} ", uscc(1).to_lowercase()), PASSWORD)
        .await
        .unwrap();
    assert_eq!(ok.session.account_id, firm.account_id);
    assert_eq!(ok.session.enterprise_id, firm.enterprise_id);
    assert_eq!(ok.token.len(), 43);

    // A natural person "with" a USCC: the message explains that only legal persons can.
    env.register("person", AccountKind::Natural, 2).await;
    let e = env.svc.login(&uscc(2), PASSWORD).await.unwrap_err();
    assert_eq!(e.code(), "unauthorized");
    assert!(
        e.message(Lang::Zh).contains("自然人账户请用登录名登录"),
        "{}",
        e.message(Lang::Zh)
    );
    assert!(
        e.message(Lang::En)
            .contains("natural-person accounts log in with their login name")
    );
    assert!(env.svc.login("person", PASSWORD).await.is_ok());
    // An unverified legal-person account cannot use its (not yet recorded) USCC either.
    env.register("firm_two", AccountKind::Legal, 3).await;
    assert_eq!(
        env.svc.login(&uscc(3), PASSWORD).await.unwrap_err().code(),
        "unauthorized"
    );
    // Unknown login name and wrong password read the same.
    let a = env.svc.login("nobody_here", PASSWORD).await.unwrap_err();
    assert!(a.message(Lang::Zh).starts_with("登录名或密码错误"));
}

#[tokio::test]
async fn fifth_failure_locks_for_fifteen_minutes() {
    let env = env().await;
    let acc = env.register("zhangsan", AccountKind::Legal, 1).await;
    for left in (1..=4).rev() {
        let e = env.svc.login("zhangsan", "Wrong-pass1").await.unwrap_err();
        assert_eq!(e.code(), "unauthorized");
        assert!(
            e.message(Lang::Zh).contains(&format!("再错 {left} 次")),
            "{}",
            e.message(Lang::Zh)
        );
        env.clock.advance(Duration::seconds(10));
    }
    let locked_at = env.svc.now();
    let e = env.svc.login("zhangsan", "Wrong-pass1").await.unwrap_err();
    let until = match e {
        ServiceError::Locked { until } => until,
        other => panic!("expected Locked, got {other:?}"),
    };
    assert_eq!(until, locked_at + Duration::minutes(15));
    assert!(e_message_has_time(&ServiceError::Locked { until }));
    // Even the right password is refused while locked.
    env.clock.advance(Duration::minutes(14));
    assert!(matches!(
        env.svc.login("zhangsan", PASSWORD).await,
        Err(ServiceError::Locked { until: u }) if u == until
    ));
    env.clock.advance(Duration::minutes(1));
    let ok = env.svc.login("zhangsan", PASSWORD).await.unwrap();
    assert_eq!(ok.session.account_id, acc.id);
    // Success reset the count: four more failures do not lock.
    for _ in 0..4 {
        assert_eq!(
            env.svc
                .login("zhangsan", "Wrong-pass1")
                .await
                .unwrap_err()
                .code(),
            "unauthorized"
        );
    }
    assert!(env.svc.login("zhangsan", PASSWORD).await.is_ok());
    let actions = env.audit_actions("account", &acc.id).await;
    assert_eq!(actions.iter().filter(|a| *a == "account.locked").count(), 1);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "account.login_failed")
            .count(),
        8
    );
}

fn e_message_has_time(e: &ServiceError) -> bool {
    let zh = e.message(Lang::Zh);
    zh.contains("2025-03-03 09:") && zh.contains("锁定至")
}

#[tokio::test]
async fn an_expired_lock_starts_the_count_afresh() {
    let env = env().await;
    env.register("zhangsan", AccountKind::Legal, 1).await;
    for _ in 0..5 {
        let _ = env.svc.login("zhangsan", "Wrong-pass1").await;
    }
    env.clock.advance(Duration::minutes(16));
    let e = env.svc.login("zhangsan", "Wrong-pass1").await.unwrap_err();
    assert!(
        e.message(Lang::Zh).contains("再错 4 次"),
        "{}",
        e.message(Lang::Zh)
    );
}

#[tokio::test]
async fn tokens_expire_and_are_revocable() {
    let env = env().await;
    env.register("zhangsan", AccountKind::Natural, 1).await;
    let first = env.svc.login("zhangsan", PASSWORD).await.unwrap();
    let s = env.svc.authenticate(&first.token).await.unwrap();
    assert_eq!(s.login_name, "zhangsan");
    assert_eq!(s.kind, AccountKind::Natural);
    assert_eq!(first.expires_at, env.svc.now() + Duration::hours(12));
    // Fixed expiry: use does not extend it.
    env.clock.advance(Duration::hours(11));
    env.svc.authenticate(&first.token).await.unwrap();
    env.clock.advance(Duration::hours(1));
    let e = env.svc.authenticate(&first.token).await.unwrap_err();
    assert_eq!(e.code(), "unauthorized");
    assert!(e.message(Lang::Zh).contains("过期"));
    // Garbage tokens are just unauthorized.
    assert_eq!(
        env.svc.authenticate("nope").await.unwrap_err().code(),
        "unauthorized"
    );

    // Log-out revokes that token only.
    let a = env.svc.login("zhangsan", PASSWORD).await.unwrap();
    let b = env.svc.login("zhangsan", PASSWORD).await.unwrap();
    env.svc.logout(&a.session).await.unwrap();
    assert!(env.svc.authenticate(&a.token).await.is_err());
    env.svc.authenticate(&b.token).await.unwrap();
    // Revoke-all ends the rest.
    let c = env.svc.login("zhangsan", PASSWORD).await.unwrap();
    assert_eq!(
        env.svc
            .revoke_all(&b.session, &b.session.account_id)
            .await
            .unwrap(),
        2
    );
    assert!(env.svc.authenticate(&b.token).await.is_err());
    assert!(env.svc.authenticate(&c.token).await.is_err());
    // Only the account itself or support may revoke all.
    env.register("lisi", AccountKind::Natural, 2).await;
    let other = env.login("lisi").await;
    assert_eq!(
        env.svc
            .revoke_all(&other, &b.session.account_id)
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let support = env.support().await;
    env.svc
        .revoke_all(&support, &other.account_id)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Forgotten password
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn forgotten_password_by_sms_code() {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    let token = env.svc.login("firm_one", PASSWORD).await.unwrap().token;
    // Request by USCC: the code goes to the bound phone.
    let sent = env.svc.request_password_reset(&uscc(1)).await.unwrap();
    assert_eq!(sent.channel, Channel::Sms);
    assert_eq!(sent.sent_to, "139****0001");
    assert_eq!(sent.expires_at, env.svc.now() + Duration::minutes(10));
    let code = env.last_code(&phone(1)).await;
    assert_eq!(code.len(), 6);
    let stored: i64 = env
        .scalar("SELECT COUNT(*) FROM codes WHERE used_at IS NULL")
        .await;
    assert_eq!(stored, 1);

    // A wrong code counts an attempt.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = env
        .svc
        .reset_password("firm_one", wrong, "New-Secret-9")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("code"));
    assert!(e.message(Lang::Zh).contains("还可尝试 4 次"));
    // A weak new password is refused without using up the code.
    let e = env
        .svc
        .reset_password("firm_one", &code, "weak")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("new_password"));
    env.svc
        .reset_password("firm_one", &code, "New-Secret-9")
        .await
        .unwrap();
    assert!(env.svc.login("firm_one", PASSWORD).await.is_err());
    let fresh = env.svc.login("firm_one", "New-Secret-9").await.unwrap();
    assert_eq!(fresh.session.account_id, firm.account_id);
    // Existing sessions ended; the code cannot be reused.
    assert!(env.svc.authenticate(&token).await.is_err());
    let e = env
        .svc
        .reset_password("firm_one", &code, "Other-Secret-9")
        .await
        .unwrap_err();
    assert!(e.message(Lang::Zh).contains("无效或已使用"));
    // The confirmation SMS.
    assert!(env.outbox(&phone(1)).await[0].body.contains("已于"));
    let actions = env.audit_actions("account", &firm.account_id).await;
    assert!(actions.contains(&"account.password_reset_requested".to_string()));
    assert!(actions.contains(&"account.password_reset".to_string()));
}

#[tokio::test]
async fn expired_and_exhausted_codes_and_resend_throttle() {
    let env = env().await;
    env.register("zhangsan", AccountKind::Natural, 1).await;
    env.svc.request_password_reset("zhangsan").await.unwrap();
    let code = env.last_code(&phone(1)).await;
    // A second request within a minute is throttled.
    env.clock.advance(Duration::seconds(20));
    match env.svc.request_password_reset("zhangsan").await {
        Err(ServiceError::RateLimited { retry_after }) => assert_eq!(retry_after.as_secs(), 40),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    // Expired after ten minutes.
    env.clock.advance(Duration::minutes(10));
    let e = env
        .svc
        .reset_password("zhangsan", &code, "New-Secret-9")
        .await
        .unwrap_err();
    assert!(
        e.message(Lang::Zh).contains("已过期"),
        "{}",
        e.message(Lang::Zh)
    );

    // A new code voids the old one; five wrong entries void the new one.
    env.svc.request_password_reset("zhangsan").await.unwrap();
    let code2 = env.last_code(&phone(1)).await;
    assert_ne!(env.outbox(&phone(1)).await.len(), 1);
    let wrong = if code2 == "000000" {
        "111111"
    } else {
        "000000"
    };
    for i in 1..=5 {
        let e = env
            .svc
            .reset_password("zhangsan", wrong, "New-Secret-9")
            .await
            .unwrap_err();
        let zh = e.message(Lang::Zh);
        if i < 5 {
            assert!(zh.contains(&format!("还可尝试 {} 次", 5 - i)), "{zh}");
        } else {
            assert!(zh.contains("已失效"), "{zh}");
        }
    }
    let e = env
        .svc
        .reset_password("zhangsan", &code2, "New-Secret-9")
        .await
        .unwrap_err();
    assert!(e.message(Lang::Zh).contains("已失效"));
    assert!(env.svc.login("zhangsan", PASSWORD).await.is_ok());
}

// ---------------------------------------------------------------------------------------------
// Phone change
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn phone_change_by_email_code() {
    let env = env().await;
    // Without a bound e-mail: the refusal points to manual verification.
    env.svc
        .register(reg("noemail", PASSWORD, AccountKind::Natural, &phone(9)))
        .await
        .unwrap();
    let e = env
        .svc
        .request_phone_change_code("noemail")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "no_email");
    assert!(e.message(Lang::Zh).contains("人工核验"));

    let firm = env.enterprise("firm_one", 1).await;
    let sent = env.svc.request_phone_change_code("firm_one").await.unwrap();
    assert_eq!(sent.channel, Channel::Email);
    assert_eq!(sent.sent_to, "f***@example.com");
    let code = env.last_code("firm_one@example.com").await;
    let e = env
        .svc
        .change_phone_by_email("firm_one", &code, "12345")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("new_phone"));
    env.svc
        .change_phone_by_email("firm_one", &code, "13700001111")
        .await
        .unwrap();
    let me = env.svc.me(&firm).await.unwrap();
    assert_eq!(me.phone_masked.as_deref(), Some("137****1111"));
    assert!(env.outbox("13700001111").await[0].body.contains("已更换"));
    // The password reset code now goes to the new phone.
    env.svc.request_password_reset("firm_one").await.unwrap();
    assert_eq!(env.outbox("13700001111").await.len(), 2);
}

#[tokio::test]
async fn manual_phone_change_approved_by_support() {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    // A verified legal person must give the USCC and the legal representative.
    let e = env
        .svc
        .request_manual_phone_change(ManualPhoneChange {
            login_name: "firm_one".into(),
            new_phone: "13700002222".into(),
            reason: "原手机号已停用".into(),
            contact: "13700002222".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let fields: Vec<String> = field_errors(&e).into_iter().map(|f| f.0).collect();
    assert_eq!(fields, ["uscc", "legal_rep"]);
    let ticket = env
        .svc
        .request_manual_phone_change(ManualPhoneChange {
            login_name: "firm_one".into(),
            uscc: Some(uscc(1)),
            legal_rep: Some("张三".into()),
            new_phone: "13700002222".into(),
            reason: "原手机号已停用".into(),
            contact: "13700002222".into(),
        })
        .await
        .unwrap();
    // A second pending one is refused.
    let dup = env
        .svc
        .request_manual_phone_change(ManualPhoneChange {
            login_name: "firm_one".into(),
            uscc: Some(uscc(1)),
            legal_rep: Some("张三".into()),
            new_phone: "13700003333".into(),
            reason: "再次申请".into(),
            contact: "13700003333".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), "request_pending");

    let support = env.support().await;
    let page = env
        .svc
        .support_requests(&support, &RequestFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let req = &page.items[0];
    assert_eq!(
        (req.id.as_str(), req.kind),
        (ticket.id.as_str(), RequestKind::PhoneChange)
    );
    assert_eq!(req.login_name.as_deref(), Some("firm_one"));
    assert_eq!(req.payload["checks"]["uscc_matches"], true);
    assert_eq!(req.payload["checks"]["legal_rep_matches"], true);

    env.clock.advance(Duration::hours(2));
    let done = env
        .svc
        .approve_support_request(&support, &ticket.id)
        .await
        .unwrap();
    assert_eq!(done.state, RequestState::Approved);
    assert_eq!(done.decided_by_name.as_deref(), Some("helpdesk-name"));
    let me = env.svc.me(&firm).await.unwrap();
    assert_eq!(me.phone_masked.as_deref(), Some("137****2222"));
    // Deciding again is refused, naming who decided and when.
    let again = env
        .svc
        .approve_support_request(&support, &ticket.id)
        .await
        .unwrap_err();
    assert_eq!(again.code(), "request_decided");
    assert!(
        again
            .message(Lang::Zh)
            .contains("helpdesk-name于 2025-03-03 11:00"),
        "{}",
        again.message(Lang::Zh)
    );
    assert_eq!(
        env.audit_actions("support_request", &ticket.id).await,
        ["support.request_filed", "support.approve"]
    );
    // The queue of pending requests is empty now.
    let page = env
        .svc
        .support_requests(&support, &RequestFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn rejection_needs_a_reason_and_tells_the_requester() {
    let env = env().await;
    env.register("person", AccountKind::Natural, 1).await;
    let ticket = env
        .svc
        .request_manual_phone_change(ManualPhoneChange {
            login_name: "person".into(),
            new_phone: "13700004444".into(),
            reason: "手机丢失".into(),
            contact: "person@example.org".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let support = env.support().await;
    let e = env
        .svc
        .reject_support_request(&support, &ticket.id, "  ")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("reason"));
    let done = env
        .svc
        .reject_support_request(&support, &ticket.id, "无法核实身份")
        .await
        .unwrap();
    assert_eq!(done.state, RequestState::Rejected);
    assert_eq!(done.reason.as_deref(), Some("无法核实身份"));
    let mail = env.outbox("person@example.org").await;
    assert_eq!(mail[0].channel, Channel::Email);
    assert!(mail[0].body.contains("无法核实身份"));
}

// ---------------------------------------------------------------------------------------------
// Account recovery
// ---------------------------------------------------------------------------------------------

fn recovery(n: u32, new_phone: &str) -> RecoveryRequest {
    RecoveryRequest {
        enterprise_name: format!("深圳市测试{n}科技有限公司"),
        uscc: uscc(n),
        legal_rep: "张三".into(),
        legal_rep_id: resident_id(n),
        new_phone: new_phone.into(),
        contact_name: "李四".into(),
        contact: new_phone.into(),
        reason: "原经办人离职，无法登录".into(),
    }
}

#[tokio::test]
async fn account_recovery_through_support_and_a_reset_code() {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    let old_token = env.svc.login("firm_one", PASSWORD).await.unwrap().token;
    // Nothing to recover for an unregistered USCC.
    let e = env
        .svc
        .request_account_recovery(recovery(7, "13600000007"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "uscc_not_registered");
    // A bad ID number is a field error.
    let e = env
        .svc
        .request_account_recovery(RecoveryRequest {
            legal_rep_id: "123".into(),
            ..recovery(1, "13600000001")
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("legal_rep_id"));

    let ticket = env
        .svc
        .request_account_recovery(recovery(1, "13600000001"))
        .await
        .unwrap();
    assert!(env.outbox("13600000001").await[0].body.contains(&ticket.id));
    let support = env.support().await;
    let req = env.svc.support_request(&support, &ticket.id).await.unwrap();
    assert_eq!(req.kind, RequestKind::Recovery);
    assert_eq!(req.account_id.as_deref(), Some(firm.account_id.as_str()));
    assert_eq!(req.payload["checks"]["legal_rep_id_matches"], true);
    assert_eq!(req.payload["checks"]["enterprise_name_matches"], true);
    assert_eq!(
        req.payload["legal_rep_id"],
        ResidentId::parse(&resident_id(1)).unwrap().masked()
    );

    env.svc
        .approve_support_request(&support, &ticket.id)
        .await
        .unwrap();
    // Old sessions are over; the new phone got the login name and a reset code valid a day.
    assert!(env.svc.authenticate(&old_token).await.is_err());
    let sms = &env.outbox("13600000001").await[0];
    assert!(sms.body.contains("firm_one"), "{}", sms.body);
    let code = env.last_code("13600000001").await;
    env.clock.advance(Duration::hours(20));
    env.svc
        .reset_password("firm_one", &code, "Recovered-77")
        .await
        .unwrap();
    let ok = env.svc.login(&uscc(1), "Recovered-77").await.unwrap();
    assert_eq!(ok.session.account_id, firm.account_id);
}

// ---------------------------------------------------------------------------------------------
// Support: authorization, unlock, look-up, paging
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn support_use_cases_are_for_support_only() {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    let reviewer = env
        .staff(
            "rev_gd",
            AccountKind::Reviewer,
            Some(ReviewLevel::Province),
            Some("440000"),
        )
        .await;
    for s in [&firm, &reviewer] {
        let page = PageRequest::default();
        let errors = [
            env.svc
                .support_requests(s, &RequestFilter::default(), &page)
                .await
                .err(),
            env.svc.approve_support_request(s, "x").await.err(),
            env.svc.reject_support_request(s, "x", "no").await.err(),
            env.svc.unlock_account(s, &firm.account_id).await.err(),
            env.svc
                .lookup_accounts(s, &AccountLookup::LoginName("firm_one".into()))
                .await
                .err(),
        ];
        for e in errors {
            let e = e.expect("refused");
            assert_eq!(e.code(), "forbidden");
            assert_eq!(e.message(Lang::Zh), "只有客服人员可以进行此操作。");
        }
    }
}

#[tokio::test]
async fn support_unlocks_and_looks_up() {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    for _ in 0..5 {
        let _ = env.svc.login("firm_one", "Wrong-pass1").await;
    }
    assert!(matches!(
        env.svc.login("firm_one", PASSWORD).await,
        Err(ServiceError::Locked { .. })
    ));
    let support = env.support().await;
    for q in [
        AccountLookup::Uscc(uscc(1).to_lowercase()),
        AccountLookup::LoginName("FIRM_ONE".into()),
        AccountLookup::Phone(format!("+86 {}", phone(1))),
    ] {
        let found = env.svc.lookup_accounts(&support, &q).await.unwrap();
        assert_eq!(found.len(), 1, "{q:?}");
        let a = &found[0];
        assert_eq!(a.id, firm.account_id);
        assert_eq!(a.uscc.as_deref(), Some(uscc(1).as_str()));
        assert_eq!(a.failed_logins, 5);
        assert!(a.locked_until.is_some());
    }
    let e = env
        .svc
        .lookup_accounts(&support, &AccountLookup::Uscc("91110108551385082X".into()))
        .await
        .unwrap_err();
    assert!(
        e.message(Lang::Zh).contains("应为"),
        "{}",
        e.message(Lang::Zh)
    );
    env.svc
        .unlock_account(&support, &firm.account_id)
        .await
        .unwrap();
    assert!(env.svc.login("firm_one", PASSWORD).await.is_ok());
    let actions = env.audit_actions("account", &firm.account_id).await;
    assert!(actions.contains(&"support.unlock".to_string()));
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM audit WHERE action = 'support.lookup'")
            .await,
        3,
        "the refused look-up is not audited"
    );
}

#[tokio::test]
async fn the_support_queue_pages_oldest_first() {
    let env = env().await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        env.register(&format!("person{n}"), AccountKind::Natural, n)
            .await;
        let t = env
            .svc
            .request_manual_phone_change(ManualPhoneChange {
                login_name: format!("person{n}"),
                new_phone: format!("1370000000{n}"),
                reason: "手机丢失".into(),
                contact: format!("1370000000{n}"),
                ..Default::default()
            })
            .await
            .unwrap();
        ids.push(t.id);
        env.clock.advance(Duration::seconds(1));
    }
    let support = env.support().await;
    let mut seen = Vec::new();
    let mut req = PageRequest::first(2);
    loop {
        let page = env
            .svc
            .support_requests(&support, &RequestFilter::default(), &req)
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|r| r.id.clone()));
        match page.next {
            Some(next) => req = PageRequest::after(&next, 2),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let none = env
        .svc
        .support_requests(
            &support,
            &RequestFilter {
                state: RequestState::Pending,
                kind: Some(RequestKind::Recovery),
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(none.items.is_empty() && none.next.is_none());
}

// ---------------------------------------------------------------------------------------------
// Transactions: a failed action leaves nothing behind
// ---------------------------------------------------------------------------------------------

/// An SMS gateway that is down.
#[derive(Debug)]
struct DownGateway;

#[async_trait]
impl Notifier for DownGateway {
    async fn send(&self, _: &mut Conn, _: DateTime<Utc>, _: &Notice) -> ServiceResult<()> {
        Err(ServiceError::internal("sms gateway down"))
    }
}

#[tokio::test]
async fn a_failed_action_leaves_no_audit_row_and_no_code() {
    let env = env_with(Some(Arc::new(DownGateway))).await;
    let acc = env.register("zhangsan", AccountKind::Natural, 1).await;
    let before = env.scalar("SELECT COUNT(*) FROM audit").await;
    let e = env
        .svc
        .request_password_reset("zhangsan")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "internal");
    assert!(!e.message(Lang::En).contains("gateway"));
    assert_eq!(env.scalar("SELECT COUNT(*) FROM audit").await, before);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM codes").await, 0);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM outbox").await, 0);

    // A support approval whose notice fails changes nothing either.
    let ticket = env
        .svc
        .request_manual_phone_change(ManualPhoneChange {
            login_name: "zhangsan".into(),
            new_phone: "13700005555".into(),
            reason: "手机丢失".into(),
            contact: "13700005555".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(ticket.unwrap_err().code(), "internal");
    assert_eq!(env.scalar("SELECT COUNT(*) FROM support_requests").await, 0);
    assert_eq!(
        env.audit_actions("account", &acc.id).await,
        ["account.register"]
    );
}

// ---------------------------------------------------------------------------------------------
// Staff accounts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn staff_accounts_by_the_ministry_admin() {
    let env = env().await;
    let ministry = env
        .staff(
            "miit_admin",
            AccountKind::Admin,
            Some(ReviewLevel::Ministry),
            None,
        )
        .await;
    let staff = |login: &str, kind, level, region: Option<&str>| StaffAccount {
        kind,
        level,
        region_code: region.map(str::to_string),
        login_name: login.into(),
        display_name: "王审核".into(),
        password: PASSWORD.into(),
        phone: None,
        email: None,
    };
    let v = env
        .svc
        .create_staff_account(
            &ministry,
            staff(
                "rev_th",
                AccountKind::Reviewer,
                Some(ReviewLevel::County),
                Some("440106"),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        (v.kind, v.level, v.region_code.as_deref()),
        (
            AccountKind::Reviewer,
            Some(ReviewLevel::County),
            Some("440106")
        )
    );
    let s = env.login("rev_th").await;
    assert_eq!(s.level, Some(ReviewLevel::County));
    // Scope checks: a county reviewer needs a county, a province admin an authority.
    for (st, field) in [
        (
            staff(
                "r1",
                AccountKind::Reviewer,
                Some(ReviewLevel::County),
                Some("440100"),
            ),
            "region_code",
        ),
        (
            staff(
                "r2",
                AccountKind::Admin,
                Some(ReviewLevel::Province),
                Some("440100"),
            ),
            "region_code",
        ),
        (
            staff(
                "r3",
                AccountKind::Admin,
                Some(ReviewLevel::City),
                Some("440100"),
            ),
            "level",
        ),
        (
            staff(
                "r4",
                AccountKind::Reviewer,
                Some(ReviewLevel::Ministry),
                Some("440000"),
            ),
            "region_code",
        ),
        (
            staff("r5", AccountKind::Support, Some(ReviewLevel::City), None),
            "level",
        ),
        (staff("r6", AccountKind::Legal, None, None), "kind"),
    ] {
        let e = env
            .svc
            .create_staff_account(&ministry, st)
            .await
            .unwrap_err();
        assert_eq!(field_errors(&e)[0].0, field);
    }
    // A 计划单列市 admin is provincial.
    env.svc
        .create_staff_account(
            &ministry,
            staff(
                "sz_admin",
                AccountKind::Admin,
                Some(ReviewLevel::Province),
                Some("440300"),
            ),
        )
        .await
        .unwrap();
    // Only the ministry admin creates staff.
    let sz = env.login("sz_admin").await;
    let e = env
        .svc
        .create_staff_account(&sz, staff("r7", AccountKind::Support, None, None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let firm = env.enterprise("firm_one", 1).await;
    assert_eq!(
        env.svc
            .create_staff_account(&firm, staff("r8", AccountKind::Support, None, None))
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        env.audit_actions("account", &v.id).await,
        ["account.staff_created", "account.login"]
    );
}
