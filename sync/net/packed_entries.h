// Packed entries (docs/protocol.md, "Packed entries"): a sync message's batch carries each op without its
// leading origin, seq and hlc fields, which follow from the op entry before it in the batch (the same
// origin, the next seq, a small clock step). zstd cannot see through those three fields, which change with
// every op; packed, the window workload's pushes are about a third smaller. The receiver rebuilds the
// author's exact bytes before anything reads the batch, so chain hashes and signed heads are unchanged.
#pragma once

#include <optional>
#include <vector>

#include "base/status.h"
#include "silian.pb.h"

namespace silian::sync {

// Packs every op entry of `batch` whose bytes begin with the canonical origin, seq and hlc fields (what
// every author here writes); any other op stays a plain `op` entry. Skips are left as they are.
void PackEntries(pb::Batch* batch);

// Rebuilds every packed entry of `batch` into a plain `op` entry, in place. kInvalidArgument, naming the
// entry (1-based) and what is wrong, for a packed entry with no origin before it, an origin that is not a
// node id, a seq that would pass 2^64, or packing fields on an entry that is not packed; the batch is then
// not to be used.
Status UnpackEntries(pb::Batch* batch);

// Sets `ops` to the op of each entry of `batch`, parsed (an empty op for an entry that is not an op), for
// Ledger::Import::AddParsed: a receiver parses before it takes the writer's lock. Returns the 0-based index
// of the first op entry that does not parse (the ops are then not to be used), nullopt when all parse.
std::optional<int> ParseEntryOps(const pb::Batch& batch, std::vector<pb::Op>* ops);

}  // namespace silian::sync
