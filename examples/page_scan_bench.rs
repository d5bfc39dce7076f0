//! Native timing of the page scan's pure half (`page::analyze`, and the JSON the report
//! becomes) on synthetic pages: figures only, no asserts.
//!
//!   cargo run --release --example page_scan_bench [iterations]
//!
//! Pages (the DOM walk itself runs in the browser; `scripts/bench-page.mjs` times the whole
//! content script there):
//! - `large`: 200 inline scripts of ordinary minified-looking code (~2.5 KB each, ~500 KB in
//!   all) with one Messaging for Web snippet among them, 50 external scripts, 250 resource
//!   timing entries (a full buffer) and the widget's start-up requests.
//! - `twenty`: 20 copies of the snippet (inline init + loader), 20 deployments.
//!
//! Worst shapes a hostile or broken page can have within the collector's caps
//! (`crates/page-wasm`: 5,000 scripts, 16 MB of inline text in all, 512 KB per script):
//! - `wrapper runs`: 32 scripts of 512 KB of `initEmbeddedMessaging();` (about 700k runs).
//! - `init calls`: 32 scripts of 512 KB of bare init calls (about 130k calls).
//! - `snippet copies`: 32 scripts of 512 KB of whole snippets (about 50k copies).
//! - `huge scripts`: 32 scripts of 512 KB of ordinary code, one snippet at the very end.
//! - `many scripts`: 5,000 scripts of 3.3 KB of ordinary code, a snippet in the last one.
//! - `multi-byte`: 32 scripts of 512 KB of non-ASCII strings and identifiers with init calls.
//! - `onload runs`: 5,000 loader tags whose `onload` attributes hold 3.3 KB of wrapper runs.
//!
//! Pass `worst` as the second argument to run only these (with fewer iterations: they are big).
use messaging_doctor::page::{
    analyze, DomEvidence, PageEvidence, ResourceEvidence, ScriptEvidence,
};
use std::time::{Duration, Instant};

const SNIPPET: &str = "function initEmbeddedMessaging(){try{embeddedservice_bootstrap.settings.language='en_US';embeddedservice_bootstrap.init('00DHu00000abcde','DEP','https://acme.my.site.com/ESWDEP1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){console.error('Error loading Embedded Messaging: ',e)}}";

/// About 2.5 KB of ordinary page code: objects, strings, regexes, comments, division.
fn filler(n: usize) -> String {
    let mut s = String::new();
    for k in 0..12 {
        s.push_str(&format!(
            "/* module {n}.{k} */var m{n}_{k}={{id:{k},name:\"item-{n}-{k}\",re:/^a[b-c]+\\/d$/g,ratio:{k}/3,url:'https://cdn.example.com/{n}/{k}.js'}};\
             function f{n}_{k}(a,b){{return a.map(function(x){{return x*b/2}}).filter(Boolean).join(',')+`t${{a}}`}}\n"
        ));
    }
    s
}

fn resource(url: String, start: f64) -> ResourceEvidence {
    ResourceEvidence {
        url,
        initiator: "script".into(),
        status: Some(200),
        duration_ms: Some(40.0),
        start_ms: Some(start),
    }
}

