/**
 * Progressive enhancement for the search page: results follow the typing. Without it the
 * form still works (it is a plain GET form). Served as a file: the CSP allows no inline script.
 */
export const APP_JS = `(function () {
  'use strict';
  var form = document.querySelector('form[data-live-search]');
  var results = document.getElementById('results');
  var status = document.getElementById('search-status');
  if (!form || !results || !window.fetch) return;
  var timer = 0, controller = null, last = '';
  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== '') params.append(key, String(value)); });
    return params.toString();
  }
  function run() {
    var qs = query();
    if (qs === last) return;
    last = qs;
    var url = '/search' + (qs ? '?' + qs : '');
    if (controller) controller.abort();
    controller = new AbortController();
    results.setAttribute('aria-busy', 'true');
    fetch(url + (qs ? '&' : '?') + 'fragment=1', { signal: controller.signal, credentials: 'same-origin' })
      .then(function (res) {
        if (res.redirected || res.status === 401) { window.location.assign(url); return null; }
        return res.text();
      })
      .then(function (html) {
        if (html === null) return;
        results.innerHTML = html;
        results.removeAttribute('aria-busy');
        history.replaceState(null, '', url);
        var summary = results.querySelector('[data-summary]');
        if (status) status.textContent = summary ? summary.textContent : '';
      })
      .catch(function (err) { if (err && err.name !== 'AbortError') results.removeAttribute('aria-busy'); });
  }
  form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 120); });
  form.addEventListener('change', function () { clearTimeout(timer); run(); });
})();
`;
