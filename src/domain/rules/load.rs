//! Reading a ruleset file and checking that it is consistent before anything is scored with it.

use super::{Band, Condition, IndicatorDef, IndicatorRule, InputKind, Ruleset, TierRules};
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::Tier;
use std::collections::BTreeSet;

/// A ruleset file that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum RulesetError {
    /// The file is not valid TOML of the ruleset shape.
    Syntax(String),
    /// The file is well-formed but inconsistent.
    Invalid(String),
}

impl Localized for RulesetError {
    fn text(&self) -> Text {
        match self {
            RulesetError::Syntax(m) => Text::new(
                format!("规则文件格式错误：{m}"),
                format!("ruleset file is malformed: {m}"),
            ),
            RulesetError::Invalid(m) => Text::new(
                format!("规则文件内容不一致：{m}"),
                format!("ruleset file is inconsistent: {m}"),
            ),
        }
    }
}

impl std::fmt::Display for RulesetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for RulesetError {}

const EPS: f64 = 1e-9;

impl Ruleset {
    /// Parses and checks a ruleset file.
    pub fn parse(src: &str) -> Result<Ruleset, RulesetError> {
        let rs: Ruleset = toml::from_str(src).map_err(|e| RulesetError::Syntax(e.to_string()))?;
        rs.check().map_err(RulesetError::Invalid)?;
        Ok(rs)
    }

    /// Every reference resolves, every table is ordered, and the points add up.
    fn check(&self) -> Result<(), String> {
        let mut ids = BTreeSet::new();
        for i in self
            .inputs
            .iter()
            .chain(self.local_sets.iter().flat_map(|s| s.inputs.iter()))
        {
            if !ids.insert(i.id.as_str()) {
                return Err(format!("input `{}` is defined twice", i.id));
            }
            if !self.sections.iter().any(|s| s.id == i.section) {
                return Err(format!("input `{}`: unknown section `{}`", i.id, i.section));
            }
            if i.kind == InputKind::Choice && i.options.len() < 2 {
                return Err(format!("choice input `{}` needs at least 2 options", i.id));
            }
        }
        let (m, d) = self
            .info_update_until
            .split_once('-')
            .ok_or("info_update_until must be MM-DD")?;
        let (m, d): (u32, u32) = (
            m.parse().map_err(|_| "info_update_until month")?,
            d.parse().map_err(|_| "info_update_until day")?,
        );
        if chrono::NaiveDate::from_ymd_opt(2024, m, d).is_none() {
            return Err("info_update_until is not a date".into());
        }
        for c in &self.checks {
            for x in &c.not_greater {
                self.numeric(x)?;
            }
        }
        let mut metric_ids = BTreeSet::new();
        for m in &self.metrics {
            if ids.contains(m.id.as_str()) || !metric_ids.insert(m.id.as_str()) {
                return Err(format!("metric `{}` is defined twice", m.id));
            }
            if m.of.len() < 2 && !matches!(m.kind, super::MetricKind::Sum) {
                return Err(format!("metric `{}` needs two operands", m.id));
            }
            for x in &m.of {
                // Operands must be numeric inputs or metrics defined earlier.
                let earlier = self
                    .metrics
                    .iter()
                    .take_while(|e| e.id != m.id)
                    .any(|e| &e.id == x);
                if !earlier {
                    self.numeric_input(x)
                        .map_err(|e| format!("metric `{}`: {e}", m.id))?;
                }
            }
        }
        for (tier, rules) in &self.tiers {
            self.check_tier(*tier, rules)
                .map_err(|e| format!("tier `{}`: {e}", tier.code()))?;
        }
        for set in &self.local_sets {
            let n = set.indicators.len();
            if !(1..=3).contains(&n) {
                return Err(format!(
                    "local set `{}` must have 1 to 3 indicators, has {n}",
                    set.id
                ));
            }
            for ind in &set.indicators {
                if matches!(ind.rule, IndicatorRule::Local) {
                    return Err(format!("local set `{}` cannot nest `local`", set.id));
                }
                self.check_indicator(ind)
                    .map_err(|e| format!("local set `{}`: {e}", set.id))?;
            }
        }
        if !self.local_sets.is_empty() && !self.local_sets.iter().any(|s| s.id == "default") {
            return Err("local sets need one with id `default`".into());
        }
        Ok(())
    }

