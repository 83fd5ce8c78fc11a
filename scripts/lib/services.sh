# shellcheck shell=bash
# Shared by scripts/run.sh and scripts/test.sh (sourced, never run).
#
# It finds or installs Go >= 1.26, PostgreSQL and Redis (apt-get, Debian), and
# uses the PostgreSQL and Redis that the environment names when they answer;
# otherwise it starts private ones under .data/<name>/ on free ports and stops
# them again when the calling script exits (and only what it started).
#
#   lc_init NAME                        set paths and the exit trap; NAME is the
#                                       instance name (.data/NAME), e.g. run, test
#   lc_on_exit CMD [ARG...]             run CMD at exit (last registered first)
#   lc_ensure_go                        a Go >= 1.26 first on PATH
#   lc_ensure_cmd CMD PKG...            apt-get install PKG... when CMD is missing
#   lc_postgres VAR DEFAULT_URL         use $VAR (or DEFAULT_URL) or a private server
#   lc_redis VAR DEFAULT_URL            the same for Redis
#
# Knobs: LAWCONTEST_GO_TOOLCHAIN (the toolchain fetched through the Go module
# proxy when the local Go is older than 1.26, default below).

LC_GO_MIN_MINOR=26
LC_GO_TOOLCHAIN=${LAWCONTEST_GO_TOOLCHAIN:-go1.26.8}
# The defaults of the binary's contract (the scripts use them).
# shellcheck disable=SC2034
LC_DEFAULT_DATABASE_URL='postgres://postgres@127.0.0.1:5432/lawcontest?sslmode=disable&connect_timeout=5'
# shellcheck disable=SC2034
LC_DEFAULT_REDIS_URL='redis://127.0.0.1:6379/0'
# shellcheck disable=SC2034
LC_DEFAULT_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=5'
# shellcheck disable=SC2034
LC_DEFAULT_TEST_REDIS_URL='redis://127.0.0.1:6379/0'

LC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LC_DATA=$LC_ROOT/.data
LC_NAME=
LC_INST=
LC_APT_UPDATED=0
LC_EXIT_CMDS=()

lc_log() { printf '==> %s\n' "$*" >&2; }
# At exit test.sh stays quiet, so that go test's summary remains the last lines.
lc_log_exit() { [[ $LC_NAME == test ]] || lc_log "$@"; }
lc_warn() { printf '==> warning: %s\n' "$*" >&2; }
lc_die() {
	printf '==> error: %s\n' "$*" >&2
	exit 1
}

# lc_redact URL: the URL with its password replaced by ***.
lc_redact() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

# --- exit handling --------------------------------------------------------

lc_on_exit() { LC_EXIT_CMDS+=("$(printf '%q ' "$@")"); }

