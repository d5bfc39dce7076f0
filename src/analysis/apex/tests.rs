//! Tests of the Apex lexer, parser and trigger analyser. Fixtures are Apex sources written for
//! these tests (string constants below and files under `fixtures/`).

use super::lexer::{lex, query_binds, unescape, Kw, TokenKind};
use super::parser::Parser;
use super::*;
use crate::analysis::record::{FieldValue, InsertedRecord};

// ===== helpers =================================================================================

fn record() -> InsertedRecord {
    InsertedRecord::messaging_session_at_start(&[])
}

/// A Tooling row for `body`, with the Usage* flags read from its header as the API would set
/// them.
fn trig(body: &str) -> TriggerSource {
    let evs = Parser::new(body)
        .parse_trigger()
        .map(|t| t.events)
        .unwrap_or_default();
    let has = |e: &str| evs.iter().any(|x| x == e);
    TriggerSource {
        name: Parser::new(body)
            .parse_trigger()
            .map(|t| t.name)
            .unwrap_or_else(|| "T".into()),
        body: body.to_string(),
        namespace_prefix: None,
        status: "Active".into(),
        usage_before_insert: has("before insert"),
        usage_after_insert: has("after insert"),
        usage_before_update: has("before update"),
        usage_after_update: has("after update"),
    }
}

fn class(body: &str) -> ClassSource {
    let name = Parser::new(body)
        .parse_classes()
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    ClassSource {
        name,
        body: body.to_string(),
        namespace_prefix: None,
    }
}

pub(super) fn run(trigger: &str, classes: &[&str]) -> TriggerVerdict {
    run_with(trigger, classes, &record())
}

fn run_with(trigger: &str, classes: &[&str], r: &InsertedRecord) -> TriggerVerdict {
    let cs: Vec<ClassSource> = classes.iter().map(|b| class(b)).collect();
    analyze_trigger(&trig(trigger), &cs, r)
}

fn conditions(v: &TriggerVerdict) -> String {
    match &v.verdict {
        Verdict::MayBlock { conditions } => conditions.join("\n"),
        other => panic!("expected mayBlock, got {other:?}\n{v:#?}"),
    }
}

fn assert_blocks(v: &TriggerVerdict) -> &str {
    match &v.verdict {
        Verdict::Blocks { reason } => reason,
        other => panic!("expected blocks, got {other:?}\n{v:#?}"),
    }
}

fn assert_unlikely(v: &TriggerVerdict) {
    assert!(
        matches!(v.verdict, Verdict::Unlikely),
        "expected unlikely, got {:?}\n{v:#?}",
        v.verdict
    );
}

const BASE: &str = include_str!("fixtures/TriggerHandler.cls");
const ONE_LINE_TRIGGER: &str = include_str!("fixtures/MessagingSessionTrigger.trigger");
const HANDLER_EMPTY_INSERT: &str = include_str!("fixtures/HandlerEmptyInsert.cls");
const HANDLER_BLOCKING: &str = include_str!("fixtures/HandlerBlocking.cls");

// ===== lexer ===================================================================================

#[test]
fn lexer_comments_are_trivia_with_spans_and_lines() {
    let src = "// first\nInteger x = 1; /* a\nblock\ncomment */ x++;\n";
    let toks = lex(src);
    let c0 = toks.first().unwrap();
    assert_eq!(c0.kind, TokenKind::LineComment);
    assert_eq!(c0.text(src), "// first");
    assert_eq!(c0.line, 1);
    let block = toks
        .iter()
        .find(|t| t.kind == TokenKind::BlockComment)
        .unwrap();
    assert_eq!(block.text(src), "/* a\nblock\ncomment */");
    assert_eq!(block.line, 2);
    let last_x = toks
        .iter()
        .rev()
        .find(|t| t.kind == TokenKind::Ident)
        .unwrap();
    assert_eq!(last_x.line, 4, "lines advance through block comments");
    assert!(toks.iter().all(|t| !t.unterminated()));
}

#[test]
fn lexer_strings_with_escapes() {
    let src = r"String s = 'it\'s a \\ test\n'; String t = '';";
    let toks = lex(src);
    let strs: Vec<_> = toks.iter().filter(|t| t.kind == TokenKind::Str).collect();
    assert_eq!(strs.len(), 2);
    assert_eq!(strs[0].text(src), r"'it\'s a \\ test\n'");
    assert_eq!(unescape(strs[0].text(src)), "it's a \\ test\n");
    assert_eq!(unescape(strs[1].text(src)), "");
    assert_eq!(unescape(r"'\u00e9t\u00E9'"), "été");
}

#[test]
fn lexer_keywords_are_case_insensitive_and_annotations_are_tokens() {
    let src = "@TestVisible PUBLIC Static void x() { IF (true) { Insert c; } }";
    let toks = lex(src);
    assert_eq!(toks[0].kind, TokenKind::Annotation);
    assert_eq!(toks[0].text(src), "@TestVisible");
    assert_eq!(toks[1].kind, TokenKind::Keyword(Kw::Public));
    assert_eq!(toks[2].kind, TokenKind::Keyword(Kw::Static));
    assert_eq!(toks[3].kind, TokenKind::Ident, "void is a type name");
    assert!(toks.iter().any(|t| t.kind == TokenKind::Keyword(Kw::If)));
    assert!(toks
        .iter()
        .any(|t| t.kind == TokenKind::Keyword(Kw::Insert)));
    // Contextual words stay identifiers.
    let t2 = lex("trigger T on MessagingSession (before insert)");
    assert_eq!(t2[0].kind, TokenKind::Ident);
    assert_eq!(t2[2].kind, TokenKind::Ident);
}

