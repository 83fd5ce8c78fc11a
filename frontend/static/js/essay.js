// The participant's essay page: submit or edit the one essay of a contest,
// with a live word counter (the same count as the server's) and a draft kept
// in localStorage, so a dropped connection or a closed tab loses nothing.
import { api, showErrors, t } from './api.js';
import './wordcount.js';
import { points } from './essaytext.js';

const app = document.getElementById('essay-app');
const contestID = app.dataset.contest;
const form = document.getElementById('essay-form');
const title = document.getElementById('essay-title');
const body = document.getElementById('essay-body');
const counter = document.getElementById('word-counter');
const draftKey = 'essay-draft:' + contestID;
let limit = 2000;
let essay = null;

function show(id, on) { document.getElementById(id).hidden = !on; }

function fmtTime(iso) {
  return new Date(iso).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });
}

function count() {
  const n = globalThis.countWords(body.value);
  counter.textContent = t('js.essay_words', n, limit);
  counter.classList.toggle('over', n > limit);
  return n;
}

function saveDraft() {
  try {
    localStorage.setItem(draftKey, JSON.stringify({ title: title.value, body: body.value, at: Date.now() }));
  } catch (e) { /* private mode or full: the server copy still counts */ }
}

function loadDraft() {
  try { return JSON.parse(localStorage.getItem(draftKey) || 'null'); } catch (e) { return null; }
}

function showEssay(e) {
  essay = e;
  show('receipt', true);
  document.getElementById('receipt-code').textContent = e.code;
  document.getElementById('essay-status').textContent = t('js.essay_status_' + e.status);
  if (e.result) {
    show('essay-result', true);
    const prize = e.result.prize ? t('js.essay_prize_' + e.result.prize) : t('js.essay_no_prize');
    document.getElementById('result-text').textContent = t('js.essay_result', e.result.rank, points(e.result.score), prize);
  }
  if (e.status === 'published') show('results-link', true);
  // Editable only while the contest is open.
  form.hidden = e.status !== 'submitted';
  show('declaration-row', false);
  document.getElementById('essay-submit').textContent = t('js.essay_save');
}

let timer = null;
function onInput() {
  count();
  clearTimeout(timer);
  timer = setTimeout(saveDraft, 400);
}

async function load() {
  const info = await api('GET', `/api/v1/contests/${contestID}/essay-info`);
  show('essay-loading', false);
  if (!info.ok) {
    showErrors(form, info.error);
    form.hidden = false;
    form.querySelectorAll('input, textarea, button').forEach((el) => { el.disabled = true; });
    return;
  }
  const c = info.data.contest;
  limit = c.word_limit;
  document.getElementById('contest-title').textContent = c.title;
  document.getElementById('contest-deadline').textContent = t('js.essay_deadline', fmtTime(c.ends_at));
  const mine = await api('GET', `/api/v1/contests/${contestID}/essays/mine`);
  if (mine.ok) {
    showEssay(mine.data.essay);
    title.value = mine.data.essay.title;
    body.value = mine.data.essay.body;
  } else if (mine.status === 404) {
    form.hidden = !c.open;
    if (!c.open) {
      document.getElementById('contest-deadline').textContent = t('js.essay_closed');
    }
  } else {
    showErrors(form, mine.error);
    form.hidden = false;
  }
  const d = loadDraft();
  if (d && !form.hidden && (d.title !== title.value || d.body !== body.value) && (d.body || d.title)) {
    title.value = d.title;
    body.value = d.body;
    show('draft-note', true);
  }
  count();
}

title.addEventListener('input', onInput);
body.addEventListener('input', onInput);

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  saveDraft();
  show('essay-saved', false);
  if (count() > limit) {
    showErrors(form, { message: t('js.validation'), fields: { body: t('js.essay_too_long', limit) } });
    return;
  }
  const btn = document.getElementById('essay-submit');
  btn.disabled = true;
  const payload = { title: title.value, body: body.value, declaration: document.getElementById('essay-declaration').checked };
  const res = essay
    ? await api('PUT', `/api/v1/essays/${essay.id}`, payload)
    : await api('POST', `/api/v1/contests/${contestID}/essays`, payload);
  btn.disabled = false;
  if (!res.ok) {
    // The draft stays in localStorage: nothing typed is lost.
    showErrors(form, res.error);
    return;
  }
  showErrors(form, null);
  try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
  show('draft-note', false);
  showEssay(res.data.essay);
  title.value = res.data.essay.title;
  body.value = res.data.essay.body;
  count();
  show('essay-saved', true);
  document.getElementById('receipt').scrollIntoView();
});

load();
