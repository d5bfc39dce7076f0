//! Built-in object catalogue of the simulator: which sObjects exist, on which API (REST, Tooling),
//! their key prefixes, the fields a query may name, and relationship names.
//!
//! Key prefixes and field lists follow the public object references as far as the authors know them;
//! those marked "guess" in the README were not verified against a live org.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Static description of one sObject the simulator knows.
pub struct ObjDef {
    pub name: &'static str,
    pub prefix: &'static str,
    pub rest: bool,
    pub tooling: bool,
    pub label: &'static str,
    pub fields: &'static [&'static str],
}

const AUDIT: [&str; 5] = [
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
];

/// Every object the simulator serves. Fields of MessagingSession/MessagingEndUser come from
/// [`standard_fields`] plus the scenario; audit fields are added to all objects.
pub const OBJECTS: &[ObjDef] = &[
    ObjDef {
        name: "Organization",
        prefix: "00D",
        rest: true,
        tooling: true,
        label: "Organization",
        fields: &[
            "Id",
            "Name",
            "OrganizationType",
            "InstanceName",
            "IsSandbox",
            "NamespacePrefix",
            "LanguageLocaleKey",
            "TimeZoneSidKey",
        ],
    },
    ObjDef {
        name: "User",
        prefix: "005",
        rest: true,
        tooling: true,
        label: "User",
        fields: &[
            "Id",
            "Username",
            "Name",
            "FirstName",
            "LastName",
            "Alias",
            "Email",
            "UserType",
            "IsActive",
            "ProfileId",
            "UserRoleId",
            "LanguageLocaleKey",
            "TimeZoneSidKey",
            "LastLoginDate",
        ],
    },
    ObjDef {
        name: "Profile",
        prefix: "00e",
        rest: true,
        tooling: true,
        label: "Profile",
        fields: &["Id", "Name", "UserType", "UserLicenseId"],
    },
    ObjDef {
        name: "Group",
        prefix: "00G",
        rest: true,
        tooling: false,
        label: "Group",
        fields: &["Id", "Name", "DeveloperName", "Type"],
    },
    ObjDef {
        name: "EntityDefinition",
        prefix: "000",
        rest: true,
        tooling: true,
        label: "Entity Definition",
        fields: &[
            "Id",
            "DurableId",
            "QualifiedApiName",
            "DeveloperName",
            "Label",
            "KeyPrefix",
            "NamespacePrefix",
            "IsCustomizable",
        ],
    },
    ObjDef {
        name: "MessagingSession",
        prefix: "0Mw",
        rest: true,
        tooling: false,
        label: "Messaging Session",
        fields: &[],
    },
    ObjDef {
        name: "MessagingEndUser",
        prefix: "0PA",
        rest: true,
        tooling: false,
        label: "Messaging User",
        fields: &[],
    },
    ObjDef {
        name: "MessagingChannel",
        prefix: "0Mj",
        rest: true,
        tooling: true,
        label: "Messaging Channel",
        fields: &[
            "Id",
            "DeveloperName",
            "MasterLabel",
            "Language",
            "IsActive",
            "MessageType",
            "MessagingPlatformKey",
            "RoutingType",
            "TargetQueueId",
            "FallbackQueueId",
            "IsoCountryCode",
            "IsRequireDoubleOptIn",
            "Description",
        ],
    },
    ObjDef {
        name: "ValidationRule",
        prefix: "03d",
        rest: false,
        tooling: true,
        label: "Validation Rule",
        fields: &[
            "Id",
            "ValidationName",
            "Active",
            "Description",
            "EntityDefinitionId",
            "ErrorDisplayField",
            "ErrorMessage",
            "NamespacePrefix",
            "ManageableState",
            "FullName",
            "Metadata",
        ],
    },
    ObjDef {
        name: "FlowDefinitionView",
        prefix: "300",
        rest: true,
        tooling: false,
        label: "Flow Definition",
        fields: &[
            "Id",
            "DurableId",
            "ApiName",
            "Label",
            "Description",
            "IsActive",
            "ProcessType",
            "TriggerType",
            "RecordTriggerType",
            "TriggerOrder",
            "TriggerObjectOrEventId",
            "TriggerObjectOrEventLabel",
            "ActiveVersionId",
            "LatestVersionId",
            "NamespacePrefix",
            "IsTemplate",
            "IsOutOfDate",
            "IsOverridable",
            "ManageableState",
            "LastModifiedBy",
            "LastModifiedDate",
            "Builder",
            "InstalledPackageName",
        ],
    },
    ObjDef {
        name: "FlowDefinition",
        prefix: "300",
        rest: false,
        tooling: true,
        label: "Flow Definition",
        fields: &[
            "Id",
            "DeveloperName",
            "MasterLabel",
            "Description",
            "ActiveVersionId",
            "LatestVersionId",
            "NamespacePrefix",
            "ManageableState",
            "FullName",
            "Metadata",
        ],
    },
    ObjDef {
        name: "Flow",
        prefix: "301",
        rest: false,
        tooling: true,
        label: "Flow",
        fields: &[
            "Id",
            "DefinitionId",
            "MasterLabel",
            "Description",
            "ProcessType",
            "Status",
            "VersionNumber",
            "ApiVersion",
            "RunInMode",
            "ManageableState",
            "FullName",
            "Metadata",
        ],
    },
    ObjDef {
        name: "ApexTrigger",
        prefix: "01q",
        rest: true,
        tooling: true,
        label: "Apex Trigger",
        fields: &[
            "Id",
            "Name",
            "NamespacePrefix",
            "TableEnumOrId",
            "Status",
            "IsValid",
            "ApiVersion",
            "Body",
            "BodyCrc",
            "LengthWithoutComments",
            "UsageBeforeInsert",
            "UsageAfterInsert",
            "UsageBeforeUpdate",
            "UsageAfterUpdate",
            "UsageBeforeDelete",
            "UsageAfterDelete",
            "UsageAfterUndelete",
            "UsageIsBulk",
            "ManageableState",
            "EntityDefinitionId",
        ],
    },
    ObjDef {
        name: "ApexClass",
        prefix: "01p",
        rest: true,
        tooling: true,
        label: "Apex Class",
        fields: &[
            "Id",
            "Name",
            "NamespacePrefix",
            "Status",
            "IsValid",
            "ApiVersion",
            "Body",
            "BodyCrc",
            "LengthWithoutComments",
            "ManageableState",
        ],
    },
    ObjDef {
        name: "EmbeddedServiceConfig",
        prefix: "0Hs",
        rest: false,
        tooling: true,
        label: "Embedded Service Deployment",
        fields: &[
            // No `Site`: the deployment's site is only in `Metadata.site` (one-row reads).
            "Id",
            "DeveloperName",
            "MasterLabel",
            "Language",
            "IsEnabled",
            "DeploymentFeature",
            "DeploymentType",
            "AreGuestUsersAllowed",
            "AuthMethod",
            "BrandingId",
            "ShouldHideAuthDialog",
            "NamespacePrefix",
            "FullName",
            "Metadata",
        ],
    },
    ObjDef {
        name: "Site",
        prefix: "0DM",
        rest: true,
        tooling: true,
        label: "Site",
        fields: &[
            "Id",
            "Name",
            "MasterLabel",
            "Status",
            "SiteType",
            "UrlPathPrefix",
            "Subdomain",
            "GuestUserId",
            "Description",
        ],
    },
    ObjDef {
        name: "Network",
        prefix: "0DB",
        rest: true,
        tooling: true,
        label: "Network",
        fields: &["Id", "Name", "Status", "UrlPathPrefix", "Description"],
    },
    ObjDef {
        name: "CorsWhitelistEntry",
        prefix: "0ez",
        rest: true,
        tooling: true,
        label: "CORS Allowed Origin",
        fields: &[
            "Id",
            "DeveloperName",
            "MasterLabel",
            "Language",
            "UrlPattern",
            "NamespacePrefix",
        ],
    },
    ObjDef {
        name: "CspTrustedSite",
        prefix: "08y",
        rest: true,
        tooling: true,
        label: "Trusted URL",
        fields: &[
            "Id",
            "DeveloperName",
            "EndpointUrl",
            "IsActive",
            "Description",
            "Context",
            "IsApplicableToConnectSrc",
            "IsApplicableToFrameSrc",
            "IsApplicableToImgSrc",
            "IsApplicableToScriptSrc",
            "IsApplicableToStyleSrc",
            "IsApplicableToFontSrc",
            "IsApplicableToMediaSrc",
        ],
    },
    ObjDef {
        name: "CustomField",
        prefix: "00N",
        rest: false,
        tooling: true,
        label: "Custom Field",
        fields: &[
            "Id",
            "DeveloperName",
            "TableEnumOrId",
            "NamespacePrefix",
            "Description",
        ],
    },
    ObjDef {
        name: "PermissionSet",
        prefix: "0PS",
        rest: true,
        tooling: false,
        label: "Permission Set",
        fields: &["Id", "Name", "Label", "IsOwnedByProfile", "NamespacePrefix"],
    },
    ObjDef {
        name: "PermissionSetAssignment",
        prefix: "0Pa",
        rest: true,
        tooling: false,
        label: "Permission Set Assignment",
        fields: &["Id", "AssigneeId", "PermissionSetId", "IsActive"],
    },
    ObjDef {
        name: "CustomPermission",
        prefix: "0CP",
        rest: true,
        tooling: true,
        label: "Custom Permission",
        fields: &[
            "Id",
            "DeveloperName",
            "MasterLabel",
            "NamespacePrefix",
            "Description",
        ],
    },
    ObjDef {
        name: "SetupEntityAccess",
        prefix: "0J0",
        rest: true,
        tooling: false,
        label: "Setup Entity Access",
        fields: &["Id", "ParentId", "SetupEntityId", "SetupEntityType"],
    },
    ObjDef {
        name: "BusinessHours",
        prefix: "01m",
        rest: true,
        tooling: false,
        label: "Business Hours",
        fields: &["Id", "Name", "IsActive", "IsDefault", "TimeZoneSidKey"],
    },
    ObjDef {
        name: "DebugLevel",
        prefix: "7dl",
        rest: false,
        tooling: true,
        label: "Debug Level",
        fields: &[
            "Id",
            "DeveloperName",
            "MasterLabel",
            "Language",
            "ApexCode",
            "ApexProfiling",
            "Callout",
            "Database",
            "System",
            "Validation",
            "Visualforce",
            "Workflow",
            "Nba",
            "Wave",
        ],
    },
    ObjDef {
        name: "TraceFlag",
        prefix: "7tf",
        rest: false,
        tooling: true,
        label: "Trace Flag",
        fields: &[
            "Id",
            "TracedEntityId",
            "DebugLevelId",
            "LogType",
            "StartDate",
            "ExpirationDate",
            "ApexCode",
            "Validation",
            "Workflow",
            "Database",
            "System",
            "Callout",
        ],
    },
    ObjDef {
        name: "ApexLog",
        prefix: "07L",
        rest: true,
        tooling: true,
        label: "Apex Debug Log",
        fields: &[
            "Id",
            "LogUserId",
            "LogLength",
            "LastModifiedDate",
            "Request",
            "Operation",
            "Application",
            "Status",
            "DurationMilliseconds",
            "StartTime",
            "Location",
            "RequestIdentifier",
            "SystemModstamp",
        ],
    },
];

