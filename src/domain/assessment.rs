//! The digital-level assessment (中小企业数字化水平评测, DOMAIN.md §3).
//!
//! Three questionnaires — 制造业, 生产性服务业, 其他行业 — live as TOML data files in
//! `fixtures/questionnaires/`, are compiled in with `include_str!` and validated once on first use.
//! Every question belongs to one of four [`Dimension`]s and carries a weight; the weights of a file sum
//! to 100 **(our rule: the public scheme does not publish them)**. A question earns
//! `weight × fraction` of the chosen option; the total (0–100) gives the [`DigitalLevel`]
//! (see [`level_for_score`]), and the level gives 专精特新 indicator 5 (see [`indicator5_points`]).
//!
//! Which questionnaire applies is decided by the caller from the enterprise's industry
//! ([`AssessmentCategory`]); this module only scores.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::domain::text::{Lang, Localized, Text};
use crate::domain::tiers::{AssessmentCategory, DigitalLevel};

/// The points a whole questionnaire is worth.
pub const TOTAL_POINTS: f64 = 100.0;

/// Tolerance for floating-point comparisons of weights and scores.
///
/// Weights such as 3.5 and fractions such as 0.25 are exact in binary, but a questionnaire may use
/// other values, and a sum like `33.3 + 33.3 + 33.4` can land a hair below the exact figure. Level
/// edges and the weight-sum check therefore accept a difference of up to `1e-9`: a computed total of
/// `59.99999999999` counts as 60 (三级).
pub const TOLERANCE: f64 = 1e-9;

/// The largest number of options a question may have (option indices are `u8`).
const MAX_OPTIONS: usize = u8::MAX as usize + 1;

// ───────────────────────────── dimensions ─────────────────────────────

/// The four dimensions of the assessment.
#[derive(
    utoipa::ToSchema,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 数字化基础
    Foundation,
    /// 数字化经营
    Operations,
    /// 数字化管理
    Management,
    /// 数字化成效
    Results,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Foundation,
        Dimension::Operations,
        Dimension::Management,
        Dimension::Results,
    ];

    /// Stable machine name, as used in the questionnaire files.
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Foundation => "foundation",
            Dimension::Operations => "operations",
            Dimension::Management => "management",
            Dimension::Results => "results",
        }
    }

    pub fn from_code(s: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            Dimension::Foundation => Text::new("数字化基础", "digital foundation"),
            Dimension::Operations => Text::new("数字化经营", "digital operations"),
            Dimension::Management => Text::new("数字化管理", "digital management"),
            Dimension::Results => Text::new("数字化成效", "digital results"),
        }
    }
}

// ───────────────────────────── questionnaire ─────────────────────────────

/// One answer option of a question.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct AnswerOption {
    /// The option text in Chinese.
    pub zh: String,
    /// The option text in English.
    pub en: String,
    /// Share of the question's weight earned by this option, in [0, 1].
    pub fraction: f64,
}

impl AnswerOption {
    /// The option text in `lang`.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// One question of a questionnaire.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// Stable id (e.g. `m.ops.03`); answers are keyed by it.
    pub id: String,
    pub dimension: Dimension,
    /// Points the question is worth (the weights of a questionnaire sum to 100).
    pub weight: f64,
    pub title: Text,
    /// One-line help text.
    pub help: Text,
    /// Options, answered by index (0, 1, 2, …).
    pub options: Vec<AnswerOption>,
}

impl Question {
    /// Points earned by choosing option `index`, or `None` if there is no such option.
    pub fn points(&self, index: u8) -> Option<f64> {
        self.options
            .get(usize::from(index))
            .map(|o| self.weight * o.fraction)
    }

    /// Index of the option worth the full weight (exactly one exists in a validated questionnaire).
    pub fn top_option(&self) -> u8 {
        let i = self
            .options
            .iter()
            .position(|o| o.fraction == 1.0)
            .expect("validated question has a full-score option");
        u8::try_from(i).expect("validated question has at most 256 options")
    }
}

/// A validated questionnaire. Build one with [`Questionnaire::parse`] or take a built-in one with
/// [`Questionnaire::builtin`]; deserialising (e.g. from JSON) runs the same validation.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "QuestionnaireFile")]
pub struct Questionnaire {
    id: String,
    version: String,
    category: AssessmentCategory,
    title: Text,
    questions: Vec<Question>,
}

/// The unvalidated shape of a questionnaire file (TOML, or the JSON the API sends).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionnaireFile {
    id: String,
    version: String,
    category: AssessmentCategory,
    title: Text,
    questions: Vec<QuestionFile>,
}

/// The unvalidated shape of a question. English is optional here only so that a missing
/// translation is refused by [`QuestionFile::into_question`] with the question named, rather than
/// by the parser with a bare "missing field `en`".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    id: String,
    dimension: Dimension,
    weight: f64,
    title: FileText,
    help: FileText,
    options: Vec<OptionFile>,
}

/// An unvalidated option.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    zh: String,
    #[serde(default)]
    en: Option<String>,
    fraction: f64,
}

/// An unvalidated text: `{ zh = "…", en = "…" }`. A bare string is read as Chinese without
/// English (the format before English was required), so that it too is refused by question id.
#[derive(Deserialize)]
#[serde(untagged)]
enum FileText {
    ZhOnly(String),
    Both {
        zh: String,
        #[serde(default)]
        en: Option<String>,
    },
}

impl FileText {
    fn into_parts(self) -> (String, Option<String>) {
        match self {
            FileText::ZhOnly(zh) => (zh, None),
            FileText::Both { zh, en } => (zh, en),
        }
    }
}

