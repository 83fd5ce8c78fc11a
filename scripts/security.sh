#!/usr/bin/env bash
# Scan a local lawcontest for SQL injection with sqlmap (Debian package).
#
# Starts its own server (like run.sh: build, migrate, seed demo, serve on a
# free port) on a database of its own (lawcontest_security, or
# LAWCONTEST_SECURITY_DATABASE_URL) and Redis database 13 (or
# LAWCONTEST_SECURITY_REDIS_URL), then runs sqlmap, bounded and
# non-interactive, against: login, registration, unit search, the question
# list (as the demo organizer, with a bearer token) and the live board. It
# exits 1 when sqlmap reports an injection point or a scan could not run.
#
# Knobs: SECURITY_LEVEL (sqlmap --level, default 2), SECURITY_RISK (--risk,
# default 1), SECURITY_TARGET_TIMEOUT (seconds per target, default 900).
# Not part of scripts/test.sh: it takes minutes.
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
. "$(dirname "$0")/lib/services.sh"

LEVEL=${SECURITY_LEVEL:-2}
RISK=${SECURITY_RISK:-1}
TARGET_TIMEOUT=${SECURITY_TARGET_TIMEOUT:-900}

lc_init security
lc_ensure_go
lc_ensure_cmd sqlmap sqlmap
lc_ensure_cmd curl curl
lc_ensure_cmd python3 python3
lc_ensure_cmd redis-cli redis-tools

# Never the developer's own database: the scan registers junk.
lc_own_services SECURITY lawcontest_security 13

# The server's rate limits would answer most of sqlmap's thousands of
# requests with 429 before any SQL runs, and the scan would prove nothing.
# So the scanned server talks to Redis as a user that may touch the board
# keys only: the limiter's counters are refused, and the limiter fails open
# (as it does when Redis is down). The limits are tested in the Go suite.
scan_user=lawcontest-scan-$$
scan_pass=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
redis-cli -u "$REDIS_URL" ACL SETUSER "$scan_user" on ">$scan_pass" resetkeys '~lc:lb:*' '&*' +@all >/dev/null
# shellcheck disable=SC2317 # called at exit through lc_on_exit
drop_scan_user() { redis-cli -u "$REDIS_URL" ACL DELUSER "$scan_user" >/dev/null; }
lc_on_exit drop_scan_user
hostport=$(lc_url_hostport "$REDIS_URL" 6379)
server_redis="redis://$scan_user:$scan_pass@${hostport% *}:${hostport#* }/$(lc_url_path "$REDIS_URL" 0)"

cd "$LC_ROOT"
bin=$LC_INST/lawcontest
lc_log "building $bin"
go build -o "$bin" .
lc_log "migrate and seed demo on $(lc_redact "$DATABASE_URL")"
REDIS_URL=$server_redis "$bin" migrate >/dev/null
REDIS_URL=$server_redis "$bin" seed demo </dev/null >/dev/null

port=$(lc_free_port 18080)
url="http://127.0.0.1:$port"
log=$LC_INST/server.log
lc_log "lawcontest serve on 127.0.0.1:$port (log: $log)"
REDIS_URL=$server_redis LISTEN_ADDR=127.0.0.1:$port LOG_LEVEL=error "$bin" serve </dev/null >"$log" 2>&1 &
server=$!
# shellcheck disable=SC2317 # called at exit through lc_on_exit
stop_server() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
}
lc_on_exit stop_server "$server"
for ((i = 0; i < 600; i++)); do
	kill -0 "$server" 2>/dev/null || lc_die "lawcontest serve exited before it was ready: $(tail -5 "$log")"
	[[ $(lc_http_status "$url/readyz") == 200 ]] && break
	sleep 0.1
done
[[ $(lc_http_status "$url/readyz") == 200 ]] || lc_die "$url/readyz did not answer 200 within 60 s"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token=$(curl -sf -H 'Content-Type: application/json' -d '{"login":"bantochuc","password":"bantochuc-demo-2026"}' \
	"$url/api/v1/sessions" | json 'd["token"]')
