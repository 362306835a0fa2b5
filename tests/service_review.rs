//! The review side through the service: the queue (my level, my scope, filters, counts, paging),
//! the reviewer's detail, claim / pass / return / reject with their authorization refusals,
//! reasons, the certification on the final pass, stale versions and bulk decisions.
//!
//! Submitted items are set up with `items::create` + `items::act(Submit)` (common::submitted):
//! the declaration use cases belong to another module.

mod common;

use chrono::{Duration, NaiveDate};
use common::{Env, env, set_county, submitted};
use serde_json::json;
use sqlx::Row;
use zjtx::domain::rules::Ruleset;
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::{DigitalLevel, ReviewLevel, Tier};
use zjtx::domain::workflow::{ActionKind, Refusal, State};
use zjtx::service::audit::history_of;
use zjtx::service::items::{self, Item, ItemKind};
use zjtx::service::messages::stored_text;
use zjtx::service::review::{BulkDecision, QueueFilter, QueueSort, QueueState};
use zjtx::service::{AccountKind, PageRequest, ServiceError, Session};

use ReviewLevel::{City, County, Ministry, Province};

/// Enterprises in 深圳 (南山 440305, 宝安 440306: a 计划单列市, its own authority) and 广州
/// (天河 440106, 越秀 440104: 广东省), and the staff around them.
struct World {
    env: Env,
    nanshan_firm: Session,
    baoan_firm: Session,
    tianhe_firm: Session,
    yuexiu_firm: Session,
    /// County reviewers of 南山 (two of them), 宝安, 天河.
    nanshan: Session,
    nanshan2: Session,
    baoan: Session,
    tianhe: Session,
    /// City-level reviewers of 深圳 and 广州.
    sz_city: Session,
    gz_city: Session,
    /// The provincial level: 深圳's admin (计划单列市), 广东's reviewer.
    sz_admin: Session,
    gd: Session,
    ministry: Session,
    support: Session,
}

async fn firm(env: &Env, login: &str, n: u32, county: &str) -> Session {
    let s = env.enterprise(login, n).await;
    set_county(env, s.enterprise_id.as_deref().unwrap(), county).await;
    s
}

async fn world() -> World {
    let env = env().await;
    let reviewer = |login: &'static str, level, region: &'static str| {
        let env = &env;
        async move {
            env.staff(login, AccountKind::Reviewer, Some(level), Some(region))
                .await
        }
    };
    World {
        nanshan_firm: firm(&env, "nanshan_firm", 1, "440305").await,
        baoan_firm: firm(&env, "baoan_firm", 2, "440306").await,
        tianhe_firm: firm(&env, "tianhe_firm", 3, "440106").await,
        yuexiu_firm: firm(&env, "yuexiu_firm", 4, "440104").await,
        nanshan: reviewer("rev_ns", County, "440305").await,
        nanshan2: reviewer("rev_ns2", County, "440305").await,
        baoan: reviewer("rev_ba", County, "440306").await,
        tianhe: reviewer("rev_th", County, "440106").await,
        sz_city: reviewer("rev_sz", City, "440300").await,
        gz_city: reviewer("rev_gz", City, "440100").await,
        sz_admin: env
            .staff("adm_sz", AccountKind::Admin, Some(Province), Some("440300"))
            .await,
        gd: reviewer("rev_gd", Province, "440000").await,
        ministry: env
            .staff("adm_miit", AccountKind::Admin, Some(Ministry), None)
            .await,
        support: env.support().await,
        env,
    }
}

const FULL: [ReviewLevel; 3] = [County, City, Province];

impl World {
    async fn declaration(&self, firm: &Session, tier: Tier, chain: &[ReviewLevel]) -> Item {
        submitted(
            &self.env,
            firm,
            ItemKind::Declaration,
            tier,
            chain,
            json!({}),
        )
        .await
    }

    async fn item(&self, id: &str) -> Item {
        let mut conn = self.env.svc.read().await.unwrap();
        items::load(&mut conn, id).await.unwrap()
    }

    async fn queue_ids(&self, who: &Session, filter: QueueFilter) -> Vec<String> {
        let page = self
            .env
            .svc
            .queue(who, &filter, &PageRequest::first(50))
            .await
            .unwrap();
        assert!(page.next.is_none());
        page.items.into_iter().map(|e| e.id).collect()
    }

    /// (version, history rows, audit rows, messages) of an item: what a refused call must not
    /// change.
    async fn trace(&self, id: &str) -> (i64, usize, usize, i64) {
        let version = self.item(id).await.version;
        let mut conn = self.env.svc.read().await.unwrap();
        let history = history_of(&mut conn, id).await.unwrap().len();
        drop(conn);
        let audit = self.env.audit_actions("item", id).await.len();
        let messages = self.env.scalar("SELECT COUNT(*) FROM messages").await;
        (version, history, audit, messages)
    }

