package server

import (
	"net/http"
	"net/http/pprof"
)

// pprofHandler serves Go's profiler (/debug/pprof/...) on its own listener,
// opt-in with PPROF_ADDR (a loopback address), never on the public one:
// `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=30`
// while a load test runs shows where the server spends its time.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
