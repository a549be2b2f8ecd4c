// What this replica heard from the hubs it syncs with: pull cursors, receipts of the levels above, the
// last completed sync.
#include <algorithm>
#include <map>
#include <set>

#include "base/text.h"
#include "ledger/chain.h"
#include "ledger/internal/ledger_impl.h"

namespace silian::sync {

Status Ledger::Impl::SaveReceipts(const std::vector<pb::LevelReceipt>& receipts) {
  // Receipts only move forward: a level that once held an op still holds it.
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      db,
      "INSERT INTO receipts(level, hub_id, origin, seq, as_of_ms, hash) VALUES(?1,?2,?3,?4,?5,?6) "
      "ON CONFLICT(level, origin) DO UPDATE SET hub_id=?2, hash=CASE WHEN ?4 >= seq THEN ?6 ELSE hash END, "
      "seq=max(seq, ?4), as_of_ms=max(as_of_ms, ?5)"));
  for (const auto& r : receipts) {
    if (!ParseLevel(r.level()).ok()) continue;
    for (const auto& e : r.entries()) {
      if (e.seq() > kMaxSeq) continue;  // no replica holds such a seq; CheckReceipt has reported it
      SILIAN_RETURN_IF_ERROR(
          s.Reset()
              .Bind(1, r.level())
              .Bind(2, r.hub_id())
              .Bind(3, e.origin())
              .Bind(4, e.seq())
              .Bind(5, r.as_of_ms())
              .BindBlob(6, e.hash())
              .Run());
    }
  }
  return Status::Ok();
}

Result<Ledger::PullState> Ledger::GetPullState(const std::string& hub_key) {
  SILIAN_ASSIGN_OR_RETURN(auto v, impl_->GetMeta("pull/" + hub_key));
  PullState st;
  if (!v) return st;
  auto space = v->find(' ');
  if (space == std::string::npos) return st;
  st.epoch = v->substr(0, space);
  st.cursor = std::stoull(v->substr(space + 1));
  return st;
}

Result<std::vector<pb::LevelReceipt>> Ledger::Receipts(const std::vector<std::string>& origins) {
  std::set<std::string> wanted(origins.begin(), origins.end());
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(impl_->db, "SELECT level, hub_id, origin, seq, as_of_ms, hash FROM receipts ORDER BY level, origin"));
  std::map<std::string, pb::LevelReceipt> by_level;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    std::string origin = s.Text(2);
    if (!wanted.empty() && !wanted.count(origin)) continue;
    pb::LevelReceipt& r = by_level[s.Text(0)];
    r.set_level(s.Text(0));
    r.set_hub_id(s.Text(1));
    r.set_as_of_ms(std::max<uint64_t>(r.as_of_ms(), static_cast<uint64_t>(s.Int(4))));
    auto* e = r.add_entries();
    e->set_origin(origin);
    e->set_seq(static_cast<uint64_t>(s.Int(3)));
    e->set_hash(s.Text(5));
  }
  std::vector<pb::LevelReceipt> out;
  for (auto& [level, r] : by_level) out.push_back(std::move(r));
  return out;
}

Result<std::vector<Ledger::LevelStatus>> Ledger::LevelStatuses() {
  Impl& m = *impl_;
  const std::string& self = m.config.node_id.value;
  uint64_t own_seq = m.frontier.count(self) ? m.frontier[self].seq : 0;
  SILIAN_ASSIGN_OR_RETURN(auto receipts, Receipts({self}));
  std::vector<LevelStatus> out;
  for (Level level : {Level::kCounty, Level::kCity}) {
    if (level <= m.config.level) continue;
    LevelStatus st;
    st.level = LevelName(level);
    uint64_t held = 0;
    for (const auto& r : receipts) {
      if (r.level() != st.level) continue;
      st.hub_id = r.hub_id();
      st.heard_ms = r.as_of_ms();
      for (const auto& e : r.entries()) held = e.seq();
    }
    st.own_ops_missing = own_seq > held ? own_seq - held : 0;
    SILIAN_ASSIGN_OR_RETURN(auto equivocation, m.GetMeta("receipt_equivocation/" + st.level));
    if (equivocation) st.equivocation = *equivocation;
    if (st.own_ops_missing > 0) {
      Stmt s;
      SILIAN_RETURN_IF_ERROR(s.Prepare(m.db, "SELECT hlc FROM ops WHERE origin=? AND seq=?"));
      s.Bind(1, self).Bind(2, held + 1);
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      uint64_t now = m.wall->NowMs();
      uint64_t written = row ? Hlc{static_cast<uint64_t>(s.Int(0))}.physical_ms() : now;
      st.oldest_missing_age_ms = now > written ? now - written : 0;
    }
    out.push_back(st);
  }
  return out;
}

Result<std::string> Ledger::CheckReceipt(const std::string& level, const std::string& hub_id,
                                         const pb::FrontierEntry& entry) {
  Impl& m = *impl_;
  const std::string& self = m.config.node_id.value;
  if (entry.origin() != self || entry.seq() == 0 || entry.hash().empty() || !ParseLevel(level).ok()) return std::string();
  const uint64_t own_seq = m.frontier.count(self) ? m.frontier[self].seq : 0;
  std::string where = level + " hub " + Quote(hub_id);
  std::string problem;
  if (entry.seq() > own_seq) {
    problem = where + " holds seq " + std::to_string(entry.seq()) + " of this node's origin " + Quote(self) +
              " (chain hash " + ToHex(entry.hash()) + "), but this node has written only up to seq " +
              std::to_string(own_seq) + ": another node forged ops in this node's name (equivocation)";
  } else {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(m.db, "SELECT chain_hash FROM ops WHERE origin=? AND seq=?"));
    s.Bind(1, self).Bind(2, entry.seq());
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::string();
    std::string own_hash = s.Text(0);
    if (own_hash != entry.hash())
      problem = where + " holds origin " + Quote(self) + " up to seq " + std::to_string(entry.seq()) +
                " with chain hash " + ToHex(entry.hash()) + ", but this node's own chain has " + ToHex(own_hash) +
                " at that seq: the hub holds an op forged in this node's name (equivocation)";
  }
  const std::string key = "receipt_equivocation/" + level;
  if (problem.empty()) {
    SILIAN_ASSIGN_OR_RETURN(auto before, m.GetMeta(key));
    if (before) SILIAN_RETURN_IF_ERROR(Exec(m.db, "DELETE FROM meta WHERE key='" + key + "'"));
    return std::string();
  }
  SILIAN_RETURN_IF_ERROR(m.SetMeta(key, problem));
  return problem;
}

Result<uint64_t> Ledger::LastSyncMs(const std::string& hub_key) {
  SILIAN_ASSIGN_OR_RETURN(auto v, impl_->GetMeta("last_sync/" + hub_key));
  return v ? std::stoull(*v) : uint64_t{0};
}

Status Ledger::RecordSyncDone(const std::string& hub_key) {
  return impl_->SetMeta("last_sync/" + hub_key, std::to_string(impl_->wall->NowMs()));
}

}  // namespace silian::sync
