//! Ruleset 2022 against DOMAIN.md §2. Expected points are written out here from the published
//! tables, not read from the ruleset file, so a wrong figure in the data fails a test.

use super::*;
use crate::domain::tiers::DigitalLevel;

fn rs() -> &'static Ruleset {
    Ruleset::builtin("2022").expect("ruleset 2022 is built in")
}

fn ctx() -> Context {
    Context {
        batch_year: 2024,
        authority: Some("440000".into()),
        digital_level: None,
    }
}

fn inputs(pairs: &[(&str, Value)]) -> Inputs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn b(x: bool) -> Value {
    Value::Bool(x)
}

fn t(x: &str) -> Value {
    Value::Text(x.into())
}

/// Points of indicator `no` (summed over its parts, for the local indicator).
fn points(tier: Tier, no: u32, inp: &Inputs, ctx: &Context) -> f64 {
    let bd = rs().evaluate(tier, inp, ctx).unwrap();
    let parts: Vec<_> = bd.indicators.iter().filter(|i| i.no == no).collect();
    assert!(!parts.is_empty(), "indicator {no} missing from {tier:?}");
    parts.iter().map(|i| i.points).sum()
}

/// Inputs that give a metric exactly the value `x`.
fn metric_inputs(metric: &str, x: f64) -> Inputs {
    match metric {
        "rd_ratio_y1" => inputs(&[("revenue_y1", n(1000.0)), ("rd_expense_y1", n(x * 10.0))]),
        "main_growth_y1" => inputs(&[
            ("main_revenue_y2", n(1000.0)),
            ("main_revenue_y1", n(1000.0 + x * 10.0)),
        ]),
        "main_growth_avg_2y" => inputs(&[
            ("main_revenue_y3", n(1000.0)),
            ("main_revenue_y2", n(1000.0)),
            ("main_revenue_y1", n(1000.0 + x * 20.0)),
        ]),
        "debt_ratio_y1" => inputs(&[
            ("total_assets_y1", n(1000.0)),
            ("total_liabilities_y1", n(x * 10.0)),
        ]),
        "main_share_y1" => inputs(&[("revenue_y1", n(1000.0)), ("main_revenue_y1", n(x * 10.0))]),
        "net_margin_y1" => inputs(&[("revenue_y1", n(1000.0)), ("net_profit_y1", n(x * 10.0))]),
        "rd_staff_share" => inputs(&[("employees", n(1000.0)), ("rd_staff", n(x * 10.0))]),
        "rd_expense_y1" => inputs(&[("revenue_y1", n(1_000_000.0)), ("rd_expense_y1", n(x))]),
        "years_in_niche" => inputs(&[("years_in_niche", n(x))]),
        _ => panic!("no setter for {metric}"),
    }
}

/// For each edge: the value on the edge, just below (−0.01) and just above (+0.01).
fn check_edges(tier: Tier, no: u32, metric: &str, edges: &[(f64, f64, f64)]) {
    for &(edge, below, on_and_above) in edges {
        for (x, want) in [
            (edge - 0.01, below),
            (edge, on_and_above),
            (edge + 0.01, on_and_above),
        ] {
            let got = points(tier, no, &metric_inputs(metric, x), &ctx());
            assert_eq!(
                got, want,
                "{tier:?} indicator {no}: {metric} = {x} should score {want}, scored {got}"
            );
        }
    }
}

/// For lower-is-better tables: on the edge and just below score the better band.
fn check_edges_low(tier: Tier, no: u32, metric: &str, edges: &[(f64, f64, f64)]) {
    for &(edge, on_and_below, above) in edges {
        for (x, want) in [
            (edge - 0.01, on_and_below),
            (edge, on_and_below),
            (edge + 0.01, above),
        ] {
            let got = points(tier, no, &metric_inputs(metric, x), &ctx());
            assert_eq!(
                got, want,
                "{tier:?} indicator {no}: {metric} = {x} should score {want}, scored {got}"
            );
        }
    }
}

// ---- 创新型 -------------------------------------------------------------------------------------

#[test]
fn innovative_1_ip_each_option() {
    for (opt, want) in [
        ("high_value_i", 20.0),
        ("self_developed_i", 15.0),
        ("class_i", 10.0),
        ("class_ii", 5.0),
        ("none", 0.0),
    ] {
        let got = points(
            Tier::Innovative,
            1,
            &inputs(&[("ip_class", t(opt))]),
            &ctx(),
        );
        assert_eq!(got, want, "{opt}");
    }
}

#[test]
fn innovative_2_rd_ratio_edges() {
    // ≥5% → 20; 3–5% → 15; 2–3% → 10; 1–2% → 5; <1% → 0
    check_edges(
        Tier::Innovative,
        2,
        "rd_ratio_y1",
        &[
            (5.0, 15.0, 20.0),
            (3.0, 10.0, 15.0),
            (2.0, 5.0, 10.0),
            (1.0, 0.0, 5.0),
        ],
    );
}

#[test]
fn innovative_3_growth_edges() {
    // ≥15% → 20; 10–15% → 15; 5–10% → 10; 0–5% → 5; <0 → 0
    check_edges(
        Tier::Innovative,
        3,
        "main_growth_y1",
        &[
            (15.0, 15.0, 20.0),
            (10.0, 10.0, 15.0),
            (5.0, 5.0, 10.0),
            (0.0, 0.0, 5.0),
        ],
    );
}

#[test]
fn innovative_4_debt_ratio_edges() {
    // ≤55% → 10; 55–75% → 5; >75% → 0 (exactly 55 → 10, exactly 75 → 5)
    check_edges_low(
        Tier::Innovative,
        4,
        "debt_ratio_y1",
        &[(55.0, 10.0, 5.0), (75.0, 5.0, 0.0)],
    );
}

