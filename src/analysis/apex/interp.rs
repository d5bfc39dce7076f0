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

// ===== program =================================================================================

struct Unit<'a> {
    name: String,
    is_trigger: bool,
    src: &'a str,
    line_starts: Vec<usize>,
}

impl Unit<'_> {
    fn new<'a>(name: String, is_trigger: bool, src: &'a str) -> Unit<'a> {
        let mut line_starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Unit {
            name,
            is_trigger,
            src,
            line_starts,
        }
    }
    fn line_text(&self, line: u32) -> String {
        let idx = (line as usize).saturating_sub(1);
        let start = self.line_starts.get(idx).copied().unwrap_or(0);
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.src.len());
        let t = self.src.get(start..end).unwrap_or("").trim();
        clip(t, 200)
    }
    fn span(&self, start: usize, end: usize) -> String {
        let t = self.src.get(start..end).unwrap_or("");
        let collapsed = t.split_whitespace().collect::<Vec<_>>().join(" ");
        clip(&collapsed, 160)
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

struct ClassInfo {
    /// Full name (`Outer.Inner`).
    full: String,
    simple: String,
    ns: Option<String>,
    unit: usize,
    decl: ClassDecl,
    outer: Option<usize>,
    hidden: bool,
}

struct Program<'a> {
    units: Vec<Unit<'a>>,
    classes: Vec<ClassInfo>,
}

impl Program<'_> {
    fn find_class(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        // Exact full name, then `ns.Name` / `ns__Name`, then simple name.
        if let Some(i) = self
            .classes
            .iter()
            .position(|c| c.full.eq_ignore_ascii_case(name))
        {
            return Some(i);
        }
        let segs: Vec<&str> = name.split('.').collect();
        if segs.len() >= 2 {
            if let Some(first) = segs.first() {
                let rest = segs.get(1..).map(|s| s.join(".")).unwrap_or_default();
                if let Some(i) = self.classes.iter().position(|c| {
                    c.full.eq_ignore_ascii_case(&rest)
                        && c.ns
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(first))
                }) {
                    return Some(i);
                }
            }
        }
        None
    }

    fn find_in_context(&self, name: &str, ctx: Option<usize>) -> Option<usize> {
        // Inner classes of the current class (and its outers) first.
        let mut c = ctx;
        let mut guard = 0;
        while let Some(ci) = c {
            guard += 1;
            if guard > 16 {
                break;
            }
            let Some(info) = self.classes.get(ci) else {
                break;
            };
            let cand = format!("{}.{}", info.full, name);
            if let Some(i) = self.find_class(&cand) {
                return Some(i);
            }
            c = info.outer;
        }
        self.find_class(name)
    }

    fn parent(&self, ci: usize) -> Option<Result<usize, String>> {
        let info = self.classes.get(ci)?;
        let ext = info.decl.extends.as_ref()?;
        Some(
            self.find_in_context(&ext.name, info.outer)
                .filter(|&p| p != ci)
                .ok_or_else(|| ext.name.clone()),
        )
    }

    /// The class chain from `ci` up (self first). Stops at unprovided parents (returned as Err).
    fn chain(&self, ci: usize) -> (Vec<usize>, Option<String>) {
        let mut out = vec![ci];
        let mut cur = ci;
        for _ in 0..16 {
            match self.parent(cur) {
                None => return (out, None),
                Some(Err(name)) => return (out, Some(name)),
                Some(Ok(p)) => {
                    if out.contains(&p) {
                        return (out, None);
                    }
                    out.push(p);
                    cur = p;
                }
            }
        }
        (out, None)
    }

    fn find_method(&self, ci: usize, name: &str, arity: usize) -> Option<(usize, usize)> {
        let (chain, _) = self.chain(ci);
        for c in chain {
            let Some(info) = self.classes.get(c) else {
                continue;
            };
            let ms = &info.decl.methods;
            let exact = ms
                .iter()
                .position(|m| m.name.eq_ignore_ascii_case(name) && m.params.len() == arity);
            let any = ms.iter().position(|m| m.name.eq_ignore_ascii_case(name));
            if let Some(mi) = exact.or(any) {
                return Some((c, mi));
            }
        }
        None
    }

    fn method(&self, ci: usize, mi: usize) -> Option<&MethodDecl> {
        self.classes.get(ci)?.decl.methods.get(mi)
    }
}

fn flatten(
    out: &mut Vec<ClassInfo>,
    mut decl: ClassDecl,
    prefix: Option<&str>,
    ns: Option<String>,
    unit: usize,
    outer: Option<usize>,
) {
    let inner = std::mem::take(&mut decl.inner);
    let full = match prefix {
        Some(p) => format!("{p}.{}", decl.name),
        None => decl.name.clone(),
    };
    let idx = out.len();
    out.push(ClassInfo {
        full: full.clone(),
        simple: decl.name.clone(),
        ns: ns.clone(),
        unit,
        decl,
        outer,
        hidden: false,
    });
    for i in inner {
        flatten(out, i, Some(&full), ns.clone(), unit, Some(idx));
    }
}

fn is_hidden(body: &str) -> bool {
    let t = body.trim();
    t.eq_ignore_ascii_case("(hidden)") || t.is_empty()
}

// ===== values ==================================================================================

#[derive(Debug, Clone, PartialEq)]
enum NullWhy {
    /// A literal null or an uninitialised variable.
    Plain(String),
    /// A field the platform does not set: null unless a default or other automation fills it.
    UnsetField(String),
    /// Definitely null (trigger context variables, model says null, no Id before insert).
    Definite(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Unknown(String),
    Null(NullWhy),
    Bool(bool),
    Num(f64),
    Text(String),
    Enum(String),
    /// The inserted record (an element of `Trigger.new`).
    Record,
    /// `Trigger.new` or a list holding just the inserted record.
    RecordList,
    /// `Trigger.newMap` after insert.
    RecordMap,
    /// A record of another object (or another MessagingSession record).
    SObject(String),
    /// Rows of an inline query: object, query text, line.
    Rows(String, String, u32),
    /// A collection; `true` when known to be empty.
    Coll(bool),
    Obj(usize),
    /// An instance of a platform class (`http`, `httprequest`…), lower case.
    Builtin(String),
    Exception(String),
    /// A type used as a value (static receiver, `X.class`).
    Type(String),
    /// An instance of a class that was not provided.
    Unseen(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tri {
    T,
    F,
    U(String),
}

fn tri_not(t: Tri) -> Tri {
    match t {
        Tri::T => Tri::F,
        Tri::F => Tri::T,
        u => u,
    }
}

fn join_why(a: &str, b: &str) -> String {
    if a == b || b.is_empty() {
        a.to_string()
    } else if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}; {b}")
    }
}

fn val_why(v: &Val) -> String {
    match v {
        Val::Unknown(w) => w.clone(),
        Val::Type(t) => format!("`{t}` (a value the analyser cannot see)"),
        Val::Unseen(c) => format!("an object of class {c}, which was not provided"),
        _ => String::new(),
    }
}

fn truthy(v: &Val) -> Tri {
    match v {
        Val::Bool(b) => {
            if *b {
                Tri::T
            } else {
                Tri::F
            }
        }
        // An unset checkbox is false at insert.
        Val::Null(NullWhy::UnsetField(_)) | Val::Null(NullWhy::Definite(_)) => Tri::F,
        other => Tri::U(val_why(other)),
    }
}

fn scalar_eq(a: &Val, b: &Val) -> Option<bool> {
    Some(match (a, b) {
        (Val::Null(_), Val::Null(_)) => true,
        (Val::Null(_), Val::Unknown(_)) | (Val::Unknown(_), Val::Null(_)) => return None,
        (Val::Null(_), Val::Type(_)) | (Val::Type(_), Val::Null(_)) => return None,
        (Val::Null(_), _) | (_, Val::Null(_)) => false,
        // Apex `==` on strings ignores case.
        (Val::Text(x), Val::Text(y)) => x.eq_ignore_ascii_case(y),
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Enum(x), Val::Enum(y)) => x.eq_ignore_ascii_case(y),
        (Val::Enum(x), Val::Text(y)) | (Val::Text(y), Val::Enum(x)) => x.eq_ignore_ascii_case(y),
        _ => return None,
    })
}

