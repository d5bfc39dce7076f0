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

// The synthetic log, shared with the in-browser benchmark (crates/popup-wasm/tests).
include!("support/synthetic_log.rs");

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
