#!/usr/bin/env bash
# Lighthouse on the participant quiz page of a local server: prints the
# mobile performance and accessibility scores (issue 7's target: 95 or more)
# and what the page transfers on first load (target: under 60 KB).
#
#   ./scripts/lighthouse.sh            # any extra arguments go to lighthouse
#
# It installs lighthouse 12.2.3 with npm under .data/lighthouse/ (git-ignored),
# uses the machine's Chromium (/usr/bin/chromium, or LAWCONTEST_CHROMIUM),
# brings up PostgreSQL and Redis as run.sh does, builds and seeds the demo
# in a database of its own (lawcontest_lighthouse, Redis database 12; or
# LAWCONTEST_LIGHTHOUSE_DATABASE_URL and LAWCONTEST_LIGHTHOUSE_REDIS_URL),
# serves it on a free 127.0.0.1 port, registers a participant through the
# API, starts an attempt in the demo's open round and audits /attempts/{id}
# with that participant's session. The full report is left in
# .data/lighthouse/report.json and report.html.
set -euo pipefail

. "$(dirname "$0")/lib/services.sh"

lc_init lighthouse

LH_VERSION=12.2.3
LH_DIR=$LC_DATA/lighthouse
CHROMIUM=${LAWCONTEST_CHROMIUM:-/usr/bin/chromium}

lc_ensure_go
lc_ensure_cmd node nodejs
lc_ensure_cmd npm npm
[[ -x $CHROMIUM ]] || lc_apt_install chromium
# Never the developer's own database: each run registers a participant and
# leaves an attempt that would show on the demo round's public board.
lc_own_services LIGHTHOUSE lawcontest_lighthouse 12
cd "$LC_ROOT"

if ! grep -qs "\"version\": \"$LH_VERSION\"" "$LH_DIR/node_modules/lighthouse/package.json"; then
	lc_log "npm install lighthouse@$LH_VERSION into .data/lighthouse"
	mkdir -p "$LH_DIR"
	npm install --prefix "$LH_DIR" --no-audit --no-fund --loglevel=error "lighthouse@$LH_VERSION" >&2
fi

bin=$LC_INST/lawcontest
lc_log "building $bin"
go build -o "$bin" .
"$bin" migrate
"$bin" seed demo </dev/null >/dev/null

port=$(lc_free_port 18100)
url="http://127.0.0.1:$port"
lc_log "lawcontest serve on 127.0.0.1:$port"
LISTEN_ADDR="127.0.0.1:$port" LOG_LEVEL=warn "$bin" serve </dev/null &
server=$!
stop_server() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
lc_on_exit stop_server "$server"
for ((i = 0; i < 300; i++)); do
	kill -0 "$server" 2>/dev/null || lc_die "lawcontest serve exited before it was ready"
	[[ $(lc_http_status "$url/readyz") == 200 ]] && break
	sleep 0.1
done

CHROME_PATH=$CHROMIUM node "$LC_ROOT/scripts/lighthouse/run.mjs" "$url" "$LH_DIR" "$@"
