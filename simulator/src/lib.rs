//! md-sim: the Messaging Doctor ORG SIMULATOR — a local stand-in for a Salesforce org's REST and
//! Tooling API, its MessagingSession save pipeline and the Messaging for Web endpoints, routed by
//! Host header. It is a simulator: nothing here talks to or reproduces Salesforce's code.

pub mod agentforce;
pub mod api;
pub mod contract;
pub mod faults;
pub mod http;
pub mod ids;
pub mod org;
pub mod pipeline;
pub mod scenario;
pub mod schema;
pub mod server;
pub mod sightings;
pub mod soql;
pub mod statics;
pub mod time;
pub mod widget;
pub mod write_faults;

use crate::http::{Request, Response};
use crate::org::Org;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

/// A browser/API session (`sid` cookie value).
#[derive(Clone, Debug)]
pub struct Session {
    pub org: usize,
    pub user_id: String,
    /// API sessions live on the API host; UI sessions (lightning host) are rejected by the API.
    pub api: bool,
    pub expired: bool,
}

#[derive(Clone, Debug)]
pub struct WidgetToken {
    pub org: usize,
    pub deployment: String,
    pub subject: String,
}

/// API call counters.
#[derive(Default, Debug)]
pub struct Stats {
    pub by_token: BTreeMap<String, u64>,
    pub by_org: BTreeMap<String, u64>,
    pub total: u64,
}

impl Stats {
    pub fn count(&mut self, token: &str, org: &str, n: u64) {
        *self.by_token.entry(token.to_string()).or_default() += n;
        *self.by_org.entry(org.to_string()).or_default() += n;
        self.total += n;
    }
}

pub struct State {
    pub orgs: Vec<Org>,
    pub sessions: HashMap<String, Session>,
    pub frontdoor: HashMap<String, String>,
    pub widget_tokens: HashMap<String, WidgetToken>,
    pub stats: Stats,
    /// Where session tokens were seen (`GET /__sim/token-sightings`).
    pub sightings: sightings::Sightings,
    pub static_dir: Option<PathBuf>,
}

/// Host families the simulator answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Api,
    Lightning,
    Site,
    Scrt,
}

const SUFFIXES: &[(&str, Family)] = &[
    (".sandbox.my.salesforce.com", Family::Api),
    (".develop.my.salesforce.com", Family::Api),
    (".my.salesforce.com", Family::Api),
    (".sandbox.lightning.force.com", Family::Lightning),
    (".develop.lightning.force.com", Family::Lightning),
    (".lightning.force.com", Family::Lightning),
    (".sandbox.my.salesforce-setup.com", Family::Lightning),
    (".develop.my.salesforce-setup.com", Family::Lightning),
    (".my.salesforce-setup.com", Family::Lightning),
    (".sandbox.my.site.com", Family::Site),
    (".develop.my.site.com", Family::Site),
    (".my.site.com", Family::Site),
    (".sandbox.my.salesforce-scrt.com", Family::Scrt),
    (".develop.my.salesforce-scrt.com", Family::Scrt),
    (".my.salesforce-scrt.com", Family::Scrt),
];

/// Splits a host into (family, My Domain stem) when it belongs to a Salesforce-shaped family.
pub fn classify(host: &str) -> Option<(Family, String)> {
    SUFFIXES.iter().find_map(|(suf, fam)| {
        host.strip_suffix(suf)
            .filter(|s| !s.is_empty() && !s.contains('.'))
            .map(|s| (*fam, s.to_string()))
    })
}

/// The simulator: all orgs and sessions behind one lock.
pub struct Sim {
    pub state: Mutex<State>,
}

/// One `--org` entry.
pub struct OrgArg {
    pub stem: String,
    pub scenario: String,
    pub org_id: Option<String>,
}

impl OrgArg {
    /// Parses `<mydomain>=<scenario>[:<orgid>]`.
    pub fn parse(s: &str) -> Result<OrgArg, String> {
        let (stem, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("--org '{s}': expected <mydomain>=<scenario>[:<orgid>]"))?;
        let (scenario, id) = match rest.split_once(':') {
            Some((sc, id)) => (sc.to_string(), Some(id.to_string())),
            None => (rest.to_string(), None),
        };
        if stem.is_empty() || scenario.is_empty() {
            return Err(format!("--org '{s}': empty My Domain or scenario"));
        }
        Ok(OrgArg {
            stem: stem.to_ascii_lowercase(),
            scenario,
            org_id: id,
        })
    }
}

