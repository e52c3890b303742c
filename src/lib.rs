//! guardrail: an infrastructure-as-code security scanner.
pub mod checks;
pub mod cli;
pub mod diff;
pub mod engine;
pub mod explain;
pub mod findings;
pub mod model;
pub mod parse;
pub mod report;
pub mod resources;
pub mod scope;
pub mod testing;
