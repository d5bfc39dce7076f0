//! Verdicts on the shapes real-world triggers take (parenthesised DML, type literals, generated
//! concatenations, null-safe relationship reads, platform calls that return null for missing
//! data). Each fixture under `fixtures/verdicts/` comes as a pair: the `bad` form and its `fixed`
//! form, with the verdict each must get.

use super::parser::{ClassDecl, Expr, ExprKind, Parser, Stmt, StmtKind, WhenValues};
use super::tests::run;
use super::*;

fn label(v: &TriggerVerdict) -> &'static str {
    v.verdict.label()
}

fn conditions(v: &TriggerVerdict) -> String {
    match &v.verdict {
        Verdict::MayBlock { conditions } => conditions.join("\n"),
        other => panic!("expected mayBlock, got {other:?}\n{v:#?}"),
    }
}

fn reason(v: &TriggerVerdict) -> String {
    match &v.verdict {
        Verdict::Blocks { reason } => reason.clone(),
        other => panic!("expected blocks, got {other:?}\n{v:#?}"),
    }
}

// ----- Unknown nodes --------------------------------------------------------------------------

#[derive(Default)]
struct Count {
    nodes: usize,
    unknown: Vec<u32>,
}

fn count_expr(c: &mut Count, e: &Expr) {
    c.nodes += 1;
    match &e.kind {
        ExprKind::Unknown => c.unknown.push(e.line),
        ExprKind::Field(a, _)
        | ExprKind::Unary(_, a)
        | ExprKind::Postfix(_, a)
        | ExprKind::Cast(_, a)
        | ExprKind::InstanceOf(a, _) => count_expr(c, a),
        ExprKind::Call(a, _, args) => {
            if let Some(a) = a {
                count_expr(c, a);
            }
            args.iter().for_each(|x| count_expr(c, x));
        }
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) | ExprKind::Assign(_, a, b) => {
            count_expr(c, a);
            count_expr(c, b);
        }
        ExprKind::Chain(xs, _) => xs.iter().for_each(|x| count_expr(c, x)),
        ExprKind::New(_, a, b) => a.iter().chain(b).for_each(|x| count_expr(c, x)),
        ExprKind::Ternary(a, b, d) => {
            count_expr(c, a);
            count_expr(c, b);
            count_expr(c, d);
        }
        _ => {}
    }
}

fn count_stmt(c: &mut Count, s: &Stmt) {
    c.nodes += 1;
    match &s.kind {
        StmtKind::Unknown => c.unknown.push(s.line),
        StmtKind::Block(b) => b.iter().for_each(|x| count_stmt(c, x)),
        StmtKind::Local { vars, .. } => vars
            .iter()
            .filter_map(|(_, e)| e.as_ref())
            .for_each(|e| count_expr(c, e)),
        StmtKind::Expr(e) | StmtKind::Throw(e) | StmtKind::Return(Some(e)) => count_expr(c, e),
        StmtKind::Dml { target, .. } => count_expr(c, target),
        StmtKind::If(a, b, d) => {
            count_expr(c, a);
            count_stmt(c, b);
            if let Some(d) = d {
                count_stmt(c, d);
            }
        }
        StmtKind::ForEach { iter, body, .. } => {
            count_expr(c, iter);
            count_stmt(c, body);
        }
        StmtKind::For {
            init,
            cond,
            update,
            body,
        } => {
            init.iter().for_each(|x| count_stmt(c, x));
            cond.iter().chain(update).for_each(|x| count_expr(c, x));
            count_stmt(c, body);
        }
        StmtKind::While(a, b) | StmtKind::DoWhile(b, a) => {
            count_expr(c, a);
            count_stmt(c, b);
        }
        StmtKind::Try {
            body,
            catches,
            finally,
        } => {
            body.iter().for_each(|x| count_stmt(c, x));
            catches
                .iter()
                .flat_map(|k| &k.body)
                .for_each(|x| count_stmt(c, x));
            finally.iter().flatten().for_each(|x| count_stmt(c, x));
        }
        StmtKind::Switch { subject, arms } => {
            count_expr(c, subject);
            for a in arms {
                if let WhenValues::Values(v) = &a.values {
                    v.iter().for_each(|x| count_expr(c, x));
                }
                a.body.iter().for_each(|x| count_stmt(c, x));
            }
        }
        _ => {}
    }
}

