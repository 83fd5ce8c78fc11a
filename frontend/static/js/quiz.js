// quiz.js runs the phone quiz page: one attempt, every question on one
// scrolling page, each answer saved when chosen. While the phone is offline
// answers wait in localStorage and are sent when the connection returns;
// the page always says whether everything is saved. The countdown runs
// from deadline_at - server_time on a monotonic clock, so a wrong phone
// clock does not matter. Plain JS, no framework, no build step.
//
// The page gives #quiz with data-attempt-id and data-home-url; texts are
// the js.quiz.* keys of the catalogue (embedded by the layout).

import { t as text, csrfToken } from './api.js';
import { reviewList } from './quiz_review.js';

const root = document.getElementById('quiz');
const attemptId = root.dataset.attemptId;
const homeURL = root.dataset.homeUrl || '/';
const API = '/api/v1';
const storeKey = 'lc.attempt.' + attemptId;
const thresholds = [300, 60, 30]; // seconds: announced once each

const t = (key, ...args) => text('js.quiz.' + key, ...args);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

// ---- local state, kept in localStorage so a reload or a closed tab loses nothing

const state = {
  attempt: null,
  chosen: {},      // question id -> option id: everything chosen
  pending: {},     // question id -> option id: chosen but not yet acknowledged
  prediction: null,
  predictionPending: false,
  offset: null,    // server time - Date.now(), from the last fresh response
  endPerf: 0,      // performance.now() at the deadline
  announced: new Set(),
  submitting: false,
  submitWanted: false,
  done: false,
  stopped: false,  // the server refuses answers (deadline passed)
};

function loadLocal() {
  try {
    const s = JSON.parse(localStorage.getItem(storeKey) || '{}');
    return s && typeof s === 'object' ? s : {};
  } catch { return {}; }
}

function persist() {
  try {
    localStorage.setItem(storeKey, JSON.stringify({
      chosen: state.chosen, pending: state.pending, prediction: state.prediction,
      predictionPending: state.predictionPending, offset: state.offset,
    }));
  } catch { /* storage full or disabled: the server copy still counts */ }
}

// ---- talking to the server

