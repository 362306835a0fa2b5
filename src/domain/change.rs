//! Rules of a major-change report (重大变更) that both the service and the screens apply.

/// Whether a major change of type `kind` (its API code: `rename`, `merger`, `restructuring`,
/// `relocation`, `overseas_branch`, `other`) must state the thing changed before and after
/// (变更前 / 变更后). Every type names one thing that changed (the name, the parties, the
/// structure, the province, the overseas presence); only 其他 (`other`) covers changes with no such single
/// before/after **(our rule)**, where the description carries it.
pub fn needs_before_after(kind: &str) -> bool {
    kind != "other"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_other_does_without_before_and_after() {
        for kind in [
            "rename",
            "merger",
            "restructuring",
            "relocation",
            "overseas_branch",
        ] {
            assert!(needs_before_after(kind), "{kind}");
        }
        assert!(!needs_before_after("other"));
    }
}
