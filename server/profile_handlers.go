package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"lawcontest/account"
	"lawcontest/apperr"
	"lawcontest/audit"
)

// hasTakenPart reports whether a participant has started any attempt or
// submitted an essay: from then on their registration data is locked
// (organizers verify winners against it) and only an organizer may correct
// it. Contest packages plug their checks into a.participation.
func (a *App) hasTakenPart(ctx context.Context, userID int64) (bool, error) {
	for _, p := range a.participation {
		took, err := p(ctx, userID)
		if err != nil || took {
			return took, err
		}
	}
	return false, nil
}

func (a *App) updateMyProfile(c echo.Context) error {
	var p account.ProfilePatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	ctx := c.Request().Context()
	me := sessionOf(c).User
	took, err := a.hasTakenPart(ctx, me.ID)
	if err != nil {
		return err
	}
	if took {
		return apperr.New(apperr.Conflict, "profile.locked")
	}
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, _, err := a.accounts.UpdateProfile(ctx, tx, me.ID, p, false)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	a.userChanged(ctx, me.ID)
	return c.JSON(http.StatusOK, map[string]any{"user": viewOf(u)})
}

func (a *App) listParticipants(c echo.Context) error {
	limit, err := queryInt(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	offset, err := queryInt(c, "offset", 0, 0, 10_000_000)
	if err != nil {
		return err
	}
	users, total, err := a.accounts.SearchParticipants(c.Request().Context(), c.QueryParam("q"), limit, offset)
	if err != nil {
		return err
	}
	views := make([]participantView, len(users))
	for i := range users {
		views[i] = viewOf(&users[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"participants": views, "total": total})
}

// correctParticipant is an organizer's correction of registration data,
// allowed at any time and audited with the old and new values.
func (a *App) correctParticipant(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p account.ProfilePatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	ctx := c.Request().Context()
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, changes, err := a.accounts.UpdateProfile(ctx, tx, id, p, true)
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		if err := audit.Record(ctx, tx, a.clock.Now(), actorOf(c), "participant.correct", "user", idString(id), changes); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	a.userChanged(ctx, id)
	return c.JSON(http.StatusOK, map[string]any{"participant": viewOf(u)})
}
