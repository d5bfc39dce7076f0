use super::*;

fn init_script(index: u32, dep: &str) -> ScriptEvidence {
    ScriptEvidence {
            index,
            src: None,
            inline: Some(format!(
                "function initEmbeddedMessaging(){{embeddedservice_bootstrap.init('00DHu00000abcde','{dep}','https://acme.my.site.com/ESW{dep}1712345678901',{{scrt2URL:'https://acme.my.salesforce-scrt.com'}})}}"
            )),
            in_head: false,
            onload: None,
        }
}

fn loader_script(index: u32, in_head: bool) -> ScriptEvidence {
    ScriptEvidence {
        index,
        src: Some("https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js".into()),
        inline: None,
        in_head,
        onload: Some("initEmbeddedMessaging()".into()),
    }
}

fn codes(r: &PageReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn classifies_loader_urls() {
    let cases = [
        (
            "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js",
            Some(Family::MiawV1),
        ),
        (
            "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js?v=2#x",
            Some(Family::MiawV1),
        ),
        (
            "https://service.force.com/embeddedservice/agentforcemessaging/1.0/init.js",
            Some(Family::EnhancedV2),
        ),
        ("https://cdn.example.com/assets/js/init.js", None),
        // Agentforce Messaging's positional generation on its site (C-AGENTFORCE-POSITIONAL).
        (
            "https://acme.my.site.com/ESWAgent1712345678901/assets/js/init.js",
            Some(Family::AgentforcePositional),
        ),
        (
            "https://acme.my.salesforce.com/embeddedservice/menu/fab.min.js",
            Some(Family::LegacyMenu),
        ),
        (
            "https://service.force.com/embeddedservice/5.0/esw.min.js",
            Some(Family::LegacyChat),
        ),
        ("https://example.com/app.js", None),
        ("not a url", None),
    ];
    for (url, want) in cases {
        assert_eq!(classify_loader(url), want, "{url}");
    }
}

#[test]
fn empty_page_says_no_widget() {
    let r = analyze(&PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![ScriptEvidence {
            index: 1,
            src: Some("https://www.example.com/app.js".into()),
            ..Default::default()
        }],
        ..Default::default()
    });
    assert_eq!(codes(&r), vec!["page/no-chat-widget"]);
    assert!(r.loaders.is_empty());
}

#[test]
fn single_snippet_is_inventoried_without_duplicates() {
    let r = analyze(&PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![init_script(1, "Web_Chat"), loader_script(2, false)],
        ..Default::default()
    });
    assert_eq!(codes(&r), vec!["page/snippet-found"]);
    assert_eq!(r.loaders.len(), 1);
    assert_eq!(r.init_calls[0].call.deployment.as_deref(), Some("Web_Chat"));
    assert_eq!(r.findings[0].evidence.len(), 2);
}

#[test]
fn same_snippet_twice_is_a_duplicate_with_every_copy_as_evidence() {
    let r = analyze(&PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![
            init_script(1, "Web_Chat"),
            loader_script(2, true),
            init_script(3, "Web_Chat"),
            loader_script(4, false),
        ],
        ..Default::default()
    });
    assert_eq!(
        codes(&r),
        vec!["page/snippet-found", "page/duplicate-snippet"]
    );
    let dup = &r.findings[1];
    assert_eq!(dup.severity, Severity::Error);
    assert!(dup.title.contains("more than once"), "{}", dup.title);
    let places: Vec<_> = dup
        .evidence
        .iter()
        .filter_map(|e| e.location.clone())
        .collect();
    assert_eq!(places.len(), 4);
    assert!(places.iter().any(|p| p.contains("script #2 in <head>")));
    assert!(places.iter().any(|p| p.contains("script #4 in <body>")));
}

#[test]
fn two_deployments_are_named_in_the_title() {
    let r = analyze(&PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![
            init_script(1, "Web_Chat"),
            init_script(2, "Sales_Chat"),
            loader_script(3, false),
        ],
        ..Default::default()
    });
    let dup = r
        .findings
        .iter()
        .find(|f| f.code == "page/duplicate-snippet")
        .unwrap();
    assert!(dup.title.contains("Sales_Chat, Web_Chat"), "{}", dup.title);
}

