//! Tests of the live capture's state machine: request builders, the decoding of each step's
//! answers, the existing-trace-flag case, refused writes, lost answers, cancel, time-out, and
//! that the state survives a JSON round trip (as it does through storage.session) at every
//! step. A small scripted org answers the requests.

use super::plan::*;
use super::time;
use crate::org::api::{ApiExchange, ApiRequest};
use serde_json::{json, Value};
use std::path::PathBuf;

const T0: i64 = 1_760_000_000_000; // 2025-10-09T08:53:20Z
const AUTO: &str = "005000000000AutAAA";
const GUEST: &str = "005000000000GstAAA";
const DL: &str = "7dl000000000001AAA";
const TF: &str = "7tf000000000001AAA";
const TF_OLD: &str = "7tf000000000OldAAA";
const LOG1: &str = "07L000000000001AAA";
const LOG2: &str = "07L000000000002AAA";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/logs/{name}.log")),
    )
    .unwrap()
}

fn input(deployments: &[&str]) -> CaptureInput {
    CaptureInput {
        api_host: "acme.my.salesforce.com".into(),
        org_id: Some("00D8c000001Val3".into()),
        deployments: deployments.iter().map(|s| s.to_string()).collect(),
        now_ms: T0,
        minutes: None,
    }
}

/// A scripted org: answers by request, records what was sent.
struct Org {
    sent: Vec<ApiRequest>,
    existing_flag: bool,
    guest_site: bool,
    /// Status for a write (method, object) → answer.
    refuse: Option<(&'static str, &'static str, u16, &'static str)>,
    /// Writes whose answer is lost (status 0) though the org did them.
    lose: Option<(&'static str, &'static str)>,
    /// Writes done, answered 2xx with an unreadable body.
    garble: Option<(&'static str, &'static str)>,
    /// Debug-level categories this org's API version lacks (INVALID_FIELD on create).
    lacks: Vec<&'static str>,
    /// Debug levels an earlier capture left: (id, name); their trace flags are in `flags`.
    leftovers: Vec<(&'static str, String)>,
    /// Users of type AutomatedProcess, beyond the platform's own.
    extra_auto_users: Vec<Value>,
    /// Logs that appear at the n-th poll: (id, operation, body).
    logs: Vec<(usize, &'static str, &'static str, String)>,
    polls: usize,
    /// Records in the org after each write.
    debug_levels: Vec<String>,
    flags: Vec<(String, String, String)>, // id, user, debug level
}

impl Org {
    fn new() -> Org {
        Org {
            sent: Vec::new(),
            existing_flag: false,
            guest_site: false,
            refuse: None,
            lose: None,
            garble: None,
            lacks: Vec::new(),
            leftovers: Vec::new(),
            extra_auto_users: Vec::new(),
            logs: Vec::new(),
            polls: 0,
            debug_levels: Vec::new(),
            flags: Vec::new(),
        }
    }

    fn object_of(path: &str) -> &str {
        path.split("/sobjects/")
            .nth(1)
            .and_then(|p| p.split('/').next())
            .unwrap_or("")
    }

    fn respond(&mut self, r: &ApiRequest) -> ApiExchange {
        self.sent.push(r.clone());
        assert!(r.path.starts_with("/services/data/v65.0/"), "{}", r.path);
        let obj = Self::object_of(&r.path).to_string();
        let (status, body) = self.answer(r, &obj);
        let lost = self.lose.is_some_and(|(m, o)| m == r.method && o == obj);
        let garbled = self.garble.is_some_and(|(m, o)| m == r.method && o == obj);
        let body = if garbled {
            format!("{}\"trunc", &body[..body.len() / 2])
        } else {
            body
        };
        ApiExchange {
            request: r.clone(),
            status: if lost { 0 } else { status },
            body: if lost { String::new() } else { body },
            error: lost.then(|| "no answer within 30 s".into()),
            ms: Some(5),
        }
    }

    fn answer(&mut self, r: &ApiRequest, obj: &str) -> (u16, String) {
        if let Some((m, o, status, code)) = self.refuse {
            if m == r.method && o == obj {
                return (
                    status,
                    json!([{"errorCode": code, "message": "insufficient access rights on object id"}]).to_string(),
                );
            }
        }
        let q = |records: Vec<Value>| {
            (
                200,
                json!({"done": true, "totalSize": records.len(), "records": records}).to_string(),
            )
        };
        match (r.method.as_str(), obj) {
            ("POST", "") if r.path.ends_with("/composite") && !r.path.contains("/tooling/") => {
                let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                let subs: Vec<Value> = body["compositeRequest"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        let reference = s["referenceId"].as_str().unwrap();
                        let records = match reference {
                            "automatedUser" => {
                                let mut v = self.extra_auto_users.clone();
                                v.push(json!({"Id": AUTO, "Name": "Automated Process", "Alias": "autoproc", "IsActive": true, "UserType": "AutomatedProcess"}));
                                v
                            }
                            "guestSites" if self.guest_site => vec![json!({"Id": "0DM000000000001AAA", "Name": "ESW_Web_Chat_1", "GuestUserId": GUEST, "GuestUser": {"Name": "Web Chat Site Guest User", "IsActive": true}})],
                            "captureDeployments" => vec![json!({"Id": "0Hs000000000001AAA", "DeveloperName": "Web_Chat", "Site": "ESW_Web_Chat_1", "AreGuestUsersAllowed": true})],
                            _ => vec![],
                        };
                        json!({"referenceId": reference, "httpStatusCode": 200, "body": {"done": true, "records": records}})
                    })
                    .collect();
                (200, json!({"compositeResponse": subs}).to_string())
            }
            ("POST", "") if r.path.ends_with("/tooling/composite") => {
                let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                let subs: Vec<Value> = body["compositeRequest"].as_array().unwrap().iter().map(|s| {
                    let reference = s["referenceId"].as_str().unwrap();
                    let records = match reference {
                        "captureDeployments" => vec![json!({"Id": "0Hs000000000001AAA", "DeveloperName": "Web_Chat"})],
                        "captureLeftovers" => self.debug_levels.iter().map(|d| {
                            let name = self.leftovers.iter().find(|l| l.0 == d).map(|l| l.1.clone())
                                .unwrap_or_else(|| format!("MessagingDoctor_{T0}"));
                            json!({"Id": d, "DeveloperName": name})
                        }).collect(),
                        _ => vec![],
                    };
                    json!({"referenceId": reference, "httpStatusCode": 200, "body": {"done": true, "records": records}})
                }).collect();
                (200, json!({"compositeResponse": subs}).to_string())
            }
            ("GET", "") if r.path.contains("FROM+TraceFlag") && r.id == "capture-flags" => {
                if self.existing_flag {
                    q(vec![
                        json!({"Id": TF_OLD, "TracedEntityId": AUTO, "DebugLevelId": "7dl000000000OldAAA", "LogType": "USER_DEBUG",
                        "StartDate": time::field_datetime(T0 - 600_000), "ExpirationDate": time::field_datetime(T0 + 300_000)}),
                    ])
                } else {
                    q(vec![])
                }
            }
            ("GET", "EmbeddedServiceConfig") => {
                assert!(
                    r.path.contains("?fields=Id,FullName,Metadata"),
                    "{}",
                    r.path
                );
                (200, json!({"Id": "0Hs000000000001AAA", "FullName": "Web_Chat", "Metadata": {"site": "ESW_Web_Chat_1"}}).to_string())
            }
            ("GET", "") if r.path.contains("FROM+TraceFlag") => {
                // The clean-up's sweep (flags that use our debug level), or flags on the
                // levels an earlier capture left.
                let wanted: Vec<String> = if r.id == "capture-leftover-flags" {
                    self.leftovers.iter().map(|l| l.0.to_string()).collect()
                } else {
                    vec![DL.to_string()]
                };
                let rows = self
                    .flags
                    .iter()
                    .filter(|(_, _, d)| wanted.contains(d))
                    .map(|(id, u, _)| json!({"Id": id, "TracedEntityId": u}))
                    .collect();
                q(rows)
            }
            ("GET", "") if r.path.contains("FROM+DebugLevel") => q(self
                .debug_levels
                .iter()
                .map(|id| json!({"Id": id}))
                .collect()),
            ("GET", "") if r.path.contains("FROM+ApexLog") => {
                if r.id.starts_with("capture-poll") {
                    self.polls += 1;
                }
                let rows = self
                    .logs
                    .iter()
                    .filter(|(n, ..)| {
                        r.id == "capture-baseline" && *n == 0
                            || r.id.starts_with("capture-poll") && *n <= self.polls && *n > 0
                    })
                    .map(|(_, id, op, body)| {
                        json!({"Id": id, "LogUserId": AUTO, "Operation": op, "Status": "Success",
                        "LogLength": body.len(), "StartTime": "2025-10-09T08:54:00.000+0000"})
                    })
                    .collect();
                q(rows)
            }
            ("GET", "ApexLog") => {
                let id = r.path.split('/').rev().nth(1).unwrap();
                match self.logs.iter().find(|l| l.1 == id) {
                    Some(l) => (200, l.3.clone()),
                    None => (
                        404,
                        json!([{"errorCode": "NOT_FOUND", "message": "nope"}]).to_string(),
                    ),
                }
            }
            ("POST", "DebugLevel") => {
                let b: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                if let Some(k) = self.lacks.iter().find(|k| b.get(**k).is_some()) {
                    return (400, json!([{"errorCode": "INVALID_FIELD", "message": format!("No such column '{k}' on sobject of type DebugLevel")}]).to_string());
                }
                if self.debug_levels.iter().any(|d| d == DL) {
                    return (400, json!([{"errorCode": "DUPLICATE_DEVELOPER_NAME", "message": "This DebugLevel already exists or has been previously used.  Please choose a different name."}]).to_string());
                }
                self.debug_levels.push(DL.into());
                (
                    201,
                    json!({"id": DL, "success": true, "errors": []}).to_string(),
                )
            }
            ("POST", "TraceFlag") => {
                let b: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                let id = if self.flags.is_empty() {
                    TF.to_string()
                } else {
                    "7tf000000000002AAA".to_string()
                };
                self.flags.push((
                    id.clone(),
                    b["TracedEntityId"].as_str().unwrap().into(),
                    b["DebugLevelId"].as_str().unwrap().into(),
                ));
                (
                    201,
                    json!({"id": id, "success": true, "errors": []}).to_string(),
                )
            }
            ("PATCH", "TraceFlag") => (204, String::new()),
            ("DELETE", "TraceFlag") => {
                let id = r.path.rsplit('/').next().unwrap();
                let before = self.flags.len();
                self.flags.retain(|f| f.0 != id);
                if before == self.flags.len() {
                    (404, "[]".into())
                } else {
                    (204, String::new())
                }
            }
            ("DELETE", "DebugLevel") => {
                let id = r.path.rsplit('/').next().unwrap().to_string();
                if self.flags.iter().any(|f| f.2 == id) {
                    return (400, json!([{"errorCode": "DELETE_FAILED", "message": "in use by a trace flag"}]).to_string());
                }
                if !self.debug_levels.contains(&id) {
                    return (
                        404,
                        json!([{"errorCode": "NOT_FOUND", "message": "nope"}]).to_string(),
                    );
                }
                self.debug_levels.retain(|d| *d != id);
                (204, String::new())
            }
            other => panic!("unexpected request {other:?}: {r:#?}"),
        }
    }
}

/// JSON round trip, as the state takes through storage.session and the Wasm boundary.
fn round_trip(s: CaptureStep) -> CaptureStep {
    let text = serde_json::to_string(&s).unwrap();
    let back: CaptureStep = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    back
}

/// Runs the capture: answers every request; while waiting, ticks (at most `ticks` times);
/// `cancel_at_tick` cancels instead of that tick. Returns the last step.
fn drive(
    org: &mut Org,
    mut s: CaptureStep,
    ticks: usize,
    cancel_at_tick: Option<usize>,
) -> CaptureStep {
    let mut now = T0;
    let mut tick = 0;
    for _ in 0..200 {
        s = round_trip(s);
        if s.done {
            return s;
        }
        now += 2_000;
        if !s.requests.is_empty() {
            let exchanges = s.requests.iter().map(|r| org.respond(r)).collect();
            s = step(
                s.state,
                CaptureEvent::Answers {
                    exchanges,
                    now_ms: now,
                },
            );
            continue;
        }
        assert!(s.waiting, "no requests and not waiting: {s:#?}");
        tick += 1;
        if Some(tick) == cancel_at_tick {
            s = step(
                s.state,
                CaptureEvent::Cancel {
                    now_ms: now,
                    reason: None,
                },
            );
            continue;
        }
        if tick > ticks {
            return s;
        }
        s = step(s.state, CaptureEvent::Tick { now_ms: now });
    }
    panic!("the capture did not end: {s:#?}");
}

fn writes(org: &Org) -> Vec<String> {
    org.sent
        .iter()
        .filter(|r| r.method != "GET" && !r.path.ends_with("composite"))
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path
                    .trim_start_matches("/services/data/v65.0/tooling/sobjects/")
            )
        })
        .collect()
}

