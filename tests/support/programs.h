// The programs this tree builds, for the tests that run them as a user would.
// REQUIRES: a test binary that calls one of these depends on that program (add_dependencies in
// tests/CMakeLists.txt), so that it is built, and current, before the tests run.
#pragma once

#include <string>

namespace silian::test {

const std::string& NodeBin();   // silian-node
const std::string& HubBin();    // silian-hub
const std::string& AdminBin();  // silian-admin

}  // namespace silian::test
