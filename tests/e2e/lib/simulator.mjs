// Starts the org simulator (target/debug/md-sim, built by scripts/test.sh) for a test, on one
// loopback port that stays the same across restarts, so a browser launched once with its host
// mapping can be pointed at another scenario by restarting the simulator.
import { spawn } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';

const ROOT = path.resolve(import.meta.dirname, '../../..');
export const SIM_BIN = process.env.MD_SIM_BIN ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'debug/md-sim');
export const STATIC_DIR = path.join(ROOT, 'simulator/www');
export const SCENARIOS_DIR = path.join(ROOT, 'simulator/scenarios');

/** Host names the browsers map to the simulator. */
export const SIM_HOST_PATTERNS = ['*.my.salesforce.com', '*.lightning.force.com', '*.my.site.com',
  '*.my.salesforce-scrt.com', '*.my.salesforce-setup.com', 'www.acme-shop.test'];

/** Chromium flags: map the simulated hosts to the simulator, everything else nowhere. */
export function chromiumHostArgs(port) {
  const rules = SIM_HOST_PATTERNS.map((h) => `MAP ${h} 127.0.0.1:${port}`);
  rules.push('MAP * ~NOTFOUND', 'EXCLUDE 127.0.0.1');
  return [`--host-resolver-rules=${rules.join(', ')}`, '--ignore-certificate-errors'];
}

/** Firefox's hostMap option (tests/e2e/lib/firefox.mjs). */
export function firefoxHostMap(port) {
  return Object.fromEntries(SIM_HOST_PATTERNS.map((h) => [h, `127.0.0.1:${port}`]));
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * @param {{orgs: string[], port?: number}} opts  orgs as md-sim's --org values, e.g. 'acme=healthy'
 */
export async function startSimulator({ orgs, port }) {
  if (!fs.existsSync(SIM_BIN)) throw new Error(`${SIM_BIN} is missing: build it with cargo build -p md-sim`);
  const sim = { port: port ?? await freePort(), child: null, log: '' };

  sim.start = async (orgList) => {
    const args = ['--port', String(sim.port), '--bind', '127.0.0.1', '--scenarios-dir', SCENARIOS_DIR,
      '--static-dir', STATIC_DIR, ...orgList.flatMap((o) => ['--org', o])];
    const child = spawn(SIM_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    sim.child = child;
    child.stderr.on('data', (d) => { sim.log += d; });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`md-sim did not start in 10 s:\n${sim.log}`)), 10000);
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (/MD_SIM_LISTENING port=\d+/.test(out)) { clearTimeout(timer); resolve(); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`md-sim exited (${code}):\n${sim.log}`)); });
    });
  };

  sim.stop = async () => {
    const child = sim.child;
    sim.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  /** Same port, other scenario(s). */
  sim.restart = async (orgList) => {
    await sim.stop();
    await sim.start(orgList);
  };

  /** A control or API call to the simulator under a simulated host name. */
  sim.request = (host, urlPath, { method = 'GET', body, headers = {} } = {}) => new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request({
      host: '127.0.0.1', port: sim.port, servername: host, method, path: urlPath,
      headers: { host, ...(data ? { 'content-type': 'application/json' } : {}), ...headers },
      rejectUnauthorized: false, timeout: 10000,
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`simulator request ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(data);
  });

  process.once('exit', () => { if (sim.child && sim.child.exitCode === null) sim.child.kill('SIGKILL'); });
  await sim.start(orgs);
  return sim;
}
