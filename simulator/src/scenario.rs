//! Scenario files: the data of one simulated org (see README "Scenario format").

use crate::faults::Faults;
use crate::schema::FieldDef;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub org: OrgSpec,
    /// User records (REST field names). `Id` optional.
    pub users: Vec<Map<String, Value>>,
    /// Extra or overriding fields per object (`MessagingSession`, `MessagingEndUser`).
    pub fields: BTreeMap<String, Vec<FieldDef>>,
    pub validation_rules: Vec<ValidationRuleSpec>,
    pub flows: Vec<FlowSpec>,
    pub apex_triggers: Vec<ApexTriggerSpec>,
    pub apex_classes: Vec<ApexClassSpec>,
    pub storage: StorageSpec,
    pub deployments: Vec<DeploymentSpec>,
    pub channels: Vec<ChannelSpec>,
    /// Agentforce Messaging agents the org's My Domain answers for (`simulator/src/agentforce.rs`).
    pub agents: Vec<AgentSpec>,
    /// Any other records by object name, REST field names (Site, Network, CorsWhitelistEntry,
    /// CspTrustedSite, MessagingSession, MessagingEndUser, Group, BusinessHours, ...).
    pub records: BTreeMap<String, Vec<Map<String, Value>>>,
    pub faults: Faults,
    /// Ground truth of what a widget conversation must produce; used by the tests.
    pub expect: Expect,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrgSpec {
    /// 15-character org id (an 18-character one is cut to 15).
    pub id: String,
    pub my_domain: String,
    pub name: String,
    pub edition: String,
    pub instance: String,
    pub messaging_enabled: bool,
    pub is_sandbox: bool,
    /// Fields this org does not have (edition, release, feature not enabled), by object:
    /// naming one is `400 INVALID_FIELD` exactly like an unknown field (CONTRACT C-ORG-LACKS-FIELD).
    pub lacks_fields: BTreeMap<String, Vec<String>>,
    /// Objects this org does not have: a query is `400 INVALID_TYPE`, describe or a record GET
    /// `404 NOT_FOUND` (CONTRACT C-ORG-LACKS-OBJECT).
    pub lacks_objects: Vec<String>,
    /// API Access Control is on and the browser session is not an approved client: every
    /// REST/Tooling call gets `401 INVALID_SESSION_ID` "This session is not valid for use with
    /// the REST API" (CONTRACT C-API-ACCESS-CONTROL).
    pub api_access_control: bool,
}

impl Default for OrgSpec {
    fn default() -> Self {
        OrgSpec {
            id: "00D5g000004SIM1".into(),
            my_domain: "acme".into(),
            name: "Simulated Org".into(),
            edition: "Enterprise Edition".into(),
            instance: "SIM42".into(),
            messaging_enabled: true,
            is_sandbox: false,
            lacks_fields: BTreeMap::new(),
            lacks_objects: Vec::new(),
            api_access_control: false,
        }
    }
}

