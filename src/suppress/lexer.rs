//! Comment lexers. The parsers drop comments (saphyr does not report them at all), so
//! suppressions are found by a small lexer per syntax that knows where a `#` is *not* a
//! comment: inside a quoted string, a heredoc, a YAML block scalar, or a plain YAML scalar
//! (`url: http://host/#frag`). Only comment boundaries matter here, so the lexers skip
//! everything else without validating it; a file that does not parse never reaches them.

use crate::model::Span;

/// A comment in a source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The whole comment, marker included (`# …`, `// …`, `/* … */`).
    pub span: Span,
    /// The text after the marker (before `*/` for block comments).
    pub body: Span,
    /// Nothing but whitespace precedes the comment on its line.
    pub standalone: bool,
}

/// The comment syntax of a source file, from its name and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Hcl,
    Yaml,
    /// JSON: no comments.
    None,
}

impl Syntax {
    /// `.tf`/`.tfvars` → HCL; `.yaml`/`.yml` and YAML `.template` files → YAML; JSON → none.
    pub fn of(path: &str, text: &str) -> Syntax {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".tf") || lower.ends_with(".tfvars") {
            Syntax::Hcl
        } else if lower.ends_with(".yaml")
            || lower.ends_with(".yml")
            || (lower.ends_with(".template") && !text.trim_start().starts_with('{'))
        {
            Syntax::Yaml
        } else {
            Syntax::None
        }
    }
}

/// The comments of a text in the given syntax.
pub fn comments(syntax: Syntax, text: &str) -> Vec<Comment> {
    match syntax {
        Syntax::Hcl => hcl(text),
        Syntax::Yaml => yaml(text),
        Syntax::None => Vec::new(),
    }
}

fn line_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
        i += 1;
    }
    i
}

fn next_line(b: &[u8], from: usize) -> usize {
    let mut i = line_end(b, from);
    if i < b.len() && b[i] == b'\r' {
        i += 1;
    }
    if i < b.len() && b[i] == b'\n' {
        i += 1;
    }
    i
}

fn standalone(b: &[u8], at: usize) -> bool {
    let mut i = at;
    while i > 0 && b[i - 1] != b'\n' && b[i - 1] != b'\r' {
        i -= 1;
        if !matches!(b[i], b' ' | b'\t') {
            return false;
        }
    }
    true
}

fn line_comment(b: &[u8], at: usize, marker: usize) -> Comment {
    let end = line_end(b, at);
    Comment {
        span: Span::new(at, end),
        body: Span::new((at + marker).min(end), end),
        standalone: standalone(b, at),
    }
}

/// What the HCL lexer is inside of.
enum HclCtx {
    /// Code; the count of `{` opened at this level (a `}` beyond them closes an interpolation).
    Code(usize),
    /// A quoted template string.
    Str,
}

/// Comments of an HCL file: `#` and `//` to the end of the line, `/* … */`. Strings (with
/// `${ … }` interpolations that may hold further strings) and heredocs are skipped.
pub fn hcl(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack = vec![HclCtx::Code(0)];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match stack.last_mut() {
            Some(HclCtx::Str) => match c {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                // A quoted string cannot span lines: recover at the line end.
                b'\n' | b'\r' => {
                    stack.pop();
                    i += 1;
                }
                b'$' | b'%' if next == Some(c) && b.get(i + 2) == Some(&b'{') => i += 3,
                b'$' | b'%' if next == Some(b'{') => {
                    stack.push(HclCtx::Code(0));
                    i += 2;
                }
                _ => i += 1,
            },
            Some(HclCtx::Code(depth)) => match c {
                b'#' => {
                    let cm = line_comment(b, i, 1);
                    i = cm.span.end;
                    out.push(cm);
                }
                b'/' if next == Some(b'/') => {
                    let cm = line_comment(b, i, 2);
                    i = cm.span.end;
                    out.push(cm);
                }
                b'/' if next == Some(b'*') => {
                    let close = text[i + 2..].find("*/").map(|p| i + 2 + p);
                    let (body_end, end) = match close {
                        Some(p) => (p, p + 2),
                        None => (b.len(), b.len()),
                    };
                    out.push(Comment {
                        span: Span::new(i, end),
                        body: Span::new(i + 2, body_end),
                        standalone: standalone(b, i),
                    });
                    i = end;
                }
                b'"' => {
                    stack.push(HclCtx::Str);
                    i += 1;
                }
                b'<' if next == Some(b'<') => match heredoc_end(text, i) {
                    Some(end) => i = end,
                    None => i += 2,
                },
                b'{' => {
                    *depth += 1;
                    i += 1;
                }
                b'}' => {
                    if *depth == 0 {
                        if stack.len() > 1 {
                            stack.pop();
                        }
                    } else {
                        *depth -= 1;
                    }
                    i += 1;
                }
                _ => i += 1,
            },
            None => break,
        }
    }
    out
}

