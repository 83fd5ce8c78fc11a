package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lawcontest/contest"
	"lawcontest/contest/leaderboard"
	"lawcontest/server/db/dbtest"
)

// boardEnv is a quiz server whose submits go to the live board.
type boardEnv struct {
	*quizEnv
	repair *leaderboard.Repairer
}

func newBoardEnv(t *testing.T) *boardEnv {
	t.Helper()
	q := newQuizEnv(t)
	q.app.contests = contest.New(q.db, q.bank, q.app.board, q.clock, contest.Options{Grace: q.cfg.AnswerGrace, Logger: q.app.log})
	return &boardEnv{quizEnv: q, repair: leaderboard.NewRepairer(q.app.board, q.app.boardStore, nil)}
}

// repairOnce builds the boards of live rounds, as the server's repairer
// does every few seconds.
func (b *boardEnv) repairOnce() []int64 {
	b.t.Helper()
	ids, err := b.repair.RepairOnce(context.Background())
	if err != nil {
		b.t.Fatal(err)
	}
	return ids
}

// take starts an attempt, answers the first `correct` questions right and
// the rest wrong, waits `took` and submits.
func (b *boardEnv) take(round, token string, correct int, took time.Duration) submitBody {
	b.t.Helper()
	var a attemptBody
	b.expect(b.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: token}), http.StatusCreated).decode(b.t, &a)
	answers := map[string]string{}
	for i, qu := range a.Attempt.Questions {
		right := b.bank.correct(mustInt(b.t, qu.ID))
		for _, o := range qu.Options {
			if (i < correct) == (o.ID == right) {
				answers[qu.ID] = o.ID
				break
			}
		}
	}
	b.clock.Advance(took)
	var s submitBody
	b.expect(b.do("POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit", map[string]any{"answers": answers}, request{token: token}), http.StatusOK).decode(b.t, &s)
	return s
}

type boardBody struct {
	Entries []struct {
		Rank        int64  `json:"rank"`
		DisplayName string `json:"display_name"`
		Unit        string `json:"unit"`
		Score       int    `json:"score"`
		DurationMS  int64  `json:"duration_ms"`
	} `json:"entries"`
	Total    int64   `json:"total"`
	AsOf     string  `json:"as_of"`
	Frozen   bool    `json:"frozen"`
	FreezeAt *string `json:"freeze_at"`
}

type mineBody struct {
	Rank       *int64 `json:"rank"`
	Total      *int64 `json:"total"`
	Score      int    `json:"score"`
	DurationMS int64  `json:"duration_ms"`
	Frozen     bool   `json:"frozen"`
}