    fn check_tier(&self, tier: Tier, rules: &TierRules) -> Result<(), String> {
        for f in &rules.form {
            if self.inputs.iter().all(|i| &i.id != f) {
                return Err(format!("form names unknown input `{f}`"));
            }
        }
        for s in &rules.statements {
            if !rules.form.contains(s) || self.input(s).map(|i| i.kind) != Some(InputKind::Text) {
                return Err(format!("statement `{s}` must be a text input of the form"));
            }
        }
        // Every input a rule reads must be on the form, or the enterprise could never give it.
        let mut used = Vec::new();
        for ind in &rules.indicators {
            if !rules.groups.iter().any(|g| g.id == ind.group) {
                return Err(format!(
                    "indicator {}: unknown group `{}`",
                    ind.no, ind.group
                ));
            }
            self.check_indicator(ind)?;
            collect_indicator_refs(ind, &mut used);
        }
        for g in &rules.gates {
            self.check_condition(&g.when)?;
            collect_condition_refs(&g.when, &mut used);
        }
        for d in &rules.direct {
            self.check_condition(&d.when)?;
            collect_condition_refs(&d.when, &mut used);
        }
        for id in used {
            let inputs = self.operand_inputs(&id);
            for i in inputs {
                if !rules.form.contains(&i) {
                    return Err(format!(
                        "`{id}` reads input `{i}`, which is not on the form"
                    ));
                }
            }
        }
        // Points add up: indicators fill each group, groups fill the total.
        for g in &rules.groups {
            let sum: f64 = rules
                .indicators
                .iter()
                .filter(|i| i.group == g.id)
                .map(|i| i.max)
                .sum();
            if (sum - g.max).abs() > EPS {
                return Err(format!(
                    "group `{}` is worth {} but its indicators add up to {sum}",
                    g.id, g.max
                ));
            }
        }
        if let Some(pass) = rules.pass_score {
            let total: f64 = rules.groups.iter().map(|g| g.max).sum();
            if pass > total {
                return Err(format!("pass score {pass} is above the maximum {total}"));
            }
        }
        if rules
            .indicators
            .iter()
            .any(|i| matches!(i.rule, IndicatorRule::Local))
        {
            let max = rules
                .indicators
                .iter()
                .find(|i| matches!(i.rule, IndicatorRule::Local))
                .map(|i| i.max)
                .unwrap_or_default();
            for set in &self.local_sets {
                let sum: f64 = set.indicators.iter().map(|i| i.max).sum();
                if (sum - max).abs() > EPS {
                    return Err(format!(
                        "local set `{}` is worth {sum}, the local indicator {max}",
                        set.id
                    ));
                }
            }
        }
        let _ = tier;
        Ok(())
    }

    fn check_indicator(&self, ind: &IndicatorDef) -> Result<(), String> {
        let ctx = |e: String| format!("indicator {} ({}): {e}", ind.no, ind.label.zh);
        match &ind.rule {
            IndicatorRule::Bands { metric, bands } => {
                self.numeric(metric).map_err(ctx)?;
                check_bands(bands, ind.max).map_err(ctx)?;
            }
            IndicatorRule::Choice { input, points } => {
                let def = self
                    .input(input)
                    .ok_or_else(|| ctx(format!("unknown input `{input}`")))?;
                let opts = def.option_ids();
                if opts.is_empty() {
                    return Err(ctx(format!("`{input}` is not a choice or bool")));
                }
                for o in &opts {
                    match points.get(*o) {
                        Some(p) if *p <= ind.max + EPS => {}
                        Some(p) => return Err(ctx(format!("option `{o}` gives {p} > max"))),
                        None => return Err(ctx(format!("option `{o}` has no points"))),
                    }
                }
                if points.len() != opts.len() {
                    return Err(ctx("points name an option the input does not have".into()));
                }
            }
            IndicatorRule::Count {
                inputs,
                points_each,
            } => {
                for i in inputs {
                    if self.input(i).map(|d| d.kind) != Some(InputKind::Bool) {
                        return Err(ctx(format!("`{i}` is not a bool input")));
                    }
                }
                if *points_each <= 0.0 {
                    return Err(ctx("points_each must be positive".into()));
                }
            }
            IndicatorRule::Step {
                metric,
                per,
                points_per_step,
            } => {
                self.numeric(metric).map_err(ctx)?;
                if *per <= 0.0 || *points_per_step <= 0.0 {
                    return Err(ctx("per and points_per_step must be positive".into()));
                }
            }
            IndicatorRule::BestOf { of } => {
                if of.len() < 2 {
                    return Err(ctx("best_of needs two rules".into()));
                }
                for b in of {
                    self.numeric(&b.metric).map_err(ctx)?;
                    check_bands(&b.bands, ind.max).map_err(ctx)?;
                }
            }
            IndicatorRule::DigitalLevel { points } => {
                for k in ["none", "l1", "l2", "l3", "l4"] {
                    if !points.contains_key(k) {
                        return Err(ctx(format!("digital_level needs points for `{k}`")));
                    }
                }
            }
            IndicatorRule::Local => {
                if self.local_sets.is_empty() {
                    return Err(ctx("a `local` indicator needs local_sets".into()));
                }
            }
        }
        Ok(())
    }

