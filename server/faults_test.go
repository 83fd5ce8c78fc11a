package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/account"
	"lawcontest/clock"
	"lawcontest/server/db/dbtest"
)

// Fault tests: the real binary, built once, runs as two processes on free
// ports in front of a private PostgreSQL and Redis that the test starts,
// stops, kills and restarts. A round-robin client of the test's own sends a
// short, bounded load of starts, autosaves and submits, trying the other
// instance when one does not answer and again after a 503. Whatever
// happens, afterwards every acknowledged autosave and submit is in
// Postgres and no attempt was finalized twice (a trigger the test installs
// records every finalization).
//
// The scenarios share one private PostgreSQL and Redis and run one after
// another, each in its own database and Redis database; together they
// take a minute or two.

// Not parallel: it runs before the package's parallel tests, alone, so that
// its processes and the browser tests do not starve each other.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault tests start servers; skipped with -short")
	}
	fc := newFaultCluster(t)
	t.Run("KillOneInstance", fc.killOneInstance)
	t.Run("RedisRestartsEmpty", fc.redisRestartsEmpty)
	t.Run("PostgresRestarts", fc.postgresRestarts)
	t.Run("DeadlineWhileAnInstanceIsDown", fc.deadlineWhileDown)
	t.Run("SIGTERMDuringLoad", fc.sigtermDuringLoad)
}

// faultCluster is what the scenarios share.
type faultCluster struct {
	pg      *dbtest.PrivatePostgres
	redis   *dbtest.PrivateRedis
	bin     string
	dir     string
	redisDB int
}

func newFaultCluster(t *testing.T) *faultCluster {
	dir := t.TempDir()
	fc := &faultCluster{dir: dir, bin: filepath.Join(dir, "lawcontest")}
	// The go command that runs this test (scripts/test.sh puts it first on
	// PATH); GOTOOLCHAIN, if set, picks the same toolchain.
	build := exec.Command("go", "build", "-o", fc.bin, "lawcontest")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fc.pg = dbtest.StartPostgres(t)
	fc.redis = dbtest.StartRedis(t)
	return fc
}

// instance is one running server process.
type instance struct {
	name string
	cmd  *exec.Cmd
	base string
	port int
	log  string
	done chan struct{}
	err  error // the exit status, once done is closed
}

// start runs the binary against database db and Redis database redisDB.
func (fc *faultCluster) start(t *testing.T, name, db string, redisDB int, env ...string) *instance {
	t.Helper()
	port := dbtest.FreePort(t)
	in := &instance{name: name, port: port, base: fmt.Sprintf("http://127.0.0.1:%d", port),
		log: filepath.Join(fc.dir, fmt.Sprintf("%s-%s.log", db, name)), done: make(chan struct{})}
	logf, err := os.Create(in.log)
	if err != nil {
		t.Fatal(err)
	}
	in.cmd = exec.Command(fc.bin, "serve")
	in.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"DATABASE_URL=" + fc.pg.URL(db),
		fmt.Sprintf("REDIS_URL=redis://127.0.0.1:%d/%d", fc.redis.Port, redisDB),
		fmt.Sprintf("LISTEN_ADDR=127.0.0.1:%d", port),
		"DB_MAX_CONNS=10",
	}, env...)
	in.cmd.Stdout, in.cmd.Stderr = logf, logf
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		in.err = in.cmd.Wait()
		logf.Close()
		close(in.done)
	}()
	t.Cleanup(in.kill)
	// Ready: /readyz answers 200 (both Postgres and Redis answer).
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(in.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return in
			}
		}
		select {
		case <-in.done:
			b, _ := os.ReadFile(in.log)
			t.Fatalf("instance %s exited at start: %v\n%s", name, in.err, b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(in.log)
			t.Fatalf("instance %s not ready after 60 s\n%s", name, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill stops the process at once (SIGKILL) and waits for it.
func (in *instance) kill() {
	select {
	case <-in.done:
		return
	default:
	}
	in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.done
}

func (in *instance) running() bool {
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// faultClient is the test's load balancer: round robin over the
// instances; a request that gets no answer is sent to the next instance,
// one that gets 503 is sent again a moment later, until it is answered.
type faultClient struct {
	bases []string
	hc    *http.Client
	next  atomic.Uint64

	requests    atomic.Int64 // tries sent
	connRetries atomic.Int64 // tries that got no answer
	unavailable atomic.Int64 // 503 answers
	badShape    atomic.Int64 // 503s not in the error shape or without Retry-After
	maxLatency  atomic.Int64 // of one try, in ns
}

func newFaultClient(bases ...string) *faultClient {
	return &faultClient{bases: bases, hc: &http.Client{
		// A try that takes longer is a hang: the server promised 503 fast.
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext},
	}}
}

type faultResponse struct {
	status int
	body   []byte
	header http.Header
}

var errGaveUp = errors.New("no instance answered in time")

// do sends the request until an instance answers other than 503, for up to
// a minute. tries also counts timeouts (hangs), which make the test fail.
func (c *faultClient) do(method, path, token string, body []byte, ctype string) (faultResponse, error) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		base := c.bases[c.next.Add(1)%uint64(len(c.bases))]
		res, err := c.try(base, method, path, token, body, ctype)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return faultResponse{}, fmt.Errorf("%s %s%s hung: %w", method, base, path, err)
			}
			if c.connRetries.Add(1)%int64(len(c.bases)) == 0 {
				time.Sleep(20 * time.Millisecond)
			}
			continue
		}
		if res.status == http.StatusServiceUnavailable {
			c.unavailable.Add(1)
			var e errorBody
			if json.Unmarshal(res.body, &e) != nil || e.Error.Code != "unavailable" || res.header.Get("Retry-After") == "" {
				c.badShape.Add(1)
			}
			// Slower than Retry-After asks (1-4 s) to keep the test short,
			// but not so fast that a submit retried through a Postgres
			// restart spends the participant's budget of 30 a minute (the
			// quiz page waits 5 s between submits); at 100 ms it did, once
			// a restart took three seconds.
			time.Sleep(250 * time.Millisecond)
			continue
		}
		return res, nil
	}
	return faultResponse{}, errGaveUp
}