fn count_class(c: &mut Count, d: &ClassDecl) {
    for m in d.methods.iter().chain(&d.ctors) {
        m.body.iter().flatten().for_each(|s| count_stmt(c, s));
    }
    for f in &d.fields {
        if let Some(e) = &f.init {
            count_expr(c, e);
        }
    }
    d.inner.iter().for_each(|i| count_class(c, i));
}

fn unknown_in_trigger(src: &str) -> Count {
    let mut c = Count::default();
    for s in &Parser::new(src).parse_trigger().expect("trigger").body {
        count_stmt(&mut c, s);
    }
    c
}

// ----- fixtures -------------------------------------------------------------------------------

const PAREN_DML_BAD: &str = include_str!("fixtures/verdicts/ParenDml.bad.trigger");
const PAREN_DML_FIXED: &str = include_str!("fixtures/verdicts/ParenDml.fixed.trigger");
const TYPE_LITERALS: &str = include_str!("fixtures/verdicts/TypeLiterals.cls");
const LONG_CONCAT_BAD: &str = include_str!("fixtures/verdicts/LongConcat.bad.trigger");
const LONG_CONCAT_FIXED: &str = include_str!("fixtures/verdicts/LongConcat.fixed.trigger");

#[test]
fn parenthesised_dml_is_dml() {
    let c = unknown_in_trigger(PAREN_DML_BAD);
    assert!(
        c.unknown.is_empty(),
        "Unknown nodes at lines {:?}",
        c.unknown
    );
    let body = Parser::new(PAREN_DML_BAD).parse_trigger().unwrap().body;
    let StmtKind::ForEach { body: each, .. } = &body[0].kind else {
        panic!("{body:?}")
    };
    let StmtKind::Block(stmts) = &each.kind else {
        panic!("{each:?}")
    };
    assert!(
        matches!(&stmts[1].kind, StmtKind::Dml { op, target, .. }
            if op == "insert" && matches!(&target.kind, ExprKind::Name(n) if n == "c")),
        "{:?}",
        stmts[1]
    );
    let bad = run(PAREN_DML_BAD, &[]);
    let c = conditions(&bad);
    assert!(
        c.contains("inserting a Case") && c.contains("line 4"),
        "{c}"
    );
    for src in [
        "trigger U on MessagingSession (after insert) {\n  update(Trigger.new);\n}",
        "trigger U on MessagingSession (after insert) {\n  update (Trigger.new);\n}",
    ] {
        assert!(
            reason(&run(src, &[])).contains("cannot operate on trigger.new"),
            "{src}"
        );
    }
    assert_eq!(label(&run(PAREN_DML_FIXED, &[])), "unlikely");
}

#[test]
fn type_literals_parse() {
    let mut c = Count::default();
    for d in Parser::new(TYPE_LITERALS).parse_classes() {
        count_class(&mut c, &d);
    }
    assert!(c.nodes > 10, "{}", c.nodes);
    assert!(
        c.unknown.is_empty(),
        "Unknown nodes at lines {:?}",
        c.unknown
    );
    // `List<String>.class` is the `class` member of the type, like `Account.class`.
    let e = Parser::new("JSON.deserialize(s, Map<Id, List<Case>>.class)").expr();
    let ExprKind::Call(_, _, args) = &e.kind else {
        panic!("{e:?}")
    };
    assert!(
        matches!(&args[1].kind, ExprKind::Field(b, m)
            if m == "class" && matches!(&b.kind, ExprKind::Name(n) if n == "Map")),
        "{:?}",
        args[1]
    );
    // A comparison is still a comparison.
    let cmp = Parser::new("i < n && n > 2").expr();
    assert!(matches!(cmp.kind, ExprKind::Binary("&&", _, _)), "{cmp:?}");
}

#[test]
fn long_concatenations_parse_flat_and_evaluate() {
    let c = unknown_in_trigger(LONG_CONCAT_BAD);
    assert!(
        c.unknown.is_empty(),
        "Unknown nodes at lines {:?}",
        c.unknown
    );
    // The 240-character payload is known, so the length check decides: blocks; the fixed limit
    // is never reached.
    assert!(reason(&run(LONG_CONCAT_BAD, &[])).contains("Payload too long"));
    assert_eq!(label(&run(LONG_CONCAT_FIXED, &[])), "unlikely");
    // A left fold: 1 + 2 + 'x' is '3x', 'x' + 1 + 2 is 'x12'.
    let t = |expr: &str, want: &str| {
        format!("trigger F on MessagingSession (before insert) {{\n  String v = {expr};\n  if (v == '{want}') {{ Trigger.new[0].addError('folded'); }}\n}}")
    };
    reason(&run(&t("1 + 2 + 'x'", "3x"), &[]));
    reason(&run(&t("'x' + 1 + 2", "x12"), &[]));
    let n = |expr: &str, want: u32| {
        format!("trigger F on MessagingSession (before insert) {{\n  Integer v = {expr};\n  if (v == {want}) {{ Trigger.new[0].addError('folded'); }}\n}}")
    };
    reason(&run(&n("10 - 2 - 3", 5), &[]));
    assert_eq!(label(&run(&n("10 - 2 - 3", 11), &[])), "unlikely");
    reason(&run(&n("2 * 3 + 4 * 5 - 6", 20), &[]));
}

