//! Rulesets: the certification criteria of each tier as data (`fixtures/rulesets/*.toml`), and the
//! engine that reads them.
//!
//! A ruleset file names its inputs (the figures and statements an enterprise gives), derived
//! metrics, and per tier the score groups, indicators, gates and direct-qualification conditions.
//! The engine knows only *kinds* of rule:
//!
//! - metrics: [`MetricKind`] — ratio, growth, mean, sum;
//! - indicators: [`IndicatorRule`] — bands, choice, count, step, best_of, digital_level, local;
//! - conditions: [`Condition`] — compare, flag, one_of, all, any, switch.
//!
//! A new ruleset (2026) is a new file; only a genuinely new kind of rule needs a new enum variant.
//! [`evaluate`](Ruleset::evaluate) turns inputs into a [`Breakdown`] a reviewer can read.

mod eval;
mod format;
mod load;

#[cfg(test)]
mod tests;

pub use eval::{
    Breakdown, Context, GroupResult, IndicatorResult, Route, StatementResult, TestResult,
    TestStatus, Verdict,
};
pub use load::RulesetError;

use crate::domain::text::{Localized, Text};
use crate::domain::tiers::Tier;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The rulesets compiled into the binary, oldest first: (id, first batch year it applies to, TOML).
const BUILTIN: &[(&str, i32, &str)] = &[(
    "2022",
    2022,
    include_str!("../../../fixtures/rulesets/2022.toml"),
)];

static RULESETS: LazyLock<Vec<(i32, Ruleset)>> = LazyLock::new(|| {
    BUILTIN
        .iter()
        .map(|(id, from, src)| {
            let rs = Ruleset::parse(src)
                .unwrap_or_else(|e| panic!("built-in ruleset {id} is invalid: {}", e.text().en));
            (*from, rs)
        })
        .collect()
});

/// One input value as given by an enterprise (a form field, a TOML or JSON file).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// Input values keyed by input id.
pub type Inputs = BTreeMap<String, Value>;

/// [`Value`] under a name the OpenAPI derive does not mistake for `serde_json::Value` (it
/// treats every type called `Value` as "any JSON"): fields use it as their `value_type`.
pub type InputValue = Value;

/// A complete ruleset (one file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ruleset {
    pub id: String,
    pub title: Text,
    /// Last day (`MM-DD`) of the annual info-update period that opens on 1 January.
    pub info_update_until: String,
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub inputs: Vec<InputDef>,
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub metrics: Vec<MetricDef>,
    pub tiers: BTreeMap<Tier, TierRules>,
    #[serde(default)]
    pub local_sets: Vec<LocalSet>,
}

/// A titled part of a declaration form.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Text,
}

/// What kind of value an input takes.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// An amount in 万元; ≥ 0 unless `allow_negative`.
    Amount,
    /// A percentage, 0–100 unless `min`/`max` say otherwise.
    Percent,
    /// A duration in years (decimals allowed), ≥ 0.
    Years,
    /// A whole number ≥ 0.
    Count,
    Bool,
    /// One of `options`.
    Choice,
    /// A statement judged by reviewers.
    Text,
}

impl InputKind {
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            InputKind::Amount | InputKind::Percent | InputKind::Years | InputKind::Count
        )
    }
}

/// One option of a choice input.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub id: String,
    pub label: Text,
}

/// One field an enterprise fills in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDef {
    pub id: String,
    pub section: String,
    pub kind: InputKind,
    pub label: Text,
    #[serde(default)]
    pub help: Option<Text>,
    /// Unit shown after the value (counts); amounts, percentages and years have their own.
    #[serde(default)]
    pub unit: Option<Text>,
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    #[serde(default)]
    pub allow_negative: bool,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

impl InputDef {
    /// The smallest accepted value of a numeric input.
    pub fn min_value(&self) -> Option<f64> {
        match (self.min, self.kind) {
            (Some(m), _) => Some(m),
            (None, InputKind::Amount) if self.allow_negative => None,
            (None, k) if k.is_numeric() => Some(0.0),
            _ => None,
        }
    }

    /// The largest accepted value of a numeric input.
    pub fn max_value(&self) -> Option<f64> {
        match (self.max, self.kind) {
            (Some(m), _) => Some(m),
            (None, InputKind::Percent) => Some(100.0),
            _ => None,
        }
    }