#[test]
fn request_builders_are_read_only_until_consented_writes_and_stay_under_the_api() {
    let first = begin(&input(&[]));
    // The users (REST composite) and an earlier capture's leftovers (Tooling composite).
    assert_eq!(first.requests.len(), 2, "{:#?}", first.requests);
    assert!(first.requests[1]
        .body
        .as_deref()
        .unwrap()
        .contains("MessagingDoctor%25"));
    let r = &first.requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/services/data/v65.0/composite")
    );
    assert!(r.id.starts_with("capture-users-"));
    assert!(
        r.body
            .as_deref()
            .unwrap()
            .contains("UserType+%3D+%27AutomatedProcess%27"),
        "{:?}",
        r.body
    );
    assert!(r.body.as_deref().unwrap().contains("\"GET\""));
    assert_eq!(first.phase, Phase::FindUsers);
    assert!(!first.waiting && !first.done);
    assert!(first.state.debug_level_name.starts_with("MessagingDoctor_"));
    // With the page's deployment: its site's guest user is looked up too (REST + Tooling).
    let with = begin(&input(&["Web_Chat", "bad'name"]));
    assert_eq!(with.requests.len(), 2);
    assert!(
        !with.requests[1]
            .body
            .as_deref()
            .unwrap()
            .contains("Site%2C"),
        "Site is not a Tooling field of EmbeddedServiceConfig"
    );
    let tooling = with
        .requests
        .iter()
        .find(|r| r.path.ends_with("/tooling/composite"))
        .unwrap();
    assert!(tooling.body.as_deref().unwrap().contains("Web_Chat"));
    assert!(
        !tooling.body.as_deref().unwrap().contains("bad"),
        "unsafe name went into SOQL"
    );

    let dl = create_debug_level_request("MessagingDoctor_1", T0, &[]);
    let body: Value = serde_json::from_str(dl.body.as_deref().unwrap()).unwrap();
    assert_eq!(dl.path, "/services/data/v65.0/tooling/sobjects/DebugLevel");
    for (k, v) in [
        ("ApexCode", "FINEST"),
        ("Validation", "INFO"),
        ("Workflow", "FINER"),
        ("Database", "INFO"),
        ("System", "DEBUG"),
        ("Callout", "NONE"),
    ] {
        assert_eq!(body[k], v, "{k}");
    }
    assert_eq!(body["DeveloperName"], "MessagingDoctor_1");

    let tf = create_trace_flag_request(0, AUTO, DL, T0 - CLOCK_SLACK_MS, T0 + 30 * 60_000);
    let b: Value = serde_json::from_str(tf.body.as_deref().unwrap()).unwrap();
    assert_eq!(b["LogType"], "USER_DEBUG");
    assert_eq!(b["TracedEntityId"], AUTO);
    let start = time::parse(b["StartDate"].as_str().unwrap()).unwrap();
    let end = time::parse(b["ExpirationDate"].as_str().unwrap()).unwrap();
    assert!(end - start <= 31 * 60_000 && end > start);

    let poll = log_query_request("capture-poll-1", &[AUTO, GUEST], T0);
    assert!(poll.path.starts_with("/services/data/v65.0/query?q=SELECT+Id%2C+LogUserId%2C+Operation%2C+Status%2C+LogLength%2C+StartTime+FROM+ApexLog"), "{}", poll.path);
    assert!(
        poll.path
            .contains("LogUserId+IN+%28%27005000000000AutAAA%27%2C%27005000000000GstAAA%27%29"),
        "{}",
        poll.path
    );
    assert!(
        poll.path
            .contains("StartTime+%3E%3D+2025-10-09T08%3A53%3A20Z"),
        "{}",
        poll.path
    );

    let body = log_body_request(LOG1);
    assert_eq!(
        body.path,
        format!("/services/data/v65.0/sobjects/ApexLog/{LOG1}/Body")
    );
    assert!(body.accept.as_deref().unwrap().starts_with("text/plain"));

    // Minutes are capped at 30 whatever the caller asks.
    let mut long = input(&[]);
    long.minutes = Some(600);
    let s = begin(&long);
    assert_eq!(s.state.expires_ms - s.state.started_ms, 30 * 60_000);
}

