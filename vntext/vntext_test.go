package vntext

import "testing"

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Nguyễn Văn  Đức":           "nguyen van duc",
		"  TRƯỜNG THPT Chu Văn An ": "truong thpt chu van an",
		"Luật An ninh mạng":         "luat an ninh mang",
		"":                          "",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanComposesAndCollapses(t *testing.T) {
	// "Việt" written with combining marks (NFD) becomes the NFC form.
	nfd := "Vie\u0323\u0302t  Nam\t"
	if got := Clean(nfd); got != "Việt Nam" {
		t.Fatalf("Clean(%q) = %q", nfd, got)
	}
}

func TestCleanMultilineKeepsParagraphs(t *testing.T) {
	in := "  Đoạn một.  \r\n\r\n\r\n  Đoạn hai.\n"
	if got := CleanMultiline(in); got != "Đoạn một.\n\nĐoạn hai." {
		t.Fatalf("got %q", got)
	}
}

func FuzzFoldNeverPanics(f *testing.F) {
	f.Add("Nguyễn Văn Đức")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		Fold(s)
		Clean(s)
		CleanMultiline(s)
	})
}