#[test]
fn innovative_5_strategic_emerging() {
    let yes = inputs(&[("strategic_emerging", b(true))]);
    let no = inputs(&[("strategic_emerging", b(false))]);
    assert_eq!(points(Tier::Innovative, 5, &yes, &ctx()), 10.0);
    assert_eq!(points(Tier::Innovative, 5, &no, &ctx()), 5.0);
    assert_eq!(points(Tier::Innovative, 5, &Inputs::new(), &ctx()), 0.0);
}

#[test]
fn innovative_6_main_share_edges() {
    // ≥70% → 20; 60–70% → 15; 55–60% → 10; 50–55% → 5; <50% → 0
    check_edges(
        Tier::Innovative,
        6,
        "main_share_y1",
        &[
            (70.0, 15.0, 20.0),
            (60.0, 10.0, 15.0),
            (55.0, 5.0, 10.0),
            (50.0, 0.0, 5.0),
        ],
    );
}

/// An innovative SME scoring 70: innovation 25, growth 20, specialization 25.
fn innovative_base() -> Inputs {
    inputs(&[
        ("revenue_y1", n(1000.0)),
        ("rd_expense_y1", n(30.0)),    // 3% → 15
        ("ip_class", t("class_i")),    // 10
        ("main_revenue_y2", n(800.0)), // growth 12.5% → 15
        ("main_revenue_y1", n(900.0)), // share 90% → 20
        ("total_assets_y1", n(1000.0)),
        ("total_liabilities_y1", n(600.0)), // 60% → 5
        ("strategic_emerging", b(false)),   // 5
        ("employees", n(50.0)),
        ("equity_3y", n(0.0)),
        ("rd_institution_level", t("none")),
        ("award_innovative", b(false)),
        ("valid_title", b(false)),
    ])
}

#[test]
fn innovative_passes_by_score_with_group_subtotals() {
    let bd = rs()
        .evaluate(Tier::Innovative, &innovative_base(), &ctx())
        .unwrap();
    assert_eq!(bd.total, Some(70.0));
    let g: Vec<f64> = bd.groups.iter().map(|g| g.points).collect();
    assert_eq!(g, vec![25.0, 20.0, 25.0]);
    assert!(bd.verdict.qualifies);
    assert_eq!(bd.verdict.route, Route::Score);
    assert!(bd.missing.is_empty(), "{:?}", bd.missing);
}

#[test]
fn innovative_group_floor_fails_even_with_a_passing_total() {
    // Innovation 15 (< 20) while the total stays ≥ 60.
    let mut inp = innovative_base();
    inp.insert("ip_class".into(), t("none")); // innovation 15
    inp.insert("strategic_emerging".into(), b(true)); // specialization 30
    inp.insert("main_revenue_y1".into(), n(940.0)); // growth 17.5% → 20; growth group 25
    let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
    assert_eq!(bd.total, Some(70.0));
    assert_eq!(bd.groups[0].floor_met, Some(false));
    assert!(!bd.verdict.qualifies);
    assert!(
        bd.verdict
            .reasons
            .iter()
            .any(|r| r.zh.contains("创新能力 15 分，低于最低 20 分")),
        "{:?}",
        bd.verdict.reasons
    );
}

#[test]
fn innovative_pass_score_edge() {
    // 60 passes, 55 fails (floors met in both).
    let mut inp = innovative_base();
    inp.insert("main_revenue_y1".into(), n(840.0)); // growth 5% → 10; share 84%
    let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
    assert_eq!(bd.total, Some(65.0));
    assert!(bd.verdict.qualifies);
    inp.insert("total_liabilities_y1".into(), n(800.0)); // debt 80% → 0: growth 10 → floor fails
    let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
    assert_eq!(bd.total, Some(60.0));
    assert!(!bd.verdict.qualifies, "growth 10 < floor 15");
    inp.insert("total_liabilities_y1".into(), n(550.0)); // 10 → growth 20
    inp.insert("ip_class".into(), t("class_ii")); // innovation 20
    let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
    assert_eq!(bd.total, Some(65.0));
    assert!(bd.verdict.qualifies);
    inp.insert("strategic_emerging".into(), n(0.0)); // invalid → 0 points
    inp.remove("strategic_emerging");
    let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
    assert_eq!(bd.total, Some(60.0));
    assert!(bd.verdict.qualifies, "exactly 60 passes");
    inp.insert("rd_expense_y1".into(), n(25.0)); // 2.5% → 10
    let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
    assert_eq!(bd.total, Some(55.0));
    assert!(!bd.verdict.qualifies);
}

/// A low-scoring innovative SME: each direct condition alone turns it into a qualifying one.
#[test]
fn innovative_each_direct_condition_alone_qualifies() {
    let mut base = innovative_base();
    base.insert("ip_class".into(), t("none"));
    base.insert("rd_expense_y1".into(), n(5.0));
    let bd = rs().evaluate(Tier::Innovative, &base, &ctx()).unwrap();
    assert!(!bd.verdict.qualifies);
    let cases: [(&str, Value, &str); 5] = [
        ("award_innovative", b(true), "award"),
        ("valid_title", b(true), "title"),
        ("rd_institution_level", t("provincial"), "rd_institution"),
        ("rd_institution_level", t("national"), "rd_institution"),
        ("equity_3y", n(500.0), "equity"),
    ];
    for (field, v, id) in cases {
        let mut inp = base.clone();
        inp.insert(field.into(), v);
        let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
        assert!(bd.verdict.qualifies, "{field}");
        assert!(
            matches!(&bd.verdict.route, Route::Direct { id: d, .. } if d == id),
            "{field}: {:?}",
            bd.verdict.route
        );
    }
    // And back: just under each one does not.
    for (field, v) in [
        ("rd_institution_level", t("city")),
        ("equity_3y", n(499.99)),
    ] {
        let mut inp = base.clone();
        inp.insert(field.into(), v);
        let bd = rs().evaluate(Tier::Innovative, &inp, &ctx()).unwrap();
        assert!(!bd.verdict.qualifies, "{field}");
    }
}

// ---- 专精特新 ------------------------------------------------------------------------------------

