// review.js: a finished attempt question by question, once the round has
// closed (or at once for practice).
import { api, t } from './api.js';
import { reviewList } from './quiz_review.js';

const box = document.getElementById('review');
const res = await api('GET', `/api/v1/attempts/${encodeURIComponent(box.dataset.attemptId)}/review`);
if (!res.ok) {
  const p = document.createElement('p');
  p.className = 'form-error';
  p.setAttribute('role', 'alert');
  p.textContent = res.error.message;
  box.replaceChildren(p);
} else {
  const a = res.data.attempt;
  const p = document.createElement('p');
  p.textContent = t('js.quiz.review_summary', a.score, a.correct_count, a.question_count);
  box.replaceChildren(p, reviewList(res.data.questions));
}
