//! The demo data set (`zjtx demo`): a realistic platform to click through, built **through the
//! use cases** — registration, real-name verification, basic info, assessments, windows,
//! declarations with a PDF as evidence, reviewer decisions, certifications by a final pass, info
//! updates, a late major change, 复核 flags, announcements, support requests and the reminders job
//! — so every row carries the audit trail, history and messages a real one would.
//!
//! Time: [`seed_demo`] takes "now" from the given service's clock (the real time in the CLI) and
//! tells the story with its own [`TestClock`] over the same store, from about three years before
//! that day up to it: certifications granted three years ago expire this year and are 复核
//! candidates, last year's batch is certified, this year's declarations are in flight in windows
//! that are open today. Every date is an offset from that day, so two seeds on the same day write
//! the same story (ids, tokens and codes aside); the seed needs a day from 2025 on (the first
//! batch year is 2022).
//!
//! The seeding service shares the store, the data directory (evidence blobs) and the password
//! hashing of the given service; its notifier is the default outbox. Sessions are logged in once
//! and used across the simulated time (use cases take a session as given; only
//! [`Service::authenticate`] checks a token's age).
//!
//! | what | where |
//! |---|---|
//! | accounts (all with [`DEMO_PASSWORD`]) | [`DemoReport::accounts`] |
//! | regions | 广东省 (广州: 天河区, 番禺区), 深圳市 (计划单列市: 南山区, 福田区), 浙江省 (杭州: 西湖区, 滨江区), 北京市 (海淀区) |
//! | states | draft, submitted at county / city / province / ministry level, in review, returned, withdrawn, rejected, approved |
//!
//! The story is many use cases, each committing on its own: a failure half-way leaves a partly
//! seeded database (refused by a second seed), to be deleted.
//!
//! [`add_bulk_declarations`] adds the benchmark load of [`bulk`] to an empty or demo database.

use crate::domain::calendar;
use crate::domain::ids::{id_check_char, uscc_check_char};
use crate::domain::regions::{Regions, is_plan_city};
use crate::domain::rules::{Inputs, Value};
use crate::domain::text::Text;
use crate::domain::tiers::{AssessmentCategory, ReviewLevel, Tier};
use crate::service::accounts::{
    ManualPhoneChange, RealName, RecoveryRequest, Registration, StaffAccount,
};
use crate::service::announcements::AnnouncementDraft;
use crate::service::assessment::AnswerInput;
use crate::service::audit::{Who, audit};
use crate::service::bulk;
use crate::service::certifications::CertStatus;
use crate::service::changes::{ChangeInput, ChangeKind};
use crate::service::clock::{china, china_date};
use crate::service::enterprise::EnterpriseUpdate;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::items;
use crate::service::updates::InfoChanges;
use crate::service::windows::NewWindow;
use crate::service::{AccountKind, Service, ServiceConfig, Session, TestClock};
use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;

/// The password of every demo account (published in the README: never use demo data in
/// production).
pub const DEMO_PASSWORD: &str = "Demo-2025!";

/// The earliest year a demo can be anchored in: its oldest certifications are three years old and
/// the first batch year is 2022.
pub const DEMO_EARLIEST_YEAR: i32 = 2025;

/// The audit action that marks a database seeded with the demo set.
const SEEDED: &str = "demo.seed";
/// The audit action that marks a database holding the bulk benchmark declarations.
const BULK: &str = "demo.bulk";

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// A demo account: how to log in and what to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoAccount {
    pub login: String,
    pub password: String,
    pub kind: AccountKind,
    /// "县级审核员 · 广东省 广州市 天河区", "法人账户 · 广州瑞芯智能传感股份有限公司".
    pub role: Text,
    /// What the account shows in the story.
    pub note: Text,
}

/// How much the database holds after seeding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DemoCounts {
    pub accounts: i64,
    pub enterprises: i64,
    pub declarations: i64,
    /// Active certifications.
    pub certifications: i64,
    pub messages: i64,
    /// Published announcements.
    pub announcements: i64,
    /// Pending support requests.
    pub support_requests: i64,
}

/// What [`seed_demo`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoReport {
    /// The day the story ends on (the service's today).
    pub today: NaiveDate,
    /// Staff first, then the enterprises and the natural person.
    pub accounts: Vec<DemoAccount>,
    pub counts: DemoCounts,
}

/// What a database holds, as far as the demo command is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseState {
    /// No account, enterprise or item.
    Empty,
    /// Seeded by [`seed_demo`]; `bulk` when [`add_bulk_declarations`] ran on it too.
    Demo { bulk: bool },
    /// The bulk benchmark declarations only.
    BulkOnly,
    /// Anything else: real data, never touched by the demo.
    Other,
}

// ---------------------------------------------------------------------------------------------
// The cast
// ---------------------------------------------------------------------------------------------

/// A staff account of the demo.
struct StaffSpec {
    login: &'static str,
    kind: AccountKind,
    level: Option<ReviewLevel>,
    region: Option<&'static str>,
    name: &'static str,
    note: (&'static str, &'static str),
}

const STAFF: &[StaffSpec] = &[
    StaffSpec {
        login: "mi_admin",
        kind: AccountKind::Admin,
        level: Some(ReviewLevel::Ministry),
        region: None,
        name: "王建国",
        note: (
            "小巨人终审：部级队列中有深圳光驰的申报；部级公告",
            "Little Giant final review: 深圳光驰 waits at ministry level; ministry announcements",
        ),
    },
    StaffSpec {
        login: "gd_admin",
        kind: AccountKind::Admin,
        level: Some(ReviewLevel::Province),
        region: Some("440000"),
        name: "李秀英",
        note: (
            "广东省申报窗口、审核链、公告；已为广州金鹏设置满足复核条件",
            "Guangdong windows, chains, announcements; flagged 广州金鹏 for 复核",
        ),
    },
    StaffSpec {
        login: "sz_admin",
        kind: AccountKind::Admin,
        level: Some(ReviewLevel::Province),
        region: Some("440300"),
        name: "陈志强",
        note: (
            "深圳市（计划单列市，按省级管理）窗口与公告",
            "Shenzhen (plan city, provincial authority): windows and announcements",
        ),
    },
    StaffSpec {
        login: "zj_admin",
        kind: AccountKind::Admin,
        level: Some(ReviewLevel::Province),
        region: Some("330000"),
        name: "周丽华",
        note: (
            "浙江省：复核候选中杭州天目因逾期报告重大变更不符合条件",
            "Zhejiang: 杭州天目 fails 复核 candidacy (a late major change)",
        ),
    },
    StaffSpec {
        login: "bj_admin",
        kind: AccountKind::Admin,
        level: Some(ReviewLevel::Province),
        region: Some("110000"),
        name: "赵文博",
        note: (
            "北京市（直辖市）创新型申报窗口",
            "Beijing (municipality): the innovative-SME window",
        ),
    },
    StaffSpec {
        login: "gd_prov",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::Province),
        region: Some("440000"),
        name: "刘海涛",
        note: (
            "省级队列：广州岭南（创新型）待审核；受理信息更新",
            "Province queue: 广州岭南 (innovative) waits; accepts info updates",
        ),
    },
    StaffSpec {
        login: "sz_prov",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::Province),
        region: Some("440300"),
        name: "黄晓明",
        note: (
            "深圳市级（省级）审核：已推荐深圳光驰的小巨人申报",
            "Shenzhen provincial review: recommended 深圳光驰 (Little Giant)",
        ),
    },
    StaffSpec {
        login: "zj_prov",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::Province),
        region: Some("330000"),
        name: "吴静",
        note: (
            "浙江省级审核：已受理杭州天目的逾期重大变更报告",
            "Zhejiang provincial review: acknowledged 杭州天目's late change report",
        ),
    },
    StaffSpec {
        login: "gz_city",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::City),
        region: Some("440100"),
        name: "郑伟",
        note: (
            "市级队列：广州华科（专精特新）待审核",
            "City queue: 广州华科 (SRDI) waits",
        ),
    },
    StaffSpec {
        login: "hz_city",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::City),
        region: Some("330100"),
        name: "孙颖",
        note: (
            "杭州市级审核（历史审核记录）",
            "Hangzhou city review (past decisions)",
        ),
    },
    StaffSpec {
        login: "th_county",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::County),
        region: Some("440106"),
        name: "林国栋",
        note: (
            "县级队列：广州瑞芯（专精特新）待审核",
            "County queue: 广州瑞芯 (SRDI) waits",
        ),
    },
    StaffSpec {
        login: "ns_county",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::County),
        region: Some("440305"),
        name: "何丽",
        note: (
            "区级队列：深圳海云审核中；已退回深圳前海",
            "District queue: 深圳海云 in review; returned 深圳前海",
        ),
    },
    StaffSpec {
        login: "xh_county",
        kind: AccountKind::Reviewer,
        level: Some(ReviewLevel::County),
        region: Some("330106"),
        name: "钱志远",
        note: (
            "区级审核：已驳回杭州西岳（未通过）",
            "District review: rejected 杭州西岳",
        ),
    },
    StaffSpec {
        login: "kf_support",
        kind: AccountKind::Support,
        level: None,
        region: None,
        name: "张敏",
        note: (
            "客服队列：一项人工核验换手机号、一项账号找回待处理",
            "Support queue: a manual phone change and an account recovery wait",
        ),
    },
];

