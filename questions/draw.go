package questions

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// MaxPaperQuestions caps the questions of one paper.
const MaxPaperQuestions = 200

// part is one validated blueprint part.
type part struct {
	index    int    // position in the blueprint, for messages
	category string // as the organizer wrote it (cleaned)
	kind     kind   // difficulty "" means any difficulty of the category
	count    int
}

// parseBlueprint checks the blueprint's shape (not the bank) and returns
// its parts, those with a difficulty first: drawing the specific parts
// before the any-difficulty ones of the same category makes "enough of each
// kind and enough in the category" exactly the condition for success.
func parseBlueprint(bp Blueprint) ([]part, error) {
	return parseBlueprintWith(bp, func(raw string) (string, string) {
		c := vntext.Clean(raw)
		return c, categoryKey(c)
	})
}

// parseBlueprintWith is parseBlueprint with the category normalization
// passed in, so that the Bank can cache it off the hot path.
func parseBlueprintWith(bp Blueprint, catKey func(raw string) (clean, key string)) ([]part, error) {
	var f apperr.Fields
	if len(bp) == 0 {
		f.Add("blueprint", "question.blueprint_empty")
		return nil, f.Err()
	}
	var specific, anyDiff []part
	total := 0
	for i, bpp := range bp {
		cat, key := catKey(bpp.Category)
		switch {
		case cat == "":
			f.Add(fmt.Sprintf("blueprint[%d]", i), "question.blueprint_category_required")
		case bpp.Difficulty != "" && !validDifficulty(bpp.Difficulty):
			f.Add(fmt.Sprintf("blueprint[%d]", i), "question.blueprint_difficulty_invalid")
		case bpp.Count <= 0:
			f.Add(fmt.Sprintf("blueprint[%d]", i), "question.blueprint_count_invalid")
		}
		if bpp.Count > 0 {
			total += bpp.Count
		}
		p := part{index: i, category: cat, kind: kind{key, bpp.Difficulty}, count: bpp.Count}
		if bpp.Difficulty == "" {
			anyDiff = append(anyDiff, p)
		} else {
			specific = append(specific, p)
		}
	}
	if total > MaxPaperQuestions {
		f.Add("blueprint", "question.blueprint_too_many", MaxPaperQuestions)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return append(specific, anyDiff...), nil
}

// shortfall reports, per blueprint part, how many questions the snapshot
// lacks: for parts with a difficulty, against that kind; for parts of any
// difficulty, against what the category has left after the specific parts.
func (s *snapshot) shortfall(parts []part) *apperr.Fields {
	var f apperr.Fields
	type need struct {
		first part
		n     int
	}
	kinds := map[kind]*need{}
	cats := map[string]*need{}
	var order []kind
	for _, p := range parts {
		k := p.kind
		if k.difficulty == "" {
			if cats[k.category] == nil {
				cats[k.category] = &need{first: p}
				order = append(order, k)
			}
			cats[k.category].n += p.count
			continue
		}
		if kinds[k] == nil {
			kinds[k] = &need{first: p}
			order = append(order, k)
		}
		kinds[k].n += p.count
	}
	usedInCat := map[string]int{}
	for _, k := range order {
		if k.difficulty == "" {
			continue
		}
		nd, have := kinds[k], len(s.byKind[k])
		usedInCat[k.category] += min(nd.n, have)
		if nd.n > have {
			f.Add(fmt.Sprintf("blueprint[%d]", nd.first.index), shortKey(k.difficulty),
				nd.first.category, nd.n, have, nd.n-have)
		}
	}
	for _, k := range order {
		if k.difficulty != "" {
			continue
		}
		nd := cats[k.category]
		have := len(s.byCategory[k.category]) - usedInCat[k.category]
		if nd.n > have {
			f.Add(fmt.Sprintf("blueprint[%d]", nd.first.index), "question.blueprint_short_any",
				nd.first.category, nd.n, have, nd.n-have)
		}
	}
	if f.Err() == nil {
		return nil
	}
	return &f
}

func shortKey(d Difficulty) string {
	switch d {
	case Easy:
		return "question.blueprint_short_easy"
	case Medium:
		return "question.blueprint_short_medium"
	}
	return "question.blueprint_short_hard"
}

// CheckBlueprint returns nil when the bank's active questions can fill the
// blueprint, else a validation error whose fields (blueprint[i]) say which
// part lacks how many questions. It reads the bank's current revision.
func (b *Bank) CheckBlueprint(ctx context.Context, bp Blueprint) error {
	parts, err := parseBlueprintWith(bp, b.categoryKey)
	if err != nil {
		return err
	}
	s, err := b.current(ctx, true)
	if err != nil {
		return err
	}
	if f := s.shortfall(parts); f != nil {
		return f.Err()
	}
	return nil
}

// Draw returns a paper for one attempt: for each blueprint part, count
// active questions of that kind chosen at random without repeats, then the
// questions and each question's options in random order. The paper is a
// pure function of the blueprint, the candidates (Paper.BankVersion) and
// seed. A bank that can no longer fill the blueprint gives an Unavailable
// error with the same fields as CheckBlueprint.
//
// Every version handed out is recorded as drawn before Draw returns, so the
// question can never be deleted from under an attempt, only retired.
func (b *Bank) Draw(ctx context.Context, bp Blueprint, seed int64) (Paper, error) {
	parts, err := parseBlueprintWith(bp, b.categoryKey)
	if err != nil {
		return Paper{}, err
	}
	for try := 0; ; try++ {
		s, err := b.current(ctx, try > 0)
		if err != nil {
			return Paper{}, err
		}
		p, ok := drawPaper(s, parts, seed, fisherYates)
		if !ok {
			e, _ := apperr.As(s.shortfall(parts).Err())
			e.Code, e.Msg = apperr.Unavailable, apperr.Message{Key: "question.paper_unavailable"}
			return Paper{}, e
		}
		err = b.recordDrawn(ctx, p)
		// A question deleted by another instance since our last revision
		// check: reload and draw again from the current bank. Twice: the
		// deleted version may have been another draw's, written in the
		// same statement as this one's retry (usage.go).
		if pqCode(err) == foreignKeyViolation && try < 2 {
			continue
		}
		if err != nil {
			return Paper{}, fmt.Errorf("record drawn versions: %w", err)
		}
		return p, nil
	}
}

// recordDrawn records the versions of p as drawn, together with those of
// concurrent draws (usage.go).
func (b *Bank) recordDrawn(ctx context.Context, p Paper) error {
	ids := make([]int64, len(p.Questions))
	for i, q := range p.Questions {
		ids[i] = q.VersionID
	}
	return b.usage.record(ctx, ids)
}

// pcgStream is mixed into the second PCG seed word: any fixed constant
// will do, but it must never change, or stored seeds would draw other
// papers.
const pcgStream = 0x5851f42d4c957f2d

// rng draws uniform integers from a PCG. It uses its own bounded-integer
// method (Lemire's, unbiased) instead of rand.Rand's, so the papers a seed
// gives depend only on PCG's fixed output, not on a Go release.
type rng struct{ src *rand.PCG }

// newRNG seeds a PCG from seed through SplitMix64, so that neighbouring
// seeds (1, 2, 3 ...) start far apart in the generator's state.
func newRNG(seed int64) rng {
	return rng{rand.NewPCG(splitmix64(uint64(seed)), splitmix64(uint64(seed)^pcgStream))}
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// intn returns a uniform integer in [0, n), n > 0.
func (r rng) intn(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(r.src.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.src.Uint64(), un)
		}
	}
	return int(hi)
}

