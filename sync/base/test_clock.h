// The test clock (docs/architecture.md, "The test clock"). The programs have no option and honour no
// environment variable that moves their clock: an operator must not be able to backdate ops. The test
// builds of the programs (silian-hub-testclock, silian-node-testclock, silian-admin-testclock; built for the
// tests, never installed) link tests/support/test_clock_hook.cc, which installs a shift read from the file
// that SILIAN_TEST_CLOCK_FILE names; the programs themselves link nothing that calls
// InstallSystemClockShift, and refuse to run when that variable is set (console/program.h).
#pragma once

#include <cstdint>

namespace silian::sync {

// A shift: milliseconds (may be negative) that SystemWallClock (base/hlc.h) adds to the system time, read
// at every call.
using SystemClockShift = int64_t (*)();

// The variable naming the shift file.
inline constexpr const char* kTestClockFileEnv = "SILIAN_TEST_CLOCK_FILE";

// Installs `shift` for the whole process. REQUIRES: called before any thread starts (from a static
// initializer of the test hook).
void InstallSystemClockShift(SystemClockShift shift);
// Whether a shift is installed (a test build of a program runs).
bool SystemClockShifted();

}  // namespace silian::sync
