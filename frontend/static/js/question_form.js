// question_form.js: add or edit one question. Editing sends the version the
// organizer loaded, so a save over someone else's newer one is refused.
import { api, showErrors, t } from './api.js';

const form = document.getElementById('question-form');
const id = form.dataset.id;
const f = form.elements;
const optionInputs = [...form.querySelectorAll('input[id^="opt-"]')];
let version = null;

function collect() {
  const values = optionInputs.map((i) => i.value.trim());
  let last = values.length - 1;
  while (last >= 0 && values[last] === '') last--;
  // Empty options before the last filled one are sent, so the server
  // names the gap.
  const options = values.slice(0, last + 1);
  const checked = form.querySelector('input[name=correct]:checked');
  const body = {
    text: f.text.value,
    options,
    category: f.category.value,
    difficulty: f.difficulty.value,
    explanation: f.explanation.value,
    legal_reference: f.legal_reference.value,
  };
  if (checked) body.correct = Number(checked.value);
  if (id) {
    body.version = version;
    body.status = f.retired.checked ? 'retired' : 'active';
    if (!checked) body.correct = null;
  }
  return body;
}

function fill(q) {
  version = q.version;
  f.text.value = q.text;
  optionInputs.forEach((input, i) => { input.value = q.options[i] ? q.options[i].text : ''; });
  const radio = form.querySelector(`input[name=correct][value="${q.correct}"]`);
  if (radio) radio.checked = true;
  f.category.value = q.category;
  f.difficulty.value = q.difficulty;
  f.explanation.value = q.explanation;
  f.legal_reference.value = q.legal_reference;
  f.retired.checked = q.status === 'retired';
}

async function loadCategories() {
  const res = await api('GET', '/api/v1/admin/questions/categories');
  if (!res.ok) return;
  document.getElementById('category-options').replaceChildren(...res.data.categories.map((c) => {
    const o = document.createElement('option');
    o.value = c.category;
    return o;
  }));
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  const res = id
    ? await api('PATCH', '/api/v1/admin/questions/' + encodeURIComponent(id), collect())
    : await api('POST', '/api/v1/admin/questions', collect());
  btn.disabled = false;
  if (!res.ok) {
    showErrors(form, res.error);
    return;
  }
  showErrors(form, null);
  location.href = '/admin/questions';
});

loadCategories();
if (id) {
  const res = await api('GET', '/api/v1/admin/questions/' + encodeURIComponent(id));
  if (res.ok) fill(res.data.question);
  else showErrors(form, res.error);
}
