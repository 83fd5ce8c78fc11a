// quiz_review.js renders questions with the chosen and the correct option,
// for the practice result and the review page. Correctness is said in
// words, not by colour alone.
import { t } from './api.js';

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function reviewList(items) {
  const ol = el('ol', 'quiz-review');
  for (const it of items) {
    const li = el('li');
    li.append(el('p', 'quiz-qtext', it.text));
    li.append(el('p', it.correct ? 'quiz-ok' : 'quiz-bad',
      it.correct ? t('js.quiz.review_right') : it.chosen_option_id ? t('js.quiz.review_wrong') : t('js.quiz.review_blank')));
    const opts = el('ul', 'quiz-review-opts');
    for (const o of it.options) {
      const row = el('li', o.id === it.correct_option_id ? 'is-correct' : o.id === it.chosen_option_id ? 'is-wrong' : '');
      row.append(el('span', '', o.text));
      if (o.id === it.correct_option_id) row.append(el('strong', '', ' — ' + t('js.quiz.review_correct_option')));
      else if (o.id === it.chosen_option_id) row.append(el('strong', '', ' — ' + t('js.quiz.review_your_option')));
      opts.append(row);
    }
    li.append(opts);
    if (it.explanation) li.append(el('p', 'quiz-expl', it.explanation));
    if (it.legal_reference) li.append(el('p', 'quiz-ref', t('js.quiz.review_reference', it.legal_reference)));
    ol.append(li);
  }
  return ol;
}