    /// The unit a value of this input is shown with.
    pub fn unit_text(&self) -> Text {
        match (self.kind, &self.unit) {
            (_, Some(u)) => u.clone(),
            (InputKind::Amount, None) => Text::new("万元", "×10k yuan"),
            (InputKind::Percent, None) => Text::new("%", "%"),
            (InputKind::Years, None) => Text::new("年", "years"),
            _ => Text::new("", ""),
        }
    }

    /// The option ids a choice (or a bool, as `yes`/`no`) input takes.
    pub fn option_ids(&self) -> Vec<&str> {
        match self.kind {
            InputKind::Bool => vec!["yes", "no"],
            _ => self.options.iter().map(|o| o.id.as_str()).collect(),
        }
    }

    /// The label of one option (`yes`/`no` for bools).
    pub fn option_label(&self, id: &str) -> Option<Text> {
        match (self.kind, id) {
            (InputKind::Bool, "yes") => Some(Text::new("是", "yes")),
            (InputKind::Bool, "no") => Some(Text::new("否", "no")),
            _ => self
                .options
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.label.clone()),
        }
    }
}

/// A cross-field check.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// `[a, b]`: a must not exceed b (e.g. main-business revenue ≤ revenue).
    pub not_greater: [String; 2],
}

/// How a derived metric is computed from its operands (inputs or earlier metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// a / b × 100 (undefined when b ≤ 0).
    Ratio,
    /// (a − b) / b × 100 (undefined when b ≤ 0).
    Growth,
    /// The arithmetic mean of all operands.
    Mean,
    /// The sum of all operands.
    Sum,
}

/// A figure derived from inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub id: String,
    pub kind: MetricKind,
    pub of: Vec<String>,
    pub label: Text,
}

/// The rules of one tier.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRules {
    /// Score needed on the score route; `None` for tiers judged by tests only.
    #[serde(default)]
    pub pass_score: Option<f64>,
    /// The inputs of the declaration form, in order.
    pub form: Vec<String>,
    /// Text inputs that are statements for reviewers.
    #[serde(default)]
    pub statements: Vec<String>,
    #[serde(default)]
    pub groups: Vec<GroupDef>,
    #[serde(default)]
    pub indicators: Vec<IndicatorDef>,
    /// Tests that must all hold.
    #[serde(default)]
    pub gates: Vec<GateDef>,
    /// Conditions any one of which replaces the score.
    #[serde(default)]
    pub direct: Vec<DirectDef>,
}

/// A score group (e.g. 创新能力 40 points, floor 20).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub id: String,
    pub label: Text,
    pub max: f64,
    #[serde(default)]
    pub floor: Option<f64>,
}

/// A scored indicator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndicatorDef {
    pub no: u32,
    pub group: String,
    pub max: f64,
    pub label: Text,
    #[serde(flatten)]
    pub rule: IndicatorRule,
}

/// One band of a banded indicator: the first band whose bound holds wins; a band with no bound
/// catches the rest. Bounds are inclusive: a value on an edge scores in the better band.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
    pub points: f64,
}

/// A banded rule on one metric.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandsRule {
    pub metric: String,
    pub bands: Vec<Band>,
}

/// The kinds of indicator the engine knows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IndicatorRule {
    /// Points from the band the metric falls in.
    Bands { metric: String, bands: Vec<Band> },
    /// Points per option of a choice or bool (`yes`/`no`) input.
    Choice {
        input: String,
        points: BTreeMap<String, f64>,
    },
    /// `points_each` per bool input that holds, capped at the indicator's max.
    Count {
        inputs: Vec<String>,
        points_each: f64,
    },
    /// `points_per_step` for every whole `per` of the metric, capped at the indicator's max.
    Step {
        metric: String,
        per: f64,
        points_per_step: f64,
    },
    /// The better of several banded rules.
    BestOf { of: Vec<BandsRule> },
    /// Points from the digital-assessment level (`none`, `l1` … `l4`).
    DigitalLevel { points: BTreeMap<String, f64> },
    /// The local indicators of the enterprise's province (see [`LocalSet`]).
    Local,
}

/// A pass/fail test every declaration of the tier must meet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateDef {
    pub id: String,
    #[serde(default)]
    pub aspect: Option<Text>,
    pub label: Text,
    pub when: Condition,
    /// The enterprise declares it with evidence; a reviewer confirms it.
    #[serde(default)]
    pub self_declared: bool,
    /// The gate applies to batches of this year and later only.
    #[serde(default)]
    pub from_batch_year: Option<i32>,
}

