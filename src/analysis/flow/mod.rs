//! Record-triggered flow analyser: does a flow on MessagingSession stop the insert the platform
//! makes when a Messaging for Web conversation starts?
//!
//! # Public API
//!
//! - [`analyze_flow`]`(flow: &FlowSource, metadata: Option<&serde_json::Value>, record:
//!   &InsertedRecord) -> FlowVerdict` — the entry point. `flow` is one `FlowDefinitionView` row
//!   (ApiName, Label, IsActive, ProcessType, TriggerType, RecordTriggerType, TriggerOrder,
//!   ActiveVersionId; camelCase or the API's PascalCase keys); `metadata` is the Flow Metadata
//!   JSON of that version, either the Tooling answer `{"Metadata": {...}}` of
//!   `GET …/tooling/sobjects/Flow/<versionId>` or the Metadata object itself (`None` when it
//!   could not be fetched); `record` is the model of the inserted record
//!   ([`crate::analysis::record`]).
//! - [`FlowVerdict`] — `verdict` ([`Verdict`], shared with the Apex analyser: `blocks {reason}` /
//!   `mayBlock {conditions}` / `unlikely` / `notOnInsert {reason}` / `cannotSee {what}`), a
//!   one-line `summary`, the `timing` (before or after save), the `entry` condition verdict
//!   ([`EntryVerdict`]: met / notMet / mayBeMet with its hinges, plus the condition text), the
//!   `path` from Start to the element that blocks ([`PathStep`]), `evidence` for every risky
//!   element ([`ElementEvidence`]: name, type, outcome, why, fault connector) and `unseen`
//!   (what could not be read). All of it serialises with serde in camelCase for the popup.
//!
//! # How it decides
//!
//! Start: the flow must be active, record-triggered (`RecordBeforeSave`/`RecordAfterSave`) on
//! MessagingSession, and run on `Create` or `CreateAndUpdate`; `Update`/`Delete` flows,
//! inactive flows, flows on other objects, screen/scheduled/platform-event flows are
//! `notOnInsert`. Scheduled paths (including "run asynchronously") run after the insert is
//! saved and cannot stop it; what only they reach is reported as harmless.
//!
//! Entry conditions: `filterFormula` is evaluated with the formula engine (merge fields such as
//! `{!$Record.Status}` rewritten; `ISNEW()` is TRUE, `ISCHANGED()` FALSE, `$Record__Prior` blank);
//! otherwise `filters` are evaluated one by one (operators EqualTo, NotEqualTo, GreaterThan,
//! LessThan, …OrEqualTo, Contains, StartsWith, EndsWith, IsNull, IsBlank; `IsChanged` is false on
//! create) and combined with `filterLogic` (`and`, `or`, or custom logic such as `1 AND (2 OR
//! 3)`). `doesRequireRecordChangedToMeetCriteria` does not change the create case: a new record
//! that meets the conditions runs the flow. Everything is three-valued against the record
//! model: a pre-chat-mapped field or an unknown user value makes the entry `mayBeMet` and names
//! the hinge. Entry not met → `notOnInsert`.
//!
//! The create path: from the Start connector along connectors, one path at a time, with the
//! `$Record` fields and variables the path has assigned (Assignments, and before-save "update
//! the triggering record"). Decisions are evaluated with the same operators (or their formula):
//! a known outcome is followed alone; an unknown one makes every possible outcome a path,
//! each carrying the condition it hinges on. Loops run their body once (under "the collection
//! has items") and then continue after the loop. A path that comes back to an element with
//! nothing changed stops there (a cycle that would repeat until a flow limit: may block); a
//! cycle whose values change is followed (at most 60 times per element). Work is bounded (20 000
//! element visits, paths of 2 000 elements, 5 000 elements per flow).
//!
//! What can stop the insert: a reachable Custom Error (before save it rejects the record;
//! after save it rolls the insert back); Create/Update/Delete Records, Actions, Apex plug-ins and
//! Subflows without a fault connector (each with why it can fail — e.g. the created record's
//! own required fields and rules, an Update Records on `$Record` after save re-saving the
//! session through update-only automation, a value from a Get Records that found nothing);
//! DML or Get Records inside a loop (governor limits, which no fault connector catches).
//! An element with a fault connector sends its errors down the fault path, which is walked
//! under "the element fails" (a Custom Error there may block). A Get Records that finds
//! nothing is not an error. After-save failures roll the insert back, and the reason says so.
//!
//! Verdict: a Custom Error every insert reaches (entry met, no hinge on the path) → `blocks`;
//! anything reached under conditions, or an element that may fail → `mayBlock` with each
//! condition in words; nothing risky but parts unread → `cannotSee`; else `unlikely`.
//!
//! Purity: std + serde + serde_json; never panics on any input (checked indexing, bounded
//! work, explicit stacks instead of recursion over the graph).

