//! The walk over the flow's elements from the Start connector, one path at a time, with what
//! each path has assigned and the conditions it took.

use serde_json::Value;

use super::cond::{self, one_line, show, Ctx, State};
use super::model::{flag, list, target, text, Element, ElementType, MAX_LIST};
use crate::analysis::formula::{Eval, Value as V};

/// Most elements visited over all paths of one flow.
pub(crate) const MAX_STEPS: usize = 20_000;
/// Longest single path followed.
pub(crate) const MAX_PATH: usize = 2_000;
/// Most visits of one element on one path (cycles whose state keeps changing).
pub(crate) const MAX_REVISITS: usize = 60;
/// Most paths with conditions kept per risky element.
pub(crate) const MAX_HITS_PER_ELEMENT: usize = 8;

/// What a reached element does to the insert.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HitKind {
    /// A Custom Error element: the save fails with its message.
    CustomError { message: String },
    /// An element that fails the insert if it fails, and why it can.
    MayFail { why: String },
}

/// A risky element reached on one path.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub elem: usize,
    /// The conditions of the path (empty: every insert takes it).
    pub conds: Vec<String>,
    /// (element, note) from the first element to this one.
    pub path: Vec<(usize, String)>,
    pub kind: HitKind,
}

#[derive(Debug, Clone, Default)]
struct PathState {
    st: State,
    conds: Vec<String>,
    /// (element, state fingerprint on arrival, note).
    path: Vec<(usize, u64, String)>,
    /// Loops being iterated: (loop element, length of `conds` on entry).
    loops: Vec<(usize, usize)>,
}

impl PathState {
    fn steps(&self) -> Vec<(usize, String)> {
        self.path.iter().map(|(i, _, n)| (*i, n.clone())).collect()
    }
}

pub(crate) struct Walk<'c, 'g, 'a> {
    pub ctx: &'c Ctx<'g, 'a>,
    pub before_save: bool,
    steps: usize,
    pub hits: Vec<Hit>,
    /// Per element: reached on the create path.
    pub reached: Vec<bool>,
    /// Per element: reached on the create path with a fault connector taking its errors.
    pub faulted: Vec<bool>,
    /// Per element: reached from a scheduled path (runs after the insert is saved).
    pub later: Vec<bool>,
    /// Per element: why a decision sent the insert elsewhere (first reason seen).
    pub not_taken: Vec<Option<String>>,
    /// Per element: inside a loop on some path.
    pub in_loop: Vec<bool>,
    /// Per element: why it saved nothing where the walk reached it (first reason seen).
    pub skipped: Vec<Option<String>>,
    /// Per element: the step at which a walk first reached it (`usize::MAX`: never).
    pub first_seen: Vec<usize>,
    /// Per element: paths reaching it beyond the hits kept.
    pub more_paths: Vec<usize>,
    /// Why the walk stopped before covering every path.
    pub truncated: Option<String>,
    pub unseen: Vec<String>,
    /// Per element: indices of its kept hits in `hits` (so keeping one looks at its own few).
    hits_of: Vec<Vec<usize>>,
}

impl<'c, 'g, 'a> Walk<'c, 'g, 'a> {
    pub fn new(ctx: &'c Ctx<'g, 'a>, before_save: bool) -> Self {
        let n = ctx.graph.elements.len();
        Walk {
            ctx,
            before_save,
            steps: 0,
            hits: Vec::new(),
            reached: vec![false; n],
            faulted: vec![false; n],
            later: vec![false; n],
            not_taken: vec![None; n],
            in_loop: vec![false; n],
            skipped: vec![None; n],
            more_paths: vec![0; n],
            first_seen: vec![usize::MAX; n],
            truncated: None,
            unseen: Vec::new(),
            hits_of: vec![Vec::new(); n],
        }
    }

    /// Records a hit; per element only the first few conditional paths are kept (the rest
    /// are counted), and one unconditional path is enough.
    fn push_hit(&mut self, hit: Hit) {
        let Some(kept) = self.hits_of.get(hit.elem) else {
            return;
        };
        let same = kept.iter().filter_map(|&k| self.hits.get(k));
        let keep = if hit.conds.is_empty() {
            !same.clone().any(|h| h.conds.is_empty())
        } else {
            kept.len() < MAX_HITS_PER_ELEMENT && !same.clone().any(|h| h.conds == hit.conds)
        };
        if keep {
            let elem = hit.elem;
            self.hits.push(hit);
            let at = self.hits.len() - 1;
            if let Some(kept) = self.hits_of.get_mut(elem) {
                kept.push(at);
            }
        } else if let Some(n) = self.more_paths.get_mut(hit.elem) {
            *n += 1;
        }
    }

