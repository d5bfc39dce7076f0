//! Agentforce Messaging's stand-in (simulator/CONTRACT.md, `C-AGENTFORCE-*`): the loader
//! `init.js`/`init.css` under `/embeddedservice/agentforcemessaging/<version>/` on the org's My
//! Domain and on its sites (public pages load it from either), the chat app an agent's site
//! serves at its root (`<siteUrl>/?lwc.mode=prod`, the frame the loader builds), and the agent
//! look-up that app makes on the My Domain. The files are the simulator's own
//! (`simulator/www/embeddedservice/agentforcemessaging/`, `simulator/www/agentforce/app.html`);
//! the look-up path is invented for the stand-in (the real app's calls are not public).

use crate::http::{Request, Response};
use crate::ids;
use crate::org::Org;
use crate::scenario::AgentSpec;
use crate::statics::serve_file;
use crate::State;
use serde_json::json;

const LOADER_DIR: &str = "embeddedservice/agentforcemessaging";
const APP_PAGE: &str = "agentforce/app.html";

/// `…/embeddedservice/agentforcemessaging/<version>/init.js|init.css` (any version) → the
/// stand-in loader file, for a path relative to the host or site root.
fn loader_file(st: &State, rel: &str) -> Option<Response> {
    let rest = rel.trim_start_matches('/').strip_prefix(LOADER_DIR)?;
    let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let [version, file] = segs.as_slice() else {
        return None;
    };
    if version.is_empty() || !matches!(*file, "init.js" | "init.css") {
        return None;
    }
    serve_file(st.static_dir.as_deref()?, &format!("{LOADER_DIR}/{file}"))
}

fn agent<'a>(org: &'a Org, id: &str) -> Option<&'a AgentSpec> {
    org.scenario
        .agents
        .iter()
        .find(|a| !a.id.is_empty() && ids::same_id(&a.id, id))
}

fn with_cors(org: &Org, req: &Request, mut r: Response) -> Response {
    if let Some(origin) = req.header("Origin") {
        if crate::widget::origin_allowed(org, origin) {
            r = r
                .with_header("Access-Control-Allow-Origin", origin)
                .with_header("Vary", "Origin");
        }
    }
    r
}

/// The My Domain (API host): the loader files and the agent look-up. `None`: not ours.
pub fn my_domain(st: &State, oi: usize, req: &Request) -> Option<Response> {
    if !req.path.starts_with(&format!("/{LOADER_DIR}/")) {
        return None;
    }
    if req.method == "GET" {
        if let Some(r) = loader_file(st, &req.path) {
            return Some(r);
        }
    }
    let org = &st.orgs[oi];
    let id = req
        .path
        .strip_prefix(&format!("/{LOADER_DIR}/sim/agents/"))?;
    let r = if let Some(status) = org.faults.error_status(&req.path) {
        Response::json(
            status,
            &json!({"errorCode": "SERVER_ERROR", "message": "Injected fault"}),
        )
    } else {
        match (req.method.as_str(), agent(org, id)) {
            ("GET", Some(a)) => Response::json(
                200,
                &json!({"id": a.id, "developerName": a.developer_name, "label": a.label, "active": a.active, "simulator": true}),
            ),
            ("GET", None) => Response::json(
                404,
                &json!({"errorCode": "NOT_FOUND", "message": format!("simulator: no agent '{id}' in this org")}),
            ),
            _ => Response::empty(405),
        }
    };
    Some(with_cors(org, req, r))
}

/// A site host path: the loader files under any active site, and the chat app at the root of
/// an agent's site. `None`: the ordinary site serving answers (also for an inactive site).
pub fn site(st: &State, oi: usize, req: &Request) -> Option<Response> {
    let org = &st.orgs[oi];
    let path = req.path.trim_start_matches('/');
    let (prefix, rest) = path.split_once('/').unwrap_or((path, ""));
    let site = org.table("Site")?.rows.iter().find(|r| {
        r.get("UrlPathPrefix")
            .and_then(|v| v.as_str())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    })?;
    if site.get("Status").and_then(|v| v.as_str()) != Some("Active") || req.method != "GET" {
        return None;
    }
    if rest.is_empty() {
        let name = site.get("Name").and_then(|v| v.as_str()).unwrap_or("");
        let serves_agent = org
            .scenario
            .agents
            .iter()
            .any(|a| a.site.eq_ignore_ascii_case(name));
        if !serves_agent {
            return None;
        }
        return serve_file(st.static_dir.as_deref()?, APP_PAGE);
    }
    loader_file(st, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_paths_need_a_version_and_a_known_file() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www");
        let st = State {
            orgs: vec![],
            sessions: Default::default(),
            frontdoor: Default::default(),
            widget_tokens: Default::default(),
            stats: Default::default(),
            sightings: Default::default(),
            static_dir: Some(dir),
        };
        let js = loader_file(&st, "/embeddedservice/agentforcemessaging/0.3/init.js").unwrap();
        assert_eq!(js.status, 200);
        assert!(String::from_utf8_lossy(&js.body)
            .contains("siteUrl, agentId & domainUrl are mandatory"));
        assert!(loader_file(&st, "/embeddedservice/agentforcemessaging/1.0/init.css").is_some());
        assert!(loader_file(&st, "/embeddedservice/agentforcemessaging/init.js").is_none());
        assert!(loader_file(&st, "/embeddedservice/agentforcemessaging/0.3/other.js").is_none());
    }
}
