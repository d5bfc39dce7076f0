use super::*;
use crate::finding::{Finding, Severity};
use crate::page::{
    analyze, CspViolation, DomEvidence, PageEvidence, ResourceEvidence, ScriptEvidence,
    StorageEvidence,
};

const SITE: &str = "https://acme.my.site.com/ESWWebChat1712345678901";
const SCRT: &str = "https://acme.my.salesforce-scrt.com";

fn res(url: &str, status: Option<u16>, start: f64) -> ResourceEvidence {
    ResourceEvidence {
        url: url.to_string(),
        initiator: "fetch".into(),
        status,
        duration_ms: Some(50.0),
        start_ms: Some(start),
    }
}

fn page(
    resources: Vec<ResourceEvidence>,
    dom: DomEvidence,
    storage: Vec<StorageEvidence>,
    age: f64,
) -> PageEvidence {
    page_in(resources, dom, storage, age, true)
}

fn page_in(
    resources: Vec<ResourceEvidence>,
    dom: DomEvidence,
    storage: Vec<StorageEvidence>,
    age: f64,
    status_supported: bool,
) -> PageEvidence {
    PageEvidence {
            url: "https://www.acme-shop.test/".into(),
            scripts: vec![
                ScriptEvidence {
                    index: 1,
                    inline: Some(format!("embeddedservice_bootstrap.init('00D8c000001Hlt1','Web_Chat','{SITE}',{{scrt2URL:'{SCRT}'}})")),
                    ..Default::default()
                },
                ScriptEvidence {
                    index: 2,
                    src: Some(format!("{SITE}/assets/js/bootstrap.min.js")),
                    ..Default::default()
                },
            ],
            resources,
            dom,
            storage,
            page_age_ms: Some(age),
            response_status_supported: status_supported,
            ..Default::default()
        }
}

fn startup(config: Option<u16>) -> Vec<ResourceEvidence> {
    vec![
            res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0),
            res(&format!("{SITE}/assets/styles/bootstrap.min.css"), Some(200), 200.0),
            res(&format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat&language=en_US"), config, 300.0),
            res(&format!("{SCRT}/embeddedservice/v1/businesshours?orgId=00D8c000001Hlt1&esConfigName=Web_Chat"), Some(204), 300.0),
        ]
}

fn ready_dom() -> DomEvidence {
    DomEvidence {
        containers: 1,
        buttons: 1,
        buttons_visible: 1,
        site_context_frames: 1,
        ..Default::default()
    }
}

fn code_and_stage(ev: &PageEvidence) -> (String, Stage) {
    let r = analyze(ev);
    let (_, stage) = assess(ev, &r.loaders, &r.init_calls);
    let stage = stage.expect("a MIAW page has a stage");
    let f = finding_for(&stage, &[], ev);
    (f.code, stage)
}

#[test]
fn classifies_the_widget_requests() {
    let rows = [
        (
            format!("{SITE}/assets/js/bootstrap.min.js"),
            Some(Step::Loader),
        ),
        (
            format!("{SITE}/assets/styles/bootstrap.min.css"),
            Some(Step::Styles),
        ),
        (
            format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=x"),
            Some(Step::Config),
        ),
        (
            format!("{SCRT}/embeddedservice/v1/businesshours?orgId=x"),
            Some(Step::BusinessHours),
        ),
        (
            format!("{SCRT}/embeddedservice/v2/agent-availability?orgId=x"),
            Some(Step::Availability),
        ),
        (
            format!("{SITE}/assets/htdocs/sitecontext.min.html?parent_domain=x"),
            Some(Step::SiteContext),
        ),
        (
            format!("{SCRT}/iamessage/v1/authorization/unauthenticated/accessToken"),
            Some(Step::Token),
        ),
        (
            format!("{SCRT}/iamessage/api/v2/authorization/unauthenticated/access-token"),
            Some(Step::Token),
        ),
        (
            format!("{SCRT}/iamessage/v1/conversation"),
            Some(Step::Conversation),
        ),
        (
            format!("{SCRT}/iamessage/v1/conversation/abc/message"),
            Some(Step::Message),
        ),
        (
            format!("{SCRT}/iamessage/v1/queries/conversation/list"),
            Some(Step::ConversationList),
        ),
        (format!("{SCRT}/eventrouter/v1/sse"), Some(Step::Events)),
        (format!("{SITE}/?lwc.mode=prod"), Some(Step::ChatFrame)),
        ("https://www.acme-shop.test/app.js".to_string(), None),
    ];
    for (url, want) in rows {
        assert_eq!(classify(&url), want, "{url}");
    }
}

