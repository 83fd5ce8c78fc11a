// The essay word count, the same definition as contest/essay/wordcount.go
// (a Go test runs this file with node over shared cases): a word is a maximal
// run of non-space characters holding at least one letter or digit.
// White space is exactly Go's unicode.IsSpace.
(function (root) {
  "use strict";
  var wordChar = /[\p{L}\p{N}]/u;
  function isSpace(c) {
    return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 ||
      c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 ||
      c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
  }
  function countWords(s) {
    var n = 0, inToken = false, hasWord = false;
    for (var ch of String(s)) {
      if (isSpace(ch.codePointAt(0))) {
        if (inToken && hasWord) n++;
        inToken = false; hasWord = false;
        continue;
      }
      inToken = true;
      if (!hasWord && wordChar.test(ch)) hasWord = true;
    }
    if (inToken && hasWord) n++;
    return n;
  }
  root.countWords = countWords;
  if (typeof module !== "undefined" && module.exports) module.exports = countWords;
})(typeof window !== "undefined" ? window : globalThis);
