//! The findings watch mode makes on its own: a duplicate only the run shows, and what the
//! recorder saw (`page/watch-recorded`).

use super::events::{console_value, lines_of, LoaderMessage, CONSOLE_LISTED, RUN_TWICE};
use super::record::{WatchEvidence, LATE_START_MS, MAX_WATCH_CSP, MAX_WATCH_RESOURCES};
use super::text::{capped, count_of, whole_ms};
use crate::finding::{Evidence, Finding, Severity};
use crate::page::requests::classify;
use crate::page::{Loader, LocatedInit, PageEvidence};

/// The page's code holds the chat once, but the loader's own messages say it was loaded or
/// started a second time while the page ran (a single-page app re-running the tag on a route
/// change, a tag manager adding the snippet again, or adding it and removing it later).
pub(in crate::page) fn runtime_duplicate_finding(
    w: &WatchEvidence,
    loaders: &[Loader],
    inits: &[LocatedInit],
    seen: &crate::page::inventory::Seen,
) -> Option<Finding> {
    let second_loader = lines_of(w, &[LoaderMessage::SecondLoader]).next().is_some();
    let second_init = lines_of(w, &[LoaderMessage::SecondInit]).next().is_some();
    if !second_loader && !second_init {
        return None;
    }
    let (title, what) = if second_loader {
        (
            "The chat snippet was loaded twice at run time",
            "the loader was run a second time while the page was open",
        )
    } else {
        (
            "The chat was started (init) twice at run time",
            "init was called a second time while the page was open",
        )
    };
    let mut f = Finding::new(
        "page/duplicate-snippet",
        Severity::Error,
        title,
        format!(
            "The page's code holds the chat snippet once, but watch mode recorded the loader's \
             own messages saying {what}. A single-page app that runs the tag again on each \
             route change, or a tag manager that adds the snippet again (or adds it and removes \
             it later), does this. The loader refuses the second copy and keeps the first one's \
             settings, so a second deployment or changed settings never take effect, and \
             repeated starts count against the rate limits."
        ),
    );
    for (k, c) in lines_of(w, &RUN_TWICE).take(CONSOLE_LISTED) {
        f = f.with_evidence(Evidence::new(
            "What the browser actually ran",
            console_value(k, c),
        ));
    }
    // The page decides how many there are: the first few, then how many more.
    let listed = crate::page::EVIDENCE_LISTED;
    let mut shown = 0;
    for l in loaders
        .iter()
        .filter(|l| l.family.is_messaging())
        .take(listed)
    {
        f = f.with_evidence(Evidence::new("Loader", &l.url).at(&l.origin));
        shown += 1;
    }
    f = crate::page::and_more(
        f,
        "Loaders",
        shown,
        seen.loaders_of(crate::page::snippet::Family::is_messaging),
    );
    shown = 0;
    for i in inits
        .iter()
        .filter(|i| i.call.family.is_messaging())
        .take(listed)
    {
        f = f.with_evidence(
            Evidence::new("Init call", crate::page::describe_call(&i.call)).at(i.location()),
        );
        shown += 1;
    }
    f = crate::page::and_more(
        f,
        "Init calls",
        shown,
        seen.inits_of(crate::page::snippet::Family::is_messaging),
    );
    Some(
        f.with_fix("Make the tag that adds the snippet fire once per page load: in a tag manager, set it to fire once per page; in a single-page app, add the snippet outside the route components.")
            .with_fix("Only add the loader when it is not on the page yet (for example, check window.embeddedservice_bootstrap before inserting it), and run initEmbeddedMessaging from one place.")
            .with_link(
                "Embedded Service Deployments (Setup)",
                "/lightning/setup/EmbeddedServiceDeployments/home",
            ),
    )
}

/// `page/watch-recorded`: what the recorder saw, so the admin knows the timeline is complete,
/// or what it missed. Also when the record could not be read at all.
pub fn recorded_finding(ev: &PageEvidence) -> Option<Finding> {
    if let Some(why) = ev
        .watch_unreadable
        .as_deref()
        .filter(|_| ev.watch.is_none())
    {
        return Some(
            Finding::new(
                "page/watch-recorded",
                Severity::Info,
                "Watch mode was on, but its recording could not be read",
                "Watch mode recorded this page, but Messaging Doctor could not read the \
                 recording, so this check used only what the browser keeps by itself (the first \
                 250 requests, and CSP reports only in Chromium).",
            )
            .with_evidence(Evidence::new(
                "Watch data",
                format!("watch data unreadable: {}", capped(why, 200)),
            ))
            .with_fix("Reload the page and run the check again; if it stays unreadable, turn watch mode off and on for this site."),
        );
    }
    let w = ev.watch.as_ref()?;
    let s = w.stats();
    let widget_requests = w
        .resources()
        .iter()
        .filter(|r| classify(&r.url).is_some())
        .count();
    let late = !w.started_early();
    let dropped = s.requests_dropped > 0 || s.csp_dropped > 0;
    let since = match w.started_ms {
        Some(ms) => format!("{} ms after the page started", whole_ms(ms)),
        None => "an unknown time after the page started".to_string(),
    };
    let mut message = format!(
        "Watch mode recorded {}, {}, {} and {} on this page, from {since}.",
        count_of(s.requests, "request"),
        count_of(s.csp_reports, "Content-Security-Policy report"),
        count_of(s.widget_events, "widget event"),
        count_of(s.console_lines, "loader console message"),
    );
    if !late && !dropped {
        message.push_str(
            " The request timeline is complete, so the widget's stage was decided from every \
             request it made, not only the first 250 the browser keeps.",
        );
    }
    if late {
        message.push_str(&format!(
            " It started late (more than {} s after the page started), so Content-Security-Policy \
             reports, widget events and loader messages from before then are missing; requests \
             are not (the browser hands those over).",
            LATE_START_MS as i64 / 1000
        ));
    }
    if s.requests_dropped > 0 {
        message.push_str(&format!(
            " It kept the first {MAX_WATCH_RESOURCES} requests and left out {} more, so the \
             timeline may miss late requests.",
            s.requests_dropped
        ));
    }
    if s.csp_dropped > 0 {
        message.push_str(&format!(
            " It kept {MAX_WATCH_CSP} Content-Security-Policy reports and left out {} more.",
            s.csp_dropped
        ));
    }
    let title = if late || dropped {
        "Watch mode recorded this page, with gaps"
    } else {
        "Watch mode recorded this page from its first request"
    };
    let mut f = Finding::new("page/watch-recorded", Severity::Info, title, message)
        .with_evidence(Evidence::new("Recorder started", since))
        .with_evidence(Evidence::new(
            "Requests recorded",
            format!(
                "{} ({widget_requests} of them the chat widget's)",
                s.requests
            ),
        ))
        .with_evidence(Evidence::new(
            "CSP reports recorded",
            s.csp_reports.to_string(),
        ))
        .with_evidence(Evidence::new(
            "Widget events recorded",
            s.widget_events.to_string(),
        ))
        .with_evidence(Evidence::new(
            "Loader console messages recorded",
            s.console_lines.to_string(),
        ));
    if s.requests_dropped > 0 {
        f = f.with_evidence(Evidence::new(
            "Requests not kept",
            s.requests_dropped.to_string(),
        ));
    }
    if s.csp_dropped > 0 {
        f = f.with_evidence(Evidence::new(
            "CSP reports not kept",
            s.csp_dropped.to_string(),
        ));
    }
    if late {
        f = f.with_fix("Reload the page with watch mode on, so the recorder starts with the page.");
    }
    Some(f)
}