#[test]
fn a_failing_chat_is_captured_named_linked_and_everything_removed() {
    let mut org = Org::new();
    org.logs.push((
        1,
        LOG1,
        "MessagingSession Insert (widget)",
        fixture("validation-rule-sim"),
    ));
    let end = drive(&mut org, begin(&input(&[])), 5, None);
    assert!(end.done);
    let f = end.finding.as_ref().unwrap();
    assert_eq!(f.code, "capture/validation-rule");
    assert!(f.title.contains("Require_Case_Reason"), "{}", f.title);
    assert_eq!(
        end.static_code.as_deref(),
        Some("org/validation-rule-blocks")
    );
    assert!(f
        .evidence
        .iter()
        .any(|e| e.label == "Confirms the org check"
            && e.value.starts_with("org/validation-rule-blocks")));
    assert!(f
        .evidence
        .iter()
        .any(|e| e.label == "Debug log" && e.value.starts_with(LOG1)));
    assert!(f
        .evidence
        .iter()
        .any(|e| e.label == "Formula" && e.value.contains("ISPICKVAL")));
    let link = f.link.as_ref().unwrap();
    assert_eq!(link.url, "https://acme.lightning.force.com/lightning/setup/ObjectManager/MessagingSession/ValidationRules/03d8c000000CaseRAA/view");
    assert_eq!(
        writes(&org),
        vec![
            "POST DebugLevel".to_string(),
            "POST TraceFlag".into(),
            format!("DELETE TraceFlag/{TF}"),
            format!("DELETE DebugLevel/{DL}"),
        ]
    );
    assert!(org.flags.is_empty() && org.debug_levels.is_empty());
    let c = end.cleanup.as_ref().unwrap();
    assert_eq!(c.code, "capture/cleaned-up");
    assert!(c.evidence.iter().any(|e| e.value.contains(TF)), "{c:#?}");
    // Trace flag on the Automated Process user only (no deployment given).
    let tf = org
        .sent
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("TraceFlag"))
        .unwrap();
    assert!(tf.body.as_deref().unwrap().contains(AUTO));
}

