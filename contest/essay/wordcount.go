package essay

import "unicode"

// CountWords is the one definition of an essay's length, shared with
// frontend/static/js/wordcount.js (a test runs both over the same cases):
// a word is a maximal run of characters that are not white space and that
// holds at least one letter or digit. Vietnamese is written one syllable per
// word, so "pháp luật" is two words, as Vietnamese contests count them;
// "2.000", "e-mail" and "COVID-19" are one; a lone dash or emoji is none.
//
// White space is Go's unicode.IsSpace; letters and digits are the Unicode
// categories L and N. The count does not change under NFC/NFD
// normalization, so the browser and the server agree whatever form the
// keyboard produced.
func CountWords(s string) int {
	n := 0
	inToken, hasWord := false, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if inToken && hasWord {
				n++
			}
			inToken, hasWord = false, false
			continue
		}
		inToken = true
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			hasWord = true
		}
	}
	if inToken && hasWord {
		n++
	}
	return n
}