mod cond;
mod model;
mod reads;
mod walk;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub use crate::analysis::apex::{Outcome, Verdict};
pub use model::ElementType;

use crate::analysis::formula::{Eval, Value as V};
use crate::analysis::record::InsertedRecord;
use cond::{one_line, show, Ctx, State};
use model::{list, text, Graph, MAX_ELEMENTS};
use walk::{Hit, HitKind, Walk};

/// One `FlowDefinitionView` row.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowSource {
    #[serde(default, alias = "ApiName", deserialize_with = "null_string")]
    pub api_name: String,
    #[serde(default, alias = "Label", deserialize_with = "null_string")]
    pub label: String,
    #[serde(default, alias = "IsActive", deserialize_with = "null_bool")]
    pub is_active: bool,
    /// `AutoLaunchedFlow` for record-triggered flows, `Flow` for screen flows, `Workflow` for
    /// Process Builder.
    #[serde(default, alias = "ProcessType")]
    pub process_type: Option<String>,
    /// `RecordBeforeSave` | `RecordAfterSave` | `RecordBeforeDelete` | `Scheduled` |
    /// `PlatformEvent` | …
    #[serde(default, alias = "TriggerType")]
    pub trigger_type: Option<String>,
    /// `Create` | `Update` | `CreateAndUpdate` | `Delete`.
    #[serde(default, alias = "RecordTriggerType")]
    pub record_trigger_type: Option<String>,
    #[serde(default, alias = "TriggerOrder")]
    pub trigger_order: Option<i64>,
    #[serde(default, alias = "ActiveVersionId")]
    pub active_version_id: Option<String>,
}

fn null_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn null_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or_default())
}

/// When the flow runs relative to the save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Timing {
    /// `RecordBeforeSave`: runs before the record is saved ("fast field updates").
    BeforeSave,
    /// `RecordAfterSave`: runs after the save, in the same transaction.
    AfterSave,
    BeforeDelete,
    Scheduled,
    PlatformEvent,
    /// No trigger: screen flows and autolaunched flows started by something else.
    NotTriggered,
    Other,
}

impl Timing {
    fn of(trigger_type: Option<&str>) -> Timing {
        match trigger_type.map(str::to_ascii_lowercase).as_deref() {
            Some("recordbeforesave") => Timing::BeforeSave,
            Some("recordaftersave") => Timing::AfterSave,
            Some("recordbeforedelete") => Timing::BeforeDelete,
            Some("scheduled") => Timing::Scheduled,
            Some("platformevent") => Timing::PlatformEvent,
            None | Some("") | Some("none") => Timing::NotTriggered,
            Some(_) => Timing::Other,
        }
    }
    fn words(self) -> &'static str {
        match self {
            Timing::BeforeSave => "before-save flow",
            Timing::AfterSave => "after-save flow",
            Timing::BeforeDelete => "before-delete flow",
            Timing::Scheduled => "schedule-triggered flow",
            Timing::PlatformEvent => "platform-event-triggered flow",
            Timing::NotTriggered => "flow",
            Timing::Other => "flow",
        }
    }
}

/// Whether the inserted record meets the flow's entry conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EntryState {
    Met,
    NotMet,
    /// Depends on the named unknowns (pre-chat fields, user values, resources).
    MayBeMet {
        hinges: Vec<String>,
    },
    /// Not evaluated (the flow does not run on the insert, or its definition is missing).
    NotEvaluated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryVerdict {
    pub state: EntryState,
    /// The entry condition as written (`Status EqualTo 'Ended'`, or the formula), or `none`.
    pub condition: String,
    /// Each filter with its value for the inserted record.
    pub clauses: Vec<String>,
}

impl EntryVerdict {
    fn not_evaluated() -> Self {
        EntryVerdict {
            state: EntryState::NotEvaluated,
            condition: String::new(),
            clauses: Vec::new(),
        }
    }
}