    fn el(&self, i: usize) -> Option<&'g Element<'a>> {
        let g: &'g super::model::Graph<'a> = self.ctx.graph;
        g.get(i)
    }

    /// The element a connector names; a name the flow does not define is noted as unseen.
    fn resolve(&mut self, name: Option<String>) -> Option<usize> {
        let name = name?;
        match self.ctx.graph.find(&name) {
            Some(i) => Some(i),
            None => {
                let note = format!("a connector to '{name}', an element the flow does not define");
                if !self.unseen.contains(&note) && self.unseen.len() < 20 {
                    self.unseen.push(note);
                }
                None
            }
        }
    }

    /// Walks the create path from the Start connector `first`.
    pub fn run(&mut self, first: Option<String>) {
        let Some(i) = self.resolve(first) else {
            return;
        };
        let mut stack: Vec<(Option<usize>, PathState)> = vec![(Some(i), PathState::default())];
        while let Some((at, ps)) = stack.pop() {
            self.follow(at, ps, &mut stack);
            if self.truncated.is_some() {
                return;
            }
        }
    }

    fn follow(
        &mut self,
        mut at: Option<usize>,
        mut ps: PathState,
        stack: &mut Vec<(Option<usize>, PathState)>,
    ) {
        while let Some(i) = at {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                self.truncated = Some(format!(
                    "paths beyond the first {MAX_STEPS} element visits (the flow branches more than the analyser follows)"
                ));
                return;
            }
            if ps.path.len() >= MAX_PATH {
                self.truncated = Some(format!("paths longer than {MAX_PATH} elements"));
                return;
            }
            let Some(el) = self.el(i) else {
                return;
            };
            // The end of a loop body: back at the loop element, continue after the loop.
            if el.kind == ElementType::Loop {
                if let Some(pos) = ps.loops.iter().position(|(l, _)| *l == i) {
                    let clen = ps.loops.get(pos).map(|(_, c)| *c).unwrap_or(0);
                    ps.loops.truncate(pos);
                    ps.conds.truncate(clen);
                    let fp = ps.st.fingerprint();
                    ps.path.push((i, fp, "no more items: the loop ends".into()));
                    at = self.resolve(target(el.raw, "noMoreValuesConnector"));
                    continue;
                }
            }
            let fp = ps.st.fingerprint();
            if ps.path.iter().any(|(e, f, _)| *e == i && *f == fp) {
                let mut path = ps.steps();
                path.push((i, "reached again with nothing changed".into()));
                self.push_hit(Hit {
                    elem: i,
                    conds: ps.conds.clone(),
                    path,
                    kind: HitKind::MayFail {
                        why: format!(
                            "the path comes back to {} with nothing changed: if the flow keeps taking it, the interview repeats until a flow limit stops it, which fails the insert",
                            el.describe()
                        ),
                    },
                });
                return;
            }
            if ps.path.iter().filter(|(e, _, _)| *e == i).count() >= MAX_REVISITS {
                self.truncated = Some(format!(
                    "a cycle through {} followed {MAX_REVISITS} times",
                    el.describe()
                ));
                return;
            }
            if let Some(r) = self.reached.get_mut(i) {
                *r = true;
            }
            if let Some(f) = self.first_seen.get_mut(i) {
                *f = (*f).min(self.steps);
            }
            if !ps.loops.is_empty() {
                if let Some(r) = self.in_loop.get_mut(i) {
                    *r = true;
                }
            }
            // Reading a field of an automatically stored Get Records result that found nothing
            // fails the interview ("The flow failed to access the value for X because it hasn't
            // been set or assigned").
            for (r, lookup, filters) in self.empty_lookup_reads(el, &ps.conds) {
                let mut path = ps.steps();
                path.push((i, format!("reads {{!{r}}}")));
                let mut conds = ps.conds.clone();
                conds.push(format!("{lookup} finds no record ({filters})"));
                self.push_hit(Hit {
                    elem: i,
                    conds,
                    path,
                    kind: HitKind::MayFail {
                        why: format!(
                            "{} reads {{!{r}}}: when {lookup} finds no record, the flow fails to access that value (\"hasn't been set or assigned\"), which fails the insert",
                            el.describe()
                        ),
                    },
                });
            }
            let skipped = if self.before_save {
                None
            } else {
                self.update_skipped(el, &ps.st)
            }
            .or_else(|| self.unassigned_input(el, &ps.st));
            if let Some(note) = skipped {
                if let Some(slot) = self.skipped.get_mut(i) {
                    slot.get_or_insert_with(|| note.clone());
                }
                ps.path.push((i, fp, note));
                at = self.resolve(el.connector.clone());
                continue;
            }
            match el.kind {
                ElementType::Assignment => {
                    let note = self.assign(el, &mut ps.st);
                    ps.path.push((i, fp, note));
                    at = self.resolve(el.connector.clone());
                }
                ElementType::Decision => {
                    self.decide(i, el, fp, &ps, stack);
                    return;
                }
                ElementType::Loop => {
                    let collection = text(el.raw, "collectionReference").unwrap_or("a collection");
                    ps.path
                        .push((i, fp, format!("for each item of {{!{collection}}}")));
                    match target(el.raw, "nextValueConnector") {
                        Some(body) => {
                            let clen = ps.conds.len();
                            ps.loops.push((i, clen));
                            ps.conds.push(format!(
                                "{} has items to loop over ({{!{collection}}} is not empty)",
                                el.describe()
                            ));
                            at = self.resolve(Some(body));
                        }
                        None => at = self.resolve(target(el.raw, "noMoreValuesConnector")),
                    }
                }
                ElementType::CustomError => {
                    let message = custom_error_message(el.raw);
                    let mut path = ps.steps();
                    path.push((i, "stops the save".into()));
                    self.push_hit(Hit {
                        elem: i,
                        conds: ps.conds.clone(),
                        path,
                        kind: HitKind::CustomError { message },
                    });
                    return;
                }
                ElementType::RecordUpdate
                    if self.before_save && updates_triggering_record(el.raw) =>
                {
                    // Before save, "update the triggering record" only sets field values.
                    let note = self.set_record_fields(el, &mut ps.st);
                    ps.path.push((i, fp, note));
                    at = self.resolve(el.connector.clone());
                }
                ElementType::RecordCreate
                | ElementType::RecordUpdate
                | ElementType::RecordDelete
                | ElementType::ActionCall
                | ElementType::ApexPluginCall
                | ElementType::Subflow
                | ElementType::RecordLookup => {
                    self.risky(i, el, fp, &mut ps, stack);
                    at = self.resolve(el.connector.clone());
                }
                ElementType::Wait => {
                    ps.path.push((
                        i,
                        fp,
                        "pauses the interview: what follows runs in a later transaction".into(),
                    ));
                    return;
                }
                ElementType::Screen | ElementType::Other | ElementType::Start => {
                    ps.path.push((i, fp, String::new()));
                    at = self.resolve(el.connector.clone());
                }
            }
        }
    }

    /// Applies an Assignment's items to the path state; returns the note for the path.
    fn assign(&self, el: &Element<'_>, st: &mut State) -> String {
        let mut notes = Vec::new();
        for item in list(el.raw.get("assignmentItems")) {
            let Some(to) = text(item, "assignToReference") else {
                continue;
            };
            let op = text(item, "operator").unwrap_or("Assign");
            let value = self.ctx.operand(item.get("value"), st, 0);
            let current = self.ctx.reference(to, st, 0);
            let new = match op.to_ascii_lowercase().as_str() {
                "assign" => value,
                "add" => arith(&current, &value, true),
                "subtract" => arith(&current, &value, false),
                _ => Eval::unknown(format!("{{!{to}}} (changed by {})", el.describe())),
            };
            if notes.len() < 3 {
                notes.push(if op.eq_ignore_ascii_case("assign") {
                    format!("{{!{to}}} = {}", show(&new))
                } else {
                    format!(
                        "{{!{to}}} {op} {} (now {})",
                        show(&self.ctx.operand(item.get("value"), st, 0)),
                        show(&new)
                    )
                });
            }
            set_reference(st, to, new);
        }
        if notes.is_empty() {
            String::new()
        } else {
            format!("sets {}", notes.join(", "))
        }
    }

    /// Before save: an Update Records on `$Record` sets fields of the record being saved.
    fn set_record_fields(&self, el: &Element<'_>, st: &mut State) -> String {
        let mut notes = Vec::new();
        for a in list(el.raw.get("inputAssignments")) {
            let Some(field) = text(a, "field") else {
                continue;
            };
            let v = self.ctx.operand(a.get("value"), st, 0);
            if notes.len() < 3 {
                notes.push(format!("{field} = {}", show(&v)));
            }
            st.set_record(field, v);
        }
        format!(
            "sets fields of the record being saved (no separate save){}",
            if notes.is_empty() {
                String::new()
            } else {
                format!(": {}", notes.join(", "))
            }
        )
    }

    /// A Decision: the outcome the insert takes, or every outcome it may take with the
    /// condition it hinges on.
    fn decide(
        &mut self,
        i: usize,
        el: &Element<'_>,
        fp: u64,
        ps: &PathState,
        stack: &mut Vec<(Option<usize>, PathState)>,
    ) {
        // Outcomes an insert may or may not take, before the current one: (name, conditions).
        // A branch's path carries "does not take" for them, summed up past a few, so a decision
        // with many outcomes costs the same per outcome (listing every earlier one made each
        // path, and each kept hit, as long as the decision).
        let mut skipped: Vec<(String, String)> = Vec::new();
        // (target, index into `skipped` the branch comes after, its own condition, note)
        let mut branches: Vec<(Option<String>, usize, Option<String>, String)> = Vec::new();
        let mut decided: Option<String> = None;
        for rule in list(el.raw.get("rules")) {
            let rname = text(rule, "label")
                .or_else(|| text(rule, "name"))
                .unwrap_or("(unnamed outcome)")
                .to_string();
            let (value, desc) = self.rule_value(rule, &ps.st);
            let tgt = target(rule, "connector");
            match value {
                Eval::Known(V::Bool(true)) => {
                    branches.push((
                        tgt,
                        skipped.len(),
                        None,
                        format!("outcome '{rname}': {desc} is true"),
                    ));
                    decided = Some(rname);
                    break;
                }
                Eval::Known(V::Bool(false)) | Eval::Known(V::Null) => {
                    self.note_not_taken(
                        tgt.as_deref(),
                        format!(
                            "{} does not take outcome '{rname}' on insert: {desc} is false",
                            el.describe()
                        ),
                    );
                }
                other => {
                    let hinges = match &other {
                        Eval::Unknown(h) if !h.is_empty() => h.join("; "),
                        Eval::Unknown(_) => "values the analyser cannot know".into(),
                        Eval::Known(v) => format!("a condition that gives {v}"),
                    };
                    let takes = format!(
                        "{} takes outcome '{rname}' ({desc}), which depends on {hinges}",
                        el.describe()
                    );
                    branches.push((
                        tgt,
                        skipped.len(),
                        Some(takes),
                        format!("outcome '{rname}' if {desc}"),
                    ));
                    skipped.push((rname, desc));
                }
            }
        }
        let default_label = text(el.raw, "defaultConnectorLabel")
            .unwrap_or("Default Outcome")
            .to_string();
        let default_target = target(el.raw, "defaultConnector");
        match decided {
            None => branches.push((
                default_target,
                skipped.len(),
                None,
                format!("default outcome '{default_label}'"),
            )),
            Some(rname) => self.note_not_taken(
                default_target.as_deref(),
                format!(
                    "{} takes outcome '{rname}' on insert, not its default outcome",
                    el.describe()
                ),
            ),
        }
        let who = el.describe();
        for (tgt, before, takes, note) in branches.into_iter().rev() {
            let at = self.resolve(tgt);
            if at.is_none() {
                continue;
            }
            let mut b = ps.clone();
            not_taken_conditions(&who, skipped.get(..before).unwrap_or(&[]), &mut b.conds);
            b.conds.extend(takes);
            b.path.push((i, fp, note));
            stack.push((at, b));
        }
    }

    fn note_not_taken(&mut self, tgt: Option<&str>, why: String) {
        if let Some(j) = tgt.and_then(|t| self.ctx.graph.find(t)) {
            if let Some(slot) = self.not_taken.get_mut(j) {
                if slot.is_none() {
                    *slot = Some(why);
                }
            }
        }
    }

    /// A decision outcome's value and its conditions as text.
    fn rule_value(&self, rule: &Value, st: &State) -> (Eval, String) {
        if let Some(f) = text(rule, "formulaExpression") {
            return (
                self.ctx.formula(f, st, 0),
                format!("formula {}", one_line(f, 120)),
            );
        }
        let conds = self.ctx.rule_conditions(rule, st);
        let logic = text(rule, "conditionLogic");
        let values: Vec<Eval> = conds.iter().map(|c| c.value.clone()).collect();
        let value = if conds.is_empty() {
            Eval::Known(V::Bool(false))
        } else {
            cond::combine(logic, &values)
        };
        let joiner = match logic.map(str::to_ascii_lowercase).as_deref() {
            None | Some("and") | Some("") => " AND ",
            Some("or") => " OR ",
            Some(_) => "; ",
        };
        let mut desc: Vec<String> = conds.iter().map(|c| c.text.clone()).collect();
        if desc.len() > 4 {
            let more = desc.len() - 4;
            desc.truncate(4);
            desc.push(format!("{more} more"));
        }
        let mut desc = desc.join(joiner);
        if let Some(l) = logic.filter(|l| !matches!(l.to_ascii_lowercase().as_str(), "and" | "or"))
        {
            desc = format!("{desc} (logic {l})");
        }
        (value, desc)
    }

    /// An element that can fail: with a fault connector its errors take the fault path (walked
    /// under the condition that it fails); without one, an error fails the insert.
    fn risky(
        &mut self,
        i: usize,
        el: &Element<'_>,
        fp: u64,
        ps: &mut PathState,
        stack: &mut Vec<(Option<usize>, PathState)>,
    ) {
        let in_loop = !ps.loops.is_empty();
        let limit = if in_loop { loop_limit(el) } else { None };
        let why = self.why_it_fails(el);
        let lookup = el.kind == ElementType::RecordLookup;
        match &el.fault {
            Some(f) => {
                if let Some(r) = self.faulted.get_mut(i) {
                    *r = true;
                }
                let mut fb = ps.clone();
                fb.conds.push(format!("{} fails", el.describe()));
                fb.path
                    .push((i, fp, "fails: its fault connector is taken".into()));
                let at = self.resolve(Some(f.clone()));
                if at.is_some() {
                    stack.push((at, fb));
                }
                if let Some(limit) = limit {
                    let mut path = ps.steps();
                    path.push((i, "runs once per loop item".into()));
                    self.push_hit(Hit {
                        elem: i,
                        conds: ps.conds.clone(),
                        path,
                        kind: HitKind::MayFail {
                            why: format!(
                                "{} {limit} (a fault connector cannot catch a limit)",
                                el.describe()
                            ),
                        },
                    });
                }
            }
            None if !lookup || limit.is_some() => {
                let mut path = ps.steps();
                path.push((
                    i,
                    "fails the insert if it fails (no fault connector)".into(),
                ));
                let mut text = if lookup {
                    el.describe()
                } else {
                    format!("{why}; it has no fault connector, so its error fails the insert")
                };
                if let Some(limit) = limit {
                    text.push_str(if lookup { " " } else { "; it " });
                    text.push_str(&limit);
                }
                self.push_hit(Hit {
                    elem: i,
                    conds: ps.conds.clone(),
                    path,
                    kind: HitKind::MayFail { why: text },
                });
            }
            None => {}
        }
        let note = if lookup {
            "queries records (finding none is not an error)".to_string()
        } else if el.fault.is_some() {
            "errors take its fault connector".to_string()
        } else {
            "no fault connector".to_string()
        };
        ps.path.push((i, fp, note));
    }

    /// Why an element can fail, in words (without the fault-path part).
    pub fn why_it_fails(&self, el: &Element<'_>) -> String {
        let d = el.describe();
        let raw = el.raw;
        let object = text(raw, "object");
        let input = text(raw, "inputReference");
        let mut why = match el.kind {
            ElementType::RecordCreate => {
                let (what, whose) = match (object, input) {
                    (Some(o), _) => (format!("a {o} record"), o.to_string()),
                    (None, Some(r)) => (format!("the record(s) in {{!{r}}}"), "that object".into()),
                    (None, None) => ("a record".into(), "that object".into()),
                };
                format!(
                    "{d} creates {what}: it fails if {whose} has its own required fields, validation rules, duplicate rules or automation that reject the new record"
                )
            }
            ElementType::RecordUpdate if input.is_some_and(is_record_ref) => format!(
                "{d} saves the MessagingSession again as an update: update-only validation rules, triggers and flows run on that save and can fail it"
            ),
            ElementType::RecordUpdate => {
                let what = object
                    .map(|o| format!("{o} records matching its filters"))
                    .or_else(|| input.map(|r| format!("the record(s) in {{!{r}}}")))
                    .unwrap_or_else(|| "records".into());
                format!(
                    "{d} updates {what}: it fails if a record is locked or rejected by its object's validation rules or automation (finding none to update is not an error)"
                )
            }
            ElementType::RecordDelete => {
                let what = object
                    .map(|o| format!("{o} records"))
                    .or_else(|| input.map(|r| format!("the record(s) in {{!{r}}}")))
                    .unwrap_or_else(|| "records".into());
                format!(
                    "{d} deletes {what}: it fails if a record is locked, already deleted or protected from deletion"
                )
            }
            ElementType::ActionCall => {
                let kind = text(raw, "actionType").unwrap_or("action");
                let name = text(raw, "actionName").unwrap_or("");
                match kind.to_ascii_lowercase().as_str() {
                    "apex" => format!(
                        "{d} runs the invocable Apex {name}: an exception it throws fails the insert"
                    ),
                    "emailsimple" | "emailalert" => format!(
                        "{d} sends an email: it fails on an invalid or blank address, or when the org's email deliverability is off"
                    ),
                    _ => format!("{d} ({kind} {name}) fails the insert if the action raises an error"),
                }
            }
            ElementType::ApexPluginCall => format!(
                "{d} runs the Apex plug-in {}: an exception it throws fails the insert",
                text(raw, "apexClass").unwrap_or("")
            ),
            ElementType::Subflow => format!(
                "{d} runs the flow {} in the same transaction: its elements are not analysed here, and an error in it fails the insert",
                text(raw, "flowName").unwrap_or("(unnamed)")
            ),
            _ => format!("{d} can fail"),
        };
        if let Some(src) = self.lookup_source(raw) {
            why.push_str(&format!(
                "; if {src} finds no record (not an error by itself), the value this element uses is blank and it fails"
            ));
        }
        why
    }

    /// A Get Records element whose output this element uses (inputReference or an input value).
    fn lookup_source(&self, raw: &Value) -> Option<String> {
        let mut refs: Vec<&str> = Vec::new();
        if let Some(r) = text(raw, "inputReference") {
            refs.push(r);
        }
        for a in list(raw.get("inputAssignments")).chain(list(raw.get("inputParameters"))) {
            if let Some(r) = a.get("value").and_then(|v| text(v, "elementReference")) {
                refs.push(r);
            }
        }
        for r in refs {
            let root = r.split('.').next().unwrap_or(r);
            let g = self.ctx.graph;
            if let Some(el) = g.find(root).and_then(|j| g.get(j)) {
                if el.kind == ElementType::RecordLookup {
                    return Some(el.describe());
                }
            }
            // A variable a Get Records stores its result in.
            for el in &g.elements {
                if el.kind == ElementType::RecordLookup
                    && text(el.raw, "outputReference").is_some_and(|o| o.eq_ignore_ascii_case(root))
                {
                    return Some(el.describe());
                }
            }
        }
        None
    }

    /// Marks the elements reachable from the scheduled paths (they run after the insert).
    pub fn run_later(&mut self, firsts: Vec<String>) {
        let mut stack: Vec<usize> = firsts
            .into_iter()
            .filter_map(|f| self.ctx.graph.find(&f))
            .collect();
        let mut budget = MAX_STEPS;
        while let Some(i) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                return;
            }
            let Some(seen) = self.later.get_mut(i) else {
                continue;
            };
            if *seen {
                continue;
            }
            *seen = true;
            if let Some(f) = self.first_seen.get_mut(i) {
                *f = (*f).min(MAX_STEPS + (MAX_STEPS - budget));
            }
            let Some(el) = self.el(i) else {
                continue;
            };
            for t in successors(el) {
                if let Some(j) = self.ctx.graph.find(&t) {
                    stack.push(j);
                }
            }
        }
    }
}

