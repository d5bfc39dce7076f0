//! Messaging for Web endpoints on the scrt2 host (`<mydomain>.my.salesforce-scrt.com`).
//! Response bodies are the simulator's own documented shapes (see README), not copies of the
//! real service's.

use crate::http::{Request, Response};
use crate::ids;
use crate::org::{Conversation, Org};
use crate::pipeline;
use crate::scenario::DeploymentSpec;
use crate::time;
use crate::{State, WidgetToken};
use serde_json::{json, Value};

fn err(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &json!({"errorCode": code, "message": message}))
}

/// Whether `origin` may call the org's widget endpoints (scenario CORS allowlist, or the org's
/// own site/lightning hosts).
pub fn origin_allowed(org: &Org, origin: &str) -> bool {
    let o = origin.trim_end_matches('/').to_ascii_lowercase();
    let own = [org.site_host(), org.lightning_host(), org.scrt_host()];
    if own.iter().any(|h| o == format!("https://{h}")) {
        return true;
    }
    let Some(t) = org.table("CorsWhitelistEntry") else {
        return false;
    };
    t.rows.iter().any(|r| {
        let p = r
            .get("UrlPattern")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .trim_end_matches('/')
            .to_ascii_lowercase();
        if p == "*" {
            return true;
        }
        if let Some(rest) = p.split_once("://*.") {
            let (scheme, domain) = rest;
            return o.starts_with(&format!("{scheme}://")) && o.ends_with(&format!(".{domain}"));
        }
        p == o
    })
}

fn with_cors(org: &Org, req: &Request, mut r: Response) -> Response {
    if let Some(origin) = req.header("Origin") {
        if origin_allowed(org, origin) {
            r = r
                .with_header("Access-Control-Allow-Origin", origin)
                .with_header("Vary", "Origin")
                .with_header("Access-Control-Allow-Credentials", "true")
                .with_header("Access-Control-Expose-Headers", "Content-Type");
        }
    }
    r
}

fn deployment<'a>(org: &'a Org, name: &str) -> Option<&'a DeploymentSpec> {
    org.scenario
        .deployments
        .iter()
        .find(|d| d.developer_name == name)
}

fn usable(d: &DeploymentSpec) -> bool {
    d.published && d.is_enabled && d.deployment_feature == "EmbeddedMessaging"
}

fn org_matches(org: &Org, id: Option<&str>) -> bool {
    match id {
        Some(id) => ids::same_id(id, &org.id15) || ids::same_id(id, &org.id18),
        None => false,
    }
}

/// Entry point for the scrt2 host.
pub fn handle(st: &mut State, oi: usize, req: &Request) -> Response {
    let org = &st.orgs[oi];
    if req.method == "OPTIONS" {
        return match req.header("Origin") {
            Some(o) if origin_allowed(org, o) => {
                let asked = req
                    .header("Access-Control-Request-Headers")
                    .unwrap_or("Content-Type, Authorization")
                    .to_string();
                with_cors(org, req, Response::empty(200))
                    .with_header(
                        "Access-Control-Allow-Methods",
                        "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                    )
                    .with_header("Access-Control-Allow-Headers", &asked)
                    .with_header("Access-Control-Max-Age", "600")
            }
            _ => Response::empty(403),
        };
    }
    if org.faults.org_under_maintenance {
        return with_cors(
            org,
            req,
            err(
                423,
                "ORG_UNDER_MAINTENANCE",
                "The org is under maintenance.",
            ),
        );
    }
    let path = req.path.replace("/iamessage/api/v2/", "/iamessage/v1/");
    let r = route(st, oi, req, &path);
    with_cors(&st.orgs[oi], req, r)
}

fn route(st: &mut State, oi: usize, req: &Request, path: &str) -> Response {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["embeddedservice", "v1", "embedded-service-config"]) => config(&st.orgs[oi], req),
        ("GET", ["embeddedservice", "v1", "businesshours"]) => business_hours(&st.orgs[oi], req),
        ("GET", ["embeddedservice", "v2", "agent-availability"])
        | ("GET", ["embeddedservice", "v1", "agent-availability"]) => {
            agent_availability(&st.orgs[oi], req)
        }
        ("POST", ["iamessage", "v1", "authorization", "unauthenticated", "accessToken"]) => {
            access_token(st, oi, req, false)
        }
        ("POST", ["iamessage", "v1", "authorization", "authenticated", "accessToken"]) => {
            access_token(st, oi, req, true)
        }
        ("GET", ["iamessage", "v1", "authorization", "continuityAccessToken"]) => {
            match bearer(st, oi, req) {
                Ok(t) => issue(st, oi, &t.deployment.clone(), &t.subject.clone()),
                Err(r) => r,
            }
        }
        ("POST", ["iamessage", "v1", "device", "registerDeviceCapabilities"]) => {
            match bearer(st, oi, req) {
                Ok(_) => Response::json(200, &json!({})),
                Err(r) => r,
            }
        }
        ("POST", ["iamessage", "v1", "queries", "conversation", "list"]) => {
            match bearer(st, oi, req) {
                Ok(t) => {
                    let list: Vec<Value> = st.orgs[oi]
                    .conversations
                    .values()
                    .filter(|c| c.end_user_subject == t.subject)
                    .map(|c| json!({"conversationId": c.id, "esDeveloperName": c.deployment, "isOpen": true, "startTimestamp": c.created_ms}))
                    .collect();
                    Response::json(
                        200,
                        &json!({"openConversationsFound": list.len(), "conversations": list}),
                    )
                }
                Err(r) => r,
            }
        }
        ("POST", ["iamessage", "v1", "conversation"]) => start_conversation(st, oi, req),
        ("POST", ["iamessage", "v1", "conversation", id, "message"]) => {
            send_message(st, oi, req, id)
        }
        ("GET", ["iamessage", "v1", "conversation", id, "entries"]) => entries(st, oi, req, id),
        ("DELETE", ["iamessage", "v1", "conversation", id]) => match bearer(st, oi, req) {
            Ok(_) => {
                if let Some(c) = st.orgs[oi].conversations.get_mut(*id) {
                    c.events.push((
                        "CONVERSATION_CLOSE_CONVERSATION".into(),
                        json!({"conversationId": id}),
                    ));
                }
                Response::empty(204)
            }
            Err(r) => r,
        },
        ("GET", ["eventrouter", "v1", "sse"]) => sse(st, oi, req),
        _ => err(404, "NOT_FOUND", "The requested resource does not exist"),
    }
}

