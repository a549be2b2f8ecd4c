#include "support/test_clock.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "base/test_clock.h"
#include "support/dates.h"

namespace silian::test {

TestClock::TestClock(std::string path) : path_(std::move(path)) {
  std::ofstream(path_) << "0\n";
}

void TestClock::Set(const std::string& date, int hour, int minute) {
  const sync::Date day = DateOf(date);
  const int64_t target_ms = (static_cast<int64_t>(day.days) * 86400 + (hour - 8) * 3600 + minute * 60) * 1000;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << (target_ms - now_ms) << "\n";
    REQUIRE(out.good());
  }
  REQUIRE(std::rename(tmp.c_str(), path_.c_str()) == 0);
}

Env TestClock::env() const { return {{sync::kTestClockFileEnv, path_}}; }

const std::string& HubTestClockBin() {
  static const std::string bin = SILIAN_HUB_TESTCLOCK_BIN;
  return bin;
}

const std::string& NodeTestClockBin() {
  static const std::string bin = SILIAN_NODE_TESTCLOCK_BIN;
  return bin;
}

const std::string& AdminTestClockBin() {
  static const std::string bin = SILIAN_ADMIN_TESTCLOCK_BIN;
  return bin;
}

}  // namespace silian::test
