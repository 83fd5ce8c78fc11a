package leaderboard

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/server/db/dbtest"
)

func TestPublicBoard(t *testing.T) {
	t.Parallel()
	pg := dbtest.NewDB(t)
	f := newFixture(t)
	ctx := context.Background()
	round := seedRound(t, pg, 40, t0.Add(-2*time.Hour), false)
	st := NewStore(pg, f.clk)
	if err := f.b.Rebuild(ctx, round, func(y func(Entry) bool) error { return st.BestEntries(ctx, round, y) }, nil); err != nil {
		t.Fatal(err)
	}
	pub := NewPublic(f.b, st)

	page, err := pub.Page(ctx, round, 0, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 40 || len(page.Lines) != 10 || page.Frozen || page.ETag == "" || !page.AsOf.Equal(t0) {
		t.Fatalf("page: %+v", page)
	}
	for i, l := range page.Lines {
		if l.Position != int64(i+1) || !strings.HasPrefix(l.DisplayName, "Nguyễn V.") || strings.Contains(l.DisplayName, "Văn") ||
			l.Score != 5*l.CorrectCount || l.DurationMS < 60_000 {
			t.Errorf("line %d: %+v", i, l)
		}
		if l.ParticipantID%7 != 0 && !strings.HasPrefix(l.Unit, "Trường ") {
			t.Errorf("line %d has no unit name: %+v", i, l)
		}
	}
	again, _ := pub.Page(ctx, round, 0, 10, 0)
	if again.ETag != page.ETag {
		t.Fatal("the same board gave another ETag")
	}

	me, err := pub.Mine(ctx, round, page.Lines[2].ParticipantID)
	if err != nil || me.Position != 3 || me.Total != 40 || me.Score != page.Lines[2].Score || me.Frozen {
		t.Fatalf("mine: %+v %v", me, err)
	}
	if _, err := pub.Mine(ctx, round, 1<<40); !errors.Is(err, ErrNoEntry) {
		t.Fatalf("mine without an entry: %v", err)
	}

	// Freeze: an hour from now; invalid times are refused.
	actor := audit.Actor{Role: "organizer"}
	for _, bad := range []time.Time{t0.Add(-3 * time.Hour), t0.Add(8 * 24 * time.Hour)} {
		if err := pub.SetFreeze(ctx, actor, round, &bad); !apperr.Is(err, apperr.Validation) {
			t.Fatalf("freeze at %v: %v", bad, err)
		}
	}
	at := t0.Add(time.Hour)
	if err := pub.SetFreeze(ctx, actor, round, &at); err != nil {
		t.Fatal(err)
	}
	if got, err := pub.FreezeAt(ctx, round); err != nil || got == nil || !got.Equal(at) {
		t.Fatalf("FreezeAt: %v %v", got, err)
	}
	if rows, _ := audit.List(ctx, pg, "round", strconv.FormatInt(round, 10), 10); len(rows) != 1 || rows[0].Action != "leaderboard.freeze" {
		t.Fatalf("audit rows %+v", rows)
	}
	f.clk.Advance(time.Hour)
	frozen, err := pub.Page(ctx, round, 0, 10, 0)
	if err != nil || !frozen.Frozen || len(frozen.Lines) != 0 || frozen.Total != 40 || frozen.ETag == page.ETag {
		t.Fatalf("frozen page: %+v %v", frozen, err)
	}
	me, err = pub.Mine(ctx, round, page.Lines[2].ParticipantID)
	if err != nil || me.Position != 0 || !me.Frozen || me.Score != page.Lines[2].Score {
		t.Fatalf("mine while frozen: %+v %v", me, err)
	}
	if err := pub.SetFreeze(ctx, actor, round, nil); err != nil {
		t.Fatal(err)
	}
	if p, err := pub.Page(ctx, round, 0, 10, 0); err != nil || p.Frozen || len(p.Lines) != 10 {
		t.Fatalf("after unfreezing: %+v %v", p, err)
	}
}

func TestPublicBoardOfRoundsWithoutOne(t *testing.T) {
	t.Parallel()
	pg := dbtest.NewDB(t)
	f := newFixture(t)
	ctx := context.Background()
	st := NewStore(pg, f.clk)
	pub := NewPublic(f.b, st)

	upcoming := seedRound(t, pg, 3, t0.Add(time.Hour), false)
	if p, err := pub.Page(ctx, upcoming, 0, 10, 0); err != nil || len(p.Lines) != 0 || p.Total != 0 {
		t.Fatalf("upcoming round (no board in Redis): %+v %v", p, err)
	}
	practice := seedRound(t, pg, 3, t0.Add(-time.Hour), true)
	draft := seedRound(t, pg, 3, t0.Add(-time.Hour), false)
	if _, err := pg.Exec(`UPDATE contests SET published = false WHERE id = (SELECT contest_id FROM rounds WHERE id = $1)`, draft); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]int64{"practice": practice, "draft": draft, "missing": 1 << 40} {
		if _, err := pub.Page(ctx, id, 0, 10, 0); !errors.Is(err, ErrRoundNotFound) {
			t.Errorf("%s round: %v", name, err)
		}
		if _, err := pub.Mine(ctx, id, 1); !errors.Is(err, ErrRoundNotFound) {
			t.Errorf("%s round, mine: %v", name, err)
		}
	}
	if err := pub.SetFreeze(ctx, audit.Actor{Role: "organizer"}, practice, nil); !errors.Is(err, ErrRoundNotFound) {
		t.Errorf("freeze of a practice round: %v", err)
	}
	// An open round whose board is lost: 503, and the loss is reported.
	open := seedRound(t, pg, 3, t0.Add(-time.Hour), false)
	if _, err := pub.Page(ctx, open, 0, 10, 0); !isUnavailable(err) {
		t.Fatalf("lost board: %v", err)
	}
	if _, err := pub.Page(ctx, open, 0, 0, 0); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("limit 0: %v", err)
	}
}
