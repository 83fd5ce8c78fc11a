package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lawcontest/account"
	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/server/ratelimit"
)

// Rate-limit rules for signing in and registering. The per-IP budgets are
// generous because a whole school often shares one address.
var (
	ruleLoginFailures = ratelimit.Rule{Name: "login-fail", Limit: 5, Window: 15 * time.Minute}
	ruleLoginIP       = ratelimit.Rule{Name: "login-ip", Limit: 600, Window: 10 * time.Minute}
	ruleRegisterIP    = ratelimit.Rule{Name: "register-ip", Limit: 300, Window: 10 * time.Minute}
)

// Per-participant budgets of the quiz routes (set in the route table with
// perUser). A person starts or resumes a few times a minute and autosaves
// at most a few times a second; a phone coming back online replays up to a
// whole paper (100 answers) at once. These leave room for all of that and
// stop a script hammering one account.
var (
	ruleStart    = ratelimit.Rule{Name: "start", Limit: 30, Window: time.Minute}
	ruleAutosave = ratelimit.Rule{Name: "autosave", Limit: 600, Window: time.Minute, Lease: 20}
	ruleSubmit   = ratelimit.Rule{Name: "submit", Limit: 30, Window: time.Minute}
)

// participantView is a participant's own data, as sent to them.
type participantView struct {
	ID          string  `json:"id"`
	Role        string  `json:"role"`
	FullName    string  `json:"full_name"`
	DisplayName string  `json:"display_name"`
	BirthDate   string  `json:"birth_date,omitempty"`
	Phone       string  `json:"phone,omitempty"`
	CitizenID   *string `json:"citizen_id,omitempty"`
	Email       *string `json:"email,omitempty"`
	UnitID      *string `json:"unit_id,omitempty"`
	Category    *string `json:"category,omitempty"`
	Username    string  `json:"username,omitempty"`
}

func viewOf(u *account.User) participantView {
	v := participantView{ID: idString(u.ID), Role: u.Role, FullName: u.FullName, DisplayName: u.DisplayName,
		CitizenID: u.CitizenID, Email: u.Email, Category: u.Category}
	if u.BirthDate != nil {
		v.BirthDate = u.BirthDate.Format("2006-01-02")
	}
	if u.Phone != nil {
		v.Phone = *u.Phone
	}
	if u.Username != nil {
		v.Username = *u.Username
	}
	if u.UnitID != nil {
		s := idString(*u.UnitID)
		v.UnitID = &s
	}
	return v
}

// userBrief is what login and the session endpoint say about the user.
type userBrief struct {
	ID          string `json:"id"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name"`
}

func briefOf(u *account.User) *userBrief {
	return &userBrief{ID: idString(u.ID), Role: u.Role, DisplayName: u.DisplayName}
}

func (a *App) register(c echo.Context) error {
	ctx := c.Request().Context()
	if ok, wait := a.limiter.Allow(ctx, ruleRegisterIP, c.RealIP()); !ok {
		return rateLimited(wait)
	}
	var r account.Registration
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	u, err := a.accounts.Register(ctx, r)
	if err != nil {
		return err
	}
	token, sess, err := a.startSession(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"participant": viewOf(u),
		"token":       token,
		"csrf_token":  a.csrfToken(sess),
	})
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (a *App) login(c echo.Context) error {
	ctx := c.Request().Context()
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	if strings.TrimSpace(req.Login) == "" {
		f.Add("login", "login.login_required")
	}
	if req.Password == "" {
		f.Add("password", "login.password_required")
	}
	if len(req.Login) > 200 || len(req.Password) > 4*account.MaxPasswordLen {
		return apperr.New(apperr.Unauthenticated, "login.failed")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if ok, wait := a.limiter.Allow(ctx, ruleLoginIP, c.RealIP()); !ok {
		return rateLimited(wait)
	}
	// The failure budget is per login as typed, folded so that "0912..."
	// and "+84 912..." share one budget.
	loginKey := strings.ToLower(strings.TrimSpace(req.Login))
	if p, ok := account.NormalizePhone(req.Login); ok {
		loginKey = p
	}
	if over, wait := a.limiter.Exceeded(ctx, ruleLoginFailures, loginKey); over {
		return rateLimited(wait)
	}
	u, err := a.accounts.Authenticate(ctx, req.Login, req.Password)
	if apperr.Is(err, apperr.Unauthenticated) {
		a.limiter.Allow(ctx, ruleLoginFailures, loginKey)
		return err
	}
	if err != nil {
		return err
	}
	a.limiter.Reset(ctx, ruleLoginFailures, loginKey)
	// A new token at every login (no session fixation); the session the
	// browser had before, if any, ends.
	if old := sessionOf(c); old != nil {
		a.endSession(ctx, old.TokenHash)
	}
	token, sess, err := a.startSession(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"user":       briefOf(u),
		"token":      token,
		"csrf_token": a.csrfToken(sess),
	})
}

