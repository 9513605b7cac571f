# The two commands of the README: `make run` and `make test`.
BUILD_DIR ?= build
TEST_BUILD_DIR ?= build-test
JOBS ?= $(shell nproc)

.PHONY: run test build deps clean containers faults fuzz
FUZZ_SECONDS ?= 600

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLAIMSUITE_TESTS=OFF
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	bash scripts/run.sh $(BUILD_DIR)

# Tests run on the sanitizer build (ASan + UBSan).
test: deps
	cmake -S . -B $(TEST_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DCLAIMSUITE_SANITIZE=ON
	cmake --build $(TEST_BUILD_DIR) -j$(JOBS)
	cd $(TEST_BUILD_DIR) && \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure --timeout 600

# The fault suite at full size (tests/faults/): 1 000 keyed writes a scenario, 30 s outages
# (make test runs it small).
faults: deps
	cmake -S . -B $(TEST_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DCLAIMSUITE_SANITIZE=ON
	cmake --build $(TEST_BUILD_DIR) -j$(JOBS)
	cd $(TEST_BUILD_DIR) && FAULTS_WRITES=1000 FAULTS_CUT_SECONDS=30 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -L faults -V --timeout 900

# Every fuzz harness for FUZZ_SECONDS each (tests/fuzz/run.sh; make test runs each 60 s).
fuzz: deps
	bash tests/fuzz/run.sh $(TEST_BUILD_DIR) $(FUZZ_SECONDS)

# The image built, the compose stack run and driven end to end, torn down (tests/containers/).
containers:
	bash tests/containers/check.sh $(TEST_BUILD_DIR)/containers-cache

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
