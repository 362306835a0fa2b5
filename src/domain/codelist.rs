//! Shared machinery of the hierarchical national code lists (GB/T 2260 regions, GB/T 4754
//! industries): the `level,code,name,parent` CSV reader, the structural validation, and an
//! indexed tree with look-up, children, root-first paths, containment and search.
//!
//! The files have no quoting: no field contains a quote or a comma.

use std::collections::HashMap;

/// The header line every code-list file starts with.
pub(crate) const HEADER: &str = "level,code,name,parent";

/// One data row of a code-list file, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row<'a> {
    /// 1-based line number in the file, for error messages.
    pub line: usize,
    /// 1 = top level.
    pub level: u8,
    pub code: &'a str,
    pub name: &'a str,
    /// Empty for level 1.
    pub parent: Option<&'a str>,
}

impl Row<'_> {
    /// A row that repeats its parent's code one level down (e.g. 东莞市 441900, a prefecture
    /// without counties, listed again as its own county).
    pub fn is_self_row(&self) -> bool {
        self.parent == Some(self.code)
    }
}

/// Reads the rows of a code-list file. Checks the header, the field count, the level
/// (`1..=max_level`), non-empty code and name, and that exactly the level-1 rows have no parent.
/// Blank lines are skipped; a UTF-8 BOM and CRLF line ends are tolerated.
pub(crate) fn parse_rows(csv: &str, max_level: u8) -> Result<Vec<Row<'_>>, String> {
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let mut lines = csv
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    match lines.next() {
        Some((_, header)) if header == HEADER => {}
        Some((line, header)) => {
            return Err(format!(
                "line {line}: expected header `{HEADER}`, found `{header}`"
            ));
        }
        None => return Err(format!("empty file: expected header `{HEADER}`")),
    }
    let mut rows = Vec::new();
    for (line, text) in lines {
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let [level, code, name, parent] = fields[..] else {
            return Err(format!(
                "line {line}: expected 4 fields, found {}: `{text}`",
                fields.len()
            ));
        };
        let level = match level.parse::<u8>() {
            Ok(n) if (1..=max_level).contains(&n) => n,
            _ => {
                return Err(format!(
                    "line {line}: level `{level}` is not 1..={max_level}"
                ));
            }
        };
        if code.is_empty() || name.is_empty() {
            return Err(format!("line {line}: empty code or name"));
        }
        let parent = (!parent.is_empty()).then_some(parent);
        match (level, parent) {
            (1, Some(p)) => {
                return Err(format!(
                    "line {line}: {code} is top-level but has parent {p}"
                ));
            }
            (2.., None) => {
                return Err(format!("line {line}: {code} (level {level}) has no parent"));
            }
            _ => {}
        }
        rows.push(Row {
            line,
            level,
            code,
            name,
            parent,
        });
    }
    Ok(rows)
}

/// Checks the tree structure of parsed rows: codes are unique, every parent exists and sits
/// exactly one level up. With `allow_self_rows`, a row may repeat its parent's code (see
/// [`Row::is_self_row`]); such a row is not a duplicate. `check_code` adds the list's own rules
/// on the code of a row given its parent row.
pub(crate) fn validate(
    rows: &[Row<'_>],
    allow_self_rows: bool,
    check_code: impl Fn(&Row<'_>, Option<&Row<'_>>) -> Result<(), String>,
) -> Result<(), String> {
    // Owners of the codes: every row except self-rows.
    let mut owners: HashMap<&str, &Row<'_>> = HashMap::with_capacity(rows.len());
    for row in rows.iter().filter(|r| !r.is_self_row()) {
        if let Some(first) = owners.insert(row.code, row) {
            return Err(format!(
                "line {}: duplicate code {} (first on line {})",
                row.line, row.code, first.line
            ));
        }
    }
    let mut self_rows: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        if row.is_self_row() {
            if !allow_self_rows {
                return Err(format!("line {}: {} is its own parent", row.line, row.code));
            }
            if let Some(first) = self_rows.insert(row.code, row.line) {
                return Err(format!(
                    "line {}: duplicate code {} (first on line {first})",
                    row.line, row.code
                ));
            }
        }
        let parent = match row.parent {
            None => None,
            Some(p) => {
                let Some(parent) = owners.get(p) else {
                    return Err(format!(
                        "line {}: unknown parent {p} of {}",
                        row.line, row.code
                    ));
                };
                if parent.level + 1 != row.level {
                    return Err(format!(
                        "line {}: {} (level {}) has parent {p} of level {} (expected {})",
                        row.line,
                        row.code,
                        row.level,
                        parent.level,
                        row.level - 1
                    ));
                }
                Some(*parent)
            }
        };
        check_code(row, parent).map_err(|e| format!("line {}: {e}", row.line))?;
    }
    Ok(())
}

/// True when `s` consists of exactly `n` ASCII digits.
pub(crate) fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// What a node of a [`Tree`] must expose.
pub(crate) trait Node {
    fn code(&self) -> &str;
    fn name(&self) -> &str;
    fn parent(&self) -> Option<&str>;
}

/// A validated code list, indexed by code and by parent.
///
/// A self-row (a node whose parent is its own code) does not own its code in the index: `get`
/// returns the node one level up, and the self-row is reached through `children`.
#[derive(Debug, Clone)]
pub(crate) struct Tree<T> {
    nodes: Vec<T>,
    index: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
    roots: Vec<usize>,
}

/// Depth guard for parent walks (the lists have at most four levels).
const MAX_DEPTH: usize = 8;

