//! Abstract values, three-valued truth, and the platform knowledge the interpreter consults (system
//! classes, lookups, query objects).

// ===== values ==================================================================================

#[derive(Debug, Clone, PartialEq)]
pub(super) enum NullWhy {
    /// A literal null or an uninitialised variable.
    Plain(String),
    /// A field the platform does not set: null unless a default or other automation fills it.
    UnsetField(String),
    /// Definitely null (trigger context variables, model says null, no Id before insert).
    Definite(String),
    /// Read through a relationship whose related record is absent (`s.Owner` on a trigger
    /// record, an empty lookup on a queried record). Reading a further field through it is null
    /// too, not a NullPointerException (Apex Developer Guide, "Accessing sObject Fields Through
    /// Relationships"); a method call on it or a field of it stored in a variable does throw.
    /// `maybe`: null only when the lookup is empty.
    Related { why: String, maybe: bool },
    /// Null when data the code expects is missing (`Map.get` of an absent key, a list custom
    /// setting without the named record, a record type that does not exist). Names the missing
    /// data.
    When(String),
}

impl NullWhy {
    /// Null on every path, rather than only when some data is missing.
    pub(super) fn certain(&self) -> bool {
        match self {
            NullWhy::When(_) => false,
            NullWhy::Related { maybe, .. } => !maybe,
            _ => true,
        }
    }
    pub(super) fn why(&self) -> &str {
        match self {
            NullWhy::Plain(w) | NullWhy::Definite(w) | NullWhy::UnsetField(w) => w,
            NullWhy::Related { why, .. } => why,
            NullWhy::When(w) => w,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    Unknown(String),
    Null(NullWhy),
    Bool(bool),
    Num(f64),
    Text(String),
    Enum(String),
    /// The inserted record (an element of `Trigger.new`).
    Record,
    /// `Trigger.new` or a list holding just the inserted record.
    RecordList,
    /// `Trigger.newMap` after insert.
    RecordMap,
    /// A record of another object (or another MessagingSession record).
    SObject(String),
    /// Rows of an inline query: object, query text, line.
    Rows(String, String, u32),
    /// A collection; `true` when known to be empty.
    Coll(bool),
    Obj(usize),
    /// An instance of a platform class (`http`, `httprequest`…), lower case.
    Builtin(String),
    Exception(String),
    /// A type used as a value (static receiver, `X.class`).
    Type(String),
    /// An instance of a class that was not provided.
    Unseen(String),
    /// An instance of a class picked at run time by name (`Type.forName(name).newInstance()`
    /// with a name the code does not fix): which class runs is data the analyser cannot see.
    /// Holds where the name comes from.
    Dynamic(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tri {
    T,
    F,
    U(String),
}

pub(super) fn tri_not(t: Tri) -> Tri {
    match t {
        Tri::T => Tri::F,
        Tri::F => Tri::T,
        u => u,
    }
}

pub(super) fn join_why(a: &str, b: &str) -> String {
    if a == b || b.is_empty() {
        a.to_string()
    } else if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}; {b}")
    }
}

pub(super) fn val_why(v: &Val) -> String {
    match v {
        Val::Unknown(w) => w.clone(),
        Val::Null(w) if !w.certain() => w.why().to_string(),
        Val::Type(t) => format!("`{t}` (a value the analyser cannot see)"),
        Val::Unseen(c) => format!("an object of class {c}, which was not provided"),
        Val::Dynamic(d) => format!("an object of {d}"),
        Val::Rows(obj, _, l) => format!("how many {obj} records the query at line {l} finds"),
        _ => String::new(),
    }
}

pub(super) fn truthy(v: &Val) -> Tri {
    match v {
        Val::Bool(b) => {
            if *b {
                Tri::T
            } else {
                Tri::F
            }
        }
        // An unset checkbox is false at insert.
        Val::Null(NullWhy::UnsetField(_)) | Val::Null(NullWhy::Definite(_)) => Tri::F,
        Val::Null(w) if w.certain() && matches!(w, NullWhy::Related { .. }) => Tri::F,
        Val::Null(w) if !w.certain() => Tri::U(w.why().to_string()),
        other => Tri::U(val_why(other)),
    }
}

pub(super) fn scalar_eq(a: &Val, b: &Val) -> Option<bool> {
    Some(match (a, b) {
        // Null only when data is missing: equal to nothing for certain.
        (Val::Null(w), _) | (_, Val::Null(w)) if !w.certain() => return None,
        (Val::Null(_), Val::Null(_)) => true,
        (Val::Null(_), Val::Unknown(_)) | (Val::Unknown(_), Val::Null(_)) => return None,
        (Val::Null(_), Val::Type(_)) | (Val::Type(_), Val::Null(_)) => return None,
        (Val::Null(_), _) | (_, Val::Null(_)) => false,
        // Apex `==` on strings ignores case.
        (Val::Text(x), Val::Text(y)) => x.eq_ignore_ascii_case(y),
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Enum(x), Val::Enum(y)) => x.eq_ignore_ascii_case(y),
        (Val::Enum(x), Val::Text(y)) | (Val::Text(y), Val::Enum(x)) => x.eq_ignore_ascii_case(y),
        _ => return None,
    })
}

pub(super) fn is_all_caps(s: &str) -> bool {
    s.len() > 1
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

pub(super) const SYSTEM_CLASSES: &[&str] = &[
    "system",
    "database",
    "userinfo",
    "featuremanagement",
    "test",
    "string",
    "schema",
    "security",
    "limits",
    "json",
    "math",
    "date",
    "datetime",
    "time",
    "eventbus",
    "approval",
    "messaging",
    "crypto",
    "encodingutil",
    "integer",
    "decimal",
    "double",
    "long",
    "boolean",
    "id",
    "blob",
    "url",
    "type",
    "site",
    "network",
    "auth",
    "pattern",
    "matcher",
    "trigger",
    "triggeroperation",
    "label",
    "http",
    "httprequest",
    "httpresponse",
    "list",
    "set",
    "map",
    "sobject",
    "sobjecttype",
    "sobjectfield",
    "apexpages",
    "pagereference",
    "search",
    "connectapi",
    "dom",
    "cache",
    "flow",
    "invocable",
    "quiddity",
    "request",
    "exception",
    "object",
    "restcontext",
    "logginglevel",
    "accesstype",
    "domain",
    "orgcache",
    "platform",
    "timezone",
    "uuid",
    "formula",
    "comparable",
    "iterable",
    "iterator",
    "queueable",
    "schedulable",
    "batchable",
    "databasebatchable",
    "statefull",
    "wave",
    "reports",
    "process",
    "knowledgearticleversion",
    "aggregateresult",
];

pub(super) const PRIMITIVES: &[&str] = &[
    "integer",
    "string",
    "id",
    "boolean",
    "decimal",
    "double",
    "long",
    "date",
    "datetime",
    "time",
    "object",
    "blob",
    "querylocator",
    "list",
    "set",
    "map",
    "iterable",
    "void",
];

pub(super) fn is_system_class(name: &str) -> bool {
    let first = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    SYSTEM_CLASSES.contains(&first.as_str()) || first.ends_with("exception")
}

pub(super) const STANDARD_OBJECTS: &[&str] = &[
    "account",
    "contact",
    "lead",
    "case",
    "opportunity",
    "task",
    "event",
    "user",
    "campaign",
    "campaignmember",
    "messagingsession",
    "messagingenduser",
    "messagingchannel",
    "conversationentry",
    "casecomment",
    "emailmessage",
    "contentversion",
    "contentdocumentlink",
    "feeditem",
    "attachment",
    "note",
    "asset",
    "contract",
    "order",
    "product2",
    "pricebookentry",
    "individual",
    "contactpointemail",
    "contactpointphone",
    "workorder",
    "entitlement",
    "servicecontract",
    "group",
    "groupmember",
    "agentwork",
    "pendingservicerouting",
    "pendingserviceroutinginteractioninfo",
    "skillrequirement",
    "routinginfo",
    "conversation",
    "voicecall",
    "livechattranscript",
    "socialpost",
];

/// A lookup that can be empty on an existing record (owner and audit lookups are always set).
pub(super) fn lookup_may_be_empty(rel: &str) -> bool {
    !matches!(
        rel.to_ascii_lowercase().as_str(),
        "owner" | "createdby" | "lastmodifiedby"
    )
}

pub(super) fn is_sobject_type(name: &str) -> bool {
    let l = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    STANDARD_OBJECTS.contains(&l.as_str())
        || l.ends_with("__c")
        || l.ends_with("__e")
        || l.ends_with("__mdt")
        || l.ends_with("__x")
        || l == "sobject"
}

pub(super) fn query_object(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    // The outermost FROM: the last " from " at bracket depth 1 / paren depth 0.
    let b = lower.as_bytes();
    let mut depth = 0i32;
    let mut i = 0usize;
    while let Some(&c) = b.get(i) {
        match c {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'\'' => {
                i += 1;
                while let Some(&d) = b.get(i) {
                    if d == b'\\' {
                        i += 1;
                    } else if d == b'\'' {
                        break;
                    }
                    i += 1;
                }
            }
            _ if depth == 0
                && lower.get(i..i + 4) == Some("from")
                && i > 0
                && b.get(i - 1).is_some_and(|x| x.is_ascii_whitespace())
                && b.get(i + 4).is_some_and(|x| x.is_ascii_whitespace()) =>
            {
                let rest = text.get(i + 4..).unwrap_or("").trim_start();
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                if !name.is_empty() {
                    return name;
                }
            }
            _ => {}
        }
        i += 1;
    }
    "records".to_string()
}

pub(super) fn article(obj: &str) -> &'static str {
    match obj.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// The `Schema.SObjectType` token of an object, as a value that compares equal only to the same
/// object's token.
pub(super) fn sobject_token(obj: &str) -> Val {
    let simple = obj.rsplit('.').next().unwrap_or(obj);
    Val::Enum(format!("SObjectType.{simple}"))
}
