// admin_contest.js: the organizer's contest and round forms. Times are
// typed in Hà Nội (datetime-local) and sent as RFC 3339 with +07:00.
import { api, showErrors } from './api.js';

const local = (v) => (v ? v + ':00+07:00' : null);
const num = (v) => (v === '' || v === undefined ? null : Number(v));

const contestForm = document.getElementById('contest-form');
if (contestForm) {
  contestForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = contestForm.elements;
    const body = {
      title: f.title.value, description: f.description.value, rules: f.rules.value,
      starts_at: local(f.starts_at.value), ends_at: local(f.ends_at.value), published: f.published.checked,
    };
    const id = contestForm.dataset.contestId;
    if (!id) body.kind = f.kind.value;
    const res = id ? await api('PATCH', `/api/v1/admin/contests/${id}`, body) : await api('POST', '/api/v1/admin/contests', body);
    showErrors(contestForm, res.ok ? null : res.error);
    if (!res.ok) return;
    if (!id) { location.href = `/admin/contests/${res.data.contest.id}`; return; }
    document.getElementById('contest-saved').textContent = contestForm.dataset.savedText || '✓';
  });
}

const roundForm = document.getElementById('round-form');
if (roundForm) {
  const rows = document.getElementById('blueprint-rows');
  const practice = document.getElementById('practice');
  const maxAttempts = document.getElementById('max_attempts');
  const syncPractice = () => { maxAttempts.disabled = practice.checked; };
  practice.addEventListener('change', syncPractice);
  syncPractice();
  document.getElementById('bp-add').addEventListener('click', () => {
    const first = rows.querySelector('.bp-row');
    const row = first.cloneNode(true);
    row.querySelectorAll('input').forEach((i) => { i.value = i.name === 'bp_count' ? '1' : ''; });
    row.querySelector('select').value = '';
    rows.append(row);
    row.querySelector('input').focus();
  });
  rows.addEventListener('click', (ev) => {
    const b = ev.target.closest('.bp-remove');
    if (b && rows.querySelectorAll('.bp-row').length > 1) b.closest('.bp-row').remove();
  });
  roundForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = roundForm.elements;
    const roundId = roundForm.dataset.roundId;
    const locked = f.title.disabled;
    let body;
    if (locked) {
      body = { closes_at: local(f.closes_at.value) };
    } else {
      body = {
        title: f.title.value, opens_at: local(f.opens_at.value), closes_at: local(f.closes_at.value),
        duration_ms: Math.round((num(f.duration_min.value) || 0) * 60000),
        practice: practice.checked, max_attempts: practice.checked ? 0 : num(maxAttempts.value) || 0,
        points_per_question: num(f.points_per_question.value) || 0,
        prediction_question: f.prediction_question.value,
        blueprint: [...rows.querySelectorAll('.bp-row')].map((r) => ({
          category: r.querySelector('[name=bp_category]').value,
          difficulty: r.querySelector('[name=bp_difficulty]').value,
          count: num(r.querySelector('[name=bp_count]').value) || 0,
        })),
      };
    }
    const res = roundId
      ? await api('PATCH', `/api/v1/admin/rounds/${roundId}`, body)
      : await api('POST', `/api/v1/admin/contests/${roundForm.dataset.contestId}/rounds`, body);
    showErrors(roundForm, res.ok ? null : res.error);
    if (!res.ok) return;
    if (!roundId) { location.href = `/admin/rounds/${res.data.round.id}`; return; }
    document.getElementById('round-saved').textContent = roundForm.dataset.savedText || '✓';
  });
}