/// Each row: what the page shows → the stage and the finding code. Shapes from the facts'
/// observed behaviours (unpublished deployment 404, CSP without scrt2, site URL without
/// https, failed insert → FAILED_MESSAGES).
#[test]
fn stage_table() {
    let ok_conv = |mut v: Vec<ResourceEvidence>, msg: Option<u16>| {
        v.push(res(
            &format!("{SCRT}/iamessage/v1/authorization/unauthenticated/accessToken"),
            Some(200),
            2000.0,
        ));
        v.push(res(
            &format!("{SCRT}/iamessage/v1/conversation"),
            Some(201),
            2100.0,
        ));
        if let Some(s) = msg {
            v.push(res(
                &format!("{SCRT}/iamessage/v1/conversation/c1/message"),
                Some(s),
                2500.0,
            ));
        }
        v
    };
    let failed_store = vec![StorageEvidence {
        key: "00D8c000001Hlt1_WEB_STORAGE".into(),
        failed_messages: 1,
        unreadable: false,
    }];
    let container_only = DomEvidence {
        containers: 1,
        ..Default::default()
    };
    let cases: Vec<(&str, PageEvidence, &str, &str)> = vec![
            ("healthy", page(startup(Some(200)), ready_dom(), vec![], 30_000.0), "page/widget-ready", "healthy"),
            ("healthy conversation", page(ok_conv(startup(Some(200)), Some(202)), ready_dom(), vec![], 30_000.0), "page/widget-ready", "healthy"),
            ("insert failed: message kept as failed", page(ok_conv(startup(Some(200)), Some(400)), ready_dom(), failed_store.clone(), 30_000.0), "page/message-not-sent", "messages-not-sent"),
            ("failed messages from an earlier page view", page(startup(Some(200)), ready_dom(), failed_store, 30_000.0), "page/message-not-sent", "messages-not-sent"),
            ("unpublished deployment: config 404", page(startup(Some(404)), container_only.clone(), vec![], 30_000.0), "page/request-failed", "config-failed"),
            ("maintenance: 423", page(startup(Some(423)), container_only.clone(), vec![], 30_000.0), "page/request-failed", "config-failed"),
            ("CSP connect-src: no scrt2 request seen", page(startup(Some(200)).into_iter().take(2).collect(), container_only.clone(), vec![], 30_000.0), "page/csp-blocked", "startup-requests-blocked"),
            ("CORS: config requested twice, answers withheld", page({ let mut v = startup(None); v.retain(|e| !e.url.contains("businesshours")); v }, container_only.clone(), vec![], 3_000.0), "page/cors-blocked", "startup-answers-withheld"),
            ("no status because the browser never shows one: not CORS", page_in(startup(None), container_only.clone(), vec![], 3_000.0, false), "page/widget-starting", "starting"),
            ("loader never fetched", page(vec![], DomEvidence::default(), vec![], 30_000.0), "page/request-failed", "loader-blocked"),
            ("loader 404", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(404), 100.0)], DomEvidence::default(), vec![], 30_000.0), "page/request-failed", "loader-blocked"),
            ("site URL without https: styles 404 on the shop's host", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0), res("https://www.acme-shop.test/acme.my.site.com/ESWWebChat1712345678901/assets/styles/bootstrap.min.css", Some(404), 200.0)], container_only.clone(), vec![], 30_000.0), "page/widget-stalled", "styles-failed"),
            ("init never called", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0)], DomEvidence::default(), vec![], 30_000.0), "page/widget-stalled", "init-never-called"),
            ("still starting", page(vec![res(&format!("{SITE}/assets/js/bootstrap.min.js"), Some(200), 100.0)], DomEvidence::default(), vec![], 2_000.0), "page/widget-starting", "starting"),
            ("loader still downloading", page(vec![], DomEvidence::default(), vec![], 2_000.0), "page/widget-starting", "starting"),
            ("stalled: answers seen, no button", page(startup(Some(200)), container_only, vec![], 30_000.0), "page/widget-stalled", "stalled-before-ready"),
            ("business hours closed: button hidden", page(startup(Some(200)), DomEvidence { containers: 1, buttons: 1, ..Default::default() }, vec![], 30_000.0), "page/button-hidden", "button-hidden"),
            ("token refused after the click", page({ let mut v = startup(Some(200)); v.push(res(&format!("{SCRT}/iamessage/v1/authorization/unauthenticated/accessToken"), Some(401), 2000.0)); v }, ready_dom(), vec![], 30_000.0), "page/request-failed", "stalled-after-click"),
        ];
    for (name, ev, code, stage) in cases {
        let (got_code, got_stage) = code_and_stage(&ev);
        // Externally tagged: "healthy", or {"config-failed": {"status": 404}}.
        let stage_tag = match serde_json::to_value(&got_stage).unwrap() {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(m) => m.keys().next().unwrap().clone(),
            other => panic!("unexpected stage shape {other}"),
        };
        assert_eq!(
            (got_code.as_str(), stage_tag.as_str()),
            (code, stage),
            "{name}: {got_stage:?}"
        );
    }
}

