// The envelope rules of docs/protocol.md ("Envelope rules"): pure checks of one op or skip, given who
// receives it and who sent it. Private to the ledger module; Import applies them on every path.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "silian.pb.h"
#include "base/status.h"
#include "ledger/ledger.h"

namespace silian::sync {

// "op "origin:seq"" and "skip of "origin" seq A..B", for messages.
std::string OpName(const pb::Op& op);
std::string SkipName(const pb::Skip& skip);

// The envelope of an op, whoever wrote it: a valid origin, seq in 1..kMaxSeq, a reference op names an
// area and no case, a case op a 12-digit division and a case id that is an op id ("origin:seq"); a
// creation op (case_created) is its own case, and no other op is. kDataLoss naming the op and the field.
Status CheckOpEnvelope(const pb::Op& op, bool reference);

// The syntax of a skip: a valid origin, 1 <= from_seq <= to_seq <= kMaxSeq, a 32-byte hash, a valid scope.
// kDataLoss naming the skip and the field.
Status CheckSkipSyntax(const pb::Skip& skip);

// The sender's frontier by origin: (seq, chain hash or "").
using SenderFrontier = std::map<std::string, std::pair<uint64_t, std::string>>;
SenderFrontier FrontierMap(const pb::Frontier& frontier);

struct SkipDecision {
  enum class Action { kApply, kIgnore, kRefuse };
  Action action = Action::kApply;
  std::string rule;  // why, when not applied
};
// Whether replica `self` (holding `receiver_scope`) applies `skip` (syntax already checked) that `sender`
// handed in. kRefuse: the import must fail with kPermissionDenied naming `rule`. kIgnore: the skip is not
// applied and the ops it covers are awaited (a bundle cut for another holder carries such skips honestly).
SkipDecision DecideSkip(const pb::Skip& skip, const std::string& self, const std::string& receiver_scope,
                        const ImportSender& sender, const SenderFrontier& sender_frontier);

}  // namespace silian::sync
