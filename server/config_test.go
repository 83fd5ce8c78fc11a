package server

import (
	"strings"
	"testing"
)

func TestConfigNamesTheBadVariable(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		"DATABASE_URL":       "mysql://localhost/x",
		"REDIS_URL":          "localhost:6379",
		"LISTEN_ADDR":        "8080",
		"DB_MAX_CONNS":       "lots",
		"SECURE_COOKIES":     "maybe",
		"STAFF_IDLE_TIMEOUT": "2 hours",
		"LOG_LEVEL":          "loud",
		"PPROF_ADDR":         "0.0.0.0:6060",
	}
	for name, value := range bad {
		_, err := ConfigFromEnv(func(k string) string {
			if k == name {
				return value
			}
			return ""
		})
		if err == nil || !strings.HasPrefix(err.Error(), name+":") {
			t.Errorf("%s=%q: got %v", name, value, err)
		}
	}
	c, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil || !strings.Contains(c.DatabaseURL, "sslmode=disable") || !strings.Contains(c.DatabaseURL, "connect_timeout=") {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
}

func TestCLIRefusesUnknownCommandsAndFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"migrate", "--force"}, {"user", "delete"}, {"seed", "real"}} {
		var out, errOut strings.Builder
		if code := Main(args, strings.NewReader(""), &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "Usage:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}
