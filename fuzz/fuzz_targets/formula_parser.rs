//! The formula parser and the validation-rule judge over arbitrary text: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging_doctor::analysis::formula::{judge_rule, parse};
use messaging_doctor::analysis::record::InsertedRecord;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse(text);
    let record = InsertedRecord::messaging_session_at_start(&["Reason__c"]);
    let _ = judge_rule(text, true, &record);
});
