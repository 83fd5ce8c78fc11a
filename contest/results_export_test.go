package contest

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lawcontest/apperr"
	"lawcontest/frontend/i18n"
)

func TestExportResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	if _, err := e.svc.SetRoundPrizes(e.ctx, e.org, r.ID, Prizes{First: 1, Second: 1}); err != nil {
		t.Fatal(err)
	}
	a := e.person("=HYPERLINK(\"x\")", "2008-01-02", "001208000009")
	b := e.person("Phạm Thị Thu", "2007-05-06", "")
	c := e.person("Đỗ Văn Hùng", "2006-07-08", "")
	e.done(r.ID, a, 4, 100, nil)
	e.done(r.ID, b, 3, 100, nil)
	e.done(r.ID, c, 2, 100, nil)
	e.close(r.ID)
	if _, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: a, Reason: "Khai man thông tin"}); err != nil {
		t.Fatal(err)
	}
	cat := i18n.MustLoad()

	var buf bytes.Buffer
	if err := e.svc.ExportResults(e.ctx, e.org, r.ID, ExportOptions{Format: FormatCSV}, cat.T, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\uFEFF")) {
		t.Fatal("no byte order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0][0] != "Hạng" || recs[0][2] != "Họ và tên" {
		t.Fatalf("csv %q", recs)
	}
	// b moved up to first, c second; a comes last with the reason, no rank.
	if recs[1][0] != "1" || recs[1][1] != "Giải Nhất" || recs[1][2] != "Phạm Thị Thu" || recs[1][3] != "06/05/2007" ||
		recs[1][4] == "" || recs[1][5] == "" || recs[1][9] != "3" || recs[1][13] != "100.000" {
		t.Fatalf("first line %q", recs[1])
	}
	if recs[2][1] != "Giải Nhì" || recs[3][0] != "" || recs[3][18] != "Khai man thông tin" || recs[3][6] != "001208000009" {
		t.Fatalf("lines %q", recs[2:])
	}
	if !strings.HasPrefix(recs[3][2], "'=") {
		t.Fatalf("a formula-like name is not defused: %q", recs[3][2])
	}

	// The published list as xlsx.
	if err := e.svc.ExportResults(e.ctx, e.org, r.ID, ExportOptions{Format: FormatXLSX, Published: true}, cat.T, &buf); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("export of an unpublished round: %v", err)
	}
	if _, err := e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{}); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := e.svc.ExportResults(e.ctx, e.org, r.ID, ExportOptions{Format: FormatXLSX, Published: true}, cat.T, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Kết quả")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !strings.Contains(rows[0][0], r.Title) || rows[1][1] != "Giải" || rows[2][2] != "Phạm Thị Thu" ||
		rows[2][1] != "Giải Nhất" || rows[3][1] != "Giải Nhì" {
		t.Fatalf("xlsx %q", rows)
	}

	err = e.svc.ExportResults(e.ctx, e.org, r.ID, ExportOptions{Format: "pdf"}, cat.T, &buf)
	wantCode(t, err, apperr.Validation)
	var exports int
	e.db.Get(&exports, `SELECT count(*) FROM audit_log WHERE action = 'results.export' AND actor_id = $1`, e.org.ID)
	if exports != 2 {
		t.Fatalf("%d exports audited, want 2", exports)
	}
}
