// api.js: the one way pages talk to the JSON API. It sends the CSRF token
// from the page's <meta>, and returns {ok, status, data, error} instead of
// throwing, so every caller shows errors the same way.

// t returns a catalogue text for scripts: the layout embeds every "js.*"
// key of the catalogue as JSON, so scripts hold no Vietnamese of their own.
let texts = null;
export function t(key, ...args) {
  if (!texts) {
    const el = document.getElementById('i18n');
    try { texts = el ? JSON.parse(el.textContent) : {}; } catch (e) { texts = {}; }
  }
  let s = texts[key] || texts['js.error'] || key;
  for (const a of args) s = s.replace(/%[sd]/, String(a));
  return s;
}

export function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : '';
}

export function setCsrfToken(token) {
  const m = document.querySelector('meta[name="csrf-token"]');
  if (m && token) m.content = token;
}

export async function api(method, path, body, opts = {}) {
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal: opts.signal });
  } catch (e) {
    return { ok: false, status: 0, offline: true, error: { code: 'offline', message: t('js.offline') } };
  }
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('application/json')) {
    try { data = await res.json(); } catch (e) { data = null; }
  }
  if (res.ok) return { ok: true, status: res.status, data };
  const error = (data && data.error) || { code: 'error', message: t('js.error') };
  return { ok: false, status: res.status, data, error };
}

// showErrors writes an API error into a form: each field's message next to
// its input (elements with data-error-for), the rest at the top.
export function showErrors(form, error) {
  form.querySelectorAll('[data-error-for]').forEach((el) => { el.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  if (!error) return;
  const fields = error.fields || {};
  let first = null;
  for (const [name, msg] of Object.entries(fields)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) slot.textContent = msg;
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      first = first || input;
    }
  }
  const top = form.querySelector('[data-error-for="_form"]');
  if (top) top.textContent = error.message || '';
  if (first && first.type !== 'hidden') first.focus();
}

export function formJSON(form) {
  const out = {};
  new FormData(form).forEach((v, k) => { out[k] = typeof v === 'string' ? v.trim() : v; });
  return out;
}

// safeNext keeps a ?next= redirect on this site.
export function safeNext(fallback = '/') {
  const n = new URLSearchParams(location.search).get('next') || '';
  return n.startsWith('/') && !n.startsWith('//') ? n : fallback;
}