/// A direct-qualification condition.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectDef {
    pub id: String,
    pub label: Text,
    pub when: Condition,
}

/// A case of a [`Condition::Switch`]: the first case whose bound holds decides.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchCase {
    #[serde(default)]
    pub at_least: Option<f64>,
    pub then: Condition,
}

/// A test on inputs and metrics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// A metric (or numeric input) compared with a bound (inclusive).
    Compare {
        metric: String,
        #[serde(default)]
        at_least: Option<f64>,
        #[serde(default)]
        at_most: Option<f64>,
    },
    /// A bool input that must be true.
    Flag {
        flag: String,
    },
    /// A choice input that must be one of the options.
    OneOf {
        input: String,
        one_of: Vec<String>,
    },
    All {
        all: Vec<Condition>,
    },
    Any {
        any: Vec<Condition>,
    },
    /// Picks the condition by the band a metric falls in (e.g. R&D intensity by revenue band).
    Switch {
        switch: String,
        cases: Vec<SwitchCase>,
    },
}

/// Local (特色化) indicators configured by a province or 计划单列市.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalSet {
    pub id: String,
    /// Authority codes (province or 计划单列市) this set applies to; the set with id `default`
    /// applies where none matches.
    pub authorities: Vec<String>,
    pub title: Text,
    #[serde(default)]
    pub inputs: Vec<InputDef>,
    pub indicators: Vec<IndicatorDef>,
}

/// A part of the declaration form: a section title and its inputs, in order.
#[derive(Debug, Clone)]
pub struct FormSection<'a> {
    pub section: &'a Section,
    pub inputs: Vec<&'a InputDef>,
}

impl Ruleset {
    /// A built-in ruleset by id (`"2022"`).
    pub fn builtin(id: &str) -> Option<&'static Ruleset> {
        RULESETS.iter().map(|(_, r)| r).find(|r| r.id == id)
    }

    /// The ids of all built-in rulesets, oldest first.
    pub fn builtin_ids() -> Vec<&'static str> {
        RULESETS.iter().map(|(_, r)| r.id.as_str()).collect()
    }

    /// The ruleset that applies to a batch of the given year: the newest one in force by then.
    pub fn for_batch_year(year: i32) -> &'static Ruleset {
        RULESETS
            .iter()
            .rev()
            .find(|(from, _)| *from <= year)
            .or_else(|| RULESETS.first())
            .map(|(_, r)| r)
            .expect("at least one built-in ruleset")
    }

    /// The annual info-update period (信息更新) of this ruleset: 1 January – `info_update_until`.
    pub fn update_period(&self) -> crate::domain::calendar::UpdatePeriod {
        let (m, d) = self
            .info_update_until
            .split_once('-')
            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
            .expect("checked at load");
        crate::domain::calendar::UpdatePeriod {
            start_month_day: crate::domain::calendar::MonthDay::new(1, 1).expect("1 January"),
            end_month_day: crate::domain::calendar::MonthDay::new(m, d).expect("checked at load"),
        }
    }

    /// The rules of a tier.
    pub fn tier(&self, tier: Tier) -> Option<&TierRules> {
        self.tiers.get(&tier)
    }

    /// The local indicator set for an authority (province or 计划单列市 code), else the default.
    pub fn local_set(&self, authority: Option<&str>) -> Option<&LocalSet> {
        authority
            .and_then(|a| {
                self.local_sets
                    .iter()
                    .find(|s| s.authorities.iter().any(|x| x == a))
            })
            .or_else(|| self.local_sets.iter().find(|s| s.id == "default"))
    }

    /// Whether a tier uses local indicators.
    fn uses_local(&self, tier: Tier) -> bool {
        self.tier(tier).is_some_and(|t| {
            t.indicators
                .iter()
                .any(|i| matches!(i.rule, IndicatorRule::Local))
        })
    }

    /// Looks an input up, including the inputs of every local set.
    pub fn input(&self, id: &str) -> Option<&InputDef> {
        self.inputs
            .iter()
            .chain(self.local_sets.iter().flat_map(|s| s.inputs.iter()))
            .find(|i| i.id == id)
    }

    pub fn metric(&self, id: &str) -> Option<&MetricDef> {
        self.metrics.iter().find(|m| m.id == id)
    }

    /// The label of a metric or numeric input.
    pub fn figure_label(&self, id: &str) -> Text {
        self.metric(id)
            .map(|m| m.label.clone())
            .or_else(|| self.input(id).map(|i| i.label.clone()))
            .unwrap_or_else(|| Text::new(id, id))
    }

    /// The inputs of a tier's form for an enterprise of the given authority, in order (local
    /// indicator inputs included).
    pub fn form_inputs(&self, tier: Tier, authority: Option<&str>) -> Vec<&InputDef> {
        let Some(rules) = self.tier(tier) else {
            return Vec::new();
        };
        let mut out: Vec<&InputDef> = rules.form.iter().filter_map(|id| self.input(id)).collect();
        if self.uses_local(tier)
            && let Some(set) = self.local_set(authority)
        {
            out.extend(set.inputs.iter());
        }
        out
    }

    /// The first values of a new declaration's form, from the enterprise's basic information:
    /// its last-year revenue, year-end total assets and employees are the same figures the
    /// form asks for again, so they start filled in (the enterprise may still change them).
    /// Only inputs the tier's form has are filled; a figure the basic information lacks, or
    /// one out of the input's range, is left empty.
    pub fn prefill(
        &self,
        tier: Tier,
        authority: Option<&str>,
        revenue: Option<f64>,
        total_assets: Option<f64>,
        employees: Option<f64>,
    ) -> Inputs {
        let known = [
            ("revenue_y1", revenue),
            ("total_assets_y1", total_assets),
            ("employees", employees),
        ];
        let form = self.form_inputs(tier, authority);
        known
            .into_iter()
            .filter_map(|(id, v)| {
                let v = v.filter(|v| v.is_finite())?;
                let def = form.iter().find(|d| d.id == id)?;
                let fits = def.min_value().is_none_or(|m| v >= m)
                    && def.max_value().is_none_or(|m| v <= m);
                fits.then(|| (id.to_string(), Value::Number(v)))
            })
            .collect()
    }

    /// The form grouped by section, sections in file order, empty sections left out.
    pub fn form(&self, tier: Tier, authority: Option<&str>) -> Vec<FormSection<'_>> {
        let inputs = self.form_inputs(tier, authority);
        self.sections
            .iter()
            .map(|s| FormSection {
                section: s,
                inputs: inputs
                    .iter()
                    .copied()
                    .filter(|i| i.section == s.id)
                    .collect(),
            })
            .filter(|fs| !fs.inputs.is_empty())
            .collect()
    }
}

