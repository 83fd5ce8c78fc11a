package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogLoads(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.T("error.rate_limited", 30) == c.T("error.generic") {
		t.Fatal("known key answered with the generic text")
	}
	if c.T("no.such.key") != c.T("error.generic") {
		t.Fatal("unknown key must fall back to the generic text")
	}
}

var (
	// Lines that hand a message key to the catalogue or to apperr.
	keyCall = regexp.MustCompile(`apperr\.|\.Add\(|\.T\(|Key:|Msg\(`)
	keyLit  = regexp.MustCompile(`"([a-z][a-z0-9_]*\.[a-z0-9_.]*[a-z0-9_])"`)
)

// TestEveryKeyInCodeIsInCatalog walks the repository's Go code (not tests)
// for message keys and fails on any the catalogue lacks, so a participant
// never gets the generic text because of a typo.
func TestEveryKeyInCodeIsInCatalog(t *testing.T) {
	c := MustLoad()
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".data", "node_modules", "scripts":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if !keyCall.MatchString(line) {
				continue
			}
			for _, m := range keyLit.FindAllStringSubmatch(line, -1) {
				k := m[1]
				if strings.HasSuffix(k, ".go") || strings.HasSuffix(k, ".sql") || strings.HasSuffix(k, ".json") {
					continue
				}
				if !c.Has(k) {
					t.Errorf("%s:%d: message key %q is not in the catalogue", path, i+1, k)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