#[test]
fn every_fixture_cause_maps_to_its_code_and_static_check() {
    for (fixture_name, code, static_code) in [
        (
            "validation-rule",
            "capture/validation-rule",
            Some("org/validation-rule-blocks"),
        ),
        (
            "required-field",
            "capture/required-field",
            Some("org/required-field"),
        ),
        (
            "flow-custom-error",
            "capture/flow-custom-error",
            Some("org/flow-blocks"),
        ),
        ("flow-fault", "capture/flow-fault", Some("org/flow-blocks")),
        (
            "trigger-adderror",
            "capture/trigger-adderror",
            Some("org/trigger-blocks"),
        ),
        (
            "trigger-exception",
            "capture/trigger-exception",
            Some("org/trigger-blocks"),
        ),
        (
            "storage-limit",
            "capture/storage-limit",
            Some("org/storage-full"),
        ),
        ("success", "capture/insert-ok", None),
    ] {
        let mut org = Org::new();
        org.logs
            .push((1, LOG1, "MessagingSession Insert", fixture(fixture_name)));
        let end = drive(&mut org, begin(&input(&[])), 5, None);
        let f = end.finding.as_ref().unwrap();
        assert_eq!(f.code, code, "{fixture_name}: {f:#?}");
        assert_eq!(end.static_code.as_deref(), static_code, "{fixture_name}");
        assert!(
            f.link
                .as_ref()
                .unwrap()
                .url
                .starts_with("https://acme.lightning.force.com/lightning/setup/"),
            "{fixture_name}"
        );
        assert_eq!(
            end.cleanup.as_ref().unwrap().code,
            "capture/cleaned-up",
            "{fixture_name}"
        );
        assert!(
            org.flags.is_empty() && org.debug_levels.is_empty(),
            "{fixture_name}"
        );
    }
}

