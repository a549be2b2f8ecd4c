// The upstream relay of a hub with a parent: syncs with the parent in the background, on an interval and
// soon after new ops arrive, with exponential backoff and jitter while the parent is unreachable.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "ledger/access.h"

namespace silian::hub {

class UpstreamRelay {
 public:
  struct Options {
    std::string parent_url;
    uint64_t interval_ms = 10000;
    uint64_t backoff_min_ms = 500;
    uint64_t backoff_max_ms = 60000;
    uint64_t debounce_ms = 200;  // waits this long after new ops, to relay them in one session
    std::string parent_ca_file;  // how the parent is verified over https (settings hub_ca, hub_pin)
    std::string parent_pin;
  };
  // `ledger` is borrowed (a hub's HubLedger: sessions take its lock only around ledger work).
  UpstreamRelay(sync::LedgerAccess& ledger, Options options);
  ~UpstreamRelay();  // stops the thread

  void Start();
  void Stop();
  // Asks for a session soon (new ops arrived).
  void Poke();
  // parent URL, last success, last error, consecutive failures, ops relayed.
  nlohmann::json StatusJson() const;

 private:
  void Run();

  sync::LedgerAccess& ledger_;
  Options options_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool poked_ = false;
  uint64_t last_success_ms_ = 0;
  std::string last_error_;
  uint64_t failures_ = 0;
  uint64_t ops_pushed_ = 0;
  uint64_t ops_pulled_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace silian::hub
