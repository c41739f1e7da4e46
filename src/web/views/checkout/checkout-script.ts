/**
 * The few lines of JavaScript that make rapid check-out feel instant. Without them the page
 * works the same with plain forms and full page loads (autofocus puts the cursor in the next
 * field); with them a step swaps only the check-out panel, so a barcode scanner's next scan
 * lands in the right field without waiting for a page load, and Escape starts over.
 * Served as a file from this origin so the viewer's CSP can forbid inline scripts.
 */
export const CHECKOUT_SCRIPT = `'use strict';
(function () {
  var panel = document.getElementById('checkout');
  if (!panel || !window.fetch || !window.DOMParser) return;
  var busy = false;

  function focusNext() {
    var el = panel.querySelector('[autofocus]');
    if (!el) return;
    el.focus();
    if (el.select) el.select();
  }

  function show(html, url) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var next = doc.getElementById('checkout');
    if (!next) {
      // Another page came back (sign-in after an expired session, a refusal): show it whole.
      history.replaceState(null, '', url);
      document.replaceChild(document.adoptNode(doc.documentElement), document.documentElement);
      return;
    }
    panel.innerHTML = next.innerHTML;
    if (doc.title) document.title = doc.title;
    history.replaceState(null, '', url);
    focusNext();
  }

  function load(url, init) {
    if (busy) return;
    busy = true;
    panel.setAttribute('aria-busy', 'true');
    fetch(url, Object.assign({ credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } }, init))
      .then(function (res) { return res.text().then(function (html) { show(html, res.url); }); })
      .catch(function () { location.href = url; })
      .then(function () { busy = false; panel.removeAttribute('aria-busy'); });
  }

  panel.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    ev.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    var action = form.getAttribute('action') || location.pathname;
    if ((form.getAttribute('method') || 'get').toLowerCase() === 'post') {
      load(action, { method: 'POST', body: data });
    } else {
      load(action + '?' + data.toString());
    }
  });

  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape') return;
    var restart = panel.querySelector('a[data-restart]');
    if (restart) { ev.preventDefault(); load(restart.getAttribute('href')); }
  });

  focusNext();
})();
`;