fn lookup<'a>(org: &'a Org, req: &Request) -> Result<&'a DeploymentSpec, Response> {
    if !org_matches(org, req.param("orgId").as_deref()) {
        return Err(err(
            404,
            "NOT_FOUND",
            "Embedded service configuration not found for this org.",
        ));
    }
    let name = req.param("esConfigName").unwrap_or_default();
    match deployment(org, &name) {
        Some(d) if usable(d) => Ok(d),
        _ => Err(err(
            404,
            "NOT_FOUND",
            &format!("Embedded service configuration '{name}' not found or not published."),
        )),
    }
}

fn config(org: &Org, req: &Request) -> Response {
    let d = match lookup(org, req) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let channel = org.table("MessagingChannel").and_then(|t| {
        t.rows
            .iter()
            .find(|r| r.get("DeveloperName").and_then(|v| v.as_str()) == Some(d.channel.as_str()))
    });
    let site = org.site_by_name(&d.site);
    let prefix = site
        .and_then(|s| s.get("UrlPathPrefix"))
        .and_then(|v| v.as_str())
        .unwrap_or("");
    Response::json(
        200,
        &json!({
            "name": d.developer_name,
            "label": d.master_label,
            "deploymentId": d.id,
            "orgId": org.id15,
            "deploymentType": "WEB",
            "language": req.param("language").unwrap_or_else(|| d.language.clone()),
            "siteUrl": format!("https://{}/{}", org.site_host(), prefix),
            "scrt2Url": format!("https://{}", org.scrt_host()),
            "embeddedServiceMessagingChannel": {
                "channelDeveloperName": d.channel,
                "channelAddressIdentifier": channel.and_then(|c| c.get("MessagingPlatformKey")).cloned(),
                "authMode": if d.auth_mode == "Auth" { "Auth" } else { "UnAuth" },
                "isBusinessHoursEnabled": d.business_hours.is_some(),
                "businessHoursName": d.business_hours.as_ref().map(|b| b.name.clone())
            },
            "isAgentAvailabilityCheckEnabled": d.agent_availability_check,
            "forms": [],
            "embeddedServiceBranding": [],
            "customLabels": [],
            "simulator": true
        }),
    )
}

fn business_hours(org: &Org, req: &Request) -> Response {
    let d = match lookup(org, req) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(bh) = &d.business_hours else {
        return Response::empty(204);
    };
    let now = time::now_ms();
    let (start, end) = if bh.open {
        (now - 3_600_000, now + 8 * 3_600_000)
    } else {
        (now + 12 * 3_600_000, now + 20 * 3_600_000)
    };
    Response::json(
        200,
        &json!({"businessHoursInfo": {"name": bh.name, "isActive": bh.open, "businessHours": [{"startTime": start, "endTime": end}]}}),
    )
}

