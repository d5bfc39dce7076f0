// The demo customer site (https://www.acme-shop.test, served by the org simulator) as the tests
// and the demo use it: the org id in its snippets, and functions that run in its pages (they
// read window.__chatEvents, recorded by the site's analytics tag).
import fs from 'node:fs';
import path from 'node:path';

export const DEMO_SITE = 'https://www.acme-shop.test';
/** The demo site's files, served by the simulator under DEMO_SITE. */
export const DEMO_SITE_DIR = path.resolve(import.meta.dirname, '../../../simulator/www/sites/www.acme-shop.test');

/** Every page of the demo site: `/` and each folder with an index.html (`/twice/`, …). */
export function demoPages() {
  const dirs = fs.readdirSync(DEMO_SITE_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(DEMO_SITE_DIR, d.name, 'index.html')))
    .map((d) => `/${d.name}/`)
    .sort();
  return ['/', ...dirs];
}

/** The org id in the demo site's snippets; the simulator is started with it pinned. */
export const DEMO_ORG_ID = '00D8c000001Hlt1';

/** In the page: the widget's event names so far. */
export const CHAT_EVENTS = () => (window.__chatEvents || []).map((e) => e.name);

/** In the page: the event names once the widget reached Ready or failed, else null. */
export const CHAT_SETTLED = () => {
  const names = (window.__chatEvents || []).map((e) => e.name);
  return names.includes('onEmbeddedMessagingReady') || names.includes('onEmbeddedMessagingInitError') ? names : null;
};

/**
 * In the page: what a customer does — click the chat button, wait for the conversation, send
 * one message. Returns {started, status ('Sent'|'Not sent'), failed (FAILED_MESSAGES count)}.
 */
export const START_AND_SEND = async (orgId) => {
  document.getElementById('embeddedMessagingConversationButton').click();
  const deadline = Date.now() + 10000;
  const has = (n) => window.__chatEvents.some((e) => e.name === n);
  while (!has('onEmbeddedMessagingConversationStarted') && !has('onEmbeddedMessagingInitError') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!has('onEmbeddedMessagingConversationStarted')) return { started: false };
  const sent = await window.embeddedservice_bootstrap.utilAPI.sendTextMessage('Hello, my order is late');
  const store = JSON.parse(sessionStorage.getItem(`${orgId}_WEB_STORAGE`) || '{}');
  return { started: true, status: sent.status, failed: (store.FAILED_MESSAGES || []).length };
};

/** The simulator's record of the inserts the widget caused in org `acme`. */
export async function widgetInsertOutcomes(sim) {
  const res = await sim.request('acme.my.salesforce.com', '/__sim/outcomes');
  return (res.json?.acme ?? []).filter((o) => o.source === 'widget');
}