#[test]
fn a_duplicate_whose_widget_started_ranks_below_the_failed_messages() {
    let mut ev = page(
        startup(Some(200)),
        ready_dom(),
        vec![StorageEvidence {
            key: "00D8c000001Hlt1_WEB_STORAGE".into(),
            failed_messages: 1,
            unreadable: false,
        }],
        30_000.0,
    );
    ev.scripts.extend(ev.scripts.clone());
    let d = crate::report::diagnose(Some(&analyze(&ev)));
    let codes: Vec<_> = d
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.severity))
        .collect();
    assert_eq!(
        &codes[..2],
        &[
            ("page/message-not-sent", Severity::Error),
            ("page/duplicate-snippet", Severity::Warning)
        ]
    );
    assert!(d.findings[1].message.contains("latent conflict"));
    // Without a working widget the duplicate stays an error.
    let mut stalled = page(
        startup(Some(404)),
        DomEvidence {
            containers: 1,
            ..Default::default()
        },
        vec![],
        30_000.0,
    );
    stalled.scripts.extend(stalled.scripts.clone());
    let r = analyze(&stalled);
    let dup = r
        .findings
        .iter()
        .find(|f| f.code == "page/duplicate-snippet")
        .unwrap();
    assert_eq!(dup.severity, Severity::Error);
}

#[test]
fn stalled_names_the_missing_answer() {
    let mut r = startup(Some(200));
    r.retain(|e| !e.url.contains("businesshours"));
    let ev = page(
        r,
        DomEvidence {
            containers: 1,
            ..Default::default()
        },
        vec![],
        30_000.0,
    );
    let (_, stage) = code_and_stage(&ev);
    assert_eq!(
        stage,
        Stage::StalledBeforeReady {
            missing: vec![Step::BusinessHours, Step::SiteContext]
        }
    );
    let f = finding_for(&stage, &[], &ev);
    assert!(
        f.message.contains("business hours, site-context frame"),
        "{}",
        f.message
    );
}

#[test]
fn a_full_timing_buffer_is_not_evidence_of_a_missing_loader() {
    let filler: Vec<ResourceEvidence> = (0..RESOURCE_BUFFER_DEFAULT)
        .map(|i| {
            res(
                &format!("https://cdn.acme-shop.test/img/{i}.png"),
                Some(200),
                i as f64,
            )
        })
        .collect();
    let ev = page(filler, DomEvidence::default(), vec![], 30_000.0);
    assert_eq!(code_and_stage(&ev).0, "page/timeline-incomplete");
}

