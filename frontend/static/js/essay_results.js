// The public results of an essay contest: code, title, masked name, unit,
// score and prize. The API sends nothing more.
import { api, t } from './api.js';
import { points } from './essaytext.js';

const app = document.getElementById('results-app');
const table = document.getElementById('results-table');
const empty = document.getElementById('results-empty');

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

(async () => {
  const res = await api('GET', `/api/v1/contests/${app.dataset.contest}/essay-results`);
  if (!res.ok) {
    empty.textContent = res.error.message;
    return;
  }
  const r = res.data;
  document.getElementById('results-contest').textContent = r.contest_title + ' · ' +
    t('js.essay_published_at', new Date(r.published_at).toLocaleDateString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' }));
  const body = table.querySelector('tbody');
  for (const e of r.entries) {
    const tr = document.createElement('tr');
    const who = document.createElement('td');
    const title = document.createElement('div');
    title.textContent = e.title;
    const name = document.createElement('div');
    name.className = 'muted';
    name.textContent = e.display_name + (e.unit ? ' · ' + e.unit : '');
    who.append(title, name);
    tr.append(cell(String(e.rank)), cell(e.code, 'code-cell'), who, cell(points(e.score), 'num'),
      cell(e.prize ? t('js.essay_prize_' + e.prize) : ''));
    body.appendChild(tr);
  }
  table.hidden = r.entries.length === 0;
  empty.textContent = r.entries.length === 0 ? t('js.essay_no_results') : '';
})();
