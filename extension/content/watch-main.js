// Watch mode, the page's world (registered with world: 'MAIN' at document_start, only on
// watched origins). The chat loader reports a second loader, a second init and a failed
// configuration only on the console (facts: miaw-widget.md §2), and the console of the page's
// world cannot be read from an extension's isolated world. This wraps console.error and
// console.warn: every call goes through unchanged; a call whose text carries one of the
// loader's signatures is also announced as a `messaging-doctor:console` event on the document
// (a string, which crosses to watch.js in the isolated world). Nothing else is forwarded.
(() => {
  // Agentforce Messaging's loader logs its refusals the same way: "Agentforce Messaging has
  // already been initialized", and an Error "Invalid init() configuration specified. …".
  const SIGNATURE = /EmbeddedServiceBootstrap|Embedded Messaging|Agentforce Messaging|Invalid init\(\) configuration|MIAW script|create new conversation multiple times/i;
  const c = globalThis.console;
  if (!c || c.__messagingDoctorWatch) return;
  for (const level of ['error', 'warn']) {
    const original = c[level];
    if (typeof original !== 'function') continue;
    c[level] = function watchedConsole(...args) {
      try {
        const text = args.map((a) => (typeof a === 'string' ? a : (a && typeof a.message === 'string' ? a.message : ''))).join(' ');
        if (SIGNATURE.test(text)) {
          document.dispatchEvent(new CustomEvent('messaging-doctor:console', { detail: `${level}\n${text.slice(0, 300)}` }));
        }
      } catch (e) {
        // Never let the recorder change what the page's console call does.
      }
      return original.apply(this, args);
    };
  }
  try {
    Object.defineProperty(c, '__messagingDoctorWatch', { value: true });
  } catch (e) {
    // A frozen console: the wrappers above are in place or were refused; either is fine.
  }
})();
