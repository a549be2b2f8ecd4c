// A read view of a ledger: a second Ledger opened on the same file beside the one that writes it, whose
// connection can no longer write (PRAGMA query_only), read in one read transaction per call. The file is in
// WAL mode: a read transaction sees the last commit as of its first read and neither waits for the writer
// nor holds it up, however long the writer's transaction runs (a push, a county re-projecting a million
// ops). A hub serves its pulls, reports, supervision's reads and the dashboard through one
// (hub/hub_ledger.h WithReadStore), so they never queue behind an import.
// Not thread-safe, as a Ledger: the owner serializes the calls on one view.
#pragma once

#include <functional>

#include "base/status.h"
#include "ledger/ledger.h"

namespace silian::sync {

// Makes `ledger` (opened with Ledger::Open after its writer, which migrated the file) a read view: every
// later write on its connection fails with SQLite's "attempt to write a readonly database".
// kFailedPrecondition when the file is not in WAL mode (a reader would then wait for the writer);
// kInternal naming SQLite's message otherwise.
Status MakeReadView(Ledger& ledger);

// Runs `fn` inside one read transaction of `ledger`: every query it makes sees the same commit, and the
// ledger's cached frontier and settings are reloaded first when another connection committed. Returns
// fn's status (or the transaction's error). REQUIRES: outside any transaction of `ledger`; `fn` does not
// write (on a read view a write fails anyway).
Status RunRead(Ledger& ledger, const std::function<Status()>& fn);

// Runs `body` in one write transaction of `ledger` (Ledger::RunTransaction) only when SQLite's write lock
// of the file can be had within `wait_ms`: kUnavailable, nothing done, when another connection holds it
// longer (a long import in another process); else body's or the transaction's status. For writes that may
// wait for a better moment (a hub's contact records) and must not hold up the caller. The connection's
// busy timeout is restored before it returns. REQUIRES: the ledger's owner lock; outside a transaction.
Status TryTransaction(Ledger& ledger, const std::function<Status()>& body, int wait_ms);

}  // namespace silian::sync
