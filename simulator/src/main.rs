//! `md-sim`: the Messaging Doctor org simulator (see simulator/README.md).

use md_sim::faults::Faults;
use md_sim::{server, OrgArg, Sim};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

const HELP: &str = "md-sim: Messaging Doctor org simulator (a local stand-in, not Salesforce)

USAGE: md-sim [OPTIONS]
  --port N                 port to listen on (0 = pick a free one; default 0)
  --bind ADDR              address to bind (default 127.0.0.1)
  --org MYDOMAIN=SCENARIO[:ORGID]
                           a simulated org (repeatable; default acme=healthy)
  --scenarios-dir DIR      scenario JSON files (default simulator/scenarios, else the crate's)
  --static-dir DIR         files for the ESW site host and customer-site hosts
  --cert-out PATH          write the self-signed certificate (PEM) here
  --key-out PATH           write its private key (PEM) here
  --http                   plain HTTP instead of HTTPS
  --faults JSON|@FILE      fault settings applied to every org (see README)
  --extra-host NAME        add a host name to the certificate (repeatable)
  --exit-on-stdin-eof      stop when standard input closes
  -h, --help               this text

The first line on stdout is: MD_SIM_LISTENING port=<port> scheme=<https|http> bind=<addr> [spki_sha256=<b64>]";

struct Args {
    port: u16,
    bind: IpAddr,
    orgs: Vec<OrgArg>,
    scenarios_dir: Option<PathBuf>,
    static_dir: Option<PathBuf>,
    cert_out: Option<PathBuf>,
    key_out: Option<PathBuf>,
    http: bool,
    faults: Option<String>,
    extra_hosts: Vec<String>,
    stdin_eof: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        port: 0,
        bind: IpAddr::from([127, 0, 0, 1]),
        orgs: vec![],
        scenarios_dir: None,
        static_dir: None,
        cert_out: None,
        key_out: None,
        http: false,
        faults: None,
        extra_hosts: vec![],
        stdin_eof: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") && f != "--org" => {
                (f.to_string(), Some(v.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut val = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                std::process::exit(0);
            }
            "--port" => {
                a.port = val("--port")?
                    .parse()
                    .map_err(|_| "--port: not a port number".to_string())?
            }
            "--bind" => {
                a.bind = val("--bind")?
                    .parse()
                    .map_err(|_| "--bind: not an IP address".to_string())?
            }
            "--org" => a.orgs.push(OrgArg::parse(&val("--org")?)?),
            "--scenarios-dir" => a.scenarios_dir = Some(val("--scenarios-dir")?.into()),
            "--static-dir" => a.static_dir = Some(val("--static-dir")?.into()),
            "--cert-out" => a.cert_out = Some(val("--cert-out")?.into()),
            "--key-out" => a.key_out = Some(val("--key-out")?.into()),
            "--http" => a.http = true,
            "--faults" => a.faults = Some(val("--faults")?),
            "--extra-host" => a.extra_hosts.push(val("--extra-host")?),
            "--exit-on-stdin-eof" => a.stdin_eof = true,
            other => return Err(format!("unknown argument '{other}' (see --help)")),
        }
    }
    if a.orgs.is_empty() {
        a.orgs.push(OrgArg::parse("acme=healthy")?);
    }
    Ok(a)
}

fn scenarios_dir(given: Option<PathBuf>) -> PathBuf {
    if let Some(d) = given {
        return d;
    }
    let local = PathBuf::from("simulator/scenarios");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios")
    }
}

/// SIGTERM and SIGINT handlers, installed before the startup line is printed: a parent that
/// reads the line and signals at once must find them in place (else the default action kills
/// the process with a failure status).
fn stop_signals() -> (tokio::signal::unix::Signal, tokio::signal::unix::Signal) {
    use tokio::signal::unix::{signal, SignalKind};
    (
        signal(SignalKind::terminate()).expect("SIGTERM handler"),
        signal(SignalKind::interrupt()).expect("SIGINT handler"),
    )
}

async fn wait_for_stop(
    stdin_eof: bool,
    (mut term, mut int): (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
) {
    let stdin = async {
        if stdin_eof {
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 256];
            let mut input = tokio::io::stdin();
            while matches!(input.read(&mut buf).await, Ok(n) if n > 0) {}
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
        _ = stdin => {},
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("md-sim: {e}");
            std::process::exit(2);
        }
    };
    let dir = scenarios_dir(args.scenarios_dir.clone());
    let sim = match Sim::from_args(&args.orgs, &dir, args.static_dir.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("md-sim: {e}");
            std::process::exit(2);
        }
    };
    if let Some(f) = &args.faults {
        let text = match f.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path).unwrap_or_else(|e| {
                eprintln!("md-sim: --faults {path}: {e}");
                std::process::exit(2)
            }),
            None => f.clone(),
        };
        let patch: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
            eprintln!("md-sim: --faults: {e}");
            std::process::exit(2)
        });
        let mut st = sim.state.lock().expect("state");
        for o in st.orgs.iter_mut() {
            let mut f: Faults = o.faults.clone();
            if let Err(e) = f.merge(&patch) {
                eprintln!("md-sim: --faults: {e}");
                std::process::exit(2);
            }
            o.faults = f.clone();
            o.base_faults = f;
        }
    }
    let sim = Arc::new(sim);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let running = match server::start(sim.clone(), args.bind, args.port, !args.http, &args.extra_hosts).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("md-sim: {e}");
                std::process::exit(1);
            }
        };
        if let Some(c) = &running.cert {
            for (path, text) in [(&args.cert_out, &c.cert_pem), (&args.key_out, &c.key_pem)] {
                if let Some(p) = path {
                    if let Err(e) = std::fs::write(p, text) {
                        eprintln!("md-sim: writing {}: {e}", p.display());
                        std::process::exit(1);
                    }
                }
            }
        }
        let signals = stop_signals();
        let spki = running.cert.as_ref().map(|c| format!(" spki_sha256={}", c.spki_sha256)).unwrap_or_default();
        println!(
            "MD_SIM_LISTENING port={} scheme={} bind={}{}",
            running.addr.port(),
            if args.http { "http" } else { "https" },
            args.bind,
            spki
        );
        {
            let st = sim.state.lock().expect("state");
            for o in &st.orgs {
                eprintln!(
                    "md-sim: org {} ({}, scenario {}): api https://{} lightning https://{} site https://{} scrt2 https://{}",
                    o.stem,
                    o.id15,
                    o.scenario.name,
                    o.api_host(),
                    o.lightning_host(),
                    o.site_host(),
                    o.scrt_host()
                );
            }
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        wait_for_stop(args.stdin_eof, signals).await;
        running.stop().await;
        eprintln!("md-sim: stopped");
    });
}