#[test]
fn lexer_numbers_and_operators() {
    let src = "x = 10 + 3.5 - .25 * 7L; a?.b ?? c; if (a != b && c >= d || e === f) {} m(x) => y;";
    let toks = lex(src);
    let nums: Vec<&str> = toks
        .iter()
        .filter(|t| t.kind == TokenKind::Number)
        .map(|t| t.text(src))
        .collect();
    assert_eq!(nums, vec!["10", "3.5", ".25", "7L"]);
    for op in ["?.", "??", "!=", "&&", ">=", "||", "===", "=>"] {
        assert!(
            toks.iter().any(|t| t.kind == TokenKind::Op(op)),
            "missing {op}"
        );
    }
    // Generic closers stay separate.
    let g = lex("Map<Id, List<Case>> m;");
    assert_eq!(g.iter().filter(|t| t.kind == TokenKind::Op(">")).count(), 2);
}

#[test]
fn lexer_inline_queries_are_one_token_with_binds() {
    let src = "List<Contact> cs = [SELECT Id, (SELECT Id FROM Cases WHERE Subject = 'a]b') FROM Contact\n WHERE Email = :s.Email__c AND Id IN :ids LIMIT 1];\nList<List<SObject>> r = [FIND 'x' IN ALL FIELDS RETURNING Contact];\nx = list[0];";
    let toks = lex(src);
    let q = toks.iter().find(|t| t.kind == TokenKind::Soql).unwrap();
    assert!(q.text(src).starts_with("[SELECT Id, (SELECT"));
    assert!(q.text(src).ends_with("LIMIT 1]"));
    assert_eq!(q.line, 1);
    assert_eq!(query_binds(q.text(src)), vec!["s.Email__c", "ids"]);
    let sosl = toks.iter().find(|t| t.kind == TokenKind::Sosl).unwrap();
    assert_eq!(
        sosl.line, 3,
        "line counting continues after a multi-line query"
    );
    // An index is not a query.
    assert!(toks.iter().any(|t| t.kind == TokenKind::Op("[")));
    // Nested brackets in a query.
    let nested = "x = [SELECT Id FROM Case WHERE Id IN :m.get(k)[0].ids];";
    let t = lex(nested);
    let q = t.iter().find(|t| t.kind == TokenKind::Soql).unwrap();
    assert!(q.text(nested).ends_with(".ids]"));
}

#[test]
fn lexer_flags_unterminated_input() {
    let s = "String a = 'no end\nInteger b = 2;";
    let t = lex(s);
    let st = t.iter().find(|t| t.kind == TokenKind::Str).unwrap();
    assert!(st.unterminated());
    assert_eq!(st.text(s), "'no end");
    assert!(
        t.iter().any(|x| x.text(s) == "Integer" && x.line == 2),
        "lexing resumes on the next line"
    );
    let c = lex("x /* never closed\n\n");
    assert!(c.last().unwrap().unterminated());
    let q = lex("x = [SELECT Id FROM Case WHERE Name = 'a'; y = 1;");
    let qt = q.iter().find(|t| t.kind == TokenKind::Soql).unwrap();
    assert!(qt.unterminated());
    assert!(lex("'").first().unwrap().unterminated());
    assert!(lex("[select").first().unwrap().unterminated());
    assert!(lex("'abc\\").first().unwrap().unterminated());
}

#[test]
fn lexer_odd_unicode_keeps_spans_on_char_boundaries() {
    let src = "String s = 'héllo 👋 wörld'; // ç'est ☃\nInteger ünïcode = 1; /* 日本語 */ x«y»\u{200b}z\u{feff}";
    let toks = lex(src);
    for t in &toks {
        assert!(src.is_char_boundary(t.start) && src.is_char_boundary(t.end));
        assert!(t.start <= t.end && t.end <= src.len());
    }
    let s = toks.iter().find(|t| t.kind == TokenKind::Str).unwrap();
    assert_eq!(unescape(s.text(src)), "héllo 👋 wörld");
    assert!(toks.iter().any(|t| t.kind == TokenKind::Unknown));
    let total: usize = toks.iter().map(|t| t.end - t.start).sum();
    assert!(total <= src.len());
}

/// A tiny deterministic PRNG (xorshift) for the hostile-input test.
fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

