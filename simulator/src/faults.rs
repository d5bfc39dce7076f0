//! Fault injection settings (per org, from the scenario, `--faults` or `POST /__sim/faults`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PathFault {
    /// Path glob, `*` matches any run of characters (e.g. `/services/data/*/tooling/*`).
    pub pattern: String,
    /// HTTP status to answer (5xx for server faults).
    pub status: u16,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Added latency for every request to the org's hosts, in milliseconds.
    pub latency_ms: u64,
    /// Answer these paths with the given status (body: a Salesforce-like error array).
    pub error_paths: Vec<PathFault>,
    /// Answer these paths with truncated, unparseable JSON (status 200).
    pub malformed_json_paths: Vec<String>,
    /// 403 API_DISABLED_FOR_ORG on every REST/Tooling call.
    pub api_disabled: bool,
    /// 403 INSUFFICIENT_ACCESS_OR_READONLY on every Tooling call.
    pub tooling_insufficient_access: bool,
    /// 403 REQUEST_LIMIT_EXCEEDED on every REST/Tooling call.
    pub request_limit_exceeded: bool,
    /// Query page size (default 2000); small values force `nextRecordsUrl` pagination.
    pub page_size: Option<usize>,
    /// 423 ORG_UNDER_MAINTENANCE on every Messaging for Web (scrt2) call.
    pub org_under_maintenance: bool,
    /// The next `count` matching API writes are applied, but their answer is lost (the
    /// connection closes without a response). See `write_faults`.
    pub lose_write_answer: WriteFault,
    /// The next `count` matching API writes are applied, but their answer body is unreadable
    /// (the status stays as it was).
    pub garble_write_answer: WriteFault,
}

/// A fault on the next `count` API writes (POST/PATCH/DELETE under `/services/data`, composites
/// excluded) whose `METHOD path` matches `pattern` (a `*` glob; empty matches every write),
/// e.g. `{"count": 1, "pattern": "POST */DebugLevel"}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct WriteFault {
    pub count: u32,
    pub pattern: String,
}

/// `*`-glob match of a path.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !rest.starts_with(part) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

impl Faults {
    /// Merges a partial JSON object into these settings (keys absent keep their value).
    pub fn merge(&mut self, patch: &serde_json::Value) -> Result<(), String> {
        let mut cur = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
        let (Some(obj), Some(p)) = (cur.as_object_mut(), patch.as_object()) else {
            return Err("faults must be a JSON object".into());
        };
        for (k, v) in p {
            if k == "org" {
                continue;
            }
            if !obj.contains_key(k) {
                return Err(format!("unknown fault setting '{k}'"));
            }
            obj.insert(k.clone(), v.clone());
        }
        *self = serde_json::from_value(cur).map_err(|e| e.to_string())?;
        Ok(())
    }

    pub fn error_status(&self, path: &str) -> Option<u16> {
        self.error_paths
            .iter()
            .find(|f| glob(&f.pattern, path))
            .map(|f| f.status)
    }

    pub fn malformed(&self, path: &str) -> bool {
        self.malformed_json_paths.iter().any(|p| glob(p, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches() {
        assert!(glob(
            "/services/data/*/tooling/*",
            "/services/data/v65.0/tooling/query"
        ));
        assert!(!glob(
            "/services/data/*/tooling/*",
            "/services/data/v65.0/query"
        ));
        assert!(glob("*", "/x"));
        assert!(glob("/a", "/a"));
        assert!(!glob("/a", "/ab"));
    }

    #[test]
    fn merge_keeps_other_keys() {
        let mut f = Faults {
            latency_ms: 10,
            ..Default::default()
        };
        f.merge(&serde_json::json!({"apiDisabled": true})).unwrap();
        assert!(f.api_disabled);
        assert_eq!(f.latency_ms, 10);
        assert!(f.merge(&serde_json::json!({"nope": 1})).is_err());
    }
}