#[test]
fn legacy_only_pages_get_no_stage() {
    let ev = PageEvidence {
        url: "https://x.test/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            src: Some("https://service.force.com/embeddedservice/5.0/esw.min.js".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = analyze(&ev);
    assert_eq!(assess(&ev, &r.loaders, &r.init_calls).1, None);
}

#[test]
fn timeline_is_evidence_with_status_and_timing() {
    let ev = page(
        startup(Some(404)),
        DomEvidence {
            containers: 1,
            ..Default::default()
        },
        vec![],
        30_000.0,
    );
    let r = analyze(&ev);
    let (t, stage) = assess(&ev, &r.loaders, &r.init_calls);
    let f = finding_for(&stage.unwrap(), &t, &ev);
    let config = f
        .evidence
        .iter()
        .find(|e| e.label == "Request: deployment configuration")
        .unwrap();
    assert!(
        config.value.contains("HTTP 404, at 300 ms, took 50 ms"),
        "{}",
        config.value
    );
    assert_eq!(f.evidence.len(), 4);
}

#[test]
fn csp_blocking_says_whether_it_was_observed_or_inferred() {
    let container_only = DomEvidence {
        containers: 1,
        ..Default::default()
    };
    let blocked = |readable: bool, violations: Vec<CspViolation>| {
        let mut ev = page(
            startup(Some(200)).into_iter().take(2).collect(),
            container_only.clone(),
            vec![],
            30_000.0,
        );
        ev.csp_reports_readable = readable;
        ev.csp_violations = violations;
        analyze(&ev)
            .findings
            .into_iter()
            .find(|f| f.code == "page/csp-blocked")
            .expect("csp-blocked")
    };
    let how = |f: &Finding| {
        f.evidence
            .iter()
            .find(|e| e.label == "CSP blocking")
            .map(|e| e.value.clone())
            .unwrap()
    };
    let observed = blocked(
        true,
        vec![
            CspViolation {
                blocked_url: format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=x"),
                directive: "connect-src".into(),
            },
            // Not Salesforce: not listed.
            CspViolation {
                blocked_url: "https://fonts.example.com/x.woff".into(),
                directive: "font-src".into(),
            },
        ],
    );
    assert!(
        observed.title.contains("Content-Security-Policy blocked"),
        "{}",
        observed.title
    );
    assert!(how(&observed).starts_with("observed"));
    let listed: Vec<_> = observed
        .evidence
        .iter()
        .filter(|e| e.label == "CSP violation (reported by the browser)")
        .collect();
    assert_eq!(listed.len(), 1);
    assert!(listed[0]
        .value
        .starts_with("connect-src blocked https://acme.my.salesforce-scrt.com/"));

    let quiet = blocked(true, vec![]);
    assert!(how(&quiet).starts_with("not observed"));
    assert!(quiet.title.contains("never sent"));
    let unknown = blocked(false, vec![]);
    assert!(how(&unknown).starts_with("inferred"));
}

#[test]
fn a_loader_refused_by_csp_is_csp_blocked_not_a_failed_request() {
    let mut ev = page(vec![], DomEvidence::default(), vec![], 30_000.0);
    ev.csp_reports_readable = true;
    ev.csp_violations = vec![CspViolation {
        blocked_url: format!("{SITE}/assets/js/bootstrap.min.js"),
        directive: "script-src-elem".into(),
    }];
    let r = analyze(&ev);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "page/csp-blocked")
        .unwrap();
    assert!(f.title.contains("blocked the chat loader"));
    // Without the report it stays a failed request, and CSP is only one of the causes.
    ev.csp_violations.clear();
    let r = analyze(&ev);
    assert!(r.findings.iter().any(|f| f.code == "page/request-failed"));
}

