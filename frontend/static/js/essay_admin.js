// The organizers' page for one essay contest: settings, rubric, judge
// assignment, judging progress (per-judge mean and spread, discrepancies,
// z-score ranks), near-duplicates, shortlist and publication.
import { api, showErrors, t } from './api.js';
import { points } from './essaytext.js';

const contestID = document.getElementById('admin-app').dataset.contest;
const base = `/api/v1/admin/contests/${contestID}`;

function ok(form, text) {
  showErrors(form, null);
  form.querySelector('[data-ok]').textContent = text;
}

function fail(form, error) {
  form.querySelector('[data-ok]').textContent = '';
  showErrors(form, error);
}

function td(text, cls) {
  const el = document.createElement('td');
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

function num(v) { return v === null || v === undefined ? '–' : points(v); }

// Settings.
const settingsForm = document.getElementById('settings-form');
let twoStage = false;
function fillSettings(s) {
  const f = settingsForm.elements;
  f.word_limit.value = s.word_limit;
  f.judges_per_essay.value = s.judges_per_essay;
  f.discrepancy_threshold.value = s.discrepancy_threshold;
  f.final_rule.value = s.final_rule;
  f.two_stage.checked = s.two_stage;
  f['prizes.first'].value = s.prizes.first;
  f['prizes.second'].value = s.prizes.second;
  f['prizes.third'].value = s.prizes.third;
  f['prizes.consolation'].value = s.prizes.consolation;
  document.getElementById('a-judges').value = s.judges_per_essay;
  twoStage = s.two_stage;
  document.getElementById('shortlist-card').hidden = !twoStage;
}
settingsForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = settingsForm.elements;
  const n = (el) => Number(el.value);
  const res = await api('PUT', `${base}/essay-settings`, {
    word_limit: n(f.word_limit), judges_per_essay: n(f.judges_per_essay),
    discrepancy_threshold: n(f.discrepancy_threshold), final_rule: f.final_rule.value,
    two_stage: f.two_stage.checked,
    prizes: { first: n(f['prizes.first']), second: n(f['prizes.second']), third: n(f['prizes.third']), consolation: n(f['prizes.consolation']) },
  });
  if (!res.ok) return fail(settingsForm, res.error);
  fillSettings(res.data.settings);
  ok(settingsForm, t('js.essay_saved'));
});

// Rubric.
const rubricForm = document.getElementById('rubric-form');
const rows = document.getElementById('rubric-rows');
function rubricRow(c, i) {
  const row = document.createElement('div');
  row.className = 'rubric-row';
  const field = (name, label, value, type, wide) => {
    const l = document.createElement('label');
    if (wide) l.className = 'wide';
    l.textContent = label;
    const input = type === 'textarea' ? document.createElement('textarea') : document.createElement('input');
    if (type !== 'textarea') input.type = type;
    if (type === 'number') { input.step = '0.25'; input.min = '0.25'; input.inputMode = 'decimal'; }
    input.name = `criteria[${i}].${name}`;
    input.value = value === undefined ? '' : value;
    input.addEventListener('input', rubricTotal);
    const err = document.createElement('div');
    err.className = 'field-error';
    err.dataset.errorFor = input.name;
    l.append(input, err);
    return l;
  };
  row.append(field('key', t('js.essay_criterion_key'), c.key, 'text'),
    field('max_points', t('js.essay_criterion_max'), c.max_points, 'number'),
    field('name', t('js.essay_criterion_name'), c.name, 'text', true),
    field('description', t('js.essay_criterion_desc'), c.description, 'textarea', true));
  return row;
}
function readRubric() {
  const out = [];
  rows.querySelectorAll('.rubric-row').forEach((row, i) => {
    const v = (n) => row.querySelector(`[name="criteria[${i}].${n}"]`).value.trim();
    out.push({ key: v('key'), name: v('name'), max_points: Number(v('max_points').replace(',', '.')), description: v('description') });
  });
  return out;
}
function rubricTotal() {
  document.getElementById('rubric-total').textContent = points(readRubric().reduce((s, c) => s + (c.max_points || 0), 0));
}
function fillRubric(criteria) {
  rows.replaceChildren();
  criteria.forEach((c, i) => rows.appendChild(rubricRow(c, i)));
  rubricTotal();
}
async function loadRubric() {
  const res = await api('GET', `${base}/rubric?stage=${rubricForm.elements.stage.value}`);
  if (res.ok) fillRubric(res.data.criteria);
}
document.getElementById('rubric-add').addEventListener('click', () => {
  rows.appendChild(rubricRow({}, rows.children.length));
});
rubricForm.elements.stage.addEventListener('change', loadRubric);
rubricForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await api('PUT', `${base}/rubric`, { stage: Number(rubricForm.elements.stage.value), criteria: readRubric() });
  if (!res.ok) return fail(rubricForm, res.error);
  fillRubric(res.data.criteria);
  ok(rubricForm, t('js.essay_saved'));
});

