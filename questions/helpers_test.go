package questions

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"lawcontest/clock"
	"lawcontest/server/db/dbtest"
)

var testStart = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

var organizer = Actor{Role: "organizer"}

// newTestBank returns a bank over a fresh database of the test's own.
func newTestBank(t testing.TB) (*Bank, *sqlx.DB, *clock.Fake) {
	t.Helper()
	d := dbtest.NewDB(t)
	clk := clock.NewFake(testStart)
	return NewBank(d, clk), d, clk
}

var englishHeader = []string{"text", "option_a", "option_b", "option_c", "option_d", "option_e", "option_f",
	"correct", "category", "difficulty", "explanation", "legal_reference"}

// row makes a data row in englishHeader's order.
func row(text string, opts []string, correct, category, difficulty string) []string {
	r := make([]string, 12)
	r[0] = text
	copy(r[1:7], opts)
	r[7], r[8], r[9] = correct, category, difficulty
	r[10] = "Giải thích cho: " + text
	r[11] = "Điều 1"
	return r
}

// genRows makes n distinct valid rows spread over categories and the three
// difficulties.
func genRows(n int, categories ...string) [][]string {
	diffs := []string{"easy", "medium", "hard"}
	rows := make([][]string, n)
	for i := range n {
		rows[i] = row(fmt.Sprintf("Câu hỏi số %d về pháp luật?", i+1),
			[]string{fmt.Sprintf("Phương án một %d", i), fmt.Sprintf("Phương án hai %d", i), fmt.Sprintf("Phương án ba %d", i), fmt.Sprintf("Phương án bốn %d", i)},
			string(rune('A'+i%4)), categories[i%len(categories)], diffs[(i/len(categories))%3])
	}
	return rows
}

func csvBytes(t testing.TB, comma rune, bom bool, header []string, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if bom {
		b.WriteString(utf8BOM)
	}
	w := csv.NewWriter(&b)
	w.Comma = comma
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func xlsxBytes(t testing.TB, header []string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	all := append([][]string{header}, rows...)
	for i, r := range all {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func importBytes(t testing.TB, b *Bank, name string, data []byte) (ImportResult, error) {
	t.Helper()
	return b.ImportFile(context.Background(), organizer, name, bytes.NewReader(data))
}

func count(t testing.TB, d *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}