async function send(method, path, body) {
  const headers = { 'Accept': 'application/json', 'X-CSRF-Token': csrfToken() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(API + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function errorOf(res) {
  try {
    const b = await res.json();
    return b.error || { code: 'internal', message: text('js.error') };
  } catch { return { code: 'internal', message: text('js.error') }; }
}

// ---- the page

const ui = {};

function build(a) {
  root.replaceChildren();
  ui.timer = el('span', { class: 'quiz-timer', role: 'timer', 'aria-label': t('time_left') });
  ui.save = el('p', { class: 'quiz-save', role: 'status' });
  ui.progressText = el('span', { class: 'quiz-progress-text' });
  ui.progress = el('progress', { max: String(a.questions.length), value: '0', 'aria-hidden': 'true' });
  ui.announce = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  ui.alert = el('p', { class: 'sr-only', role: 'alert' });
  const bar = el('header', { class: 'quiz-bar' },
    el('div', { class: 'quiz-bar-row' },
      el('h1', { class: 'quiz-title', text: a.round_title || t('title') }),
      ui.timer),
    el('div', { class: 'quiz-bar-row' }, ui.progressText, ui.progress),
    ui.save);

  const list = el('form', { class: 'quiz-list', novalidate: true });
  list.addEventListener('submit', (ev) => { ev.preventDefault(); askSubmit(); });
  ui.q = {};
  a.questions.forEach((q, i) => {
    const qs = el('span', { class: 'quiz-qstate' });
    const fs = el('fieldset', { class: 'quiz-q', id: 'q-' + q.id },
      el('legend', {},
        el('span', { class: 'quiz-qn', text: t('question_n', i + 1, a.questions.length) }),
        el('span', { class: 'quiz-qtext', text: q.text })));
    const opts = el('div', { class: 'quiz-opts' });
    for (const o of q.options) {
      const input = el('input', { type: 'radio', name: 'q' + q.id, value: o.id });
      if (state.chosen[q.id] === o.id) input.checked = true;
      input.addEventListener('change', () => choose(q.id, o.id));
      opts.append(el('label', { class: 'quiz-opt' }, input, el('span', { text: o.text })));
    }
    fs.append(opts, qs);
    list.append(fs);
    ui.q[q.id] = { fs, qs };
  });

  if (a.prediction_question) {
    ui.pred = el('input', {
      type: 'number', id: 'quiz-prediction', inputmode: 'numeric', min: '0', max: '10000000', step: '1',
      'aria-describedby': 'quiz-prediction-hint',
    });
    if (state.prediction !== null) ui.pred.value = String(state.prediction);
    ui.pred.addEventListener('input', () => choosePrediction(ui.pred.value));
    ui.predState = el('span', { class: 'quiz-qstate' });
    list.append(el('fieldset', { class: 'quiz-q quiz-prediction' },
      el('legend', {},
        el('span', { class: 'quiz-qn', text: t('prediction_label') }),
        el('span', { class: 'quiz-qtext', text: a.prediction_question })),
      el('label', { for: 'quiz-prediction', class: 'quiz-pred-label', text: t('prediction_input') }),
      ui.pred,
      el('p', { id: 'quiz-prediction-hint', class: 'quiz-hint', text: t('prediction_hint') }),
      ui.predState));
  }

  ui.submitMsg = el('p', { class: 'quiz-submit-msg', role: 'status' });
  ui.submit = el('button', { type: 'submit', class: 'btn btn-primary quiz-submit', text: t('submit') });
  list.append(el('div', { class: 'quiz-actions' }, ui.submit, ui.submitMsg));

  ui.dialog = el('dialog', { class: 'quiz-dialog', 'aria-labelledby': 'quiz-dialog-text' });
  ui.dialogText = el('p', { id: 'quiz-dialog-text' });
  const yes = el('button', { type: 'button', class: 'btn btn-primary', text: t('submit_confirm') });
  const no = el('button', { type: 'button', class: 'btn', text: t('keep_going') });
  yes.addEventListener('click', () => { ui.dialog.close(); submit(false); });
  no.addEventListener('click', () => ui.dialog.close());
  ui.dialog.append(ui.dialogText, el('div', { class: 'quiz-dialog-actions' }, yes, no));

  root.append(bar, list, ui.dialog, ui.announce, ui.alert);
  render();
}

function answeredCount() {
  return state.attempt.questions.filter((q) => state.chosen[q.id]).length;
}

function render() {
  const a = state.attempt;
  const n = answeredCount();
  ui.progressText.textContent = t('progress', n, a.questions.length);
  ui.progress.value = n;
  for (const q of a.questions) {
    const { fs, qs } = ui.q[q.id];
    const has = !!state.chosen[q.id];
    const waiting = q.id in state.pending;
    fs.classList.toggle('is-answered', has);
    qs.textContent = !has ? '' : waiting ? t('answer_unsaved') : t('answer_saved');
    qs.className = 'quiz-qstate' + (has ? (waiting ? ' is-unsaved' : ' is-saved') : '');
  }
  if (ui.predState) {
    const has = state.prediction !== null;
    ui.predState.textContent = !has ? '' : state.predictionPending ? t('answer_unsaved') : t('answer_saved');
    ui.predState.className = 'quiz-qstate' + (has ? (state.predictionPending ? ' is-unsaved' : ' is-saved') : '');
  }
  renderSave();
}

// renderSave says in words (not colour alone) whether everything is saved.
let lastSave = '';
function renderSave() {
  const waiting = Object.keys(state.pending).length + (state.predictionPending ? 1 : 0);
  let cls, text;
  if (state.stopped) {
    cls = 'is-error'; text = t('save_stopped');
  } else if (waiting === 0) {
    cls = 'is-saved'; text = t('save_all_saved');
  } else if (!navigator.onLine || retryTimer) {
    cls = 'is-offline'; text = t('save_offline', waiting);
  } else {
    cls = 'is-saving'; text = t('save_saving', waiting);
  }
  if (text === lastSave) return;
  lastSave = text;
  ui.save.className = 'quiz-save ' + cls;
  ui.save.textContent = text;
}

// ---- answering and saving

function choose(qid, optionId) {
  if (state.done || state.submitting) return;
  state.chosen[qid] = optionId;
  state.pending[qid] = optionId;
  persist();
  render();
  flush();
}

let predTimer = null;
function choosePrediction(raw) {
  const v = raw.trim() === '' ? null : Number(raw);
  if (v !== null && (!Number.isInteger(v) || v < 0 || v > 10000000)) {
    ui.predState.textContent = t('prediction_invalid');
    ui.predState.className = 'quiz-qstate is-unsaved';
    return;
  }
  state.prediction = v;
  state.predictionPending = v !== null;
  persist();
  render();
  clearTimeout(predTimer);
  predTimer = setTimeout(flush, 600);
}

let flushing = false;
let retryTimer = null;
let retryDelay = 2000;

function scheduleRetry() {
  if (retryTimer || state.done) return;
  retryTimer = setTimeout(() => { retryTimer = null; flush(); }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 15000);
  renderSave();
}

// flush sends every waiting answer, one at a time, oldest first. An answer
// stays waiting until the server acknowledged it (204 means committed).
async function flush() {
  if (flushing || state.done || state.stopped) return;
  flushing = true;
  try {
    for (const [qid, opt] of Object.entries(state.pending)) {
      const res = await send('PUT', `/attempts/${attemptId}/answers/${qid}`, { option_id: opt });
      if (!(await handleSave(res, () => { if (state.pending[qid] === opt) delete state.pending[qid]; }))) return;
    }
    if (state.predictionPending && state.prediction !== null) {
      const v = state.prediction;
      const res = await send('PUT', `/attempts/${attemptId}/prediction`, { prediction: v });
      if (!(await handleSave(res, () => { if (state.prediction === v) state.predictionPending = false; }))) return;
    }
    retryDelay = 2000;
  } catch {
    scheduleRetry(); // offline or the server is unreachable: keep everything, try again
  } finally {
    flushing = false;
    persist();
    render();
  }
  if (!state.stopped && !retryTimer && (Object.keys(state.pending).length || state.predictionPending)) flush();
}

// handleSave applies the answer to one autosave; false stops this flush.
async function handleSave(res, acknowledged) {
  if (res.status === 204 || res.ok) { acknowledged(); persist(); render(); return true; }
  const err = await errorOf(res);
  if (err.code === 'deadline_passed' || err.code === 'conflict') {
    state.stopped = true; // the attempt is over: the submit (or the server) decides
    renderSave();
    if (!state.submitting && !state.done) submit(true);
    return false;
  }
  if (res.status === 422 || res.status === 404) { acknowledged(); return true; } // cannot ever be saved
  if (res.status === 401) { showMessage(err.message, true); return false; }
  scheduleRetry();
  return false;
}

// ---- time

// remainingMs runs on performance.now(), which the phone's clock settings
// cannot move.
function remainingMs() {
  return state.endPerf - performance.now();
}

function fmtClock(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return String(m).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
}

function tick() {
  if (state.done) return;
  const left = remainingMs();
  ui.timer.textContent = fmtClock(left);
  ui.timer.classList.toggle('is-low', left <= 60000);
  for (const th of thresholds) {
    if (left <= th * 1000 && left > 0 && !state.announced.has(th)) {
      state.announced.add(th);
      ui.announce.textContent = th >= 60 ? t('time_minutes_left', th / 60) : t('time_seconds_left', th);
    }
  }
  if (left <= 0 && !state.submitting) {
    ui.alert.textContent = t('time_up');
    submit(true);
    return;
  }
  setTimeout(tick, 250);
}

// ---- submitting

function askSubmit() {
  if (state.done || state.submitting) return;
  const missing = state.attempt.questions.length - answeredCount();
  ui.dialogText.textContent = missing > 0 ? t('confirm_missing', missing) : t('confirm_all');
  ui.dialog.showModal();
}

// submit sends the answers the server has not acknowledged yet with the
// submit (the server merges them with the saved ones), so nothing depends
// on the autosaves still waiting or in flight. An acknowledged answer is
// committed, so it is not sent again: re-sending all nineteen made the
// server rewrite every answer of the attempt at each submit, and from a
// stale second tab it overwrote the choices made since in the other.
async function submit(auto) {
  if (state.done || state.submitting) return;
  state.submitting = true;
  state.submitWanted = true;
  ui.submit.disabled = true;
  showMessage(auto ? t('submitting_auto') : t('submitting'));
  const body = { answers: Object.assign({}, state.pending) };
  if (state.prediction !== null) body.prediction = state.prediction;
  let res;
  try {
    res = await send('POST', `/attempts/${attemptId}/submit`, body);
  } catch {
    state.submitting = false;
    showMessage(t('submit_offline'), true);
    return; // retried when the connection returns
  }
  if (res.ok) {
    const r = await res.json();
    finish(r);
    return;
  }
  const err = await errorOf(res);
  state.submitting = false;
  if (res.status >= 500 || res.status === 429) {
    showMessage(t('submit_retry'), true);
    setTimeout(() => { if (state.submitWanted) submit(auto); }, 5000);
    return;
  }
  state.submitWanted = false;
  ui.submit.disabled = false;
  showMessage(err.message, true);
}

function showMessage(text, isError) {
  ui.submitMsg.textContent = text;
  ui.submitMsg.className = 'quiz-submit-msg' + (isError ? ' is-error' : '');
}

function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  return t('duration', Math.floor(s / 60), s % 60);
}

// finish shows the result screen and forgets the local copy.
function finish(r) {
  state.done = true;
  try { localStorage.removeItem(storeKey); } catch { /* ignore */ }
  // The offline copy of a finished attempt is of no more use on this phone.
  if (navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ type: 'forget', urls: [location.pathname, `${API}/attempts/${attemptId}`] });
  }
  const a = r.attempt;
  const heading = el('h1', { tabindex: '-1', text: a.status === 'expired' ? t('result_expired') : t('result_title') });
  const facts = el('dl', { class: 'quiz-result-facts' },
    el('dt', { text: t('result_score') }), el('dd', { text: String(a.score) }),
    el('dt', { text: t('result_correct') }), el('dd', { text: t('result_correct_of', a.correct_count, a.question_count) }),
    el('dt', { text: t('result_duration') }), el('dd', { text: fmtDuration(a.duration_ms) }));
  if (r.rank) {
    facts.append(el('dt', { text: t('result_rank') }), el('dd', { text: t('result_rank_of', r.rank.position, r.rank.total) }));
  }
  const section = el('section', { class: 'quiz-result', 'aria-labelledby': 'quiz-result-h' }, heading, facts);
  heading.id = 'quiz-result-h';
  if (r.review && r.review.length) section.append(reviewList(r.review));
  section.append(el('p', {}, el('a', { class: 'btn btn-primary', href: homeURL, text: t('back_home') })));
  root.replaceChildren(section);
  heading.focus();
}

