#!/usr/bin/env bash
# Check and test the whole tree: gofmt, go vet, staticcheck, then
# go test -race -count=1 -timeout 15m ./... (browser tests included).
#
# Services: LAWCONTEST_TEST_DATABASE_URL / LAWCONTEST_TEST_REDIS_URL when they
# answer, otherwise private PostgreSQL and Redis under .data/test/, stopped at
# exit. Chromium, gcc (for -race), Go, PostgreSQL and Redis are installed with
# apt-get when missing.
#
# Extra arguments go to go test, e.g. ./scripts/test.sh -run Login ./server/...
# (./... is added when no package is named). LAWCONTEST_SKIP_CHECKS=1 skips
# gofmt, vet and staticcheck. The exit status is go test's, or 1 when go test
# passed but a check failed.
set -euo pipefail

# staticcheck 2026.2.2; its go.mod asks for Go 1.26.
STATICCHECK_VERSION=${LAWCONTEST_STATICCHECK_VERSION:-v0.8.2}

# shellcheck source=scripts/lib/services.sh
. "$(dirname "$0")/lib/services.sh"

lc_init test
lc_ensure_go
lc_ensure_cmd gcc gcc libc6-dev # the race detector needs cgo
export CGO_ENABLED=1
if [[ -n ${LAWCONTEST_CHROMIUM:-} ]]; then
	[[ -x $LAWCONTEST_CHROMIUM ]] || lc_die "LAWCONTEST_CHROMIUM=$LAWCONTEST_CHROMIUM is not an executable"
elif ! command -v chromium >/dev/null 2>&1; then
	lc_apt_install chromium fonts-dejavu-core
fi
# Chromium is there now: a browser test may not pass by skipping.
export LAWCONTEST_REQUIRE_BROWSER=1
lc_postgres LAWCONTEST_TEST_DATABASE_URL "$LC_DEFAULT_TEST_DATABASE_URL"
lc_redis LAWCONTEST_TEST_REDIS_URL "$LC_DEFAULT_TEST_REDIS_URL"
cd "$LC_ROOT"

failed=()
if [[ ${LAWCONTEST_SKIP_CHECKS:-0} != 1 ]]; then
	lc_log "gofmt -l"
	mapfile -t unformatted < <(find . \( -path ./.git -o -path ./.data -o -path ./vendor \
		-o -name testdata -o -name node_modules \) -prune -o -type f -name '*.go' -print0 |
		xargs -0 -r gofmt -l)
	if ((${#unformatted[@]})); then
		printf 'needs gofmt -w: %s\n' "${unformatted[@]}" >&2
		failed+=(gofmt)
	fi

	lc_log "go vet ./..."
	go vet ./... || failed+=(vet)

	sc=$LC_DATA/bin/staticcheck
	stamp="$STATICCHECK_VERSION $(go env GOVERSION)"
	if [[ ! -x $sc || $(cat "$sc.version" 2>/dev/null) != "$stamp" ]]; then
		lc_log "installing staticcheck $STATICCHECK_VERSION into .data/bin"
		if GOBIN=$LC_DATA/bin go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"; then
			echo "$stamp" >"$sc.version"
		else
			rm -f "$sc.version"
		fi
	fi
	lc_log "staticcheck ./..."
	if [[ -f $sc.version ]]; then
		"$sc" ./... || failed+=(staticcheck)
	else
		failed+=(staticcheck)
	fi

	if ((${#failed[@]})); then
		lc_log "checks FAILED: ${failed[*]} (running the tests anyway)"
	fi
fi

args=("$@")
named=0
for a in "$@"; do
	case $a in
	./* | ../* | lawcontest | lawcontest/* | all) named=1 ;;
	esac
done
((named)) || args+=(./...)

lc_log "go test -race -count=1 -timeout 15m ${args[*]}"
rc=0
go test -race -count=1 -timeout 15m "${args[@]}" || rc=$?
if ((rc == 0 && ${#failed[@]})); then
	echo "test.sh: go test passed, but these checks failed: ${failed[*]}" >&2
	rc=1
fi
exit "$rc"
