// sw.js lets a quiz page reload while the phone is offline: the page, its
// static files and the last copy of the attempt are kept, and served only
// when the network fails (marked X-Served-From: cache so the page knows the
// copy's server_time is old). Answers and submits are never handled here:
// they go to the network from the page, which queues them itself.
const CACHE = 'lc-quiz-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (ev) => ev.waitUntil(self.clients.claim()));

function cacheable(req) {
  if (req.method !== 'GET') return false;
  const u = new URL(req.url);
  if (u.origin !== self.location.origin) return false;
  return /^\/attempts\/\d+$/.test(u.pathname) ||
    /^\/api\/v1\/attempts\/\d+$/.test(u.pathname) ||
    u.pathname.startsWith('/static/');
}

async function networkFirst(req) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(req);
    if (res.ok) cache.put(req, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(req, { ignoreVary: true });
    if (!hit) throw err;
    const headers = new Headers(hit.headers);
    headers.set('X-Served-From', 'cache');
    return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
  }
}

// The quiz page asks to keep what it needs, once the worker runs (the
// first load happened before the worker could see it), and to forget the
// attempt once it is finished.
self.addEventListener('message', (ev) => {
  const d = ev.data || {};
  if (!Array.isArray(d.urls)) return;
  const urls = d.urls.filter((u) => typeof u === 'string' && cacheable(new Request(u)));
  if (d.type === 'keep') {
    ev.waitUntil(caches.open(CACHE).then((c) => Promise.all(urls.map((u) => c.add(u).catch(() => {})))));
  } else if (d.type === 'forget') {
    ev.waitUntil(caches.open(CACHE).then((c) => Promise.all(urls.map((u) => c.delete(u)))));
  }
});

self.addEventListener('fetch', (ev) => {
  if (cacheable(ev.request)) ev.respondWith(networkFirst(ev.request));
});
