// Watch mode recorder (isolated world). Registered by the popup with
// scripting.registerContentScripts at document_start, only on the origins the admin chose to
// watch ("Watch this site"); never injected anywhere else. It records, from the page's first
// request, what a late scan cannot see:
//   - every resource timing entry (a buffered PerformanceObserver: the entries from before it
//     started, and the ones past the browser's 250-entry buffer),
//   - Content-Security-Policy violations (`securitypolicyviolation`; Firefox keeps none for a
//     late observer),
//   - the widget's own window events (onEmbeddedMessaging…),
//   - the loader's console messages, forwarded by watch-main.js from the page's world,
//   - script and stylesheet elements whose load failed (`error` events): a cross-origin
//     loader's 404 shows no status in resource timing.
// The record stays in this isolated world, where only this extension's content scripts can
// read it; the page scan (content.js) hands it to the Rust core. Nothing is sent anywhere or
// kept after the page closes. Everything recorded is page-controlled text.
//
// Where the record is kept matters: a string-named global such as `globalThis.__mdWatch` can
// be faked by the page without any script, because the page's own elements (`<form id=…>`,
// `<img name=…>`, `<embed name=…>`) appear as named properties of the window in an isolated
// world too (DOM clobbering), which would make an unwatched site look watched. So the record is
// a closure variable, reachable only through a non-enumerable, read-only property keyed by a
// Symbol: element ids and names are strings, so no element can stand in for it.
(() => {
  const WATCH = Symbol.for('messaging-doctor.watch');
  if (Object.getOwnPropertyDescriptor(globalThis, WATCH)) return;
  const CAP = { resources: 5000, csp: 200, events: 500, console: 50, loadErrors: 100, text: 300 };
  const w = {
    version: 1,
    startedMs: performance.now(),
    resources: [],
    resourcesDropped: 0,
    csp: [],
    cspDropped: 0,
    events: [],
    console: [],
    loadErrors: [],
  };
  const text = (v) => (typeof v === 'string' ? v.slice(0, CAP.text) : '');

  const keep = (e) => {
    if (w.resources.length >= CAP.resources) {
      w.resourcesDropped += 1;
      return;
    }
    const status = typeof e.responseStatus === 'number' && e.responseStatus > 0 ? e.responseStatus : null;
    w.resources.push({
      url: text(e.name), initiator: text(e.initiatorType), status, durationMs: e.duration, startMs: e.startTime,
    });
  };
  let observer = null;
  try {
    observer = new PerformanceObserver((list) => list.getEntries().forEach(keep));
    observer.observe({ type: 'resource', buffered: true });
  } catch (e) {
    observer = null;
  }
  // What content.js reads: `take` delivers entries the observer has queued but not yet
  // delivered, then returns the record.
  Object.defineProperty(globalThis, WATCH, {
    value: Object.freeze({
      take() {
        if (observer) observer.takeRecords().forEach(keep);
        return w;
      },
    }),
    enumerable: false,
    writable: false,
    configurable: false,
  });

  document.addEventListener('securitypolicyviolation', (e) => {
    if (w.csp.length >= CAP.csp) {
      w.cspDropped += 1;
      return;
    }
    w.csp.push({ blockedUrl: text(e.blockedURI), directive: text(e.effectiveDirective || e.violatedDirective), atMs: e.timeStamp });
  }, true);

  // The widget's events (facts: miaw-widget.md §3). `detail` comes from the page's world; only a
  // string field is kept, and only where the browser lets this world read it.
  const EVENTS = ['Ready', 'ButtonCreated', 'ButtonClicked', 'ConversationStarted', 'InitSuccess', 'InitError',
    'BusinessHoursEnded', 'BusinessHoursStarted', 'WindowMaximized', 'WindowMinimized', 'ConversationClosed',
    'PreChatSubmitted', 'SessionStatusUpdate'];
  for (const short of EVENTS) {
    const name = `onEmbeddedMessaging${short}`;
    window.addEventListener(name, (e) => {
      if (w.events.length >= CAP.events) return;
      let detail = null;
      try {
        const d = e.detail;
        const v = d && (d.buttonVisibility ?? d.status ?? d.reason);
        if (typeof v === 'string') detail = text(v);
      } catch (err) {
        detail = null;
      }
      w.events.push(detail === null ? { name, atMs: e.timeStamp } : { name, atMs: e.timeStamp, detail });
    }, true);
  }

  // A failed load does not bubble; the capture phase on window sees it. Only script and
  // stylesheet elements: the chat's loader and styles.
  window.addEventListener('error', (e) => {
    const el = e.target;
    if (!el || el === window || w.loadErrors.length >= CAP.loadErrors) return;
    const tag = typeof el.tagName === 'string' ? el.tagName.toLowerCase() : '';
    if (tag !== 'script' && tag !== 'link') return;
    w.loadErrors.push({ url: text(tag === 'script' ? el.src : el.href), tag, atMs: e.timeStamp });
  }, true);

  // From watch-main.js: "<level>\n<text>". Anything the page dispatches under this name is
  // recorded the same way (it is page-controlled text either way).
  document.addEventListener('messaging-doctor:console', (e) => {
    if (w.console.length >= CAP.console || typeof e.detail !== 'string') return;
    const cut = e.detail.indexOf('\n');
    if (cut < 0) return;
    w.console.push({ level: text(e.detail.slice(0, cut)), text: text(e.detail.slice(cut + 1)), atMs: e.timeStamp });
  }, true);
})();
