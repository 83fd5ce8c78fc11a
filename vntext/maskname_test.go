package vntext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskName(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"Nguyễn Văn An", "Nguyễn V. A."},
		{"  nguyễn   văn   an ", "Nguyễn V. A."},
		{"NGUYỄN THỊ ÁNH TUYẾT", "Nguyễn T. Á. T."},
		{"Đỗ Đức", "Đỗ Đ."},
		{"An", "A."},
		{"ánh", "Á."},
		{"Lê", "L."},
		{"", ""},
		{"   ", ""},
		{"Trần - Văn Bình", "Trần V. B."},
		{"Hoàng \"Bé\" Na", "Hoàng B. N."},
		// NFD input (combining marks) gives the same composed result.
		{"Nguye\u0302\u0303n Va\u0306n An", "Nguyễn V. A."},
		{"Phạm\tNhật\nVượng", "Phạm N. V."},
	}
	for _, c := range cases {
		if got := MaskName(c.in); got != c.want {
			t.Errorf("MaskName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzMaskName(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn An", "An", "", " a b c ", "0912345678", "Đỗ\u0300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MaskName(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		// Only the family name is ever shown whole: every later word is an
		// initial, so the output has no more than one word longer than "X.".
		words := strings.Fields(got)
		for i, w := range words {
			if i == 0 && len(words) > 1 {
				continue
			}
			if utf8.RuneCountInString(w) != 2 || !strings.HasSuffix(w, ".") {
				t.Fatalf("MaskName(%q) = %q: word %q is not an initial", s, got, w)
			}
		}
		if MaskName(got) != got && len(words) > 1 {
			// Masking a masked name keeps it (idempotent for multi-word names).
			t.Fatalf("MaskName not stable: %q -> %q -> %q", s, got, MaskName(got))
		}
	})
}