fn agent_availability(org: &Org, req: &Request) -> Response {
    let d = match lookup(org, req) {
        Ok(d) => d,
        Err(r) => return r,
    };
    Response::json(
        200,
        &json!({"isAgentAvailable": d.agents_available, "esDeveloperName": d.developer_name}),
    )
}

fn make_jwt(org: &Org, deployment: &str, subject: &str) -> String {
    let now = time::now_ms() / 1000;
    let header = json!({"kid": "md-sim", "typ": "JWT", "alg": "RS256"});
    let payload = json!({"iss": "md-sim", "sub": subject, "orgId": org.id15, "esDeveloperName": deployment,
        "aud": "iamessage", "iat": now, "exp": now + 6 * 3600, "jti": ids::uuid(), "simulator": true});
    format!(
        "{}.{}.{}",
        ids::b64url(header.to_string().as_bytes()),
        ids::b64url(payload.to_string().as_bytes()),
        ids::random_b64(64)
    )
}

fn issue(st: &mut State, oi: usize, deployment: &str, subject: &str) -> Response {
    let token = make_jwt(&st.orgs[oi], deployment, subject);
    st.widget_tokens.insert(
        token.clone(),
        WidgetToken {
            org: oi,
            deployment: deployment.to_string(),
            subject: subject.to_string(),
        },
    );
    Response::json(
        200,
        &json!({
            "accessToken": token,
            "lastEventId": "0",
            "context": {"endUser": {"subject": subject, "role": "EndUser"}, "deviceId": ids::uuid(), "configuration": {"esDeveloperName": deployment}},
            "simulator": {"suggestedConversationId": ids::uuid()}
        }),
    )
}

fn access_token(st: &mut State, oi: usize, req: &Request, authenticated: bool) -> Response {
    let body = req.json().unwrap_or(Value::Null);
    let org = &st.orgs[oi];
    if !org_matches(org, body.get("orgId").and_then(|v| v.as_str())) {
        return err(
            400,
            "INVALID_ORG_ID",
            "The org id does not match this host.",
        );
    }
    let name = body
        .get("esDeveloperName")
        .or_else(|| body.get("developerName"))
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let Some(d) = deployment(org, &name).filter(|d| usable(d)) else {
        return err(
            400,
            "INVALID_DEPLOYMENT",
            &format!("Deployment '{name}' is not available."),
        );
    };
    if authenticated {
        if d.auth_mode != "Auth"
            || body
                .get("customerIdentityToken")
                .and_then(|v| v.as_str())
                .map(|s| s.is_empty())
                .unwrap_or(true)
        {
            return err(
                401,
                "UNAUTHORIZED",
                "A valid customer identity token is required.",
            );
        }
    } else if d.auth_mode == "Auth" {
        // Messaging for Web decides visitor verification on the deployment/channel (auth mode);
        // `AreGuestUsersAllowed` defaults to false and does not stop guests (CONTRACT.md
        // `M-GUEST-ACCESS`), so it is not a refusal here either.
        return err(
            401,
            "UNAUTHORIZED",
            "Unauthenticated access is not allowed for this deployment.",
        );
    }
    let subject = format!(
        "v2/iamessage/{}/{}/uid:{}",
        if authenticated { "AUTH" } else { "UNAUTH" },
        name,
        ids::uuid()
    );
    issue(st, oi, &name, &subject)
}

