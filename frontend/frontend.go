// Package frontend holds what the browser gets: html templates, CSS, small
// JS modules (no build step, no framework) and the Vietnamese catalogue
// (i18n), all embedded in the binary.
//
// Each page is a template file defining "title" and "content" (and
// optionally "scripts" naming its JS modules); layout.html wraps it.
package frontend

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"lawcontest/frontend/i18n"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Static returns the static files (served under /static/).
func Static() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	return sub
}

// Pages renders the server-side pages.
type Pages struct {
	pages        map[string]*template.Template
	AssetVersion string
	jsTexts      template.JS
}

// User is the signed-in user as pages show them.
type User struct {
	ID          int64
	Role        string
	DisplayName string
}

// IsStaff reports whether the user is an organizer, admin or judge.
func (u *User) IsStaff() bool { return u != nil && u.Role != "participant" }

// IsOrganizer reports whether the user may use the organizer pages.
func (u *User) IsOrganizer() bool { return u != nil && (u.Role == "organizer" || u.Role == "admin") }

// PageData is what every page template gets.
type PageData struct {
	Title string
	User  *User
	CSRF  string
	Data  any // the page's own data
	Asset string
	// JSTexts is every "js.*" catalogue text, for the page's scripts.
	JSTexts template.JS
}

// NewPages parses every page with the layout. Templates call {{t "key"}}
// for catalogue texts.
func NewPages(text *i18n.Catalog) (*Pages, error) {
	p := &Pages{pages: map[string]*template.Template{}}
	version, err := assetVersion()
	if err != nil {
		return nil, err
	}
	p.AssetVersion = version
	js := map[string]string{}
	for k, v := range text.All() {
		if strings.HasPrefix(k, "js.") {
			js[k] = v
		}
	}
	b, err := json.Marshal(js)
	if err != nil {
		return nil, err
	}
	// json.Marshal escapes <, > and & so the text cannot close the element.
	p.jsTexts = template.JS(b)
	funcs := template.FuncMap{
		"t": text.T,
		// asset returns a static file's URL with a content version, so
		// browsers can cache it for a year and still get a new release.
		"asset": func(name string) string { return "/static/" + name + "?v=" + version },
		"join":  strings.Join,
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		p.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return p, nil
}

// Render writes page name with data.
func (p *Pages) Render(w io.Writer, name string, data PageData) error {
	t, ok := p.pages[name]
	if !ok {
		return fmt.Errorf("frontend: no page %q", name)
	}
	data.Asset = p.AssetVersion
	data.JSTexts = p.jsTexts
	return t.ExecuteTemplate(w, "layout.html", data)
}

// assetVersion is a short hash of every static file.
func assetVersion() (string, error) {
	h := sha256.New()
	var names []string
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := staticFiles.ReadFile(n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:10], nil
}
