// What the ledger needs from the application that gives its ops meaning. The ledger stores, orders, chains,
// exchanges and digests ops without knowing what they say; the projector (the service domain's case
// projection, domain/case_projector.h) interprets them and keeps its own tables in the same SQLite file,
// as LevelDB takes a Comparator. Tests plug in their own.
//
// Every call but HashState is made on the ledger's connection inside its write transaction, so what the
// projector writes commits or rolls back with the ops that caused it.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "silian.pb.h"
#include "base/status.h"

namespace silian::sync {

class Ledger;

// An op the projection kept in the log but did not apply, with the rule it broke.
struct Refusal {
  std::string op;    // "origin:seq"
  std::string rule;  // the message naming the rule
};

class Projector {
 public:
  virtual ~Projector() = default;

  // The DDL that schema version `version` (1, 2, ...) of the ledger file adds for the projector's tables;
  // "" when that version added none. Run in the transaction that creates or migrates the file.
  virtual std::string SchemaStep(int version) const = 0;
  // Called once the file is open and its schema current, before any other call but SchemaStep.
  // `ledger` outlives every later call.
  virtual Status Attach(Ledger& ledger) = 0;
  // Cached state (settings) may be stale: another connection committed, or a transaction rolled back.
  virtual Status Reload() = 0;

  // Whether `op` is reference data (it applies to an area and names no case) by its kind. The ledger
  // refuses an op whose kind and case id disagree.
  virtual bool IsReference(const pb::Op& op) const = 0;
  // Content rules every op must meet, whoever wrote it and however it arrived: the same rules the
  // application applies when it authors an op (field syntax, closed lists, no control characters).
  // Pure: depends on `op` only. kInvalidArgument naming the op, the field and the value when broken.
  // The ledger calls it for every op it is handed, before storing anything; a refusal aborts the import.
  virtual Status CheckContent(const pb::Op& op) const = 0;
  // Whether `op` may join the log here given what the replica holds now (publisher rights of reference
  // data, the origin's registered level, ...). Called in chain order, just before an op within this
  // replica's scope is stored. kPermissionDenied (or kInvalidArgument) naming the op and the rule when not.
  // A refusal aborts the import that handed the op in; an op that waited in `pending` and is refused when
  // its turn comes is dropped from there and reported in ImportStats::refused. kUnavailable means "not
  // yet": a fact the decision needs (its publisher's registration, say) has not arrived; the ledger parks
  // the op in `pending` and asks again once other ops have been applied.
  virtual Status Admit(const pb::Op& op) = 0;
  // The Ed25519 public key (32 bytes) that verifies the signed chain heads of `origin` (docs/protocol.md,
  // "Signatures"). kUnavailable when it cannot be known yet (the origin's registration has not arrived):
  // the origin's entries wait in `pending`. kNotFound when this replica has no anchor of trust at all yet
  // (no pinned registry root): heads are then checked against the chain but not for their signatures.
  virtual Result<std::string> OriginKey(const std::string& origin) = 0;
  // A reference op was stored.
  virtual Status OnReferenceOp(const pb::Op& op) = 0;
  // Recomputes case `case_id` from all its stored ops (in any order, no duplicates) and stores the result.
  // Returns the ops it refused to apply, with their rules.
  virtual Result<std::vector<Refusal>> Project(const std::string& case_id, std::vector<pb::Op> ops) = 0;

  // Feeds `update` with the projected state of the cases whose division starts with `scope`, in an order
  // that depends only on that state: equal on replicas holding the same ops.
  virtual Status HashState(const std::string& scope, const std::function<void(std::string_view)>& update) = 0;
};

}  // namespace silian::sync
