package main

import (
	"testing"
	"time"
)

// Reading an endpoint's count for the CPU line (play's steady window) must
// not put the endpoint in the report: a burst-only run has no submits and
// printed an empty "submit" line when it did.
func TestOkSoFarLeavesTheReportAlone(t *testing.T) {
	st := newStats()
	if n := st.okSoFar("submit"); n != 0 {
		t.Fatalf("no submit yet: okSoFar = %d", n)
	}
	st.observe("start", time.Millisecond, "")
	st.observe("submit", time.Millisecond, "")
	st.observe("submit", time.Millisecond, "409")
	if n := st.okSoFar("submit"); n != 1 {
		t.Fatalf("one submit succeeded, one failed: okSoFar = %d", n)
	}
	var names []string
	for _, f := range st.figures(time.Second) {
		names = append(names, f.Name)
	}
	if len(names) != 2 || names[0] != "start" || names[1] != "submit" {
		t.Fatalf("report lines %v, want [start submit] in the order they were first observed", names)
	}
}