#[test]
fn a_loader_seen_only_in_resource_timing_counts() {
    let r = analyze(&PageEvidence {
        url: "https://www.example.com/".into(),
        scripts: vec![loader_script(1, false)],
        resources: vec![
            ResourceEvidence {
                url: "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js"
                    .into(),
                initiator: "script".into(),
                ..Default::default()
            },
            ResourceEvidence {
                url: "https://other.my.site.com/ESWOther1712345678901/assets/js/bootstrap.min.js"
                    .into(),
                initiator: "script".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    });
    assert_eq!(
        r.loaders.len(),
        2,
        "the element's own fetch is not counted twice"
    );
    assert!(r.loaders[1].origin.contains("no <script> element"));
    assert!(codes(&r).contains(&"page/duplicate-snippet"));
}

#[test]
fn evidence_round_trips_through_json_in_the_shape_the_collector_sends() {
    let json = r#"{"url":"https://x.example/","scripts":[{"index":1,"src":null,"inline":"embeddedservice_bootstrap.init('00DHu00000abcde','A','https://a.my.site.com/E',{})","inHead":true}],"resources":[],"dom":{"containers":0,"buttons":0,"chatFrames":[]},"truncated":false}"#;
    let ev: PageEvidence = serde_json::from_str(json).unwrap();
    assert!(ev.scripts[0].in_head);
    let r = analyze(&ev);
    assert_eq!(r.init_calls.len(), 1);
    let out = serde_json::to_value(&r).unwrap();
    assert_eq!(out["initCalls"][0]["deployment"], "A");
    assert_eq!(out["initCalls"][0]["inHead"], true);
    assert_eq!(out["initCalls"][0]["orgId"], "00DHu00000abcde");
    assert_eq!(out["initCalls"][0]["siteUrl"], "https://a.my.site.com/E");
}

fn script(index: u32, in_head: bool, text: &str) -> ScriptEvidence {
    ScriptEvidence {
        index,
        inline: Some(text.into()),
        in_head,
        ..Default::default()
    }
}

fn src_script(index: u32, src: &str, onload: Option<&str>) -> ScriptEvidence {
    ScriptEvidence {
        index,
        src: Some(src.into()),
        onload: onload.map(String::from),
        ..Default::default()
    }
}

fn dup_of(r: &PageReport) -> &Finding {
    r.findings
        .iter()
        .find(|f| f.code == "page/duplicate-snippet")
        .expect("duplicate")
}

/// Two orgs' snippets: the finding says so and names the deployment the widget loaded (its
/// configuration request), or that it is not known.
#[test]
fn two_orgs_are_named_with_the_deployment_that_loaded() {
    let other = |index: u32| {
        ScriptEvidence {
            inline: Some("function initEmbeddedMessaging(){embeddedservice_bootstrap.init('00DAb00000fghij','Other_Chat','https://other.my.site.com/ESWOther1712345678901',{scrt2URL:'https://other.my.salesforce-scrt.com'})}".into()),
            ..init_script(index, "Web_Chat")
        }
    };
    let mut ev = page_of(vec![
        init_script(0, "Web_Chat"),
        loader_script(1, false),
        other(2),
        loader_script(3, false),
    ]);
    let f = dup_of(&analyze(&ev)).clone();
    assert!(
        f.message
            .contains("2 different orgs (00DAb00000fghij, 00DHu00000abcde)"),
        "{}",
        f.message
    );
    let loaded = |f: &Finding| {
        f.evidence
            .iter()
            .find(|e| e.label == "Deployment the widget loaded")
            .map(|e| e.value.clone())
    };
    assert!(loaded(&f).unwrap().starts_with("not known"));
    ev.resources = vec![ResourceEvidence {
            url: "https://other.my.salesforce-scrt.com/embeddedservice/v1/embedded-service-config?orgId=00DAb00000fghij&esConfigName=Other_Chat&language=en_US".into(),
            status: Some(200),
            ..Default::default()
        }];
    let f = dup_of(&analyze(&ev)).clone();
    assert_eq!(
        loaded(&f).unwrap(),
        "Other_Chat of org 00DAb00000fghij (its configuration request)"
    );
    assert!(f
        .fix
        .iter()
        .any(|x| x.contains("Other_Chat of org 00DAb00000fghij is the one the widget loaded")));
    // Plain site: no Experience Cloud advice.
    assert!(
        !f.fix.iter().any(|x| x.contains("Experience Cloud")),
        "{:?}",
        f.fix
    );
}

/// The text says only what the page shows: "runs initEmbeddedMessaging" only when it is run,
/// the <head> failure only when a copy is in <head>.
#[test]
fn duplicate_text_follows_the_page() {
    let tag = |index: u32, in_head: bool| {
        ScriptEvidence {
            index,
            src: None,
            inline: Some("var s=document.createElement('script');s.src='https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js';s.onload=function(){window.embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})};document.head.appendChild(s);".into()),
            in_head,
            onload: None,
        }
    };
    let with_loaders = |a: bool, b: bool| {
        let mut ev = page_of(vec![tag(0, a), tag(1, b)]);
        ev.resources = vec![];
        ev
    };
    let f = dup_of(&analyze(&with_loaders(false, false))).clone();
    assert!(
        !f.message.contains("Each copy runs initEmbeddedMessaging"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("<head>"), "{}", f.message);
    let f = dup_of(&analyze(&with_loaders(true, false))).clone();
    assert!(f.message.contains("One copy is in <head>"), "{}", f.message);
    let snippet = page_of(vec![
        init_script(0, "Web_Chat"),
        loader_script(1, true),
        init_script(2, "Web_Chat"),
        loader_script(3, false),
    ]);
    let f = dup_of(&analyze(&snippet)).clone();
    assert!(
        f.message.contains("Each copy runs initEmbeddedMessaging"),
        "{}",
        f.message
    );
    assert!(f.message.contains("One copy is in <head>"), "{}", f.message);
}

const V1: &str = "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js";
const V2: &str = "https://service.force.com/embeddedservice/agentforcemessaging/1.0/init.js";
const WRAPPER: &str = "function initEmbeddedMessaging(){try{embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){}}";
const LEGACY: &str = "var initESW=function(g){embedded_svc.init('https://acme.my.salesforce.com','https://acme.my.site.com/help',g,'00DHu00000abcde','Legacy_Snapin',{baseLiveAgentURL:'https://d.la1-c2-ia2.salesforceliveagent.com/chat'})};initESW('https://service.force.com');";
const MENU: &str = "var initESW=function(g){embedded_svc.menu.init('https://acme.my.salesforce.com','https://d.la1-c2-ia2.salesforceliveagent.com/chat',g,'00DHu00000abcde','Channel_Menu',{pageName:'Menu_Settings'})};initESW(null);";

fn page_of(scripts: Vec<ScriptEvidence>) -> PageEvidence {
    PageEvidence {
        url: "https://www.example.com/".into(),
        scripts,
        ..Default::default()
    }
}

fn kinds(ev: &PageEvidence) -> Vec<DuplicateKind> {
    let mut inv = Inventory::default();
    let mut budget = ReadBudget::default();
    inv.read(
        &Doc {
            frame: None,
            scripts: &ev.scripts,
            resources: &ev.resources,
            dom: &ev.dom,
        },
        &mut budget,
    );
    for f in ev.frames.iter().filter(|f| f.inspectable) {
        inv.read(
            &Doc {
                frame: Some(f.label()),
                scripts: &f.scripts,
                resources: &f.resources,
                dom: &f.dom,
            },
            &mut budget,
        );
    }
    classify_duplicates(&inv.loaders, &inv.inits, &inv.wrapper_runs)
}

fn dup(r: &PageReport) -> Option<&Finding> {
    r.findings
        .iter()
        .find(|f| f.code == "page/duplicate-snippet")
}

/// Each row: the page's scripts → how its chat code is doubled (empty: not doubled).
#[test]
fn duplicate_kinds_table() {
    use DuplicateKind::*;
    let legacy_loader = "https://service.force.com/embeddedservice/5.0/esw.min.js";
    let menu_loader = "https://acme.my.salesforce.com/embeddedservice/menu/fab.min.js";
    let rows: Vec<(&str, Vec<ScriptEvidence>, Vec<DuplicateKind>)> = vec![
            ("one snippet", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![]),
            ("same snippet twice", vec![script(1, true, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, WRAPPER), src_script(4, V1, Some("initEmbeddedMessaging()"))], vec![SameSnippetTwice]),
            ("onload and a load listener run the wrapper twice", vec![script(1, false, &format!("{WRAPPER}\nwindow.addEventListener('load', initEmbeddedMessaging);")), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![InitCalledTwice]),
            ("the wrapper called again by page code", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, "document.addEventListener('DOMContentLoaded', function () { if (window.initEmbeddedMessaging) { window.initEmbeddedMessaging(); } });")], vec![InitCalledTwice]),
            ("init calls of one deployment in two scripts, one loader", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{});")], vec![InitCalledTwice]),
            ("two init calls in one script (branches), one loader", vec![script(1, false, "function initEmbeddedMessaging(){ if (fr) { embeddedservice_bootstrap.settings.language='fr'; embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{}); } else { embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb1712345678901',{}); } }"), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![]),
            ("v1 and v2 loaders", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, "agentforce_messaging.init({siteUrl: 'https://acme.my.site.com/ESWAgent1712345678901', agentApiConfiguration: {agentId: '0XxHu000000abcd', domainUrl: 'https://acme.my.salesforce.com'}})"), src_script(4, V2, None)], vec![V1AndV2]),
            // Agentforce Messaging's positional generation (C-AGENTFORCE-POSITIONAL).
            ("positional snippet alone", vec![script(1, false, POSITIONAL), src_script(2, POSITIONAL_LOADER, Some("initAgentforceMessaging()"))], vec![]),
            ("v1 bootstrap and the positional loader", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, POSITIONAL), src_script(4, POSITIONAL_LOADER, Some("initAgentforceMessaging()"))], vec![V1AndPositional]),
            ("v1 bootstrap and a positional init call without its loader", vec![script(1, false, WRAPPER), src_script(2, V1, Some("initEmbeddedMessaging()")), script(3, false, POSITIONAL)], vec![V1AndPositional]),
            // The v1 snippet's own call on the positional loader is that loader's alias at work.
            ("a v1 init call answered by the positional loader", vec![script(1, false, WRAPPER), src_script(2, POSITIONAL_LOADER, Some("initEmbeddedMessaging()"))], vec![]),
            ("legacy chat and messaging", vec![src_script(1, legacy_loader, None), script(2, false, LEGACY), script(3, false, WRAPPER), src_script(4, V1, Some("initEmbeddedMessaging()"))], vec![LegacyAndMessaging]),
            ("legacy chat alone", vec![src_script(1, legacy_loader, None), script(2, false, LEGACY)], vec![]),
            ("legacy Channel Menu loading messaging itself", vec![src_script(1, menu_loader, None), script(2, false, MENU), src_script(3, V1, None)], vec![]),
            ("Channel Menu, its esw.min.js and the messaging bootstrap it loaded", vec![src_script(1, menu_loader, None), script(2, false, MENU), src_script(3, legacy_loader, None), src_script(4, V1, None)], vec![]),
            ("Channel Menu plus the page's own messaging snippet twice", vec![script(1, false, MENU), script(2, false, WRAPPER), src_script(3, V1, Some("initEmbeddedMessaging()")), script(4, false, WRAPPER), src_script(5, "https://acme.my.site.com/ESWWeb1712345678901/assets/js/bootstrap.min.js?v=2", Some("initEmbeddedMessaging()"))], vec![SameSnippetTwice]),
            ("run from one place in one of two branches", vec![script(1, false, &format!("{WRAPPER}\nif (document.readyState === 'complete') {{ initEmbeddedMessaging(); }} else {{ window.addEventListener('load', initEmbeddedMessaging); }}"))], vec![]),
            ("a wrapper that is defined and tested but run once", vec![script(1, false, &format!("{WRAPPER}\nif (typeof initEmbeddedMessaging === 'function' && initEmbeddedMessaging) {{ console.log(initEmbeddedMessaging.name); }}\nwindow.initEmbeddedMessaging = initEmbeddedMessaging;")), src_script(2, V1, Some("initEmbeddedMessaging()"))], vec![]),
        ];
    for (name, scripts, want) in rows {
        assert_eq!(kinds(&page_of(scripts)), want, "{name}");
    }
}

