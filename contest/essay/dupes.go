package essay

import (
	"hash/fnv"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// DupDoc is one essay given to the near-duplicate finder.
type DupDoc struct {
	ID   int64
	Code string
	Text string
}

// DupPair is a pair of essays whose texts overlap heavily.
type DupPair struct {
	A, B        int64    // essay ids, A < B
	CodeA       string   `json:"code_a"`
	CodeB       string   `json:"code_b"`
	Jaccard     float64  `json:"jaccard"`     // shared shingles over all shingles of the two
	Containment float64  `json:"containment"` // shared shingles over those of the shorter
	Passages    []string `json:"passages"`    // shared passages, longest first, as written in A
}

// Near-duplicate detection works on shingles: runs of shingleSize
// consecutive syllables of the folded text (lower case, no diacritics), so
// retyping without accents or changing case hides nothing. Two essays are
// flagged when their shingle sets' Jaccard similarity reaches jaccardFlag,
// or when most of the shorter one is inside the longer (containmentFlag):
// a copied essay padded with new paragraphs still stands out.
const (
	shingleSize     = 5
	jaccardFlag     = 0.4
	containmentFlag = 0.6
	minShingles     = 20 // shorter texts say too little to compare
	maxPassages     = 5
	maxPassageRunes = 400
)

type shingled struct {
	doc    DupDoc
	words  []word
	hashes []uint64 // shingle at each word position (len(words)-k+1)
	set    map[uint64]struct{}
}

func shingle(d DupDoc, folds map[string]string, hashes map[string]uint64) shingled {
	s := shingled{doc: d, words: splitWordsCached(d.Text, folds)}
	s.set = make(map[uint64]struct{}, len(s.words))
	// Each folded syllable is hashed once; a shingle's hash combines the
	// hashes of its syllables in order.
	wh := make([]uint64, len(s.words))
	for i, w := range s.words {
		x, ok := hashes[w.folded]
		if !ok {
			h := fnv.New64a()
			io.WriteString(h, w.folded)
			x = h.Sum64()
			hashes[w.folded] = x
		}
		wh[i] = x
	}
	for i := 0; i+shingleSize <= len(wh); i++ {
		var x uint64 = 14695981039346656037
		for _, y := range wh[i : i+shingleSize] {
			x = (x ^ y) * 1099511628211
			x ^= x >> 29
		}
		s.hashes = append(s.hashes, x)
		s.set[x] = struct{}{}
	}
	return s
}

// FindNearDuplicates returns the flagged pairs among docs, most similar
// first. Candidates come from an inverted index of shingles, so the work
// grows with the overlap between essays rather than with the square of
// their number; shingles that most essays share (a quoted law title) are
// left out of the index, not out of the similarity.
func FindNearDuplicates(docs []DupDoc) []DupPair {
	sh := make([]shingled, len(docs))
	index := map[uint64][]int32{}
	folds, hashes := map[string]string{}, map[string]uint64{}
	for i, d := range docs {
		sh[i] = shingle(d, folds, hashes)
		for x := range sh[i].set {
			index[x] = append(index[x], int32(i))
		}
	}
	common := max(10, len(docs)/5)
	shared := map[[2]int32]int{}
	for _, posting := range index {
		if len(posting) < 2 || len(posting) > common {
			continue
		}
		for a := 0; a < len(posting); a++ {
			for b := a + 1; b < len(posting); b++ {
				shared[[2]int32{posting[a], posting[b]}]++
			}
		}
	}
	var out []DupPair
	for pair, n := range shared {
		a, b := sh[pair[0]], sh[pair[1]]
		small := min(len(a.set), len(b.set))
		if small < minShingles || float64(n) < containmentFlag*float64(small)*0.5 {
			continue
		}
		inter := 0
		for x := range a.set {
			if _, ok := b.set[x]; ok {
				inter++
			}
		}
		j := float64(inter) / float64(len(a.set)+len(b.set)-inter)
		c := float64(inter) / float64(small)
		if j < jaccardFlag && c < containmentFlag {
			continue
		}
		if a.doc.ID > b.doc.ID {
			a, b = b, a
		}
		out = append(out, DupPair{
			A: a.doc.ID, B: b.doc.ID, CodeA: a.doc.Code, CodeB: b.doc.Code,
			Jaccard: round2(j), Containment: round2(c),
			Passages: sharedPassages(a, b),
		})
	}
	sort.Slice(out, func(i, k int) bool {
		if out[i].Jaccard != out[k].Jaccard {
			return out[i].Jaccard > out[k].Jaccard
		}
		if out[i].A != out[k].A {
			return out[i].A < out[k].A
		}
		return out[i].B < out[k].B
	})
	return out
}

// sharedPassages returns the runs of a's text covered by shingles that b
// also has, as a wrote them, longest first.
func sharedPassages(a, b shingled) []string {
	covered := make([]bool, len(a.words))
	for i, x := range a.hashes {
		if _, ok := b.set[x]; ok {
			for k := i; k < i+shingleSize; k++ {
				covered[k] = true
			}
		}
	}
	type span struct{ from, to, words int }
	var spans []span
	for i := 0; i < len(covered); {
		if !covered[i] {
			i++
			continue
		}
		k := i
		for k < len(covered) && covered[k] {
			k++
		}
		spans = append(spans, span{a.words[i].start, a.words[k-1].end, k - i})
		i = k
	}
	sort.SliceStable(spans, func(i, k int) bool { return spans[i].words > spans[k].words })
	var out []string
	for _, s := range spans {
		if len(out) == maxPassages {
			break
		}
		out = append(out, clip(a.doc.Text[s.from:s.to], maxPassageRunes))
	}
	return out
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
