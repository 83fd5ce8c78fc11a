package essay

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/clock"
	"lawcontest/server/db/dbtest"
)

// fixture is one test's own database with a service on a fake clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    *sqlx.DB
	clock *clock.Fake
	svc   *Service
	seq   atomic.Int64
}

var (
	t0        = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	contestAt = t0.Add(24 * time.Hour)      // contests open
	closeAt   = t0.Add(20 * 24 * time.Hour) // and close
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: dbtest.NewDB(t), clock: clock.NewFake(contestAt.Add(time.Hour))}
	f.svc = New(f.db, f.clock)
	return f
}

func (f *fixture) unit(name string) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.GetContext(f.ctx, &id, `INSERT INTO units (name, kind, search_key) VALUES ($1, 'school', $1) RETURNING id`, name); err != nil {
		f.t.Fatal(err)
	}
	return id
}

type person struct {
	Actor
	Name  string
	Phone string
	Unit  int64
}

func (f *fixture) user(role, name string, unit int64) person {
	f.t.Helper()
	n := f.seq.Add(1)
	p := person{Actor: Actor{Role: role}, Name: name, Unit: unit}
	var phone, username, citizen, email any
	if role == RoleParticipant {
		p.Phone = fmt.Sprintf("09%08d", 12345000+n)
		phone, citizen, email = p.Phone, fmt.Sprintf("0012030%05d", n), fmt.Sprintf("user%d@example.vn", n)
	} else {
		username = fmt.Sprintf("%s%d", role, n)
	}
	var u any
	if unit != 0 {
		u = unit
	}
	err := f.db.GetContext(f.ctx, &p.ID, `INSERT INTO users (role, phone, username, password_hash, full_name, display_name,
			birth_date, citizen_id, email, unit_id, category, created_at, updated_at)
		VALUES ($1, $2, $3, 'x', $4, $4, '2008-05-17', $5, $6, $7, 'học sinh', $8, $8) RETURNING id`,
		role, phone, username, name, citizen, email, u, t0)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) participant(unit int64) person {
	n := f.seq.Load()
	return f.user(RoleParticipant, fmt.Sprintf("Nguyễn Văn Thí Sinh %d", n), unit)
}

func (f *fixture) contest(kind string) int64 {
	f.t.Helper()
	var id int64
	err := f.db.GetContext(f.ctx, &id, `INSERT INTO contests (kind, title, published, starts_at, ends_at, created_at, updated_at)
		VALUES ($1, 'Viết về hành động đẹp trên không gian mạng', true, $2, $3, $4, $4) RETURNING id`,
		kind, contestAt, closeAt, t0)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) organizer() person { return f.user(RoleOrganizer, "Ban Tổ Chức", 0) }

func (f *fixture) submit(p person, contestID int64, title, body string) Essay {
	f.t.Helper()
	e, err := f.svc.Submit(f.ctx, p.Actor, contestID, Draft{Title: title, Body: body, Declaration: true})
	if err != nil {
		f.t.Fatalf("submit: %v", err)
	}
	return e
}

// setRubric gives the contest's stage the standard 100-point rubric.
func (f *fixture) setRubric(org person, contestID int64, stage int) {
	f.t.Helper()
	if _, err := f.svc.SetRubric(f.ctx, org.Actor, contestID, stage, testRubric()); err != nil {
		f.t.Fatalf("rubric: %v", err)
	}
}

// sheet returns scores for the standard rubric adding up to total (a
// multiple of 1 between 0 and 100).
func sheet(total int) map[string]float64 {
	s := map[string]float64{}
	left := float64(total)
	for _, c := range testRubric() {
		p := min(left, c.MaxPoints)
		s[c.Key] = p
		left -= p
	}
	return s
}

func wantCode(t *testing.T, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
	return e
}

// seatOf returns the judge's seat on the essay with the given code.
func (f *fixture) seatOf(judge person, code string) JudgeAssignment {
	f.t.Helper()
	as, err := f.svc.JudgeAssignments(f.ctx, judge.Actor, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, a := range as {
		if a.Essay.Code == code {
			return a
		}
	}
	f.t.Fatalf("judge %d has no seat on %s", judge.ID, code)
	return JudgeAssignment{}
}

func (f *fixture) auditActions(entity string, id int64) []string {
	f.t.Helper()
	var acts []string
	if err := f.db.SelectContext(f.ctx, &acts, `SELECT action FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, fmt.Sprint(id)); err != nil {
		f.t.Fatal(err)
	}
	return acts
}