#[test]
fn experience_cloud_component_counts_as_a_copy() {
    use DuplicateKind::*;
    let with = |n: u32, scripts: Vec<ScriptEvidence>| PageEvidence {
        dom: DomEvidence {
            experience_components: n,
            ..Default::default()
        },
        ..page_of(scripts)
    };
    // The component alone, with the bootstrap it loaded (resource timing): one copy.
    let mut alone = with(1, vec![]);
    alone.resources.push(ResourceEvidence {
        url: V1.into(),
        initiator: "script".into(),
        ..Default::default()
    });
    assert_eq!(kinds(&alone), vec![]);
    let r = analyze(&alone);
    assert_eq!(codes(&r)[0], "page/snippet-found");
    assert!(dup(&r).is_none());
    assert_eq!(r.loaders[1].family, Family::ExperienceComponent);
    assert!(r.loaders[1].url.contains(EXPERIENCE_COMPONENT_TAG));
    // Component plus a head-markup snippet.
    let both = with(
        1,
        vec![
            script(1, true, WRAPPER),
            src_script(2, V1, Some("initEmbeddedMessaging()")),
        ],
    );
    assert_eq!(kinds(&both), vec![ComponentAndSnippet]);
    let r = analyze(&both);
    let d = dup(&r).unwrap();
    assert!(
        d.title.contains("Embedded Messaging component"),
        "{}",
        d.title
    );
    assert!(d
        .evidence
        .iter()
        .any(|e| e.label == "Embedded Messaging component"));
    // Component on a page and in the theme layout.
    assert_eq!(kinds(&with(2, vec![])), vec![ComponentTwice]);
}

