//! The snippet parser and the page analysis over arbitrary script text: never panics.
//! The input is used as one inline script, an onload attribute, a script URL and a resource
//! URL, on the page and in a same-origin frame, so the loader classifier, the wrapper-run
//! reader, the duplicate classification and the lifecycle reader see it too. It is also read
//! as a watch-mode record (JSON) and used as every text of one (request URL, CSP report,
//! widget event, loader console line). Beyond not panicking: every call's line is that of a
//! plain count of newlines, and the text pasted many times gives findings whose evidence stays
//! bounded (lists are capped with "and N more", whatever the page holds).
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging_doctor::page::{
    analyze, snippet::read_script, ConsoleLine, CspViolation, DomEvidence, FrameEvidence,
    PageEvidence, ResourceEvidence, ScriptEvidence, WatchCsp, WatchEvidence, WidgetEvent,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for c in read_script(text).calls {
        let before = text.get(..c.offset).expect("a call starts on a char boundary");
        assert_eq!(c.line as usize, 1 + before.matches('\n').count());
    }
    let flags = data.first().copied().unwrap_or(0);
    let mut ev = PageEvidence {
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
                onload: Some(text.to_string()),
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
            containers: u32::from(flags & 1),
            experience_components: u32::from(flags >> 6),
            chat_frames: vec![text.to_string()],
            ..Default::default()
        },
        csp_violations: vec![CspViolation {
            blocked_url: text.to_string(),
            directive: "connect-src".into(),
        }],
        csp_reports_readable: flags & 2 != 0,
        page_age_ms: Some(30_000.0),
        response_status_supported: true,
        ..Default::default()
    };
    if flags & 4 != 0 {
        // The same text in a same-origin frame, and the page itself empty.
        let page_scripts = if flags & 8 != 0 {
            std::mem::take(&mut ev.scripts)
        } else {
            ev.scripts.clone()
        };
        ev.frames.push(FrameEvidence {
            index: 1,
            url: text.to_string(),
            inspectable: true,
            scripts: page_scripts,
            resources: ev.resources.clone(),
            page_age_ms: Some(f64::from(flags) * 100.0),
            ..Default::default()
        });
        ev.frames.push(FrameEvidence {
            index: 2,
            url: text.to_string(),
            ..Default::default()
        });
    }
    if flags & 16 != 0 {
        ev.watch = Some(match serde_json::from_str::<WatchEvidence>(text) {
            Ok(w) => w,
            Err(_) => WatchEvidence {
                started_ms: Some(f64::from(flags) * 10.0),
                resources: ev.resources.clone(),
                csp: vec![WatchCsp {
                    blocked_url: text.to_string(),
                    directive: text.to_string(),
                    at_ms: Some(f64::from(flags)),
                }],
                events: vec![WidgetEvent {
                    name: format!("onEmbeddedMessaging{text}"),
                    at_ms: Some(f64::from(flags) * 3.0),
                    detail: Some(text.to_string()),
                }],
                console: vec![ConsoleLine {
                    level: "error".into(),
                    text: text.to_string(),
                    at_ms: None,
                }],
                ..Default::default()
            },
        });
    }
    let report = analyze(&ev);
    let _ = messaging_doctor::report::diagnose(Some(&report));

    // Many copies, in many scripts: evidence per finding stays bounded.
    let copies = 1 + usize::from(flags >> 3) * 8;
    let many = PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: (0..copies as u32)
            .map(|i| ScriptEvidence {
                index: i + 1,
                inline: Some(text.repeat(4)),
                src: Some(text.to_string()),
                onload: Some(text.to_string()),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    for f in analyze(&many).findings {
        assert!(f.evidence.len() <= 80, "{}: {} evidence lines", f.code, f.evidence.len());
    }
});