/// Chromium: an XMLHttpRequest refused by CSP leaves a resource-timing entry with no status,
/// exactly like a CORS-withheld answer; only the browser's CSP reports tell them apart. No
/// container: the loader builds it only after the configuration answers.
#[test]
fn a_csp_refused_xhr_with_a_timing_entry_is_csp_not_cors() {
    let entries = || {
        let mut v = startup(None);
        for e in v.iter_mut().filter(|e| e.url.contains("businesshours")) {
            e.status = None;
        }
        v
    };
    let mut ev = page(entries(), DomEvidence::default(), vec![], 30_000.0);
    ev.csp_reports_readable = true;
    ev.csp_violations = vec![CspViolation {
            blocked_url: format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat&language=en_US"),
            directive: "connect-src".into(),
        }];
    let r = analyze(&ev);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "page/csp-blocked")
        .expect("csp-blocked");
    assert!(!r.findings.iter().any(|f| f.code == "page/cors-blocked"));
    assert!(
        !f.message.contains("container is on the page"),
        "{}",
        f.message
    );
    // The fix names the hosts the scan saw, not a placeholder.
    assert!(f.fix.iter().any(|x| x.contains("Add https://acme.my.salesforce-scrt.com to the page's Content-Security-Policy connect-src, and https://acme.my.site.com to script-src")), "{:?}", f.fix);
    assert!(!f.fix.iter().any(|x| x.contains("ad blocker")));
    // A report cut to the origin still counts (connect-src of that origin).
    ev.csp_violations[0].blocked_url = SCRT.to_string();
    assert!(analyze(&ev)
        .findings
        .iter()
        .any(|f| f.code == "page/csp-blocked"));
    // Without any report it stays CORS.
    ev.csp_violations.clear();
    let r = analyze(&ev);
    assert!(r.findings.iter().any(|f| f.code == "page/cors-blocked"));
    // A report about another host does not turn it into CSP.
    ev.csp_violations = vec![CspViolation {
        blocked_url:
            "https://other.my.salesforce-scrt.com/embeddedservice/v1/embedded-service-config".into(),
        directive: "connect-src".into(),
    }];
    assert!(analyze(&ev)
        .findings
        .iter()
        .any(|f| f.code == "page/cors-blocked"));
}

/// A site URL without https:// makes the loader ask the customer's own website for its
/// styles (404): the finding says so, names the request, and never blames an ad blocker.
#[test]
fn a_site_url_without_https_is_named_not_an_ad_blocker() {
    let bare = "acme.my.site.com/ESWWebChat1712345678901";
    let with_bare = |resources: Vec<ResourceEvidence>, age: f64| {
        let mut ev = page(resources, DomEvidence::default(), vec![], age);
        ev.scripts[0].inline = Some(format!(
                "embeddedservice_bootstrap.init('00D8c000001Hlt1','Web_Chat','{bare}',{{scrt2URL:'{SCRT}'}})"
            ));
        ev.csp_reports_readable = true;
        ev
    };
    let asked = format!("https://www.acme-shop.test/{bare}/assets/styles/bootstrap.min.css");
    let ev = with_bare(
        vec![
            res(
                &format!("{SITE}/assets/js/bootstrap.min.js"),
                Some(200),
                100.0,
            ),
            res(&asked, Some(404), 200.0),
        ],
        30_000.0,
    );
    let r = analyze(&ev);
    let f = r
        .findings
        .iter()
        .find(|f| f.title.contains("no https://"))
        .expect("relative site URL finding");
    assert_eq!(f.code, "page/widget-stalled");
    assert!(f.message.contains("HTTP 404"), "{}", f.message);
    assert!(f.message.contains(bare));
    assert!(
        !f.message.contains("ad blocker is")
            && !f.evidence.iter().any(|e| e.value.contains("ad blocker"))
    );
    assert!(f
        .evidence
        .iter()
        .any(|e| e.label == "Requested on this website" && e.value == asked));
    assert!(f.fix[0].contains(&format!("https://{bare}")));
    // Young page, nothing requested yet: still starting.
    let young = with_bare(
        vec![res(
            &format!("{SITE}/assets/js/bootstrap.min.js"),
            Some(200),
            100.0,
        )],
        1_000.0,
    );
    assert!(analyze(&young)
        .findings
        .iter()
        .any(|f| f.code == "page/widget-starting"));
    // Old page, the request not in the history: still named from the snippet.
    let old = with_bare(
        vec![res(
            &format!("{SITE}/assets/js/bootstrap.min.js"),
            Some(200),
            100.0,
        )],
        30_000.0,
    );
    assert!(analyze(&old)
        .findings
        .iter()
        .any(|f| f.title.contains("no https://")));
}

