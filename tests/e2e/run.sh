#!/usr/bin/env bash
# Runs the desktop end-to-end tests: every tests/e2e/test_*.py under one Xvfb server.
# Each test session starts its own tauri-driver (and so its own app) with a fresh temp
# COFFER_STORE; see harness.py. Screenshots go to target/e2e-artifacts/.
#
#   COFFER_DESKTOP_BIN=target/debug/coffer-desktop PYTHON=target/pyenv/bin/python tests/e2e/run.sh [pattern]
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${COFFER_DESKTOP_BIN:=$PWD/target/debug/coffer-desktop}"
: "${PYTHON:=$PWD/target/pyenv/bin/python}"
export COFFER_DESKTOP_BIN
for tool in xvfb-run tauri-driver WebKitWebDriver; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found: run 'make desktop-deps'" >&2; exit 1; }
done
[ -x "$COFFER_DESKTOP_BIN" ] || { echo "error: no desktop binary at $COFFER_DESKTOP_BIN: run 'make desktop'" >&2; exit 1; }
"$PYTHON" -c 'import selenium' 2>/dev/null || { echo "error: selenium missing in $PYTHON: run 'make e2e-deps'" >&2; exit 1; }
mkdir -p target/e2e-artifacts
exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  "$PYTHON" -m unittest discover -v -s tests/e2e -t tests/e2e -p "${1:-test_*.py}"