#[test]
fn specialized_1_main_share_edges() {
    check_edges(
        Tier::Specialized,
        1,
        "main_share_y1",
        &[(80.0, 3.0, 5.0), (70.0, 1.0, 3.0), (60.0, 0.0, 1.0)],
    );
}

#[test]
fn specialized_2_average_growth_edges() {
    check_edges(
        Tier::Specialized,
        2,
        "main_growth_avg_2y",
        &[
            (10.0, 8.0, 10.0),
            (8.0, 6.0, 8.0),
            (6.0, 4.0, 6.0),
            (4.0, 2.0, 4.0),
            (0.0, 0.0, 2.0),
        ],
    );
}

#[test]
fn specialized_2_average_growth_is_the_mean_of_two_rates() {
    // 1000 → 1200 (+20%) → 1200 (0%): mean 10% → 10 points.
    let inp = inputs(&[
        ("main_revenue_y3", n(1000.0)),
        ("main_revenue_y2", n(1200.0)),
        ("main_revenue_y1", n(1200.0)),
    ]);
    assert_eq!(points(Tier::Specialized, 2, &inp, &ctx()), 10.0);
}

#[test]
fn specialized_3_years_in_niche_steps() {
    for (years, want) in [
        (0.0, 0.0),
        (1.99, 0.0),
        (2.0, 1.0),
        (3.99, 1.0),
        (4.0, 2.0),
        (6.0, 3.0),
        (8.0, 4.0),
        (9.99, 4.0),
        (10.0, 5.0),
        (11.0, 5.0),
        (30.0, 5.0),
    ] {
        let got = points(
            Tier::Specialized,
            3,
            &metric_inputs("years_in_niche", years),
            &ctx(),
        );
        assert_eq!(got, want, "{years} years");
    }
}

#[test]
fn specialized_4_field_each_option() {
    for (opt, want) in [("key_chain", 5.0), ("basics", 3.0), ("none", 0.0)] {
        let got = points(
            Tier::Specialized,
            4,
            &inputs(&[("product_field", t(opt))]),
            &ctx(),
        );
        assert_eq!(got, want, "{opt}");
    }
}

#[test]
fn specialized_5_digital_level() {
    for (level, want) in [
        (None, 0.0),
        (Some(DigitalLevel::L1), 0.0),
        (Some(DigitalLevel::L2), 3.0),
        (Some(DigitalLevel::L3), 5.0),
        (Some(DigitalLevel::L4), 5.0),
    ] {
        let c = Context {
            digital_level: level,
            ..ctx()
        };
        assert_eq!(
            points(Tier::Specialized, 5, &Inputs::new(), &c),
            want,
            "{level:?}"
        );
    }
}

#[test]
fn specialized_6_quality_three_each_capped_at_five() {
    let items = [
        "quality_award",
        "quality_certified",
        "own_brand",
        "drafted_standard",
    ];
    for k in 0..=4 {
        let inp: Inputs = items
            .iter()
            .enumerate()
            .map(|(i, id)| (id.to_string(), b(i < k)))
            .collect();
        let want = [0.0, 3.0, 5.0, 5.0, 5.0][k];
        assert_eq!(
            points(Tier::Specialized, 6, &inp, &ctx()),
            want,
            "{k} items"
        );
    }
}

#[test]
fn specialized_7_net_margin_edges() {
    check_edges(
        Tier::Specialized,
        7,
        "net_margin_y1",
        &[
            (10.0, 8.0, 10.0),
            (8.0, 6.0, 8.0),
            (6.0, 4.0, 6.0),
            (4.0, 2.0, 4.0),
            (2.0, 0.0, 2.0),
        ],
    );
    // A loss scores nothing.
    let loss = inputs(&[("revenue_y1", n(1000.0)), ("net_profit_y1", n(-50.0))]);
    assert_eq!(points(Tier::Specialized, 7, &loss, &ctx()), 0.0);
}

#[test]
fn specialized_8_debt_ratio_edges() {
    check_edges_low(
        Tier::Specialized,
        8,
        "debt_ratio_y1",
        &[(50.0, 5.0, 3.0), (60.0, 3.0, 1.0), (70.0, 1.0, 0.0)],
    );
}

#[test]
fn specialized_9_local_indicators_by_authority() {
    // Default set (广东省): key chain 10 + export share bands 20/10/1.
    let mut inp = inputs(&[("local_key_industry", b(true))]);
    for (share, want) in [
        (0.99, 10.0),
        (1.0, 11.0),
        (9.99, 11.0),
        (10.0, 13.0),
        (19.99, 13.0),
        (20.0, 15.0),
    ] {
        inp.insert("local_export_share".into(), n(share));
        assert_eq!(
            points(Tier::Specialized, 9, &inp, &ctx()),
            want,
            "export {share}"
        );
    }
    // 深圳 (计划单列市) has its own set.
    let sz = Context {
        authority: Some("440300".into()),
        ..ctx()
    };
    let inp = inputs(&[("sz_20_clusters", b(true)), ("sz_pct_patents", n(5.0))]);
    assert_eq!(points(Tier::Specialized, 9, &inp, &sz), 15.0);
    let inp = inputs(&[("sz_20_clusters", b(false)), ("sz_pct_patents", n(4.0))]);
    assert_eq!(points(Tier::Specialized, 9, &inp, &sz), 4.0);
    let form: Vec<&str> = rs()
        .form_inputs(Tier::Specialized, Some("440300"))
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    assert!(form.contains(&"sz_pct_patents"));
    assert!(!form.contains(&"local_export_share"));
}

#[test]
fn specialized_10_ip_each_option() {
    for (opt, want) in [
        ("high_value_i", 10.0),
        ("self_developed_i", 8.0),
        ("class_i", 6.0),
        ("class_ii", 2.0),
        ("none", 0.0),
    ] {
        let got = points(
            Tier::Specialized,
            10,
            &inputs(&[("ip_class", t(opt))]),
            &ctx(),
        );
        assert_eq!(got, want, "{opt}");
    }
}

