package dbtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Private servers: a PostgreSQL and a Redis of the test's own, started from
// the installed server programs on free ports in a temporary folder, for
// tests that stop, kill and restart them (the fault tests). Everything is
// stopped and removed when the test ends.

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// PrivatePostgres is a PostgreSQL cluster of one test.
type PrivatePostgres struct {
	t       testing.TB
	bin     string
	dir     string
	Port    int
	asUser  string // run as this user (postgres refuses to run as root)
	logFile string
}

// pgBinDir finds the newest installed PostgreSQL server programs.
func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server programs (initdb) installed")
}

// StartPostgres initializes and starts a private cluster with trust auth.
func StartPostgres(t testing.TB) *PrivatePostgres {
	t.Helper()
	bin, err := pgBinDir()
	if err != nil {
		t.Skip(err)
	}
	base, err := os.MkdirTemp("", "lawcontest-pg-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o755)
	p := &PrivatePostgres{t: t, bin: bin, dir: filepath.Join(base, "data"), Port: FreePort(t), logFile: filepath.Join(base, "pg.log")}
	t.Cleanup(func() {
		p.run("pg_ctl", "-D", p.dir, "-m", "immediate", "-w", "stop")
		os.RemoveAll(base)
	})
	if os.Geteuid() == 0 {
		p.asUser = "postgres"
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chown(base, uid, gid)
	}
	if out, err := p.run("initdb", "-D", p.dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.Start()
	return p
}

func (p *PrivatePostgres) run(prog string, args ...string) ([]byte, error) {
	path := filepath.Join(p.bin, prog)
	var cmd *exec.Cmd
	if p.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", p.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	return cmd.CombinedOutput()
}

// URL is a connection URL for database name on this cluster.
func (p *PrivatePostgres) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable&connect_timeout=3", p.Port, name)
}

// Start starts the cluster and waits until it accepts connections.
func (p *PrivatePostgres) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c max_connections=200", p.Port, filepath.Dir(p.dir))
	if out, err := p.run("pg_ctl", "-D", p.dir, "-o", opts, "-l", p.logFile, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(p.logFile)
		p.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop stops the cluster: fast mode ends open sessions, like a restart by
// an operator.
func (p *PrivatePostgres) Stop() {
	p.t.Helper()
	if out, err := p.run("pg_ctl", "-D", p.dir, "-m", "fast", "-w", "stop"); err != nil {
		p.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// PrivateRedis is a Redis server of one test, keeping nothing on disk.
type PrivateRedis struct {
	t    testing.TB
	Port int
	cmd  *exec.Cmd
	dir  string
}

// StartRedis starts a private redis-server.
func StartRedis(t testing.TB) *PrivateRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed")
	}
	r := &PrivateRedis{t: t, Port: FreePort(t), dir: t.TempDir()}
	r.Start()
	t.Cleanup(func() { r.Kill() })
	return r
}

// URL is the server's redis:// URL.
func (r *PrivateRedis) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port) }

// Start starts the server (empty) and waits until it answers.
func (r *PrivateRedis) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	waitTCP(r.t, r.Port)
}

// Kill stops the server at once (SIGKILL): everything in it is lost.
func (r *PrivateRedis) Kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(syscall.SIGKILL)
		r.cmd.Wait()
		r.cmd = nil
	}
}

func waitTCP(t testing.TB, port int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing answers on port %d", port)
}
