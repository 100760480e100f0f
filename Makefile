# Meridian: `make run` sets up, builds and starts the main job; `make test` sets up, builds and
# runs every test. Everything else here serves those two.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
MERIDIAN := build/release/bin/meridian
FORMAT_FILES = git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp'

.PHONY: all deps build run cluster demo test test-release test-openapi test-deploy test-asan test-fuzz format \
        format-check check-core-pure tidy bench clean

all: build

# Idempotent: returns at once when every package is present.
deps:
	@scripts/install-deps

build/release/build.ninja: CMakePresets.json | deps
	cmake --preset release

build/asan/build.ninja: CMakePresets.json | deps
	cmake --preset asan

build/fuzz/build.ninja: CMakePresets.json | deps
	cmake --preset fuzz

build: deps build/release/build.ninja
	cmake --build --preset release -j $(JOBS)

# The main job: the whole trading system in one process (paper broker, simulated market),
# state in ./var. Prints where to reach it and, on first start, an admin API key.
run: build
	$(MERIDIAN) run $(ARGS)

# The same system as separate processes: redis-server and PostgreSQL from Debian packages, then
# every service on its own port (scripts/cluster status|restart|down|keys for the rest).
cluster: build
	scripts/cluster up

# A backtest over the bundled sample data (the engine alone).
demo: build
	$(MERIDIAN) backtest --data data/orcl-1995-2014.csv --data data/nvda-1999-2014.csv \
	    --data data/yhoo-1996-2014.csv --strategy sma_crossover \
	    --set fast=20 --set slow=50 --set qty=1000 --out var/demo

test: build format-check check-core-pure
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory test-release && \
	$(MAKE) --no-print-directory test-openapi && \
	$(MAKE) --no-print-directory test-deploy && \
	$(MAKE) --no-print-directory test-asan && \
	$(MAKE) --no-print-directory test-fuzz && \
	echo "make test: all green in $$(( $$(date +%s) - start ))s after the build"

test-release: build
	ctest --test-dir build/release -j $(JOBS) --output-on-failure

# The API document passes Redocly's linter (recommended rules) with no errors.
test-openapi: build
	scripts/lint-openapi

# deploy/ is current and valid: docker-compose config, and the Kubernetes manifests' structure.
test-deploy: deps
	scripts/check-deploy

# The I/O-free components' unit tests again under AddressSanitizer and UBSan.
test-asan: deps build/asan/build.ninja
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS) -L unit

# Every parser of outside bytes under libFuzzer (clang, ASan + UBSan), a bounded number of inputs.
test-fuzz: deps build/fuzz/build.ninja
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers
	ctest --test-dir build/fuzz -j $(JOBS) -L fuzz --output-on-failure

format-check:
	@command -v clang-format >/dev/null || scripts/install-deps
	@$(FORMAT_FILES) | xargs clang-format --dry-run -Werror
	@echo "format-check: clean"

# core is pure C++20: no Boost, Redis, PostgreSQL or SQLite.
check-core-pure:
	@! grep -rnE '#include <(boost|hiredis|libpq|pqxx|sqlite3)' src/core
	@echo "check-core-pure: clean"

format:
	@$(FORMAT_FILES) | xargs clang-format -i

# clang-tidy over src/ (the tests' own code is left to the compiler's warnings); two at a time.
tidy: build
	@git ls-files 'src/*.cpp' | grep -v '_test.cpp$$' | xargs -P $(JOBS) -n 4 clang-tidy -p build/release \
	    --quiet --extra-arg=-Wno-unknown-warning-option

bench: build
	@for b in build/release/bin/*_bench; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

clean:
	rm -rf build