    fn check_condition(&self, c: &Condition) -> Result<(), String> {
        match c {
            Condition::Compare {
                metric,
                at_least,
                at_most,
            } => {
                self.numeric(metric)?;
                if at_least.is_some() == at_most.is_some() {
                    return Err(format!("compare on `{metric}` needs at_least or at_most"));
                }
            }
            Condition::Flag { flag } => {
                if self.input(flag).map(|d| d.kind) != Some(InputKind::Bool) {
                    return Err(format!("flag `{flag}` is not a bool input"));
                }
            }
            Condition::OneOf { input, one_of } => {
                let def = self
                    .input(input)
                    .ok_or_else(|| format!("unknown input `{input}`"))?;
                for o in one_of {
                    if !def.option_ids().contains(&o.as_str()) {
                        return Err(format!("`{input}` has no option `{o}`"));
                    }
                }
            }
            Condition::All { all: cs } | Condition::Any { any: cs } => {
                if cs.is_empty() {
                    return Err("empty all/any".into());
                }
                for c in cs {
                    self.check_condition(c)?;
                }
            }
            Condition::Switch { switch, cases } => {
                self.numeric(switch)?;
                let Some(last) = cases.last() else {
                    return Err(format!("switch on `{switch}` has no cases"));
                };
                if last.at_least.is_some() {
                    return Err(format!(
                        "switch on `{switch}` needs a last case without a bound"
                    ));
                }
                let bounds: Vec<f64> = cases.iter().filter_map(|c| c.at_least).collect();
                if bounds.len() != cases.len() - 1 || bounds.windows(2).any(|w| w[0] <= w[1]) {
                    return Err(format!("switch on `{switch}`: bounds must decrease"));
                }
                for c in cases {
                    self.check_condition(&c.then)?;
                }
            }
        }
        Ok(())
    }

    /// A metric or a numeric input.
    fn numeric(&self, id: &str) -> Result<(), String> {
        if self.metric(id).is_some() {
            return Ok(());
        }
        self.numeric_input(id)
    }

    fn numeric_input(&self, id: &str) -> Result<(), String> {
        match self.input(id) {
            Some(d) if d.kind.is_numeric() => Ok(()),
            Some(_) => Err(format!("`{id}` is not a numeric input")),
            None => Err(format!("unknown input or metric `{id}`")),
        }
    }

    /// The inputs a metric or input id ultimately reads.
    pub(super) fn operand_inputs(&self, id: &str) -> Vec<String> {
        match self.metric(id) {
            Some(m) => m.of.iter().flat_map(|x| self.operand_inputs(x)).collect(),
            None => vec![id.to_string()],
        }
    }
}

/// Bands: all but the last bounded, one direction only, ordered from the best band down, points
/// within the indicator's maximum.
fn check_bands(bands: &[Band], max: f64) -> Result<(), String> {
    let Some(last) = bands.last() else {
        return Err("no bands".into());
    };
    if last.at_least.is_some() || last.at_most.is_some() {
        return Err("the last band must have no bound (it catches the rest)".into());
    }
    let head = &bands[..bands.len() - 1];
    let lows: Vec<f64> = head.iter().filter_map(|b| b.at_least).collect();
    let highs: Vec<f64> = head.iter().filter_map(|b| b.at_most).collect();
    let ordered = if lows.len() == head.len() && highs.is_empty() {
        lows.windows(2).all(|w| w[0] > w[1])
    } else if highs.len() == head.len() && lows.is_empty() {
        highs.windows(2).all(|w| w[0] < w[1])
    } else {
        return Err("bands must all use at_least or all use at_most".into());
    };
    if !ordered {
        return Err("band bounds must go from the best band to the worst".into());
    }
    if bands.windows(2).any(|w| w[0].points < w[1].points) {
        return Err("band points must not rise towards the worse bands".into());
    }
    if bands.iter().any(|b| b.points > max + EPS || b.points < 0.0) {
        return Err(format!("band points must lie within 0..={max}"));
    }
    Ok(())
}

fn collect_indicator_refs(ind: &IndicatorDef, out: &mut Vec<String>) {
    match &ind.rule {
        IndicatorRule::Bands { metric, .. } | IndicatorRule::Step { metric, .. } => {
            out.push(metric.clone())
        }
        IndicatorRule::Choice { input, .. } => out.push(input.clone()),
        IndicatorRule::Count { inputs, .. } => out.extend(inputs.iter().cloned()),
        IndicatorRule::BestOf { of } => out.extend(of.iter().map(|b| b.metric.clone())),
        IndicatorRule::DigitalLevel { .. } | IndicatorRule::Local => {}
    }
}

fn collect_condition_refs(c: &Condition, out: &mut Vec<String>) {
    match c {
        Condition::Compare { metric, .. } => out.push(metric.clone()),
        Condition::Flag { flag } => out.push(flag.clone()),
        Condition::OneOf { input, .. } => out.push(input.clone()),
        Condition::All { all: cs } | Condition::Any { any: cs } => {
            cs.iter().for_each(|c| collect_condition_refs(c, out))
        }
        Condition::Switch { switch, cases } => {
            out.push(switch.clone());
            cases
                .iter()
                .for_each(|c| collect_condition_refs(&c.then, out));
        }
    }
}
