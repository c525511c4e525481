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
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARGO=${CARGO:-cargo}
PYENV=${PYENV:-$ROOT/target/pyenv}
PY=$PYENV/bin/python
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
WRK_ARGS=(-t2 -c64 -d10s --latency)
SECRET_ID=bench/db
PASSWORD='correct horse battery staple'

# --- tools -----------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench-api: installing wrk (apt-get)"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } ||
			{ echo "error: could not install wrk with apt-get; install it (apt-get install wrk) and retry." >&2; exit 1; }
	else
		echo "error: wrk not found: install it (sudo apt-get install wrk) and retry." >&2
		exit 1
	fi
fi
if ! "$PY" -c 'import boto3' >/dev/null 2>&1; then
	echo "error: no boto3 in $PYENV: run 'make python-deps' first." >&2
	exit 1
fi
if ! "$PY" -c 'import moto, flask, flask_cors' >/dev/null 2>&1; then
	echo "bench-api: installing moto[server] into $PYENV"
	"$PYENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]'
fi

echo "bench-api: building the release coffer"
$CARGO build --release -p coffer-cli
COFFER=$TARGET_DIR/release/coffer

# --- scratch space and cleanup ---------------------------------------------------------
WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most 30 s) until something accepts connections on 127.0.0.1:$1.
wait_port() {
	for _ in $(seq 300); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "error: nothing listening on 127.0.0.1:$1 after 30 s" >&2
	return 1
}

json_field() { # json_field FILE python-expression-on-d
	"$PY" -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"
}

# Runs wrk with the Lua script $2 against $3; output in $WORK/$1.wrk.
run_wrk() {
	echo
	echo "== $1: wrk ${WRK_ARGS[*]} POST $3 (GetSecretValue, one signed request replayed)"
	wrk "${WRK_ARGS[@]}" -s "$2" "$3" | tee "$WORK/$1.wrk"
}

# Prints "REQ/S P99_MS NON2XX SOCKET_ERRORS TOTAL" from a wrk output file.
wrk_numbers() {
	"$PY" - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors:\s+(.*)", text)
total = re.search(r"(\d+) requests in", text).group(1)
print(f"{rps:.0f} {p99:.3f} {non2xx.group(1) if non2xx else 0} {'yes' if errors else 'no'} {total}")
EOF
}

# --- Coffer ----------------------------------------------------------------------------
cf() { "$COFFER" --store "$WORK/bench.db" --password-file "$WORK/password" "$@"; }
printf '%s\n' "$PASSWORD" >"$WORK/password"
cf init --kdf-memory-mib 19 --kdf-iterations 2 --kdf-parallelism 1 >/dev/null
cf create-secret --name "$SECRET_ID" \
	--secret-string '{"engine":"postgres","host":"127.0.0.1","username":"app","password":"bench-password-0123456789"}' >/dev/null
cf iam create-user --user-name bench >/dev/null
cf iam put-user-policy --user-name bench --policy-name read-bench --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:bench/*"}]}' >/dev/null
cf iam create-access-key --user-name bench >"$WORK/key.json"
KEY_ID=$(json_field "$WORK/key.json" 'd["AccessKey"]["AccessKeyId"]')
KEY_SECRET=$(json_field "$WORK/key.json" 'd["AccessKey"]["SecretAccessKey"]')

COFFER_PORT=$(free_port)
# Started directly (not through cf, a function, which would background a subshell).
"$COFFER" --store "$WORK/bench.db" --password-file "$WORK/password" serve \
	--listen "127.0.0.1:$COFFER_PORT" >"$WORK/coffer.out" 2>"$WORK/coffer.err" &
COFFER_PID=$!
PIDS+=("$COFFER_PID")
for _ in $(seq 300); do
	[ -s "$WORK/coffer.out" ] && break
	kill -0 "$COFFER_PID" 2>/dev/null || { cat "$WORK/coffer.err" >&2; exit 1; }
	sleep 0.1
done
COFFER_URL=$(json_field "$WORK/coffer.out" 'd["Listening"]')
echo "bench-api: coffer serve (release) at $COFFER_URL"
"$PY" tests/bench/sign_request.py "$COFFER_URL" "$KEY_ID" "$KEY_SECRET" us-east-1 "$SECRET_ID" "$WORK/coffer.lua"
run_wrk coffer "$WORK/coffer.lua" "$COFFER_URL/"
kill -TERM "$COFFER_PID"
wait "$COFFER_PID" || { echo "error: coffer serve exited with $? on SIGTERM" >&2; exit 1; }
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