#[test]
fn hostile_input_never_panics() {
    let r = record();
    let mut inputs: Vec<String> = vec![
        "{".repeat(1 << 20),
        "(".repeat(10_000),
        format!(
            "trigger T on MessagingSession (before insert) {{ x = {}; }}",
            "(".repeat(10_000)
        ),
        format!(
            "trigger T on MessagingSession (before insert) {{ {} }}",
            "if (a) ".repeat(5_000)
        ),
        format!(
            "trigger T on MessagingSession (before insert) {{ {}",
            "{".repeat(100_000)
        ),
        format!(
            "trigger T on MessagingSession (before insert) {{ x = {}1; }}",
            "!".repeat(20_000)
        ),
        format!(
            "trigger T on MessagingSession (before insert) {{ x = a{}; }}",
            ".b()".repeat(20_000)
        ),
        format!(
            "trigger T on MessagingSession (before insert) {{ List<{}X{} y; }}",
            "List<".repeat(5_000),
            ">".repeat(5_000)
        ),
        "trigger T on MessagingSession (before insert) { new X().run(); ".into(),
        "public class X { public X() { this(1); } public X(Integer a) { this(); } }".into(),
        "trigger".into(),
        "trigger T on".into(),
        "trigger T on MessagingSession (".into(),
        "'".into(),
        "[".into(),
        "/*".into(),
        "@".into(),
        "\u{0}\u{1}\u{7f}".into(),
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..40 {
        let len = (xorshift(&mut seed) % 4000) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        // Random Apex-ish token soup.
        const WORDS: &[&str] = &[
            "trigger",
            "T",
            "on",
            "MessagingSession",
            "(",
            ")",
            "{",
            "}",
            "before",
            "insert",
            ",",
            "if",
            "else",
            "for",
            ":",
            ";",
            "s",
            ".",
            "addError",
            "'x'",
            "new",
            "X",
            "throw",
            "try",
            "catch",
            "[SELECT Id FROM Case]",
            "Trigger",
            "new",
            "=",
            "==",
            "null",
            "switch",
            "when",
            "return",
            "class",
            "public",
            "static",
            "void",
            "<",
            ">",
            "[",
            "]",
            "0",
            "super",
            "this",
            "!",
            "&&",
            "?",
            "Database",
            "update",
            "é",
            "/*",
            "*/",
            "//",
            "\n",
        ];
        let n = (xorshift(&mut seed) % 600) as usize;
        let mut s = String::new();
        for _ in 0..n {
            let w = WORDS[(xorshift(&mut seed) % WORDS.len() as u64) as usize];
            s.push_str(w);
            s.push(' ');
        }
        inputs.push(s);
    }
    for (i, src) in inputs.iter().enumerate() {
        let toks = lex(src);
        for t in &toks {
            assert!(
                src.is_char_boundary(t.start) && src.is_char_boundary(t.end),
                "input {i}"
            );
        }
        let _ = Parser::new(src).parse_classes();
        let _ = Parser::new(src).parse_trigger();
        let mut t = trig(src);
        t.usage_before_insert = true;
        t.usage_after_insert = true;
        let classes = vec![ClassSource {
            name: "X".into(),
            body: src.clone(),
            namespace_prefix: None,
        }];
        let v = analyze_trigger(&t, &classes, &r);
        let _ = serde_json::to_string(&v).unwrap();
    }
}

// ===== parser ==================================================================================

#[test]
fn parser_reads_trigger_header_and_class_shapes() {
    let t = Parser::new("trigger MsgTrig on MessagingSession (before insert, AFTER  update) { }")
        .parse_trigger()
        .unwrap();
    assert_eq!(t.name, "MsgTrig");
    assert_eq!(t.object, "MessagingSession");
    assert_eq!(t.events, vec!["before insert", "after update"]);

    let cs = Parser::new(BASE).parse_classes();
    let base = &cs[0];
    assert_eq!(base.name, "TriggerHandler");
    assert!(base.is_virtual_or_abstract);
    assert!(base.methods.iter().any(|m| m.name == "run"));
    assert_eq!(base.ctors.len(), 1);
    assert_eq!(base.inner.len(), 1);
    assert_eq!(base.enums[0].1.len(), 4);
    let h = &Parser::new(HANDLER_BLOCKING).parse_classes()[0];
    assert_eq!(h.extends.as_ref().unwrap().name, "TriggerHandler");
    assert_eq!(h.sharing.as_deref(), Some("with sharing"));
    let gen = &Parser::new(
        "public class G { Map<Id, List<Case>> m = new Map<Id, List<Case>>(); static void handle(List<MessagingSession> s) { } public Boolean flag { get; set; } }",
    )
    .parse_classes()[0];
    assert_eq!(gen.fields.len(), 2);
    assert_eq!(gen.fields[0].ty.args[1].args[0].name, "Case");
    assert_eq!(gen.methods[0].params[0].ty.args[0].name, "MessagingSession");
}

// ===== analyser: trigger frameworks ===========================================================

#[test]
fn framework_handler_without_insert_override_is_unlikely() {
    let v = run(ONE_LINE_TRIGGER, &[BASE, HANDLER_EMPTY_INSERT]);
    assert_unlikely(&v);
    assert_eq!(v.events, vec!["before insert", "after insert"]);
    // The update-only addError is listed as not reached.
    assert!(v
        .evidence
        .iter()
        .all(|e| e.outcome == Outcome::Harmless || e.outcome == Outcome::NotReached));
    assert!(v
        .evidence
        .iter()
        .any(|e| e.kind == SiteKind::Call
            && e.note.contains("is followed into TriggerHandler.run()")));
    assert!(v.unseen.is_empty(), "{:?}", v.unseen);
}

#[test]
fn framework_handler_with_insert_adderror_blocks() {
    let v = run(ONE_LINE_TRIGGER, &[BASE, HANDLER_BLOCKING]);
    let reason = assert_blocks(&v);
    assert!(reason.contains("CaseId"), "{reason}");
    let site = v
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Blocks)
        .unwrap();
    assert_eq!(site.source, "MessagingSessionTriggerHandler");
    assert_eq!(site.line, 13);
    assert_eq!(site.text, "s.CaseId.addError('A case is required.');");
    assert_eq!(site.event, "before insert");
    let g = site
        .guards
        .iter()
        .find(|g| g.condition == "s.CaseId == null")
        .expect("the deciding guard");
    assert_eq!(g.value, GuardValue::True);
    assert!(g.why.contains("CaseId is not set"), "{}", g.why);
}

#[test]
fn framework_base_not_provided_runs_hooks_under_a_named_condition() {
    let v = run(ONE_LINE_TRIGGER, &[HANDLER_BLOCKING]);
    let c = conditions(&v);
    assert!(c.contains("TriggerHandler (not provided) calls"), "{c}");
    assert!(
        v.unseen.iter().any(|u| u.contains("TriggerHandler")),
        "{:?}",
        v.unseen
    );
}

