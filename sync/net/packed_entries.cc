#include "net/packed_entries.h"

#include <cstdint>
#include <limits>
#include <string>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include "base/ids.h"
#include "base/text.h"

namespace silian::sync {
namespace {

using google::protobuf::internal::WireFormatLite;

// The bytes an Op with these three fields begins with when serialized in field order, as protobuf does.
std::string CanonicalPrefix(const std::string& origin, uint64_t seq, uint64_t hlc) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    WireFormatLite::WriteString(pb::Op::kOriginFieldNumber, origin, &coded);
    WireFormatLite::WriteUInt64(pb::Op::kSeqFieldNumber, seq, &coded);
    WireFormatLite::WriteUInt64(pb::Op::kHlcFieldNumber, hlc, &coded);
  }
  return out;
}

bool HasPackingFields(const pb::Entry& e) {
  return !e.packed_origin().empty() || e.packed_seq() != 0 || e.packed_hlc_delta() != 0;
}

Status EntryError(int index, const std::string& what) {
  return InvalidArgument("packed entry " + std::to_string(index + 1) + " " + what);
}

}  // namespace

void PackEntries(pb::Batch* batch) {
  std::string prev_origin;
  uint64_t prev_seq = 0, prev_hlc = 0;
  for (pb::Entry& e : *batch->mutable_entries()) {
    if (!e.has_op()) continue;
    pb::Op op;
    // Only origin, seq and hlc are needed; a full parse is the simplest exact way to read them.
    if (!op.ParseFromString(e.op())) continue;  // the receiver refuses it; it is no context on either side
    const std::string prefix = CanonicalPrefix(op.origin(), op.seq(), op.hlc());
    // Not in canonical order (or without an origin or seq): it stays plain, and is the next op's context,
    // as UnpackEntries reads it.
    if (op.origin().empty() || op.seq() == 0 || e.op().compare(0, prefix.size(), prefix) != 0) {
      prev_origin = op.origin();
      prev_seq = op.seq();
      prev_hlc = op.hlc();
      continue;
    }
    std::string tail = e.op().substr(prefix.size());
    const bool same_origin = op.origin() == prev_origin;
    if (!same_origin) e.set_packed_origin(op.origin());
    if (!same_origin || op.seq() != prev_seq + 1) e.set_packed_seq(op.seq());
    e.set_packed_hlc_delta(static_cast<int64_t>(op.hlc() - prev_hlc));  // mod 2^64, as the receiver adds it
    e.set_op_tail(std::move(tail));
    prev_origin = op.origin();
    prev_seq = op.seq();
    prev_hlc = op.hlc();
  }
}

Status UnpackEntries(pb::Batch* batch) {
  std::string prev_origin;
  uint64_t prev_seq = 0, prev_hlc = 0;
  for (int i = 0; i < batch->entries_size(); ++i) {
    pb::Entry& e = *batch->mutable_entries(i);
    if (e.has_op()) {
      if (HasPackingFields(e)) return EntryError(i, "is a plain op with packing fields");
      pb::Op op;  // a plain op between packed ones is their context too
      if (op.ParseFromString(e.op())) {
        prev_origin = op.origin();
        prev_seq = op.seq();
        prev_hlc = op.hlc();
      }
      continue;
    }
    if (!e.has_op_tail()) {
      if (HasPackingFields(e)) return EntryError(i, "is a skip with packing fields");
      continue;
    }
    std::string origin = e.packed_origin().empty() ? prev_origin : e.packed_origin();
    if (origin.empty()) return EntryError(i, "names no origin and follows no op");
    if (!e.packed_origin().empty()) {
      if (origin.size() > 64) return EntryError(i, "has an origin of " + std::to_string(origin.size()) + " bytes");
      Result<NodeId> id = ParseNodeId(origin);
      if (!id.ok()) return EntryError(i, "has a bad origin: " + id.status().message());
    }
    uint64_t seq = e.packed_seq();
    if (seq == 0) {
      if (!e.packed_origin().empty()) return EntryError(i, "changes origin to " + Quote(origin) + " without a seq");
      if (prev_seq == std::numeric_limits<uint64_t>::max()) return EntryError(i, "follows the largest seq");
      seq = prev_seq + 1;
    }
    const uint64_t hlc = prev_hlc + static_cast<uint64_t>(e.packed_hlc_delta());
    std::string bytes = CanonicalPrefix(origin, seq, hlc);
    bytes += e.op_tail();
    e.clear_packed_origin();
    e.clear_packed_seq();
    e.clear_packed_hlc_delta();
    e.set_op(std::move(bytes));
    prev_origin = std::move(origin);
    prev_seq = seq;
    prev_hlc = hlc;
  }
  return Status::Ok();
}

std::optional<int> ParseEntryOps(const pb::Batch& batch, std::vector<pb::Op>* ops) {
  ops->clear();
  ops->reserve(static_cast<size_t>(batch.entries_size()));
  for (int i = 0; i < batch.entries_size(); ++i)
    if (pb::Op& op = ops->emplace_back(); batch.entries(i).has_op() && !op.ParseFromString(batch.entries(i).op()))
      return i;
  return std::nullopt;
}

}  // namespace silian::sync
