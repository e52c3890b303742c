//! guardrail: an infrastructure-as-code security scanner.
pub mod model;
pub mod parse;
pub mod checks;
pub mod resources;
pub mod engine;
pub mod findings;
pub mod scope;
pub mod report;
pub mod testing;
pub mod cli;
pub mod explain;