#[test]
fn handler_class_not_provided_is_cannot_see() {
    let v = run(ONE_LINE_TRIGGER, &[]);
    match &v.verdict {
        Verdict::CannotSee { what } => {
            assert!(
                what.iter()
                    .any(|w| w.contains("MessagingSessionTriggerHandler") && w.contains("line 2")),
                "{what:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn static_handler_with_operation_type_switch() {
    let trigger = "trigger MS on MessagingSession (before insert, before update) {\n    MSHandler.handle(Trigger.new, Trigger.oldMap, Trigger.operationType);\n}";
    let handler = "public class MSHandler {\n  public static void handle(List<MessagingSession> rows, Map<Id, MessagingSession> old, System.TriggerOperation op) {\n    switch on op {\n      when BEFORE_INSERT { requireTopic(rows); }\n      when BEFORE_UPDATE { checkClose(rows, old); }\n    }\n  }\n  static void requireTopic(List<MessagingSession> rows) {\n    for (MessagingSession s : rows) {\n      if (String.isBlank(s.Topic__c)) {\n        s.Topic__c.addError('Topic is required');\n      }\n    }\n  }\n  static void checkClose(List<MessagingSession> rows, Map<Id, MessagingSession> old) {\n    for (MessagingSession s : rows) { if (old.get(s.Id).Status != s.Status) { s.addError('no'); } }\n  }\n}";
    let v = run(trigger, &[handler]);
    assert_blocks(&v);
    let site = v
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Blocks)
        .unwrap();
    assert_eq!(site.line, 11);
    assert!(site
        .guards
        .iter()
        .any(|g| g.condition.contains("when BEFORE_INSERT") && g.value == GuardValue::True));

    // The same handler with the insert arm emptied does not block.
    let quiet = handler.replace(
        "when BEFORE_INSERT { requireTopic(rows); }",
        "when BEFORE_INSERT { }",
    );
    assert_unlikely(&run(trigger, &[&quiet]));
}

#[test]
fn fflib_style_dispatcher_not_provided() {
    let trigger = "trigger MessagingSessions on MessagingSession (before insert, after insert) {\n  fflib_SObjectDomain.triggerHandler(MessagingSessions.class);\n}";
    let domain = "public class MessagingSessions extends fflib_SObjectDomain {\n  public MessagingSessions(List<MessagingSession> records) { super(records); }\n  public override void onBeforeInsert() {\n    for (MessagingSession s : (List<MessagingSession>) Records) {\n      s.addError('Sessions are disabled');\n    }\n  }\n}";
    let v = run(trigger, &[domain]);
    let c = conditions(&v);
    assert!(
        c.contains("fflib_SObjectDomain (not provided) calls MessagingSessions.onBeforeInsert()"),
        "{c}"
    );
    assert!(v.unseen.iter().any(|u| u.contains("fflib_SObjectDomain")));
}

// ===== analyser: direct trigger logic =========================================================

#[test]
fn required_field_check_blocks_when_field_is_unset() {
    let t = "trigger RequireReason on MessagingSession (before insert) {\n    for (MessagingSession s : Trigger.new) {\n        if (s.Reason__c == null) {\n            s.addError('Reason is required');\n        }\n    }\n}";
    let v = run(t, &[]);
    let reason = assert_blocks(&v);
    assert!(reason.contains("trigger RequireReason line 4"), "{reason}");
    // Mapped from pre-chat: unknown → may block, naming the pre-chat mapping.
    let r = InsertedRecord::messaging_session_at_start(&["Reason__c"]);
    let v = run_with(t, &[], &r);
    let c = conditions(&v);
    assert!(
        c.contains("s.Reason__c == null") && c.contains("pre-chat"),
        "{c}"
    );
}

#[test]
fn string_isblank_on_unset_field_blocks_and_assignment_first_does_not() {
    let t = "trigger A on MessagingSession (before insert) {\n for (MessagingSession s : Trigger.new) { if (String.isBlank(s.Channel_Name__c)) s.addError('x'); }\n}";
    assert_blocks(&run(t, &[]));
    let t2 = "trigger A on MessagingSession (before insert) {\n for (MessagingSession s : Trigger.new) {\n  s.Channel_Name__c = 'Web';\n  if (String.isBlank(s.Channel_Name__c)) s.addError('x');\n }\n}";
    assert_unlikely(&run(t2, &[]));
}

#[test]
fn unconditional_adderror_and_index_forms_block() {
    let t = "trigger Stop on MessagingSession (before insert) {\n  Trigger.new[0].addError('Messaging is closed');\n}";
    assert_blocks(&run(t, &[]));
    let t2 = "trigger Stop on MessagingSession (before insert) {\n  for (SObject so : Trigger.new) { MessagingSession s = (MessagingSession) so; s.addError('x'); }\n}";
    assert_blocks(&run(t2, &[]));
}

#[test]
fn update_only_trigger_is_not_on_insert() {
    let t = "trigger OnClose on MessagingSession (before update, after update) {\n  for (MessagingSession s : Trigger.new) { s.addError('x'); }\n}";
    let v = run(t, &[]);
    match &v.verdict {
        Verdict::NotOnInsert { reason } => assert!(reason.contains("before update, after update")),
        other => panic!("{other:?}"),
    }
    assert_eq!(v.evidence[0].kind, SiteKind::Header);
}

#[test]
fn inactive_trigger_is_not_on_insert() {
    let mut t =
        trig("trigger Old on MessagingSession (before insert) { Trigger.new[0].addError('x'); }");
    t.status = "Inactive".into();
    let v = analyze_trigger(&t, &[], &record());
    assert!(matches!(&v.verdict, Verdict::NotOnInsert { reason } if reason.contains("Inactive")));
}

#[test]
fn managed_hidden_body_is_cannot_see() {
    let t = TriggerSource {
        name: "SessionTrigger".into(),
        body: "(hidden)".into(),
        namespace_prefix: Some("acme".into()),
        status: "Active".into(),
        usage_before_insert: true,
        ..Default::default()
    };
    let v = analyze_trigger(&t, &[], &record());
    assert_eq!(v.trigger, "acme.SessionTrigger");
    match &v.verdict {
        Verdict::CannotSee { what } => {
            assert!(
                what[0].contains("hidden") && what[0].contains("acme"),
                "{what:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn adderror_inside_is_update_is_not_reached() {
    let t = "trigger Both on MessagingSession (before insert, before update) {\n  for (MessagingSession s : Trigger.new) {\n    if (Trigger.isUpdate && s.Status == 'Ended') {\n      s.addError('x');\n    }\n  }\n}";
    let v = run(t, &[]);
    assert_unlikely(&v);
    let nr = v
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::NotReached)
        .unwrap();
    assert_eq!(nr.line, 4);
    assert!(nr
        .guards
        .iter()
        .any(|g| g.value == GuardValue::False && g.why.contains("Trigger.isUpdate is false")));
}

#[test]
fn after_insert_throw_blocks() {
    let t = "trigger Audit on MessagingSession (after insert) {\n  for (MessagingSession s : Trigger.new) {\n    if (s.MessagingEndUserId != null || true) {\n      throw new AuditException('Audit failed for ' + s.Id);\n    }\n  }\n}";
    let v = run(t, &[]);
    let reason = assert_blocks(&v);
    assert!(
        reason.contains("AuditException") && reason.contains("after insert"),
        "{reason}"
    );
}

#[test]
fn user_type_guard_excluding_automated_process_is_unlikely() {
    let t = "trigger Guarded on MessagingSession (before insert) {\n  if (UserInfo.getUserType() != 'AutomatedProcess') {\n    for (MessagingSession s : Trigger.new) { s.addError('Only agents may create sessions'); }\n  }\n}";
    let v = run(t, &[]);
    assert_unlikely(&v);
    let t2 = t.replace("!=", "==");
    let v2 = run(&t2, &[]);
    assert_blocks(&v2);
    let g = &v2
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Blocks)
        .unwrap()
        .guards[0];
    assert!(g.why.contains("AutomatedProcess"), "{}", g.why);
    // A local holding the comparison works the same way.
    let t3 = "trigger G on MessagingSession (before insert) {\n  Boolean isAuto = UserInfo.getUserType().equalsIgnoreCase('automatedprocess');\n  if (!isAuto) { Trigger.new[0].addError('x'); }\n}";
    assert_unlikely(&run(t3, &[]));
}

#[test]
fn case_insert_in_before_insert_may_block_naming_the_case() {
    let t = "trigger CreateCase on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) {\n    Case c = new Case(Subject = 'Chat', Origin = 'Chat');\n    insert c;\n    s.CaseId = c.Id;\n  }\n}";
    let c = conditions(&run(t, &[]));
    assert!(
        c.contains("inserting a Case, whose own validation rules"),
        "{c}"
    );
    assert!(c.contains("line 4"), "{c}");
    // Contacts in a list.
    let t2 = "trigger Mk on MessagingSession (after insert) {\n  List<Contact> cs = new List<Contact>();\n  for (MessagingSession s : Trigger.new) { cs.add(new Contact(LastName = 'Visitor')); }\n  insert cs;\n}";
    let c2 = conditions(&run(t2, &[]));
    assert!(c2.contains("inserting Contact records"), "{c2}");
}

#[test]
fn try_catch_that_swallows_is_unlikely_and_rethrow_may_block() {
    let t = "trigger Safe on MessagingSession (before insert) {\n  try {\n    insert new Lead(LastName = 'Chat', Company = 'Web');\n    Contact c = [SELECT Id FROM Contact LIMIT 1];\n  } catch (Exception e) {\n    System.debug(e.getMessage());\n  }\n}";
    let v = run(t, &[]);
    assert_unlikely(&v);
    let dml = v.evidence.iter().find(|e| e.kind == SiteKind::Dml).unwrap();
    assert_eq!(dml.outcome, Outcome::Harmless);
    assert_eq!(dml.caught_by.as_deref(), Some("trigger Safe line 5"));
    let rethrow = t.replace("System.debug(e.getMessage());", "throw e;");
    let c = conditions(&run(&rethrow, &[]));
    assert!(c.contains("a statement in the try block throws"), "{c}");
    // A catch of the wrong type does not catch a DmlException.
    let wrong = t.replace("catch (Exception e)", "catch (QueryException e)");
    let c = conditions(&run(&wrong, &[]));
    assert!(c.contains("inserting a Lead"), "{c}");
    // addError is not an exception: try/catch does not stop it.
    let ae = "trigger X on MessagingSession (before insert) { try { Trigger.new[0].addError('x'); } catch (Exception e) {} }";
    assert_blocks(&run(ae, &[]));
}

#[test]
fn database_insert_all_or_none_false_does_not_throw() {
    let t = "trigger Soft on MessagingSession (after insert) {\n  List<Task> ts = new List<Task>();\n  for (MessagingSession s : Trigger.new) { ts.add(new Task(Subject = 'Follow up', WhatId = s.Id)); }\n  Database.insert(ts, false);\n}";
    let v = run(t, &[]);
    assert_unlikely(&v);
    assert!(v
        .evidence
        .iter()
        .any(|e| e.kind == SiteKind::Dml && e.note.contains("allOrNone is false")));
    let strict = t.replace("Database.insert(ts, false)", "Database.insert(ts)");
    assert!(conditions(&run(&strict, &[])).contains("inserting Task records"));
}

#[test]
fn single_row_query_into_a_variable_may_block() {
    let t = "trigger Link on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) {\n    Contact c = [SELECT Id FROM Contact WHERE Email = :s.Email__c LIMIT 1];\n    s.Contact__c = c.Id;\n  }\n}";
    let c = conditions(&run(t, &[]));
    assert!(
        c.contains("a query that must return exactly one row: [SELECT Id FROM Contact"),
        "{c}"
    );
    // Into a list, the index is what may fail when the list is empty…
    let listed = t
        .replace("Contact c = [", "List<Contact> c = [")
        .replace("c.Id", "c[0].Id");
    let c2 = conditions(&run(&listed, &[]));
    assert!(
        !c2.contains("exactly one row") && c2.contains("indexes a query result"),
        "{c2}"
    );
    // …unless the path checked it is not empty (the other branch of `isEmpty()`, `size() > 0`).
    for guarded in [
        "c.isEmpty() ? null : c[0].Id",
        "c.size() > 0 ? c[0].Id : null",
        "(!c.isEmpty() ? c.get(0).Id : null)",
    ] {
        let v = run(&listed.replace("c[0].Id", guarded), &[]);
        assert_eq!(v.verdict, Verdict::Unlikely, "{guarded}: {v:#?}");
    }
    // A check of another list, or an `||`, does not count.
    for unguarded in [
        "d.isEmpty() ? null : c[0].Id",
        "dc.size() > 0 ? c[0].Id : null",
        "(c.size() > 0 || s.Email__c == null) ? c[0].Id : null",
    ] {
        let v = run(&listed.replace("c[0].Id", unguarded), &[]);
        assert!(
            conditions(&v).contains("indexes a query result"),
            "{unguarded}"
        );
    }
}

#[test]
fn static_bypass_flags() {
    // A flag in a class that was not provided: unknown, named.
    let t = "trigger B on MessagingSession (before insert) {\n  if (!TriggerBypass.isActive) {\n    Trigger.new[0].addError('blocked');\n  }\n}";
    let c = conditions(&run(t, &[]));
    assert!(c.contains("TriggerBypass.isActive"), "{c}");
    // A provided flag with no initial value: unknown.
    let flag = "public class TriggerBypass { public static Boolean isActive; }";
    let c = conditions(&run(t, &[flag]));
    assert!(c.contains("no initial value"), "{c}");
    // A provided flag starting false (statics reset per transaction): the guard is decided.
    let flag2 = "public class TriggerBypass { public static Boolean isActive = false; }";
    assert_blocks(&run(t, &[flag2]));
}

#[test]
fn custom_permission_guard() {
    let t = "trigger P on MessagingSession (before insert) {\n  if (!FeatureManagement.checkPermission('Create_Sessions')) {\n    Trigger.new[0].addError('Not allowed');\n  }\n}";
    let c = conditions(&run(t, &[]));
    assert!(c.contains("custom permission 'Create_Sessions'"), "{c}");
    let mut r = record();
    r.permissions.insert("Create_Sessions".into(), true);
    assert_unlikely(&run_with(t, &[], &r));
    r.permissions.clear();
    r.permissions_complete = true;
    assert_blocks(&run_with(t, &[], &r));
}

#[test]
fn null_dereference_of_unset_field_may_block() {
    let t = "trigger N on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) {\n    if (s.Custom__c.length() > 10) { s.Custom__c = s.Custom__c.left(10); }\n  }\n}";
    let c = conditions(&run(t, &[]));
    assert!(
        c.contains("`Custom__c` is not set") && c.contains("NullPointerException"),
        "{c}"
    );
    // Guarded by a null check: fine.
    let safe = "trigger N on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) {\n    if (s.Custom__c != null && s.Custom__c.length() > 10) { s.Custom__c = s.Custom__c.left(10); }\n  }\n}";
    assert_unlikely(&run(safe, &[]));
}

#[test]
fn trigger_context_nulls_and_relationships_block() {
    let t = "trigger O on MessagingSession (before insert, before update) {\n  for (MessagingSession s : Trigger.new) {\n    MessagingSession old = Trigger.oldMap.get(s.Id);\n  }\n}";
    let reason = assert_blocks(&run(t, &[])).to_string();
    assert!(
        reason.contains("Trigger.oldMap") && reason.contains("null"),
        "{reason}"
    );
    let guarded = t.replace(
        "MessagingSession old = ",
        "if (Trigger.isUpdate) MessagingSession old = ",
    );
    assert_unlikely(&run(&guarded, &[]));
    // Reading through a relationship of a trigger record is null (parents are not loaded),
    // not an exception; calling a method on that null throws on every path.
    let rel = "trigger R on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) { s.Name__c = s.MessagingEndUser.Name; }\n}";
    assert_unlikely(&run(rel, &[]));
    let call = rel.replace(
        "s.MessagingEndUser.Name;",
        "s.MessagingEndUser.Name.toUpperCase();",
    );
    let reason = assert_blocks(&run(&call, &[])).to_string();
    assert!(
        reason.contains("relationship fields are not loaded on trigger records"),
        "{reason}"
    );
}

#[test]
fn after_insert_field_write_and_dml_on_trigger_new_block() {
    let t = "trigger W on MessagingSession (after insert) {\n  for (MessagingSession s : Trigger.new) { s.Note__c = 'x'; }\n}";
    assert!(assert_blocks(&run(t, &[])).contains("read-only"));
    let u = "trigger U on MessagingSession (after insert) {\n  update Trigger.new;\n}";
    assert!(assert_blocks(&run(u, &[])).contains("cannot operate on trigger.new"));
    // Writing in before insert is the normal pattern.
    let ok = "trigger W on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) { s.Note__c = 'x'; }\n}";
    assert_unlikely(&run(ok, &[]));
}

#[test]
fn origin_guard_is_evaluated_against_the_record() {
    let t = "trigger Or on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) {\n    if (s.Origin == 'InboundInitiated' && s.ChannelType == 'EmbeddedMessaging') { s.addError('No web chats'); }\n  }\n}";
    assert_blocks(&run(t, &[]));
    let t2 = t.replace(
        "s.Origin == 'InboundInitiated'",
        "s.Origin != 'inboundinitiated'",
    );
    assert_unlikely(&run(&t2, &[]));
}

#[test]
fn callouts_jobs_and_security_may_block() {
    let callout = "trigger C on MessagingSession (after insert) {\n  HttpRequest req = new HttpRequest();\n  req.setEndpoint('callout:CRM/sessions');\n  Http h = new Http();\n  HttpResponse res = h.send(req);\n}";
    assert!(conditions(&run(callout, &[])).contains("HTTP callout"));
    let jobs = "trigger J on MessagingSession (after insert) {\n  System.schedule('Sync sessions', '0 0 * * * ?', new SyncJob());\n  Database.executeBatch(new SyncBatch());\n}";
    let c = conditions(&run(jobs, &["public class SyncJob implements Schedulable { public void execute(SchedulableContext c) {} }", "public class SyncBatch { }"]));
    assert!(
        c.contains("schedules a job") && c.contains("starts a batch job"),
        "{c}"
    );
    let sec = "trigger S on MessagingSession (before insert) {\n  List<Account> a = [SELECT Id, Secret__c FROM Account WITH SECURITY_ENFORCED];\n  SObjectAccessDecision d = Security.stripInaccessible(AccessType.READABLE, a);\n}";
    let c = conditions(&run(sec, &[]));
    assert!(
        c.contains("WITH SECURITY_ENFORCED") && c.contains("stripInaccessible"),
        "{c}"
    );
    // A @future method is not followed: it runs after the insert.
    let fut =
        "trigger F on MessagingSession (after insert) { Sync.push(Trigger.newMap.keySet()); }";
    let cls = "public class Sync { @future(callout=true) public static void push(Set<Id> ids) { Http h = new Http(); h.send(new HttpRequest()); } }";
    let v = run(fut, &[cls]);
    assert_unlikely(&v);
    assert!(v
        .evidence
        .iter()
        .any(|e| e.kind == SiteKind::AsyncJob && e.note.contains("@future")));
}

#[test]
fn test_context_guards_and_filtered_lists() {
    let t = "trigger T on MessagingSession (before insert) {\n  if (Test.isRunningTest()) { throw new TestOnlyException('x'); }\n  List<MessagingSession> bad = new List<MessagingSession>();\n  for (MessagingSession s : Trigger.new) { if (s.Status == 'Ended') bad.add(s); }\n  for (MessagingSession s : bad) { s.addError('ended'); }\n}";
    let v = run(t, &[]);
    assert_unlikely(&v);
    let t2 = t.replace("s.Status == 'Ended'", "s.Status == 'Waiting'");
    assert_blocks(&run(&t2, &[]));
}

#[test]
fn handler_instance_method_and_inner_class() {
    let trigger = "trigger H on MessagingSession (before insert) {\n  new SessionService.Validator(Trigger.new).validate();\n}";
    let cls = "public without sharing class SessionService {\n  public class Validator {\n    List<MessagingSession> rows;\n    public Validator(List<MessagingSession> rows) { this.rows = rows; }\n    public void validate() {\n      for (MessagingSession s : rows) {\n        if (s.Origin == 'InboundInitiated') { s.Origin.addError('Inbound sessions are not accepted'); }\n      }\n    }\n  }\n}";
    let v = run(trigger, &[cls]);
    assert_blocks(&v);
    let site = v
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Blocks)
        .unwrap();
    assert_eq!((site.source.as_str(), site.line), ("SessionService", 7));
}

#[test]
fn classic_context_dispatch_with_static_handler() {
    let trigger = "trigger MST on MessagingSession (before insert, after insert, after update) {\n  if (Trigger.isBefore) {\n    if (Trigger.isInsert) { MSTHelper.defaults(Trigger.new); }\n  } else if (Trigger.isAfter) {\n    if (Trigger.isUpdate) { MSTHelper.syncClosed(Trigger.new, Trigger.oldMap); }\n    else { System.enqueueJob(new MSTSync(Trigger.newMap.keySet())); }\n  }\n}";
    let helper = "public class MSTHelper {\n  public static void defaults(List<MessagingSession> rows) {\n    for (MessagingSession s : rows) { if (s.Priority__c == null) s.Priority__c = 'Normal'; }\n  }\n  public static void syncClosed(List<MessagingSession> rows, Map<Id, MessagingSession> old) {\n    throw new SyncException('closed sessions cannot change');\n  }\n}";
    let job = "public class MSTSync implements Queueable { Set<Id> ids; public MSTSync(Set<Id> ids) { this.ids = ids; } public void execute(QueueableContext c) { } }";
    let v = run(trigger, &[helper, job]);
    assert_unlikely(&v);
    assert!(v
        .evidence
        .iter()
        .any(|e| e.kind == SiteKind::AsyncJob && e.outcome == Outcome::Harmless));
    // The same helper throwing from the insert branch blocks.
    let bad = trigger.replace(
        "MSTHelper.defaults(Trigger.new)",
        "MSTHelper.syncClosed(Trigger.new, Trigger.oldMap)",
    );
    let reason = assert_blocks(&run(&bad, &[helper, job])).to_string();
    assert!(
        reason.contains("SyncException") && reason.contains("class MSTHelper line 6"),
        "{reason}"
    );
}

#[test]
fn verdict_serialises_camel_case_with_kind_tag() {
    let v = run(ONE_LINE_TRIGGER, &[BASE, HANDLER_BLOCKING]);
    let j = serde_json::to_value(&v).unwrap();
    assert_eq!(j["verdict"]["kind"], "blocks");
    assert!(j["verdict"]["reason"].as_str().unwrap().contains("CaseId"));
    let ev = &j["evidence"][0];
    assert_eq!(ev["sourceKind"], "class");
    assert_eq!(ev["outcome"], "blocks");
    assert_eq!(ev["kind"], "addError");
    assert!(ev.get("caughtBy").is_none());
    let v2 = run(
        "trigger X on MessagingSession (before insert) { insert new Case(); }",
        &[],
    );
    let j2 = serde_json::to_value(&v2).unwrap();
    assert_eq!(j2["verdict"]["kind"], "mayBlock");
    assert!(j2["verdict"]["conditions"].is_array());
    // Inputs deserialise from the Tooling shape (camelCase).
    let t: TriggerSource = serde_json::from_str(
        r#"{"name":"T","body":"(hidden)","status":"Active","usageBeforeInsert":true}"#,
    )
    .unwrap();
    assert!(t.usage_before_insert);
}

#[test]
fn pre_chat_mapped_field_is_unknown_in_conditions() {
    let r = InsertedRecord::messaging_session_at_start(&["Language__c"]);
    assert!(matches!(
        r.field("Language__c"),
        Some(FieldValue::Unknown(_))
    ));
    let t = "trigger L on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) {\n    switch on s.Language__c {\n      when 'fr' { s.addError('French is not supported yet'); }\n      when else { }\n    }\n  }\n}";
    let c = conditions(&run_with(t, &[], &r));
    assert!(c.contains("pre-chat"), "{c}");
    // Unset → null → no `when 'fr'` match.
    assert_unlikely(&run(t, &[]));
}

// ===== benchmark ===============================================================================

fn corpus() -> Vec<&'static str> {
    vec![
        BASE,
        ONE_LINE_TRIGGER,
        HANDLER_EMPTY_INSERT,
        HANDLER_BLOCKING,
    ]
}

#[test]
#[ignore]
fn bench_apex_lexing_mb_per_s() {
    use std::time::Instant;
    let extra = [
        "trigger CreateCase on MessagingSession (before insert) {\n  for (MessagingSession s : Trigger.new) {\n    Case c = new Case(Subject = 'Chat', Origin = 'Chat'); // comment\n    insert c;\n    Contact k = [SELECT Id, Name FROM Contact WHERE Email = :s.Email__c LIMIT 1];\n    s.CaseId = c.Id; /* block */\n  }\n}\n",
    ];
    let mut text = String::new();
    while text.len() < 5 * 1024 * 1024 {
        for f in corpus().iter().chain(extra.iter()) {
            text.push_str(f);
            text.push('\n');
        }
    }
    let mb = text.len() as f64 / (1024.0 * 1024.0);
    // Warm up, then time several runs and keep the best.
    let mut best = f64::MAX;
    let mut ntok = 0;
    for _ in 0..5 {
        let t0 = Instant::now();
        let toks = lex(&text);
        let dt = t0.elapsed().as_secs_f64();
        ntok = toks.len();
        best = best.min(dt);
    }
    println!(
        "lexing: {mb:.2} MB, {ntok} tokens, best {:.1} ms → {:.0} MB/s",
        best * 1000.0,
        mb / best
    );
    let t0 = Instant::now();
    let p = Parser::new(&text).parse_classes();
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "parsing (lex + parse): {:.0} MB/s ({} classes)",
        mb / dt,
        p.len()
    );

    let r = record();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (ONE_LINE_TRIGGER, vec![BASE, HANDLER_EMPTY_INSERT]),
        (ONE_LINE_TRIGGER, vec![BASE, HANDLER_BLOCKING]),
        (extra[0], vec![]),
    ];
    let n = 2000;
    let t0 = Instant::now();
    for _ in 0..n {
        for (t, cs) in &cases {
            std::hint::black_box(run_with(t, cs, &r));
        }
    }
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "analyse: {:.0} trigger analyses/s ({} runs of {} fixtures in {:.2} s)",
        (n * cases.len()) as f64 / dt,
        n,
        cases.len(),
        dt
    );
    assert!(mb / best > 1.0);
}

