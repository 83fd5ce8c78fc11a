package server

import (
	"context"
	"net/http"
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
