// Package i18n is the catalogue of every text a person reads, in
// Vietnamese. Texts live in vi/*.json (one file per area of the product,
// flat objects of key -> text with fmt verbs for arguments); keys are unique
// across files, which a test checks.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed vi/*.json
var files embed.FS

// Catalog maps message keys to Vietnamese texts. Build it once with Load and
// pass it down; it is read-only afterwards.
type Catalog struct {
	texts map[string]string
}

// Load reads every catalogue file and refuses a key defined twice.
func Load() (*Catalog, error) {
	c := &Catalog{texts: map[string]string{}}
	names, err := fs.Glob(files, "vi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	owner := map[string]string{}
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for k, v := range m {
			if prev, dup := owner[k]; dup {
				return nil, fmt.Errorf("key %q is in both %s and %s", k, prev, name)
			}
			owner[k] = name
			c.texts[k] = v
		}
	}
	return c, nil
}

// MustLoad is Load for program start and tests: the catalogue is embedded,
// so an error is a bug in the build.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// T returns the text for key with args applied. An unknown key returns the
// generic error text, never the key itself, so a participant never reads
// "register.phone_invalid"; a test walks the code for unknown keys.
func (c *Catalog) T(key string, args ...any) string {
	s, ok := c.texts[key]
	if !ok {
		return c.texts["error.generic"]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Has reports whether key is in the catalogue.
func (c *Catalog) Has(key string) bool { _, ok := c.texts[key]; return ok }

// All returns a copy of every key and text, for pages whose scripts need
// texts (served as JSON).
func (c *Catalog) All() map[string]string {
	m := make(map[string]string, len(c.texts))
	for k, v := range c.texts {
		m[k] = v
	}
	return m
}
