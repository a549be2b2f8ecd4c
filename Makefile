# The two commands of the README. Each installs what is missing, configures, builds, and runs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifdef CI
CMAKE_FLAGS += -DSILIAN_WERROR=ON
endif

.PHONY: all deps configure build test demo demo-live bench bench-sync bench-peer fuzz clean

all: build

deps:
	@tools/install-deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	@tools/demo/run-demo $(BUILD_DIR)

# The demo network kept running with the web apps (a village laptop's and the city's dashboard) until Ctrl-C.
demo-live: build
	@SILIAN_DEMO_LIVE=1 tools/demo/run-demo $(BUILD_DIR)

# The benchmarks (docs/benchmarks.md). They print figures; a missed target is a result, not a failure.
bench: build
	@$(BUILD_DIR)/tools/silian-bench local
	@$(MAKE) --no-print-directory bench-peer

# Ingest with 16 nodes and the 1,000,000-op catch-up; 64 nodes at once (a small catch-up); 13 counties
# relaying to one city at once; a node's 20,000 ops over a bad link (silian-netem).
bench-sync: build
	@$(BUILD_DIR)/tools/silian-bench sync
	@$(BUILD_DIR)/tools/silian-bench sync --nodes 64 --ops-per-node 1250 --catchup-ops 20000
	@$(BUILD_DIR)/tools/silian-bench relay
	@$(BUILD_DIR)/tools/silian-bench link

# Silian beside PouchDB 9 + express-pouchdb. The npm packages go to PEER_MODULES (npm install, once); without
# node or npm, silian-bench peer prints Silian's side, says what is missing and skips PouchDB's.
PEER_MODULES ?= $(HOME)/.cache/silian-bench/peers
PEER_PACKAGES := pouchdb-node@9.0.0 pouchdb-adapter-memory@9.0.0 express-pouchdb@4.2.0 express
bench-peer: build
	@if command -v npm >/dev/null && [ ! -d "$(PEER_MODULES)/node_modules/express-pouchdb" ]; then \
	  mkdir -p "$(PEER_MODULES)" && npm install --prefix "$(PEER_MODULES)" --no-audit --no-fund $(PEER_PACKAGES) \
	    || echo "bench-peer: npm install failed; PouchDB's side will be skipped"; fi
	@$(BUILD_DIR)/tools/silian-bench peer --peer-modules "$(PEER_MODULES)"

# libFuzzer targets (docs/fuzzing.md): built with clang in their own directory, each run FUZZ_SECONDS from
# its seed corpus (tests/fuzz/corpus/<target>/). A crash fails the target and leaves the input in
# $(FUZZ_DIR)/artifacts/.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_LAUNCHER := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)
fuzz:
	@tools/install-deps --fuzz
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  $(FUZZ_LAUNCHER) -DSILIAN_FUZZ=ON -DSILIAN_PCH=OFF -DSILIAN_UNITY=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	@tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