/// Looks up an object definition by name (case-insensitive).
pub fn obj(name: &str) -> Option<&'static ObjDef> {
    OBJECTS.iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

/// All fields of a built-in object including the audit fields.
pub fn builtin_fields(o: &ObjDef) -> Vec<String> {
    let mut v: Vec<String> = o.fields.iter().map(|s| s.to_string()).collect();
    // ApexLog documents only LastModifiedDate and SystemModstamp of the audit fields (both in its
    // list); it has no CreatedDate/CreatedById/LastModifiedById.
    if !matches!(
        o.name,
        "FlowDefinitionView" | "EntityDefinition" | "Organization" | "ApexLog"
    ) {
        for a in AUDIT {
            if !v.iter().any(|f| f == a) {
                v.push(a.to_string());
            }
        }
    }
    v
}

/// The documented field names of an object (the messaging objects' standard fields from
/// [`standard_fields`]); what a query may name before any scenario adds custom fields.
pub fn documented_fields(o: &ObjDef) -> Vec<String> {
    if matches!(o.name, "MessagingSession" | "MessagingEndUser") {
        standard_fields(o.name)
            .into_iter()
            .map(|d| d.name)
            .collect()
    } else {
        builtin_fields(o)
    }
}

/// A relationship `<name>` on `object`: (foreign-key field, target object or "" for polymorphic).
pub fn relationship(object: &str, rel: &str) -> Option<(String, &'static str)> {
    let r = rel.to_ascii_lowercase();
    let fixed: Option<(&str, &str)> = match r.as_str() {
        "createdby" => Some(("CreatedById", "User")),
        "lastmodifiedby" if !object.eq_ignore_ascii_case("FlowDefinitionView") => {
            Some(("LastModifiedById", "User"))
        }
        "owner" => Some(("OwnerId", "")),
        "entitydefinition" => Some(("EntityDefinitionId", "EntityDefinition")),
        "triggerobjectorevent" => Some(("TriggerObjectOrEventId", "EntityDefinition")),
        "messagingchannel" => Some(("MessagingChannelId", "MessagingChannel")),
        "messagingenduser" => Some(("MessagingEndUserId", "MessagingEndUser")),
        "loguser" => Some(("LogUserId", "User")),
        "debuglevel" => Some(("DebugLevelId", "DebugLevel")),
        "tracedentity" => Some(("TracedEntityId", "")),
        "profile" => Some(("ProfileId", "Profile")),
        "targetqueue" => Some(("TargetQueueId", "Group")),
        "guestuser" => Some(("GuestUserId", "User")),
        "definition" => Some(("DefinitionId", "FlowDefinition")),
        "activeversion" => Some(("ActiveVersionId", "Flow")),
        "assignee" => Some(("AssigneeId", "User")),
        "permissionset" => Some(("PermissionSetId", "PermissionSet")),
        "parent" if object.eq_ignore_ascii_case("SetupEntityAccess") => {
            Some(("ParentId", "PermissionSet"))
        }
        _ => None,
    };
    fixed.map(|(f, t)| (f.to_string(), t))
}

