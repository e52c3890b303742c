//! Checks are data: YAML files compiled once at start-up into [`Check`]s, dispatched by the
//! resource types they declare.

pub mod condition;
pub mod eval;
pub mod load;

use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

pub use condition::{Cond, Op, Path};
pub use load::{load_check, load_check_with, CheckError};

use crate::model::Framework;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where paths of a Kubernetes rule start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Object,
    Pod,
    Container,
}

/// One framework section of a check (a check may have several per framework).
#[derive(Debug, Clone)]
pub struct Rule {
    pub framework: Framework,
    /// Resource types / kinds; empty means every type of the framework.
    pub types: Vec<String>,
    pub scope: Scope,
    pub where_: Option<Cond>,
    pub assert: Cond,
}

/// A compiled check.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub description: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub related: Vec<String>,
    pub message: Option<String>,
    pub rules: Vec<Rule>,
    /// Where the check was loaded from (`checks/aws/s3/….yaml`).
    pub source: String,
    /// The pack the check comes from.
    pub origin: Origin,
}

/// The pack a check comes from: `builtin`, a pack's `name` and `version`, or `local` for a
/// repository's own checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub pack: String,
    /// The pack's version (the binary's version for `builtin`; empty for `local`).
    pub version: String,
}

impl Default for Origin {
    fn default() -> Origin {
        Origin::builtin()
    }
}

impl Origin {
    /// The catalog compiled into the binary.
    pub fn builtin() -> Origin {
        Origin {
            pack: BUILTIN_PACK.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
    /// `acme-guardrails@3.2.0`, `builtin@0.1.0`, `local`.
    pub fn label(&self) -> String {
        if self.version.is_empty() {
            self.pack.clone()
        } else {
            format!("{}@{}", self.pack, self.version)
        }
    }
}

/// The name of the built-in pack.
pub const BUILTIN_PACK: &str = "builtin";
/// The name repo-local checks are listed under.
pub const LOCAL_PACK: &str = "local";

impl Check {
    pub fn frameworks(&self) -> Vec<Framework> {
        let mut f: Vec<Framework> = self.rules.iter().map(|r| r.framework).collect();
        f.sort();
        f.dedup();
        f
    }
    /// The headline of a finding.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(&self.title)
    }
}

/// The compiled catalog, indexed for dispatch by (framework, type).
#[derive(Debug, Default)]
pub struct Catalog {
    pub checks: Vec<Check>,
    /// Enforced check ids → the pack that enforces them. A repository cannot disable, lower
    /// or waive these, and their findings always fail the run.
    pub enforced: BTreeMap<String, String>,
    /// (framework, type) → (check index, rule index).
    dispatch: HashMap<(Framework, String), Vec<(usize, usize)>>,
    /// Rules without types, per framework.
    untyped: HashMap<Framework, Vec<(usize, usize)>>,
}

impl Catalog {
    /// Builds the dispatch index. Checks are sorted by id.
    pub fn new(mut checks: Vec<Check>) -> Catalog {
        checks.sort_by(|a, b| a.id.cmp(&b.id));
        let mut c = Catalog {
            checks,
            ..Default::default()
        };
        for (ci, check) in c.checks.iter().enumerate() {
            for (ri, rule) in check.rules.iter().enumerate() {
                if rule.types.is_empty() {
                    c.untyped.entry(rule.framework).or_default().push((ci, ri));
                }
                for t in &rule.types {
                    c.dispatch
                        .entry((rule.framework, t.clone()))
                        .or_default()
                        .push((ci, ri));
                }
            }
        }
        c
    }

    /// Compiles now, in parallel, the regular expressions that would compile on first use
    /// (see [`condition::CheckRegex`]). A diff does this while it reads git, on a core that
    /// would otherwise wait, rather than in the middle of its scans.
    pub fn compile_regexes(&self) {
        self.regexes()
            .par_iter()
            .with_max_len(1)
            .for_each(|r| r.prepare());
    }

    /// Every regular expression of the checks' conditions.
    fn regexes(&self) -> Vec<&condition::CheckRegex> {
        let mut regexes = Vec::new();
        for rule in self.checks.iter().flat_map(|c| &c.rules) {
            if let Some(w) = &rule.where_ {
                w.regexes(&mut regexes);
            }
            rule.assert.regexes(&mut regexes);
        }
        regexes
    }

