// Serving pulls and receipts to narrower replicas.
#include "ledger/ledger.h"

#include <functional>
#include <map>
#include <optional>
#include <set>

#include "base/text.h"
#include "ledger/chain.h"
#include "ledger/internal/ledger_impl.h"

namespace silian::sync {

namespace {

// One stored op as a pull reads it, in local arrival order.
struct PullRow {
  uint64_t id = 0;
  std::string origin;
  uint64_t seq = 0;
  std::string bytes;
};

PullRow ReadRow(const Stmt& s) {
  return PullRow{static_cast<uint64_t>(s.Int(0)), s.Text(1), static_cast<uint64_t>(s.Int(2)), s.Text(3)};
}

// The ops under the child's prefix after the cursor. A 12-digit scope uses the plain division index; a
// shorter one the index on its prefix length (kServingIndexes).
std::string PrefixQuery(const std::string& child_scope) {
  std::string sql = "SELECT id, origin, seq, bytes FROM ops WHERE ";
  if (child_scope.size() == 12) {
    sql += "division=?1";
  } else if (!child_scope.empty()) {
    sql += "substr(division, 1, " + std::to_string(child_scope.size()) + ")=?1";
  } else {
    sql += "?1=''";
  }
  return sql + " AND id>?2 ORDER BY id LIMIT ?3";
}

// The areas that contain the child's scope, as an SQL list ('1502','150221'), or "" when there are none. A
// scope is digits only (checked where it is registered).
std::string WiderDivisions(const std::string& child_scope) {
  std::string in;
  for (size_t digits : {4, 6, 9})
    if (digits < child_scope.size()) in += std::string(in.empty() ? "" : ",") + "'" + child_scope.substr(0, digits) + "'";
  return in;
}

// Reference ops of the areas that contain the child's scope (the city's catalogue for a village) are not
// under the child's prefix: they come from a second, small query, merged in arrival order.
Result<std::vector<PullRow>> WiderRows(sqlite3* db, const std::string& child_scope, uint64_t cursor,
                                       size_t max_entries) {
  std::vector<PullRow> wider;
  const std::string in = WiderDivisions(child_scope);
  if (in.empty()) return wider;
  Stmt ref;
  std::string sql = "SELECT id, origin, seq, bytes FROM ops WHERE division IN (" + in + ") AND id>?1 ORDER BY id LIMIT ?2";
  SILIAN_RETURN_IF_ERROR(ref.Prepare(db, sql.c_str()));
  ref.Bind(1, cursor).Bind(2, static_cast<int64_t>(max_entries));
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, ref.Step());
    if (!row) return wider;
    wider.push_back(ReadRow(ref));
  }
}

// Builds one pull reply: each stored op the child lacks, with a skip before it wherever the child's
// frontier has a gap.
class PullBuilder {
 public:
  PullBuilder(sqlite3* db, const std::string& child_scope, const pb::Frontier& child_frontier, uint64_t cursor,
              size_t max_entries, size_t max_bytes)
      : db_(db), child_scope_(child_scope), max_entries_(max_entries), max_bytes_(max_bytes) {
    for (const auto& e : child_frontier.entries()) held_[e.origin()] = e.seq();
    out_.next_cursor = cursor;
  }
  Status Prepare() {
    SILIAN_RETURN_IF_ERROR(op_hash_.Prepare(db_, "SELECT chain_hash FROM ops WHERE origin=? AND seq=?"));
    return skip_hash_.Prepare(db_, "SELECT hash FROM skips WHERE origin=? AND to_seq=?");
  }
  // Adds one stored op; true when the reply is full.
  Result<bool> Take(PullRow r) {
    out_.next_cursor = r.id;
    uint64_t& have = held_[r.origin];
    if (r.seq > have) {
      if (r.seq > have + 1) SILIAN_RETURN_IF_ERROR(AddGap(r.origin, have + 1, r.seq - 1));
      bytes_ += r.bytes.size() + 4;
      out_.batch.add_entries()->set_op(std::move(r.bytes));
      have = r.seq;
    }
    return bytes_ >= max_bytes_ || static_cast<size_t>(out_.batch.entries_size()) >= max_entries_;
  }
  Ledger::PullResult& result() { return out_; }

  // One origin's ops in (?2, ?3] that a pull for the child's scope sends: under its prefix, or reference
  // ops of the areas that contain it (as PrefixQuery and WiderRows choose them).
  std::string RunQuery() const {
    const std::string in = WiderDivisions(child_scope_);
    std::string sql = "SELECT id, origin, seq, bytes FROM ops WHERE origin=?1 AND seq>?2 AND seq<=?3 AND (";
    sql += child_scope_.empty() ? "?4=''" : "substr(division, 1, length(?4))=?4";
    if (!in.empty()) sql += " OR division IN (" + in + ")";
    return sql + ") ORDER BY seq";
  }