#[test]
fn specialized_11_rd_amount_edges() {
    // ≥500万 → 10; 400–500 → 8; 300–400 → 6; 200–300 → 4; 100–200 → 2; else 0 (ratio negligible)
    check_edges(
        Tier::Specialized,
        11,
        "rd_expense_y1",
        &[
            (500.0, 8.0, 10.0),
            (400.0, 6.0, 8.0),
            (300.0, 4.0, 6.0),
            (200.0, 2.0, 4.0),
            (100.0, 0.0, 2.0),
        ],
    );
}

#[test]
fn specialized_11_rd_ratio_edges_and_the_better_test_wins() {
    // ≥10% → 10; 8–10 → 8; 6–8 → 6; 4–6 → 4; 3–4 → 2; else 0 — on revenue 1000, the amount
    // (10 × ratio 万元) scores less than the ratio at every edge.
    check_edges(
        Tier::Specialized,
        11,
        "rd_ratio_y1",
        &[
            (10.0, 8.0, 10.0),
            (8.0, 6.0, 8.0),
            (6.0, 4.0, 6.0),
            (4.0, 2.0, 4.0),
            (3.0, 0.0, 2.0),
        ],
    );
    // Amount 450万 (8) beats ratio 1% (0); ratio 9% (8) on revenue 3000 beats amount 270万 (4).
    let a = inputs(&[("revenue_y1", n(45000.0)), ("rd_expense_y1", n(450.0))]);
    assert_eq!(points(Tier::Specialized, 11, &a, &ctx()), 8.0);
    let r = inputs(&[("revenue_y1", n(3000.0)), ("rd_expense_y1", n(270.0))]);
    assert_eq!(points(Tier::Specialized, 11, &r, &ctx()), 8.0);
}

#[test]
fn specialized_12_rd_staff_share_edges() {
    check_edges(
        Tier::Specialized,
        12,
        "rd_staff_share",
        &[(20.0, 3.0, 5.0), (10.0, 1.0, 3.0), (5.0, 0.0, 1.0)],
    );
}

#[test]
fn specialized_13_rd_institution_each_option() {
    for (opt, want) in [
        ("national", 10.0),
        ("provincial", 8.0),
        ("city", 4.0),
        ("below_city", 2.0),
        ("none", 0.0),
    ] {
        let got = points(
            Tier::Specialized,
            13,
            &inputs(&[("rd_institution_level", t(opt))]),
            &ctx(),
        );
        assert_eq!(got, want, "{opt}");
    }
}

/// A 专精特新 SME that meets all gates and scores 61.
fn specialized_base() -> Inputs {
    inputs(&[
        ("revenue_y1", n(5000.0)),
        ("revenue_y2", n(4500.0)),
        ("main_revenue_y1", n(4500.0)), // share 90% → 5
        ("main_revenue_y2", n(4000.0)), // growth 12.5%
        ("main_revenue_y3", n(4000.0)), // growth 0% → mean 6.25% → 6
        ("net_profit_y1", n(400.0)),    // 8% → 8
        ("total_assets_y1", n(1000.0)),
        ("total_liabilities_y1", n(450.0)), // 45% → 5
        ("employees", n(100.0)),
        ("equity_2y", n(0.0)),
        ("rd_expense_y1", n(250.0)), // 5% → 4; 250万 → 4
        ("rd_expense_y2", n(200.0)),
        ("rd_staff", n(15.0)),               // 15% → 3
        ("ip_class", t("class_i")),          // 6
        ("rd_institution_level", t("city")), // 4
        ("years_in_niche", n(6.0)),          // 3
        ("product_field", t("basics")),      // 3
        ("quality_award", b(false)),
        ("quality_certified", b(true)), // 3
        ("own_brand", b(false)),
        ("drafted_standard", b(false)),
        ("award_specialized", b(false)),
        ("maker_top500", b(false)),
        ("local_key_industry", b(true)), // 10
        ("local_export_share", n(0.0)),  // 0
    ])
}

fn spec_ctx() -> Context {
    Context {
        digital_level: Some(DigitalLevel::L2), // 3
        ..ctx()
    }
}

#[test]
fn specialized_base_qualifies_by_score() {
    let bd = rs()
        .evaluate(Tier::Specialized, &specialized_base(), &spec_ctx())
        .unwrap();
    // 5+6+3+3 | 3+3+8+5 | 10 | 6+4+3+4
    assert_eq!(bd.total, Some(63.0), "{:#?}", bd.indicators);
    assert!(bd.gates.iter().all(|g| g.status == TestStatus::Pass));
    assert!(bd.verdict.qualifies);
    assert_eq!(bd.verdict.route, Route::Score);
    assert!(bd.missing.is_empty(), "{:?}", bd.missing);
}

#[test]
fn specialized_each_gate_alone_fails_and_back() {
    let cases: [(&str, Value, Value, &str); 4] = [
        ("years_in_niche", n(1.99), n(2.0), "niche"),
        ("rd_expense_y1", n(99.99), n(100.0), "rd"),
        // 3% of 5000 = 150: 149.99 fails the ratio part while the amount part holds.
        ("rd_expense_y1", n(149.9), n(150.0), "rd"),
        ("revenue_y1", n(999.0), n(1000.0), "revenue"),
    ];
    for (field, bad, good, gate) in cases {
        let mut inp = specialized_base();
        if field == "rd_expense_y1" && gate == "rd" && bad == n(99.99) {
            // On revenue 3000, 100万 is 3.33%: only the amount part decides.
            inp.insert("revenue_y1".into(), n(3000.0));
            inp.insert("main_revenue_y1".into(), n(2700.0));
        }
        if gate == "revenue" {
            // Keep the other figures consistent with a small revenue.
            inp.insert("main_revenue_y1".into(), n(900.0));
            inp.insert("rd_expense_y1".into(), n(100.0));
            inp.insert("net_profit_y1".into(), n(100.0));
        }
        inp.insert(field.into(), bad);
        let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
        let g = bd.gates.iter().find(|g| g.id == gate).unwrap();
        assert_eq!(g.status, TestStatus::Fail, "{field} {gate}: {:?}", g.detail);
        assert!(!bd.verdict.qualifies, "{field}");
        inp.insert(field.into(), good);
        let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
        let g = bd.gates.iter().find(|g| g.id == gate).unwrap();
        assert_eq!(g.status, TestStatus::Pass, "{field} {gate}: {:?}", g.detail);
    }
}