ptoken=$(curl -sf -H 'Content-Type: application/json' -d '{"login":"0912000001","password":"thisinh-demo-2026"}' \
	"$url/api/v1/sessions" | json 'd["token"]')
contest=$(curl -sf "$url/api/v1/contests" | json '[c["id"] for c in d["contests"] if c["kind"] == "quiz"][0]')
round=$(curl -sf "$url/api/v1/contests/$contest" | json '[r["id"] for r in d["contest"]["rounds"] if not r.get("practice")][0]')
unit=$(curl -sf "$url/api/v1/units?q=truong&limit=1" | json 'd["units"][0]["id"]')
[[ -n $token && -n $ptoken && -n $round && -n $unit ]] || lc_die "the demo data is missing (token, round or unit)"

out=$LC_INST/sqlmap
rm -rf "$out"
mkdir -p "$out"
# --drop-set-cookie: sqlmap would otherwise send back the session cookie
# that login and register set, and every later POST would be refused for
# its missing CSRF token (403) before reaching any SQL.
common=(--batch --level "$LEVEL" --risk "$RISK" --dbms PostgreSQL --time-sec 2 --timeout 10 --retries 1
	--drop-set-cookie --flush-session --disable-coloring --output-dir "$out" -v 1)

failed=()
declare -A result
scan() {
	local name=$1 rc=0
	shift
	lc_log "sqlmap: $name"
	timeout "$TARGET_TIMEOUT" sqlmap "${common[@]}" "$@" >"$out/$name.txt" 2>&1 || rc=$?
	codes=$(grep -A1 'HTTP error codes detected' "$out/$name.txt" | tail -1 || true)
	if grep -q 'identified the following injection point' "$out/$name.txt"; then
		result[$name]="INJECTION FOUND"
		failed+=("$name")
	elif ((rc == 124)); then
		result[$name]="not finished within ${TARGET_TIMEOUT}s"
		failed+=("$name")
	elif grep -q 'all tested parameters do not appear to be injectable' "$out/$name.txt" && ((rc == 0)); then
		result[$name]="no injection ($(grep -c "testing '" "$out/$name.txt") tests; answers other than 2xx: ${codes:-none})"
	else
		result[$name]="scan failed (exit $rc)"
		failed+=("$name")
	fi
	lc_log "sqlmap: $name: ${result[$name]} (output: $out/$name.txt)"
}

# A wrong login is a 401, which sqlmap takes for "give me credentials"
# unless told it is an ordinary answer.
scan login -u "$url/api/v1/sessions" --method POST --ignore-code 401 \
	--data '{"login":"0912000001","password":"thisinh-demo-2026"}'
scan register -u "$url/api/v1/participants" --method POST \
	--data '{"full_name":"Lê Văn Kiểm","birth_date":"2001-02-03","phone":"0912999001","password":"mat-khau-kiem-tra","citizen_id":"001201999001","email":"kiem.tra@example.vn","unit_id":"'"$unit"'","category":"nguoi_dan"}'
scan units -u "$url/api/v1/units?q=truong&limit=5"
scan questions -u "$url/api/v1/admin/questions?category=Lu%E1%BA%ADt%20Tr%E1%BA%BB%20em&difficulty=easy&q=tre&limit=5&offset=0" \
	--headers "Authorization: Bearer $token"
scan board -u "$url/api/v1/rounds/$round/leaderboard?limit=10&offset=0&unit_id=$unit"
scan board-path -u "$url/api/v1/rounds/$round*/leaderboard?limit=10"
scan session-cookie -u "$url/api/v1/me" --cookie "lc_session=$ptoken" -p lc_session --ignore-code 401

echo
echo "sqlmap (--level $LEVEL --risk $RISK) against $url:"
for name in login register units questions board board-path session-cookie; do
	printf '  %-11s %s\n' "$name" "${result[$name]}"
done
if ((${#failed[@]})); then
	lc_log "FAILED: ${failed[*]}"
	exit 1
fi
lc_log "no injection found"