func TestLeaderboardAPI(t *testing.T) {
	t.Parallel()
	b := newBoardEnv(t)
	ctx := context.Background()
	unit, err := b.app.accounts.UpsertUnit(ctx, unitNamed("Trường THCS Láng Thượng"))
	if err != nil {
		t.Fatal(err)
	}
	round := b.round(nil)
	if got := b.repairOnce(); len(got) != 1 {
		t.Fatalf("the repairer built %v, want the new round's board", got)
	}

	// Three participants: one of the unit, one without a submit.
	reg := registration(newPhone())
	reg["full_name"], reg["unit_id"] = "Phạm Minh Châu", idString(unit)
	var withUnit struct{ Token string }
	b.expect(b.do("POST", "/api/v1/participants", reg, request{}), http.StatusCreated).decode(t, &withUnit)
	slow, _ := b.participant()
	idle, _ := b.participant()
	first := b.take(round, withUnit.Token, 3, 2*time.Minute)
	second := b.take(round, slow, 3, 4*time.Minute)
	if first.Rank == nil || first.Rank.Position != 1 || second.Rank == nil || second.Rank.Position != 2 || second.Rank.Total != 2 {
		t.Fatalf("submit ranks: %+v %+v", first.Rank, second.Rank)
	}

	path := "/api/v1/rounds/" + round + "/leaderboard"
	res := b.expect(b.do("GET", path, nil, request{}), http.StatusOK)
	var board boardBody
	res.decode(t, &board)
	if board.Total != 2 || len(board.Entries) != 2 || board.Frozen || board.AsOf == "" {
		t.Fatalf("board %s", res.Body)
	}
	e0, e1 := board.Entries[0], board.Entries[1]
	if e0.Rank != 1 || e0.DisplayName != "Phạm M. C." || e0.Unit != "Trường THCS Láng Thượng" || e0.Score != 15 || e0.DurationMS != 120_000 ||
		e1.Rank != 2 || e1.DisplayName != "Trần T. B." || e1.Unit != "" || e1.DurationMS != 240_000 {
		t.Fatalf("entries %+v", board.Entries)
	}
	for _, secret := range []string{"0912", "Phạm Minh Châu", "Bình", "phone", "citizen"} {
		if strings.Contains(string(res.Body), secret) {
			t.Fatalf("the public board shows %q: %s", secret, res.Body)
		}
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	// The page is compressed once and kept (board_bodies.go): a phone that
	// takes gzip gets the same JSON compressed, one that does not gets it
	// plain.
	gz := b.expect(b.do("GET", path, nil, request{headers: map[string]string{"Accept-Encoding": "gzip"}}), http.StatusOK)
	if gz.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("board with Accept-Encoding gzip: headers %v", gz.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
	if err != nil {
		t.Fatal(err)
	}
	if unzipped, err := io.ReadAll(zr); err != nil || !bytes.Equal(unzipped, res.Body) {
		t.Fatalf("gzipped board %q (%v), plain %q", unzipped, err, res.Body)
	}
	plain := b.expect(b.do("GET", path, nil, request{headers: map[string]string{"Accept-Encoding": "identity"}}), http.StatusOK)
	if plain.Header.Get("Content-Encoding") != "" || !bytes.Equal(plain.Body, res.Body) {
		t.Fatalf("board without gzip: %v %q", plain.Header, plain.Body)
	}
	b.expect(b.do("GET", path, nil, request{headers: map[string]string{"If-None-Match": etag}}), http.StatusNotModified)

	var byUnit boardBody
	b.expect(b.do("GET", path+"?unit_id="+idString(unit)+"&limit=10", nil, request{}), http.StatusOK).decode(t, &byUnit)
	if byUnit.Total != 1 || len(byUnit.Entries) != 1 || byUnit.Entries[0].DisplayName != "Phạm M. C." {
		t.Fatalf("unit board %+v", byUnit)
	}
	for _, bad := range []string{"?limit=0", "?limit=201", "?offset=-1", "?unit_id=x"} {
		if res := b.do("GET", path+bad, nil, request{}); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", bad, res.Status, res.Body)
		}
	}

	var mine mineBody
	b.expect(b.do("GET", path+"/me", nil, request{token: slow}), http.StatusOK).decode(t, &mine)
	if mine.Rank == nil || *mine.Rank != 2 || *mine.Total != 2 || mine.Score != 15 || mine.DurationMS != 240_000 || mine.Frozen {
		t.Fatalf("me: %+v", mine)
	}
	if res := b.expect(b.do("GET", path+"/me", nil, request{token: idle}), http.StatusNotFound); res.apiError(t).Code != "not_found" {
		t.Fatal(string(res.Body))
	}
	b.expect(b.do("GET", path+"/me", nil, request{}), http.StatusUnauthorized)

	// Freeze from an hour from now: organizers only, within the round.
	settings := "/api/v1/admin/rounds/" + round + "/leaderboard"
	at := testNow.Add(time.Hour)
	b.expect(b.do("PUT", settings, map[string]any{"freeze_at": at}, request{token: slow}), http.StatusForbidden)
	for _, bad := range []any{"mai", testNow.Add(-2 * time.Hour), testNow.Add(48 * time.Hour)} {
		res := b.expect(b.do("PUT", settings, map[string]any{"freeze_at": bad}, request{token: b.org}), http.StatusUnprocessableEntity)
		if _, ok := res.apiError(t).Fields["freeze_at"]; !ok {
			t.Fatalf("freeze at %v: %s", bad, res.Body)
		}
	}
	b.expect(b.do("PUT", settings, map[string]any{"freeze_at": at}, request{token: b.org}), http.StatusOK)
	var got struct {
		FreezeAt *time.Time `json:"freeze_at"`
	}
	b.expect(b.do("GET", settings, nil, request{token: b.org}), http.StatusOK).decode(t, &got)
	if got.FreezeAt == nil || !got.FreezeAt.Equal(at) {
		t.Fatalf("settings %+v", got)
	}
	var audits int
	b.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'leaderboard.freeze' AND entity_id = $1`, round)
	if audits != 1 {
		t.Fatalf("%d audit rows", audits)
	}
	b.clock.Advance(time.Hour)
	var frozen boardBody
	b.expect(b.do("GET", path, nil, request{}), http.StatusOK).decode(t, &frozen)
	if !frozen.Frozen || len(frozen.Entries) != 0 || frozen.FreezeAt == nil {
		t.Fatalf("frozen board %+v", frozen)
	}
	b.expect(b.do("GET", path+"/me", nil, request{token: slow}), http.StatusOK).decode(t, &mine)
	if mine.Rank != nil || mine.Total != nil || mine.Score != 15 || !mine.Frozen {
		t.Fatalf("me while frozen: %+v", mine)
	}
	b.expect(b.do("PUT", settings, map[string]any{"freeze_at": nil}, request{token: b.org}), http.StatusOK)

	// Redis loses the board: 503 with Retry-After, then the repairer
	// rebuilds it from Postgres, equal to what it was.
	if err := dbtest.FlushPrefix(ctx, b.rdb, b.prefix); err != nil {
		t.Fatal(err)
	}
	res = b.expect(b.do("GET", path, nil, request{}), http.StatusServiceUnavailable)
	if res.apiError(t).Code != "unavailable" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("lost board: %v %s", res.Header, res.Body)
	}
	b.repairOnce()
	var back boardBody
	b.expect(b.do("GET", path, nil, request{}), http.StatusOK).decode(t, &back)
	if len(back.Entries) != 2 || back.Entries[0] != board.Entries[0] || back.Entries[1] != board.Entries[1] {
		t.Fatalf("rebuilt board %+v, before %+v", back.Entries, board.Entries)
	}

	// A practice round has no board; neither has a round that does not exist.
	practice := b.round(map[string]any{"practice": true})
	b.expect(b.do("GET", "/api/v1/rounds/"+practice+"/leaderboard", nil, request{}), http.StatusNotFound)
	b.expect(b.do("GET", "/api/v1/rounds/999999/leaderboard", nil, request{}), http.StatusNotFound)
	b.expect(b.do("GET", "/rounds/"+practice+"/leaderboard", nil, request{}), http.StatusNotFound)
	page := b.expect(b.do("GET", "/rounds/"+round+"/leaderboard", nil, request{}), http.StatusOK)
	if !strings.Contains(string(page.Body), "Bảng xếp hạng") || !strings.Contains(string(page.Body), "leaderboard.js") {
		t.Fatalf("board page: %s", page.Body)
	}
}

func TestLeaderboardRebuildCommand(t *testing.T) {
	t.Parallel()
	b := newBoardEnv(t)
	// The command uses the server's key prefix ("lc:"), not the test's: a
	// round id no other database has keeps its keys apart.
	if _, err := b.db.Exec(`SELECT setval('rounds_id_seq', $1)`, 1_000_000_000+time.Now().UnixNano()%1_000_000_000); err != nil {
		t.Fatal(err)
	}
	round := b.round(nil)
	key := "lc:lb:{r" + round + "}"
	t.Cleanup(func() { dbtest.FlushPrefix(context.Background(), b.rdb, key) })
	b.repairOnce()
	tok, _ := b.participant()
	b.take(round, tok, 2, time.Minute)

	var name string
	if err := b.db.Get(&name, "SELECT current_database()"); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	out, err := runCLI(t, u.String(), "", nil, "leaderboard", "rebuild", "--round", round)
	if err != nil || !strings.Contains(out, "Xong đợt thi "+round+": 1 thí sinh") {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	if n := b.rdb.ZCard(context.Background(), key).Val(); n != 1 {
		t.Fatalf("the command's board holds %d entries", n)
	}
	if _, err := runCLI(t, u.String(), "", nil, "leaderboard", "rebuild", "--round", "x"); err == nil {
		t.Fatal("a bad round id was accepted")
	}
}

// Disqualifying an account takes it off the public live board at once
// (not only off the results at close); reinstating it puts it back.
func TestLiveBoardDropsDisqualifiedAccount(t *testing.T) {
	t.Parallel()
	b := newBoardEnv(t)
	round := b.round(nil)
	b.repairOnce()
	cheat, cheatID := b.participant()
	honest, _ := b.participant()
	b.take(round, cheat, 4, time.Minute)
	b.take(round, honest, 3, time.Minute)
	path := "/api/v1/rounds/" + round + "/leaderboard"
	total := func() int64 {
		t.Helper()
		b.clock.Advance(2 * time.Second) // past the board's short page cache
		var board boardBody
		b.expect(b.do("GET", path, nil, request{}), http.StatusOK).decode(t, &board)
		if int64(len(board.Entries)) != board.Total {
			t.Fatalf("board of %d with %d entries", board.Total, len(board.Entries))
		}
		return board.Total
	}
	if n := total(); n != 2 {
		t.Fatalf("board of %d before", n)
	}
	org := request{token: b.org}
	b.expect(b.do("POST", "/api/v1/admin/contests/"+b.contest+"/disqualifications",
		map[string]any{"participant_id": cheatID, "reason": "Đăng ký hai tài khoản"}, org), http.StatusOK)
	if n := total(); n != 1 {
		t.Fatalf("board of %d after the disqualification, want 1", n)
	}
	var mine mineBody
	b.expect(b.do("GET", path+"/me", nil, request{token: honest}), http.StatusOK).decode(t, &mine)
	if mine.Rank == nil || *mine.Rank != 1 {
		t.Fatalf("the next one did not move up: %+v", mine)
	}
	b.expect(b.do("POST", "/api/v1/admin/contests/"+b.contest+"/disqualifications/"+cheatID+"/lift",
		map[string]any{"reason": "Đã xác minh"}, org), http.StatusNoContent)
	if n := total(); n != 2 {
		t.Fatalf("board of %d after reinstating, want 2", n)
	}
}

// A round created to open at once, or moved to open at once, has its
// (empty) board built straight away, not at the repairer's next tick: its
// first readers would otherwise be answered 503. The repairer here ticks
// once an hour, and nobody reads the board before it is checked.
func TestNewRoundBoardBuiltAtOnce(t *testing.T) {
	t.Parallel()
	b := newBoardEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.repair.Run(ctx, time.Hour)
	}()
	t.Cleanup(func() { cancel(); <-done })

	live := func(round string) bool {
		t.Helper()
		need, err := b.app.board.NeedsRebuild(context.Background(), mustInt(t, round))
		if err != nil {
			t.Fatal(err)
		}
		return !need
	}
	waitLive := func(round, what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !live(round); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no live board 10 s after the organizer's answer", what)
			}
		}
	}

	waitLive(b.round(nil), "a round created open")

	// A round made for next week has no board yet; moved to open now, it
	// gets one at once.
	later := b.round(map[string]any{"opens_at": testNow.Add(7 * 24 * time.Hour), "closes_at": testNow.Add(8 * 24 * time.Hour)})
	if live(later) {
		t.Fatal("a round opening next week already has a live board")
	}
	b.expect(b.do("PATCH", "/api/v1/admin/rounds/"+later, map[string]any{"opens_at": testNow.Add(-time.Minute)},
		request{token: b.org}), http.StatusOK)
	waitLive(later, "a round moved to open now")
	res := b.do("GET", "/api/v1/rounds/"+later+"/leaderboard", nil, request{})
	b.expect(res, http.StatusOK)
}
