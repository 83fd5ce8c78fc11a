// contest.js: the contest page. Counts down to each round's opening from
// the server's time (the page carries it) and starts or resumes an attempt.
import { api, t } from './api.js';

const rounds = document.getElementById('rounds');
if (rounds) {
  // Server time now = the page's server time + time since the page loaded,
  // on the monotonic clock: a wrong phone clock does not matter.
  const serverAtLoad = Number(rounds.dataset.serverTime);
  const perfAtLoad = performance.now();
  const serverNow = () => serverAtLoad + (performance.now() - perfAtLoad);

  const countdowns = [...rounds.querySelectorAll('.countdown[data-opens-at]')];
  const tick = () => {
    let reload = false;
    for (const el of countdowns) {
      const left = Number(el.dataset.opensAt) - serverNow();
      if (left <= 0) { reload = true; continue; }
      const s = Math.floor(left / 1000);
      const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      el.textContent = d > 0 ? t('js.contest.opens_in_days', d, h, m)
        : t('js.contest.opens_in', String(h).padStart(2, '0'), String(m).padStart(2, '0'), String(s % 60).padStart(2, '0'));
    }
    if (reload) { location.reload(); return; }
    if (countdowns.length) setTimeout(tick, 1000);
  };
  tick();

  rounds.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('.start-round');
    if (!btn) return;
    const id = btn.dataset.roundId;
    const slot = rounds.querySelector(`[data-error-for="round-${CSS.escape(id)}"]`);
    btn.disabled = true;
    slot.textContent = '';
    const res = await api('POST', `/api/v1/rounds/${encodeURIComponent(id)}/attempts`, {});
    if (res.ok) {
      location.href = '/attempts/' + encodeURIComponent(res.data.attempt.id);
      return;
    }
    btn.disabled = false;
    slot.textContent = res.error.message;
  });
}
