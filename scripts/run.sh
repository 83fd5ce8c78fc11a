#!/usr/bin/env bash
# Build lawcontest and run it locally with demo data.
#
# Uses DATABASE_URL / REDIS_URL when they answer, otherwise private PostgreSQL
# and Redis servers under .data/run/ (installed with apt-get when missing).
# Then: build, migrate, seed the demo, serve on LISTEN_ADDR (default
# 127.0.0.1:8080, the next free port when that one is taken) and wait for
# Ctrl-C, which stops the server and whatever this script started.
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
. "$(dirname "$0")/lib/services.sh"

lc_init run

# shellcheck disable=SC2317 # called at exit through lc_on_exit
stop_server() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	lc_log "stopping lawcontest (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# A server left behind by a killed run of this script: stop it.
old=$(cat "$LC_INST/server.pid" 2>/dev/null || true)
if lc__pid_is "$old" lawcontest; then
	lc_log "stopping a lawcontest left running from an earlier run"
	stop_server "$old"
fi

lc_ensure_go
lc_postgres DATABASE_URL "$LC_DEFAULT_DATABASE_URL"
lc_redis REDIS_URL "$LC_DEFAULT_REDIS_URL"
cd "$LC_ROOT"

lc_log "building ./lawcontest"
go build -o lawcontest .

lc_log "lawcontest migrate"
./lawcontest migrate

lc_log "lawcontest seed demo"
logins=$(./lawcontest seed demo </dev/null)
[[ -n $logins ]] || logins="(lawcontest seed demo printed nothing)"

# The listening address: LISTEN_ADDR as given, or 127.0.0.1:8080 or the next free port.
addr=${LISTEN_ADDR:-127.0.0.1:8080}
host=${addr%:*}
port=${addr##*:}
[[ $port =~ ^[0-9]+$ ]] || lc_die "LISTEN_ADDR=$addr: expected HOST:PORT"
case $host in
'' | 0.0.0.0 | '[::]' | '::') probe=127.0.0.1 ;;
'[::1]') probe=::1 ;;
*)
	probe=${host#[}
	probe=${probe%]}
	;;
esac
if lc_tcp_open "$probe" "$port"; then
	[[ -n ${LISTEN_ADDR:-} ]] && lc_die "LISTEN_ADDR=$addr: port $port is already in use"
	for ((p = port + 1; p < port + 100; p++)); do
		lc_tcp_open "$probe" "$p" || break
	done
	lc_tcp_open "$probe" "$p" && lc_die "no free port from $port to $p"
	lc_log "port $port is taken; using $p"
	port=$p
fi
export LISTEN_ADDR="$host:$port"
url="http://$probe:$port"
[[ $probe == *:* ]] && url="http://[$probe]:$port"

lc_log "lawcontest serve on $LISTEN_ADDR"
./lawcontest serve </dev/null &
server=$!
echo "$server" >"$LC_INST/server.pid"
lc_on_exit rm -f "$LC_INST/server.pid"
lc_on_exit stop_server "$server"

ready=0
for ((i = 0; i < 600; i++)); do
	if ! kill -0 "$server" 2>/dev/null; then
		rc=0
		wait "$server" || rc=$?
		lc_die "lawcontest serve exited with status $rc before it was ready"
	fi
	if [[ $(lc_http_status "$url/readyz") == 200 ]]; then
		ready=1
		break
	fi
	sleep 0.1
done
((ready)) || lc_die "$url/readyz did not answer 200 within 60 s (last: $(lc_http_status "$url/readyz"))"

cat <<EOF

================================================================
  lawcontest is running: $url/
  PostgreSQL: $(lc_redact "$DATABASE_URL")
  Redis:      $(lc_redact "$REDIS_URL")

  Demo data and logins (lawcontest seed demo):
    ${logins//$'\n'/$'\n'    }

  Press Ctrl-C to stop.
================================================================

EOF

rc=0
wait "$server" || rc=$?
lc_log "lawcontest serve exited with status $rc"
exit "$rc"