#[test]
fn huge_concatenation_has_no_depth_limit_and_no_stack_overflow() {
    let mut src = String::from("trigger H on MessagingSession (before insert) {\n  String v = 'a'");
    for _ in 0..20_000 {
        src.push_str(" + 'a'");
    }
    src.push_str(";\n}\n");
    let c = unknown_in_trigger(&src);
    assert!(
        c.unknown.is_empty(),
        "Unknown nodes at lines {:?}",
        c.unknown
    );
    assert!(c.nodes > 20_000, "{}", c.nodes);
    assert_eq!(label(&run(&src, &[])), "unlikely");
}

const REL_BAD: &str = include_str!("fixtures/verdicts/RelationshipRead.bad.trigger");
const REL_FIXED: &str = include_str!("fixtures/verdicts/RelationshipRead.fixed.trigger");
const SETTINGS_TRIGGER: &str = include_str!("fixtures/verdicts/ChatSettingsTrigger.trigger");
const SETTINGS_BAD: &str = include_str!("fixtures/verdicts/ChatSettings.bad.cls");
const SETTINGS_FIXED: &str = include_str!("fixtures/verdicts/ChatSettings.fixed.cls");

#[test]
fn relationship_reads_on_trigger_records_are_null_not_exceptions() {
    let fixed = run(REL_FIXED, &[]);
    assert_eq!(label(&fixed), "unlikely", "{fixed:#?}");
    let r = reason(&run(REL_BAD, &[]));
    assert!(
        r.contains("`ms.MessagingEndUser.Contact.MailingCountry.left(2)` dereferences null")
            && r.contains("relationship fields are not loaded on trigger records")
            && r.contains("line 4"),
        "{r}"
    );
    // A field of a null variable is not a relationship read: it throws.
    let var = "trigger V on MessagingSession (before insert) {\n  for (MessagingSession ms : Trigger.new) {\n    MessagingEndUser eu = ms.MessagingEndUser;\n    ms.Note__c = eu.Name;\n  }\n}";
    let r = reason(&run(var, &[]));
    assert!(r.contains("`eu.Name` dereferences null"), "{r}");
}

#[test]
fn platform_calls_that_return_null_for_missing_data_name_the_data() {
    let v = run(SETTINGS_TRIGGER, &[SETTINGS_BAD]);
    let c = conditions(&v);
    for want in [
        "`route.Queue_Name__c` dereferences null when the list custom setting Chat_Routing__c has no record named 'Web'",
        "`defaults.Topics__c.split(';')` dereferences null when the custom setting Chat_Defaults__c has no value for Topics__c",
        "`regions.get('FR').toLowerCase()` dereferences null when `regions` has no entry for 'FR'",
        "dereferences null when no record type 'Web_Chat' exists on Case",
    ] {
        assert!(c.contains(want), "missing {want:?} in\n{c}");
    }
    assert!(!c.contains("blocks"), "{c}");
    // Checked against null, safe navigation, and saving the custom setting itself: nothing can
    // fail.
    let fixed = run(SETTINGS_TRIGGER, &[SETTINGS_FIXED]);
    assert_eq!(label(&fixed), "unlikely", "{fixed:#?}");
    assert!(fixed
        .evidence
        .iter()
        .any(|s| s.kind == SiteKind::Dml && s.note.contains("custom setting Chat_Defaults__c")));
}

const OWN_LOOKUP_BAD: &str = include_str!("fixtures/verdicts/OwnLookup.bad.trigger");
const OWN_LOOKUP_FIXED: &str = include_str!("fixtures/verdicts/OwnLookup.fixed.trigger");