#[test]
fn an_existing_trace_flag_is_extended_then_restored_not_duplicated() {
    let mut org = Org::new();
    org.existing_flag = true;
    org.logs.push((
        1,
        LOG1,
        "MessagingSession Insert",
        fixture("trigger-adderror"),
    ));
    let end = drive(&mut org, begin(&input(&[])), 5, None);
    assert_eq!(
        end.finding.as_ref().unwrap().code,
        "capture/trigger-adderror"
    );
    assert_eq!(
        writes(&org),
        vec![
            "POST DebugLevel".to_string(),
            format!("PATCH TraceFlag/{TF_OLD}"),
            format!("PATCH TraceFlag/{TF_OLD}"),
            format!("DELETE DebugLevel/{DL}"),
        ],
        "no second trace flag created, none deleted"
    );
    let patches: Vec<Value> = org
        .sent
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap())
        .collect();
    // Extended: our level, running until our window ends (it would have expired in 5 min).
    assert_eq!(patches[0]["DebugLevelId"], DL);
    assert_eq!(
        time::parse(patches[0]["ExpirationDate"].as_str().unwrap()),
        Some(T0 + 30 * 60_000)
    );
    assert!(
        patches[0].get("StartDate").is_none(),
        "it had started already"
    );
    // Restored: exactly the old values.
    assert_eq!(patches[1]["DebugLevelId"], "7dl000000000OldAAA");
    assert_eq!(
        patches[1]["ExpirationDate"],
        time::field_datetime(T0 + 300_000)
    );
    assert_eq!(patches[1]["StartDate"], time::field_datetime(T0 - 600_000));
    let c = end.cleanup.unwrap();
    assert_eq!(c.code, "capture/cleaned-up");
    assert!(
        c.evidence
            .iter()
            .any(|e| e.value.contains("back as it was")),
        "{c:#?}"
    );
}

