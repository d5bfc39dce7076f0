//! Static files: the ESW site host (`/<site prefix>/...` → `<static-dir>/...`) and customer-site
//! hosts (`<static-dir>/sites/<host>/...`), with optional `<file>.headers` sidecars.

use crate::http::{Request, Response};
use crate::State;
use std::path::{Path, PathBuf};

fn content_type(p: &Path) -> &'static str {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "html" | "htm" => "text/html;charset=UTF-8",
        "js" | "mjs" => "application/javascript;charset=UTF-8",
        "css" => "text/css;charset=UTF-8",
        "json" => "application/json;charset=UTF-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain;charset=UTF-8",
        _ => "application/octet-stream",
    }
}

/// Joins a URL path under `root`, refusing traversal.
fn safe_join(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut p = root.to_path_buf();
    for seg in rel.split('/').filter(|s| !s.is_empty()) {
        if seg == ".." || seg == "." || seg.contains('\\') || seg.contains('\0') {
            return None;
        }
        p.push(seg);
    }
    Some(p)
}

/// Serves a file, honouring a `<file>.headers` sidecar (`Name: value` lines).
pub fn serve_file(root: &Path, rel: &str) -> Option<Response> {
    if rel.ends_with(".headers") {
        return None;
    }
    let mut p = safe_join(root, rel)?;
    if p.is_dir() {
        p.push("index.html");
    }
    let body = std::fs::read(&p).ok()?;
    let mut r = Response::text(200, content_type(&p), body);
    let sidecar = PathBuf::from(format!("{}.headers", p.display()));
    if let Ok(text) = std::fs::read_to_string(sidecar) {
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if let Some((k, v)) = line.split_once(':') {
                let k = k.trim();
                if k.eq_ignore_ascii_case("content-type") {
                    r.headers
                        .retain(|(h, _)| !h.eq_ignore_ascii_case("content-type"));
                }
                r.headers.push((k.to_string(), v.trim().to_string()));
            }
        }
    }
    Some(r)
}

fn not_found() -> Response {
    Response::html(
        404,
        "<!doctype html><title>Page Not Found</title><p>Page not found (org simulator).</p>",
    )
}

/// `https://<mydomain>.my.site.com/<UrlPathPrefix>/...`.
pub fn site(st: &State, oi: usize, req: &Request) -> Response {
    let org = &st.orgs[oi];
    let path = req.path.trim_start_matches('/');
    let (prefix, rest) = path.split_once('/').unwrap_or((path, ""));
    let site = org.table("Site").and_then(|t| {
        t.rows.iter().find(|r| {
            r.get("UrlPathPrefix")
                .and_then(|v| v.as_str())
                .map(|p| p.eq_ignore_ascii_case(prefix))
                .unwrap_or(false)
        })
    });
    let Some(site) = site else { return not_found() };
    if site.get("Status").and_then(|v| v.as_str()) != Some("Active") {
        return Response::html(503, "<!doctype html><title>Site under construction</title><p>This site is inactive (org simulator).</p>");
    }
    if rest.starts_with("sites/") {
        return not_found();
    }
    let mut r = match st.static_dir.as_deref().and_then(|d| serve_file(d, rest)) {
        Some(r) => r,
        None if rest.is_empty() => Response::html(
            200,
            &format!("<!doctype html><html><head><title>{prefix}</title></head><body><p>Embedded messaging site placeholder (org simulator).</p></body></html>"),
        ),
        None => not_found(),
    };
    if let Some(origin) = req.header("Origin") {
        if crate::widget::origin_allowed(org, origin) {
            r = r
                .with_header("Access-Control-Allow-Origin", origin)
                .with_header("Vary", "Origin");
        }
    }
    r
}

/// Any host outside the simulated Salesforce families: `<static-dir>/sites/<host>/...`.
pub fn customer_site(st: &State, req: &Request) -> Response {
    let Some(dir) = st.static_dir.as_deref() else {
        return not_found();
    };
    let host_dir = dir.join("sites").join(&req.host);
    if req.host.contains('/') || req.host.contains("..") || !host_dir.is_dir() {
        return not_found();
    }
    serve_file(&host_dir, &req.path).unwrap_or_else(not_found)
}