/// What an enterprise is in the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// 北京: an innovative-SME declaration saved as a draft.
    Draft,
    /// 广州 天河: 专精特新 waiting at county level.
    AtCounty,
    /// 广州 天河: 专精特新 passed by the county, waiting at city level.
    AtCity,
    /// 广州 番禺: 创新型 passed by the city, waiting at province level.
    AtProvince,
    /// 深圳 南山: 专精特新 claimed by the district reviewer.
    InReview,
    /// 深圳 南山: 专精特新 returned with a reason.
    Returned,
    /// 深圳 福田: 专精特新 withdrawn by the enterprise.
    Withdrawn,
    /// 杭州 西湖: 专精特新 rejected (figures below the gates).
    Rejected,
    /// 杭州 滨江: certified 创新型 last year.
    CertifiedInnovative,
    /// 深圳 南山: certified 专精特新 last year; 小巨人 now at ministry level.
    CertifiedSpecialized,
    /// 广州 天河: certified 专精特新 three years ago, info updates done, flagged for 复核.
    Expiring,
    /// 杭州 西湖: certified 专精特新 three years ago, a major change reported late.
    LateChange,
}

/// An enterprise of the demo (a legal-person account).
struct FirmSpec {
    login: &'static str,
    name: &'static str,
    county: &'static str,
    /// Positions 9–17 of the USCC (the organisation code).
    org: &'static str,
    legal_rep: &'static str,
    /// The legal representative's birth date, `YYYYMMDD` (for the ID number).
    born: &'static str,
    industry: &'static str,
    segment: &'static str,
    products: &'static [&'static str],
    established: &'static str,
    address: &'static str,
    contact: &'static str,
    phone: &'static str,
    /// The worked example its figures are scaled from.
    tier: Tier,
    scale: f64,
    /// Answers of the assessment, as a share of the best option (0–1).
    digital: f64,
    role: Role,
}

const FIRMS: &[FirmSpec] = &[
    FirmSpec {
        login: "bj_zhixin",
        name: "北京智芯测控科技有限公司",
        county: "110108",
        org: "MA01C7XK4",
        legal_rep: "张伟",
        born: "19820314",
        industry: "4090",
        segment: "工业视觉检测",
        products: &["机器视觉检测系统", "在线尺寸测量仪"],
        established: "2016-04-18",
        address: "北京市海淀区上地信息路 26 号",
        contact: "刘洋",
        phone: "13810000001",
        tier: Tier::Innovative,
        scale: 0.9,
        digital: 0.55,
        role: Role::Draft,
    },
    FirmSpec {
        login: "gz_ruixin",
        name: "广州瑞芯智能传感股份有限公司",
        county: "440106",
        org: "MA59R3LN2",
        legal_rep: "陈国华",
        born: "19760822",
        industry: "3983",
        segment: "智能传感器",
        products: &["MEMS 压力传感器", "汽车胎压传感芯片"],
        established: "2012-09-06",
        address: "广州市天河区科韵路 16 号",
        contact: "黄丽",
        phone: "13810000002",
        tier: Tier::Specialized,
        scale: 1.1,
        digital: 0.7,
        role: Role::AtCounty,
    },
    FirmSpec {
        login: "gz_huake",
        name: "广州华科精密机械有限公司",
        county: "440106",
        org: "MA5D8KQ1X",
        legal_rep: "林志明",
        born: "19710105",
        industry: "3491",
        segment: "工业机器人精密减速器",
        products: &["RV 减速器", "谐波减速器"],
        established: "2009-03-27",
        address: "广州市天河区高唐路 233 号",
        contact: "周杰",
        phone: "13810000003",
        tier: Tier::Specialized,
        scale: 1.4,
        digital: 0.75,
        role: Role::AtCity,
    },
    FirmSpec {
        login: "gz_lingnan",
        name: "广州岭南新材料科技有限公司",
        county: "440113",
        org: "MA9W2HT6B",
        legal_rep: "何振宇",
        born: "19850611",
        industry: "3985",
        segment: "电子级高纯材料",
        products: &["电子级氢氟酸", "光刻胶配套试剂"],
        established: "2017-11-02",
        address: "广州市番禺区南村镇兴业大道 88 号",
        contact: "梁敏",
        phone: "13810000004",
        tier: Tier::Innovative,
        scale: 1.2,
        digital: 0.6,
        role: Role::AtProvince,
    },
    FirmSpec {
        login: "sz_haiyun",
        name: "深圳海云微电子有限公司",
        county: "440305",
        org: "MA5F0UJ3R",
        legal_rep: "李海云",
        born: "19800919",
        industry: "6520",
        segment: "射频前端芯片设计",
        products: &["5G 射频功率放大器芯片", "低噪声放大器芯片"],
        established: "2014-06-12",
        address: "深圳市南山区粤海街道高新南七道 12 号",
        contact: "吴倩",
        phone: "13810000005",
        tier: Tier::Specialized,
        scale: 1.0,
        digital: 0.8,
        role: Role::InReview,
    },
    FirmSpec {
        login: "sz_qianhai",
        name: "深圳前海智航无人机技术有限公司",
        county: "440305",
        org: "MA5G7P2WA",
        legal_rep: "郭子豪",
        born: "19870227",
        industry: "3963",
        segment: "工业级无人机",
        products: &["电力巡检无人机", "无人机机场"],
        established: "2015-08-20",
        address: "深圳市南山区前海深港合作区前湾一路 1 号",
        contact: "邓晓",
        phone: "13810000006",
        tier: Tier::Specialized,
        scale: 0.85,
        digital: 0.65,
        role: Role::Returned,
    },
    FirmSpec {
        login: "sz_kangning",
        name: "深圳康宁医疗器械有限公司",
        county: "440304",
        org: "MA5H3C8TN",
        legal_rep: "宋佳",
        born: "19790430",
        industry: "3581",
        segment: "便携式超声诊断设备",
        products: &["掌上超声诊断仪"],
        established: "2013-12-09",
        address: "深圳市福田区梅林街道梅华路 105 号",
        contact: "许诺",
        phone: "13810000007",
        tier: Tier::Specialized,
        scale: 0.75,
        digital: 0.6,
        role: Role::Withdrawn,
    },
    FirmSpec {
        login: "hz_xiyue",
        name: "杭州西岳环保科技有限公司",
        county: "330106",
        org: "MA2B9DX4L",
        legal_rep: "沈立新",
        born: "19740716",
        industry: "3591",
        segment: "工业废气治理设备",
        products: &["VOCs 催化燃烧装置"],
        established: "2019-05-15",
        address: "杭州市西湖区三墩镇西园三路 9 号",
        contact: "潘悦",
        phone: "13810000008",
        tier: Tier::Specialized,
        scale: 0.35,
        digital: 0.35,
        role: Role::Rejected,
    },
    FirmSpec {
        login: "hz_shuzhi",
        name: "杭州滨江数智软件有限公司",
        county: "330108",
        org: "MA27W1E5Q",
        legal_rep: "徐晨",
        born: "19880103",
        industry: "6513",
        segment: "制造业排产软件",
        products: &["高级计划排程系统（APS）"],
        established: "2018-02-28",
        address: "杭州市滨江区长河街道江虹路 459 号",
        contact: "方琳",
        phone: "13810000009",
        tier: Tier::Innovative,
        scale: 1.0,
        digital: 0.7,
        role: Role::CertifiedInnovative,
    },
    FirmSpec {
        login: "sz_guangchi",
        name: "深圳光驰光电科技有限公司",
        county: "440305",
        org: "MA5E4RH9P",
        legal_rep: "罗光驰",
        born: "19730508",
        industry: "3976",
        segment: "高速光通信器件",
        products: &["400G 光模块", "硅光芯片"],
        established: "2008-10-10",
        address: "深圳市南山区西丽街道留仙大道 3370 号",
        contact: "谢文",
        phone: "13810000010",
        tier: Tier::LittleGiant,
        scale: 1.0,
        digital: 0.86,
        role: Role::CertifiedSpecialized,
    },
    FirmSpec {
        login: "gz_jinpeng",
        name: "广州金鹏数控装备有限公司",
        county: "440106",
        org: "MA59K6T2M",
        legal_rep: "蔡金鹏",
        born: "19690912",
        industry: "3421",
        segment: "五轴联动数控机床",
        products: &["五轴联动加工中心", "数控系统"],
        established: "2006-07-01",
        address: "广州市天河区黄埔大道中 663 号",
        contact: "冯婷",
        phone: "13810000011",
        tier: Tier::Specialized,
        scale: 1.3,
        digital: 0.72,
        role: Role::Expiring,
    },
    FirmSpec {
        login: "hz_tianmu",
        name: "杭州天目生物医药有限公司",
        county: "330106",
        org: "MA2CJ8N7U",
        legal_rep: "韩雪",
        born: "19811125",
        industry: "2761",
        segment: "重组蛋白药物",
        products: &["重组人生长激素注射液"],
        established: "2011-04-22",
        address: "杭州市西湖区转塘街道创意路 1 号",
        contact: "曹宇",
        phone: "13810000012",
        tier: Tier::Specialized,
        scale: 1.15,
        digital: 0.68,
        role: Role::LateChange,
    },
];

