package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestProfileIsLockedOnceTakenPartAndOrganizerCorrectionsAreAudited(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok, id := e.participant()
	var out struct{ User participantView }
	e.expect(e.do("PATCH", "/api/v1/me", map[string]any{"full_name": "Trần Thị Bình An", "email": "binh@example.vn"}, request{token: tok}), http.StatusOK).decode(t, &out)
	if out.User.FullName != "Trần Thị Bình An" || out.User.Email == nil || *out.User.Email != "binh@example.vn" {
		t.Fatalf("patched: %+v", out.User)
	}
	res := e.expect(e.do("PATCH", "/api/v1/me", map[string]any{"phone": "0987000111"}, request{token: tok}), http.StatusUnprocessableEntity)
	if res.apiError(t).Fields["phone"] == "" {
		t.Fatal(string(res.Body))
	}

	// Once the participant has taken part, only an organizer may correct.
	e.app.participation = append(e.app.participation, func(context.Context, int64) (bool, error) { return true, nil })
	res = e.expect(e.do("PATCH", "/api/v1/me", map[string]any{"full_name": "Tên Khác"}, request{token: tok}), http.StatusConflict)
	if res.apiError(t).Code != "conflict" {
		t.Fatal(string(res.Body))
	}
	org := e.staff("organizer", "bantochuc")
	e.expect(e.do("PATCH", "/api/v1/admin/participants/"+id, map[string]any{"full_name": "Trần Thị Bình", "phone": "0987000111"}, request{token: org}), http.StatusOK)
	e.expect(e.do("PATCH", "/api/v1/admin/participants/"+id, map[string]any{"full_name": "Trần Thị Bình"}, request{token: tok}), http.StatusForbidden)
	var action string
	if err := e.db.Get(&action, "SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = $1", id); err != nil || action != "participant.correct" {
		t.Fatalf("audit: %q %v", action, err)
	}
	e.login("0987000111", "mat-khau-an-toan")
	var list struct {
		Participants []participantView
		Total        int
	}
	e.expect(e.do("GET", "/api/v1/admin/participants?q=tran%20thi%20binh", nil, request{token: org}), http.StatusOK).decode(t, &list)
	if list.Total != 1 || list.Participants[0].ID != id {
		t.Fatalf("search: %+v", list)
	}
}

func TestAdminDashboardAndAuditList(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	org := e.staff("organizer", "bantochuc")
	admin := e.staff("admin", "quantri")
	e.expect(e.do("POST", "/api/v1/admin/users", map[string]string{"username": "giamkhao9", "password": "mat-khau-gk-9", "role": "judge", "display_name": "GK 9"}, request{token: admin}), http.StatusCreated)
	var out struct {
		Entries []struct {
			Action    string `json:"action"`
			ActorName string `json:"actor_name"`
		} `json:"entries"`
	}
	e.expect(e.do("GET", "/api/v1/admin/audit?limit=10", nil, request{token: org}), http.StatusOK).decode(t, &out)
	if len(out.Entries) != 1 || out.Entries[0].Action != "user.create" || out.Entries[0].ActorName != "Cán bộ quantri" {
		t.Fatalf("audit: %+v", out)
	}
	part, _ := e.participant()
	e.expect(e.do("GET", "/api/v1/admin/audit", nil, request{token: part}), http.StatusForbidden)
	res := e.expect(e.do("GET", "/admin", nil, request{token: org}), http.StatusOK)
	if !strings.Contains(string(res.Body), "Quản trị cuộc thi") {
		t.Fatal("dashboard page")
	}
}
