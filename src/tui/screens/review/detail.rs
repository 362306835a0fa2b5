//! What a reviewer decides on: the item's header (enterprise, tier, state, score), and four
//! panels — 概况 (the enterprise and the figures of its form), 评分 (the score breakdown: every
//! gate with the figures that decided it, every indicator with the enterprise's figure beside
//! its band and points, the assessment level, the verdict), 材料 (evidence: the listing of a
//! zip, saving a file) and 记录 (the status history: who, when, what, the reason).
//!
//! Decisions (`a` pass, `r` return, `x` reject) open the reason popup; what the reviewer may do
//! is the API's `allowed_actions`. A decision made on a stale version is refused by the API with
//! who acted first: the screen says so in plain words and reloads the item.

use super::decide::{Decision, ReasonPanel, Target};
use super::{
    ZipListing, conflict_text, datetime_of, free_path, is_back, plain, save_dir, score_text,
    state_text, tier_label,
};
use crate::client::ClientError;
use crate::display;
use crate::domain::Lang;
use crate::i18n::{tr, trf};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, take};
use crate::tui::screens::{PanelEvent, date_of, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::progress::format_bytes;
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

const TABS: [&str; 4] = [
    "review.tab.overview",
    "review.tab.score",
    "review.tab.evidence",
    "review.tab.history",
];
const EVIDENCE: usize = 2;

/// The detail of one item.
pub struct ItemDetail {
    id: String,
    name: String,
    data: Option<Value>,
    tab: usize,
    scroll: [usize; 4],
    /// Content rows visible at the last render.
    page: usize,
    /// Lines of the current panel at the last render (for scrolling limits).
    line_count: usize,
    evidence_cursor: usize,
    panel: Option<Box<ReasonPanel>>,
    /// A reason typed and left with Esc: offered again for the same decision.
    stash: Option<Box<ReasonPanel>>,
    /// A message that stays above the panels (a conflict) until the next action.
    notice: Option<(String, Role)>,
    failed: Option<String>,
}

impl ItemDetail {
    pub fn new(_ui: &Ui, id: &str, name: &str) -> ItemDetail {
        ItemDetail {
            id: id.to_string(),
            name: name.to_string(),
            data: None,
            tab: 0,
            scroll: [0; 4],
            page: 10,
            line_count: 0,
            evidence_cursor: 0,
            panel: None,
            stash: None,
            notice: None,
            failed: None,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        let id = self.id.clone();
        cx.spawn("load", move |c| async move {
            c.review_item(&id).await.map(|t| t.value)
        });
    }

    fn evidence(&self) -> Vec<Value> {
        self.data
            .as_ref()
            .and_then(|d| d["evidence"].as_array().cloned())
            .unwrap_or_default()
    }

    fn allowed(&self, d: Decision) -> bool {
        self.data
            .as_ref()
            .and_then(|v| v["allowed_actions"].as_array())
            .is_some_and(|a| a.iter().any(|x| x == d.code()))
    }

    fn open_decision(&mut self, d: Decision, cx: &mut Ctx) -> Handled {
        let Some(data) = &self.data else {
            return Handled::Unchanged;
        };
        if !self.allowed(d) {
            let allowed: Vec<String> = data["allowed_actions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(|x| action_label(cx.lang(), x))
                        .collect()
                })
                .unwrap_or_default();
            let sep = if cx.lang() == Lang::Zh { "、" } else { ", " };
            let key = if allowed.is_empty() {
                "review.not_allowed.none"
            } else {
                "review.not_allowed"
            };
            cx.info(&trf(
                cx.lang(),
                key,
                &[
                    ("action", &action_label(cx.lang(), d.code())),
                    ("state", &state_text(cx.lang(), &data["item"]["state"])),
                    ("allowed", &allowed.join(sep)),
                ],
            ));
            return Handled::Changed;
        }
        let version = data["item"]["version"].as_i64().unwrap_or_default();
        if let Some(p) = self.stash.take()
            && p.decision == d
            && p.targets.first().is_some_and(|t| t.version == version)
        {
            self.panel = Some(p);
            return Handled::Changed;
        }
        let target = Target {
            id: self.id.clone(),
            version,
            name: self.name.clone(),
        };
        self.panel = Some(Box::new(ReasonPanel::new(cx.ui, d, vec![target])));
        let code = d.code();
        cx.spawn("templates", move |c| async move {
            c.reason_templates(Some(code)).await
        });
        Handled::Changed
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Some(p) = &mut self.panel else {
            return;
        };
        let Some(text) = p.begin(cx.ui) else {
            return;
        };
        let Some(t) = p.targets.first().cloned() else {
            return;
        };
        let d = p.decision;
        cx.spawn("decide", move |c| async move {
            let text = (!text.is_empty()).then_some(text);
            c.decide(&t.id, t.version, d.code(), text.as_deref()).await
        });
    }

    fn save_evidence(&mut self, cx: &mut Ctx) {
        let list = self.evidence();
        let Some(ev) = list.get(self.evidence_cursor) else {
            return;
        };
        let id = ev["id"].as_str().unwrap_or_default().to_string();
        let name = ev["name"].as_str().unwrap_or("evidence").to_string();
        let dir = save_dir(cx.session);
        cx.info(&trf(
            cx.lang(),
            "review.evidence.saving",
            &[("name", &name)],
        ));
        cx.spawn("save", move |c| async move {
            let (bytes, _) = c.evidence_bytes(&id).await?;
            tokio::task::spawn_blocking(move || write_new(&dir, &name, &bytes))
                .await
                .map_err(|e| ClientError::Transport(e.to_string()))?
                .map_err(|e| ClientError::Transport(e.to_string()))
        });
    }

    fn scroll_by(&mut self, delta: isize) -> bool {
        let max = self.line_count.saturating_sub(self.page);
        let s = &mut self.scroll[self.tab];
        let new = s.saturating_add_signed(delta).min(max);
        let changed = new != *s;
        *s = new;
        changed
    }

    fn header_lines(&self, ui: &Ui) -> Vec<(String, Role)> {
        let lang = ui.lang;
        let Some(d) = &self.data else {
            return vec![(ui.tr("common.loading"), Role::Muted)];
        };
        let item = &d["item"];
        let mut first = vec![
            item["uscc"].as_str().unwrap_or_default().to_string(),
            tier_label(lang, item["tier"].as_str().unwrap_or_default()),
            trf(
                lang,
                "review.detail.batch",
                &[(
                    "year",
                    &item["batch"].as_i64().unwrap_or_default().to_string(),
                )],
            ),
        ];
        if let Some(sub) = item["subtype"].as_str() {
            // a major change names its type (更名 …); other subtypes are shown as they come
            first.push(if item["kind"] == "change" {
                tr(lang, &format!("declare.change.kind.{sub}"))
            } else {
                sub.to_string()
            });
        }
        let mut second = vec![trf(
            lang,
            "review.detail.state",
            &[("state", &state_text(lang, &item["state"]))],
        )];
        if let Some(s) = item["score"].as_f64() {
            let verdict = match item["qualifies"].as_bool() {
                Some(true) => tr(lang, "review.score.qualifies"),
                Some(false) => tr(lang, "review.score.not_qualifies"),
                None => String::new(),
            };
            second.push(trf(
                lang,
                "review.detail.score",
                &[("score", &score_text(Some(s))), ("verdict", &verdict)],
            ));
        }
        if let Some(l) = d["digital_level"].as_str() {
            second.push(trf(
                lang,
                "review.detail.digital",
                &[("level", &digital_label(lang, Some(l)))],
            ));
        }
        second.push(trf(
            lang,
            "review.detail.version",
            &[(
                "v",
                &item["version"].as_i64().unwrap_or_default().to_string(),
            )],
        ));
        vec![
            (first.join(" · "), Role::Text),
            (second.join(" · "), Role::Info),
        ]
    }

    /// The lines of the current panel for `width` columns.
    fn panel_lines(&self, ui: &Ui, width: usize) -> Vec<(String, Role)> {
        let Some(d) = &self.data else {
            return Vec::new();
        };
        match self.tab {
            0 => overview_lines(ui, d, width),
            1 => score_lines(ui, d, width),
            2 => evidence_lines(ui, d, width, self.evidence_cursor),
            _ => history_lines(ui, d, width),
        }
    }
}

/// Writes `bytes` as `name` in `dir` (a new file; `name-2.ext` … if taken); returns its path.
fn write_new(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let p = std::path::Path::new(name);
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "evidence".into());
    let ext = p
        .extension()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "bin".into());
    let path = free_path(dir, &stem, &ext);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.sync_all()?;
    Ok(path.display().to_string())
}

