//! The annual info update (信息更新, DOMAIN.md §5): who must file one, the period, and the
//! workflow of an update item (kind `update`): start → save → submit → withdraw / accept / return.
//!
//! - **Who must**: an enterprise holding a valid certification, except in the year it was
//!   certified or passed 复核 ([`calendar::update_required`]). **(our rule)** With several
//!   certifications, one granted or reviewed this year exempts the enterprise (its data was just
//!   reviewed).
//! - **When**: the period of the year ([`calendar::update_period`]: 1 January – 30 April under
//!   ruleset 2022, – 31 May from 2026). Starting, and submitting a draft or a withdrawn update,
//!   need the period; **(our rule, as for declarations)** a returned update may be resubmitted
//!   after it.
//! - **One per year**: the update's `batch` is its year; a rejected update may be replaced.
//! - **Payload**: the proposed basic-info changes, keyed by the `enterprises` column names
//!   ([`InfoChanges`]); absent fields keep their value, an empty payload confirms the data.
//!   A move to another province (or 计划单列市) is a 跨省迁移 major change, not an update, and the
//!   name changes through a 更名 major change.
//! - **Review chain (our rule)**: the province level of the enterprise's authority only.
//!   Accepting applies the changes to the enterprise in the same transaction.
//!
//! | use case | who |
//! |---|---|
//! | [`Service::update_status`], [`Service::start_update`], [`Service::save_update`], [`Service::submit_update`], [`Service::withdraw_update`] | the enterprise |
//! | [`Service::accept_update`], [`Service::return_update`] | a province-level reviewer or admin in scope |
//! | [`Service::update_detail`] | the enterprise; staff in scope |

use crate::domain::calendar::{self, Window};
use crate::domain::industries::Industries;
use crate::domain::regions::Regions;
use crate::domain::rules::Ruleset;
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::ReviewLevel;
use crate::domain::workflow::{Action, Chain, OfferedAction, OwnerAction, State};
use crate::service::audit::Who;
use crate::service::authz::{self, place_of};
use crate::service::certifications::{
    ItemHistory, active_certifications, check_item_version, item_with_history, last_actor,
    load_item, not_certified, require_owner, tell,
};
use crate::service::clock::china_date;
use crate::service::credentials::{check_email, check_phone};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::items::{self, Item, ItemFacts, ItemKind, NewItem};
use crate::service::messages::Category;
use crate::service::session::Session;
use crate::service::validate::{Fields, required};
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

/// Proposed basic-info changes: each field named as its `enterprises` column; `None` keeps the
/// current value.
#[derive(utoipa::ToSchema, Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfoChanges {
    /// 注册地: a county code (GB/T 2260) inside the enterprise's current authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county_code: Option<String>,
    /// 所属行业: a GB/T 4754 class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_products: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<i64>,
    /// 万元, prior year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
    /// 万元, prior year end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_assets: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
}

/// The update situation of the caller's enterprise this year.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct UpdateStatus {
    pub year: i32,
    /// An update is due this year.
    pub required: bool,
    /// Why it is or is not required.
    pub why: Text,
    /// This year's period (both days inclusive).
    pub period: Window,
    pub in_period: bool,
    /// Days left in the period (0 on its last day); `None` outside it.
    pub days_left: Option<i64>,
    /// This year's update was accepted.
    pub done: bool,
    /// This year's latest update, if one was started.
    pub current: Option<Item>,
    /// Whether [`Service::start_update`] would be accepted now.
    pub can_start: bool,
}

/// An update with its proposed changes and history.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct UpdateDetail {
    pub changes: InfoChanges,
    #[serde(flatten)]
    pub detail: ItemHistory,
    /// What the enterprise may do now, in menu order: `edit` (save), `submit` / `resubmit`,
    /// `withdraw` and `withdraw_edit` (with `confirm: window_closed_cannot_resubmit` outside
    /// the period: a withdrawn update could not be submitted again). Empty for anyone else.
    pub actions: Vec<OfferedAction>,
}