/// Earlier outcomes a branch did not take, listed one by one.
const NOT_TAKEN_LISTED: usize = 3;

/// The conditions "`who` does not take these earlier outcomes": one each for a few, then one
/// sentence naming the first ones and how many more, so a path's conditions stay short however
/// many outcomes the decision has.
fn not_taken_conditions(who: &str, skipped: &[(String, String)], out: &mut Vec<String>) {
    if skipped.len() <= NOT_TAKEN_LISTED {
        for (rname, desc) in skipped {
            out.push(format!("{who} does not take outcome '{rname}' ({desc})"));
        }
        return;
    }
    let names: Vec<String> = skipped
        .iter()
        .take(NOT_TAKEN_LISTED)
        .map(|(r, _)| format!("'{r}'"))
        .collect();
    out.push(format!(
        "{who} takes none of its {} earlier outcomes ({} and {} more)",
        skipped.len(),
        names.join(", "),
        skipped.len() - NOT_TAKEN_LISTED
    ));
}

/// Every element an element can go to next.
fn successors(el: &Element<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(el.connector.clone());
    out.extend(el.fault.clone());
    for key in [
        "defaultConnector",
        "nextValueConnector",
        "noMoreValuesConnector",
    ] {
        out.extend(target(el.raw, key));
    }
    for r in list(el.raw.get("rules")).chain(list(el.raw.get("waitEvents"))) {
        out.extend(target(r, "connector"));
    }
    out.truncate(MAX_LIST);
    out
}