    /// The messages of an enterprise, oldest first: (category, title zh, body zh).
    async fn messages(&self, firm: &Session) -> Vec<(String, String, String)> {
        let mut conn = self.env.svc.read().await.unwrap();
        sqlx::query(
            "SELECT category, title, body FROM messages WHERE enterprise_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(firm.enterprise_id.as_deref().unwrap())
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get::<String, _>("category").unwrap(),
                stored_text(&r.try_get::<String, _>("title").unwrap()).zh,
                stored_text(&r.try_get::<String, _>("body").unwrap()).zh,
            )
        })
        .collect()
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn ids(items: &[&Item]) -> Vec<String> {
    sorted(items.iter().map(|i| i.id.clone()).collect())
}

fn refusal(e: &ServiceError) -> Refusal {
    e.refusal()
        .cloned()
        .unwrap_or_else(|| panic!("expected a workflow refusal, got {e:?}"))
}

// ---------------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_queue_holds_exactly_my_level_in_my_scope() {
    let wd = world().await;
    let sv = &wd.env.svc;
    // 南山, waiting at county level.
    let a = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &FULL)
        .await;
    // 宝安, waiting at county level.
    let b = wd
        .declaration(&wd.baoan_firm, Tier::Specialized, &FULL)
        .await;
    // 南山, passed by its county: waiting at city level in 深圳.
    let c = wd
        .declaration(&wd.nanshan_firm, Tier::Innovative, &FULL)
        .await;
    sv.pass(&wd.nanshan, &c.id, c.version, None).await.unwrap();
    // 天河 (广东): passed by county and city, waiting at province level.
    let d = wd
        .declaration(&wd.tianhe_firm, Tier::Specialized, &FULL)
        .await;
    let d1 = sv.pass(&wd.tianhe, &d.id, 2, None).await.unwrap().item;
    sv.pass(&wd.gz_city, &d.id, d1.version, None).await.unwrap();
    // 南山 with the 计划单列市 chain (district → 深圳 as province): at 深圳's provincial level.
    let e = wd
        .declaration(
            &wd.nanshan_firm,
            Tier::LittleGiant,
            &[County, Province, Ministry],
        )
        .await;
    sv.pass(&wd.nanshan, &e.id, 2, None).await.unwrap();

    let mine = async |who: &Session| wd.queue_ids(who, QueueFilter::default()).await;
    assert_eq!(mine(&wd.nanshan).await, [a.id.as_str()]);
    assert_eq!(mine(&wd.baoan).await, [b.id.as_str()]);
    assert_eq!(mine(&wd.sz_city).await, [c.id.as_str()]);
    // 广东's province level sees 天河's item, not 深圳's (its own authority) …
    assert_eq!(mine(&wd.gd).await, [d.id.as_str()]);
    // … and 深圳's admin sees 深圳's provincial-level item.
    assert_eq!(mine(&wd.sz_admin).await, [e.id.as_str()]);
    assert!(mine(&wd.ministry).await.is_empty());
    assert!(mine(&wd.tianhe).await.is_empty());
    assert!(mine(&wd.gz_city).await.is_empty());

    // A row carries what the list shows and the version a decision names.
    let page = sv
        .queue(
            &wd.nanshan,
            &QueueFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    let row = &page.items[0];
    assert_eq!(row.state, State::Submitted(County));
    assert_eq!(row.version, 2);
    assert_eq!(row.enterprise_name, "深圳市测试1科技有限公司");
    assert_eq!(row.region_name.as_deref(), Some("广东省 深圳市 南山区"));
    assert_eq!(row.tier, Tier::Specialized);

    // Only reviewers and admins have a queue.
    for who in [&wd.support, &wd.nanshan_firm] {
        let e = sv
            .queue(who, &QueueFilter::default(), &PageRequest::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{e:?}");
        assert_eq!(e.text(), Refusal::NotReviewer.text());
        let e = sv
            .queue_counts(who, &QueueFilter::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
    }
}

#[tokio::test]
async fn filters_and_chip_counts() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let city_first = [City, Province];
    // At 广州's city level: 天河 ×2, 越秀 ×3 (one an info update, one claimed).
    let i1 = wd
        .declaration(&wd.tianhe_firm, Tier::Innovative, &city_first)
        .await;
    let i2 = wd
        .declaration(&wd.tianhe_firm, Tier::Specialized, &city_first)
        .await;
    let i3 = wd
        .declaration(&wd.yuexiu_firm, Tier::Innovative, &city_first)
        .await;
    let i4 = submitted(
        &wd.env,
        &wd.yuexiu_firm,
        ItemKind::Update,
        Tier::Specialized,
        &city_first,
        json!({}),
    )
    .await;
    let i5 = wd
        .declaration(&wd.yuexiu_firm, Tier::Innovative, &city_first)
        .await;
    sv.claim(&wd.gz_city, &i5.id, 2).await.unwrap();
    // Left the city queue: returned by the city; approved after city and province.
    let i6 = wd
        .declaration(&wd.tianhe_firm, Tier::Innovative, &city_first)
        .await;
    sv.return_item(&wd.gz_city, &i6.id, 2, "缺少审计报告".into())
        .await
        .unwrap();
    let i7 = wd
        .declaration(&wd.yuexiu_firm, Tier::Innovative, &city_first)
        .await;
    sv.pass(&wd.gz_city, &i7.id, 2, None).await.unwrap();
    sv.pass(&wd.gd, &i7.id, 3, None).await.unwrap();
    // Approved at the province without passing the city: never in the city's lists.
    let i8 = wd
        .declaration(&wd.tianhe_firm, Tier::Innovative, &[Province])
        .await;
    sv.pass(&wd.gd, &i8.id, 2, None).await.unwrap();

    let q = |f: QueueFilter| wd.queue_ids(&wd.gz_city, f);
    let all = QueueFilter::default;
    assert_eq!(sorted(q(all()).await), ids(&[&i1, &i2, &i3, &i4, &i5]));
    let cases: Vec<(QueueFilter, Vec<&Item>)> = vec![
        (
            QueueFilter {
                kind: Some(ItemKind::Declaration),
                ..all()
            },
            vec![&i1, &i2, &i3, &i5],
        ),
        (
            QueueFilter {
                kind: Some(ItemKind::Update),
                ..all()
            },
            vec![&i4],
        ),
        (
            QueueFilter {
                tier: Some(Tier::Innovative),
                ..all()
            },
            vec![&i1, &i3, &i5],
        ),
        (
            QueueFilter {
                state: Some(QueueState::InReview),
                ..all()
            },
            vec![&i5],
        ),
        (
            QueueFilter {
                state: Some(QueueState::Submitted),
                ..all()
            },
            vec![&i1, &i2, &i3, &i4],
        ),
        (
            QueueFilter {
                state: Some(QueueState::Returned),
                ..all()
            },
            vec![&i6],
        ),
        (
            QueueFilter {
                state: Some(QueueState::Approved),
                ..all()
            },
            vec![&i7],
        ),
        (
            QueueFilter {
                region: Some("440104".into()),
                ..all()
            },
            vec![&i3, &i4, &i5],
        ),
        (
            QueueFilter {
                region: Some(" 440106 ".into()),
                ..all()
            },
            vec![&i1, &i2],
        ),
        (
            QueueFilter {
                text: Some("测试4".into()),
                ..all()
            },
            vec![&i3, &i4, &i5],
        ),
        (
            // The tail of 天河 firm's USCC (…0003P), in lower case.
            QueueFilter {
                text: Some(common::uscc(3)[12..].to_lowercase()),
                ..all()
            },
            vec![&i1, &i2],
        ),
        (
            QueueFilter {
                text: Some("100%_".into()),
                ..all()
            },
            vec![],
        ),
        (
            QueueFilter {
                kind: Some(ItemKind::Declaration),
                tier: Some(Tier::Innovative),
                region: Some("440104".into()),
                state: Some(QueueState::Submitted),
                ..all()
            },
            vec![&i3],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(sorted(q(filter.clone()).await), ids(&want), "{filter:?}");
    }

    // Chips: by state without the state filter, by tier without the tier filter.
    let counts = sv.queue_counts(&wd.gz_city, &all()).await.unwrap();
    assert_eq!(counts.total, 5);
    let by_state: Vec<i64> = QueueState::ALL.iter().map(|s| counts.state(*s)).collect();
    assert_eq!(by_state, [4, 1, 1, 1, 0, 0]);
    assert_eq!(
        Tier::ALL.map(|t| counts.tier(t)),
        [3, 2, 0],
        "innovative, specialized, little giant"
    );
    let innovative = QueueFilter {
        tier: Some(Tier::Innovative),
        ..all()
    };
    let counts = sv.queue_counts(&wd.gz_city, &innovative).await.unwrap();
    assert_eq!(counts.total, 3);
    assert_eq!(QueueState::ALL.map(|s| counts.state(s)), [2, 1, 1, 1, 0, 0]);
    assert_eq!(Tier::ALL.map(|t| counts.tier(t)), [3, 2, 0]);
    let returned = QueueFilter {
        state: Some(QueueState::Returned),
        ..all()
    };
    let counts = sv.queue_counts(&wd.gz_city, &returned).await.unwrap();
    assert_eq!(counts.total, 1);
    assert_eq!(Tier::ALL.map(|t| counts.tier(t)), [1, 0, 0]);
    let updates = QueueFilter {
        kind: Some(ItemKind::Update),
        ..all()
    };
    let counts = sv.queue_counts(&wd.gz_city, &updates).await.unwrap();
    assert_eq!((counts.total, counts.state(QueueState::Submitted)), (1, 1));

    // A supervisor looks at the level below inside its scope; 广东's province level sees
    // 广州's city queue, narrowed to a district.
    let below = QueueFilter {
        level: Some(City),
        region: Some("440104".into()),
        ..all()
    };
    assert_eq!(
        sorted(wd.queue_ids(&wd.gd, below).await),
        ids(&[&i3, &i4, &i5])
    );
    // The province level approved i7 and i8.
    let approved = QueueFilter {
        state: Some(QueueState::Approved),
        ..all()
    };
    assert_eq!(
        sorted(wd.queue_ids(&wd.gd, approved).await),
        ids(&[&i7, &i8])
    );

    // Bad filters: every field at once, each saying what is expected.
    let e = sv
        .queue(
            &wd.gz_city,
            &QueueFilter {
                level: Some(Province),
                region: Some("440305".into()),
                text: Some("字".repeat(101)),
                ..all()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap_err();
    let ServiceError::Invalid { fields } = &e else {
        panic!("{e:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["level", "region", "text"]);
    assert!(fields[0].text.zh.contains("本级及以下"), "{:?}", fields[0]);
    assert!(fields[1].text.zh.contains("不在您的管辖范围内"));
    assert!(fields[2].text.en.contains("at most 100"));
    // 广东's province does not reach into 深圳; an unknown code is named.
    for (region, what) in [("440300", "不在您的管辖范围内"), ("990000", "不存在")] {
        let e = sv
            .queue_counts(
                &wd.gd,
                &QueueFilter {
                    region: Some(region.into()),
                    ..all()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("region"));
        assert!(e.message(Lang::Zh).contains(what), "{e:?}");
    }
}

#[tokio::test]
async fn a_cursor_walks_every_item_once_in_both_orders() {
    let wd = world().await;
    let kinds = [
        ItemKind::Declaration,
        ItemKind::Update,
        ItemKind::Review,
        ItemKind::Change,
    ];
    let mut made = Vec::new();
    for i in 0..9 {
        let item = submitted(
            &wd.env,
            &wd.nanshan_firm,
            kinds[i % 4],
            Tier::Specialized,
            &FULL,
            json!({}),
        )
        .await;
        made.push(item.id);
        // Pairs share their instant: ties are broken by id across kinds.
        if i % 2 == 1 {
            wd.env.clock.advance(Duration::minutes(1));
        }
    }
    for sort in [QueueSort::OldestFirst, QueueSort::NewestFirst] {
        let filter = QueueFilter {
            sort,
            ..QueueFilter::default()
        };
        let mut seen = Vec::new();
        let mut page = PageRequest::first(4);
        let mut pages = 0;
        loop {
            let got = wd.env.svc.queue(&wd.nanshan, &filter, &page).await.unwrap();
            pages += 1;
            seen.extend(got.items.iter().map(|e| (e.updated_at, e.id.clone())));
            match got.next {
                Some(next) => page = PageRequest::after(&next, 4),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        let mut expected = seen.clone();
        expected.sort();
        if sort == QueueSort::NewestFirst {
            expected.reverse();
        }
        assert_eq!(seen, expected, "{sort:?}: in order");
        assert_eq!(
            sorted(seen.into_iter().map(|(_, id)| id).collect()),
            sorted(made.clone()),
            "{sort:?}: every item exactly once"
        );
    }
    let e = wd
        .env
        .svc
        .queue(
            &wd.nanshan,
            &QueueFilter::default(),
            &PageRequest::after("garbage!", 4),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("cursor"));
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn only_a_reviewer_of_the_items_level_and_region_may_decide() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let item = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &FULL)
        .await;
    let natural = {
        wd.env.register("person", AccountKind::Natural, 90).await;
        wd.env.login("person").await
    };
    let before = wd.trace(&item.id).await;

    // Every decision, by everyone who may not make it.
    for kind in [
        ActionKind::Claim,
        ActionKind::Pass,
        ActionKind::Return,
        ActionKind::Reject,
    ] {
        let decide = |who: &Session| {
            let who = who.clone();
            let id = item.id.clone();
            async move {
                let r = match kind {
                    ActionKind::Claim => sv.claim(&who, &id, 2).await,
                    ActionKind::Pass => sv.pass(&who, &id, 2, None).await,
                    ActionKind::Return => sv.return_item(&who, &id, 2, "理由".into()).await,
                    _ => sv.reject(&who, &id, 2, "理由".into()).await,
                };
                r.unwrap_err()
            }
        };
        // A county reviewer outside the enterprise's county; 广东 reaching into 深圳.
        for who in [&wd.baoan, &wd.tianhe, &wd.gd] {
            assert_eq!(refusal(&decide(who).await), Refusal::OutOfScope, "{kind:?}");
        }
        // The right region, the wrong level.
        for (who, level) in [(&wd.sz_city, City), (&wd.sz_admin, Province)] {
            assert_eq!(
                refusal(&decide(who).await),
                Refusal::WrongLevel {
                    item_level: County,
                    actor_level: level
                },
                "{kind:?}"
            );
        }
        // Not staff at all: support, the enterprise itself, a natural person.
        for who in [&wd.support, &wd.nanshan_firm, &natural] {
            let e = decide(who).await;
            assert_eq!(e.code(), "forbidden", "{kind:?} {e:?}");
            assert_eq!(e.text(), Refusal::NotReviewer.text());
        }
    }
    assert_eq!(wd.trace(&item.id).await, before, "refusals leave no trace");

    // Once passed to the city level, the county may no longer act on it.
    let up = sv.pass(&wd.nanshan, &item.id, 2, None).await.unwrap().item;
    assert_eq!(up.state, State::Submitted(City));
    let e = sv
        .reject(&wd.nanshan, &item.id, up.version, "晚了".into())
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&e),
        Refusal::WrongLevel {
            item_level: City,
            actor_level: County
        }
    );
    let e = sv
        .claim(&wd.ministry, &item.id, up.version)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&e),
        Refusal::WrongLevel {
            item_level: City,
            actor_level: Ministry
        }
    );
    // A claimed item cannot be claimed again, but the decision is still open.
    let claimed = sv.claim(&wd.sz_city, &item.id, up.version).await.unwrap();
    assert_eq!(claimed.item.state, State::InReview(City));
    let e = sv
        .claim(&wd.sz_city, &item.id, claimed.item.version)
        .await
        .unwrap_err();
    assert!(matches!(
        refusal(&e),
        Refusal::NotAllowedInState {
            action: ActionKind::Claim,
            ..
        }
    ));
    let e = sv.claim(&wd.sz_city, "no-such-item", 1).await.unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[tokio::test]
async fn pass_follows_the_chain_snapshot_and_keeps_the_note() {
    let wd = world().await;
    let sv = &wd.env.svc;
    // 深圳 (计划单列市): district → 深圳 as the provincial level. A later chain configuration of
    // county → city → province does not change the item in flight.
    let item = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &[County, Province])
        .await;
    let mut w = sv.write().await.unwrap();
    sqlx::query(
        "INSERT INTO chains (authority_code, tier, levels, updated_by, updated_at) \
         VALUES ('440300', 'specialized', '[\"county\",\"city\",\"province\"]', $1, 0)",
    )
    .bind(&wd.sz_admin.account_id)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();

    let claimed = sv.claim(&wd.nanshan, &item.id, 2).await.unwrap().item;
    assert_eq!(
        (claimed.state, claimed.version),
        (State::InReview(County), 3)
    );
    let passed = sv
        .pass(
            &wd.nanshan,
            &item.id,
            3,
            Some("  材料齐全，同意推荐。 ".into()),
        )
        .await
        .unwrap();
    assert_eq!(passed.item.state, State::Submitted(Province));
    assert!(passed.certification.is_none());
    assert!(
        wd.queue_ids(&wd.sz_city, QueueFilter::default())
            .await
            .is_empty()
    );
    assert_eq!(
        wd.queue_ids(&wd.sz_admin, QueueFilter::default()).await,
        [item.id.as_str()]
    );

    let mut conn = sv.read().await.unwrap();
    let history = history_of(&mut conn, &item.id).await.unwrap();
    drop(conn);
    let steps: Vec<(&str, Option<&str>, &str)> = history
        .iter()
        .map(|h| {
            (
                h.action.as_str(),
                h.reason.as_deref(),
                h.actor_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submit", None, "深圳市测试1科技有限公司"),
            ("claim", None, "rev_ns-name"),
            ("pass", Some("材料齐全，同意推荐。"), "rev_ns-name"),
        ]
    );
    // An intermediate pass tells the enterprise nothing yet.
    assert!(wd.messages(&wd.nanshan_firm).await.is_empty());

    // A note is at most 500 characters.
    let e = sv
        .pass(&wd.sz_admin, &item.id, 4, Some("意".repeat(501)))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("note"));
}

#[tokio::test]
async fn return_and_reject_need_a_reason_and_tell_the_enterprise() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let item = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &FULL)
        .await;
    let before = wd.trace(&item.id).await;
    for (reason, problem) in [
        ("", "请填写退回理由"),
        ("  \n ", "请填写退回理由"),
        (&*"由".repeat(501), "最多 500 个字"),
    ] {
        let e = sv
            .return_item(&wd.nanshan, &item.id, 2, reason.into())
            .await
            .unwrap_err();
        let ServiceError::Invalid { fields } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].field, "reason");
        assert!(fields[0].text.zh.contains(problem), "{:?}", fields[0]);
        assert!(!fields[0].text.en.is_empty());
    }
    let e = sv
        .reject(&wd.nanshan, &item.id, 2, " ".into())
        .await
        .unwrap_err();
    assert!(e.message(Lang::Zh).contains("请填写不通过理由"), "{e:?}");
    // Nothing was recorded by the refusals.
    assert_eq!(wd.trace(&item.id).await, before);

    let done = sv
        .return_item(
            &wd.nanshan,
            &item.id,
            2,
            "  缺少上年度财务审计报告  ".into(),
        )
        .await
        .unwrap();
    assert_eq!(done.item.state, State::Returned);
    let mut conn = sv.read().await.unwrap();
    let last = history_of(&mut conn, &item.id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    drop(conn);
    assert_eq!(
        (last.action.as_str(), last.reason.as_deref()),
        ("return", Some("缺少上年度财务审计报告"))
    );
    let msgs = wd.messages(&wd.nanshan_firm).await;
    assert_eq!(msgs.len(), 1);
    let (category, title, body) = &msgs[0];
    assert_eq!(
        (category.as_str(), title.as_str()),
        ("certification", "申报已退回")
    );
    assert!(
        body.contains("县级审核退回") && body.contains("缺少上年度财务审计报告"),
        "{body}"
    );
    assert!(body.contains("窗口关闭后仍可重新提交"), "{body}");

    let other = wd
        .declaration(&wd.nanshan_firm, Tier::Innovative, &FULL)
        .await;
    let long = "不".repeat(500);
    let done = sv
        .reject(&wd.nanshan, &other.id, 2, long.clone())
        .await
        .unwrap();
    assert_eq!(done.item.state, State::Rejected);
    assert!(done.item.decided_at.is_some());
    let msgs = wd.messages(&wd.nanshan_firm).await;
    let (category, title, body) = &msgs[1];
    assert_eq!(
        (category.as_str(), title.as_str()),
        ("certification", "申报未通过")
    );
    assert!(
        body.contains(&long) && body.contains("下一次申报窗口"),
        "{body}"
    );
    assert_eq!(
        wd.env.audit_actions("item", &other.id).await,
        ["item.create", "item.submit", "item.reject"]
    );

    // An info update's return goes to the 信息更新 category.
    let update = submitted(
        &wd.env,
        &wd.nanshan_firm,
        ItemKind::Update,
        Tier::Specialized,
        &[County],
        json!({}),
    )
    .await;
    sv.return_item(&wd.nanshan, &update.id, 2, "请补充营业收入".into())
        .await
        .unwrap();
    let msgs = wd.messages(&wd.nanshan_firm).await;
    assert_eq!(
        (msgs[2].0.as_str(), msgs[2].1.as_str()),
        ("update", "信息更新已退回")
    );
}

#[tokio::test]
async fn the_final_pass_certifies_for_three_years() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let firm_id = wd.nanshan_firm.enterprise_id.clone().unwrap();
    // An earlier 专精特新 certification, still active.
    let mut w = sv.write().await.unwrap();
    sqlx::query(
        "INSERT INTO certifications (id, enterprise_id, tier, certified_on, expires_on, status, \
         created_at, updated_at) VALUES ('old-cert', $1, 'specialized', '2022-03-20', \
         '2025-03-19', 'active', 0, 0)",
    )
    .bind(&firm_id)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();

    let item = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &[County, Province])
        .await;
    sv.pass(&wd.nanshan, &item.id, 2, None).await.unwrap();
    wd.env.clock.advance(Duration::days(7)); // Monday 10 March 2025
    let done = sv.pass(&wd.sz_admin, &item.id, 3, None).await.unwrap();
    assert_eq!(done.item.state, State::Approved);
    let cert = done.certification.expect("a certification");
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(cert.certified_on, day("2025-03-10"));
    assert_eq!(cert.expires_on, day("2028-03-09"), "exactly three years");
    assert_eq!(
        (cert.tier, cert.item_id.as_str(), cert.superseded.as_deref()),
        (Tier::Specialized, item.id.as_str(), Some("old-cert"))
    );

    let mut conn = sv.read().await.unwrap();
    let rows = sqlx::query(
        "SELECT id, status, certified_on, expires_on, item_id FROM certifications \
         WHERE enterprise_id = $1 ORDER BY created_at",
    )
    .bind(&firm_id)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let rows: Vec<(String, String, String, String, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("id").unwrap(),
                r.try_get("status").unwrap(),
                r.try_get("certified_on").unwrap(),
                r.try_get("expires_on").unwrap(),
                r.try_get("item_id").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "old-cert".into(),
                "expired".into(),
                "2022-03-20".into(),
                "2025-03-19".into(),
                None
            ),
            (
                cert.id.clone(),
                "active".into(),
                "2025-03-10".into(),
                "2028-03-09".into(),
                Some(item.id.clone())
            ),
        ]
    );
    assert_eq!(
        wd.env.audit_actions("certification", &cert.id).await,
        ["certification.create"]
    );
    assert_eq!(
        wd.env.audit_actions("certification", "old-cert").await,
        ["certification.expire"]
    );
    let msgs = wd.messages(&wd.nanshan_firm).await;
    assert_eq!(msgs.len(), 1);
    let (category, title, body) = &msgs[0];
    assert_eq!(category, "certification");
    assert!(
        title.contains("认定通知") && title.contains("专精特新中小企业"),
        "{title}"
    );
    assert!(
        body.contains("2025-03-10") && body.contains("有效期至 2028-03-09"),
        "{body}"
    );
    // Approved is the end: nothing more to decide.
    let e = sv.pass(&wd.sz_admin, &item.id, 4, None).await.unwrap_err();
    assert!(matches!(refusal(&e), Refusal::NotAllowedInState { .. }));
}