/// Agentforce Messaging's stage comes from its own container and frame.
#[test]
fn agentforce_stage_from_the_state_its_chat_app_reported() {
    let af = |dom: DomEvidence, age: f64, watch: Option<crate::page::WatchEvidence>| {
        let mut ev = page(vec![], dom, vec![], age);
        ev.scripts = vec![
                ScriptEvidence {
                    index: 1,
                    src: Some("https://service.force.com/embeddedservice/agentforcemessaging/1.0/init.js".into()),
                    onload: Some("agentforce_messaging.init({siteUrl: 'https://acme.my.site.com/ESWAgent1712345678901', agentApiConfiguration: {agentId: '0XxHu000000abcd', domainUrl: 'https://acme.my.salesforce.com'}})".into()),
                    ..Default::default()
                },
            ];
        ev.watch = watch;
        analyze(&ev)
    };
    let stage_of = |r: &crate::page::PageReport| {
        r.findings
            .iter()
            .find(|f| f.code.starts_with("page/widget-"))
            .cloned()
            .expect("a stage finding")
    };
    // The loader builds its container and frame at once (C-AGENTFORCE-FRAME-AT-ONCE): only the
    // state the app reported (the class the loader sets) means the chat runs.
    let built = DomEvidence {
        agentforce_containers: 1,
        agentforce_frames: 1,
        ..Default::default()
    };
    let ready = af(
        DomEvidence {
            agentforce_frames_reported: 1,
            ..built.clone()
        },
        30_000.0,
        None,
    );
    let f = stage_of(&ready);
    assert_eq!(f.code, "page/widget-ready");
    assert!(f.message.contains("Agentforce agent"));
    assert!(f.message.contains("cannot read"), "{}", f.message);
    // A frame whose app never reported is a stall, not a chat window.
    let stalled = af(built.clone(), 30_000.0, None);
    let f = stage_of(&stalled);
    assert_eq!(f.code, "page/widget-stalled");
    assert_eq!(
        f.title,
        "Agentforce Messaging's chat app never started in its frame"
    );
    assert!(f.evidence.iter().any(|e| e.label == "Chat frame"
        && e.value == "https://acme.my.site.com/ESWAgent1712345678901/?lwc.mode=prod"));
    assert_eq!(
        stage_of(&af(built, 1_000.0, None)).code,
        "page/widget-starting"
    );
    // The init call in the onload attribute is read (its values are evidence).
    assert_eq!(ready.init_calls.len(), 1);
    assert_eq!(
        ready.init_calls[0].call.agent_id.as_deref(),
        Some("0XxHu000000abcd")
    );
    let none = af(DomEvidence::default(), 30_000.0, None);
    assert_eq!(
        stage_of(&none).title,
        "Agentforce Messaging never started: its loader built nothing"
    );
    let young = af(DomEvidence::default(), 1_000.0, None);
    assert_eq!(stage_of(&young).code, "page/widget-starting");
    // Watch mode recorded the loader's refusal: stalled at once, with the loader's words.
    let refused = crate::page::WatchEvidence {
        version: 1,
        started_ms: Some(20.0),
        console: vec![crate::page::watch::ConsoleLine {
            level: "error".into(),
            text: "Invalid init() configuration specified. siteUrl, agentId & domainUrl are mandatory.".into(),
            at_ms: Some(300.0),
        }],
        ..Default::default()
    };
    let f = stage_of(&af(DomEvidence::default(), 1_000.0, Some(refused)));
    assert_eq!(
        f.title,
        "Agentforce Messaging never started: its loader built nothing"
    );
    assert!(f
        .evidence
        .iter()
        .any(|e| e.label == "Loader console message"
            && e.value.contains("Invalid init() configuration specified")
            && e.value.contains("refused the snippet's values")));
}