#[test]
fn a_refused_debug_level_write_is_explained_and_leaves_nothing() {
    let mut org = Org::new();
    org.refuse = Some(("POST", "DebugLevel", 403, "INSUFFICIENT_ACCESS_OR_READONLY"));
    let end = drive(&mut org, begin(&input(&[])), 5, None);
    assert!(end.done);
    let f = end.finding.unwrap();
    assert_eq!(f.code, "capture/no-permission");
    assert!(
        f.message.contains("INSUFFICIENT_ACCESS_OR_READONLY"),
        "{}",
        f.message
    );
    assert!(f.message.contains("Nothing was written"), "{}", f.message);
    assert_eq!(writes(&org), vec!["POST DebugLevel".to_string()]);
    let c = end.cleanup.unwrap();
    assert_eq!(c.code, "capture/cleaned-up");
    assert!(c.message.contains("nothing was created"), "{}", c.message);
}

#[test]
fn a_refused_trace_flag_removes_the_debug_level_already_created() {
    let mut org = Org::new();
    org.refuse = Some((
        "POST",
        "TraceFlag",
        400,
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
    ));
    let end = drive(&mut org, begin(&input(&[])), 5, None);
    assert_eq!(end.finding.as_ref().unwrap().code, "capture/no-permission");
    assert_eq!(
        writes(&org),
        vec![
            "POST DebugLevel".to_string(),
            "POST TraceFlag".into(),
            format!("DELETE DebugLevel/{DL}")
        ]
    );
    assert!(org.debug_levels.is_empty(), "nothing half-created is left");
    assert_eq!(end.cleanup.unwrap().code, "capture/cleaned-up");
}

#[test]
fn lost_create_answers_are_found_again_and_removed() {
    // The DebugLevel is created but its answer is lost: found again by name, then deleted.
    let mut org = Org::new();
    org.lose = Some(("POST", "DebugLevel"));
    let end = drive(&mut org, begin(&input(&[])), 5, None);
    assert_eq!(end.finding.as_ref().unwrap().code, "capture/failed");
    assert!(org.sent.iter().any(|r| r.id == "capture-c-lookup"));
    assert!(org.debug_levels.is_empty());
    assert_eq!(end.cleanup.unwrap().code, "capture/cleaned-up");

    // The TraceFlag is created but its answer is lost: swept by debug level, then deleted.
    let mut org = Org::new();
    org.lose = Some(("POST", "TraceFlag"));
    let end = drive(&mut org, begin(&input(&[])), 5, None);
    assert_eq!(end.finding.as_ref().unwrap().code, "capture/failed");
    assert!(org.sent.iter().any(|r| r.id == "capture-c-sweep"));
    assert!(
        org.flags.is_empty() && org.debug_levels.is_empty(),
        "{:?} {:?}",
        org.flags,
        org.debug_levels
    );
    assert_eq!(end.cleanup.unwrap().code, "capture/cleaned-up");
}

#[test]
fn a_refused_clean_up_is_reported_with_what_is_left() {
    let mut org = Org::new();
    org.refuse = Some((
        "DELETE",
        "TraceFlag",
        403,
        "INSUFFICIENT_ACCESS_OR_READONLY",
    ));
    org.logs
        .push((1, LOG1, "MessagingSession Insert", fixture("storage-limit")));
    let end = drive(&mut org, begin(&input(&[])), 5, None);
    assert_eq!(end.finding.as_ref().unwrap().code, "capture/storage-limit");
    let c = end.cleanup.unwrap();
    assert_eq!(c.code, "capture/cleanup-incomplete");
    assert!(
        c.evidence
            .iter()
            .any(|e| e.label == "Not done" && e.value.contains(TF)),
        "{c:#?}"
    );
    // The debug level is still in use by the flag, so its delete failed too and says so.
    assert!(
        c.evidence
            .iter()
            .any(|e| e.label == "Not done" && e.value.contains(DL)),
        "{c:#?}"
    );
}

#[test]
fn cancel_before_any_write_writes_nothing() {
    let mut org = Org::new();
    let s = begin(&input(&[]));
    let s = step(
        s.state,
        CaptureEvent::Cancel {
            now_ms: T0 + 1,
            reason: None,
        },
    );
    assert!(s.done && s.requests.is_empty());
    assert_eq!(s.finding.as_ref().unwrap().code, "capture/cancelled");
    assert!(s.finding.unwrap().message.contains("Nothing was written"));
    assert!(s.cleanup.is_none());
    // Also after the users were found (still read-only).
    let s = begin(&input(&[]));
    let ex = s.requests.iter().map(|r| org.respond(r)).collect();
    let s = step(
        s.state,
        CaptureEvent::Answers {
            exchanges: ex,
            now_ms: T0 + 10,
        },
    );
    assert_eq!(s.phase, Phase::FindTraceFlags);
    let s = step(
        s.state,
        CaptureEvent::Cancel {
            now_ms: T0 + 20,
            reason: Some("The popup was closed".into()),
        },
    );
    assert!(s.done && s.requests.is_empty());
    assert!(writes(&org).is_empty());
}