fn large_page() -> PageEvidence {
    let mut scripts = Vec::new();
    for i in 0..200u32 {
        let mut text = filler(i as usize);
        if i == 150 {
            text.push_str(&SNIPPET.replace("DEP", "Web_Chat"));
        }
        scripts.push(ScriptEvidence {
            index: i + 1,
            inline: Some(text),
            in_head: i < 20,
            ..Default::default()
        });
    }
    for i in 0..50u32 {
        scripts.push(ScriptEvidence {
            index: 201 + i,
            src: Some(format!("https://cdn.example.com/lib/{i}.js")),
            ..Default::default()
        });
    }
    scripts.push(ScriptEvidence {
        index: 251,
        src: Some(
            "https://acme.my.site.com/ESWWeb_Chat1712345678901/assets/js/bootstrap.min.js".into(),
        ),
        onload: Some("initEmbeddedMessaging()".into()),
        ..Default::default()
    });
    let mut resources: Vec<ResourceEvidence> = (0..246)
        .map(|i| resource(format!("https://cdn.example.com/img/{i}.png?v=3"), i as f64))
        .collect();
    resources.push(resource(
        "https://acme.my.site.com/ESWWeb_Chat1712345678901/assets/js/bootstrap.min.js".into(),
        300.0,
    ));
    resources.push(resource(
        "https://acme.my.site.com/ESWWeb_Chat1712345678901/assets/styles/bootstrap.min.css".into(),
        400.0,
    ));
    resources.push(resource("https://acme.my.salesforce-scrt.com/embeddedservice/v1/embedded-service-config?orgId=00DHu00000abcde&esConfigName=Web_Chat&language=en_US".into(), 450.0));
    resources.push(resource("https://acme.my.salesforce-scrt.com/embeddedservice/v1/businesshours?orgId=00DHu00000abcde&esConfigName=Web_Chat".into(), 450.0));
    PageEvidence {
        url: "https://www.example.com/".into(),
        scripts,
        resources,
        dom: DomEvidence {
            containers: 1,
            buttons: 1,
            buttons_visible: 1,
            site_context_frames: 1,
            ..Default::default()
        },
        page_age_ms: Some(30_000.0),
        response_status_supported: true,
        ..Default::default()
    }
}

fn twenty_snippets() -> PageEvidence {
    let mut scripts = Vec::new();
    for i in 0..20u32 {
        let dep = format!("Chat_{i}");
        scripts.push(ScriptEvidence {
            index: 2 * i + 1,
            inline: Some(SNIPPET.replace("DEP", &dep)),
            ..Default::default()
        });
        scripts.push(ScriptEvidence {
            index: 2 * i + 2,
            src: Some(format!(
                "https://acme.my.site.com/ESW{dep}1712345678901/assets/js/bootstrap.min.js"
            )),
            onload: Some("initEmbeddedMessaging()".into()),
            ..Default::default()
        });
    }
    PageEvidence {
        url: "https://www.example.com/".into(),
        scripts,
        page_age_ms: Some(2_000.0),
        ..Default::default()
    }
}

/// Cap on one script's inline text, as the collector applies it.
const SCRIPT_CAP: usize = 512 * 1024;
/// Cap on all inline text of a page, as the collector applies it.
const PAGE_CAP: usize = 16 * 1024 * 1024;

/// The page size to fill: the cap, or `BENCH_PAGE_MB` (a smaller page, to time the quadratic
/// reader of old builds in reasonable time).
fn page_cap() -> usize {
    std::env::var("BENCH_PAGE_MB")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .map(|mb| (mb * 1024.0 * 1024.0) as usize)
        .unwrap_or(PAGE_CAP)
}

/// `unit` repeated up to `cap` bytes.
fn fill(unit: &str, cap: usize) -> String {
    unit.repeat(cap / unit.len())
}

/// As many scripts of `text` as fit in the page's inline budget (or `BENCH_PAGE_MB`).
fn page_of(text: &str) -> PageEvidence {
    let n = page_cap() / text.len().max(1);
    let scripts = (0..n as u32)
        .map(|i| ScriptEvidence {
            index: i + 1,
            inline: Some(text.to_string()),
            ..Default::default()
        })
        .collect();
    PageEvidence {
        url: "https://www.example.com/".into(),
        scripts,
        page_age_ms: Some(2_000.0),
        ..Default::default()
    }
}

const CALL: &str = "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb_Chat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'});\n";