/// One field as `describe` reports it. Scenario files use the same shape (camelCase keys).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldDef {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub defaulted_on_create: bool,
    pub custom: bool,
    pub calculated: bool,
    pub auto_number: bool,
    pub unique: bool,
    pub external_id: bool,
    pub default_value: Option<Value>,
    pub default_value_formula: Option<String>,
    pub calculated_formula: Option<String>,
    pub length: u32,
    pub precision: u32,
    pub scale: u32,
    pub reference_to: Vec<String>,
    pub relationship_name: Option<String>,
    pub picklist_values: Vec<String>,
    pub restricted_picklist: bool,
    pub inline_help_text: Option<String>,
    /// Simulator-only ground truth: the value the platform stores for this field on a new
    /// record when nothing else sets it (e.g. the evaluated default formula). Not in describe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_on_insert: Option<Value>,
    /// Shortcut for scenario authors: `"required": true` means `nillable: false`.
    #[serde(skip_serializing)]
    pub required: Option<bool>,
}

impl Default for FieldDef {
    fn default() -> Self {
        FieldDef {
            name: String::new(),
            label: String::new(),
            field_type: "string".into(),
            nillable: true,
            createable: true,
            updateable: true,
            defaulted_on_create: false,
            custom: false,
            calculated: false,
            auto_number: false,
            unique: false,
            external_id: false,
            default_value: None,
            default_value_formula: None,
            calculated_formula: None,
            length: 0,
            precision: 0,
            scale: 0,
            reference_to: vec![],
            relationship_name: None,
            picklist_values: vec![],
            restricted_picklist: false,
            inline_help_text: None,
            value_on_insert: None,
            required: None,
        }
    }
}

