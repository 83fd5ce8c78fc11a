// A judge's scoring sheet for one essay, built for a phone: the essay, then
// one input per criterion, a running total that stays in view, save draft
// and finalize. Unsaved points are kept in localStorage until saved.
import { api, showErrors, t } from './api.js';
import { renderParagraphs, points } from './essaytext.js';

const app = document.getElementById('sheet-app');
const id = app.dataset.assignment;
const form = document.getElementById('sheet-form');
const box = document.getElementById('criteria');
const comment = document.getElementById('sheet-comment');
const status = document.getElementById('sheet-status');
const localKey = 'judge-sheet:' + id;
let criteria = [];
let final = false;

function readScores() {
  const scores = {};
  for (const c of criteria) {
    const el = form.elements['scores.' + c.key];
    const v = el.value.trim().replace(',', '.');
    if (v !== '') scores[c.key] = Number(v);
  }
  return scores;
}

function updateTotal() {
  const s = readScores();
  let total = 0;
  for (const k in s) if (!Number.isNaN(s[k])) total += s[k];
  document.getElementById('sheet-total').textContent = points(total);
}

function keepLocal() {
  if (final) return;
  try { localStorage.setItem(localKey, JSON.stringify({ scores: readScores(), comment: comment.value })); } catch (e) { /* ignore */ }
}

function render(a) {
  final = a.status === 'final';
  document.getElementById('sheet-title').textContent = a.essay.title;
  document.getElementById('sheet-code').textContent = a.essay.code;
  document.getElementById('sheet-words').textContent = t('js.judge_words', a.essay.word_count);
  renderParagraphs(document.getElementById('sheet-body'), a.essay.body);
  document.getElementById('sheet-max').textContent = points(a.max_total);
  criteria = a.criteria;
  box.replaceChildren();
  let local = null;
  try { local = final ? null : JSON.parse(localStorage.getItem(localKey) || 'null'); } catch (e) { local = null; }
  const scores = (local && local.scores) || a.scores || {};
  for (const c of criteria) {
    const row = document.createElement('div');
    row.className = 'criterion';
    const label = document.createElement('label');
    label.htmlFor = 'c-' + c.key;
    const name = document.createElement('span');
    name.textContent = c.name;
    const max = document.createElement('span');
    max.className = 'muted';
    max.textContent = t('js.judge_max', points(c.max_points));
    label.append(name, max);
    const input = document.createElement('input');
    input.id = 'c-' + c.key;
    input.name = 'scores.' + c.key;
    input.type = 'number';
    input.inputMode = 'decimal';
    input.min = '0';
    input.max = String(c.max_points);
    input.step = '0.25';
    input.disabled = final;
    if (scores[c.key] !== undefined) input.value = String(scores[c.key]);
    input.addEventListener('input', () => { updateTotal(); keepLocal(); });
    const err = document.createElement('div');
    err.className = 'field-error';
    err.dataset.errorFor = 'scores.' + c.key;
    row.append(label);
    if (c.description) {
      const d = document.createElement('p');
      d.className = 'hint';
      d.textContent = c.description;
      row.append(d);
    }
    row.append(input, err);
    box.appendChild(row);
  }
  comment.value = (local && local.comment) || a.comment || '';
  comment.disabled = final;
  document.getElementById('save-draft').hidden = final;
  document.getElementById('finalize').hidden = final;
  status.textContent = final ? t('js.judge_finalized') : (a.status === 'draft' ? t('js.judge_draft_saved') : '');
  updateTotal();
}

async function save(asFinal) {
  const scores = readScores();
  const fin = document.getElementById('finalize');
  // Finalizing can't be undone: the first tap arms the button, the second
  // one sends (no browser dialog, which phones render badly).
  if (asFinal && fin.dataset.armed !== '1') {
    fin.dataset.armed = '1';
    fin.textContent = t('js.judge_confirm_final');
    return;
  }
  const buttons = form.querySelectorAll('button');
  buttons.forEach((b) => { b.disabled = true; });
  const res = await api('PUT', '/api/v1/judge/assignments/' + id, { scores, comment: comment.value, final: asFinal });
  buttons.forEach((b) => { b.disabled = false; });
  if (!res.ok) {
    showErrors(form, res.error);
    status.textContent = '';
    return;
  }
  showErrors(form, null);
  try { localStorage.removeItem(localKey); } catch (e) { /* ignore */ }
  render(res.data.assignment);
}

comment.addEventListener('input', keepLocal);
document.getElementById('save-draft').addEventListener('click', () => save(false));
form.addEventListener('input', () => {
  const fin = document.getElementById('finalize');
  if (fin.dataset.armed === '1') {
    fin.dataset.armed = '';
    fin.textContent = t('js.judge_finalize');
  }
});
document.getElementById('finalize').addEventListener('click', () => save(true));

(async () => {
  const res = await api('GET', '/api/v1/judge/assignments/' + id);
  if (!res.ok) {
    showErrors(form, res.error);
    document.getElementById('sheet-body').replaceChildren();
    return;
  }
  render(res.data.assignment);
})();
