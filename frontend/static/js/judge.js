// The judge's list of assigned essays: code and title only, unfinished first.
import { api, t } from './api.js';
import { points } from './essaytext.js';

const list = document.getElementById('judge-list');

async function load() {
  const res = await api('GET', '/api/v1/judge/assignments');
  list.replaceChildren();
  if (!res.ok) {
    const li = document.createElement('li');
    li.textContent = res.error.message;
    list.appendChild(li);
    return;
  }
  const as = res.data.assignments;
  const done = as.filter((a) => a.status === 'final').length;
  document.getElementById('judge-summary').textContent = t('js.judge_summary', done, as.length);
  if (as.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = t('js.judge_none');
    list.appendChild(li);
    return;
  }
  for (const a of as) {
    const li = document.createElement('li');
    const link = document.createElement('a');
    link.href = '/judge/assignments/' + a.id;
    link.textContent = a.essay.code + ' — ' + a.essay.title;
    const meta = document.createElement('div');
    meta.className = 'muted';
    let status = t('js.judge_status_' + a.status);
    if (a.total !== null && a.total !== undefined) status += ' · ' + points(a.total) + '/' + points(a.max_total);
    meta.textContent = a.contest_title + (a.stage === 2 ? ' · ' + t('js.judge_final_stage') : '') + ' · ' + status;
    li.append(link, meta);
    list.appendChild(li);
  }
}

load();