/// The review chain of an info update **(our rule)**: the province level of the enterprise's
/// authority only (a province, municipality or 计划单列市), whatever the tier.
pub fn update_chain() -> Chain {
    Chain::new(vec![ReviewLevel::Province]).expect("a one-level chain is well formed")
}

/// This year's update period.
pub fn period(year: i32) -> Window {
    calendar::update_period(year).window(year)
}

/// Whether an update is due this year, and why (not).
pub(crate) struct Requirement {
    pub required: bool,
    pub why: Text,
}

/// The day the certification last passed 复核, if ever.
async fn last_review_passed(conn: &mut Conn, cert_id: &str) -> ServiceResult<Option<NaiveDate>> {
    let row = sqlx::query(
        "SELECT MAX(decided_at) AS at FROM items \
         WHERE kind = 'review' AND certification_id = $1 AND state = 'approved'",
    )
    .bind(cert_id)
    .fetch_one(conn)
    .await?;
    Ok(row
        .try_get::<Option<i64>, _>("at")?
        .map(|at| china_date(from_ms(at))))
}

/// Whether the enterprise must file an update in `today`'s year.
pub(crate) async fn requirement(
    conn: &mut Conn,
    enterprise_id: &str,
    today: NaiveDate,
) -> ServiceResult<Requirement> {
    let year = today.year();
    let certs = active_certifications(conn, enterprise_id, today).await?;
    if certs.is_empty() {
        return Ok(Requirement {
            required: false,
            why: Text::new(
                "贵企业目前没有有效的认定，无需信息更新。",
                "Your enterprise holds no valid certification; no info update is needed.",
            ),
        });
    }
    for cert in &certs {
        let tier = cert.tier.name();
        if cert.certified_on.year() >= year {
            return Ok(Requirement {
                required: false,
                why: Text::new(
                    format!(
                        "贵企业于 {} 取得{}认定，认定当年无需信息更新。",
                        cert.certified_on, tier.zh
                    ),
                    format!(
                        "Your enterprise was certified {} on {}; no info update is needed in \
                         the year of certification.",
                        tier.en, cert.certified_on
                    ),
                ),
            });
        }
        let reviewed = last_review_passed(conn, &cert.id).await?;
        if !calendar::update_required(cert.certified_on, reviewed, year)
            && let Some(on) = reviewed
        {
            return Ok(Requirement {
                required: false,
                why: Text::new(
                    format!(
                        "贵企业的{}认定于 {on} 通过复核，复核当年无需信息更新。",
                        tier.zh
                    ),
                    format!(
                        "Your {} certification passed its review on {on}; no info update is \
                         needed in the year of the review.",
                        tier.en
                    ),
                ),
            });
        }
    }
    let p = period(year);
    let tiers_zh: Vec<String> = certs.iter().map(|c| c.tier.short_name().zh).collect();
    let tiers_en: Vec<String> = certs.iter().map(|c| c.tier.short_name().en).collect();
    Ok(Requirement {
        required: true,
        why: Text::new(
            format!(
                "贵企业持有有效认定（{}），须在 {} 至 {} 期间完成 {year} 年度信息更新；未按时更新将失去复核资格。",
                tiers_zh.join("、"),
                p.start,
                p.end
            ),
            format!(
                "Your enterprise holds a valid certification ({}) and must file its {year} info \
                 update between {} and {}; without it, it loses its eligibility for review \
                 (复核).",
                tiers_en.join(", "),
                p.start,
                p.end
            ),
        ),
    })
}

/// Whether this year's update was accepted.
pub(crate) async fn update_done(
    conn: &mut Conn,
    enterprise_id: &str,
    year: i32,
) -> ServiceResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM items WHERE enterprise_id = $1 AND kind = 'update' \
         AND batch = $2 AND state = 'approved'",
    )
    .bind(enterprise_id)
    .bind(i64::from(year))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The 复核 fact "this year's update is done or not required".
