#include "support/free_port.h"

#include "launch/child_process.h"
#include "support/status.h"

namespace silian::test {

int FreePort() { return SILIAN_TAKE(launch::FreeLoopbackPort()); }

}  // namespace silian::test