#[tokio::test]
async fn the_final_pass_of_another_kind_certifies_nothing_here() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let update = submitted(
        &wd.env,
        &wd.nanshan_firm,
        ItemKind::Update,
        Tier::Specialized,
        &[County],
        json!({}),
    )
    .await;
    let done = sv.pass(&wd.nanshan, &update.id, 2, None).await.unwrap();
    assert_eq!(done.item.state, State::Approved);
    assert!(done.certification.is_none());
    assert_eq!(
        wd.env.scalar("SELECT COUNT(*) FROM certifications").await,
        0
    );
}

#[tokio::test]
async fn a_stale_decision_is_a_conflict_naming_who_acted_first() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let item = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &FULL)
        .await;
    wd.env.clock.advance(Duration::minutes(90)); // 10:30 Beijing time
    sv.claim(&wd.nanshan, &item.id, 2).await.unwrap();
    wd.env.clock.advance(Duration::minutes(3));
    let before = wd.trace(&item.id).await;
    for e in [
        sv.pass(&wd.nanshan2, &item.id, 2, None).await.unwrap_err(),
        sv.reject(&wd.nanshan2, &item.id, 2, "重复".into())
            .await
            .unwrap_err(),
    ] {
        match &e {
            ServiceError::Conflict {
                current_version,
                by,
                at,
            } => {
                assert_eq!(*current_version, 3);
                assert_eq!(by.as_deref(), Some("rev_ns-name"));
                assert_eq!(*at, Some(wd.env.svc.now() - Duration::minutes(3)));
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert!(
            e.message(Lang::Zh).contains("rev_ns-name") && e.message(Lang::Zh).contains("10:30")
        );
    }
    assert_eq!(wd.trace(&item.id).await, before);
    // With the current version the second reviewer may decide.
    let done = sv.pass(&wd.nanshan2, &item.id, 3, None).await.unwrap();
    assert_eq!(done.item.state, State::Submitted(City));
}

#[tokio::test]
async fn bulk_decisions_are_each_checked_and_recorded_on_their_own() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let a = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &FULL)
        .await;
    let stale = wd
        .declaration(&wd.nanshan_firm, Tier::Innovative, &FULL)
        .await;
    let b = wd
        .declaration(
            &wd.nanshan_firm,
            Tier::LittleGiant,
            &[County, Province, Ministry],
        )
        .await;
    let elsewhere = wd
        .declaration(&wd.baoan_firm, Tier::Specialized, &FULL)
        .await;
    // Another reviewer claims one of them after my list was loaded.
    sv.claim(&wd.nanshan2, &stale.id, 2).await.unwrap();

    let results = sv
        .bulk_decide(
            &wd.nanshan,
            vec![
                (a.id.clone(), 2),
                (stale.id.clone(), 2),
                (b.id.clone(), 2),
                (elsewhere.id.clone(), 2),
            ],
            BulkDecision::Pass {},
        )
        .await
        .unwrap();
    let got: Vec<(&str, Result<State, String>)> = results
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.outcome
                    .as_ref()
                    .map(|d| d.item.state)
                    .map_err(|e| e.code().to_string()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (a.id.as_str(), Ok(State::Submitted(City))),
            (stale.id.as_str(), Err("conflict".to_string())),
            (b.id.as_str(), Ok(State::Submitted(Province))),
            (elsewhere.id.as_str(), Err("out_of_scope".to_string())),
        ]
    );
    match &results[1].outcome {
        Err(ServiceError::Conflict { by, .. }) => assert_eq!(by.as_deref(), Some("rev_ns2-name")),
        other => panic!("{other:?}"),
    }
    assert_eq!(wd.item(&stale.id).await.state, State::InReview(County));
    assert_eq!(wd.item(&elsewhere.id).await.version, 2);

    // A bulk return: the reason is required once, and each item gets its message.
    let c = wd
        .declaration(&wd.nanshan_firm, Tier::Specialized, &FULL)
        .await;
    let d = wd
        .declaration(&wd.nanshan_firm, Tier::Innovative, &FULL)
        .await;
    let e = sv
        .bulk_decide(
            &wd.nanshan,
            vec![(c.id.clone(), 2)],
            BulkDecision::Return {
                reason: "  ".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("reason"));
    let results = sv
        .bulk_decide(
            &wd.nanshan,
            vec![(c.id.clone(), 2), (d.id.clone(), 2)],
            BulkDecision::Return {
                reason: "请补充研发费用专项审计报告".into(),
            },
        )
        .await
        .unwrap();
    assert!(results.iter().all(|r| {
        r.outcome
            .as_ref()
            .is_ok_and(|d| d.item.state == State::Returned)
    }));
    let msgs = wd.messages(&wd.nanshan_firm).await;
    assert_eq!(msgs.iter().filter(|m| m.1 == "申报已退回").count(), 2);

    // Only reviewers; a sensible batch size.
    let e = sv
        .bulk_decide(&wd.support, vec![(c.id.clone(), 3)], BulkDecision::Pass {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let e = sv
        .bulk_decide(&wd.nanshan, Vec::new(), BulkDecision::Pass {})
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("items"));
    let too_many = (0..201).map(|i| (format!("x{i}"), 1)).collect();
    let e = sv
        .bulk_decide(&wd.nanshan, too_many, BulkDecision::Pass {})
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("items"));
}