#[test]
fn legacy_plus_messaging_names_both_and_says_the_menu_is_fine() {
    let r = analyze(&page_of(vec![
        src_script(
            1,
            "https://service.force.com/embeddedservice/5.0/esw.min.js",
            None,
        ),
        script(2, false, LEGACY),
        script(3, false, WRAPPER),
        src_script(4, V1, Some("initEmbeddedMessaging()")),
    ]));
    let d = dup(&r).unwrap();
    assert!(d.title.starts_with("Legacy Embedded Chat"), "{}", d.title);
    assert!(d.evidence.iter().any(|e| e.label == "Legacy chat loader"));
    assert!(d.evidence.iter().any(|e| e
        .value
        .contains("legacy Embedded Service Chat: org 00DHu00000abcde, deployment Legacy_Snapin")));
    assert!(d.fix.iter().any(|f| f.contains("esw.min.js")));

    let menu = analyze(&page_of(vec![
        script(1, false, MENU),
        src_script(
            2,
            "https://acme.my.salesforce.com/embeddedservice/menu/fab.min.js",
            None,
        ),
        src_script(3, V1, None),
    ]));
    assert!(dup(&menu).is_none());
    let found = &menu.findings[0];
    assert!(found.evidence.iter().any(|e| e.label == "Channel Menu"));
    assert!(found.evidence.iter().any(|e| e
        .value
        .contains("legacy Channel Menu: org 00DHu00000abcde, menu Channel_Menu")));
}

