//! The digital-level assessment: questionnaire by industry, resumable attempts, partial saves,
//! completion, history, the latest attempt counting, and who may read what. Each test on a
//! fresh database, TestClock time.

mod common;

use chrono::Duration;
use common::{Env, env};
use zjtx::domain::assessment::{self, Answers, Dimension, Questionnaire};
use zjtx::domain::tiers::{AssessmentCategory, DigitalLevel, ReviewLevel};
use zjtx::domain::{Lang, Localized};
use zjtx::service::assessment::AnswerInput;
use zjtx::service::enterprise::EnterpriseUpdate;
use zjtx::service::facts;
use zjtx::service::{AccountKind, PageRequest, ServiceError, Session};

fn field_errors(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| (f.field.clone(), f.text.zh.clone()))
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// A verified enterprise registered in 深圳 南山区 (440305) with industry `class`.
async fn enterprise(env: &Env, login: &str, n: u32, class: Option<&str>) -> Session {
    let s = env.enterprise(login, n).await;
    env.svc
        .update_enterprise(
            &s,
            1,
            EnterpriseUpdate {
                county_code: Some("440305".into()),
                industry_code: class.map(str::to_string),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s
}

async fn natural(env: &Env, login: &str, n: u32) -> Session {
    env.register(login, AccountKind::Natural, n).await;
    env.login(login).await
}

/// Every question of `q` answered with the option `pick` returns.
fn all(q: &Questionnaire, pick: impl Fn(&assessment::Question) -> u8) -> AnswerInput {
    q.questions()
        .iter()
        .map(|question| (question.id.clone(), i64::from(pick(question))))
        .collect()
}

fn top(q: &Questionnaire) -> AnswerInput {
    all(q, |question| question.top_option())
}

/// Option 1 everywhere: a low but non-zero total.
fn low(q: &Questionnaire) -> AnswerInput {
    all(q, |_| 1)
}

fn expected(q: &Questionnaire, input: &AnswerInput) -> assessment::AssessmentResult {
    let answers: Answers = input
        .iter()
        .map(|(k, v)| (k.clone(), u8::try_from(*v).unwrap()))
        .collect();
    assessment::complete_score(q, &answers).unwrap()
}

fn manufacturing() -> &'static Questionnaire {
    Questionnaire::builtin(AssessmentCategory::Manufacturing)
}

/// Starts, answers everything with `answers` and completes; returns the attempt id.
async fn take(env: &Env, s: &Session, answers: &AnswerInput) -> String {
    let a = env.svc.start_assessment(s).await.unwrap();
    let saved = env
        .svc
        .save_answers(s, &a.summary.id, a.summary.version, answers)
        .await
        .unwrap();
    env.svc
        .complete_assessment(s, &a.summary.id, saved.version)
        .await
        .unwrap();
    a.summary.id
}

#[tokio::test]
async fn the_questionnaire_follows_the_industry_class() {
    let env = env().await;
    for (n, class, category, id) in [
        (
            1,
            "3973",
            AssessmentCategory::Manufacturing,
            "manufacturing",
        ),
        (
            2,
            "6513",
            AssessmentCategory::ProducerServices,
            "producer_services",
        ),
        (3, "5211", AssessmentCategory::Other, "other"),
    ] {
        let s = enterprise(&env, &format!("ent{n}"), n, Some(class)).await;
        let a = env.svc.start_assessment(&s).await.unwrap();
        assert_eq!(a.summary.category, category, "{class}");
        assert_eq!(a.summary.questionnaire_id, id);
        assert_eq!(a.summary.enterprise_id, s.enterprise_id);
        assert_eq!(
            a.questionnaire_title,
            *Questionnaire::builtin(category).title()
        );
        assert_eq!(a.progress.answered, 0);
        assert_eq!(
            a.progress.total,
            Questionnaire::builtin(category).questions().len()
        );
        assert!(a.summary.completed_at.is_none() && a.result.is_none());
        assert_eq!(
            env.audit_actions("assessment", &a.summary.id).await,
            ["assessment.start"]
        );
    }
    // No 所属行业 yet: a field error naming it, and no attempt.
    let s = enterprise(&env, "noclass", 4, None).await;
    let e = env.svc.start_assessment(&s).await.unwrap_err();
    let errs = field_errors(&e);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "industry_code");
    assert!(errs[0].1.contains("所属行业"), "{}", errs[0].1);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM assessments").await, 3);
}