// ---------------------------------------------------------------------------------------------
// Detail
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_detail_shows_what_a_reviewer_decides_on() {
    let wd = world().await;
    let sv = &wd.env.svc;
    let firm_id = wd.nanshan_firm.enterprise_id.clone().unwrap();
    let mut w = sv.write().await.unwrap();
    sqlx::query(
        "UPDATE enterprises SET industry_code = '3911', segment = '工业计算机', \
         main_products = '加固服务器', employees = 180, revenue = 12000, total_assets = 9000, \
         contact_name = '李四', contact_phone = '13900000001' WHERE id = $1",
    )
    .bind(&firm_id)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();

    let inputs = json!({
        "revenue_y1": 12000,
        "own_brand": true,
        "ip_class": "self_developed_i",
        "statement_chain": "为龙头企业配套",
    });
    let item = submitted(
        &wd.env,
        &wd.nanshan_firm,
        ItemKind::Declaration,
        Tier::Specialized,
        &FULL,
        json!({ "inputs": inputs }),
    )
    .await;
    // What the declaration module stores at submission: score, verdict, breakdown, level.
    let rs = Ruleset::builtin("2022").unwrap();
    let parsed = serde_json::from_value(inputs.clone()).unwrap();
    let breakdown = rs
        .evaluate(
            Tier::Specialized,
            &parsed,
            &zjtx::domain::rules::Context {
                batch_year: 2025,
                authority: Some("440300".into()),
                digital_level: Some(DigitalLevel::L3),
            },
        )
        .unwrap();
    let mut w = sv.write().await.unwrap();
    sqlx::query(
        "UPDATE items SET score = $1, qualifies = 0, breakdown = $2, digital_level = 3 \
         WHERE id = $3",
    )
    .bind(breakdown.total.unwrap_or_default())
    .bind(serde_json::to_string(&breakdown).unwrap())
    .bind(&item.id)
    .execute(&mut *w)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO evidence (id, item_id, name, sha256, size, content_type, uploaded_by, \
         created_at) VALUES ('ev1', $1, '财务审计报告.pdf', 'ab12', 2048, 'application/pdf', \
         $2, 0)",
    )
    .bind(&item.id)
    .bind(&wd.nanshan_firm.account_id)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();

    let d = sv.review_item(&wd.nanshan, &item.id).await.unwrap();
    assert_eq!((d.item.id.as_str(), d.item.version), (item.id.as_str(), 2));
    assert_eq!(d.item.payload["inputs"]["revenue_y1"], json!(12000));
    let figure = |id: &str| {
        d.figures
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("figure {id}"))
            .value
            .as_ref()
            .map(|v| v.zh.clone())
    };
    assert_eq!(figure("revenue_y1").as_deref(), Some("12000 万元"));
    assert_eq!(figure("ip_class").as_deref(), Some("自主研发的Ⅰ类知识产权"));
    assert_eq!(figure("own_brand").as_deref(), Some("是"));
    assert_eq!(figure("revenue_y2"), None, "left empty, still listed");
    let evaluation = d.evaluation.as_ref().expect("the stored breakdown");
    assert_eq!(evaluation, &breakdown);
    assert!(!evaluation.indicators.is_empty() && !evaluation.gates.is_empty());
    assert_eq!(d.digital_level, Some(DigitalLevel::L3));
    assert_eq!(d.evidence.len(), 1);
    assert_eq!(
        (d.evidence[0].name.as_str(), d.evidence[0].size),
        ("财务审计报告.pdf", 2048)
    );
    assert_eq!(
        d.history
            .iter()
            .map(|h| h.action.as_str())
            .collect::<Vec<_>>(),
        ["submit"]
    );
    let e = &d.enterprise;
    assert_eq!(e.name, "深圳市测试1科技有限公司");
    assert_eq!(e.region_name.as_deref(), Some("广东省 深圳市 南山区"));
    assert_eq!(e.industry_name.as_deref(), Some("计算机整机制造"));
    assert_eq!((e.employees, e.revenue), (Some(180), Some(12000.0)));
    assert!(e.size.as_ref().is_some_and(|s| s.class.is_sme()));
    assert!(e.missing.is_empty(), "{:?}", e.missing);
    assert!(e.certifications.is_empty());
    use ActionKind::{Claim, Pass, Reject, Return};
    assert_eq!(d.allowed_actions, [Claim, Pass, Return, Reject]);

    sv.claim(&wd.nanshan, &item.id, 2).await.unwrap();
    let d = sv.review_item(&wd.nanshan2, &item.id).await.unwrap();
    assert_eq!(d.allowed_actions, [Pass, Return, Reject]);
    assert_eq!(d.history.len(), 2);
    // The city level may look (the chain passes below it) but not act yet.
    let d = sv.review_item(&wd.sz_city, &item.id).await.unwrap();
    assert!(d.allowed_actions.is_empty());

    // Who may not look: other regions, non-staff, and levels the chain never passes.
    for who in [&wd.baoan, &wd.gd] {
        let e = sv.review_item(who, &item.id).await.unwrap_err();
        assert_eq!(
            (e.code(), e.text()),
            ("forbidden", Refusal::OutOfScope.text())
        );
    }
    for who in [&wd.nanshan_firm, &wd.baoan_firm, &wd.support] {
        let e = sv.review_item(who, &item.id).await.unwrap_err();
        assert_eq!(e.code(), "forbidden");
    }
    let innovative = wd
        .declaration(&wd.nanshan_firm, Tier::Innovative, &[City, Province])
        .await;
    let e = sv
        .review_item(&wd.nanshan, &innovative.id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.message(Lang::Zh).contains("不经过县级"), "{e:?}");
    // A draft never submitted does not exist for reviewers.
    let mut w = sv.write().await.unwrap();
    let draft = items::create(
        &mut w,
        &zjtx::service::audit::Who::from(&wd.nanshan_firm),
        items::NewItem {
            kind: ItemKind::Declaration,
            subtype: None,
            enterprise_id: firm_id.clone(),
            certification_id: None,
            tier: Tier::Specialized,
            batch: 2025,
            window_id: None,
            ruleset: "2022".into(),
            payload: json!({}),
        },
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    let e = sv.review_item(&wd.nanshan, &draft.id).await.unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(
        wd.queue_ids(&wd.nanshan, QueueFilter::default())
            .await
            .iter()
            .all(|id| *id != draft.id)
    );
}