/// `$Record` (the triggering record) as an input reference.
fn is_record_ref(r: &str) -> bool {
    let r = r.trim().trim_start_matches("{!").trim_end_matches('}');
    r.eq_ignore_ascii_case("$Record")
}

/// An Update Records element that updates the triggering record.
fn updates_triggering_record(raw: &Value) -> bool {
    text(raw, "inputReference").is_some_and(is_record_ref)
}

/// The limit an element risks inside a loop, if any.
fn loop_limit(el: &Element<'_>) -> Option<String> {
    match el.kind {
        ElementType::RecordCreate | ElementType::RecordUpdate | ElementType::RecordDelete => Some(
            "runs inside a loop, once per item: with more than 150 items the transaction exceeds the limit of 150 DML statements (System.LimitException), which fails the insert".to_string(),
        ),
        ElementType::RecordLookup => Some(
            "runs inside a loop, once per item: with more than 100 items the transaction exceeds the limit of 100 SOQL queries (System.LimitException), which fails the insert".to_string(),
        ),
        _ => None,
    }
}

/// The first message of a Custom Error element.
pub(crate) fn custom_error_message(raw: &Value) -> String {
    let m = list(raw.get("customErrorMessages")).next();
    let msg = m
        .and_then(|m| text(m, "errorMessage").or_else(|| text(m, "message")))
        .unwrap_or("(no message)");
    let field = m
        .filter(|m| flag(m, "isFieldError") == Some(true))
        .and_then(|m| text(m, "fieldSelection"));
    match field {
        Some(f) => format!("{} (on field {f})", one_line(msg, 200)),
        None => one_line(msg, 200),
    }
}

