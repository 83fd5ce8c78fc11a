package essay

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskPersonal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		phrases        []string
	}{
		{name: "mobile plain", in: "Gọi 0912345678 nhé", want: "Gọi [***] nhé"},
		{name: "mobile spaces", in: "SĐT: 0912 345 678.", want: "SĐT: [***]."},
		{name: "mobile dots", in: "0912.345.678", want: "[***]"},
		{name: "mobile dashes", in: "091-234-5678;", want: "[***];"},
		{name: "plus 84", in: "Zalo +84 912 345 678 ạ", want: "Zalo [***] ạ"},
		{name: "plus 84 compact", in: "(+84)912345678", want: "[***]"},
		{name: "84 without plus", in: "84912345678", want: "[***]"},
		{name: "landline brackets", in: "Điện thoại (024) 3825 1234 hoặc 028.3822.1234", want: "Điện thoại [***] hoặc [***]"},
		{name: "citizen id", in: "CCCD số 001203012345, cấp ngày 12/3/2021", want: "CCCD số [***], cấp ngày 12/3/2021"},
		{name: "old id card", in: "CMND 135792468", want: "CMND [***]"},
		{name: "two phones in a row", in: "0912 345 678 0987 654 321", want: "[***] [***]"},
		{name: "email", in: "Liên hệ an.nguyen+thi@gmail.com.vn!", want: "Liên hệ [***]!"},
		{name: "email uppercase", in: "EMAIL: NVA@SOTUPHAP.HANOI.GOV.VN", want: "EMAIL: [***]"},
		{name: "year and law numbers kept", in: "Luật An ninh mạng 2018, Luật số 24/2018/QH14, Quyết định 874/QĐ-BTTTT", want: "Luật An ninh mạng 2018, Luật số 24/2018/QH14, Quyết định 874/QĐ-BTTTT"},
		{name: "dates kept", in: "ngày 12.03.2026 và 12-3-2026", want: "ngày 12.03.2026 và 12-3-2026"},
		{name: "round amounts kept", in: "phạt 1.000.000.000 đồng, 20.000.000 đồng", want: "phạt 1.000.000.000 đồng, 20.000.000 đồng"},
		{name: "short numbers kept", in: "Có 72 triệu người dùng, 95% là thanh niên", want: "Có 72 triệu người dùng, 95% là thanh niên"},
		{name: "year before a phone", in: "năm 2021 0912345678", want: "năm 2021 [***]"},
		{name: "long account number", in: "STK 1903456789012345", want: "STK [***]"},
		{name: "author name", in: "Em là NGUYỄN VĂN AN, học sinh lớp 9A.", phrases: []string{"Nguyễn Văn An"}, want: "Em là [***], học sinh lớp 9A."},
		{name: "author name without diacritics", in: "toi la nguyen van an", phrases: []string{"Nguyễn Văn An"}, want: "toi la [***]"},
		{name: "unit name", in: "Trường THCS Chu Văn An tổ chức...", phrases: []string{"Nguyễn Thị Bình", "Trường THCS Chu Văn An"}, want: "[***] tổ chức..."},
		{name: "one-word phrase ignored", in: "an ninh mạng", phrases: []string{"An"}, want: "an ninh mạng"},
		{name: "name not a prefix of a word", in: "Nguyễn Văn Anh", phrases: []string{"Nguyễn Văn An"}, want: "Nguyễn Văn Anh"},
		{name: "nothing to mask", in: "Ứng xử văn minh trên mạng.", want: "Ứng xử văn minh trên mạng."},
	}
	for _, c := range cases {
		if got := MaskPersonal(c.in, c.phrases...); got != c.want {
			t.Errorf("%s: MaskPersonal(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

var nineDigits = regexp.MustCompile(`[0-9]{9,}`)

func FuzzMaskPersonal(f *testing.F) {
	for _, s := range []string{
		"Gọi 0912345678", "0912 345 678", "+84 912 345 678", "(024) 3825 1234",
		"001203012345", "a@b.vn", "1.000.000.000 đồng", "12.03.2026", "9-9-9-9-9-9-9-9-9",
		"((((1))))", "+(+(+0", sampleEssay,
	} {
		f.Add(s, "Nguyễn Văn An")
	}
	f.Fuzz(func(t *testing.T, s, name string) {
		got := MaskPersonal(s, name)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		if nineDigits.MatchString(got) {
			t.Fatalf("MaskPersonal(%q) = %q keeps a run of 9 digits", s, got)
		}
		if emailRE.MatchString(got) {
			t.Fatalf("MaskPersonal(%q) = %q keeps an e-mail address", s, got)
		}
		if again := MaskPersonal(got, name); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		if !strings.ContainsAny(s, "0123456789@") && len(splitWords(name)) < 2 && got != s {
			t.Fatalf("changed a text with nothing to mask: %q -> %q", s, got)
		}
	})
}