#[test]
fn single_row_queries_for_the_records_own_lookups_find_their_row() {
    let fixed = run(OWN_LOOKUP_FIXED, &[]);
    assert_eq!(label(&fixed), "unlikely", "{fixed:#?}");
    for field in ["MessagingChannelId", "MessagingEndUserId"] {
        assert!(
            fixed.evidence.iter().any(|s| s.kind == SiteKind::Query
                && s.outcome == Outcome::Harmless
                && s.note
                    .contains(&format!("MessagingSession's {field} points to"))),
            "{field}: {fixed:#?}"
        );
    }
    // Another filter may exclude the row; user mode may hide it.
    let c = conditions(&run(OWN_LOOKUP_BAD, &[]));
    assert!(
        c.contains("a query that must return exactly one row") && c.contains("IsActive"),
        "{c}"
    );
    assert!(c.contains("WITH USER_MODE"), "{c}");
}

// ----- trigger frameworks ---------------------------------------------------------------------

const FACTORY_TRIGGER: &str = include_str!("fixtures/verdicts/FactoryTrigger.trigger");
const FACTORY: &str = include_str!("fixtures/verdicts/HandlerFactory.cls");
const FACTORY_BASE: &str = include_str!("fixtures/verdicts/ChatTriggerHandler.cls");
const FACTORY_OTHER: &str = include_str!("fixtures/verdicts/CaseRouting.cls");
const FACTORY_BAD: &str = include_str!("fixtures/verdicts/SessionStamp.bad.cls");
const FACTORY_FIXED: &str = include_str!("fixtures/verdicts/SessionStamp.fixed.cls");

#[test]
fn a_handler_factory_picks_the_handler_by_sobject_type() {
    let fixed = run(
        FACTORY_TRIGGER,
        &[FACTORY, FACTORY_BASE, FACTORY_OTHER, FACTORY_FIXED],
    );
    assert_eq!(label(&fixed), "unlikely", "{fixed:#?}");
    // The "no handler" throw and the other object's handler are not on the path.
    assert!(fixed
        .evidence
        .iter()
        .filter(|s| s.kind == SiteKind::Throw || s.kind == SiteKind::AddError)
        .all(|s| s.outcome == Outcome::NotReached));
    let bad = run(
        FACTORY_TRIGGER,
        &[FACTORY, FACTORY_BASE, FACTORY_OTHER, FACTORY_BAD],
    );
    let r = reason(&bad);
    assert!(
        r.contains("Web chats are closed") && r.contains("SessionStamp"),
        "{r}"
    );
}

const REGISTRY_TRIGGER: &str = include_str!("fixtures/verdicts/RegistryTrigger.trigger");
const REGISTRY_BAD: &str = include_str!("fixtures/verdicts/HandlerRegistry.bad.cls");
const REGISTRY_FIXED: &str = include_str!("fixtures/verdicts/HandlerRegistry.fixed.cls");

/// The bookkeeping trigger frameworks keep per handler type (fflib's domain stacks, NPSP's
/// handler caches): a map entry put before it is read, a null checked by an early return.
#[test]
fn framework_bookkeeping_maps_are_followed() {
    let fixed = run(REGISTRY_TRIGGER, &[REGISTRY_FIXED]);
    assert_eq!(label(&fixed), "unlikely", "{fixed:#?}");
    let c = conditions(&run(REGISTRY_TRIGGER, &[REGISTRY_BAD]));
    assert!(
        c.contains("`names.add('stamp')` dereferences null when `seen` has no entry for key"),
        "{c}"
    );
    assert!(c.contains("`stack.size()` dereferences null"), "{c}");
}

#[test]
fn enum_constants_of_provided_classes_are_values() {
    let cls = "public class Runnable {\n    public enum Action { BeforeInsert, AfterInsert }\n    public static void go(Runnable.Action a) {\n        if (a.name() == 'BeforeInsert') {\n            Trigger.new[0].addError('before');\n        }\n    }\n}";
    let t = "trigger E on MessagingSession (before insert) {\n    Runnable.go(Runnable.Action.AfterInsert);\n}";
    let v = run(t, &[cls]);
    assert_eq!(label(&v), "unlikely", "{v:#?}");
    assert!(v.unseen.is_empty(), "{:?}", v.unseen);
    let t2 = t.replace("Action.AfterInsert", "Action.BeforeInsert");
    assert!(reason(&run(&t2, &[cls])).contains("before"));
}

// ----- handlers configured as data ------------------------------------------------------------

