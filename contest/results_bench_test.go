package contest

import (
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"lawcontest/frontend/i18n"
)

// BenchmarkCloseLargeRound generates a round's finished attempts in
// Postgres (two thirds of the people take one attempt, a third two; scores
// 0..20 with many ties, durations to the millisecond, predictions), then
// times what an organizer does once the round is over: closing it (the
// final ranking of every participant stored in one statement), publishing
// it (the frozen copy of every line), reading the first page of results,
// the statistics overview and a CSV export of everything.
//
//	go test -run XXX -bench CloseLargeRound -benchtime 1x ./contest
//	LAWCONTEST_BENCH_ATTEMPTS=1000000 go test -run XXX -bench CloseLargeRound -benchtime 1x -timeout 60m ./contest
func BenchmarkCloseLargeRound(b *testing.B) {
	attempts := 100_000
	if s := os.Getenv("LAWCONTEST_BENCH_ATTEMPTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 3 {
			b.Fatalf("LAWCONTEST_BENCH_ATTEMPTS=%q", s)
		}
		attempts = n
	}
	people := attempts * 3 / 4 // a third of them take a second attempt
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b)
		in := roundInput(2)
		in.PredictionQuestion = "Có bao nhiêu người trả lời đúng tất cả các câu hỏi?"
		r := e.round(in)
		gen := time.Now()
		e.db.MustExec(`SELECT setseed(0.42)`)
		e.db.MustExec(`
			INSERT INTO users (role, phone, password_hash, full_name, display_name, name_key, created_at, updated_at)
			SELECT 'participant', 'b' || g, 'x', 'Thí sinh số ' || g, 'Thí sinh số ' || g, 'thi sinh so ' || g, $2, $2
			FROM generate_series(1, $1) g`, people, t0)
		e.db.MustExec(`
			INSERT INTO attempts (round_id, participant_id, attempt_no, status, started_at, deadline_at, seed,
				bank_version, question_count, prediction, submitted_at, duration_ms, correct_count, score, finalized_at)
			SELECT $1, x.pid, x.k, 'submitted', x.s - x.d * interval '1 millisecond',
				x.s - x.d * interval '1 millisecond' + interval '30 minutes', 0, 0, 20, x.p, x.s, x.d, x.c, x.c * 5, x.s
			FROM (
				SELECT u.id AS pid, k,
					least(20, (random() * 22)::int) AS c,
					(60000 + random() * 1140000)::bigint AS d,
					$2::timestamptz + (random() * 3000000)::bigint * interval '1 millisecond' AS s,
					(random() * 300)::int AS p
				FROM users u
				CROSS JOIN LATERAL generate_series(1, CASE WHEN u.id % 3 = 0 THEN 2 ELSE 1 END) AS k
				WHERE u.role = 'participant' AND u.phone LIKE 'b%'
			) x
			LIMIT $3`, r.ID, t0.Add(-55*time.Minute), attempts)
		var n int
		e.db.Get(&n, `SELECT count(*) FROM attempts WHERE round_id = $1`, r.ID)
		e.db.MustExec(`ANALYZE attempts`)
		b.Logf("generated %d attempts of %d people in %v", n, people, time.Since(gen).Round(time.Millisecond))
		e.clock.Set(r.ClosesAt.Add(time.Minute))

		b.StartTimer()
		start := time.Now()
		c, err := e.svc.Close(e.ctx, e.org, r.ID)
		if err != nil {
			b.Fatal(err)
		}
		closeTime := time.Since(start)
		b.StopTimer()

		start = time.Now()
		pub, err := e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{})
		if err != nil {
			b.Fatal(err)
		}
		publishTime := time.Since(start)
		start = time.Now()
		if _, err := e.svc.Results(e.ctx, r.ID, 100, 0); err != nil {
			b.Fatal(err)
		}
		resultsTime := time.Since(start)
		start = time.Now()
		if _, err := e.svc.Overview(e.ctx, r.ID); err != nil {
			b.Fatal(err)
		}
		overviewTime := time.Since(start)
		start = time.Now()
		if err := e.svc.ExportResults(e.ctx, e.org, r.ID, ExportOptions{Format: FormatCSV}, i18n.MustLoad().T, io.Discard); err != nil {
			b.Fatal(err)
		}
		exportTime := time.Since(start)

		b.Logf("attempts %d, ranked %d, all correct %d: close %v, publish %v (%d lines), results page %v, overview %v, csv export %v",
			n, c.Participants, c.CorrectPredictionAnswer, closeTime.Round(time.Millisecond), publishTime.Round(time.Millisecond),
			pub.Entries, resultsTime.Round(time.Millisecond), overviewTime.Round(time.Millisecond), exportTime.Round(time.Millisecond))
		b.ReportMetric(closeTime.Seconds(), "close-s")
		b.ReportMetric(publishTime.Seconds(), "publish-s")
		b.ReportMetric(exportTime.Seconds(), "csv-export-s")
		b.ReportMetric(float64(n)/closeTime.Seconds(), "attempts/s")
		b.StartTimer()
	}
}
