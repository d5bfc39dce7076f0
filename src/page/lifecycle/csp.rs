//! CSP violations that concern the widget: which ones count, whether a request was refused by
//! one, the fix naming the origins to allow, and the evidence saying how CSP was observed.

use super::stage::Stage;
use crate::finding::{Evidence, Finding};
use crate::page::requests::{classify, Step, TimelineEntry};
use crate::page::watch;
use crate::page::{split_url, PageEvidence, CSP_REPORTS_KEPT};

/// The origin (`https://host[:port]`) of a URL, lower-cased; the whole text when it has none.
fn origin_of(u: &str) -> String {
    let after = u.find("://").map(|i| i + 3).unwrap_or(0);
    let end = u[after..]
        .find(['/', '?', '#'])
        .map(|i| after + i)
        .unwrap_or(u.len());
    u[..end].to_ascii_lowercase()
}

/// A Salesforce origin written plainly (no user name, escapes or odd characters), fit to name in
/// a fix.
fn plain_https(o: &str) -> bool {
    o.starts_with("https://")
        && o[8..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && is_salesforce_url(o)
}

/// The CSP fix with the hosts the scan saw (the loader's site host, the scrt2 host of the
/// start-up requests or of the refused URLs); a placeholder only for a host it never saw.
/// Only plainly written Salesforce https hosts are named.
pub(super) fn csp_fix(t: &[TimelineEntry], csp: &[SeenViolation<'_>]) -> String {
    let seen = |pick: &dyn Fn(&str) -> bool| -> Option<String> {
        t.iter()
            .map(|e| e.url.as_str())
            .chain(csp.iter().map(|v| v.blocked_url))
            .map(origin_of)
            .find(|o| plain_https(o) && pick(o))
    };
    let scrt2 = seen(&|o| o.contains(".salesforce-scrt.com"))
        .unwrap_or_else(|| "https://<My Domain>.my.salesforce-scrt.com".into());
    let site = t
        .iter()
        .filter(|e| matches!(e.step, Step::Loader | Step::Styles | Step::SiteContext))
        .map(|e| origin_of(&e.url))
        .find(|o| plain_https(o))
        .or_else(|| seen(&|o| o.contains(".site.com")))
        .unwrap_or_else(|| "https://<My Domain>.my.site.com".into());
    format!(
        "Add {scrt2} to the page's Content-Security-Policy connect-src, and {site} to script-src, style-src and frame-src."
    )
}

/// Whether the browser reported (or watch mode recorded) a CSP refusal of this request: the same
/// URL, or — where the report carries only the origin (cross-origin reports may be cut to it) — a
/// connect-src refusal of that origin.
pub(super) fn refused_by_csp(csp: &[SeenViolation<'_>], url: &str) -> bool {
    let origin = origin_of;
    let target = origin(url);
    csp.iter().any(|v| {
        v.blocked_url == url
            || v.directive.starts_with("connect-src")
                && origin(v.blocked_url) == target
                && (v.blocked_url.len() == target.len()
                    || v.blocked_url.trim_end_matches('/').len() == target.len()
                    || classify(v.blocked_url).is_some())
    })
}

/// Hosts whose blocking stops the widget: the site, scrt2, My Domain and legacy chat hosts.
pub(super) fn is_salesforce_url(url: &str) -> bool {
    let Some((host, _)) = split_url(url) else {
        return false;
    };
    [
        ".salesforce-scrt.com",
        ".site.com",
        ".force.com",
        ".salesforce.com",
        ".salesforceliveagent.com",
    ]
    .iter()
    .any(|d| host.ends_with(d))
        || classify(url).is_some()
}

/// A CSP violation for this page: one the browser kept for a late observer (Chromium), or one
/// watch mode recorded as it happened (both browsers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeenViolation<'a> {
    pub blocked_url: &'a str,
    pub directive: &'a str,
    /// When it happened (watch mode only).
    pub at_ms: Option<f64>,
    /// Recorded by watch mode.
    pub watched: bool,
}

/// The CSP violations for Salesforce URLs (the widget's loader, styles, frames and requests):
/// the browser's reports, then watch mode's recordings that are not the same violation again
/// (same URL and directive: the loader's retry is blocked twice).
pub fn salesforce_violations(ev: &PageEvidence) -> Vec<SeenViolation<'_>> {
    let mut out: Vec<SeenViolation<'_>> = ev
        .csp_violations
        .iter()
        .filter(|v| is_salesforce_url(&v.blocked_url))
        .map(|v| SeenViolation {
            blocked_url: &v.blocked_url,
            directive: &v.directive,
            at_ms: None,
            watched: false,
        })
        .collect();
    let Some(w) = &ev.watch else {
        return out;
    };
    for v in w.csp() {
        let dup = out
            .iter()
            .take(CSP_REPORTS_KEPT + watch::MAX_WATCH_CSP)
            .any(|o| o.blocked_url == v.blocked_url && o.directive == v.directive);
        if !dup && is_salesforce_url(&v.blocked_url) {
            out.push(SeenViolation {
                blocked_url: &v.blocked_url,
                directive: &v.directive,
                at_ms: v.at_ms,
                watched: true,
            });
        }
    }
    out
}

/// Says whether CSP blocking was observed (the browser reported violations, listed) or can only
/// be inferred (requests that never happened), for every stage where it matters. Watch mode
/// records every violation since the page started, in Firefox too, so with it "not observed"
/// means none happened.
pub(super) fn csp_evidence(
    mut f: Finding,
    stage: &Stage,
    csp: &[SeenViolation<'_>],
    ev: &PageEvidence,
) -> Finding {
    for v in csp.iter().take(10) {
        let url = watch::capped(v.blocked_url, watch::MAX_WATCH_URL);
        let directive = watch::capped(v.directive, watch::MAX_WATCH_SHORT);
        f = f.with_evidence(if v.watched {
            Evidence::new(
                "CSP violation (recorded by watch mode)",
                format!("{directive} blocked {url} at {}", watch::secs(v.at_ms)),
            )
        } else {
            Evidence::new(
                "CSP violation (reported by the browser)",
                format!("{directive} blocked {url}"),
            )
        });
    }
    let blocked_stage = matches!(stage, Stage::StartupRequestsBlocked | Stage::LoaderBlocked);
    let how = if csp.iter().any(|v| v.watched) {
        "observed: the browser reported the violations above (recorded by watch mode since the \
         page started)"
    } else if !csp.is_empty() {
        "observed: the browser reported the violations above"
    } else if !blocked_stage {
        return f;
    } else if ev.watch.as_ref().is_some_and(|w| w.csp_complete()) {
        "not observed: the browser reported no Content-Security-Policy violation for Salesforce \
         hosts on this page (recorded by watch mode since the page started), so an ad blocker, \
         another extension or the network is the likelier cause"
    } else if ev.csp_reports_readable && ev.csp_violations.len() < CSP_REPORTS_KEPT {
        "not observed: the browser reported no Content-Security-Policy violation for Salesforce \
         hosts on this page, so an ad blocker, another extension or the network is the likelier cause"
    } else {
        "inferred: this browser does not let Messaging Doctor read the page's past \
         Content-Security-Policy violations, so CSP is inferred from requests that never happened"
    };
    f.with_evidence(Evidence::new("CSP blocking", how))
}
