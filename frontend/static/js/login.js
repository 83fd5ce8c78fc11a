import { api, formJSON, showErrors, safeNext } from './api.js';

const form = document.getElementById('login-form');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  const res = await api('POST', '/api/v1/sessions', formJSON(form));
  btn.disabled = false;
  if (!res.ok) {
    showErrors(form, res.error);
    return;
  }
  const role = res.data.user.role;
  const home = role === 'organizer' || role === 'admin' ? '/admin' : role === 'judge' ? '/judge' : '/';
  location.href = safeNext(home);
});