fn is_all_caps(s: &str) -> bool {
    s.len() > 1
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

const SYSTEM_CLASSES: &[&str] = &[
    "system",
    "database",
    "userinfo",
    "featuremanagement",
    "test",
    "string",
    "schema",
    "security",
    "limits",
    "json",
    "math",
    "date",
    "datetime",
    "time",
    "eventbus",
    "approval",
    "messaging",
    "crypto",
    "encodingutil",
    "integer",
    "decimal",
    "double",
    "long",
    "boolean",
    "id",
    "blob",
    "url",
    "type",
    "site",
    "network",
    "auth",
    "pattern",
    "matcher",
    "trigger",
    "triggeroperation",
    "label",
    "http",
    "httprequest",
    "httpresponse",
    "list",
    "set",
    "map",
    "sobject",
    "sobjecttype",
    "sobjectfield",
    "apexpages",
    "pagereference",
    "search",
    "connectapi",
    "dom",
    "cache",
    "flow",
    "invocable",
    "quiddity",
    "request",
    "exception",
    "object",
    "restcontext",
    "logginglevel",
    "accesstype",
    "domain",
    "orgcache",
    "platform",
    "timezone",
    "uuid",
    "formula",
    "comparable",
    "iterable",
    "iterator",
    "queueable",
    "schedulable",
    "batchable",
    "databasebatchable",
    "statefull",
    "wave",
    "reports",
    "process",
    "knowledgearticleversion",
    "aggregateresult",
];

const PRIMITIVES: &[&str] = &[
    "integer",
    "string",
    "id",
    "boolean",
    "decimal",
    "double",
    "long",
    "date",
    "datetime",
    "time",
    "object",
    "blob",
    "querylocator",
    "list",
    "set",
    "map",
    "iterable",
    "void",
];

fn is_system_class(name: &str) -> bool {
    let first = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    SYSTEM_CLASSES.contains(&first.as_str()) || first.ends_with("exception")
}

const STANDARD_OBJECTS: &[&str] = &[
    "account",
    "contact",
    "lead",
    "case",
    "opportunity",
    "task",
    "event",
    "user",
    "campaign",
    "campaignmember",
    "messagingsession",
    "messagingenduser",
    "messagingchannel",
    "conversationentry",
    "casecomment",
    "emailmessage",
    "contentversion",
    "contentdocumentlink",
    "feeditem",
    "attachment",
    "note",
    "asset",
    "contract",
    "order",
    "product2",
    "pricebookentry",
    "individual",
    "contactpointemail",
    "contactpointphone",
    "workorder",
    "entitlement",
    "servicecontract",
    "group",
    "groupmember",
    "agentwork",
    "pendingservicerouting",
    "pendingserviceroutinginteractioninfo",
    "skillrequirement",
    "routinginfo",
    "conversation",
    "voicecall",
    "livechattranscript",
    "socialpost",
];

/// A lookup that can be empty on an existing record (owner and audit lookups are always set).
fn lookup_may_be_empty(rel: &str) -> bool {
    !matches!(
        rel.to_ascii_lowercase().as_str(),
        "owner" | "createdby" | "lastmodifiedby"
    )
}

fn is_sobject_type(name: &str) -> bool {
    let l = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    STANDARD_OBJECTS.contains(&l.as_str())
        || l.ends_with("__c")
        || l.ends_with("__e")
        || l.ends_with("__mdt")
        || l.ends_with("__x")
        || l == "sobject"
}

fn query_object(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    // The outermost FROM: the last " from " at bracket depth 1 / paren depth 0.
    let b = lower.as_bytes();
    let mut depth = 0i32;
    let mut i = 0usize;
    while let Some(&c) = b.get(i) {
        match c {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'\'' => {
                i += 1;
                while let Some(&d) = b.get(i) {
                    if d == b'\\' {
                        i += 1;
                    } else if d == b'\'' {
                        break;
                    }
                    i += 1;
                }
            }
            _ if depth == 0
                && lower.get(i..i + 4) == Some("from")
                && i > 0
                && b.get(i - 1).is_some_and(|x| x.is_ascii_whitespace())
                && b.get(i + 4).is_some_and(|x| x.is_ascii_whitespace()) =>
            {
                let rest = text.get(i + 4..).unwrap_or("").trim_start();
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                if !name.is_empty() {
                    return name;
                }
            }
            _ => {}
        }
        i += 1;
    }
    "records".to_string()
}

fn article(obj: &str) -> &'static str {
    match obj.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

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
    guard_base: usize,
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
        let want = format!("{}!=null", squash(&self.src(e)));
        self.guards
            .iter()
            .any(|g| g.required && squash(&g.cond).contains(&want))
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

    // ----- statements --------------------------------------------------------------------------

    fn exec_block(&mut self, stmts: &'p [Stmt]) -> Reach {
        let base = self.guards.len();
        self.push_scope();
        let mut reach = Reach::Yes;
        for s in stmts {
            if self.steps > STEP_BUDGET {
                self.budget_hit = true;
                break;
            }
            match self.exec(s) {
                Reach::Yes => {}
                Reach::No => {
                    if self.dead == 0 {
                        reach = if reach == Reach::Maybe {
                            Reach::Maybe
                        } else {
                            Reach::No
                        };
                        // Walk the rest as unreachable so its sites are still listed.
                        self.dead += 1;
                        for rest in stmts.iter().skip_while(|x| !std::ptr::eq(*x, s)).skip(1) {
                            self.exec(rest);
                        }
                        self.dead -= 1;
                    }
                    break;
                }
                Reach::Maybe => {
                    reach = Reach::Maybe;
                    if self.dead == 0 {
                        let why = self
                            .exit_why
                            .take()
                            .unwrap_or_else(|| "an earlier return or throw is not taken".into());
                        self.push_guard(
                            s.line,
                            "execution continues past this statement".into(),
                            true,
                            GuardValue::Unknown,
                            why,
                        );
                    }
                }
            }
        }
        self.pop_scope();
        self.guards.truncate(base);
        reach
    }

    fn exec_dead(&mut self, s: &'p Stmt) {
        self.dead += 1;
        self.exec(s);
        self.dead -= 1;
    }

    fn exec(&mut self, s: &'p Stmt) -> Reach {
        if self.nest >= MAX_NEST {
            self.budget_hit = true;
            return Reach::Yes;
        }
        self.nest += 1;
        let r = self.exec_inner(s);
        self.nest -= 1;
        r
    }

    fn exec_inner(&mut self, s: &'p Stmt) -> Reach {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            self.budget_hit = true;
            return Reach::Yes;
        }
        match &s.kind {
            StmtKind::Block(b) => self.exec_block(b),
            StmtKind::Empty | StmtKind::Unknown | StmtKind::Break | StmtKind::Continue => {
                if matches!(s.kind, StmtKind::Break | StmtKind::Continue) {
                    Reach::No
                } else {
                    Reach::Yes
                }
            }
            StmtKind::Local { ty, vars } => {
                for (name, init) in vars {
                    let v = match init {
                        Some(e) => {
                            let v = self.eval(e);
                            self.single_row_check(ty, e);
                            v
                        }
                        None => Val::Null(NullWhy::Plain(format!("`{name}` was never assigned"))),
                    };
                    self.declare(name, Some(ty.clone()), v);
                }
                Reach::Yes
            }
            StmtKind::Expr(e) => {
                self.eval(e);
                Reach::Yes
            }
            StmtKind::If(c, then, els) => self.exec_if(s, c, then, els.as_deref()),
            StmtKind::ForEach {
                ty,
                var,
                iter,
                body,
            } => {
                let it = self.eval(iter);
                let elem_is_ms = ty.is("MessagingSession");
                let (guard, loop_val) = match &it {
                    Val::RecordList => (None, Val::Record),
                    Val::Coll(true) => (
                        Some((
                            GuardValue::False,
                            format!("`{}` is empty here", self.src(iter)),
                        )),
                        Val::Unknown(String::new()),
                    ),
                    Val::Rows(obj, _, l) => (
                        Some((
                            GuardValue::Unknown,
                            format!("the query at line {l} returns at least one row"),
                        )),
                        Val::SObject(obj.clone()),
                    ),
                    other => {
                        let w = val_why(other);
                        (
                            Some((
                                GuardValue::Unknown,
                                if w.is_empty() {
                                    format!("`{}` has at least one element", self.src(iter))
                                } else {
                                    w
                                },
                            )),
                            if elem_is_ms {
                                Val::Record
                            } else {
                                Val::Unknown(format!("an element of `{}`", self.src(iter)))
                            },
                        )
                    }
                };
                self.push_scope();
                self.declare(var, Some(ty.clone()), loop_val);
                let cond = format!("for ({} {var} : {})", ty.name, self.src(iter));
                let r = match guard {
                    None => self.exec(body),
                    Some((GuardValue::False, why)) => {
                        self.push_guard(s.line, cond, true, GuardValue::False, why);
                        self.exec_dead(body);
                        self.guards.pop();
                        Reach::Yes
                    }
                    Some((v, why)) => {
                        self.push_guard(s.line, cond, true, v, why);
                        self.exec(body);
                        self.guards.pop();
                        Reach::Yes
                    }
                };
                self.pop_scope();
                if r == Reach::No {
                    Reach::Yes
                } else {
                    r
                }
            }
            StmtKind::For {
                init,
                cond,
                update,
                body,
            } => {
                self.push_scope();
                for i in init {
                    self.exec(i);
                }
                let t = match cond {
                    Some(c) => self.cond(c),
                    None => (Tri::T, String::new()),
                };
                let ctext = cond.as_ref().map(|c| self.src(c)).unwrap_or_default();
                self.loop_body(s.line, ctext, t, body);
                for u in update {
                    self.eval(u);
                }
                self.pop_scope();
                Reach::Yes
            }
            StmtKind::While(c, body) => {
                let t = self.cond(c);
                let ctext = self.src(c);
                self.loop_body(s.line, ctext, t, body);
                Reach::Yes
            }
            StmtKind::DoWhile(body, c) => {
                self.exec(body);
                self.cond(c);
                Reach::Yes
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => self.exec_try(body, catches, finally.as_deref()),
            StmtKind::Switch { subject, arms } => self.exec_switch(s, subject, arms),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e),
                    None => Val::Unknown(String::new()),
                };
                if self.dead == 0 {
                    let uncertain = self.uncertain_since(self.frame_base());
                    if let Some(f) = self.frames.last_mut() {
                        f.returns.push(if uncertain {
                            match v {
                                Val::Bool(_) | Val::Text(_) | Val::Num(_) | Val::Null(_) => v,
                                other => other,
                            }
                        } else {
                            v
                        });
                    }
                }
                Reach::No
            }
            StmtKind::Throw(e) => {
                let v = self.eval(e);
                let ty = match (&e.kind, &v) {
                    (_, Val::Exception(t)) => t.clone(),
                    (ExprKind::New(t, _, _), _) => t.name.clone(),
                    _ => "Exception".to_string(),
                };
                let msg = match &e.kind {
                    ExprKind::New(_, args, _) => args
                        .first()
                        .map(|a| self.src(a))
                        .filter(|m| !m.is_empty())
                        .map(|m| format!(" with message {m}"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let note = format!(
                    "throws {ty}{msg}; an uncaught exception in {} {} trigger rolls back the insert",
                    article(self.event.label()),
                    self.event.label()
                );
                self.site(s.line, SiteKind::Throw, Risk::Blocks, note, Some(&ty));
                Reach::No
            }
            StmtKind::Dml {
                op,
                target,
                as_user,
            } => {
                let v = self.eval(target);
                self.dml_site(s.line, op, target, &v, Some(true), *as_user);
                Reach::Yes
            }
        }
    }

    fn loop_body(&mut self, line: u32, ctext: String, t: (Tri, String), body: &'p Stmt) {
        match t.0 {
            Tri::T => {
                self.push_guard(line, ctext, true, GuardValue::True, t.1);
                self.exec(body);
                self.guards.pop();
            }
            Tri::F => {
                self.push_guard(line, ctext, true, GuardValue::False, t.1);
                self.exec_dead(body);
                self.guards.pop();
            }
            Tri::U(w) => {
                self.push_guard(line, ctext, true, GuardValue::Unknown, join_why(&w, &t.1));
                self.exec(body);
                self.guards.pop();
            }
        }
    }

    fn exec_if(
        &mut self,
        s: &'p Stmt,
        c: &'p Expr,
        then: &'p Stmt,
        els: Option<&'p Stmt>,
    ) -> Reach {
        let (t, facts) = self.cond(c);
        let ctext = self.src(c);
        match t {
            Tri::T => {
                self.push_guard(s.line, ctext.clone(), true, GuardValue::True, facts.clone());
                let r = self.exec(then);
                self.guards.pop();
                if let Some(e) = els {
                    self.push_guard(s.line, ctext, false, GuardValue::False, facts);
                    self.exec_dead(e);
                    self.guards.pop();
                }
                r
            }
            Tri::F => {
                self.push_guard(
                    s.line,
                    ctext.clone(),
                    true,
                    GuardValue::False,
                    facts.clone(),
                );
                self.exec_dead(then);
                self.guards.pop();
                match els {
                    Some(e) => {
                        self.push_guard(s.line, ctext, false, GuardValue::True, facts);
                        let r = self.exec(e);
                        self.guards.pop();
                        r
                    }
                    None => Reach::Yes,
                }
            }
            Tri::U(why) => {
                let why = join_why(&why, &facts);
                self.push_guard(
                    s.line,
                    ctext.clone(),
                    true,
                    GuardValue::Unknown,
                    why.clone(),
                );
                let r1 = self.exec(then);
                self.guards.pop();
                let r2 = match els {
                    Some(e) => {
                        self.push_guard(
                            s.line,
                            ctext.clone(),
                            false,
                            GuardValue::Unknown,
                            why.clone(),
                        );
                        let r = self.exec(e);
                        self.guards.pop();
                        r
                    }
                    None => Reach::Yes,
                };
                match (r1, r2) {
                    (Reach::Yes, Reach::Yes) => Reach::Yes,
                    (Reach::No, Reach::No) => Reach::No,
                    (Reach::No, _) => {
                        self.exit_why = Some(format!("`{ctext}` is false ({why})"));
                        Reach::Maybe
                    }
                    (_, Reach::No) => {
                        self.exit_why = Some(format!("`{ctext}` is true ({why})"));
                        Reach::Maybe
                    }
                    _ => Reach::Maybe,
                }
            }
        }
    }

    fn exec_try(
        &mut self,
        body: &'p [Stmt],
        catches: &'p [super::parser::Catch],
        finally: Option<&'p [Stmt]>,
    ) -> Reach {
        let unit = self.unit();
        self.tries.push(TryFrame {
            catches: catches
                .iter()
                .map(|c| (c.ty.simple().to_ascii_lowercase(), unit, c.line))
                .collect(),
            hits: vec![Hit::None; catches.len()],
        });
        let r = self.exec_block(body);
        let tf = self.tries.pop();
        let hits = tf.map(|t| t.hits).unwrap_or_default();
        let mut reach = r;
        for (i, c) in catches.iter().enumerate() {
            let hit = hits.get(i).copied().unwrap_or(Hit::None);
            let ctext = format!("catch ({} {})", c.ty.name, c.var);
            self.push_scope();
            self.declare(
                &c.var,
                Some(c.ty.clone()),
                Val::Exception(c.ty.name.clone()),
            );
            match hit {
                Hit::Definite if self.dead == 0 => {
                    self.push_guard(
                        c.line,
                        ctext,
                        true,
                        GuardValue::True,
                        "the try block throws on every path".into(),
                    );
                    let cr = self.exec_block(&c.body);
                    self.guards.pop();
                    if r == Reach::No {
                        reach = cr;
                    }
                }
                Hit::Maybe if self.dead == 0 => {
                    self.push_guard(
                        c.line,
                        ctext,
                        true,
                        GuardValue::Unknown,
                        "a statement in the try block throws".into(),
                    );
                    let cr = self.exec_block(&c.body);
                    self.guards.pop();
                    if cr != Reach::No && reach == Reach::No {
                        reach = Reach::Maybe;
                    }
                }
                _ => {
                    self.push_guard(
                        c.line,
                        ctext,
                        true,
                        GuardValue::False,
                        format!("nothing in the try block throws {}", c.ty.name),
                    );
                    self.dead += 1;
                    self.exec_block(&c.body);
                    self.dead -= 1;
                    self.guards.pop();
                }
            }
            self.pop_scope();
        }
        if let Some(f) = finally {
            if self.exec_block(f) == Reach::No {
                reach = Reach::No;
            }
        }
        if reach == Reach::Maybe {
            self.exit_why = Some("the try block completes without an exception".into());
        }
        reach
    }

    fn exec_switch(
        &mut self,
        s: &'p Stmt,
        subject: &'p Expr,
        arms: &'p [super::parser::WhenArm],
    ) -> Reach {
        let sv = self.eval(subject);
        let stext = self.src(subject);
        let mut matched_before = Tri::F;
        let mut results = Vec::new();
        for arm in arms {
            let (t, desc) = match &arm.values {
                WhenValues::Else => (tri_not(matched_before.clone()), "when else".to_string()),
                WhenValues::Type(ty, _) => (
                    Tri::U(format!("`{stext}` is a {}", ty.name)),
                    format!("when {}", ty.name),
                ),
                WhenValues::Values(vs) => {
                    let mut acc = Tri::F;
                    let mut names = Vec::new();
                    for v in vs {
                        names.push(self.src(v));
                        let vv = match &v.kind {
                            ExprKind::Name(n) if self.lookup_local(n).is_none() => {
                                Val::Enum(n.clone())
                            }
                            _ => self.eval(v),
                        };
                        let t = match scalar_eq(&sv, &vv) {
                            Some(true) => Tri::T,
                            Some(false) => Tri::F,
                            None => Tri::U(join_why(&val_why(&sv), &val_why(&vv))),
                        };
                        acc = match (acc, t) {
                            (Tri::T, _) | (_, Tri::T) => Tri::T,
                            (Tri::U(a), _) | (_, Tri::U(a)) => Tri::U(a),
                            _ => Tri::F,
                        };
                    }
                    let t = match (&matched_before, acc) {
                        (Tri::T, _) => Tri::F,
                        (_, a) => a,
                    };
                    (t, format!("when {}", names.join(", ")))
                }
            };
            let cond = format!("switch on {stext} {desc}");
            let why = match &sv {
                Val::Enum(e) => format!("`{stext}` is {e} for this {}", self.event.label()),
                Val::Text(t) => format!("`{stext}` is '{t}'"),
                other => val_why(other),
            };
            let body_stmt_line = arm.line;
            match t.clone() {
                Tri::T => {
                    self.push_guard(body_stmt_line, cond, true, GuardValue::True, why);
                    results.push(self.exec_block(&arm.body));
                    self.guards.pop();
                }
                Tri::F => {
                    self.push_guard(body_stmt_line, cond, true, GuardValue::False, why);
                    self.dead += 1;
                    self.exec_block(&arm.body);
                    self.dead -= 1;
                    self.guards.pop();
                }
                Tri::U(w) => {
                    self.push_guard(
                        body_stmt_line,
                        cond,
                        true,
                        GuardValue::Unknown,
                        join_why(&w, &why),
                    );
                    let r = self.exec_block(&arm.body);
                    results.push(if r == Reach::No { Reach::Maybe } else { r });
                    self.guards.pop();
                }
            }
            matched_before = match (matched_before, t) {
                (Tri::T, _) | (_, Tri::T) => Tri::T,
                (Tri::U(a), _) | (_, Tri::U(a)) => Tri::U(a),
                _ => Tri::F,
            };
        }
        let _ = s;
        if results.iter().all(|r| *r == Reach::No)
            && !results.is_empty()
            && matched_before == Tri::T
        {
            Reach::No
        } else if results.iter().any(|r| *r != Reach::Yes) {
            self.exit_why = Some(format!(
                "the `switch on {stext}` branch taken does not return"
            ));
            Reach::Maybe
        } else {
            Reach::Yes
        }
    }

    // ----- conditions --------------------------------------------------------------------------

    /// Evaluate a condition: the three-valued result and the facts that decided it.
    fn cond(&mut self, e: &'p Expr) -> (Tri, String) {
        let base = self.facts.len();
        let v = self.eval(e);
        let facts: Vec<String> = self.facts.drain(base.min(self.facts.len())..).collect();
        let mut t = truthy(&v);
        if let Tri::U(w) = &t {
            if w.is_empty() {
                t = Tri::U(format!(
                    "the value of `{}` is not known before the insert",
                    self.src(e)
                ));
            }
        }
        (t, facts.join("; "))
    }

    fn bool_val(t: Tri) -> Val {
        match t {
            Tri::T => Val::Bool(true),
            Tri::F => Val::Bool(false),
            Tri::U(w) => Val::Unknown(w),
        }
    }

    // ----- expressions -------------------------------------------------------------------------

    fn eval(&mut self, e: &'p Expr) -> Val {
        if self.nest >= MAX_NEST {
            self.budget_hit = true;
            return Val::Unknown("code nested too deeply to follow".into());
        }
        self.nest += 1;
        let v = self.eval_inner(e);
        self.nest -= 1;
        v
    }

    fn eval_inner(&mut self, e: &'p Expr) -> Val {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            self.budget_hit = true;
            return Val::Unknown("analysis budget exhausted".into());
        }
        if self.dead > 0 {
            self.scan_dead(e);
            return Val::Unknown(String::new());
        }
        match &e.kind {
            ExprKind::Null => Val::Null(NullWhy::Plain("null".into())),
            ExprKind::Bool(b) => Val::Bool(*b),
            ExprKind::Num(n) => Val::Num(*n),
            ExprKind::Str(s) => Val::Text(s.clone()),
            ExprKind::Name(n) => self.eval_name(n),
            ExprKind::This => match self.frames.last().and_then(|f| f.this) {
                Some(o) => Val::Obj(o),
                None => Val::Unknown("`this`".into()),
            },
            ExprKind::Super => match self.frames.last().and_then(|f| f.this) {
                Some(o) => Val::Obj(o),
                None => Val::Unknown("`super`".into()),
            },
            ExprKind::Field(b, f) => self.eval_field(e, b, f),
            ExprKind::Call(t, name, args) => self.eval_call(e, t.as_deref(), name, args),
            ExprKind::Index(b, i) => {
                let bv = self.eval(b);
                self.eval(i);
                match bv {
                    Val::RecordList => Val::Record,
                    Val::Rows(obj, text, _) => {
                        let note = format!(
                            "`{}` indexes a query result that may be empty ({}): ListException when no row matches",
                            self.src(e),
                            clip(&text, 120)
                        );
                        self.site(
                            e.line,
                            SiteKind::Index,
                            Risk::May(note.clone()),
                            note,
                            Some("ListException"),
                        );
                        Val::SObject(obj)
                    }
                    Val::Coll(true) => {
                        let note =
                            format!("`{}` indexes an empty list: ListException", self.src(e));
                        self.site(
                            e.line,
                            SiteKind::Index,
                            Risk::Blocks,
                            note,
                            Some("ListException"),
                        );
                        Val::Unknown(String::new())
                    }
                    Val::Null(w) => {
                        self.npe(&w, e);
                        Val::Unknown(String::new())
                    }
                    _ => Val::Unknown(format!("`{}`", self.src(e))),
                }
            }
            ExprKind::New(ty, args, init) => self.eval_new(e, ty, args, init),
            ExprKind::Unary(op, inner) => {
                let v = self.eval(inner);
                match *op {
                    "!" => Self::bool_val(tri_not(truthy(&v))),
                    "-" => match v {
                        Val::Num(n) => Val::Num(-n),
                        _ => Val::Unknown(format!("`{}`", self.src(e))),
                    },
                    "++" | "--" => {
                        let nv = match v {
                            Val::Num(n) => Val::Num(if *op == "++" { n + 1.0 } else { n - 1.0 }),
                            _ => Val::Unknown(format!("`{}`", self.src(inner))),
                        };
                        self.store(inner, nv.clone());
                        nv
                    }
                    _ => v,
                }
            }
            ExprKind::Postfix(op, inner) => {
                let v = self.eval(inner);
                let nv = match &v {
                    Val::Num(n) => Val::Num(if *op == "++" { n + 1.0 } else { n - 1.0 }),
                    _ => Val::Unknown(format!("`{}`", self.src(inner))),
                };
                self.store(inner, nv);
                v
            }
            ExprKind::Binary(op, l, r) => self.eval_binary(e, op, l, r),
            ExprKind::Assign(op, l, r) => {
                let rv = self.eval(r);
                self.single_row_assign(l, r);
                let nv = if *op == "=" {
                    rv
                } else {
                    let lv = self.eval(l);
                    match (&lv, &rv, *op) {
                        (Val::Num(a), Val::Num(b), "+=") => Val::Num(a + b),
                        (Val::Num(a), Val::Num(b), "-=") => Val::Num(a - b),
                        (Val::Text(a), Val::Text(b), "+=") => Val::Text(format!("{a}{b}")),
                        _ => Val::Unknown(format!("`{}`", self.src(l))),
                    }
                };
                self.store(l, nv.clone());
                nv
            }
            ExprKind::Ternary(c, a, b) => {
                let (t, facts) = self.cond(c);
                let ctext = self.src(c);
                match t {
                    Tri::T => self.eval(a),
                    Tri::F => self.eval(b),
                    Tri::U(w) => {
                        let why = join_why(&w, &facts);
                        self.push_guard(
                            e.line,
                            ctext.clone(),
                            true,
                            GuardValue::Unknown,
                            why.clone(),
                        );
                        let av = self.eval(a);
                        self.guards.pop();
                        self.push_guard(e.line, ctext, false, GuardValue::Unknown, why.clone());
                        let bv = self.eval(b);
                        self.guards.pop();
                        if av == bv {
                            av
                        } else {
                            Val::Unknown(why)
                        }
                    }
                }
            }
            ExprKind::Cast(_, inner) => self.eval(inner),
            ExprKind::InstanceOf(inner, ty) => {
                let v = self.eval(inner);
                match v {
                    Val::Record | Val::RecordList
                        if ty.is("MessagingSession") || ty.is("SObject") =>
                    {
                        Val::Bool(true)
                    }
                    Val::Null(_) => Val::Bool(false),
                    _ => Val::Unknown(format!("`{}`", self.src(e))),
                }
            }
            ExprKind::Query { text, sosl } => {
                if *sosl {
                    self.site(
                        e.line,
                        SiteKind::Query,
                        Risk::Harmless,
                        "SOSL search (returns lists; does not throw for no rows)".into(),
                        None,
                    );
                    return Val::Unknown(format!("the SOSL results at line {}", e.line));
                }
                let obj = query_object(text);
                let lower = text.to_ascii_lowercase();
                if lower.contains("security_enforced") || lower.contains("user_mode") {
                    let mode = if lower.contains("security_enforced") {
                        "WITH SECURITY_ENFORCED"
                    } else {
                        "WITH USER_MODE"
                    };
                    let note = format!(
                        "a query {mode} runs with the Automated Process user's permissions and throws a QueryException if it cannot read {obj} or a queried field: {}",
                        clip(text, 120)
                    );
                    self.site(
                        e.line,
                        SiteKind::Security,
                        Risk::May(note.clone()),
                        note,
                        Some("QueryException"),
                    );
                } else {
                    self.site(
                        e.line,
                        SiteKind::Query,
                        Risk::Harmless,
                        format!("query on {obj} (returns a list; no rows is not an error)"),
                        None,
                    );
                }
                Val::Rows(obj, text.clone(), e.line)
            }
            ExprKind::Unknown => Val::Unknown(String::new()),
        }
    }

    /// In dead code: list addError calls (and nothing else) as not reached.
    fn scan_dead(&mut self, e: &'p Expr) {
        match &e.kind {
            ExprKind::Call(t, name, args) => {
                if name.eq_ignore_ascii_case("adderror") {
                    let note = format!("`{}` would fail the insert", self.src(e));
                    self.site(e.line, SiteKind::AddError, Risk::Blocks, note, None);
                }
                if let Some(t) = t {
                    self.scan_dead(t);
                }
                for a in args {
                    self.scan_dead(a);
                }
            }
            ExprKind::Field(b, _)
            | ExprKind::Unary(_, b)
            | ExprKind::Postfix(_, b)
            | ExprKind::Cast(_, b) => self.scan_dead(b),
            ExprKind::Binary(_, a, b) | ExprKind::Assign(_, a, b) | ExprKind::Index(a, b) => {
                self.scan_dead(a);
                self.scan_dead(b);
            }
            ExprKind::Ternary(a, b, c) => {
                self.scan_dead(a);
                self.scan_dead(b);
                self.scan_dead(c);
            }
            _ => {}
        }
    }

    fn eval_name(&mut self, n: &str) -> Val {
        if let Some(l) = self.lookup_local(n) {
            return l.val.clone();
        }
        if n.eq_ignore_ascii_case("trigger") {
            return Val::Type("Trigger".into());
        }
        if let Some(o) = self.frames.last().and_then(|f| f.this) {
            if let Some(v) = self
                .objects
                .get(o)
                .and_then(|s| s.fields.get(&n.to_ascii_lowercase()))
            {
                let v = v.clone();
                self.fact_val(&format!("`{n}`"), &v);
                return v;
            }
        }
        // Static field of the current class chain or its outer classes.
        let mut c = self.frames.last().and_then(|f| f.class);
        let mut hops = 0;
        while let Some(ci) = c {
            hops += 1;
            if hops > 16 {
                break;
            }
            let (chain, _) = self.prog.chain(ci);
            for k in chain {
                if self.has_field(k, n) {
                    return self.static_value(k, n);
                }
            }
            c = self.prog.classes.get(ci).and_then(|i| i.outer);
        }
        let ctx = self.frames.last().and_then(|f| f.class);
        if let Some(ci) = self.prog.find_in_context(n, ctx) {
            return Val::Type(
                self.prog
                    .classes
                    .get(ci)
                    .map(|c| c.full.clone())
                    .unwrap_or_default(),
            );
        }
        if is_all_caps(n) {
            return Val::Enum(n.to_string());
        }
        Val::Type(n.to_string())
    }

    fn has_field(&self, ci: usize, n: &str) -> bool {
        self.prog
            .classes
            .get(ci)
            .is_some_and(|c| c.decl.fields.iter().any(|f| f.name.eq_ignore_ascii_case(n)))
    }

    fn static_value(&mut self, ci: usize, n: &str) -> Val {
        let Some(info) = self.prog.classes.get(ci) else {
            return Val::Unknown(String::new());
        };
        let key = format!("{}.{}", info.full, n).to_ascii_lowercase();
        if !self.statics_inited.contains(&ci) {
            self.statics_inited.insert(ci);
            self.init_statics(ci);
        }
        if let Some(v) = self.statics.get(&key) {
            let v = v.clone();
            match &v {
                Val::Bool(b) => self.fact(format!(
                    "static `{}.{n}` starts as {b} in each transaction (nothing on this path changes it)",
                    info.simple
                )),
                Val::Coll(true) => self.fact(format!(
                    "static `{}.{n}` starts empty in each transaction (nothing on this path fills it)",
                    info.simple
                )),
                _ => {}
            }
            return v;
        }
        let prop = info
            .decl
            .fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(n))
            .is_some_and(|f| f.is_property);
        Val::Unknown(format!(
            "`{}.{n}` is a static {} with no initial value: code that runs earlier sets it, so its value is unknown",
            info.simple,
            if prop { "property" } else { "flag" }
        ))
    }

    fn init_statics(&mut self, ci: usize) {
        let prog = self.prog;
        let Some(info) = prog.classes.get(ci) else {
            return;
        };
        self.frames.push(Frame {
            unit: info.unit,
            class: Some(ci),
            this: None,
            scopes: vec![Vec::new()],
            returns: Vec::new(),
            guard_base: self.guards.len(),
        });
        for f in info
            .decl
            .fields
            .iter()
            .filter(|f| f.is_static && !f.is_property)
        {
            if let Some(init) = &f.init {
                let v = self.eval(init);
                let key = format!("{}.{}", info.full, f.name).to_ascii_lowercase();
                self.statics.insert(key, v);
            }
        }
        self.exec_block(&info.decl.static_init);
        self.frames.pop();
    }

    fn trigger_var(&mut self, f: &str) -> Val {
        let ev = self.event;
        let l = f.to_ascii_lowercase();
        let v = match l.as_str() {
            "new" => Val::RecordList,
            "old" | "oldmap" => Val::Null(NullWhy::Definite(format!(
                "`Trigger.{f}` is null on insert"
            ))),
            "newmap" if ev.before() => Val::Null(NullWhy::Definite(
                "`Trigger.newMap` is null in before insert (the record has no Id yet)".into(),
            )),
            "newmap" => Val::RecordMap,
            "isinsert" | "isexecuting" => Val::Bool(true),
            "isupdate" | "isdelete" | "isundelete" => Val::Bool(false),
            "isbefore" => Val::Bool(ev.before()),
            "isafter" => Val::Bool(!ev.before()),
            "size" => Val::Num(1.0),
            "operationtype" => Val::Enum(ev.op().into()),
            _ => return Val::Unknown(format!("`Trigger.{f}`")),
        };
        match &v {
            Val::Bool(b) => self.fact(format!("Trigger.{f} is {b} in {}", ev.label())),
            Val::Enum(op) => self.fact(format!("Trigger.operationType is {op}")),
            _ => {}
        }
        v
    }

    fn record_field(&mut self, f: &str, text: &str) -> Val {
        if let Some(v) = self.overlay.get(&f.to_ascii_lowercase()) {
            let v = v.clone();
            self.fact(format!("`{f}` was assigned earlier in the trigger"));
            return v;
        }
        if f.eq_ignore_ascii_case("id") {
            return if self.event.before() {
                self.fact("the record has no Id in before insert".into());
                Val::Null(NullWhy::Definite(
                    "the record has no Id before insert".into(),
                ))
            } else {
                Val::Unknown("the new record's Id".into())
            };
        }
        match self.record.field(f) {
            Some(FieldValue::Known(k)) => {
                let v = match k {
                    Known::Null => Val::Null(NullWhy::Definite(format!("`{f}` is null at insert"))),
                    Known::Bool(b) => Val::Bool(*b),
                    Known::Number(n) => Val::Num(*n),
                    Known::Text(t) => Val::Text(t.clone()),
                };
                let shown = match &v {
                    Val::Text(t) => format!("'{t}'"),
                    Val::Bool(b) => b.to_string(),
                    Val::Num(n) => n.to_string(),
                    _ => "null".into(),
                };
                self.fact(format!(
                    "{f} is {shown} when the platform creates the record"
                ));
                v
            }
            Some(FieldValue::Unknown(why)) => Val::Unknown(format!("`{text}`: {why}")),
            None if self.record.unset_fields_are_null => {
                self.fact(format!(
                    "{f} is not set by the platform at insert, so it is null"
                ));
                Val::Null(NullWhy::UnsetField(f.to_string()))
            }
            None => Val::Unknown(format!("`{text}` is not in the record model")),
        }
    }

    fn eval_field(&mut self, e: &'p Expr, b: &'p Expr, f: &str) -> Val {
        // Relationship traversal on a trigger record: `s.Owner.Name` — parents are not loaded.
        if let ExprKind::Field(bb, rel) = &b.kind {
            if !f.eq_ignore_ascii_case("class") {
                let root = self.peek_record(bb);
                if root {
                    let note = format!(
                        "`{}` reads a related record through `{rel}`, but relationship fields are not loaded on trigger records (`{}` is null): NullPointerException",
                        self.src(e),
                        self.src(b)
                    );
                    self.site(
                        e.line,
                        SiteKind::NullDereference,
                        Risk::Blocks,
                        note,
                        Some("NullPointerException"),
                    );
                    return Val::Unknown(String::new());
                }
            }
        }
        // Relationship traversal on another record (`endUser.Contact.MailingCountry`): the
        // related record is null when the lookup is empty.
        if let ExprKind::Field(bb, rel) = &b.kind {
            let nested_record =
                matches!(&bb.kind, ExprKind::Field(bbb, _) if self.peek_record(bbb));
            if !f.eq_ignore_ascii_case("class") && !nested_record && lookup_may_be_empty(rel) {
                let base = self.eval(bb);
                if let (Val::SObject(obj), false) = (&base, self.checked_not_null(b)) {
                    let note = format!(
                        "`{}` reads a field through the lookup `{rel}` of a {obj} record: when that lookup is empty (no related record), `{}` is null: NullPointerException",
                        self.src(e),
                        self.src(b)
                    );
                    self.site(
                        e.line,
                        SiteKind::NullDereference,
                        Risk::May(note.clone()),
                        note,
                        Some("NullPointerException"),
                    );
                    return Val::Unknown(format!(
                        "`{}` (a field of the {obj}'s related record)",
                        self.src(e)
                    ));
                }
                let bv = self.field_of(b, rel, base);
                return self.field_of(e, f, bv);
            }
        }
        let bv = self.eval(b);
        self.field_of(e, f, bv)
    }

    /// Field `f` of the value `bv` (the evaluated base of `e`).
    fn field_of(&mut self, e: &'p Expr, f: &str, bv: Val) -> Val {
        if f.eq_ignore_ascii_case("class") {
            return match bv {
                Val::Type(t) => Val::Type(t),
                other => other,
            };
        }
        match bv {
            Val::Type(t) if t.eq_ignore_ascii_case("Trigger") => self.trigger_var(f),
            Val::Type(t) => self.static_field(&t, f, e),
            Val::Record => {
                let text = self.src(e);
                self.record_field(f, &text)
            }
            Val::Null(w) => {
                self.npe(&w, e);
                Val::Unknown(String::new())
            }
            Val::Obj(o) => {
                let key = f.to_ascii_lowercase();
                if let Some(v) = self.objects.get(o).and_then(|s| s.fields.get(&key)) {
                    let v = v.clone();
                    let what = format!("`{}`", self.src(e));
                    self.fact_val(&what, &v);
                    return v;
                }
                let cls = self.objects.get(o).map(|s| s.class);
                if let Some(ci) = cls {
                    let (chain, _) = self.prog.chain(ci);
                    for k in chain {
                        if self.has_field(k, f) {
                            return self.static_value(k, f);
                        }
                    }
                }
                Val::Unknown(format!("`{}`", self.src(e)))
            }
            Val::Rows(obj, text, _) => {
                let note = format!(
                    "`{}` reads a field straight off a query, which must return exactly one row ({}): QueryException when none matches",
                    self.src(e),
                    clip(&text, 120)
                );
                self.site(
                    e.line,
                    SiteKind::Query,
                    Risk::May(note.clone()),
                    note,
                    Some("QueryException"),
                );
                Val::Unknown(format!(
                    "a field of the {obj} found by the query at line {}",
                    e.line
                ))
            }
            Val::SObject(obj) => {
                Val::Unknown(format!("`{}` (a field of a {obj} record)", self.src(e)))
            }
            Val::Exception(_) => Val::Unknown(String::new()),
            other => {
                let w = val_why(&other);
                Val::Unknown(if w.is_empty() {
                    format!("`{}`", self.src(e))
                } else {
                    w
                })
            }
        }
    }

    /// Does `e` evaluate to the inserted record? (Without recording anything.)
    fn peek_record(&mut self, e: &'p Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => {
                matches!(self.lookup_local(n).map(|l| &l.val), Some(Val::Record))
                    || self
                        .frames
                        .last()
                        .and_then(|f| f.this)
                        .and_then(|o| self.objects.get(o))
                        .and_then(|s| s.fields.get(&n.to_ascii_lowercase()))
                        .is_some_and(|v| *v == Val::Record)
            }
            ExprKind::Index(b, _) => matches!(&b.kind, ExprKind::Field(t, n)
                if matches!(&t.kind, ExprKind::Name(tn) if tn.eq_ignore_ascii_case("trigger"))
                    && n.eq_ignore_ascii_case("new")),
            ExprKind::Cast(_, inner) => self.peek_record(inner),
            _ => false,
        }
    }

    fn static_field(&mut self, t: &str, f: &str, e: &'p Expr) -> Val {
        let ctx = self.frames.last().and_then(|fr| fr.class);
        if let Some(ci) = self.prog.find_in_context(t, ctx) {
            // Inner class or enum of a provided class?
            let full = self
                .prog
                .classes
                .get(ci)
                .map(|c| c.full.clone())
                .unwrap_or_default();
            if let Some(inner) = self.prog.find_class(&format!("{full}.{f}")) {
                let _ = inner;
                return Val::Type(format!("{full}.{f}"));
            }
            let is_enum = self
                .prog
                .classes
                .get(ci)
                .is_some_and(|c| c.decl.enums.iter().any(|(n, _)| n.eq_ignore_ascii_case(f)));
            if is_enum {
                return Val::Type(format!("{full}.{f}"));
            }
            let (chain, _) = self.prog.chain(ci);
            for k in chain {
                if self.has_field(k, f) {
                    return self.static_value(k, f);
                }
            }
            // An enum type's constant (`TriggerContext.BEFORE_INSERT`).
            return Val::Enum(f.to_string());
        }
        if t.eq_ignore_ascii_case("TriggerOperation") || is_all_caps(f) {
            return Val::Enum(f.to_string());
        }
        if t.eq_ignore_ascii_case("System") && f.eq_ignore_ascii_case("Trigger") {
            return Val::Type("Trigger".into());
        }
        let tl = t.to_ascii_lowercase();
        if tl == "label" || tl == "system.label" {
            return Val::Unknown(format!(
                "the custom label `{}` (its text is set in the org)",
                self.src(e)
            ));
        }
        if is_system_class(t) || f.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            return Val::Type(format!("{t}.{f}"));
        }
        Val::Unknown(format!(
            "`{t}.{f}` is a static value of class {t}, which was not provided: its value at run time is unknown"
        ))
    }

    fn npe(&mut self, w: &NullWhy, e: &'p Expr) {
        let text = self.src(e);
        match w {
            NullWhy::UnsetField(f) => {
                let note = format!(
                    "`{f}` is not set when the platform creates the record, so `{text}` dereferences null: NullPointerException (unless a default value or earlier automation fills {f})"
                );
                self.site(
                    e.line,
                    SiteKind::NullDereference,
                    Risk::May(note.clone()),
                    note,
                    Some("NullPointerException"),
                );
            }
            NullWhy::Definite(why) | NullWhy::Plain(why) => {
                let note = format!("`{text}` dereferences null ({why}): NullPointerException");
                self.site(
                    e.line,
                    SiteKind::NullDereference,
                    Risk::Blocks,
                    note,
                    Some("NullPointerException"),
                );
            }
        }
    }

    fn eval_binary(&mut self, e: &'p Expr, op: &str, l: &'p Expr, r: &'p Expr) -> Val {
        match op {
            "&&" | "||" => {
                // The left value that settles the result without the right side:
                // false for &&, true for ||.
                let decisive = op == "||";
                let settles = |t: &Tri| matches!((t, decisive), (Tri::T, true) | (Tri::F, false));
                let (lt, lf) = self.cond(l);
                self.facts
                    .extend(lf.split("; ").filter(|s| !s.is_empty()).map(str::to_string));
                match lt {
                    Tri::U(w) => {
                        let lc = self.src(l);
                        self.push_guard(e.line, lc, !decisive, GuardValue::Unknown, w.clone());
                        let rv = self.eval(r);
                        self.guards.pop();
                        match truthy(&rv) {
                            t if settles(&t) => Val::Bool(decisive),
                            Tri::U(w2) => Val::Unknown(join_why(&w, &w2)),
                            _ => Val::Unknown(w),
                        }
                    }
                    t if settles(&t) => Val::Bool(decisive),
                    _ => {
                        let rv = self.eval(r);
                        Self::bool_val(truthy(&rv))
                    }
                }
            }
            _ => {
                let lv = self.eval(l);
                let rv = self.eval(r);
                let unknown = || {
                    let w = join_why(&val_why(&lv), &val_why(&rv));
                    Val::Unknown(w)
                };
                match op {
                    "==" | "===" | "!=" | "!==" | "<>" => {
                        let neg = op != "==" && op != "===";
                        match scalar_eq(&lv, &rv) {
                            Some(b) => Val::Bool(b != neg),
                            None => {
                                // Identity of the record/list vs null.
                                match (&lv, &rv) {
                                    (
                                        Val::Record
                                        | Val::RecordList
                                        | Val::RecordMap
                                        | Val::Obj(_),
                                        Val::Null(_),
                                    )
                                    | (
                                        Val::Null(_),
                                        Val::Record
                                        | Val::RecordList
                                        | Val::RecordMap
                                        | Val::Obj(_),
                                    ) => Val::Bool(neg),
                                    _ => {
                                        let u = unknown();
                                        if val_why(&u).is_empty() {
                                            Val::Unknown(format!(
                                                "the value of `{}` is not known before the insert",
                                                self.src(e)
                                            ))
                                        } else {
                                            u
                                        }
                                    }
                                }
                            }
                        }
                    }
                    "<" | ">" | "<=" | ">=" => match (&lv, &rv) {
                        (Val::Num(a), Val::Num(b)) => Val::Bool(match op {
                            "<" => a < b,
                            ">" => a > b,
                            "<=" => a <= b,
                            _ => a >= b,
                        }),
                        _ => unknown(),
                    },
                    "+" => match (&lv, &rv) {
                        (Val::Num(a), Val::Num(b)) => Val::Num(a + b),
                        (Val::Text(a), Val::Text(b)) => Val::Text(format!("{a}{b}")),
                        (Val::Text(a), Val::Num(b)) => Val::Text(format!("{a}{b}")),
                        _ => Val::Unknown(format!("`{}`", self.src(e))),
                    },
                    "-" | "*" | "/" => match (&lv, &rv) {
                        (Val::Num(a), Val::Num(b)) => Val::Num(match op {
                            "-" => a - b,
                            "*" => a * b,
                            _ => {
                                if *b == 0.0 {
                                    return Val::Unknown(String::new());
                                }
                                a / b
                            }
                        }),
                        _ => Val::Unknown(format!("`{}`", self.src(e))),
                    },
                    "??" => match lv {
                        Val::Null(_) => rv,
                        Val::Unknown(_) => unknown(),
                        other => other,
                    },
                    _ => Val::Unknown(format!("`{}`", self.src(e))),
                }
            }
        }
    }

    /// Store into an lvalue.
    fn store(&mut self, target: &'p Expr, v: Val) {
        if self.dead > 0 {
            return;
        }
        let local_uncertain = self.uncertain_since(self.frame_base());
        let global_uncertain = self.uncertain_since(0);
        let tsrc = self.src(target);
        let line = target.line;
        let cond_val = |v: Val, uncertain: bool| {
            if uncertain {
                Val::Unknown(format!(
                    "`{tsrc}` is assigned at line {line} only on some paths"
                ))
            } else {
                v
            }
        };
        match &target.kind {
            ExprKind::Name(n) => {
                if let Some(l) = self.lookup_local_mut(n) {
                    l.val = cond_val(v, local_uncertain);
                    return;
                }
                if let Some(o) = self.frames.last().and_then(|f| f.this) {
                    let key = n.to_ascii_lowercase();
                    let is_instance_field = self
                        .objects
                        .get(o)
                        .is_some_and(|s| s.fields.contains_key(&key));
                    if is_instance_field {
                        if let Some(s) = self.objects.get_mut(o) {
                            s.fields.insert(key, cond_val(v, global_uncertain));
                        }
                        return;
                    }
                }
                let mut c = self.frames.last().and_then(|f| f.class);
                let mut hops = 0;
                while let Some(ci) = c {
                    hops += 1;
                    if hops > 16 {
                        break;
                    }
                    let (chain, _) = self.prog.chain(ci);
                    for k in chain {
                        if self.has_field(k, n) {
                            self.static_value(k, n);
                            if let Some(info) = self.prog.classes.get(k) {
                                let key = format!("{}.{}", info.full, n).to_ascii_lowercase();
                                self.statics.insert(key, cond_val(v, global_uncertain));
                            }
                            return;
                        }
                    }
                    c = self.prog.classes.get(ci).and_then(|i| i.outer);
                }
            }
            ExprKind::Field(b, f) => {
                let bv = self.eval(b);
                match bv {
                    Val::Record => {
                        if self.event.before() {
                            self.overlay
                                .insert(f.to_ascii_lowercase(), cond_val(v, global_uncertain));
                        } else {
                            let note = format!(
                                "`{tsrc} = …` writes a field of a Trigger.new record in after insert, where the records are read-only: FinalException"
                            );
                            self.site(
                                line,
                                SiteKind::ReadOnlyWrite,
                                Risk::Blocks,
                                note,
                                Some("FinalException"),
                            );
                        }
                    }
                    Val::Obj(o) => {
                        let key = f.to_ascii_lowercase();
                        let is_inst = self
                            .objects
                            .get(o)
                            .is_some_and(|s| s.fields.contains_key(&key));
                        if is_inst {
                            if let Some(s) = self.objects.get_mut(o) {
                                s.fields.insert(key, cond_val(v, global_uncertain));
                            }
                        } else if let Some(ci) = self.objects.get(o).map(|s| s.class) {
                            self.store_static(ci, f, cond_val(v, global_uncertain));
                        }
                    }
                    Val::Type(t) => {
                        let ctx = self.frames.last().and_then(|fr| fr.class);
                        if let Some(ci) = self.prog.find_in_context(&t, ctx) {
                            self.store_static(ci, f, cond_val(v, global_uncertain));
                        }
                    }
                    Val::Null(w) => self.npe(&w, target),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn store_static(&mut self, ci: usize, f: &str, v: Val) {
        let (chain, _) = self.prog.chain(ci);
        for k in chain {
            if self.has_field(k, f) {
                self.static_value(k, f);
                if let Some(info) = self.prog.classes.get(k) {
                    let key = format!("{}.{}", info.full, f).to_ascii_lowercase();
                    self.statics.insert(key, v);
                }
                return;
            }
        }
    }

    /// `Contact c = [SELECT … LIMIT 1];` — a query assigned to a single record.
    fn single_row_check(&mut self, ty: &TypeRef, init: &'p Expr) {
        let mut e = init;
        while let ExprKind::Cast(_, inner) = &e.kind {
            e = inner;
        }
        let ExprKind::Query { text, sosl: false } = &e.kind else {
            return;
        };
        let l = ty.simple().to_ascii_lowercase();
        if ty.is_collection() || PRIMITIVES.contains(&l.as_str()) || l == "aggregateresult" {
            return;
        }
        let lower = text.to_ascii_lowercase();
        if ["count(", "sum(", "max(", "min(", "avg("]
            .iter()
            .any(|a| lower.contains(a))
        {
            return;
        }
        let note = format!(
            "a query that must return exactly one row: {} is assigned to a single {}, which throws a QueryException ('List has no rows for assignment to SObject') when nothing matches",
            clip(text, 140),
            ty.name
        );
        self.site(
            e.line,
            SiteKind::Query,
            Risk::May(note.clone()),
            note,
            Some("QueryException"),
        );
    }

    fn single_row_assign(&mut self, l: &'p Expr, r: &'p Expr) {
        if let ExprKind::Name(n) = &l.kind {
            let ty = self.lookup_local(n).and_then(|x| x.ty.clone());
            if let Some(ty) = ty {
                self.single_row_check(&ty, r);
            }
        }
    }

    fn static_type_of(&self, e: &Expr) -> Option<TypeRef> {
        match &e.kind {
            ExprKind::Name(n) => self.lookup_local(n).and_then(|l| l.ty.clone()),
            ExprKind::New(t, _, _) => Some(t.clone()),
            ExprKind::Cast(t, _) => Some(t.clone()),
            _ => None,
        }
    }

    fn dml_site(
        &mut self,
        line: u32,
        op: &str,
        target: &'p Expr,
        v: &Val,
        all_or_none: Option<bool>,
        as_user: bool,
    ) {
        let verb = match op {
            "insert" => "inserting",
            "update" => "updating",
            "upsert" => "upserting",
            "delete" => "deleting",
            "undelete" => "undeleting",
            "merge" => "merging",
            _ => "saving",
        };
        let tsrc = self.src(target);
        let st = self.static_type_of(target);
        if let Val::Coll(true) = v {
            self.site(
                line,
                SiteKind::Dml,
                Risk::Harmless,
                format!("{op} of `{tsrc}`, which is empty here: nothing is saved"),
                None,
            );
            return;
        }
        if all_or_none == Some(false) {
            self.site(
                line,
                SiteKind::Dml,
                Risk::Harmless,
                format!("Database.{op}(…, false): allOrNone is false, so failed rows are returned in the results instead of throwing"),
                None,
            );
            return;
        }
        let user = if as_user {
            " (as user: the Automated Process user's object and field permissions apply)"
        } else {
            ""
        };
        match v {
            Val::RecordList => {
                let note = format!(
                    "`{op}` on Trigger.new inside its own trigger throws 'DML statement cannot operate on trigger.new or trigger.old'"
                );
                self.site(
                    line,
                    SiteKind::Dml,
                    Risk::Blocks,
                    note,
                    Some("DmlException"),
                );
                return;
            }
            Val::Record if self.event.before() => {
                let note = format!(
                    "`{op} {tsrc}` in before insert works on the record being inserted, which has no Id yet and cannot be saved separately: DmlException"
                );
                self.site(
                    line,
                    SiteKind::Dml,
                    Risk::Blocks,
                    note,
                    Some("DmlException"),
                );
                return;
            }
            Val::Record => {
                let note = format!(
                    "{verb} the record being inserted from its own after-insert trigger runs its update automation (validation rules, triggers, flows), which may fail{user}"
                );
                self.site(
                    line,
                    SiteKind::Dml,
                    Risk::May(note.clone()),
                    note,
                    Some("DmlException"),
                );
                return;
            }
            _ => {}
        }
        let (obj, many) = match (v, &st) {
            (Val::SObject(o), _) => (o.clone(), false),
            (Val::Rows(o, _, _), _) => (o.clone(), true),
            (_, Some(t)) if t.is_collection() => (
                t.element()
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| "SObject".into()),
                true,
            ),
            (_, Some(t)) if t.array => (t.name.clone(), true),
            (_, Some(t)) => (t.name.clone(), false),
            _ => (String::new(), true),
        };
        let what = if obj.is_empty() || obj.eq_ignore_ascii_case("sobject") {
            format!("{verb} `{tsrc}` (records of a type the analyser could not tell)")
        } else if many {
            format!("{verb} {obj} records")
        } else {
            format!("{verb} {} {obj}", article(&obj))
        };
        let extra = match v {
            Val::Unknown(w) if !w.is_empty() => format!(" ({w})"),
            _ => String::new(),
        };
        let note = format!(
            "{what}, whose own validation rules, required fields and triggers may fail and throw a DmlException{user}{extra}"
        );
        self.site(
            line,
            SiteKind::Dml,
            Risk::May(note.clone()),
            note,
            Some("DmlException"),
        );
    }

    fn eval_new(
        &mut self,
        e: &'p Expr,
        ty: &'p TypeRef,
        args: &'p [Expr],
        init: &'p [Expr],
    ) -> Val {
        let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
        for i in init {
            self.eval(i);
        }
        if ty.array {
            return Val::Coll(init.is_empty());
        }
        let l = ty.simple().to_ascii_lowercase();
        if ty.is_collection() {
            if let Some(first) = argv.first() {
                return match first {
                    Val::RecordList => Val::RecordList,
                    Val::Coll(b) => Val::Coll(*b),
                    Val::Rows(..) => Val::Unknown(format!("`{}`", self.src(e))),
                    _ => Val::Unknown(format!("`{}`", self.src(e))),
                };
            }
            return Val::Coll(init.is_empty());
        }
        if l.ends_with("exception") {
            return Val::Exception(ty.name.clone());
        }
        if l == "http" || l == "httprequest" || l == "httpresponse" {
            return Val::Builtin(l);
        }
        let ctx = self.frames.last().and_then(|f| f.class);
        if let Some(ci) = self.prog.find_in_context(&ty.name, ctx) {
            return self.construct(ci, argv);
        }
        if is_sobject_type(&ty.name) {
            return Val::SObject(ty.name.clone());
        }
        if is_system_class(&ty.name) {
            return Val::Builtin(l);
        }
        let what = format!(
            "class {} (constructed at {}: `{}`) — its source was not provided",
            ty.name,
            self.loc(self.unit(), e.line),
            self.src(e)
        );
        self.add_unseen(what);
        Val::Unseen(ty.name.clone())
    }

    fn construct(&mut self, ci: usize, args: Vec<Val>) -> Val {
        let prog = self.prog;
        if prog.classes.get(ci).is_some_and(|c| c.hidden) {
            let name = prog
                .classes
                .get(ci)
                .map(|c| c.full.clone())
                .unwrap_or_default();
            self.add_unseen(format!(
                "class {name} (a managed package class whose body is hidden)"
            ));
            return Val::Unseen(name);
        }
        let o = self.objects.len();
        if o > 10_000 {
            return Val::Unknown(String::new());
        }
        self.objects.push(ObjState {
            class: ci,
            fields: BTreeMap::new(),
        });
        let (chain, _) = prog.chain(ci);
        // Declare every instance field first (so stores find them), then run initialisers.
        for &k in chain.iter().rev() {
            let Some(info) = prog.classes.get(k) else {
                continue;
            };
            for f in info.decl.fields.iter().filter(|f| !f.is_static) {
                if let Some(s) = self.objects.get_mut(o) {
                    s.fields.insert(
                        f.name.to_ascii_lowercase(),
                        Val::Null(NullWhy::Plain(format!("`{}` is not initialised", f.name))),
                    );
                }
            }
        }
        for &k in chain.iter().rev() {
            let Some(info) = prog.classes.get(k) else {
                continue;
            };
            self.frames.push(Frame {
                unit: info.unit,
                class: Some(k),
                this: Some(o),
                scopes: vec![Vec::new()],
                returns: Vec::new(),
                guard_base: self.guards.len(),
            });
            for f in info.decl.fields.iter().filter(|f| !f.is_static) {
                if let Some(init) = &f.init {
                    let v = self.eval(init);
                    if let Some(s) = self.objects.get_mut(o) {
                        s.fields.insert(f.name.to_ascii_lowercase(), v);
                    }
                }
            }
            self.exec_block(&info.decl.instance_init);
            self.frames.pop();
        }
        self.run_ctor(ci, o, args, 0);
        Val::Obj(o)
    }

    fn run_ctor(&mut self, ci: usize, o: usize, args: Vec<Val>, depth: u32) {
        if depth > 8 || self.frames.len() > MAX_CALL_DEPTH + 8 {
            return;
        }
        let prog = self.prog;
        let Some(info) = prog.classes.get(ci) else {
            return;
        };
        let ctor = info
            .decl
            .ctors
            .iter()
            .find(|c| c.params.len() == args.len())
            .or_else(|| info.decl.ctors.first());
        let parent = match prog.parent(ci) {
            Some(Ok(p)) => Some(p),
            _ => None,
        };
        let Some(ctor) = ctor else {
            if let Some(p) = parent {
                self.run_ctor(p, o, Vec::new(), depth + 1);
            }
            return;
        };
        let body = ctor.body.as_deref().unwrap_or(&[]);
        self.frames.push(Frame {
            unit: info.unit,
            class: Some(ci),
            this: Some(o),
            scopes: vec![Vec::new()],
            returns: Vec::new(),
            guard_base: self.guards.len(),
        });
        for (i, p) in ctor.params.iter().enumerate() {
            let v = args.get(i).cloned().unwrap_or(Val::Unknown(String::new()));
            self.declare(&p.name, Some(p.ty.clone()), v);
        }
        let mut rest = body;
        let mut explicit = false;
        if let Some(first) = body.first() {
            if let StmtKind::Expr(Expr {
                kind: ExprKind::Call(None, n, a),
                ..
            }) = &first.kind
            {
                if n == "super" || n == "this" {
                    explicit = true;
                    let av: Vec<Val> = a.iter().map(|x| self.eval(x)).collect();
                    if n == "super" {
                        if let Some(p) = parent {
                            self.run_ctor(p, o, av, depth + 1);
                        }
                    } else {
                        self.run_ctor(ci, o, av, depth + 1);
                    }
                    rest = body.get(1..).unwrap_or(&[]);
                }
            }
        }
        if !explicit {
            if let Some(p) = parent {
                self.run_ctor(p, o, Vec::new(), depth + 1);
            }
        }
        self.exec_block(rest);
        self.frames.pop();
    }

    /// Call method `mi` of class `ci` with `this` and arguments.
    fn invoke(
        &mut self,
        ci: usize,
        mi: usize,
        this: Option<usize>,
        args: Vec<Val>,
        call: &'p Expr,
    ) -> Val {
        let prog = self.prog;
        let Some(info) = prog.classes.get(ci) else {
            return Val::Unknown(String::new());
        };
        let Some(m) = prog.method(ci, mi) else {
            return Val::Unknown(String::new());
        };
        let label = format!("{}.{}()", info.full, m.name);
        if info.hidden {
            self.add_unseen(format!(
                "{label} (a managed package class whose body is hidden)"
            ));
            return Val::Unknown(format!("the result of {label}, whose code is hidden"));
        }
        if m.annotations.iter().any(|a| a == "future") {
            self.site(
                call.line,
                SiteKind::AsyncJob,
                Risk::Harmless,
                format!("{label} is @future: it runs after the insert commits, so its failures do not undo the insert"),
                None,
            );
            return Val::Unknown(String::new());
        }
        if self.call_stack.contains(&(ci, mi)) {
            return Val::Unknown(format!("the result of {label} (recursive)"));
        }
        if self.call_stack.len() >= MAX_CALL_DEPTH {
            self.add_unseen(format!(
                "{label} and what it calls (more than {MAX_CALL_DEPTH} calls deep)"
            ));
            return Val::Unknown(format!("the result of {label}"));
        }
        let Some(body) = m.body.as_deref() else {
            return Val::Unknown(format!("the result of {label} (abstract)"));
        };
        if self.frames.len() <= 1 {
            let text = self.src(call);
            self.site(
                call.line,
                SiteKind::Call,
                Risk::Harmless,
                format!(
                    "`{text}` is followed into {label} ({})",
                    self.loc(info.unit, m.line)
                ),
                None,
            );
        }
        self.call_stack.push((ci, mi));
        self.frames.push(Frame {
            unit: info.unit,
            class: Some(ci),
            this,
            scopes: vec![Vec::new()],
            returns: Vec::new(),
            guard_base: self.guards.len(),
        });
        for (i, p) in m.params.iter().enumerate() {
            let v = args.get(i).cloned().unwrap_or(Val::Unknown(String::new()));
            self.declare(&p.name, Some(p.ty.clone()), v);
        }
        self.exec_block(body);
        let f = self.frames.pop();
        self.call_stack.pop();
        let returns = f.map(|f| f.returns).unwrap_or_default();
        match returns.split_first() {
            None => Val::Unknown(format!("the result of {label}")),
            Some((first, rest)) => {
                if rest.iter().all(|r| r == first) {
                    first.clone()
                } else {
                    Val::Unknown(format!(
                        "the result of {label}, which depends on conditions inside it"
                    ))
                }
            }
        }
    }

    /// The handler hooks for the current event, run when the dispatching framework is not
    /// provided.
    fn run_hooks(&mut self, ci: usize, this: Option<usize>, framework: &str, call: &'p Expr) {
        let names: &[&str] = if self.event.before() {
            &[
                "beforeinsert",
                "onbeforeinsert",
                "handlebeforeinsert",
                "onapplydefaults",
            ]
        } else {
            &[
                "afterinsert",
                "onafterinsert",
                "handleafterinsert",
                "onvalidate",
            ]
        };
        let this = match this {
            Some(o) => Some(o),
            None => {
                // Build the handler with list arguments bound to Trigger.new.
                let args: Vec<Val> = self
                    .prog
                    .classes
                    .get(ci)
                    .and_then(|c| c.decl.ctors.first())
                    .map(|c| {
                        c.params
                            .iter()
                            .map(|p| {
                                if p.ty.is_collection() {
                                    Val::RecordList
                                } else {
                                    Val::Unknown(String::new())
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                match self.construct(ci, args) {
                    Val::Obj(o) => Some(o),
                    _ => None,
                }
            }
        };
        let cname = self
            .prog
            .classes
            .get(ci)
            .map(|c| c.full.clone())
            .unwrap_or_default();
        for n in names {
            if let Some((k, mi)) = self
                .prog
                .find_method(ci, n, 0)
                .or_else(|| self.prog.find_method(ci, n, 1))
            {
                let mname = self
                    .prog
                    .method(k, mi)
                    .map(|m| m.name.clone())
                    .unwrap_or_default();
                let why = format!(
                    "{framework} (not provided) calls {cname}.{mname}() for {}",
                    self.event.label()
                );
                self.push_guard(
                    call.line,
                    format!("{framework} dispatches to {cname}.{mname}()"),
                    true,
                    GuardValue::Unknown,
                    why,
                );
                let arity = self.prog.method(k, mi).map(|m| m.params.len()).unwrap_or(0);
                let args = vec![Val::RecordList; arity];
                self.invoke(k, mi, this, args, call);
                self.guards.pop();
            }
        }
    }

    fn eval_call(
        &mut self,
        e: &'p Expr,
        target: Option<&'p Expr>,
        name: &'p str,
        args: &'p [Expr],
    ) -> Val {
        let lname = name.to_ascii_lowercase();
        if lname == "adderror" {
            if let Some(t) = target {
                return self.add_error(e, t, args);
            }
        }
        let Some(t) = target else {
            let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
            if lname == "this" || lname == "super" {
                return Val::Unknown(String::new());
            }
            let fr_this = self.frames.last().and_then(|f| f.this);
            let fr_class = self.frames.last().and_then(|f| f.class);
            let dyn_class = fr_this
                .and_then(|o| self.objects.get(o))
                .map(|s| s.class)
                .or(fr_class);
            if let Some(dc) = dyn_class {
                if let Some((k, mi)) = self.prog.find_method(dc, name, args.len()) {
                    return self.invoke(k, mi, fr_this, argv, e);
                }
                let (_, missing) = self.prog.chain(dc);
                if let Some(base) = missing {
                    return self.unseen_call(&base, name, e, Some(dc), fr_this);
                }
            }
            return Val::Unknown(format!("the result of `{}`", self.src(e)));
        };
        let recv = self.eval(t);
        match recv {
            Val::Type(ty) if ty.eq_ignore_ascii_case("Trigger") => Val::Unknown(String::new()),
            Val::Type(ty) => {
                let ctx = self.frames.last().and_then(|f| f.class);
                if let Some(ci) = self.prog.find_in_context(&ty, ctx) {
                    let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                    if let Some((k, mi)) = self.prog.find_method(ci, name, args.len()) {
                        return self.invoke(k, mi, None, argv, e);
                    }
                    let (_, missing) = self.prog.chain(ci);
                    if let Some(base) = missing {
                        return self.unseen_call(&base, name, e, None, None);
                    }
                    return Val::Unknown(format!("the result of `{}`", self.src(e)));
                }
                self.builtin_static(e, &ty, &lname, args)
            }
            Val::Obj(o) => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                // `super.m()` starts the lookup at the parent of the running method's class.
                let cls = if matches!(t.kind, ExprKind::Super) {
                    match self
                        .frames
                        .last()
                        .and_then(|f| f.class)
                        .and_then(|c| self.prog.parent(c))
                    {
                        Some(Ok(p)) => Some(p),
                        _ => None,
                    }
                } else {
                    self.objects.get(o).map(|s| s.class)
                };
                if let Some(ci) = cls {
                    if let Some((k, mi)) = self.prog.find_method(ci, name, args.len()) {
                        return self.invoke(k, mi, Some(o), argv, e);
                    }
                    let (_, missing) = self.prog.chain(ci);
                    if let Some(base) = missing {
                        return self.unseen_call(&base, name, e, Some(ci), Some(o));
                    }
                }
                Val::Unknown(format!("the result of `{}`", self.src(e)))
            }
            Val::Unseen(cls) => {
                for a in args {
                    self.eval(a);
                }
                let what = format!(
                    "{cls}.{name}() (called at {}) — class {cls} was not provided",
                    self.loc(self.unit(), e.line)
                );
                self.add_unseen(what);
                Val::Unknown(format!(
                    "the result of {cls}.{name}(), whose code was not provided"
                ))
            }
            Val::Builtin(b) => {
                for a in args {
                    self.eval(a);
                }
                if b == "http" && lname == "send" {
                    let note = format!(
                        "`{}` makes an HTTP callout in trigger context: callouts are not allowed while the insert is in progress (CalloutException: 'Callout from triggers are currently not supported') unless moved to @future(callout=true) or a Queueable",
                        self.src(e)
                    );
                    self.site(
                        e.line,
                        SiteKind::Callout,
                        Risk::May(note.clone()),
                        note,
                        Some("CalloutException"),
                    );
                }
                Val::Unknown(String::new())
            }
            Val::Record => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                match lname.as_str() {
                    "get" => match argv.first() {
                        Some(Val::Text(f)) => {
                            let f = f.clone();
                            let text = self.src(e);
                            self.record_field(&f, &text)
                        }
                        _ => Val::Unknown(format!("`{}`", self.src(e))),
                    },
                    "put" => {
                        if !self.event.before() {
                            let note = format!(
                                "`{}` writes a field of a Trigger.new record in after insert, where the records are read-only: FinalException",
                                self.src(e)
                            );
                            self.site(
                                e.line,
                                SiteKind::ReadOnlyWrite,
                                Risk::Blocks,
                                note,
                                Some("FinalException"),
                            );
                        } else if let (Some(Val::Text(f)), Some(v)) = (argv.first(), argv.get(1)) {
                            let v = if self.uncertain_since(0) {
                                Val::Unknown(String::new())
                            } else {
                                v.clone()
                            };
                            self.overlay.insert(f.to_ascii_lowercase(), v);
                        }
                        Val::Unknown(String::new())
                    }
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::RecordList => {
                for a in args {
                    self.eval(a);
                }
                match lname.as_str() {
                    "get" => Val::Record,
                    "size" => Val::Num(1.0),
                    "isempty" => Val::Bool(false),
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::RecordMap => {
                for a in args {
                    self.eval(a);
                }
                match lname.as_str() {
                    "values" => Val::RecordList,
                    "get" => Val::Record,
                    "size" => Val::Num(1.0),
                    "isempty" => Val::Bool(false),
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::Null(w) => {
                for a in args {
                    self.eval(a);
                }
                self.npe(&w, e);
                Val::Unknown(String::new())
            }
            Val::Text(s) => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                let arg_text = match argv.first() {
                    Some(Val::Text(x)) => Some(x.clone()),
                    _ => None,
                };
                match (lname.as_str(), arg_text) {
                    ("equals", Some(x)) => Val::Bool(s == x),
                    ("equalsignorecase", Some(x)) => Val::Bool(s.eq_ignore_ascii_case(&x)),
                    ("contains", Some(x)) => Val::Bool(s.contains(&x)),
                    ("containsignorecase", Some(x)) => {
                        Val::Bool(s.to_ascii_lowercase().contains(&x.to_ascii_lowercase()))
                    }
                    ("startswith", Some(x)) => Val::Bool(s.starts_with(&x)),
                    ("endswith", Some(x)) => Val::Bool(s.ends_with(&x)),
                    ("length", _) => Val::Num(s.chars().count() as f64),
                    ("tolowercase", _) => Val::Text(s.to_lowercase()),
                    ("touppercase", _) => Val::Text(s.to_uppercase()),
                    ("trim", _) => Val::Text(s.trim().to_string()),
                    ("isblank", _) => Val::Bool(s.trim().is_empty()),
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::Coll(empty) => {
                let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                match lname.as_str() {
                    "contains" | "containskey" if empty => Val::Bool(false),
                    "isempty" => {
                        if empty {
                            Val::Bool(true)
                        } else {
                            Val::Unknown(format!("whether `{}` is empty", self.src(t)))
                        }
                    }
                    "size" if empty => Val::Num(0.0),
                    "add" | "addall" | "put" | "putall" => {
                        let definite = !self.uncertain_since(self.frame_base());
                        let nv = match (argv.first(), empty, definite) {
                            (Some(Val::Record | Val::RecordList), true, true) => Val::RecordList,
                            (_, _, true) => Val::Coll(false),
                            _ => Val::Unknown(format!(
                                "`{}` gets items only on some paths (line {})",
                                self.src(t),
                                e.line
                            )),
                        };
                        self.store(t, nv);
                        Val::Unknown(String::new())
                    }
                    "clear" => {
                        self.store(t, Val::Coll(true));
                        Val::Unknown(String::new())
                    }
                    _ => Val::Unknown(format!("the result of `{}`", self.src(e))),
                }
            }
            Val::Rows(obj, text, l) => {
                for a in args {
                    self.eval(a);
                }
                match lname.as_str() {
                    "get" => {
                        let note = format!(
                            "`{}` takes a row from a query result that may be empty ({}): ListException when no row matches",
                            self.src(e),
                            clip(&text, 120)
                        );
                        self.site(
                            e.line,
                            SiteKind::Index,
                            Risk::May(note.clone()),
                            note,
                            Some("ListException"),
                        );
                        Val::SObject(obj)
                    }
                    "isempty" | "size" => {
                        Val::Unknown(format!("whether the query at line {l} returns rows"))
                    }
                    _ => Val::Unknown(String::new()),
                }
            }
            _ => {
                for a in args {
                    self.eval(a);
                }
                // `map.get(k)` / `list.get(i)` on a local declared as a collection of records.
                if lname == "get" {
                    if let Some(obj) = self.sobject_element(t) {
                        return Val::SObject(obj);
                    }
                }
                // Methods that change a local collection make its contents unknown.
                if matches!(lname.as_str(), "add" | "addall" | "put" | "putall") {
                    let src = self.src(t);
                    self.store(
                        t,
                        Val::Unknown(format!("`{src}` gets items at line {}", e.line)),
                    );
                }
                Val::Unknown(format!("the result of `{}`", self.src(e)))
            }
        }
    }

    fn unseen_call(
        &mut self,
        base: &str,
        name: &str,
        e: &'p Expr,
        handler: Option<usize>,
        this: Option<usize>,
    ) -> Val {
        let what = format!(
            "class {base} (a base class whose `{name}()` is called at {}: `{}`) — its source was not provided",
            self.loc(self.unit(), e.line),
            self.src(e)
        );
        self.add_unseen(what);
        if let Some(h) = handler {
            self.run_hooks(h, this, base, e);
        }
        Val::Unknown(format!(
            "the result of {base}.{name}(), whose code was not provided"
        ))
    }

    fn add_error(&mut self, e: &'p Expr, t: &'p Expr, args: &'p [Expr]) -> Val {
        for a in args {
            self.eval(a);
        }
        let msg = args.first().map(|a| self.src(a)).unwrap_or_default();
        // The receiver: the record, or a field of the record.
        let (on_record, field) = match &t.kind {
            ExprKind::Field(b, f) => {
                let bv = self.eval(b);
                if bv == Val::Record {
                    (Some(true), Some(f.clone()))
                } else {
                    let tv = self.eval(t);
                    match tv {
                        Val::Record => (Some(true), None),
                        Val::SObject(_) | Val::Rows(..) => (Some(false), None),
                        _ => (None, None),
                    }
                }
            }
            _ => match self.eval(t) {
                Val::Record => (Some(true), None),
                Val::RecordList => (Some(true), None),
                Val::SObject(_) | Val::Rows(..) | Val::Exception(_) | Val::Obj(_) => {
                    (Some(false), None)
                }
                Val::Unknown(_) | Val::Type(_) => {
                    let declared = self.static_type_of(t);
                    match declared {
                        Some(ty) if ty.is("MessagingSession") => (Some(true), None),
                        Some(ty) if is_sobject_type(&ty.name) && !ty.is("SObject") => {
                            (Some(false), None)
                        }
                        _ => (None, None),
                    }
                }
                _ => (None, None),
            },
        };
        let text = self.src(e);
        let on = match &field {
            Some(f) => format!("on field {f} of the record"),
            None => "on the record".to_string(),
        };
        match on_record {
            Some(true) => {
                let note = format!(
                    "`{text}` adds an error {on}: the platform's insert of the MessagingSession fails with this message ({})",
                    if msg.is_empty() { "no message".to_string() } else { msg }
                );
                self.site(e.line, SiteKind::AddError, Risk::Blocks, note, None);
            }
            Some(false) => {
                self.site(
                    e.line,
                    SiteKind::AddError,
                    Risk::Harmless,
                    format!(
                        "`{text}` marks another record, not the MessagingSession being inserted"
                    ),
                    None,
                );
            }
            None => {
                let note = format!(
                    "`{text}` adds an error to a record the analyser could not trace; it fails the insert if that record is the MessagingSession being inserted"
                );
                self.site(
                    e.line,
                    SiteKind::AddError,
                    Risk::May(note.clone()),
                    note,
                    None,
                );
            }
        }
        Val::Unknown(String::new())
    }

    fn builtin_static(&mut self, e: &'p Expr, ty: &str, lname: &str, args: &'p [Expr]) -> Val {
        let tl = ty.to_ascii_lowercase();
        let tl = tl.strip_prefix("system.").unwrap_or(&tl).to_string();
        // Database.insert(x, allOrNone) handles its own arguments.
        if tl == "database"
            && matches!(
                lname,
                "insert" | "update" | "upsert" | "delete" | "undelete" | "merge"
            )
        {
            let target = args.first();
            let v = match target {
                Some(t) => self.eval(t),
                None => Val::Unknown(String::new()),
            };
            let mut all_or_none = Some(true);
            // allOrNone is the second argument (third for upsert with an external id field).
            for a in args.iter().skip(1) {
                match self.eval(a) {
                    Val::Bool(b) => all_or_none = Some(b),
                    Val::Unknown(_) if matches!(a.kind, ExprKind::Name(_)) => all_or_none = None,
                    _ => {}
                }
            }
            if let Some(t) = target {
                if all_or_none.is_none() {
                    let note = format!(
                        "Database.{lname}(…) with an allOrNone flag of unknown value: it throws a DmlException on failure when the flag is true ({})",
                        self.src(e)
                    );
                    self.site(
                        e.line,
                        SiteKind::Dml,
                        Risk::May(note.clone()),
                        note,
                        Some("DmlException"),
                    );
                } else {
                    self.dml_site(e.line, lname, t, &v, all_or_none, false);
                }
            }
            return Val::Unknown(String::new());
        }
        let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
        let text = self.src(e);
        match (tl.as_str(), lname) {
            ("userinfo", "getusertype") => self.user_value("UserType", "the running user's type"),
            ("userinfo", "getusername") => self.user_value("Username", "the running user's username"),
            ("userinfo", "getprofileid") => self.user_value("ProfileId", "the running user's profile id"),
            ("userinfo", "getname") => self.user_value("Name", "the running user's name"),
            ("userinfo", "getlastname") => self.user_value("LastName", "the running user's last name"),
            ("userinfo", _) => Val::Unknown(format!("`{text}` for the Automated Process user")),
            ("featuremanagement", "checkpermission") => match argv.first() {
                Some(Val::Text(p)) => match self.record.has_permission(p) {
                    Some(b) => {
                        self.fact(format!("the Automated Process user {} custom permission {p}", if b { "has" } else { "does not have" }));
                        Val::Bool(b)
                    }
                    None => Val::Unknown(format!(
                        "whether the Automated Process user has custom permission '{p}' (assigned through a permission set)"
                    )),
                },
                _ => Val::Unknown(format!("the custom permission check `{text}`")),
            },
            ("test", "isrunningtest") => {
                self.fact("Test.isRunningTest() is false for a real conversation".into());
                Val::Bool(false)
            }
            ("system", "isbatch" | "isfuture" | "isqueueable" | "isscheduled") => {
                self.fact(format!("System.{lname}() is false in the insert's own transaction"));
                Val::Bool(false)
            }
            ("system", "schedule" | "schedulebatch") => {
                let note = format!(
                    "`{text}` schedules a job from the trigger: it throws if a job with the same name is already scheduled or the org's 100 scheduled jobs limit is reached"
                );
                self.site(e.line, SiteKind::AsyncJob, Risk::May(note.clone()), note, Some("AsyncException"));
                Val::Unknown(String::new())
            }
            ("database", "executebatch") => {
                let note = format!(
                    "`{text}` starts a batch job from the trigger: it throws when 5 batch jobs are already queued or active (AsyncException)"
                );
                self.site(e.line, SiteKind::AsyncJob, Risk::May(note.clone()), note, Some("AsyncException"));
                Val::Unknown(String::new())
            }
            ("system", "enqueuejob") => {
                self.site(
                    e.line,
                    SiteKind::AsyncJob,
                    Risk::Harmless,
                    format!("`{text}` queues a job that runs after the insert commits (its failure does not undo the insert)"),
                    None,
                );
                Val::Unknown(String::new())
            }
            ("security", "stripinaccessible") => {
                let note = format!(
                    "`{text}` checks the Automated Process user's object and field access: it throws a NoAccessException if that user cannot access the object at all"
                );
                self.site(e.line, SiteKind::Security, Risk::May(note.clone()), note, Some("NoAccessException"));
                Val::Unknown(String::new())
            }
            ("database", "query") => {
                let q = match argv.first() {
                    Some(Val::Text(t)) => t.clone(),
                    _ => text.clone(),
                };
                Val::Rows(query_object(&q), q, e.line)
            }
            ("string", "isblank" | "isempty" | "isnotblank" | "isnotempty") => {
                let neg = lname.contains("not");
                let blank = match argv.first() {
                    Some(Val::Null(_)) => Some(true),
                    Some(Val::Text(s)) => Some(if lname.contains("blank") { s.trim().is_empty() } else { s.is_empty() }),
                    _ => None,
                };
                match blank {
                    Some(b) => Val::Bool(b != neg),
                    None => Val::Unknown(argv.first().map(val_why).filter(|w| !w.is_empty()).unwrap_or_else(|| format!("`{text}`"))),
                }
            }
            ("string", "valueof") => match argv.first() {
                Some(Val::Text(s)) => Val::Text(s.clone()),
                Some(Val::Num(n)) => Val::Text(n.to_string()),
                Some(Val::Bool(b)) => Val::Text(b.to_string()),
                _ => Val::Unknown(format!("`{text}`")),
            },
            _ if is_system_class(ty) || is_sobject_type(ty) => {
                Val::Unknown(format!("the result of `{text}`"))
            }
            _ => {
                // A class that was not provided. If it is handed a provided handler (a framework
                // dispatcher such as `Framework.handle(MyHandler.class)`), run the handler's hooks.
                let what = format!(
                    "class {ty} (called at {}: `{text}`) — its source was not provided",
                    self.loc(self.unit(), e.line)
                );
                self.add_unseen(what);
                let ctx = self.frames.last().and_then(|f| f.class);
                for v in &argv {
                    match v {
                        Val::Type(h) => {
                            if let Some(ci) = self.prog.find_in_context(h, ctx) {
                                self.run_hooks(ci, None, ty, e);
                            }
                        }
                        Val::Obj(o) => {
                            if let Some(ci) = self.objects.get(*o).map(|s| s.class) {
                                self.run_hooks(ci, Some(*o), ty, e);
                            }
                        }
                        _ => {}
                    }
                }
                Val::Unknown(format!("the result of `{text}`, whose code was not provided"))
            }
        }
    }

    fn user_value(&mut self, field: &str, what: &str) -> Val {
        match self.record.user_field(field) {
            Some(FieldValue::Known(Known::Text(t))) => {
                self.fact(format!(
                    "{what} is '{t}' (the Automated Process user inserts the record)"
                ));
                Val::Text(t.clone())
            }
            Some(FieldValue::Known(Known::Null)) => {
                Val::Null(NullWhy::Definite(format!("{what} is null")))
            }
            Some(FieldValue::Known(Known::Bool(b))) => Val::Bool(*b),
            Some(FieldValue::Known(Known::Number(n))) => Val::Num(*n),
            Some(FieldValue::Unknown(w)) => Val::Unknown(format!("{what}: {w}")),
            None => Val::Unknown(format!(
                "{what} (not in the model of the Automated Process user)"
            )),
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
        it.frames.push(Frame {
            unit: 0,
            class: None,
            this: None,
            scopes: vec![Vec::new()],
            returns: Vec::new(),
            guard_base: 0,
        });
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