/// The natural-person account (自然人账户).
const NATURAL_LOGIN: &str = "np_chenming";
const NATURAL_PHONE: &str = "13810000099";

fn firm_index(role: Role) -> usize {
    FIRMS
        .iter()
        .position(|f| f.role == role)
        .expect("every role has a firm")
}

impl FirmSpec {
    fn uscc(&self) -> String {
        let first17 = format!("91{}{}", self.county, self.org);
        let check = uscc_check_char(&first17).expect("demo USCCs use the code alphabet");
        format!("{first17}{check}")
    }

    /// The legal representative's ID number (registered where the firm is, sequence by firm).
    fn legal_rep_id(&self, n: usize) -> String {
        let first17 = format!("{}{}{:03}", self.county, self.born, 101 + 2 * n);
        let check = id_check_char(&first17).expect("demo ID numbers are digits");
        format!("{first17}{check}")
    }

    fn authority(&self) -> String {
        crate::service::authz::place_of(self.county)
            .map(|p| p.authority_code)
            .unwrap_or_default()
    }

    /// The worked example of its tier, scaled.
    fn figures(&self) -> Inputs {
        scaled(example(self.tier), self.scale)
    }

    fn note(&self, t: &Timeline) -> Text {
        let (expiring_on, certified_on) = (t.expiring, t.last_year);
        match self.role {
            Role::Draft => Text::new(
                "创新型申报已暂存，尚未提交（北京窗口开放中）",
                "Innovative declaration saved as a draft, not submitted (Beijing window open)",
            ),
            Role::AtCounty => Text::new(
                "专精特新申报已提交，县级待审核",
                "SRDI declaration submitted, awaiting county review",
            ),
            Role::AtCity => Text::new(
                "专精特新申报县级已通过，市级待审核",
                "SRDI declaration passed the county, awaiting city review",
            ),
            Role::AtProvince => Text::new(
                "创新型申报市级已通过，省级待审核",
                "Innovative declaration passed the city, awaiting province review",
            ),
            Role::InReview => Text::new(
                "专精特新申报区级审核中",
                "SRDI declaration in review at district level",
            ),
            Role::Returned => Text::new(
                "专精特新申报被退回（附退回理由），可修改后重新提交",
                "SRDI declaration returned with a reason; edit and resubmit",
            ),
            Role::Withdrawn => Text::new(
                "专精特新申报已撤回（窗口开放中，可重新提交）",
                "SRDI declaration withdrawn (the window is open: it can be resubmitted)",
            ),
            Role::Rejected => Text::new(
                "专精特新申报未通过（研发费用等条件不满足）",
                "SRDI declaration rejected (R&D and other gates not met)",
            ),
            Role::CertifiedInnovative => Text::new(
                format!("{certified_on} 认定为创新型中小企业；客服队列中有其账号找回申请"),
                format!(
                    "Certified innovative SME on {certified_on}; its account recovery waits at \
                     support"
                ),
            ),
            Role::CertifiedSpecialized => Text::new(
                format!("{certified_on} 认定为专精特新；小巨人申报部级待审核"),
                format!(
                    "Certified SRDI on {certified_on}; Little Giant declaration at ministry level"
                ),
            ),
            Role::Expiring => Text::new(
                format!("专精特新认定 {expiring_on} 到期，信息更新已完成，已设满足复核条件"),
                format!(
                    "SRDI certification expires {expiring_on}; info updates done; flagged for 复核"
                ),
            ),
            Role::LateChange => Text::new(
                format!("专精特新认定 {expiring_on} 到期；重大变更逾期报告，失去复核资格"),
                format!(
                    "SRDI certification expires {expiring_on}; a major change reported late \
                     (no 复核)"
                ),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Declaration figures
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Example {
    inputs: Inputs,
}

/// The worked example of a tier (fixtures/examples), without 深圳's local indicators.
fn example(tier: Tier) -> Inputs {
    let src = match tier {
        Tier::Innovative => include_str!("../../fixtures/examples/innovative.toml"),
        Tier::Specialized => include_str!("../../fixtures/examples/specialized.toml"),
        Tier::LittleGiant => include_str!("../../fixtures/examples/little_giant.toml"),
    };
    let mut inputs = toml::from_str::<Example>(src)
        .expect("the worked examples are valid")
        .inputs;
    inputs.retain(|k, _| !k.starts_with("sz_"));
    inputs
}

/// Amounts (万元) and head counts scaled by `factor`, rounded; ratios stay as in the example.
fn scaled(mut inputs: Inputs, factor: f64) -> Inputs {
    const SCALED: &[&str] = &[
        "revenue_y1",
        "revenue_y2",
        "main_revenue_y1",
        "main_revenue_y2",
        "main_revenue_y3",
        "net_profit_y1",
        "total_assets_y1",
        "total_liabilities_y1",
        "rd_expense_y1",
        "rd_expense_y2",
        "equity_3y",
        "equity_2y",
        "employees",
        "rd_staff",
    ];
    for key in SCALED {
        if let Some(Value::Number(v)) = inputs.get_mut(*key) {
            *v = (*v * factor).round();
        }
    }
    inputs
}

fn number(inputs: &Inputs, key: &str) -> Option<f64> {
    match inputs.get(key) {
        Some(Value::Number(v)) => Some(*v),
        _ => None,
    }
}

/// The 特色化 indicators of a 专精特新 declaration, by authority (ruleset 2022's local sets).
fn local_indicators(authority: &str, inputs: &mut Inputs) {
    match authority {
        "440300" => {
            inputs.insert("sz_20_clusters".into(), Value::Bool(true));
            inputs.insert("sz_pct_patents".into(), Value::Number(3.0));
        }
        "330000" => {
            inputs.insert("zj_future_factory".into(), Value::Bool(true));
            inputs.insert("zj_chain_leader_supplier".into(), Value::Bool(false));
            inputs.insert("zj_tax_growth".into(), Value::Number(8.5));
        }
        _ => {
            inputs.insert("local_key_industry".into(), Value::Bool(true));
            inputs.insert("local_export_share".into(), Value::Number(12.0));
        }
    }
}

/// What a firm types into a declaration of `tier`: its scaled example, its authority's local
/// indicators, and the figures its role needs.
fn declaration_inputs(firm: &FirmSpec, tier: Tier) -> Inputs {
    let factor = if tier == firm.tier { firm.scale } else { 1.0 };
    let mut inputs = scaled(example(tier), factor);
    if tier == Tier::Specialized {
        local_indicators(&firm.authority(), &mut inputs);
    }
    let set = |inputs: &mut Inputs, key: &str, v: Value| {
        inputs.insert(key.to_string(), v);
    };
    match firm.role {
        Role::Draft => {
            // Half-way through the form: the finance section only.
            inputs.retain(|k, _| {
                matches!(
                    k.as_str(),
                    "revenue_y1"
                        | "main_revenue_y1"
                        | "main_revenue_y2"
                        | "total_assets_y1"
                        | "total_liabilities_y1"
                        | "employees"
                )
            });
        }
        Role::Rejected => {
            // Below the 专精特新 gates: R&D under 100万元, one year in the niche, no class-I IP.
            set(&mut inputs, "rd_expense_y1", Value::Number(62.0));
            set(&mut inputs, "rd_expense_y2", Value::Number(48.0));
            set(&mut inputs, "years_in_niche", Value::Number(1.0));
            set(&mut inputs, "ip_class", Value::Text("class_ii".into()));
            set(
                &mut inputs,
                "rd_institution_level",
                Value::Text("none".into()),
            );
            set(&mut inputs, "net_profit_y1", Value::Number(35.0));
            set(&mut inputs, "quality_certified", Value::Bool(false));
        }
        Role::AtCity | Role::CertifiedSpecialized if tier == Tier::Specialized => {
            set(&mut inputs, "ip_class", Value::Text("high_value_i".into()));
            set(
                &mut inputs,
                "rd_institution_level",
                Value::Text("provincial".into()),
            );
        }
        _ => {}
    }
    inputs
}

// ---------------------------------------------------------------------------------------------
// Evidence: a small real PDF
// ---------------------------------------------------------------------------------------------

/// A one-page PDF (A4, Helvetica) with `lines` of ASCII text: a real, valid file with a correct
/// cross-reference table, small enough to attach to every demo declaration.
pub fn demo_pdf(lines: &[&str]) -> Vec<u8> {
    let escape = |s: &str| {
        s.chars()
            .filter(char::is_ascii)
            .flat_map(|c| match c {
                '(' | ')' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect::<String>()
    };
    let mut content = String::from("BT\n/F1 16 Tf\n72 770 Td\n");
    for (k, line) in lines.iter().enumerate() {
        if k == 1 {
            content.push_str("/F1 11 Tf\n");
        }
        if k > 0 {
            content.push_str("0 -22 Td\n");
        }
        content.push_str(&format!("({}) Tj\n", escape(line)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
    ];
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (k, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", k + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        tail.push_str(&format!("{o:010} 00000 n \n"));
    }
    tail.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.extend_from_slice(tail.as_bytes());
    pdf
}

// ---------------------------------------------------------------------------------------------
// The plan: dated steps
// ---------------------------------------------------------------------------------------------

/// A reviewer's decision in the story.
#[derive(Debug, Clone)]
enum Decision {
    Claim,
    Pass(&'static str),
    Return(&'static str),
    Reject(&'static str),
}

/// One step of the story. Firms are indices into [`FIRMS`]; staff are login names.
#[derive(Debug, Clone)]
enum Step {
    Staff,
    Register(usize),
    Natural,
    Assess(usize),
    Window {
        admin: &'static str,
        tier: Tier,
        batch: i32,
        end: NaiveDate,
    },
    Announce {
        admin: &'static str,
        title: String,
        body: String,
    },
    Declare {
        firm: usize,
        tier: Tier,
        batch: i32,
        submit: bool,
    },
    Decide {
        reviewer: &'static str,
        firm: usize,
        tier: Tier,
        decision: Decision,
    },
    Withdraw(usize, Tier),
    Update {
        firm: usize,
        year: i32,
        changes: Box<InfoChanges>,
    },
    AcceptUpdate {
        reviewer: &'static str,
        firm: usize,
        year: i32,
    },
    Change {
        firm: usize,
        kind: ChangeKind,
        date: NaiveDate,
        before: &'static str,
        after: &'static str,
        description: &'static str,
    },
    AcknowledgeChange {
        reviewer: &'static str,
        firm: usize,
    },
    Flag {
        admin: &'static str,
        firm: usize,
        tier: Tier,
    },
    PhoneChange(usize),
    Recovery(usize),
}

/// An instant in Beijing time.
fn at(day: NaiveDate, hh: u32, mm: u32) -> DateTime<Utc> {
    china()
        .from_local_datetime(&day.and_hms_opt(hh, mm, 0).expect("a valid time of day"))
        .single()
        .expect("UTC+8 has no gaps")
        .with_timezone(&Utc)
}

fn minus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).expect("a date in range")
}

fn plus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).expect("a date in range")
}

/// The key dates of the story, all derived from the day it ends on.
struct Timeline {
    end: DateTime<Utc>,
    today: NaiveDate,
    /// When the old certifications (three years ago) were granted.
    old: NaiveDate,
    /// Their last valid day: this year, not before today.
    expiring: NaiveDate,
    /// When last year's certifications were granted.
    last_year: NaiveDate,
}

impl Timeline {
    fn new(end: DateTime<Utc>) -> ServiceResult<Timeline> {
        let today = china_date(end);
        let year = today.year();
        if year < DEMO_EARLIEST_YEAR {
            return Err(ServiceError::rule(
                "demo_too_early",
                Text::new(
                    format!(
                        "演示数据从三年前讲起，需要 {DEMO_EARLIEST_YEAR} 年或以后的日期；当前日期为 {today}。"
                    ),
                    format!(
                        "The demo story starts three years back and needs a day in \
                         {DEMO_EARLIEST_YEAR} or later; today is {today}."
                    ),
                ),
            ));
        }
        // Expires this year within about two months (so the expiry reminder is due), by
        // 28 December at the latest (no certification granted on New Year's Day).
        let latest = NaiveDate::from_ymd_opt(year, 12, 28).expect("28 December exists");
        let target = plus_days(today, 60).min(latest).max(today);
        let old = plus_days(target, 1)
            .checked_sub_months(Months::new(12 * calendar::VALIDITY_YEARS))
            .expect("a date in range");
        Ok(Timeline {
            end,
            today,
            old,
            expiring: calendar::expiry(old, calendar::VALIDITY_YEARS),
            last_year: minus_days(today, 300),
        })
    }

    fn year(&self) -> i32 {
        self.today.year()
    }

    /// `n` days before today at `hh:mm`.
    fn ago(&self, n: u64, hh: u32, mm: u32) -> DateTime<Utc> {
        at(minus_days(self.today, n), hh, mm)
    }

    /// When this year's info update is filed: mid-March, or shortly before today when the story
    /// ends earlier in the year (never before 1 January, never after the end).
    fn this_years_update(&self) -> DateTime<Utc> {
        let year = self.year();
        let march = at(
            NaiveDate::from_ymd_opt(year, 3, 15).expect("15 March exists"),
            10,
            0,
        );
        let earlier = march.min(self.end - Duration::days(2));
        let new_year = at(
            NaiveDate::from_ymd_opt(year, 1, 1).expect("1 January exists"),
            0,
            0,
        );
        if earlier >= new_year {
            earlier
        } else {
            self.end
        }
    }
}

/// The dated steps of the story (not yet sorted).
fn plan(t: &Timeline) -> Vec<(DateTime<Utc>, Step)> {
    use Step::*;
    let mut p: Vec<(DateTime<Utc>, Step)> = Vec::new();
    let year = t.year();
    let jinpeng = firm_index(Role::Expiring);
    let tianmu = firm_index(Role::LateChange);
    let shuzhi = firm_index(Role::CertifiedInnovative);
    let guangchi = firm_index(Role::CertifiedSpecialized);
    let announce = |admin, title: String, body: String| Announce { admin, title, body };

    // Three years ago: the first batch of the two enterprises whose certifications expire now.
    let old = t.old;
    let old_batch = old.year();
    let d = |n: u64| minus_days(old, n);
    p.push((at(d(80), 9, 0), Staff));
    for firm in [jinpeng, tianmu] {
        p.push((at(d(70), 10, 0), Register(firm)));
    }
    p.push((
        at(d(60), 9, 30),
        announce(
            "mi_admin",
            "关于进一步做好优质中小企业梯度培育工作的通知".into(),
            "各省、自治区、直辖市及计划单列市、新疆生产建设兵团中小企业主管部门：\n\
             为贯彻落实《优质中小企业梯度培育管理暂行办法》，现就做好创新型中小企业评价、\
             专精特新中小企业认定和专精特新“小巨人”企业培育工作通知如下：一、按年度组织申报，\
             申报窗口由各省级中小企业主管部门在平台上统一设置；二、专精特新中小企业申报前须完成\
             中小企业数字化水平评测；三、已认定企业应于每年 1 月 1 日至 4 月 30 日完成信息更新，\
             发生重大变更的应在变更后 3 个月内报告。\n工业和信息化部"
                .into(),
        ),
    ));
    for admin in ["gd_admin", "zj_admin"] {
        p.push((
            at(d(50), 9, 0),
            Window {
                admin,
                tier: Tier::Specialized,
                batch: old_batch,
                end: d(20),
            },
        ));
    }
    p.push((
        at(d(50), 10, 0),
        announce(
            "gd_admin",
            format!("关于组织开展{old_batch}年度广东省专精特新中小企业申报工作的通知"),
            format!(
                "各地级以上市中小企业主管部门：\n{old_batch}年度专精特新中小企业申报窗口自 {} 起至 {} \
                 开放，请符合条件的企业登录平台完成数字化水平评测后在线申报，并上传营业执照、\
                 上年度财务审计报告等证明材料。审核流程为县（区）级初审、地市级复审、省级认定。\n\
                 广东省工业和信息化厅",
                d(50),
                d(20)
            ),
        ),
    ));
    for firm in [jinpeng, tianmu] {
        p.push((at(d(45), 14, 0), Assess(firm)));
        p.push((
            at(d(40), 10, 0),
            Declare {
                firm,
                tier: Tier::Specialized,
                batch: old_batch,
                submit: true,
            },
        ));
    }
    let pass = |reviewer, firm, tier, note| Decide {
        reviewer,
        firm,
        tier,
        decision: Decision::Pass(note),
    };
    p.push((
        at(d(30), 15, 0),
        pass(
            "th_county",
            jinpeng,
            Tier::Specialized,
            "材料齐全，同意推荐。",
        ),
    ));
    p.push((
        at(d(30), 15, 30),
        pass("xh_county", tianmu, Tier::Specialized, "经核实，同意推荐。"),
    ));
    p.push((
        at(d(20), 10, 0),
        pass("gz_city", jinpeng, Tier::Specialized, "复审通过。"),
    ));
    p.push((
        at(d(20), 10, 30),
        pass("hz_city", tianmu, Tier::Specialized, "复审通过。"),
    ));
    p.push((
        at(old, 10, 0),
        pass(
            "gd_prov",
            jinpeng,
            Tier::Specialized,
            "经专家评审，予以认定。",
        ),
    ));
    p.push((
        at(old, 10, 30),
        pass(
            "zj_prov",
            tianmu,
            Tier::Specialized,
            "经专家评审，予以认定。",
        ),
    ));
    let gz_name = FIRMS[jinpeng].name;
    p.push((
        at(plus_days(old, 3), 9, 0),
        announce(
            "gd_admin",
            format!("{old_batch}年度广东省专精特新中小企业名单公告"),
            format!(
                "经企业申报、地市推荐、专家评审，现将{old_batch}年度广东省专精特新中小企业名单予以公告\
                 （节选）：{gz_name}等。认定有效期三年，自 {old} 起计算。\n广东省工业和信息化厅"
            ),
        ),
    ));

    // 广州金鹏's annual info updates, every year after the year it was certified.
    for y in old_batch + 1..=year {
        let (filed, changes) = if y == year {
            let figures = FIRMS[jinpeng].figures();
            let revenue = number(&figures, "revenue_y1").unwrap_or(10_000.0) * 1.12;
            let assets = number(&figures, "total_assets_y1").unwrap_or(10_000.0) * 1.08;
            let employees = number(&figures, "employees").unwrap_or(200.0) + 18.0;
            (
                t.this_years_update(),
                InfoChanges {
                    revenue: Some(revenue.round()),
                    total_assets: Some(assets.round()),
                    employees: Some(employees as i64),
                    ..InfoChanges::default()
                },
            )
        } else {
            (
                at(
                    NaiveDate::from_ymd_opt(y, 3, 15).expect("15 March exists"),
                    10,
                    0,
                ),
                InfoChanges::default(),
            )
        };
        p.push((
            filed,
            Update {
                firm: jinpeng,
                year: y,
                changes: Box::new(changes),
            },
        ));
        let accepted = (filed + Duration::days(1)).min(t.end);
        p.push((
            accepted,
            AcceptUpdate {
                reviewer: "gd_prov",
                firm: jinpeng,
                year: y,
            },
        ));
    }

    // Last year: 杭州滨江 (创新型) and 深圳光驰 (专精特新) are certified.
    let ly = t.last_year;
    let ly_batch = ly.year();
    let d = |n: u64| minus_days(ly, n);
    for firm in [shuzhi, guangchi] {
        p.push((at(d(70), 10, 0), Register(firm)));
    }
    p.push((
        at(d(50), 9, 0),
        Window {
            admin: "zj_admin",
            tier: Tier::Innovative,
            batch: ly_batch,
            end: d(20),
        },
    ));
    p.push((
        at(d(50), 9, 0),
        Window {
            admin: "sz_admin",
            tier: Tier::Specialized,
            batch: ly_batch,
            end: d(20),
        },
    ));
    p.push((
        at(d(50), 10, 0),
        announce(
            "zj_admin",
            format!("关于开展{ly_batch}年度浙江省创新型中小企业评价工作的通知"),
            format!(
                "各市经信局：\n{ly_batch}年度创新型中小企业评价申报窗口自 {} 起至 {} 开放。企业在平台自评\
                 并提交后，由设区市初审、省经信厅复核后公告。\n浙江省经济和信息化厅",
                d(50),
                d(20)
            ),
        ),
    ));
    for firm in [shuzhi, guangchi] {
        p.push((at(d(45), 14, 0), Assess(firm)));
    }
    p.push((
        at(d(40), 10, 0),
        Declare {
            firm: shuzhi,
            tier: Tier::Innovative,
            batch: ly_batch,
            submit: true,
        },
    ));
    p.push((
        at(d(40), 11, 0),
        Declare {
            firm: guangchi,
            tier: Tier::Specialized,
            batch: ly_batch,
            submit: true,
        },
    ));
    p.push((
        at(d(30), 15, 0),
        pass("hz_city", shuzhi, Tier::Innovative, "自评属实，同意推荐。"),
    ));
    p.push((
        at(d(30), 15, 30),
        pass("ns_county", guangchi, Tier::Specialized, "同意推荐。"),
    ));
    p.push((
        at(ly, 10, 0),
        pass("zj_prov", shuzhi, Tier::Innovative, "评价通过。"),
    ));
    p.push((
        at(ly, 10, 30),
        pass("sz_prov", guangchi, Tier::Specialized, "予以认定。"),
    ));
    p.push((
        at(plus_days(ly, 3), 9, 0),
        announce(
            "zj_admin",
            format!("{ly_batch}年度浙江省创新型中小企业名单公告"),
            format!(
                "根据《优质中小企业梯度培育管理暂行办法》，现将{ly_batch}年度浙江省创新型中小企业名单予以公告\
                 （节选）：{}等。\n浙江省经济和信息化厅",
                FIRMS[shuzhi].name
            ),
        ),
    ));

    // This year: the current batch, in flight.
    let window_end = plus_days(t.today, 30);
    for (k, f) in FIRMS.iter().enumerate() {
        if matches!(
            f.role,
            Role::Draft
                | Role::AtCounty
                | Role::AtCity
                | Role::AtProvince
                | Role::InReview
                | Role::Returned
                | Role::Withdrawn
                | Role::Rejected
        ) {
            p.push((t.ago(40, 10, 0), Register(k)));
        }
    }
    p.push((t.ago(38, 10, 0), Natural));
    p.push((
        t.ago(30, 9, 30),
        announce(
            "mi_admin",
            format!("关于开展{year}年度专精特新“小巨人”企业培育工作的通知"),
            format!(
                "各省级中小企业主管部门：\n请于申报窗口期内组织本地区已认定的专精特新中小企业申报第{}批\
                 专精特新“小巨人”企业，经省级推荐后报工业和信息化部审核。自 2025 年起申报企业上年度\
                 营业收入应不低于 5000 万元。\n工业和信息化部",
                year - 2018
            ),
        ),
    ));
    for (admin, tier) in [
        ("gd_admin", Tier::Specialized),
        ("gd_admin", Tier::Innovative),
        ("sz_admin", Tier::Specialized),
        ("sz_admin", Tier::LittleGiant),
        ("zj_admin", Tier::Specialized),
        ("bj_admin", Tier::Innovative),
    ] {
        p.push((
            t.ago(21, 9, 0),
            Window {
                admin,
                tier,
                batch: year,
                end: window_end,
            },
        ));
    }
    let start = minus_days(t.today, 21);
    for (admin, title, by) in [
        (
            "gd_admin",
            format!("关于组织开展{year}年度广东省专精特新中小企业和创新型中小企业申报工作的通知"),
            "广东省工业和信息化厅",
        ),
        (
            "sz_admin",
            format!("关于开展{year}年度深圳市专精特新中小企业认定及“小巨人”企业推荐工作的通知"),
            "深圳市中小企业服务局",
        ),
        (
            "zj_admin",
            format!("关于组织开展{year}年度浙江省专精特新中小企业认定工作的通知"),
            "浙江省经济和信息化厅",
        ),
        (
            "bj_admin",
            format!("关于开展{year}年度北京市创新型中小企业评价工作的通知"),
            "北京市经济和信息化局",
        ),
    ] {
        p.push((
            t.ago(21, 10, 0),
            announce(
                admin,
                title,
                format!(
                    "申报时间：{start} 至 {window_end}。\n申报企业须已完成法人实名认证并完善企业基本信息；\
                     申报专精特新中小企业的，须先完成中小企业数字化水平评测。逾期不再受理。\n{by}"
                ),
            ),
        ));
    }
    for (k, f) in FIRMS.iter().enumerate() {
        if matches!(
            f.role,
            Role::AtCounty
                | Role::AtCity
                | Role::AtProvince
                | Role::InReview
                | Role::Returned
                | Role::Withdrawn
                | Role::Rejected
        ) {
            p.push((t.ago(20, 14, 0), Assess(k)));
            p.push((
                t.ago(18, 10, 0),
                Declare {
                    firm: k,
                    tier: f.tier,
                    batch: year,
                    submit: true,
                },
            ));
        }
    }
    p.push((
        t.ago(18, 11, 0),
        Declare {
            firm: guangchi,
            tier: Tier::LittleGiant,
            batch: year,
            submit: true,
        },
    ));
    p.push((
        t.ago(17, 16, 0),
        Declare {
            firm: firm_index(Role::Draft),
            tier: Tier::Innovative,
            batch: year,
            submit: false,
        },
    ));
    p.push((
        t.ago(15, 9, 30),
        Withdraw(firm_index(Role::Withdrawn), Tier::Specialized),
    ));
    p.push((
        t.ago(12, 10, 0),
        pass(
            "th_county",
            firm_index(Role::AtCity),
            Tier::Specialized,
            "初审通过，同意推荐至市级。",
        ),
    ));
    p.push((
        t.ago(12, 11, 0),
        pass(
            "gz_city",
            firm_index(Role::AtProvince),
            Tier::Innovative,
            "自评得分属实，同意报省级。",
        ),
    ));
    p.push((
        t.ago(10, 10, 0),
        pass(
            "ns_county",
            guangchi,
            Tier::LittleGiant,
            "企业为专精特新中小企业，同意推荐。",
        ),
    ));
    p.push((
        t.ago(6, 9, 30),
        Decide {
            reviewer: "ns_county",
            firm: firm_index(Role::InReview),
            tier: Tier::Specialized,
            decision: Decision::Claim,
        },
    ));
    p.push((
        t.ago(6, 10, 0),
        Decide {
            reviewer: "ns_county",
            firm: firm_index(Role::Returned),
            tier: Tier::Specialized,
            decision: Decision::Return(
                "请补充上传上年度研发费用专项审计报告；申报表中主营业务收入与审计报告不一致，请核对后重新提交。",
            ),
        },
    ));
    p.push((
        t.ago(5, 15, 0),
        pass(
            "sz_prov",
            guangchi,
            Tier::LittleGiant,
            "同意推荐为专精特新“小巨人”企业。",
        ),
    ));
    p.push((
        t.ago(4, 10, 0),
        Decide {
            reviewer: "xh_county",
            firm: firm_index(Role::Rejected),
            tier: Tier::Specialized,
            decision: Decision::Reject(
                "上年度研发费用 62 万元，低于专精特新中小企业“研发费用不低于 100 万元”的条件；\
                 从事特定细分市场时间不足 2 年。",
            ),
        },
    ));
    let change_date = t
        .today
        .checked_sub_months(Months::new(5))
        .expect("a date in range");
    p.push((
        t.ago(3, 10, 0),
        Change {
            firm: tianmu,
            kind: ChangeKind::OverseasBranch,
            date: change_date,
            before: "无境外分支机构",
            after: "新加坡全资子公司 Tianmu Biopharma (Singapore) Pte. Ltd.",
            description: "公司在新加坡设立全资子公司“Tianmu Biopharma (Singapore) Pte. Ltd.”，\
                          负责东南亚市场注册与销售。",
        },
    ));
    p.push((
        t.ago(2, 10, 0),
        AcknowledgeChange {
            reviewer: "zj_prov",
            firm: tianmu,
        },
    ));
    // After this year's update was accepted (it may be filed late in the story).
    let flag = t
        .ago(1, 11, 0)
        .max((t.this_years_update() + Duration::days(1)).min(t.end));
    p.push((
        flag,
        Flag {
            admin: "gd_admin",
            firm: jinpeng,
            tier: Tier::Specialized,
        },
    ));
    p.push((
        t.ago(1, 15, 0).max(flag),
        PhoneChange(firm_index(Role::AtCounty)),
    ));
    p.push((t.ago(1, 16, 0).max(flag), Recovery(shuzhi)));
    p
}

// ---------------------------------------------------------------------------------------------
// Running the story
// ---------------------------------------------------------------------------------------------

struct Story {
    svc: Service,
    clock: TestClock,
    staff: HashMap<&'static str, Session>,
    firms: HashMap<usize, Session>,
    windows: HashMap<(String, Tier, i32), String>,
    declarations: HashMap<(usize, Tier), String>,
    updates: HashMap<(usize, i32), String>,
    changes: HashMap<usize, String>,
}

impl Story {
    async fn login(&self, login: &str) -> ServiceResult<Session> {
        Ok(self.svc.login(login, DEMO_PASSWORD).await?.session)
    }

    fn staff(&self, login: &str) -> ServiceResult<&Session> {
        self.staff
            .get(login)
            .ok_or_else(|| ServiceError::internal(format!("demo: no staff account {login}")))
    }

    fn firm(&self, k: usize) -> ServiceResult<&Session> {
        self.firms
            .get(&k)
            .ok_or_else(|| ServiceError::internal(format!("demo: firm {k} not registered")))
    }

    fn declaration(&self, firm: usize, tier: Tier) -> ServiceResult<String> {
        self.declarations
            .get(&(firm, tier))
            .cloned()
            .ok_or_else(|| ServiceError::internal(format!("demo: no declaration {firm}/{tier:?}")))
    }

    /// The current version of an item.
    async fn version(&self, id: &str) -> ServiceResult<i64> {
        let mut conn = self.svc.read().await?;
        Ok(items::load(&mut conn, id).await?.version)
    }

    async fn run(&mut self, step: Step) -> ServiceResult<()> {
        match step {
            Step::Staff => self.create_staff().await,
            Step::Register(k) => self.register(k).await,
            Step::Natural => self.natural().await,
            Step::Assess(k) => {
                let s = self.firm(k)?.clone();
                self.assess(&s, None, FIRMS[k].digital).await
            }
            Step::Window {
                admin,
                tier,
                batch,
                end,
            } => {
                let s = self.staff(admin)?.clone();
                let authority = s.region_code.clone().unwrap_or_default();
                let view = self
                    .svc
                    .open_window(
                        &s,
                        NewWindow {
                            authority_code: authority.clone(),
                            tier,
                            batch: i64::from(batch),
                            start: self.svc.today(),
                            end,
                        },
                    )
                    .await?;
                self.windows.insert((authority, tier, batch), view.id);
                Ok(())
            }
            Step::Announce { admin, title, body } => {
                let s = self.staff(admin)?.clone();
                let a = self
                    .svc
                    .create_announcement(
                        &s,
                        &AnnouncementDraft {
                            title,
                            body,
                            level: None,
                        },
                    )
                    .await?;
                self.svc.publish_announcement(&s, &a.id, a.version).await?;
                Ok(())
            }
            Step::Declare {
                firm,
                tier,
                batch,
                submit,
            } => self.declare(firm, tier, batch, submit).await,
            Step::Decide {
                reviewer,
                firm,
                tier,
                decision,
            } => {
                let s = self.staff(reviewer)?.clone();
                let id = self.declaration(firm, tier)?;
                let v = self.version(&id).await?;
                match decision {
                    Decision::Claim => self.svc.claim(&s, &id, v).await?,
                    Decision::Pass(note) => self.svc.pass(&s, &id, v, Some(note.into())).await?,
                    Decision::Return(reason) => {
                        self.svc.return_item(&s, &id, v, reason.into()).await?
                    }
                    Decision::Reject(reason) => self.svc.reject(&s, &id, v, reason.into()).await?,
                };
                Ok(())
            }
            Step::Withdraw(firm, tier) => {
                let s = self.firm(firm)?.clone();
                let id = self.declaration(firm, tier)?;
                let v = self.version(&id).await?;
                self.svc.withdraw_declaration(&s, &id, v, false).await?;
                Ok(())
            }
            Step::Update {
                firm,
                year,
                changes,
            } => {
                let s = self.firm(firm)?.clone();
                let item = self.svc.start_update(&s).await?;
                let item = self
                    .svc
                    .save_update(&s, &item.id, item.version, &changes)
                    .await?;
                let item = self.svc.submit_update(&s, &item.id, item.version).await?;
                self.updates.insert((firm, year), item.id);
                Ok(())
            }
            Step::AcceptUpdate {
                reviewer,
                firm,
                year,
            } => {
                let s = self.staff(reviewer)?.clone();
                let id = self.updates.get(&(firm, year)).cloned().ok_or_else(|| {
                    ServiceError::internal(format!("demo: no update {firm}/{year}"))
                })?;
                let v = self.version(&id).await?;
                self.svc.accept_update(&s, &id, v).await?;
                Ok(())
            }
            Step::Change {
                firm,
                kind,
                date,
                before,
                after,
                description,
            } => {
                let s = self.firm(firm)?.clone();
                let change = self
                    .svc
                    .create_change(
                        &s,
                        &ChangeInput {
                            kind,
                            change_date: date,
                            before: before.into(),
                            after: after.into(),
                            description: description.into(),
                        },
                    )
                    .await?;
                let done = self
                    .svc
                    .submit_change(&s, &change.item.id, change.item.version)
                    .await?;
                self.changes.insert(firm, done.item.id);
                Ok(())
            }
            Step::AcknowledgeChange { reviewer, firm } => {
                let s = self.staff(reviewer)?.clone();
                let id = self.changes.get(&firm).cloned().ok_or_else(|| {
                    ServiceError::internal(format!("demo: no change of firm {firm}"))
                })?;
                let v = self.version(&id).await?;
                self.svc.acknowledge_change(&s, &id, v).await?;
                Ok(())
            }
            Step::Flag { admin, firm, tier } => {
                let s = self.staff(admin)?.clone();
                let enterprise = self.firm(firm)?.enterprise_id.clone().unwrap_or_default();
                let cert = self
                    .svc
                    .certifications(&s, &enterprise)
                    .await?
                    .into_iter()
                    .find(|c| c.tier == tier && c.status == CertStatus::Active)
                    .ok_or_else(|| {
                        ServiceError::internal(format!("demo: firm {firm} holds no {tier:?}"))
                    })?;
                for outcome in self.svc.set_review_flags(&s, &[cert.id], true).await? {
                    outcome.result?;
                }
                Ok(())
            }
            Step::PhoneChange(k) => {
                let f = &FIRMS[k];
                self.svc
                    .request_manual_phone_change(ManualPhoneChange {
                        login_name: f.login.into(),
                        uscc: Some(f.uscc()),
                        legal_rep: Some(f.legal_rep.into()),
                        new_phone: "13922220002".into(),
                        reason: "原绑定手机号为前任经办人所有，该员工已离职，号码无法使用。".into(),
                        contact: format!("{}@example.com", f.login),
                    })
                    .await?;
                Ok(())
            }
            Step::Recovery(k) => {
                let f = &FIRMS[k];
                self.svc
                    .request_account_recovery(RecoveryRequest {
                        enterprise_name: f.name.into(),
                        uscc: f.uscc(),
                        legal_rep: f.legal_rep.into(),
                        legal_rep_id: f.legal_rep_id(k),
                        new_phone: "13922220009".into(),
                        contact_name: f.contact.into(),
                        contact: "13922220009".into(),
                        reason: "原账号登录名与密码均已遗失，绑定手机号已停用，需要找回企业账号。"
                            .into(),
                    })
                    .await?;
                Ok(())
            }
        }
    }

    async fn create_staff(&mut self) -> ServiceResult<()> {
        for (n, s) in STAFF.iter().enumerate() {
            self.svc
                .bootstrap_staff_account(StaffAccount {
                    kind: s.kind,
                    level: s.level,
                    region_code: s.region.map(str::to_string),
                    login_name: s.login.into(),
                    display_name: s.name.into(),
                    password: DEMO_PASSWORD.into(),
                    phone: Some(format!("1390000{n:04}")),
                    email: Some(format!("{}@example.gov.cn", s.login)),
                })
                .await?;
            let session = self.login(s.login).await?;
            self.staff.insert(s.login, session);
        }
        Ok(())
    }

    /// Registers, verifies and fills in the basic info of a firm.
    async fn register(&mut self, k: usize) -> ServiceResult<()> {
        let f = &FIRMS[k];
        self.svc
            .register(Registration {
                login_name: f.login.into(),
                password: DEMO_PASSWORD.into(),
                kind: AccountKind::Legal,
                phone: f.phone.into(),
                email: Some(format!("{}@example.com", f.login)),
            })
            .await?;
        let mut session = self.login(f.login).await?;
        let verified = self
            .svc
            .verify_real_name(
                &session,
                RealName {
                    enterprise_name: f.name.into(),
                    uscc: f.uscc(),
                    legal_rep: f.legal_rep.into(),
                    legal_rep_id: f.legal_rep_id(k),
                },
            )
            .await?;
        // What the next request with the same token sees: the verified enterprise.
        session.enterprise_id = verified.enterprise_id.clone();
        session.display_name = verified.display_name.clone();
        let enterprise = verified
            .enterprise_id
            .ok_or_else(|| ServiceError::internal("demo: verification linked no enterprise"))?;
        let view = self.svc.enterprise(&session, &enterprise).await?;
        let figures = f.figures();
        self.svc
            .update_enterprise(
                &session,
                view.version,
                EnterpriseUpdate {
                    county_code: Some(f.county.into()),
                    industry_code: Some(f.industry.into()),
                    segment: Some(f.segment.into()),
                    main_products: Some(f.products.iter().map(|p| p.to_string()).collect()),
                    established_on: Some(f.established.into()),
                    address: Some(f.address.into()),
                    employees: number(&figures, "employees"),
                    revenue: number(&figures, "revenue_y1"),
                    total_assets: number(&figures, "total_assets_y1"),
                    contact_name: Some(f.contact.into()),
                    contact_phone: Some(f.phone.into()),
                    contact_email: Some(format!("{}@example.com", f.login)),
                    ..EnterpriseUpdate::default()
                },
            )
            .await?;
        self.firms.insert(k, session);
        Ok(())
    }

    async fn natural(&mut self) -> ServiceResult<()> {
        self.svc
            .register(Registration {
                login_name: NATURAL_LOGIN.into(),
                password: DEMO_PASSWORD.into(),
                kind: AccountKind::Natural,
                phone: NATURAL_PHONE.into(),
                email: None,
            })
            .await?;
        let s = self.login(NATURAL_LOGIN).await?;
        self.assess(&s, Some(AssessmentCategory::Manufacturing), 0.5)
            .await
    }

    /// Takes the assessment: every question answered near `share` of its best option.
    async fn assess(
        &self,
        s: &Session,
        category: Option<AssessmentCategory>,
        share: f64,
    ) -> ServiceResult<()> {
        let started = match category {
            Some(c) => self.svc.start_assessment_for_category(s, c).await?,
            None => self.svc.start_assessment(s).await?,
        };
        let q = self.svc.questionnaire(started.summary.category);
        let mut answers = AnswerInput::new();
        for (n, question) in q.questions().iter().enumerate() {
            // A little spread around the share: some scenarios ahead, some behind.
            let aim = (share + [0.0, 0.15, -0.1, 0.05, -0.15][n % 5]).clamp(0.0, 1.0);
            let best = question
                .options
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| {
                    (a.fraction - aim)
                        .abs()
                        .total_cmp(&(b.fraction - aim).abs())
                })
                .map(|(i, _)| i)
                .unwrap_or(0);
            answers.insert(question.id.clone(), best as i64);
        }
        let saved = self
            .svc
            .save_answers(s, &started.summary.id, started.summary.version, &answers)
            .await?;
        self.svc
            .complete_assessment(s, &saved.id, saved.version)
            .await?;
        Ok(())
    }

    async fn declare(
        &mut self,
        firm: usize,
        tier: Tier,
        batch: i32,
        submit: bool,
    ) -> ServiceResult<()> {
        let f = &FIRMS[firm];
        let s = self.firm(firm)?.clone();
        let window = self
            .windows
            .get(&(f.authority(), tier, batch))
            .cloned()
            .ok_or_else(|| {
                ServiceError::internal(format!("demo: no window for {}/{tier:?}/{batch}", f.login))
            })?;
        let created = self.svc.create_declaration(&s, tier, &window).await?;
        self.svc
            .save_declaration(
                &s,
                &created.id,
                created.version,
                declaration_inputs(f, tier),
            )
            .await?;
        let uscc = f.uscc();
        let prior = batch - 1;
        let mut files = vec![(
            "营业执照副本.pdf".to_string(),
            "Business licence (copy)".to_string(),
        )];
        if submit {
            files.push((
                format!("{prior}年度财务审计报告.pdf"),
                format!("Audited financial statements {prior}"),
            ));
        }
        for (name, title) in files {
            let pdf = demo_pdf(&[
                &title,
                &format!("Unified social credit code: {uscc}"),
                &format!("Declaration: {} batch {batch}", tier.short_name().en),
                "zjtx demo data set - not a real document.",
            ]);
            self.svc
                .attach_evidence(&s, &created.id, &name, Some("application/pdf"), pdf)
                .await?;
        }
        if submit {
            let v = self.version(&created.id).await?;
            self.svc.submit_declaration(&s, &created.id, v).await?;
        }
        self.declarations.insert((firm, tier), created.id);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Use cases of the demo command
// ---------------------------------------------------------------------------------------------

async fn count(svc: &Service, sql: &'static str) -> ServiceResult<i64> {
    let mut conn = svc.read().await?;
    Ok(sqlx::query(sql).fetch_one(&mut *conn).await?.try_get(0)?)
}

/// What the database holds: empty, the demo set (with or without bulk data), bulk data only, or
/// something else.
pub async fn database_state(svc: &Service) -> ServiceResult<DatabaseState> {
    let rows = count(
        svc,
        "SELECT (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM enterprises) \
         + (SELECT COUNT(*) FROM items)",
    )
    .await?;
    if rows == 0 {
        return Ok(DatabaseState::Empty);
    }
    let seeded = count(
        svc,
        "SELECT COUNT(*) FROM audit WHERE action = 'demo.seed' AND target_kind = 'demo'",
    )
    .await?
        > 0;
    let bulk = count(
        svc,
        "SELECT COUNT(*) FROM audit WHERE action = 'demo.bulk' AND target_kind = 'demo'",
    )
    .await?
        > 0;
    let accounts = count(svc, "SELECT COUNT(*) FROM accounts").await?;
    Ok(match (seeded, bulk) {
        (true, bulk) => DatabaseState::Demo { bulk },
        (false, true) if accounts == 0 => DatabaseState::BulkOnly,
        _ => DatabaseState::Other,
    })
}

fn not_empty() -> ServiceError {
    ServiceError::rule(
        "demo_database_not_empty",
        Text::new(
            "该数据库已有数据：演示数据只写入空数据库。请换一个新的数据目录，或删除该数据库后重试。",
            "The database already holds data: the demo set is only written into an empty \
             database. Use a new data directory, or delete the database and try again.",
        ),
    )
}

/// The counts of what the database holds (shown after seeding).
pub async fn demo_counts(svc: &Service) -> ServiceResult<DemoCounts> {
    Ok(DemoCounts {
        accounts: count(svc, "SELECT COUNT(*) FROM accounts").await?,
        enterprises: count(svc, "SELECT COUNT(*) FROM enterprises").await?,
        declarations: count(svc, "SELECT COUNT(*) FROM items WHERE kind = 'declaration'").await?,
        certifications: count(
            svc,
            "SELECT COUNT(*) FROM certifications WHERE status = 'active'",
        )
        .await?,
        messages: count(svc, "SELECT COUNT(*) FROM messages").await?,
        announcements: count(
            svc,
            "SELECT COUNT(*) FROM announcements WHERE published_at IS NOT NULL \
             AND withdrawn_at IS NULL",
        )
        .await?,
        support_requests: count(
            svc,
            "SELECT COUNT(*) FROM support_requests WHERE state = 'pending'",
        )
        .await?,
    })
}

/// The role of a staff account as the table shows it.
fn staff_role(s: &StaffSpec) -> Text {
    let regions = Regions::builtin();
    let (place_zh, place_en) = match s.region {
        None => ("工业和信息化部".to_string(), "MIIT".to_string()),
        Some(code) if is_plan_city(code) => {
            let name = regions
                .get(code)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            (
                format!("{name}（计划单列市）"),
                format!("{name} (plan city)"),
            )
        }
        Some(code) => {
            let name = regions.full_name(code).unwrap_or_else(|| code.to_string());
            (name.clone(), name)
        }
    };
    let (zh, en) = match (s.kind, s.level) {
        (AccountKind::Support, _) => ("客服".to_string(), "Support".to_string()),
        (kind, Some(level)) => {
            let l = level.name();
            let (kz, ke) = if kind == AccountKind::Admin {
                ("管理员", "admin")
            } else {
                ("审核员", "reviewer")
            };
            (
                format!("{}{kz} · {place_zh}", l.zh),
                format!("{} {ke} · {place_en}", capitalise(&l.en)),
            )
        }
        (kind, None) => {
            let k = kind.name();
            (k.zh, k.en)
        }
    };
    Text::new(zh, en)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn accounts(t: &Timeline) -> Vec<DemoAccount> {
    let mut out: Vec<DemoAccount> = STAFF
        .iter()
        .map(|s| DemoAccount {
            login: s.login.into(),
            password: DEMO_PASSWORD.into(),
            kind: s.kind,
            role: staff_role(s),
            note: Text::new(s.note.0, s.note.1),
        })
        .collect();
    out.extend(FIRMS.iter().map(|f| DemoAccount {
        login: f.login.into(),
        password: DEMO_PASSWORD.into(),
        kind: AccountKind::Legal,
        role: Text::new(
            format!("法人账户 · {}", f.name),
            format!("Legal person · {}", f.name),
        ),
        note: f.note(t),
    }));
    out.push(DemoAccount {
        login: NATURAL_LOGIN.into(),
        password: DEMO_PASSWORD.into(),
        kind: AccountKind::Natural,
        role: Text::new("自然人账户 · 陈明", "Natural person · 陈明"),
        note: Text::new(
            "已完成一次数字化水平评测；不能申报",
            "Took the digital-level assessment; cannot declare",
        ),
    });
    out
}

/// Seeds the demo set into an empty database, through the use cases, ending on `svc`'s today
/// (see the module documentation). Refused when the database holds anything.
pub async fn seed_demo(svc: &Service) -> ServiceResult<DemoReport> {
    if database_state(svc).await? != DatabaseState::Empty {
        return Err(not_empty());
    }
    let timeline = Timeline::new(svc.now())?;
    let mut steps = plan(&timeline);
    steps.sort_by_key(|(t, _)| *t);
    let first = steps.first().map_or(timeline.end, |(t, _)| *t);
    let clock = TestClock::new(first);
    let seeder = Service::with_store(
        svc.store().clone(),
        ServiceConfig::new(svc.data_dir())
            .with_clock(Arc::new(clock.clone()))
            .with_passwords(svc.passwords()),
    );
    let mut story = Story {
        svc: seeder,
        clock,
        staff: HashMap::new(),
        firms: HashMap::new(),
        windows: HashMap::new(),
        declarations: HashMap::new(),
        updates: HashMap::new(),
        changes: HashMap::new(),
    };
    for (t, step) in steps {
        story.clock.set(t.min(timeline.end));
        story.run(step).await?;
    }
    // The story ends now: the reminders job of today (认定到期, 信息更新, 申报提醒).
    story.clock.set(svc.now().max(timeline.end));
    let today = story.svc.today();
    story.svc.run_reminders(today).await?;
    let mut w = story.svc.write().await?;
    audit(
        &mut w,
        &Who::system(),
        SEEDED,
        "demo",
        None,
        json!({"today": today.to_string(), "expiring": timeline.expiring.to_string()}),
    )
    .await?;
    w.commit().await?;
    Ok(DemoReport {
        today,
        accounts: accounts(&timeline),
        counts: demo_counts(svc).await?,
    })
}

/// Adds `n` bulk benchmark declarations ([`bulk::generate_declarations`]) to an empty database or
/// one holding the demo set, once (a second run would repeat the bulk USCCs). Returns how many
/// were written.
pub async fn add_bulk_declarations(svc: &Service, n: u64) -> ServiceResult<u64> {
    match database_state(svc).await? {
        DatabaseState::Empty | DatabaseState::Demo { bulk: false } => {}
        DatabaseState::Demo { bulk: true } | DatabaseState::BulkOnly => {
            return Err(ServiceError::rule(
                "demo_bulk_exists",
                Text::new(
                    "该数据库已有基准测试申报数据，再次生成会出现重复的统一社会信用代码；请换一个新的数据目录。",
                    "The database already holds the benchmark declarations; generating them again \
                     would repeat their unified social credit codes. Use a new data directory.",
                ),
            ));
        }
        DatabaseState::Other => return Err(not_empty()),
    }
    let written = bulk::generate_declarations(svc, n).await?;
    let mut w = svc.write().await?;
    audit(
        &mut w,
        &Who::system(),
        BULK,
        "demo",
        None,
        json!({"declarations": written}),
    )
    .await?;
    w.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::archive::validate_pdf;
    use crate::domain::ids::ResidentId;
    use crate::domain::ids::Uscc;

    #[test]
    fn demo_pdf_is_a_valid_pdf_with_a_correct_xref() {
        let pdf = demo_pdf(&["Business licence (copy)", "Code: 91440106MA59R3LN2X"]);
        assert!(validate_pdf(&pdf).is_ok());
        // Offsets are in bytes (the binary comment of line 2 is not UTF-8).
        let find = |needle: &[u8]| pdf.windows(needle.len()).rposition(|w| w == needle);
        let after = find(b"startxref\n").unwrap() + "startxref\n".len();
        let digits: String = pdf[after..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|b| char::from(*b))
            .collect();
        let xref: usize = digits.parse().unwrap();
        assert!(pdf[xref..].starts_with(b"xref\n0 6\n"));
        // Every object offset points at its "N 0 obj".
        let table = String::from_utf8(pdf[xref..].to_vec()).unwrap();
        for (n, line) in table.lines().skip(3).take(5).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            let obj = format!("{} 0 obj", n + 1);
            assert!(pdf[off..].starts_with(obj.as_bytes()), "{line}");
        }
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("\\(copy\\)"), "parentheses are escaped");
        assert!(text.contains("/Length "), "the stream has its length");
    }

    #[test]
    fn demo_identifiers_are_valid_and_distinct() {
        let mut usccs: Vec<String> = Vec::new();
        for (k, f) in FIRMS.iter().enumerate() {
            let u = Uscc::parse(&f.uscc()).unwrap();
            assert!(u.is_enterprise());
            assert_eq!(u.region_code(), f.county);
            assert!(ResidentId::parse(&f.legal_rep_id(k)).is_ok(), "{}", f.login);
            assert!(crate::service::authz::place_of(f.county).is_some());
            usccs.push(f.uscc());
        }
        usccs.sort();
        usccs.dedup();
        assert_eq!(usccs.len(), FIRMS.len());
    }

    #[test]
    fn the_timeline_fits_any_day_of_the_year() {
        for day in [
            "2025-03-03",
            "2026-01-01",
            "2026-05-31",
            "2026-11-22",
            "2027-12-31",
        ] {
            let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            let t = Timeline::new(at(d, 0, 30)).unwrap();
            assert_eq!(t.expiring.year(), d.year(), "{day}");
            assert!(t.expiring >= d, "{day}");
            let update = t.this_years_update();
            assert!(update <= t.end, "{day}");
            assert_eq!(china_date(update).year(), d.year(), "{day}");
            assert!(calendar::in_update_period(china_date(update)), "{day}");
            let steps = plan(&t);
            assert!(steps.iter().all(|(at, _)| *at <= t.end), "{day}");
        }
        assert!(Timeline::new(at(NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(), 9, 0)).is_err());
    }
}
