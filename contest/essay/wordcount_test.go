package essay

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var wordCountCases = []struct {
	name string
	in   string
	want int
}{
	{"empty", "", 0},
	{"spaces only", "  \t\n ", 0},
	{"vietnamese syllables", "Ứng xử văn minh trên mạng xã hội", 8},
	{"punctuation attached", "Xin chào, các bạn! Tôi là học sinh.", 8},
	{"lone punctuation", "Mạng xã hội — nơi kết nối ; ... !", 6},
	{"numbers", "Luật số 24/2018/QH14 có 7 chương, 43 điều, phạt 2.000.000 đồng", 11},
	{"hyphenated", "e-mail COVID-19 Wi-Fi", 3},
	{"line breaks", "Đoạn một.\n\nĐoạn hai\r\ncó ba dòng\n", 7},
	{"emoji alone", "Tuyệt vời 👍 😀😀 quá", 3},
	{"emoji attached", "vui😀 👍đẹp", 2},
	{"nbsp and ideographic space", "một\u00a0hai\u3000ba\u2009bốn", 4},
	{"nfd input", "Vie\u0323\u0302t Nam", 2},
	{"quotes and brackets", "«Bộ quy tắc» (Quyết định 874/QĐ-BTTTT) \"ứng xử\"", 8},
	{"tabs", "a\tb\vc\fd", 4},
	{"digits other scripts", "٣ ४ 1", 3},
	{"zero width joiner inside", "ab\u200dcd ef", 2},
	{"fullwidth", "ＡＢＣ １２３", 2},
}

func TestCountWords(t *testing.T) {
	t.Parallel()
	for _, c := range wordCountCases {
		if got := CountWords(c.in); got != c.want {
			t.Errorf("%s: CountWords(%q) = %d, want %d", c.name, c.in, got, c.want)
		}
	}
}

// TestCountWordsMatchesJS runs frontend/static/js/wordcount.js with node over
// the same cases, so the browser's live counter and the server's limit agree.
func TestCountWordsMatchesJS(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: cannot check that wordcount.js agrees with CountWords")
	}
	js, err := filepath.Abs(filepath.Join("..", "..", "frontend", "static", "js", "wordcount.js"))
	if err != nil {
		t.Fatal(err)
	}
	inputs := make([]string, len(wordCountCases))
	for i, c := range wordCountCases {
		inputs[i] = c.in
	}
	// A few longer, mixed inputs on top of the named cases.
	inputs = append(inputs, sampleEssay, norm.NFD.String(sampleEssay), sampleEssay+"\n\n"+sampleEssay)
	got := runNodeCounter(t, node, js, inputs)
	for i, in := range inputs {
		if want := CountWords(in); got[i] != want {
			t.Errorf("input %d %q: js counts %d, go counts %d", i, in, got[i], want)
		}
	}
}

func runNodeCounter(t *testing.T, node, js string, inputs []string) []int {
	t.Helper()
	payload, err := json.Marshal(inputs)
	if err != nil {
		t.Fatal(err)
	}
	script := `const countWords = require(process.argv[1]);
let data = "";
process.stdin.on("data", d => data += d);
process.stdin.on("end", () => process.stdout.write(JSON.stringify(JSON.parse(data).map(countWords))));`
	cmd := exec.Command(node, "-e", script, js)
	cmd.Stdin = bytes.NewReader(payload)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v: %s", err, stderr.String())
	}
	var counts []int
	if err := json.Unmarshal(out, &counts); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if len(counts) != len(inputs) {
		t.Fatalf("node returned %d counts for %d inputs", len(counts), len(inputs))
	}
	return counts
}

const sampleEssay = `Hành động đẹp trên không gian mạng

Sáng 12/3/2026, em đọc được một bài đăng kêu gọi giúp đỡ bạn Minh (lớp 9A) — bạn bị bắt nạt trên mạng xã hội! Thay vì "thả phẫn nộ" 😡, chúng em đã báo cáo bài viết, nhắn tin động viên bạn và kể với cô giáo chủ nhiệm.

Theo Bộ quy tắc ứng xử (Quyết định 874/QĐ-BTTTT), mỗi người cần "tôn trọng, tuân thủ pháp luật"; Luật An ninh mạng 2018 cũng nghiêm cấm xúc phạm danh dự người khác…`

func FuzzCountWords(f *testing.F) {
	for _, c := range wordCountCases {
		f.Add(c.in)
	}
	f.Add(sampleEssay)
	f.Fuzz(func(t *testing.T, s string) {
		n := CountWords(s)
		if n < 0 || n > utf8.RuneCountInString(s) {
			t.Fatalf("CountWords(%q) = %d out of range", s, n)
		}
		if utf8.ValidString(s) {
			// Normalization form never changes the count.
			if m := CountWords(norm.NFD.String(s)); m != n {
				t.Fatalf("NFD changes the count of %q: %d vs %d", s, n, m)
			}
			if m := CountWords(norm.NFC.String(s)); m != n {
				t.Fatalf("NFC changes the count of %q: %d vs %d", s, n, m)
			}
		}
		// Joining two texts with a space adds their counts.
		if m := CountWords(s + " " + s); m != 2*n {
			t.Fatalf("CountWords(s+' '+s) = %d, want %d for %q", m, 2*n, s)
		}
	})
}
