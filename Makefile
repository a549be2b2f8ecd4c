# The two commands of the README. Each installs what is missing, configures, builds, and runs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifdef CI
CMAKE_FLAGS += -DSILIAN_WERROR=ON
endif

.PHONY: all deps configure build test demo bench bench-sync clean

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

clean:
	rm -rf $(BUILD_DIR)
