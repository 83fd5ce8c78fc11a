package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lawcontest/account"
	"lawcontest/contest/essay"
)

// essayContest inserts an open, published essay contest ending an hour after
// testNow (staff sessions idle out after two) and returns its id.
func (e *testEnv) essayContest() int64 {
	e.t.Helper()
	var id int64
	err := e.db.Get(&id, `INSERT INTO contests (kind, title, published, starts_at, ends_at, created_at, updated_at)
		VALUES ('essay', 'Viết về hành động đẹp trên không gian mạng', true, $1, $2, $1, $1) RETURNING id`,
		testNow.Add(-24*time.Hour), testNow.Add(time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

type essayAuthor struct {
	token, id, name, phone, citizen, email string
}

var citizenSeq = time.Now().UnixNano() % 1_000_000

// essayAuthor registers a participant of the given unit (0: none) with every
// optional detail filled in, so tests can look for them where they must not be.
func (e *testEnv) essayAuthor(name string, unit int64) essayAuthor {
	e.t.Helper()
	a := essayAuthor{name: name, phone: newPhone()}
	a.citizen = fmt.Sprintf("001208%06d", (citizenSeq+int64(len(a.phone))*7919+phoneSeq.Load())%1_000_000)
	a.email = "tac.gia." + a.phone + "@example.vn"
	reg := registration(a.phone)
	reg["full_name"], reg["citizen_id"], reg["email"] = name, a.citizen, a.email
	if unit != 0 {
		reg["unit_id"] = idString(unit)
	}
	res := e.expect(e.do("POST", "/api/v1/participants", reg, request{}), http.StatusCreated)
	var out struct {
		Participant struct{ ID string } `json:"participant"`
		Token       string              `json:"token"`
	}
	res.decode(e.t, &out)
	a.token, a.id = out.Token, out.Participant.ID
	return a
}

func (e *testEnv) unit(name string) int64 {
	e.t.Helper()
	id, err := e.app.accounts.UpsertUnit(context.Background(), account.Unit{Name: name, Kind: "school"})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// judgeIn creates a judge of the unit (0: none) and returns its token and id.
func (e *testEnv) judgeIn(username string, unit int64) (string, int64) {
	e.t.Helper()
	tok := e.staff("judge", username)
	var id int64
	e.db.Get(&id, `SELECT id FROM users WHERE username = $1`, username)
	if unit != 0 {
		e.db.Exec(`UPDATE users SET unit_id = $2 WHERE id = $1`, id, unit)
	}
	return tok, id
}

var essayRubric = map[string]any{"criteria": []map[string]any{
	{"key": "content", "name": "Nội dung", "max_points": 40, "description": "Đúng chủ đề, có câu chuyện thật"},
	{"key": "message", "name": "Thông điệp", "max_points": 30},
	{"key": "creativity", "name": "Sáng tạo", "max_points": 20},
	{"key": "language", "name": "Ngôn ngữ", "max_points": 10},
}}

func essaySheet(total int) map[string]float64 {
	out := map[string]float64{}
	left := float64(total)
	for _, c := range []struct {
		k string
		m float64
	}{{"content", 40}, {"message", 30}, {"creativity", 20}, {"language", 10}} {
		p := min(left, c.m)
		out[c.k] = p
		left -= p
	}
	return out
}

type judgeSeat struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Essay  struct {
		Code      string `json:"code"`
		Title     string `json:"title"`
		Body      string `json:"body"`
		WordCount int    `json:"word_count"`
	} `json:"essay"`
}

func (e *testEnv) seats(token string) ([]judgeSeat, string) {
	e.t.Helper()
	res := e.expect(e.do("GET", "/api/v1/judge/assignments", nil, request{token: token}), http.StatusOK)
	var out struct{ Assignments []judgeSeat }
	res.decode(e.t, &out)
	return out.Assignments, string(res.Body)
}

const essayBody = `Hôm ấy em thấy một bài đăng chế giễu bạn cùng lớp trên mạng xã hội. Thay vì chia sẻ tiếp, em báo cáo bài viết và nhắn tin động viên bạn.

Em nghĩ mỗi người dùng mạng đều có thể làm một việc tốt nhỏ như vậy mỗi ngày.`

func TestEssayContestOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.essayContest()
	cp := fmt.Sprintf("/api/v1/contests/%d", c)
	ap := fmt.Sprintf("/api/v1/admin/contests/%d", c)
	school := e.unit("Trường THCS Thăng Long")
	author := e.essayAuthor("Phạm Quang Huy", school)
	org := e.staff("organizer", "btc")
	j1, _ := e.judgeIn("gk1", 0)
	j2, _ := e.judgeIn("gk2", 0)
	j3, _ := e.judgeIn("gk3", 0)
	sameUnit, sameID := e.judgeIn("gkcungtruong", school)

	// Submit once; the second is refused; staff cannot enter.
	body := essayBody + "\n\nLiên hệ em qua số 0912.345.678 hoặc huy.pham@gmail.com nhé."
	res := e.expect(e.do("POST", cp+"/essays", map[string]any{"title": "Một việc tốt nhỏ", "body": body, "declaration": true}, request{token: author.token}), http.StatusCreated)
	var sub struct {
		Essay struct {
			ID, Code, Status string
			WordCount        int `json:"word_count"`
		}
	}
	res.decode(t, &sub)
	if !strings.HasPrefix(sub.Essay.Code, "BV-") || sub.Essay.Status != "submitted" || sub.Essay.WordCount < 50 {
		t.Fatalf("submitted %s", res.Body)
	}
	if code := e.expect(e.do("POST", cp+"/essays", map[string]any{"title": "Bài hai", "body": "Nội dung", "declaration": true}, request{token: author.token}), http.StatusConflict).apiError(t).Code; code != "conflict" {
		t.Fatalf("second essay: %s", code)
	}
	e.expect(e.do("POST", cp+"/essays", map[string]any{"title": "x", "body": "y", "declaration": true}, request{token: j1}), http.StatusForbidden)
	if f := e.expect(e.do("POST", cp+"/essays", map[string]any{"title": "x", "body": "y"}, request{token: e.essayAuthor("Ngô Bảo Châu", 0).token}), http.StatusUnprocessableEntity).apiError(t); f.Fields["declaration"] == "" {
		t.Fatalf("no declaration: %+v", f)
	}
	e.expect(e.do("PUT", "/api/v1/essays/"+sub.Essay.ID, map[string]any{"title": "Một việc tốt nhỏ mỗi ngày", "body": body}, request{token: author.token}), http.StatusOK)

	// A second essay to judge alongside, by someone of no unit.
	other := e.essayAuthor("Đinh Thu Trang", 0)
	e.expect(e.do("POST", cp+"/essays", map[string]any{"title": "Ông em học dùng điện thoại", "body": essayBody + " Ông em bảy mươi tuổi.", "declaration": true}, request{token: other.token}), http.StatusCreated)

	// Rubric; assignment only once the contest has ended.
	e.expect(e.do("PUT", ap+"/rubric", essayRubric, request{token: org}), http.StatusOK)
	if code := e.expect(e.do("PUT", ap+"/rubric", map[string]any{"criteria": []map[string]any{{"key": "x", "name": "", "max_points": -1}}}, request{token: org}), http.StatusUnprocessableEntity).apiError(t).Fields; code["criteria[0].name"] == "" || code["criteria[0].max_points"] == "" {
		t.Fatalf("bad rubric fields %v", code)
	}
	e.expect(e.do("POST", ap+"/assignments", map[string]any{"judges_per_essay": 2}, request{token: org}), http.StatusConflict)
	e.clock.Set(testNow.Add(time.Hour))
	if code := e.expect(e.do("PUT", "/api/v1/essays/"+sub.Essay.ID, map[string]any{"title": "Muộn", "body": body}, request{token: author.token}), http.StatusConflict).apiError(t).Code; code != "deadline_passed" {
		t.Fatalf("late edit: %s", code)
	}
	res = e.expect(e.do("POST", ap+"/assignments", map[string]any{"judges_per_essay": 2, "judge_ids": []string{idOf(e, "gk1"), idOf(e, "gk2"), idOf(e, "gk3"), idString(sameID)}}, request{token: org}), http.StatusOK)
	var asg struct {
		Assignment struct{ Added int } `json:"assignment"`
	}
	res.decode(t, &asg)
	if asg.Assignment.Added != 4 {
		t.Fatalf("assignment %s", res.Body)
	}
	// The judge of the author's unit never gets the author's essay.
	if ss, _ := e.seats(sameUnit); len(ss) > 0 {
		for _, s := range ss {
			if s.Essay.Code == sub.Essay.Code {
				t.Fatal("same-unit judge got the essay")
			}
		}
	}

	// The judges' view: code, masked text, no author data.
	var panel []string
	for _, tok := range []string{j1, j2, j3, sameUnit} {
		ss, raw := e.seats(tok)
		for _, s := range ss {
			if s.Essay.Code != sub.Essay.Code {
				continue
			}
			panel = append(panel, tok)
			for _, secret := range []string{"Phạm Quang Huy", "Thăng Long", author.phone, author.citizen, author.email, "0912.345.678", "huy.pham", `"author`, `"unit`} {
				if strings.Contains(raw, secret) {
					t.Fatalf("judge's view contains %q", secret)
				}
			}
			if !strings.Contains(s.Essay.Body, "qua số [***] hoặc [***] nhé") {
				t.Fatalf("not masked: %q", s.Essay.Body)
			}
		}
	}
	if len(panel) != 2 {
		t.Fatalf("%d judges on the essay", len(panel))
	}
	seatOf := func(tok string) string {
		ss, _ := e.seats(tok)
		for _, s := range ss {
			if s.Essay.Code == sub.Essay.Code {
				return s.ID
			}
		}
		t.Fatal("no seat")
		return ""
	}
	s0 := seatOf(panel[0])
	// Out of range: 422, nothing stored. Another judge: 403. Organizer: 403.
	if f := e.expect(e.do("PUT", "/api/v1/judge/assignments/"+s0, map[string]any{"scores": map[string]float64{"content": 45}, "final": false}, request{token: panel[0]}), http.StatusUnprocessableEntity).apiError(t).Fields; f["scores.content"] == "" {
		t.Fatalf("fields %v", f)
	}
	var stored string
	e.db.Get(&stored, `SELECT status FROM essay_assignments WHERE id = $1`, s0)
	if stored != "assigned" {
		t.Fatalf("refused score stored: %s", stored)
	}
	e.expect(e.do("PUT", "/api/v1/judge/assignments/"+s0, map[string]any{"scores": essaySheet(50)}, request{token: panel[1]}), http.StatusForbidden)
	e.expect(e.do("PUT", "/api/v1/judge/assignments/"+s0, map[string]any{"scores": essaySheet(50)}, request{token: org}), http.StatusForbidden)

	// 80 and 60: a third judge comes in; 75 makes the mark (80+75)/2.
	e.expect(e.do("PUT", "/api/v1/judge/assignments/"+s0, map[string]any{"scores": essaySheet(80), "comment": "Tốt", "final": true}, request{token: panel[0]}), http.StatusOK)
	e.expect(e.do("PUT", "/api/v1/judge/assignments/"+s0, map[string]any{"scores": essaySheet(90), "final": true}, request{token: panel[0]}), http.StatusConflict)
	e.expect(e.do("PUT", "/api/v1/judge/assignments/"+seatOf(panel[1]), map[string]any{"scores": essaySheet(60), "final": true}, request{token: panel[1]}), http.StatusOK)
	res = e.expect(e.do("GET", ap+"/judging", nil, request{token: org}), http.StatusOK)
	var rep struct {
		Discrepancies []struct {
			Code   string
			Status string
			Scores []struct{ Seat string }
		}
		Judges []struct {
			Name string
			Stat struct{ Mean, SD float64 }
		}
	}
	res.decode(t, &rep)
	if len(rep.Discrepancies) != 1 || rep.Discrepancies[0].Status != "third_needed" || len(rep.Discrepancies[0].Scores) != 3 {
		t.Fatalf("judging %s", res.Body)
	}
	var third string
	for _, tok := range []string{j1, j2, j3} {
		if tok != panel[0] && tok != panel[1] {
			ss, _ := e.seats(tok)
			for _, s := range ss {
				if s.Essay.Code == sub.Essay.Code {
					third = tok
				}
			}
		}
	}
	if third == "" {
		t.Fatal("no third judge seated")
	}
	e.expect(e.do("PUT", "/api/v1/judge/assignments/"+seatOf(third), map[string]any{"scores": essaySheet(75), "final": true}, request{token: third}), http.StatusOK)
	// Finish the other essay.
	for _, tok := range []string{j1, j2, j3, sameUnit} {
		ss, _ := e.seats(tok)
		for _, s := range ss {
			if s.Status != "final" {
				e.expect(e.do("PUT", "/api/v1/judge/assignments/"+s.ID, map[string]any{"scores": essaySheet(70), "final": true}, request{token: tok}), http.StatusOK)
			}
		}
	}

	// Results: 404 before publishing, then public without personal data.
	e.expect(e.do("GET", cp+"/essay-results", nil, request{}), http.StatusNotFound)
	e.expect(e.do("POST", ap+"/essay-results/publish", nil, request{token: author.token}), http.StatusForbidden)
	e.expect(e.do("POST", ap+"/essay-results/publish", nil, request{token: org}), http.StatusOK)
	res = e.expect(e.do("GET", cp+"/essay-results", nil, request{}), http.StatusOK)
	for _, secret := range []string{"Phạm Quang Huy", "Quang Huy", author.phone, author.citizen, author.email, other.phone, other.email, "0912.345.678", "huy.pham"} {
		if strings.Contains(string(res.Body), secret) {
			t.Fatalf("public results contain %q: %s", secret, res.Body)
		}
	}
	var pub struct {
		Entries []struct {
			Rank                     int
			Code, Title, Unit, Prize string
			DisplayName              string `json:"display_name"`
			Score                    float64
		}
	}
	res.decode(t, &pub)
	if len(pub.Entries) != 2 || pub.Entries[0].Code != sub.Essay.Code || pub.Entries[0].Score != 77.5 ||
		pub.Entries[0].DisplayName != "Phạm Q. H." || pub.Entries[0].Unit != "Trường THCS Thăng Long" || pub.Entries[0].Prize != "first" {
		t.Fatalf("results %s", res.Body)
	}
	res = e.expect(e.do("GET", "/api/v1/me/essays", nil, request{token: author.token}), http.StatusOK)
	if !strings.Contains(string(res.Body), `"status":"published"`) || !strings.Contains(string(res.Body), `"rank":1`) {
		t.Fatalf("my essays %s", res.Body)
	}

	// The organizers' export has everything.
	res = e.expect(e.do("GET", ap+"/essay-results?format=xlsx", nil, request{token: org}), http.StatusOK)
	if !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") || len(res.Body) < 1000 {
		t.Fatalf("export %s %d bytes", res.Header.Get("Content-Type"), len(res.Body))
	}
	// Who may call what.
	e.expect(e.do("GET", ap+"/judging", nil, request{}), http.StatusUnauthorized)
	e.expect(e.do("GET", ap+"/judging", nil, request{token: j1}), http.StatusForbidden)
	e.expect(e.do("GET", "/api/v1/judge/assignments", nil, request{token: author.token}), http.StatusForbidden)
	var audits int
	e.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action LIKE 'essay.%'`)
	if audits < 10 {
		t.Fatalf("%d audit rows", audits)
	}
}

func idOf(e *testEnv, username string) string {
	var id int64
	e.db.Get(&id, `SELECT id FROM users WHERE username = $1`, username)
	return idString(id)
}

func TestEssayDuplicatesOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.essayContest()
	org := e.staff("organizer", "btc")
	long := strings.Repeat(essayBody+"\n\n", 2)
	for i, text := range []string{long, strings.Replace(long, "Hôm ấy", "Hôm qua", 1), "Ông em bảy mươi tuổi vẫn học cách gọi video cho các cháu ở xa và biết cảnh giác với tin nhắn lừa đảo trúng thưởng. Em hướng dẫn ông từng bước, từ cách mở ứng dụng đến cách nhận biết đường link lạ."} {
		a := e.essayAuthor("Tác Giả "+string(rune('A'+i)), 0)
		e.expect(e.do("POST", fmt.Sprintf("/api/v1/contests/%d/essays", c), map[string]any{"title": "Bài", "body": text, "declaration": true}, request{token: a.token}), http.StatusCreated)
	}
	res := e.expect(e.do("GET", fmt.Sprintf("/api/v1/admin/contests/%d/essay-duplicates", c), nil, request{token: org}), http.StatusOK)
	var out struct {
		Pairs []struct {
			Jaccard  float64
			Passages []string
		}
	}
	res.decode(t, &out)
	if len(out.Pairs) != 1 || out.Pairs[0].Jaccard < 0.8 || len(out.Pairs[0].Passages) == 0 {
		t.Fatalf("pairs %s", res.Body)
	}
}

func TestEssaySettingsShortlistAndDisqualifyOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.essayContest()
	ap := fmt.Sprintf("/api/v1/admin/contests/%d", c)
	org := e.staff("organizer", "btc")
	judge, _ := e.judgeIn("giamkhao", 0)

	res := e.expect(e.do("GET", ap+"/essay-settings", nil, request{token: org}), http.StatusOK)
	if !strings.Contains(string(res.Body), `"word_limit":2000`) || !strings.Contains(string(res.Body), `"final_rule":"closest_two_mean"`) {
		t.Fatalf("default settings %s", res.Body)
	}
	settings := map[string]any{"word_limit": 60, "judges_per_essay": 1, "discrepancy_threshold": 15, "final_rule": "median",
		"two_stage": true, "prizes": map[string]int{"first": 1, "second": 0, "third": 0, "consolation": 0}}
	e.expect(e.do("PUT", ap+"/essay-settings", settings, request{token: org}), http.StatusOK)
	bad := map[string]any{"word_limit": 10, "judges_per_essay": 9, "discrepancy_threshold": 0, "final_rule": "max", "two_stage": false, "prizes": map[string]int{}}
	f := e.expect(e.do("PUT", ap+"/essay-settings", bad, request{token: org}), http.StatusUnprocessableEntity).apiError(t).Fields
	for _, k := range []string{"word_limit", "judges_per_essay", "discrepancy_threshold", "final_rule"} {
		if f[k] == "" {
			t.Errorf("no message for %s: %v", k, f)
		}
	}
	e.expect(e.do("PUT", ap+"/essay-settings", settings, request{token: judge}), http.StatusForbidden)

	// The word limit applies: 61 words are refused with the count in the message.
	a := e.essayAuthor("Lý Thường Kiệt", 0)
	msg := e.expect(e.do("POST", fmt.Sprintf("/api/v1/contests/%d/essays", c), map[string]any{"title": "Dài", "body": strings.Repeat("chữ ", 61), "declaration": true}, request{token: a.token}), http.StatusUnprocessableEntity).apiError(t).Fields["body"]
	if !strings.Contains(msg, "61") || !strings.Contains(msg, "60") {
		t.Fatalf("word limit message %q", msg)
	}
	res = e.expect(e.do("POST", fmt.Sprintf("/api/v1/contests/%d/essays", c), map[string]any{"title": "Vừa", "body": strings.Repeat("chữ ", 60), "declaration": true}, request{token: a.token}), http.StatusCreated)
	var sub struct{ Essay struct{ ID string } }
	res.decode(t, &sub)

	// Shortlisting needs finished preliminary marks; one rule at a time.
	e.clock.Set(testNow.Add(time.Hour))
	e.expect(e.do("POST", ap+"/shortlist", map[string]any{"top": 1, "min_mark": 50}, request{token: org}), http.StatusUnprocessableEntity)
	e.expect(e.do("PUT", ap+"/rubric", essayRubric, request{token: org}), http.StatusOK)
	e.expect(e.do("POST", ap+"/assignments", map[string]any{}, request{token: org}), http.StatusOK)
	if code := e.expect(e.do("POST", ap+"/shortlist", map[string]any{"top": 1}, request{token: org}), http.StatusConflict).apiError(t).Code; code != "conflict" {
		t.Fatal(code)
	}
	ss, _ := e.seats(judge)
	e.expect(e.do("PUT", "/api/v1/judge/assignments/"+ss[0].ID, map[string]any{"scores": essaySheet(64), "final": true}, request{token: judge}), http.StatusOK)
	res = e.expect(e.do("POST", ap+"/shortlist", map[string]any{"min_mark": 60}, request{token: org}), http.StatusOK)
	if !strings.Contains(string(res.Body), `"finalists":1`) {
		t.Fatalf("shortlist %s", res.Body)
	}

	// Disqualifying needs a reason and takes the essay out of judging.
	e.expect(e.do("POST", "/api/v1/admin/essays/"+sub.Essay.ID+"/disqualify", map[string]any{"disqualified": true}, request{token: org}), http.StatusUnprocessableEntity)
	e.expect(e.do("POST", "/api/v1/admin/essays/"+sub.Essay.ID+"/disqualify", map[string]any{"disqualified": true, "reason": "Sao chép"}, request{token: org}), http.StatusNoContent)
	if ss, _ := e.seats(judge); len(ss) != 0 {
		t.Fatalf("judge still sees a disqualified essay: %+v", ss)
	}
	res = e.expect(e.do("GET", "/api/v1/me/essays", nil, request{token: a.token}), http.StatusOK)
	if !strings.Contains(string(res.Body), `"status":"disqualified"`) {
		t.Fatalf("my essays %s", res.Body)
	}
}

// TestEssayAssignmentTenJudgesOverHTTP: 101 essays from 6 units, 10 judges
// (6 of them from those units): every essay gets 2 judges, none of its
// author's unit, and judges' loads differ by at most one.
func TestEssayAssignmentTenJudgesOverHTTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.essayContest()
	org := e.staff("organizer", "btc")
	var units []int64
	for i := 0; i < 6; i++ {
		units = append(units, e.unit(fmt.Sprintf("Trường Tiểu học số %d", i+1)))
	}
	ctx := context.Background()
	// Authors and judges are inserted directly: registering 111 accounts
	// through the API would only measure password hashing.
	for i := 0; i < 101; i++ {
		var id int64
		err := e.db.Get(&id, `INSERT INTO users (role, phone, password_hash, full_name, display_name, unit_id, created_at, updated_at)
			VALUES ('participant', $1, 'x', 'Thí Sinh', 'Thí Sinh', $2, $3, $3) RETURNING id`, fmt.Sprintf("0987%06d", i), units[i%6], testNow)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.essays.Submit(ctx, essayActorOf(id), c, essayDraft()); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		var unit any
		if i < 6 {
			unit = units[i]
		}
		if _, err := e.db.Exec(`INSERT INTO users (role, username, password_hash, full_name, display_name, unit_id, created_at, updated_at)
			VALUES ('judge', $1, 'x', 'Giám khảo', 'Giám khảo', $2, $3, $3)`, fmt.Sprintf("giamkhao%02d", i), unit, testNow); err != nil {
			t.Fatal(err)
		}
	}
	e.expect(e.do("PUT", fmt.Sprintf("/api/v1/admin/contests/%d/rubric", c), essayRubric, request{token: org}), http.StatusOK)
	e.clock.Set(testNow.Add(time.Hour))
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/admin/contests/%d/assignments", c), map[string]any{"judges_per_essay": 2}, request{token: org}), http.StatusOK)

	var sameUnit, badEssays int
	e.db.Get(&sameUnit, `SELECT count(*) FROM essay_assignments a JOIN essays s ON s.id = a.essay_id JOIN users j ON j.id = a.judge_id
		WHERE j.unit_id = s.author_unit_id`)
	e.db.Get(&badEssays, `SELECT count(*) FROM (SELECT essay_id FROM essay_assignments GROUP BY essay_id HAVING count(*) <> 2) x`)
	var lo, hi, judges int
	e.db.QueryRow(`SELECT min(n), max(n), count(*) FROM (SELECT count(*) AS n FROM essay_assignments GROUP BY judge_id) x`).Scan(&lo, &hi, &judges)
	if sameUnit != 0 || badEssays != 0 || judges != 10 || hi-lo > 1 || lo != 20 {
		t.Fatalf("same-unit seats %d, essays without 2 judges %d, %d judges with loads %d..%d", sameUnit, badEssays, judges, lo, hi)
	}
}

func essayActorOf(id int64) essay.Actor { return essay.Actor{ID: id, Role: essay.RoleParticipant} }

func essayDraft() essay.Draft {
	return essay.Draft{Title: "Việc tốt trên mạng", Body: essayBody, Declaration: true}
}
