// Acme Shop's analytics tag (demo customer site, org simulator): records the chat widget's
// window events, as sites do to measure chat engagement. Tests read window.__chatEvents.
(function () {
  var names = ['onEmbeddedMessagingReady', 'onEmbeddedMessagingButtonCreated', 'onEmbeddedMessagingButtonClicked',
    'onEmbeddedMessagingConversationStarted', 'onEmbeddedMessagingInitSuccess', 'onEmbeddedMessagingInitError',
    'onEmbeddedMessagingBusinessHoursEnded', 'onEmbeddedMessagingBusinessHoursStarted',
    'onEmbeddedMessagingSessionStatusUpdate', 'onEmbeddedMessagingConversationClosed'];
  window.__chatEvents = [];
  names.forEach(function (n) {
    window.addEventListener(n, function (e) {
      window.__chatEvents.push({ name: n, detail: e.detail || {}, t: Math.round(performance.now()) });
    });
  });
})();
