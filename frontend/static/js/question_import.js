// question_import.js: upload a question file with a progress bar
// (XMLHttpRequest, because fetch reports no upload progress), then show the
// counts, or every bad row in a table.
import { csrfToken, showErrors, t } from './api.js';

const form = document.getElementById('import-form');
const fileInput = document.getElementById('file');
const progress = document.getElementById('progress');
const bar = document.getElementById('progress-bar');
const progressText = document.getElementById('progress-text');
const result = document.getElementById('result');
const rowBox = document.getElementById('row-errors');
const rowList = document.getElementById('row-error-list');
const rowCount = document.getElementById('row-count');
const maxBytes = Number(form.dataset.maxBytes);

function reset() {
  showErrors(form, null);
  result.hidden = true;
  result.replaceChildren();
  rowBox.hidden = true;
  rowList.replaceChildren();
}

function showRows(rows) {
  rowList.replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    for (const v of [String(r.row), r.column || t('js.qbank.whole_row'), r.message]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
  rowCount.textContent = t('js.qbank.row_count', rows.length);
  rowBox.hidden = false;
}

function done(status, data) {
  progress.hidden = true;
  form.querySelector('button[type=submit]').disabled = false;
  if (status === 200 && data) {
    const p1 = document.createElement('p');
    p1.textContent = t('js.qbank.imported', data.imported);
    result.append(p1);
    if (data.duplicates_skipped) {
      const p2 = document.createElement('p');
      p2.textContent = t('js.qbank.skipped', data.duplicates_skipped);
      result.append(p2);
    }
    result.hidden = false;
    return;
  }
  const error = (data && data.error) || { message: t('js.error') };
  showErrors(form, { message: error.message, fields: error.fields });
  if (error.rows && error.rows.length) showRows(error.rows);
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  reset();
  const file = fileInput.files[0];
  if (!file) {
    showErrors(form, { message: t('js.validation'), fields: { file: t('js.qbank.choose_file') } });
    return;
  }
  if (file.size > maxBytes) {
    showErrors(form, { message: t('js.qbank.file_too_large', form.dataset.maxMb), fields: {} });
    return;
  }
  const body = new FormData();
  body.append('file', file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/v1/admin/questions/import');
  xhr.setRequestHeader('X-CSRF-Token', csrfToken());
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.responseType = 'json';
  xhr.upload.addEventListener('progress', (e) => {
    if (!e.lengthComputable) return;
    const pct = Math.floor((e.loaded / e.total) * 100);
    bar.value = pct;
    progressText.textContent = t('js.qbank.uploading', pct);
  });
  xhr.upload.addEventListener('load', () => {
    // The file is up; the server now checks every row and stores them.
    bar.removeAttribute('value');
    progressText.textContent = t('js.qbank.checking');
  });
  xhr.addEventListener('load', () => done(xhr.status, xhr.response));
  xhr.addEventListener('error', () => done(0, { error: { message: t('js.offline') } }));
  form.querySelector('button[type=submit]').disabled = true;
  bar.value = 0;
  progressText.textContent = t('js.qbank.uploading', 0);
  progress.hidden = false;
  xhr.send(body);
});
