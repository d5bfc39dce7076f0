//! Runtime state of one simulated org, built from a scenario.

use crate::faults::Faults;
use crate::ids;
use crate::scenario::Scenario;
use crate::schema::{self, FieldDef};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

pub type Row = Map<String, Value>;

/// One queryable sObject table.
pub struct Table {
    pub name: String,
    pub prefix: String,
    pub rest: bool,
    pub tooling: bool,
    /// Canonical field names a query may select.
    pub fields: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Canonical spelling of a field of this table (case-insensitive lookup).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.eq_ignore_ascii_case(name))
            .map(|s| s.as_str())
    }
}

/// A stored query cursor for `nextRecordsUrl`.
pub struct Cursor {
    pub records: Vec<Value>,
    pub total: usize,
    pub tooling: bool,
    pub version: String,
}

/// One end user's conversation through the widget endpoints.
#[derive(Clone, Debug)]
pub struct Conversation {
    pub id: String,
    pub deployment: String,
    pub end_user_subject: String,
    pub session_id: Option<String>,
    pub insert_ok: bool,
    pub messages: Vec<Value>,
    pub events: Vec<(String, Value)>,
    pub created_ms: i64,
}

pub struct Org {
    pub scenario: Scenario,
    pub stem: String,
    pub id15: String,
    pub id18: String,
    pub tables: Vec<Table>,
    pub describe: BTreeMap<String, Vec<FieldDef>>,
    pub base_faults: Faults,
    pub faults: Faults,
    counter: u64,
    pub cursors: HashMap<String, Cursor>,
    pub log_bodies: HashMap<String, String>,
    pub outcomes: Vec<Value>,
    pub api_calls: i64,
    pub conversations: HashMap<String, Conversation>,
    pub autoproc_id: String,
    pub admin_id: String,
    /// User id → the system permissions that user lacks (scenario `users[].lacksPermissions`),
    /// e.g. `ManageUsers` hides the storage entries of `/limits` (CONTRACT C-LIMITS-STORAGE).
    pub lacks_permissions: HashMap<String, Vec<String>>,
}

pub const DEFAULT_DATE: &str = "2025-06-02T09:30:00.000+0000";

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref()
        .map(|x| Value::String(x.clone()))
        .unwrap_or(Value::Null)
}

/// Comment-stripped length of Apex source (approximation of LengthWithoutComments).
fn length_without_comments(body: &str) -> usize {
    let b = body.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'/' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'*' {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else {
            n += 1;
            i += 1;
        }
    }
    n
}

fn crc_like(body: &str) -> i64 {
    let mut h: u32 = 2166136261;
    for b in body.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(16777619);
    }
    h as i64
}

impl Org {
    /// Builds the org. `stem` and `org_id` override the scenario's My Domain and org id.
    pub fn new(
        mut scenario: Scenario,
        stem: Option<&str>,
        org_id: Option<&str>,
    ) -> Result<Org, String> {
        let stem = stem
            .map(str::to_string)
            .unwrap_or_else(|| scenario.org.my_domain.clone())
            .to_ascii_lowercase();
        let id_in = org_id
            .map(str::to_string)
            .unwrap_or_else(|| scenario.org.id.clone());
        if !(id_in.len() == 15 || id_in.len() == 18)
            || !id_in.starts_with("00D")
            || !ids::looks_like_id(&id_in)
        {
            return Err(format!(
                "org id '{id_in}' is not a 15/18-character id starting with 00D"
            ));
        }
        let id15 = id_in[..15].to_string();
        let id18 = ids::to18(&id15);
        let faults = scenario.faults.clone();
        let mut org = Org {
            stem,
            id15,
            id18,
            tables: Vec::new(),
            describe: BTreeMap::new(),
            base_faults: faults.clone(),
            faults,
            counter: 0,
            cursors: HashMap::new(),
            log_bodies: HashMap::new(),
            outcomes: Vec::new(),
            api_calls: scenario.storage.daily_api_used,
            conversations: HashMap::new(),
            autoproc_id: String::new(),
            admin_id: String::new(),
            lacks_permissions: HashMap::new(),
            scenario: Scenario::default(),
        };
        for o in schema::OBJECTS {
            if !scenario.org.messaging_enabled
                && matches!(
                    o.name,
                    "MessagingSession" | "MessagingEndUser" | "MessagingChannel"
                )
            {
                continue;
            }
            let mut fields = schema::builtin_fields(o);
            if matches!(o.name, "MessagingSession" | "MessagingEndUser") {
                let mut defs = schema::standard_fields(o.name);
                for extra in scenario.fields.get(o.name).cloned().unwrap_or_default() {
                    let extra = extra.normalise();
                    if let Some(pos) = defs
                        .iter()
                        .position(|d| d.name.eq_ignore_ascii_case(&extra.name))
                    {
                        defs[pos] = extra;
                    } else {
                        defs.push(extra);
                    }
                }
                fields = defs.iter().map(|d| d.name.clone()).collect();
                org.describe.insert(o.name.to_string(), defs);
            }
            org.tables.push(Table {
                name: o.name.to_string(),
                prefix: o.prefix.to_string(),
                rest: o.rest,
                tooling: o.tooling,
                fields,
                rows: Vec::new(),
            });
        }
        org.build(&mut scenario)?;
        org.add_custom_field_rows()?;
        org.apply_lacks(&scenario);
        org.scenario = scenario;
        Ok(org)
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables
            .iter_mut()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    pub fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        ids::make_id(prefix, 1000 + self.counter)
    }