/// A workflow action code as shown in history and messages.
pub fn action_label(lang: Lang, code: &str) -> String {
    match code {
        "edit" | "delete" | "submit" | "withdraw" | "claim" | "pass" | "return" | "reject" => {
            tr(lang, &format!("review.action.{code}"))
        }
        other => other.to_string(),
    }
}

/// The assessment level snapshot (`l1`…`l4`) as shown; none taken: 未评测.
fn digital_label(lang: Lang, code: Option<&str>) -> String {
    match code {
        Some(c @ ("l1" | "l2" | "l3" | "l4")) => tr(lang, &format!("review.digital.{c}")),
        Some(other) => other.to_string(),
        None => tr(lang, "review.digital.none"),
    }
}

/// Cells side by side, each wrapped to its width; one output line per wrapped row.
fn row_lines(cells: &[(&str, usize, bool)], role: Role) -> Vec<(String, Role)> {
    let wrapped: Vec<Vec<String>> = cells
        .iter()
        .map(|(t, w, _)| display::wrap(t, (*w).max(2)))
        .collect();
    let n = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
    (0..n)
        .map(|i| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&wrapped)
                .map(|((_, w, right), lines)| {
                    let t = lines.get(i).map(String::as_str).unwrap_or("");
                    if *right {
                        display::pad_left(t, *w)
                    } else {
                        display::pad(t, *w)
                    }
                })
                .collect();
            (parts.join(" ").trim_end().to_string(), role)
        })
        .collect()
}

