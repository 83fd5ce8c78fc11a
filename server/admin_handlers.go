package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lawcontest/audit"
)

func (a *App) adminPage(c echo.Context) error { return a.render(c, http.StatusOK, "admin", nil) }

// listAudit returns the newest audit rows, optionally about one entity,
// with the actor's display name.
func (a *App) listAudit(c echo.Context) error {
	limit, err := queryInt(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	entries, err := audit.List(c.Request().Context(), a.db, c.QueryParam("entity"), c.QueryParam("entity_id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": entries})
}
