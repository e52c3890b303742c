//! The text of waivers: guardrail's own `guardrail:ignore ID[,ID…] [expires=DATE] [owner=WHO]
//! -- REASON` (in comments and, without the prefix, in the Kubernetes annotation), and other
//! tools' skip comments, which are honoured through each check's `related` ids.

/// The prefix of an inline waiver in a comment.
pub const INLINE_PREFIX: &str = "guardrail:ignore";

/// A waiver as written: check ids, options and reason, plus what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    pub ids: Vec<String>,
    pub expires: Option<String>,
    pub owner: Option<String>,
    pub reason: Option<String>,
    /// Syntax problems (each one makes the waiver `waiver-invalid`).
    pub problems: Vec<String>,
}

/// Parses `ID[,ID…] [expires=YYYY-MM-DD] [owner=WHO] -- REASON`.
pub fn parse_spec(text: &str) -> Spec {
    let mut spec = Spec::default();
    let (head, reason) = match split_reason(text) {
        Some((h, r)) => (h, Some(r)),
        None => (text, None),
    };
    match reason {
        Some(r) if !r.is_empty() => spec.reason = Some(r.to_string()),
        Some(_) => spec.problems.push("the reason after `--` is empty".into()),
        None => spec
            .problems
            .push("a waiver needs a reason: `-- <why this is acceptable>`".into()),
    }
    for tok in head.split_whitespace() {
        if let Some((k, v)) = tok.split_once('=') {
            match k {
                "expires" => spec.expires = Some(v.to_string()),
                "owner" => spec.owner = Some(v.to_string()),
                other => spec.problems.push(format!(
                    "unknown option `{other}=` (expected expires=YYYY-MM-DD or owner=NAME)"
                )),
            }
        } else {
            spec.ids.extend(
                tok.split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_string()),
            );
        }
    }
    if spec.ids.is_empty() {
        spec.problems
            .insert(0, "the waiver names no check id".into());
    }
    spec
}

/// Splits at the first `--` that stands alone (preceded by whitespace or the start).
fn split_reason(text: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    while let Some(p) = text[from..].find("--") {
        let at = from + p;
        let before_ok = at == 0 || text[..at].ends_with(char::is_whitespace);
        let after = &text[at + 2..];
        if before_ok && (after.is_empty() || after.starts_with(char::is_whitespace)) {
            return Some((&text[..at], after.trim()));
        }
        from = at + 2;
    }
    None
}

/// Another tool whose skip comments guardrail honours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerTool {
    Checkov,
    Tfsec,
    Trivy,
}

impl PeerTool {
    /// The tool's name.
    pub fn as_str(self) -> &'static str {
        match self {
            PeerTool::Checkov => "checkov",
            PeerTool::Tfsec => "tfsec",
            PeerTool::Trivy => "trivy",
        }
    }
}

/// One peer skip: `checkov:skip=CKV_AWS_20:reason`, `tfsec:ignore:ID[:exp:DATE]`,
/// `trivy:ignore:ID[:exp:DATE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSkip {
    pub tool: PeerTool,
    /// The other tool's check id.
    pub id: String,
    pub reason: Option<String>,
    pub expires: Option<String>,
    /// How it was written, for messages (`checkov:skip=CKV_AWS_20`).
    pub text: String,
}

/// What a comment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    Guardrail(Spec),
    Peer(PeerSkip),
}

/// The directives in one comment's text (without its marker).
pub fn parse_comment(body: &str) -> Vec<Directive> {
    let trimmed = body.trim();
    if let Some(rest) = trimmed.strip_prefix(INLINE_PREFIX) {
        // `guardrail:ignored` is not ours.
        if rest.is_empty() || rest.starts_with(char::is_whitespace) {
            return vec![Directive::Guardrail(parse_spec(rest))];
        }
    }
    let mut out = Vec::new();
    if let Some(p) = trimmed.find("checkov:skip=") {
        let rest = &trimmed[p + "checkov:skip=".len()..];
        let (ids, reason) = match rest.split_once(':') {
            Some((i, r)) => (i, Some(r.trim())),
            None => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], None)
            }
        };
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            out.push(Directive::Peer(PeerSkip {
                tool: PeerTool::Checkov,
                id: id.to_string(),
                reason: reason.filter(|r| !r.is_empty()).map(String::from),
                expires: None,
                text: format!("checkov:skip={id}"),
            }));
        }
    }
    // Several may share a comment; the reason is whatever text follows the last one.
    let mut found: Vec<(PeerTool, &str, String, Option<String>, usize)> = Vec::new();
    for (tool, marker) in [
        (PeerTool::Tfsec, "tfsec:ignore:"),
        (PeerTool::Trivy, "trivy:ignore:"),
    ] {
        let mut from = 0;
        while let Some(p) = trimmed[from..].find(marker) {
            let start = from + p + marker.len();
            let end = trimmed[start..]
                .find(char::is_whitespace)
                .map(|e| start + e)
                .unwrap_or(trimmed.len());
            let token = &trimmed[start..end];
            let mut parts = token.split(':');
            let id = parts
                .next()
                .unwrap_or_default()
                .split('[')
                .next()
                .unwrap_or_default();
            let mut expires = None;
            while let Some(k) = parts.next() {
                let v = parts.next().unwrap_or_default();
                if k == "exp" {
                    expires = Some(v.to_string());
                }
            }
            if !id.is_empty() {
                found.push((tool, marker, id.to_string(), expires, end));
            }
            from = end;
        }
    }
    let last = found.iter().map(|f| f.4).max().unwrap_or(0);
    let reason = {
        let r = trimmed[last..].trim();
        let r = r.strip_prefix("--").unwrap_or(r).trim();
        (!r.is_empty()).then(|| r.to_string())
    };
    for (tool, marker, id, expires, _) in found {
        out.push(Directive::Peer(PeerSkip {
            tool,
            text: format!("{marker}{id}"),
            id,
            reason: reason.clone(),
            expires,
        }));
    }
    out
}

