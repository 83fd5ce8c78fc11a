// questions.js: the organizer's question bank list, with search (ignoring
// case and diacritics, done by the server), filters, paging and delete.
import { api, t } from './api.js';

const form = document.getElementById('filter-form');
const list = document.getElementById('question-list');
const count = document.getElementById('count');
const more = document.getElementById('more');
const listError = document.getElementById('list-error');
const categorySelect = document.getElementById('category');
const pageSize = 50;
let offset = 0;
let seq = 0;
let timer = null;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function item(q) {
  const li = el('li', 'qitem');
  li.dataset.id = q.id;
  li.append(el('p', 'qtext', q.text));
  const meta = el('p', 'qmeta');
  meta.append(el('span', 'badge', q.category), ' ', el('span', 'badge', t('js.qbank.' + q.difficulty)), ' ');
  const status = el('span', q.status === 'retired' ? 'badge qretired' : 'badge open', t('js.qbank.' + q.status));
  status.dataset.role = 'status';
  meta.append(status, ' ', el('span', 'muted', t('js.qbank.version', q.version)));
  li.append(meta);
  const opts = el('ol', 'qopts');
  opts.type = 'A';
  q.options.forEach((o, i) => {
    const oi = el('li', i === q.correct ? 'qcorrect' : '', o.text);
    if (i === q.correct) oi.append(' ', el('span', 'sr-only', '(' + t('js.qbank.correct') + ')'), el('span', 'qtick', ' ✓'));
    opts.append(oi);
  });
  li.append(opts);
  const actions = el('p', 'actions');
  const edit = el('a', 'button', t('js.qbank.edit'));
  edit.href = '/admin/questions/' + encodeURIComponent(q.id) + '/edit';
  const del = el('button', 'qdanger', t('js.qbank.delete'));
  del.type = 'button';
  del.dataset.delete = q.id;
  actions.append(edit, del);
  li.append(actions);
  const note = el('p', 'hint');
  note.setAttribute('role', 'status');
  li.append(note);
  return li;
}

async function load(append) {
  const mine = ++seq;
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim()) params.set(k, String(v).trim());
  params.set('limit', pageSize);
  params.set('offset', append ? offset : 0);
  const res = await api('GET', '/api/v1/admin/questions?' + params);
  if (mine !== seq) return; // a newer search is under way
  listError.textContent = res.ok ? '' : res.error.message;
  if (!res.ok) return;
  const qs = res.data.questions;
  if (!append) {
    offset = 0;
    list.replaceChildren();
  }
  list.append(...qs.map(item));
  offset += qs.length;
  count.textContent = res.data.total ? t('js.qbank.count', res.data.total) : t('js.qbank.empty');
  more.hidden = offset >= res.data.total;
}

async function loadCategories() {
  const res = await api('GET', '/api/v1/admin/questions/categories');
  if (!res.ok) return;
  for (const c of res.data.categories) {
    const o = el('option', '', c.category + ' (' + c.total + ')');
    o.value = c.category;
    categorySelect.append(o);
  }
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
// The search box has its own (debounced) listener below. Its change event
// comes only when it loses focus, which is when the organizer presses
// "Sửa" or "Xóa" after typing: a second search then rebuilt the list
// between the button's mousedown and mouseup, and the click was lost.
form.addEventListener('change', (ev) => { if (ev.target.id !== 'q') load(false); });
document.getElementById('q').addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(() => load(false), 300);
});
more.addEventListener('click', () => load(true));

list.addEventListener('click', async (ev) => {
  const btn = ev.target.closest('button[data-delete]');
  if (!btn || !confirm(t('js.qbank.confirm_delete'))) return;
  const li = btn.closest('li.qitem');
  const note = li.querySelector('[role=status]');
  btn.disabled = true;
  const res = await api('DELETE', '/api/v1/admin/questions/' + encodeURIComponent(btn.dataset.delete));
  btn.disabled = false;
  if (!res.ok) {
    note.textContent = res.error.message;
    return;
  }
  if (res.data.result === 'deleted') {
    li.replaceChildren(el('p', 'muted', t('js.qbank.deleted')));
    return;
  }
  const status = li.querySelector('[data-role=status]');
  status.className = 'badge qretired';
  status.textContent = t('js.qbank.retired');
  note.textContent = t('js.qbank.retired_instead');
});

loadCategories();
load(false);