#[test]
fn specialized_revenue_gate_by_equity() {
    let mut inp = specialized_base();
    inp.insert("revenue_y1".into(), n(800.0));
    inp.insert("main_revenue_y1".into(), n(700.0));
    inp.insert("rd_expense_y1".into(), n(100.0));
    inp.insert("equity_2y".into(), n(1999.0));
    let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
    let gate = |bd: &Breakdown| bd.gates.iter().find(|g| g.id == "revenue").unwrap().status;
    assert_eq!(gate(&bd), TestStatus::Fail);
    inp.insert("equity_2y".into(), n(2000.0));
    let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
    assert_eq!(gate(&bd), TestStatus::Pass);
}

#[test]
fn specialized_gate_detail_names_the_deciding_figures() {
    let bd = rs()
        .evaluate(Tier::Specialized, &specialized_base(), &spec_ctx())
        .unwrap();
    let rd = bd.gates.iter().find(|g| g.id == "rd").unwrap();
    assert_eq!(
        rd.detail.zh,
        "上年度研发费用总额 250 万元 ≥ 100 万元；上年度研发费用占营业收入比重 5% ≥ 3%"
    );
    let mut inp = specialized_base();
    inp.insert("rd_expense_y1".into(), n(149.9));
    let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
    let rd = bd.gates.iter().find(|g| g.id == "rd").unwrap();
    assert_eq!(rd.detail.zh, "上年度研发费用占营业收入比重 2.998% < 3%");
    assert_eq!(rd.detail.en, "R&D / revenue, prior year 2.998% < 3%");
}

#[test]
fn specialized_each_direct_condition_alone_rescues_a_low_score() {
    let mut low = specialized_base();
    low.insert("local_key_industry".into(), b(false)); // −10 → 53
    let bd = rs().evaluate(Tier::Specialized, &low, &spec_ctx()).unwrap();
    assert_eq!(bd.total, Some(53.0));
    assert!(!bd.verdict.qualifies);
    let cases: [(&[(&str, Value)], &str); 4] = [
        (&[("award_specialized", b(true))], "award"),
        (
            &[("rd_expense_y1", n(1000.0)), ("rd_expense_y2", n(1000.0))],
            "rd_mean",
        ),
        (&[("equity_2y", n(6000.0))], "equity"),
        (&[("maker_top500", b(true))], "maker"),
    ];
    for (changes, id) in cases {
        let mut inp = low.clone();
        for (k, v) in changes {
            inp.insert(k.to_string(), v.clone());
        }
        if id == "rd_mean" {
            // 1000万 R&D on 5000万 revenue also lifts indicator 11; keep the score under 60.
            inp.insert("local_key_industry".into(), b(false));
            inp.insert("rd_institution_level".into(), t("none"));
        }
        let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
        assert!(bd.total.unwrap() < 60.0, "{id}: {:?}", bd.total);
        assert!(bd.verdict.qualifies, "{id}");
        assert!(
            matches!(&bd.verdict.route, Route::Direct { id: d, .. } if d == id),
            "{id}: {:?}",
            bd.verdict.route
        );
    }
    // Average R&D just below 1000 does not.
    let mut inp = low.clone();
    inp.insert("rd_expense_y1".into(), n(1000.0));
    inp.insert("rd_expense_y2".into(), n(999.0));
    inp.insert("rd_institution_level".into(), t("none"));
    let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
    assert!(!bd.verdict.qualifies, "{:?}", bd.total);
}

#[test]
fn specialized_direct_condition_does_not_override_a_gate() {
    let mut inp = specialized_base();
    inp.insert("award_specialized".into(), b(true));
    inp.insert("years_in_niche".into(), n(1.0));
    let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
    assert!(!bd.verdict.qualifies);
}

// ---- 小巨人 --------------------------------------------------------------------------------------

fn giant_base() -> Inputs {
    inputs(&[
        ("revenue_y1", n(12000.0)),
        ("revenue_y2", n(11000.0)),
        ("main_revenue_y1", n(9000.0)), // 75%
        ("main_revenue_y2", n(8500.0)),
        ("main_revenue_y3", n(8000.0)), // growth 5.88%, 6.25% → mean 6.07%
        ("total_assets_y1", n(10000.0)),
        ("total_liabilities_y1", n(6000.0)), // 60%
        ("employees", n(300.0)),
        ("equity_2y", n(0.0)),
        ("rd_expense_y1", n(400.0)), // 3.33%
        ("rd_expense_y2", n(340.0)), // 3.09%
        ("rd_staff", n(60.0)),
        ("class_i_ip_count", n(2.0)),
        ("has_rd_institution", b(true)),
        ("years_in_niche", n(3.0)),
        ("info_system_core_process", b(true)),
        ("system_certified", b(true)),
        ("market_share", n(10.0)),
        ("own_brand", b(true)),
        ("award_little_giant", b(false)),
        ("maker_top50", b(false)),
        ("statement_chain", t("填补国内空白")),
        ("statement_product", t("核心基础零部件")),
    ])
}

fn giant(inp: &Inputs, year: i32) -> Breakdown {
    let c = Context {
        batch_year: year,
        ..ctx()
    };
    rs().evaluate(Tier::LittleGiant, inp, &c).unwrap()
}

fn gate_status(bd: &Breakdown, id: &str) -> TestStatus {
    bd.gates.iter().find(|g| g.id == id).unwrap().status
}