#[test]
#[ignore]
fn print_sample_verdicts() {
    let r = InsertedRecord::messaging_session_at_start(&["Reason__c"]);
    for (t, cs) in [
        (ONE_LINE_TRIGGER, vec![BASE, HANDLER_BLOCKING]),
        ("trigger CreateCase on MessagingSession (before insert) {\n  if (!TriggerBypass.isActive) {\n  for (MessagingSession s : Trigger.new) {\n    if (s.Reason__c == null) { s.addError('x'); }\n    Case c = new Case(Subject = 'Chat');\n    insert c;\n  }\n}\n}", vec![]),
    ] {
        let v = run_with(t, &cs, &r);
        println!("{}", serde_json::to_string_pretty(&v).unwrap());
    }
}

#[test]
fn super_calls_resolve_to_the_parent() {
    let trigger =
        "trigger S on MessagingSession (before insert) { new ChildHandler().beforeInsert(); }";
    let parent = "public virtual class ParentHandler { public virtual void beforeInsert() { Trigger.new[0].addError('from parent'); } }";
    let child = "public class ChildHandler extends ParentHandler { public override void beforeInsert() { super.beforeInsert(); } }";
    let v = run(trigger, &[parent, child]);
    assert!(assert_blocks(&v).contains("from parent"));
}

