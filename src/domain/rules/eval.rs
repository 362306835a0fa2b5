//! Evaluating a tier's rules on an enterprise's inputs: the breakdown a reviewer reads.

use super::format::{num, num_near, with_unit};
use super::{
    Band, Condition, IndicatorDef, IndicatorRule, InputKind, Inputs, MetricKind, Ruleset, Value,
};
use crate::domain::text::Text;
use crate::domain::tiers::{DigitalLevel, Tier};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the evaluation needs besides the inputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The year of the declaration batch (some gates apply from a given year on).
    pub batch_year: i32,
    /// The certifying authority (province or 计划单列市 code): selects the local indicators.
    #[serde(default)]
    pub authority: Option<String>,
    /// The level of the latest completed digital assessment, if any (专精特新 indicator 5).
    #[serde(default)]
    pub digital_level: Option<DigitalLevel>,
}

/// The whole evaluation of one declaration.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub ruleset: String,
    pub tier: Tier,
    pub indicators: Vec<IndicatorResult>,
    pub groups: Vec<GroupResult>,
    /// Total score, for tiers that are scored.
    pub total: Option<f64>,
    pub max_total: Option<f64>,
    pub pass_score: Option<f64>,
    pub gates: Vec<TestResult>,
    pub direct: Vec<TestResult>,
    pub statements: Vec<StatementResult>,
    /// Inputs the result depends on that were not given (ids, in form order).
    pub missing: Vec<String>,
    pub verdict: Verdict,
}

/// One scored indicator.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    pub no: u32,
    pub group: String,
    pub label: Text,
    /// The enterprise's figure the points were given for.
    pub figure: Option<Text>,
    /// The band or option it fell in.
    pub band: Text,
    pub points: f64,
    pub max: f64,
    pub missing: Vec<String>,
}

/// A group subtotal.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupResult {
    pub id: String,
    pub label: Text,
    pub points: f64,
    pub max: f64,
    pub floor: Option<f64>,
    pub floor_met: Option<bool>,
}

#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Pass,
    Fail,
    /// Not decidable: an input it needs is missing.
    Missing,
    /// Does not apply to this batch.
    NotApplicable,
}

impl TestStatus {
    pub fn holds(self) -> bool {
        matches!(self, TestStatus::Pass | TestStatus::NotApplicable)
    }

    pub fn name(self) -> Text {
        match self {
            TestStatus::Pass => Text::new("满足", "met"),
            TestStatus::Fail => Text::new("不满足", "not met"),
            TestStatus::Missing => Text::new("未填写", "not filled in"),
            TestStatus::NotApplicable => Text::new("不适用", "n/a"),
        }
    }
}

/// A gate, a test of an aspect, or a direct condition.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub id: String,
    pub aspect: Option<Text>,
    pub label: Text,
    pub status: TestStatus,
    /// The figures that decided it, e.g. "上年度研发费用总额 120 万元 ≥ 100 万元".
    pub detail: Text,
    pub self_declared: bool,
}

/// A qualitative statement for reviewers.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementResult {
    pub id: String,
    pub label: Text,
    pub text: Option<String>,
}

/// How a declaration qualifies.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// By the score (and group floors).
    Score,
    /// By a direct-qualification condition.
    Direct { id: String, label: Text },
    /// By meeting every test (tiers without a score).
    Tests,
    /// It does not qualify.
    None,
}

/// The conclusion with its reasons.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub qualifies: bool,
    pub route: Route,
    pub reasons: Vec<Text>,
}

impl Verdict {
    /// One line: "符合条件（评分路线）" / "qualifies (by score)".
    pub fn headline(&self) -> Text {
        match &self.route {
            Route::Score => Text::new("符合条件（评分达标）", "qualifies (by score)"),
            Route::Direct { label, .. } => Text::new(
                format!("符合条件（直通：{}）", label.zh),
                format!("qualifies (direct: {})", label.en),
            ),
            Route::Tests => Text::new("符合各项条件", "meets every test"),
            Route::None => Text::new("不符合条件", "does not qualify"),
        }
    }
}

/// The tolerance of an edge comparison: a figure computed as 30/1000 lands on a 3% edge.
pub(super) fn tolerance(bound: f64) -> f64 {
    1e-9 * bound.abs().max(1.0)
}

fn at_least(v: f64, bound: f64) -> bool {
    v >= bound - tolerance(bound)
}

fn at_most(v: f64, bound: f64) -> bool {
    v <= bound + tolerance(bound)
}