/// One element on the path from Start to the element that blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathStep {
    /// The element's API name (`Start` for the start).
    pub element: String,
    pub element_type: ElementType,
    pub label: String,
    /// What happens there on this path (outcome taken, values set, …).
    pub note: String,
}

/// A risky element of the flow and what it does to the insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementEvidence {
    pub element: String,
    pub element_type: ElementType,
    pub label: String,
    pub outcome: Outcome,
    /// Why, in plain words.
    pub why: String,
    pub has_fault_path: bool,
    /// The conditions of the paths that reach it (empty when every insert does, or when it
    /// is not reached).
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowVerdict {
    /// The flow's API name.
    pub flow: String,
    pub label: String,
    pub verdict: Verdict,
    /// One sentence for the popup.
    pub summary: String,
    pub timing: Timing,
    pub entry: EntryVerdict,
    pub path: Vec<PathStep>,
    pub evidence: Vec<ElementEvidence>,
    /// What the analyser could not read.
    pub unseen: Vec<String>,
}

/// Judge one flow against the inserted record. See the module documentation.
pub fn analyze_flow(
    flow: &FlowSource,
    metadata: Option<&Value>,
    record: &InsertedRecord,
) -> FlowVerdict {
    let meta = metadata.and_then(unwrap_metadata);
    let start = meta.and_then(|m| m.get("start"));
    let from_start = |key: &str| start.and_then(|s| text(s, key));
    let trigger_type = from_start("triggerType").or(flow.trigger_type.as_deref());
    let record_trigger = from_start("recordTriggerType").or(flow.record_trigger_type.as_deref());
    let process_type = meta
        .and_then(|m| m.get("processType"))
        .and_then(Value::as_str)
        .or(flow.process_type.as_deref());
    let timing = Timing::of(trigger_type);
    let label = if flow.label.is_empty() {
        meta.and_then(|m| m.get("label"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    } else {
        flow.label.clone()
    };
    let mut out = FlowVerdict {
        flow: flow.api_name.clone(),
        label,
        verdict: Verdict::Unlikely,
        summary: String::new(),
        timing,
        entry: EntryVerdict::not_evaluated(),
        path: Vec::new(),
        evidence: Vec::new(),
        unseen: Vec::new(),
    };

    // ---- Does it run on the insert at all? ----
    if !flow.is_active {
        return not_on_insert(
            out,
            "the flow is inactive (no active version), so it runs on no insert".into(),
        );
    }
    match timing {
        Timing::BeforeSave | Timing::AfterSave => {}
        Timing::NotTriggered
            if process_type.is_some_and(|p| p.eq_ignore_ascii_case("Workflow")) =>
        {
            return cannot_see(
                out,
                vec!["a Process Builder process (process type Workflow): its criteria and actions are not analysed — its object and criteria decide whether it runs on the insert".into()],
            );
        }
        Timing::NotTriggered => {
            let kind = match process_type {
                Some(p) if p.eq_ignore_ascii_case("Flow") => "a screen flow",
                _ => "not record-triggered",
            };
            return not_on_insert(
                out,
                format!("{kind}: it runs only when a person, a button, Apex or another flow starts it, not on a record insert"),
            );
        }
        Timing::BeforeDelete => {
            return not_on_insert(out, "it runs before a record is deleted".into())
        }
        Timing::Scheduled => {
            return not_on_insert(
                out,
                "a schedule-triggered flow: it runs on its schedule, not on the insert".into(),
            )
        }
        Timing::PlatformEvent => {
            return not_on_insert(
                out,
                "a platform-event-triggered flow: it runs when an event is published, not on the insert".into(),
            )
        }
        Timing::Other => {
            return not_on_insert(
                out,
                format!(
                    "its trigger type {} is not a record save",
                    trigger_type.unwrap_or("")
                ),
            )
        }
    }
    if let Some(object) = from_start("object") {
        if !object.eq_ignore_ascii_case(&record.object) {
            return not_on_insert(
                out,
                format!("it runs on {object} records, not on {}", record.object),
            );
        }
    }
    // Conditions under which everything below applies (unknown trigger type, entry hinges).
    let mut run_if: Vec<String> = Vec::new();
    match record_trigger.map(str::to_ascii_lowercase).as_deref() {
        Some("create") | Some("createandupdate") => {}
        Some("update") => {
            return not_on_insert(
                out,
                "it runs only when a record is updated (record trigger type Update)".into(),
            )
        }
        Some("delete") => {
            return not_on_insert(out, "it runs only when a record is deleted".into())
        }
        other => run_if.push(format!(
            "if the flow runs on create (its record trigger type is {})",
            other.map_or("not given".to_string(), |o| format!("'{o}'"))
        )),
    }

    // ---- The definition ----
    let Some(meta) = meta else {
        let version = flow
            .active_version_id
            .as_deref()
            .map(|v| format!(" of version {v}"))
            .unwrap_or_default();
        let what = if metadata.is_some() {
            format!("the flow definition{version} is not Flow Metadata JSON (expected an object, or {{\"Metadata\": {{…}}}})")
        } else {
            format!("the flow definition{version} (Tooling Flow Metadata) was not fetched: its entry conditions and elements decide")
        };
        return cannot_see(out, vec![what]);
    };
    let graph = Graph::read(meta);
    if let Some(n) = graph.too_many {
        return cannot_see(
            out,
            vec![format!(
                "the flow has {n} elements, more than the {MAX_ELEMENTS} the analyser reads"
            )],
        );
    }
    let Some(start) = start.filter(|s| s.is_object()) else {
        return cannot_see(
            out,
            vec!["the flow definition has no start element (Metadata.start), so its trigger, entry conditions and first element are unknown".into()],
        );
    };
    let ctx = Ctx {
        graph: &graph,
        record,
        saved: timing == Timing::AfterSave,
    };

    // ---- Entry conditions ----
    out.entry = entry(&ctx, start);
    match &out.entry.state {
        EntryState::NotMet => {
            let reason = format!(
                "its entry condition is not met by the inserted record: {}",
                if out.entry.clauses.is_empty() {
                    out.entry.condition.clone()
                } else {
                    out.entry.clauses.join("; ")
                }
            );
            let mut walk = Walk::new(&ctx, timing == Timing::BeforeSave);
            walk.run(model::target(start, "connector"));
            out.evidence = evidence(&ctx, &walk, &[], Some("the entry condition is not met"));
            return not_on_insert(out, reason);
        }
        EntryState::MayBeMet { hinges } => run_if.push(format!(
            "if the entry condition is met ({}), which depends on {}",
            one_line(&out.entry.condition, 160),
            hinges.join("; ")
        )),
        EntryState::Met | EntryState::NotEvaluated => {}
    }

    // ---- The create path ----
    let mut walk = Walk::new(&ctx, timing == Timing::BeforeSave);
    walk.run(model::target(start, "connector"));
    let later: Vec<String> = list(start.get("scheduledPaths"))
        .filter_map(|p| model::target(p, "connector"))
        .collect();
    walk.run_later(later);
    if model::target(start, "connector").is_none()
        && model::list_len(start.get("scheduledPaths")) == 0
    {
        out.evidence = evidence(&ctx, &walk, &run_if, None);
        out.summary = format!(
            "This {} has no element after its start, so it does nothing on the insert.",
            timing.words()
        );
        return out;
    }
    let primary = judge(&mut out, &walk, &run_if, timing);
    out.evidence = evidence(&ctx, &walk, &run_if, None);
    out.unseen.extend(walk.unseen.iter().cloned());
    if let Some(t) = &walk.truncated {
        out.unseen.push(t.clone());
    }
    if let Some(hit) = primary {
        out.path = path_steps(&ctx, &out.entry, hit);
    }
    if matches!(out.verdict, Verdict::Unlikely) && !out.unseen.is_empty() {
        out.verdict = Verdict::CannotSee {
            what: out.unseen.clone(),
        };
    }
    out.summary = summary(&out);
    out
}

/// The Metadata object inside a Tooling answer (`{"Metadata": {...}}`, a query result with one
/// record), or the object itself.
fn unwrap_metadata(v: &Value) -> Option<&Map<String, Value>> {
    let obj = v.as_object()?;
    if let Some(m) = obj.get("Metadata").and_then(Value::as_object) {
        return Some(m);
    }
    if let Some(Value::Array(recs)) = obj.get("records") {
        if recs.len() == 1 {
            return recs
                .first()
                .and_then(|r| r.get("Metadata"))
                .and_then(Value::as_object);
        }
        return None;
    }
    Some(obj)
}

fn not_on_insert(mut out: FlowVerdict, reason: String) -> FlowVerdict {
    out.summary = format!(
        "This {} does not run on the MessagingSession insert: {reason}.",
        out.timing.words()
    );
    out.verdict = Verdict::NotOnInsert { reason };
    out
}

fn cannot_see(mut out: FlowVerdict, what: Vec<String>) -> FlowVerdict {
    out.summary = format!(
        "This {} could not be judged: {}.",
        out.timing.words(),
        what.join("; ")
    );
    out.verdict = Verdict::CannotSee { what };
    out
}

/// Evaluates the entry condition (formula, or filters with their logic).
fn entry(ctx: &Ctx<'_, '_>, start: &Value) -> EntryVerdict {
    let st = State::default();
    let changed_note = if model::flag(start, "doesRequireRecordChangedToMeetCriteria") == Some(true)
    {
        " (only when a record is changed to meet it; a new record that meets it counts)"
    } else {
        ""
    };
    let (value, condition, clauses) = if let Some(f) = text(start, "filterFormula") {
        let v = ctx.formula(f, &st, 0);
        let clause = format!("{} → {}", one_line(f, 160), show(&v));
        (v, format!("formula: {}", one_line(f, 300)), vec![clause])
    } else {
        let conds = ctx.entry_filters(start, &st);
        if conds.is_empty() {
            return EntryVerdict {
                state: EntryState::Met,
                condition: "none (the flow runs on every insert)".into(),
                clauses: Vec::new(),
            };
        }
        let logic = text(start, "filterLogic");
        let values: Vec<Eval> = conds.iter().map(|c| c.value.clone()).collect();
        let v = cond::combine(logic, &values);
        let texts: Vec<String> = conds.iter().map(|c| c.text.clone()).collect();
        let condition = match logic.map(str::to_ascii_lowercase).as_deref() {
            None | Some("and") => texts.join(" AND "),
            Some("or") => texts.join(" OR "),
            Some(_) => format!(
                "{} with logic {}",
                texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("{}. {t}", i + 1))
                    .collect::<Vec<_>>()
                    .join(", "),
                logic.unwrap_or("")
            ),
        };
        let clauses = conds
            .iter()
            .map(|c| format!("{} is {}", c.text, show(&c.value)))
            .collect();
        (v, condition, clauses)
    };
    let state = match value {
        Eval::Known(V::Bool(true)) => EntryState::Met,
        Eval::Known(V::Bool(false)) | Eval::Known(V::Null) => EntryState::NotMet,
        Eval::Known(other) => EntryState::MayBeMet {
            hinges: vec![format!(
                "a formula that returns {other} instead of TRUE/FALSE"
            )],
        },
        Eval::Unknown(h) => EntryState::MayBeMet {
            hinges: if h.is_empty() {
                vec!["values the analyser cannot know".into()]
            } else {
                h
            },
        },
    };
    EntryVerdict {
        state,
        condition: format!("{condition}{changed_note}"),
        clauses,
    }
}

/// The hits of one element, grouped.
struct Group<'h> {
    elem: usize,
    hits: Vec<&'h Hit>,
}

