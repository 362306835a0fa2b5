//! Input validation shared by every use case: collect every bad field, then fail once with
//! [`ServiceError::Invalid`], so a form can mark all of them at the same time.
//!
//! ```text
//! let mut f = Fields::default();
//! let name = f.check("enterprise_name", required(&input.name, 100, Text::new("企业名称", "the enterprise name")));
//! let uscc = f.check("uscc", Uscc::parse(&input.uscc).map_err(|e| e.text()));
//! f.finish()?;                       // Invalid { fields: [...] } if anything was wrong
//! let (Some(name), Some(uscc)) = (name, uscc) else { unreachable };
//! ```

use crate::domain::text::Text;
use crate::service::error::{FieldError, ServiceError, ServiceResult};

/// Collected field errors.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keeps the value, or records the message under `field`.
    pub fn check<T>(&mut self, field: &str, r: Result<T, Text>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(t) => {
                self.push(field, t);
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, text: Text) {
        self.0.push(FieldError::new(field, text));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was recorded, else [`ServiceError::Invalid`] with every field in order.
    pub fn finish(self) -> ServiceResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid { fields: self.0 })
        }
    }
}

/// A required free-text field: trimmed, non-empty, at most `max` characters. `what` names it
/// ("企业名称" / "the enterprise name").
pub fn required(value: &str, max: usize, what: Text) -> Result<String, Text> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 {
        Err(Text::new(
            format!("请填写{}。", what.zh),
            format!("Enter {}.", what.en),
        ))
    } else if n > max {
        Err(Text::new(
            format!("{}最多 {max} 个字，当前 {n} 个。", what.zh),
            format!(
                "{} has at most {max} characters; got {n}.",
                capitalise(&what.en)
            ),
        ))
    } else {
        Ok(v.to_string())
    }
}

/// An optional free-text field: `None` when blank, else as [`required`].
pub fn optional(value: Option<&str>, max: usize, what: Text) -> Result<Option<String>, Text> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => required(v, max, what).map(Some),
        None => Ok(None),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_field_in_order() {
        let what = || Text::new("企业名称", "the enterprise name");
        let mut f = Fields::default();
        assert_eq!(
            f.check("a", required(" x ", 5, what())),
            Some("x".to_string())
        );
        assert_eq!(f.check("b", required("  ", 5, what())), None);
        assert_eq!(f.check("c", required("abcdef", 5, what())), None);
        assert_eq!(f.check("d", optional(Some(" "), 5, what())), Some(None));
        let e = f.finish().unwrap_err();
        match e {
            ServiceError::Invalid { fields } => {
                assert_eq!(fields.len(), 2);
                assert_eq!(fields[0].text.zh, "请填写企业名称。");
                assert_eq!(fields[1].field, "c");
                assert_eq!(
                    fields[1].text.en,
                    "The enterprise name has at most 5 characters; got 6."
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(Fields::default().finish().is_ok());
    }
}
