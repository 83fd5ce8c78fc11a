package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CPU per request. The ratio targets compare request rates with the raw
// INSERT rate measured on the same machine; where disk flushes are fast,
// both are bounded by the CPU that the server, Postgres, Redis, the kernel
// and this program share, and both rates move 15 to 30 % from one run to
// the next with the machine's speed. What one acknowledged request costs
// the whole machine, next to what one raw INSERT transaction costs it, is
// the steadier reading of the same target (2x the INSERT rate at equal
// load means at most half its cost). Read from /proc (Linux), and only
// with -server-pid: the server's share is one of the figures.

// userHZ is the unit of /proc's CPU times: sysconf(_SC_CLK_TCK), 100 on
// every Linux this runs on (Go does not expose sysconf without cgo).
const userHZ = 100

// cpuSample is CPU time used so far, in ticks: by the server, by this
// process and by the whole machine (busy, all cores).
type cpuSample struct {
	server, self, machine int64
	at                    time.Time
	ok                    bool
}

// cpuCost is what one operation of a phase cost, in µs of CPU: the
// server, this load generator, and the rest of the machine (Postgres,
// Redis, the kernel's own work).
type cpuCost struct {
	Name                  string
	Kind                  costKind
	Server, LoadGen, Rest float64
	Busy                  float64 // share of the machine's cores busy over the phase
}

// costKind says what a cost is compared with.
type costKind int

const (
	costRaw       costKind = iota // a raw INSERT, the yardstick
	costVsInsert                  // a request whose target is a multiple of the INSERT rate
	costRawZRange                 // a raw ZREVRANGE 0 49, the board reads' yardstick
	costVsZRange                  // a board read, whose target is the ZREVRANGE rate
	costAlone                     // compared with nothing here
)

func (c cpuCost) total() float64 { return c.Server + c.LoadGen + c.Rest }

// cpuMeter records the cost of each measured phase, in the order run.
type cpuMeter struct {
	serverPID int

	mu    sync.Mutex
	costs []cpuCost
}

func (m *cpuMeter) sample() cpuSample {
	if m == nil {
		return cpuSample{}
	}
	s := cpuSample{at: time.Now()}
	var err error
	if s.machine, err = machineBusyTicks(); err != nil {
		return s
	}
	if s.self, err = processTicks("self"); err != nil {
		return s
	}
	if s.server, err = processTicks(strconv.Itoa(m.serverPID)); err != nil {
		return s
	}
	s.ok = true
	return s
}

// record keeps the cost of ops operations done between from and now.
func (m *cpuMeter) record(name string, kind costKind, from cpuSample, ops float64) {
	to := m.sample()
	if m == nil || !from.ok || !to.ok || ops <= 0 {
		return
	}
	perOp := func(ticks int64) float64 { return float64(ticks) * 1e6 / userHZ / ops }
	server, self := to.server-from.server, to.self-from.self
	c := cpuCost{Name: name, Kind: kind, Server: perOp(server), LoadGen: perOp(self),
		Rest: perOp(to.machine - from.machine - server - self)}
	if secs := to.at.Sub(from.at).Seconds(); secs > 0 {
		c.Busy = float64(to.machine-from.machine) / userHZ / secs / float64(runtime.NumCPU())
	}
	m.mu.Lock()
	m.costs = append(m.costs, c)
	m.mu.Unlock()
}

// measured returns the costs recorded so far.
func (m *cpuMeter) measured() []cpuCost {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]cpuCost(nil), m.costs...)
}

// printCPU writes each phase's cost, and each request's cost relative to
// its yardstick measured last before it: the raw INSERT, or for board
// reads the raw ZREVRANGE.
func printCPU(out io.Writer, costs []cpuCost) {
	if len(costs) == 0 {
		return
	}
	fmt.Fprintln(out, "CPU per operation, whole machine, in µs (rest: Postgres, Redis and the kernel); relative to the raw INSERT (board reads: the raw ZREVRANGE) measured last before it:")
	var raw, rawZRange *cpuCost
	for i, c := range costs {
		fmt.Fprintf(out, "  %-22s %6.1f = server %5.1f + load generator %5.1f + rest %5.1f  (machine %3.0f %% busy)",
			c.Name, c.total(), c.Server, c.LoadGen, c.Rest, 100*c.Busy)
		switch {
		case c.Kind == costRaw:
			raw = &costs[i]
		case c.Kind == costVsInsert && raw != nil && raw.total() > 0:
			fmt.Fprintf(out, "  %.2f of a raw INSERT", c.total()/raw.total())
		case c.Kind == costRawZRange:
			rawZRange = &costs[i]
		case c.Kind == costVsZRange && rawZRange != nil && rawZRange.total() > 0:
			fmt.Fprintf(out, "  %.2f of a raw ZREVRANGE", c.total()/rawZRange.total())
		}
		fmt.Fprintln(out)
	}
}

// machineBusyTicks reads the machine's busy CPU time, all cores, from the
// first line of /proc/stat: user, nice, system, irq, softirq and steal.
func machineBusyTicks() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, err
		}
		busy += v
	}
	return busy, nil
}

// processTicks reads a process's CPU time, user and system, from
// /proc/<pid>/stat; pid may be "self".
func processTicks(pid string) (int64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis (utime and stime are the
	// 14th and 15th fields, the 12th and 13th after it).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%s/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%s/stat: %d fields", pid, len(f))
	}
	utime, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, err
	}
	stime, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return utime + stime, nil
}
