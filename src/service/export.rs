//! Export of a declaration as its 申请书 (application form): printable HTML or plain text, in
//! Chinese. One document model is built from the stored data and rendered twice, so both formats
//! carry the same content: the enterprise's data, the tier, batch and ruleset, every input with
//! its label and unit, the breakdown (indicators with figure, band and points; group subtotals;
//! gates and direct conditions with their details; the verdict), the statements, the evidence
//! with its SHA-256, and the status history.
//!
//! The breakdown is the one stored at submission; a declaration not yet submitted shows the live
//! evaluation, marked as a trial calculation.

use crate::display;
use crate::domain::industries::Industries;
use crate::domain::regions::Regions;
use crate::domain::rules::{Breakdown, InputDef, InputKind, Inputs, TestResult, Value};
use crate::domain::text::Text;
use crate::domain::tiers::{DigitalLevel, Tier};
use crate::domain::workflow::ActionKind;
use crate::service::Service;
use crate::service::audit::history_of;
use crate::service::clock::china_minutes;
use crate::service::declarations::{
    authorize_read, detail, enterprise_authority, inputs_of, live_evaluation, load_declaration,
    require_reader_role, ruleset_of,
};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::evidence::{EvidenceType, evidence_of};
use crate::service::session::Session;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The format of an export.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// A printable HTML document (UTF-8, self-contained).
    Html,
    /// Plain text (UTF-8), columns aligned for a monospaced CJK font.
    Text,
}

/// HTML-escapes text for element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Document model
// ---------------------------------------------------------------------------------------------

enum Block {
    Heading(String),
    SubHeading(String),
    Pairs(Vec<(String, String)>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Para(String),
}

struct Doc {
    title: String,
    subtitle: String,
    blocks: Vec<Block>,
    footer: String,
}

/// A number with at most two decimals and no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s == "-0" { "0".into() } else { s }
}

fn with_unit(v: &str, unit: &str) -> String {
    if unit.is_empty() || unit == "%" {
        format!("{v}{unit}")
    } else {
        format!("{v} {unit}")
    }
}

fn value_text(def: &InputDef, v: Option<&Value>) -> String {
    match v {
        None => "（未填写）".into(),
        Some(Value::Text(t)) if t.trim().is_empty() => "（未填写）".into(),
        Some(Value::Number(n)) if def.kind.is_numeric() => with_unit(&num(*n), &def.unit_text().zh),
        Some(Value::Bool(b)) if def.kind == InputKind::Bool => if *b { "是" } else { "否" }.into(),
        Some(Value::Text(t)) if def.kind == InputKind::Choice => def
            .option_label(t)
            .map(|l| l.zh)
            .unwrap_or_else(|| format!("{t}（无效选项）")),
        Some(Value::Text(t)) => t.clone(),
        Some(Value::Number(n)) => format!("{}（类型不符）", num(*n)),
        Some(Value::Bool(b)) => format!("{b}（类型不符）"),
    }
}

fn test_rows(tests: &[TestResult]) -> Vec<Vec<String>> {
    tests
        .iter()
        .map(|t| {
            let label = match &t.aspect {
                Some(a) => format!("【{}】{}", a.zh, t.label.zh),
                None => t.label.zh.clone(),
            };
            let status = if t.self_declared {
                format!("{}（企业自述，待审核确认）", t.status.name().zh)
            } else {
                t.status.name().zh
            };
            vec![label, status, t.detail.zh.clone()]
        })
        .collect()
}