#[tokio::test]
async fn a_natural_person_chooses_staff_may_not_take_it() {
    let env = env().await;
    let p = natural(&env, "person", 1).await;
    let e = env.svc.start_assessment(&p).await.unwrap_err();
    assert_eq!(e.field(), Some("category"));
    let a = env
        .svc
        .start_assessment_for_category(&p, AssessmentCategory::Other)
        .await
        .unwrap();
    assert_eq!(a.summary.category, AssessmentCategory::Other);
    assert!(a.summary.enterprise_id.is_none());

    // An enterprise cannot pick another questionnaire than its class's.
    let s = enterprise(&env, "acme", 2, Some("3973")).await;
    let e = env
        .svc
        .start_assessment_for_category(&s, AssessmentCategory::Other)
        .await
        .unwrap_err();
    let errs = field_errors(&e);
    assert_eq!(errs[0].0, "category");
    assert!(
        errs[0].1.contains("3973 集成电路制造") && errs[0].1.contains("制造业"),
        "{}",
        errs[0].1
    );
    let own = env
        .svc
        .start_assessment_for_category(&s, AssessmentCategory::Manufacturing)
        .await
        .unwrap();
    assert_eq!(own.summary.category, AssessmentCategory::Manufacturing);

    env.register("unverified", AccountKind::Legal, 3).await;
    let unverified = env.login("unverified").await;
    let support = env.support().await;
    let reviewer = env
        .staff(
            "nanshan",
            AccountKind::Reviewer,
            Some(ReviewLevel::County),
            Some("440305"),
        )
        .await;
    for who in [&unverified, &support, &reviewer] {
        assert_eq!(
            env.svc.start_assessment(who).await.unwrap_err().code(),
            "forbidden"
        );
        assert_eq!(
            env.svc
                .start_assessment_for_category(who, AssessmentCategory::Other)
                .await
                .unwrap_err()
                .code(),
            "forbidden"
        );
    }
    assert_eq!(
        env.svc
            .assessments(&support, &PageRequest::default())
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(env.scalar("SELECT COUNT(*) FROM assessments").await, 2);
}

#[tokio::test]
async fn starting_again_resumes_the_open_attempt() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let a = env.svc.start_assessment(&s).await.unwrap();
    let saved = env
        .svc
        .save_answers(
            &s,
            &a.summary.id,
            1,
            &AnswerInput::from([("m.base.01".into(), 2)]),
        )
        .await
        .unwrap();
    env.clock.advance(Duration::days(2));
    let again = env.svc.start_assessment(&s).await.unwrap();
    assert_eq!(again.summary.id, a.summary.id);
    assert_eq!(again.summary.version, saved.version);
    assert_eq!(again.answers.get("m.base.01"), Some(&2));
    assert_eq!(again.progress.answered, 1);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM assessments").await, 1);

    // A natural person with an open attempt of another questionnaire: finish or discard first.
    let p = natural(&env, "person", 2).await;
    let first = env
        .svc
        .start_assessment_for_category(&p, AssessmentCategory::Other)
        .await
        .unwrap();
    let e = env
        .svc
        .start_assessment_for_category(&p, AssessmentCategory::Manufacturing)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "assessment_open");
    assert!(e.message(Lang::Zh).contains("其他行业") && e.message(Lang::Zh).contains("放弃"));
    env.svc
        .discard_assessment(&p, &first.summary.id, first.summary.version)
        .await
        .unwrap();
    let second = env
        .svc
        .start_assessment_for_category(&p, AssessmentCategory::Manufacturing)
        .await
        .unwrap();
    assert_ne!(second.summary.id, first.summary.id);
    assert_eq!(
        env.audit_actions("assessment", &first.summary.id).await,
        ["assessment.start", "assessment.discard"]
    );
}

