package server

import (
	"bytes"
	"strings"
	"testing"

	"lawcontest/server/db/dbtest"
)

// runCLI runs the command line against the test's own database.
func runCLI(t *testing.T, dbURL string, stdin string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &cli{args: args, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dbURL
		case "REDIS_URL":
			return dbtest.RedisURL()
		}
		return env[k]
	}}
	err := c.run()
	return out.String(), err
}

func TestCLIUserCreateAndSeedDemo(t *testing.T) {
	t.Parallel()
	pg, url := dbtest.NewDBWithURL(t)
	if _, err := runCLI(t, url, "mat-khau-quan-tri\n", nil, "user", "create", "--role", "admin", "--username", "QuanTri", "--display-name", "Quản trị"); err != nil {
		t.Fatal(err)
	}
	_, err := runCLI(t, url, "", map[string]string{"LAWCONTEST_PASSWORD": "mat-khau-khac-1"}, "user", "create", "--role", "admin", "--username", "quantri", "--display-name", "Trùng")
	if err == nil || !strings.Contains(oneLine(err), "Tên đăng nhập này đã có người dùng") {
		t.Fatalf("duplicate username: %v", err)
	}
	if _, err := runCLI(t, url, "", map[string]string{"LAWCONTEST_PASSWORD": "x"}, "user", "create", "--role", "root", "--username", "u1", "--display-name", "U"); err == nil {
		t.Fatal("bad role and short password accepted")
	}
	var role string
	if err := pg.Get(&role, "SELECT role FROM users WHERE username = 'quantri'"); err != nil || role != "admin" {
		t.Fatalf("created user: %q %v", role, err)
	}
	var audits int
	pg.Get(&audits, "SELECT count(*) FROM audit_log WHERE action = 'user.create'")
	if audits != 1 {
		t.Fatalf("%d audit rows", audits)
	}

	out, err := runCLI(t, url, "", nil, "seed", "demo")
	if err != nil || !strings.Contains(out, "bantochuc") || !strings.Contains(out, "0912000001") {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	count := func() (n int) {
		pg.Get(&n, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM units)")
		return n
	}
	before := count()
	if _, err := runCLI(t, url, "", nil, "seed", "demo"); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before {
		t.Fatalf("second seed changed rows: %d -> %d", before, after)
	}
}