    /// The built-in catalog embedded at build time.
    pub fn builtin() -> Result<Catalog, Vec<CheckError>> {
        let mut checks = Vec::new();
        let mut errors = Vec::new();
        // Compiled on all cores: the catalog is loaded before every run, and for the
        // pre-commit hook on a handful of files it is a good part of the whole run.
        let loaded: Vec<_> = BUILTIN_CHECKS
            .par_iter()
            .map(|(path, yaml, json)| load::load_builtin_check(path, yaml, json))
            .collect();
        for loaded in loaded {
            match loaded {
                Ok(c) => checks.push(c),
                Err(e) => errors.extend(e),
            }
        }
        let mut seen = HashMap::new();
        for c in &checks {
            if let Some(prev) = seen.insert(c.id.clone(), c.source.clone()) {
                errors.push(CheckError {
                    file: c.source.clone(),
                    line: 1,
                    column: 1,
                    message: format!("duplicate check id `{}` (also in {prev})", c.id),
                });
            }
        }
        if errors.is_empty() {
            Ok(Catalog::new(checks))
        } else {
            Err(errors)
        }
    }

    /// Rules that apply to a resource type.
    pub fn rules_for(
        &self,
        framework: Framework,
        rtype: &str,
    ) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.dispatch
            .get(&(framework, rtype.to_string()))
            .into_iter()
            .flatten()
            .chain(self.untyped.get(&framework).into_iter().flatten())
            .copied()
    }

    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The pack that enforces `id`, if any.
    pub fn enforced_by(&self, id: &str) -> Option<&str> {
        self.enforced.get(id).map(String::as_str)
    }

    /// Keeps only the checks `keep` accepts (the enforced set is kept as it is).
    pub fn retain(self, keep: impl Fn(&Check) -> bool) -> Catalog {
        let enforced = self.enforced;
        let mut c = Catalog::new(self.checks.into_iter().filter(|c| keep(c)).collect());
        c.enforced = enforced;
        c
    }
}

include!(concat!(env!("OUT_DIR"), "/builtin_checks.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    /// What a diff compiles ahead of its scans is every regular expression of the catalog:
    /// one per `matches:`/`not_matches:` of the built-in check files, however nested.
    #[test]
    fn compile_regexes_compiles_every_one_of_the_catalog() {
        let catalog = Catalog::builtin().unwrap();
        let regexes = catalog.regexes();
        let written: usize = BUILTIN_CHECKS
            .iter()
            .map(|(_, text, _)| text.matches("matches:").count())
            .sum();
        assert!(written >= 20, "{written}");
        assert_eq!(regexes.len(), written);
        assert!(regexes.iter().all(|r| !r.is_compiled()));
        catalog.compile_regexes();
        assert!(regexes.iter().all(|r| r.is_compiled()));
    }

    /// The catalog compiles built-in regular expressions on first use; this compiles every
    /// one of them now, as a pack's or a repository's check would be.
    #[test]
    fn every_builtin_check_compiles_eagerly() {
        assert!(BUILTIN_CHECKS.len() >= 60);
        let with_regex = BUILTIN_CHECKS
            .iter()
            .filter(|(_, text, _)| text.contains("matches:"))
            .count();
        assert!(with_regex > 0);
        for (path, text, _) in BUILTIN_CHECKS {
            if let Err(e) = load_check(path, text) {
                panic!("{path}: {e:?}");
            }
        }
    }

    /// The build converts the built-in checks to JSON, which is what a run loads: each must
    /// load to exactly the check its YAML describes.
    #[test]
    fn every_builtin_check_loads_the_same_from_its_json() {
        let converted = BUILTIN_CHECKS
            .iter()
            .filter(|(_, _, j)| !j.is_empty())
            .count();
        assert_eq!(
            converted,
            BUILTIN_CHECKS.len(),
            "every built-in check is converted"
        );
        for (path, yaml, json) in BUILTIN_CHECKS {
            let from_yaml = load::load_builtin_check(path, yaml, "").unwrap();
            let from_json = load::load_builtin_check(path, yaml, json).unwrap();
            assert_eq!(format!("{from_yaml:?}"), format!("{from_json:?}"), "{path}");
        }
    }

    #[test]
    fn a_lazy_regex_that_does_not_compile_matches_nothing() {
        let bad = condition::CheckRegex::lazy("(unclosed".into(), false, 1 << 20);
        assert!(!bad.is_match("(unclosed"));
        let good = condition::CheckRegex::lazy("^a+$".into(), true, 1 << 20);
        assert!(good.is_match("AAA"));
        assert!(!good.is_match("ab"));
        let eager = condition::CheckRegex::compiled("(unclosed".into(), false, 1 << 20);
        assert!(eager.is_err());
    }
}
