# Coffer — every command a person runs. `.ci/run` calls `make test` and nothing else.
#
# One cargo profile (dev, with optimised dependencies) serves build, test and lints, and one
# compile serves both: the workspace's own crates are compiled by clippy-driver (rustc plus
# Clippy's lints; any warning fails the build), the dependencies by rustc, exactly as
# `cargo clippy` splits them, but into the real binaries. So CI compiles the dependency tree
# once, not a second time in check mode for the lints.

CARGO ?= cargo
STORE ?= $(HOME)/.local/share/coffer/coffer.db
PYENV := $(CURDIR)/target/pyenv
export CARGO_TERM_COLOR ?= never
CLIPPY_DRIVER := $(shell rustup which clippy-driver 2>/dev/null || command -v clippy-driver 2>/dev/null)
export RUSTC_WORKSPACE_WRAPPER := $(CLIPPY_DRIVER)
export CLIPPY_ARGS := -Dwarnings

.PHONY: run test deps check-tools fmt fmt-check clippy layering unit ui-deps ui-build ui-check python-deps bench bench-api bench-flood bench-scheduler clean

## run: build the UI and open the desktop app on the embedded store in the OS data
## directory (first run creates it; installs what is missing on Debian/Ubuntu).
run: check-tools desktop-deps ui-build
	$(CARGO) build -p coffer-desktop
	$(DESKTOP_BIN)

## test: everything CI checks — formatting, lints, layering, Rust tests (engine, API, real
## AWS clients, real PostgreSQL/MariaDB rotation, the desktop shell), the UI's type check,
## lint and Vitest suites, and the real desktop app end to end under Xvfb.
test: check-tools deps fmt-check ui-build clippy layering unit ui-check e2e
	@echo "make test: all checks passed"

## deps: everything the tests need that a fresh Debian machine may lack (apt packages,
## tauri-driver, npm packages, the Python venv); each step installs only what is missing.
deps: desktop-deps db-servers python-deps e2e-deps ui-deps

check-tools:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found. Install Rust (https://rustup.rs) and retry."; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || { echo "error: rustfmt missing: run 'rustup component add rustfmt'"; exit 1; }
	@$(CARGO) clippy --version >/dev/null 2>&1 && [ -n "$(CLIPPY_DRIVER)" ] || { echo "error: clippy missing: run 'rustup component add clippy'"; exit 1; }

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

## clippy: every target of the workspace compiled through clippy-driver (see the top); the
## test binaries it leaves are the ones `make unit` runs.
clippy:
	$(CARGO) test --workspace --all-targets --no-run

## layering: the engine never depends on the desktop shell or the HTTP framework.
layering:
	@for crate in coffer-crypto coffer-store coffer-engine coffer-api; do \
		for dep in tauri axum; do \
			if $(CARGO) tree -p $$crate -e normal -i $$dep >/dev/null 2>&1; then \
				echo "error: $$crate depends on $$dep"; exit 1; \
			fi; \
		done; \
	done
	@echo "layering: no tauri/axum below the shell and the HTTP crate"

unit: python-deps db-servers
	COFFER_PYTHON=$(PYENV)/bin/python COFFER_AWS_CLI=$(PYENV)/bin/aws $(CARGO) test --workspace

## python-deps: boto3 and the AWS CLI (v1) in a venv at target/pyenv, for the tests that
## drive `coffer serve` with the real AWS clients (skipped when already installed).
python-deps:
	@if ! $(PYENV)/bin/python -c 'import boto3, awscli' >/dev/null 2>&1; then \
		command -v python3 >/dev/null || { echo "error: python3 not found. Install it (apt-get install python3 python3-venv) and retry."; exit 1; }; \
		if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then \
			if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
				apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null || exit 1; \
			else \
				echo "error: 'python3 -m venv' is unavailable: install python3-venv (sudo apt-get install python3-venv) and retry."; exit 1; \
			fi; \
		fi; \
		rm -rf $(PYENV) && python3 -m venv $(PYENV) && \
		$(PYENV)/bin/pip install --quiet --disable-pip-version-check boto3 awscli || exit 1; \
	fi

## db-servers: the PostgreSQL and MariaDB server binaries the rotation tests start privately
## (initdb/pg_ctl, mariadb-install-db/mariadbd, openssl), and the sqlite3 shell the tamper
## tests edit store files with; installs them with apt-get as root.
.PHONY: db-servers
db-servers:
	@pg=$$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1); \
	my=$$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null); \
	inst=$$(command -v mariadb-install-db); \
	if [ -n "$$pg" ] && [ -n "$$my" ] && [ -n "$$inst" ] && command -v openssl >/dev/null && command -v sqlite3 >/dev/null; then \
		echo "db-servers: found $$pg, $$my, $$inst, sqlite3"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "db-servers: installing postgresql, mariadb-server, openssl and sqlite3 (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql mariadb-server mariadb-client openssl sqlite3 >/dev/null || exit 1; \
	else \
		echo "error: the rotation and tamper tests need PostgreSQL and MariaDB server binaries and the sqlite3 shell: run 'sudo apt-get install postgresql mariadb-server openssl sqlite3' (or 'sudo make db-servers') and retry."; exit 1; \
	fi