/// The hits grouped by element, groups in the order of each element's first hit; and per
/// element, its group's index (one pass: a search per hit was quadratic in the elements).
fn groups(hits: &[Hit], elements: usize) -> (Vec<Group<'_>>, Vec<Option<usize>>) {
    let mut out: Vec<Group<'_>> = Vec::new();
    let mut index: Vec<Option<usize>> = vec![None; elements];
    for h in hits {
        let Some(slot) = index.get_mut(h.elem) else {
            continue;
        };
        match slot.and_then(|g| out.get_mut(g)) {
            Some(g) => g.hits.push(h),
            None => {
                *slot = Some(out.len());
                out.push(Group {
                    elem: h.elem,
                    hits: vec![h],
                });
            }
        }
    }
    (out, index)
}

/// Most condition sets listed per element.
const MAX_CONDITION_SETS: usize = 4;

/// The distinct condition sets of a group's paths, in words (`[]` for an unconditional one).
fn condition_sets(g: &Group<'_>, run_if: &[String]) -> Vec<Vec<String>> {
    let mut sets: Vec<Vec<String>> = Vec::new();
    for h in &g.hits {
        let mut c: Vec<String> = run_if.to_vec();
        c.extend(h.conds.iter().cloned());
        if !sets.contains(&c) {
            sets.push(c);
        }
    }
    sets
}

