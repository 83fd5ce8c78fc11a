// leaderboard.js: the public board of a round. It polls the API every few
// seconds with If-None-Match, so an unchanged board costs a 304 and no
// redraw; a participant also sees their own place (or, while the board is
// frozen, only their score).
import { api, t } from './api.js';

const box = document.getElementById('board');
const round = encodeURIComponent(box.dataset.roundId);
const pollMS = Number(box.dataset.pollMs) || 5000;
const list = document.getElementById('board-list');
const more = document.getElementById('board-more');
const empty = document.getElementById('board-empty');
const notice = document.getElementById('board-notice');
const asof = document.getElementById('board-asof');
const mine = document.getElementById('mine');
const pageSize = 50;
let shown = pageSize;
let etag = '';

const clock = (iso) => new Date(iso).toLocaleTimeString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
const when = (iso) => new Date(iso).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });
const duration = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function draw(data) {
  const items = data.entries.map((e) => {
    const li = el('li');
    const who = el('span', 'who');
    who.append(el('span', 'name', e.display_name), el('span', 'unit', e.unit));
    const result = el('span', 'result');
    result.append(el('span', 'score', t('js.leaderboard.score', e.score)), el('span', 'time', duration(e.duration_ms)));
    li.append(el('span', 'place', String(e.rank)), who, result);
    return li;
  });
  list.replaceChildren(...items);
  notice.hidden = !data.frozen;
  if (data.frozen) notice.textContent = t('js.leaderboard.frozen', when(data.freeze_at));
  empty.hidden = data.frozen || data.entries.length > 0;
  more.hidden = data.frozen || data.entries.length >= data.total || data.entries.length < shown;
  asof.textContent = t('js.leaderboard.as_of', clock(data.as_of), data.total);
}

async function refresh() {
  let res;
  try {
    res = await fetch(`/api/v1/rounds/${round}/leaderboard?limit=${shown}`, {
      headers: etag ? { 'Accept': 'application/json', 'If-None-Match': etag } : { 'Accept': 'application/json' },
      cache: 'no-store', credentials: 'same-origin',
    });
  } catch (e) {
    notice.hidden = false;
    notice.textContent = t('js.offline');
    return;
  }
  if (res.status === 304) return;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    notice.hidden = false;
    notice.textContent = (data && data.error && data.error.message) || t('js.error');
    return;
  }
  etag = res.headers.get('ETag') || '';
  draw(data);
}

async function refreshMine() {
  if (!mine) return;
  const res = await api('GET', `/api/v1/rounds/${round}/leaderboard/me`);
  const text = document.getElementById('mine-text');
  mine.hidden = false;
  if (res.ok) {
    const m = res.data;
    text.textContent = m.frozen ? t('js.leaderboard.mine_frozen', m.score, duration(m.duration_ms))
      : t('js.leaderboard.mine', m.rank, m.total, m.score, duration(m.duration_ms));
  } else if (res.status === 404) {
    text.textContent = t('js.leaderboard.mine_none');
  } else {
    mine.hidden = true;
  }
}

more.addEventListener('click', () => {
  shown = Math.min(shown + pageSize, 200);
  etag = '';
  refresh();
});

async function tick() {
  if (!document.hidden) await Promise.all([refresh(), refreshMine()]);
  setTimeout(tick, pollMS);
}
tick();
