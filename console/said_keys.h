// Every line the command line says through the catalogue on success (console::Said), with the names of its
// parameters in the order Said takes their values: the one table, as base/message_keys.h is for refusals.
// The catalogue test enumerates it (AllSaidKeys) and checks that ui/assets/messages.json has each key in
// zh, mn and en with exactly these placeholders, and that its "cli." block is exactly this table.
//
// To add a line: one X(...) line here, its entry in the "cli." block of messages.json, and
// `Said(g, said::kName, values...)` where it is printed. The English text is what the command printed
// before it was catalogued, byte for byte (values are never shortened). The language is the user's
// (--lang, SILIAN_LANG, else the locale): a script reads `--json`, or runs with `--lang en`.
#pragma once

#include <string_view>
#include <vector>

#include "base/message_keys.h"

// X(constant, "key", "param", ...)
#define SILIAN_SAID_KEYS(X)                                                                              \
  X(kCaseNewNumber, "cli.case_new.number", "case_number")                                                \
  X(kCaseNewId, "cli.case_new.id", "case_id")                                                            \
  X(kSynced, "cli.sync.done", "level", "hub", "url", "pushed", "pulled", "conflicts", "sent", "received") \
  X(kImported, "cli.import.done", "new", "known", "out_of_scope", "pending", "equivocations", "cases")   \
  X(kExported, "cli.export.done", "ops", "skips", "file", "bytes", "more")                               \
  X(kExportedFor, "cli.export.for_node", "node")                                                         \
  X(kExportedSealed, "cli.export.sealed_for", "node")                                                    \
  X(kServing, "cli.ui.serving", "url")                                                                   \
  X(kLoggedIn, "cli.login.done", "staff", "until")                                                       \
  X(kLoggedOut, "cli.logout.done")                                                                       \
  X(kNoSession, "cli.logout.none")                                                                       \
  X(kLedgerCreated, "cli.init.created", "ledger", "node", "level", "division", "device", "scope")        \
  X(kPublicKey, "cli.init.public_key", "key", "fingerprint")                                             \
  X(kEnrolledAt, "cli.init.enrolled", "hub")                                                             \
  X(kEnrolRequestWritten, "cli.init.enrol_request", "file")                                              \
  X(kEnrolledNode, "cli.enrol.done", "node", "device")                                                   \
  X(kUnlocked, "cli.unlock.done", "ledger", "slot", "until")                                             \
  X(kLocked, "cli.lock.done", "ledger")                                                                  \
  X(kWasNotUnlocked, "cli.lock.not_unlocked", "ledger")                                                  \
  X(kKeyslotAdded, "cli.keyslot.added", "slot", "ledger")                                                \
  X(kKeyslotRemoved, "cli.keyslot.removed", "slot", "ledger")

namespace silian::console::said {

#define SILIAN_DEFINE_SAID_KEY(name, ...) inline constexpr auto name = msg::MakeKey(__VA_ARGS__);
SILIAN_SAID_KEYS(SILIAN_DEFINE_SAID_KEY)
#undef SILIAN_DEFINE_SAID_KEY

// Every key of SILIAN_SAID_KEYS, in its order.
inline std::vector<msg::KeySpec> AllSaidKeys() {
#define SILIAN_SPEC_OF_SAID_KEY(name, ...) msg::SpecOf(name),
  return {SILIAN_SAID_KEYS(SILIAN_SPEC_OF_SAID_KEY)};
#undef SILIAN_SPEC_OF_SAID_KEY
}

}  // namespace silian::console::said