impl<T: Node> Tree<T> {
    /// Builds the indices. The nodes must have passed [`validate`].
    pub fn new(nodes: Vec<T>) -> Tree<T> {
        let mut index = HashMap::with_capacity(nodes.len());
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        let mut roots = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            match node.parent() {
                None => roots.push(i),
                Some(p) => children.entry(p.to_string()).or_default().push(i),
            }
            if node.parent() != Some(node.code()) {
                index.insert(node.code().to_string(), i);
            }
        }
        let by_code = |a: &usize, b: &usize| nodes[*a].code().cmp(nodes[*b].code());
        roots.sort_by(by_code);
        for list in children.values_mut() {
            list.sort_by(by_code);
        }
        Tree {
            nodes,
            index,
            children,
            roots,
        }
    }

    /// Every node in file order, self-rows included.
    pub fn nodes(&self) -> &[T] {
        &self.nodes
    }

    pub fn get(&self, code: &str) -> Option<&T> {
        self.index.get(code).map(|&i| &self.nodes[i])
    }

    /// The top-level nodes, by code.
    pub fn roots(&self) -> Vec<&T> {
        self.roots.iter().map(|&i| &self.nodes[i]).collect()
    }

    /// The direct children of `code`, by code; empty for a leaf or an unknown code.
    pub fn children(&self, code: &str) -> Vec<&T> {
        self.children
            .get(code)
            .map(|list| list.iter().map(|&i| &self.nodes[i]).collect())
            .unwrap_or_default()
    }

    /// The chain from the top level down to `code`, root first; empty for an unknown code.
    pub fn path(&self, code: &str) -> Vec<&T> {
        let mut path = Vec::new();
        let mut next = self.get(code);
        while let Some(node) = next {
            if path.len() == MAX_DEPTH {
                break;
            }
            path.push(node);
            next = node.parent().and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    /// Whether `code` is `ancestor` or lies below it. False when either code is unknown.
    pub fn contains(&self, ancestor: &str, code: &str) -> bool {
        self.index.contains_key(ancestor) && self.path(code).iter().any(|n| n.code() == ancestor)
    }

    /// Nodes matching `text`: by code prefix when `text` is ASCII letters and digits (compared
    /// upper-case), otherwise by name substring. Self-rows are skipped (their code is already
    /// listed). Only nodes passing `include` are returned, ordered by `rank` then by code, at
    /// most `limit`.
    pub fn search<K: Ord>(
        &self,
        text: &str,
        limit: usize,
        include: impl Fn(&T) -> bool,
        rank: impl Fn(&T) -> K,
    ) -> Vec<&T> {
        let text = text.trim();
        if text.is_empty() || limit == 0 {
            return Vec::new();
        }
        let matches: Box<dyn Fn(&T) -> bool> = if text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let prefix = text.to_ascii_uppercase();
            Box::new(move |n: &T| n.code().starts_with(&prefix))
        } else {
            Box::new(move |n: &T| n.name().contains(text))
        };
        let mut found: Vec<&T> = self
            .nodes
            .iter()
            .filter(|n| n.parent() != Some(n.code()) && matches(n) && include(n))
            .collect();
        found.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.code().cmp(b.code())));
        found.truncate(limit);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rows_reads_and_checks_shape() {
        let rows = parse_rows(
            "\u{feff}level,code,name,parent\r\n1,A,甲,\r\n\r\n2,01,乙,A\r\n",
            4,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].parent, Some("A"));
        assert!(parse_rows("", 4).unwrap_err().contains("header"));
        assert!(parse_rows("code,name\n", 4).unwrap_err().contains("header"));
        assert!(
            parse_rows("level,code,name,parent\n1,A,甲\n", 4)
                .unwrap_err()
                .contains("4 fields")
        );
        assert!(
            parse_rows("level,code,name,parent\n5,A,甲,\n", 4)
                .unwrap_err()
                .contains("level")
        );
        assert!(
            parse_rows("level,code,name,parent\n1,A,甲,B\n", 4)
                .unwrap_err()
                .contains("top-level")
        );
        assert!(
            parse_rows("level,code,name,parent\n2,A,甲,\n", 4)
                .unwrap_err()
                .contains("no parent")
        );
    }

    #[test]
    fn validate_checks_tree() {
        let ok = |_: &Row<'_>, _: Option<&Row<'_>>| Ok(());
        let rows = |s| parse_rows(s, 3).unwrap();
        let csv = "level,code,name,parent\n1,A,a,\n2,B,b,A\n3,B,b,B\n";
        assert!(validate(&rows(csv), true, ok).is_ok());
        assert!(
            validate(&rows(csv), false, ok)
                .unwrap_err()
                .contains("own parent")
        );
        let dup = "level,code,name,parent\n1,A,a,\n2,B,b,A\n2,B,c,A\n";
        assert!(
            validate(&rows(dup), true, ok)
                .unwrap_err()
                .contains("duplicate")
        );
        let dup_self = "level,code,name,parent\n1,A,a,\n2,B,b,A\n3,B,b,B\n3,B,c,B\n";
        assert!(
            validate(&rows(dup_self), true, ok)
                .unwrap_err()
                .contains("duplicate code B")
        );
        let orphan = "level,code,name,parent\n1,A,a,\n2,B,b,X\n";
        assert!(
            validate(&rows(orphan), true, ok)
                .unwrap_err()
                .contains("unknown parent X")
        );
        let skip = "level,code,name,parent\n1,A,a,\n3,B,b,A\n";
        assert!(
            validate(&rows(skip), true, ok)
                .unwrap_err()
                .contains("level")
        );
    }
}
