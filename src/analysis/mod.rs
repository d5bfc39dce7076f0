//! Analysis engines: judge the org's automation against the record the platform inserts.
//!
//! - [`record`]: the model of the MessagingSession insert (known and unknown values).
//! - [`formula`]: Salesforce formula lexer, parser and three-valued evaluator (validation
//!   rules, flow entry formulas).
//! - [`apex`]: Apex lexer and trigger analyser.
//! - [`flow`]: record-triggered flow analyser (start, entry conditions, the create path's
//!   Custom Errors and elements that can fail).

pub mod apex;
pub mod flow;
pub mod formula;
pub mod record;