// Assignment.
const assignForm = document.getElementById('assign-form');
assignForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await api('POST', `${base}/assignments`, { judges_per_essay: Number(assignForm.elements.judges_per_essay.value) });
  if (!res.ok) return fail(assignForm, res.error);
  const r = res.data.assignment;
  let text = t('js.essay_assigned', r.essays, r.judges, r.added, r.kept);
  if (r.unfilled.length) text += ' ' + t('js.essay_unfilled', r.unfilled.length);
  ok(assignForm, text);
  loadJudging();
});

// Judging progress.
async function loadJudging() {
  const res = await api('GET', `${base}/judging`);
  if (!res.ok) return;
  const r = res.data;
  document.getElementById('judging-progress').textContent =
    t('js.essay_progress', r.stage, r.complete, r.essays, r.waiting_third, num(r.panel.mean), num(r.panel.sd));
  const jb = document.querySelector('#judges-table tbody');
  jb.replaceChildren();
  for (const j of r.judges) {
    const tr = document.createElement('tr');
    const off = j.final ? (j.offset > 0 ? '+' : '') + points(j.offset) : '–';
    tr.append(td(j.name), td(`${j.final}/${j.assigned}`, 'num'), td(j.final ? num(j.stat.mean) : '–', 'num'),
      td(j.final > 1 ? num(j.stat.sd) : '–', 'num'), td(off, Math.abs(j.offset) >= 10 ? 'num warn' : 'num'));
    jb.appendChild(tr);
  }
  const dl = document.getElementById('discrepancies');
  dl.replaceChildren();
  for (const d of r.discrepancies) {
    const li = document.createElement('li');
    const scores = d.scores.map((s) => `${s.name}: ${num(s.total)}`).join(' · ');
    li.textContent = `${d.code} — ${scores} — ` + t('js.essay_mark_status_' + d.status);
    dl.appendChild(li);
  }
  if (!r.discrepancies.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = t('js.essay_no_discrepancies');
    dl.appendChild(li);
  }
  const mb = document.querySelector('#marks-table tbody');
  mb.replaceChildren();
  for (const m of r.marks) {
    const tr = document.createElement('tr');
    tr.append(td(m.code), td(m.author_name), td(m.scores.map((s) => num(s.total)).join(' · ')),
      td(m.status === 'final' ? num(m.mark) : t('js.essay_mark_status_' + m.status), 'num'), td(m.z_rank || '–', 'num'));
    mb.appendChild(tr);
  }
}
document.getElementById('judging-refresh').addEventListener('click', loadJudging);

// Near-duplicates.
document.getElementById('dups-button').addEventListener('click', async () => {
  const list = document.getElementById('dups');
  list.replaceChildren();
  const res = await api('GET', `${base}/essay-duplicates`);
  if (!res.ok) return;
  if (!res.data.pairs.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = t('js.essay_no_duplicates');
    list.appendChild(li);
  }
  for (const p of res.data.pairs) {
    const li = document.createElement('li');
    const head = document.createElement('strong');
    head.textContent = t('js.essay_duplicate_pair', p.code_a, p.code_b, Math.round(p.jaccard * 100) + '%', Math.round(p.containment * 100) + '%');
    li.appendChild(head);
    for (const passage of p.passages) {
      const q = document.createElement('blockquote');
      q.className = 'passage';
      q.textContent = passage;
      li.appendChild(q);
    }
    list.appendChild(li);
  }
});

// Shortlist.
const shortlistForm = document.getElementById('shortlist-form');
shortlistForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = shortlistForm.elements;
  const body = {};
  if (f.top.value) body.top = Number(f.top.value);
  if (f.min_mark.value) body.min_mark = Number(f.min_mark.value);
  const res = await api('POST', `${base}/shortlist`, body);
  if (!res.ok) return fail(shortlistForm, res.error);
  ok(shortlistForm, t('js.essay_shortlisted', res.data.finalists));
  loadJudging();
});

// Publication.
const publishForm = document.getElementById('publish-form');
publishForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await api('POST', `${base}/essay-results/publish`);
  if (!res.ok) return fail(publishForm, res.error);
  ok(publishForm, t('js.essay_published', res.data.publication.entries));
});

(async () => {
  const info = await api('GET', `/api/v1/contests/${contestID}/essay-info`);
  if (info.ok) document.getElementById('admin-contest').textContent = info.data.contest.title;
  const s = await api('GET', `${base}/essay-settings`);
  if (s.ok) fillSettings(s.data.settings);
  await loadRubric();
  await loadJudging();
})();
