// The envelope rules (docs/protocol.md, "Envelope rules" and "Who may vouch for a skip").
#include "ledger/internal/envelope.h"

#include "base/ids.h"
#include "base/text.h"
#include "ledger/chain.h"

namespace silian::sync {
namespace {

// A value from the wire in a message: at most 64 bytes of it, so that a reply never echoes large input.
std::string Short(const std::string& text) {
  constexpr size_t kMax = 64;
  return text.size() <= kMax ? Quote(text) : Quote(text.substr(0, kMax)) + "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace

std::string OpName(const pb::Op& op) { return "op " + Short(op.origin() + ":" + std::to_string(op.seq())); }

std::string SkipName(const pb::Skip& skip) {
  return "skip of " + Short(skip.origin()) + " seq " + std::to_string(skip.from_seq()) + ".." +
         std::to_string(skip.to_seq());
}

Status CheckOpEnvelope(const pb::Op& op, bool reference) {
  const std::string name = OpName(op);
  if (!ParseNodeId(op.origin()).ok()) return DataLoss(name + " has an invalid origin");
  if (op.seq() == 0 || op.seq() > kMaxSeq)
    return DataLoss(name + " has seq " + std::to_string(op.seq()) + " outside 1.." + std::to_string(kMaxSeq));
  if (reference) {
    if (!op.case_id().empty()) return DataLoss(name + " is reference data but names case " + Short(op.case_id()));
    if (op.division().empty() || !ParseScopePrefix(op.division()).ok())
      return DataLoss(name + " is reference data for an invalid area " + Short(op.division()));
    return Status::Ok();
  }
  if (!ParseDivisionCode(op.division()).ok()) return DataLoss(name + " has an invalid division code " + Short(op.division()));
  auto creation = ParseOpId(op.case_id());
  if (!creation.ok() || creation->seq > kMaxSeq || !ParseNodeId(creation->origin).ok())
    return DataLoss(name + " has case id " + Short(op.case_id()) + ", which is not the id of an op (\"origin:seq\")");
  const bool own = *creation == OpId{op.origin(), op.seq()};
  if (op.has_case_created() && !own)
    return DataLoss(name + " creates a case but names case " + Short(op.case_id()) +
                    ": a case's id is the id of the op that created it");
  if (!op.has_case_created() && own)
    return DataLoss(name + " names itself as its case but does not create one");
  return Status::Ok();
}

Status CheckSkipSyntax(const pb::Skip& skip) {
  const std::string name = SkipName(skip);
  if (!ParseNodeId(skip.origin()).ok()) return DataLoss(name + " has an invalid origin");
  if (skip.from_seq() == 0 || skip.to_seq() < skip.from_seq() || skip.to_seq() > kMaxSeq)
    return DataLoss(name + " has an invalid range: seqs must satisfy 1 <= from <= to <= " + std::to_string(kMaxSeq));
  if (skip.hash().size() != kHashBytes) return DataLoss(name + " has a hash of the wrong size");
  if (!ParseScopePrefix(skip.scope()).ok()) return DataLoss(name + " has an invalid scope " + Short(skip.scope()));
  return Status::Ok();
}

SenderFrontier FrontierMap(const pb::Frontier& frontier) {
  SenderFrontier out;
  for (const auto& e : frontier.entries()) out[e.origin()] = {e.seq(), e.hash()};
  return out;
}

SkipDecision DecideSkip(const pb::Skip& skip, const std::string& self, const std::string& receiver_scope,
                        const ImportSender& sender, const SenderFrontier& sender_frontier) {
  using Action = SkipDecision::Action;
  const std::string name = SkipName(skip);
  const bool network = sender.kind == ImportSender::Kind::kPush || sender.kind == ImportSender::Kind::kPull;
  const std::string from = sender.node_id.empty() ? std::string("the sender") : "sender " + Short(sender.node_id);
  // (a) Only a node itself says what its own seqs are.
  if (skip.origin() == self)
    return {Action::kRefuse, name + " covers this node's own origin: no other replica may vouch for its seqs"};
  // (b) The scope names what the skipped ops are not; "" would say they are nowhere.
  if (skip.scope().empty())
    return {Action::kRefuse, name + " has an empty scope: a skip's scope must be a non-empty division prefix"};
  if (!InScope(receiver_scope, skip.scope()))
    return {network ? Action::kRefuse : Action::kIgnore,
            name + " has scope " + Short(skip.scope()) + ", which does not contain this replica's scope " +
                Quote(receiver_scope) + ": some of those ops may belong here"};
  if (sender.kind == ImportSender::Kind::kUnchecked) return {};
  // (c) A sender knows the divisions of ops in its own scope only.
  if (sender.scope.empty() || !ParseScopePrefix(sender.scope).ok() || !InScope(skip.scope(), sender.scope))
    return {network ? Action::kRefuse : Action::kIgnore,
            name + " has scope " + Short(skip.scope()) + ", outside the scope " + Short(sender.scope) + " of " + from +
                ": a replica vouches only for ops of its own area"};
  // (d) Never past what the sender itself holds.
  auto it = sender_frontier.find(skip.origin());
  uint64_t held = it == sender_frontier.end() ? 0 : it->second.first;
  if (skip.to_seq() > held)
    return {Action::kRefuse, name + " reaches past seq " + std::to_string(held) + ", the last of origin " +
                                 Quote(skip.origin()) + " that " + from + " holds by its own frontier"};
  if (held == skip.to_seq() && !it->second.second.empty() && it->second.second != skip.hash())
    return {Action::kRefuse, name + " has chain hash " + ToHex(skip.hash()) + ", but " + from +
                                 "'s frontier has " + ToHex(it->second.second) + " at seq " + std::to_string(held)};
  return {};
}

ImportSender PushSender(const Peer& peer, const pb::Frontier& request_frontier) {
  ImportSender s;
  s.kind = ImportSender::Kind::kPush;
  s.node_id = peer.node_id.value;
  s.scope = ScopeOf(peer.level, peer.division);
  s.frontier = request_frontier;
  return s;
}

ImportSender PullSender(const std::string& hub_id, const std::string& hub_scope, const pb::Frontier& receipt) {
  ImportSender s;
  s.kind = ImportSender::Kind::kPull;
  s.node_id = hub_id;
  s.scope = hub_scope;
  s.frontier = receipt;
  return s;
}

ImportSender BundleSender(const pb::BundleHeader& header) {
  ImportSender s;
  s.kind = ImportSender::Kind::kBundle;
  s.node_id = header.sender();
  s.scope = header.sender_scope();
  s.frontier = header.sender_frontier();
  return s;
}

}  // namespace silian::sync
