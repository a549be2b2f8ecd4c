// Waiting for something another process or thread does.
#pragma once

#include <chrono>
#include <thread>

namespace silian::test {

// Calls `done` every `poll` until it returns true (then true), or until `limit` has passed (then false,
// after one last call).
template <typename F>
bool WaitUntil(F done, std::chrono::milliseconds limit,
               std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace silian::test