#[test]
fn little_giant_base_meets_every_test() {
    let bd = giant(&giant_base(), 2025);
    for g in &bd.gates {
        assert_eq!(g.status, TestStatus::Pass, "{}: {}", g.id, g.detail.zh);
    }
    assert!(bd.verdict.qualifies);
    assert_eq!(bd.verdict.route, Route::Tests);
    assert_eq!(bd.total, None, "小巨人 is not scored");
    assert_eq!(bd.statements.len(), 2);
    assert!(bd.statements.iter().all(|s| s.text.is_some()));
}

#[test]
fn little_giant_each_numeric_test_alone_fails_and_back() {
    let cases: [(&str, Value, Value, &str); 7] = [
        ("years_in_niche", n(2.99), n(3.0), "niche"),
        ("revenue_y1", n(12858.0), n(12857.0), "main_share"), // 9000 is 69.996% / 70.0008%
        ("total_liabilities_y1", n(7001.0), n(7000.0), "debt"),
        ("market_share", n(9.99), n(10.0), "market_share"),
        ("own_brand", b(false), b(true), "brand"),
        ("info_system_core_process", b(false), b(true), "info_system"),
        ("system_certified", b(false), b(true), "certification"),
    ];
    for (field, bad, good, gate) in cases {
        let mut inp = giant_base();
        inp.insert(field.into(), bad);
        let bd = giant(&inp, 2025);
        assert_eq!(gate_status(&bd, gate), TestStatus::Fail, "{field}");
        assert!(!bd.verdict.qualifies, "{field}");
        inp.insert(field.into(), good);
        let bd = giant(&inp, 2025);
        assert_eq!(gate_status(&bd, gate), TestStatus::Pass, "{field}");
        assert!(bd.verdict.qualifies, "{field}");
    }
}

#[test]
fn little_giant_growth_test_edge() {
    // Mean growth exactly 5%: y3 1000, y2 1000 (0%), y1 1100 (10%).
    let mut inp = giant_base();
    inp.insert("main_revenue_y3".into(), n(8000.0));
    inp.insert("main_revenue_y2".into(), n(8000.0));
    inp.insert("main_revenue_y1".into(), n(8800.0));
    assert_eq!(gate_status(&giant(&inp, 2025), "growth"), TestStatus::Pass);
    inp.insert("main_revenue_y1".into(), n(8799.0));
    assert_eq!(gate_status(&giant(&inp, 2025), "growth"), TestStatus::Fail);
}

#[test]
fn little_giant_rd_intensity_by_revenue_band() {
    // Revenue ≥ 1亿: ≥ 3% in each of 2 years.
    let mut inp = giant_base();
    inp.insert("rd_expense_y2".into(), n(329.0)); // 2.99% of 11000
    assert_eq!(
        gate_status(&giant(&inp, 2025), "innovation"),
        TestStatus::Fail
    );
    inp.insert("rd_expense_y2".into(), n(330.0)); // 3%
    assert_eq!(
        gate_status(&giant(&inp, 2025), "innovation"),
        TestStatus::Pass
    );

    // 5000万–1亿: ≥ 6% in each year.
    let mut inp = giant_base();
    for (k, v) in [
        ("revenue_y1", 8000.0),
        ("revenue_y2", 7000.0),
        ("main_revenue_y1", 7000.0),
        ("main_revenue_y2", 6500.0),
        ("main_revenue_y3", 6000.0),
        ("rd_expense_y1", 480.0), // 6%
        ("rd_expense_y2", 419.0), // 5.99%
    ] {
        inp.insert(k.into(), n(v));
    }
    let bd = giant(&inp, 2025);
    assert_eq!(gate_status(&bd, "innovation"), TestStatus::Fail);
    inp.insert("rd_expense_y2".into(), n(420.0));
    assert_eq!(
        gate_status(&giant(&inp, 2025), "innovation"),
        TestStatus::Pass
    );
    // Exactly 1亿 uses the ≥ 1亿 band (3%).
    inp.insert("revenue_y1".into(), n(10000.0));
    inp.insert("main_revenue_y1".into(), n(8000.0));
    inp.insert("rd_expense_y1".into(), n(300.0));
    assert_eq!(
        gate_status(&giant(&inp, 2025), "innovation"),
        TestStatus::Pass
    );

    // < 5000万 (a 2024 batch, before the revenue floor): equity ≥ 8000 and R&D ≥ 3000 in total
    // and R&D staff ≥ 50%.
    let mut inp = giant_base();
    for (k, v) in [
        ("revenue_y1", 4000.0),
        ("revenue_y2", 3000.0),
        ("main_revenue_y1", 3500.0),
        ("main_revenue_y2", 3000.0),
        ("main_revenue_y3", 2800.0),
        ("equity_2y", 8000.0),
        ("rd_expense_y1", 1600.0),
        ("rd_expense_y2", 1400.0),
        ("rd_staff", 150.0),
    ] {
        inp.insert(k.into(), n(v));
    }
    assert_eq!(
        gate_status(&giant(&inp, 2024), "innovation"),
        TestStatus::Pass
    );
    for (k, v) in [
        ("equity_2y", 7999.0),
        ("rd_expense_y2", 1399.0),
        ("rd_staff", 149.0),
    ] {
        let mut bad = inp.clone();
        bad.insert(k.into(), n(v));
        assert_eq!(
            gate_status(&giant(&bad, 2024), "innovation"),
            TestStatus::Fail,
            "{k}"
        );
    }
}

#[test]
fn little_giant_institution_and_ip_count_and_route_b() {
    for (k, v) in [
        ("has_rd_institution", b(false)),
        ("class_i_ip_count", n(1.0)),
    ] {
        let mut inp = giant_base();
        inp.insert(k.into(), v);
        assert_eq!(
            gate_status(&giant(&inp, 2025), "innovation"),
            TestStatus::Fail,
            "{k}"
        );
        // Route (b): a national award (top 3) or a 创客中国 top-50 place alone rescues it.
        for rescue in ["award_little_giant", "maker_top50"] {
            let mut r = inp.clone();
            r.insert(rescue.into(), b(true));
            assert_eq!(
                gate_status(&giant(&r, 2025), "innovation"),
                TestStatus::Pass,
                "{k} + {rescue}"
            );
        }
    }
}