fn worst_pages() -> Vec<(&'static str, PageEvidence)> {
    let mut huge = filler(0);
    huge = fill(&huge, SCRIPT_CAP - SNIPPET.len() - 16);
    huge.push_str(&SNIPPET.replace("DEP", "Web_Chat"));
    let many_text = {
        let mut t = filler(1);
        t.push_str(&filler(2)[..800]);
        t
    };
    let mut many = page_of(&many_text);
    many.scripts
        .truncate((5_000 * page_cap() / PAGE_CAP).max(1));
    if let Some(last) = many.scripts.last_mut() {
        last.inline
            .as_mut()
            .unwrap()
            .push_str(&SNIPPET.replace("DEP", "Web_Chat"));
    }
    let multibyte = fill(
        "var 名前='ÉéЖж漢字🙂';embeddedservice_bootstrap.init('00DHu00000abcdé','Wéb_Chat','https://acme.my.site.com/ESWWeb_Chat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'});/* ü */\n",
        SCRIPT_CAP,
    );
    let tags = (5_000 * page_cap() / PAGE_CAP) as u32;
    let onload = PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: (0..tags)
            .map(|i| ScriptEvidence {
                index: i + 1,
                src: Some(format!(
                    "https://acme.my.site.com/ESWWeb_Chat1712345678901/assets/js/bootstrap.min.js?{i}"
                )),
                onload: Some(fill("initEmbeddedMessaging();", PAGE_CAP / 5_000)),
                ..Default::default()
            })
            .collect(),
        page_age_ms: Some(2_000.0),
        ..Default::default()
    };
    vec![
        (
            "wrapper runs",
            page_of(&fill("initEmbeddedMessaging();\n", SCRIPT_CAP)),
        ),
        ("init calls", page_of(&fill(CALL, SCRIPT_CAP))),
        (
            "snippet copies",
            page_of(&fill(
                &format!("{}\n", SNIPPET.replace("DEP", "Web_Chat")),
                SCRIPT_CAP,
            )),
        ),
        ("huge scripts", page_of(&huge)),
        ("many scripts", many),
        ("multi-byte", page_of(&multibyte)),
        ("onload runs", onload),
    ]
}

fn micros(d: Duration) -> u128 {
    d.as_micros()
}

fn bench(name: &str, ev: &PageEvidence, iterations: usize) {
    let bytes: usize = ev
        .scripts
        .iter()
        .filter_map(|s| s.inline.as_ref())
        .map(String::len)
        .sum();
    let mut analyze_t = Vec::with_capacity(iterations);
    let mut total_t = Vec::with_capacity(iterations);
    let mut findings = 0;
    let mut json_len = 0;
    let mut md_len = 0;
    for _ in 0..iterations {
        let t0 = Instant::now();
        let report = std::hint::black_box(analyze(std::hint::black_box(ev)));
        let t1 = Instant::now();
        let json = serde_json::to_string(&report).unwrap();
        let t2 = Instant::now();
        analyze_t.push(t1 - t0);
        total_t.push(t2 - t0);
        findings = report.findings.len();
        json_len = json.len();
        md_len = messaging_doctor::report::markdown(
            &messaging_doctor::report::diagnose(Some(&report)),
            "bench",
        )
        .len();
    }
    analyze_t.sort();
    total_t.sort();
    let median = |v: &[Duration]| micros(v[v.len() / 2]);
    println!(
        "{name}: {} scripts, {} KB inline, {} resources -> {findings} findings, {} KB JSON, {} KB Markdown; \
         analyze median {} us (min {} us, max {} us); analyze+JSON median {} us ({iterations} runs)",
        ev.scripts.len(),
        bytes / 1024,
        ev.resources.len(),
        json_len / 1024,
        md_len / 1024,
        median(&analyze_t),
        micros(analyze_t[0]),
        micros(analyze_t[analyze_t.len() - 1]),
        median(&total_t),
    );
}

fn main() {
    let iterations = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let worst_only = std::env::args().nth(2).as_deref() == Some("worst");
    if !worst_only {
        bench("large (200 inline scripts)", &large_page(), iterations);
        bench("twenty snippets", &twenty_snippets(), iterations);
    }
    let worst_runs = if worst_only { iterations } else { 3 };
    for (name, page) in worst_pages() {
        bench(name, &page, worst_runs);
    }
}
