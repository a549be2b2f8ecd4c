// A loopback TCP port that was free a moment ago: bound to 127.0.0.1:0, read back, closed. Another process
// may take it before the caller binds it, so callers that start servers retry with another port.
// cpprestsdk cannot listen on port 0 and report the port it got, hence this helper for tests.
#pragma once

namespace silian::test {

// REQUIREs that a port was found.
int FreePort();

}  // namespace silian::test
