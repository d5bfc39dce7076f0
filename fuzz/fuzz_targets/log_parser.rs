//! Fuzz target for the streaming debug-log parser (`messaging_doctor::capture`).
//!
//! Properties: no panic on any bytes; feeding the same bytes in chunks (a step chosen by the
//! first byte, splitting lines and UTF-8 characters anywhere) gives the same summary as feeding
//! them at once; the summary serialises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging_doctor::capture::LogParser;

fuzz_target!(|data: &[u8]| {
    let Some((&seed, body)) = data.split_first() else {
        return;
    };
    let mut whole = LogParser::new();
    whole.feed_bytes(body);
    let whole = whole.finish();

    let step = 1 + usize::from(seed % 64);
    let mut chunked = LogParser::new();
    for c in body.chunks(step) {
        chunked.feed_bytes(c);
    }
    assert_eq!(chunked.finish(), whole);

    if let Some(a) = whole.decisive_insert() {
        let _ = a.finding_code();
    }
    let _ = serde_json::to_string(&whole).expect("serialises");
});
