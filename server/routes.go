package server

import (
	"compress/gzip"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"lawcontest/server/ratelimit"
)

// route is one line of the route table: who may call what.
type route struct {
	method  string
	path    string
	access  access
	handler echo.HandlerFunc
	// maxBody overrides defaultMaxBody for routes that take files or essays.
	maxBody int64
	// perUser is a rate limit per signed-in caller (429 once spent).
	perUser *ratelimit.Rule
	// bare routes (health, metrics, static files) skip the session lookup,
	// CSRF check and load shedding: they must answer even under overload.
	bare bool
	// newWork routes start something (an attempt): under overload they are
	// shed first, so that those already answering keep being served (see
	// shedNewWork).
	newWork bool
}

// routes is the one route table of the server. Every route is declared here
// with its access rule; the authorization test walks this table.
func (a *App) routes() []route {
	return []route{
		// Operations.
		{method: http.MethodGet, path: "/healthz", access: public, handler: a.healthz, bare: true},
		{method: http.MethodGet, path: "/readyz", access: public, handler: a.readyz, bare: true},
		{method: http.MethodGet, path: "/metrics", access: public, handler: a.serveMetrics, bare: true},
		{method: http.MethodGet, path: "/static/*", access: public, handler: a.static, bare: true},

		// Identity.
		{method: http.MethodPost, path: "/api/v1/participants", access: public, handler: a.register},
		{method: http.MethodPost, path: "/api/v1/sessions", access: public, handler: a.login},
		{method: http.MethodDelete, path: "/api/v1/sessions", access: signedIn, handler: a.logout},
		{method: http.MethodDelete, path: "/api/v1/sessions/all", access: signedIn, handler: a.logoutEverywhere},
		{method: http.MethodGet, path: "/api/v1/session", access: public, handler: a.currentSession},
		{method: http.MethodGet, path: "/api/v1/me", access: signedIn, handler: a.me},
		{method: http.MethodPatch, path: "/api/v1/me", access: participant, handler: a.updateMyProfile},
		{method: http.MethodGet, path: "/api/v1/units", access: public, handler: a.searchUnits},
		{method: http.MethodPost, path: "/api/v1/admin/users", access: admin, handler: a.createStaff},
		{method: http.MethodGet, path: "/api/v1/admin/participants", access: organizer, handler: a.listParticipants},
		{method: http.MethodPatch, path: "/api/v1/admin/participants/:id", access: organizer, handler: a.correctParticipant},
		{method: http.MethodGet, path: "/api/v1/admin/audit", access: organizer, handler: a.listAudit},
		{method: http.MethodGet, path: "/admin", access: organizer, handler: a.adminPage},

		// Question bank.
		{method: http.MethodGet, path: "/api/v1/admin/questions", access: organizer, handler: a.listQuestions},
		{method: http.MethodPost, path: "/api/v1/admin/questions", access: organizer, handler: a.createQuestion},
		{method: http.MethodGet, path: "/api/v1/admin/questions/categories", access: organizer, handler: a.questionCategories},
		{method: http.MethodPost, path: "/api/v1/admin/questions/import", access: organizer, handler: a.importQuestions, maxBody: maxImportBody},
		{method: http.MethodGet, path: "/api/v1/admin/questions/export", access: organizer, handler: a.exportQuestions},
		{method: http.MethodGet, path: "/api/v1/admin/questions/template", access: organizer, handler: a.questionTemplate},
		{method: http.MethodGet, path: "/api/v1/admin/questions/:id", access: organizer, handler: a.getQuestion},
		{method: http.MethodPatch, path: "/api/v1/admin/questions/:id", access: organizer, handler: a.updateQuestion},
		{method: http.MethodDelete, path: "/api/v1/admin/questions/:id", access: organizer, handler: a.deleteQuestion},
		{method: http.MethodGet, path: "/admin/questions", access: organizer, handler: a.questionsPage},
		{method: http.MethodGet, path: "/admin/questions/new", access: organizer, handler: a.questionNewPage},
		{method: http.MethodGet, path: "/admin/questions/import", access: organizer, handler: a.questionImportPage},
		{method: http.MethodGet, path: "/admin/questions/:id/edit", access: organizer, handler: a.questionEditPage},

		// Contests and quiz rounds (issue 4).
		{method: http.MethodGet, path: "/api/v1/contests", access: public, handler: a.listContests},
		{method: http.MethodGet, path: "/api/v1/contests/:id", access: public, handler: a.getContest},
		{method: http.MethodGet, path: "/api/v1/admin/contests", access: organizer, handler: a.adminListContests},
		{method: http.MethodPost, path: "/api/v1/admin/contests", access: organizer, handler: a.createContest},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id", access: organizer, handler: a.adminGetContest},
		{method: http.MethodPatch, path: "/api/v1/admin/contests/:id", access: organizer, handler: a.updateContest},
		{method: http.MethodPost, path: "/api/v1/admin/contests/:id/rounds", access: organizer, handler: a.createRound},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id", access: organizer, handler: a.adminGetRound},
		{method: http.MethodPatch, path: "/api/v1/admin/rounds/:id", access: organizer, handler: a.updateRound},
		{method: http.MethodPost, path: startAttemptPath, access: participant, handler: a.startAttempt, perUser: &ruleStart, newWork: true},
		{method: http.MethodGet, path: attemptPath, access: participant, handler: a.getAttempt},
		{method: http.MethodPut, path: autosavePath, access: participant, handler: a.saveAnswer, perUser: &ruleAutosave},
		{method: http.MethodPut, path: predictionPath, access: participant, handler: a.savePrediction, perUser: &ruleAutosave},
		{method: http.MethodPost, path: "/api/v1/attempts/:id/submit", access: participant, handler: a.submitAttempt, perUser: &ruleSubmit},
		{method: http.MethodGet, path: "/api/v1/attempts/:id/review", access: participant, handler: a.reviewAttempt},
		{method: http.MethodGet, path: "/api/v1/me/attempts", access: participant, handler: a.myAttempts},
		{method: http.MethodGet, path: "/contests/:id", access: public, handler: a.contestPage},
		{method: http.MethodGet, path: "/attempts/:id", access: participant, handler: a.quizPage},
		{method: http.MethodGet, path: "/attempts/:id/review", access: participant, handler: a.reviewPage},
		{method: http.MethodGet, path: "/sw.js", access: public, handler: a.serviceWorker, bare: true},
		{method: http.MethodGet, path: "/admin/contests", access: organizer, handler: a.adminContestsPage},
		{method: http.MethodGet, path: "/admin/contests/new", access: organizer, handler: a.adminNewContestPage},
		{method: http.MethodGet, path: "/admin/contests/:id", access: organizer, handler: a.adminContestPage},
		{method: http.MethodGet, path: "/admin/contests/:id/rounds/new", access: organizer, handler: a.adminNewRoundPage},
		{method: http.MethodGet, path: "/admin/rounds/:id", access: organizer, handler: a.adminRoundPage},

		// Live leaderboards (issue 5).
		{method: http.MethodGet, path: boardPath, access: public, handler: a.roundLeaderboard},
		{method: http.MethodGet, path: boardMinePath, access: participant, handler: a.myLeaderboard},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id/leaderboard", access: organizer, handler: a.adminBoardSettings},
		{method: http.MethodPut, path: "/api/v1/admin/rounds/:id/leaderboard", access: organizer, handler: a.setBoardSettings},
		{method: http.MethodGet, path: "/rounds/:id/leaderboard", access: public, handler: a.leaderboardPage},

		// Pages.
		{method: http.MethodGet, path: "/", access: public, handler: a.homePage},
		{method: http.MethodGet, path: "/register", access: public, handler: a.registerPage},
		{method: http.MethodGet, path: "/login", access: public, handler: a.loginPage},

		// Closing, final results, publication, exports and statistics (issue 5).
		{method: http.MethodPost, path: "/api/v1/admin/rounds/:id/close", access: organizer, handler: a.closeRound},
		{method: http.MethodPost, path: "/api/v1/admin/rounds/:id/publish", access: organizer, handler: a.publishResults},
		{method: http.MethodGet, path: "/api/v1/rounds/:id/results", access: public, handler: a.publicResults},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id/results", access: organizer, handler: a.adminResults},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id/stats", access: organizer, handler: a.roundStats},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id/live", access: organizer, handler: a.roundLive},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id/board", access: organizer, handler: a.adminBoard},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id/prizes", access: organizer, handler: a.roundPrizes},
		{method: http.MethodPut, path: "/api/v1/admin/rounds/:id/prizes", access: organizer, handler: a.setRoundPrizes},
		{method: http.MethodGet, path: "/api/v1/admin/rounds/:id/duplicates", access: organizer, handler: a.roundDuplicates},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/prize-rules", access: organizer, handler: a.contestPrizeRules},
		{method: http.MethodPut, path: "/api/v1/admin/contests/:id/prize-rules", access: organizer, handler: a.setContestPrizeRules},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/disqualifications", access: organizer, handler: a.listDisqualifications},
		{method: http.MethodPost, path: "/api/v1/admin/contests/:id/disqualifications", access: organizer, handler: a.disqualify},
		{method: http.MethodPost, path: "/api/v1/admin/contests/:id/disqualifications/:participant_id/lift", access: organizer, handler: a.liftDisqualification},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/unit-rankings", access: organizer, handler: a.unitRankings},
		{method: http.MethodGet, path: "/rounds/:id/results", access: public, handler: a.resultsPage},
		{method: http.MethodGet, path: "/admin/rounds/:id/live", access: organizer, handler: a.liveRoundPage},
		{method: http.MethodGet, path: "/admin/rounds/:id/live/panel", access: organizer, handler: a.liveRoundPanel},
		{method: http.MethodGet, path: "/admin/contests/:id/units", access: organizer, handler: a.unitRankingsPage},

		// Essay contests and judging (contest/essay).
		{method: http.MethodPost, path: "/api/v1/contests/:id/essays", access: participant, handler: a.submitEssay, maxBody: essayMaxBody},
		{method: http.MethodGet, path: "/api/v1/contests/:id/essays/mine", access: participant, handler: a.myContestEssay},
		{method: http.MethodGet, path: "/api/v1/contests/:id/essay-info", access: public, handler: a.essayInfo},
		{method: http.MethodPut, path: "/api/v1/essays/:id", access: participant, handler: a.editEssay, maxBody: essayMaxBody},
		{method: http.MethodGet, path: "/api/v1/me/essays", access: participant, handler: a.myEssays},
		{method: http.MethodGet, path: "/api/v1/contests/:id/essay-results", access: public, handler: a.essayResults},
		{method: http.MethodGet, path: "/api/v1/judge/assignments", access: judge, handler: a.judgeAssignments},
		{method: http.MethodGet, path: "/api/v1/judge/assignments/:id", access: judge, handler: a.judgeAssignment},
		{method: http.MethodPut, path: "/api/v1/judge/assignments/:id", access: judge, handler: a.scoreAssignment},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/essay-settings", access: organizer, handler: a.essaySettings},
		{method: http.MethodPut, path: "/api/v1/admin/contests/:id/essay-settings", access: organizer, handler: a.setEssaySettings},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/rubric", access: organizer, handler: a.essayRubric},
		{method: http.MethodPut, path: "/api/v1/admin/contests/:id/rubric", access: organizer, handler: a.setEssayRubric},
		{method: http.MethodPost, path: "/api/v1/admin/contests/:id/assignments", access: organizer, handler: a.assignJudges},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/judging", access: organizer, handler: a.essayJudging},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/essay-duplicates", access: organizer, handler: a.essayDuplicates},
		{method: http.MethodPost, path: "/api/v1/admin/contests/:id/shortlist", access: organizer, handler: a.shortlistEssays},
		{method: http.MethodPost, path: "/api/v1/admin/essays/:id/disqualify", access: organizer, handler: a.disqualifyEssay},
		{method: http.MethodPost, path: "/api/v1/admin/contests/:id/essay-results/publish", access: organizer, handler: a.publishEssayResults},
		{method: http.MethodGet, path: "/api/v1/admin/contests/:id/essay-results", access: organizer, handler: a.exportEssayResults},
		{method: http.MethodGet, path: "/contests/:id/essay", access: participant, handler: a.essayPage},
		{method: http.MethodGet, path: "/contests/:id/essay-results", access: public, handler: a.essayResultsPage},
		{method: http.MethodGet, path: "/judge", access: judge, handler: a.judgePage},
		{method: http.MethodGet, path: "/judge/assignments/:id", access: judge, handler: a.judgeSheetPage},
		{method: http.MethodGet, path: "/admin/contests/:id/essays", access: organizer, handler: a.essayAdminPage},
	}
}

