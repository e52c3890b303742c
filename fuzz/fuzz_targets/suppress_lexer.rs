//! The comment lexers (HCL, YAML) and the waiver directive parsers. Every comment span must
//! lie inside the text on character boundaries (later stages slice with it).
#![no_main]

use guardrail::suppress::directive::{parse_checkov_annotation, parse_comment, parse_spec};
use guardrail::suppress::lexer::{comments, Syntax};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for syntax in [Syntax::Hcl, Syntax::Yaml] {
        for c in comments(syntax, text) {
            assert!(c.span.start <= c.span.end && c.span.end <= text.len());
            assert!(c.body.start <= c.body.end && c.body.end <= text.len());
            assert!(c.span.start <= c.body.start && c.body.end <= c.span.end);
            let body = text
                .get(c.body.start..c.body.end)
                .expect("comment body on character boundaries");
            let _ = parse_comment(body);
        }
    }
    let _ = parse_comment(text);
    let _ = parse_spec(text);
    let _ = parse_checkov_annotation(text);
});
