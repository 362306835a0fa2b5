//! Enterprise size (工信部联企业〔2011〕300号, main rows; DOMAIN.md §6): is the enterprise a small or
//! medium-sized enterprise — the eligibility fact for every tier — or a large one, and is it below
//! the small-enterprise floor (micro)?

use crate::domain::text::Text;
use serde::{Deserialize, Serialize};

/// The size sector an industry class falls in.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeSector {
    /// 工业: sections B, C, D.
    Industry,
    /// 软件和信息技术服务业: division 65.
    Software,
    /// 批发业: division 51.
    Wholesale,
    /// 零售业: division 52.
    Retail,
    /// 交通运输业: divisions 53–58.
    Transport,
    /// 建筑业: section E.
    Construction,
    /// Everything else (其他未列明行业).
    Other,
}

impl SizeSector {
    /// The sector of a GB/T 4754 code (a class, or any code whose first characters say enough).
    /// `section` is the class's section letter.
    pub fn of(section: &str, code: &str) -> SizeSector {
        let division = code.get(..2).unwrap_or("");
        match (section, division) {
            ("B" | "C" | "D", _) => SizeSector::Industry,
            ("E", _) => SizeSector::Construction,
            (_, "65") => SizeSector::Software,
            (_, "51") => SizeSector::Wholesale,
            (_, "52") => SizeSector::Retail,
            (_, "53" | "54" | "55" | "56" | "57" | "58") => SizeSector::Transport,
            _ => SizeSector::Other,
        }
    }

    pub fn name(self) -> Text {
        match self {
            SizeSector::Industry => Text::new("工业", "industry"),
            SizeSector::Software => Text::new("软件和信息技术服务业", "software and IT services"),
            SizeSector::Wholesale => Text::new("批发业", "wholesale"),
            SizeSector::Retail => Text::new("零售业", "retail"),
            SizeSector::Transport => Text::new("交通运输业", "transport"),
            SizeSector::Construction => Text::new("建筑业", "construction"),
            SizeSector::Other => Text::new("其他行业", "other industries"),
        }
    }

    /// (staff limit, revenue limit in 万元, assets limit in 万元): an SME is below either limit.
    fn sme_limits(self) -> (Option<f64>, Option<f64>, Option<f64>) {
        match self {
            SizeSector::Industry => (Some(1000.0), Some(40000.0), None),
            SizeSector::Software => (Some(300.0), Some(10000.0), None),
            SizeSector::Wholesale => (Some(200.0), Some(40000.0), None),
            SizeSector::Retail => (Some(300.0), Some(20000.0), None),
            SizeSector::Transport => (Some(1000.0), Some(30000.0), None),
            SizeSector::Construction => (None, Some(80000.0), Some(80000.0)),
            SizeSector::Other => (Some(300.0), None, None),
        }
    }

    /// (staff floor, revenue floor, assets floor): a small enterprise meets every floor given.
    fn small_floor(self) -> (Option<f64>, Option<f64>, Option<f64>) {
        match self {
            SizeSector::Industry => (Some(20.0), Some(300.0), None),
            SizeSector::Software => (Some(10.0), Some(50.0), None),
            SizeSector::Wholesale => (Some(5.0), Some(1000.0), None),
            SizeSector::Retail => (Some(10.0), Some(100.0), None),
            SizeSector::Transport => (Some(20.0), Some(200.0), None),
            SizeSector::Construction => (None, Some(300.0), Some(300.0)),
            SizeSector::Other => (Some(10.0), None, None),
        }
    }
}

/// The figures the size is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SizeFigures {
    pub employees: Option<f64>,
    /// 营业收入, 万元.
    pub revenue: Option<f64>,
    /// 资产总额, 万元.
    pub total_assets: Option<f64>,
}

/// The size class.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    /// Not an SME: at or above every limit.
    Large,
    /// Small or medium-sized.
    SmallOrMedium,
    /// Below the small-enterprise floor (微型), still eligible as an SME.
    Micro,
}

impl SizeClass {
    pub fn is_sme(self) -> bool {
        self != SizeClass::Large
    }

    pub fn name(self) -> Text {
        match self {
            SizeClass::Large => Text::new("大型企业（不属于中小企业）", "large (not an SME)"),
            SizeClass::SmallOrMedium => Text::new("中小企业", "small or medium-sized"),
            SizeClass::Micro => Text::new("微型企业", "micro"),
        }
    }
}

/// The size judgement with its explanation.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeFact {
    pub sector: SizeSector,
    pub class: SizeClass,
    pub explanation: Text,
}

/// Judges the size. `None` when a figure the sector's rule needs is missing.
pub fn classify(sector: SizeSector, f: &SizeFigures) -> Option<SizeFact> {
    let (ls, lr, la) = sector.sme_limits();
    let (fs, fr, fa) = sector.small_floor();
    let need = |limit: Option<f64>, v: Option<f64>| limit.is_none() || v.is_some();
    if !(need(ls, f.employees) && need(lr, f.revenue) && need(la, f.total_assets)) {
        return None;
    }
    let below =
        |limit: Option<f64>, v: Option<f64>| matches!((limit, v), (Some(l), Some(v)) if v < l);
    let meets = |floor: Option<f64>, v: Option<f64>| match floor {
        None => true,
        Some(fl) => v.is_some_and(|v| v >= fl),
    };
    let sme = below(ls, f.employees) || below(lr, f.revenue) || below(la, f.total_assets);
    let class = if !sme {
        SizeClass::Large
    } else if meets(fs, f.employees) && meets(fr, f.revenue) && meets(fa, f.total_assets) {
        SizeClass::SmallOrMedium
    } else {
        SizeClass::Micro
    };
    let limits_zh = limit_text(ls, lr, la, "或", true);
    let limits_en = limit_text(ls, lr, la, "or", false);
    let explanation = Text::new(
        format!(
            "{}：{}以下为中小企业；本企业为{}",
            sector.name().zh,
            limits_zh,
            class.name().zh
        ),
        format!(
            "{}: an SME is below {}; this enterprise is {}",
            sector.name().en,
            limits_en,
            class.name().en
        ),
    );
    Some(SizeFact {
        sector,
        class,
        explanation,
    })
}

