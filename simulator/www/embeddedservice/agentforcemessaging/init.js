/*
 * md-sim's stand-in for Agentforce Messaging's loader (init.js). It is NOT Salesforce's code: it
 * behaves like the public copies of Salesforce's 2025 `init.js` (object form) wherever the page
 * scan's detection depends on it (simulator/CONTRACT.md, C-AGENTFORCE-*):
 *   - it defines `window.agentforce_messaging` once; a second copy of the script logs
 *     "Agentforce Messaging has already been initialized" and changes nothing;
 *   - `init(config)` takes ONE object {siteUrl, agentApiConfiguration: {agentId, domainUrl},
 *     uiConfiguration, devMode}; without siteUrl, agentId or domainUrl it throws, catches and
 *     logs "Invalid init() configuration specified. siteUrl, agentId & domainUrl are mandatory."
 *     and builds nothing (any other argument form fails the same way);
 *   - otherwise, in the same call, it asks for `init.css` next to the script element
 *     #init-agentforce-messaging and builds #agentforce-messaging with the iframe
 *     #agentforce-messaging-frame (`<siteUrl>/?lwc.mode=prod`) at once, before the site has
 *     answered: a frame on the page does not mean the chat app runs;
 *   - it makes no request of its own to Salesforce APIs (the agent is reached from inside the
 *     frame); the host page learns the app's state only from the frame's postMessages:
 *     `lwr_iframe_ready` (answered with `set_app_config`) and `resize` ({state, width,
 *     height}: the frame gets the class init|normal|expanded|closed and that size; init.css
 *     keeps it 0×0 before);
 *   - like the public copies, it checks neither the message's origin nor a second init() (a
 *     second call builds a second container and frame with the same ids).
 */
(function () {
  'use strict';
  var CONTAINER_ID = 'agentforce-messaging';
  var FRAME_ID = 'agentforce-messaging-frame';
  var SCRIPT_ID = 'init-agentforce-messaging';
  var STATES = ['init', 'normal', 'expanded', 'closed'];

  if (window.agentforce_messaging) {
    console.error('Agentforce Messaging has already been initialized');
    return;
  }

  var config = {};

  function frame() { return document.getElementById(FRAME_ID); }

  function complete(c) {
    return !!(c && c.siteUrl && c.agentApiConfiguration
      && c.agentApiConfiguration.agentId && c.agentApiConfiguration.domainUrl);
  }

  function onResize(data) {
    var f = frame();
    if (!f) return;
    if (data.width) f.style.width = data.width;
    if (data.height) f.style.height = data.height;
    if (STATES.indexOf(data.state) < 0) return;
    if (data.state !== 'init') {
      STATES.forEach(function (s) { f.classList.remove(s); });
    }
    f.classList.add(data.state);
  }

  function sendConfig() {
    var f = frame();
    if (!f || !f.contentWindow) {
      console.warn('Agentforce Messaging iframe not available for post message with method set_app_config.');
      return;
    }
    // The target origin is the site URL as written; one without a scheme throws here, as it
    // does in the public copies.
    f.contentWindow.postMessage({ type: 'set_app_config', data: config }, config.siteUrl);
  }

  function onMessage(event) {
    var data = event.data || {};
    if (data.type === 'resize') onResize(data);
    else if (data.type === 'lwr_iframe_ready') sendConfig();
    else if (data.type === 'text_message_link_click') { /* links open inside the frame here */ }
    else console.warn('Unrecognized postMessage event name: ' + data.type);
  }

  function loadStyles() {
    return new Promise(function (resolve, reject) {
      var script = document.getElementById(SCRIPT_ID);
      if (!script) {
        reject(new Error('Failed to locate init.js on page.'));
        return;
      }
      var link = document.createElement('link');
      link.rel = 'stylesheet';
      link.type = 'text/css';
      link.href = script.src.slice(0, script.src.indexOf('/init.js')) + '/init.css';
      link.onload = resolve;
      link.onerror = reject;
      document.head.appendChild(link);
    });
  }

  function buildFrame(target) {
    return new Promise(function (resolve, reject) {
      var container = document.createElement('div');
      container.id = CONTAINER_ID;
      container.className = CONTAINER_ID;
      var f = document.createElement('iframe');
      f.id = FRAME_ID;
      f.className = FRAME_ID;
      f.title = FRAME_ID;
      f.style.backgroundColor = 'transparent';
      var site = String(config.siteUrl);
      if (site.charAt(site.length - 1) !== '/') site += '/';
      f.src = site + '?lwc.mode=' + (config.devMode ? 'dev' : 'prod');
      f.allow = 'microphone';
      f.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-modals allow-downloads allow-popups allow-popups-to-escape-sandbox');
      f.onload = resolve;
      f.onerror = reject;
      container.appendChild(f);
      target.appendChild(container);
    });
  }

  window.agentforce_messaging = {
    settings: { targetElement: document.body },
    init: function (appConfig) {
      try {
        if (!complete(appConfig)) {
          throw new Error('Invalid init() configuration specified. siteUrl, agentId & domainUrl are mandatory.');
        }
        config = appConfig;
        window.addEventListener('message', onMessage);
        loadStyles().then(function () { console.log('Loaded CSS'); },
          function () { console.error('Error loading CSS'); });
        // Through the global, as the public copies do: a detached `init` still works.
        buildFrame(window.agentforce_messaging.settings.targetElement || document.body).then(
          function () { console.log('Created Agentforce Messaging frame'); },
          function (e) { console.error('Error creating Agentforce Messaging frame: ' + e); });
      } catch (e) {
        console.error(e);
      }
    },
  };
})();
