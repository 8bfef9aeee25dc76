// escucha review inbox: live refresh of the list (server-sent events with
// a periodic fallback) and the correction form. No inline scripts, no
// third-party code; every piece of HTML comes escaped from the server.
(function () {
  'use strict';

  function setupInbox() {
    var inbox = document.getElementById('inbox');
    if (!inbox) { return; }
    var target = document.getElementById('inbox-list');
    var live = document.getElementById('live');
    var listURL = inbox.getAttribute('data-list-url');
    var fallback = parseInt(inbox.getAttribute('data-fallback'), 10) || 30000;
    var busy = false;
    var timer = null;

    function refresh() {
      if (busy) { return; }
      busy = true;
      fetch(listURL, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) {
          if (!r.ok) { throw new Error('HTTP ' + r.status); }
          return r.text();
        })
        .then(function (html) {
          // DOMParser builds an inert document: nothing in it runs.
          var doc = new DOMParser().parseFromString(html, 'text/html');
          target.replaceChildren.apply(target, Array.prototype.slice.call(doc.body.childNodes));
          inbox.setAttribute('data-refreshed', String(Date.now()));
        })
        .catch(function () { /* keep the current list */ })
        .then(function () { busy = false; });
    }

    if (window.EventSource) {
      var es = new EventSource('/events');
      es.addEventListener('open', function () { live.hidden = false; inbox.setAttribute('data-live', 'on'); });
      es.addEventListener('error', function () { live.hidden = true; inbox.setAttribute('data-live', 'off'); });
      es.addEventListener('change', function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 250);
      });
    }
    setInterval(refresh, fallback);
  }

  function setupCorrection() {
    var form = document.getElementById('correct-form');
    if (!form) { return; }
    var label = document.getElementById('corr-label-value').parentNode;
    var sev = document.getElementById('corr-severity-value').parentNode;
    var labelSel = document.getElementById('corr-label-value');
    function sync() {
      var kind = (form.querySelector('input[name=correction]:checked') || {}).value;
      label.hidden = kind !== 'wrong_label';
      sev.hidden = !(kind === 'wrong_severity' || (kind === 'wrong_label' && labelSel.value === 'complaint'));
    }
    form.addEventListener('change', sync);
    sync();
  }

  // The correction of a mention the rules did not flag: a complaint needs
  // a severity, a suggestion has none.
  function setupMissed() {
    var form = document.getElementById('missed-form');
    if (!form) { return; }
    var sev = document.getElementById('missed-severity').parentNode;
    function sync() {
      var label = (form.querySelector('input[name=label]:checked') || {}).value;
      sev.hidden = label !== 'complaint';
    }
    form.addEventListener('change', sync);
    sync();
  }

  document.addEventListener('DOMContentLoaded', function () {
    setupInbox();
    setupCorrection();
    setupMissed();
  });
})();