#[test]
fn cancel_while_waiting_removes_the_flag_and_level() {
    let mut org = Org::new();
    let end = drive(&mut org, begin(&input(&[])), 10, Some(2));
    assert!(end.done);
    assert_eq!(end.finding.as_ref().unwrap().code, "capture/cancelled");
    assert!(end
        .finding
        .as_ref()
        .unwrap()
        .message
        .contains("removed again"));
    assert!(org.flags.is_empty() && org.debug_levels.is_empty());
    assert_eq!(end.cleanup.unwrap().code, "capture/cleaned-up");
}

#[test]
fn waiting_ends_before_the_flag_expires_with_no_chat_seen() {
    let mut org = Org::new();
    let s = drive(&mut org, begin(&input(&[])), 1, None);
    assert!(s.waiting);
    let late = s.state.expires_ms - WAIT_MARGIN_MS;
    let s = step(s.state, CaptureEvent::Tick { now_ms: late });
    assert_eq!(s.finding.as_ref().unwrap().code, "capture/no-chat-seen");
    let end = drive(&mut org, s, 0, None);
    assert!(end.done);
    assert!(org.flags.is_empty() && org.debug_levels.is_empty());
}

#[test]
fn a_successful_end_user_insert_keeps_waiting_for_the_session() {
    let mut org = Org::new();
    let end_user_ok = fixture("success").replace("MessagingSession", "MessagingEndUser");
    org.logs
        .push((1, LOG1, "MessagingEndUser Insert", end_user_ok));
    org.logs.push((
        3,
        LOG2,
        "MessagingSession Insert",
        fixture("flow-custom-error"),
    ));
    let end = drive(&mut org, begin(&input(&[])), 10, None);
    assert_eq!(
        end.finding.as_ref().unwrap().code,
        "capture/flow-custom-error"
    );
    assert!(end.state.end_user_ok);
    assert_eq!(end.state.logs_read, 2);
    assert!(org.polls >= 3);
}

#[test]
fn logs_already_there_before_the_chat_are_not_read() {
    let mut org = Org::new();
    org.logs
        .push((0, LOG1, "old", fixture("trigger-exception")));
    org.logs.push((
        2,
        LOG2,
        "MessagingSession Insert",
        fixture("required-field"),
    ));
    let end = drive(&mut org, begin(&input(&[])), 10, None);
    assert_eq!(end.finding.as_ref().unwrap().code, "capture/required-field");
    assert!(!org
        .sent
        .iter()
        .any(|r| r.path.contains(&format!("{LOG1}/Body"))));
}

#[test]
fn the_sites_guest_user_is_traced_too_when_the_page_names_the_deployment() {
    let mut org = Org::new();
    org.guest_site = true;
    org.logs.push((
        1,
        LOG1,
        "MessagingSession Insert",
        fixture("validation-rule"),
    ));
    let end = drive(&mut org, begin(&input(&["Web_Chat"])), 5, None);
    assert_eq!(end.state.users.len(), 2, "{:#?}", end.state.users);
    assert_eq!(end.state.users[1].role, UserRole::SiteGuest);
    let flag_posts: Vec<&ApiRequest> = org
        .sent
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("TraceFlag"))
        .collect();
    assert_eq!(flag_posts.len(), 2);
    assert!(flag_posts
        .iter()
        .any(|r| r.body.as_deref().unwrap().contains(GUEST)));
    let flags_query = org.sent.iter().find(|r| r.id == "capture-flags").unwrap();
    assert!(flags_query.path.contains(GUEST) && flags_query.path.contains(AUTO));
    assert!(org.flags.is_empty() && org.debug_levels.is_empty());
}

#[test]
fn an_expired_session_while_polling_stops_and_cleans_up() {
    let mut org = Org::new();
    let s = drive(&mut org, begin(&input(&[])), 0, None);
    assert!(s.waiting);
    let s = step(
        s.state,
        CaptureEvent::Tick {
            now_ms: T0 + 60_000,
        },
    );
    let ex = vec![ApiExchange {
        request: s.requests[0].clone(),
        status: 401,
        body: r#"[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]"#
            .into(),
        error: None,
        ms: None,
    }];
    let s = step(
        s.state,
        CaptureEvent::Answers {
            exchanges: ex,
            now_ms: T0 + 61_000,
        },
    );
    assert_eq!(s.finding.as_ref().unwrap().code, "capture/session-expired");
    assert!(s.phase != Phase::Waiting);
    let end = drive(&mut org, s, 0, None);
    assert!(end.done && org.flags.is_empty());
}