impl QuestionFile {
    /// The question, provided its title, help and every option have English.
    fn into_question(self) -> Result<Question, AssessmentError> {
        let id = self.id;
        let no_english = |zh_what: &str, en_what: &str| {
            bad(
                format!("题目 {id} 的{zh_what}缺少英文（en）"),
                format!("question {id} has no English {en_what} (en)"),
            )
        };
        let text = |t: FileText, zh_what: &str, en_what: &str| match t.into_parts() {
            (zh, Some(en)) => Ok(Text { zh, en }),
            (_, None) => Err(no_english(zh_what, en_what)),
        };
        let title = text(self.title, "标题", "title")?;
        let help = text(self.help, "说明", "help text")?;
        let options = self
            .options
            .into_iter()
            .enumerate()
            .map(|(i, o)| match o.en {
                Some(en) => Ok(AnswerOption {
                    zh: o.zh,
                    en,
                    fraction: o.fraction,
                }),
                None => Err(no_english(
                    &format!("第 {i} 个选项"),
                    &format!("text for option {i}"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Question {
            id,
            dimension: self.dimension,
            weight: self.weight,
            title,
            help,
            options,
        })
    }
}

impl TryFrom<QuestionnaireFile> for Questionnaire {
    type Error = AssessmentError;

    fn try_from(f: QuestionnaireFile) -> Result<Questionnaire, AssessmentError> {
        let q = Questionnaire {
            id: f.id,
            version: f.version,
            category: f.category,
            title: f.title,
            questions: f
                .questions
                .into_iter()
                .map(QuestionFile::into_question)
                .collect::<Result<_, _>>()?,
        };
        q.validate()?;
        Ok(q)
    }
}

static MANUFACTURING: LazyLock<Questionnaire> = LazyLock::new(|| {
    load_builtin(
        "manufacturing.toml",
        include_str!("../../fixtures/questionnaires/manufacturing.toml"),
        AssessmentCategory::Manufacturing,
    )
});

static PRODUCER_SERVICES: LazyLock<Questionnaire> = LazyLock::new(|| {
    load_builtin(
        "producer_services.toml",
        include_str!("../../fixtures/questionnaires/producer_services.toml"),
        AssessmentCategory::ProducerServices,
    )
});

static OTHER: LazyLock<Questionnaire> = LazyLock::new(|| {
    load_builtin(
        "other.toml",
        include_str!("../../fixtures/questionnaires/other.toml"),
        AssessmentCategory::Other,
    )
});

/// Parses a compiled-in questionnaire. The files are checked by the unit tests, so a failure here is
/// a build defect, not a run-time condition.
fn load_builtin(file: &str, toml: &str, category: AssessmentCategory) -> Questionnaire {
    let q = Questionnaire::parse(toml)
        .unwrap_or_else(|e| panic!("built-in questionnaire {file}: {}", e.message(Lang::En)));
    assert_eq!(
        q.category, category,
        "built-in questionnaire {file} declares the wrong category"
    );
    q
}

fn bad(zh: String, en: String) -> AssessmentError {
    AssessmentError::BadFile {
        detail: Text::new(zh, en),
    }
}

impl Questionnaire {
    /// The built-in questionnaire for an assessment category.
    pub fn builtin(category: AssessmentCategory) -> &'static Questionnaire {
        match category {
            AssessmentCategory::Manufacturing => &MANUFACTURING,
            AssessmentCategory::ProducerServices => &PRODUCER_SERVICES,
            AssessmentCategory::Other => &OTHER,
        }
    }

    /// Parses and validates a questionnaire file (format: `fixtures/questionnaires/README.md`).
    pub fn parse(toml: &str) -> Result<Questionnaire, AssessmentError> {
        let file: QuestionnaireFile = toml::from_str(toml).map_err(|e| {
            let msg = e.message().to_string();
            bad(
                format!("TOML 解析失败（{msg}）"),
                format!("TOML parse error ({msg})"),
            )
        })?;
        Questionnaire::try_from(file)
    }

    fn validate(&self) -> Result<(), AssessmentError> {
        if self.id.trim().is_empty() {
            return Err(bad(
                "问卷编号为空".into(),
                "the questionnaire id is empty".into(),
            ));
        }
        if self.version.trim().is_empty() {
            return Err(bad("问卷版本为空".into(), "the version is empty".into()));
        }
        if self.title.zh.trim().is_empty() || self.title.en.trim().is_empty() {
            return Err(bad(
                "问卷标题为空".into(),
                "the questionnaire title is empty".into(),
            ));
        }
        let mut seen = BTreeSet::new();
        for q in &self.questions {
            validate_question(q)?;
            if !seen.insert(q.id.as_str()) {
                return Err(bad(
                    format!("题目编号 {} 重复", q.id),
                    format!("question id {} appears more than once", q.id),
                ));
            }
        }
        for d in Dimension::ALL {
            if self.questions_in(d).next().is_none() {
                let name = d.name();
                return Err(bad(
                    format!("维度「{}」没有题目", name.zh),
                    format!("dimension \"{}\" has no questions", name.en),
                ));
            }
        }
        let sum: f64 = self.questions.iter().map(|q| q.weight).sum();
        if (sum - TOTAL_POINTS).abs() > TOLERANCE {
            return Err(bad(
                format!("题目权重合计为 {sum}，应为 100"),
                format!("question weights sum to {sum}, not 100"),
            ));
        }
        Ok(())
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn category(&self) -> AssessmentCategory {
        self.category
    }

    pub fn title(&self) -> &Text {
        &self.title
    }

    /// All questions in file order.
    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The questions of one dimension, in file order.
    pub fn questions_in(&self, dimension: Dimension) -> impl Iterator<Item = &Question> {
        self.questions
            .iter()
            .filter(move |q| q.dimension == dimension)
    }

    /// The points one dimension is worth (sum of its weights).
    pub fn max_points(&self, dimension: Dimension) -> f64 {
        self.questions_in(dimension).map(|q| q.weight).sum()
    }
}

fn validate_question(q: &Question) -> Result<(), AssessmentError> {
    let id = &q.id;
    if id.trim().is_empty() {
        return Err(bad(
            "存在编号为空的题目".into(),
            "a question has an empty id".into(),
        ));
    }
    if q.title.zh.trim().is_empty() || q.title.en.trim().is_empty() {
        return Err(bad(
            format!("题目 {id} 的标题为空"),
            format!("question {id} has an empty title"),
        ));
    }
    if q.help.zh.trim().is_empty() || q.help.en.trim().is_empty() {
        return Err(bad(
            format!("题目 {id} 缺少说明"),
            format!("question {id} has no help text"),
        ));
    }
    if !(q.weight.is_finite() && q.weight > 0.0) {
        return Err(bad(
            format!("题目 {id} 的权重 {} 无效，应为正数", q.weight),
            format!(
                "question {id} has an invalid weight {}; it must be positive",
                q.weight
            ),
        ));
    }
    let n = q.options.len();
    if !(2..=MAX_OPTIONS).contains(&n) {
        return Err(bad(
            format!("题目 {id} 有 {n} 个选项，应为 2 至 {MAX_OPTIONS} 个"),
            format!("question {id} has {n} options; 2 to {MAX_OPTIONS} are required"),
        ));
    }
    for (i, o) in q.options.iter().enumerate() {
        if o.zh.trim().is_empty() || o.en.trim().is_empty() {
            return Err(bad(
                format!("题目 {id} 的第 {i} 个选项文字为空"),
                format!("option {i} of question {id} has an empty text"),
            ));
        }
        if !(0.0..=1.0).contains(&o.fraction) {
            return Err(bad(
                format!(
                    "题目 {id} 的第 {i} 个选项得分比例 {} 超出 0 至 1",
                    o.fraction
                ),
                format!(
                    "option {i} of question {id} has fraction {}, outside 0 to 1",
                    o.fraction
                ),
            ));
        }
    }
    let full = q.options.iter().filter(|o| o.fraction == 1.0).count();
    if full != 1 {
        return Err(bad(
            format!("题目 {id} 应有且仅有一个得满分（1.0）的选项，实际有 {full} 个"),
            format!("question {id} must have exactly one option with fraction 1.0; it has {full}"),
        ));
    }
    Ok(())
}

// ───────────────────────────── answers and scoring ─────────────────────────────

/// An enterprise's answers: question id → index of the chosen option.
pub type Answers = BTreeMap<String, u8>;

/// Score of one dimension.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    pub dimension: Dimension,
    /// Points earned so far.
    pub earned: f64,
    /// Points the dimension is worth.
    pub max: f64,
    /// Questions of the dimension answered.
    pub answered: usize,
    /// Questions of the dimension.
    pub questions: usize,
}

/// The result of scoring a set of answers.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentResult {
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    pub category: AssessmentCategory,
    /// One entry per dimension, in [`Dimension::ALL`] order.
    pub dimensions: Vec<DimensionScore>,
    /// Points earned (0–100), unrounded; display with [`AssessmentResult::total_display`].
    pub total: f64,
    /// The level of a **complete** attempt; always `None` while questions are unanswered
    /// (and `None` for a complete attempt below 20 points).
    pub level: Option<DigitalLevel>,
    /// Ids of unanswered questions, in questionnaire order.
    pub unanswered: Vec<String>,
}

impl AssessmentResult {
    pub fn is_complete(&self) -> bool {
        self.unanswered.is_empty()
    }

    /// The score of one dimension.
    pub fn dimension(&self, dimension: Dimension) -> &DimensionScore {
        self.dimensions
            .iter()
            .find(|d| d.dimension == dimension)
            .expect("a result has every dimension")
    }

    /// The total rounded to one decimal for display (see [`round_total`]).
    pub fn total_rounded(&self) -> f64 {
        round_total(self.total)
    }

    /// The total as shown to users, e.g. `"63.5"`.
    pub fn total_display(&self) -> String {
        format!("{:.1}", self.total_rounded())
    }

    /// Answered/total counts for a progress display.
    pub fn progress(&self) -> Progress {
        let dimensions: Vec<DimensionProgress> = self
            .dimensions
            .iter()
            .map(|d| DimensionProgress {
                dimension: d.dimension,
                answered: d.answered,
                total: d.questions,
            })
            .collect();
        Progress {
            answered: dimensions.iter().map(|d| d.answered).sum(),
            total: dimensions.iter().map(|d| d.total).sum(),
            dimensions,
        }
    }
}

/// Answered/total questions of one dimension.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionProgress {
    pub dimension: Dimension,
    pub answered: usize,
    pub total: usize,
}

/// Answered/total questions, overall and per dimension (in [`Dimension::ALL`] order).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub dimensions: Vec<DimensionProgress>,
    pub answered: usize,
    pub total: usize,
}

