// Export: what a holder lacks, with skips. (Import is in import.cc.)
#include "ledger/ledger.h"

#include <map>
#include <optional>
#include <set>

#include "base/text.h"
#include "ledger/chain.h"
#include "ledger/internal/ledger_impl.h"

namespace silian::sync {

Status Ledger::Export(const pb::Frontier& holder, const std::function<Status(pb::Entry)>& sink) {
  Impl& m = *impl_;
  SILIAN_RETURN_IF_ERROR(m.RefreshIfChangedElsewhere());
  const std::string holder_scope = holder.scope().empty() ? m.scope : holder.scope();
  std::map<std::string, uint64_t> held;
  for (const auto& e : holder.entries()) held[e.origin()] = e.seq();
  Stmt ops_stmt, skips_stmt;
  SILIAN_RETURN_IF_ERROR(ops_stmt.Prepare(
      m.db, "SELECT seq, division, chain_hash, bytes FROM ops WHERE origin=? AND seq>=? ORDER BY seq"));
  SILIAN_RETURN_IF_ERROR(skips_stmt.Prepare(
      m.db, "SELECT from_seq, to_seq, hash, scope FROM skips WHERE origin=? AND to_seq>=? ORDER BY from_seq"));
  for (const auto& frontier_entry : m.frontier) {
    // Plain references, not a structured binding: clang before 16 cannot capture those in the lambdas below.
    const std::string& origin = frontier_entry.first;
    const auto& point = frontier_entry.second;
    uint64_t start = held.count(origin) ? held[origin] + 1 : 1;
    if (start > point.seq) continue;
    ops_stmt.Reset().Bind(1, origin).Bind(2, start);
    skips_stmt.Reset().Bind(1, origin).Bind(2, start);
    SILIAN_ASSIGN_OR_RETURN(bool have_op, ops_stmt.Step());
    SILIAN_ASSIGN_OR_RETURN(bool have_skip, skips_stmt.Step());
    // A run of seqs the holder gets as a skip, not yet emitted.
    std::optional<pb::Skip> run;
    auto flush = [&]() -> Status {
      if (!run) return Status::Ok();
      pb::Entry e;
      *e.mutable_skip() = std::move(*run);
      run.reset();
      return sink(std::move(e));
    };
    auto extend = [&](uint64_t from, uint64_t to, std::string hash) {
      if (!run) {
        run.emplace();
        run->set_origin(origin);
        run->set_from_seq(from);
        run->set_scope(holder_scope);
      }
      run->set_to_seq(to);
      run->set_hash(std::move(hash));
    };
    uint64_t pos = start;
    while (pos <= point.seq) {
      if (have_op && static_cast<uint64_t>(ops_stmt.Int(0)) == pos) {
        if (OpInScope(ops_stmt.Text(1), holder_scope)) {
          SILIAN_RETURN_IF_ERROR(flush());
          pb::Entry e;
          SILIAN_ASSIGN_OR_RETURN(std::string bytes, m.OpenStored("op", origin, pos, ops_stmt.Text(3)));
          e.set_op(std::move(bytes));
          SILIAN_RETURN_IF_ERROR(sink(std::move(e)));
        } else {
          extend(pos, pos, ops_stmt.Text(2));
        }
        ++pos;
        SILIAN_ASSIGN_OR_RETURN(have_op, ops_stmt.Step());
      } else if (have_skip && static_cast<uint64_t>(skips_stmt.Int(0)) <= pos &&
                 static_cast<uint64_t>(skips_stmt.Int(1)) >= pos) {
        // This replica does not know what these ops are; it can vouch for them only to a holder whose
        // scope lies within the skip's. Otherwise the holder must get them from a replica that holds them,
        // so this origin stops here.
        if (!InScope(holder_scope, skips_stmt.Text(3))) break;
        uint64_t to = static_cast<uint64_t>(skips_stmt.Int(1));
        extend(pos, to, skips_stmt.Text(2));
        pos = to + 1;
        SILIAN_ASSIGN_OR_RETURN(have_skip, skips_stmt.Step());
      } else {
        return Internal("ledger has a gap in the ops of origin " + Quote(origin) + " at seq " + std::to_string(pos));
      }
    }
    SILIAN_RETURN_IF_ERROR(flush());
  }
  return Status::Ok();
}

}  // namespace silian::sync