/// What the scenario author states a failing automation does on the automated insert.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FailureSpec {
    /// Status code of the failed insert; a default by kind applies when empty.
    pub status_code: String,
    pub message: String,
    /// `addError` | `exception` (triggers); `customError` | `fault` (flows).
    pub kind: String,
    /// e.g. `System.NullPointerException` (trigger `exception` kind).
    pub exception_type: String,
    pub line: u32,
    /// Flow element name (custom error / failing element).
    pub element: String,
    /// Field the error is attached to (addError on a field, custom error on a field).
    pub field: Option<String>,
    /// Apex stack trace lines for an exception (default `Trigger.<name>: line <line>, column 1`).
    pub stack_trace: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ValidationRuleSpec {
    pub id: Option<String>,
    pub name: String,
    pub object: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    pub description: Option<String>,
    pub error_condition_formula: String,
    pub error_message: String,
    pub error_display_field: Option<String>,
    pub namespace_prefix: Option<String>,
    pub created_by: Option<String>,
    pub created_date: Option<String>,
    pub last_modified_by: Option<String>,
    pub last_modified_date: Option<String>,
    /// Ground truth: does the formula evaluate to true (error) on the automated widget insert?
    pub fires_on_insert: bool,
    /// Optional text for the VALIDATION_FORMULA log line's field values.
    pub log_values: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FlowSpec {
    pub definition_id: Option<String>,
    pub version_id: Option<String>,
    pub api_name: String,
    pub label: String,
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
    pub process_type: Option<String>,
    /// `RecordBeforeSave` | `RecordAfterSave` | `RecordBeforeDelete` | `PlatformEvent` | ...
    pub trigger_type: Option<String>,
    /// `Create` | `Update` | `CreateAndUpdate` | `Delete`
    pub record_trigger_type: Option<String>,
    pub trigger_order: Option<i64>,
    pub object: Option<String>,
    pub version_number: Option<i64>,
    /// A newer Draft version exists beside the active one: FlowDefinitionView then reads
    /// `IsActive = false` (its latest version is not the active one) and `LatestVersionId` is
    /// the draft, while the active version still runs on every save.
    pub newer_draft: bool,
    pub api_version: Option<String>,
    pub namespace_prefix: Option<String>,
    pub last_modified_by: Option<String>,
    pub last_modified_date: Option<String>,
    /// Flow Metadata JSON as the Tooling API returns it (`start` is completed from the fields above
    /// when absent).
    pub metadata: Map<String, Value>,
    /// Ground truth: does this flow make the automated insert fail when it runs?
    pub fails_on_insert: bool,
    pub failure: FailureSpec,
    /// Ground truth: fields the flow sets on the record during the insert (before-save flows).
    pub sets_fields: Map<String, Value>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApexTriggerSpec {
    pub id: Option<String>,
    pub name: String,
    pub object: Option<String>,
    pub status: Option<String>,
    pub namespace_prefix: Option<String>,
    /// Installed from a managed package: Body reads `(hidden)`.
    pub managed: bool,
    pub api_version: Option<String>,
    pub body: String,
    pub usage_before_insert: bool,
    pub usage_after_insert: bool,
    pub usage_before_update: bool,
    pub usage_after_update: bool,
    pub usage_before_delete: bool,
    pub usage_after_delete: bool,
    pub usage_after_undelete: bool,
    pub last_modified_by: Option<String>,
    pub last_modified_date: Option<String>,
    /// Ground truth: does the trigger make the automated insert fail?
    pub fails_on_insert: bool,
    pub failure: FailureSpec,
    pub sets_fields: Map<String, Value>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApexClassSpec {
    pub id: Option<String>,
    pub name: String,
    pub namespace_prefix: Option<String>,
    pub managed: bool,
    pub api_version: Option<String>,
    pub body: String,
    pub last_modified_by: Option<String>,
    pub last_modified_date: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StorageSpec {
    pub data_max_mb: i64,
    pub data_remaining_mb: i64,
    pub file_max_mb: i64,
    pub file_remaining_mb: i64,
    pub daily_api_max: i64,
    pub daily_api_used: i64,
}

impl Default for StorageSpec {
    fn default() -> Self {
        StorageSpec {
            data_max_mb: 5120,
            data_remaining_mb: 4800,
            file_max_mb: 20480,
            file_remaining_mb: 19000,
            daily_api_max: 100_000,
            daily_api_used: 1200,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BusinessHoursSpec {
    pub name: String,
    /// Whether the hours are open "now" in the simulation.
    pub open: bool,
}

/// An Agentforce agent reachable through Agentforce Messaging: its id (`0Xx…`), the site
/// record Name whose root serves the chat app (add that site under `records.Site`), and whether
/// it answers.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentSpec {
    pub id: String,
    pub developer_name: String,
    pub label: String,
    pub site: String,
    pub active: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentSpec {
    pub id: Option<String>,
    pub developer_name: String,
    pub master_label: String,
    /// Site record Name the deployment lives on (e.g. `ESW_Web_Chat_1712345678901`).
    pub site: String,
    pub is_enabled: bool,
    /// Simulator: whether the deployment has been published (an unpublished one has no config).
    pub published: bool,
    pub deployment_feature: String,
    pub deployment_type: String,
    pub are_guest_users_allowed: bool,
    /// `Unauthenticated` | `Auth`
    pub auth_mode: String,
    /// MessagingChannel DeveloperName.
    pub channel: String,
    pub business_hours: Option<BusinessHoursSpec>,
    pub agent_availability_check: bool,
    /// Simulated answer of the agent-availability endpoint.
    pub agents_available: bool,
    pub language: String,
}

impl Default for DeploymentSpec {
    fn default() -> Self {
        DeploymentSpec {
            id: None,
            developer_name: String::new(),
            master_label: String::new(),
            site: String::new(),
            is_enabled: true,
            published: true,
            deployment_feature: "EmbeddedMessaging".into(),
            deployment_type: "Web".into(),
            are_guest_users_allowed: true,
            auth_mode: "Unauthenticated".into(),
            channel: String::new(),
            business_hours: None,
            agent_availability_check: false,
            agents_available: true,
            language: "en_US".into(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChannelSpec {
    pub id: Option<String>,
    pub developer_name: String,
    pub master_label: String,
    pub is_active: bool,
    pub message_type: String,
    pub messaging_platform_key: Option<String>,
    pub routing_type: String,
    /// Queue (Group) DeveloperName or id.
    pub target_queue: Option<String>,
    pub language: String,
}

impl Default for ChannelSpec {
    fn default() -> Self {
        ChannelSpec {
            id: None,
            developer_name: String::new(),
            master_label: String::new(),
            is_active: true,
            message_type: "EmbeddedMessaging".into(),
            messaging_platform_key: None,
            routing_type: "OmniQueue".into(),
            target_queue: None,
            language: "en_US".into(),
        }
    }
}

/// Ground truth for tests.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Expect {
    /// The deployment a test widget should use.
    pub deployment: Option<String>,
    /// Whether the widget reaches a config (false for unknown/unpublished deployments).
    pub config_available: Option<bool>,
    /// Whether the automated MessagingSession insert succeeds.
    pub insert_ok: Option<bool>,
    /// Status code of the failed insert.
    pub status_code: Option<String>,
    /// Substring of the failure message.
    pub message_contains: Option<String>,
    /// Names of the automations/fields responsible (for analyser tests).
    pub causes: Vec<String>,
}

/// Reads a scenario file as JSON and applies `"extends": "<base>"`: objects merge key by key,
/// other values replace, and a key written `"+key"` appends its array to the base's `key`.
pub fn load_value(dir: &Path, name: &str, depth: usize) -> Result<Value, String> {
    if depth > 8 || name.contains('/') || name.contains("..") {
        return Err(format!(
            "scenario '{name}': bad name or extends chain too deep"
        ));
    }
    let p = dir.join(format!("{name}.json"));
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
    let base = v.as_object_mut().and_then(|o| o.remove("extends"));
    match base {
        Some(Value::String(b)) => {
            let mut base = load_value(dir, &b, depth + 1)?;
            if let Some(o) = base.as_object_mut() {
                o.remove("expect");
            }
            merge(&mut base, v);
            Ok(base)
        }
        Some(_) => Err(format!("{}: extends must be a scenario name", p.display())),
        None => Ok(v),
    }
}

/// Merges `patch` into `base` (see [`load_value`]).
pub fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if let Some(key) = k.strip_prefix('+') {
                    match (b.get_mut(key), v) {
                        (Some(Value::Array(arr)), Value::Array(extra)) => arr.extend(extra),
                        (_, v) => {
                            b.insert(key.to_string(), v);
                        }
                    }
                } else if let Some(slot) = b.get_mut(&k) {
                    merge(slot, v);
                } else {
                    b.insert(k, v);
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn yes() -> bool {
    true
}

impl Scenario {
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        serde_json::from_str(text).map_err(|e| format!("scenario JSON: {e}"))
    }

    /// Loads `<dir>/<name>.json`, resolving `extends`.
    pub fn load(dir: &Path, name: &str) -> Result<Scenario, String> {
        let v = load_value(dir, name, 0)?;
        let mut s: Scenario = serde_json::from_value(v).map_err(|e| format!("{name}.json: {e}"))?;
        if s.name.is_empty() {
            s.name = name.to_string();
        }
        Ok(s)
    }
}