pub(crate) async fn done_or_not_required(
    conn: &mut Conn,
    enterprise_id: &str,
    today: NaiveDate,
) -> ServiceResult<bool> {
    Ok(!requirement(conn, enterprise_id, today).await?.required
        || update_done(conn, enterprise_id, today.year()).await?)
}

/// This year's latest update of the enterprise.
async fn this_years_update(
    conn: &mut Conn,
    enterprise_id: &str,
    year: i32,
) -> ServiceResult<Option<Item>> {
    let row = sqlx::query(
        "SELECT id FROM items WHERE enterprise_id = $1 AND kind = 'update' AND batch = $2 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(enterprise_id)
    .bind(i64::from(year))
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => Ok(Some(
            items::load(conn, &r.try_get::<String, _>("id")?).await?,
        )),
        None => Ok(None),
    }
}

fn period_closed(today: NaiveDate) -> ServiceError {
    let p = period(today.year());
    let next = calendar::next_update_opens(today);
    ServiceError::rule(
        "update_period_closed",
        Text::new(
            format!(
                "今年的信息更新时间为 {} 至 {}，今天（{today}）不在此期间；下一次于 {next} 开始。",
                p.start, p.end
            ),
            format!(
                "This year's info update runs from {} to {}; today ({today}) is outside it. The \
                 next one opens on {next}.",
                p.start, p.end
            ),
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Validation and applying the changes
// ---------------------------------------------------------------------------------------------

/// A present text field: trimmed, not blank, at most `max` characters.
fn text_field(
    f: &mut Fields,
    field: &str,
    value: &Option<String>,
    max: usize,
    what: Text,
) -> Option<String> {
    value.as_deref().and_then(|v| {
        f.check(
            field,
            required(v, max, what.clone()).map_err(|t| {
                if v.trim().is_empty() {
                    Text::new(
                        format!("{}不能清空；不修改请不要填写此项。", what.zh),
                        format!(
                            "{} cannot be cleared; leave the field out to keep it.",
                            capitalise(&what.en)
                        ),
                    )
                } else {
                    t
                }
            }),
        )
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn amount(f: &mut Fields, field: &str, value: Option<f64>, what: Text) -> Option<f64> {
    let v = value?;
    if v.is_finite() && v >= 0.0 {
        Some(v)
    } else {
        f.push(
            field,
            Text::new(
                format!("{}应为不小于 0 的数（单位：万元），当前为 {v}。", what.zh),
                format!(
                    "{} must be a number of at least 0 (in 10,000 yuan); got {v}.",
                    capitalise(&what.en)
                ),
            ),
        );
        None
    }
}

/// The changes, checked (every bad field at once) and normalised. `authority` is the
/// enterprise's current certifying authority: the new county must stay under it.
fn check_changes(
    c: &InfoChanges,
    authority: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<InfoChanges> {
    let mut f = Fields::default();
    let county_code = c.county_code.as_deref().and_then(|code| {
        let checked = Regions::builtin()
            .require_county(code)
            .map_err(|e| e.text())
            .and_then(|county| {
                let place = place_of(&county.code).ok_or_else(|| {
                    Text::new(
                        format!("区县代码 {} 不在行政区划表中。", county.code),
                        format!("County code {} is not in the division list.", county.code),
                    )
                })?;
                match authority {
                    Some(a) if a != place.authority_code => {
                        let from = crate::service::facts::authority_name(a);
                        let to = crate::service::facts::authority_name(&place.authority_code);
                        Err(Text::new(
                            format!(
                                "注册地由{from}迁至{to}属于跨省迁移，请通过“重大变更”报告，不能在信息更新中修改。"
                            ),
                            format!(
                                "Moving the registration from {from} to {to} is a relocation \
                                 across authorities: report it as a major change, not in an \
                                 info update."
                            ),
                        ))
                    }
                    _ => Ok(county.code.clone()),
                }
            });
        f.check("county_code", checked)
    });
    let industry_code = c.industry_code.as_deref().and_then(|code| {
        f.check(
            "industry_code",
            Industries::builtin()
                .require_class(code)
                .map(|i| i.code.clone())
                .map_err(|e| e.text()),
        )
    });
    let segment = text_field(
        &mut f,
        "segment",
        &c.segment,
        100,
        Text::new("细分领域", "the market segment"),
    );
    let main_products = text_field(
        &mut f,
        "main_products",
        &c.main_products,
        500,
        Text::new("主导产品", "the main products"),
    );
    let established_on = match c.established_on {
        Some(d) if d > today => {
            f.push(
                "established_on",
                Text::new(
                    format!("成立日期 {d} 晚于今天（{today}），请填写营业执照上的成立日期。"),
                    format!(
                        "The founding date {d} is after today ({today}); enter the date on the \
                         business licence."
                    ),
                ),
            );
            None
        }
        other => other,
    };
    let address = text_field(
        &mut f,
        "address",
        &c.address,
        200,
        Text::new("地址", "the address"),
    );
    let employees = match c.employees {
        Some(n) if !(0..=10_000_000).contains(&n) => {
            f.push(
                "employees",
                Text::new(
                    format!("从业人员数应为 0 至 10000000 之间的整数，当前为 {n}。"),
                    format!("The number of employees must be a whole number from 0 to 10,000,000; got {n}."),
                ),
            );
            None
        }
        other => other,
    };
    let revenue = amount(
        &mut f,
        "revenue",
        c.revenue,
        Text::new("上年度营业收入", "the prior-year revenue"),
    );
    let total_assets = amount(
        &mut f,
        "total_assets",
        c.total_assets,
        Text::new("上年末资产总额", "the prior-year total assets"),
    );
    let contact_name = text_field(
        &mut f,
        "contact_name",
        &c.contact_name,
        50,
        Text::new("联系人", "the contact person"),
    );
    let contact_phone = c
        .contact_phone
        .as_deref()
        .and_then(|p| f.check("contact_phone", check_phone(p)));
    let contact_email = c
        .contact_email
        .as_deref()
        .and_then(|e| f.check("contact_email", check_email(e)));
    f.finish()?;
    Ok(InfoChanges {
        county_code,
        industry_code,
        segment,
        main_products,
        established_on,
        address,
        employees,
        revenue,
        total_assets,
        contact_name,
        contact_phone,
        contact_email,
    })
}

async fn authority_of(conn: &mut Conn, enterprise_id: &str) -> ServiceResult<Option<String>> {
    let row = sqlx::query("SELECT authority_code FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该企业", "the enterprise")))?;
    Ok(row.try_get("authority_code")?)
}

fn stored_changes(item: &Item) -> ServiceResult<InfoChanges> {
    Ok(serde_json::from_value(item.payload.clone())?)
}

/// Applies an accepted update's changes through the enterprise module's validation and writer
/// (audited there as `enterprise.update_applied` with `who`, the deciding reviewer).
async fn apply_update_payload(
    w: &mut Write,
    who: &Who,
    enterprise_id: &str,
    payload: &serde_json::Value,
) -> ServiceResult<InfoChanges> {
    let changes: InfoChanges = serde_json::from_value(payload.clone())?;
    let authority = authority_of(w, enterprise_id).await?;
    let c = check_changes(&changes, authority.as_deref(), w.today())?;
    crate::service::enterprise::apply_basic_info(w, who, enterprise_id, &c.to_enterprise_update())
        .await?;
    Ok(c)
}

impl InfoChanges {
    /// The same changes in the enterprise module's shape (main products split into a list).
    fn to_enterprise_update(&self) -> crate::service::enterprise::EnterpriseUpdate {
        crate::service::enterprise::EnterpriseUpdate {
            county_code: self.county_code.clone(),
            industry_code: self.industry_code.clone(),
            segment: self.segment.clone(),
            main_products: self.main_products.as_deref().map(|p| {
                p.split(['、', ',', '，', ';', '；', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            }),
            established_on: self
                .established_on
                .map(|d| d.format("%Y-%m-%d").to_string()),
            address: self.address.clone(),
            employees: self.employees.map(|e| e as f64),
            revenue: self.revenue,
            total_assets: self.total_assets,
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_email: self.contact_email.clone(),
            ..Default::default()
        }
    }
}

/// What the final pass of an update implies, in the deciding transaction: the changes are
/// applied to the enterprise (audited), and the enterprise is told.
pub(crate) async fn on_final_pass(w: &mut Write, item: &Item) -> ServiceResult<()> {
    let who = last_actor(w, &item.id).await?;
    apply_update_payload(w, &who, &item.enterprise_id, &item.payload).await?;
    let year = item.batch;
    tell(
        w,
        &item.enterprise_id,
        Category::Update,
        Text::new(
            format!("{year} 年度信息更新已通过"),
            format!("{year} info update accepted"),
        ),
        Text::new(
            format!("贵企业提交的 {year} 年度信息更新已审核通过，企业信息已按更新内容修改。"),
            format!(
                "Your {year} info update was accepted; the enterprise information now shows the \
                 updated data."
            ),
        ),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// Whether the caller's enterprise must file an update this year, the period, and this
    /// year's update if any.
    pub async fn update_status(&self, session: &Session) -> ServiceResult<UpdateStatus> {
        let enterprise_id = authz::require_enterprise(session)?;
        let today = self.today();
        let year = today.year();
        let mut conn = self.read().await?;
        let req = requirement(&mut conn, enterprise_id, today).await?;
        let done = update_done(&mut conn, enterprise_id, year).await?;
        let current = this_years_update(&mut conn, enterprise_id, year).await?;
        let p = period(year);
        let in_period = p.is_open(today);
        let can_start = req.required
            && in_period
            && current.as_ref().is_none_or(|i| i.state == State::Rejected);
        Ok(UpdateStatus {
            year,
            required: req.required,
            why: req.why,
            period: p,
            in_period,
            days_left: in_period.then(|| calendar::days_until(today, p.end)),
            done,
            current,
            can_start,
        })
    }

    /// Starts this year's update (an empty draft: no change yet). Only when an update is due,
    /// inside the period, and no other update of this year is open or accepted.
    pub async fn start_update(&self, session: &Session) -> ServiceResult<Item> {
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let mut w = self.write().await?;
        let today = w.today();
        let year = today.year();
        let req = requirement(&mut w, &enterprise_id, today).await?;
        if !req.required {
            return Err(ServiceError::rule("update_not_required", req.why));
        }
        if !period(year).is_open(today) {
            return Err(period_closed(today));
        }
        if let Some(current) = this_years_update(&mut w, &enterprise_id, year).await?
            && current.state != State::Rejected
        {
            let state = current.state.name();
            return Err(ServiceError::rule(
                "update_exists",
                Text::new(
                    format!(
                        "本年度的信息更新已经创建（状态：{}），请继续办理该信息更新。",
                        state.zh
                    ),
                    format!(
                        "This year's info update already exists ({}); continue with that one.",
                        state.en
                    ),
                ),
            ));
        }
        let cert = active_certifications(&mut w, &enterprise_id, today)
            .await?
            .into_iter()
            .next()
            .ok_or_else(not_certified)?;
        let item = items::create(
            &mut w,
            &Who::from(session),
            NewItem {
                kind: ItemKind::Update,
                subtype: None,
                enterprise_id,
                certification_id: Some(cert.id),
                tier: cert.tier,
                batch: i64::from(year),
                window_id: None,
                ruleset: Ruleset::for_batch_year(year).id.clone(),
                payload: json!({}),
            },
        )
        .await?;
        w.commit().await?;
        Ok(item)
    }

    /// Saves the proposed changes of a draft, returned or withdrawn update.
    pub async fn save_update(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
        changes: &InfoChanges,
    ) -> ServiceResult<Item> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let item = load_item(&mut w, item_id, ItemKind::Update).await?;
        require_owner(session, &item)?;
        items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Edit,
            ItemFacts::default(),
        )
        .await?;
        let authority = authority_of(&mut w, &item.enterprise_id).await?;
        let checked = check_changes(changes, authority.as_deref(), w.today())?;
        sqlx::query("UPDATE items SET payload = $1 WHERE id = $2")
            .bind(serde_json::to_string(&checked)?)
            .bind(item_id)
            .execute(&mut *w)
            .await?;
        let item = items::load(&mut w, item_id).await?;
        w.commit().await?;
        Ok(item)
    }

    /// Submits an update to the province. A draft or withdrawn one needs the period; the
    /// enterprise must still be certified and the changes must still be valid.
    pub async fn submit_update(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Item> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let today = w.today();
        let item = load_item(&mut w, item_id, ItemKind::Update).await?;
        require_owner(session, &item)?;
        check_item_version(&mut w, session, &item, expected_version, &Action::Submit).await?;
        if matches!(item.state, State::Draft | State::Withdrawn)
            && !period(today.year()).is_open(today)
        {
            return Err(period_closed(today));
        }
        if active_certifications(&mut w, &item.enterprise_id, today)
            .await?
            .is_empty()
        {
            return Err(not_certified());
        }
        let authority = authority_of(&mut w, &item.enterprise_id).await?;
        check_changes(&stored_changes(&item)?, authority.as_deref(), today)?;
        let facts = ItemFacts {
            window_open: true,
            basic_info_complete: true,
            prerequisites_met: true,
            other_open_declaration: false,
            barred: false,
            submit_chain: Some(update_chain()),
        };
        let done = items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Submit,
            facts,
        )
        .await?;
        w.commit().await?;
        done.item
            .ok_or_else(|| ServiceError::internal("submitted update vanished"))
    }

    /// Withdraws a submitted update while no reviewer has acted on it. Outside the period a
    /// withdrawn update cannot be submitted again ([`UpdateStatus::in_period`] tells the screen
    /// to warn first).
    pub async fn withdraw_update(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Item> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let today = w.today();
        let item = load_item(&mut w, item_id, ItemKind::Update).await?;
        require_owner(session, &item)?;
        let facts = ItemFacts {
            window_open: period(today.year()).is_open(today),
            ..ItemFacts::default()
        };
        let done = items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Withdraw,
            facts,
        )
        .await?;
        w.commit().await?;
        done.item
            .ok_or_else(|| ServiceError::internal("withdrawn update vanished"))
    }

    /// Accepts an update (the province's pass): the changes are applied to the enterprise in
    /// the same transaction.
    pub async fn accept_update(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Item> {
        authz::require_staff_level(session)?;
        let mut w = self.write().await?;
        load_item(&mut w, item_id, ItemKind::Update).await?;
        let done = items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Pass,
            ItemFacts::default(),
        )
        .await?;
        let item = done
            .item
            .ok_or_else(|| ServiceError::internal("accepted update vanished"))?;
        if item.state == State::Approved {
            on_final_pass(&mut w, &item).await?;
        }
        w.commit().await?;
        Ok(item)
    }

    /// Returns an update to the enterprise with a reason (it may edit and resubmit it).
    pub async fn return_update(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
        reason: &str,
    ) -> ServiceResult<Item> {
        authz::require_staff_level(session)?;
        let mut f = Fields::default();
        let reason = crate::service::review::check_reason(
            &mut f,
            crate::domain::workflow::ActionKind::Return,
            reason,
        );
        f.finish()?;
        let reason = reason.unwrap_or_default();
        let mut w = self.write().await?;
        load_item(&mut w, item_id, ItemKind::Update).await?;
        let done = items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Return {
                reason: reason.clone(),
            },
            ItemFacts::default(),
        )
        .await?;
        let item = done
            .item
            .ok_or_else(|| ServiceError::internal("returned update vanished"))?;
        let year = item.batch;
        tell(
            &mut w,
            &item.enterprise_id,
            Category::Update,
            Text::new(
                format!("{year} 年度信息更新被退回"),
                format!("{year} info update returned"),
            ),
            Text::new(
                format!(
                    "贵企业提交的 {year} 年度信息更新被退回，原因：{reason}。请修改后重新提交。"
                ),
                format!(
                    "Your {year} info update was returned: {reason}. Correct it and submit it \
                     again."
                ),
            ),
        )
        .await?;
        w.commit().await?;
        Ok(item)
    }

    /// An update with its proposed changes and history.
    pub async fn update_detail(
        &self,
        session: &Session,
        item_id: &str,
    ) -> ServiceResult<UpdateDetail> {
        let mut conn = self.read().await?;
        let detail = item_with_history(&mut conn, session, item_id, ItemKind::Update).await?;
        let actions = owner_actions(&mut conn, session, &detail.item, self.today()).await?;
        Ok(UpdateDetail {
            changes: stored_changes(&detail.item)?,
            detail,
            actions,
        })
    }
}

/// The owner's actions on an update now, with the facts the use cases act on: submitting a
/// draft or a withdrawn update needs the period (a returned one does not), and every submission
/// a valid certification; withdrawing outside the period must be confirmed. An update has no
/// delete.
async fn owner_actions(
    conn: &mut Conn,
    session: &Session,
    item: &Item,
    today: NaiveDate,
) -> ServiceResult<Vec<OfferedAction>> {
    if session.enterprise_id.as_deref() != Some(item.enterprise_id.as_str()) {
        return Ok(Vec::new());
    }
    let certified = !active_certifications(conn, &item.enterprise_id, today)
        .await?
        .is_empty();
    let facts = ItemFacts {
        window_open: period(today.year()).is_open(today),
        basic_info_complete: true,
        prerequisites_met: certified,
        other_open_declaration: false,
        barred: false,
        submit_chain: Some(update_chain()),
    };
    Ok(items::owner_actions(
        session,
        item,
        &facts,
        &[
            OwnerAction::Edit,
            OwnerAction::Submit,
            OwnerAction::Resubmit,
            OwnerAction::Withdraw,
            OwnerAction::WithdrawEdit,
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_period_follows_the_ruleset_of_the_year() {
        assert_eq!(
            calendar::update_period(2025),
            Ruleset::for_batch_year(2025).update_period()
        );
        assert_eq!(period(2025).end, d("2025-04-30"));
        assert_eq!(period(2026).end, d("2026-05-31"));
        assert_eq!(update_chain().levels(), [ReviewLevel::Province]);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let c = InfoChanges {
            county_code: Some("330106".into()),
            industry_code: Some("39".into()),
            segment: Some("  ".into()),
            employees: Some(-1),
            revenue: Some(f64::NAN),
            contact_phone: Some("12345".into()),
            established_on: Some(d("2030-01-01")),
            ..InfoChanges::default()
        };
        let err = check_changes(&c, Some("440000"), d("2025-03-03")).unwrap_err();
        let ServiceError::Invalid { fields } = err else {
            panic!("{err:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "county_code",
                "industry_code",
                "segment",
                "established_on",
                "employees",
                "revenue",
                "contact_phone"
            ]
        );
        assert!(
            fields[0].text.zh.contains("重大变更"),
            "{}",
            fields[0].text.zh
        );
        assert!(fields[2].text.zh.contains("不能清空"));
    }

    #[test]
    fn good_changes_are_normalised() {
        let c = InfoChanges {
            county_code: Some(" 440106 ".into()),
            segment: Some(" 芯片 ".into()),
            contact_phone: Some("138-0000-0001".into()),
            ..InfoChanges::default()
        };
        let ok = check_changes(&c, Some("440000"), d("2025-03-03")).unwrap();
        assert_eq!(ok.county_code.as_deref(), Some("440106"));
        assert_eq!(ok.segment.as_deref(), Some("芯片"));
        assert_eq!(ok.contact_phone.as_deref(), Some("13800000001"));
        assert_eq!(
            serde_json::to_value(InfoChanges::default()).unwrap(),
            json!({})
        );
    }
}