// try sends one request to one instance.
func (c *faultClient) try(base, method, path, token string, body []byte, ctype string) (faultResponse, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return faultResponse{}, err
	}
	if body != nil {
		if ctype == "" {
			ctype = "application/json"
		}
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c.requests.Add(1)
	start := time.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		return faultResponse{}, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return faultResponse{}, err
	}
	el := int64(time.Since(start))
	for {
		m := c.maxLatency.Load()
		if el <= m || c.maxLatency.CompareAndSwap(m, el) {
			break
		}
	}
	return faultResponse{status: res.StatusCode, body: b, header: res.Header}, nil
}

// faultEnv is one scenario: its database, its contest and round, its
// participants and what the server acknowledged to them.
type faultEnv struct {
	t        *testing.T
	fc       *faultCluster
	name     string
	redisDB  int
	db       *sqlx.DB
	orgToken string
	contest  string
	people   []faultPerson

	mu         sync.Mutex
	autosaves  map[[2]string]string // (attempt, question) -> last option acknowledged
	nAutosaves int
	submits    map[string]submitBody // attempt -> the acknowledged result
	predicted  map[string]int        // attempt -> the last prediction acknowledged
	attempts   map[string]bool
	failures   []string
	acked      atomic.Int64 // acknowledged writes so far, for timing faults
}

type faultPerson struct {
	id    int64
	token string
}

