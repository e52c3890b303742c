//! `guardrail explain ID`: the check's documentation, with a failing example from its
//! fixtures when they are at hand (the catalog is embedded; fixtures live in the repository).

use crate::checks::Check;

pub fn explain(c: &Check, cwd: Option<&std::path::Path>) -> String {
    let mut s = format!("{} ({})\n{}\n\n", c.id, c.severity.as_str(), c.title);
    let fws: Vec<&str> = c.frameworks().iter().map(|f| f.as_str()).collect();
    s.push_str(&format!("Frameworks:  {}\n", fws.join(", ")));
    if !c.category.is_empty() {
        s.push_str(&format!("Category:    {}\n", c.category));
    }
    let mut types: Vec<&str> = c.rules.iter().flat_map(|r| r.types.iter().map(String::as_str)).collect();
    types.sort();
    types.dedup();
    if !types.is_empty() && types.len() <= 12 {
        s.push_str(&format!("Applies to:  {}\n", types.join(", ")));
    }
    s.push_str(&format!("\nWhy it matters\n  {}\n\nHow to fix\n  {}\n", c.description.trim(), c.remediation.trim()));
    if !c.references.is_empty() {
        s.push_str("\nReferences\n");
        for r in &c.references {
            s.push_str(&format!("  {r}\n"));
        }
    }
    if !c.related.is_empty() {
        s.push_str(&format!("\nRelated ids\n  {}\n", c.related.join(", ")));
    }
    if let Some(example) = cwd.and_then(|d| failing_example(d, &c.id)) {
        s.push_str(&format!("\nFailing example ({})\n", example.0));
        for line in example.1.lines().take(40) {
            s.push_str(&format!("  {line}\n"));
        }
    }
    s
}

fn failing_example(cwd: &std::path::Path, id: &str) -> Option<(String, String)> {
    let root = crate::scope::report_root(cwd);
    let dir = root.join("fixtures").join(id);
    let mut files: Vec<_> = std::fs::read_dir(&dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    let f = files.into_iter().find(|p| {
        p.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            n.starts_with("fail") && !n.ends_with(".expect")
        })
    })?;
    let text = std::fs::read_to_string(&f).ok()?;
    Some((format!("fixtures/{id}/{}", f.file_name()?.to_string_lossy()), text))
}
