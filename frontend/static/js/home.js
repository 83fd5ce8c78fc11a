import { api } from './api.js';

const list = document.getElementById('contest-list');
const res = await api('GET', '/api/v1/contests');
const contests = res.ok && res.data && Array.isArray(res.data.contests) ? res.data.contests : [];
if (!contests.length) {
  const li = document.createElement('li');
  li.className = 'muted';
  li.textContent = list.dataset.empty;
  list.replaceChildren(li);
} else {
  list.replaceChildren(...contests.map((c) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = '/contests/' + encodeURIComponent(c.id);
    a.textContent = c.title;
    li.append(a);
    return li;
  }));
}
