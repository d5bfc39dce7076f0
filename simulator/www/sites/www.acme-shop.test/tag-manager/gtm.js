// A tag-manager-style container (demo customer site): the chat tag inserts the loader before
// the first script, as tag managers do, on page view and again on a route change.
(function () {
  function chatTag() {
    window.initEmbeddedMessaging = function () {
      try {
        embeddedservice_bootstrap.settings.language = 'en_US';
        embeddedservice_bootstrap.init('00D8c000001Hlt1', 'Web_Chat',
          'https://acme.my.site.com/ESWWebChat1712345678901',
          { scrt2URL: 'https://acme.my.salesforce-scrt.com' });
      } catch (err) {
        console.error('Error loading Embedded Messaging: ', err);
      }
    };
    var s = document.createElement('script');
    s.src = 'https://acme.my.site.com/ESWWebChat1712345678901/assets/js/bootstrap.min.js';
    s.onload = function () { window.initEmbeddedMessaging(); };
    var first = document.getElementsByTagName('script')[0];
    first.parentNode.insertBefore(s, first);
  }
  chatTag();                                  // page view
  setTimeout(function () {                    // history change (SPA route)
    history.pushState({}, '', location.pathname + '#offers');
    chatTag();
  }, 300);
})();
