// Background (service worker in Chromium, event page in Firefox).
// Today it only keeps the toolbar tooltip current. Later issues give it the work that must
// outlive the popup: the webRequest observer for "watch this site" and live-capture clean-up.
const api = globalThis.browser ?? globalThis.chrome;

api.runtime.onInstalled.addListener(() => {
  api.action.setTitle({ title: 'Messaging Doctor: check this page\'s chat' });
});