// newFaultEnv starts instance "a" on a fresh database (it migrates), then
// fills it: the trigger that records finalizations, an organizer, people,
// a question bank (imported through the API) and a quiz contest.
func (fc *faultCluster) newFaultEnv(t *testing.T, name string, people int) (*faultEnv, *instance) {
	t.Helper()
	fc.redisDB++
	fe := &faultEnv{t: t, fc: fc, name: name, redisDB: fc.redisDB, autosaves: map[[2]string]string{},
		submits: map[string]submitBody{}, predicted: map[string]int{}, attempts: map[string]bool{}}
	a := fc.start(t, "a", name, fe.redisDB, "ANSWER_GRACE=1s")
	db, err := sqlx.Open("postgres", fc.pg.URL(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fe.db = db
	// Every change of an attempt's status or finalization time is one row:
	// an attempt finalized twice shows as two.
	if _, err := db.Exec(`
		CREATE TABLE fault_finalizations (attempt_id bigint NOT NULL, status text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
		CREATE FUNCTION fault_record_finalization() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.status IS DISTINCT FROM OLD.status OR NEW.finalized_at IS DISTINCT FROM OLD.finalized_at THEN
				INSERT INTO fault_finalizations (attempt_id, status) VALUES (NEW.id, NEW.status);
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER fault_record_finalization AFTER UPDATE ON attempts
			FOR EACH ROW EXECUTE FUNCTION fault_record_finalization();`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	accounts := account.NewStore(db, clock.Real{}, account.NewHasher())
	policy := account.SessionPolicy{Lifetime: 24 * time.Hour, StaffIdle: 2 * time.Hour, TouchEvery: time.Minute}
	org, err := accounts.CreateStaff(ctx, db, account.NewStaff{Username: "btc", Password: "mat-khau-btc-1", Role: "organizer", DisplayName: "Ban tổ chức"})
	if err != nil {
		t.Fatal(err)
	}
	if fe.orgToken, _, err = accounts.CreateSession(ctx, org, policy); err != nil {
		t.Fatal(err)
	}
	// People are inserted directly: registering them through the API would
	// only measure password hashing, which is not what fails here.
	for i := 0; i < people; i++ {
		var id int64
		if err := db.Get(&id, `INSERT INTO users (role, phone, password_hash, full_name, display_name, created_at, updated_at)
			VALUES ('participant', $1, 'x', 'Thí Sinh', 'Thí Sinh', now(), now()) RETURNING id`, fmt.Sprintf("0388%06d", i)); err != nil {
			t.Fatal(err)
		}
		u, err := accounts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := accounts.CreateSession(ctx, u, policy)
		if err != nil {
			t.Fatal(err)
		}
		fe.people = append(fe.people, faultPerson{id: id, token: tok})
	}
	c := newFaultClient(a.base)
	body, ctype := multipartFile(t, "file", "cau-hoi.csv", qCSV(t, ',', qHeaderEN, qRows(12)))
	fe.must(c.do("POST", "/api/v1/admin/questions/import", fe.orgToken, body, ctype))(http.StatusOK)
	now := time.Now().UTC()
	res := fe.must(c.do("POST", "/api/v1/admin/contests", fe.orgToken, jsonBody(map[string]any{
		"kind": "quiz", "title": "Thi thử lỗi " + name, "description": "Kiểm thử sự cố", "published": true,
		"starts_at": now.Add(-time.Hour), "ends_at": now.Add(24 * time.Hour)}), ""))(http.StatusCreated)
	var ct struct{ Contest struct{ ID string } }
	json.Unmarshal(res.body, &ct)
	fe.contest = ct.Contest.ID
	return fe, a
}

// round creates a round of six questions open now, closing at closes.
func (fe *faultEnv) round(c *faultClient, closes time.Time) string {
	fe.t.Helper()
	res := fe.must(c.do("POST", "/api/v1/admin/contests/"+fe.contest+"/rounds", fe.orgToken, jsonBody(map[string]any{
		"title": "Đợt " + fe.name, "opens_at": time.Now().UTC().Add(-time.Minute), "closes_at": closes,
		"duration_ms": 600_000, "max_attempts": 1, "points_per_question": 5,
		"blueprint": []map[string]any{{"category": "Luật An ninh mạng", "count": 3}, {"category": "Luật Trẻ em", "count": 3}},
	}), ""))(http.StatusCreated)
	var r struct{ Round struct{ ID string } }
	json.Unmarshal(res.body, &r)
	return r.Round.ID
}

func jsonBody(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// must fails the scenario unless the response has the status.
func (fe *faultEnv) must(res faultResponse, err error) func(int) faultResponse {
	return func(status int) faultResponse {
		fe.t.Helper()
		if err != nil {
			fe.t.Fatal(err)
		}
		if res.status != status {
			fe.t.Fatalf("want %d, got %d: %s", status, res.status, res.body)
		}
		return res
	}
}

func (fe *faultEnv) fail(format string, args ...any) {
	fe.mu.Lock()
	fe.failures = append(fe.failures, fmt.Sprintf(format, args...))
	fe.mu.Unlock()
}

// take is one participant's attempt: start, answer every question, change
// half of the answers, then (if submit) submit with an empty body, so that
// what is scored is exactly what was autosaved.
func (fe *faultEnv) take(c *faultClient, p faultPerson, round string, submit bool, rng *rand.Rand) {
	think := func() { time.Sleep(time.Duration(5+rng.IntN(25)) * time.Millisecond) }
	res, err := c.do("POST", "/api/v1/rounds/"+round+"/attempts", p.token, nil, "")
	if err != nil || (res.status != http.StatusCreated && res.status != http.StatusOK) {
		fe.fail("start by %d: %v %d %s", p.id, err, res.status, res.body)
		return
	}
	var a attemptBody
	if err := json.Unmarshal(res.body, &a); err != nil || len(a.Attempt.Questions) == 0 {
		fe.fail("start by %d: %s", p.id, res.body)
		return
	}
	id := a.Attempt.ID
	fe.mu.Lock()
	fe.attempts[id] = true
	fe.mu.Unlock()
	qs := a.Attempt.Questions
	save := func(i int) bool {
		q := qs[i]
		opt := q.Options[rng.IntN(len(q.Options))].ID
		think()
		res, err := c.do("PUT", "/api/v1/attempts/"+id+"/answers/"+q.ID, p.token, jsonBody(map[string]string{"option_id": opt}), "")
		if err != nil || res.status != http.StatusNoContent {
			fe.fail("autosave %s/%s: %v %d %s", id, q.ID, err, res.status, res.body)
			return false
		}
		fe.mu.Lock()
		fe.autosaves[[2]string{id, q.ID}] = opt
		fe.nAutosaves++
		fe.mu.Unlock()
		fe.acked.Add(1)
		return true
	}
	for i := range qs {
		if !save(i) {
			return
		}
	}
	for i := 0; i < len(qs); i += 2 {
		if !save(i) {
			return
		}
	}
	guess := rng.IntN(1000)
	think()
	res, err = c.do("PUT", "/api/v1/attempts/"+id+"/prediction", p.token, jsonBody(map[string]int{"prediction": guess}), "")
	if err != nil || res.status != http.StatusNoContent {
		fe.fail("prediction %s: %v %d %s", id, err, res.status, res.body)
		return
	}
	fe.mu.Lock()
	fe.predicted[id] = guess
	fe.mu.Unlock()
	fe.acked.Add(1)
	if !submit {
		return
	}
	think()
	res, err = c.do("POST", "/api/v1/attempts/"+id+"/submit", p.token, jsonBody(map[string]any{"answers": map[string]string{}}), "")
	if err != nil || res.status != http.StatusOK {
		fe.fail("submit %s: %v %d %s", id, err, res.status, res.body)
		return
	}
	var s submitBody
	json.Unmarshal(res.body, &s)
	fe.mu.Lock()
	fe.submits[id] = s
	fe.mu.Unlock()
	fe.acked.Add(1)
}

// load runs every participant's attempt at once and returns when all are
// done. during runs beside it once a share of the writes is acknowledged.
func (fe *faultEnv) load(c *faultClient, round string, submit bool, share float64, during func()) {
	fe.t.Helper()
	per := 6 + 3 + 1
	if submit {
		per++
	}
	total := int64(per * len(fe.people))
	var wg sync.WaitGroup
	for i, p := range fe.people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fe.take(c, p, round, submit, rand.New(rand.NewPCG(uint64(i), 7)))
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	if during != nil {
		threshold := int64(float64(total) * share)
	wait:
		for fe.acked.Load() < threshold {
			select {
			case <-done:
				break wait
			case <-time.After(5 * time.Millisecond):
			}
		}
		during()
	}
	<-done
}

// verify checks Postgres against what was acknowledged and reports the
// figures.
func (fe *faultEnv) verify(c *faultClient) {
	t := fe.t
	t.Helper()
	for _, f := range fe.failures {
		t.Error(f)
	}
	var lost, checked int
	for k, want := range fe.autosaves {
		var got string
		if err := fe.db.Get(&got, `SELECT option_id FROM attempt_answers WHERE attempt_id = $1 AND question_id = $2`, k[0], k[1]); err != nil || got != want {
			lost++
			t.Errorf("acknowledged autosave %s/%s = %q not in Postgres: %q %v", k[0], k[1], want, got, err)
		}
		checked++
	}
	for id, want := range fe.predicted {
		var got int
		if err := fe.db.Get(&got, `SELECT prediction FROM attempts WHERE id = $1`, id); err != nil || got != want {
			lost++
			t.Errorf("acknowledged prediction %d of %s not in Postgres: %d %v", want, id, got, err)
		}
		checked++
	}
	for id, s := range fe.submits {
		var row struct {
			Status  string `db:"status"`
			Score   int    `db:"score"`
			Correct int    `db:"correct_count"`
			Recount int    `db:"recount"`
		}
		err := fe.db.Get(&row, `SELECT a.status, a.score, a.correct_count,
			(SELECT count(*) FROM attempt_answers aa JOIN attempt_papers p ON p.attempt_id = a.id
			 WHERE aa.attempt_id = a.id AND p.answer_key->>(aa.question_id::text) = aa.option_id) AS recount
			FROM attempts a WHERE a.id = $1`, id)
		if err != nil || row.Status != "submitted" || row.Score != s.Attempt.Score || row.Correct != s.Attempt.CorrectCount || row.Recount != row.Correct {
			lost++
			t.Errorf("acknowledged submit of %s (%+v) in Postgres: %+v %v", id, s.Attempt, row, err)
		}
		checked++
	}
	var double int
	fe.db.Get(&double, `SELECT count(*) FROM (SELECT attempt_id FROM fault_finalizations GROUP BY 1 HAVING count(*) > 1) x`)
	var unrecorded int
	fe.db.Get(&unrecorded, `SELECT count(*) FROM attempts a WHERE status <> 'in_progress'
		AND NOT EXISTS (SELECT 1 FROM fault_finalizations f WHERE f.attempt_id = a.id)`)
	if double > 0 || unrecorded > 0 {
		t.Errorf("%d attempts finalized more than once, %d finalized unseen", double, unrecorded)
	}
	if c.badShape.Load() > 0 {
		t.Errorf("%d 503 answers without the error shape or Retry-After", c.badShape.Load())
	}
	t.Logf("%s: %d tries (%d without an answer, %d answered 503, slowest %v); acknowledged writes checked %d (%d autosaves: last values of %d answers and %d predictions; %d submits); lost %d; finalized twice %d",
		fe.name, c.requests.Load(), c.connRetries.Load(), c.unavailable.Load(), time.Duration(c.maxLatency.Load()).Round(time.Millisecond),
		checked, fe.nAutosaves+len(fe.predicted), len(fe.autosaves), len(fe.predicted), len(fe.submits), lost, double)
}

// checkBoard waits (up to 30 s) until the live board of the round, as the
// API serves it, equals the ranking Postgres computes, line by line, and
// every participant's own line says the same.
func (fe *faultEnv) checkBoard(c *faultClient, round string) {
	t := fe.t
	t.Helper()
	type line struct {
		Place       int64 `db:"place"`
		Participant int64 `db:"participant_id"`
		Score       int   `db:"score"`
		DurationMS  int64 `db:"duration_ms"`
	}
	var diff string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		var want []line
		if err := fe.db.Select(&want, `SELECT place, participant_id, score, duration_ms FROM round_ranking($1, false)`, round); err != nil {
			t.Fatal(err)
		}
		res, err := c.do("GET", "/api/v1/rounds/"+round+"/leaderboard?limit=200", "", nil, "")
		if err != nil || res.status != http.StatusOK {
			t.Fatalf("board: %v %d %s", err, res.status, res.body)
		}
		var got boardJSON
		json.Unmarshal(res.body, &got)
		diff = ""
		if got.Total != int64(len(want)) || len(got.Entries) != len(want) {
			diff = fmt.Sprintf("board has %d of %d lines (total %d)", len(got.Entries), len(want), got.Total)
		}
		for i := 0; diff == "" && i < len(want); i++ {
			g, w := got.Entries[i], want[i]
			if g.Rank != w.Place || g.Score != w.Score || g.DurationMS != w.DurationMS {
				diff = fmt.Sprintf("line %d: board %+v, Postgres %+v", i+1, g, w)
			}
		}
		byID := map[int64]faultPerson{}
		for _, p := range fe.people {
			byID[p.id] = p
		}
		for i := 0; diff == "" && i < len(want); i++ {
			p, ok := byID[want[i].Participant]
			if !ok {
				continue
			}
			res, err := c.do("GET", "/api/v1/rounds/"+round+"/leaderboard/me", p.token, nil, "")
			var me struct {
				Rank  *int64 `json:"rank"`
				Score int    `json:"score"`
			}
			if err == nil {
				json.Unmarshal(res.body, &me)
			}
			if err != nil || res.status != http.StatusOK || me.Rank == nil || *me.Rank != want[i].Place || me.Score != want[i].Score {
				diff = fmt.Sprintf("participant %d: own line %d %s, Postgres %+v", p.id, res.status, res.body, want[i])
			}
		}
		if diff == "" {
			return
		}
	}
	t.Errorf("the live board does not equal the Postgres ranking after 30 s: %s", diff)
}

// kill -9 one instance midway: clients go on with the other.
func (fc *faultCluster) killOneInstance(t *testing.T) {
	fe, a := fc.newFaultEnv(t, "faults_kill", 16)
	b := fc.start(t, "b", fe.name, fe.redisDB, "ANSWER_GRACE=1s")
	c := newFaultClient(a.base, b.base)
	round := fe.round(c, time.Now().UTC().Add(time.Hour))
	fe.load(c, round, true, 0.35, b.kill)
	if c.connRetries.Load() == 0 {
		t.Log("no request was cut by the kill (it fell between requests)")
	}
	fe.verify(c)
	fe.checkBoard(c, round)
	if len(fe.submits) != len(fe.people) {
		t.Errorf("%d of %d submits acknowledged", len(fe.submits), len(fe.people))
	}
}

// Redis killed and started again empty mid-round: no request fails and
// nobody is logged out.
func (fc *faultCluster) redisRestartsEmpty(t *testing.T) {
	fe, a := fc.newFaultEnv(t, "faults_redis", 16)
	b := fc.start(t, "b", fe.name, fe.redisDB, "ANSWER_GRACE=1s")
	c := newFaultClient(a.base, b.base)
	round := fe.round(c, time.Now().UTC().Add(time.Hour))
	fe.load(c, round, true, 0.3, func() {
		fc.redis.Kill()
		time.Sleep(500 * time.Millisecond)
		fc.redis.Start()
	})
	if n := c.unavailable.Load() + c.connRetries.Load(); n > 0 {
		t.Errorf("%d requests failed while Redis restarted", n)
	}
	fe.verify(c)
	// Board reads may answer 503 until the board is rebuilt (the client
	// tries again): it must come back by itself, equal to Postgres.
	fe.checkBoard(c, round)
	for _, p := range fe.people {
		res, err := c.do("GET", "/api/v1/me", p.token, nil, "")
		if err != nil || res.status != http.StatusOK {
			t.Fatalf("participant %d logged out by the Redis restart: %v %d", p.id, err, res.status)
		}
	}
}

// Postgres restarted mid-round: 503 fast during the outage, recovery on
// its own, nothing acknowledged lost.
func (fc *faultCluster) postgresRestarts(t *testing.T) {
	fe, a := fc.newFaultEnv(t, "faults_pg", 16)
	b := fc.start(t, "b", fe.name, fe.redisDB, "ANSWER_GRACE=1s")
	c := newFaultClient(a.base, b.base)
	round := fe.round(c, time.Now().UTC().Add(time.Hour))
	fe.load(c, round, true, 0.3, func() {
		fc.pg.Stop()
		time.Sleep(1500 * time.Millisecond)
		fc.pg.Start()
	})
	fe.verify(c)
	if c.unavailable.Load() == 0 {
		t.Error("no request was answered 503 during the outage")
	}
	fe.checkBoard(c, round)
	for _, in := range []*instance{a, b} {
		if !in.running() {
			t.Fatalf("instance %s died with Postgres: %v", in.name, in.err)
		}
		res, err := c.try(in.base, "GET", "/readyz", "", nil, "")
		if err != nil || res.status != http.StatusOK {
			t.Errorf("instance %s not ready after Postgres came back: %v %d %s", in.name, err, res.status, res.body)
		}
	}
}

// A deadline passes while one instance is down: the other one's sweeper
// finalizes every attempt, each exactly once, with its saved answers.
func (fc *faultCluster) deadlineWhileDown(t *testing.T) {
	fe, a := fc.newFaultEnv(t, "faults_deadline", 10)
	b := fc.start(t, "b", fe.name, fe.redisDB, "ANSWER_GRACE=1s")
	c := newFaultClient(a.base, b.base)
	// The round closes in a few seconds: that is every attempt's deadline.
	closes := time.Now().UTC().Add(8 * time.Second).Truncate(time.Second)
	round := fe.round(c, closes)
	fe.load(c, round, false, 0, nil)
	b.kill()
	var left int
	for deadline := closes.Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if err := fe.db.Get(&left, `SELECT count(*) FROM attempts WHERE round_id = $1 AND status = 'in_progress'`, round); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
	}
	if left > 0 {
		t.Fatalf("%d attempts not finalized 30 s after the deadline", left)
	}
	var expired int
	fe.db.Get(&expired, `SELECT count(*) FROM attempts a WHERE round_id = $1 AND status = 'expired'
		AND correct_count = (SELECT count(*) FROM attempt_answers aa JOIN attempt_papers p ON p.attempt_id = a.id
			WHERE aa.attempt_id = a.id AND p.answer_key->>(aa.question_id::text) = aa.option_id)`, round)
	if expired != len(fe.attempts) {
		t.Errorf("%d of %d attempts expired and scored from their saved answers", expired, len(fe.attempts))
	}
	fe.verify(c)
	fe.checkBoard(c, round)
}

// SIGTERM during load: requests in flight finish, then the process exits;
// the other instance takes the rest.
func (fc *faultCluster) sigtermDuringLoad(t *testing.T) {
	fe, a := fc.newFaultEnv(t, "faults_sigterm", 16)
	b := fc.start(t, "b", fe.name, fe.redisDB, "ANSWER_GRACE=1s")
	c := newFaultClient(a.base, b.base)
	round := fe.round(c, time.Now().UTC().Add(time.Hour))

	// Three more people whose submits will be in flight on b when it is
	// told to stop: the test holds their attempts' rows locked until then.
	held := fe.people[len(fe.people)-3:]
	fe.people = fe.people[:len(fe.people)-3]
	heldIDs := make([]string, len(held))
	for i, p := range held {
		res := fe.must(c.do("POST", "/api/v1/rounds/"+round+"/attempts", p.token, nil, ""))(http.StatusCreated)
		var at attemptBody
		json.Unmarshal(res.body, &at)
		heldIDs[i] = at.Attempt.ID
	}
	ctx := context.Background()
	tx, err := fe.db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT id FROM attempts WHERE id = ANY($1::bigint[]) FOR UPDATE`, "{"+strings.Join(heldIDs, ",")+"}"); err != nil {
		t.Fatal(err)
	}
	direct := newFaultClient(b.base)
	inFlight := make(chan faultResponse, len(held))
	for i, p := range held {
		go func() {
			res, err := direct.try(b.base, "POST", "/api/v1/attempts/"+heldIDs[i]+"/submit", p.token, jsonBody(map[string]any{"answers": map[string]string{}}), "")
			if err != nil {
				res = faultResponse{status: -1, body: []byte(err.Error())}
			}
			inFlight <- res
		}()
	}
	// In flight: b serves them (its in-flight gauge counts them; nothing
	// else is sent to b yet, and /metrics is not counted), and its group
	// commits wait for the rows (one or two groups, as the submits were
	// grouped: not one backend per submit).
	waitFor(t, "the held submits to wait for their rows", func() bool {
		var n int
		fe.db.Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		res, err := direct.try(b.base, "GET", "/metrics", "", nil, "")
		return n >= 1 && err == nil && inFlightGauge(res.body) >= len(held)
	})

	fe.load(c, round, true, 0.4, func() {
		b.cmd.Process.Signal(syscall.SIGTERM)
		// b stops accepting; then the rows are let go and what it holds
		// must still be answered.
		waitFor(t, "b to stop accepting connections", func() bool {
			conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", b.port), time.Second)
			if err == nil {
				conn.Close()
				return false
			}
			return true
		})
		tx.Rollback()
	})
	for range held {
		if res := <-inFlight; res.status != http.StatusOK {
			t.Errorf("a submit in flight at SIGTERM was not finished: %d %s", res.status, res.body)
		}
	}
	select {
	case <-b.done:
		if b.err != nil {
			t.Errorf("b exited with %v after SIGTERM", b.err)
		}
	case <-time.After(20 * time.Second):
		t.Error("b still running 20 s after SIGTERM")
	}
	fe.verify(c)
	fe.checkBoard(c, round)
	var submitted int
	fe.db.Get(&submitted, `SELECT count(*) FROM attempts WHERE id = ANY($1::bigint[]) AND status = 'submitted'`, "{"+strings.Join(heldIDs, ",")+"}")
	if submitted != len(held) {
		t.Errorf("%d of %d in-flight submits stored", submitted, len(held))
	}
}

// inFlightGauge reads lawcontest_http_in_flight from a /metrics body (-1
// when missing).
func inFlightGauge(metrics []byte) int {
	for _, l := range strings.Split(string(metrics), "\n") {
		if v, ok := strings.CutPrefix(l, "lawcontest_http_in_flight "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return int(n)
			}
		}
	}
	return -1
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
