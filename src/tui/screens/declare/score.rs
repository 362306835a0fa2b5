//! The score panel: a declaration's evaluation as the enterprise types it — the total and the
//! verdict with its route, each group, each indicator's figure, band and points, every gate and
//! direct condition with the figures that decided it, and what is still missing.
//!
//! The figures come from [`crate::domain::rules`], the same pure code the server runs when it
//! stores the score at submission, fed with the same context: the batch's ruleset, the
//! enterprise's certifying authority (its local indicators) as the form endpoint names it, and
//! the level of the enterprise's assessment that counts. Nothing is scored here.

use crate::display;
use crate::domain::Lang;
use crate::domain::rules::{Breakdown, Context, Inputs, Route, Ruleset, TestResult, TestStatus};
use crate::domain::tiers::{DigitalLevel, Tier};
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::theme::Role;
use crate::tui::widgets::{block, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

/// What a local evaluation needs besides the inputs.
#[derive(Debug, Clone)]
pub struct Scorer {
    pub ruleset: &'static Ruleset,
    pub tier: Tier,
    pub context: Context,
}

impl Scorer {
    /// From the form endpoint's answer (`ruleset`, `tier`, `batch`, `authority_code`) and the
    /// level of the assessment that counts.
    pub fn from_form(form: &serde_json::Value, level: Option<DigitalLevel>) -> Option<Scorer> {
        let ruleset = Ruleset::builtin(form["ruleset"].as_str()?)?;
        let tier: Tier = serde_json::from_value(form["tier"].clone()).ok()?;
        let batch = i32::try_from(form["batch"].as_i64()?).ok()?;
        Some(Scorer {
            ruleset,
            tier,
            context: Context {
                batch_year: batch,
                authority: form["authority_code"].as_str().map(str::to_string),
                digital_level: level,
            },
        })
    }

    pub fn evaluate(&self, inputs: &Inputs) -> Option<Breakdown> {
        self.ruleset.evaluate(self.tier, inputs, &self.context)
    }

    /// The label of an input of the form.
    pub fn input_label(&self, id: &str, lang: Lang) -> String {
        self.ruleset
            .input(id)
            .map(|d| d.label.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    }
}

/// The level of the assessment that counts, from the API's list of attempts.
pub fn counting_level(assessments: &serde_json::Value) -> Option<DigitalLevel> {
    assessments["items"]
        .as_array()?
        .iter()
        .find(|a| a["counts"] == true)
        .and_then(|a| serde_json::from_value(a["level"].clone()).ok())
}

/// Points as the rules print them: `15`, `2.5`.
pub fn points(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// One row of the panel.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    left: String,
    right: String,
    role: Role,
    right_role: Role,
    /// Depends on the focused field.
    related: bool,
}

impl Row {
    fn new(left: String, right: String, role: Role) -> Row {
        Row {
            left,
            right,
            role,
            right_role: role,
            related: false,
        }
    }
}

fn status_role(s: TestStatus) -> Role {
    match s {
        TestStatus::Pass => Role::BadgePass,
        TestStatus::Fail => Role::BadgeFail,
        TestStatus::Missing => Role::BadgePending,
        TestStatus::NotApplicable => Role::Muted,
    }
}

/// The panel.
#[derive(Debug, Clone, Default)]
pub struct ScorePanel {
    breakdown: Option<Breakdown>,
    /// Rows of the indicators and tests that depend on the focused field.
    related: RelatedRows,
    /// Labels of missing inputs, in form order.
    missing: Vec<String>,
    scroll: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct RelatedRows {
    indicators: Vec<u32>,
    tests: Vec<String>,
}

impl ScorePanel {
    pub fn breakdown(&self) -> Option<&Breakdown> {
        self.breakdown.as_ref()
    }

    /// The total shown (None for tiers judged by tests only, or before the first evaluation).
    pub fn total(&self) -> Option<f64> {
        self.breakdown.as_ref().and_then(|b| b.total)
    }

    /// Re-evaluates `inputs`; `focused` is the field with the focus, whose indicators and
    /// tests are marked. Returns whether anything shown changed.
    pub fn update(
        &mut self,
        scorer: &Scorer,
        inputs: &Inputs,
        focused: Option<&str>,
        lang: Lang,
    ) -> bool {
        let before = (
            self.breakdown.clone(),
            self.related.clone(),
            self.missing.clone(),
        );
        self.breakdown = scorer.evaluate(inputs);
        self.related = RelatedRows::default();
        if let (Some(full), Some(f)) = (&self.breakdown, focused) {
            // what depends on the field: evaluate without it and see what changes
            let mut without = inputs.clone();
            without.remove(f);
            if let Some(other) = scorer.evaluate(&without) {
                for (a, b) in full.indicators.iter().zip(&other.indicators) {
                    if b.missing.iter().any(|m| m == f) || a != b {
                        self.related.indicators.push(a.no);
                    }
                }
                let tests = full.gates.iter().chain(&full.direct);
                let others = other.gates.iter().chain(&other.direct);
                for (a, b) in tests.zip(others) {
                    if a.status != b.status || a.detail != b.detail {
                        self.related.tests.push(a.id.clone());
                    }
                }
            }
        }
        self.missing = self
            .breakdown
            .as_ref()
            .map(|b| {
                b.missing
                    .iter()
                    .map(|m| scorer.input_label(m, lang))
                    .collect()
            })
            .unwrap_or_default();
        before
            != (
                self.breakdown.clone(),
                self.related.clone(),
                self.missing.clone(),
            )
    }

    /// Shows a stored breakdown (the server's, at submission) as it is.
    pub fn set_breakdown(&mut self, b: Option<Breakdown>, scorer: Option<&Scorer>, lang: Lang) {
        self.missing = match (&b, scorer) {
            (Some(b), Some(s)) => b.missing.iter().map(|m| s.input_label(m, lang)).collect(),
            (Some(b), None) => b.missing.clone(),
            _ => Vec::new(),
        };
        self.breakdown = b;
        self.related = RelatedRows::default();
    }

    /// The headline: total and verdict, e.g. `总分 72/100（达标线 60）· 符合条件（评分达标）`.
    pub fn headline(&self, ui: &Ui) -> String {
        let Some(b) = &self.breakdown else {
            return ui.tr("declare.score.none");
        };
        let verdict = b.verdict.headline().get(ui.lang).to_string();
        match (b.total, b.max_total) {
            (Some(t), Some(m)) => format!("{} · {verdict}", total_text(ui, t, m, b.pass_score)),
            _ => verdict,
        }
    }

    fn rows(&self, ui: &Ui) -> Vec<Row> {
        let lang = ui.lang;
        let Some(b) = &self.breakdown else {
            return vec![Row::new(
                ui.tr("declare.score.none"),
                String::new(),
                Role::Muted,
            )];
        };
        let mut rows = Vec::new();
        let verdict_role = if b.verdict.qualifies {
            Role::Success
        } else {
            Role::Warning
        };
        let head = match (b.total, b.max_total) {
            (Some(t), Some(m)) => total_text(ui, t, m, b.pass_score),
            _ => ui.tr("declare.score.tests_only"),
        };
        // a direct route's condition has a row of its own below
        let verdict = match &b.verdict.route {
            Route::Direct { .. } => ui.tr("declare.score.qualifies_direct"),
            _ => b.verdict.headline().get(lang).to_string(),
        };
        let mut first = Row::new(head, verdict, Role::Title);
        first.right_role = verdict_role;
        rows.push(first);
        if let Route::Direct { label, .. } = &b.verdict.route {
            rows.push(Row::new(
                trf(
                    lang,
                    "declare.score.route_direct",
                    &[("label", label.get(lang))],
                ),
                String::new(),
                Role::Success,
            ));
        }
        for r in &b.verdict.reasons {
            rows.push(Row::new(
                r.get(lang).to_string(),
                String::new(),
                Role::Muted,
            ));
        }
        for g in &b.groups {
            let mut right = format!("{}/{}", points(g.points), points(g.max));
            let mut role = Role::Text;
            if let (Some(floor), Some(met)) = (g.floor, g.floor_met) {
                right = format!(
                    "{right} {}",
                    trf(lang, "declare.score.floor", &[("floor", &points(floor))])
                );
                if !met {
                    role = Role::Warning;
                }
            }
            let mut row = Row::new(g.label.get(lang).to_string(), right, Role::Title);
            row.right_role = role;
            rows.push(row);
            for i in b.indicators.iter().filter(|i| i.group == g.id) {
                // a choice's figure is its band: show it once
                let figure = i
                    .figure
                    .as_ref()
                    .filter(|f| f.get(lang) != i.band.get(lang))
                    .map(|f| format!("{} ", f.get(lang)))
                    .unwrap_or_default();
                let right = format!(
                    "{figure}{} {}/{}",
                    i.band.get(lang),
                    points(i.points),
                    points(i.max)
                );
                let mut row = Row::new(
                    format!("{} {}", i.no, i.label.get(lang)),
                    right,
                    if i.missing.is_empty() {
                        Role::Text
                    } else {
                        Role::Muted
                    },
                );
                row.related = self.related.indicators.contains(&i.no);
                rows.push(row);
            }
        }
        let tests = |title: &str, list: &[TestResult], rows: &mut Vec<Row>| {
            if list.is_empty() {
                return;
            }
            rows.push(Row::new(ui.tr(title), String::new(), Role::Title));
            for t in list {
                let aspect = t
                    .aspect
                    .as_ref()
                    .map(|a| format!("{}·", a.get(lang)))
                    .unwrap_or_default();
                let mut row = Row::new(
                    format!("{aspect}{}", t.label.get(lang)),
                    t.status.name().get(lang).to_string(),
                    Role::Text,
                );
                row.right_role = status_role(t.status);
                row.related = self.related.tests.contains(&t.id);
                rows.push(row);
                let detail = t.detail.get(lang);
                if !detail.is_empty() {
                    let mut d = Row::new(format!("  {detail}"), String::new(), Role::Muted);
                    d.related = row_related(&self.related, t);
                    rows.push(d);
                }
            }
        };
        tests("declare.score.gates", &b.gates, &mut rows);
        tests("declare.score.direct", &b.direct, &mut rows);
        if !self.missing.is_empty() {
            rows.push(Row::new(
                trf(
                    lang,
                    "declare.score.missing",
                    &[
                        ("n", &self.missing.len().to_string()),
                        (
                            "fields",
                            &self
                                .missing
                                .join(if lang == Lang::Zh { "、" } else { ", " }),
                        ),
                    ],
                ),
                String::new(),
                Role::Muted,
            ));
        }
        rows
    }

    /// Scrolls the body by `delta` rows (the headline stays).
    pub fn scroll_by(&mut self, delta: isize) -> bool {
        let to = self.scroll.saturating_add_signed(delta);
        let changed = to != self.scroll;
        self.scroll = to;
        changed
    }

    /// The whole breakdown as text (for the full-screen view), one row per line.
    pub fn text(&self, ui: &Ui) -> String {
        self.rows(ui)
            .into_iter()
            .map(|r| {
                if r.right.is_empty() {
                    r.left
                } else {
                    format!("{}  {}", r.left, r.right)
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Draws the panel: a frame titled `title`, the headline on the first row, the rest
    /// scrolled so the rows of the focused field show (they are marked).
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui, title: &str) {
        let frame = block(ui, title, false);
        let inner = frame.inner(area);
        frame.render(area, buf);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        let rows = self.rows(ui);
        let body = inner.height.saturating_sub(1) as usize;
        let rest = rows.len().saturating_sub(1);
        let max_scroll = rest.saturating_sub(body);
        // the rows of the focused field come into view, at the top
        if let Some(first) = rows.iter().skip(1).position(|r| r.related) {
            let last = rows
                .iter()
                .skip(1)
                .rposition(|r| r.related)
                .unwrap_or(first);
            if first < self.scroll || last >= self.scroll + body {
                self.scroll = first;
            }
        }
        self.scroll = self.scroll.min(max_scroll);
        let shown = rows
            .iter()
            .take(1)
            .chain(rows.iter().skip(1 + self.scroll).take(body));
        for (i, row) in shown.enumerate() {
            let y = inner.y + i as u16;
            let x = inner.x + 1;
            let w = inner.width.saturating_sub(2);
            let right_w = (display::width(&row.right) as u16).min(w);
            let left_room = if row.right.is_empty() {
                w
            } else {
                w.saturating_sub(right_w + 1)
            };
            let mut style = ui.style(row.role);
            if row.related {
                style = ui.style(Role::Selection);
            }
            put(buf, x, y, &row.left, left_room, style);
            if !row.right.is_empty() {
                let rs = if row.related {
                    ui.style(Role::Selection)
                } else {
                    ui.style(row.right_role)
                };
                put(buf, x + w - right_w, y, &row.right, right_w, rs);
            }
        }
        let muted = ui.style(Role::Muted);
        if self.scroll > 0 && inner.height > 1 {
            put(
                buf,
                inner.right() - 1,
                inner.y + 1,
                ui.symbols.more_above,
                1,
                muted,
            );
        }
        if self.scroll < max_scroll {
            put(
                buf,
                inner.right() - 1,
                inner.bottom() - 1,
                ui.symbols.more_below,
                1,
                muted,
            );
        }
    }
}

fn row_related(related: &RelatedRows, t: &TestResult) -> bool {
    related.tests.contains(&t.id)
}

fn total_text(ui: &Ui, total: f64, max: f64, pass: Option<f64>) -> String {
    match pass {
        Some(p) => trf(
            ui.lang,
            "declare.score.total_pass",
            &[
                ("total", &points(total)),
                ("max", &points(max)),
                ("pass", &points(p)),
            ],
        ),
        None => trf(
            ui.lang,
            "declare.score.total",
            &[("total", &points(total)), ("max", &points(max))],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_print_like_the_rules() {
        assert_eq!(points(15.0), "15");
        assert_eq!(points(2.5), "2.5");
        assert_eq!(points(0.0), "0");
        assert_eq!(points(7.333333), "7.33");
    }

    fn innovative() -> Scorer {
        Scorer {
            ruleset: Ruleset::builtin("2022").unwrap(),
            tier: Tier::Innovative,
            context: Context {
                batch_year: 2026,
                authority: Some("110000".into()),
                digital_level: None,
            },
        }
    }

    #[test]
    fn a_direct_route_heads_the_panel_and_the_focused_fields_rows_show() {
        use crate::domain::rules::Value;
        use crate::tui::widgets::testing::draw;
        let ui = Ui::default();
        let scorer = innovative();
        let mut inputs = Inputs::new();
        inputs.insert("revenue_y1".into(), Value::Number(2880.0));
        inputs.insert("equity_3y".into(), Value::Number(600.0));
        let mut panel = ScorePanel::default();
        assert!(panel.update(&scorer, &inputs, Some("equity_3y"), Lang::Zh));
        // the same evaluation again changes nothing shown
        assert!(!panel.update(&scorer, &inputs, Some("equity_3y"), Lang::Zh));
        assert!(panel.breakdown().unwrap().verdict.qualifies);
        let screen = draw(80, 8, |area, buf| panel.render(area, buf, &ui, "实时评分"));
        assert!(screen.contains("符合条件（直通）"), "{screen}");
        // the rows of the focused field (the equity condition) are scrolled into view
        assert!(screen.contains("600 万元 ≥ 500 万元"), "{screen}");
        // another field: its rows instead
        assert!(panel.update(&scorer, &inputs, Some("revenue_y1"), Lang::Zh));
        let screen = draw(80, 8, |area, buf| panel.render(area, buf, &ui, "实时评分"));
        assert!(!screen.contains("600 万元 ≥ 500 万元"), "{screen}");
    }

    #[test]
    fn the_counting_assessment_gives_the_level() {
        let v = serde_json::json!({"items": [
            {"counts": false, "level": "l1"},
            {"counts": true, "level": "l3"}
        ]});
        assert_eq!(counting_level(&v), Some(DigitalLevel::L3));
        assert_eq!(counting_level(&serde_json::json!({"items": []})), None);
    }
}
