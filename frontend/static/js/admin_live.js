// admin_live.js: the organizer's live page of a round. The panel of
// figures and charts is drawn by the server and fetched again every few
// seconds; the board comes from the public board API; every action posts
// to the API and reloads the page, which is drawn from what was stored.
import { api, t, showErrors } from './api.js';

const root = document.getElementById('round');
const roundID = root.dataset.roundId;
const contestID = root.dataset.contestId;
const REFRESH_MS = 15000;

function formatDuration(ms) {
  const m = Math.floor(ms / 60000), s = Math.floor(ms / 1000) % 60, r = ms % 1000;
  return `${m}:${String(s).padStart(2, '0')},${String(r).padStart(3, '0')}`;
}

// The panel: replaced whole by the server's fresh copy.
const panel = document.getElementById('live-panel');
async function refreshPanel() {
  if (document.hidden) return;
  try {
    const res = await fetch(panel.dataset.refresh, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (res.ok) panel.innerHTML = await res.text();
  } catch (e) { /* offline: keep the last figures */ }
}

// The live board, top 20.
const boardTable = document.getElementById('board-table');
const boardStatus = document.getElementById('board-status');
async function refreshBoard() {
  if (!boardTable || document.hidden) return;
  const res = await api('GET', `/api/v1/admin/rounds/${roundID}/board?limit=20`);
  if (!res.ok) {
    boardTable.hidden = true;
    boardStatus.textContent = t('js.live_board_unavailable');
    return;
  }
  const d = res.data;
  const body = boardTable.querySelector('tbody');
  body.replaceChildren();
  for (const e of d.entries || []) {
    const tr = document.createElement('tr');
    const cells = [String(e.rank), null, String(e.score), formatDuration(e.duration_ms)];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      if (i === 1) {
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = e.full_name;
        td.append(name);
        if (e.unit) {
          const unit = document.createElement('span');
          unit.className = 'muted unit';
          unit.textContent = e.unit;
          td.append(document.createElement('br'), unit);
        }
      } else {
        td.textContent = text;
      }
      tr.append(td);
    });
    body.append(tr);
  }
  const n = (d.entries || []).length;
  boardTable.hidden = n === 0;
  boardStatus.textContent = n === 0 ? t('js.live_board_empty') : t('js.live_board_total', d.total);
}

function every(fn) {
  fn();
  setInterval(fn, REFRESH_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) fn(); });
}
every(refreshPanel);
every(refreshBoard);

// submitWith sends a form's request and reloads on success.
function submitWith(form, request, confirmKey) {
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (confirmKey && !window.confirm(t(confirmKey))) return;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const res = await request(new FormData(form));
    button.disabled = false;
    if (!res.ok) { showErrors(form, res.error); return; }
    showErrors(form, null);
    window.location.reload();
  });
}

submitWith(document.getElementById('close-form'),
  () => api('POST', `/api/v1/admin/rounds/${roundID}/close`), 'js.live_close_confirm');
submitWith(document.getElementById('prizes-form'), (f) => api('PUT', `/api/v1/admin/rounds/${roundID}/prizes`, {
  first: Number(f.get('first')), second: Number(f.get('second')),
  third: Number(f.get('third')), consolation: Number(f.get('consolation')),
}));
submitWith(document.getElementById('rules-form'), (f) => api('PUT', `/api/v1/admin/contests/${contestID}/prize-rules`, {
  one_prize_per_person: f.get('one_prize_per_person') === 'on',
}));
// The freeze time is typed in Hà Nội and sent as RFC 3339 with +07:00.
submitWith(document.getElementById('freeze-form'), (f) => api('PUT', `/api/v1/admin/rounds/${roundID}/leaderboard`, {
  freeze_at: f.get('freeze_at') ? f.get('freeze_at') + ':00+07:00' : null,
}));
const unfreeze = document.getElementById('unfreeze');
if (unfreeze) unfreeze.addEventListener('click', async () => {
  const res = await api('PUT', `/api/v1/admin/rounds/${roundID}/leaderboard`, { freeze_at: null });
  if (res.ok) window.location.reload();
  else showErrors(document.getElementById('freeze-form'), res.error);
});
submitWith(document.getElementById('publish-form'),
  () => api('POST', `/api/v1/admin/rounds/${roundID}/publish`, {}), 'js.live_publish_confirm');
