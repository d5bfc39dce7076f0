//! The page's request history: the collector's list merged with the recorded one.

use super::record::{WatchEvidence, MAX_WATCH_SHORT, MAX_WATCH_URL};
use super::text::capped;
use crate::page::ResourceEvidence;
use std::borrow::Cow;

/// Most requests with one start time compared when merging (see [`merged_resources`]).
const TIES_COMPARED: usize = 64;

/// Deduplication key of a request: its URL and its start rounded to 0.1 ms.
fn start_key(r: &ResourceEvidence) -> i64 {
    match r.start_ms {
        Some(s) if s.is_finite() => (s * 10.0).round() as i64,
        _ => i64::MIN,
    }
}

/// The page's own request history: the requests the collector read from the browser's buffer,
/// merged with the ones watch mode recorded (same URL and start to 0.1 ms = one request), in
/// start order. Without a record, the collector's list unchanged.
///
/// Both lists arrive in start order (the browser lists entries chronologically), so a merge
/// keeps that order without sorting (a sort's monomorphisation costs kilobytes in the content
/// script); a copy of an entry then lies next to it. Out-of-order input only costs a duplicate
/// line in the timeline.
pub fn merged_resources<'a>(
    page: &'a [ResourceEvidence],
    watch: Option<&WatchEvidence>,
) -> Cow<'a, [ResourceEvidence]> {
    let Some(extra) = watch.map(|w| w.resources()).filter(|r| !r.is_empty()) else {
        return Cow::Borrowed(page);
    };
    let mut out: Vec<ResourceEvidence> = Vec::with_capacity(page.len() + extra.len());
    let (mut i, mut j) = (0, 0);
    while i < page.len() || j < extra.len() {
        let take_page =
            j >= extra.len() || (i < page.len() && start_key(&page[i]) <= start_key(&extra[j]));
        if take_page {
            out.push(page[i].clone());
            i += 1;
            continue;
        }
        let e = &extra[j];
        j += 1;
        let k = start_key(e);
        // Only the nearest few entries with the same start are compared: a page (or a forged
        // record) with thousands of requests at one instant made this quadratic; past them a
        // copy costs a duplicate line, as out-of-order input does.
        let seen = out
            .iter()
            .rev()
            .take_while(|o| start_key(o) == k)
            .take(TIES_COMPARED)
            .any(|o| o.url == e.url)
            || page[i..]
                .iter()
                .take_while(|p| start_key(p) == k)
                .take(TIES_COMPARED)
                .any(|p| p.url == e.url);
        if !seen {
            out.push(ResourceEvidence {
                url: capped(&e.url, MAX_WATCH_URL).into_owned(),
                initiator: capped(&e.initiator, MAX_WATCH_SHORT).into_owned(),
                status: e.status.filter(|s| *s > 0),
                duration_ms: e.duration_ms.filter(|d| d.is_finite()),
                start_ms: e.start_ms.filter(|s| s.is_finite()),
            });
        }
    }
    Cow::Owned(out)
}
