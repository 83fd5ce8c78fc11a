package svgchart

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"
)

// wellFormed parses the SVG as XML: a browser drops a broken inline SVG.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
}

func TestColumns(t *testing.T) {
	bars := []Bar{{Label: "0", Value: 0}, {Label: "1", Value: 3}, {Label: "2", Value: 12, Class: "warn"}, {Label: "<3>", Value: 7, Text: "7 người"}}
	s := string(Columns("Phân bố điểm & số câu đúng", bars, 0))
	wellFormed(t, s)
	for _, want := range []string{`role="img"`, "Phân bố điểm &amp; số câu đúng", "&lt;3&gt;: 7 người", `class="bar warn"`} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in %s", want, s)
		}
	}
	if strings.Contains(s, "style=") {
		t.Error("inline style: the CSP refuses it")
	}
	if n := strings.Count(s, "<rect"); n != 4 {
		t.Errorf("%d bars", n)
	}
	wellFormed(t, string(Columns("Trống", nil, 0)))
}

func TestRows(t *testing.T) {
	bars := []Bar{{Label: "Trường THPT Chu Văn An, quận Tây Hồ, Hà Nội", Value: 120}, {Label: "Phường Láng Thượng", Value: 0}}
	s := string(Rows("Thí sinh theo đơn vị", bars))
	wellFormed(t, s)
	if !strings.Contains(s, "Trường THPT Chu Văn An, quận Tây Hồ, Hà Nội: 120") || !strings.Contains(s, "…") {
		t.Errorf("labels: %s", s)
	}
}

func FuzzColumnsWellFormed(f *testing.F) {
	f.Add("a", 1.5, "b")
	f.Fuzz(func(t *testing.T, label string, v float64, text string) {
		if validXMLText(label) && validXMLText(text) {
			wellFormed(t, string(Columns(label, []Bar{{Label: label, Value: v, Text: text}}, 1)))
			wellFormed(t, string(Rows(label, []Bar{{Label: label, Value: v, Text: text}})))
		}
	})
}

// validXMLText: labels come from unit names and numbers, which never hold
// control characters (vntext.Clean removes them).
func validXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}
