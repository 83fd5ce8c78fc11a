// Prepares an attempt in the demo's open round for a fresh participant and
// runs Lighthouse (mobile) on its quiz page; prints the scores. Called by
// scripts/lighthouse.sh with: BASE_URL LIGHTHOUSE_DIR [lighthouse args...].
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [base, lhDir, ...extra] = process.argv.slice(2);
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(base)) {
  throw new Error(`only a loopback server may be audited, got ${base}`);
}

async function api(method, p, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

// A new participant each run, so the attempt limit never gets in the way.
const phone = '03' + String(Date.now() % 100000000).padStart(8, '0');
const reg = await api('POST', '/api/v1/participants', {
  full_name: 'Trần Thị Kiểm Thử', birth_date: '2007-05-06', phone, password: 'kiem-thu-lighthouse', category: 'hoc_sinh',
});
const token = reg.token;

const { contests } = await api('GET', '/api/v1/contests');
let round = null;
for (const c of contests.filter((c) => c.kind === 'quiz')) {
  const { contest } = await api('GET', `/api/v1/contests/${c.id}`);
  round = (contest.rounds || []).find((r) => r.status === 'open' && !r.practice);
  if (round) break;
}
if (!round) throw new Error('no open quiz round: is the question bank in this build (seed demo makes the demo round)?');
const { attempt } = await api('POST', `/api/v1/rounds/${round.id}/attempts`, null, token);
const target = `${base}/attempts/${attempt.id}`;

const out = path.join(lhDir, 'report');
const bin = path.join(lhDir, 'node_modules', '.bin', 'lighthouse');
const chromeFlags = '--headless --no-sandbox --disable-gpu --disable-quic --no-first-run ' +
  '--disable-background-networking --disable-component-update --disable-sync';
console.error(`==> lighthouse ${target}`);
execFileSync(bin, [
  target, '--quiet', '--form-factor=mobile', '--only-categories=performance,accessibility',
  `--chrome-flags=${chromeFlags}`, `--extra-headers=${JSON.stringify({ Cookie: `lc_session=${token}` })}`,
  '--output=json', '--output=html', `--output-path=${out}`, ...extra,
], { stdio: ['ignore', 'inherit', 'inherit'] });

const lhr = JSON.parse(readFileSync(`${out}.report.json`, 'utf8'));
const score = (k) => Math.round(lhr.categories[k].score * 100);
const bytes = lhr.audits['total-byte-weight'].numericValue;
console.log(`lighthouse ${lhr.lighthouseVersion}, mobile, ${target}`);
console.log(`performance   ${score('performance')}   (target 95)`);
console.log(`accessibility ${score('accessibility')}   (target 95)`);
console.log(`transferred   ${(bytes / 1024).toFixed(1)} KB on first load (target under 60 KB)`);
for (const k of ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']) {
  console.log(`  ${lhr.audits[k].title}: ${lhr.audits[k].displayValue}`);
}
const failed = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 0.9 &&
  ['binary', 'numeric', 'metricSavings'].includes(a.scoreDisplayMode));
for (const a of failed) console.log(`  to fix: ${a.id}: ${a.title}${a.displayValue ? ` (${a.displayValue})` : ''}`);
console.log(`report: ${out}.report.html`);