/// A label and a value, the label column `label_w` wide (both wrapped).
fn kv(label: &str, value: &str, label_w: usize, width: usize, role: Role) -> Vec<(String, Role)> {
    let value_w = width.saturating_sub(label_w + 1).max(8);
    row_lines(&[(label, label_w, false), (value, value_w, false)], role)
}

fn section(title: &str, out: &mut Vec<(String, Role)>) {
    if !out.is_empty() {
        out.push((String::new(), Role::Text));
    }
    out.push((title.to_string(), Role::Title));
}

fn overview_lines(ui: &Ui, d: &Value, width: usize) -> Vec<(String, Role)> {
    let lang = ui.lang;
    let e = &d["enterprise"];
    let mut out = Vec::new();
    section(&tr(lang, "review.overview.enterprise"), &mut out);
    let label_w = 14.min(width / 3);
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
    let mut rows: Vec<(String, String)> = vec![
        (tr(lang, "review.field.legal_rep"), s("legal_rep")),
        (tr(lang, "review.field.region"), s("region_name")),
        (
            tr(lang, "review.field.industry"),
            match (e["industry_code"].as_str(), e["industry_name"].as_str()) {
                (Some(c), Some(n)) => format!("{c} {n}"),
                (Some(c), None) => c.to_string(),
                _ => String::new(),
            },
        ),
        (tr(lang, "review.field.segment"), s("segment")),
        (
            tr(lang, "review.field.products"),
            e["main_products"]
                .as_str()
                .map(|p| {
                    serde_json::from_str::<Vec<String>>(p)
                        .map(|v| v.join(if lang == Lang::Zh { "、" } else { ", " }))
                        .unwrap_or_else(|_| p.to_string())
                })
                .unwrap_or_default(),
        ),
        (tr(lang, "review.field.established"), s("established_on")),
        (
            tr(lang, "review.field.employees"),
            e["employees"]
                .as_i64()
                .map(|n| trf(lang, "review.unit.people", &[("n", &n.to_string())]))
                .unwrap_or_default(),
        ),
        (
            tr(lang, "review.field.revenue"),
            e["revenue"]
                .as_f64()
                .map(|n| trf(lang, "review.unit.wan", &[("n", &score_text(Some(n)))]))
                .unwrap_or_default(),
        ),
        (
            tr(lang, "review.field.assets"),
            e["total_assets"]
                .as_f64()
                .map(|n| trf(lang, "review.unit.wan", &[("n", &score_text(Some(n)))]))
                .unwrap_or_default(),
        ),
        (
            tr(lang, "review.field.contact"),
            format!("{} {}", s("contact_name"), s("contact_phone"))
                .trim()
                .to_string(),
        ),
        (
            tr(lang, "review.field.size"),
            text_of(ui, &e["size"]["explanation"]),
        ),
    ];
    let certs: Vec<String> = e["certifications"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    trf(
                        lang,
                        "review.field.cert",
                        &[
                            (
                                "tier",
                                &tier_label(lang, c["tier"].as_str().unwrap_or_default()),
                            ),
                            ("until", c["expires_on"].as_str().unwrap_or_default()),
                        ],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    rows.push((
        tr(lang, "review.field.certifications"),
        if certs.is_empty() {
            tr(lang, "review.none")
        } else {
            certs.join("；")
        },
    ));
    let missing: Vec<String> = e["missing"]
        .as_array()
        .map(|a| a.iter().map(|m| text_of(ui, &m[1])).collect())
        .unwrap_or_default();
    if !missing.is_empty() {
        rows.push((tr(lang, "review.field.missing"), missing.join("、")));
    }
    for (l, v) in rows {
        let v = if v.is_empty() {
            tr(lang, "review.empty_value")
        } else {
            v
        };
        out.extend(kv(&l, &v, label_w, width, Role::Text));
    }
    // a major change is what the reviewer decides on: its type, date, before and after come
    // first, the enterprise after them
    let change = d["item"]["kind"] == "change";
    let enterprise = std::mem::take(&mut out);
    section(
        &tr(
            lang,
            if change {
                "review.overview.change"
            } else {
                "review.overview.figures"
            },
        ),
        &mut out,
    );
    let figures = d["figures"].as_array().cloned().unwrap_or_default();
    if figures.is_empty() {
        out.push((tr(lang, "review.overview.no_figures"), Role::Muted));
    }
    // a form's labels are long sentences; a change's are short words
    let label_w = if change {
        14.min(width / 3)
    } else {
        (width * 11 / 20).max(10)
    };
    for f in figures {
        let label = text_of(ui, &f["label"]);
        let (value, role) = if f["value"].is_null() {
            (tr(lang, "review.empty_value"), Role::Muted)
        } else {
            (text_of(ui, &f["value"]), Role::Text)
        };
        out.extend(kv(&label, &value, label_w, width, role));
    }
    if change {
        out.push((String::new(), Role::Text));
        out.extend(enterprise);
        out
    } else {
        let mut all = enterprise;
        all.push((String::new(), Role::Text));
        all.extend(out);
        all
    }
}

fn status_mark(status: &str) -> (&'static str, Role) {
    match status {
        "pass" => ("✓", Role::BadgePass),
        "fail" => ("✗", Role::BadgeFail),
        "missing" => ("?", Role::BadgePending),
        _ => ("–", Role::Muted),
    }
}

fn test_lines(ui: &Ui, tests: &[Value], width: usize, out: &mut Vec<(String, Role)>) {
    let mut aspect = String::new();
    for t in tests {
        let status = t["status"].as_str().unwrap_or_default();
        let (mark, role) = status_mark(status);
        let mut label = text_of(ui, &t["label"]);
        // the aspect (专, 精, 特, 新 …) heads its tests when it changes
        if t["aspect"].is_object() {
            let a = text_of(ui, &t["aspect"]);
            if a != aspect {
                out.push((a.clone(), Role::Info));
                aspect = a;
            }
        }
        if t["self_declared"].as_bool() == Some(true) {
            label.push_str(&ui.tr("review.score.self_declared"));
        }
        for (i, (line, _)) in row_lines(&[(&label, width.saturating_sub(2), false)], role)
            .into_iter()
            .enumerate()
        {
            let m = if i == 0 { mark } else { " " };
            out.push((format!("{m} {line}"), role));
        }
        let detail = text_of(ui, &t["detail"]);
        if !detail.is_empty() {
            for (line, _) in row_lines(&[(&detail, width.saturating_sub(4), false)], Role::Muted) {
                out.push((format!("    {line}"), Role::Muted));
            }
        }
    }
}

fn score_lines(ui: &Ui, d: &Value, width: usize) -> Vec<(String, Role)> {
    let lang = ui.lang;
    let ev = &d["evaluation"];
    let mut out = Vec::new();
    // the assessment level snapshot (专精特新 indicator 5), when the item has a score
    if !ev.is_null() || !d["digital_level"].is_null() {
        out.push((
            trf(
                lang,
                "review.detail.digital",
                &[("level", &digital_label(lang, d["digital_level"].as_str()))],
            ),
            Role::Text,
        ));
    }
    if ev.is_null() {
        out.push((tr(lang, "review.score.none"), Role::Muted));
        return out;
    }
    if let Some(total) = ev["total"].as_f64() {
        out.push((
            trf(
                lang,
                "review.score.total",
                &[
                    ("total", &score_text(Some(total))),
                    ("max", &score_text(ev["max_total"].as_f64())),
                    ("pass", &score_text(ev["pass_score"].as_f64())),
                ],
            ),
            Role::Title,
        ));
    }
    let v = &ev["verdict"];
    let qualifies = v["qualifies"].as_bool() == Some(true);
    let reasons: Vec<String> = v["reasons"]
        .as_array()
        .map(|a| a.iter().map(|r| text_of(ui, r)).collect())
        .unwrap_or_default();
    let verdict = trf(
        lang,
        if qualifies {
            "review.score.verdict_yes"
        } else {
            "review.score.verdict_no"
        },
        &[("reasons", &reasons.join("；"))],
    );
    for (line, _) in row_lines(&[(&verdict, width, false)], Role::Text) {
        out.push((
            line,
            if qualifies {
                Role::BadgePass
            } else {
                Role::BadgeFail
            },
        ));
    }
    let gates = ev["gates"].as_array().cloned().unwrap_or_default();
    if !gates.is_empty() {
        section(&tr(lang, "review.score.gates"), &mut out);
        test_lines(ui, &gates, width, &mut out);
    }
    let indicators = ev["indicators"].as_array().cloned().unwrap_or_default();
    if !indicators.is_empty() {
        section(&tr(lang, "review.score.indicators"), &mut out);
        let (fw, bw, pw) = (14, 14, 7);
        let lw = width.saturating_sub(fw + bw + pw + 3).max(10);
        out.extend(row_lines(
            &[
                (&tr(lang, "review.score.col.indicator"), lw, false),
                (&tr(lang, "review.score.col.figure"), fw, false),
                (&tr(lang, "review.score.col.band"), bw, false),
                (&tr(lang, "review.score.col.points"), pw, true),
            ],
            Role::Muted,
        ));
        for i in &indicators {
            let label = format!(
                "{}. {}",
                i["no"].as_i64().unwrap_or_default(),
                text_of(ui, &i["label"])
            );
            let figure = if i["figure"].is_null() {
                tr(lang, "review.empty_value")
            } else {
                text_of(ui, &i["figure"])
            };
            let band = text_of(ui, &i["band"]);
            let points = format!(
                "{}/{}",
                score_text(i["points"].as_f64()),
                score_text(i["max"].as_f64())
            );
            let full = i["points"].as_f64() == i["max"].as_f64();
            out.extend(row_lines(
                &[
                    (&label, lw, false),
                    (&figure, fw, false),
                    (&band, bw, false),
                    (&points, pw, true),
                ],
                if full { Role::Text } else { Role::Warning },
            ));
        }
    }
    let groups = ev["groups"].as_array().cloned().unwrap_or_default();
    if !groups.is_empty() {
        section(&tr(lang, "review.score.groups"), &mut out);
        for g in &groups {
            let mut line = format!(
                "{} {}/{}",
                text_of(ui, &g["label"]),
                score_text(g["points"].as_f64()),
                score_text(g["max"].as_f64())
            );
            let mut role = Role::Text;
            if let Some(floor) = g["floor"].as_f64() {
                let met = g["floor_met"].as_bool() == Some(true);
                line.push_str(&trf(
                    lang,
                    if met {
                        "review.score.floor_met"
                    } else {
                        "review.score.floor_missed"
                    },
                    &[("floor", &score_text(Some(floor)))],
                ));
                if !met {
                    role = Role::BadgeFail;
                }
            }
            out.push((line, role));
        }
    }
    let direct = ev["direct"].as_array().cloned().unwrap_or_default();
    if !direct.is_empty() {
        section(&tr(lang, "review.score.direct"), &mut out);
        test_lines(ui, &direct, width, &mut out);
    }
    let statements = ev["statements"].as_array().cloned().unwrap_or_default();
    if !statements.is_empty() {
        section(&tr(lang, "review.score.statements"), &mut out);
        for s in &statements {
            let text = s["text"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| tr(lang, "review.empty_value"));
            out.extend(kv(
                &text_of(ui, &s["label"]),
                &text,
                width / 2,
                width,
                Role::Text,
            ));
        }
    }
    let missing = ev["missing"].as_array().cloned().unwrap_or_default();
    if !missing.is_empty() {
        let ids: Vec<&str> = missing.iter().filter_map(|m| m.as_str()).collect();
        let labels: Vec<String> = ids
            .iter()
            .map(|id| {
                d["figures"]
                    .as_array()
                    .and_then(|f| f.iter().find(|f| f["id"] == *id))
                    .map(|f| text_of(ui, &f["label"]))
                    .unwrap_or_else(|| id.to_string())
            })
            .collect();
        section(&tr(lang, "review.score.missing"), &mut out);
        for (line, _) in row_lines(&[(&labels.join("、"), width, false)], Role::Warning) {
            out.push((line, Role::Warning));
        }
    }
    out
}

fn evidence_lines(ui: &Ui, d: &Value, width: usize, cursor: usize) -> Vec<(String, Role)> {
    let lang = ui.lang;
    let list = d["evidence"].as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return vec![(tr(lang, "review.evidence.none"), Role::Muted)];
    }
    let (tw, sw, dw) = (5, 9, 10);
    let nw = width.saturating_sub(tw + sw + dw + 5).max(10);
    let mut out = row_lines(
        &[
            (" ", 1, false),
            (&tr(lang, "review.evidence.name"), nw, false),
            (&tr(lang, "review.evidence.type"), tw, false),
            (&tr(lang, "review.evidence.size"), sw, true),
            (&tr(lang, "review.evidence.at"), dw, false),
        ],
        Role::Muted,
    );
    for (i, e) in list.iter().enumerate() {
        let ct = e["content_type"].as_str().unwrap_or_default();
        let kind = match ct {
            "application/zip" => "ZIP",
            "application/pdf" => "PDF",
            "image/png" => "PNG",
            "image/jpeg" => "JPEG",
            _ => "?",
        };
        let size = format_bytes(e["size"].as_u64().unwrap_or(0));
        let role = if i == cursor {
            Role::Selection
        } else {
            Role::Text
        };
        let mark = if i == cursor { "›" } else { " " };
        let name = e["name"].as_str().unwrap_or_default();
        let at = date_of(&e["created_at"]);
        let line = row_lines(
            &[
                (mark, 1, false),
                (name, nw, false),
                (kind, tw, false),
                (&size, sw, true),
                (&at, dw, false),
            ],
            role,
        );
        // one line per file: the name is cut, not wrapped, so the cursor moves row by row
        if let Some(first) = line.into_iter().next() {
            out.push(first);
        }
    }
    out.push((String::new(), Role::Text));
    out.push((tr(lang, "review.evidence.keys"), Role::Muted));
    out
}

fn history_lines(ui: &Ui, d: &Value, width: usize) -> Vec<(String, Role)> {
    let lang = ui.lang;
    let list = d["history"].as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return vec![(tr(lang, "review.history.none"), Role::Muted)];
    }
    let mut out = Vec::new();
    for h in &list {
        let action = h["action"].as_str().unwrap_or_default();
        let to = if h["to"].is_null() {
            String::new()
        } else {
            format!(" → {}", state_text(lang, &h["to"]))
        };
        let head = format!(
            "{}  {}  {}{}",
            datetime_of(&h["at"]),
            h["actor_name"].as_str().unwrap_or_default(),
            action_label(lang, action),
            to
        );
        let role = match action {
            "pass" => Role::BadgePass,
            "return" | "reject" => Role::BadgeFail,
            _ => Role::Text,
        };
        for (line, _) in row_lines(&[(&head, width, false)], role) {
            out.push((line, role));
        }
        if let Some(r) = h["reason"].as_str() {
            let label = tr(
                lang,
                if action == "pass" {
                    "review.history.note"
                } else {
                    "review.history.reason"
                },
            );
            let text = format!("{label}{r}");
            for (line, _) in row_lines(&[(&text, width.saturating_sub(4), false)], Role::Text) {
                out.push((format!("    {line}"), Role::Text));
            }
        }
    }
    out
}

