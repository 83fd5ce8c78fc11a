import { api, formJSON, showErrors, safeNext, t } from './api.js';

const form = document.getElementById('register-form');
const search = document.getElementById('unit_search');
const options = document.getElementById('unit-options');
const unitID = document.getElementById('unit_id');
let units = new Map();
let timer = null;

// Units are searched as the person types; picking one fills the hidden id.
search.addEventListener('input', () => {
  unitID.value = units.get(search.value) || '';
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const q = search.value.trim();
    if (q.length < 2 || units.has(q)) return;
    const res = await api('GET', '/api/v1/units?limit=15&q=' + encodeURIComponent(q));
    if (!res.ok) return;
    units = new Map(res.data.units.map((u) => [u.name, u.id]));
    options.replaceChildren(...res.data.units.map((u) => {
      const o = document.createElement('option');
      o.value = u.name;
      return o;
    }));
    unitID.value = units.get(search.value) || '';
  }, 250);
});

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = formJSON(form);
  // The page asks for every field the contest rules require (DOMAIN: unit
  // and category); the API keeps them optional for other clients.
  const missing = {};
  for (const name of ['full_name', 'birth_date', 'phone', 'password', 'category']) {
    if (!body[name]) missing[name] = t('js.required');
  }
  if (!body.unit_id) missing.unit_id = t('js.unit_pick');
  if (Object.keys(missing).length) {
    showErrors(form, { message: t('js.validation'), fields: missing });
    return;
  }
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  const res = await api('POST', '/api/v1/participants', body);
  btn.disabled = false;
  if (!res.ok) {
    showErrors(form, res.error);
    return;
  }
  location.href = safeNext('/');
});
