//! Bulk data for benchmarks (`zjtx demo --declarations N`): many enterprises and declarations in
//! every state, spread over several provinces and a 计划单列市, written with multi-row inserts
//! straight into the tables. This is load for measuring queues, not a story to click through —
//! the realistic demo set is built through the use cases.

use crate::domain::chain::default_chain;
use crate::domain::ids::uscc_check_char;
use crate::domain::regions::{RegionLevel, Regions};
use crate::domain::tiers::{ReviewLevel, Tier};
use crate::service::authz::place_of;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::facts::is_city_authority;
use crate::service::{Service, Write};
use crate::store::new_id;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, AssertSqlSafe};

/// Certifying authorities the bulk data is spread over: 广东, 深圳 (计划单列市), 浙江, 宁波
/// (计划单列市), 北京 (municipality), 江苏, 四川.
pub const BULK_AUTHORITIES: &[&str] = &[
    "440000", "440300", "330000", "330200", "110000", "320000", "510000",
];

const PLACES: &[&str] = &[
    "华南", "东海", "江北", "西部", "中原", "北方", "南方", "滨海", "高新", "长江",
];
const CORES: &[&str] = &[
    "精密",
    "智能",
    "微电子",
    "新材料",
    "光电",
    "数控",
    "生物",
    "医疗器械",
    "传感",
    "机器人",
    "储能",
    "半导体",
    "环保",
    "节能",
    "工业软件",
    "检测",
    "航空",
    "汽车零部件",
    "高分子",
    "激光",
];
const SUFFIXES: &[&str] = &[
    "科技有限公司",
    "制造有限公司",
    "股份有限公司",
    "技术有限公司",
    "装备有限公司",
];
const INDUSTRIES: &[&str] = &[
    "3973", "3562", "4090", "2652", "3415", "3839", "6513", "3581", "3099", "3670",
];

/// A deterministic pseudo-random sequence (xorshift), so two runs build the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// A valid USCC for enterprise number `n` registered in `county`.
pub fn bulk_uscc(county: &str, n: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut org = String::new();
    let mut v = n;
    for _ in 0..9 {
        org.insert(0, ALPHABET[(v % 31) as usize] as char);
        v /= 31;
    }
    let first17 = format!("91{county}{org}");
    let check = uscc_check_char(&first17).expect("built from the alphabet");
    format!("{first17}{check}")
}

/// Appends one row of `values` placeholders to a multi-row insert.
fn row(
    sql: &mut String,
    args: &mut AnyArguments,
    count: &mut usize,
    values: Vec<Value>,
) -> ServiceResult<()> {
    if !sql.ends_with("VALUES ") {
        sql.push_str(", ");
    }
    sql.push('(');
    for (k, v) in values.into_iter().enumerate() {
        if k > 0 {
            sql.push_str(", ");
        }
        *count += 1;
        sql.push_str(&format!("${count}"));
        let added = match v {
            Value::Text(s) => args.add(s),
            Value::OptText(s) => args.add(s),
            Value::Int(i) => args.add(i),
            Value::OptInt(i) => args.add(i),
            Value::Real(f) => args.add(f),
        };
        added.map_err(ServiceError::internal)?;
    }
    sql.push(')');
    Ok(())
}

enum Value {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
}

async fn flush(w: &mut Write, sql: String, args: AnyArguments) -> ServiceResult<()> {
    sqlx::query_with(AssertSqlSafe(sql), args)
        .execute(&mut **w)
        .await?;
    Ok(())
}