impl Progress {
    pub fn is_complete(&self) -> bool {
        self.answered == self.total
    }
}

/// Checks every answer against the questionnaire: the id must exist and the index must be in range.
fn check_answers(q: &Questionnaire, answers: &Answers) -> Result<(), AssessmentError> {
    for (id, &index) in answers {
        let question = q
            .question(id)
            .ok_or_else(|| AssessmentError::UnknownQuestion { id: id.clone() })?;
        if usize::from(index) >= question.options.len() {
            return Err(AssessmentError::OptionOutOfRange {
                question: id.clone(),
                index,
                options: question.options.len(),
            });
        }
    }
    Ok(())
}

/// Scores a possibly incomplete set of answers. Refuses unknown question ids and out-of-range option
/// indices; unanswered questions earn nothing and are listed in [`AssessmentResult::unanswered`], and
/// the level stays `None` until every question is answered. Use [`complete_score`] for an attempt
/// that is being submitted.
pub fn score(q: &Questionnaire, answers: &Answers) -> Result<AssessmentResult, AssessmentError> {
    check_answers(q, answers)?;
    let mut dimensions = Vec::with_capacity(Dimension::ALL.len());
    for d in Dimension::ALL {
        let mut s = DimensionScore {
            dimension: d,
            earned: 0.0,
            max: 0.0,
            answered: 0,
            questions: 0,
        };
        for question in q.questions_in(d) {
            s.max += question.weight;
            s.questions += 1;
            if let Some(&index) = answers.get(&question.id) {
                s.answered += 1;
                s.earned += question
                    .points(index)
                    .expect("answers were checked against the questionnaire");
            }
        }
        dimensions.push(s);
    }
    let unanswered: Vec<String> = q
        .questions
        .iter()
        .filter(|question| !answers.contains_key(&question.id))
        .map(|question| question.id.clone())
        .collect();
    let total: f64 = dimensions.iter().map(|d| d.earned).sum();
    let level = if unanswered.is_empty() {
        level_for_score(total)
    } else {
        None
    };
    Ok(AssessmentResult {
        questionnaire_id: q.id.clone(),
        questionnaire_version: q.version.clone(),
        category: q.category,
        dimensions,
        total,
        level,
        unanswered,
    })
}

