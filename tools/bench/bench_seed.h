// silian-bench seed: fills an existing node ledger with many cases, for measuring the app's pages on a
// ledger of the size a busy hall holds (tests/ui/browser/page_speed.py). Every case is authored through
// LedgerStore as the app would (CreateCase, then receive), by the node that owns the ledger.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace silian::bench {

struct SeedOptions {
  std::string db;         // an existing, unencrypted node ledger
  std::string item_code;  // an item of the ledger's catalogue that its node may receive
  uint64_t cases = 10000;
  uint64_t seed = 20260105;
  std::string actor = "agent-seed";
  bool received = true;  // also "receive" each case (it then waits in "my work")
  bool json = false;
};

// Authors the cases, one transaction per op as the app does but with synchronous=OFF (a seeded ledger is a
// scratch file), printing progress on `err` and what was made on `out`. kInvalidArgument for bad options,
// the store's refusal (naming the item or the ledger) otherwise; the cases authored before a refusal stay.
Status RunSeed(const SeedOptions& options, std::ostream& out, std::ostream& err);

}  // namespace silian::bench
