//! Apex lexer and trigger analyser: does an Apex trigger on MessagingSession stop the insert the
//! platform makes when a Messaging for Web conversation starts?
//!
//! # Public API
//!
//! - [`analyze_trigger`]`(trigger: &TriggerSource, classes: &[ClassSource], record:
//!   &InsertedRecord) -> TriggerVerdict` — the entry point. `trigger` is one Tooling `ApexTrigger`
//!   row (Name, Body, NamespacePrefix, Status, UsageBeforeInsert/AfterInsert/BeforeUpdate/
//!   AfterUpdate); `classes` are the `ApexClass` rows (Name, Body, NamespacePrefix) the caller
//!   could fetch — pass every class the trigger may reach (handlers, their base classes, helpers).
//!   `record` is the model of the inserted record ([`crate::analysis::record`]).
//! - [`TriggerVerdict`] — `verdict` ([`Verdict`]: `blocks` / `mayBlock {conditions}` / `unlikely`
//!   / `notOnInsert` / `cannotSee {what}`), a one-line `summary`, the insert `events` analysed,
//!   `evidence` ([`SiteEvidence`]: source name, line number and trimmed line text of every
//!   addError/throw/DML/query/callout/null-dereference site, its outcome and the guards that decide
//!   it) and `unseen` (code that could not be read). All of it derives `Serialize` (camelCase) for
//!   the popup.
//! - [`lexer`] — the hand-written lexer ([`lexer::lex`], [`lexer::Token`], [`lexer::TokenKind`]),
//!   usable on its own; [`parser`] — the tolerant parser the analyser uses.
//!
//! # How it decides
//!
//! The trigger body is run abstractly once per insert event it handles (`before insert`, `after
//! insert`) with the trigger context of that event (`Trigger.isInsert` true, `isUpdate` false,
//! `Trigger.old`/`oldMap` null, `Trigger.newMap` null before insert, `Trigger.new` = the one
//! record, `Trigger.operationType` = `BEFORE_INSERT`/`AFTER_INSERT`). Conditions are evaluated
//! three-valued against the record model: known fields, fields the platform leaves unset (null),
//! the running user (Automated Process: `UserInfo.getUserType()` = `'AutomatedProcess'`), custom
//! permissions (`FeatureManagement.checkPermission`), `Test.isRunningTest()` (false). A condition
//! that cannot be decided (a static flag of unknown value, a custom setting, a pre-chat-mapped
//! field, a method result) guards what it encloses and is named in `mayBlock` conditions.
//!
//! Calls are followed into the provided classes (static calls, `new X().run()`, instance methods
//! with virtual dispatch to overrides, constructors with `super(...)`, instance and static fields
//! with their initialisers), up to 8 calls deep. A trigger framework whose base class is not
//! provided is handled by running the handler's insert hooks (`beforeInsert`, `onBeforeInsert`,
//! `onApplyDefaults`, …) under an "if the framework dispatches to it" condition and naming the
//! missing class. Static variables start at their declared initial value (statics are per
//! transaction); a static without one, or in a class not provided, is unknown. Reading a static
//! or instance property runs its `get` accessor; inside it the property is its backing field,
//! empty until the accessor fills it (the lazy cache `if (x == null) x = [query]; return x;`).
//! A map value `put` on a path taken for certain is what `get` of the same key returns (handler
//! registries keyed by type); Boolean `&`, `|`, `^` evaluate both sides.
//!
//! Sites: `addError` on the inserted record or its fields (blocks; not affected by try/catch);
//! `throw`, DML (`insert x;`, `insert(x);`, `Database.insert(x)`; `Database.insert(x, false)`
//! does not throw; saving a custom setting runs no automation), DML on `Trigger.new` itself,
//! single-row query assignment to a local or a field (a query whose only filter is the record's
//! own `MessagingChannelId`/`MessagingEndUserId`, in system mode, finds its row), `[0]` on query
//! results (not on a path that checked `!list.isEmpty()` / `list.size() > 0`), a call on a class
//! picked at run time by a name read from data, `WITH SECURITY_ENFORCED`/`USER_MODE`, `Security.stripInaccessible`, null
//! dereferences, writes to `Trigger.new` fields after insert (read-only), HTTP callouts,
//! `System.schedule`/`Database.executeBatch`.
//!
//! Nulls: reading a field through a relationship (`s.MessagingEndUser.AccountId`) is null, not
//! an exception, when the related record is absent (parents are never loaded on trigger
//! records); a method call on that null, or a field of a null variable, throws. Platform calls
//! that return null for missing data — a list custom setting's `getValues(name)`, a hierarchy
//! setting's fields, `Map.get` of a key not put, `…getRecordTypeInfosByDeveloperName().get(…)` —
//! make a later dereference "may block" naming the missing data, unless a null check (`x !=
//! null`, the other branch of `x == null`, an earlier `if (x == null …) return`) or safe
//! navigation excludes it. `X.sObjectType` compares as the object's token, so handler
//! factories that pick a class by object type are followed. `Type.forName(name).newInstance()`
//! with a name the code fixes (a literal, `X.class.getName() + '.Constructor'`) is that class;
//! with a name read from data (a handler-configuration record) the class is picked at run time:
//! a call on it may throw (a "may block" whose conditions name the records that configure it:
//! the loop over the query's rows and the filter that selects them), unless a matching `catch`
//! takes it. A value stored only on some paths names those paths' conditions; a catch names the
//! first statement of its try block that may throw; a flag a method decides inside names the
//! path that returns it. An
//! exception site inside `try` whose `catch` type matches is caught (harmless unless the catch
//! rethrows — the catch body is analysed too). `@future` methods and queued jobs run after the
//! insert and are not followed.
//!
//! Verdict: any site that blocks on every path → `Blocks`; else any site that may block →
//! `MayBlock` with each condition in words; else code that could not be read → `CannotSee`; else
//! `Unlikely`. An inactive trigger or one without insert events → `NotOnInsert`; a managed body
//! that reads `(hidden)` → `CannotSee`.
//!
//! Purity: std + serde only; never panics on any input (all indexing is checked, recursion is
//! depth-bounded, work is step-bounded).

