// Borrowed access to a Ledger that other threads may share. Whoever owns the ledger decides the locking:
// a hub's owner object holds one mutex (hub/hub_ledger.h) and hands out this interface, never the mutex;
// a single-threaded program uses DirectAccess. Sync sessions and the sync service touch the ledger only
// inside With(), never across network I/O, compression or parsing.
#pragma once

#include <functional>

#include "base/status.h"
#include "ledger/ledger.h"

namespace silian::sync {

class LedgerAccess {
 public:
  virtual ~LedgerAccess() = default;
  // Runs `fn` with the ledger, holding the owner's lock (if any) for the whole call, and returns what it
  // returns. `fn` must not call With again (the lock is not re-entrant).
  virtual Status With(const std::function<Status(Ledger&)>& fn) = 0;
};

// No lock: for a program with one thread.
class DirectAccess final : public LedgerAccess {
 public:
  explicit DirectAccess(Ledger& ledger) : ledger_(ledger) {}
  Status With(const std::function<Status(Ledger&)>& fn) override { return fn(ledger_); }

 private:
  Ledger& ledger_;
};

}  // namespace silian::sync