// startSession creates a session and sets its cookie.
func (a *App) startSession(c echo.Context, u *account.User) (string, *account.Session, error) {
	token, sess, err := a.accounts.CreateSession(c.Request().Context(), u, a.sessions)
	if err != nil {
		return "", nil, err
	}
	c.SetCookie(&http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		Expires:  sess.ExpiresAt,
		HttpOnly: true,
		Secure:   a.cfg.SecureCookies || c.Request().TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	return token, sess, nil
}

func (a *App) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: a.cfg.SecureCookies || c.Request().TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (a *App) logout(c echo.Context) error {
	if err := a.endSession(c.Request().Context(), sessionOf(c).TokenHash); err != nil {
		return err
	}
	a.clearSessionCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// logoutEverywhere ends every session of the caller (a lost phone, a staff
// member leaving a shared computer).
func (a *App) logoutEverywhere(c echo.Context) error {
	s := sessionOf(c)
	if err := a.endAllSessions(c.Request().Context(), s.User.ID); err != nil {
		return err
	}
	a.clearSessionCookie(c)
	return c.NoContent(http.StatusNoContent)
}

func (a *App) currentSession(c echo.Context) error {
	s := sessionOf(c)
	var user *userBrief
	if s != nil {
		user = briefOf(s.User)
	}
	return c.JSON(http.StatusOK, map[string]any{"user": user, "csrf_token": a.csrfToken(s)})
}

func (a *App) me(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"user": viewOf(sessionOf(c).User)})
}

func (a *App) searchUnits(c echo.Context) error {
	limit, err := queryInt(c, "limit", 20, 1, 100)
	if err != nil {
		return err
	}
	units, err := a.accounts.SearchUnits(c.Request().Context(), c.QueryParam("q"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"units": units})
}

func (a *App) createStaff(c echo.Context) error {
	var n account.NewStaff
	if err := decodeJSON(c, &n); err != nil {
		return err
	}
	ctx := c.Request().Context()
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, err := a.accounts.CreateStaff(ctx, tx, n)
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, a.clock.Now(), actorOf(c), "user.create", "user", idString(u.ID),
		map[string]any{"username": n.Username, "role": u.Role}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return jsonEntity(c, http.StatusCreated, "user", viewOf(u))
}

// actorOf is the signed-in user as an audit actor.
func actorOf(c echo.Context) audit.Actor {
	s := sessionOf(c)
	if s == nil {
		return audit.System
	}
	return audit.Actor{ID: s.User.ID, Role: s.User.Role}
}

// endSession ends one session in Postgres and in every instance's session
// cache.
func (a *App) endSession(ctx context.Context, tokenHash []byte) error {
	if err := a.accounts.EndSession(ctx, tokenHash); err != nil {
		return err
	}
	a.announceSessions(ctx, sessionEndedMessage(tokenHash))
	return nil
}

// endAllSessions signs a user out everywhere, caches included.
func (a *App) endAllSessions(ctx context.Context, userID int64) error {
	if err := a.accounts.EndAllSessions(ctx, userID); err != nil {
		return err
	}
	a.userChanged(ctx, userID)
	return nil
}

// userChanged drops the user's cached sessions everywhere, after a change
// to the user (their profile) has been committed, so no request is served
// with the old data.
func (a *App) userChanged(ctx context.Context, userID int64) {
	a.announceSessions(ctx, userChangedMessage(userID))
}

func (a *App) announceSessions(ctx context.Context, msg string) {
	if err := a.sessionCache.announce(ctx, msg); err != nil {
		a.log.Warn("could not tell other instances that sessions ended; their caches expire them", "err", err)
	}
}