/// Agentforce Messaging's positional generation (C-AGENTFORCE-POSITIONAL): `<site>/assets/js/
/// init.js`, `<site>/assets/styles/init.min.css`, and the v1 configuration service, asked with
/// `fetch`.
fn positional_page(resources: Vec<ResourceEvidence>, age: f64) -> PageEvidence {
    PageEvidence {
        url: "https://www.acme-shop.test/".into(),
        scripts: vec![
            ScriptEvidence {
                index: 1,
                inline: Some(format!("function initAgentforceMessaging() {{ agentforce_messaging.init('00D8c000001Hlt1','Web_Chat','{SITE}',{{scrt2URL:'{SCRT}'}}); }}")),
                ..Default::default()
            },
            ScriptEvidence {
                index: 2,
                src: Some(format!("{SITE}/assets/js/init.js")),
                onload: Some("initAgentforceMessaging()".into()),
                ..Default::default()
            },
        ],
        resources,
        page_age_ms: Some(age),
        response_status_supported: true,
        csp_reports_readable: true,
        ..Default::default()
    }
}

fn positional_loaded() -> Vec<ResourceEvidence> {
    vec![
        res(&format!("{SITE}/assets/js/init.js"), Some(200), 100.0),
        res(
            &format!("{SITE}/assets/styles/init.min.css"),
            Some(200),
            200.0,
        ),
    ]
}

/// Its loader and styles are the timeline's loader and styles, and the v1 stage applies: a
/// young page is starting, not the object form's frame-less stall.
#[test]
fn the_positional_generation_follows_the_v1_stages() {
    let ev = positional_page(positional_loaded(), 1_000.0);
    let r = analyze(&ev);
    let (timeline, stage) = assess(&ev, &r.loaders, &r.init_calls);
    let steps: Vec<Step> = timeline.iter().map(|e| e.step).collect();
    assert_eq!(steps, [Step::Loader, Step::Styles]);
    assert_eq!(stage, Some(Stage::Starting));
    // Old, with the configuration answered and the container but no button: stalled before
    // ready (the v1 reading), naming what is missing.
    let mut resources = positional_loaded();
    resources.push(res(&format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat&language=en_US"), Some(200), 300.0));
    let mut ev = positional_page(resources, 30_000.0);
    ev.dom.containers = 1;
    let (code, stage) = code_and_stage(&ev);
    assert!(
        matches!(stage, Stage::StalledBeforeReady { ref missing } if missing.contains(&Step::BusinessHours)),
        "{code}: {stage:?}"
    );
}

/// Chromium leaves no resource-timing entry at all for a `fetch` the page's CSP refused (unlike
/// the v1 loader's XMLHttpRequest): the missing configuration request and the browser's CSP
/// report say CSP; an entry without a status and no report says CORS.
#[test]
fn a_csp_refused_config_fetch_without_an_entry_is_csp_not_cors() {
    let config = format!("{SCRT}/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Hlt1&esConfigName=Web_Chat&language=en_US");
    let mut ev = positional_page(positional_loaded(), 30_000.0);
    ev.csp_violations = vec![CspViolation {
        blocked_url: config.clone(),
        directive: "connect-src".into(),
    }];
    let r = analyze(&ev);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "page/csp-blocked")
        .expect("csp-blocked");
    assert!(
        f.title.contains("Content-Security-Policy blocked"),
        "{}",
        f.title
    );
    assert!(!r.findings.iter().any(|f| f.code == "page/cors-blocked"));
    assert!(f.fix.iter().any(|x| x.contains("Add https://acme.my.salesforce-scrt.com to the page's Content-Security-Policy connect-src, and https://acme.my.site.com to script-src")), "{:?}", f.fix);
    assert!(!f.fix.iter().any(|x| x.contains("ad blocker")));
    // No report: still never sent, and the fix says what else does that.
    ev.csp_violations.clear();
    let r = analyze(&ev);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "page/csp-blocked")
        .expect("never sent");
    assert!(f.title.contains("never sent"), "{}", f.title);
    // The fetch sent, its answer withheld: an entry without a status and no report is CORS.
    let mut resources = positional_loaded();
    resources.push(res(&config, None, 300.0));
    let ev = positional_page(resources, 30_000.0);
    let r = analyze(&ev);
    assert!(r.findings.iter().any(|f| f.code == "page/cors-blocked"));
    assert!(!r.findings.iter().any(|f| f.code == "page/csp-blocked"));
}
