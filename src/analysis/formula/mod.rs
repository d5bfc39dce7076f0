//! Salesforce formula engine: lexer, parser and three-valued evaluator, used to judge
//! validation rules (and flow entry formulas) against the MessagingSession record the platform
//! inserts when a chat starts ([`crate::analysis::record::InsertedRecord`]).
//!
//! # Public API
//!
//! - [`parse`]`(src) -> Result<`[`Expr`]`, `[`FormulaError`]`>` — every node carries a byte
//!   [`Span`] into `src`. Errors are data with Salesforce-like wording ("Syntax error. Missing
//!   ')'", "Unknown function FOO. Check spelling.", "Incorrect number of parameters for
//!   function 'IF()'. Expected 3, received 2") and a span. Never panics; formulas longer than
//!   [`MAX_LEN`] bytes or nested deeper than [`MAX_DEPTH`] are errors.
//! - [`evaluate`]`(&Expr, &InsertedRecord, &`[`EvalOptions`]`) -> `[`Eval`] — a known
//!   [`Value`] or `Unknown(hinges)`, where each hinge names one unknown the value depends on
//!   (`$Permission.Bypass_VR`, `Contact__r.Email (a related record's field)`,
//!   `Reason__c (mapped from a pre-chat field the visitor fills in)`). Semantics are listed in
//!   the `eval` module docs (blank handling, ISNEW/ISCHANGED/PRIORVALUE on insert, …).
//! - [`judge_rule`]`(formula, active, &InsertedRecord) -> `[`RuleVerdict`] — the verdict
//!   ([`Verdict::Fires`] / [`Verdict::MayFire`]`{ hinges_on }` / [`Verdict::DoesNotFire`] /
//!   [`Verdict::Unparsable`]), the deciding sub-expression (span, text, rendered value), the
//!   top-level clauses with their values, bypass [`Suggestion`]s (only for an active rule that
//!   fires or may fire), a one-line summary, or the parse error. `RuleVerdict` serialises with
//!   serde in camelCase for the popup. [`judge_rule_with`] takes explicit [`EvalOptions`]
//!   (treat blanks as zeroes; insert time for NOW()/TODAY()).
//!
//! # Supported syntax
//!
//! Numbers, text in single or double quotes with backslash escapes (`\' \" \\ \n \r \t \b \f
//! \uXXXX`; any other `\x` is kept as written), `TRUE`/`FALSE`/`NULL` (any case), fields and
//! cross-object paths (`Owner.Profile.Name`, `Custom__r.Field__c`), globals (`$User.X`,
//! `$Profile.X`, `$Permission.X`, `$Setup.Obj__c.Field__c`, `$RecordType.X`,
//! `$Organization.X`, `$Label.X`, `$UserRole.X`, …), `/* comments */`, and operators by
//! precedence, tightest first: `^`; unary `- + !`; `* /`; `+ - &`;
//! `= == != <> < <= > >=`; `&&`; `||`. Function names are case-insensitive; the accepted set and
//! arities are in the `functions` module (functions that parse but are not modelled, such as
//! VLOOKUP, evaluate to unknown; HYPERLINK and IMAGE evaluate to the HTML text the platform
//! renders, GETSESSIONID to text of unknown value). Between tokens, Unicode white space and the
//! invisible characters pasted from web pages (U+200B/C/D, U+2060, U+FEFF) separate tokens. REGEX uses a built-in matcher for a Java-regex
//! subset (see the `regex` module); unsupported pattern syntax evaluates to unknown.

mod ast;
mod eval;
mod functions;
mod lexer;
mod parser;
mod regex;
mod value;
mod verdict;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_copied;

pub use ast::{BinOp, Expr, ExprKind, GlobalKind, Span, UnaryOp};
pub use eval::{evaluate, EvalOptions};
pub use parser::{parse, MAX_DEPTH, MAX_LEN};
pub use value::{Eval, Value};
pub use verdict::{
    judge_rule, judge_rule_with, Clause, RuleVerdict, Suggestion, SuggestionKind, ValueState,
    Verdict, BYPASS_PERMISSION,
};

use serde::Serialize;

/// A formula that cannot be parsed: Salesforce-like message and the byte span it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormulaError {
    pub message: String,
    pub span: Span,
}

impl FormulaError {
    pub(crate) fn new(message: impl Into<String>, span: Span) -> Self {
        FormulaError {
            message: message.into(),
            span,
        }
    }
}

impl std::fmt::Display for FormulaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (at bytes {}..{})",
            self.message, self.span.start, self.span.end
        )
    }
}