func (a *App) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	if a.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(a.observe, a.securityHeaders)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: gzip.BestSpeed, MinLength: gzipMinLength, Skipper: skipGzip}))
	for _, r := range a.routes() {
		var mw []echo.MiddlewareFunc
		if !r.bare {
			maxBody := r.maxBody
			if maxBody == 0 {
				maxBody = defaultMaxBody
			}
			if r.newWork {
				mw = append(mw, a.shedNewWork)
			}
			mw = append(mw, a.shedLoad, limitBody(maxBody), a.loadSession, a.checkCSRF, require(r.access))
			if r.perUser != nil {
				mw = append(mw, a.limitPerUser(*r.perUser))
			}
		}
		e.Add(r.method, r.path, r.handler, mw...)
	}
	return e
}

// Paths that the middleware (skipGzip, quietRoutes) or the route table
// name more than once.
const (
	startAttemptPath = "/api/v1/rounds/:id/attempts"
	attemptPath      = "/api/v1/attempts/:id"
	boardPath        = "/api/v1/rounds/:id/leaderboard"
	boardMinePath    = "/api/v1/rounds/:id/leaderboard/me"
	autosavePath     = "/api/v1/attempts/:id/answers/:question_id"
	predictionPath   = "/api/v1/attempts/:id/prediction"
)

// skipGzip leaves the gzip middleware out where it costs more than it
// saves. The middleware resets a compressor for every request it wraps,
// even one answered with no body, and the load test's profile showed
// those resets on every autosave: so only GET and HEAD responses (pages,
// lists) are compressed, at the fastest level. The live board compresses
// its cached page once itself (board_bodies.go), and a start's or a
// reload's paper is compressed by its handler (attempt_body.go).
func skipGzip(c echo.Context) bool {
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead:
		return c.Path() == boardPath || c.Path() == attemptPath
	}
	return true
}

// gzipMinLength is the smallest body worth compressing, for the middleware
// and for the handlers that compress their own (attempt_body.go).
const gzipMinLength = 1024

// acceptsGzip reads Accept-Encoding as the gzip middleware does.
func acceptsGzip(r *http.Request) bool {
	return strings.Contains(r.Header.Get(echo.HeaderAcceptEncoding), "gzip")
}