const ROUTER_TRIGGER: &str = include_str!("fixtures/verdicts/Dispatch.trigger");
const ROUTER_STEP: &str = include_str!("fixtures/verdicts/AutomationStep.cls");
const ROUTER_BAD: &str = include_str!("fixtures/verdicts/AutomationRouter.bad.cls");
const ROUTER_FIXED: &str = include_str!("fixtures/verdicts/AutomationRouter.fixed.cls");

/// A dispatcher that reads which handler classes to run from records (`Type.forName` of a
/// name stored in a custom object) runs code the analyser cannot see: a possible throw, named
/// with the records that configure it; caught and logged, it cannot stop the insert.
#[test]
fn handlers_configured_as_data_name_the_data() {
    let bad = run(ROUTER_TRIGGER, &[ROUTER_STEP, ROUTER_BAD]);
    let c = conditions(&bad);
    for want in [
        "`step.execute(records)` runs the class named by `s.Class__c`, picked at run time",
        "the query at line 9 finds at least one Automation_Step__c record",
        "`s.Object__c == objectName && s.Active__c` is true",
        "how many Automation_Step__c records the query at line 5 finds",
    ] {
        assert!(c.contains(want), "missing {want:?} in\n{c}");
    }
    let fixed = run(ROUTER_TRIGGER, &[ROUTER_STEP, ROUTER_FIXED]);
    assert_eq!(label(&fixed), "unlikely", "{fixed:#?}");
    assert!(fixed.evidence.iter().any(|s| s.kind == SiteKind::Call
        && s.note.contains("picked at run time")
        && s.caught_by.is_some()));
    // A name the code fixes is that class, followed like `new`.
    let named = ROUTER_BAD.replace("Type.forName(s.Class__c)", "Type.forName('QuietStep')");
    let quiet = "public class QuietStep implements AutomationStep {\n    public void execute(List<SObject> records) {\n        records[0].addError('closed');\n    }\n}";
    let v = run(ROUTER_TRIGGER, &[ROUTER_STEP, &named, quiet]);
    assert!(conditions(&v).contains("closed"), "{v:#?}");
    // fflib-style: the constructor class is found from the domain type's own name.
    let domain = "public class SessionDomain {\n    public interface Maker { void make(List<SObject> rs); }\n    public class Constructor implements Maker {\n        public void make(List<SObject> rs) { rs[0].addError('domain says no'); }\n    }\n    public static void handle(Type t) {\n        Maker m = (Maker) Type.forName(t.getName() + '.Constructor').newInstance();\n        m.make(Trigger.new);\n    }\n}";
    let t = "trigger D on MessagingSession (before insert) {\n    SessionDomain.handle(SessionDomain.class);\n}";
    assert!(reason(&run(t, &[domain])).contains("domain says no"));
}

// ----- property getters -----------------------------------------------------------------------

const ROUTE_TRIGGER: &str = include_str!("fixtures/verdicts/RouteTrigger.trigger");
const ROUTE_BAD: &str = include_str!("fixtures/verdicts/RouteConfig.bad.cls");
const ROUTE_FIXED: &str = include_str!("fixtures/verdicts/RouteConfig.fixed.cls");

/// Reading a property runs its `get` accessor (a lazy cache filled by a query on first use).
#[test]
fn property_getters_run_on_read() {
    let c = conditions(&run(ROUTE_TRIGGER, &[ROUTE_BAD]));
    assert!(
        c.contains("a query that must return exactly one row") && c.contains("Chat_Route__c"),
        "{c}"
    );
    assert!(c.contains("class RouteConfig line 6"), "{c}");
    let fixed = run(ROUTE_TRIGGER, &[ROUTE_FIXED]);
    assert_eq!(label(&fixed), "unlikely", "{fixed:#?}");
    assert!(fixed
        .evidence
        .iter()
        .any(|s| s.kind == SiteKind::Query && s.source == "RouteConfig"));
}