  // A child applies an origin's entries only up to a signed head, and parks the rest; but the cursor moves
  // past them, and the next pull would cover them with a skip (AddGap) as if they lay outside the child's
  // scope. So no origin's run in a reply ends below a head: each is carried on to the next verified head
  // this replica holds, with that origin's in-scope ops up to it (past the entry limit if need be; the
  // cursor stays, and the next pull passes over them as held) and skips over the rest (docs/protocol.md,
  // "Signatures"). `own` signs its heads on demand; `open` unseals a stored op.
  Status CloseRunsAtHeads(const std::string& own, const std::function<Result<std::string>(PullRow&)>& open) {
    std::set<std::string> origins;
    for (const auto& e : out_.batch.entries())
      if (e.has_skip()) origins.insert(e.skip().origin());
    for (const auto& e : out_.batch.entries()) {
      pb::Op op;
      if (e.has_op() && op.ParseFromString(e.op())) origins.insert(op.origin());
    }
    Stmt next_head, in_scope;
    SILIAN_RETURN_IF_ERROR(next_head.Prepare(
        db_, "SELECT min(h.seq) FROM heads h WHERE h.origin=?1 AND h.verified=1 AND h.seq>=?2 AND "
             "(EXISTS(SELECT 1 FROM ops WHERE origin=?1 AND seq=h.seq) OR "
             "EXISTS(SELECT 1 FROM skips WHERE origin=?1 AND to_seq=h.seq))"));  // held here, not parked
    SILIAN_RETURN_IF_ERROR(in_scope.Prepare(db_, RunQuery().c_str()));
    for (const auto& origin : origins) {
      if (origin == own) continue;
      const uint64_t last = held_[origin];
      next_head.Reset().Bind(1, origin).Bind(2, last);
      SILIAN_ASSIGN_OR_RETURN(bool row, next_head.Step());
      if (!row || next_head.IsNull(0)) continue;
      const uint64_t head = static_cast<uint64_t>(next_head.Int(0));
      if (head == last) continue;
      uint64_t& have = held_[origin];
      in_scope.Reset().Bind(1, origin).Bind(2, last).Bind(3, head).Bind(4, child_scope_);
      for (;;) {
        SILIAN_ASSIGN_OR_RETURN(bool more, in_scope.Step());
        if (!more) break;
        PullRow r = ReadRow(in_scope);
        SILIAN_ASSIGN_OR_RETURN(r.bytes, open(r));
        if (r.seq > have + 1) SILIAN_RETURN_IF_ERROR(AddGap(origin, have + 1, r.seq - 1));
        bytes_ += r.bytes.size() + 4;
        out_.batch.add_entries()->set_op(std::move(r.bytes));
        have = r.seq;
      }
      if (have < head) SILIAN_RETURN_IF_ERROR(AddGap(origin, have + 1, head));
      have = head;
    }
    return Status::Ok();
  }

 private:
  // Everything of this origin in the child's scope up to `to` arrived here before the op after it, so it
  // was either pulled already (the child's frontier covers it) or is in this reply: the gap is outside the
  // child's scope.
  Status AddGap(const std::string& origin, uint64_t from, uint64_t to) {
    std::string hash;
    op_hash_.Reset().Bind(1, origin).Bind(2, to);
    SILIAN_ASSIGN_OR_RETURN(bool found, op_hash_.Step());
    if (found) {
      hash = op_hash_.Text(0);
    } else {
      skip_hash_.Reset().Bind(1, origin).Bind(2, to);
      SILIAN_ASSIGN_OR_RETURN(bool in_skip, skip_hash_.Step());
      if (!in_skip) return Internal("ledger has no chain hash for " + Quote(origin) + " seq " + std::to_string(to));
      hash = skip_hash_.Text(0);
    }
    pb::Skip* skip = out_.batch.add_entries()->mutable_skip();
    skip->set_origin(origin);
    skip->set_from_seq(from);
    skip->set_to_seq(to);
    skip->set_hash(hash);
    skip->set_scope(child_scope_);
    bytes_ += origin.size() + 60;
    return Status::Ok();
  }

  sqlite3* db_;
  const std::string& child_scope_;
  size_t max_entries_;
  size_t max_bytes_;
  std::map<std::string, uint64_t> held_;
  Stmt op_hash_, skip_hash_;
  Ledger::PullResult out_;
  size_t bytes_ = 0;
};

}  // namespace

