# The two commands of the README. Each installs what is missing, configures, builds, and runs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifdef CI
CMAKE_FLAGS += -DSILIAN_WERROR=ON
endif

.PHONY: all deps configure build test demo bench bench-sync fuzz clean

all: build

deps:
	@tools/install-deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	@tools/demo/run-demo $(BUILD_DIR)

bench: build
	@$(BUILD_DIR)/tools/silian-bench local

bench-sync: build
	@$(BUILD_DIR)/tools/silian-bench sync

# libFuzzer targets (docs/fuzzing.md): built with clang in their own directory, each run FUZZ_SECONDS from
# its seed corpus (tests/fuzz/corpus/<target>/). A crash fails the target and leaves the input in
# $(FUZZ_DIR)/artifacts/.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_LAUNCHER := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)
fuzz:
	@tools/install-deps --fuzz
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  $(FUZZ_LAUNCHER) -DSILIAN_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	@tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
