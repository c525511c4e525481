# Coffer — every command a person runs. `.ci/run` calls `make test` and nothing else.
#
# One cargo profile (dev, with optimised dependencies) serves build, test and clippy, so
# CI compiles the dependency tree once per mode.

CARGO ?= cargo
STORE ?= $(HOME)/.local/share/coffer/coffer.db
export CARGO_TERM_COLOR ?= never

.PHONY: run test check-tools fmt fmt-check clippy layering unit bench clean

## run: open Coffer on the embedded store in the OS data dir (the `coffer` CLI until the
## desktop app lands; creates the store on first use).
run: check-tools
	$(CARGO) build -p coffer-cli
	@if [ ! -f "$(STORE)" ]; then \
		echo "No store at $(STORE) yet: creating it (choose a master password)."; \
		./target/debug/coffer --store "$(STORE)" init; \
	fi
	./target/debug/coffer --store "$(STORE)" list-secrets
	@echo "Store: $(STORE). Try: ./target/debug/coffer --store $(STORE) create-secret --name demo --secret-string s3cret"

## test: everything CI checks — formatting, lints, layering, every test.
test: check-tools fmt-check clippy layering unit
	@echo "make test: all checks passed"

check-tools:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found. Install Rust (https://rustup.rs) and retry."; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || { echo "error: rustfmt missing: run 'rustup component add rustfmt'"; exit 1; }
	@$(CARGO) clippy --version >/dev/null 2>&1 || { echo "error: clippy missing: run 'rustup component add clippy'"; exit 1; }

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

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

unit:
	$(CARGO) test --workspace

## bench: engine throughput vs raw SQLite, GetSecretValue cost, ListSecrets at 100k.
bench:
	$(CARGO) bench --bench engine

clean:
	$(CARGO) clean