    /// Finds a record by id in any table.
    pub fn find_by_id(&self, id: &str) -> Option<(&Table, &Row)> {
        for t in &self.tables {
            for r in &t.rows {
                if let Some(Value::String(rid)) = r.get("Id") {
                    if ids::same_id(rid, id) {
                        return Some((t, r));
                    }
                }
            }
        }
        None
    }

    /// Finds a row of `table` whose Id or DurableId equals `key`.
    pub fn find_in(&self, table: &str, key: &str) -> Option<&Row> {
        let t = self.table(table)?;
        t.rows.iter().find(|r| {
            let id_ok = matches!(r.get("Id"), Some(Value::String(v)) if ids::same_id(v, key));
            let durable_ok =
                matches!(r.get("DurableId"), Some(Value::String(v)) if v.eq_ignore_ascii_case(key));
            id_ok || durable_ok
        })
    }

    /// Resolves a user reference (Id, Username, Name or Alias) to an id.
    pub fn resolve_user(&self, who: &str) -> Option<String> {
        let t = self.table("User")?;
        t.rows.iter().find_map(|r| {
            let hit = ["Id", "Username", "Name", "Alias"]
                .iter()
                .any(|k| match r.get(*k) {
                    Some(Value::String(v)) => {
                        v.eq_ignore_ascii_case(who) || (*k == "Id" && ids::same_id(v, who))
                    }
                    _ => false,
                });
            if hit {
                r.get("Id").and_then(|v| v.as_str()).map(str::to_string)
            } else {
                None
            }
        })
    }

    fn user_or_admin(&self, who: &Option<String>) -> String {
        who.as_deref()
            .and_then(|w| self.resolve_user(w))
            .unwrap_or_else(|| self.admin_id.clone())
    }

    /// Adds a row: assigns an Id when missing and fills audit fields; extends the table's fields.
    pub fn add_row(&mut self, table: &str, mut row: Row) -> Result<String, String> {
        let prefix = self
            .table(table)
            .ok_or_else(|| format!("unknown object '{table}'"))?
            .prefix
            .clone();
        let id = match row.get("Id").and_then(|v| v.as_str()) {
            Some(v) if v.len() == 15 => ids::to18(v),
            Some(v) => v.to_string(),
            None => self.next_id(&prefix),
        };
        row.insert("Id".into(), Value::String(id.clone()));
        let admin = self.admin_id.clone();
        let t = self.table_mut(table).expect("table exists");
        let has_audit = t.fields.iter().any(|f| f == "CreatedDate");
        if has_audit {
            for (k, v) in [
                ("CreatedDate", s(DEFAULT_DATE)),
                ("CreatedById", s(&admin)),
                ("LastModifiedDate", Value::Null),
                ("LastModifiedById", Value::Null),
                ("SystemModstamp", Value::Null),
            ] {
                if !row.contains_key(k) || row[k].is_null() {
                    let val = match k {
                        "LastModifiedDate" | "SystemModstamp" => {
                            row.get("CreatedDate").cloned().unwrap_or(v)
                        }
                        "LastModifiedById" => row.get("CreatedById").cloned().unwrap_or(v),
                        _ => v,
                    };
                    row.insert(k.into(), val);
                }
            }
        }
        // A row may carry keys the object does not document (e.g. a deployment's site name,
        // kept for the widget); they are stored but never queryable: the field list is the
        // documented one (CONTRACT C-FIELDS-DOCUMENTED).
        t.rows.push(row);
        Ok(id)
    }

