#!/usr/bin/env bash
# `make bench-api`: GetSecretValue over HTTP, under load, against Coffer and against
# moto_server as the baseline, in one run on this machine.
#
# One request is signed once with botocore's SigV4Auth (tests/bench/sign_request.py) and
# replayed by wrk (-t2 -c64, 10 s each, --latency) against a release `coffer serve` over a
# fresh store (auditing is always on), then the same against moto_server. Only 127.0.0.1 is
# ever targeted; every run is bounded in time. Prints req/s, p99 and the ratio; it measures
# and reports, it does not fail on the numbers (the issue's goal: >= 20,000 req/s and
# p99 < 5 ms for Coffer on 2 cores).
set -euo pipefail
WRK_ARGS=(-t2 -c64 -d10s --latency)
BENCH=bench-api
source "$(dirname "$0")/common.sh"

if ! "$PY" -c 'import moto, flask, flask_cors' >/dev/null 2>&1; then
	echo "bench-api: installing moto[server] into $PYENV"
	"$PYENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]'
fi
build_coffer

# --- Coffer ----------------------------------------------------------------------------
coffer_store
start_coffer
"$PY" tests/bench/sign_request.py "$COFFER_URL" "$KEY_ID" "$KEY_SECRET" us-east-1 "$SECRET_ID" "$WORK/coffer.lua"
run_wrk coffer "$WORK/coffer.lua" "$COFFER_URL/"
stop_coffer
# Every request was audited: the log's newest sequence number after the run.
AUDITED=$(cf audit list --max-results 1 | "$PY" -c 'import json, sys; e = json.load(sys.stdin)["Events"]; print(e[0]["Seq"] if e else 0)')

# --- moto_server (baseline) ------------------------------------------------------------
MOTO_PORT=$(free_port)
"$PYENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
PIDS+=("$!")
wait_port "$MOTO_PORT"
MOTO_URL=http://127.0.0.1:$MOTO_PORT
echo
echo "bench-api: moto_server $("$PY" -c 'import moto; print(moto.__version__)') at $MOTO_URL"
AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "$PY" - "$MOTO_URL" "$SECRET_ID" <<'EOF'
import sys, boto3
sm = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1")
sm.create_secret(Name=sys.argv[2], SecretString='{"engine":"postgres","host":"127.0.0.1","username":"app","password":"bench-password-0123456789"}')
EOF
"$PY" tests/bench/sign_request.py "$MOTO_URL" testing testing us-east-1 "$SECRET_ID" "$WORK/moto.lua"
run_wrk moto "$WORK/moto.lua" "$MOTO_URL/"

# --- summary ---------------------------------------------------------------------------
read -r C_RPS C_P99 C_BAD C_ERR C_TOTAL < <(wrk_numbers "$WORK/coffer.wrk")
read -r M_RPS M_P99 M_BAD M_ERR M_TOTAL < <(wrk_numbers "$WORK/moto.wrk")
echo
echo "== bench-api summary: GetSecretValue, wrk ${WRK_ARGS[*]}, $(nproc) cores shared by server and wrk"
printf '%-8s %10s req/s   p99 %9s ms   non-2xx %s   socket errors %s\n' \
	Coffer "$C_RPS" "$C_P99" "$C_BAD" "$C_ERR" moto "$M_RPS" "$M_P99" "$M_BAD" "$M_ERR"
"$PY" - "$C_RPS" "$M_RPS" "$C_P99" <<'EOF'
import sys
c, m, p99 = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"Coffer/moto: {c / m:.1f}x requests/s" if m else "Coffer/moto: n/a (moto served nothing)")
met = c >= 20000 and p99 < 5.0
print(f"Goal (>= 20000 req/s, p99 < 5 ms, auditing on): {'met' if met else 'NOT met'}")
EOF
echo "Coffer: $C_TOTAL requests answered; audit log holds $AUDITED events after the run (setup included)"
if [ "$C_BAD" != 0 ]; then
	echo "warning: Coffer answered $C_BAD requests with non-2xx statuses" >&2
fi