Result<Ledger::PullResult> Ledger::Pull(const std::string& child_scope, const pb::Frontier& child_frontier,
                                        uint64_t cursor, size_t max_entries, size_t max_bytes) {
  Impl& m = *impl_;
  SILIAN_RETURN_IF_ERROR(m.RefreshIfChangedElsewhere());
  Stmt rows;
  SILIAN_RETURN_IF_ERROR(rows.Prepare(m.db, PrefixQuery(child_scope).c_str()));
  rows.Bind(1, child_scope).Bind(2, cursor).Bind(3, static_cast<int64_t>(max_entries));
  SILIAN_ASSIGN_OR_RETURN(std::vector<PullRow> wider, WiderRows(m.db, child_scope, cursor, max_entries));
  for (PullRow& w : wider) {
    SILIAN_ASSIGN_OR_RETURN(w.bytes, m.OpenStored("op", w.origin, w.seq, std::move(w.bytes)));
  }
  PullBuilder builder(m.db, child_scope, child_frontier, cursor, max_entries, max_bytes);
  SILIAN_RETURN_IF_ERROR(builder.Prepare());
  size_t rows_read = 0;
  size_t next_wider = 0;
  bool full = false;
  // When the wider query hit its limit, ops of it may follow its last row: no row of the prefix query
  // beyond that row may be taken now, or the cursor would pass reference ops never sent (and the next op
  // of their origin would cover them with a skip, as if they lay outside the child's scope).
  const uint64_t wider_cut = wider.size() == max_entries ? wider.back().id : UINT64_MAX;
  bool cut = false;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    ++rows_read;
    PullRow r = ReadRow(rows);
    SILIAN_ASSIGN_OR_RETURN(r.bytes, m.OpenStored("op", r.origin, r.seq, std::move(r.bytes)));
    while (!full && next_wider < wider.size() && wider[next_wider].id < r.id) {
      SILIAN_ASSIGN_OR_RETURN(full, builder.Take(std::move(wider[next_wider++])));
    }
    if (full) break;
    if (r.id > wider_cut) {
      cut = true;
      break;
    }
    SILIAN_ASSIGN_OR_RETURN(full, builder.Take(std::move(r)));
    if (full) break;
  }
  PullResult& out = builder.result();
  if (cut) out.more = true;
  // The prefix query ran dry before its limit: the wider ops after its last row come next.
  if (!full && rows_read < max_entries) {
    while (!full && next_wider < wider.size()) {
      SILIAN_ASSIGN_OR_RETURN(full, builder.Take(std::move(wider[next_wider++])));
    }
    if (next_wider < wider.size() || wider.size() == max_entries) out.more = true;
  }
  if (full || rows_read == max_entries) out.more = true;
  SILIAN_RETURN_IF_ERROR(builder.CloseRunsAtHeads(m.config.node_id.value, [&m](PullRow& r) {
    return m.OpenStored("op", r.origin, r.seq, std::move(r.bytes));
  }));
  SILIAN_RETURN_IF_ERROR(AttachHeads(&out.batch));
  return std::move(out);
}

Result<std::optional<std::string>> Ledger::OpBytes(const OpId& id) {
  Impl& m = *impl_;
  m.select_op_bytes.Reset().Bind(1, id.origin).Bind(2, id.seq);
  SILIAN_ASSIGN_OR_RETURN(bool row, m.select_op_bytes.Step());
  std::optional<std::string> out;
  if (row) out = m.select_op_bytes.Text(0);
  m.select_op_bytes.Reset();
  if (out) {
    SILIAN_ASSIGN_OR_RETURN(*out, m.OpenStored("op", id.origin, id.seq, std::move(*out)));
  }
  return out;
}

Result<pb::Frontier> Ledger::Receipt(const std::vector<std::string>& origins) {
  SILIAN_RETURN_IF_ERROR(impl_->RefreshIfChangedElsewhere());
  pb::Frontier f;
  f.set_node_id(impl_->config.node_id.value);
  f.set_scope(impl_->scope);
  std::set<std::string> unique(origins.begin(), origins.end());
  for (const auto& origin : unique) {
    auto it = impl_->frontier.find(origin);
    if (it == impl_->frontier.end()) continue;
    auto* e = f.add_entries();
    e->set_origin(origin);
    e->set_seq(it->second.seq);
    e->set_hash(it->second.hash);
  }
  return f;
}


}  // namespace silian::sync