impl Sim {
    pub fn new(orgs: Vec<Org>, static_dir: Option<PathBuf>) -> Result<Sim, String> {
        for (i, a) in orgs.iter().enumerate() {
            for b in &orgs[i + 1..] {
                if a.stem == b.stem {
                    return Err(format!("two orgs use the My Domain '{}'", a.stem));
                }
            }
        }
        Ok(Sim {
            state: Mutex::new(State {
                orgs,
                sessions: HashMap::new(),
                frontdoor: HashMap::new(),
                widget_tokens: HashMap::new(),
                stats: Stats::default(),
                sightings: sightings::Sightings::default(),
                static_dir,
            }),
        })
    }

    /// Loads each `--org` from the scenarios directory.
    pub fn from_args(
        args: &[OrgArg],
        scenarios_dir: &std::path::Path,
        static_dir: Option<PathBuf>,
    ) -> Result<Sim, String> {
        let mut orgs = Vec::new();
        for a in args {
            let sc = scenario::Scenario::load(scenarios_dir, &a.scenario)?;
            orgs.push(Org::new(sc, Some(&a.stem), a.org_id.as_deref())?);
        }
        Sim::new(orgs, static_dir)
    }

    /// Host names the TLS certificate must cover.
    pub fn host_names(&self) -> Vec<String> {
        let st = self.state.lock().expect("state");
        let mut v = Vec::new();
        for o in &st.orgs {
            v.extend([
                o.api_host(),
                o.lightning_host(),
                o.site_host(),
                o.scrt_host(),
                org::host_for(&o.stem, "my.salesforce-setup.com"),
            ]);
        }
        if let Some(dir) = &st.static_dir {
            if let Ok(rd) = std::fs::read_dir(dir.join("sites")) {
                for e in rd.flatten() {
                    if e.path().is_dir() {
                        v.push(e.file_name().to_string_lossy().to_string());
                    }
                }
            }
        }
        v
    }

    /// Handles one request (the in-process router; the TLS server calls this too).
    pub fn handle(&self, req: &Request) -> Response {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        sightings::record(&mut st, req);
        route(&mut st, req)
    }
}

fn find_org(st: &State, stem: &str) -> Option<usize> {
    st.orgs
        .iter()
        .position(|o| o.stem.eq_ignore_ascii_case(stem))
}

fn route(st: &mut State, req: &Request) -> Response {
    if req.path.starts_with("/__sim/")
        && !matches!(
            req.path.as_str(),
            "/__sim/login" | "/__sim/logout" | "/__sim/expire"
        )
    {
        return control(st, req);
    }
    let Some((family, stem)) = classify(&req.host) else {
        return statics::customer_site(st, req);
    };
    let Some(oi) = find_org(st, &stem) else {
        return Response::html(404, &format!("<!doctype html><title>Unknown My Domain</title><p>The org simulator has no org with the My Domain '{stem}'.</p>"));
    };
    let delay = st.orgs[oi].faults.latency_ms;
    let mut r = match family {
        Family::Api => {
            let r = api_host(st, oi, req);
            write_faults::apply(&mut st.orgs[oi].faults, req, r)
        }
        Family::Lightning => lightning_host(st, oi, req),
        Family::Site => match st.orgs[oi].faults.error_status(&req.path) {
            Some(s) => Response::html(s, "<!doctype html><title>Service unavailable</title>"),
            None => agentforce::site(st, oi, req).unwrap_or_else(|| statics::site(st, oi, req)),
        },
        Family::Scrt => match st.orgs[oi].faults.error_status(&req.path) {
            Some(s) => Response::json(
                s,
                &json!({"errorCode": "SERVER_ERROR", "message": "Injected fault"}),
            ),
            None => {
                let mut r = widget::handle(st, oi, req);
                if st.orgs[oi].faults.malformed(&req.path) && !r.body.is_empty() {
                    let n = r.body.len() / 2;
                    r.body.truncate(n.max(1));
                }
                r
            }
        },
    };
    r.delay_ms = delay;
    r
}

fn cookie_header(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=None")
}

fn new_token(org: &Org) -> String {
    format!("{}!AQ{}", org.id15, ids::random_alnum(94))
}

fn api_host(st: &mut State, oi: usize, req: &Request) -> Response {
    if let Some(r) = agentforce::my_domain(st, oi, req) {
        return r;
    }
    match req.path.as_str() {
        "/__sim/login" => login(st, oi, req),
        "/__sim/logout" => logout(st, req),
        "/__sim/expire" => expire(st, oi, req),
        p if p.starts_with("/services/") => api::handle(st, oi, req),
        "/" | "/login" => {
            let org = &st.orgs[oi];
            let users: String = org
                .table("User")
                .map(|t| {
                    t.rows
                        .iter()
                        .filter(|u| u.get("UserType").and_then(|v| v.as_str()) == Some("Standard"))
                        .map(|u| {
                            let name = u.get("Username").and_then(|v| v.as_str()).unwrap_or("");
                            format!("<li><a href=\"/__sim/login?user={name}\">{name}</a></li>")
                        })
                        .collect()
                })
                .unwrap_or_default();
            Response::html(200, &format!("<!doctype html><title>Login | Org simulator</title><h1>Org simulator: {}</h1><p>Log in as:</p><ul>{users}</ul>", org.stem))
        }
        _ => Response::html(
            404,
            "<!doctype html><title>Not found</title><p>URL No Longer Exists (org simulator)</p>",
        ),
    }
}

