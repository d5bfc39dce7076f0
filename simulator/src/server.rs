//! The network side: loopback HTTPS (rustls + ring, certificate made at start with rcgen) or
//! plain HTTP, HTTP/1.1 via hyper, every request handed to [`Sim::handle`].

use crate::http::{normalise_host, Request, Response};
use crate::Sim;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsAcceptor;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// The self-signed certificate of this run.
pub struct CertInfo {
    pub cert_pem: String,
    pub key_pem: String,
    /// base64(SHA-256(SubjectPublicKeyInfo)) for Chromium's `--ignore-certificate-errors-spki-list`.
    pub spki_sha256: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn b64std(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Makes a self-signed certificate for the given host names plus the Salesforce-family wildcards,
/// localhost and 127.0.0.1.
pub fn make_cert(hosts: &[String]) -> Result<CertInfo, String> {
    let mut names: Vec<String> = vec![
        "localhost".into(),
        "127.0.0.1".into(),
        "*.my.salesforce.com".into(),
        "*.sandbox.my.salesforce.com".into(),
        "*.develop.my.salesforce.com".into(),
        "*.lightning.force.com".into(),
        "*.sandbox.lightning.force.com".into(),
        "*.my.salesforce-setup.com".into(),
        "*.my.site.com".into(),
        "*.sandbox.my.site.com".into(),
        "*.develop.my.site.com".into(),
        "*.my.salesforce-scrt.com".into(),
        "*.sandbox.my.salesforce-scrt.com".into(),
        "*.develop.my.salesforce-scrt.com".into(),
    ];
    for h in hosts {
        if !names.contains(h) {
            names.push(h.clone());
        }
    }
    let ck = rcgen::generate_simple_self_signed(names).map_err(|e| format!("certificate: {e}"))?;
    let spki = ck.key_pair.public_key_der();
    let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
    Ok(CertInfo {
        cert_pem: ck.cert.pem(),
        key_pem: ck.key_pair.serialize_pem(),
        spki_sha256: b64std(digest.as_ref()),
        cert_der: ck.cert.der().to_vec(),
        key_der: ck.key_pair.serialize_der(),
    })
}

impl CertInfo {
    /// DER of the certificate (to trust it in a TLS client).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }
}

fn tls_acceptor(cert: &CertInfo) -> Result<TlsAcceptor, String> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_der.clone())),
        )
        .map_err(|e| e.to_string())?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}

/// Streams the SSE events of one subscriber.
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

async fn to_request(req: hyper::Request<Incoming>) -> Request {
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.host().map(str::to_string))
        .unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let body = http_body_util::Limited::new(body, 16 * 1024 * 1024)
        .collect()
        .await
        .map(|c| c.to_bytes().to_vec())
        .unwrap_or_default();
    Request {
        method: parts.method.as_str().to_string(),
        host: normalise_host(&host),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers,
        body,
    }
}

fn sse_body(sim: Arc<Sim>, org: usize, subject: String) -> Body {
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        let mut cursor: HashMap<String, usize> = HashMap::new();
        if tx
            .send(Bytes::from_static(b": connected to org simulator\n\n"))
            .await
            .is_err()
        {
            return;
        }
        let mut ticks = 0u64;
        // Bounded: at most 30 minutes per stream.
        while ticks < 6000 {
            let text = {
                let st = sim.state.lock().unwrap_or_else(|e| e.into_inner());
                st.orgs
                    .get(org)
                    .map(|o| crate::widget::sse_drain(o, &subject, &mut cursor))
                    .unwrap_or_default()
            };
            if !text.is_empty() && tx.send(Bytes::from(text)).await.is_err() {
                return;
            }
            ticks += 1;
            if ticks % 50 == 0
                && tx
                    .send(Bytes::from_static(b": keepalive\n\n"))
                    .await
                    .is_err()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    });
    ChannelBody { rx }.boxed()
}

fn to_hyper(sim: &Arc<Sim>, r: Response) -> hyper::Response<Body> {
    let mut b = hyper::Response::builder().status(r.status);
    for (k, v) in &r.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    let body = match &r.sse {
        Some(s) => sse_body(sim.clone(), s.org, s.subject.clone()),
        None => Full::new(Bytes::from(r.body)).boxed(),
    };
    b.body(body).unwrap_or_else(|_| {
        hyper::Response::new(Full::new(Bytes::from_static(b"bad response")).boxed())
    })
}

async fn serve_one(
    sim: Arc<Sim>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, std::io::Error> {
    let r = to_request(req).await;
    let resp = sim.handle(&r);
    if resp.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(resp.delay_ms)).await;
    }
    if resp.lost {
        // An error from the service makes hyper close the connection with no response.
        return Err(std::io::Error::other("answer lost (fault)"));
    }
    Ok(to_hyper(&sim, resp))
}

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    pub cert: Option<CertInfo>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting and waits for the accept loop to end.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }
}

/// Binds and starts serving. `tls` false serves plain HTTP.
pub async fn start(
    sim: Arc<Sim>,
    bind: IpAddr,
    port: u16,
    tls: bool,
    extra_hosts: &[String],
) -> Result<Running, String> {
    let listener = TcpListener::bind((bind, port))
        .await
        .map_err(|e| format!("bind {bind}:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (cert, acceptor) = if tls {
        let mut hosts = sim.host_names();
        hosts.extend(extra_hosts.iter().cloned());
        let c = make_cert(&hosts)?;
        let a = tls_acceptor(&c)?;
        (Some(c), Some(a))
    } else {
        (None, None)
    };
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = &mut stop_rx => break,
            };
            let Ok((stream, _)) = accepted else { continue };
            let sim = sim.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| serve_one(sim.clone(), req));
                match acceptor {
                    Some(a) => {
                        if let Ok(tls) = a.accept(stream).await {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(tls), svc)
                                .await;
                        }
                    }
                    None => {
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    }
                }
            });
        }
    });
    Ok(Running {
        addr,
        cert,
        stop: Some(stop_tx),
        task,
    })
}
