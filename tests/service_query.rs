//! The public certification query (企业认定查询): challenge, answer, name + USCC matching, the
//! "none found" answer that reveals nothing, and the per-client rate limit.
//!
//! Certifications belong to the review / lifecycle areas: they are set up with SQL here.

mod common;

use chrono::Duration;
use common::{Env, env, uscc};
use zjtx::domain::Localized;
use zjtx::domain::tiers::Tier;
use zjtx::service::ServiceError;
use zjtx::service::query::{CertificationStatus, Challenge, QueryRequest};

const CLIENT: &str = "203.0.113.7";
/// The name `env.enterprise(_, 1)` verifies with.
const NAME: &str = "深圳市测试1科技有限公司";

/// What a person at the terminal does: works out the sum shown.
fn solve(c: &Challenge) -> String {
    let parts: Vec<&str> = c.expression.split(' ').collect();
    assert_eq!(parts.len(), 5, "{}", c.expression);
    assert_eq!(parts[3..], ["=", "?"]);
    let (x, y): (i64, i64) = (parts[0].parse().unwrap(), parts[2].parse().unwrap());
    match parts[1] {
        "+" => (x + y).to_string(),
        "-" => (x - y).to_string(),
        op => panic!("unexpected operator {op}"),
    }
}

fn wrong(c: &Challenge) -> String {
    (solve(c).parse::<i64>().unwrap() + 1).to_string()
}

fn request(name: &str, uscc: &str, c: &Challenge, answer: String) -> QueryRequest {
    QueryRequest {
        name: name.into(),
        uscc: uscc.into(),
        challenge_id: c.id.clone(),
        answer,
    }
}

/// SET-UP: the enterprise of account "acme" with three certifications — valid, cancelled and
/// run out (still marked active: the expiry job has not run).
async fn certified(env: &Env) -> String {
    let s = env.enterprise("acme", 1).await;
    let e = s.enterprise_id.unwrap();
    let mut w = env.svc.write().await.unwrap();
    // a certified enterprise has its basic info: registered under 深圳 (a 计划单列市)
    sqlx::query("UPDATE enterprises SET authority_code = '440300' WHERE id = $1")
        .bind(&e)
        .execute(&mut *w)
        .await
        .unwrap();
    for (id, tier, on, until, status, cancelled_on) in [
        (
            "c1",
            Tier::Specialized,
            "2021-05-01",
            "2024-04-30",
            "active",
            None,
        ),
        (
            "c2",
            Tier::Specialized,
            "2023-01-10",
            "2026-01-09",
            "cancelled",
            Some("2024-06-01"),
        ),
        (
            "c3",
            Tier::Innovative,
            "2024-05-01",
            "2027-04-30",
            "active",
            None,
        ),
    ] {
        sqlx::query(
            "INSERT INTO certifications (id, enterprise_id, tier, certified_on, expires_on, \
             status, cancelled_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0)",
        )
        .bind(id)
        .bind(&e)
        .bind(tier.code())
        .bind(on)
        .bind(until)
        .bind(status)
        .bind(cancelled_on)
        .execute(&mut *w)
        .await
        .unwrap();
    }
    w.commit().await.unwrap();
    e
}

async fn ask(
    env: &Env,
    client: &str,
    name: &str,
    uscc: &str,
    right: bool,
) -> Result<usize, ServiceError> {
    let c = env.svc.query_challenge(client).await?;
    let answer = if right { solve(&c) } else { wrong(&c) };
    env.svc
        .query_certifications(client, &request(name, uscc, &c, answer))
        .await
        .map(|a| a.certifications.len())
}

