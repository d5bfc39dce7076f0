// Background (service worker in Chromium, event page in Firefox).
// Keeps the toolbar tooltip current and owns the live capture (capture.js), which must outlive
// the popup: it cleans up what it wrote to the org when the popup closes mid-capture, and at
// every start cleans up a capture an earlier instance left behind.
import { onConnect, recoverOrphan } from './capture.js';

const api = globalThis.browser ?? globalThis.chrome;

api.runtime.onInstalled.addListener(() => {
  api.action.setTitle({ title: 'Messaging Doctor: check this page\'s chat' });
});

// Listeners are registered synchronously at the top level, so a stopped service worker is
// started again for them.
api.runtime.onConnect.addListener(onConnect);
recoverOrphan();