#[tokio::test]
async fn partial_saves_merge_and_report_progress_per_dimension() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let a = env.svc.start_assessment(&s).await.unwrap();
    let id = a.summary.id.clone();
    let r = env
        .svc
        .save_answers(
            &s,
            &id,
            1,
            &AnswerInput::from([("m.base.01".into(), 4), ("m.base.02".into(), 1)]),
        )
        .await
        .unwrap();
    assert_eq!((r.version, r.saved, r.progress.answered), (2, 2, 2));
    let foundation = r
        .progress
        .dimensions
        .iter()
        .find(|d| d.dimension == Dimension::Foundation)
        .unwrap();
    assert_eq!(foundation.answered, 2);
    assert_eq!(
        foundation.total,
        manufacturing().questions_in(Dimension::Foundation).count()
    );
    let ops_id = manufacturing()
        .questions_in(Dimension::Operations)
        .next()
        .unwrap()
        .id
        .clone();
    // A later save changes one answer and adds another.
    let r = env
        .svc
        .save_answers(
            &s,
            &id,
            2,
            &AnswerInput::from([("m.base.02".into(), 3), (ops_id.clone(), 0)]),
        )
        .await
        .unwrap();
    assert_eq!((r.version, r.saved, r.progress.answered), (3, 2, 3));
    let d = env.svc.assessment(&s, &id).await.unwrap();
    assert_eq!(d.answers.get("m.base.01"), Some(&4));
    assert_eq!(d.answers.get("m.base.02"), Some(&3));
    assert_eq!(d.answers.get(&ops_id), Some(&0));
    assert_eq!(d.summary.version, 3);
    assert!(
        d.summary.total.is_none() && d.summary.level.is_none() && d.indicator5_points.is_none()
    );
    // An empty save changes nothing.
    let r = env
        .svc
        .save_answers(&s, &id, 3, &AnswerInput::new())
        .await
        .unwrap();
    assert_eq!((r.version, r.saved, r.progress.answered), (3, 0, 3));
    assert_eq!(
        env.audit_actions("assessment", &id).await,
        ["assessment.start", "assessment.save", "assessment.save"]
    );
}

#[tokio::test]
async fn bad_answers_are_field_errors_naming_the_question() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let a = env.svc.start_assessment(&s).await.unwrap();
    let id = a.summary.id.clone();
    let e = env
        .svc
        .save_answers(
            &s,
            &id,
            1,
            &AnswerInput::from([
                ("m.base.01".into(), 5),
                ("m.base.02".into(), -1),
                ("m.base.03".into(), 2),
                ("s.base.01".into(), 0),
            ]),
        )
        .await
        .unwrap_err();
    let errs = field_errors(&e);
    let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "answers.m.base.01",
            "answers.m.base.02",
            "answers.s.base.01"
        ]
    );
    assert!(
        errs[0].1.contains("m.base.01")
            && errs[0].1.contains("设备数字化率")
            && errs[0].1.contains("0–4"),
        "{}",
        errs[0].1
    );
    assert!(errs[1].1.contains("-1"), "{}", errs[1].1);
    assert!(
        errs[2].1.contains("没有编号为 s.base.01 的题目"),
        "{}",
        errs[2].1
    );
    // Nothing saved, not even the valid answer.
    let d = env.svc.assessment(&s, &id).await.unwrap();
    assert_eq!((d.summary.version, d.answers.len()), (1, 0));
}

#[tokio::test]
async fn stale_versions_are_conflicts() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let a = env.svc.start_assessment(&s).await.unwrap();
    let id = a.summary.id.clone();
    env.svc
        .save_answers(&s, &id, 1, &top(manufacturing()))
        .await
        .unwrap();
    let e = env
        .svc
        .save_answers(&s, &id, 1, &AnswerInput::from([("m.base.01".into(), 0)]))
        .await
        .unwrap_err();
    match &e {
        ServiceError::Conflict {
            current_version,
            by,
            ..
        } => {
            assert_eq!(*current_version, 2);
            assert_eq!(by.as_deref(), Some(s.display_name.as_str()));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        env.svc
            .complete_assessment(&s, &id, 1)
            .await
            .unwrap_err()
            .code(),
        "conflict"
    );
    assert_eq!(
        env.svc
            .discard_assessment(&s, &id, 1)
            .await
            .unwrap_err()
            .code(),
        "conflict"
    );
    let d = env.svc.assessment(&s, &id).await.unwrap();
    assert_eq!(
        d.answers.get("m.base.01"),
        Some(&manufacturing().questions()[0].top_option())
    );
}

