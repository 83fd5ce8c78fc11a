// Writes plain essay text as paragraphs with textContent only: an essay's
// text never becomes markup, whatever it contains.
export function renderParagraphs(el, text) {
  el.replaceChildren();
  for (const para of String(text).split(/\n\s*\n/)) {
    if (!para.trim()) continue;
    const p = document.createElement('p');
    const lines = para.split('\n');
    lines.forEach((line, i) => {
      if (i > 0) p.appendChild(document.createElement('br'));
      p.appendChild(document.createTextNode(line));
    });
    el.appendChild(p);
  }
}

// Vietnamese number format for points: 7,5 rather than 7.5.
export function points(x) {
  return (Math.round(x * 100) / 100).toLocaleString('vi-VN', { maximumFractionDigits: 2 });
}
