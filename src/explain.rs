//! `guardrail explain ID`: the check's documentation and a failing example from its fixtures
//! (embedded at build time, like the catalog).

use std::path::Path;

use crate::checks::{Check, BUILTIN_PACK};

/// The first failing fixture in a check's fixture directory: (display path, text).
pub fn fixture_example(dir: &Path, root: &Path, cwd: &Path) -> Option<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort_by_key(|p| {
        let n = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        (!n.ends_with(".tf"), n.ends_with(".json"), n)
    });
    let f = files.into_iter().find(|p| {
        let n = p.file_name().unwrap_or_default().to_string_lossy();
        n.starts_with("fail") && !n.ends_with(".expect")
    })?;
    let text = crate::scope::read::read_own_file(&f).ok()?;
    Some((crate::scope::display_path(&f, root, cwd), text))
}

/// The text of `guardrail explain ID`. `enforced_by` names the pack that enforces the check;
/// `example` is a failing fixture of a pack or local check (built-in checks carry their own).
pub fn explain(c: &Check, enforced_by: Option<&str>, example: Option<(String, String)>) -> String {
    let mut s = format!("{} ({})\n{}\n\n", c.id, c.severity.as_str(), c.title);
    let fws: Vec<&str> = c.frameworks().iter().map(|f| f.as_str()).collect();
    s.push_str(&format!("Frameworks:  {}\n", fws.join(", ")));
    s.push_str(&format!("Pack:        {}\n", c.origin.label()));
    if let Some(by) = enforced_by {
        s.push_str(&format!(
            "Enforced:    yes, by pack {by} (cannot be disabled, lowered or waived)\n"
        ));
    }
    if !c.category.is_empty() {
        s.push_str(&format!("Category:    {}\n", c.category));
    }
    let mut types: Vec<&str> = c
        .rules
        .iter()
        .flat_map(|r| r.types.iter().map(String::as_str))
        .collect();
    types.sort();
    types.dedup();
    if !types.is_empty() && types.len() <= 12 {
        s.push_str(&format!("Applies to:  {}\n", types.join(", ")));
    }
    s.push_str(&format!(
        "\nWhy it matters\n  {}\n\nHow to fix\n  {}\n",
        c.description.trim(),
        c.remediation.trim()
    ));
    if !c.references.is_empty() {
        s.push_str("\nReferences\n");
        for r in &c.references {
            s.push_str(&format!("  {r}\n"));
        }
    }
    if !c.related.is_empty() {
        s.push_str(&format!("\nRelated ids\n  {}\n", c.related.join(", ")));
    }
    let builtin = (c.origin.pack == BUILTIN_PACK)
        .then(|| {
            crate::checks::BUILTIN_EXAMPLES
                .iter()
                .find(|(id, _, _)| *id == c.id)
                .map(|(_, p, t)| (p.to_string(), t.to_string()))
        })
        .flatten();
    if let Some((path, text)) = builtin.or(example) {
        s.push_str(&format!("\nFailing example ({path})\n"));
        for line in text.lines().take(40) {
            s.push_str(&format!("  {line}\n"));
        }
    }
    s
}