impl FieldDef {
    /// Normalises a scenario-authored field: custom flag from the name, `required` shortcut,
    /// label from the name, lengths by type.
    pub fn normalise(mut self) -> Self {
        if self.name.ends_with("__c") {
            self.custom = true;
        }
        if let Some(r) = self.required {
            self.nillable = !r;
        }
        if self.field_type == "boolean" {
            self.nillable = false;
            self.defaulted_on_create = true;
            if self.default_value.is_none() {
                self.default_value = Some(Value::Bool(false));
            }
        }
        if self.label.is_empty() {
            self.label = self.name.trim_end_matches("__c").replace('_', " ");
        }
        if self.length == 0
            && matches!(
                self.field_type.as_str(),
                "string" | "picklist" | "textarea" | "email" | "phone" | "url"
            )
        {
            self.length = 255;
        }
        if self.length == 0 && matches!(self.field_type.as_str(), "id" | "reference") {
            self.length = 18;
        }
        if self.calculated || self.auto_number {
            self.createable = false;
            self.updateable = false;
        }
        self
    }

    fn soap_type(&self) -> &'static str {
        match self.field_type.as_str() {
            "id" | "reference" => "tns:ID",
            "boolean" => "xsd:boolean",
            "double" | "currency" | "percent" => "xsd:double",
            "int" => "xsd:int",
            "date" => "xsd:date",
            "datetime" => "xsd:dateTime",
            _ => "xsd:string",
        }
    }

    /// The field as `describe` prints it.
    pub fn to_describe(&self) -> Value {
        let picklist: Vec<Value> = self
            .picklist_values
            .iter()
            .map(|p| json!({"active": true, "defaultValue": false, "label": p, "validFor": null, "value": p}))
            .collect();
        json!({
            "aggregatable": !matches!(self.field_type.as_str(), "textarea"),
            "autoNumber": self.auto_number,
            "byteLength": self.length * 3,
            "calculated": self.calculated,
            "calculatedFormula": self.calculated_formula,
            "cascadeDelete": false,
            "caseSensitive": false,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default_value,
            "defaultValueFormula": self.default_value_formula,
            "defaultedOnCreate": self.defaulted_on_create,
            "dependentPicklist": false,
            "externalId": self.external_id,
            "filterable": true,
            "groupable": !matches!(self.field_type.as_str(), "textarea" | "double" | "currency" | "datetime"),
            "htmlFormatted": false,
            "idLookup": self.name == "Id",
            "inlineHelpText": self.inline_help_text,
            "label": self.label,
            "length": self.length,
            "name": self.name,
            "nameField": self.name == "Name",
            "namePointing": self.name == "OwnerId",
            "nillable": self.nillable,
            "permissionable": self.nillable && self.createable,
            "picklistValues": picklist,
            "polymorphicForeignKey": self.reference_to.len() > 1,
            "precision": self.precision,
            "referenceTo": self.reference_to,
            "relationshipName": self.relationship_name,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale,
            "soapType": self.soap_type(),
            "sortable": !matches!(self.field_type.as_str(), "textarea"),
            "type": self.field_type,
            "unique": self.unique,
            "updateable": self.updateable,
        })
    }
}