// permuter puts a uniformly random choice of k of the n elements, in random
// order, into positions 0..k-1. Tests swap in a biased one to show that the
// statistical test would catch it.
type permuter func(r rng, n, k int, swap func(i, j int))

// fisherYates is a partial Fisher-Yates shuffle.
func fisherYates(r rng, n, k int, swap func(i, j int)) {
	for i := 0; i < k && i < n-1; i++ {
		swap(i, i+r.intn(n-i))
	}
}

// drawPaper is the draw itself: no I/O, no clock, no map iteration order.
// It reports false when a part cannot be filled; drawing the specific parts
// first makes that happen exactly when shortfall finds something missing.
func drawPaper(s *snapshot, parts []part, seed int64, perm permuter) (Paper, bool) {
	r := newRNG(seed)
	total := 0
	for _, p := range parts {
		total += p.count
	}
	picked := make([]*version, 0, total)
	// Only a list that an earlier part drew from can hold questions already
	// on the paper (the same kind twice, or a category's any-difficulty
	// part, which comes after its specific ones): such a list is filtered
	// into a copy; the others are permuted in place through a sparse
	// index, without copying.
	var (
		chosen map[int64]struct{}
		avail  []*version
		idx    sparseIndex
	)
	for pi, p := range parts {
		list := s.byCategory[p.kind.category]
		if p.kind.difficulty != "" {
			list = s.byKind[p.kind]
		}
		overlap := false
		for _, q := range parts[:pi] {
			if q.kind.category == p.kind.category && (p.kind.difficulty == "" || q.kind == p.kind) {
				overlap = true
				break
			}
		}
		if !overlap {
			if len(list) < p.count {
				return Paper{}, false
			}
			idx.reset()
			perm(r, len(list), p.count, idx.swap)
			for i := range p.count {
				picked = append(picked, list[idx.get(i)])
			}
		} else {
			if chosen == nil {
				chosen = make(map[int64]struct{}, total)
				for _, v := range picked {
					chosen[v.QuestionID] = struct{}{}
				}
			}
			avail = avail[:0]
			for _, v := range list {
				if _, ok := chosen[v.QuestionID]; !ok {
					avail = append(avail, v)
				}
			}
			if len(avail) < p.count {
				return Paper{}, false
			}
			perm(r, len(avail), p.count, func(i, j int) { avail[i], avail[j] = avail[j], avail[i] })
			picked = append(picked, avail[:p.count]...)
		}
		if chosen != nil {
			for _, v := range picked[len(picked)-p.count:] {
				chosen[v.QuestionID] = struct{}{}
			}
		}
	}
	perm(r, len(picked), len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })

	nOpts := 0
	for _, v := range picked {
		nOpts += len(v.Options)
	}
	allOpts := make([]Option, 0, nOpts) // one allocation for every option
	paper := Paper{Seed: seed, BankVersion: s.revision, Questions: make([]PaperQuestion, len(picked))}
	for i, v := range picked {
		from := len(allOpts)
		allOpts = append(allOpts, v.Options...)
		opts := allOpts[from:len(allOpts):len(allOpts)]
		perm(r, len(opts), len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
		paper.Questions[i] = PaperQuestion{
			QuestionID: v.QuestionID, VersionID: v.VersionID, Text: v.Text, Options: opts,
			CorrectOptionID: v.CorrectOptionID, Explanation: v.Explanation, LegalReference: v.LegalReference,
		}
	}
	return paper, true
}

