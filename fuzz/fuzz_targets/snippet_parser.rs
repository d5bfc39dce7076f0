//! The snippet parser and the page analysis over arbitrary script text: never panics.
//! The input is used as one inline script, as a script URL and as a resource URL, so the
//! loader classifier and the lifecycle reader see it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging_doctor::page::{
    analyze, snippet::find_init_calls, DomEvidence, PageEvidence, ResourceEvidence,
    ScriptEvidence,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = find_init_calls(text);
    let ev = PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![
            ScriptEvidence {
                index: 1,
                inline: Some(text.to_string()),
                in_head: true,
                ..Default::default()
            },
            ScriptEvidence {
                index: 2,
                src: Some(text.to_string()),
                ..Default::default()
            },
        ],
        resources: vec![ResourceEvidence {
            url: text.to_string(),
            initiator: "script".into(),
            status: data.first().map(|b| u16::from(*b) * 3),
            duration_ms: Some(50.0),
            start_ms: Some(100.0),
        }],
        dom: DomEvidence {
            containers: u32::from(data.len() % 2 == 0),
            chat_frames: vec![text.to_string()],
            ..Default::default()
        },
        page_age_ms: Some(30_000.0),
        response_status_supported: true,
        ..Default::default()
    };
    let report = analyze(&ev);
    let _ = messaging_doctor::report::diagnose(Some(&report));
});