/// Sets the verdict from the hits; returns the hit whose path is shown.
fn judge<'w>(
    out: &mut FlowVerdict,
    walk: &'w Walk<'_, '_, '_>,
    run_if: &[String],
    timing: Timing,
) -> Option<&'w Hit> {
    let after = if timing == Timing::AfterSave {
        " (after save, the failure rolls the already-saved MessagingSession back, so the insert fails)"
    } else {
        ""
    };
    let (gs, _) = groups(&walk.hits, walk.ctx.graph.elements.len());
    // A Custom Error every insert reaches.
    if run_if.is_empty() {
        for g in &gs {
            let Some(h) = g.hits.iter().find(|h| h.conds.is_empty()) else {
                continue;
            };
            if let HitKind::CustomError { message } = &h.kind {
                let d = walk
                    .ctx
                    .graph
                    .get(g.elem)
                    .map(|e| e.describe())
                    .unwrap_or_default();
                out.verdict = Verdict::Blocks {
                    reason: format!(
                        "{d} is on the create path and stops the save with \"{message}\"{after}"
                    ),
                };
                return Some(h);
            }
        }
    }
    let mut conditions: Vec<String> = Vec::new();
    let mut listed: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut first: Option<&Hit> = None;
    for g in &gs {
        let Some(el) = walk.ctx.graph.get(g.elem) else {
            continue;
        };
        let sets = condition_sets(g, run_if);
        let what = match g.hits.first().map(|h| &h.kind) {
            Some(HitKind::CustomError { message }) => {
                format!("{} stops the save with \"{message}\"", el.describe())
            }
            Some(HitKind::MayFail { why }) => why.clone(),
            None => continue,
        };
        for set in sets.iter().take(MAX_CONDITION_SETS) {
            let text = if set.is_empty() {
                format!("{what}{after}")
            } else {
                format!("{what}, when {}{after}", set.join(" and "))
            };
            if listed.insert(text.clone()) {
                conditions.push(text);
            }
        }
        let more = sets.len().saturating_sub(MAX_CONDITION_SETS)
            + walk.more_paths.get(g.elem).copied().unwrap_or(0);
        if more > 0 {
            conditions.push(format!(
                "{} is also reached on {more} more paths",
                el.describe()
            ));
        }
        if first.is_none() {
            first = g.hits.first().copied();
        }
    }
    if !conditions.is_empty() {
        out.verdict = Verdict::MayBlock { conditions };
    }
    first
}