/// Scores a finished attempt: like [`score`], but every question must be answered; otherwise
/// [`AssessmentError::MissingAnswers`] names the first unanswered question and the number missing.
pub fn complete_score(
    q: &Questionnaire,
    answers: &Answers,
) -> Result<AssessmentResult, AssessmentError> {
    let result = score(q, answers)?;
    if let Some(first) = result.unanswered.first() {
        let title = q
            .question(first)
            .map(|question| question.title.clone())
            .expect("unanswered ids come from the questionnaire");
        return Err(AssessmentError::MissingAnswers {
            first: first.clone(),
            title,
            missing: result.unanswered.len(),
        });
    }
    Ok(result)
}

/// Progress of a partial attempt (answered/total per dimension). Refuses invalid answers like
/// [`score`].
pub fn partial(q: &Questionnaire, answers: &Answers) -> Result<Progress, AssessmentError> {
    score(q, answers).map(|r| r.progress())
}

/// The digital level for a total: 一级 [20, 40), 二级 [40, 60), 三级 [60, 80), 四级 ≥ 80, below 20
/// no level. Lower edges are inclusive, with a tolerance of [`TOLERANCE`] so that a total computed as
/// `59.99999999999` counts as 60.
pub fn level_for_score(total: f64) -> Option<DigitalLevel> {
    let t = total + TOLERANCE;
    if t >= 80.0 {
        Some(DigitalLevel::L4)
    } else if t >= 60.0 {
        Some(DigitalLevel::L3)
    } else if t >= 40.0 {
        Some(DigitalLevel::L2)
    } else if t >= 20.0 {
        Some(DigitalLevel::L1)
    } else {
        None
    }
}

/// Rounds a total to one decimal for display, clamped to 0–100. Rounding never crosses a level edge:
/// if half-up rounding would show a total of the level above (59.96 → 60.0 while the level is 二级),
/// the total is rounded down instead (59.9), so the number shown always agrees with the level.
pub fn round_total(total: f64) -> f64 {
    let total = total.clamp(0.0, TOTAL_POINTS);
    let rounded = (total * 10.0).round() / 10.0;
    if level_for_score(rounded) == level_for_score(total) {
        rounded
    } else {
        ((total + TOLERANCE) * 10.0).floor() / 10.0
    }
}

/// Points for 专精特新 indicator 5 (数字化水平, DOMAIN.md §2.2): 三级 or 四级 → 5; 二级 → 3;
/// 一级 or no level → 0.
pub fn indicator5_points(level: Option<DigitalLevel>) -> u32 {
    match level {
        Some(DigitalLevel::L3 | DigitalLevel::L4) => 5,
        Some(DigitalLevel::L2) => 3,
        Some(DigitalLevel::L1) | None => 0,
    }
}

// ───────────────────────────── errors ─────────────────────────────

/// Why answers or a questionnaire file were refused.
#[derive(Debug, Clone, PartialEq)]
pub enum AssessmentError {
    /// An answer names a question the questionnaire does not have.
    UnknownQuestion { id: String },
    /// An answer's option index is outside `0..options`.
    OptionOutOfRange {
        question: String,
        index: u8,
        options: usize,
    },
    /// A complete attempt was required but questions are unanswered.
    MissingAnswers {
        /// Id of the first unanswered question (questionnaire order).
        first: String,
        /// Its title.
        title: Text,
        /// How many questions are unanswered.
        missing: usize,
    },
    /// A questionnaire file could not be parsed or failed validation.
    BadFile { detail: Text },
}

impl Localized for AssessmentError {
    fn text(&self) -> Text {
        match self {
            AssessmentError::UnknownQuestion { id } => Text::new(
                format!("问卷中没有编号为 {id} 的题目"),
                format!("the questionnaire has no question with id {id}"),
            ),
            AssessmentError::OptionOutOfRange {
                question,
                index,
                options,
            } => {
                let last = options.saturating_sub(1);
                Text::new(
                    format!("题目 {question} 的选项序号 {index} 超出范围，有效范围为 0–{last}"),
                    format!(
                        "option {index} is out of range for question {question}; valid options are 0–{last}"
                    ),
                )
            }
            AssessmentError::MissingAnswers {
                first,
                title,
                missing,
            } => Text::new(
                format!(
                    "还有 {missing} 道题未作答，请先完成全部题目（第一道未答题：{first}「{}」）",
                    title.zh
                ),
                format!(
                    "{missing} question(s) unanswered; answer every question first (first unanswered: {first} \"{}\")",
                    title.en
                ),
            ),
            AssessmentError::BadFile { detail } => Text::new(
                format!("问卷文件有误：{}", detail.zh),
                format!("invalid questionnaire file: {}", detail.en),
            ),
        }
    }
}