#[tokio::test]
async fn the_right_answer_returns_the_certifications_newest_first() {
    let env = env().await;
    let e = certified(&env).await;
    let c = env.svc.query_challenge(CLIENT).await.unwrap();
    assert_eq!(c.expires_at, env.svc.now() + Duration::minutes(5));
    assert!(c.prompt.zh.contains(&c.expression));
    let answer = env
        .svc
        .query_certifications(
            CLIENT,
            &request(
                &format!("  {NAME} "),
                &uscc(1).to_lowercase(),
                &c,
                solve(&c),
            ),
        )
        .await
        .unwrap();
    assert_eq!(answer.uscc, uscc(1), "normalised");
    assert_eq!(answer.name, NAME);
    let got: Vec<(Tier, &str, CertificationStatus, Option<String>)> = answer
        .certifications
        .iter()
        .map(|c| {
            (
                c.tier,
                c.status_name.zh.as_str(),
                c.status,
                c.cancelled_on.map(|d| d.to_string()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Tier::Innovative, "有效", CertificationStatus::Valid, None),
            (
                Tier::Specialized,
                "已取消",
                CertificationStatus::Cancelled,
                Some("2024-06-01".into())
            ),
            (
                Tier::Specialized,
                "已过期",
                CertificationStatus::Expired,
                None
            ),
        ]
    );
    let first = &answer.certifications[0];
    assert_eq!(first.certified_on.to_string(), "2024-05-01");
    assert_eq!(first.expires_on.to_string(), "2027-04-30");
    assert_eq!(first.tier_name.zh, "创新型中小企业");
    assert_eq!(first.authority.zh, "深圳市", "the 计划单列市 certifies");
    assert_eq!(first.authority.en, "深圳市 (440300)");
    assert!(answer.message.zh.contains("3 条"));
    assert_eq!(
        env.audit_actions("enterprise", &e)
            .await
            .last()
            .map(String::as_str),
        Some("query.certifications")
    );
    // Half-width parentheses in the typed name match the licence's full-width ones.
    let mut w = env.svc.write().await.unwrap();
    sqlx::query("UPDATE enterprises SET name = '深圳市测试（集团）有限公司' WHERE id = $1")
        .bind(&e)
        .execute(&mut *w)
        .await
        .unwrap();
    w.commit().await.unwrap();
    assert_eq!(
        ask(&env, CLIENT, "深圳市测试(集团)有限公司", &uscc(1), true)
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn a_wrong_answer_is_refused_and_uses_up_the_challenge() {
    let env = env().await;
    certified(&env).await;
    let c = env.svc.query_challenge(CLIENT).await.unwrap();
    let e = env
        .svc
        .query_certifications(CLIENT, &request(NAME, &uscc(1), &c, wrong(&c)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "challenge_wrong_answer");
    assert!(e.text().zh.contains("答案错误"));
    let e = env
        .svc
        .query_certifications(CLIENT, &request(NAME, &uscc(1), &c, solve(&c)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "challenge_used", "one attempt per challenge");
}

#[tokio::test]
async fn a_challenge_is_single_use() {
    let env = env().await;
    certified(&env).await;
    let c = env.svc.query_challenge(CLIENT).await.unwrap();
    let ok = env
        .svc
        .query_certifications(CLIENT, &request(NAME, &uscc(1), &c, solve(&c)))
        .await
        .unwrap();
    assert_eq!(ok.certifications.len(), 3);
    let e = env
        .svc
        .query_certifications(CLIENT, &request(NAME, &uscc(1), &c, solve(&c)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "challenge_used");
    assert!(e.text().en.contains("already used"));
}

#[tokio::test]
async fn a_challenge_expires_after_five_minutes() {
    let env = env().await;
    certified(&env).await;
    let early = env.svc.query_challenge(CLIENT).await.unwrap();
    let late = env.svc.query_challenge(CLIENT).await.unwrap();
    env.clock
        .advance(Duration::minutes(5) - Duration::seconds(1));
    assert!(
        env.svc
            .query_certifications(CLIENT, &request(NAME, &uscc(1), &early, solve(&early)))
            .await
            .is_ok(),
        "still valid one second before"
    );
    env.clock.advance(Duration::seconds(1));
    let e = env
        .svc
        .query_certifications(CLIENT, &request(NAME, &uscc(1), &late, solve(&late)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "challenge_expired");
    assert!(e.text().zh.contains("5 分钟"), "{}", e.text().zh);
}

#[tokio::test]
async fn a_challenge_works_only_for_the_client_it_was_given_to() {
    let env = env().await;
    certified(&env).await;
    let c = env.svc.query_challenge(CLIENT).await.unwrap();
    let e = env
        .svc
        .query_certifications("198.51.100.1", &request(NAME, &uscc(1), &c, solve(&c)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "challenge_unknown");
    let mut bogus = request(NAME, &uscc(1), &c, solve(&c));
    bogus.challenge_id = "no-such-challenge".into();
    let e = env
        .svc
        .query_certifications(CLIENT, &bogus)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "challenge_unknown");
    // The challenge itself is still good for its own client.
    assert!(
        env.svc
            .query_certifications(CLIENT, &request(NAME, &uscc(1), &c, solve(&c)))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_name_that_does_not_match_reads_exactly_like_an_unknown_uscc() {
    let env = env().await;
    certified(&env).await;
    let answer_for = |name: &'static str, code: String| {
        let env = &env;
        async move {
            let c = env.svc.query_challenge(CLIENT).await.unwrap();
            env.svc
                .query_certifications(CLIENT, &request(name, &code, &c, solve(&c)))
                .await
                .unwrap()
        }
    };
    let mismatch = answer_for("深圳市测试1有限公司", uscc(1)).await;
    let unknown = answer_for("深圳市测试1有限公司", uscc(77)).await;
    assert!(mismatch.certifications.is_empty());
    assert!(unknown.certifications.is_empty());
    assert_eq!(mismatch.message, unknown.message);
    assert!(mismatch.message.zh.contains("未查询到"));
    // Registered, verified, but never certified: the same answer again.
    env.enterprise("bolt", 2).await;
    let uncertified = answer_for("深圳市测试2科技有限公司", uscc(2)).await;
    assert_eq!(uncertified.message, unknown.message);
}

#[tokio::test]
async fn bad_input_is_reported_field_by_field_and_costs_nothing() {
    let env = env().await;
    certified(&env).await;
    let c = env.svc.query_challenge(CLIENT).await.unwrap();
    let mut bad_check = uscc(1);
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let e = env
        .svc
        .query_certifications(
            CLIENT,
            &QueryRequest {
                name: "  ".into(),
                uscc: bad_check,
                challenge_id: c.id.clone(),
                answer: "twelve".into(),
            },
        )
        .await
        .unwrap_err();
    match &e {
        ServiceError::Invalid { fields } => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["name", "uscc", "answer"]);
            assert!(
                fields[1].text.en.contains("character 18 should be")
                    && fields[1].text.en.contains(last),
                "the expected check character is named: {:?}",
                fields[1].text
            );
        }
        other => panic!("{other:?}"),
    }
    let e = env
        .svc
        .query_certifications(
            "",
            &QueryRequest {
                name: NAME.into(),
                uscc: uscc(1),
                challenge_id: " ".into(),
                answer: "3".into(),
            },
        )
        .await
        .unwrap_err();
    let names: Vec<String> = match e {
        ServiceError::Invalid { fields } => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(names, ["client_key", "challenge_id"]);
    // The challenge was not consumed by the invalid requests.
    assert!(
        env.svc
            .query_certifications(CLIENT, &request(NAME, &uscc(1), &c, solve(&c)))
            .await
            .is_ok()
    );
    assert_eq!(
        env.svc.query_challenge("").await.unwrap_err().field(),
        Some("client_key")
    );
}

#[tokio::test]
async fn queries_are_limited_per_client_with_a_retry_time() {
    let env = env().await;
    certified(&env).await;
    // Ten queries in ten minutes, right or wrong, then refused.
    for i in 0..10 {
        let right = i % 2 == 0;
        let got = ask(&env, CLIENT, NAME, &uscc(1), right).await;
        assert_eq!(got.is_ok(), right, "query {i}: {got:?}");
        env.clock.advance(Duration::seconds(20));
    }
    // 200 s after the first query.
    let c = env.svc.query_challenge(CLIENT).await.unwrap();
    let e = env
        .svc
        .query_certifications(CLIENT, &request(NAME, &uscc(1), &c, solve(&c)))
        .await
        .unwrap_err();
    match &e {
        ServiceError::RateLimited { retry_after } => {
            assert_eq!(retry_after.as_secs(), 400, "until the window ends");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.text().zh.contains("400 秒"), "{}", e.text().zh);
    // Another client is not affected.
    assert_eq!(
        ask(&env, "198.51.100.1", NAME, &uscc(1), true)
            .await
            .unwrap(),
        3
    );
    // One second before the window ends: still refused; then a new window opens.
    env.clock.advance(Duration::seconds(399));
    let e = ask(&env, CLIENT, NAME, &uscc(1), true).await.unwrap_err();
    assert!(
        matches!(e, ServiceError::RateLimited { retry_after } if retry_after.as_secs() == 1),
        "{e:?}"
    );
    env.clock.advance(Duration::seconds(1));
    assert_eq!(ask(&env, CLIENT, NAME, &uscc(1), true).await.unwrap(), 3);
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM audit WHERE action = 'query.certifications'")
            .await,
        7,
        "the five right answers before the limit, the other client's and the last one"
    );
}

#[tokio::test]
async fn challenges_are_limited_per_client_too() {
    let env = env().await;
    for _ in 0..30 {
        env.svc.query_challenge(CLIENT).await.unwrap();
    }
    let e = env.svc.query_challenge(CLIENT).await.unwrap_err();
    assert!(matches!(e, ServiceError::RateLimited { .. }), "{e:?}");
    assert!(env.svc.query_challenge("198.51.100.1").await.is_ok());
    env.clock.advance(Duration::minutes(10));
    assert!(env.svc.query_challenge(CLIENT).await.is_ok());
    // Spent challenges of the client are pruned when it asks for a new one.
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM codes WHERE purpose = 'query_challenge'")
            .await,
        2
    );
}
