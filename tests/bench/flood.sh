#!/usr/bin/env bash
# `make bench-flood`: authenticated GetSecretValue throughput while a flood of requests with
# bad signatures hits the same server from the same address (issue 13 §3: the goal is at
# least 80 % of the quiet figure).
#
# A release `coffer serve` over a fresh store; one good request and one bad one (a made-up
# access key id, so every flood request fails authentication) are signed once with
# botocore (tests/bench/sign_request.py) and replayed by wrk. Three runs of the good
# request (GOOD_ARGS), each on a fresh server:
#   quiet           - alone;
#   flood           - with a second wrk (FLOOD_ARGS) replaying the bad request, default
#                     limits (the flood is throttled after its first failures);
#   flood, no limit - the same with --auth-failure-burst 0: every bad request is verified
#                     and audited (through group commit), for comparison.
# FLOOD_CONNECTIONS (default 128) sets the flood's connections: a throttled request is held
# for the server's throttle delay (1 s), so the flood's rate is about that many requests a
# second once its burst is spent. Both wrks and the server share this machine's cores. It
# measures and reports; it does not fail on the numbers.
set -euo pipefail
GOOD_ARGS=(-t1 -c32 -d10s --latency)
FLOOD_ARGS=(-t1 "-c${FLOOD_CONNECTIONS:-128}" -d12s --latency)
WRK_ARGS=("${GOOD_ARGS[@]}")
BENCH=bench-flood
source "$(dirname "$0")/common.sh"
build_coffer
coffer_store

# Runs one measurement named $1 against a server started with the flags in "$@" after $2
# ("quiet" or "flood"); the good request's wrk output in $WORK/$1.wrk, the flood's in
# $WORK/$1.flood.
measure() {
	local name=$1 mode=$2
	shift 2
	start_coffer "$@"
	"$PY" tests/bench/sign_request.py "$COFFER_URL" "$KEY_ID" "$KEY_SECRET" us-east-1 "$SECRET_ID" "$WORK/good.lua"
	"$PY" tests/bench/sign_request.py "$COFFER_URL" AKIAFLOODFLOODFLOOD1 not-the-secret us-east-1 "$SECRET_ID" "$WORK/bad.lua" --refused
	local flood_pid=
	if [ "$mode" = flood ]; then
		wrk "${FLOOD_ARGS[@]}" -s "$WORK/bad.lua" "$COFFER_URL/" >"$WORK/$name.flood" &
		flood_pid=$!
		PIDS+=("$flood_pid")
	fi
	run_wrk "$name" "$WORK/good.lua" "$COFFER_URL/"
	if [ -n "$flood_pid" ]; then
		wait "$flood_pid"
		echo "-- the flood during that run:"
		grep -E "requests in|Requests/sec|Non-2xx" "$WORK/$name.flood"
	fi
	stop_coffer
}

measure quiet quiet
measure flood flood
measure unlimited flood --auth-failure-burst 0

# --- summary ---------------------------------------------------------------------------
read -r Q_RPS Q_P99 Q_BAD _ _ < <(wrk_numbers "$WORK/quiet.wrk")
read -r F_RPS F_P99 F_BAD _ _ < <(wrk_numbers "$WORK/flood.wrk")
read -r U_RPS U_P99 U_BAD _ _ < <(wrk_numbers "$WORK/unlimited.wrk")
read -r FF_RPS _ _ _ _ < <(wrk_numbers "$WORK/flood.flood")
read -r UF_RPS _ _ _ _ < <(wrk_numbers "$WORK/unlimited.flood")
echo
echo "== bench-flood summary: authenticated GetSecretValue, wrk ${GOOD_ARGS[*]}; flood wrk ${FLOOD_ARGS[*]}; $(nproc) cores shared by all"
printf '%-26s %8s req/s   p99 %8s ms   non-2xx %s\n' \
	quiet "$Q_RPS" "$Q_P99" "$Q_BAD" \
	"flood (throttled)" "$F_RPS" "$F_P99" "$F_BAD" \
	"flood, throttling off" "$U_RPS" "$U_P99" "$U_BAD"
echo "bad requests answered: $FF_RPS/s throttled, $UF_RPS/s with throttling off"
"$PY" - "$Q_RPS" "$F_RPS" "$U_RPS" <<'PYEOF'
import sys
q, f, u = (float(x) for x in sys.argv[1:4])
print(f"under a flood: {f / q:.0%} of quiet (throttled), {u / q:.0%} (throttling off)")
print(f"Goal (>= 80 % of quiet under a flood): {'met' if f >= 0.8 * q else 'NOT met'}")
PYEOF
if [ "$F_BAD" != 0 ]; then
	echo "warning: $F_BAD authenticated requests got non-2xx answers during the flood" >&2
fi