#[test]
fn init_called_twice_lists_where_it_runs() {
    let r = analyze(&page_of(vec![
        script(
            1,
            false,
            &format!("{WRAPPER}\nwindow.addEventListener('load', initEmbeddedMessaging);"),
        ),
        src_script(2, V1, Some("initEmbeddedMessaging()")),
    ]));
    let d = dup(&r).unwrap();
    assert!(d.title.contains("more than once"), "{}", d.title);
    let runs: Vec<_> = d
        .evidence
        .iter()
        .filter(|e| e.label == "Runs initEmbeddedMessaging")
        .filter_map(|e| e.location.as_deref())
        .collect();
    assert_eq!(
        runs,
        vec![
            "script #1 in <body>, line 2",
            "onload attribute of script #2 in <body>"
        ]
    );
}

const POSITIONAL: &str = "function initAgentforceMessaging() { agentforce_messaging.settings.language = 'en_US'; agentforce_messaging.init('00DHu00000abcde', 'Web_Chat', 'https://acme.my.site.com/ESWWebChat1712345678901', {scrt2URL: 'https://acme.my.salesforce-scrt.com'}); }";
const POSITIONAL_LOADER: &str =
    "https://acme.my.site.com/ESWWebChat1712345678901/assets/js/init.js";

#[test]
fn v1_and_positional_loader_title_and_evidence() {
    let r = analyze(&page_of(vec![
        script(1, false, WRAPPER),
        src_script(2, V1, Some("initEmbeddedMessaging()")),
        script(3, false, POSITIONAL),
        src_script(4, POSITIONAL_LOADER, Some("initAgentforceMessaging()")),
    ]));
    let d = dup(&r).expect("a duplicate");
    assert!(d.title.contains("positional loader"), "{}", d.title);
    assert!(
        d.message.contains("window.embeddedservice_bootstrap"),
        "{}",
        d.message
    );
    let families: Vec<Family> = r.loaders.iter().map(|l| l.family).collect();
    assert_eq!(families, [Family::MiawV1, Family::AgentforcePositional]);
    assert!(d.evidence.iter().any(|e| e.label == "Init call"
        && e.value.starts_with(
            "Agentforce Messaging (positional, v2): org 00DHu00000abcde, deployment Web_Chat"
        )));
}

