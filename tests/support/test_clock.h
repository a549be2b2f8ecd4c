// The clock of the test builds of the programs (base/test_clock.h; docs/architecture.md, "The test clock"), set by
// a test: a file holding the shift in milliseconds that silian-*-testclock add to the system time. The
// programs read it at every clock reading, so moving it moves hubs that are serving too.
#pragma once

#include <string>

#include "support/process.h"

namespace silian::test {

class TestClock {
 public:
  // The shift file `path`, written with a shift of 0.
  explicit TestClock(std::string path);

  // From now on the test builds' clock reads `date` (YYYY-MM-DD) at hour:minute China Standard Time (UTC+8),
  // and runs on from there. The file is replaced whole (a rename), so a program never reads half of it.
  void Set(const std::string& date, int hour = 9, int minute = 30);

  const std::string& path() const { return path_; }
  // The environment a test build needs: SILIAN_TEST_CLOCK_FILE naming the file.
  Env env() const;

 private:
  std::string path_;
};

// The test builds of the programs (support/programs.h: the programs themselves).
const std::string& HubTestClockBin();    // silian-hub-testclock
const std::string& NodeTestClockBin();   // silian-node-testclock
const std::string& AdminTestClockBin();  // silian-admin-testclock

}  // namespace silian::test
