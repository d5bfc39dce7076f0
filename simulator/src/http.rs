//! Transport-independent request/response types used by the in-process router.

use serde_json::Value;

#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// Host header without port, lower case.
    pub host: String,
    pub path: String,
    /// Raw query string (without `?`).
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Builds a request from a method, host and a path that may carry a query string.
    pub fn new(method: &str, host: &str, path_and_query: &str) -> Request {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (path_and_query.to_string(), String::new()),
        };
        Request {
            method: method.to_ascii_uppercase(),
            host: normalise_host(host),
            path,
            query,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_bearer(self, token: &str) -> Request {
        self.with_header("Authorization", &format!("Bearer {token}"))
    }

    pub fn with_json(mut self, body: &Value) -> Request {
        self.body = body.to_string().into_bytes();
        self.with_header("Content-Type", "application/json")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    pub fn json(&self) -> Result<Value, String> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| e.to_string())
    }
}

/// Lower-cases a Host header value and drops the port.
pub fn normalise_host(h: &str) -> String {
    let h = h.trim().to_ascii_lowercase();
    if h.starts_with('[') {
        return h.split(']').next().map(|x| format!("{x}]")).unwrap_or(h);
    }
    match h.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name.to_string(),
        _ => h,
    }
}

/// A server-sent-events stream request handed to the transport layer.
#[derive(Clone, Debug)]
pub struct SseSpec {
    pub org: usize,
    pub subject: String,
}

#[derive(Clone, Debug, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Latency to add before answering (fault injection).
    pub delay_ms: u64,
    pub sse: Option<SseSpec>,
    /// Close the connection instead of answering (fault injection: a lost answer).
    pub lost: bool,
}

impl Response {
    pub fn json(status: u16, v: &Value) -> Response {
        Response {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json;charset=UTF-8".into(),
            )],
            body: v.to_string().into_bytes(),
            ..Default::default()
        }
    }

    pub fn text(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            ..Default::default()
        }
    }

    pub fn html(status: u16, body: &str) -> Response {
        Response::text(status, "text/html;charset=UTF-8", body.as_bytes().to_vec())
    }

    pub fn empty(status: u16) -> Response {
        Response {
            status,
            ..Default::default()
        }
    }

    pub fn redirect(location: &str) -> Response {
        Response {
            status: 302,
            headers: vec![("Location".into(), location.into())],
            ..Default::default()
        }
    }

    /// A Salesforce-style error array with one entry.
    pub fn sf_error(status: u16, code: &str, message: &str) -> Response {
        Response::json(
            status,
            &serde_json::json!([{"errorCode": code, "message": message}]),
        )
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Body parsed as JSON (Null when not JSON).
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