fn f(name: &str, label: &str, ty: &str) -> FieldDef {
    FieldDef {
        name: name.into(),
        label: label.into(),
        field_type: ty.into(),
        ..Default::default()
    }
}

fn system(name: &str, label: &str, ty: &str) -> FieldDef {
    FieldDef {
        nillable: false,
        createable: false,
        updateable: false,
        defaulted_on_create: true,
        ..f(name, label, ty)
    }
}

fn reference(name: &str, label: &str, to: &[&str], rel: &str) -> FieldDef {
    FieldDef {
        reference_to: to.iter().map(|s| s.to_string()).collect(),
        relationship_name: Some(rel.into()),
        ..f(name, label, "reference")
    }
}

fn picklist(name: &str, label: &str, values: &[&str]) -> FieldDef {
    FieldDef {
        picklist_values: values.iter().map(|s| s.to_string()).collect(),
        ..f(name, label, "picklist")
    }
}

fn read_only(mut d: FieldDef) -> FieldDef {
    d.createable = false;
    d.updateable = false;
    d
}

fn audit() -> Vec<FieldDef> {
    vec![
        FieldDef {
            reference_to: vec!["User".into()],
            relationship_name: Some("CreatedBy".into()),
            ..system("CreatedById", "Created By ID", "reference")
        },
        system("CreatedDate", "Created Date", "datetime"),
        FieldDef {
            reference_to: vec!["User".into()],
            relationship_name: Some("LastModifiedBy".into()),
            ..system("LastModifiedById", "Last Modified By ID", "reference")
        },
        system("LastModifiedDate", "Last Modified Date", "datetime"),
        system("SystemModstamp", "System Modstamp", "datetime"),
        system("IsDeleted", "Deleted", "boolean"),
    ]
}

