package leaderboard

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/clock"
	"lawcontest/vntext"
)

// ErrRoundNotFound: no such ranked round (or its contest is a draft, or it
// is a practice round, which is never ranked).
var ErrRoundNotFound = apperr.New(apperr.NotFound, "leaderboard.round_not_found")

// Line is one line of a public board: a masked name and a unit, never a
// phone, an email or a citizen id.
type Line struct {
	Position      int64
	ParticipantID int64
	DisplayName   string // "Nguyễn V. A."
	Unit          string
	Score         int
	CorrectCount  int
	DurationMS    int64
}

// PublicPage is a page of a public board.
type PublicPage struct {
	Lines []Line
	Total int64
	AsOf  time.Time
	// Frozen: the round's board is frozen (FreezeAt has passed): no lines.
	Frozen   bool
	FreezeAt *time.Time
	// ETag changes when Lines, Total or Frozen do (not with AsOf), so a
	// polling page gets 304 while the board stands still.
	ETag string
}

// Mine is a participant's own line. Position is 0 while the board is
// frozen: they see their score but not their place.
type Mine struct {
	Position     int64
	Total        int64
	Score        int
	CorrectCount int
	DurationMS   int64
	Frozen       bool
}

// Public is the boards as the public and participants see them: names
// masked, units named, scores in points, the round's freeze applied. Pages
// are cached in process for the board's Top TTL.
type Public struct {
	b      *Board
	st     *Store
	clk    clock.Clock
	pages  *ttlCache[topKey, PublicPage]
	rounds *ttlCache[int64, roundView]
}

// NewPublic returns the public view of b's boards, with st for names,
// units and round settings.
func NewPublic(b *Board, st *Store) *Public {
	return &Public{
		b:      b,
		st:     st,
		clk:    b.clk,
		pages:  newTTLCache[topKey, PublicPage](b.cfg.topTTL, b.cfg.topMax),
		rounds: newTTLCache[int64, roundView](b.cfg.topTTL, b.cfg.topMax),
	}
}

// roundView returns the round's settings (cached like pages), refusing
// rounds that have no public board.
func (p *Public) round(ctx context.Context, roundID int64) (roundView, error) {
	r, err := p.rounds.get(ctx, roundID, p.clk, func(ctx context.Context) (roundView, error) {
		return p.st.round(ctx, roundID)
	})
	if err != nil {
		return roundView{}, err
	}
	if r.Practice || !r.Published {
		return roundView{}, ErrRoundNotFound
	}
	return r, nil
}

func (r roundView) frozenAt(now time.Time) bool {
	return r.FreezeAt != nil && !now.Before(*r.FreezeAt)
}

// Page returns a page of the round's board (unitID 0) or of a unit's.
// Before the round opens the board is empty without asking Redis.
func (p *Public) Page(ctx context.Context, roundID, unitID int64, limit, offset int) (PublicPage, error) {
	if err := checkPaging(unitID, limit, offset); err != nil {
		return PublicPage{}, err
	}
	k := topKey{round: roundID, unit: unitID, limit: limit, offset: offset}
	pg, err := p.pages.get(ctx, k, p.clk, func(ctx context.Context) (PublicPage, error) {
		return p.readPage(ctx, k)
	})
	if err != nil {
		return PublicPage{}, err
	}
	pg.Lines = append([]Line(nil), pg.Lines...)
	return pg, nil
}

func (p *Public) readPage(ctx context.Context, k topKey) (PublicPage, error) {
	r, err := p.round(ctx, k.round)
	if err != nil {
		return PublicPage{}, err
	}
	now := p.clk.Now()
	out := PublicPage{AsOf: now, FreezeAt: r.FreezeAt, Lines: []Line{}}
	switch {
	case now.Before(r.OpensAt):
	case r.frozenAt(now):
		out.Frozen = true
		// The size of the board is no secret; places are.
		page, err := p.b.readTop(ctx, topKey{round: k.round, unit: k.unit, limit: 1})
		if err != nil {
			return PublicPage{}, err
		}
		out.Total, out.AsOf = page.Total, page.AsOf
	default:
		page, err := p.b.readTop(ctx, k)
		if err != nil {
			return PublicPage{}, err
		}
		ids := make([]int64, len(page.Entries))
		for i, e := range page.Entries {
			ids[i] = e.ParticipantID
		}
		people, err := p.st.People(ctx, ids)
		if err != nil {
			return PublicPage{}, err
		}
		out.Total, out.AsOf = page.Total, page.AsOf
		for _, e := range page.Entries {
			who := people[e.ParticipantID]
			out.Lines = append(out.Lines, Line{
				Position:      e.Position,
				ParticipantID: e.ParticipantID,
				DisplayName:   vntext.MaskName(who.FullName),
				Unit:          who.Unit,
				Score:         e.CorrectCount * r.PointsPerQuestion,
				CorrectCount:  e.CorrectCount,
				DurationMS:    e.DurationMS,
			})
		}
	}
	out.ETag = pageETag(out)
	return out, nil
}

// pageETag hashes what a page shows, except the time it was read.
func pageETag(p PublicPage) string {
	h := sha256.New()
	var buf []byte
	buf = binary.AppendVarint(buf, p.Total)
	if p.Frozen {
		buf = append(buf, 1)
	}
	for _, l := range p.Lines {
		buf = binary.AppendVarint(buf, l.Position)
		buf = binary.AppendVarint(buf, l.ParticipantID)
		buf = binary.AppendVarint(buf, int64(l.Score))
		buf = binary.AppendVarint(buf, l.DurationMS)
		buf = append(buf, l.DisplayName...)
		buf = append(buf, 0)
		buf = append(buf, l.Unit...)
		buf = append(buf, 0)
	}
	h.Write(buf)
	return `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
}

// Mine returns a participant's own line, read from Redis on every call.
// ErrNoEntry before their first finished attempt.
func (p *Public) Mine(ctx context.Context, roundID, participantID int64) (Mine, error) {
	r, err := p.round(ctx, roundID)
	if err != nil {
		return Mine{}, err
	}
	s, err := p.b.Standing(ctx, roundID, participantID)
	if err != nil {
		return Mine{}, err
	}
	m := Mine{Position: s.Position, Total: s.Total, Score: s.CorrectCount * r.PointsPerQuestion,
		CorrectCount: s.CorrectCount, DurationMS: s.DurationMS}
	if r.frozenAt(p.clk.Now()) {
		m.Position, m.Frozen = 0, true
	}
	return m, nil
}

// SetFreeze sets the time from which the round's public board is frozen
// (nil: never), audited. It must fall within the round.
func (p *Public) SetFreeze(ctx context.Context, actor audit.Actor, roundID int64, freezeAt *time.Time) error {
	if freezeAt != nil {
		t := freezeAt.UTC()
		freezeAt = &t
	}
	if err := p.st.setFreeze(ctx, actor, roundID, freezeAt); err != nil {
		return err
	}
	p.rounds.invalidate(func(id int64) bool { return id == roundID })
	p.pages.invalidate(func(k topKey) bool { return k.round == roundID })
	return nil
}

// FreezeAt returns the round's freeze time, nil when it is never frozen.
// It reads Postgres, for organizers' pages.
func (p *Public) FreezeAt(ctx context.Context, roundID int64) (*time.Time, error) {
	r, err := p.st.round(ctx, roundID)
	if errors.Is(err, ErrRoundNotFound) || (err == nil && r.Practice) {
		return nil, ErrRoundNotFound
	}
	return r.FreezeAt, err
}
