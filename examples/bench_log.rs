//! Throughput of the debug-log parser on a synthetic 20 MB log (the platform's cap).
//!
//! `CARGO_TARGET_DIR=… cargo run --release --example bench_log [-- <MB> <runs>]`
//!
//! The log is what a busy insert looks like: a MessagingSession insert whose trigger writes many
//! `USER_DEBUG` lines, runs SOQL, DML on other objects, method entries and variable assignments,
//! and fails at the very end (an NPE in the trigger → `CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY`).
//! Prints MB/s for the whole text at once and for 64 KiB chunks (text and bytes); asserts
//! nothing about timings.

use messaging_doctor::capture::{parse_log, LogParser, LogSummary};
use std::time::Instant;

fn ts(n: u64) -> String {
    let ms = n / 1_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:03} ({n})",
        (ms / 3_600_000) % 24,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    )
}

fn synthetic_log(target_bytes: usize) -> String {
    let mut s = String::with_capacity(target_bytes + 4096);
    let mut n: u64 = 1_000_000;
    let mut line = |s: &mut String, rest: &str| {
        n += 7_919;
        s.push_str(&ts(n));
        s.push('|');
        s.push_str(rest);
        s.push('\n');
    };
    s.push_str("65.0 APEX_CODE,FINEST;APEX_PROFILING,INFO;CALLOUT,INFO;DB,INFO;NBA,INFO;SYSTEM,DEBUG;VALIDATION,INFO;VISUALFORCE,INFO;WAVE,INFO;WORKFLOW,FINER\n");
    line(&mut s, "EXECUTION_STARTED");
    line(
        &mut s,
        "CODE_UNIT_STARTED|[EXTERNAL]|DML Insert MessagingSession",
    );
    line(
        &mut s,
        "DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1",
    );
    line(&mut s, "CODE_UNIT_STARTED|[EXTERNAL]|01q5g000000TrigAAA|BusyTrigger on MessagingSession trigger event BeforeInsert|__sfdc_trigger/BusyTrigger");
    let mut i = 0u64;
    // Leave room for the failure at the end.
    while s.len() < target_bytes.saturating_sub(2048) {
        i += 1;
        match i % 10 {
            0 => line(&mut s, &format!("SOQL_EXECUTE_BEGIN|[{}]|Aggregations:0|SELECT Id, Name, ContactId, Contact.MailingCountry FROM MessagingEndUser WHERE Id IN :tmpVar{i} LIMIT 200", 10 + i % 90)),
            1 => line(&mut s, &format!("SOQL_EXECUTE_END|[{}]|Rows:{}", 10 + i % 90, i % 7)),
            2 => line(&mut s, &format!("DML_BEGIN|[{}]|Op:Update|Type:Contact|Rows:{}", 20 + i % 50, 1 + i % 3)),
            3 => line(&mut s, &format!("DML_END|[{}]", 20 + i % 50)),
            4 => line(&mut s, &format!("METHOD_ENTRY|[{}]|01p5g000000HndlAAA|MessagingSessionHandler.enrich(List<MessagingSession>)", i % 200)),
            5 => line(&mut s, &format!("VARIABLE_ASSIGNMENT|[{}]|session|{{\"Id\":null,\"Status\":\"Waiting\",\"Origin\":\"InboundInitiated\",\"n\":{i}}}|0x6b1a{:04x}", i % 200, i % 65536)),
            6 => line(&mut s, &format!("USER_DEBUG|[{}]|DEBUG|enriching session {i}: region=EMEA tier=Bronze contact=null", i % 200)),
            7 => line(&mut s, &format!("USER_DEBUG|[{}]|DEBUG|payload {i}\n  {{\"items\": [1, 2, 3],\n   \"note\": \"line two of a multi-line debug\"}}", i % 200)),
            8 => line(&mut s, &format!("HEAP_ALLOCATE|[{}]|Bytes:{}", i % 200, 8 + i % 120)),
            _ => line(&mut s, &format!("METHOD_EXIT|[{}]|01p5g000000HndlAAA|MessagingSessionHandler.enrich(List<MessagingSession>)", i % 200)),
        }
    }
    line(
        &mut s,
        "EXCEPTION_THROWN|[12]|System.NullPointerException: Attempt to de-reference a null object",
    );
    line(&mut s, "FATAL_ERROR|System.NullPointerException: Attempt to de-reference a null object\n\nClass.MessagingSessionHandler.route: line 12, column 1\nTrigger.BusyTrigger: line 3, column 1");
    line(&mut s, "CODE_UNIT_FINISHED|BusyTrigger on MessagingSession trigger event BeforeInsert|__sfdc_trigger/BusyTrigger");
    let dml = "System.DmlException: Insert failed. First exception on row 0; first error: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, BusyTrigger: execution of BeforeInsert\n\ncaused by: System.NullPointerException: Attempt to de-reference a null object\n\nClass.MessagingSessionHandler.route: line 12, column 1\nTrigger.BusyTrigger: line 3, column 1: []";
    line(&mut s, &format!("EXCEPTION_THROWN|[EXTERNAL]|{dml}"));
    line(&mut s, &format!("FATAL_ERROR|{dml}"));
    line(&mut s, "DML_END|[EXTERNAL]");
    line(&mut s, "CODE_UNIT_FINISHED|DML Insert MessagingSession");
    line(&mut s, "EXECUTION_FINISHED");
    s
}