    fn build(&mut self, sc: &mut Scenario) -> Result<(), String> {
        let org_row = json!({
            "Id": self.id18, "Name": sc.org.name, "OrganizationType": sc.org.edition,
            "InstanceName": sc.org.instance, "IsSandbox": sc.org.is_sandbox || self.stem.contains("--"),
            "NamespacePrefix": null, "LanguageLocaleKey": "en_US", "TimeZoneSidKey": "Europe/London"
        });
        self.add_row(
            "Organization",
            org_row.as_object().cloned().unwrap_or_default(),
        )?;
        // Profiles and users.
        let mut profiles: BTreeMap<String, String> = BTreeMap::new();
        for p in ["System Administrator", "Standard User", "Read Only"] {
            let id = self.add_row(
                "Profile",
                json!({"Name": p, "UserType": "Standard"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )?;
            profiles.insert(p.to_ascii_lowercase(), id);
        }
        let mut users = sc.users.clone();
        if !users
            .iter()
            .any(|u| u.get("UserType").and_then(|v| v.as_str()) == Some("AutomatedProcess"))
        {
            users.push(json!({"Name": "Automated Process", "LastName": "Automated Process", "Alias": "autoproc",
                "Username": format!("autoproc@{}", self.id18.to_ascii_lowercase()), "UserType": "AutomatedProcess"})
                .as_object().cloned().unwrap_or_default());
        }
        if !users.iter().any(|u| {
            u.get("UserType")
                .and_then(|v| v.as_str())
                .unwrap_or("Standard")
                == "Standard"
        }) {
            users.insert(0, json!({"Name": "Ada Admin", "FirstName": "Ada", "LastName": "Admin", "Alias": "aadmin",
                "Username": format!("admin@{}.sim", self.stem), "Profile": "System Administrator"})
                .as_object().cloned().unwrap_or_default());
        }
        for mut u in users {
            u.entry("UserType").or_insert(s("Standard"));
            u.entry("IsActive").or_insert(Value::Bool(true));
            u.entry("LanguageLocaleKey").or_insert(s("en_US"));
            u.entry("TimeZoneSidKey").or_insert(s("Europe/London"));
            if let Some(Value::String(p)) = u.remove("Profile") {
                let pid = match profiles.get(&p.to_ascii_lowercase()) {
                    Some(id) => id.clone(),
                    None => {
                        let id = self.add_row(
                            "Profile",
                            json!({"Name": p, "UserType": "Standard"})
                                .as_object()
                                .cloned()
                                .unwrap_or_default(),
                        )?;
                        profiles.insert(p.to_ascii_lowercase(), id.clone());
                        id
                    }
                };
                u.insert("ProfileId".into(), s(&pid));
            }
            let is_auto = u.get("UserType").and_then(|v| v.as_str()) == Some("AutomatedProcess");
            let lacks: Vec<String> = u
                .remove("lacksPermissions")
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            // Several users can have that type; the platform's own has the alias autoproc.
            let platform_own =
                is_auto && u.get("Alias").and_then(|v| v.as_str()) == Some("autoproc");
            let id = self.add_row("User", u)?;
            if !lacks.is_empty() {
                self.lacks_permissions.insert(id.clone(), lacks);
            }
            if is_auto && (self.autoproc_id.is_empty() || platform_own) {
                self.autoproc_id = id;
            } else if !is_auto && self.admin_id.is_empty() {
                self.admin_id = id.clone();
                // The first standard user created everything, itself included.
                let t = self.table_mut("User").expect("User");
                for r in t.rows.iter_mut() {
                    for k in ["CreatedById", "LastModifiedById"] {
                        if r.get(k).map(|v| v.as_str() == Some("")).unwrap_or(true) {
                            r.insert(k.into(), s(&id));
                        }
                    }
                }
            }
        }
        for t in self.tables.iter_mut() {
            for r in t.rows.iter_mut() {
                for k in ["CreatedById", "LastModifiedById"] {
                    if r.get(k).map(|v| v.as_str() == Some("")).unwrap_or(false) {
                        r.insert(k.into(), s(&self.admin_id));
                    }
                }
            }
        }
        // Entity definitions.
        for (name, label, prefix) in [
            ("MessagingSession", "Messaging Session", "0Mw"),
            ("MessagingEndUser", "Messaging User", "0PA"),
            ("MessagingChannel", "Messaging Channel", "0Mj"),
            ("Case", "Case", "500"),
            ("Contact", "Contact", "003"),
            ("Account", "Account", "001"),
            ("Lead", "Lead", "00Q"),
            ("User", "User", "005"),
            ("Conversation", "Conversation", "0dw"),
        ] {
            if !self.scenario_messaging(sc) && name.starts_with("Messaging") {
                continue;
            }
            let row = json!({"Id": format!("000000000000000AAA{name}"), "DurableId": name, "QualifiedApiName": name,
                "DeveloperName": name, "Label": label, "KeyPrefix": prefix, "NamespacePrefix": null, "IsCustomizable": true});
            let t = self
                .table_mut("EntityDefinition")
                .expect("EntityDefinition");
            t.rows.push(row.as_object().cloned().unwrap_or_default());
        }
        // Records given as-is (queues first so channels can point at them).
        let mut records = sc.records.clone();
        if let Some(groups) = records.remove("Group") {
            for g in groups {
                self.add_row("Group", g)?;
            }
        }
        let messaging = sc.org.messaging_enabled;
        for ch in sc.channels.iter_mut() {
            let queue = match &ch.target_queue {
                Some(q) if ids::looks_like_id(q) => Some(q.clone()),
                Some(q) => Some(match self.group_by_name(q) {
                    Some(id) => id,
                    None => self.add_row(
                        "Group",
                        json!({"Name": q.replace('_', " "), "DeveloperName": q, "Type": "Queue"})
                            .as_object()
                            .cloned()
                            .unwrap_or_default(),
                    )?,
                }),
                None => None,
            };
            let key = ch.messaging_platform_key.clone().unwrap_or_else(|| {
                format!(
                    "{}-{}",
                    ch.developer_name.to_ascii_lowercase(),
                    &self.id15[5..]
                )
            });
            let row = json!({"Id": ch.id, "DeveloperName": ch.developer_name, "MasterLabel": ch.master_label,
                "Language": ch.language, "IsActive": ch.is_active, "MessageType": ch.message_type,
                "MessagingPlatformKey": key, "RoutingType": ch.routing_type, "TargetQueueId": queue,
                "FallbackQueueId": null, "IsoCountryCode": null, "IsRequireDoubleOptIn": false, "Description": null});
            if !messaging {
                continue;
            }
            let id = self.add_row("MessagingChannel", strip_nulls_id(row))?;
            ch.id = Some(id);
        }
        // Sites (explicit first, then the ones deployments name).
        if let Some(sites) = records.remove("Site") {
            for mut site in sites {
                let name = site
                    .get("Name")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                site.entry("MasterLabel").or_insert(s(&name));
                site.entry("Status").or_insert(s("Active"));
                site.entry("SiteType").or_insert(s("ChatterNetwork"));
                site.entry("UrlPathPrefix")
                    .or_insert(s(&name.replace('_', "")));
                self.add_row("Site", site)?;
            }
        }
        for d in sc.deployments.iter_mut() {
            if !d.site.is_empty() && self.site_by_name(&d.site).is_none() {
                let row = json!({"Name": d.site, "MasterLabel": d.site, "Status": "Active", "SiteType": "ChatterNetwork",
                    "UrlPathPrefix": d.site.replace('_', "")});
                self.add_row("Site", row.as_object().cloned().unwrap_or_default())?;
                let net = json!({"Name": d.site, "Status": "Live", "UrlPathPrefix": d.site.replace('_', "")});
                self.add_row("Network", net.as_object().cloned().unwrap_or_default())?;
            }
            let label = if d.master_label.is_empty() {
                d.developer_name.replace('_', " ")
            } else {
                d.master_label.clone()
            };
            let meta = json!({"masterLabel": label, "site": d.site, "deploymentFeature": d.deployment_feature,
                "deploymentType": d.deployment_type, "areGuestUsersAllowed": d.are_guest_users_allowed,
                "isEnabled": d.is_enabled, "authMethod": d.auth_mode, "embeddedServiceMessagingChannel": d.channel});
            let row = json!({"Id": d.id, "DeveloperName": d.developer_name, "MasterLabel": label, "Language": d.language,
                "Site": d.site, "IsEnabled": d.is_enabled, "DeploymentFeature": d.deployment_feature,
                "DeploymentType": d.deployment_type, "AreGuestUsersAllowed": d.are_guest_users_allowed,
                "AuthMethod": d.auth_mode, "IsPublished": d.published, "NamespacePrefix": null,
                "FullName": d.developer_name, "Metadata": meta});
            let id = self.add_row("EmbeddedServiceConfig", strip_nulls_id(row))?;
            d.id = Some(id);
        }
        // Validation rules.
        for vr in sc.validation_rules.iter_mut() {
            let object = vr
                .object
                .clone()
                .unwrap_or_else(|| "MessagingSession".into());
            let lm = self.user_or_admin(&vr.last_modified_by);
            let cb = self.user_or_admin(&vr.created_by);
            let meta = json!({"active": vr.active, "description": vr.description, "errorConditionFormula": vr.error_condition_formula,
                "errorDisplayField": vr.error_display_field, "errorMessage": vr.error_message, "shouldEvaluateOnClient": null, "urls": null});
            let row = json!({"Id": vr.id, "ValidationName": vr.name, "Active": vr.active, "Description": vr.description,
                "EntityDefinitionId": object, "ErrorDisplayField": vr.error_display_field, "ErrorMessage": vr.error_message,
                "NamespacePrefix": vr.namespace_prefix, "ManageableState": if vr.namespace_prefix.is_some() { "installed" } else { "unmanaged" },
                "FullName": format!("{object}.{}", vr.name), "Metadata": meta,
                "CreatedById": cb, "CreatedDate": vr.created_date.clone().unwrap_or_else(|| DEFAULT_DATE.into()),
                "LastModifiedById": lm, "LastModifiedDate": vr.last_modified_date.clone().unwrap_or_else(|| DEFAULT_DATE.into())});
            let id = self.add_row("ValidationRule", strip_nulls_id(row))?;
            vr.id = Some(id);
        }
        // Flows: FlowDefinitionView (REST), FlowDefinition and Flow (Tooling).
        for fl in sc.flows.iter_mut() {
            let object = fl
                .object
                .clone()
                .unwrap_or_else(|| "MessagingSession".into());
            let def_id = match &fl.definition_id {
                Some(v) => v.clone(),
                None => self.next_id("300"),
            };
            let ver_id = match &fl.version_id {
                Some(v) => v.clone(),
                None => self.next_id("301"),
            };
            fl.definition_id = Some(def_id.clone());
            fl.version_id = Some(ver_id.clone());
            let lm_id = self.user_or_admin(&fl.last_modified_by);
            let lm_name = self
                .find_in("User", &lm_id)
                .and_then(|r| r.get("Name").cloned())
                .unwrap_or(Value::Null);
            let lm_date = fl
                .last_modified_date
                .clone()
                .unwrap_or_else(|| DEFAULT_DATE.into());
            let process_type = fl
                .process_type
                .clone()
                .unwrap_or_else(|| "AutoLaunchedFlow".into());
            let label = if fl.label.is_empty() {
                fl.api_name.replace('_', " ")
            } else {
                fl.label.clone()
            };
            let version = fl.version_number.unwrap_or(1);
            let mut meta = fl.metadata.clone();
            let start = meta.entry("start").or_insert_with(|| json!({}));
            if let Some(st) = start.as_object_mut() {
                st.entry("object").or_insert(s(&object));
                if let Some(tt) = &fl.trigger_type {
                    st.entry("triggerType").or_insert(s(tt));
                }
                if let Some(rt) = &fl.record_trigger_type {
                    st.entry("recordTriggerType").or_insert(s(rt));
                }
                st.entry("filters").or_insert(json!([]));
                st.entry("locationX").or_insert(json!(50));
                st.entry("locationY").or_insert(json!(0));
            }
            meta.entry("label").or_insert(s(&label));
            meta.entry("processType").or_insert(s(&process_type));
            meta.entry("status")
                .or_insert(s(if fl.is_active { "Active" } else { "Draft" }));
            meta.entry("apiVersion").or_insert(json!(fl
                .api_version
                .clone()
                .unwrap_or_else(|| "62.0".into())
                .parse::<f64>()
                .unwrap_or(62.0)));
            meta.entry("description").or_insert(opt(&fl.description));
            // The latest version: the active one, or a newer draft beside it.
            let latest_id = if fl.newer_draft && fl.is_active {
                self.next_id("301")
            } else {
                ver_id.clone()
            };
            let view = json!({"Id": def_id, "DurableId": def_id, "ApiName": fl.api_name, "Label": label,
                "Description": fl.description, "IsActive": fl.is_active && latest_id == ver_id, "ProcessType": process_type,
                "TriggerType": fl.trigger_type, "RecordTriggerType": fl.record_trigger_type, "TriggerOrder": fl.trigger_order,
                "TriggerObjectOrEventId": if fl.trigger_type.is_some() { s(&object) } else { Value::Null },
                "TriggerObjectOrEventLabel": if fl.trigger_type.is_some() { s(&self.entity_label(&object)) } else { Value::Null },
                "ActiveVersionId": if fl.is_active { s(&ver_id) } else { Value::Null }, "LatestVersionId": latest_id,
                "NamespacePrefix": fl.namespace_prefix, "IsTemplate": false, "IsOutOfDate": false, "IsOverridable": false,
                "ManageableState": "unmanaged", "LastModifiedBy": lm_name, "LastModifiedDate": lm_date, "Builder": "Flow Builder",
                "InstalledPackageName": null});
            let t = self
                .table_mut("FlowDefinitionView")
                .expect("FlowDefinitionView");
            t.rows.push(view.as_object().cloned().unwrap_or_default());
            let def = json!({"Id": def_id, "DeveloperName": fl.api_name, "MasterLabel": label, "Description": fl.description,
                "ActiveVersionId": if fl.is_active { s(&ver_id) } else { Value::Null }, "LatestVersionId": latest_id,
                "NamespacePrefix": fl.namespace_prefix, "ManageableState": "unmanaged", "FullName": fl.api_name,
                "Metadata": {"activeVersionNumber": if fl.is_active { json!(version) } else { Value::Null }, "description": fl.description, "masterLabel": label},
                "LastModifiedById": lm_id, "LastModifiedDate": lm_date});
            self.add_row(
                "FlowDefinition",
                def.as_object().cloned().unwrap_or_default(),
            )?;
            let flow = json!({"Id": ver_id, "DefinitionId": def_id, "MasterLabel": label, "Description": fl.description,
                "ProcessType": process_type, "Status": if fl.is_active { "Active" } else { "Draft" }, "VersionNumber": version,
                "ApiVersion": meta.get("apiVersion"), "RunInMode": "DefaultMode", "ManageableState": "unmanaged",
                "FullName": format!("{}-{}", fl.api_name, version), "Metadata": meta,
                "LastModifiedById": lm_id, "LastModifiedDate": lm_date});
            self.add_row("Flow", flow.as_object().cloned().unwrap_or_default())?;
            if latest_id != ver_id {
                let mut draft_meta = meta.clone();
                draft_meta.insert("status".into(), s("Draft"));
                let draft = json!({"Id": latest_id, "DefinitionId": def_id, "MasterLabel": label, "Description": fl.description,
                    "ProcessType": process_type, "Status": "Draft", "VersionNumber": version + 1,
                    "ApiVersion": meta.get("apiVersion"), "RunInMode": "DefaultMode", "ManageableState": "unmanaged",
                    "FullName": format!("{}-{}", fl.api_name, version + 1), "Metadata": draft_meta,
                    "LastModifiedById": lm_id, "LastModifiedDate": lm_date});
                self.add_row("Flow", draft.as_object().cloned().unwrap_or_default())?;
            }
        }
        // Apex.
        for tr in sc.apex_triggers.iter_mut() {
            let object = tr
                .object
                .clone()
                .unwrap_or_else(|| "MessagingSession".into());
            let lm = self.user_or_admin(&tr.last_modified_by);
            let hidden = tr.managed;
            let body = if hidden {
                "(hidden)".to_string()
            } else {
                tr.body.clone()
            };
            let row = json!({"Id": tr.id, "Name": tr.name, "NamespacePrefix": tr.namespace_prefix, "TableEnumOrId": object,
                "EntityDefinitionId": object,
                "Status": tr.status.clone().unwrap_or_else(|| "Active".into()), "IsValid": true,
                "ApiVersion": tr.api_version.clone().unwrap_or_else(|| "62.0".into()).parse::<f64>().unwrap_or(62.0),
                "Body": body, "BodyCrc": crc_like(&tr.body),
                "LengthWithoutComments": if hidden { -1 } else { length_without_comments(&tr.body) as i64 },
                "UsageBeforeInsert": tr.usage_before_insert, "UsageAfterInsert": tr.usage_after_insert,
                "UsageBeforeUpdate": tr.usage_before_update, "UsageAfterUpdate": tr.usage_after_update,
                "UsageBeforeDelete": tr.usage_before_delete, "UsageAfterDelete": tr.usage_after_delete,
                "UsageAfterUndelete": tr.usage_after_undelete, "UsageIsBulk": true,
                "ManageableState": if tr.managed { "installed" } else { "unmanaged" },
                "LastModifiedById": lm, "LastModifiedDate": tr.last_modified_date.clone().unwrap_or_else(|| DEFAULT_DATE.into())});
            let id = self.add_row("ApexTrigger", strip_nulls_id(row))?;
            tr.id = Some(id);
        }
        for cl in sc.apex_classes.iter_mut() {
            let lm = self.user_or_admin(&cl.last_modified_by);
            let hidden = cl.managed;
            let row = json!({"Id": cl.id, "Name": cl.name, "NamespacePrefix": cl.namespace_prefix, "Status": "Active", "IsValid": true,
                "ApiVersion": cl.api_version.clone().unwrap_or_else(|| "62.0".into()).parse::<f64>().unwrap_or(62.0),
                "Body": if hidden { "(hidden)".to_string() } else { cl.body.clone() }, "BodyCrc": crc_like(&cl.body),
                "LengthWithoutComments": if hidden { -1 } else { length_without_comments(&cl.body) as i64 },
                "ManageableState": if cl.managed { "installed" } else { "unmanaged" },
                "LastModifiedById": lm, "LastModifiedDate": cl.last_modified_date.clone().unwrap_or_else(|| DEFAULT_DATE.into())});
            let id = self.add_row("ApexClass", strip_nulls_id(row))?;
            cl.id = Some(id);
        }
        // Remaining raw records; MessagingEndUser before MessagingSession so names resolve.
        let order = |k: &str| match k {
            "MessagingEndUser" | "PermissionSet" | "CustomPermission" => 0,
            "MessagingSession" | "PermissionSetAssignment" | "SetupEntityAccess" => 2,
            _ => 1,
        };
        let mut keys: Vec<String> = records.keys().cloned().collect();
        keys.sort_by_key(|k| order(k));
        for k in keys {
            let canonical = self.table(&k).map(|t| t.name.clone()).ok_or_else(|| {
                if !sc.org.messaging_enabled && k.starts_with("Messaging") {
                    format!("records of '{k}' given but messaging is disabled in this scenario")
                } else {
                    format!("records of unknown object '{k}'")
                }
            })?;
            for mut r in records.remove(&k).unwrap_or_default() {
                self.resolve_refs(&mut r);
                self.add_row(&canonical, r)?;
            }
        }
        Ok(())
    }

    fn scenario_messaging(&self, sc: &Scenario) -> bool {
        sc.org.messaging_enabled
    }

    fn entity_label(&self, name: &str) -> String {
        self.find_in("EntityDefinition", name)
            .and_then(|r| r.get("Label").and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_else(|| name.to_string())
    }

    fn group_by_name(&self, name: &str) -> Option<String> {
        self.table("Group")?.rows.iter().find_map(|r| {
            let hit = ["DeveloperName", "Name"].iter().any(|k| {
                r.get(*k)
                    .and_then(|v| v.as_str())
                    .map(|v| v.eq_ignore_ascii_case(name))
                    .unwrap_or(false)
            });
            if hit {
                r.get("Id").and_then(|v| v.as_str()).map(str::to_string)
            } else {
                None
            }
        })
    }

    pub fn site_by_name(&self, name: &str) -> Option<&Row> {
        self.table("Site")?.rows.iter().find(|r| {
            r.get("Name")
                .and_then(|v| v.as_str())
                .map(|v| v.eq_ignore_ascii_case(name))
                .unwrap_or(false)
        })
    }

    /// Record references given by name in scenario rows (`CreatedById: "admin@..."`,
    /// `MessagingChannelId: "Web_Chat"`) become ids.
    fn resolve_refs(&self, r: &mut Row) {
        let keys: Vec<String> = r.keys().cloned().collect();
        for k in keys {
            if k == "Id" || !k.ends_with("Id") {
                continue;
            }
            let Some(Value::String(v)) = r.get(&k).cloned() else {
                continue;
            };
            if ids::looks_like_id(&v) {
                continue;
            }
            let resolved = match k.as_str() {
                "MessagingChannelId" => self.table("MessagingChannel").and_then(|t| {
                    t.rows
                        .iter()
                        .find(|x| {
                            x.get("DeveloperName").and_then(|d| d.as_str()) == Some(v.as_str())
                        })
                        .and_then(|x| x.get("Id").cloned())
                }),
                "MessagingEndUserId" => self.table("MessagingEndUser").and_then(|t| {
                    t.rows
                        .iter()
                        .find(|x| x.get("Name").and_then(|d| d.as_str()) == Some(v.as_str()))
                        .and_then(|x| x.get("Id").cloned())
                }),
                "OwnerId" => self
                    .resolve_user(&v)
                    .map(Value::String)
                    .or_else(|| self.group_by_name(&v).map(Value::String)),
                // Permission sets and custom permissions by name.
                "PermissionSetId" | "ParentId" => self.id_by_name("PermissionSet", "Name", &v),
                "SetupEntityId" => self.id_by_name("CustomPermission", "DeveloperName", &v),
                _ => self.resolve_user(&v).map(Value::String),
            };
            if let Some(id) = resolved {
                r.insert(k, id);
            }
        }
    }

    /// One Tooling CustomField row per custom field of the messaging objects (last changed by
    /// the admin on the default date unless the field says otherwise).
    fn add_custom_field_rows(&mut self) -> Result<(), String> {
        let admin = self.user_or_admin(&None);
        let mut rows = Vec::new();
        for (object, defs) in &self.describe {
            for d in defs.iter().filter(|d| d.custom) {
                let name = d.name.trim_end_matches("__c").to_string();
                rows.push(json!({"DeveloperName": name, "TableEnumOrId": object,
                    "LastModifiedById": admin, "LastModifiedDate": DEFAULT_DATE,
                    "CreatedById": admin, "CreatedDate": DEFAULT_DATE}));
            }
        }
        for r in rows {
            self.add_row("CustomField", r.as_object().cloned().unwrap_or_default())?;
        }
        Ok(())
    }

    fn id_by_name(&self, table: &str, key: &str, name: &str) -> Option<Value> {
        self.table(table)?
            .rows
            .iter()
            .find(|x| {
                x.get(key)
                    .and_then(|d| d.as_str())
                    .is_some_and(|d| d.eq_ignore_ascii_case(name))
            })
            .and_then(|x| x.get("Id").cloned())
    }

    /// Removes what the scenario says this org does not have: whole objects, and single
    /// fields (from queries, `?fields=` and describe alike).
    fn apply_lacks(&mut self, sc: &Scenario) {
        let lacked = &sc.org.lacks_objects;
        self.tables
            .retain(|t| !lacked.iter().any(|o| o.eq_ignore_ascii_case(&t.name)));
        for (object, fields) in &sc.org.lacks_fields {
            let gone = |f: &str| fields.iter().any(|x| x.eq_ignore_ascii_case(f));
            if let Some(t) = self.table_mut(object) {
                t.fields.retain(|f| !gone(f));
            }
            if let Some((_, defs)) = self
                .describe
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(object))
            {
                defs.retain(|d| !gone(&d.name));
            }
        }
    }

    /// Whether `user_id` has a system permission (only `lacksPermissions` takes any away).
    pub fn user_has_permission(&self, user_id: &str, permission: &str) -> bool {
        !self.lacks_permissions.iter().any(|(u, perms)| {
            ids::same_id(u, user_id) && perms.iter().any(|p| p.eq_ignore_ascii_case(permission))
        })
    }

    /// The field definitions of a messaging object (describe).
    pub fn fields_of(&self, object: &str) -> Option<&Vec<FieldDef>> {
        self.describe
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(object))
            .map(|(_, v)| v)
    }

    /// Host names of this org.
    pub fn api_host(&self) -> String {
        host_for(&self.stem, "my.salesforce.com")
    }
    pub fn lightning_host(&self) -> String {
        host_for(&self.stem, "lightning.force.com")
    }
    pub fn site_host(&self) -> String {
        host_for(&self.stem, "my.site.com")
    }
    pub fn scrt_host(&self) -> String {
        host_for(&self.stem, "my.salesforce-scrt.com")
    }

    /// Page size for queries.
    pub fn page_size(&self) -> usize {
        self.faults.page_size.unwrap_or(2000).max(1)
    }
}

/// Host of a family for a My Domain stem (sandbox stems `name--sbx` get the `.sandbox.` form).
pub fn host_for(stem: &str, family: &str) -> String {
    if stem.ends_with("-dev-ed") {
        format!("{stem}.develop.{family}")
    } else if stem.contains("--") {
        format!("{stem}.sandbox.{family}")
    } else {
        format!("{stem}.{family}")
    }
}

fn strip_nulls_id(v: Value) -> Row {
    let mut m = v.as_object().cloned().unwrap_or_default();
    if m.get("Id").map(|x| x.is_null()).unwrap_or(false) {
        m.remove("Id");
    }
    m
}
