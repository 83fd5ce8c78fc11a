// Package essay owns essay contests: submissions and their receipt codes,
// the word count and the masking of personal data that judges must not see,
// per-contest settings and rubrics (one per stage), judge assignment, scores,
// the discrepancy rule and final marks, judge statistics, near-duplicate
// detection, the preliminary shortlist, published results and the organizers'
// export. It knows nothing of HTTP: server/ calls a *Service and maps the
// *apperr.Error values it returns.
//
// Settings live in the essay_settings table (one row per essay contest,
// defaults when absent) rather than in contests.settings, so that they are
// typed, checked by Postgres and written only by this package.
package essay
