// The test clock hook (base/test_clock.h; docs/architecture.md, "The test clock"), linked only into the test builds
// of the programs (silian-hub-testclock, silian-node-testclock, silian-admin-testclock), never into
// silian-hub, silian-node or silian-admin. When SILIAN_TEST_CLOCK_FILE names a file, SystemWallClock adds
// the signed number of milliseconds that file holds, read again at every call, so a test moves the clock of
// every program it runs, hubs that serve included, by rewriting the file (support/test_clock.h writes it
// whole with a rename). A file that cannot be read or does not hold one integer aborts the program: a test
// must never run on a clock it did not set.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/test_clock.h"

namespace {

const char* g_path = nullptr;

int64_t ShiftFromFile() {
  std::FILE* f = std::fopen(g_path, "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "test clock: cannot open %s\n", g_path);
    std::abort();
  }
  char buf[64] = {};
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  char* end = nullptr;
  errno = 0;
  long long shift = std::strtoll(buf, &end, 10);
  while (end != nullptr && (*end == '\n' || *end == ' ')) ++end;
  if (n == 0 || errno != 0 || end == nullptr || *end != '\0') {
    std::fprintf(stderr, "test clock: %s does not hold one integer (milliseconds)\n", g_path);
    std::abort();
  }
  return static_cast<int64_t>(shift);
}

struct InstallFromEnvironment {
  InstallFromEnvironment() {
    g_path = std::getenv(silian::sync::kTestClockFileEnv);
    if (g_path != nullptr && *g_path != '\0') silian::sync::InstallSystemClockShift(&ShiftFromFile);
  }
};
const InstallFromEnvironment g_install;

}  // namespace