impl fmt::Display for AssessmentError {
    /// Displays the Chinese message (the default language).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for AssessmentError {}

// ───────────────────────────── tests ─────────────────────────────

#[cfg(test)]
mod tests {
    use super::*;

    const MANUFACTURING_SCENARIOS: [&str; 14] = [
        "产品设计",
        "工艺设计",
        "计划排程",
        "生产管控",
        "质量管理",
        "设备管理",
        "安全生产",
        "能耗管理",
        "采购管理",
        "仓储物流",
        "财务管理",
        "人力资源",
        "协同办公",
        "决策支持",
    ];

    fn all_with(q: &Questionnaire, pick: impl Fn(&Question) -> u8) -> Answers {
        q.questions()
            .iter()
            .map(|question| (question.id.clone(), pick(question)))
            .collect()
    }

    /// A small questionnaire whose arithmetic is easy to check by hand.
    const SMALL: &str = r#"
id = "small"
version = "test.1"
category = "other"
title = { zh = "测试问卷", en = "Test questionnaire" }

[[questions]]
id = "t.base.01"
dimension = "foundation"
weight = 20
title = { zh = "基础", en = "Base" }
help = { zh = "说明", en = "Help" }
options = [
  { zh = "无", en = "none", fraction = 0.0 },
  { zh = "部分", en = "some", fraction = 0.5 },
  { zh = "全部", en = "all", fraction = 1.0 },
]

[[questions]]
id = "t.ops.01"
dimension = "operations"
weight = 30
title = { zh = "经营一", en = "Ops 1" }
help = { zh = "说明", en = "Help" }
options = [
  { zh = "尚未开展", en = "Not started", fraction = 0.0 },
  { zh = "①", en = "(1)", fraction = 0.25 },
  { zh = "②", en = "(2)", fraction = 0.5 },
  { zh = "③", en = "(3)", fraction = 0.75 },
  { zh = "④", en = "(4)", fraction = 1.0 },
]

[[questions]]
id = "t.ops.02"
dimension = "operations"
weight = 12.5
title = { zh = "经营二", en = "Ops 2" }
help = { zh = "说明", en = "Help" }
options = [{ zh = "否", en = "no", fraction = 0.0 }, { zh = "是", en = "yes", fraction = 1.0 }]

[[questions]]
id = "t.mgmt.01"
dimension = "management"
weight = 17.5
title = { zh = "管理", en = "Management" }
help = { zh = "管理说明", en = "Management help" }
options = [{ zh = "否", en = "no", fraction = 0.0 }, { zh = "是", en = "yes", fraction = 1.0 }]

[[questions]]
id = "t.res.01"
dimension = "results"
weight = 20
title = { zh = "成效", en = "Results" }
help = { zh = "成效说明", en = "Results help" }
options = [
  { zh = "低", en = "low", fraction = 0.0 },
  { zh = "中", en = "medium", fraction = 0.25 },
  { zh = "高", en = "high", fraction = 1.0 },
]
"#;

    fn small() -> Questionnaire {
        Questionnaire::parse(SMALL).expect("test questionnaire is valid")
    }

    fn bad_detail(toml: &str) -> Text {
        match Questionnaire::parse(toml) {
            Err(AssessmentError::BadFile { detail }) => detail,
            other => panic!("expected BadFile, got {other:?}"),
        }
    }