lc__run_exit() {
	local rc=$? i
	trap '' INT TERM
	trap - EXIT
	for ((i = ${#LC_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${LC_EXIT_CMDS[i]}" || true
	done
	exit "$rc"
}

lc_init() {
	LC_NAME=$1
	LC_INST=$LC_DATA/$LC_NAME
	mkdir -p "$LC_INST"
	trap lc__run_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lc__claim_instance
	# Go needs a home for its caches (CI may run with a bare environment).
	if [[ -z ${HOME:-} ]]; then
		HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
		export HOME=${HOME:-/root}
	fi
	# Without git, Go's VCS stamping fails inside a checkout.
	if ! command -v git >/dev/null 2>&1; then
		export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
	fi
}

# One live script per instance folder: .data/NAME/owner.pid names it.
lc__claim_instance() {
	local f=$LC_INST/owner.pid pid
	if ! (set -C && echo $$ >"$f") 2>/dev/null; then
		pid=$(cat "$f" 2>/dev/null || true)
		if [[ $pid =~ ^[0-9]+$ && $pid != "$$" ]] && kill -0 "$pid" 2>/dev/null &&
			tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -Eq '(run|test)\.sh'; then
			lc_die "another script (pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")) is using .data/$LC_NAME; stop it first"
		fi
		echo $$ >"$f"
	fi
	lc_on_exit rm -f "$f"
}

# --- packages -------------------------------------------------------------

lc__apt() {
	local sudo=()
	if [[ $EUID -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || lc_die "need root (or sudo) to run: apt-get $*"
		sudo=(sudo)
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
		-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 "$@"
}

lc_apt_update() {
	[[ $LC_APT_UPDATED == 1 ]] && return 0
	command -v apt-get >/dev/null 2>&1 ||
		lc_die "apt-get not found: install the missing tools by hand (see README)"
	lc_log "apt-get update"
	lc__apt update -qq >"$LC_DATA/apt.log" 2>&1 || {
		tail -n 20 "$LC_DATA/apt.log" >&2
		lc_die "apt-get update failed"
	}
	LC_APT_UPDATED=1
}

# lc_apt_install [-t SUITE] PKG...
lc_apt_install() {
	lc_apt_update
	lc_log "apt-get install $*"
	lc__apt install -y -qq --no-install-recommends "$@" >"$LC_DATA/apt.log" 2>&1 || {
		tail -n 30 "$LC_DATA/apt.log" >&2
		lc_die "apt-get install $* failed"
	}
}

lc_ensure_cmd() {
	local cmd=$1
	shift
	command -v "$cmd" >/dev/null 2>&1 || lc_apt_install "$@"
}

# --- Go -------------------------------------------------------------------

# lc__go_minor GO: the minor version of that go binary (26 for go1.26.8).
lc__go_minor() {
	local v
	v=$(cd / && GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || return 1
	[[ $v == go1.* ]] || return 1
	v=${v#go1.}
	v=${v%%[!0-9]*}
	[[ -n $v ]] && echo "$v"
}

# lc__deb_minor VERSION: 23 for a Debian version such as 2:1.23~2~bpo12+1.
lc__deb_minor() {
	local v=${1#*:}
	[[ $v == 1.* ]] || return 1
	v=${v#1.}
	v=${v%%[!0-9]*}
	[[ -n $v ]] && echo "$v"
}

# lc__debian_mirror CODENAME: the archive URI configured for that suite.
lc__debian_mirror() {
	local cn=$1 f
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk -v cn="$cn" 'BEGIN { RS = "" }
			{
				uri = ""; ok = 0; deb = 0
				n = split($0, l, "\n")
				for (i = 1; i <= n; i++) {
					if (l[i] ~ /^URIs:/) { split(l[i], a, " "); uri = a[2] }
					if (l[i] ~ /^Types:/ && l[i] ~ /[ \t]deb([ \t]|$)/) deb = 1
					if (l[i] ~ /^Suites:/) { m = split(l[i], s, " "); for (j = 2; j <= m; j++) if (s[j] == cn) ok = 1 }
				}
				if (ok && deb && uri != "") { print uri; exit }
			}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		awk -v cn="$cn" '$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
				if ($(i + 1) == cn) { print $i; exit }
			}' "$f"
	done
}

# lc__apt_go: install a Debian golang >= 1.21 (backports on bookworm).
lc__apt_go() {
	local cand minor suite cn mirror line
	lc_apt_update
	cand=$(apt-cache policy golang-go 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if minor=$(lc__deb_minor "$cand") && ((minor >= 21)); then
		lc_apt_install golang-go
		return
	fi
	# A newer golang-go in a suite that is configured but not the default?
	suite=$(apt-cache madison golang-go 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); split($3, s, " "); print $2, s[2] }' |
		while read -r ver s; do
			if m=$(lc__deb_minor "$ver") && ((m >= 21)); then
				echo "${s%%/*}"
				break
			fi
		done)
	if [[ -z $suite ]]; then
		cn=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
		[[ -n $cn ]] || lc_die "golang-go here is $cand (< 1.21) and no backports suite is known; install Go 1.26 by hand"
		mirror=$(lc__debian_mirror "$cn" | head -n 1)
		[[ -n $mirror ]] || lc_die "golang-go here is $cand (< 1.21) and no apt source for $cn was found to add $cn-backports"
		line="deb $mirror $cn-backports main"
		lc_log "golang-go here is $cand (< 1.21): adding '$line' to /etc/apt/sources.list.d/lawcontest-backports.list"
		echo "$line" | { if [[ $EUID -eq 0 ]]; then cat >/etc/apt/sources.list.d/lawcontest-backports.list; else sudo tee /etc/apt/sources.list.d/lawcontest-backports.list >/dev/null; fi; }
		LC_APT_UPDATED=0
		lc_apt_update
		suite=$cn-backports
		cand=$(apt-cache madison golang-go 2>/dev/null | awk -F'|' -v s="$suite" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }')
		if ! minor=$(lc__deb_minor "$cand") || ((minor < 21)); then
			lc_die "no golang-go >= 1.21 in $suite either; install Go 1.26 by hand"
		fi
	fi
	lc_apt_install -t "$suite" golang-go
}

lc_ensure_go() {
	local cand m pass boot="" goroot
	# HTTPS to the Go module proxy needs the CA bundle.
	[[ -f /etc/ssl/certs/ca-certificates.crt ]] || lc_apt_install ca-certificates
	for pass in 1 2; do
		for cand in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go /usr/lib/go/bin/go /usr/lib/go-1.*/bin/go; do
			[[ -n $cand && -x $cand ]] || continue
			m=$(lc__go_minor "$cand") || continue
			if ((m >= LC_GO_MIN_MINOR)); then
				goroot=$(cd / && GOTOOLCHAIN=local "$cand" env GOROOT)
				export PATH="$goroot/bin:$PATH"
				lc_log "Go: $("$goroot/bin/go" env GOVERSION) ($goroot)"
				return 0
			fi
			if ((m >= 21)) && [[ -z $boot ]]; then boot=$cand; fi
		done
		[[ -n $boot ]] && break
		[[ $pass == 1 ]] && lc__apt_go
	done
	[[ -n $boot ]] || lc_die "no Go >= 1.21 found or installable; install Go 1.26 by hand"
	# Go >= 1.21 fetches the wanted toolchain through the module proxy.
	lc_log "Go: $(cd / && GOTOOLCHAIN=local "$boot" env GOVERSION) at $boot is older than 1.$LC_GO_MIN_MINOR; using $LC_GO_TOOLCHAIN (GOTOOLCHAIN, fetched through the Go module proxy once)"
	goroot=$(cd / && GOTOOLCHAIN=$LC_GO_TOOLCHAIN "$boot" env GOROOT) ||
		lc_die "could not fetch the Go toolchain $LC_GO_TOOLCHAIN"
	export PATH="$goroot/bin:$PATH"
	export GOTOOLCHAIN=local
	if ! m=$(lc__go_minor "$goroot/bin/go") || ((m < LC_GO_MIN_MINOR)); then
		lc_die "the toolchain at $goroot is not Go 1.$LC_GO_MIN_MINOR"
	fi
	lc_log "Go: $(go env GOVERSION) ($goroot)"
}

# --- network helpers ------------------------------------------------------

# lc_tcp_open HOST PORT: true when something accepts connections there.
lc_tcp_open() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# lc_free_port START: the first port from START on where nothing listens.
lc_free_port() {
	local p
	for ((p = $1; p < $1 + 500; p++)); do
		lc_tcp_open 127.0.0.1 "$p" || {
			echo "$p"
			return 0
		}
	done
	lc_die "no free port from $1 on"
}

# lc_url_hostport URL DEFAULT_PORT: prints "HOST PORT".
lc_url_hostport() {
	local rest=${1#*://} host port
	rest=${rest%%[/?]*}
	rest=${rest##*@}
	if [[ $rest == \[*\]* ]]; then
		host=${rest%%]*}
		host=${host#[}
		port=${rest##*]}
		port=${port#:}
	elif [[ $rest == *:* ]]; then
		host=${rest%%:*}
		port=${rest##*:}
	else
		host=$rest
		port=
	fi
	echo "${host:-127.0.0.1} ${port:-$2}"
}

# lc_url_path URL DEFAULT: the path of URL (database name, Redis DB) or DEFAULT.
lc_url_path() {
	local rest=${1#*://} p=
	rest=${rest%%\?*}
	[[ $rest == */* ]] && p=${rest#*/}
	echo "${p:-$2}"
}

# lc_http_status URL: the HTTP status code of a GET, or 000.
lc_http_status() {
	if command -v curl >/dev/null 2>&1; then
		curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true
		return 0
	fi
	local hp path line
	hp=${1#http://}
	path=/${hp#*/}
	hp=${hp%%/*}
	# shellcheck disable=SC2016 # expanded by the inner bash
	line=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$3" "$1:$2" >&3
		IFS= read -r l <&3 && echo "$l"' _ "${hp%:*}" "${hp##*:}" "$path" 2>/dev/null) || true
	line=${line#HTTP/* }
	echo "${line:0:3}" | grep -E '^[0-9]{3}$' || echo 000
}

# lc__pid_is PID NAME: true when PID is alive and runs the program NAME
# (Debian's redis-server is a link to redis-check-rdb: the name is checked too).
lc__pid_is() {
	[[ $1 =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null || return 1
	[[ $(cat "/proc/$1/comm" 2>/dev/null) == "$2" || $(readlink "/proc/$1/exe" 2>/dev/null) == */"$2" ]]
}

# --- PostgreSQL -----------------------------------------------------------

# lc__pg_check URL: prints ok, down, or "refused: MESSAGE".
lc__pg_check() {
	local url=$1 hp out rc i
	read -r -a hp <<<"$(lc_url_hostport "$url" 5432)"
	if command -v pg_isready >/dev/null 2>&1; then
		for ((i = 0; i < 30; i++)); do
			rc=0
			pg_isready -q -t 3 -d "$url" >/dev/null 2>&1 || rc=$?
			[[ $rc == 1 ]] || break # 1: the server is starting up
			sleep 1
		done
		case $rc in
		0) ;;
		1 | 2)
			echo down
			return
			;;
		*) lc_tcp_open "${hp[0]}" "${hp[1]}" || {
			echo down
			return
		} ;;
		esac
	elif ! lc_tcp_open "${hp[0]}" "${hp[1]}"; then
		echo down
		return
	fi
	if command -v psql >/dev/null 2>&1; then
		if out=$(PGCONNECT_TIMEOUT=5 psql "$url" -XAtqc 'select 1' 2>&1 </dev/null); then
			echo ok
		elif [[ $out == *"database \""*"\" does not exist"* ]]; then
			echo ok # the server is usable; lawcontest creates its database
		elif [[ $out == *"invalid URI query parameter"* || $out == *"invalid connection option"* ]]; then
			echo ok # a parameter that lib/pq knows and psql does not: the server answers
		else
			echo "refused: $(head -n 1 <<<"$out")"
		fi
	else
		echo ok
	fi
}

# lc__pg_bindir: the bin folder of the newest installed PostgreSQL server.
lc__pg_bindir() {
	local d
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		[[ -x $d/initdb && -x $d/pg_ctl ]] && {
			echo "$d"
			return 0
		}
	done
	d=$(command -v initdb 2>/dev/null) && [[ -x ${d%/*}/pg_ctl ]] && {
		echo "${d%/*}"
		return 0
	}
	return 1
}

# Postgres refuses to run as root: as root, run its programs as "postgres".
lc__pg_as() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

lc__pg_stop() {
	local bindir=$1 data=$2
	lc_log_exit "stopping the private PostgreSQL ($data)"
	lc__pg_as "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
		lc__pg_as "$bindir/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
}

# lc__pg_start: start (initializing if needed) the private server; sets LC_PG_PORT.
lc__pg_start() {
	local dir=$LC_INST/postgres bindir ver pid port sock try data run log
	bindir=$(lc__pg_bindir) || {
		lc_apt_install postgresql
		bindir=$(lc__pg_bindir) || lc_die "PostgreSQL server programs not found after installing postgresql"
	}
	mkdir -p "$dir"
	if [[ $EUID -eq 0 ]]; then
		if ! id postgres >/dev/null 2>&1; then
			lc_log "creating the system user postgres"
			useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
				--shell /usr/sbin/nologin postgres
		fi
		chown -R postgres: "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			# A parent folder is closed to other users (a checkout under /root, say).
			data=/var/tmp/lawcontest-$(cksum <<<"$LC_ROOT" | cut -d' ' -f1)/$LC_NAME/postgres
			lc_warn "user postgres cannot reach $dir; keeping this server's data in $data"
			dir=$data
			mkdir -p "$dir"
			chown -R postgres: "$dir"
		fi
	fi
	data=$dir/data
	run=$dir/run
	log=$dir/postgres.log
	if [[ -f $data/PG_VERSION ]]; then
		ver=$(cat "$data/PG_VERSION")
		if [[ -x /usr/lib/postgresql/$ver/bin/initdb ]]; then
			bindir=/usr/lib/postgresql/$ver/bin
		elif [[ $("$bindir/pg_ctl" --version) != *" $ver."* ]]; then
			lc_warn "$data is from PostgreSQL $ver, which is not installed: moving it to $data.old-$ver"
			rm -rf "$data.old-$ver"
			mv "$data" "$data.old-$ver"
		fi
	fi
	mkdir -p "$run"
	[[ $EUID -eq 0 ]] && chown postgres: "$run"
	if [[ ! -f $data/PG_VERSION ]]; then
		lc_log "initializing a private PostgreSQL in ${data#"$LC_ROOT"/}"
		lc__pg_as "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
			--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			tail -n 20 "$dir/initdb.log" >&2
			lc_die "initdb failed"
		}
		echo "include_if_exists = 'lawcontest.conf'" >>"$data/postgresql.conf"
	fi
	# A server left behind by a killed script: stop it. A stale pid file: remove it.
	if [[ -f $data/postmaster.pid ]]; then
		pid=$(head -n 1 "$data/postmaster.pid")
		if lc__pid_is "$pid" postgres; then
			lc_log "stopping a PostgreSQL left running from an earlier run (pid $pid)"
			lc__pg_stop "$bindir" "$data"
		fi
		if [[ -f $data/postmaster.pid ]]; then
			lc_log "removing a stale postmaster.pid"
			rm -f "$data/postmaster.pid" "$run"/.s.PGSQL.*
		fi
	fi
	for try in 1 2 3; do
		port=$(cat "$dir/port" 2>/dev/null || true)
		if ! [[ $port =~ ^[0-9]+$ ]] || lc_tcp_open 127.0.0.1 "$port"; then
			port=$(lc_free_port $((54320 + RANDOM % 100)))
		fi
		sock=$run
		((${#sock} < 90)) || sock= # a Unix socket path must stay short; TCP is used anyway
		{
			echo "# written by scripts/lib/services.sh at each start"
			echo "listen_addresses = '127.0.0.1'"
			echo "port = $port"
			echo "unix_socket_directories = '$sock'"
			echo "max_connections = 200"
			if [[ $LC_NAME == test ]]; then
				# throwaway test data: durability buys nothing
				echo "fsync = off"
				echo "synchronous_commit = off"
				echo "full_page_writes = off"
			fi
		} >"$data/lawcontest.conf"
		[[ $EUID -eq 0 ]] && chown postgres: "$data/lawcontest.conf"
		echo "$port" >"$dir/port"
		lc_log "starting a private PostgreSQL on 127.0.0.1:$port (log: ${log#"$LC_ROOT"/})"
		if lc__pg_as "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null 2>&1; then
			lc_on_exit lc__pg_stop "$bindir" "$data"
			LC_PG_PORT=$port
			return 0
		fi
		tail -n 5 "$log" >&2
		lc_warn "PostgreSQL did not start on port $port (try $try)"
		rm -f "$dir/port"
	done
	lc_die "could not start the private PostgreSQL; see $log"
}

# lc_postgres VAR DEFAULT_URL: use $VAR when its server answers, else a private one.
# Starting a private one exports DATABASE_URL and LAWCONTEST_TEST_DATABASE_URL.
lc_postgres() {
	local var=$1 url explicit=0 st db
	if [[ -n ${!1:-} ]]; then
		url=${!1}
		explicit=1
	else
		url=$2
	fi
	st=$(lc__pg_check "$url")
	case $st in
	ok)
		lc_log "PostgreSQL: using $var=$(lc_redact "$url")"
		export "$var=$url"
		return 0
		;;
	down) lc_log "PostgreSQL at $(lc_redact "$url") does not answer" ;;
	*)
		((explicit)) && lc_die "PostgreSQL at $var=$(lc_redact "$url") answers but cannot be used: ${st#refused: }"
		lc_log "PostgreSQL at the default address answers but cannot be used (${st#refused: })"
		;;
	esac
	lc__pg_start
	db=$(lc_url_path "${DATABASE_URL:-$LC_DEFAULT_DATABASE_URL}" lawcontest)
	[[ $var == DATABASE_URL ]] && db=$(lc_url_path "$url" lawcontest)
	export DATABASE_URL="postgres://postgres@127.0.0.1:$LC_PG_PORT/$db?sslmode=disable&connect_timeout=5"
	export LAWCONTEST_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$LC_PG_PORT/postgres?sslmode=disable&connect_timeout=5"
	lc_log "PostgreSQL: using the private server, DATABASE_URL=$DATABASE_URL"
}

# --- Redis ----------------------------------------------------------------

# lc__redis_check URL: prints ok, down, or "refused: MESSAGE".
lc__redis_check() {
	local url=${1%%,*} hp out
	read -r -a hp <<<"$(lc_url_hostport "$url" 6379)"
	lc_tcp_open "${hp[0]}" "${hp[1]}" || {
		echo down
		return
	}
	if command -v redis-cli >/dev/null 2>&1; then
		# go-redis reads redis://:PASSWORD@host as the default user; redis-cli wants the name.
		[[ $url == *://:* ]] && url=${url/:\/\/:/://default:}
		out=$(timeout 5 redis-cli -u "$url" ping 2>&1 </dev/null | grep -v '^Warning') || true
	else
		# shellcheck disable=SC2016 # expanded by the inner bash
		out=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
			printf "PING\r\n" >&3; IFS= read -r l <&3; echo "${l#+}"' _ "${hp[0]}" "${hp[1]}" 2>&1) || true
	fi
	out=${out%$'\r'}
	case $out in
	*PONG*) echo ok ;;
	*"Could not connect"* | *"Connection refused"*) echo down ;;
	*) echo "refused: $(head -n 1 <<<"${out:-no answer}")" ;;
	esac
}

lc__redis_stop() {
	local port=$1 pidfile=$2 pid i
	pid=$(cat "$pidfile" 2>/dev/null || true)
	lc_log_exit "stopping the private Redis (127.0.0.1:$port)"
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	for ((i = 0; i < 50; i++)); do
		lc__pid_is "$pid" redis-server || break
		sleep 0.2
	done
	if lc__pid_is "$pid" redis-server; then kill -KILL "$pid" 2>/dev/null || true; fi
	rm -f "$pidfile"
}

# lc__redis_start: start the private Redis; sets LC_REDIS_PORT.
lc__redis_start() {
	local dir=$LC_INST/redis port pid sock try i sockopt
	local pidfile=$dir/redis.pid log=$dir/redis.log
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
		lc_apt_install redis-server
	fi
	mkdir -p "$dir"
	pid=$(cat "$pidfile" 2>/dev/null || true)
	if lc__pid_is "$pid" redis-server; then
		lc_log "stopping a Redis left running from an earlier run (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			lc__pid_is "$pid" redis-server || break
			sleep 0.2
		done
	fi
	rm -f "$pidfile"
	for try in 1 2 3; do
		port=$(cat "$dir/port" 2>/dev/null || true)
		if ! [[ $port =~ ^[0-9]+$ ]] || lc_tcp_open 127.0.0.1 "$port"; then
			port=$(lc_free_port $((63790 + RANDOM % 100)))
		fi
		echo "$port" >"$dir/port"
		sock=$dir/redis.sock
		sockopt=(--unixsocket "$sock" --unixsocketperm 700)
		((${#sock} < 100)) || sockopt=()
		lc_log "starting a private Redis on 127.0.0.1:$port (log: ${log#"$LC_ROOT"/})"
		redis-server --daemonize yes --bind 127.0.0.1 --port "$port" "${sockopt[@]}" \
			--dir "$dir" --pidfile "$pidfile" --logfile "$log" \
			--save "" --appendonly no >/dev/null 2>&1 </dev/null || true
		for ((i = 0; i < 50; i++)); do
			[[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && {
				lc_on_exit lc__redis_stop "$port" "$pidfile"
				LC_REDIS_PORT=$port
				return 0
			}
			sleep 0.2
		done
		tail -n 5 "$log" >&2 2>/dev/null || true
		lc_warn "Redis did not start on port $port (try $try)"
		rm -f "$dir/port"
	done
	lc_die "could not start the private Redis; see $log"
}

# lc_redis VAR DEFAULT_URL: use $VAR when its server answers, else a private one.
# Starting a private one exports REDIS_URL and LAWCONTEST_TEST_REDIS_URL.
lc_redis() {
	local var=$1 url explicit=0 st n
	if [[ -n ${!1:-} ]]; then
		url=${!1}
		explicit=1
	else
		url=$2
	fi
	st=$(lc__redis_check "$url")
	case $st in
	ok)
		lc_log "Redis: using $var=$(lc_redact "$url")"
		export "$var=$url"
		return 0
		;;
	down) lc_log "Redis at $(lc_redact "${url%%,*}") does not answer" ;;
	*)
		((explicit)) && lc_die "Redis at $var=$(lc_redact "$url") answers but cannot be used: ${st#refused: }"
		lc_log "Redis at the default address answers but cannot be used (${st#refused: })"
		;;
	esac
	lc__redis_start
	n=$(lc_url_path "${url%%,*}" 0)
	[[ $n =~ ^[0-9]+$ ]] || n=0
	export REDIS_URL="redis://127.0.0.1:$LC_REDIS_PORT/$n"
	export LAWCONTEST_TEST_REDIS_URL="redis://127.0.0.1:$LC_REDIS_PORT/$n"
	lc_log "Redis: using the private server, REDIS_URL=$REDIS_URL"
}

# lc_own_services NAME DB REDIS_DB: PostgreSQL and Redis for a tool whose
# runs leave data behind (security scan, Lighthouse): database DB and Redis
# database REDIS_DB on the default servers (or private ones), never the
# developer's DATABASE_URL and REDIS_URL. LAWCONTEST_<NAME>_DATABASE_URL and
# LAWCONTEST_<NAME>_REDIS_URL choose others.
lc_own_services() {
	local db_var="LAWCONTEST_$1_DATABASE_URL" redis_var="LAWCONTEST_$1_REDIS_URL"
	DATABASE_URL=${!db_var:-}
	[[ -n $DATABASE_URL ]] || unset DATABASE_URL
	lc_postgres DATABASE_URL "postgres://postgres@127.0.0.1:5432/$2?sslmode=disable&connect_timeout=5"
	REDIS_URL=${!redis_var:-}
	[[ -n $REDIS_URL ]] || unset REDIS_URL
	lc_redis REDIS_URL "redis://127.0.0.1:6379/$3"
}
