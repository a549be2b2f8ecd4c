// Export (what a holder lacks, with skips) and Import (batches applied in one transaction).
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
          e.set_op(ops_stmt.Text(3));
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


// ------------------------------------------------------------------------------------------------ import

namespace {

class ImportImpl final : public Ledger::Import {
 public:
  explicit ImportImpl(Ledger::Impl& m) : m_(m) {}
  ~ImportImpl() override {
    if (!done_) {
      m_.ResetStatements();
      Exec(m_.db, "ROLLBACK").IgnoreError();
      m_.ReloadAfterRollback();
    }
  }

  Status Begin() {
    SILIAN_RETURN_IF_ERROR(Exec(m_.db, "BEGIN IMMEDIATE"));
    SILIAN_RETURN_IF_ERROR(m_.RefreshIfChangedElsewhere());
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(m_.db, "SELECT DISTINCT origin FROM pending"));
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      pending_origins_.insert(s.Text(0));
    }
    return Status::Ok();
  }

  Status Add(const pb::Batch& batch) override {
    if (done_) return FailedPrecondition("import already finished");
    for (const auto& e : batch.entries()) {
      ++entry_index_;
      if (e.has_op()) {
        SILIAN_RETURN_IF_ERROR(ApplyOp(e.op()));
      } else if (e.has_skip()) {
        SILIAN_RETURN_IF_ERROR(ApplySkip(e.skip()));
      } else {
        return DataLoss("entry " + std::to_string(entry_index_) + " is neither an op nor a skip");
      }
    }
    return Status::Ok();
  }

  Status RecordPull(const std::string& hub_key, const std::string& epoch, uint64_t cursor,
                    const std::vector<pb::LevelReceipt>& receipts) override {
    if (done_) return FailedPrecondition("import already finished");
    SILIAN_RETURN_IF_ERROR(m_.SetMeta("pull/" + hub_key, epoch + " " + std::to_string(cursor)));
    return m_.SaveReceipts(receipts);
  }

  void DeferProjection() override { defer_ = true; }

  Result<ImportStats> Commit(const pb::Frontier* sender_frontier) override {
    if (done_) return FailedPrecondition("import already finished");
    if (defer_) {
      Stmt mark;
      SILIAN_RETURN_IF_ERROR(mark.Prepare(m_.db, "INSERT OR IGNORE INTO stale_cases(case_id) VALUES(?)"));
      for (const auto& case_id : touched_) SILIAN_RETURN_IF_ERROR(mark.Reset().Bind(1, case_id).Run());
    } else {
      SILIAN_ASSIGN_OR_RETURN(auto stale, m_.TakeStaleCases());
      touched_.insert(stale.begin(), stale.end());
      for (const auto& case_id : touched_) {
        SILIAN_ASSIGN_OR_RETURN(std::vector<Refusal> refused, m_.Reproject(case_id));
        for (auto& r : refused)
          if (new_ops_.count(r.op)) stats_.refused.push_back(std::move(r));
      }
    }
    stats_.cases_touched = touched_.size();
    for (const auto& origin : dirty_origins_) SILIAN_RETURN_IF_ERROR(m_.SaveFrontier(origin));
    SILIAN_RETURN_IF_ERROR(m_.SaveClock());
    if (sender_frontier != nullptr) {
      for (const auto& e : sender_frontier->entries()) {
        auto it = m_.frontier.find(e.origin());
        if (!e.hash().empty() && it != m_.frontier.end() && it->second.seq == e.seq() &&
            it->second.hash != e.hash())
          stats_.warnings.push_back("the ops of origin " + Quote(e.origin()) + " up to seq " + std::to_string(e.seq()) +
                                    " differ between this ledger and the sender's (chain hashes differ): "
                                    "one side holds an equivocating op");
      }
    }
    {
      Stmt s;
      SILIAN_RETURN_IF_ERROR(s.Prepare(m_.db, "SELECT count(*) FROM pending"));
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      stats_.pending = row ? static_cast<uint64_t>(s.Int(0)) : 0;
    }
    SILIAN_RETURN_IF_ERROR(Exec(m_.db, "COMMIT"));
    m_.ResetStatements();
    done_ = true;
    return stats_;
  }

 private:
  FrontierPoint& Point(const std::string& origin) { return m_.Point(origin); }

  Status ApplyOp(const std::string& bytes) {
    pb::Op op;
    if (!op.ParseFromString(bytes)) return DataLoss("entry " + std::to_string(entry_index_) + " is not a valid op");
    auto where = [&] {
      return "op " + Quote(op.origin() + ":" + std::to_string(op.seq())) + " (entry " + std::to_string(entry_index_) + ")";
    };
    if (!ParseNodeId(op.origin()).ok()) return DataLoss(where() + " has an invalid origin");
    if (op.seq() == 0) return DataLoss(where() + " has seq 0");
    if (m_.projector->IsReference(op)) {
      if (!op.case_id().empty()) return DataLoss(where() + " is reference data but names a case");
      if (op.division().empty() || !ParseScopePrefix(op.division()).ok())
        return DataLoss(where() + " is reference data for an invalid area " + Quote(op.division()));
    } else {
      if (op.case_id().empty() || op.case_id().size() > 100) return DataLoss(where() + " has an invalid case id");
      if (!ParseDivisionCode(op.division()).ok()) return DataLoss(where() + " has an invalid division code");
    }
    SILIAN_RETURN_IF_ERROR(m_.projector->CheckContent(op));
    FrontierPoint& f = Point(op.origin());
    if (op.seq() <= f.seq) return CheckKnown(op, bytes);
    if (op.seq() > f.seq + 1) return AddPending(op.origin(), op.seq(), op.seq(), "", "", bytes);
    SILIAN_RETURN_IF_ERROR(Advance(op, bytes));
    return Drain(op.origin());
  }

  Status ApplySkip(const pb::Skip& skip) {
    std::string where = "skip of " + Quote(skip.origin()) + " seq " + std::to_string(skip.from_seq()) + ".." +
                        std::to_string(skip.to_seq());
    if (!ParseNodeId(skip.origin()).ok()) return DataLoss(where + " has an invalid origin");
    if (skip.from_seq() == 0 || skip.to_seq() < skip.from_seq()) return DataLoss(where + " has an invalid range");
    if (skip.hash().size() != kHashBytes) return DataLoss(where + " has a hash of the wrong size");
    if (!ParseScopePrefix(skip.scope()).ok()) return DataLoss(where + " has an invalid scope");
    FrontierPoint& f = Point(skip.origin());
    if (skip.to_seq() <= f.seq) {
      ++stats_.known;
      return Status::Ok();
    }
    if (!InScope(m_.scope, skip.scope())) {
      // The sender only knows these ops are outside `skip.scope()`; some may be ours. Wait for the ops.
      ++stats_.skips_refused;
      return Status::Ok();
    }
    if (skip.from_seq() > f.seq + 1)
      return AddPending(skip.origin(), skip.from_seq(), skip.to_seq(), skip.hash(), skip.scope(), std::nullopt);
    SILIAN_RETURN_IF_ERROR(m_.AddSkip(skip.origin(), f.seq + 1, skip.to_seq(), skip.hash(), skip.scope()));
    f = FrontierPoint{skip.to_seq(), skip.hash()};
    dirty_origins_.insert(skip.origin());
    ++stats_.skipped_runs;
    return Drain(skip.origin());
  }

  Status Advance(const pb::Op& op, const std::string& bytes) {
    FrontierPoint& f = Point(op.origin());
    std::string hash = ChainHash(f.hash, bytes);
    if (OpInScope(op.division(), m_.scope)) {
      SILIAN_RETURN_IF_ERROR(m_.projector->Admit(op));
      SILIAN_RETURN_IF_ERROR(m_.InsertOp(op, bytes, hash));
      if (!op.case_id().empty()) touched_.insert(op.case_id());
      new_ops_.insert(OpId{op.origin(), op.seq()}.ToString());
      m_.clock->Observe(Hlc{op.hlc()});
      ++stats_.new_ops;
    } else {
      SILIAN_RETURN_IF_ERROR(m_.AddSkip(op.origin(), op.seq(), op.seq(), hash, m_.scope));
      ++stats_.out_of_scope;
    }
    f = FrontierPoint{op.seq(), hash};
    dirty_origins_.insert(op.origin());
    return Status::Ok();
  }

  Status CheckKnown(const pb::Op& op, const std::string& bytes) {
    m_.select_op_bytes.Reset().Bind(1, op.origin()).Bind(2, op.seq());
    SILIAN_ASSIGN_OR_RETURN(bool row, m_.select_op_bytes.Step());
    if (!row) {
      // Held as part of a skip (outside this replica's scope): already known all the same.
      ++stats_.known;
      return Status::Ok();
    }
    std::string held = m_.select_op_bytes.Text(0);
    if (held == bytes) {
      ++stats_.known;
      return Status::Ok();
    }
    ++stats_.equivocations;
    return m_.insert_equivocation.Reset()
        .Bind(1, op.origin())
        .Bind(2, op.seq())
        .BindBlob(3, held)
        .BindBlob(4, bytes)
        .Bind(5, m_.wall->NowMs())
        .Run();
  }

  Status AddPending(const std::string& origin, uint64_t seq, uint64_t to_seq, const std::string& hash,
                    const std::string& skip_scope, std::optional<std::string> bytes) {
    auto& s = m_.insert_pending.Reset().Bind(1, origin).Bind(2, seq).Bind(3, to_seq);
    if (bytes) {
      s.BindBlob(6, *bytes);
    } else {
      s.BindBlob(4, hash).Bind(5, skip_scope);
    }
    SILIAN_RETURN_IF_ERROR(s.Run());
    pending_origins_.insert(origin);
    if (sqlite3_changes(m_.db) > 0 || !bytes) return Status::Ok();
    // Already waiting: the same op again, or another version of it (an equivocation: kept as evidence).
    Stmt held;
    SILIAN_RETURN_IF_ERROR(held.Prepare(m_.db, "SELECT bytes FROM pending WHERE origin=? AND seq=?"));
    held.Bind(1, origin).Bind(2, seq);
    SILIAN_ASSIGN_OR_RETURN(bool row, held.Step());
    if (!row || held.IsNull(0)) return Status::Ok();
    std::string held_bytes = held.Text(0);
    if (held_bytes == *bytes) return Status::Ok();
    ++stats_.equivocations;
    return m_.insert_equivocation.Reset()
        .Bind(1, origin)
        .Bind(2, seq)
        .BindBlob(3, held_bytes)
        .BindBlob(4, *bytes)
        .Bind(5, m_.wall->NowMs())
        .Run();
  }

  // Applies pending entries of `origin` that the frontier has reached.
  Status Drain(const std::string& origin) {
    if (!pending_origins_.count(origin)) return Status::Ok();
    for (;;) {
      FrontierPoint& f = Point(origin);
      m_.next_pending.Reset().Bind(1, origin).Bind(2, f.seq + 1);
      SILIAN_ASSIGN_OR_RETURN(bool row, m_.next_pending.Step());
      if (!row) return Status::Ok();
      uint64_t seq = static_cast<uint64_t>(m_.next_pending.Int(0));
      uint64_t to_seq = static_cast<uint64_t>(m_.next_pending.Int(1));
      bool is_op = !m_.next_pending.IsNull(4);
      std::string hash = m_.next_pending.Text(2);
      std::string skip_scope = m_.next_pending.Text(3);
      std::string bytes = m_.next_pending.Text(4);
      SILIAN_RETURN_IF_ERROR(m_.delete_pending.Reset().Bind(1, origin).Bind(2, seq).Run());
      if (is_op) {
        pb::Op op;
        if (!op.ParseFromString(bytes)) continue;  // validated before it was stored
        if (op.seq() <= f.seq) {
          SILIAN_RETURN_IF_ERROR(CheckKnown(op, bytes));
          continue;
        }
        Status advanced = Advance(op, bytes);
        if (advanced.code() == StatusCode::kPermissionDenied || advanced.code() == StatusCode::kInvalidArgument) {
          // Handed in by an earlier import; refusing it must not fail this one. The origin waits here.
          stats_.refused.push_back(Refusal{OpId{op.origin(), op.seq()}.ToString(), advanced.message()});
          return Status::Ok();
        }
        SILIAN_RETURN_IF_ERROR(advanced);
      } else if (to_seq > f.seq) {
        SILIAN_RETURN_IF_ERROR(m_.AddSkip(origin, f.seq + 1, to_seq, hash, skip_scope));
        f = FrontierPoint{to_seq, hash};
        dirty_origins_.insert(origin);
        ++stats_.skipped_runs;
      }
    }
  }

  Ledger::Impl& m_;
  bool done_ = false;
  bool defer_ = false;
  uint64_t entry_index_ = 0;
  ImportStats stats_;
  std::set<std::string> touched_;
  std::set<std::string> new_ops_;  // "origin:seq" of the ops this import stored
  std::set<std::string> dirty_origins_;
  std::set<std::string> pending_origins_;
};

}  // namespace

Result<std::unique_ptr<Ledger::Import>> Ledger::BeginImport() {
  auto import = std::make_unique<ImportImpl>(*impl_);
  Status s = import->Begin();
  if (!s.ok()) return s;
  return std::unique_ptr<Import>(std::move(import));
}

}  // namespace silian::sync