## bench: engine throughput vs raw SQLite, GetSecretValue cost, ListSecrets at 100k.
bench:
	$(CARGO) bench --bench engine

## bench-scheduler: rotation scheduler with 100,000 scheduled secrets (next-due lookup vs a
## full scan; idle CPU vs no scheduler).
bench-scheduler:
	$(CARGO) bench --bench scheduler

## bench-api: GetSecretValue over HTTP with wrk (10 s), Coffer against moto_server.
bench-api: python-deps
	PYENV=$(PYENV) CARGO=$(CARGO) bash tests/bench/api.sh

## bench-flood: authenticated GetSecretValue req/s alone and under a flood of bad signatures.
bench-flood: python-deps
	PYENV=$(PYENV) CARGO=$(CARGO) bash tests/bench/flood.sh

clean:
	$(CARGO) clean

# ---- The web UI (ui/) ---------------------------------------------------------------

## ui-deps: Debian's Chromium for the UI's browser tests (nothing downloads a browser) and
## the npm packages of ui/ (reinstalled only when package-lock.json changes).
ui-deps:
	@command -v npm >/dev/null || { echo "error: npm not found: install Node.js 20.19+ (apt-get install nodejs npm) and retry"; exit 1; }
	@if [ ! -x /usr/bin/chromium ] && [ -z "$$CHROMIUM_PATH" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "ui-deps: installing chromium (apt-get) for the UI's browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null || exit 1; \
		else \
			echo "error: the UI's browser tests need Chromium: run 'sudo apt-get install chromium' (or set CHROMIUM_PATH) and retry."; exit 1; \
		fi; \
	fi
	@if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then \
		npm --prefix ui ci --no-audit --no-fund; \
	fi

## ui-build: the UI bundle in ui/dist, which the desktop binary embeds.
ui-build: ui-deps
	npm --prefix ui run build

## ui-check: the UI's type check, ESLint + Prettier, and Vitest (node + Chromium).
ui-check: ui-deps
	npm --prefix ui run check

# ---- Desktop app (src-tauri, issue #5) ------------------------------------------------
DESKTOP_APT := libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libgtk-3-dev \
	libayatana-appindicator3-dev librsvg2-dev libxdo-dev xvfb xauth webkit2gtk-driver
DESKTOP_BIN := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/coffer-desktop

.PHONY: desktop-deps desktop desktop-test bindings e2e e2e-deps

## desktop-deps: WebKitGTK 4.1 build packages, Xvfb and WebKitWebDriver (apt), and
## tauri-driver (cargo); only what is missing is installed.
desktop-deps:
	@missing=$$(for p in $(DESKTOP_APT); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "desktop-deps: installing Debian packages: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
			echo "error: need root (or sudo) to install: $$missing"; exit 1; fi; \
		command -v apt-get >/dev/null || { echo "error: no apt-get: install the WebKitGTK 4.1 dev packages ($$missing) with your package manager"; exit 1; }; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing || exit 1; \
	fi
	@command -v tauri-driver >/dev/null || { echo "desktop-deps: installing tauri-driver (cargo install, about a minute)"; env -u RUSTC_WORKSPACE_WRAPPER $(CARGO) install tauri-driver --locked; }
	@command -v npm >/dev/null || { echo "error: npm not found: install Node.js 20+ (apt-get install nodejs npm) and retry"; exit 1; }

## desktop: the UI build, then the desktop binary (debug profile, assets embedded), built
## by the tests' own command: cargo builds it for src-tauri's integration tests, so after
## `make unit` this is a no-op. `cargo build -p coffer-desktop` would unify features over
## that one package and compile the whole dependency tree a second time (8.5 min in CI).
desktop: desktop-deps ui-build
	$(CARGO) test --workspace --no-run

## desktop-test: the shell's tests (mock runtime ACL, store round trip, bindings drift).
desktop-test: desktop-deps ui-build
	$(CARGO) test -p coffer-desktop

## bindings: regenerate ui/src/ipc/bindings.ts from the Rust DTOs (commit the result).
bindings:
	@test -f ui/dist/index.html || { mkdir -p ui/dist && echo '<!doctype html><title>Coffer</title>' > ui/dist/index.html; }
	$(CARGO) run -p coffer-desktop -- --export-bindings ui/src/ipc/bindings.ts

## e2e-deps: selenium in the test venv (target/pyenv).
e2e-deps: python-deps
	@$(PYENV)/bin/python -c 'import selenium' 2>/dev/null || $(PYENV)/bin/pip install --quiet --disable-pip-version-check 'selenium>=4.20'

## e2e: the real desktop app under Xvfb, driven through tauri-driver + WebKitWebDriver.
## Screenshots land in target/e2e-artifacts/.
e2e: desktop e2e-deps
	COFFER_DESKTOP_BIN=$(DESKTOP_BIN) PYTHON=$(PYENV)/bin/python tests/e2e/run.sh