#[tokio::test]
async fn completion_needs_every_answer_and_stores_the_result() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let a = env.svc.start_assessment(&s).await.unwrap();
    let id = a.summary.id.clone();
    let q = manufacturing();
    let mut answers = low(q);
    let second = q.questions()[1].id.clone();
    let fourth = q.questions()[3].id.clone();
    answers.remove(&second);
    answers.remove(&fourth);
    let saved = env.svc.save_answers(&s, &id, 1, &answers).await.unwrap();
    let e = env
        .svc
        .complete_assessment(&s, &id, saved.version)
        .await
        .unwrap_err();
    let errs = field_errors(&e);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, format!("answers.{second}"));
    assert!(
        errs[0].1.contains("还有 2 道题未作答") && errs[0].1.contains(&second),
        "{}",
        errs[0].1
    );
    assert!(
        env.svc
            .assessment(&s, &id)
            .await
            .unwrap()
            .summary
            .completed_at
            .is_none()
    );

    let rest = AnswerInput::from([(second.clone(), 1), (fourth.clone(), 1)]);
    let saved = env
        .svc
        .save_answers(&s, &id, saved.version, &rest)
        .await
        .unwrap();
    assert!(saved.progress.is_complete());
    let done = env
        .svc
        .complete_assessment(&s, &id, saved.version)
        .await
        .unwrap();
    let want = expected(q, &low(q));
    assert_eq!(done.summary.completed_at, Some(env.svc.now()));
    assert_eq!(
        done.summary.total,
        Some(assessment::round_total(want.total))
    );
    assert_eq!(done.summary.level, want.level);
    assert!(want.level.is_some(), "option 1 everywhere reaches a level");
    assert_eq!(done.result.as_ref().unwrap().dimensions, want.dimensions);
    assert_eq!(
        done.indicator5_points,
        Some(assessment::indicator5_points(want.level))
    );
    assert!(done.summary.counts);
    assert_eq!(done.summary.version, saved.version + 1);
    assert_eq!(
        env.audit_actions("assessment", &id).await,
        [
            "assessment.start",
            "assessment.save",
            "assessment.save",
            "assessment.complete"
        ]
    );
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM messages").await,
        0,
        "no message"
    );

    // A completed attempt is closed.
    let v = done.summary.version;
    for e in [
        env.svc
            .save_answers(&s, &id, v, &AnswerInput::from([(second.clone(), 0)]))
            .await
            .unwrap_err(),
        env.svc.complete_assessment(&s, &id, v).await.unwrap_err(),
        env.svc.discard_assessment(&s, &id, v).await.unwrap_err(),
    ] {
        assert_eq!(e.code(), "assessment_completed");
        assert!(e.message(Lang::Zh).contains("开始新的评测"));
    }
    // The next start is a new attempt.
    let next = env.svc.start_assessment(&s).await.unwrap();
    assert_ne!(next.summary.id, id);
}

#[tokio::test]
async fn history_is_newest_first_and_the_latest_completed_attempt_counts() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let q = manufacturing();
    let high = take(&env, &s, &top(q)).await;
    let ent = s.enterprise_id.clone().unwrap();
    let mut conn = env.svc.read().await.unwrap();
    let latest = facts::latest_assessment(&mut conn, &ent)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (latest.id.as_str(), latest.level),
        (high.as_str(), Some(DigitalLevel::L4))
    );
    drop(conn);

    env.clock.advance(Duration::days(30));
    let lower = take(&env, &s, &low(q)).await;
    env.clock.advance(Duration::days(1));
    let open = env.svc.start_assessment(&s).await.unwrap().summary.id;

    let mut conn = env.svc.read().await.unwrap();
    let latest = facts::latest_assessment(&mut conn, &ent)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        latest.id, lower,
        "a later, lower result replaces the earlier higher one"
    );
    assert_eq!(latest.level, expected(q, &low(q)).level);
    assert!(latest.level < Some(DigitalLevel::L4));
    drop(conn);

    let page = env
        .svc
        .assessments(&s, &PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, [open.as_str(), lower.as_str(), high.as_str()]);
    let counts: Vec<bool> = page.items.iter().map(|a| a.counts).collect();
    assert_eq!(counts, [false, true, false]);
    assert_eq!(page.items[2].level, Some(DigitalLevel::L4));
    assert_eq!(page.items[2].total, Some(100.0));
    assert!(page.items[0].completed_at.is_none() && page.items[0].total.is_none());
    assert!(page.next.is_none());
    let d = env.svc.assessment(&s, &high).await.unwrap();
    assert!(!d.summary.counts);
    assert_eq!(d.indicator5_points, Some(5));

    // Paging by one walks the same order.
    let mut seen = Vec::new();
    let mut req = PageRequest::first(1);
    loop {
        let p = env.svc.assessments(&s, &req).await.unwrap();
        seen.extend(p.items.into_iter().map(|a| a.id));
        match p.next {
            Some(n) => req = PageRequest::after(&n, 1),
            None => break,
        }
    }
    assert_eq!(seen, [open, lower, high]);
}