    #[test]
    fn builtin_questionnaires_load_and_are_well_formed() {
        let mut prefixes = BTreeSet::new();
        for category in AssessmentCategory::ALL {
            let q = Questionnaire::builtin(category);
            assert_eq!(q.category(), category);
            assert_eq!(q.id(), category.code());
            assert!(!q.version().is_empty());
            let n = q.questions().len();
            assert!((20..=40).contains(&n), "{}: {n} questions", q.id());
            let sum: f64 = q.questions().iter().map(|x| x.weight).sum();
            assert!(
                (sum - 100.0).abs() < 1e-9,
                "{}: weights sum to {sum}",
                q.id()
            );
            for d in Dimension::ALL {
                assert!(q.questions_in(d).count() > 0, "{}: {d:?} empty", q.id());
            }
            let dims: f64 = Dimension::ALL.into_iter().map(|d| q.max_points(d)).sum();
            assert!((dims - 100.0).abs() < 1e-9);
            for question in q.questions() {
                // ids are namespaced per questionnaire, so answers cannot be mixed up
                let prefix = question.id.split('.').next().unwrap().to_string();
                prefixes.insert((category, prefix));
                assert_eq!(question.options[0].fraction, 0.0, "{}", question.id);
                assert_eq!(question.top_option() as usize, question.options.len() - 1);
                // one line in each language, and English really is English
                for text in [&question.help.zh, &question.help.en] {
                    assert!(!text.contains('\n'), "{}", question.id);
                }
                for text in std::iter::once(&question.title.en)
                    .chain([&question.help.en])
                    .chain(question.options.iter().map(|o| &o.en))
                {
                    assert!(
                        text.is_ascii() && !text.trim().is_empty(),
                        "{}: {text:?}",
                        question.id
                    );
                }
            }
        }
        // one prefix per questionnaire, all distinct
        assert_eq!(prefixes.len(), 3);
        let distinct: BTreeSet<_> = prefixes.iter().map(|(_, p)| p.clone()).collect();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn builtin_is_the_same_instance_every_time() {
        let a = Questionnaire::builtin(AssessmentCategory::Manufacturing);
        let b = Questionnaire::builtin(AssessmentCategory::Manufacturing);
        assert!(std::ptr::eq(a, b));
    }

    #[test]
    fn manufacturing_has_all_scenarios_on_four_maturity_levels() {
        let q = Questionnaire::builtin(AssessmentCategory::Manufacturing);
        for scenario in MANUFACTURING_SCENARIOS {
            let found: Vec<&Question> = q
                .questions()
                .iter()
                .filter(|x| x.title.zh.contains(scenario))
                .collect();
            assert_eq!(found.len(), 1, "scenario {scenario}");
            let question = found[0];
            assert!(
                matches!(
                    question.dimension,
                    Dimension::Operations | Dimension::Management
                ),
                "{scenario} is in {:?}",
                question.dimension
            );
            let fractions: Vec<f64> = question.options.iter().map(|o| o.fraction).collect();
            assert_eq!(fractions, [0.0, 0.25, 0.5, 0.75, 1.0], "{scenario}");
            assert_eq!(question.options[0].zh, "尚未开展");
        }
    }

    #[test]
    fn level_edges() {
        let cases = [
            (0.0, None),
            (19.9, None),
            (20.0, Some(DigitalLevel::L1)),
            (39.9, Some(DigitalLevel::L1)),
            (40.0, Some(DigitalLevel::L2)),
            (59.9, Some(DigitalLevel::L2)),
            (60.0, Some(DigitalLevel::L3)),
            (79.9, Some(DigitalLevel::L3)),
            (80.0, Some(DigitalLevel::L4)),
            (100.0, Some(DigitalLevel::L4)),
            // floating-point noise just under an edge still counts as the edge
            (59.999_999_999_99, Some(DigitalLevel::L3)),
            (19.999_999_999_99, Some(DigitalLevel::L1)),
            // … but a real shortfall does not
            (59.999_999, Some(DigitalLevel::L2)),
            (f64::NAN, None),
        ];
        for (total, level) in cases {
            assert_eq!(level_for_score(total), level, "total {total}");
        }
    }

    #[test]
    fn rounding_for_display_never_contradicts_the_level() {
        assert_eq!(round_total(63.46), 63.5);
        assert_eq!(round_total(63.44), 63.4);
        assert_eq!(round_total(59.96), 59.9);
        assert_eq!(round_total(79.99), 79.9);
        assert_eq!(round_total(59.999_999_999_99), 60.0);
        assert_eq!(round_total(100.000_000_001), 100.0);
        assert_eq!(round_total(-0.0), 0.0);
    }

    #[test]
    fn all_top_answers_give_100_and_level_4() {
        for category in AssessmentCategory::ALL {
            let q = Questionnaire::builtin(category);
            let r = complete_score(q, &all_with(q, Question::top_option)).unwrap();
            assert!((r.total - 100.0).abs() < 1e-9, "{category:?}: {}", r.total);
            assert_eq!(r.total_display(), "100.0");
            assert_eq!(r.level, Some(DigitalLevel::L4));
            for d in &r.dimensions {
                assert_eq!(d.earned, d.max);
                assert_eq!(d.answered, d.questions);
            }
        }
    }

    #[test]
    fn all_zero_answers_give_0_and_no_level() {
        for category in AssessmentCategory::ALL {
            let q = Questionnaire::builtin(category);
            let r = complete_score(q, &all_with(q, |_| 0)).unwrap();
            assert_eq!(r.total, 0.0);
            assert_eq!(r.level, None);
            assert!(r.is_complete());
        }
    }

    #[test]
    fn uniform_middle_answers_score_the_fraction() {
        // every built-in question has five options 0, .25, .5, .75, 1
        for category in AssessmentCategory::ALL {
            let q = Questionnaire::builtin(category);
            let r = complete_score(q, &all_with(q, |_| 2)).unwrap();
            assert_eq!(r.total, 50.0);
            assert_eq!(r.level, Some(DigitalLevel::L2));
            let r = complete_score(q, &all_with(q, |_| 3)).unwrap();
            assert_eq!(r.total, 75.0);
            assert_eq!(r.level, Some(DigitalLevel::L3));
        }
    }

    #[test]
    fn hand_computed_mixed_case() {
        let q = small();
        let answers: Answers = [
            ("t.base.01", 1), // 20 × 0.5  = 10
            ("t.ops.01", 3),  // 30 × 0.75 = 22.5
            ("t.ops.02", 1),  // 12.5 × 1  = 12.5
            ("t.mgmt.01", 0), // 17.5 × 0  = 0
            ("t.res.01", 1),  // 20 × 0.25 = 5
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let r = complete_score(&q, &answers).unwrap();
        assert_eq!(r.total, 50.0);
        assert_eq!(r.level, Some(DigitalLevel::L2));
        assert_eq!(r.dimension(Dimension::Foundation).earned, 10.0);
        assert_eq!(r.dimension(Dimension::Operations).earned, 35.0);
        assert_eq!(r.dimension(Dimension::Operations).max, 42.5);
        assert_eq!(r.dimension(Dimension::Management).earned, 0.0);
        assert_eq!(r.dimension(Dimension::Management).max, 17.5);
        assert_eq!(r.dimension(Dimension::Results).earned, 5.0);
        assert_eq!(indicator5_points(r.level), 3);

        // the manufacturing questionnaire: scenario answers at level ②, everything else 0
        let m = Questionnaire::builtin(AssessmentCategory::Manufacturing);
        let mut answers = all_with(m, |_| 0);
        let mut expected = 0.0;
        for question in m.questions() {
            if MANUFACTURING_SCENARIOS
                .iter()
                .any(|s| question.title.zh.contains(s))
            {
                answers.insert(question.id.clone(), 2);
                expected += question.weight / 2.0;
            }
        }
        let r = complete_score(m, &answers).unwrap();
        assert_eq!(r.total, expected);
        // 14 scenarios: operations 40 − 售后服务 2.5 − 营销管理 3.5 = 34, plus management 12 → 46 / 2
        assert_eq!(r.total, 23.0);
        assert_eq!(r.level, Some(DigitalLevel::L1));
    }

    #[test]
    fn missing_answer_is_refused_with_the_question_named() {
        let q = Questionnaire::builtin(AssessmentCategory::ProducerServices);
        let mut answers = all_with(q, Question::top_option);
        answers.remove("s.ops.04");
        answers.remove("s.res.02");
        let err = complete_score(q, &answers).unwrap_err();
        assert_eq!(
            err,
            AssessmentError::MissingAnswers {
                first: "s.ops.04".into(),
                title: q.question("s.ops.04").unwrap().title.clone(),
                missing: 2,
            }
        );
        let zh = err.message(Lang::Zh);
        assert!(zh.contains("s.ops.04") && zh.contains("服务交付") && zh.contains('2'));
        assert!(err.message(Lang::En).contains("Service delivery"));

        // the partial score is still available, without a level
        let r = score(q, &answers).unwrap();
        assert_eq!(r.unanswered, ["s.ops.04", "s.res.02"]);
        assert!(!r.is_complete());
        assert_eq!(r.level, None);
        assert_eq!(r.total, 90.0);
    }

    #[test]
    fn partial_progress_per_dimension() {
        let q = small();
        let answers: Answers = [("t.ops.02".to_string(), 0), ("t.res.01".to_string(), 2)]
            .into_iter()
            .collect();
        let p = partial(&q, &answers).unwrap();
        assert_eq!((p.answered, p.total), (2, 5));
        assert!(!p.is_complete());
        let counts: Vec<(Dimension, usize, usize)> = p
            .dimensions
            .iter()
            .map(|d| (d.dimension, d.answered, d.total))
            .collect();
        assert_eq!(
            counts,
            [
                (Dimension::Foundation, 0, 1),
                (Dimension::Operations, 1, 2),
                (Dimension::Management, 0, 1),
                (Dimension::Results, 1, 1),
            ]
        );
        assert!(partial(&q, &Answers::new()).unwrap().answered == 0);
    }

    #[test]
    fn out_of_range_option_is_refused() {
        let q = Questionnaire::builtin(AssessmentCategory::Other);
        let mut answers = all_with(q, |_| 0);
        answers.insert("o.ops.03".into(), 5);
        let err = score(q, &answers).unwrap_err();
        assert_eq!(
            err,
            AssessmentError::OptionOutOfRange {
                question: "o.ops.03".into(),
                index: 5,
                options: 5,
            }
        );
        assert!(err.message(Lang::Zh).contains("o.ops.03"));
        assert!(err.message(Lang::Zh).contains("0–4"));
        assert!(err.message(Lang::En).contains("0–4"));
        assert!(complete_score(q, &answers).is_err());
        assert!(partial(q, &answers).is_err());
    }

    #[test]
    fn unknown_question_is_refused() {
        let q = Questionnaire::builtin(AssessmentCategory::Manufacturing);
        let mut answers = all_with(q, |_| 1);
        // an answer from another questionnaire
        answers.insert("s.ops.01".into(), 1);
        let err = complete_score(q, &answers).unwrap_err();
        assert_eq!(
            err,
            AssessmentError::UnknownQuestion {
                id: "s.ops.01".into()
            }
        );
        assert!(err.to_string().contains("s.ops.01"));
    }

    #[test]
    fn indicator5_points_for_every_level() {
        assert_eq!(indicator5_points(None), 0);
        assert_eq!(indicator5_points(Some(DigitalLevel::L1)), 0);
        assert_eq!(indicator5_points(Some(DigitalLevel::L2)), 3);
        assert_eq!(indicator5_points(Some(DigitalLevel::L3)), 5);
        assert_eq!(indicator5_points(Some(DigitalLevel::L4)), 5);
    }

    #[test]
    fn parse_rejects_weights_summing_to_99() {
        let toml = SMALL.replace("weight = 17.5", "weight = 16.5");
        let detail = bad_detail(&toml);
        assert!(detail.zh.contains("99"), "{}", detail.zh);
        assert!(detail.en.contains("99"), "{}", detail.en);
    }

    #[test]
    fn parse_rejects_other_malformed_files() {
        // duplicate id
        let d = bad_detail(&SMALL.replace("\"t.ops.02\"", "\"t.ops.01\""));
        assert!(d.en.contains("t.ops.01"));
        // a dimension without questions (weights still 100)
        let d =
            bad_detail(&SMALL.replace("dimension = \"management\"", "dimension = \"operations\""));
        assert!(d.zh.contains("数字化管理"));
        // two full-score options
        let d = bad_detail(&SMALL.replace(
            "{ zh = \"部分\", en = \"some\", fraction = 0.5 }",
            "{ zh = \"部分\", en = \"some\", fraction = 1.0 }",
        ));
        assert!(d.en.contains("exactly one"));
        // no full-score option
        let d = bad_detail(&SMALL.replace(
            "{ zh = \"高\", en = \"high\", fraction = 1.0 }",
            "{ zh = \"高\", en = \"high\", fraction = 0.9 }",
        ));
        assert!(d.en.contains("t.res.01"));
        // fraction out of range
        let d = bad_detail(&SMALL.replace(
            "{ zh = \"中\", en = \"medium\", fraction = 0.25 }",
            "{ zh = \"中\", en = \"medium\", fraction = 1.5 }",
        ));
        assert!(d.en.contains("outside"));
        // a single option
        let d = bad_detail(&SMALL.replacen(
            "[{ zh = \"否\", en = \"no\", fraction = 0.0 }, { zh = \"是\", en = \"yes\", fraction = 1.0 }]",
            "[{ zh = \"是\", en = \"yes\", fraction = 1.0 }]",
            1,
        ));
        assert!(d.en.contains("t.ops.02"));
        // unknown dimension, unknown field, not TOML at all
        bad_detail(&SMALL.replace("dimension = \"results\"", "dimension = \"outcomes\""));
        bad_detail(&SMALL.replace(
            "help = { zh = \"成效说明\", en = \"Results help\" }",
            "hint = { zh = \"成效说明\", en = \"Results help\" }",
        ));
        bad_detail("this is not toml = = =");
        // an unknown category
        bad_detail(&SMALL.replace("category = \"other\"", "category = \"mining\""));
    }

    #[test]
    fn options_and_help_are_read_in_either_language() {
        let q = small();
        let ops2 = q.question("t.ops.02").unwrap();
        assert_eq!(ops2.options[1].label(Lang::En), "yes");
        assert_eq!(ops2.options[1].label(Lang::Zh), "是");
        assert_eq!(ops2.help.get(Lang::En), "Help");
        assert_eq!(ops2.help.get(Lang::Zh), "说明");
    }

    #[test]
    fn a_question_or_option_without_english_is_refused_with_the_question_named() {
        // an option without `en`
        let d = bad_detail(&SMALL.replace(
            "{ zh = \"中\", en = \"medium\", fraction = 0.25 }",
            "{ zh = \"中\", fraction = 0.25 }",
        ));
        assert!(d.en.contains("t.res.01"), "{}", d.en);
        assert!(
            d.en.contains("no English") && d.en.contains("option 1"),
            "{}",
            d.en
        );
        assert!(
            d.zh.contains("t.res.01") && d.zh.contains("第 1 个选项"),
            "{}",
            d.zh
        );
        // help without `en`, and help in the old Chinese-only form
        for help in ["help = { zh = \"成效说明\" }", "help = \"成效说明\""] {
            let d = bad_detail(
                &SMALL.replace("help = { zh = \"成效说明\", en = \"Results help\" }", help),
            );
            assert!(
                d.en.contains("t.res.01") && d.en.contains("help"),
                "{}",
                d.en
            );
            assert!(
                d.zh.contains("t.res.01") && d.zh.contains("说明"),
                "{}",
                d.zh
            );
        }
        // a title without `en`
        let d = bad_detail(&SMALL.replace(
            "title = { zh = \"管理\", en = \"Management\" }",
            "title = { zh = \"管理\" }",
        ));
        assert!(
            d.en.contains("t.mgmt.01") && d.en.contains("title"),
            "{}",
            d.en
        );
        // an empty English text is refused too
        let d = bad_detail(&SMALL.replace("en = \"medium\"", "en = \" \""));
        assert!(d.en.contains("t.res.01"), "{}", d.en);
        let d = bad_detail(&SMALL.replace("en = \"Management help\"", "en = \"\""));
        assert!(d.en.contains("t.mgmt.01"), "{}", d.en);
        // … and so is a questionnaire from JSON (the API's shape) without English
        let mut json =
            serde_json::to_value(Questionnaire::builtin(AssessmentCategory::Other)).unwrap();
        json["questions"][2]["options"][3]
            .as_object_mut()
            .unwrap()
            .remove("en");
        let err = serde_json::from_value::<Questionnaire>(json).unwrap_err();
        assert!(err.to_string().contains("o.base.03"), "{err}");
    }

    #[test]
    fn all_three_builtin_files_parse_with_english_everywhere() {
        for (file, toml) in [
            (
                "manufacturing",
                include_str!("../../fixtures/questionnaires/manufacturing.toml"),
            ),
            (
                "producer_services",
                include_str!("../../fixtures/questionnaires/producer_services.toml"),
            ),
            (
                "other",
                include_str!("../../fixtures/questionnaires/other.toml"),
            ),
        ] {
            let q = Questionnaire::parse(toml)
                .unwrap_or_else(|e| panic!("{file}.toml: {}", e.message(Lang::En)));
            assert_eq!(q.id(), file);
            for question in q.questions() {
                assert_ne!(question.help.en, question.help.zh, "{}", question.id);
                for o in &question.options {
                    assert_ne!(o.label(Lang::En), o.label(Lang::Zh), "{}", question.id);
                }
            }
        }
    }

    #[test]
    fn questionnaire_and_answers_round_trip_through_json() {
        let q = Questionnaire::builtin(AssessmentCategory::Manufacturing);
        let json = serde_json::to_string(q).unwrap();
        let back: Questionnaire = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, q);
        // deserialising validates too
        let broken = json.replacen("\"weight\":4.0", "\"weight\":3.0", 1);
        assert_ne!(broken, json);
        assert!(serde_json::from_str::<Questionnaire>(&broken).is_err());

        let answers = all_with(q, |_| 1);
        let json = serde_json::to_string(&answers).unwrap();
        assert!(json.starts_with("{\"m.base.01\":1"));
        assert_eq!(serde_json::from_str::<Answers>(&json).unwrap(), answers);
    }

    #[test]
    fn dimension_codes_round_trip() {
        for d in Dimension::ALL {
            assert_eq!(Dimension::from_code(d.code()), Some(d));
        }
        assert_eq!(Dimension::Results.name().zh, "数字化成效");
    }
}
