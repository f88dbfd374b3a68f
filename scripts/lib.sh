# shellcheck shell=bash
# Shared helpers for the scripts in this folder.  Source it; it sets:
#   ROOT       the repository
#   CORPUS     ../shared/corpus/ndpi beside the repository (may not exist)
# and defines install_deps, build_tree, start_redis, stop_redis.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${SHADOWTAP_CORPUS:-$ROOT/../shared/corpus/ndpi}
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Packages each job needs (Debian 12).
PKG_BUILD="cmake make gcc pkg-config libpcap-dev libndpi-dev libhiredis-dev libmaxminddb-dev libjansson-dev libgcrypt20-dev libpsl-dev publicsuffix"
PKG_RUN="redis-server jq"
PKG_TEST="$PKG_RUN universal-ctags psl libndpi-bin tcpreplay iproute2 libmaxmind-db-writer-perl clang libclang-rt-14-dev python3-jsonschema chromium"
PKG_BENCH="$PKG_RUN libndpi-bin time tcpreplay iproute2"

# install_deps PKG...: installs what is missing with apt-get when root.
install_deps() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        die "missing packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})"
    fi
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

# build_tree DIR [cmake options...]: configures (once) and builds DIR.
build_tree() {
    local dir=$1
    shift
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        cmake -S "$ROOT" -B "$dir" "$@" >/dev/null || die "cmake configure of $dir failed"
    else
        cmake "$dir" "$@" >/dev/null || die "cmake reconfigure of $dir failed"
    fi
    cmake --build "$dir" -j "$JOBS" -- --no-print-directory >"$dir/build.log" 2>&1 \
        || { tail -40 "$dir/build.log" >&2; die "build of $dir failed (log: $dir/build.log)"; }
}

# start_redis DIR: starts a private redis-server on the unix socket DIR/redis.sock
# (no TCP port, no persistence) and sets REDIS_SOCK and REDIS_PID.
start_redis() {
    local dir=$1
    REDIS_SOCK=$dir/redis.sock
    redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 --save '' \
        --appendonly no --databases 1024 --daemonize no --logfile "$dir/redis.log" &
    REDIS_PID=$!
    for _ in $(seq 100); do
        [ -S "$REDIS_SOCK" ] && redis-cli -s "$REDIS_SOCK" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    die "redis-server did not start (log: $dir/redis.log)"
}

stop_redis() {
    [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=
    return 0
}
