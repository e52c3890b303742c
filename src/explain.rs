//! `guardrail explain ID`: the check's documentation and a failing example from its fixtures
//! (embedded at build time, like the catalog).

use crate::checks::Check;

pub fn explain(c: &Check) -> String {
    let mut s = format!("{} ({})\n{}\n\n", c.id, c.severity.as_str(), c.title);
    let fws: Vec<&str> = c.frameworks().iter().map(|f| f.as_str()).collect();
    s.push_str(&format!("Frameworks:  {}\n", fws.join(", ")));
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
    if let Some((_, path, text)) = crate::checks::BUILTIN_EXAMPLES
        .iter()
        .find(|(id, _, _)| *id == c.id)
    {
        s.push_str(&format!("\nFailing example ({path})\n"));
        for line in text.lines().take(40) {
            s.push_str(&format!("  {line}\n"));
        }
    }
    s
}