fn login(st: &mut State, oi: usize, req: &Request) -> Response {
    let org = &st.orgs[oi];
    let user = match req.param("user") {
        Some(u) => match org.resolve_user(&u) {
            Some(id) => id,
            None => return Response::html(400, &format!("<!doctype html><title>Login error</title><p>No user '{u}' in this simulated org.</p>")),
        },
        None => org.admin_id.clone(),
    };
    let api_tok = new_token(org);
    let ui_tok = new_token(org);
    let otp = ids::random_alnum(24);
    let lightning = org.lightning_host();
    let (org_id, api_host) = (org.id15.clone(), org.api_host());
    st.sessions.insert(
        api_tok.clone(),
        Session {
            org: oi,
            user_id: user.clone(),
            api: true,
            expired: false,
        },
    );
    st.sessions.insert(
        ui_tok.clone(),
        Session {
            org: oi,
            user_id: user.clone(),
            api: false,
            expired: false,
        },
    );
    st.frontdoor.insert(otp.clone(), ui_tok.clone());
    let set = cookie_header("sid", &api_tok);
    if req.param("json").is_some() {
        return Response::json(200, &json!({"sid": api_tok, "uiSid": ui_tok, "userId": user, "orgId": org_id, "instanceUrl": format!("https://{api_host}")}))
            .with_header("Set-Cookie", &set);
    }
    let ret = req
        .param("startURL")
        .unwrap_or_else(|| "/lightning/setup/SetupOneHome/home".into());
    let ret_enc: String = form_urlencoded::byte_serialize(ret.as_bytes()).collect();
    Response::redirect(&format!(
        "https://{lightning}/secur/frontdoor.jsp?otp={otp}&retURL={ret_enc}"
    ))
    .with_header("Set-Cookie", &set)
}