#[test]
fn a_transient_poll_failure_keeps_waiting() {
    let mut org = Org::new();
    let s = drive(&mut org, begin(&input(&[])), 0, None);
    let s = step(
        s.state,
        CaptureEvent::Tick {
            now_ms: T0 + 60_000,
        },
    );
    let ex = vec![ApiExchange {
        request: s.requests[0].clone(),
        status: 0,
        body: String::new(),
        error: Some("network error".into()),
        ms: None,
    }];
    let s = step(
        s.state,
        CaptureEvent::Answers {
            exchanges: ex,
            now_ms: T0 + 61_000,
        },
    );
    assert!(s.waiting && s.finding.is_none());
    assert_eq!(s.state.poll_failures, 1);
}

#[test]
fn ticks_and_answers_out_of_phase_do_nothing() {
    let s = begin(&input(&[]));
    let t = step(s.state.clone(), CaptureEvent::Tick { now_ms: T0 });
    assert!(t.requests.is_empty());
    assert_eq!(t.state, s.state);
    // A second cancel during clean-up does not restart it.
    let mut org = Org::new();
    let w = drive(&mut org, begin(&input(&[])), 0, None);
    let c = step(
        w.state,
        CaptureEvent::Cancel {
            now_ms: T0 + 5_000,
            reason: None,
        },
    );
    assert_eq!(c.phase, Phase::CleanupFlags);
    let again = step(
        c.state.clone(),
        CaptureEvent::Cancel {
            now_ms: T0 + 6_000,
            reason: None,
        },
    );
    assert!(again.requests.is_empty());
    assert_eq!(again.state, c.state);
}

#[test]
fn every_capture_code_is_documented() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/findings-capture.md"),
    )
    .unwrap();
    let src = [include_str!("report.rs"), include_str!("plan.rs")].concat();
    let mut codes: Vec<&str> = src
        .match_indices("\"capture/")
        .map(|(i, _)| {
            let rest = &src[i + 1..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 14, "{codes:?}");
    for c in codes {
        assert!(
            doc.contains(&format!("`{c}`")),
            "{c} is not in docs/findings-capture.md"
        );
    }
}

#[test]
fn recover_restarts_the_clean_up_from_the_stored_state() {
    // The background died while the trace flag create was out (answer lost), and again in the
    // middle of the clean-up: each time the stored state is enough to finish.
    let mut org = Org::new();
    let s = begin(&input(&[]));
    let mut s = s;
    while s.phase != Phase::SetTraceFlags {
        let ex = s.requests.iter().map(|r| org.respond(r)).collect();
        s = step(
            s.state,
            CaptureEvent::Answers {
                exchanges: ex,
                now_ms: T0 + 1,
            },
        );
    }
    // The requests went out (the org did them), the answers never came back.
    for r in &s.requests {
        org.respond(r);
    }
    let stored: CaptureState =
        serde_json::from_str(&serde_json::to_string(&s.state).unwrap()).unwrap();
    let r = step(
        stored,
        CaptureEvent::Recover {
            now_ms: T0 + 5,
            reason: Some("The extension restarted".into()),
        },
    );
    assert!(r.cleaning, "{r:#?}");
    assert_eq!(r.finding.as_ref().unwrap().code, "capture/cancelled");
    // First clean-up request answered, then the background dies again: recover once more.
    let ex = r.requests.iter().map(|q| org.respond(q)).collect();
    let r2 = step(
        r.state.clone(),
        CaptureEvent::Answers {
            exchanges: ex,
            now_ms: T0 + 6,
        },
    );
    let again = step(
        r2.state.clone(),
        CaptureEvent::Recover {
            now_ms: T0 + 7,
            reason: None,
        },
    );
    let end = drive(&mut org, again, 0, None);
    assert!(end.done);
    assert!(
        org.flags.is_empty() && org.debug_levels.is_empty(),
        "{:?} {:?}",
        org.flags,
        org.debug_levels
    );
    assert_eq!(end.cleanup.unwrap().code, "capture/cleaned-up");
    // Recover on a finished capture does nothing.
    let done = step(
        end.state.clone(),
        CaptureEvent::Recover {
            now_ms: T0 + 8,
            reason: None,
        },
    );
    assert!(done.done && done.requests.is_empty());
}

// Lost and unreadable answers, leftovers, the call budget, a randomized run: in their own file.
#[path = "plan_fault_tests.rs"]
mod faults;
