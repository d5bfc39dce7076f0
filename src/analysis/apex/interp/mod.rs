//! The abstract interpreter behind [`super::analyze_trigger`]: runs the trigger body once per
//! insert event against the record model, following calls into the provided classes, and records
//! every site that can stop the insert with the guards on its path.

use std::collections::{BTreeMap, BTreeSet};

use super::parser::{
    ClassDecl, Expr, ExprKind, MethodDecl, Parser, Stmt, StmtKind, TriggerDecl, TypeRef, WhenValues,
};
use super::{
    ClassSource, GuardEvidence, GuardValue, Outcome, SiteEvidence, SiteKind, TriggerSource,
    TriggerVerdict, Verdict,
};
use crate::analysis::record::{FieldValue, InsertedRecord, Known};

const MAX_CALL_DEPTH: usize = 8;
const STEP_BUDGET: usize = 200_000;
const MAX_EVIDENCE: usize = 60;
/// Recursion bound of the interpreter (statements + expressions + calls).
const MAX_NEST: u32 = 160;
/// Longest text value the interpreter builds by concatenation.
const MAX_TEXT: usize = 20_000;
/// The condition of the guard that stands for "an earlier return or throw was not taken".
const CONTINUES: &str = "execution continues past this statement";

mod builtins;
mod calls;
mod dml;
mod expr;
mod program;
mod stmt;
mod values;

use program::*;
use values::*;

// ===== interpreter state ========================================================================

#[derive(Clone)]
struct Guard {
    unit: usize,
    line: u32,
    cond: String,
    required: bool,
    value: GuardValue,
    why: String,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Hit {
    None,
    Maybe,
    Definite,
}

struct TryFrame {
    /// (lower-case simple exception type, unit, line, text) per catch.
    catches: Vec<(String, usize, u32)>,
    hits: Vec<Hit>,
    /// Per catch, the first site it takes (what throws, where): named in the catch's condition.
    first: Vec<Option<String>>,
}

enum Risk {
    Blocks,
    May(String),
    Harmless,
}

struct RawSite {
    event: String,
    unit: usize,
    line: u32,
    kind: SiteKind,
    outcome: Outcome,
    note: String,
    guards: Vec<Guard>,
    caught_by: Option<String>,
}

struct Local {
    name: String,
    ty: Option<TypeRef>,
    val: Val,
}

struct Frame {
    unit: usize,
    class: Option<usize>,
    this: Option<usize>,
    scopes: Vec<Vec<Local>>,
    returns: Vec<Val>,
    /// Per return, the conditions not known to hold on its path (empty when certain).
    whens: Vec<String>,
    guard_base: usize,
}

impl Frame {
    /// A fresh frame for code of `unit` (in `class`, on `this`), whose guards start at
    /// `guard_base`: nothing declared, nothing returned yet.
    fn enter(unit: usize, class: Option<usize>, this: Option<usize>, guard_base: usize) -> Self {
        Frame {
            unit,
            class,
            this,
            scopes: vec![Vec::new()],
            returns: Vec::new(),
            whens: Vec::new(),
            guard_base,
        }
    }
}

struct ObjState {
    class: usize,
    fields: BTreeMap<String, Val>,
}

#[derive(Clone, Copy, PartialEq)]
enum Reach {
    Yes,
    No,
    Maybe,
}

#[derive(Clone, Copy, PartialEq)]
enum Event {
    BeforeInsert,
    AfterInsert,
}

impl Event {
    fn label(self) -> &'static str {
        match self {
            Event::BeforeInsert => "before insert",
            Event::AfterInsert => "after insert",
        }
    }
    fn op(self) -> &'static str {
        match self {
            Event::BeforeInsert => "BEFORE_INSERT",
            Event::AfterInsert => "AFTER_INSERT",
        }
    }
    fn before(self) -> bool {
        self == Event::BeforeInsert
    }
}

