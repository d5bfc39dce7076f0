//! Analysis engines: judge the org's automation against the record the platform inserts.
//!
//! - [`record`]: the model of the MessagingSession insert (known and unknown values).
//! - [`formula`]: Salesforce formula lexer, parser and three-valued evaluator (validation
//!   rules, flow entry formulas).
//! - [`apex`]: Apex lexer and trigger analyser.

pub mod apex;
pub mod formula;
pub mod record;