/// Standard fields of the two messaging objects as the simulator describes them (from the public
/// object reference; attribute values such as nillable/defaultedOnCreate of each standard field are
/// the simulator's best understanding, not verified against a live org).
pub fn standard_fields(object: &str) -> Vec<FieldDef> {
    let mut v = vec![system("Id", "Messaging Session ID", "id")];
    match object {
        "MessagingSession" => {
            v.push(FieldDef {
                nillable: false,
                defaulted_on_create: true,
                reference_to: vec!["Group".into(), "User".into()],
                relationship_name: Some("Owner".into()),
                ..f("OwnerId", "Owner ID", "reference")
            });
            v.push(FieldDef {
                auto_number: true,
                length: 80,
                ..system("Name", "Messaging Session Name", "string")
            });
            v.push(FieldDef {
                nillable: false,
                ..reference(
                    "MessagingEndUserId",
                    "Messaging User ID",
                    &["MessagingEndUser"],
                    "MessagingEndUser",
                )
            });
            v.push(FieldDef {
                nillable: false,
                ..reference(
                    "MessagingChannelId",
                    "Messaging Channel ID",
                    &["MessagingChannel"],
                    "MessagingChannel",
                )
            });
            v.push(FieldDef {
                nillable: false,
                defaulted_on_create: true,
                restricted_picklist: true,
                default_value: Some(json!("New")),
                ..picklist(
                    "Status",
                    "Status",
                    &[
                        "New", "Waiting", "Active", "Paused", "Inactive", "Ended", "Consent",
                        "Error",
                    ],
                )
            });
            v.push(picklist(
                "Origin",
                "Origin",
                &[
                    "InboundInitiated",
                    "OutboundInitiated",
                    "TriggeredOutbound",
                    "AgentInitiatedOutbound",
                ],
            ));
            v.push(read_only(picklist(
                "ChannelType",
                "Channel Type",
                &[
                    "Text",
                    "Facebook",
                    "WhatsApp",
                    "AppleBusinessChat",
                    "EmbeddedMessaging",
                    "Line",
                    "Custom",
                ],
            )));
            v.push(picklist(
                "AgentType",
                "Agent Type",
                &["Agent", "Bot", "AutomatedProcess"],
            ));
            v.push(reference(
                "ConversationId",
                "Conversation ID",
                &["Conversation"],
                "Conversation",
            ));
            v.push(reference("CaseId", "Case ID", &["Case"], "Case"));
            v.push(reference("LeadId", "Lead ID", &["Lead"], "Lead"));
            v.push(reference(
                "OpportunityId",
                "Opportunity ID",
                &["Opportunity"],
                "Opportunity",
            ));
            v.push(reference(
                "EndUserAccountId",
                "Account ID",
                &["Account"],
                "EndUserAccount",
            ));
            v.push(reference(
                "EndUserContactId",
                "Contact ID",
                &["Contact"],
                "EndUserContact",
            ));
            v.push(reference(
                "TargetUserId",
                "Target User ID",
                &["User"],
                "TargetUser",
            ));
            v.push(f("StartTime", "Start Time", "datetime"));
            v.push(f("AcceptTime", "Accept Time", "datetime"));
            v.push(f("EndTime", "End Time", "datetime"));
            v.push(read_only(f("ChannelName", "Channel Name", "string")));
            v.push(read_only(f("ChannelKey", "Channel Key", "string")));
            v.push(read_only(f("ChannelGroup", "Channel Group", "string")));
            v.push(read_only(f("ChannelIntent", "Channel Intent", "string")));
            v.push(read_only(f("ChannelLocale", "Channel Locale", "string")));
            v.push(f("EndUserLanguage", "End User Language", "string"));
            v.push(f("SessionKey", "Session Key", "string"));
        }
        "MessagingEndUser" => {
            v[0].label = "Messaging User ID".into();
            v.push(FieldDef {
                nillable: false,
                defaulted_on_create: true,
                reference_to: vec!["Group".into(), "User".into()],
                relationship_name: Some("Owner".into()),
                ..f("OwnerId", "Owner ID", "reference")
            });
            v.push(FieldDef {
                nillable: false,
                length: 255,
                ..f("Name", "Messaging User Name", "string")
            });
            v.push(FieldDef {
                nillable: false,
                ..reference(
                    "MessagingChannelId",
                    "Messaging Channel ID",
                    &["MessagingChannel"],
                    "MessagingChannel",
                )
            });
            v.push(FieldDef {
                nillable: false,
                length: 255,
                ..f("MessagingPlatformKey", "Messaging Platform Key", "string")
            });
            v.push(FieldDef {
                nillable: false,
                ..picklist(
                    "MessageType",
                    "Messaging Platform Type",
                    &[
                        "Text",
                        "Facebook",
                        "WhatsApp",
                        "EmbeddedMessaging",
                        "Custom",
                    ],
                )
            });
            v.push(reference(
                "ContactId",
                "Contact ID",
                &["Contact"],
                "Contact",
            ));
            v.push(reference(
                "AccountId",
                "Account ID",
                &["Account"],
                "Account",
            ));
            v.push(reference("LeadId", "Lead ID", &["Lead"], "Lead"));
            v.push(FieldDef {
                nillable: false,
                defaulted_on_create: true,
                default_value: Some(json!(false)),
                ..f("IsOptedOut", "Opted Out", "boolean")
            });
            v.push(picklist(
                "MessagingConsentStatus",
                "Consent Status",
                &["ImplicitlyOptedIn", "ExplicitlyOptedIn", "OptedOut"],
            ));
            v.push(f("ProfilePictureUrl", "Profile Picture URL", "url"));
        }
        _ => {}
    }
    v.extend(audit());
    v.into_iter().map(FieldDef::normalise).collect()
}

/// API version list served at `/services/data/`.
pub const VERSIONS: &[(&str, &str)] = &[
    ("58.0", "Summer '23"),
    ("59.0", "Winter '24"),
    ("60.0", "Spring '24"),
    ("61.0", "Summer '24"),
    ("62.0", "Winter '25"),
    ("63.0", "Spring '25"),
    ("64.0", "Summer '25"),
    ("65.0", "Winter '26"),
    ("66.0", "Spring '26"),
    ("67.0", "Summer '26"),
    ("68.0", "Winter '27"),
];