struct Interp<'p, 'a> {
    prog: &'p Program<'a>,
    record: &'p InsertedRecord,
    event: Event,
    guards: Vec<Guard>,
    tries: Vec<TryFrame>,
    frames: Vec<Frame>,
    call_stack: Vec<(usize, usize)>,
    objects: Vec<ObjState>,
    statics: BTreeMap<String, Val>,
    statics_inited: BTreeSet<usize>,
    overlay: BTreeMap<String, Val>,
    /// Objects seen used as custom settings (`X__c.getInstance()`, `getValues`, `getOrgDefaults`),
    /// lower case.
    settings: BTreeSet<String>,
    /// `(map, key)` source texts (white space removed) of every `map.put(key, …)` run so far:
    /// `map.get(key)` then finds its entry.
    put_keys: BTreeSet<(String, String)>,
    /// The value of each `map.put(key, value)` run on a path taken for certain, by the same
    /// `(map, key)` texts: `map.get(key)` returns it (handler registries keyed by type).
    put_vals: BTreeMap<(String, String), Val>,
    /// Static properties (`class.name`, lower case) whose `get` accessor is running: inside it
    /// the property names its backing field.
    getting: BTreeSet<String>,
    sites: Vec<RawSite>,
    unseen: Vec<String>,
    dead: u32,
    steps: usize,
    exit_why: Option<String>,
    facts: Vec<String>,
    budget_hit: bool,
    nest: u32,
}

impl<'p, 'a> Interp<'p, 'a> {
    fn new(prog: &'p Program<'a>, record: &'p InsertedRecord, event: Event) -> Self {
        Interp {
            prog,
            record,
            event,
            guards: Vec::new(),
            tries: Vec::new(),
            frames: Vec::new(),
            call_stack: Vec::new(),
            objects: Vec::new(),
            statics: BTreeMap::new(),
            statics_inited: BTreeSet::new(),
            overlay: BTreeMap::new(),
            settings: BTreeSet::new(),
            put_keys: BTreeSet::new(),
            put_vals: BTreeMap::new(),
            getting: BTreeSet::new(),
            sites: Vec::new(),
            unseen: Vec::new(),
            dead: 0,
            steps: 0,
            exit_why: None,
            facts: Vec::new(),
            budget_hit: false,
            nest: 0,
        }
    }

    // ----- helpers -----------------------------------------------------------------------------

    fn unit(&self) -> usize {
        self.frames.last().map(|f| f.unit).unwrap_or(0)
    }
    fn src(&self, e: &Expr) -> String {
        self.prog
            .units
            .get(self.unit())
            .map(|u| u.span(e.start, e.end))
            .unwrap_or_default()
    }
    fn loc(&self, unit: usize, line: u32) -> String {
        match self.prog.units.get(unit) {
            Some(u) if u.is_trigger => format!("trigger {} line {line}", u.name),
            Some(u) => format!("class {} line {line}", u.name),
            None => format!("line {line}"),
        }
    }
    /// Note the value of an object field read in a condition, when it is known.
    fn fact_val(&mut self, what: &str, v: &Val) {
        let shown = match v {
            Val::Bool(b) => b.to_string(),
            Val::Enum(e) => e.clone(),
            Val::Text(t) => format!("'{t}'"),
            Val::Num(n) => n.to_string(),
            Val::Null(_) => "null".into(),
            Val::Coll(true) => "empty".into(),
            _ => return,
        };
        self.fact(format!(
            "{what} is {shown} here (set when the object was built)"
        ));
    }

    fn fact(&mut self, f: String) {
        if self.dead == 0 && !self.facts.contains(&f) && self.facts.len() < 32 {
            self.facts.push(f);
        }
    }
    fn uncertain_since(&self, base: usize) -> bool {
        self.guards
            .get(base..)
            .is_some_and(|g| g.iter().any(|g| g.value != GuardValue::True))
    }
    /// The conditions on the current path since guard `base` that are not known to hold, in
    /// words (the three innermost): what a value stored here depends on.
    fn path_conditions(&self, base: usize) -> String {
        let mut parts: Vec<String> = self
            .guards
            .get(base..)
            .unwrap_or(&[])
            .iter()
            .rev()
            .filter(|g| g.value == GuardValue::Unknown)
            .take(3)
            .map(|g| {
                let cond = clip(&g.cond, 90);
                let holds = if cond.starts_with("for (") {
                    "runs"
                } else if g.required {
                    "is true"
                } else {
                    "is false"
                };
                if g.why.is_empty() {
                    format!("`{cond}` {holds}")
                } else {
                    format!("`{cond}` {holds} ({})", clip(&g.why, 160))
                }
            })
            .collect();
        parts.reverse();
        parts.join(" and ")
    }
    fn frame_base(&self) -> usize {
        self.frames.last().map(|f| f.guard_base).unwrap_or(0)
    }
    fn add_unseen(&mut self, what: String) {
        if !self.unseen.contains(&what) {
            self.unseen.push(what);
        }
    }