/// `init.js` is a common file name: only on a deployment's site is it the loader.
#[test]
fn positional_loader_url_is_recognised_only_on_a_deployment_site() {
    let rows = [
        (POSITIONAL_LOADER, Some(Family::AgentforcePositional)),
        (
            "https://www.acme-shop.test/ESWWebChat1712345678901/assets/js/init.js",
            Some(Family::AgentforcePositional),
        ),
        (
            "https://acme.my.salesforce.com/ESWvoice/assets/js/init.js?v=1",
            Some(Family::AgentforcePositional),
        ),
        ("https://www.acme-shop.test/assets/js/init.js", None),
        (
            "https://www.acme-shop.test/ESWWebChat/assets/js/init.js",
            None,
        ),
    ];
    for (url, want) in rows {
        assert_eq!(classify_loader(url), want, "{url}");
    }
    assert_eq!(
        crate::page::requests::classify(
            "https://acme.my.site.com/ESWWebChat1712345678901/assets/styles/init.min.css"
        ),
        Some(crate::page::requests::Step::Styles)
    );
    assert_eq!(
        crate::page::requests::classify("https://www.acme-shop.test/assets/styles/init.min.css"),
        None
    );
}

#[test]
fn v1_and_v2_title() {
    let r = analyze(&page_of(vec![
        script(1, false, WRAPPER),
        src_script(2, V1, Some("initEmbeddedMessaging()")),
        src_script(3, V2, None),
    ]));
    assert!(dup(&r)
        .unwrap()
        .title
        .contains("v1) and the Agentforce Messaging"));
}

fn frame(index: u32, url: &str, inspectable: bool, scripts: Vec<ScriptEvidence>) -> FrameEvidence {
    FrameEvidence {
        index,
        url: url.into(),
        inspectable,
        scripts,
        ..Default::default()
    }
}