fn logout(st: &mut State, req: &Request) -> Response {
    if let Some(sid) = req.cookie("sid") {
        st.sessions.remove(&sid);
    }
    Response::html(200, "<!doctype html><title>Logged out | Org simulator</title><p>Logged out.</p>")
        .with_header("Set-Cookie", "sid=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
}

fn expire(st: &mut State, oi: usize, req: &Request) -> Response {
    let mut n = 0;
    if req.param("all").is_some() {
        for s in st.sessions.values_mut().filter(|s| s.org == oi) {
            s.expired = true;
            n += 1;
        }
    } else {
        let bearer = req
            .header("Authorization")
            .and_then(|h| h.split_once(' '))
            .map(|(_, t)| t.trim().to_string());
        if let Some(sid) = req.param("sid").or_else(|| req.cookie("sid")).or(bearer) {
            if let Some(s) = st.sessions.get_mut(&sid) {
                s.expired = true;
                n += 1;
            }
        }
    }
    Response::json(200, &json!({"expired": n}))
}

fn ui_session(st: &State, oi: usize, req: &Request) -> Option<Session> {
    let sid = req.cookie("sid")?;
    st.sessions
        .get(&sid)
        .filter(|s| s.org == oi && !s.api && !s.expired)
        .cloned()
}

fn lightning_host(st: &mut State, oi: usize, req: &Request) -> Response {
    match req.path.as_str() {
        "/secur/frontdoor.jsp" => {
            let Some(tok) = req.param("otp").and_then(|o| st.frontdoor.remove(&o)) else {
                return Response::redirect(&format!("https://{}/", st.orgs[oi].api_host()));
            };
            let ret = req
                .param("retURL")
                .filter(|r| r.starts_with('/'))
                .unwrap_or_else(|| "/lightning/setup/SetupOneHome/home".into());
            Response::redirect(&ret).with_header("Set-Cookie", &cookie_header("sid", &tok))
        }
        "/__sim/logout" => logout(st, req),
        p if p.starts_with("/services/") => api::handle(st, oi, req),
        p if p.starts_with("/lightning/")
            || p == "/"
            || p.starts_with("/builder_platform_interaction/") =>
        {
            let org = &st.orgs[oi];
            let Some(sess) = ui_session(st, oi, req) else {
                let start: String = form_urlencoded::byte_serialize(p.as_bytes()).collect();
                return Response::redirect(&format!(
                    "https://{}/?ec=302&startURL={start}",
                    org.api_host()
                ));
            };
            let uname = org
                .find_in("User", &sess.user_id)
                .and_then(|u| u.get("Name"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let title = if p.starts_with("/lightning/setup/") {
                "Setup Home | Setup"
            } else {
                "Home | Lightning"
            };
            Response::html(
                200,
                &format!(
                    "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body data-org-id=\"{}\"><h1>Setup</h1><p>Org simulator page for <b>{}</b> ({}), signed in as {uname}.</p><p>Path: <code>{p}</code></p></body></html>",
                    org.id15,
                    org.scenario.org.name,
                    org.stem
                ),
            )
        }
        _ => Response::html(
            404,
            "<!doctype html><title>Not found</title><p>Not found (org simulator)</p>",
        ),
    }
}

fn target_orgs(st: &State, req: &Request, body: &Value) -> Vec<usize> {
    let named = body
        .get("org")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| req.param("org"));
    if let Some(n) = named {
        return find_org(st, &n).into_iter().collect();
    }
    if let Some((_, stem)) = classify(&req.host) {
        if let Some(i) = find_org(st, &stem) {
            return vec![i];
        }
    }
    (0..st.orgs.len()).collect()
}

fn control(st: &mut State, req: &Request) -> Response {
    let body = req.json().unwrap_or(Value::Null);
    let r = match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/__sim/health") => {
            Response::json(200, &json!({"ok": true, "simulator": "md-sim"}))
        }
        ("GET", "/__sim/orgs") => {
            let list: Vec<Value> = st
                .orgs
                .iter()
                .map(|o| {
                    json!({"myDomain": o.stem, "orgId": o.id15, "orgId18": o.id18, "scenario": o.scenario.name,
                        "apiHost": o.api_host(), "lightningHost": o.lightning_host(), "siteHost": o.site_host(), "scrtHost": o.scrt_host(),
                        "automatedProcessUserId": o.autoproc_id, "adminUserId": o.admin_id,
                        "deployments": o.scenario.deployments.iter().map(|d| {
                            let prefix = o.site_by_name(&d.site).and_then(|s| s.get("UrlPathPrefix")).and_then(|v| v.as_str()).unwrap_or("");
                            json!({"developerName": d.developer_name, "siteUrl": format!("https://{}/{}", o.site_host(), prefix)})
                        }).collect::<Vec<_>>()})
                })
                .collect();
            Response::json(200, &Value::Array(list))
        }
        ("GET", "/__sim/faults") => {
            let m: serde_json::Map<String, Value> = target_orgs(st, req, &body)
                .into_iter()
                .map(|i| {
                    (
                        st.orgs[i].stem.clone(),
                        serde_json::to_value(&st.orgs[i].faults).unwrap_or(Value::Null),
                    )
                })
                .collect();
            Response::json(200, &Value::Object(m))
        }
        ("POST", "/__sim/faults") => {
            let targets = target_orgs(st, req, &body);
            if targets.is_empty() {
                return Response::json(404, &json!({"error": "no such org"}));
            }
            for i in &targets {
                if let Err(e) = st.orgs[*i].faults.merge(&body) {
                    return Response::json(400, &json!({"error": e}));
                }
            }
            Response::json(
                200,
                &json!({"updated": targets.iter().map(|i| st.orgs[*i].stem.clone()).collect::<Vec<_>>()}),
            )
        }
        ("DELETE", "/__sim/faults") => {
            for i in target_orgs(st, req, &body) {
                st.orgs[i].faults = st.orgs[i].base_faults.clone();
            }
            Response::json(200, &json!({"reset": true}))
        }
        ("GET", "/__sim/stats") => Response::json(
            200,
            &json!({"total": st.stats.total, "byToken": st.stats.by_token, "byOrg": st.stats.by_org}),
        ),
        ("DELETE", "/__sim/stats") | ("POST", "/__sim/stats/reset") => {
            st.stats = Stats::default();
            Response::json(200, &json!({"reset": true}))
        }
        ("GET", "/__sim/token-sightings") => Response::json(200, &sightings::listing(st)),
        ("DELETE", "/__sim/token-sightings") => {
            st.sightings = sightings::Sightings::default();
            Response::json(200, &json!({"reset": true}))
        }
        ("GET", "/__sim/outcomes") => {
            let m: serde_json::Map<String, Value> = target_orgs(st, req, &body)
                .into_iter()
                .map(|i| {
                    (
                        st.orgs[i].stem.clone(),
                        Value::Array(st.orgs[i].outcomes.clone()),
                    )
                })
                .collect();
            Response::json(200, &Value::Object(m))
        }
        _ => Response::json(
            404,
            &json!({"error": "unknown control endpoint", "endpoints": ["/__sim/health", "/__sim/orgs", "/__sim/faults", "/__sim/stats", "/__sim/stats/reset", "/__sim/outcomes", "/__sim/token-sightings", "/__sim/login", "/__sim/logout", "/__sim/expire"]}),
        ),
    };
    r.with_header("Cache-Control", "no-store")
}