#[test]
fn little_giant_revenue_floor_from_2025() {
    let mut inp = giant_base();
    for (k, v) in [
        ("revenue_y1", 4999.0),
        ("revenue_y2", 4500.0),
        ("main_revenue_y1", 4000.0),
        ("main_revenue_y2", 3700.0),
        ("main_revenue_y3", 3500.0),
        ("award_little_giant", 0.0),
    ] {
        if k != "award_little_giant" {
            inp.insert(k.into(), n(v));
        }
    }
    inp.insert("award_little_giant".into(), b(true));
    let bd = giant(&inp, 2024);
    assert_eq!(gate_status(&bd, "revenue_floor"), TestStatus::NotApplicable);
    assert!(bd.verdict.qualifies);
    let bd = giant(&inp, 2025);
    assert_eq!(gate_status(&bd, "revenue_floor"), TestStatus::Fail);
    assert!(!bd.verdict.qualifies);
    inp.insert("revenue_y1".into(), n(5000.0));
    inp.insert("main_revenue_y1".into(), n(4000.0));
    assert_eq!(
        gate_status(&giant(&inp, 2025), "revenue_floor"),
        TestStatus::Pass
    );
}

// ---- inputs, missing data and the file -----------------------------------------------------------

#[test]
fn missing_inputs_are_listed_in_form_order_and_score_nothing() {
    let bd = rs()
        .evaluate(Tier::Innovative, &Inputs::new(), &ctx())
        .unwrap();
    assert_eq!(bd.total, Some(0.0));
    assert!(!bd.verdict.qualifies);
    assert_eq!(bd.missing.first().map(String::as_str), Some("revenue_y1"));
    assert!(bd.missing.contains(&"ip_class".to_string()));
    assert!(bd.indicators.iter().all(|i| i.band.zh == "未填写"));
}

#[test]
fn a_zero_divisor_is_reported_not_divided() {
    let inp = inputs(&[("revenue_y1", n(0.0)), ("rd_expense_y1", n(10.0))]);
    let bd = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
    let rd = bd.gates.iter().find(|g| g.id == "rd").unwrap();
    assert!(rd.detail.zh.contains("无法计算"), "{}", rd.detail.zh);
}

#[test]
fn validation_names_field_and_expectation() {
    let inp = inputs(&[
        ("revenue_y1", n(-5.0)),
        ("net_profit_y1", n(-5.0)),
        ("employees", n(10.5)),
        ("ip_class", t("patent")),
        ("own_brand", t("yes")),
        ("nonsense", n(1.0)),
    ]);
    let errs = rs().validate_inputs(Tier::Specialized, Some("440000"), &inp, false);
    let msg = |f: &str| {
        errs.iter()
            .find(|e| e.field == f)
            .map(|e| e.message(crate::domain::Lang::Zh))
    };
    assert_eq!(
        msg("revenue_y1").unwrap(),
        "上年度营业收入：不能为负数，请填写 0 或正数（万元）"
    );
    assert_eq!(msg("net_profit_y1"), None, "a loss is allowed");
    assert_eq!(msg("employees").unwrap(), "从业人员数：应为不小于 0 的整数");
    assert!(msg("ip_class").unwrap().contains("“patent”不是可选项"));
    assert!(
        msg("ip_class")
            .unwrap()
            .contains("high_value_i（Ⅰ类高价值知识产权）")
    );
    assert_eq!(msg("own_brand").unwrap(), "拥有自主品牌：请选择“是”或“否”");
    assert_eq!(msg("nonsense").unwrap(), "“nonsense”不是本申报表的字段");
    assert_eq!(errs.len(), 5, "{errs:?}");
}

#[test]
fn validation_of_percentages_and_cross_fields() {
    let inp = inputs(&[
        ("market_share", n(100.5)),
        ("revenue_y1", n(100.0)),
        ("main_revenue_y1", n(120.0)),
    ]);
    let errs = rs().validate_inputs(Tier::LittleGiant, None, &inp, false);
    let en: Vec<String> = errs
        .iter()
        .map(|e| e.message(crate::domain::Lang::En))
        .collect();
    assert!(
        en.contains(
            &"National niche market share of the main product: must be at most 100 %".to_string()
        ),
        "{en:?}"
    );
    assert!(
        en.contains(
            &"Main-business revenue, prior year: must not exceed \"Revenue, prior year\""
                .to_string()
        ),
        "{en:?}"
    );
}

#[test]
fn complete_validation_requires_every_field() {
    let errs = rs().validate_inputs(Tier::Innovative, None, &innovative_base(), true);
    assert!(errs.is_empty(), "{errs:?}");
    let mut inp = innovative_base();
    inp.remove("employees");
    let errs = rs().validate_inputs(Tier::Innovative, None, &inp, true);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].problem, FieldProblem::Missing);
    // A blank statement counts as missing.
    let mut g = giant_base();
    g.insert("statement_chain".into(), t("  "));
    let errs = rs().validate_inputs(Tier::LittleGiant, None, &g, true);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].field, "statement_chain");
}

#[test]
fn form_is_grouped_by_section() {
    let form = rs().form(Tier::LittleGiant, None);
    let ids: Vec<&str> = form.iter().map(|s| s.section.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "finance",
            "innovation",
            "specialization",
            "direct",
            "statements"
        ]
    );
    let total: usize = form.iter().map(|s| s.inputs.len()).sum();
    assert_eq!(total, rs().tier(Tier::LittleGiant).unwrap().form.len());
}

#[test]
fn band_labels_read_as_ranges() {
    let bd = rs()
        .evaluate(Tier::Innovative, &metric_inputs("rd_ratio_y1", 3.5), &ctx())
        .unwrap();
    let ind = bd.indicators.iter().find(|i| i.no == 2).unwrap();
    assert_eq!(ind.band.zh, "3–5%");
    assert_eq!(ind.figure.as_ref().unwrap().zh, "3.5%");
    let bd = rs()
        .evaluate(
            Tier::Innovative,
            &metric_inputs("debt_ratio_y1", 80.0),
            &ctx(),
        )
        .unwrap();
    let ind = bd.indicators.iter().find(|i| i.no == 4).unwrap();
    assert_eq!(ind.band.zh, ">75%");
}