fn limit_text(s: Option<f64>, r: Option<f64>, a: Option<f64>, or: &str, zh: bool) -> String {
    let mut parts = Vec::new();
    if let Some(s) = s {
        parts.push(if zh {
            format!("从业人员 {s} 人")
        } else {
            format!("{s} staff")
        });
    }
    if let Some(r) = r {
        parts.push(if zh {
            format!("营业收入 {r} 万元")
        } else {
            format!("revenue of {r} ×10k yuan")
        });
    }
    if let Some(a) = a {
        parts.push(if zh {
            format!("资产总额 {a} 万元")
        } else {
            format!("assets of {a} ×10k yuan")
        });
    }
    parts.join(&format!(" {or} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(e: f64, r: f64, a: f64) -> SizeFigures {
        SizeFigures {
            employees: Some(e),
            revenue: Some(r),
            total_assets: Some(a),
        }
    }

    #[test]
    fn sectors_from_codes() {
        assert_eq!(SizeSector::of("C", "3973"), SizeSector::Industry);
        assert_eq!(SizeSector::of("D", "4411"), SizeSector::Industry);
        assert_eq!(SizeSector::of("I", "6513"), SizeSector::Software);
        assert_eq!(SizeSector::of("F", "5171"), SizeSector::Wholesale);
        assert_eq!(SizeSector::of("F", "5211"), SizeSector::Retail);
        assert_eq!(SizeSector::of("G", "5431"), SizeSector::Transport);
        assert_eq!(SizeSector::of("G", "5951"), SizeSector::Other);
        assert_eq!(SizeSector::of("E", "4710"), SizeSector::Construction);
        assert_eq!(SizeSector::of("M", "7320"), SizeSector::Other);
    }

    #[test]
    fn industry_limits_either_figure() {
        let c = |e, r| {
            classify(SizeSector::Industry, &fig(e, r, 0.0))
                .unwrap()
                .class
        };
        assert_eq!(c(1000.0, 40000.0), SizeClass::Large, "at both limits");
        assert_eq!(c(999.0, 90000.0), SizeClass::SmallOrMedium, "staff below");
        assert_eq!(
            c(5000.0, 39999.0),
            SizeClass::SmallOrMedium,
            "revenue below"
        );
        assert_eq!(
            c(20.0, 300.0),
            SizeClass::SmallOrMedium,
            "on the small floor"
        );
        assert_eq!(c(19.0, 300.0), SizeClass::Micro);
        assert_eq!(c(20.0, 299.0), SizeClass::Micro);
    }

    #[test]
    fn every_sector_edge() {
        // (sector, figures at the SME limit → Large, just below one limit → SME, just below the floor → Micro)
        let cases = [
            (
                SizeSector::Software,
                fig(300.0, 10000.0, 0.0),
                fig(299.0, 10000.0, 0.0),
                fig(9.0, 50.0, 0.0),
            ),
            (
                SizeSector::Wholesale,
                fig(200.0, 40000.0, 0.0),
                fig(200.0, 39999.0, 0.0),
                fig(5.0, 999.0, 0.0),
            ),
            (
                SizeSector::Retail,
                fig(300.0, 20000.0, 0.0),
                fig(299.0, 20000.0, 0.0),
                fig(9.0, 100.0, 0.0),
            ),
            (
                SizeSector::Transport,
                fig(1000.0, 30000.0, 0.0),
                fig(1000.0, 29999.0, 0.0),
                fig(19.0, 200.0, 0.0),
            ),
            (
                SizeSector::Construction,
                fig(0.0, 80000.0, 80000.0),
                fig(0.0, 80000.0, 79999.0),
                fig(0.0, 299.0, 300.0),
            ),
            (
                SizeSector::Other,
                fig(300.0, 0.0, 0.0),
                fig(299.0, 0.0, 0.0),
                fig(9.0, 0.0, 0.0),
            ),
        ];
        for (sector, large, sme, micro) in cases {
            assert_eq!(
                classify(sector, &large).unwrap().class,
                SizeClass::Large,
                "{sector:?}"
            );
            assert_eq!(
                classify(sector, &sme).unwrap().class,
                SizeClass::SmallOrMedium,
                "{sector:?}"
            );
            assert_eq!(
                classify(sector, &micro).unwrap().class,
                SizeClass::Micro,
                "{sector:?}"
            );
        }
    }

    #[test]
    fn missing_figures_give_no_judgement() {
        let f = SizeFigures {
            employees: Some(10.0),
            revenue: None,
            total_assets: None,
        };
        assert!(classify(SizeSector::Industry, &f).is_none());
        assert!(
            classify(SizeSector::Other, &f).is_some(),
            "staff alone decides"
        );
    }

    #[test]
    fn explanation_states_the_rule() {
        let fact = classify(SizeSector::Industry, &fig(120.0, 8000.0, 0.0)).unwrap();
        assert_eq!(
            fact.explanation.zh,
            "工业：从业人员 1000 人 或 营业收入 40000 万元以下为中小企业；本企业为中小企业"
        );
        assert!(fact.class.is_sme());
    }
}
