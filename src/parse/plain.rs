//! How a plain (unquoted, untagged) YAML scalar resolves: the YAML 1.2 core schema. Used by
//! the YAML parser and by `build.rs`, which converts the built-in checks to JSON and must
//! resolve their scalars exactly as the parser does (so this file uses `std` only).

/// What a plain scalar is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    Number(f64),
    /// The text itself.
    String,
}

pub fn resolve(v: &str) -> Plain {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => Plain::Null,
        "true" | "True" | "TRUE" => Plain::Bool(true),
        "false" | "False" | "FALSE" => Plain::Bool(false),
        s => match number(s) {
            Some(n) => Plain::Number(n),
            None => Plain::String,
        },
    }
}

fn number(v: &str) -> Option<f64> {
    let b = v.as_bytes();
    let first = *b.first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    if let Some(hex) = v.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    if let Some(oct) = v.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(|n| n as f64);
    }
    // Only decimal forms YAML 1.2 accepts; "1_000" or "1e" stay strings.
    if v.bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        v.parse::<f64>().ok().filter(|n| n.is_finite())
    } else {
        None
    }
}