/// A Kubernetes `checkov.io/skipN` annotation value: `CKV_K8S_20=reason`.
pub fn parse_checkov_annotation(value: &str) -> Option<PeerSkip> {
    let (id, reason) = match value.split_once('=') {
        Some((i, r)) => (i.trim(), Some(r.trim())),
        None => (value.trim(), None),
    };
    if id.is_empty() {
        return None;
    }
    Some(PeerSkip {
        tool: PeerTool::Checkov,
        id: id.to_string(),
        reason: reason.filter(|r| !r.is_empty()).map(String::from),
        expires: None,
        text: format!("checkov:skip={id}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guardrail_inline_spec() {
        let d = parse_comment(
            " guardrail:ignore aws-a, aws-b expires=2027-01-31 owner=team-web -- public site",
        );
        assert_eq!(
            d,
            vec![Directive::Guardrail(Spec {
                ids: vec!["aws-a".into(), "aws-b".into()],
                expires: Some("2027-01-31".into()),
                owner: Some("team-web".into()),
                reason: Some("public site".into()),
                problems: vec![],
            })]
        );
        let Directive::Guardrail(s) = &parse_comment("guardrail:ignore aws-a")[0] else {
            panic!()
        };
        assert_eq!(s.reason, None);
        assert_eq!(s.problems.len(), 1);
        let Directive::Guardrail(s) = &parse_comment("guardrail:ignore -- why")[0] else {
            panic!()
        };
        assert_eq!(s.problems, vec!["the waiver names no check id"]);
        let Directive::Guardrail(s) = &parse_comment("guardrail:ignore a until=x -- r")[0] else {
            panic!()
        };
        assert!(s.problems[0].contains("unknown option `until=`"));
        // A reason may itself contain dashes.
        assert_eq!(
            parse_spec("a -- keep -- for now, see a--b")
                .reason
                .as_deref(),
            Some("keep -- for now, see a--b")
        );
        assert!(parse_comment("guardrail:ignored a -- r").is_empty());
        assert!(parse_comment("just a comment").is_empty());
    }

    #[test]
    fn peer_comments() {
        let d = parse_comment("checkov:skip=CKV_AWS_20: the site is public");
        assert_eq!(
            d,
            vec![Directive::Peer(PeerSkip {
                tool: PeerTool::Checkov,
                id: "CKV_AWS_20".into(),
                reason: Some("the site is public".into()),
                expires: None,
                text: "checkov:skip=CKV_AWS_20".into(),
            })]
        );
        let d = parse_comment("checkov:skip=CKV_AWS_18");
        assert!(matches!(&d[0], Directive::Peer(p) if p.reason.is_none()));
        let d = parse_comment(
            "tfsec:ignore:AVD-AWS-0086:exp:2026-01-01 trivy:ignore:AVD-AWS-0087 -- legacy",
        );
        let peers: Vec<(PeerTool, String, Option<String>, Option<String>)> = d
            .into_iter()
            .map(|d| match d {
                Directive::Peer(p) => (p.tool, p.id, p.expires, p.reason),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            peers,
            vec![
                (
                    PeerTool::Tfsec,
                    "AVD-AWS-0086".into(),
                    Some("2026-01-01".into()),
                    Some("legacy".into())
                ),
                (
                    PeerTool::Trivy,
                    "AVD-AWS-0087".into(),
                    None,
                    Some("legacy".into())
                ),
            ]
        );
        assert_eq!(
            parse_checkov_annotation("CKV_K8S_20=needs privileges").map(|p| (p.id, p.reason)),
            Some(("CKV_K8S_20".into(), Some("needs privileges".into())))
        );
    }
}