submitWith(document.getElementById('republish-form'),
  (f) => api('POST', `/api/v1/admin/rounds/${roundID}/publish`, { republish: true, reason: f.get('reason') }));
submitWith(document.getElementById('dq-form'), (f) => api('POST', `/api/v1/admin/contests/${contestID}/disqualifications`, {
  participant_id: f.get('participant_id'), reason: f.get('reason'),
}));
document.querySelectorAll('.lift-form').forEach((form) => submitWith(form, (f) =>
  api('POST', `/api/v1/admin/contests/${contestID}/disqualifications/${form.dataset.participantId}/lift`, { reason: f.get('reason') })));

// Disqualify: a button on a line opens the one reason form.
const dqForm = document.getElementById('dq-form');
function openDisqualify(id, name) {
  if (!dqForm) return;
  dqForm.hidden = false;
  dqForm.elements.participant_id.value = id;
  document.getElementById('dq-who').textContent = t('js.live_dq_who', name);
  dqForm.scrollIntoView({ block: 'center' });
  dqForm.elements.reason.focus();
}
document.addEventListener('click', (ev) => {
  const b = ev.target.closest('button.dq');
  if (b) openDisqualify(b.dataset.participantId, b.dataset.name);
});
const cancel = document.getElementById('dq-cancel');
if (cancel) cancel.addEventListener('click', () => { dqForm.hidden = true; });

// Duplicate check: the would-be winners and their possible other accounts.
const dupesButton = document.getElementById('dupes-button');
const dupes = document.getElementById('dupes');
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function describe(p) {
  const parts = [p.full_name];
  if (p.birth_date) parts.push(p.birth_date.slice(0, 10));
  if (p.phone) parts.push(p.phone);
  if (p.citizen_id) parts.push(p.citizen_id);
  if (p.unit) parts.push(p.unit);
  return parts.join(' · ');
}
if (dupesButton) dupesButton.addEventListener('click', async () => {
  dupesButton.disabled = true;
  const res = await api('GET', `/api/v1/admin/rounds/${roundID}/duplicates`);
  dupesButton.disabled = false;
  dupes.replaceChildren();
  if (!res.ok) { dupes.append(el('p', res.error.message, 'form-error')); return; }
  const groups = res.data.groups || [];
  if (groups.length === 0) { dupes.append(el('p', t('js.live_dupes_none'), 'ok')); return; }
  for (const g of groups) {
    const box = el('div', undefined, 'dupe-group');
    box.append(el('p', t('js.live_dupes_winner', describe(g.winner), g.winner.place)));
    const list = el('ul');
    for (const m of g.matches) {
      const why = [];
      if (m.same_citizen_id) why.push(t('js.live_dupes_same_citizen'));
      if (m.same_name_and_birth) why.push(t('js.live_dupes_same_name'));
      why.push(m.place ? t('js.live_dupes_place', m.place) : t('js.live_dupes_not_ranked'));
      if (m.disqualified) why.push(t('js.live_dupes_disqualified'));
      const li = el('li', `${describe(m)} (${why.join(', ')}) `);
      if (!m.disqualified) {
        const b = el('button', t('js.live_disqualify'), 'link dq');
        b.type = 'button';
        b.dataset.participantId = m.participant_id;
        b.dataset.name = m.full_name;
        li.append(b);
      }
      list.append(li);
    }
    const wb = el('button', t('js.live_disqualify'), 'link dq');
    wb.type = 'button';
    wb.dataset.participantId = g.winner.participant_id;
    wb.dataset.name = g.winner.full_name;
    box.append(wb, list);
    dupes.append(box);
  }
});