/// The outcome of a condition.
struct CondOut {
    pass: bool,
    missing: Vec<String>,
    detail: Text,
}

fn join(parts: &[Text]) -> Text {
    Text::new(
        parts
            .iter()
            .map(|t| t.zh.as_str())
            .collect::<Vec<_>>()
            .join("；"),
        parts
            .iter()
            .map(|t| t.en.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Evaluation state: the ruleset, the inputs and every figure computed from them.
struct Eval<'a> {
    rs: &'a Ruleset,
    inputs: &'a Inputs,
    values: BTreeMap<&'a str, Option<f64>>,
}

impl<'a> Eval<'a> {
    fn new(rs: &'a Ruleset, inputs: &'a Inputs) -> Eval<'a> {
        let mut values = BTreeMap::new();
        for def in rs
            .inputs
            .iter()
            .chain(rs.local_sets.iter().flat_map(|s| s.inputs.iter()))
        {
            if def.kind.is_numeric() {
                let v = match inputs.get(&def.id) {
                    Some(Value::Number(x)) if x.is_finite() => Some(*x),
                    _ => None,
                };
                values.insert(def.id.as_str(), v);
            }
        }
        for m in &rs.metrics {
            let ops: Option<Vec<f64>> =
                m.of.iter()
                    .map(|x| values.get(x.as_str()).copied().flatten())
                    .collect();
            let v = ops.and_then(|ops| match m.kind {
                MetricKind::Ratio => (ops[1] > 0.0).then(|| ops[0] / ops[1] * 100.0),
                MetricKind::Growth => (ops[1] > 0.0).then(|| (ops[0] - ops[1]) / ops[1] * 100.0),
                MetricKind::Mean => Some(ops.iter().sum::<f64>() / ops.len() as f64),
                MetricKind::Sum => Some(ops.iter().sum()),
            });
            values.insert(m.id.as_str(), v);
        }
        Eval { rs, inputs, values }
    }

    fn value(&self, id: &str) -> Option<f64> {
        self.values.get(id).copied().flatten()
    }

    /// The unit of a metric or numeric input.
    fn unit(&self, id: &str) -> Text {
        match self.rs.metric(id) {
            Some(m) if matches!(m.kind, MetricKind::Ratio | MetricKind::Growth) => {
                Text::new("%", "%")
            }
            Some(m) => self.unit(&m.of[0]),
            None => self
                .rs
                .input(id)
                .map(|d| d.unit_text())
                .unwrap_or_else(|| Text::new("", "")),
        }
    }

    fn figure(&self, id: &str, v: f64, near: Option<f64>) -> Text {
        let s = match near {
            Some(b) => num_near(v, b),
            None => num(v),
        };
        with_unit(&s, &self.unit(id))
    }

    /// The inputs behind an id that were not given.
    fn missing_of(&self, id: &str) -> Vec<String> {
        self.rs
            .operand_inputs(id)
            .into_iter()
            .filter(|i| !self.given(i))
            .collect()
    }

    fn given(&self, id: &str) -> bool {
        match self.inputs.get(id) {
            None => false,
            Some(Value::Text(t)) => !t.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// "上年度营业收入：未填写" or "…：无法计算（分母为 0）".
    fn unknown(&self, id: &str) -> (Vec<String>, Text) {
        let label = self.rs.figure_label(id);
        let missing = self.missing_of(id);
        let t = if missing.is_empty() {
            Text::new(
                format!("{}：无法计算（分母为 0）", label.zh),
                format!("{}: cannot be computed (divisor is 0)", label.en),
            )
        } else {
            Text::new(
                format!("{}：未填写", label.zh),
                format!("{}: not filled in", label.en),
            )
        };
        (missing, t)
    }

    fn bool_input(&self, id: &str) -> Option<bool> {
        match self.inputs.get(id) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The option id of a choice, or `yes`/`no` of a bool.
    fn option(&self, id: &str) -> Option<String> {
        let def = self.rs.input(id)?;
        match (def.kind, self.inputs.get(id)?) {
            (InputKind::Bool, Value::Bool(b)) => Some(if *b { "yes" } else { "no" }.to_string()),
            (InputKind::Choice, Value::Text(t)) if def.options.iter().any(|o| &o.id == t) => {
                Some(t.clone())
            }
            _ => None,
        }
    }

    fn condition(&self, c: &Condition) -> CondOut {
        match c {
            Condition::Compare {
                metric,
                at_least: lo,
                at_most: hi,
            } => {
                let Some(v) = self.value(metric) else {
                    let (missing, detail) = self.unknown(metric);
                    return CondOut {
                        pass: false,
                        missing,
                        detail,
                    };
                };
                let label = self.rs.figure_label(metric);
                let (bound, pass, sym) = match (lo, hi) {
                    (Some(b), _) => {
                        let p = at_least(v, *b);
                        (*b, p, if p { "≥" } else { "<" })
                    }
                    (None, Some(b)) => {
                        let p = at_most(v, *b);
                        (*b, p, if p { "≤" } else { ">" })
                    }
                    (None, None) => unreachable!("checked at load"),
                };
                let fig = self.figure(metric, v, Some(bound));
                let b = self.figure(metric, bound, None);
                CondOut {
                    pass,
                    missing: Vec::new(),
                    detail: Text::new(
                        format!("{} {} {sym} {}", label.zh, fig.zh, b.zh),
                        format!("{} {} {sym} {}", label.en, fig.en, b.en),
                    ),
                }
            }
            Condition::Flag { flag } => self.choice_condition(flag, &["yes".to_string()]),
            Condition::OneOf { input, one_of } => self.choice_condition(input, one_of),
            Condition::All { all } => {
                let outs: Vec<CondOut> = all.iter().map(|c| self.condition(c)).collect();
                let pass = outs.iter().all(|o| o.pass);
                let shown: Vec<Text> = outs
                    .iter()
                    .filter(|o| pass || !o.pass)
                    .map(|o| o.detail.clone())
                    .collect();
                CondOut {
                    pass,
                    missing: outs.into_iter().flat_map(|o| o.missing).collect(),
                    detail: join(&shown),
                }
            }
            Condition::Any { any } => {
                let outs: Vec<CondOut> = any.iter().map(|c| self.condition(c)).collect();
                match outs.iter().find(|o| o.pass) {
                    Some(hit) => CondOut {
                        pass: true,
                        missing: Vec::new(),
                        detail: hit.detail.clone(),
                    },
                    None => CondOut {
                        pass: false,
                        detail: join(&outs.iter().map(|o| o.detail.clone()).collect::<Vec<_>>()),
                        missing: outs.into_iter().flat_map(|o| o.missing).collect(),
                    },
                }
            }
            Condition::Switch { switch, cases } => {
                let Some(v) = self.value(switch) else {
                    let (missing, detail) = self.unknown(switch);
                    return CondOut {
                        pass: false,
                        missing,
                        detail,
                    };
                };
                let label = self.rs.figure_label(switch);
                let idx = cases
                    .iter()
                    .position(|c| c.at_least.is_none_or(|b| at_least(v, b)))
                    .unwrap_or(cases.len() - 1);
                let case = &cases[idx];
                let (sym, bound) = match case.at_least {
                    Some(b) => ("≥", b),
                    None => ("<", cases[idx - 1].at_least.unwrap_or_default()),
                };
                let fig = self.figure(switch, v, Some(bound));
                let b = self.figure(switch, bound, None);
                let inner = self.condition(&case.then);
                CondOut {
                    pass: inner.pass,
                    missing: inner.missing,
                    detail: Text::new(
                        format!(
                            "{} {} {sym} {}：{}",
                            label.zh, fig.zh, b.zh, inner.detail.zh
                        ),
                        format!(
                            "{} {} {sym} {}: {}",
                            label.en, fig.en, b.en, inner.detail.en
                        ),
                    ),
                }
            }
        }
    }

    fn choice_condition(&self, input: &str, wanted: &[String]) -> CondOut {
        let def = self.rs.input(input).expect("checked at load");
        match self.option(input) {
            None => CondOut {
                pass: false,
                missing: vec![input.to_string()],
                detail: Text::new(
                    format!("{}：未填写", def.label.zh),
                    format!("{}: not filled in", def.label.en),
                ),
            },
            Some(o) => {
                let chosen = def.option_label(&o).unwrap_or_else(|| Text::new(&o, &o));
                CondOut {
                    pass: wanted.contains(&o),
                    missing: Vec::new(),
                    detail: Text::new(
                        format!("{}：{}", def.label.zh, chosen.zh),
                        format!("{}: {}", def.label.en, chosen.en),
                    ),
                }
            }
        }
    }

    /// Scores one indicator; `local` expands into the local set's indicators.
    fn indicator(&self, ind: &IndicatorDef, ctx: &Context, out: &mut Vec<IndicatorResult>) {
        let base = |figure, band, points: f64, missing| IndicatorResult {
            no: ind.no,
            group: ind.group.clone(),
            label: ind.label.clone(),
            figure,
            band,
            points: points.min(ind.max),
            max: ind.max,
            missing,
        };
        let not_filled = Text::new("未填写", "not filled in");
        match &ind.rule {
            IndicatorRule::Bands { metric, bands } => {
                out.push(match self.banded(metric, bands) {
                    Some((fig, band, pts)) => base(Some(fig), band, pts, Vec::new()),
                    None => {
                        let (missing, t) = self.unknown(metric);
                        let band = if missing.is_empty() {
                            Text::new("无法计算", "cannot be computed")
                        } else {
                            not_filled
                        };
                        let _ = t;
                        base(None, band, 0.0, missing)
                    }
                });
            }
            IndicatorRule::Choice { input, points } => {
                let def = self.rs.input(input).expect("checked at load");
                out.push(match self.option(input) {
                    Some(o) => {
                        let label = def.option_label(&o).unwrap_or_else(|| Text::new(&o, &o));
                        base(Some(label.clone()), label, points[&o], Vec::new())
                    }
                    None => base(None, not_filled, 0.0, vec![input.clone()]),
                });
            }
            IndicatorRule::Count {
                inputs,
                points_each,
            } => {
                let n = inputs
                    .iter()
                    .filter(|i| self.bool_input(i) == Some(true))
                    .count();
                let missing: Vec<String> = inputs
                    .iter()
                    .filter(|i| self.bool_input(i).is_none())
                    .cloned()
                    .collect();
                let band = Text::new(
                    format!("{n}项×{}分(上限{})", num(*points_each), num(ind.max)),
                    format!("{n}×{} (max {})", num(*points_each), num(ind.max)),
                );
                let fig = Text::new(format!("{n} 项"), format!("{n} items"));
                out.push(base(Some(fig), band, n as f64 * points_each, missing));
            }
            IndicatorRule::Step {
                metric,
                per,
                points_per_step,
            } => match self.value(metric) {
                Some(v) => {
                    let steps = ((v + tolerance(*per)) / per).floor().max(0.0);
                    let u = self.unit(metric);
                    let band = Text::new(
                        format!("每满{}{}得{}分", num(*per), u.zh, num(*points_per_step)),
                        format!("{} per {} {}", num(*points_per_step), num(*per), u.en),
                    );
                    out.push(base(
                        Some(self.figure(metric, v, None)),
                        band,
                        steps * points_per_step,
                        Vec::new(),
                    ));
                }
                None => out.push(base(None, not_filled, 0.0, self.missing_of(metric))),
            },
            IndicatorRule::BestOf { of } => {
                let scored: Vec<(Text, Text, f64, &str)> = of
                    .iter()
                    .filter_map(|b| {
                        self.banded(&b.metric, &b.bands)
                            .map(|(f, band, p)| (f, band, p, b.metric.as_str()))
                    })
                    .collect();
                // The first rule wins ties, so the figure shown is stable.
                let best = scored
                    .into_iter()
                    .reduce(|a, b| if b.2 > a.2 { b } else { a });
                out.push(match best {
                    Some((fig, band, pts, _)) => base(Some(fig), band, pts, Vec::new()),
                    None => {
                        let missing = of.iter().flat_map(|b| self.missing_of(&b.metric)).collect();
                        base(None, not_filled, 0.0, missing)
                    }
                });
            }
            IndicatorRule::DigitalLevel { points } => {
                let (key, name) = match ctx.digital_level {
                    Some(l) => (format!("l{}", l.number()), l.name()),
                    None => (
                        "none".to_string(),
                        Text::new("无评测等级", "no assessment level"),
                    ),
                };
                out.push(base(Some(name.clone()), name, points[&key], Vec::new()));
            }
            IndicatorRule::Local => {
                if let Some(set) = self.rs.local_set(ctx.authority.as_deref()) {
                    for sub in &set.indicators {
                        let mut sub = sub.clone();
                        sub.no = ind.no;
                        sub.group = ind.group.clone();
                        sub.label = Text::new(
                            format!("{}·{}", ind.label.zh, sub.label.zh),
                            format!("{}: {}", ind.label.en, sub.label.en),
                        );
                        self.indicator(&sub, ctx, out);
                    }
                }
            }
        }
    }

    /// (figure, band label, points) of a banded rule, or None when the metric is unknown.
    fn banded(&self, metric: &str, bands: &[Band]) -> Option<(Text, Text, f64)> {
        let v = self.value(metric)?;
        let idx = bands
            .iter()
            .position(|b| match (b.at_least, b.at_most) {
                (Some(lo), _) => at_least(v, lo),
                (None, Some(hi)) => at_most(v, hi),
                (None, None) => true,
            })
            .unwrap_or(bands.len() - 1);
        let unit = self.unit(metric);
        let bound = bands
            .get(idx)
            .and_then(|b| b.at_least.or(b.at_most))
            .or_else(|| {
                idx.checked_sub(1)
                    .and_then(|i| bands[i].at_least.or(bands[i].at_most))
            });
        Some((
            self.figure(metric, v, bound),
            band_label(bands, idx, &unit),
            bands[idx].points,
        ))
    }
}

/// A band as a reader sees it: "≥5%", "3–5%", "<1%"; "≤55%", "55–75%", ">75%".
pub(super) fn band_label(bands: &[Band], idx: usize, unit: &Text) -> Text {
    let lows = bands.iter().any(|b| b.at_least.is_some());
    let bound = |i: usize| {
        let b = &bands[i];
        num(b.at_least.or(b.at_most).unwrap_or_default())
    };
    let last = bands.len() - 1;
    let text = if bands.len() == 1 {
        "—".to_string()
    } else if idx == 0 {
        format!("{}{}", if lows { "≥" } else { "≤" }, bound(0))
    } else if idx == last {
        format!("{}{}", if lows { "<" } else { ">" }, bound(last - 1))
    } else if lows {
        format!("{}–{}", bound(idx), bound(idx - 1))
    } else {
        format!("{}–{}", bound(idx - 1), bound(idx))
    };
    with_unit(&text, unit)
}

impl Ruleset {
    /// Evaluates a tier's rules on the given inputs. Missing inputs score nothing and are listed,
    /// so the same call serves a draft being typed (live panel) and a submission.
    pub fn evaluate(&self, tier: Tier, inputs: &Inputs, ctx: &Context) -> Option<Breakdown> {
        let rules = self.tier(tier)?;
        let ev = Eval::new(self, inputs);

        let mut indicators = Vec::new();
        for ind in &rules.indicators {
            ev.indicator(ind, ctx, &mut indicators);
        }
        let groups: Vec<GroupResult> = rules
            .groups
            .iter()
            .map(|g| {
                let points: f64 = indicators
                    .iter()
                    .filter(|i| i.group == g.id)
                    .map(|i| i.points)
                    .sum();
                GroupResult {
                    id: g.id.clone(),
                    label: g.label.clone(),
                    points,
                    max: g.max,
                    floor: g.floor,
                    floor_met: g.floor.map(|f| at_least(points, f)),
                }
            })
            .collect();
        let scored = !rules.groups.is_empty();
        let total = scored.then(|| groups.iter().map(|g| g.points).sum::<f64>());
        let max_total = scored.then(|| groups.iter().map(|g| g.max).sum::<f64>());

        let test = |id: &str, aspect: Option<Text>, label: &Text, out: CondOut, sd: bool| {
            let status = if out.pass {
                TestStatus::Pass
            } else if !out.missing.is_empty() {
                TestStatus::Missing
            } else {
                TestStatus::Fail
            };
            (
                TestResult {
                    id: id.to_string(),
                    aspect,
                    label: label.clone(),
                    status,
                    detail: out.detail,
                    self_declared: sd,
                },
                out.missing,
            )
        };
        let mut missing: Vec<String> = indicators.iter().flat_map(|i| i.missing.clone()).collect();
        let mut gates = Vec::new();
        for g in &rules.gates {
            if g.from_batch_year.is_some_and(|y| ctx.batch_year < y) {
                gates.push(TestResult {
                    id: g.id.clone(),
                    aspect: g.aspect.clone(),
                    label: g.label.clone(),
                    status: TestStatus::NotApplicable,
                    detail: Text::new(
                        format!("{} 年批次起适用", g.from_batch_year.unwrap_or_default()),
                        format!(
                            "applies from the {} batch on",
                            g.from_batch_year.unwrap_or_default()
                        ),
                    ),
                    self_declared: g.self_declared,
                });
                continue;
            }
            let (t, m) = test(
                &g.id,
                g.aspect.clone(),
                &g.label,
                ev.condition(&g.when),
                g.self_declared,
            );
            gates.push(t);
            missing.extend(m);
        }
        let mut direct = Vec::new();
        for d in &rules.direct {
            let (t, _) = test(&d.id, None, &d.label, ev.condition(&d.when), false);
            direct.push(t);
        }
        let statements: Vec<StatementResult> = rules
            .statements
            .iter()
            .map(|s| StatementResult {
                id: s.clone(),
                label: self.figure_label(s),
                text: match inputs.get(s) {
                    Some(Value::Text(t)) if !t.trim().is_empty() => Some(t.clone()),
                    _ => None,
                },
            })
            .collect();
        missing.extend(
            statements
                .iter()
                .filter(|s| s.text.is_none())
                .map(|s| s.id.clone()),
        );
        // Missing inputs in form order, each once.
        let form = self.form_inputs(tier, ctx.authority.as_deref());
        let missing: Vec<String> = form
            .iter()
            .filter(|d| missing.contains(&d.id))
            .map(|d| d.id.clone())
            .collect();

        let verdict = verdict(rules.pass_score, total, &groups, &gates, &direct, &missing);
        Some(Breakdown {
            ruleset: self.id.clone(),
            tier,
            indicators,
            groups,
            total,
            max_total,
            pass_score: rules.pass_score,
            gates,
            direct,
            statements,
            missing,
            verdict,
        })
    }
}

fn verdict(
    pass_score: Option<f64>,
    total: Option<f64>,
    groups: &[GroupResult],
    gates: &[TestResult],
    direct: &[TestResult],
    missing: &[String],
) -> Verdict {
    let mut reasons = Vec::new();
    let gates_ok = gates.iter().all(|g| g.status.holds());
    for g in gates.iter().filter(|g| !g.status.holds()) {
        reasons.push(Text::new(
            format!("{}：{}（{}）", g.status.name().zh, g.label.zh, g.detail.zh),
            format!("{}: {} ({})", g.status.name().en, g.label.en, g.detail.en),
        ));
    }
    let score_ok = match (pass_score, total) {
        (Some(p), Some(t)) => {
            let floors_ok = groups.iter().all(|g| g.floor_met != Some(false));
            if at_least(t, p) && floors_ok {
                reasons.push(Text::new(
                    format!(
                        "评分 {} 分，达到 {} 分{}",
                        num(t),
                        num(p),
                        if groups.iter().any(|g| g.floor.is_some()) {
                            "，且各组均达到最低分"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "score {} reaches {}{}",
                        num(t),
                        num(p),
                        if groups.iter().any(|g| g.floor.is_some()) {
                            ", every group at or above its floor"
                        } else {
                            ""
                        }
                    ),
                ));
                true
            } else {
                if !at_least(t, p) {
                    reasons.push(Text::new(
                        format!("评分 {} 分，低于 {} 分", num(t), num(p)),
                        format!("score {} is below {}", num(t), num(p)),
                    ));
                }
                for g in groups.iter().filter(|g| g.floor_met == Some(false)) {
                    let f = g.floor.unwrap_or_default();
                    reasons.push(Text::new(
                        format!(
                            "{} {} 分，低于最低 {} 分",
                            g.label.zh,
                            num(g.points),
                            num(f)
                        ),
                        format!(
                            "{} {} is below its floor {}",
                            g.label.en,
                            num(g.points),
                            num(f)
                        ),
                    ));
                }
                false
            }
        }
        _ => false,
    };
    let hit = direct.iter().find(|d| d.status == TestStatus::Pass);
    let scored_or_direct = pass_score.is_some() || !direct.is_empty();
    if let Some(d) = hit {
        reasons.push(Text::new(
            format!("满足直通条件：{}", d.label.zh),
            format!("direct condition met: {}", d.label.en),
        ));
    } else if !direct.is_empty() && !score_ok {
        reasons.push(Text::new(
            "未满足任一直通条件",
            "no direct condition is met",
        ));
    }
    let qualifies = gates_ok && (!scored_or_direct || score_ok || hit.is_some());
    let route = if !qualifies {
        Route::None
    } else if score_ok {
        Route::Score
    } else if let Some(d) = hit {
        Route::Direct {
            id: d.id.clone(),
            label: d.label.clone(),
        }
    } else {
        Route::Tests
    };
    if !missing.is_empty() {
        reasons.push(Text::new(
            format!("尚有 {} 项未填写", missing.len()),
            format!("{} fields not filled in yet", missing.len()),
        ));
    }
    if gates.iter().any(|g| g.self_declared) {
        reasons.push(Text::new(
            "自我声明的条件须由审核人员结合证明材料核实",
            "self-declared conditions are verified by reviewers against the evidence",
        ));
    }
    Verdict {
        qualifies,
        route,
        reasons,
    }
}
