package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

func (a *App) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when Postgres and Redis both answer, else 503 naming
// the one that does not.
func (a *App) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	state := map[string]string{"postgres": "ok", "redis": "ok"}
	var down []string
	if err := a.db.PingContext(ctx); err != nil {
		state["postgres"] = "down"
		down = append(down, "postgres")
	}
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		state["redis"] = "down"
		down = append(down, "redis")
	}
	if len(down) == 0 {
		state["status"] = "ok"
		return c.JSON(http.StatusOK, state)
	}
	fields := map[string]string{}
	for _, d := range down {
		fields[d] = a.text.T("ready." + d + "_down")
	}
	c.Response().Header().Set("Retry-After", "5")
	return c.JSON(http.StatusServiceUnavailable, map[string]any{
		"status":   "unavailable",
		"postgres": state["postgres"],
		"redis":    state["redis"],
		"error": errorDetail{Code: "unavailable", Message: a.text.T("ready.down", joinVi(down)),
			Fields: fields},
	})
}

func joinVi(names []string) string {
	pretty := map[string]string{"postgres": "PostgreSQL", "redis": "Redis"}
	s := ""
	for i, n := range names {
		if i > 0 {
			s += " và "
		}
		s += pretty[n]
	}
	return s
}