/// What a condition hinges on is named: the statement a catch takes, the path a method's flag
/// comes from.
#[test]
fn catches_and_decided_flags_name_what_they_hinge_on() {
    let rethrow = ROUTER_FIXED.replace(
        "System.debug(LoggingLevel.ERROR, 'Step ' + s.Class__c + ' failed: ' + e.getMessage());",
        "if (Limits.getQueries() > 90) { records[0].addError(e.getMessage()); } else { throw e; }",
    );
    let c = conditions(&run(ROUTER_TRIGGER, &[ROUTER_STEP, &rethrow]));
    assert!(
        c.contains("a statement in the try block throws: `step.execute(records)` runs the class named by `s.Class__c`"),
        "{c}"
    );
    let gate = "public class StepGate {\n    public static Boolean firstRun() {\n        Integer n = [SELECT COUNT() FROM Automation_Step__c];\n        if (n == 0) {\n            return true;\n        }\n        return false;\n    }\n}";
    let t = "trigger G on MessagingSession (before insert) {\n    if (StepGate.firstRun()) {\n        Trigger.new[0].addError('setup');\n    }\n}";
    let c = conditions(&run(t, &[gate]));
    assert!(
        c.contains("StepGate.firstRun() returns true only when `n == 0` is true (how many Automation_Step__c records the query at line 3 finds)"),
        "{c}"
    );
}

/// fflib's shapes: `Test.isRunningTest() & …` (Boolean `&` evaluates both sides; a false side
/// settles it) and a per-type registry filled with `put` then read with `get`.
#[test]
fn boolean_and_and_registries_are_followed() {
    let t = "trigger A on MessagingSession (before insert) {\n    if (System.Test.isRunningTest() & Fixtures.enabled) {\n        Trigger.new[0].addError('test only');\n    }\n    if (!Test.isRunningTest() | Fixtures.enabled) {\n        Trigger.new[0].Note__c = 'live';\n    }\n}";
    let v = run(t, &[]);
    assert_eq!(label(&v), "unlikely", "{v:#?}");
    let live = t.replace(
        "System.Test.isRunningTest() &",
        "!System.Test.isRunningTest() &",
    );
    assert!(conditions(&run(&live, &[])).contains("Fixtures.enabled"));
    let reg = "public class Registry {\n    public virtual class Handler { public virtual void run(List<SObject> rs) {} }\n    public class Closed extends Handler {\n        public override void run(List<SObject> rs) { rs[0].addError('closed for the night'); }\n    }\n    private static Map<Schema.SObjectType, Handler> byType = new Map<Schema.SObjectType, Handler>();\n    public static void dispatch(Schema.SObjectType t) {\n        if (!byType.containsKey(t)) {\n            byType.put(t, new Closed());\n        }\n        byType.get(t).run(Trigger.new);\n    }\n}";
    let rt = "trigger R on MessagingSession (before insert) {\n    Registry.dispatch(MessagingSession.sObjectType);\n}";
    assert!(reason(&run(rt, &[reg])).contains("closed for the night"));
}

/// A domain base class that keeps the trigger's records behind an instance property
/// (`Records { get { return getRecords(); } }`, filled from a copy of the list): the records the
/// subclass loops over are the inserted ones.
#[test]
fn instance_property_getters_run_on_read() {
    let base = "public virtual class DomainBase {\n    private List<SObject> items;\n    public List<SObject> Records {\n        get { return getRecords(); }\n    }\n    public DomainBase(List<SObject> records) {\n        items = records.clone();\n    }\n    public List<SObject> getRecords() {\n        return items;\n    }\n    public virtual void onBeforeInsert() {}\n}";
    let bad = "public class Sessions extends DomainBase {\n    public Sessions(List<SObject> rs) { super(rs); }\n    public override void onBeforeInsert() {\n        for (MessagingSession s : (List<MessagingSession>) Records) {\n            s.addError('Chats are paused');\n        }\n    }\n}";
    let fixed = bad.replace(
        "s.addError('Chats are paused');",
        "s.Note__c = 'Chats are paused';",
    );
    let t = "trigger S on MessagingSession (before insert) {\n    new Sessions(Trigger.new).onBeforeInsert();\n}";
    assert!(reason(&run(t, &[base, bad])).contains("Chats are paused"));
    let v = run(t, &[base, &fixed]);
    assert_eq!(label(&v), "unlikely", "{v:#?}");
}

/// Getters that read themselves through new objects or each other end (bounded), not overflow.
#[test]
fn recursive_getters_terminate() {
    let cls = "public class Loop {\n    public Loop next { get { return new Loop().next; } }\n    public static Integer a { get { return b + 1; } }\n    public static Integer b { get { return a + 1; } }\n    public static void go() {\n        Integer x = a;\n        Loop l = new Loop().next;\n    }\n}";
    let t = "trigger L on MessagingSession (before insert) {\n    Loop.go();\n}";
    let v = run(t, &[cls]);
    assert_ne!(label(&v), "blocks", "{v:#?}");
}
