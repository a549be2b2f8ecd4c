// Packed entries (docs/protocol.md, "Packed entries"): a sync message's batch carries each op without its
// leading origin, seq and hlc fields, which follow from the op entry before it in the batch (the same
// origin, the next seq, a small clock step). zstd cannot see through those three fields, which change with
// every op; packed, the window workload's pushes are about a third smaller. The receiver rebuilds the
// author's exact bytes before anything reads the batch, so chain hashes and signed heads are unchanged.
#pragma once

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

}  // namespace silian::sync
