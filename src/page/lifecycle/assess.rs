//! Deciding the stage: which document carries the widget, its timeline, and where it stopped.

use super::csp::{refused_by_csp, salesforce_violations};
use super::stage::{Stage, STALL_AFTER_MS};
use crate::page::requests::{classify, last, Step, TimelineEntry, RESOURCE_BUFFER_DEFAULT};
use crate::page::snippet::Family;
use crate::page::watch::{self, EventFacts, WatchEvidence};
use crate::page::{DomEvidence, Loader, LocatedInit, PageEvidence, ResourceEvidence};

/// The document whose widget is followed: the page itself, or the same-origin frame that
/// carries the widget (its own resource timing, DOM and time origin).
#[derive(Debug, Clone, Copy)]
pub struct WidgetDoc<'a> {
    pub resources: &'a [ResourceEvidence],
    pub dom: &'a DomEvidence,
    pub page_age_ms: Option<f64>,
    /// What watch mode recorded in this document (the page only): its requests are already
    /// in `resources`; its widget events decide between stages.
    pub watch: Option<&'a WatchEvidence>,
}

impl<'a> WidgetDoc<'a> {
    /// The page itself, with the requests the browser's buffer kept (see [`assess`] for the
    /// watch-mode recording merged in).
    pub fn page(ev: &'a PageEvidence) -> Self {
        WidgetDoc {
            resources: &ev.resources,
            dom: &ev.dom,
            page_age_ms: ev.page_age_ms,
            watch: ev.watch.as_ref(),
        }
    }
}

/// The timeline and the stage, from the evidence and the loaders/init calls already found.
pub fn assess(
    ev: &PageEvidence,
    loaders: &[Loader],
    inits: &[LocatedInit],
) -> (Vec<TimelineEntry>, Option<Stage>) {
    let resources = watch::merged_resources(&ev.resources, ev.watch.as_ref());
    let doc = WidgetDoc {
        resources: &resources,
        ..WidgetDoc::page(ev)
    };
    assess_in(ev, doc, loaders, inits)
}

/// [`assess`] for the widget of one document of the page.
pub fn assess_in(
    ev: &PageEvidence,
    doc: WidgetDoc<'_>,
    loaders: &[Loader],
    inits: &[LocatedInit],
) -> (Vec<TimelineEntry>, Option<Stage>) {
    let timeline: Vec<TimelineEntry> = doc
        .resources
        .iter()
        .filter_map(|r| {
            classify(&r.url).map(|step| TimelineEntry {
                step,
                url: r.url.clone(),
                status: r.status,
                start_ms: r.start_ms,
                duration_ms: r.duration_ms,
            })
        })
        .collect();
    let miaw = loaders.iter().any(|l| l.family.is_messaging())
        || inits.iter().any(|i| i.call.family.is_messaging());
    // No timing evidence at all (not from a browser): nothing to say about the life cycle.
    let no_evidence = doc.page_age_ms.is_none() && doc.resources.is_empty();
    if !miaw || no_evidence {
        return (timeline, None);
    }
    // Agentforce Messaging alone: its own frame tells its stage (it sends no request of its own
    // from the page; the agent is reached from inside the frame). The loader builds the frame at
    // once, so only the state the app in it reported (the class the loader sets) means it runs.
    let v1 = loaders
        .iter()
        .any(|l| l.family.is_messaging() && l.family != Family::EnhancedV2)
        || inits
            .iter()
            .any(|i| i.call.family.is_messaging() && i.call.family != Family::EnhancedV2);
    if !v1 {
        let frame = doc.dom.agentforce_frames > 0 || doc.dom.agentforce_containers > 0;
        // The loader's own refusal (watch mode) decides at once: it builds nothing after it.
        let refused = !frame && doc.watch.is_some_and(watch::agentforce_refused);
        let stage = if doc.dom.agentforce_frames_reported > 0 {
            Stage::AgentforceReady
        } else if doc.page_age_ms.unwrap_or(f64::MAX) < STALL_AFTER_MS && !refused {
            Stage::Starting
        } else {
            Stage::AgentforceStalled {
                frame,
                site_url: inits
                    .iter()
                    .filter(|i| i.call.family == Family::EnhancedV2)
                    .find_map(|i| i.call.site_url.clone()),
            }
        };
        return (timeline, Some(stage));
    }
    let stage = stage(ev, doc, &timeline);
    let stage = relative_site_url(doc, inits).map_or(stage.clone(), |(site_url, seen)| {
        let stuck = !stage.widget_started() && !matches!(stage, Stage::Starting);
        match seen {
            // The browser shows the request on this website: that is where start-up went.
            Some(r) if !stage.widget_started() => Stage::RelativeSiteUrl {
                site_url,
                requested: Some(r.url.clone()),
                status: r.status,
            },
            None if stuck => Stage::RelativeSiteUrl {
                site_url,
                requested: None,
                status: None,
            },
            _ => stage,
        }
    });
    (timeline, Some(stage))
}

/// A Messaging init call whose site URL has no scheme (`acme.my.site.com/ESW…`): the loader
/// accepts it and builds its file addresses as paths relative to the page (facts §1, §2). Returns
/// the site URL and the request the browser shows for it on this website, if any.
fn relative_site_url<'d>(
    doc: WidgetDoc<'d>,
    inits: &[LocatedInit],
) -> Option<(String, Option<&'d ResourceEvidence>)> {
    let site = inits
        .iter()
        .filter(|i| i.call.family.is_messaging())
        .filter_map(|i| i.call.site_url.as_deref())
        .map(|u| u.trim().trim_end_matches('/'))
        .find(|u| !u.is_empty() && !u.contains("://") && !u.starts_with("//"))?;
    let needle = format!("{site}/assets/");
    // On this website: the site text comes after the page's own path, not right after `://`
    // (the loader tag itself may be written with the full https:// address).
    let seen = doc
        .resources
        .iter()
        .find(|r| r.url.contains(&needle) && !r.url.contains(&format!("://{needle}")));
    Some((site.chars().take(200).collect(), seen))
}

