// my_attempts.js: the participant's attempts and results on the home page.
import { api, t } from './api.js';

const list = document.getElementById('my-attempts');
if (list) {
  const res = await api('GET', '/api/v1/me/attempts');
  const items = res.ok ? res.data.attempts : [];
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  if (!res.ok) {
    list.replaceChildren(el('li', 'form-error', res.error.message));
  } else if (!items.length) {
    list.replaceChildren(el('li', 'muted', list.dataset.empty));
  } else {
    list.replaceChildren(...items.map((a) => {
      const li = el('li');
      const title = el('a', '', `${a.round_title} · ${a.contest_title}`);
      title.href = a.status === 'in_progress' ? `/attempts/${a.id}` : `/contests/${a.contest_id}`;
      li.append(title);
      if (a.practice) li.append(' ', el('span', 'badge', t('js.quiz.practice')));
      let line;
      if (a.status === 'in_progress') {
        line = el('p', '', t('js.my.in_progress', a.attempt_no));
        const go = el('a', 'button primary', t('js.my.resume'));
        go.href = `/attempts/${a.id}`;
        li.append(line, go);
        return li;
      }
      const secs = Math.round(a.duration_ms / 1000);
      line = el('p', 'muted', t('js.my.result', a.attempt_no, a.score, a.correct_count, a.question_count,
        t('js.quiz.duration', Math.floor(secs / 60), secs % 60)));
      li.append(line);
      if (a.review_available) {
        const rv = el('a', '', t('js.my.review'));
        rv.href = `/attempts/${a.id}/review`;
        li.append(rv);
      }
      return li;
    }));
  }
}