    fn push_guard(
        &mut self,
        line: u32,
        cond: String,
        required: bool,
        value: GuardValue,
        why: String,
    ) {
        let unit = self.unit();
        self.guards.push(Guard {
            unit,
            line,
            cond,
            required,
            value,
            why,
        });
    }

    /// Record a site. `exc` is the exception type when the site throws (try/catch applies).
    /// A site that may throw `exc` under the condition its note states.
    fn may_throw(&mut self, line: u32, kind: SiteKind, note: String, exc: Option<&str>) {
        self.site(line, kind, Risk::May(note.clone()), note, exc);
    }

    fn site(&mut self, line: u32, kind: SiteKind, risk: Risk, note: String, exc: Option<&str>) {
        let unit = self.unit();
        let guards = self.guards.clone();
        if self.dead > 0 {
            self.sites.push(RawSite {
                event: self.event.label().into(),
                unit,
                line,
                kind,
                outcome: Outcome::NotReached,
                note,
                guards,
                caught_by: None,
            });
            return;
        }
        let definite_path = guards.iter().all(|g| g.value == GuardValue::True);
        let mut caught_by = None;
        let here = if exc.is_some() && !self.tries.is_empty() {
            format!("{} ({})", clip(&note, 160), self.loc(unit, line))
        } else {
            String::new()
        };
        if let Some(exc) = exc {
            let exc_l = exc.rsplit('.').next().unwrap_or(exc).to_ascii_lowercase();
            if exc_l != "limitexception" {
                let definite = definite_path && matches!(risk, Risk::Blocks);
                'outer: for tf in self.tries.iter_mut().rev() {
                    for (ci, (ty, cu, cl)) in tf.catches.iter().enumerate() {
                        if ty == "exception" || *ty == exc_l {
                            if let Some(h) = tf.hits.get_mut(ci) {
                                if definite {
                                    *h = Hit::Definite;
                                } else if *h == Hit::None {
                                    *h = Hit::Maybe;
                                }
                            }
                            if let Some(f @ None) = tf.first.get_mut(ci) {
                                *f = Some(here.clone());
                            }
                            caught_by = Some((*cu, *cl));
                            break 'outer;
                        }
                    }
                }
            }
        }
        let (outcome, note) = if let Some((cu, cl)) = caught_by {
            let text = self
                .prog
                .units
                .get(cu)
                .map(|u| u.line_text(cl))
                .unwrap_or_default();
            (
                Outcome::Harmless,
                format!("{note} — but it is caught by `{text}` ({}), so the insert goes on unless that catch block fails it", self.loc(cu, cl)),
            )
        } else {
            match &risk {
                Risk::Blocks if definite_path => (Outcome::Blocks, note),
                Risk::Blocks => (Outcome::MayBlock, note),
                Risk::May(cond) => (Outcome::MayBlock, join_why(cond, "")),
                Risk::Harmless => (Outcome::Harmless, note),
            }
        };
        let caught_by = caught_by.map(|(cu, cl)| self.loc(cu, cl));
        self.sites.push(RawSite {
            event: self.event.label().into(),
            unit,
            line,
            kind,
            outcome,
            note,
            guards,
            caught_by,
        });
    }

    // ----- scopes ------------------------------------------------------------------------------

    /// Whether a guard on the current path requires `e != null` (as written).
    fn checked_not_null(&self, e: &Expr) -> bool {
        let squash = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
        let base = squash(&self.src(e));
        let want = format!("{base}!=null");
        let is_null = format!("{base}==null");
        let excluded = |c: &str, negated: bool| {
            // `x != null` true, or `x == null` (alone or as one side of `||`) false.
            (!negated && c.contains(&want)) || (negated && c.split("||").any(|p| p == is_null))
        };
        self.guards.iter().any(|g| {
            if g.cond == CONTINUES {
                // Past `if (x == null || …) return;`: the exit condition was false.
                let mut parts = g.why.splitn(3, '`');
                let (_, Some(c), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
                    return false;
                };
                return excluded(&squash(c), rest.starts_with(" is false"));
            }
            excluded(&squash(&g.cond), !g.required)
        })
    }

    /// The record type held by a local declared as a collection of records
    /// (`Map<Id, MessagingEndUser> m` → `MessagingEndUser`).
    fn sobject_element(&self, t: &Expr) -> Option<String> {
        let ExprKind::Name(n) = &t.kind else {
            return None;
        };
        let el = self.lookup_local(n)?.ty.as_ref()?.element()?;
        is_sobject_type(&el.name).then(|| el.name.clone())
    }

    fn lookup_local(&self, name: &str) -> Option<&Local> {
        let f = self.frames.last()?;
        f.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }
    fn lookup_local_mut(&mut self, name: &str) -> Option<&mut Local> {
        let f = self.frames.last_mut()?;
        f.scopes
            .iter_mut()
            .rev()
            .flat_map(|s| s.iter_mut().rev())
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }
    fn declare(&mut self, name: &str, ty: Option<TypeRef>, val: Val) {
        if let Some(f) = self.frames.last_mut() {
            if f.scopes.is_empty() {
                f.scopes.push(Vec::new());
            }
            if let Some(s) = f.scopes.last_mut() {
                s.push(Local {
                    name: name.to_string(),
                    ty,
                    val,
                });
            }
        }
    }
    fn push_scope(&mut self) {
        if let Some(f) = self.frames.last_mut() {
            f.scopes.push(Vec::new());
        }
    }
    fn pop_scope(&mut self) {
        if let Some(f) = self.frames.last_mut() {
            f.scopes.pop();
        }
    }
}

