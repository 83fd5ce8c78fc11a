import { api } from './api.js';

const btn = document.getElementById('logout');
if (btn) {
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    await api('DELETE', '/api/v1/sessions');
    location.href = '/';
  });
}