pub mod lexer;
pub mod parser;

mod interp;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_verdicts;

use serde::{Deserialize, Serialize};

use crate::analysis::record::InsertedRecord;

/// One `ApexTrigger` row from the Tooling API.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerSource {
    pub name: String,
    /// The trigger source; managed-package triggers read `(hidden)`.
    pub body: String,
    #[serde(default)]
    pub namespace_prefix: Option<String>,
    /// `Active` / `Inactive` (also `Deleted`).
    pub status: String,
    #[serde(default)]
    pub usage_before_insert: bool,
    #[serde(default)]
    pub usage_after_insert: bool,
    #[serde(default)]
    pub usage_before_update: bool,
    #[serde(default)]
    pub usage_after_update: bool,
}

/// One `ApexClass` row.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassSource {
    pub name: String,
    pub body: String,
    #[serde(default)]
    pub namespace_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Verdict {
    /// The trigger stops the insert on every path the analyser can see.
    Blocks { reason: String },
    /// It stops the insert under the named conditions.
    MayBlock { conditions: Vec<String> },
    /// Nothing it runs on insert can stop the insert, as far as the code shows.
    Unlikely,
    /// Inactive, or not subscribed to insert events.
    NotOnInsert { reason: String },
    /// The code that decides cannot be read: says exactly what.
    CannotSee { what: Vec<String> },
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Blocks { .. } => "blocks",
            Verdict::MayBlock { .. } => "mayBlock",
            Verdict::Unlikely => "unlikely",
            Verdict::NotOnInsert { .. } => "notOnInsert",
            Verdict::CannotSee { .. } => "cannotSee",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SiteKind {
    /// `record.addError(…)` / `record.Field.addError(…)`.
    AddError,
    Throw,
    Dml,
    Query,
    NullDereference,
    /// Writing a field of a `Trigger.new` record after insert (read-only).
    ReadOnlyWrite,
    Callout,
    /// `System.schedule`, `Database.executeBatch`, `System.enqueueJob`, `@future`.
    AsyncJob,
    /// `Security.stripInaccessible`, `WITH SECURITY_ENFORCED`, `USER_MODE`.
    Security,
    /// `list[0]` that may be out of bounds.
    Index,
    /// A call followed into a class (or that could not be followed).
    Call,
    /// The trigger header.
    Header,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Blocks,
    MayBlock,
    Harmless,
    /// On a path the insert does not take (the deciding guard is in `guards`).
    NotReached,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GuardValue {
    True,
    False,
    Unknown,
}

/// A condition on the path to a site, as evaluated for the inserted record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardEvidence {
    /// Trigger or class name.
    pub source: String,
    pub line: u32,
    /// The source line, trimmed.
    pub text: String,
    /// The condition's source text.
    pub condition: String,
    /// The path needs the condition to be `required` (false for `else` branches).
    pub required: bool,
    /// What the condition evaluates to for the inserted record.
    pub value: GuardValue,
    /// Why, in plain words (which fields/user values/flags decided it).
    pub why: String,
}

/// One site of interest and what it does to the insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteEvidence {
    /// `before insert` / `after insert` (both joined when the same).
    pub event: String,
    pub source: String,
    /// `trigger` or `class`.
    pub source_kind: String,
    pub line: u32,
    pub text: String,
    pub kind: SiteKind,
    pub outcome: Outcome,
    /// What happens, in plain words.
    pub note: String,
    pub guards: Vec<GuardEvidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caught_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerVerdict {
    pub trigger: String,
    pub verdict: Verdict,
    /// One sentence for the popup.
    pub summary: String,
    /// The insert events analysed (`before insert`, `after insert`).
    pub events: Vec<String>,
    pub evidence: Vec<SiteEvidence>,
    /// Code the analyser could not read (hidden managed bodies, classes not provided).
    pub unseen: Vec<String>,
}

/// Judge one trigger against the inserted record. See the module documentation.
pub fn analyze_trigger(
    trigger: &TriggerSource,
    classes: &[ClassSource],
    record: &InsertedRecord,
) -> TriggerVerdict {
    interp::analyze(trigger, classes, record)
}