#[test]
fn ruleset_file_errors_are_caught_at_load() {
    let src = include_str!("../../../fixtures/rulesets/2022.toml");
    // A group whose indicators do not add up.
    let bad = src.replacen("max = 40\nfloor = 20", "max = 45\nfloor = 20", 1);
    let err = Ruleset::parse(&bad).unwrap_err();
    assert!(err.text().en.contains("group `innovation`"), "{err}");
    // Bands out of order.
    let bad = src.replacen(
        "{ at_least = 5, points = 20 }, { at_least = 3, points = 15 }",
        "{ at_least = 3, points = 20 }, { at_least = 5, points = 15 }",
        1,
    );
    assert!(Ruleset::parse(&bad).is_err());
    // An unknown metric.
    let bad = src.replacen("metric = \"rd_ratio_y1\"", "metric = \"rd_ratio_y9\"", 1);
    let err = Ruleset::parse(&bad).unwrap_err();
    assert!(err.text().en.contains("rd_ratio_y9"), "{err}");
    // A rule reading an input that is not on the tier's form.
    let bad = src.replacen(
        "\"strategic_emerging\",\n  \"award_innovative\"",
        "\"award_innovative\"",
        1,
    );
    let err = Ruleset::parse(&bad).unwrap_err();
    assert!(err.text().en.contains("strategic_emerging"), "{err}");
    // Malformed TOML.
    assert!(matches!(
        Ruleset::parse("id = "),
        Err(RulesetError::Syntax(_))
    ));
}

#[test]
fn ruleset_2022_update_period_ends_30_april() {
    assert_eq!(
        rs().update_period(),
        crate::domain::calendar::UpdatePeriod::RULESET_2022
    );
}

#[test]
fn batch_year_selects_the_ruleset() {
    assert_eq!(Ruleset::for_batch_year(2022).id, "2022");
    assert_eq!(Ruleset::for_batch_year(2025).id, "2022");
    assert_eq!(Ruleset::builtin_ids(), vec!["2022"]);
    assert!(Ruleset::builtin("2019").is_none());
}

#[test]
fn example_files_evaluate() {
    for (src, tier) in [
        (
            include_str!("../../../fixtures/examples/innovative.toml"),
            Tier::Innovative,
        ),
        (
            include_str!("../../../fixtures/examples/specialized.toml"),
            Tier::Specialized,
        ),
        (
            include_str!("../../../fixtures/examples/little_giant.toml"),
            Tier::LittleGiant,
        ),
    ] {
        #[derive(serde::Deserialize)]
        struct Example {
            tier: Tier,
            batch_year: i32,
            authority: Option<String>,
            digital_level: Option<u8>,
            inputs: Inputs,
        }
        let ex: Example = toml::from_str(src).unwrap();
        assert_eq!(ex.tier, tier);
        let errs = rs().validate_inputs(tier, ex.authority.as_deref(), &ex.inputs, true);
        assert!(errs.is_empty(), "{tier:?}: {errs:?}");
        let c = Context {
            batch_year: ex.batch_year,
            authority: ex.authority,
            digital_level: ex.digital_level.and_then(DigitalLevel::from_number),
        };
        let bd = rs().evaluate(tier, &ex.inputs, &c).unwrap();
        assert!(bd.verdict.qualifies, "{tier:?}: {:?}", bd.verdict.reasons);
    }
}

/// A later ruleset is a data file: tightening the 专精特新 gates the way the 2026 rule does needs
/// no code, only different figures.
#[test]
fn a_tightened_ruleset_is_data_only() {
    let src = include_str!("../../../fixtures/rulesets/2022.toml")
        .replacen("id = \"2022\"", "id = \"2026-draft\"", 1)
        .replacen("info_update_until = \"04-30\"", "info_update_until = \"05-31\"", 1)
        .replacen(
            "when = { metric = \"years_in_niche\", at_least = 2 }",
            "when = { metric = \"years_in_niche\", at_least = 3 }",
            1,
        )
        .replacen(
            "when = { any = [{ metric = \"revenue_y1\", at_least = 1000 }, { metric = \"equity_2y\", at_least = 2000 }] }",
            "when = { metric = \"revenue_y1\", at_least = 1500 }",
            1,
        );
    let draft = Ruleset::parse(&src).expect("the tightened file loads");
    assert_eq!(draft.update_period().end_month_day.month(), 5);
    let mut inp = specialized_base();
    inp.insert("years_in_niche".into(), n(2.5));
    let old = rs().evaluate(Tier::Specialized, &inp, &spec_ctx()).unwrap();
    let new = draft
        .evaluate(Tier::Specialized, &inp, &spec_ctx())
        .unwrap();
    assert!(old.verdict.qualifies);
    assert!(
        !new.verdict.qualifies,
        "2.5 years in the niche is not enough any more"
    );
}

#[test]
fn a_new_declaration_starts_with_the_basic_information_figures() {
    for tier in [Tier::Innovative, Tier::Specialized, Tier::LittleGiant] {
        let p = rs().prefill(tier, None, Some(8000.0), Some(9000.5), Some(120.0));
        assert_eq!(
            p,
            inputs(&[
                ("revenue_y1", n(8000.0)),
                ("total_assets_y1", n(9000.5)),
                ("employees", n(120.0)),
            ]),
            "{tier:?}"
        );
    }
    // what the basic information lacks stays empty; so does a figure the form would refuse
    let p = rs().prefill(Tier::Specialized, None, None, Some(f64::NAN), Some(-3.0));
    assert!(p.is_empty(), "{p:?}");
    let p = rs().prefill(Tier::Specialized, None, Some(0.0), None, None);
    assert_eq!(p, inputs(&[("revenue_y1", n(0.0))]));
}
