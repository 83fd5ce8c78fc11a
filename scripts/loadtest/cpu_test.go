package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// The CPU figures come from /proc: a phase that burns CPU in this process
// (named as the server too, so both shares see it) costs more than nothing,
// and a request is printed relative to its yardstick before it: the raw
// INSERT, or for a board read the raw ZREVRANGE.
func TestCPUCostPerOperation(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	m := &cpuMeter{serverPID: os.Getpid()}
	burn := func(ops float64, name string, kind costKind) {
		from := m.sample()
		if !from.ok {
			t.Fatal("no CPU sample from /proc")
		}
		for end := time.Now().Add(60 * time.Millisecond); time.Now().Before(end); {
		}
		m.record(name, kind, from, ops)
	}
	burn(100, "raw INSERT", costRaw)
	burn(50, "submit (only)", costVsInsert)
	burn(100, "raw ZREVRANGE", costRawZRange)
	burn(50, "board top-50 (only)", costVsZRange)

	costs := m.measured()
	if len(costs) != 4 {
		t.Fatalf("costs %+v", costs)
	}
	for _, c := range costs {
		// 60 ms over 100 or 50 operations: hundreds of µs each, counted
		// at the 10 ms resolution of /proc.
		if c.LoadGen < 100 || c.Server < 100 || c.Busy <= 0 {
			t.Errorf("%s: %+v, want the burned CPU in both shares", c.Name, c)
		}
	}
	var out bytes.Buffer
	printCPU(&out, costs)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.Contains(lines[1], "raw INSERT") || strings.Contains(lines[1], "of a raw") ||
		!strings.Contains(lines[2], "submit (only)") || !strings.Contains(lines[2], "of a raw INSERT") ||
		!strings.Contains(lines[3], "raw ZREVRANGE") || strings.Contains(lines[3], "of a raw") ||
		!strings.Contains(lines[4], "board top-50 (only)") || !strings.Contains(lines[4], "of a raw ZREVRANGE") {
		t.Fatalf("printed:\n%s", out.String())
	}
}
