// Hand-made ops and entries, for pure projection tests and for requests a real node never sends.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "silian.pb.h"

namespace silian::test {

// The envelope of a hand-made op. `id` is "origin:seq"; `parents` are op ids. The op's division is
// kVillage (support/ledger.h).
struct Head {
  std::string id;
  uint64_t hlc = 0;
  std::vector<std::string> parents;
  std::string case_id = "n1:1";
  std::string actor = "staff-1";
};

pb::Op Envelope(const Head& h);
// A case_created op of applicant `applicant_name` with ID number `applicant_id`, for item `item_code`.
pb::Op CreatedOp(const Head& h, const std::string& applicant_name, const std::string& applicant_id,
                 const std::string& item_code = "ITEM-1");
// The same, with ID number ResidentId(1) (support/ledger.h).
pb::Op CreatedOp(const Head& h, const std::string& applicant_name = "Bayar");
pb::Op SetOp(const Head& h, const std::vector<std::pair<std::string, std::string>>& values);
pb::Op ActOp(const Head& h, const std::string& action, const std::string& reason = "");
pb::Op NoteOp(const Head& h, const std::string& text);
pb::Op MaterialOp(const Head& h, const std::string& name, uint32_t copies);
pb::Op ResolveKeepOp(const Head& h, const std::string& conflict_id, const std::string& keep);
pb::Op ResolveValueOp(const Head& h, const std::string& conflict_id, const std::string& value);

// The entry carrying `op` as its serialized bytes.
pb::Entry OpEntry(const pb::Op& op);

// The op id of an op entry, or "skip:origin:from-to" for a skip.
std::string EntryName(const pb::Entry& e);
// EntryName of each entry, in order.
std::vector<std::string> EntryNames(const std::vector<pb::Entry>& entries);

}  // namespace silian::test