// ===== entry point =============================================================================

fn header_events(body: &str) -> Option<(Vec<String>, String, u32)> {
    let mut p = Parser::new(body);
    p.parse_trigger().map(|t| (t.events, t.object, t.line))
}

pub(crate) fn analyze(
    trigger: &TriggerSource,
    classes: &[ClassSource],
    record: &InsertedRecord,
) -> TriggerVerdict {
    let mut out = TriggerVerdict {
        trigger: match &trigger.namespace_prefix {
            Some(ns) if !ns.is_empty() => format!("{ns}.{}", trigger.name),
            _ => trigger.name.clone(),
        },
        verdict: Verdict::Unlikely,
        summary: String::new(),
        events: Vec::new(),
        evidence: Vec::new(),
        unseen: Vec::new(),
    };
    let hidden = is_hidden(&trigger.body);
    let header = if hidden {
        None
    } else {
        header_events(&trigger.body)
    };
    let flags_any = trigger.usage_before_insert
        || trigger.usage_after_insert
        || trigger.usage_before_update
        || trigger.usage_after_update;
    let (mut before, mut after) = (trigger.usage_before_insert, trigger.usage_after_insert);
    if !flags_any {
        if let Some((evs, _, _)) = &header {
            before = evs.iter().any(|e| e == "before insert");
            after = evs.iter().any(|e| e == "after insert");
        }
    }
    let header_line = |out: &mut TriggerVerdict| {
        if let Some((_, _, line)) = &header {
            let u = Unit::new(trigger.name.clone(), true, &trigger.body);
            out.evidence.push(SiteEvidence {
                event: String::new(),
                source: trigger.name.clone(),
                source_kind: "trigger".into(),
                line: *line,
                text: u.line_text(*line),
                kind: SiteKind::Header,
                outcome: Outcome::Harmless,
                note: "the trigger's events".into(),
                guards: Vec::new(),
                caught_by: None,
            });
        }
    };
    if !trigger.status.eq_ignore_ascii_case("active") {
        let reason = format!(
            "the trigger's status is {}: it does not run",
            if trigger.status.is_empty() {
                "not Active"
            } else {
                &trigger.status
            }
        );
        out.summary = format!("{} does not run on insert: {reason}.", out.trigger);
        out.verdict = Verdict::NotOnInsert { reason };
        header_line(&mut out);
        return out;
    }
    if !before && !after {
        let mut evs = Vec::new();
        if trigger.usage_before_update {
            evs.push("before update".to_string());
        }
        if trigger.usage_after_update {
            evs.push("after update".to_string());
        }
        if evs.is_empty() {
            if let Some((h, _, _)) = &header {
                evs = h.clone();
            }
        }
        let reason = if evs.is_empty() {
            "it is not subscribed to insert events".to_string()
        } else {
            format!("it runs on {} only, not on insert", evs.join(", "))
        };
        out.summary = format!(
            "{} does not run when the MessagingSession is inserted: {reason}.",
            out.trigger
        );
        out.verdict = Verdict::NotOnInsert { reason };
        header_line(&mut out);
        return out;
    }
    if before {
        out.events.push("before insert".into());
    }
    if after {
        out.events.push("after insert".into());
    }
    if hidden {
        let what = format!(
            "the body of trigger {} is hidden{}: it runs on {} but its code cannot be read",
            out.trigger,
            match &trigger.namespace_prefix {
                Some(ns) if !ns.is_empty() => format!(" (managed package `{ns}`)"),
                _ => String::new(),
            },
            out.events.join(" and ")
        );
        out.unseen.push(what.clone());
        out.summary = format!(
            "{} runs on insert, but its code is hidden, so whether it blocks cannot be seen.",
            out.trigger
        );
        out.verdict = Verdict::CannotSee { what: vec![what] };
        return out;
    }

    // Build the program.
    let mut units = vec![Unit::new(trigger.name.clone(), true, &trigger.body)];
    let mut infos = Vec::new();
    for c in classes {
        let u = units.len();
        let ns = c.namespace_prefix.clone().filter(|n| !n.is_empty());
        units.push(Unit::new(c.name.clone(), false, &c.body));
        if is_hidden(&c.body) {
            infos.push(ClassInfo {
                full: c.name.clone(),
                simple: c.name.clone(),
                ns,
                unit: u,
                decl: ClassDecl {
                    name: c.name.clone(),
                    ..Default::default()
                },
                outer: None,
                hidden: true,
            });
            continue;
        }
        let mut p = Parser::new(&c.body);
        for d in p.parse_classes() {
            flatten(&mut infos, d, None, ns.clone(), u, None);
        }
    }
    let prog = Program {
        units,
        classes: infos,
    };
    let mut p = Parser::new(&trigger.body);
    let tdecl: TriggerDecl = match p.parse_trigger() {
        Some(t) => t,
        None => {
            // Not a trigger header: read the whole body as statements.
            let mut p = Parser::new(&trigger.body);
            let mut body = Vec::new();
            let mut guard = 0usize;
            while guard < 1_000_000 {
                guard += 1;
                let before = body.len();
                let s = p.stmt();
                if matches!(s.kind, StmtKind::Empty)
                    && before == body.len()
                    && s.start >= trigger.body.len()
                {
                    break;
                }
                body.push(s);
                if body.last().is_some_and(|s| s.start >= trigger.body.len()) {
                    break;
                }
            }
            TriggerDecl {
                name: trigger.name.clone(),
                object: String::new(),
                events: Vec::new(),
                body,
                line: 1,
            }
        }
    };

    let mut raw: Vec<RawSite> = Vec::new();
    let mut unseen: Vec<String> = Vec::new();
    let mut budget = false;
    for ev in [Event::BeforeInsert, Event::AfterInsert] {
        if (ev == Event::BeforeInsert && !before) || (ev == Event::AfterInsert && !after) {
            continue;
        }
        let mut it = Interp::new(&prog, record, ev);
        it.frames.push(Frame::enter(0, None, None, 0));
        it.exec_block(&tdecl.body);
        budget |= it.budget_hit;
        raw.extend(it.sites);
        for u in it.unseen {
            if !unseen.contains(&u) {
                unseen.push(u);
            }
        }
    }
    if budget {
        unseen.push("part of the code: the analysis stopped at its step budget".into());
    }

    // Evidence, merged across events.
    let mut evidence: Vec<SiteEvidence> = Vec::new();
    for s in &raw {
        let unit = prog.units.get(s.unit);
        let guards: Vec<GuardEvidence> = s
            .guards
            .iter()
            .filter(|g| !(s.outcome == Outcome::NotReached && g.value == GuardValue::True))
            .map(|g| {
                let gu = prog.units.get(g.unit);
                GuardEvidence {
                    source: gu.map(|u| u.name.clone()).unwrap_or_default(),
                    line: g.line,
                    text: gu.map(|u| u.line_text(g.line)).unwrap_or_default(),
                    condition: g.cond.clone(),
                    required: g.required,
                    value: g.value,
                    why: g.why.clone(),
                }
            })
            .collect();
        let ev = SiteEvidence {
            event: s.event.clone(),
            source: unit.map(|u| u.name.clone()).unwrap_or_default(),
            source_kind: if unit.is_some_and(|u| u.is_trigger) {
                "trigger".into()
            } else {
                "class".into()
            },
            line: s.line,
            text: unit.map(|u| u.line_text(s.line)).unwrap_or_default(),
            kind: s.kind,
            outcome: s.outcome,
            note: s.note.clone(),
            guards,
            caught_by: s.caught_by.clone(),
        };
        if let Some(prev) = evidence.iter_mut().find(|p| {
            p.source == ev.source
                && p.line == ev.line
                && p.kind == ev.kind
                && p.outcome == ev.outcome
                && p.note == ev.note
        }) {
            if !prev.event.split(" and ").any(|x| x == ev.event) {
                prev.event = format!("{} and {}", prev.event, ev.event);
            }
            continue;
        }
        evidence.push(ev);
    }
    evidence.sort_by_key(|a| a.outcome);
    // The deciding verdict.
    let describe = |s: &SiteEvidence| -> String {
        let unknown: Vec<String> = s
            .guards
            .iter()
            .filter(|g| g.value == GuardValue::Unknown)
            .map(|g| {
                format!(
                    "`{}` is {} ({})",
                    g.condition,
                    if g.required { "true" } else { "false" },
                    g.why
                )
            })
            .collect();
        let mut c = format!(
            "{} ({} {} line {}, {})",
            s.note, s.source_kind, s.source, s.line, s.event
        );
        if !unknown.is_empty() {
            c.push_str(&format!(" — when {}", unknown.join(" and ")));
        }
        c
    };
    if let Some(b) = evidence.iter().find(|s| s.outcome == Outcome::Blocks) {
        let reason = format!(
            "{} ({} {} line {}, {})",
            b.note, b.source_kind, b.source, b.line, b.event
        );
        out.summary = format!(
            "{} stops the MessagingSession insert: {}",
            out.trigger, reason
        );
        out.verdict = Verdict::Blocks { reason };
    } else if evidence.iter().any(|s| s.outcome == Outcome::MayBlock) {
        let mut conditions: Vec<String> = Vec::new();
        for s in evidence.iter().filter(|s| s.outcome == Outcome::MayBlock) {
            let c = describe(s);
            if !conditions.contains(&c) {
                conditions.push(c);
            }
        }
        for u in &unseen {
            conditions.push(format!("code the analyser could not read: {u}"));
        }
        out.summary = format!(
            "{} may stop the MessagingSession insert under {} condition{}.",
            out.trigger,
            conditions.len(),
            if conditions.len() == 1 { "" } else { "s" }
        );
        out.verdict = Verdict::MayBlock { conditions };
    } else if !unseen.is_empty() {
        out.summary = format!(
            "{} runs on insert, but part of the code it calls could not be read.",
            out.trigger
        );
        out.verdict = Verdict::CannotSee {
            what: unseen.clone(),
        };
    } else {
        out.summary = format!(
            "Nothing {} runs on insert can stop the MessagingSession insert, as far as its code shows.",
            out.trigger
        );
        out.verdict = Verdict::Unlikely;
    }
    evidence.truncate(MAX_EVIDENCE);
    out.evidence = evidence;
    out.unseen = unseen;
    out
}