fn arith(current: &Eval, value: &Eval, add: bool) -> Eval {
    match (current, value) {
        (Eval::Known(V::Number(a)), Eval::Known(V::Number(b))) => {
            Eval::Known(V::Number(if add { a + b } else { a - b }))
        }
        (Eval::Known(V::Null), Eval::Known(V::Number(b))) => {
            Eval::Known(V::Number(if add { *b } else { -b }))
        }
        (Eval::Known(V::Text(a)), Eval::Known(V::Text(b))) if add => {
            if a.len() + b.len() > 1 << 16 {
                Eval::unknown("a text value longer than the analyser builds")
            } else {
                Eval::Known(V::Text(format!("{a}{b}")))
            }
        }
        (Eval::Known(V::Null), Eval::Known(V::Text(b))) if add => Eval::Known(V::Text(b.clone())),
        (a, b) => {
            let mut h = Vec::new();
            cond::merge(&mut h, a.hinges());
            cond::merge(&mut h, b.hinges());
            if h.is_empty() {
                h.push("a value the flow computes".into());
            }
            Eval::Unknown(h)
        }
    }
}

/// Stores an assigned value: `$Record.Field` into the record, anything else as a variable.
fn set_reference(st: &mut State, to: &str, v: Eval) {
    let to = to
        .trim()
        .trim_start_matches("{!")
        .trim_end_matches('}')
        .trim();
    let lower = to.to_ascii_lowercase();
    if let Some(field) = lower
        .strip_prefix("$record.")
        .map(|_| to.get(8..).unwrap_or(""))
    {
        if !field.contains('.') && !field.is_empty() {
            st.set_record(field, v);
        }
        return;
    }
    if to.starts_with('$') {
        return;
    }
    st.set_var(to, v);
}