fn bearer(st: &State, oi: usize, req: &Request) -> Result<WidgetToken, Response> {
    let tok = req
        .header("Authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim);
    match tok.and_then(|t| st.widget_tokens.get(t)) {
        Some(t) if t.org == oi => Ok(t.clone()),
        _ => Err(err(401, "UNAUTHORIZED", "Invalid or missing access token.")),
    }
}

fn start_conversation(st: &mut State, oi: usize, req: &Request) -> Response {
    let tok = match bearer(st, oi, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let body = req.json().unwrap_or(Value::Null);
    let Some(cid) = body
        .get("conversationId")
        .and_then(|v| v.as_str())
        .map(str::to_string)
    else {
        return err(400, "INVALID_REQUEST", "conversationId is required.");
    };
    let org = &mut st.orgs[oi];
    if org.conversations.contains_key(&cid) {
        return err(
            409,
            "CONFLICT",
            "Attempting to create new conversation multiple times!",
        );
    }
    let (ok, session) = run_insert(org, &tok.deployment, &tok.subject, &cid, &body);
    let mut conv = Conversation {
        id: cid.clone(),
        deployment: tok.deployment.clone(),
        end_user_subject: tok.subject.clone(),
        session_id: session.clone(),
        insert_ok: ok,
        messages: vec![],
        events: vec![],
        created_ms: time::now_ms(),
    };
    if ok {
        conv.events.push((
            "CONVERSATION_ROUTING_RESULT".into(),
            json!({"conversationId": cid, "routingType": "Initial", "failureType": "None", "messagingSessionId": session}),
        ));
        conv.events.push(("CONVERSATION_PARTICIPANT_CHANGED".into(), json!({"conversationId": cid, "entries": [{"operation": "add", "participant": {"role": "System"}}]})));
    }
    org.conversations.insert(cid.clone(), conv);
    Response::json(201, &json!({"conversationId": cid}))
}

/// The automated insert behind a new conversation: MessagingEndUser (found or created) and
/// MessagingSession, as the Automated Process user. Returns (ok, session id).
fn run_insert(
    org: &mut Org,
    deployment_name: &str,
    subject: &str,
    cid: &str,
    body: &Value,
) -> (bool, Option<String>) {
    let Some(d) = org
        .scenario
        .deployments
        .iter()
        .find(|d| d.developer_name == deployment_name)
        .cloned()
    else {
        return (false, None);
    };
    let user = org.autoproc_id.clone();
    let channel = org
        .table("MessagingChannel")
        .and_then(|t| {
            t.rows.iter().find(|r| {
                r.get("DeveloperName").and_then(|v| v.as_str()) == Some(d.channel.as_str())
            })
        })
        .cloned();
    let record = |ok: bool, stage: &str, msg: &str| json!({"ok": ok, "object": "MessagingSession", "recordId": null, "stage": stage, "cause": msg, "errors": [], "source": "widget", "conversationId": cid, "at": time::format_sf(time::now_ms())});
    let Some(channel) = channel else {
        org.outcomes.push(record(
            false,
            "channel",
            "deployment has no messaging channel",
        ));
        return (false, None);
    };
    if channel.get("IsActive").and_then(|v| v.as_bool()) != Some(true) {
        org.outcomes.push(record(
            false,
            "channel",
            "messaging channel inactive: no session is created",
        ));
        return (false, None);
    }
    let channel_id = channel.get("Id").cloned().unwrap_or(Value::Null);
    let existing = org.table("MessagingEndUser").and_then(|t| {
        t.rows
            .iter()
            .find(|r| r.get("MessagingPlatformKey").and_then(|v| v.as_str()) == Some(subject))
            .and_then(|r| r.get("Id").cloned())
    });
    let end_user = match existing {
        Some(id) => id,
        None => {
            let short: String = subject.chars().rev().take(6).collect();
            let mut row = crate::org::Row::new();
            row.insert("Name".into(), json!(format!("Guest {short}")));
            row.insert("MessagingChannelId".into(), channel_id.clone());
            row.insert("MessagingPlatformKey".into(), json!(subject));
            row.insert("MessageType".into(), json!("EmbeddedMessaging"));
            row.insert("OwnerId".into(), json!(user));
            let out = pipeline::insert(org, "MessagingEndUser", row, &user, "widget");
            match out.record_id {
                Some(id) if out.ok => json!(id),
                _ => {
                    if let Some(last) = org.outcomes.last_mut() {
                        last["conversationId"] = json!(cid);
                    }
                    return (false, None);
                }
            }
        }
    };
    let mut row = crate::org::Row::new();
    row.insert("MessagingChannelId".into(), channel_id);
    row.insert("MessagingEndUserId".into(), end_user);
    row.insert("Origin".into(), json!("InboundInitiated"));
    row.insert("Status".into(), json!("Waiting"));
    row.insert("ChannelType".into(), json!("EmbeddedMessaging"));
    row.insert(
        "OwnerId".into(),
        channel
            .get("TargetQueueId")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(json!(user)),
    );
    row.insert("StartTime".into(), json!(time::format_sf(time::now_ms())));
    row.insert(
        "ChannelName".into(),
        channel.get("MasterLabel").cloned().unwrap_or(Value::Null),
    );
    row.insert(
        "ChannelKey".into(),
        channel
            .get("MessagingPlatformKey")
            .cloned()
            .unwrap_or(Value::Null),
    );
    row.insert(
        "EndUserLanguage".into(),
        body.get("language").cloned().unwrap_or(json!(d.language)),
    );
    row.insert("SessionKey".into(), json!(cid));
    // Hidden pre-chat fields map onto MessagingSession fields of the same name.
    if let Some(attrs) = body.get("routingAttributes").and_then(|v| v.as_object()) {
        let known: Vec<String> = org
            .fields_of("MessagingSession")
            .map(|d| d.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default();
        for (k, v) in attrs {
            if known.iter().any(|f| f == k) {
                row.insert(k.clone(), v.clone());
            }
        }
    }
    let out = pipeline::insert(org, "MessagingSession", row, &user, "widget");
    if let Some(last) = org.outcomes.last_mut() {
        last["conversationId"] = json!(cid);
    }
    (out.ok, out.record_id)
}

fn send_message(st: &mut State, oi: usize, req: &Request, id: &str) -> Response {
    let tok = match bearer(st, oi, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let body = req.json().unwrap_or(Value::Null);
    let Some(conv) = st.orgs[oi]
        .conversations
        .get_mut(id)
        .filter(|c| c.end_user_subject == tok.subject)
    else {
        return err(404, "NOT_FOUND", "Conversation not found.");
    };
    let mid = body
        .pointer("/message/id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_else(ids::uuid);
    let text = body
        .pointer("/message/staticContent/text")
        .cloned()
        .unwrap_or(Value::Null);
    let ok = conv.insert_ok;
    conv.messages
        .push(json!({"id": mid, "text": text, "delivered": ok, "at": time::now_ms()}));
    if !ok {
        return err(
            400,
            "MESSAGING_SESSION_UNAVAILABLE",
            "The message could not be delivered: the conversation has no messaging session (simulator).",
        );
    }
    conv.events.push((
        "CONVERSATION_MESSAGE".into(),
        json!({"conversationId": id, "conversationEntry": {"entryType": "Message", "identifier": mid, "sender": {"role": "EndUser"}, "entryPayload": {"abstractMessage": {"staticContent": {"text": text}}}}}),
    ));
    Response::json(202, &json!({"id": mid, "conversationId": id}))
}

fn entries(st: &mut State, oi: usize, req: &Request, id: &str) -> Response {
    let tok = match bearer(st, oi, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(conv) = st.orgs[oi]
        .conversations
        .get(id)
        .filter(|c| c.end_user_subject == tok.subject)
    else {
        return err(404, "NOT_FOUND", "Conversation not found.");
    };
    let mut list: Vec<Value> = Vec::new();
    if conv.insert_ok {
        list.push(json!({"entryType": "RoutingResult", "sender": {"role": "System"}, "entryPayload": {"routingType": "Initial", "failureType": "None"}}));
    }
    for m in &conv.messages {
        list.push(json!({"entryType": "Message", "identifier": m["id"], "sender": {"role": "EndUser"},
            "entryPayload": {"abstractMessage": {"staticContent": {"text": m["text"]}}},
            "deliveryStatus": if m["delivered"] == json!(true) { "Sent" } else { "Failed" }, "clientTimestamp": m["at"]}));
    }
    Response::json(200, &json!({"conversationEntries": list}))
}

fn sse(st: &mut State, oi: usize, req: &Request) -> Response {
    let tok = match bearer(st, oi, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let org = &st.orgs[oi];
    if !org_matches(org, req.header("X-Org-Id")) {
        return err(400, "INVALID_ORG_ID", "X-Org-Id header missing or wrong.");
    }
    let mut r = Response::text(200, "text/event-stream", Vec::new());
    r.headers.push(("Cache-Control".into(), "no-cache".into()));
    r.sse = Some(crate::http::SseSpec {
        org: oi,
        subject: tok.subject,
    });
    r
}

/// Events queued for `subject`'s conversations, as SSE text, from `cursor` on; advances it.
pub fn sse_drain(
    org: &Org,
    subject: &str,
    cursor: &mut std::collections::HashMap<String, usize>,
) -> String {
    let mut out = String::new();
    let mut convs: Vec<&Conversation> = org
        .conversations
        .values()
        .filter(|c| c.end_user_subject == subject)
        .collect();
    convs.sort_by_key(|c| c.created_ms);
    for c in convs {
        let from = cursor.get(&c.id).copied().unwrap_or(0);
        for (i, (event, data)) in c.events.iter().enumerate().skip(from) {
            out.push_str(&format!(
                "id: {}-{}\nevent: {event}\ndata: {}\n\n",
                c.id,
                i + 1,
                data
            ));
        }
        cursor.insert(c.id.clone(), c.events.len());
    }
    out
}