// sparseIndex is the identity permutation of 0..n-1 with a few positions
// swapped, holding only the swapped ones: choosing k of n candidates then
// costs O(k), not a copy of all n.
type sparseIndex struct {
	pos, val []int
}

func (x *sparseIndex) reset() { x.pos, x.val = x.pos[:0], x.val[:0] }

func (x *sparseIndex) get(i int) int {
	for k, p := range x.pos {
		if p == i {
			return x.val[k]
		}
	}
	return i
}

func (x *sparseIndex) set(i, v int) {
	for k, p := range x.pos {
		if p == i {
			x.val[k] = v
			return
		}
	}
	x.pos = append(x.pos, i)
	x.val = append(x.val, v)
}

func (x *sparseIndex) swap(i, j int) {
	vi, vj := x.get(i), x.get(j)
	x.set(i, vj)
	x.set(j, vi)
}

// Rebuild returns the exact questions an attempt was shown, from the
// immutable versions its refs name, options in the stored order.
func (b *Bank) Rebuild(ctx context.Context, refs []PaperRef) ([]PaperQuestion, error) {
	vs := make([]*version, len(refs))
	var missing []int64
	b.versMu.RLock()
	for i, ref := range refs {
		vs[i] = b.versions[ref.VersionID]
		if vs[i] == nil {
			missing = append(missing, ref.VersionID)
		}
	}
	b.versMu.RUnlock()
	if len(missing) > 0 {
		loaded, err := b.st.versions(ctx, missing)
		if err != nil {
			return nil, fmt.Errorf("load versions: %w", err)
		}
		b.cacheVersions(loaded)
		b.versMu.RLock()
		for i, ref := range refs {
			vs[i] = b.versions[ref.VersionID]
		}
		b.versMu.RUnlock()
	}
	out := make([]PaperQuestion, len(refs))
	for i, ref := range refs {
		v := vs[i]
		if v == nil || v.QuestionID != ref.QuestionID {
			return nil, fmt.Errorf("paper ref %d: no version %d of question %d", i, ref.VersionID, ref.QuestionID)
		}
		opts, err := ordered(v.Options, ref.OptionOrder)
		if err != nil {
			return nil, fmt.Errorf("paper ref %d (version %d): %w", i, ref.VersionID, err)
		}
		out[i] = PaperQuestion{
			QuestionID: v.QuestionID, VersionID: v.VersionID, Text: v.Text, Options: opts,
			CorrectOptionID: v.CorrectOptionID, Explanation: v.Explanation, LegalReference: v.LegalReference,
		}
	}
	return out, nil
}

// ordered returns opts in the order of ids, which must be a permutation of
// their ids.
func ordered(opts []Option, ids []string) ([]Option, error) {
	if len(ids) != len(opts) {
		return nil, fmt.Errorf("option order has %d ids, version has %d options", len(ids), len(opts))
	}
	out := make([]Option, 0, len(ids))
	for _, id := range ids {
		found := false
		for _, o := range opts {
			if o.ID == id {
				out = append(out, o)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("option %q is not in the version", id)
		}
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[i].ID == out[j].ID {
				return nil, fmt.Errorf("option %q repeated", out[i].ID)
			}
		}
	}
	return out, nil
}