/// Writes `n` declarations (and one enterprise per ten declarations) in every state. Returns the
/// number of declarations written.
pub async fn generate_declarations(svc: &Service, n: u64) -> ServiceResult<u64> {
    let regions = Regions::builtin();
    let counties: Vec<&str> = regions
        .iter()
        .filter(|r| r.level == RegionLevel::County)
        .filter(|r| {
            regions
                .authority(&r.code)
                .is_some_and(|a| BULK_AUTHORITIES.contains(&a.code.as_str()))
        })
        .map(|r| r.code.as_str())
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let enterprises = n.div_ceil(10).max(1);
    let now = svc.now();
    let now_ms = now.timestamp_millis();
    const BATCH: u64 = 400;

    // Enterprises.
    let mut first = 0;
    let mut ent_place = Vec::with_capacity(enterprises as usize);
    while first < enterprises {
        let last = (first + BATCH).min(enterprises);
        let mut w = svc.write().await?;
        let mut sql = String::from(
            "INSERT INTO enterprises (id, uscc, name, legal_rep, legal_rep_id_masked, legal_rep_id_hash, \
             county_code, city_code, authority_code, industry_code, segment, main_products, employees, \
             revenue, total_assets, contact_name, contact_phone, created_at, updated_at) VALUES ",
        );
        let mut args = AnyArguments::default();
        let mut count = 0;
        for e in first..last {
            let county = *rng.pick(&counties);
            let place = place_of(county).ok_or_else(|| ServiceError::internal("county"))?;
            let name = format!(
                "{}{}{}{}",
                rng.pick(PLACES),
                rng.pick(CORES),
                e,
                rng.pick(SUFFIXES)
            );
            let id = new_id();
            row(
                &mut sql,
                &mut args,
                &mut count,
                vec![
                    Value::Text(id.clone()),
                    Value::Text(bulk_uscc(county, e)),
                    Value::Text(name.clone()),
                    Value::Text("王五".into()),
                    Value::Text("110105********002X".into()),
                    Value::Text(format!("bulk-{e}")),
                    Value::Text(place.county_code.clone()),
                    Value::Text(place.city_code.clone()),
                    Value::Text(place.authority_code.clone()),
                    Value::Text(rng.pick(INDUSTRIES).to_string()),
                    Value::Text("细分领域".into()),
                    Value::Text("主导产品".into()),
                    Value::Int(20 + (rng.next() % 400) as i64),
                    Value::Real(1000.0 + (rng.next() % 30000) as f64),
                    Value::Real(2000.0 + (rng.next() % 40000) as f64),
                    Value::Text("联系人".into()),
                    Value::Text("13800000000".into()),
                    Value::Int(now_ms),
                    Value::Int(now_ms),
                ],
            )?;
            ent_place.push((id, name, bulk_uscc(county, e), place));
        }
        flush(&mut w, sql, args).await?;
        w.commit().await?;
        first = last;
    }

    // Declarations in every state; for submitted and in-review ones, a level from the chain.
    let mut first = 0;
    while first < n {
        let last = (first + BATCH).min(n);
        let mut w = svc.write().await?;
        let mut sql = String::from(
            "INSERT INTO items (id, kind, enterprise_id, tier, batch, ruleset, payload, state, level, \
             chain, version, ever_submitted, reviewer_acted, score, qualifies, submitted_at, \
             created_at, updated_at, enterprise_name, uscc, county_code, city_code, authority_code) VALUES ",
        );
        let mut args = AnyArguments::default();
        let mut count = 0;
        for i in first..last {
            let (ent_id, name, uscc, place) = &ent_place[(i % enterprises) as usize];
            let tier = Tier::ALL[(i % 3) as usize];
            let batch = 2021 + (i / enterprises % 5) as i64;
            let chain = default_chain(tier, is_city_authority(&place.authority_code));
            let levels = chain.levels();
            let roll = rng.next() % 100;
            let (state, level): (&str, Option<ReviewLevel>) = match roll {
                0..=9 => ("draft", None),
                10..=54 => (
                    "submitted",
                    Some(levels[(rng.next() % levels.len() as u64) as usize]),
                ),
                55..=69 => (
                    "in_review",
                    Some(levels[(rng.next() % levels.len() as u64) as usize]),
                ),
                70..=84 => ("approved", None),
                85..=90 => ("returned", None),
                91..=95 => ("rejected", None),
                _ => ("withdrawn", None),
            };
            let submitted = state != "draft";
            let updated = now_ms - (rng.next() % (400 * 86_400_000)) as i64;
            let score = 40.0 + (rng.next() % 60) as f64;
            let chain_json = serde_json::to_string(&chain).map_err(ServiceError::internal)?;
            row(
                &mut sql,
                &mut args,
                &mut count,
                vec![
                    Value::Text(new_id()),
                    Value::Text("declaration".into()),
                    Value::Text(ent_id.clone()),
                    Value::Text(tier.code().into()),
                    Value::Int(batch),
                    Value::Text("2022".into()),
                    Value::Text("{}".into()),
                    Value::Text(state.into()),
                    Value::OptText(level.map(|l| l.code().to_string())),
                    Value::OptText(submitted.then_some(chain_json)),
                    Value::Int(1 + (rng.next() % 4) as i64),
                    Value::Int(i64::from(submitted)),
                    Value::Int(i64::from(state == "in_review" || state == "approved")),
                    Value::Real(score),
                    Value::OptInt(Some(i64::from(score >= 60.0))),
                    Value::OptInt(submitted.then_some(updated)),
                    Value::Int(updated - 86_400_000),
                    Value::Int(updated),
                    Value::Text(name.clone()),
                    Value::Text(uscc.clone()),
                    Value::Text(place.county_code.clone()),
                    Value::Text(place.city_code.clone()),
                    Value::Text(place.authority_code.clone()),
                ],
            )?;
        }
        flush(&mut w, sql, args).await?;
        w.commit().await?;
        first = last;
    }
    Ok(n)
}
