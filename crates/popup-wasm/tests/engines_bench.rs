//! The analysis engines' throughput inside a real browser (headless Chromium through
//! wasm-bindgen-test-runner), next to the native figures of the core's ignored bench tests.
//! Prints figures; asserts only that the work was done and is deterministic, never a timing.
#![cfg(target_arch = "wasm32")]

use messaging_doctor::analysis::apex::lexer::lex;
use messaging_doctor::analysis::formula::judge_rule;
use messaging_doctor::analysis::record::InsertedRecord;
use messaging_doctor::capture::parse_log;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TRIGGER: &str = "trigger CreateCase on MessagingSession (before insert) {\n  // comment\n  for (MessagingSession s : Trigger.new) {\n    Case c = new Case(Subject = 'Chat \\'quoted\\'', Origin = 'Chat');\n    insert c;\n    Contact k = [SELECT Id, Name FROM Contact WHERE Email = :s.Email__c LIMIT 1];\n    s.CaseId = c.Id; /* block\n comment */\n    if (UserInfo.getUserType() == 'AutomatedProcess') { return; }\n  }\n}\n";

const FORMULAS: [&str; 6] = [
    "AND(ISPICKVAL(Case_Reason__c, ''), $Profile.Name <> 'System Administrator')",
    "AND(NOT(ISNEW()), ISCHANGED(Customer_Tier__c), ISPICKVAL(Case_Reason__c, ''))",
    "AND(ISPICKVAL(Status, 'Ended'), ISBLANK(CaseId), NOT($Permission.Bypass_Chat_Validation))",
    "LEN(Name) > 120",
    "OR(ISBLANK(EndUserContactId), AND(TEXT(Origin) = 'InboundInitiated', NOT(BEGINS($User.Alias, 'auto'))))",
    "IF(ISPICKVAL(Origin, 'InboundInitiated'), FALSE, REGEX(Subject__c, '[0-9]{3}-[A-Z]+'))",
];

include!("../../../examples/support/synthetic_log.rs");

fn now() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
fn apex_lexing_and_formula_judging_throughput_in_the_browser() {
    let mut text = String::new();
    while text.len() < 2 * 1024 * 1024 {
        text.push_str(TRIGGER);
    }
    let mb = text.len() as f64 / (1024.0 * 1024.0);
    let mut best = f64::MAX;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let t0 = now();
        let n = lex(&text).len();
        best = best.min((now() - t0).max(1.0));
        tokens.push(n);
    }
    assert!(tokens[0] > 100_000, "{tokens:?}");
    assert!(
        tokens.iter().all(|n| *n == tokens[0]),
        "lexing is not deterministic: {tokens:?}"
    );
    console_log!(
        "browser Apex lexing: {:.2} MB, {} tokens, best {} ms → {} MB/s",
        mb,
        tokens[0],
        best as u64,
        (mb / (best / 1000.0)) as u64
    );

    let record = InsertedRecord::messaging_session_at_start(&["Subject__c"]);
    let rounds = 2000;
    let t0 = now();
    let mut fired = 0;
    for _ in 0..rounds {
        for f in FORMULAS {
            let v = judge_rule(f, true, &record);
            if v.summary.contains("fires") {
                fired += 1;
            }
        }
    }
    let ms = (now() - t0).max(1.0);
    assert!(fired > 0);
    console_log!(
        "browser formulas parsed + judged: {} in {} ms → {} per second",
        rounds * FORMULAS.len(),
        ms as u64,
        ((rounds * FORMULAS.len()) as f64 / (ms / 1000.0)) as u64
    );
}

#[wasm_bindgen_test]
fn debug_log_parsing_throughput_in_the_browser() {
    // The platform caps a debug log at 20 MB: the whole log must parse well under a second.
    let text = synthetic_log(20 * 1024 * 1024);
    let mb = text.len() as f64 / (1024.0 * 1024.0);
    let mut best = f64::MAX;
    let mut causes = Vec::new();
    for _ in 0..2 {
        let t0 = now();
        let summary = parse_log(&text);
        best = best.min((now() - t0).max(1.0));
        let failed = summary
            .decisive_insert()
            .map(|a| a.finding_code().to_string())
            .unwrap_or_default();
        causes.push(failed);
    }
    assert_eq!(causes[0], "capture/trigger-exception", "{causes:?}");
    assert_eq!(causes[0], causes[1]);
    console_log!(
        "browser debug-log parsing: {:.1} MB in {} ms → {} MB/s",
        mb,
        best as u64,
        (mb / (best / 1000.0)) as u64
    );
}
