package account

import (
	"strings"
	"testing"
	"time"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	same := []string{"0912345678", "+84912345678", "84912345678", "+84 912 345 678", "0912.345.678", "091-234-5678", "(+84) 912345678", "0084912345678"}
	for _, in := range same {
		if got, ok := NormalizePhone(in); !ok || got != "0912345678" {
			t.Errorf("NormalizePhone(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "12345", "0212345678", "091234567", "09123456789", "+1 912 345 678", "0912a45678", "84", "++84912345678"} {
		if got, ok := NormalizePhone(in); ok {
			t.Errorf("NormalizePhone(%q) = %q, want refusal", in, got)
		}
	}
}

func TestValidBirthDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	ok := []time.Time{time.Date(2008, 5, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	bad := []time.Time{time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), time.Date(1906, 11, 27, 0, 0, 0, 0, time.UTC)}
	for _, d := range ok {
		if !ValidBirthDate(d, now) {
			t.Errorf("%v refused", d)
		}
	}
	for _, d := range bad {
		if ValidBirthDate(d, now) {
			t.Errorf("%v accepted", d)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 912 345 678", "\xff", "84-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalizePhone(s)
		if !ok {
			return
		}
		// A normalized number is a fixed point and always 10 digits.
		if again, ok2 := NormalizePhone(got); !ok2 || again != got || len(got) != 10 {
			t.Fatalf("NormalizePhone(%q) = %q, then %q", s, got, again)
		}
		// It is a Vietnamese mobile number made of the input's own digits:
		// its last nine are the last nine typed, nothing invented.
		var typed []byte
		for i := 0; i < len(s); i++ {
			if s[i] >= '0' && s[i] <= '9' {
				typed = append(typed, s[i])
			}
		}
		if got[0] != '0' || !strings.ContainsRune("35789", rune(got[1])) || len(typed) < 9 || string(typed[len(typed)-9:]) != got[1:] {
			t.Fatalf("NormalizePhone(%q) = %q", s, got)
		}
	})
}

func FuzzCitizenID(f *testing.F) {
	f.Add("001099001234")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidCitizenID(s) && (len(s) != 12 || strings.Trim(s, "0123456789") != "") {
			t.Fatalf("%q accepted", s)
		}
	})
}