/// Evidence for every risky element, reached or not.
fn evidence(
    ctx: &Ctx<'_, '_>,
    walk: &Walk<'_, '_, '_>,
    run_if: &[String],
    not_run: Option<&str>,
) -> Vec<ElementEvidence> {
    let (gs, group_of) = groups(&walk.hits, ctx.graph.elements.len());
    let mut order: Vec<usize> = (0..ctx.graph.elements.len()).collect();
    order.sort_by_key(|i| (walk.first_seen.get(*i).copied().unwrap_or(usize::MAX), *i));
    let mut out = Vec::new();
    for i in order {
        let Some(el) = ctx.graph.get(i) else {
            continue;
        };
        let risky = matches!(
            el.kind,
            ElementType::CustomError
                | ElementType::RecordCreate
                | ElementType::RecordUpdate
                | ElementType::RecordDelete
                | ElementType::RecordLookup
                | ElementType::ActionCall
                | ElementType::ApexPluginCall
                | ElementType::Subflow
        );
        let group = group_of.get(i).copied().flatten().and_then(|g| gs.get(g));
        if !risky && group.is_none() {
            continue;
        }
        let reached = walk.reached.get(i).copied().unwrap_or(false);
        let later = walk.later.get(i).copied().unwrap_or(false);
        let faulted = walk.faulted.get(i).copied().unwrap_or(false);
        let (outcome, why, conditions) = if let Some(reason) = not_run {
            let base = match el.kind {
                ElementType::CustomError => format!(
                    "would stop the save with \"{}\"",
                    walk::custom_error_message(el.raw)
                ),
                _ => walk.why_it_fails(el),
            };
            (
                Outcome::NotReached,
                format!("not run on the insert ({reason}); otherwise: {base}"),
                Vec::new(),
            )
        } else if let Some(g) = group {
            let sets = condition_sets(g, run_if);
            let unconditional = sets.iter().any(Vec::is_empty);
            let (outcome, why) = match g.hits.first().map(|h| &h.kind) {
                Some(HitKind::CustomError { message }) => (
                    if unconditional {
                        Outcome::Blocks
                    } else {
                        Outcome::MayBlock
                    },
                    format!("stops the save with \"{message}\""),
                ),
                Some(HitKind::MayFail { why }) => (Outcome::MayBlock, why.clone()),
                None => (Outcome::Harmless, String::new()),
            };
            let conditions = sets
                .into_iter()
                .filter(|s| !s.is_empty())
                .take(MAX_CONDITION_SETS)
                .map(|s| s.join(" and "))
                .collect();
            (outcome, why, conditions)
        } else if let (true, Some(note)) = (reached, walk.skipped.get(i).cloned().flatten()) {
            (Outcome::Harmless, note, Vec::new())
        } else if reached {
            let why = match el.kind {
                ElementType::RecordLookup if !faulted => {
                    "a Get Records that finds nothing is not an error (its result is blank); a query error is not expected in a record-triggered flow".to_string()
                }
                ElementType::RecordUpdate if walk.before_save => {
                    "before save, updating the triggering record only sets its fields".to_string()
                }
                ElementType::RecordLookup => {
                    "its errors take its fault connector; finding nothing is not an error".to_string()
                }
                _ if faulted => {
                    "its errors take its fault connector instead of failing the insert".to_string()
                }
                _ => "reached, harmless here".to_string(),
            };
            (Outcome::Harmless, why, Vec::new())
        } else if later {
            (
                Outcome::Harmless,
                "only on a scheduled path, which runs after the insert is saved: its failure cannot stop the insert".to_string(),
                Vec::new(),
            )
        } else {
            let why = walk
                .not_taken
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_else(|| "not on the create path".to_string());
            (Outcome::NotReached, why, Vec::new())
        };
        out.push(ElementEvidence {
            element: el.name.clone(),
            element_type: el.kind,
            label: el.label.clone(),
            outcome,
            why,
            has_fault_path: el.fault.is_some(),
            conditions,
        });
    }
    out
}