/// Peak resident set (VmHWM) in KiB, where /proc says it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn time<F: FnMut() -> LogSummary>(runs: usize, bytes: usize, mut f: F) -> (f64, f64, LogSummary) {
    let mut rates = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let s = f();
        let secs = t.elapsed().as_secs_f64();
        rates.push(bytes as f64 / 1e6 / secs);
        last = Some(s);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    let median = rates[rates.len() / 2];
    let best = rates[rates.len() - 1];
    (median, best, last.expect("runs > 0"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7).max(1);
    let log = synthetic_log(mb * 1_000_000);
    let bytes = log.len();
    println!(
        "synthetic log: {:.1} MB, {} lines",
        bytes as f64 / 1e6,
        log.lines().count()
    );
    let rss_before = peak_rss_kib();

    let (m, b, s) = time(runs, bytes, || parse_log(&log));
    println!("parse_log (whole text):      median {m:7.1} MB/s, best {b:7.1} MB/s");
    let (m2, b2, s2) = time(runs, bytes, || {
        let mut p = LogParser::new();
        for chunk in log.as_bytes().chunks(64 * 1024) {
            // Text chunks must end on a character boundary; this log is ASCII.
            p.feed(std::str::from_utf8(chunk).unwrap_or(""));
        }
        p.finish()
    });
    println!("feed, 64 KiB text chunks:    median {m2:7.1} MB/s, best {b2:7.1} MB/s");
    let (m3, b3, s3) = time(runs, bytes, || {
        let mut p = LogParser::new();
        for chunk in log.as_bytes().chunks(64 * 1024) {
            p.feed_bytes(chunk);
        }
        p.finish()
    });
    println!("feed_bytes, 64 KiB chunks:   median {m3:7.1} MB/s, best {b3:7.1} MB/s");
    assert!(s == s2 && s2 == s3, "chunking changed the summary");

    if let (Some(before), Some(after)) = (rss_before, peak_rss_kib()) {
        println!(
            "peak RSS: {before} KiB with the log in memory, {after} KiB after parsing (+{} KiB)",
            after.saturating_sub(before)
        );
    }
    let a = s.decisive_insert().expect("the insert");
    println!(
        "lines {}, events {}, user_debug {}, soql {}, dml {} → {} ({:?})",
        s.counts.lines,
        s.counts.events,
        s.counts.user_debug,
        s.counts.soql_queries,
        s.counts.dml_statements,
        a.finding_code(),
        a.cause.as_ref().map(|c| c.names())
    );
}
