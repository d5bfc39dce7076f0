//! Tests over real sockets: HTTPS on loopback with the generated certificate, SSE streaming,
//! and the `md-sim` binary's startup line and SIGTERM handling.

mod common;

use md_sim::server;
use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn tls_client(cert_der: &[u8]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(cert_der.to_vec()))
        .unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
}

/// Sends one HTTP/1.1 request and reads the whole (Connection: close) response.
async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut s: S,
    host: &str,
    path: &str,
    extra: &str,
) -> (u16, String, String) {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .expect("response in time")
        .ok();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

#[tokio::test]
async fn https_on_loopback_routes_by_host_and_sni() {
    let sim = Arc::new(common::sim(&[("acme", "healthy"), ("beta", "two-causes")]));
    let running = server::start(sim.clone(), LOOPBACK, 0, true, &[])
        .await
        .unwrap();
    let port = running.addr.port();
    let cert = running.cert.as_ref().unwrap();
    assert!(cert.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(cert.spki_sha256.len(), 44);
    let connector = tls_client(cert.cert_der());
    let name = |h: &str| rustls::pki_types::ServerName::try_from(h.to_string()).unwrap();

    let tcp = TcpStream::connect((LOOPBACK, port)).await.unwrap();
    let tls = connector
        .connect(name("acme.my.salesforce.com"), tcp)
        .await
        .expect("certificate trusted for the API host");
    let (status, _, body) = exchange(tls, "acme.my.salesforce.com", "/services/data/", "").await;
    assert_eq!(status, 200);
    assert!(body.contains("\"version\":\"68.0\""), "{body}");

    let tcp = TcpStream::connect((LOOPBACK, port)).await.unwrap();
    let tls = connector
        .connect(name("acme.my.salesforce.com"), tcp)
        .await
        .unwrap();
    let (status, head, _) = exchange(
        tls,
        "acme.my.salesforce.com",
        "/__sim/login?user=admin@acme.sim",
        "",
    )
    .await;
    assert_eq!(status, 302);
    let cookie_line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap()
        .to_string();
    assert!(
        cookie_line.contains("sid=00D8c000001Hlt1!")
            && cookie_line.contains("Secure")
            && cookie_line.contains("HttpOnly")
    );
    let sid = cookie_line
        .split("sid=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    let tcp = TcpStream::connect((LOOPBACK, port)).await.unwrap();
    let tls = connector
        .connect(name("acme.my.salesforce.com"), tcp)
        .await
        .unwrap();
    let q = common::enc("SELECT Id, Name FROM User WHERE UserType = 'AutomatedProcess'");
    let (status, _, body) = exchange(
        tls,
        "acme.my.salesforce.com",
        &format!("/services/data/v65.0/query?q={q}"),
        &format!("Authorization: Bearer {sid}\r\n"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Name\":\"Automated Process\""), "{body}");

    // Same port, other org, other family.
    let tcp = TcpStream::connect((LOOPBACK, port)).await.unwrap();
    let tls = connector
        .connect(name("beta.my.salesforce-scrt.com"), tcp)
        .await
        .unwrap();
    let (status, _, body) = exchange(
        tls,
        "beta.my.salesforce-scrt.com",
        "/embeddedservice/v1/embedded-service-config?orgId=00D8c000001Two9&esConfigName=Web_Chat",
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"name\":\"Web_Chat\""));

    // Unauthenticated API call over TLS.
    let tcp = TcpStream::connect((LOOPBACK, port)).await.unwrap();
    let tls = connector
        .connect(name("beta.my.salesforce.com"), tcp)
        .await
        .unwrap();
    let (status, _, body) = exchange(
        tls,
        "beta.my.salesforce.com",
        "/services/data/v65.0/limits",
        "",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        r#"[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]"#
    );

    // A host the certificate does not name is refused by the client.
    let tcp = TcpStream::connect((LOOPBACK, port)).await.unwrap();
    assert!(connector
        .connect(name("www.not-covered.test"), tcp)
        .await
        .is_err());
    running.stop().await;
}

#[tokio::test]
async fn sse_stream_delivers_routing_events() {
    let sim = Arc::new(common::sim(&[("acme", "healthy")]));
    let running = server::start(sim.clone(), LOOPBACK, 0, false, &[])
        .await
        .unwrap();
    let c = common::chat(&sim, "acme", "Web_Chat");
    assert_eq!(c.conversation_status, 201);
    let mut s = TcpStream::connect(running.addr).await.unwrap();
    let req = format!(
        "GET /eventrouter/v1/sse HTTP/1.1\r\nHost: acme.my.salesforce-scrt.com\r\nAuthorization: Bearer {}\r\nX-Org-Id: 00D8c000001Hlt1\r\nAccept: text/event-stream\r\n\r\n",
        c.token
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut got = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 4096];
    while !got.contains("CONVERSATION_MESSAGE") && Instant::now() < deadline {
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await {
            if n == 0 {
                break;
            }
            got.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(
        got.to_ascii_lowercase()
            .contains("content-type: text/event-stream"),
        "{got}"
    );
    assert!(got.contains("event: CONVERSATION_ROUTING_RESULT"), "{got}");
    assert!(got.contains("event: CONVERSATION_MESSAGE"), "{got}");
    running.stop().await;
}

#[test]
fn binary_prints_port_and_stops_on_sigterm() {
    let cert = std::env::temp_dir().join(format!("md-sim-cert-{}.pem", std::process::id()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_md-sim"))
        .args([
            "--port",
            "0",
            "--org",
            "acme=healthy",
            "--org",
            "beta=validation-rule:00D8c000009BETA",
            "--cert-out",
        ])
        .arg(&cert)
        .arg("--scenarios-dir")
        .arg(common::scenarios_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("MD_SIM_LISTENING port="), "{line}");
    assert!(line.contains(" scheme=https"), "{line}");
    assert!(line.contains(" spki_sha256="), "{line}");
    let port: u16 = line
        .split("port=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(port > 0);
    let pem = std::fs::read_to_string(&cert).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let code = loop {
        if let Some(c) = child.try_wait().unwrap() {
            break c;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "md-sim did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "{code:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("org beta (00D8c000009BETA, scenario validation-rule)"),
        "{err}"
    );
    assert!(err.contains("md-sim: stopped"), "{err}");
    let _ = std::fs::remove_file(&cert);
}

#[test]
fn binary_rejects_bad_arguments() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_md-sim"))
        .args(["--org", "acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected <mydomain>=<scenario>"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_md-sim"))
        .args(["--org", "acme=no-such-scenario", "--scenarios-dir"])
        .arg(common::scenarios_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-scenario.json"));
}