fn path_steps(ctx: &Ctx<'_, '_>, entry: &EntryVerdict, hit: &Hit) -> Vec<PathStep> {
    let start_note = match &entry.state {
        EntryState::Met if entry.condition.starts_with("none") => {
            "no entry condition: runs on every insert".to_string()
        }
        EntryState::Met => format!("entry condition met: {}", entry.condition),
        EntryState::MayBeMet { hinges } => {
            format!(
                "entry condition may be met (depends on {})",
                hinges.join("; ")
            )
        }
        _ => String::new(),
    };
    let mut out = vec![PathStep {
        element: "Start".into(),
        element_type: ElementType::Start,
        label: "Start".into(),
        note: start_note,
    }];
    for (i, note) in &hit.path {
        if let Some(el) = ctx.graph.get(*i) {
            out.push(PathStep {
                element: el.name.clone(),
                element_type: el.kind,
                label: el.label.clone(),
                note: note.clone(),
            });
        }
    }
    out
}

fn summary(out: &FlowVerdict) -> String {
    let t = out.timing.words();
    match &out.verdict {
        Verdict::Blocks { reason } => {
            format!("This {t} stops the MessagingSession insert: {reason}.")
        }
        Verdict::MayBlock { conditions } => {
            let first = conditions.first().cloned().unwrap_or_default();
            if conditions.len() > 1 {
                format!(
                    "This {t} may stop the MessagingSession insert ({} ways); first: {first}.",
                    conditions.len()
                )
            } else {
                format!("This {t} may stop the MessagingSession insert: {first}.")
            }
        }
        Verdict::Unlikely => format!(
            "This {t} runs on the MessagingSession insert, but nothing on its create path can stop it."
        ),
        Verdict::NotOnInsert { reason } => {
            format!("This {t} does not run on the MessagingSession insert: {reason}.")
        }
        Verdict::CannotSee { what } => {
            format!("This {t} could not be fully judged: {}.", what.join("; "))
        }
    }
}