fn stage(ev: &PageEvidence, doc: WidgetDoc<'_>, t: &[TimelineEntry]) -> Stage {
    let failed_messages: u32 = ev.storage.iter().map(|s| s.failed_messages).sum();
    let started = last(t, Step::Conversation);
    if failed_messages > 0 || last(t, Step::Message).is_some_and(|m| m.failed()) {
        return Stage::MessagesNotSent {
            count: failed_messages.max(1),
        };
    }
    for step in [Step::Token, Step::Conversation] {
        if let Some(e) = last(t, step).filter(|e| e.failed()) {
            return Stage::StalledAfterClick {
                step,
                status: e.status,
            };
        }
    }
    if doc.dom.buttons > 0 {
        if started.is_some() || doc.dom.buttons_visible > 0 {
            return Stage::Healthy;
        }
        return Stage::ButtonHidden;
    }
    // Watch mode: the widget's own events. Ready (start-up finished) or business hours ended
    // with no button on the page: the button is hidden, not a failure. An InitError without
    // Ready: start-up failed, so the widget is not "still starting" however young the page.
    let events = doc.watch.map(EventFacts::of).unwrap_or_default();
    let failed_startup = events.failed_startup();
    if events.ready || events.hours_closed && !failed_startup {
        return Stage::ButtonHidden;
    }
    // With watch mode the recording is the whole history, whatever the browser's buffer kept.
    let buffer_full = match doc.watch {
        Some(w) => !w.timeline_complete(doc.resources.len()),
        None => doc.resources.len() >= RESOURCE_BUFFER_DEFAULT,
    };
    let age = doc.page_age_ms.unwrap_or(f64::MAX);
    let load_failed = |url: &str| doc.watch.is_some_and(|w| w.load_error(url).is_some());
    let loader = last(t, Step::Loader);
    match loader {
        None if !failed_startup => {
            return if buffer_full {
                Stage::TimelineIncomplete
            } else if age < STALL_AFTER_MS {
                Stage::Starting
            } else {
                Stage::LoaderBlocked
            };
        }
        Some(l) if l.failed() => return Stage::LoaderBlocked,
        // Watch mode saw the loader's element fail (a cross-origin script shows no status).
        Some(l) if load_failed(&l.url) => return Stage::LoaderBlocked,
        _ => {}
    }
    if last(t, Step::Styles).is_some_and(|e| e.failed() || load_failed(&e.url)) {
        return Stage::StylesFailed;
    }
    for step in [Step::Config, Step::BusinessHours, Step::Availability] {
        if let Some(status) = last(t, step).filter(|e| e.failed()).and_then(|e| e.status) {
            return Stage::ConfigFailed { status };
        }
    }
    // Where the browser shows statuses, a successful cross-origin answer shows one: none at all
    // on every configuration request means the answer was withheld.
    // But in Chromium a request the page's CSP refused leaves the same entry (no status) when it
    // was sent with XMLHttpRequest, as the loader does: only the browser's CSP reports (or watch
    // mode's recorded violations) tell the two apart, so a reported refusal decides first.
    let config: Vec<&TimelineEntry> = t.iter().filter(|e| e.step == Step::Config).collect();
    if !config.is_empty() && config.iter().all(|e| e.status.is_none()) {
        let csp = salesforce_violations(ev);
        if config.iter().all(|e| refused_by_csp(&csp, &e.url)) {
            return Stage::StartupRequestsBlocked;
        }
        if ev.response_status_supported {
            return Stage::StartupAnswersWithheld;
        }
    }
    let since_loader = loader
        .and_then(|l| l.end_ms())
        .map(|end| age - end)
        .unwrap_or(age);
    if since_loader < STALL_AFTER_MS && !failed_startup {
        return Stage::Starting;
    }
    let asked = |s: Step| last(t, s).is_some();
    if buffer_full && !(asked(Step::Config) && asked(Step::BusinessHours)) {
        return Stage::TimelineIncomplete;
    }
    let startup_unasked = !asked(Step::Config) && !asked(Step::BusinessHours);
    if failed_startup {
        // Init ran (the widget reported its failure). Its start-up requests never left: CSP
        // (reported) or, with its container on the page, CSP or an ad blocker. Otherwise the
        // stall names the answers that are missing, or none (init threw before any request).
        if startup_unasked && (doc.dom.containers > 0 || !salesforce_violations(ev).is_empty()) {
            return Stage::StartupRequestsBlocked;
        }
    } else if !asked(Step::Styles) && !asked(Step::Config) && doc.dom.containers == 0 {
        return Stage::InitNeverCalled;
    } else if startup_unasked {
        return Stage::StartupRequestsBlocked;
    }
    let missing: Vec<Step> = [
        Step::Styles,
        Step::Config,
        Step::BusinessHours,
        Step::SiteContext,
    ]
    .into_iter()
    .filter(|s| !(asked(*s) || *s == Step::SiteContext && doc.dom.site_context_frames > 0))
    .collect();
    Stage::StalledBeforeReady { missing }
}