// ===== relationship fields of other records =====================================================

const ROUTING_TRIGGER: &str = "trigger MessagingSessionRouting on MessagingSession (before insert) {\n    MessagingSessionRoutingHandler.assignRegion(Trigger.new);\n}\n";

fn routing_handler(body: &str) -> String {
    format!(
        "public class MessagingSessionRoutingHandler {{\n    public static void assignRegion(List<MessagingSession> sessions) {{\n        Set<Id> endUserIds = new Set<Id>();\n        for (MessagingSession s : sessions) {{ endUserIds.add(s.MessagingEndUserId); }}\n        Map<Id, MessagingEndUser> endUsers = new Map<Id, MessagingEndUser>(\n            [SELECT Id, ContactId, Contact.MailingCountry, Owner.Name FROM MessagingEndUser WHERE Id IN :endUserIds]);\n        for (MessagingSession s : sessions) {{\n{body}\n        }}\n    }}\n}}\n"
    )
}

#[test]
fn a_lookup_of_a_queried_record_may_be_empty() {
    // The simulator's two-causes scenario: a guest end user has no Contact. Reading
    // `….Contact.MailingCountry` through the empty lookup is null, not an exception (Apex
    // Developer Guide, "Accessing sObject Fields Through Relationships"); line 9's
    // `country.startsWith` dereferences that null.
    let cls = routing_handler(
        "            String country = endUsers.get(s.MessagingEndUserId).Contact.MailingCountry;\n            s.Region__c = country.startsWith('US') ? 'AMER' : 'EMEA';",
    );
    let v = run(ROUTING_TRIGGER, &[&cls]);
    let c = conditions(&v);
    assert!(
        c.contains("`country.startsWith('US')` dereferences null when the lookup `Contact` of a MessagingEndUser record is empty"),
        "{c}"
    );
    let site = v
        .evidence
        .iter()
        .find(|s| s.kind == SiteKind::NullDereference)
        .expect("null dereference site");
    assert_eq!(site.line, 9);
    assert_eq!(site.source, "MessagingSessionRoutingHandler");
    assert_eq!(site.outcome, Outcome::MayBlock);
}

#[test]
fn a_checked_or_always_set_lookup_is_not_flagged() {
    let checked = routing_handler(
        "            MessagingEndUser eu = endUsers.get(s.MessagingEndUserId);\n            if (eu.Contact != null) {\n                s.Region__c = eu.Contact.MailingCountry;\n            }",
    );
    assert_unlikely(&run(ROUTING_TRIGGER, &[&checked]));
    let owner =
        routing_handler("            s.Region__c = endUsers.get(s.MessagingEndUserId).Owner.Name;");
    assert_unlikely(&run(ROUTING_TRIGGER, &[&owner]));
}