// ---- start

async function start() {
  const local = loadLocal();
  let res;
  try {
    res = await send('GET', `/attempts/${attemptId}`);
  } catch {
    root.replaceChildren(el('p', { class: 'quiz-error', role: 'alert', text: t('load_offline') }));
    window.addEventListener('online', () => location.reload(), { once: true });
    return;
  }
  if (!res.ok) {
    const err = await errorOf(res);
    root.replaceChildren(el('p', { class: 'quiz-error', role: 'alert', text: err.message }));
    return;
  }
  const fromCache = res.headers.get('X-Served-From') === 'cache';
  const a = (await res.json()).attempt;
  state.attempt = a;
  if (a.status !== 'in_progress' && a.result) {
    if (fromCache) { // the cached copy may be stale: ask again once online
      window.addEventListener('online', () => location.reload(), { once: true });
    }
    // A finished attempt: show its result (a practice review is on the home page).
    finish({ attempt: a.result, rank: null });
    return;
  }
  // The server's answers, then what this phone chose but did not get saved.
  // An offline copy of the attempt is older than what this phone saved
  // since, so the phone's own record of its choices comes in between.
  state.chosen = Object.assign({}, a.answers || {}, fromCache ? local.chosen || {} : {}, local.pending || {});
  state.pending = Object.assign({}, local.pending || {});
  for (const [q, o] of Object.entries(state.pending)) {
    if ((a.answers || {})[q] === o) delete state.pending[q];
  }
  state.prediction = local.predictionPending ? local.prediction : (a.prediction ?? local.prediction ?? null);
  state.predictionPending = !!local.predictionPending;
  // Server time now: from this response, or, when the response is the
  // offline copy, from the offset measured when it was fresh.
  let serverNow;
  if (!fromCache) {
    serverNow = Date.parse(a.server_time);
    state.offset = serverNow - Date.now();
  } else {
    state.offset = typeof local.offset === 'number' ? local.offset : 0;
    serverNow = Date.now() + state.offset;
  }
  state.endPerf = performance.now() + (Date.parse(a.deadline_at) - serverNow);
  const left = remainingMs();
  for (const th of thresholds) if (left <= th * 1000) state.announced.add(th);
  persist();
  build(a);
  tick();
  window.addEventListener('online', () => {
    retryDelay = 2000;
    clearTimeout(retryTimer); retryTimer = null;
    if (state.submitWanted && !state.done) submit(true); else flush();
  });
  window.addEventListener('offline', renderSave);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) flush(); });
  flush();
}

// keepOffline has the service worker keep this page, its files and the
// attempt, so that a reload without network still opens the quiz.
async function keepOffline() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/sw.js');
    const reg = await navigator.serviceWorker.ready;
    const urls = [location.pathname, `${API}/attempts/${attemptId}`, '/static/js/api.js', '/static/js/quiz_review.js'];
    document.querySelectorAll('link[rel=stylesheet][href], script[src]').forEach((e) => urls.push(e.getAttribute('href') || e.getAttribute('src')));
    reg.active.postMessage({ type: 'keep', urls });
  } catch { /* the page works without it while online */ }
}

// Once the page has settled: registering the worker and having it fetch
// the page's files again is work a slow phone need not do while it first
// draws the questions.
start().then(() => {
  if ('requestIdleCallback' in window) requestIdleCallback(keepOffline, { timeout: 3000 });
  else setTimeout(keepOffline, 1000);
});