impl Screen for ItemDetail {
    fn title(&self, ui: &Ui) -> String {
        trf(ui.lang, "review.detail.title", &[("name", &self.name)])
    }

    fn context(&self) -> Context {
        if self.panel.is_some() {
            Context::Form
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if let Some(p) = &self.panel {
            return p.hints(keymap);
        }
        let mut h = vec![Hint {
            keys: "Tab".into(),
            label_key: "key.switch_panel".into(),
        }];
        let mut cmds = vec!["pass", "return", "reject"];
        if self.tab == EVIDENCE {
            cmds.extend(["open", "save_file"]);
        } else {
            cmds.extend(["down", "half_page_down"]);
        }
        cmds.push("refresh");
        h.extend(keymap.hints_for(Context::List, &cmds));
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(p) = &mut self.panel {
            if is_back(ev, cx.keymap) {
                let p = self.panel.take().expect("the panel");
                if p.has_text() {
                    self.stash = Some(p);
                }
                return Handled::Changed;
            }
            return match p.key(ev, cx.keymap) {
                Handled::Event(PanelEvent::Submit) => {
                    self.submit(cx);
                    Handled::Changed
                }
                Handled::Event(PanelEvent::SaveDraft) | Handled::Ignored => Handled::Unchanged,
                h => plain(h),
            };
        }
        if matches!(ev.code, KeyCode::Tab | KeyCode::BackTab) {
            let n = TABS.len();
            self.tab = if ev.code == KeyCode::Tab {
                (self.tab + 1) % n
            } else {
                (self.tab + n - 1) % n
            };
            return Handled::Changed;
        }
        let Some((ctx, cmd)) = cx.keymap.resolve(Context::List, ev) else {
            return Handled::Ignored;
        };
        if ctx != Context::List {
            return Handled::Ignored;
        }
        let half = (self.page / 2).max(1) as isize;
        let on_evidence = self.tab == EVIDENCE;
        let n_evidence = self.evidence().len();
        match cmd {
            c @ ("pass" | "return" | "reject") => {
                self.notice = None;
                let d = Decision::from_command(c).expect("a decision command");
                self.open_decision(d, cx)
            }
            "refresh" => {
                self.notice = None;
                self.load(cx);
                Handled::Changed
            }
            "up" if on_evidence => {
                let c = self.evidence_cursor.saturating_sub(1);
                let changed = c != self.evidence_cursor;
                self.evidence_cursor = c;
                Handled::from_changed(changed)
            }
            "down" if on_evidence => {
                let c = (self.evidence_cursor + 1).min(n_evidence.saturating_sub(1));
                let changed = c != self.evidence_cursor;
                self.evidence_cursor = c;
                Handled::from_changed(changed)
            }
            "open" if on_evidence => {
                let list = self.evidence();
                if let Some(e) = list.get(self.evidence_cursor) {
                    if e["content_type"] == "application/zip" {
                        cx.push(ZipListing::new(
                            cx.ui,
                            e["id"].as_str().unwrap_or_default(),
                            e["name"].as_str().unwrap_or_default(),
                        ));
                    } else {
                        cx.info(&trf(
                            cx.lang(),
                            "review.evidence.not_zip",
                            &[("name", e["name"].as_str().unwrap_or_default())],
                        ));
                    }
                }
                Handled::Changed
            }
            "save_file" if on_evidence => {
                self.save_evidence(cx);
                Handled::Changed
            }
            "up" => Handled::from_changed(self.scroll_by(-1)),
            "down" => Handled::from_changed(self.scroll_by(1)),
            "half_page_down" => Handled::from_changed(self.scroll_by(half)),
            "half_page_up" => Handled::from_changed(self.scroll_by(-half)),
            "top" => Handled::from_changed(self.scroll_by(isize::MIN / 2)),
            "bottom" => Handled::from_changed(self.scroll_by(isize::MAX / 2)),
            _ => Handled::Ignored,
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.as_mut().is_some_and(|p| p.paste(text))
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "load" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                if let Some(n) = v["item"]["enterprise_name"].as_str() {
                    self.name = n.to_string();
                }
                let n = v["evidence"].as_array().map_or(0, Vec::len);
                self.evidence_cursor = self.evidence_cursor.min(n.saturating_sub(1));
                self.data = Some(v);
                self.failed = None;
                true
            }
            "templates" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                if let Some(p) = &mut self.panel {
                    p.set_templates(cx.ui, &v);
                }
                true
            }
            "decide" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let d = self.panel.take().map(|p| p.decision);
                let code = d.map(Decision::code).unwrap_or("pass");
                cx.success(&trf(
                    cx.lang(),
                    &format!("review.decided.{code}"),
                    &[
                        ("name", &self.name),
                        ("state", &state_text(cx.lang(), &v["item"]["state"])),
                    ],
                ));
                cx.pop();
                true
            }
            "save" => {
                let Some(path) = take::<String>(value) else {
                    return false;
                };
                cx.success(&trf(cx.lang(), "review.evidence.saved", &[("path", &path)]));
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "decide" => {
                if let Some(text) = conflict_text(cx.lang(), &error, &self.name) {
                    self.panel = None;
                    self.notice = Some((text, Role::Warning));
                    self.load(cx);
                } else if let Some(p) = &mut self.panel {
                    p.show_error(cx.ui, &error);
                } else {
                    cx.error(&error);
                }
                true
            }
            "load" => {
                self.failed = Some(crate::tui::screen::error_text(cx.lang(), &error));
                true
            }
            "templates" => false,
            _ => {
                cx.error(&error);
                true
            }
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        if area.height < 6 || area.width < 20 {
            return;
        }
        let head = Rect { height: 4, ..area };
        let b = block(ui, &self.name, false);
        let inner = b.inner(head);
        b.render(head, buf);
        for (i, (line, role)) in self.header_lines(ui).iter().enumerate().take(2) {
            put(
                buf,
                inner.x + 1,
                inner.y + i as u16,
                line,
                inner.width.saturating_sub(2),
                ui.style(*role),
            );
        }
        // tabs
        let mut y = area.y + 4;
        let mut x = area.x + 1;
        for (i, key) in TABS.iter().enumerate() {
            let mut label = ui.tr(key);
            if let Some(d) = &self.data {
                let n = match i {
                    2 => d["evidence"].as_array().map(Vec::len),
                    3 => d["history"].as_array().map(Vec::len),
                    _ => None,
                };
                if let Some(n) = n {
                    label = format!("{label}({n})");
                }
            }
            let text = format!(" {label} ");
            let style = if i == self.tab {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Muted)
            };
            x = put(buf, x, y, &text, area.right().saturating_sub(x), style) + 1;
        }
        y += 1;
        if let Some((msg, role)) = &self.notice {
            for line in display::wrap(msg, area.width.saturating_sub(2) as usize)
                .iter()
                .take(3)
            {
                put(buf, area.x + 1, y, line, area.width - 2, ui.style(*role));
                y += 1;
            }
        }
        let body = Rect {
            x: area.x,
            y,
            width: area.width,
            height: area.bottom().saturating_sub(y),
        };
        let b = block(ui, "", self.panel.is_none());
        let inner = b.inner(body);
        b.render(body, buf);
        let content = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(1),
            ..inner
        };
        if let Some(msg) = &self.failed {
            put(
                buf,
                content.x,
                content.y,
                msg,
                content.width,
                ui.style(Role::Error),
            );
        } else {
            let lines = self.panel_lines(ui, content.width.saturating_sub(1) as usize);
            self.line_count = lines.len();
            self.page = content.height as usize;
            if self.tab == EVIDENCE {
                // keep the cursor row in view (header row + cursor)
                let want = self.evidence_cursor + 1;
                let s = &mut self.scroll[EVIDENCE];
                if want < *s {
                    *s = want.saturating_sub(1);
                } else if want >= *s + self.page {
                    *s = want + 1 - self.page;
                }
            }
            let max = self.line_count.saturating_sub(self.page);
            self.scroll[self.tab] = self.scroll[self.tab].min(max);
            super::draw_lines(buf, content, ui, &lines, self.scroll[self.tab]);
        }
        if let Some(p) = &mut self.panel {
            p.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.panel.as_ref().and_then(|p| p.cursor())
    }

    fn has_unsaved(&self) -> bool {
        self.panel.as_ref().is_some_and(|p| p.has_text())
            || self.stash.as_ref().is_some_and(|p| p.has_text())
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::tui::screens::review::{level_label, state_label};

    #[test]
    fn rows_wrap_each_cell_in_its_column() {
        let lines = row_lines(
            &[
                ("上年度主营业务收入占营业收入比重", 10, false),
                ("5/5", 4, true),
            ],
            Role::Text,
        );
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].0, "上年度主营  5/5");
        assert!(lines.iter().all(|(l, _)| display::width(l) <= 15));
        assert_eq!(level_label(Lang::Zh, "city"), "市级");
        assert_eq!(state_label(Lang::En, "returned"), "Returned");
    }
}
