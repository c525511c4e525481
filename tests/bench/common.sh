# Shared by the HTTP benchmarks (api.sh, flood.sh), sourced after `set -euo pipefail` with
# BENCH set to the target's name: tools, a scratch directory cleaned up on exit, a release
# `coffer serve` over a fresh store with a read-only user and its key, and wrk helpers.
# Only 127.0.0.1 is ever targeted.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
CARGO=${CARGO:-cargo}
PYENV=${PYENV:-$ROOT/target/pyenv}
PY=$PYENV/bin/python
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SECRET_ID=bench/db
PASSWORD='correct horse battery staple'

# --- tools -----------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "$BENCH: installing wrk (apt-get)"
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

build_coffer() {
	echo "$BENCH: building the release coffer"
	$CARGO build --release -p coffer-cli
	COFFER=$TARGET_DIR/release/coffer
}

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

# A fresh store with the secret $SECRET_ID and user `bench` allowed to read it; sets
# KEY_ID and KEY_SECRET to the user's access key.
coffer_store() {
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
}

# Starts `coffer serve` (extra flags in "$@") on a free port; sets COFFER_PID and COFFER_URL.
start_coffer() {
	local port
	port=$(free_port)
	: >"$WORK/coffer.out"
	# Started directly (not through cf, a function, which would background a subshell).
	"$COFFER" --store "$WORK/bench.db" --password-file "$WORK/password" serve \
		--listen "127.0.0.1:$port" "$@" >"$WORK/coffer.out" 2>"$WORK/coffer.err" &
	COFFER_PID=$!
	PIDS+=("$COFFER_PID")
	for _ in $(seq 300); do
		[ -s "$WORK/coffer.out" ] && break
		kill -0 "$COFFER_PID" 2>/dev/null || { cat "$WORK/coffer.err" >&2; exit 1; }
		sleep 0.1
	done
	COFFER_URL=$(json_field "$WORK/coffer.out" 'd["Listening"]')
	echo "$BENCH: coffer serve (release) at $COFFER_URL $*"
}

# Stops the server started last and checks that it stopped cleanly.
stop_coffer() {
	kill -TERM "$COFFER_PID"
	wait "$COFFER_PID" || { echo "error: coffer serve exited with $? on SIGTERM" >&2; exit 1; }
}
