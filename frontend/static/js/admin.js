// admin.js: the organizer dashboard: participant search and correction,
// and the newest audit log entries.
import { api, formJSON, showErrors, t } from './api.js';

const search = document.getElementById('participant-search');
const table = document.getElementById('participants');
const empty = document.getElementById('participants-empty');
const edit = document.getElementById('participant-edit');
let found = [];

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text || '';
  return td;
}

search.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const q = new FormData(search).get('q').trim();
  const res = await api('GET', '/api/v1/admin/participants?limit=50&q=' + encodeURIComponent(q));
  if (!res.ok) return;
  found = res.data.participants;
  table.hidden = found.length === 0;
  empty.hidden = found.length !== 0;
  table.tBodies[0].replaceChildren(...found.map((p, i) => {
    const tr = document.createElement('tr');
    tr.append(cell(p.full_name), cell(p.birth_date), cell(p.phone), cell(p.citizen_id));
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = t('js.admin_edit');
    b.addEventListener('click', () => openEdit(found[i]));
    td.append(b);
    tr.append(td);
    return tr;
  }));
});

function openEdit(p) {
  edit.hidden = false;
  showErrors(edit, null);
  document.getElementById('edit-status').textContent = '';
  document.getElementById('edit-title').textContent = p.full_name;
  for (const name of ['id', 'full_name', 'birth_date', 'phone', 'citizen_id', 'email']) {
    edit.elements[name].value = p[name] || '';
  }
  edit.elements.full_name.focus();
}

edit.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = formJSON(edit);
  const id = body.id;
  delete body.id;
  const res = await api('PATCH', '/api/v1/admin/participants/' + encodeURIComponent(id), body);
  if (!res.ok) {
    showErrors(edit, res.error);
    return;
  }
  showErrors(edit, null);
  document.getElementById('edit-status').textContent = t('js.admin_saved');
  loadAudit();
});

async function loadAudit() {
  const res = await api('GET', '/api/v1/admin/audit?limit=30');
  if (!res.ok) return;
  const fmt = new Intl.DateTimeFormat('vi-VN', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Asia/Ho_Chi_Minh' });
  document.querySelector('#audit tbody').replaceChildren(...res.data.entries.map((e) => {
    const tr = document.createElement('tr');
    tr.append(cell(fmt.format(new Date(e.at))), cell(e.actor_name || e.actor_role), cell(e.action), cell(e.entity + ' #' + e.entity_id));
    return tr;
  }));
}
loadAudit();