/// For `<<EOF` / `<<-EOF` at `at` followed by a line break: the offset after the terminator
/// line (or the end of the text when it never comes).
fn heredoc_end(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = at + 2;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    if i == start || !(b[start].is_ascii_alphabetic() || b[start] == b'_') {
        return None;
    }
    let ident = &text[start..i];
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    if i < b.len() && !matches!(b[i], b'\n' | b'\r') {
        return None;
    }
    let mut line = next_line(b, i);
    while line < b.len() {
        let end = line_end(b, line);
        if text[line..end].trim() == ident {
            return Some(end);
        }
        line = next_line(b, line);
    }
    Some(b.len())
}

/// Comments of a YAML stream. A `#` starts a comment at the start of a line or after
/// whitespace, outside quoted scalars (which may span lines) and block scalars (`|`, `>`,
/// whose content is every following line indented deeper than their parent node).
pub fn yaml(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // Inside a quoted scalar that continues on the next line.
    let mut quote: Option<u8> = None;
    // Inside a block scalar: the indentation of its parent node (-1 at the top level).
    let mut block: Option<i64> = None;
    let mut flow = 0usize;
    let mut line = 0;
    while line < b.len() {
        let end = line_end(b, line);
        let indent = b[line..end].iter().take_while(|c| **c == b' ').count();
        if let Some(parent) = block {
            let blank = b[line..end].iter().all(|c| matches!(c, b' ' | b'\t'));
            let marker = parent < 0
                && (text[line..end].starts_with("---") || text[line..end].starts_with("..."));
            if blank || (indent as i64 > parent && !marker) {
                line = next_line(b, line);
                continue;
            }
            block = None;
        }
        let mut i = line;
        let mut node_start = quote.is_none();
        let mut prev_ws = true;
        // The column of the node that owns a block scalar started on this line.
        let mut key_col: i64 = indent as i64 - 1;
        let mut owner_col: i64 = indent as i64 - 1;
        if quote.is_none() && flow == 0 {
            let rest = &text[line..end];
            if (rest.starts_with("---") || rest.starts_with("..."))
                && rest[3..].starts_with([' ', '\t'])
                || rest == "---"
                || rest == "..."
            {
                i = line + 3;
                key_col = -1;
                owner_col = -1;
            }
        }
        while i < end {
            let c = b[i];
            if let Some(q) = quote {
                if q == b'"' && c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    prev_ws = false;
                }
                i += 1;
                continue;
            }
            if c == b' ' || c == b'\t' {
                prev_ws = true;
                i += 1;
                continue;
            }
            if c == b'#' && prev_ws {
                let cm = line_comment(b, i, 1);
                out.push(cm);
                break;
            }
            let next = b.get(i + 1).copied();
            let next_blank = next.is_none_or(|n| matches!(n, b' ' | b'\t' | b'\n' | b'\r'));
            prev_ws = false;
            if node_start {
                match c {
                    b'"' | b'\'' => {
                        key_col = (i - line) as i64;
                        quote = Some(c);
                        node_start = false;
                        i += 1;
                    }
                    b'-' | b'?' if next_blank => {
                        owner_col = (i - line) as i64;
                        key_col = owner_col;
                        i += 1;
                    }
                    b'[' | b'{' => {
                        flow += 1;
                        i += 1;
                    }
                    b'&' | b'!' => {
                        while i < end && !matches!(b[i], b' ' | b'\t') {
                            i += 1;
                        }
                    }
                    b'|' | b'>' if flow == 0 => {
                        let mut j = i + 1;
                        while j < end && matches!(b[j], b'+' | b'-' | b'0'..=b'9') {
                            j += 1;
                        }
                        if j == end || matches!(b[j], b' ' | b'\t') {
                            block = Some(owner_col);
                            node_start = false;
                        }
                        i = j;
                    }
                    b']' | b'}' if flow > 0 => {
                        flow -= 1;
                        node_start = false;
                        i += 1;
                    }
                    b',' if flow > 0 => i += 1,
                    _ => {
                        key_col = (i - line) as i64;
                        node_start = false;
                        i += 1;
                    }
                }
                continue;
            }
            match c {
                b':' if next_blank || (flow > 0 && matches!(next, Some(b',' | b']' | b'}'))) => {
                    // `key: value`: the value's parent is the key.
                    owner_col = key_col;
                    node_start = true;
                }
                b',' if flow > 0 => node_start = true,
                b'[' | b'{' if flow > 0 => flow += 1,
                b']' | b'}' if flow > 0 => flow -= 1,
                _ => {}
            }
            i += 1;
        }
        line = next_line(b, line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(cs: &[Comment], text: &str) -> Vec<String> {
        cs.iter()
            .map(|c| text[c.body.start..c.body.end].trim().to_string())
            .collect()
    }

    #[test]
    fn hcl_comments_outside_strings_and_heredocs() {
        let text = r##"# top
resource "x" "y" { // trailing
  a = "not # a comment // either"
  b = "${var.x["k#1"]} # still string" # real
  c = <<-EOT
    # inside heredoc
    ${"}"} // inside too
  EOT
  /* block
     comment */ d = "$${x} # no"
  e = "%{ if true }#x%{ endif }" // after template
}
"##;
        let cs = hcl(text);
        assert_eq!(
            bodies(&cs, text),
            vec![
                "top",
                "trailing",
                "real",
                "block\n     comment",
                "after template"
            ]
        );
        assert!(cs[0].standalone && !cs[1].standalone && cs[3].standalone);
        assert_eq!(&text[cs[1].span.start..cs[1].span.end], "// trailing");
    }

    #[test]
    fn hcl_unterminated_constructs_do_not_hang() {
        for t in [
            "a = \"abc",
            "a = <<EOF\nxx",
            "/* open",
            "a = \"${",
            "x = <<",
            "}}}",
        ] {
            let _ = hcl(t);
        }
        // An unterminated string ends at the line break; the next line's comment is found.
        let cs = hcl("a = \"abc\n# c\n");
        assert_eq!(cs.len(), 1);
    }

    #[test]
    fn yaml_comments_outside_scalars() {
        let text = r##"# head
a: "quoted # not"   # c1
b: 'it''s # not' # c2
c: plain#not
d: plain # c3
url: http://x/#frag
e: |
  # inside block
  text # inside
f: >- # c4
    folded # inside
g: it's a # c5
h: ["x # no", 'y # no'] # c6
i: "multi
  # still quoted
  line" # c7
- |
 # in seq block
- k: |
    # in nested block
  # c8
--- # c9
j: !!str &anc | # c10
  # block again
k: {a: "#", b: c} # c11
"##;
        let cs = yaml(text);
        assert_eq!(
            bodies(&cs, text),
            vec!["head", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11"]
        );
        assert!(cs[0].standalone && !cs[1].standalone && cs[8].standalone);
    }

    #[test]
    fn yaml_block_scalar_ends_at_parent_indentation() {
        let text = "spec:\n  script: |\n    echo # a\n  # real\n  next: 1\n";
        assert_eq!(bodies(&yaml(text), text), vec!["real"]);
        let text = "items:\n  - |\n    # body\n  # after\n";
        assert_eq!(bodies(&yaml(text), text), vec!["after"]);
    }

    #[test]
    fn syntax_from_name_and_content() {
        assert_eq!(Syntax::of("a/main.tf", ""), Syntax::Hcl);
        assert_eq!(Syntax::of("k.YAML", ""), Syntax::Yaml);
        assert_eq!(Syntax::of("t.template", " {\"a\":1}"), Syntax::None);
        assert_eq!(Syntax::of("t.template", "Resources:"), Syntax::Yaml);
        assert_eq!(Syntax::of("t.json", ""), Syntax::None);
    }
}