#[tokio::test]
async fn who_may_read_and_act_on_an_attempt() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let ent = s.enterprise_id.clone().unwrap();
    let id = take(&env, &s, &top(manufacturing())).await;

    let other = enterprise(&env, "other", 2, Some("3973")).await;
    let person = natural(&env, "person", 3).await;
    let support = env.support().await;
    let nanshan = env
        .staff(
            "nanshan",
            AccountKind::Reviewer,
            Some(ReviewLevel::County),
            Some("440305"),
        )
        .await;
    let baoan = env
        .staff(
            "baoan",
            AccountKind::Reviewer,
            Some(ReviewLevel::County),
            Some("440306"),
        )
        .await;
    let guangdong = env
        .staff(
            "guangdong",
            AccountKind::Admin,
            Some(ReviewLevel::Province),
            Some("440000"),
        )
        .await;
    let page = PageRequest::default();
    for (who, ok) in [
        (&s, true),
        (&nanshan, true),
        (&other, false),
        (&person, false),
        (&support, false),
        (&baoan, false),
        (&guangdong, false),
    ] {
        let d = env.svc.assessment(who, &id).await;
        let l = env.svc.enterprise_assessments(who, &ent, &page).await;
        assert_eq!((d.is_ok(), l.is_ok()), (ok, ok), "{}", who.login_name);
        match d {
            Ok(d) => {
                assert_eq!(d.summary.level, Some(DigitalLevel::L4));
                assert_eq!(d.indicator5_points, Some(5));
                assert_eq!(l.unwrap().items.len(), 1);
            }
            Err(e) => {
                assert_eq!(e.code(), "forbidden");
                assert_eq!(l.unwrap_err().code(), "forbidden");
            }
        }
    }

    // Only the owner answers, completes or discards.
    let open = env.svc.start_assessment(&s).await.unwrap();
    let oid = open.summary.id.clone();
    for who in [&other, &person] {
        let e = env
            .svc
            .save_answers(who, &oid, 1, &AnswerInput::from([("m.base.01".into(), 1)]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{}", who.login_name);
        assert_eq!(
            env.svc
                .complete_assessment(who, &oid, 1)
                .await
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            env.svc
                .discard_assessment(who, &oid, 1)
                .await
                .unwrap_err()
                .code(),
            "forbidden"
        );
    }
    for who in [&nanshan, &support] {
        let e = env
            .svc
            .save_answers(who, &oid, 1, &AnswerInput::from([("m.base.01".into(), 1)]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{}", who.login_name);
    }
    assert!(
        env.svc
            .assessment(&s, &oid)
            .await
            .unwrap()
            .answers
            .is_empty()
    );

    // A natural person's attempt is theirs alone, even for staff.
    let pa = env
        .svc
        .start_assessment_for_category(&person, AssessmentCategory::Other)
        .await
        .unwrap();
    assert!(env.svc.assessment(&person, &pa.summary.id).await.is_ok());
    for who in [&s, &nanshan, &support] {
        assert_eq!(
            env.svc
                .assessment(who, &pa.summary.id)
                .await
                .unwrap_err()
                .code(),
            "forbidden"
        );
    }
    assert!(
        env.svc
            .assessment(&person, &pa.summary.id)
            .await
            .unwrap()
            .indicator5_points
            .is_none()
    );
    assert_eq!(
        env.svc.assessment(&s, "nope").await.unwrap_err().code(),
        "not_found"
    );
}

#[tokio::test]
async fn an_industry_change_voids_the_open_attempt() {
    let env = env().await;
    let s = enterprise(&env, "acme", 1, Some("3973")).await;
    let a = env.svc.start_assessment(&s).await.unwrap();
    let saved = env
        .svc
        .save_answers(&s, &a.summary.id, 1, &top(manufacturing()))
        .await
        .unwrap();
    env.svc
        .update_enterprise(
            &s,
            2,
            EnterpriseUpdate {
                industry_code: Some("6513".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = env
        .svc
        .complete_assessment(&s, &a.summary.id, saved.version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "questionnaire_mismatch");
    assert!(e.message(Lang::Zh).contains("生产性服务业"));
    assert_eq!(
        env.svc.start_assessment(&s).await.unwrap_err().code(),
        "assessment_open"
    );
    env.svc
        .discard_assessment(&s, &a.summary.id, saved.version)
        .await
        .unwrap();
    let b = env.svc.start_assessment(&s).await.unwrap();
    assert_eq!(b.summary.category, AssessmentCategory::ProducerServices);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM assessments").await, 1);
}
