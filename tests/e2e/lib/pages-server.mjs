// Serves the page fixtures of tests/pages on 127.0.0.1 for the E2E tests.
//   /<case>/                               → tests/pages/<case>/page.html (+ headers.json)
//   /<any path>/assets/js/bootstrap.min.js → an empty stand-in loader (no network needed)
//   /<any path>/assets/js/init.js          → the same empty stand-in for Agentforce Messaging's
//       positional generation (simulator/CONTRACT.md C-AGENTFORCE-POSITIONAL)
//   /<any path>/embeddedservice/agentforcemessaging/<version>/init.js|init.css → the org
//       simulator's Agentforce Messaging stand-in (simulator/www/embeddedservice/…): it behaves
//       like the real loader (refuses an incomplete config, builds its container and frame at
//       once); the frame's site never answers here (no host is reachable), so such a page
//       stays "starting" and then stalls
// Cases whose expected.json has `simulator` run against the org simulator instead (their page
// is served as https://www.acme-shop.test/<case>/, tests/e2e/agentforce.test.mjs): listCases()
// leaves them out unless asked.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

export const PAGES_DIR = path.resolve(import.meta.dirname, '../../pages');
const AGENTFORCE_DIR = path.resolve(import.meta.dirname, '../../../simulator/www/embeddedservice/agentforcemessaging');

/**
 * Cases: every folder of tests/pages with a page.html, with its expected.json; the ones that run
 * against the org simulator (expected.simulator) only with `{simulator: true}`, and then only them.
 */
export function listCases({ simulator = false } = {}) {
  return fs.readdirSync(PAGES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(PAGES_DIR, d.name, 'page.html')))
    .map((d) => ({
      name: d.name,
      expected: JSON.parse(fs.readFileSync(path.join(PAGES_DIR, d.name, 'expected.json'), 'utf8')),
    }))
    .filter((c) => Boolean(c.expected.simulator) === simulator);
}

/** @returns {Promise<{origin: string, close: () => Promise<void>}>} */
export async function startPagesServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname.endsWith('/assets/js/bootstrap.min.js') || url.pathname.endsWith('/assets/js/init.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end('/* test stand-in for the loader: defines nothing */\n');
      return;
    }
    const agentforce = /\/embeddedservice\/agentforcemessaging\/[^/]+\/(init\.(js|css))$/.exec(url.pathname);
    if (agentforce) {
      res.writeHead(200, { 'content-type': agentforce[2] === 'js' ? 'text/javascript' : 'text/css' });
      res.end(fs.readFileSync(path.join(AGENTFORCE_DIR, agentforce[1])));
      return;
    }
    const m = /^\/([a-z0-9-]+)\/$/.exec(url.pathname);
    const dir = m && path.join(PAGES_DIR, m[1]);
    if (!dir || !fs.existsSync(path.join(dir, 'page.html'))) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const headersFile = path.join(dir, 'headers.json');
    const extra = fs.existsSync(headersFile) ? JSON.parse(fs.readFileSync(headersFile, 'utf8')) : {};
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...extra });
    res.end(fs.readFileSync(path.join(dir, 'page.html')));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
