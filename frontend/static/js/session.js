import { api } from './api.js';

const btn = document.getElementById('logout');
if (btn) {
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    await api('DELETE', '/api/v1/sessions');
    // Forget the offline copies of quiz pages and queued answers, so the
    // next person on a shared phone sees nothing of this one.
    if (window.caches) {
      try { await caches.delete('lc-quiz-v1'); } catch (e) { /* nothing cached */ }
    }
    try {
      Object.keys(localStorage).filter((k) => k.startsWith('lc.') || k.startsWith('lc-')).forEach((k) => localStorage.removeItem(k));
    } catch (e) { /* storage unavailable */ }
    location.href = '/';
  });
}