#[test]
fn snippets_in_same_origin_frames_are_found_and_located() {
    let mut ev = page_of(vec![script(1, false, "console.log(1)")]);
    ev.frames = vec![
        frame(
            1,
            "https://www.example.com/help/chat.html",
            true,
            vec![
                script(1, false, WRAPPER),
                src_script(2, V1, Some("initEmbeddedMessaging()")),
            ],
        ),
        frame(2, "https://ads.example.net/slot", false, vec![]),
    ];
    let r = analyze(&ev);
    assert_eq!(codes(&r), vec!["page/snippet-found"]);
    assert_eq!(
        r.init_calls[0].frame.as_deref(),
        Some("frame #1 (https://www.example.com/help/chat.html)")
    );
    assert_eq!(
        r.init_calls[0].location(),
        "script #1 in <body> of frame #1 (https://www.example.com/help/chat.html), line 1"
    );
    assert_eq!(
        r.loaders[0].origin,
        "script #2 in <body> of frame #1 (https://www.example.com/help/chat.html)"
    );
    let ev_lines: Vec<_> = r.findings[0]
        .evidence
        .iter()
        .map(|e| e.label.as_str())
        .collect();
    assert!(ev_lines.contains(&"Frames read"), "{ev_lines:?}");
    assert!(ev_lines.contains(&"Frame not inspectable (another site)"));
    assert_eq!(r.stats.frames, 2);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["initCalls"][0]["frame"],
        "frame #1 (https://www.example.com/help/chat.html)"
    );
}

#[test]
fn the_widget_in_a_frame_gets_its_stage_from_the_frame() {
    let mut ev = page_of(vec![]);
    ev.page_age_ms = Some(30_000.0);
    let mut f = frame(
        1,
        "https://www.example.com/help/chat.html",
        true,
        vec![
            script(1, false, WRAPPER),
            src_script(2, V1, Some("initEmbeddedMessaging()")),
        ],
    );
    f.page_age_ms = Some(1_000.0);
    f.resources.push(ResourceEvidence {
        url: V1.into(),
        initiator: "script".into(),
        status: Some(200),
        duration_ms: Some(20.0),
        start_ms: Some(100.0),
    });
    ev.frames.push(f);
    let r = analyze(&ev);
    // The frame is 1 s old: still starting, not "loader never fetched" from the page's view.
    assert_eq!(
        codes(&r),
        vec!["page/snippet-found", "page/widget-starting"]
    );
    assert_eq!(r.timeline.len(), 1);
}

#[test]
fn a_snippet_on_the_page_and_one_in_a_frame_are_a_duplicate() {
    let mut ev = page_of(vec![
        script(1, false, WRAPPER),
        src_script(2, V1, Some("initEmbeddedMessaging()")),
    ]);
    ev.frames.push(frame(
        1,
        "https://www.example.com/inner.html",
        true,
        vec![
            script(1, false, WRAPPER),
            src_script(2, V1, Some("initEmbeddedMessaging()")),
        ],
    ));
    let r = analyze(&ev);
    let d = dup(&r).unwrap();
    assert!(d.evidence.iter().any(|e| e
        .location
        .as_deref()
        .is_some_and(|l| l.contains("of frame #1"))));
}

#[test]
fn cross_origin_frames_are_listed_on_a_page_without_chat_code() {
    let mut ev = page_of(vec![]);
    ev.frames = (1..=12)
        .map(|i| frame(i, &format!("https://other{i}.example.net/"), false, vec![]))
        .collect();
    let r = analyze(&ev);
    assert_eq!(codes(&r), vec!["page/no-chat-widget"]);
    let closed = r.findings[0]
        .evidence
        .iter()
        .filter(|e| e.label.starts_with("Frame not inspectable"))
        .count();
    assert_eq!(closed, FRAMES_LISTED);
    assert!(r.findings[0]
        .evidence
        .iter()
        .any(|e| e.value == "and 2 more"));
}