fn breakdown_blocks(b: &Breakdown, blocks: &mut Vec<Block>) {
    if !b.indicators.is_empty() {
        blocks.push(Block::SubHeading("评分指标".into()));
        blocks.push(Block::Table {
            head: vec![
                "序号".into(),
                "指标".into(),
                "企业数据".into(),
                "档位".into(),
                "得分".into(),
            ],
            rows: b
                .indicators
                .iter()
                .map(|i| {
                    vec![
                        i.no.to_string(),
                        i.label.zh.clone(),
                        i.figure
                            .as_ref()
                            .map(|f| f.zh.clone())
                            .unwrap_or_else(|| "—".into()),
                        i.band.zh.clone(),
                        format!("{} / {}", num(i.points), num(i.max)),
                    ]
                })
                .collect(),
        });
    }
    if !b.groups.is_empty() {
        blocks.push(Block::SubHeading("分项得分".into()));
        blocks.push(Block::Table {
            head: vec![
                "类别".into(),
                "得分".into(),
                "满分".into(),
                "最低要求".into(),
            ],
            rows: b
                .groups
                .iter()
                .map(|g| {
                    vec![
                        g.label.zh.clone(),
                        num(g.points),
                        num(g.max),
                        match (g.floor, g.floor_met) {
                            (Some(f), Some(true)) => format!("{}（已达到）", num(f)),
                            (Some(f), _) => format!("{}（未达到）", num(f)),
                            (None, _) => "—".into(),
                        },
                    ]
                })
                .collect(),
        });
    }
    if let Some(total) = b.total {
        let mut line = format!(
            "总分：{} / {}",
            num(total),
            num(b.max_total.unwrap_or_default())
        );
        if let Some(p) = b.pass_score {
            line.push_str(&format!("（达标分 {}）", num(p)));
        }
        blocks.push(Block::Para(line));
    }
    if !b.gates.is_empty() {
        blocks.push(Block::SubHeading("必备条件".into()));
        blocks.push(Block::Table {
            head: vec!["条件".into(), "结果".into(), "依据".into()],
            rows: test_rows(&b.gates),
        });
    }
    if !b.direct.is_empty() {
        blocks.push(Block::SubHeading("直通条件".into()));
        blocks.push(Block::Table {
            head: vec!["条件".into(), "结果".into(), "依据".into()],
            rows: test_rows(&b.direct),
        });
    }
    blocks.push(Block::SubHeading("结论".into()));
    blocks.push(Block::Para(b.verdict.headline().zh));
    for r in &b.verdict.reasons {
        blocks.push(Block::Para(format!("· {}", r.zh)));
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const STYLE: &str = "body{font-family:\"SimSun\",\"Songti SC\",\"Noto Serif CJK SC\",serif;\
max-width:960px;margin:2em auto;padding:0 1em;line-height:1.5;color:#000}\
h1{text-align:center;font-size:1.6em;margin-bottom:.2em}\
.subtitle{text-align:center;margin-top:0}\
h2{font-size:1.2em;border-bottom:1px solid #000;margin-top:1.5em}\
h3{font-size:1em;margin:1em 0 .3em}\
table{border-collapse:collapse;width:100%;margin:.3em 0 .8em}\
th,td{border:1px solid #444;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#eee}td.k{width:12em;background:#f7f7f7}\
.footer{margin-top:2em;font-size:.9em;color:#444}\
@media print{body{margin:0;max-width:none}h2,h3{page-break-after:avoid}\
tr{page-break-inside:avoid}}";

fn render_html(doc: &Doc) -> String {
    let e = escape_html;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!("<title>{}</title>\n", e(&doc.title)));
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str(&format!("<h1>{}</h1>\n", e(&doc.title)));
    out.push_str(&format!("<p class=\"subtitle\">{}</p>\n", e(&doc.subtitle)));
    for b in &doc.blocks {
        match b {
            Block::Heading(h) => out.push_str(&format!("<h2>{}</h2>\n", e(h))),
            Block::SubHeading(h) => out.push_str(&format!("<h3>{}</h3>\n", e(h))),
            Block::Para(p) => out.push_str(&format!("<p>{}</p>\n", e(p))),
            Block::Pairs(pairs) => {
                out.push_str("<table>\n");
                for (k, v) in pairs {
                    out.push_str(&format!(
                        "<tr><td class=\"k\">{}</td><td>{}</td></tr>\n",
                        e(k),
                        e(v)
                    ));
                }
                out.push_str("</table>\n");
            }
            Block::Table { head, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    out.push_str(&format!("<th>{}</th>", e(h)));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        out.push_str(&format!("<td>{}</td>", e(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
    }
    out.push_str(&format!("<p class=\"footer\">{}</p>\n", e(&doc.footer)));
    out.push_str("</body>\n</html>\n");
    out
}

/// The widest a text column is padded to (longer cells are wrapped); a SHA-256 fits on one line.
const TEXT_COL_MAX: usize = 64;

fn render_text(doc: &Doc) -> String {
    let mut out = String::new();
    out.push_str(&doc.title);
    out.push('\n');
    out.push_str(&doc.subtitle);
    out.push_str("\n\n");
    for b in &doc.blocks {
        match b {
            Block::Heading(h) => {
                out.push('\n');
                out.push_str(h);
                out.push('\n');
                out.push_str(&"=".repeat(display::width(h)));
                out.push('\n');
            }
            Block::SubHeading(h) => {
                out.push('\n');
                out.push_str(&format!("【{h}】\n"));
            }
            Block::Para(p) => {
                out.push_str(p);
                out.push('\n');
            }
            Block::Pairs(pairs) => {
                let w = pairs
                    .iter()
                    .map(|(k, _)| display::width(k))
                    .max()
                    .unwrap_or(0);
                for (k, v) in pairs {
                    out.push_str(&format!("{}  {}\n", display::pad(k, w), v));
                }
            }
            Block::Table { head, rows } => {
                let n = head.len();
                let mut widths: Vec<usize> = head.iter().map(|h| display::width(h)).collect();
                for r in rows {
                    for (i, c) in r.iter().enumerate().take(n) {
                        widths[i] = widths[i].max(display::width(c).min(TEXT_COL_MAX));
                    }
                }
                let line = |cells: &[String], out: &mut String| {
                    let wrapped: Vec<Vec<String>> = cells
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let lines = display::wrap(c, widths[i].max(1));
                            if lines.is_empty() {
                                vec![String::new()]
                            } else {
                                lines
                            }
                        })
                        .collect();
                    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
                    for l in 0..height {
                        let parts: Vec<String> = wrapped
                            .iter()
                            .enumerate()
                            .map(|(i, w)| {
                                display::pad(w.get(l).map(String::as_str).unwrap_or(""), widths[i])
                            })
                            .collect();
                        out.push_str(parts.join(" | ").trim_end());
                        out.push('\n');
                    }
                };
                line(head, &mut out);
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                out.push_str(&rule.join("-+-"));
                out.push('\n');
                for r in rows {
                    line(r, &mut out);
                }
            }
        }
    }
    out.push('\n');
    out.push_str(&doc.footer);
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------------
// The use case
// ---------------------------------------------------------------------------------------------

impl Service {
    /// The 申请书 of a declaration as HTML or plain text: whoever may read the declaration.
    pub async fn export_declaration(
        &self,
        session: &Session,
        id: &str,
        format: ExportFormat,
    ) -> ServiceResult<String> {
        require_reader_role(session)?;
        let mut conn = self.read().await?;
        let item = load_declaration(&mut conn, id).await?;
        authorize_read(session, &item)?;
        let evidence = evidence_of(&mut conn, id).await?;
        let history = history_of(&mut conn, id).await?;
        let d = detail(&item, evidence, history)?;
        let (breakdown, trial) = match &d.breakdown {
            Some(b) => (b.clone(), false),
            None => (live_evaluation(&mut conn, &item).await?, true),
        };
        let authority = enterprise_authority(&mut conn, &item.enterprise_id)
            .await?
            .or_else(|| item.authority_code.clone());
        let e = sqlx::query(
            "SELECT name, uscc, legal_rep, county_code, industry_code, segment, main_products, \
             employees, revenue, total_assets, contact_name, contact_phone FROM enterprises \
             WHERE id = $1",
        )
        .bind(&item.enterprise_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该企业", "the enterprise")))?;
        drop(conn);

        let text = |col: &str| -> ServiceResult<String> {
            Ok(e.try_get::<Option<String>, _>(col)?
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "（未填写）".into()))
        };
        let county = e.try_get::<Option<String>, _>("county_code")?;
        let industry = e.try_get::<Option<String>, _>("industry_code")?;
        let mut blocks = Vec::new();
        let mut sections = 0usize;
        let mut heading = |blocks: &mut Vec<Block>, title: &str| {
            const NUMERALS: [&str; 10] =
                ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
            let n = NUMERALS.get(sections).copied().unwrap_or("十");
            sections += 1;
            blocks.push(Block::Heading(format!("{n}、{title}")));
        };

        heading(&mut blocks, "企业基本信息");
        blocks.push(Block::Pairs(vec![
            ("企业名称".into(), e.try_get::<String, _>("name")?),
            ("统一社会信用代码".into(), e.try_get::<String, _>("uscc")?),
            ("法定代表人".into(), e.try_get::<String, _>("legal_rep")?),
            (
                "注册地".into(),
                match &county {
                    Some(c) => format!(
                        "{}（{c}）",
                        Regions::builtin().full_name(c).unwrap_or_default()
                    ),
                    None => "（未填写）".into(),
                },
            ),
            (
                "所属行业".into(),
                match &industry {
                    Some(c) => format!(
                        "{} {}",
                        c,
                        Industries::builtin()
                            .get(c)
                            .map(|i| i.name.clone())
                            .unwrap_or_default()
                    ),
                    None => "（未填写）".into(),
                },
            ),
            ("细分领域".into(), text("segment")?),
            ("主导产品".into(), text("main_products")?),
            (
                "从业人员数".into(),
                e.try_get::<Option<i64>, _>("employees")?
                    .map(|n| format!("{n} 人"))
                    .unwrap_or_else(|| "（未填写）".into()),
            ),
            (
                "上年度营业收入".into(),
                e.try_get::<Option<f64>, _>("revenue")?
                    .map(|n| format!("{} 万元", num(n)))
                    .unwrap_or_else(|| "（未填写）".into()),
            ),
            (
                "上年末资产总额".into(),
                e.try_get::<Option<f64>, _>("total_assets")?
                    .map(|n| format!("{} 万元", num(n)))
                    .unwrap_or_else(|| "（未填写）".into()),
            ),
            ("联系人".into(), text("contact_name")?),
            ("联系电话".into(), text("contact_phone")?),
        ]));

        heading(&mut blocks, "申报信息");
        let mut info = vec![
            ("申报编号".into(), item.id.clone()),
            ("申报层级".into(), item.tier.name().zh),
            ("批次".into(), format!("{} 年度", item.batch)),
            (
                "认定标准".into(),
                format!("{}（{}）", d.ruleset_title.zh, d.ruleset),
            ),
            ("当前状态".into(), item.state.name().zh),
        ];
        if let Some(l) = item.state.level() {
            info.push(("当前处理层级".into(), l.name().zh));
        }
        if let Some(c) = &item.chain {
            info.push(("审核流程".into(), c.name().zh));
        }
        if let Some(t) = item.submitted_at {
            info.push((
                "提交时间".into(),
                format!("{}（北京时间）", china_minutes(t)),
            ));
        }
        if item.ever_submitted && (item.tier == Tier::Specialized || d.digital_level.is_some()) {
            info.push((
                "数字化水平评测等级（提交时）".into(),
                d.digital_level
                    .map(DigitalLevel::name)
                    .map(|t| t.zh)
                    .unwrap_or_else(|| "无".into()),
            ));
        }
        blocks.push(Block::Pairs(info));

        heading(&mut blocks, "申报数据");
        let ruleset = ruleset_of(&item);
        let inputs: Inputs = inputs_of(&item.payload);
        let statements: Vec<String> = ruleset
            .tier(item.tier)
            .map(|t| t.statements.clone())
            .unwrap_or_default();
        for section in ruleset.form(item.tier, authority.as_deref()) {
            let rows: Vec<Vec<String>> = section
                .inputs
                .iter()
                .filter(|d| !statements.contains(&d.id))
                .map(|d| {
                    let unit = d.unit_text().zh;
                    let label = if unit.is_empty() {
                        d.label.zh.clone()
                    } else {
                        format!("{}（{unit}）", d.label.zh)
                    };
                    vec![label, value_text(d, inputs.get(&d.id))]
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            blocks.push(Block::SubHeading(section.section.title.zh.clone()));
            blocks.push(Block::Table {
                head: vec!["项目".into(), "填报值".into()],
                rows,
            });
        }

        heading(
            &mut blocks,
            if trial {
                "评分与条件（尚未提交，按当前填报内容试算）"
            } else {
                "评分与条件（提交时计算）"
            },
        );
        breakdown_blocks(&breakdown, &mut blocks);

        if !breakdown.statements.is_empty() {
            heading(&mut blocks, "定性说明（由审核人员判断）");
            blocks.push(Block::Pairs(
                breakdown
                    .statements
                    .iter()
                    .map(|s| {
                        (
                            s.label.zh.clone(),
                            s.text
                                .clone()
                                .filter(|t| !t.trim().is_empty())
                                .unwrap_or_else(|| "（未填写）".into()),
                        )
                    })
                    .collect(),
            ));
        }

        heading(&mut blocks, "证明材料");
        if d.evidence.is_empty() {
            blocks.push(Block::Para("（无）".into()));
        } else {
            blocks.push(Block::Table {
                head: vec![
                    "文件名".into(),
                    "类型".into(),
                    "大小（字节）".into(),
                    "SHA-256".into(),
                ],
                rows: d
                    .evidence
                    .iter()
                    .map(|ev| {
                        vec![
                            ev.name.clone(),
                            EvidenceType::from_mime(&ev.content_type)
                                .map(|t| t.name().zh)
                                .unwrap_or_else(|| ev.content_type.clone()),
                            ev.size.to_string(),
                            ev.sha256.clone(),
                        ]
                    })
                    .collect(),
            });
        }

        heading(&mut blocks, "办理记录");
        if d.history.is_empty() {
            blocks.push(Block::Para("（尚未提交）".into()));
        } else {
            blocks.push(Block::Table {
                head: vec![
                    "时间（北京时间）".into(),
                    "办理人".into(),
                    "操作".into(),
                    "状态变化".into(),
                    "理由".into(),
                ],
                rows: d
                    .history
                    .iter()
                    .map(|h| {
                        vec![
                            china_minutes(h.at),
                            h.actor_name.clone(),
                            ActionKind::from_code(&h.action)
                                .map(|a| a.name().zh)
                                .unwrap_or_else(|| h.action.clone()),
                            format!(
                                "{} → {}",
                                h.from.map(|s| s.name().zh).unwrap_or_else(|| "—".into()),
                                h.to.map(|s| s.name().zh).unwrap_or_else(|| "—".into())
                            ),
                            h.reason.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            });
        }

        let doc = Doc {
            title: format!("{}申报书", item.tier.name().zh),
            subtitle: format!(
                "{} · {} 年度批次 · {}",
                item.enterprise_name, item.batch, d.ruleset_title.zh
            ),
            blocks,
            footer: format!("导出时间：{}（北京时间）", china_minutes(self.now())),
        };
        Ok(match format {
            ExportFormat::Html => render_html(&doc),
            ExportFormat::Text => render_text(&doc),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape_html("<a href=\"x\">'R&D'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;R&amp;D&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("研发费用"), "研发费用");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(-0.001), "0");
        assert_eq!(with_unit("5", "万元"), "5 万元");
        assert_eq!(with_unit("3.5", "%"), "3.5%");
    }
}
