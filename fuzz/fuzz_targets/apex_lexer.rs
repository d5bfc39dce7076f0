//! The Apex lexer and the trigger analyser over an arbitrary body: never panics. A NUL byte
//! splits the input into a trigger body and one class body, so handler-class following is
//! fuzzed too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging_doctor::analysis::apex::{analyze_trigger, lexer::lex, ClassSource, TriggerSource};
use messaging_doctor::analysis::record::InsertedRecord;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (trigger, class) = text.split_once('\0').unwrap_or((text, ""));
    let _ = lex(trigger);
    let t = TriggerSource {
        name: "MessagingSessionTrigger".into(),
        body: trigger.to_string(),
        status: "Active".into(),
        usage_before_insert: true,
        usage_after_insert: true,
        ..Default::default()
    };
    let classes = [ClassSource {
        name: "TriggerHandler".into(),
        body: class.to_string(),
        namespace_prefix: None,
    }];
    let _ = analyze_trigger(&t, &classes, &InsertedRecord::messaging_session_at_start(&[]));
});
