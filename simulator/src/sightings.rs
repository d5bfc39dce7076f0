//! Token sightings: a log of every request that carried a session token (API or UI `sid`).
//!
//! For tests that prove where the admin's session token travels. Each request reaching the
//! simulator is searched, before it is routed, for every session the simulator has issued
//! (live or expired; a logged-out session is forgotten). The token is matched by its secret part
//! (after the `!`, made only of letters and digits), so a percent-encoded or otherwise quoted
//! `!` still counts. Places searched: each header (the `Cookie` header cookie by cookie), the
//! URL (path and query) and the body. The log never holds the token itself.
//!
//! `GET /__sim/token-sightings` lists `{host, method, path, where, session, org, expired}`;
//! `DELETE` empties it. `where` is `header:<lower-case name>`, `cookie:<name>`, `url` or `body`;
//! `session` is `api` or `ui`.

use crate::http::Request;
use crate::State;
use serde_json::{json, Value};

/// At most this many sightings are kept; later ones are counted in `dropped`.
pub const MAX_SIGHTINGS: usize = 20_000;

/// The log.
#[derive(Default, Debug)]
pub struct Sightings {
    pub entries: Vec<Value>,
    pub dropped: u64,
}

/// The part of a token that is secret and cannot be re-encoded: everything after the `!`.
fn secret(token: &str) -> &str {
    token.split_once('!').map(|(_, s)| s).unwrap_or(token)
}

/// Searches `req` for every known session token and records where each was seen.
pub fn record(st: &mut State, req: &Request) {
    if st.sessions.is_empty() {
        return;
    }
    let url = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let body = String::from_utf8_lossy(&req.body);
    let mut found: Vec<Value> = Vec::new();
    for (token, sess) in &st.sessions {
        let s = secret(token);
        if s.len() < 16 {
            continue;
        }
        let mut places: Vec<String> = Vec::new();
        for (name, value) in &req.headers {
            let lname = name.to_ascii_lowercase();
            if !value.contains(s) {
                continue;
            }
            if lname == "cookie" {
                for c in value.split(';') {
                    let (cname, cval) = c.trim().split_once('=').unwrap_or((c.trim(), ""));
                    if cval.contains(s) {
                        places.push(format!("cookie:{cname}"));
                    }
                }
            } else {
                places.push(format!("header:{lname}"));
            }
        }
        if url.contains(s) {
            places.push("url".into());
        }
        if body.contains(s) {
            places.push("body".into());
        }
        let org = st
            .orgs
            .get(sess.org)
            .map(|o| o.stem.clone())
            .unwrap_or_default();
        for place in places {
            found.push(json!({
                "host": req.host,
                "method": req.method,
                "path": req.path,
                "where": place,
                "session": if sess.api { "api" } else { "ui" },
                "org": org,
                "expired": sess.expired,
            }));
        }
    }
    for f in found {
        if st.sightings.entries.len() < MAX_SIGHTINGS {
            st.sightings.entries.push(f);
        } else {
            st.sightings.dropped += 1;
        }
    }
}

/// The control endpoint's answer.
pub fn listing(st: &State) -> Value {
    json!({
        "sightings": st.sightings.entries,
        "count": st.sightings.entries.len(),
        "dropped": st.sightings.dropped,
    })
}
