package server

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"lawcontest/frontend"
)

// render writes a server-side page. Pages are never cached by the browser:
// they carry the CSRF token and who is signed in.
func (a *App) render(c echo.Context, status int, name string, data any) error {
	pd := frontend.PageData{Data: data, CSRF: a.csrfToken(sessionOf(c))}
	if s := sessionOf(c); s != nil {
		pd.User = &frontend.User{ID: s.User.ID, Role: s.User.Role, DisplayName: s.User.DisplayName}
	}
	var buf bytes.Buffer
	if err := a.pages.Render(&buf, name, pd); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func (a *App) renderErrorPage(c echo.Context, status int, message string) {
	if err := a.render(c, status, "error", message); err != nil {
		a.reqLog(c).Error("rendering error page", "err", err)
		c.String(status, message)
	}
}

func (a *App) homePage(c echo.Context) error     { return a.render(c, http.StatusOK, "home", nil) }
func (a *App) registerPage(c echo.Context) error { return a.render(c, http.StatusOK, "register", nil) }
func (a *App) loginPage(c echo.Context) error    { return a.render(c, http.StatusOK, "login", nil) }

// static serves the embedded files. URLs made by the "asset" template
// function carry a content version, so they may be cached for a year.
func (a *App) static(c echo.Context) error {
	name := path.Clean(strings.TrimPrefix(c.Param("*"), "/"))
	if name == "." || strings.HasPrefix(name, "..") {
		return echo.ErrNotFound
	}
	b, err := fs.ReadFile(frontend.Static(), name)
	if err != nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if c.QueryParam("v") != "" {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	return c.Blob(http.StatusOK, contentType(name), b)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	case ".png":
		return "image/png"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".csv":
		return "text/csv; charset=utf-8"
	}
	return "application/octet-stream"
}