/// A problem with one field of a declaration's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub label: Text,
    pub problem: FieldProblem,
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldProblem {
    Missing,
    /// The field is not part of this tier's form.
    Unknown,
    NotANumber,
    NotWhole,
    BelowMin {
        min: f64,
        unit: Text,
    },
    AboveMax {
        max: f64,
        unit: Text,
    },
    NotBool,
    NotText,
    UnknownOption {
        given: String,
        options: Vec<(String, Text)>,
    },
    /// The field exceeds another one it may not exceed.
    Exceeds {
        other: Text,
    },
}

impl Localized for FieldError {
    fn text(&self) -> Text {
        use format::num;
        let l = &self.label;
        match &self.problem {
            FieldProblem::Missing => {
                Text::new(format!("{}：必须填写", l.zh), format!("{}: required", l.en))
            }
            FieldProblem::Unknown => Text::new(
                format!("“{}”不是本申报表的字段", self.field),
                format!("\"{}\" is not a field of this form", self.field),
            ),
            FieldProblem::NotANumber => Text::new(
                format!("{}：应填写数字", l.zh),
                format!("{}: a number is expected", l.en),
            ),
            FieldProblem::NotWhole => Text::new(
                format!("{}：应为不小于 0 的整数", l.zh),
                format!("{}: a whole number of 0 or more is expected", l.en),
            ),
            FieldProblem::BelowMin { min, unit } if *min == 0.0 => Text::new(
                format!("{}：不能为负数，请填写 0 或正数（{}）", l.zh, unit.zh),
                format!(
                    "{}: must not be negative; enter 0 or more ({})",
                    l.en, unit.en
                ),
            ),
            FieldProblem::BelowMin { min, unit } => Text::new(
                format!("{}：不能小于 {}{}", l.zh, num(*min), unit.zh),
                format!("{}: must be at least {} {}", l.en, num(*min), unit.en),
            ),
            FieldProblem::AboveMax { max, unit } => Text::new(
                format!("{}：不能大于 {}{}", l.zh, num(*max), unit.zh),
                format!("{}: must be at most {} {}", l.en, num(*max), unit.en),
            ),
            FieldProblem::NotBool => Text::new(
                format!("{}：请选择“是”或“否”", l.zh),
                format!("{}: answer yes or no (true/false)", l.en),
            ),
            FieldProblem::NotText => Text::new(
                format!("{}：应填写文字说明", l.zh),
                format!("{}: a text statement is expected", l.en),
            ),
            FieldProblem::UnknownOption { given, options } => Text::new(
                format!(
                    "{}：“{}”不是可选项，可选：{}",
                    l.zh,
                    given,
                    options
                        .iter()
                        .map(|(id, t)| format!("{id}（{}）", t.zh))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                format!(
                    "{}: \"{}\" is not an option; expected one of: {}",
                    l.en,
                    given,
                    options
                        .iter()
                        .map(|(id, t)| format!("{id} ({})", t.en))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            FieldProblem::Exceeds { other } => Text::new(
                format!("{}：不能大于“{}”", l.zh, other.zh),
                format!("{}: must not exceed \"{}\"", l.en, other.en),
            ),
        }
    }
}

impl Ruleset {
    /// Checks inputs against a tier's form. With `complete`, every field must be filled in (as at
    /// submission); without, only the fields given are checked (as while a draft is typed).
    pub fn validate_inputs(
        &self,
        tier: Tier,
        authority: Option<&str>,
        inputs: &Inputs,
        complete: bool,
    ) -> Vec<FieldError> {
        let form = self.form_inputs(tier, authority);
        let mut errors = Vec::new();
        for (id, _) in inputs.iter() {
            if !form.iter().any(|d| &d.id == id) {
                errors.push(FieldError {
                    field: id.clone(),
                    label: Text::new(id, id),
                    problem: FieldProblem::Unknown,
                });
            }
        }
        for def in &form {
            let err = |problem| FieldError {
                field: def.id.clone(),
                label: def.label.clone(),
                problem,
            };
            match inputs.get(&def.id) {
                None => {
                    if complete {
                        errors.push(err(FieldProblem::Missing));
                    }
                }
                Some(Value::Text(t)) if t.trim().is_empty() => {
                    if complete {
                        errors.push(err(FieldProblem::Missing));
                    }
                }
                Some(v) => {
                    if let Some(p) = check_value(def, v) {
                        errors.push(err(p));
                    }
                }
            }
        }
        for check in &self.checks {
            let [a, b] = &check.not_greater;
            if let (Some(Value::Number(x)), Some(Value::Number(y))) = (inputs.get(a), inputs.get(b))
                && x > y
                && form.iter().any(|d| &d.id == a)
                && !errors.iter().any(|e| &e.field == a || &e.field == b)
            {
                errors.push(FieldError {
                    field: a.clone(),
                    label: self.figure_label(a),
                    problem: FieldProblem::Exceeds {
                        other: self.figure_label(b),
                    },
                });
            }
        }
        errors
    }
}

/// Checks one value against its input definition.
fn check_value(def: &InputDef, v: &Value) -> Option<FieldProblem> {
    match def.kind {
        k if k.is_numeric() => {
            let Value::Number(x) = v else {
                return Some(FieldProblem::NotANumber);
            };
            if !x.is_finite() {
                return Some(FieldProblem::NotANumber);
            }
            if k == InputKind::Count && x.fract() != 0.0 {
                return Some(FieldProblem::NotWhole);
            }
            if let Some(min) = def.min_value()
                && *x < min
            {
                return Some(FieldProblem::BelowMin {
                    min,
                    unit: def.unit_text(),
                });
            }
            if let Some(max) = def.max_value()
                && *x > max
            {
                return Some(FieldProblem::AboveMax {
                    max,
                    unit: def.unit_text(),
                });
            }
            None
        }
        InputKind::Bool => (!matches!(v, Value::Bool(_))).then_some(FieldProblem::NotBool),
        InputKind::Choice => match v {
            Value::Text(t) if def.options.iter().any(|o| &o.id == t) => None,
            other => Some(FieldProblem::UnknownOption {
                given: match other {
                    Value::Text(t) => t.clone(),
                    Value::Number(n) => format::num(*n),
                    Value::Bool(b) => b.to_string(),
                },
                options: def
                    .options
                    .iter()
                    .map(|o| (o.id.clone(), o.label.clone()))
                    .collect(),
            }),
        },
        InputKind::Text => (!matches!(v, Value::Text(_))).then_some(FieldProblem::NotText),
        _ => None,
    }
}
