// Import: batches of entries applied in one transaction, each checked against the envelope rules
// (ledger/internal/envelope.h); entries that cannot apply yet wait in `pending`, bounded by PendingLimits.
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "base/keys.h"
#include "base/text.h"
#include "ledger/chain.h"
#include "ledger/internal/envelope.h"
#include "ledger/internal/heads.h"
#include "ledger/internal/ledger_impl.h"
#include "ledger/ledger.h"

namespace silian::sync {
namespace {

// What waits in `pending` for one origin.
struct PendingLoad {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// The bytes a pending entry is counted for: an op's bytes, or a skip's fixed size.
uint64_t PendingSize(const std::optional<std::string>& bytes) { return bytes ? bytes->size() : 64; }

// One entry of a batch, parsed once.
struct BatchEntry {
  const std::string* bytes = nullptr;  // an op's bytes, or null for a skip
  pb::Op op;
  const pb::Skip* skip = nullptr;
  const std::string& origin() const { return skip ? skip->origin() : op.origin(); }
  uint64_t from() const { return skip ? skip->from_seq() : op.seq(); }
  uint64_t to() const { return skip ? skip->to_seq() : op.seq(); }
};

// One step of an origin's chain as the verifying walk sees it: an op (its bytes) or a skip (its hash).
struct ChainStep {
  uint64_t to = 0;
  const std::string* bytes = nullptr;
  std::string hash;
};

// How far an origin's entries are covered by a verified head. Not definitive when the origin's key is not
// known yet: asked again once other ops have applied.
struct Coverage {
  uint64_t seq = 0;
  bool definitive = true;  // false: the origin's key is not known here (yet)
};

// At most this many entries of the forged origin are kept with the evidence.
constexpr int kForgerySampleEntries = 8;

class ImportImpl final : public Ledger::Import {
 public:
  ImportImpl(Ledger::Impl& m, ImportSender sender)
      : m_(m), sender_(std::move(sender)), sender_frontier_(FrontierMap(sender_.frontier)) {}
  ~ImportImpl() override {
    if (!done_) {
      m_.ResetStatements();
      Exec(m_.db, "ROLLBACK").IgnoreError();
      m_.ReloadAfterRollback();
      // The evidence outlives the refusal: its own transaction, after the rollback.
      if (forgery_) {
        std::string sealed = m_.SealStored("forgery", forgery_->head.origin(), forgery_->head.seq(),
                                           forgery_->sample.SerializeAsString());
        RecordForgery(m_.db, *forgery_, sealed, m_.wall->NowMs()).IgnoreError();
      }
    }
  }

  Status Begin() {
    SILIAN_RETURN_IF_ERROR(Exec(m_.db, "BEGIN IMMEDIATE"));
    SILIAN_RETURN_IF_ERROR(m_.RefreshIfChangedElsewhere());
    SILIAN_RETURN_IF_ERROR(m_.PurgePendingNowAndThen());
    Stmt s;
    SILIAN_RETURN_IF_ERROR(
        s.Prepare(m_.db, "SELECT origin, count(*), total(coalesce(length(bytes), 64)) FROM pending GROUP BY origin"));
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      pending_[s.Text(0)] = PendingLoad{static_cast<uint64_t>(s.Int(1)), static_cast<uint64_t>(s.Int(2))};
    }
    return Status::Ok();
  }

  Status Add(const pb::Batch& batch) override { return AddParsed(batch, {}); }

  Status AddParsed(const pb::Batch& batch, std::vector<pb::Op> ops) override {
    if (done_) return FailedPrecondition("import already finished");
    SILIAN_CHECK(ops.empty() || ops.size() == static_cast<size_t>(batch.entries_size()));
    SILIAN_ASSIGN_OR_RETURN(std::vector<BatchEntry> entries, ParseBatch(batch, ops));
    SILIAN_RETURN_IF_ERROR(CheckPushSigned(entries));
    for (const auto& e : entries) covered_.erase(e.origin());
    for (const auto& [origin, heads] : offered_) covered_.erase(origin);
    for (const auto& e : entries) batch_by_origin_[e.origin()].push_back(&e);
    Status s = ApplyEntries(entries);
    if (s.ok()) s = StoreUnreachedHeads();
    batch_by_origin_.clear();
    SILIAN_RETURN_IF_ERROR(s);
    return DrainAll();
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
    SILIAN_RETURN_IF_ERROR(DrainAll());
    SILIAN_RETURN_IF_ERROR(CheckPendingLimits());
    SILIAN_RETURN_IF_ERROR(ProjectTouched());
    stats_.cases_touched = touched_.size();
    for (const auto& origin : dirty_origins_) SILIAN_RETURN_IF_ERROR(m_.SaveFrontier(origin));
    SILIAN_RETURN_IF_ERROR(m_.SaveClock());
    if (sender_frontier != nullptr) WarnOnDivergence(*sender_frontier);
    AddWarnings();
    for (const auto& [origin, load] : pending_) stats_.pending += load.entries;
    SILIAN_RETURN_IF_ERROR(Exec(m_.db, "COMMIT"));
    m_.ResetStatements();
    done_ = true;
    return stats_;
  }

 private:
  FrontierPoint& Point(const std::string& origin) { return m_.Point(origin); }
  uint64_t HeldSeq(const std::string& origin) const {
    auto it = m_.frontier.find(origin);
    return it == m_.frontier.end() ? 0 : it->second.seq;
  }

  // A ledger restored from an older copy takes back its own ops up to the seq it recorded as sent, outside
  // the ledger (node/enrol.h), which its program copies to meta "adopt_own_up_to" before a sync; beyond it
  // an op under this node's own name is refused.
  uint64_t AdoptOwnUpTo() {
    auto text = m_.GetMeta("adopt_own_up_to");
    if (!text.ok() || !*text || (*text)->empty() || (*text)->size() > 19 ||
        (*text)->find_first_not_of("0123456789") != std::string::npos)
      return 0;
    return std::stoull(**text);
  }

  // A push comes from the node that holds what it sends: its batch carries a head for every origin it has
  // new entries of (its own signed now, others' as it received them). New entries of an origin without one
  // are refused, so that no one can park unsigned entries under another name in a hub's pending area.
  Status CheckPushSigned(const std::vector<BatchEntry>& entries) {
    if (sender_.kind != ImportSender::Kind::kPush || m_.options.skip_head_verification_for_benchmark)
      return Status::Ok();
    for (const auto& e : entries) {
      const std::string& origin = e.origin();
      if (e.to() <= HeldSeq(origin) || origin == m_.config.node_id.value) continue;
      auto offered = offered_.find(origin);
      bool in_batch = false;
      if (offered != offered_.end())
        for (const pb::SignedHead* h : batch_heads_) in_batch |= h->origin() == origin;
      if (!in_batch) {
        // What the entries break on their own is the clearer refusal: name it first.
        SILIAN_RETURN_IF_ERROR(CheckEntriesAlone(entries));
        return PermissionDenied("the push carries entries of origin " + Quote(origin) + " from seq " +
                                std::to_string(e.from()) + " but no signed head of that origin: unsigned entries");
      }
    }
    return Status::Ok();
  }

  // The pure checks of every entry (envelope, content, skip vouching), none applied.
  Status CheckEntriesAlone(const std::vector<BatchEntry>& entries) {
    uint64_t index = entry_index_;
    for (const auto& e : entries) {
      ++index;
      Status s;
      if (e.skip) {
        s = CheckSkipSyntax(*e.skip);
        if (s.ok() && e.skip->to_seq() > HeldSeq(e.skip->origin())) {
          SkipDecision d = DecideSkip(*e.skip, m_.config.node_id.value, m_.scope, sender_, sender_frontier_);
          if (d.action == SkipDecision::Action::kRefuse) s = PermissionDenied(d.rule);
        }
      } else {
        s = CheckOpEnvelope(e.op, m_.projector->IsReference(e.op));
        if (s.ok()) s = m_.projector->CheckContent(e.op);
      }
      if (!s.ok()) return Status(s.code(), s.message() + " (entry " + std::to_string(index) + ")");
    }
    return Status::Ok();
  }

  // Parses every entry (or takes its op from `parsed`, when given) and checks every head's syntax before
  // anything applies.
  Result<std::vector<BatchEntry>> ParseBatch(const pb::Batch& batch, std::vector<pb::Op>& parsed) {
    if (batch.heads_size() > std::max(batch.entries_size(), 1))
      return DataLoss("a batch of " + std::to_string(batch.entries_size()) + " entries carries " +
                      std::to_string(batch.heads_size()) + " signed heads: at most one per origin with entries");
    batch_heads_.clear();
    for (const auto& h : batch.heads()) {
      SILIAN_RETURN_IF_ERROR(CheckHeadSyntax(h));
      offered_[h.origin()][h.seq()] = h;
      batch_heads_.push_back(&h);
    }
    std::vector<BatchEntry> out;
    out.reserve(static_cast<size_t>(batch.entries_size()));
    uint64_t index = entry_index_;
    for (const auto& e : batch.entries()) {
      ++index;
      BatchEntry b;
      if (e.has_op()) {
        const std::string& bytes = e.op();
        if (bytes.size() > kMaxOpBytes)
          return ResourceExhausted("an op of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                                   std::to_string(kMaxOpBytes) + " bytes per op (entry " + std::to_string(index) + ")");
        if (!parsed.empty())
          b.op = std::move(parsed[static_cast<size_t>(index - entry_index_ - 1)]);
        else if (!b.op.ParseFromString(bytes))
          return DataLoss("an entry is not a valid op (entry " + std::to_string(index) + ")");
        b.bytes = &bytes;
      } else if (e.has_skip()) {
        b.skip = &e.skip();
      } else {
        return DataLoss("entry " + std::to_string(index) + " is neither an op nor a skip");
      }
      out.push_back(std::move(b));
    }
    return out;
  }

  Status ApplyEntries(const std::vector<BatchEntry>& entries) {
    for (const auto& e : entries) {
      ++entry_index_;
      Status s = e.skip ? ApplySkip(*e.skip) : ApplyOp(e.op, *e.bytes);
      if (!s.ok()) return Status(s.code(), s.message() + " (entry " + std::to_string(entry_index_) + ")");
    }
    return Status::Ok();
  }

  // The heads of this batch beyond what applied wait for the entries below them (even where no key is known
  // yet, so that they can be checked and forwarded once the chain below them is complete).
  Status StoreUnreachedHeads() {
    for (const pb::SignedHead* h : batch_heads_)
      if (h->seq() > Point(h->origin()).seq) SILIAN_RETURN_IF_ERROR(StoreHead(m_.statements, *h, false));
    batch_heads_.clear();
    return Status::Ok();
  }

  // The seq up to which `origin`'s entries are covered by a verified head (walking its chain once per
  // batch, and again after other ops applied when its key was not known).
  Result<uint64_t> Covered(const std::string& origin) {
    auto it = covered_.find(origin);
    if (it != covered_.end()) return it->second.seq;
    SILIAN_ASSIGN_OR_RETURN(Coverage c, Walk(origin));
    covered_[origin] = c;
    return c.seq;
  }

  // Skips of an origin whose key this replica cannot know (its registration lies outside this replica's
  // scope) are vouched for by their sender (docs/protocol.md, "Who may vouch for a skip"); heads offered
  // with them were still checked against their chain by the walk.
  Result<uint64_t> CoveredForSkip(const std::string& origin) {
    SILIAN_ASSIGN_OR_RETURN(uint64_t covered, Covered(origin));
    return covered_[origin].definitive ? covered : kMaxSeq;
  }

  // The chain steps of `origin` beyond `after`: this batch's entries and what waits in pending.
  Status CollectSteps(const std::string& origin, uint64_t after, std::map<uint64_t, ChainStep>& steps) {
    if (auto it = batch_by_origin_.find(origin); it != batch_by_origin_.end())
      for (const BatchEntry* e : it->second) {
        if (e->to() <= after) continue;
        steps[e->from()] = e->skip ? ChainStep{e->to(), nullptr, e->skip->hash()} : ChainStep{e->to(), e->bytes, ""};
      }
    if (!pending_.count(origin)) return Status::Ok();
    Stmt p;
    SILIAN_RETURN_IF_ERROR(p.Prepare(m_.db, "SELECT seq, to_seq, hash, bytes FROM pending WHERE origin=? AND to_seq>? ORDER BY seq"));
    p.Bind(1, origin).Bind(2, after);
    for (;;) {
      SILIAN_ASSIGN_OR_RETURN(bool row, p.Step());
      if (!row) return Status::Ok();
      uint64_t from = static_cast<uint64_t>(p.Int(0));
      if (steps.count(from)) continue;
      if (p.IsNull(3)) {
        steps[from] = ChainStep{static_cast<uint64_t>(p.Int(1)), nullptr, p.Text(2)};
      } else {
        SILIAN_ASSIGN_OR_RETURN(std::string bytes, m_.OpenStored("pending", origin, from, p.Text(3)));
        pending_bytes_.push_back(std::move(bytes));
        steps[from] = ChainStep{from, &pending_bytes_.back(), ""};
      }
    }
  }

  // A head offered at or below what this replica holds must match the chain it holds.
  Status CheckHeldHeads(const std::string& origin, const FrontierPoint& start) {
    auto offered = offered_.find(origin);
    if (offered == offered_.end()) return Status::Ok();
    for (const auto& [seq, head] : offered->second) {
      if (seq > start.seq) break;
      std::string held;
      if (seq == start.seq) {
        held = start.hash;
      } else {
        m_.select_chain_hash_for_head.Reset().Bind(1, origin).Bind(2, seq);
        SILIAN_ASSIGN_OR_RETURN(bool row, m_.select_chain_hash_for_head.Step());
        if (row) held = m_.select_chain_hash_for_head.Text(0);
        m_.select_chain_hash_for_head.Reset();
      }
      if (!held.empty() && held != head.hash())
        return Forgery(head, "does not match the chain this replica holds (hash " + ToHex(head.hash()).substr(0, 16) +
                                 ", held " + ToHex(held).substr(0, 16) + ")");
    }
    return Status::Ok();
  }

  // Walks `origin`'s chain from the frontier through the entries at hand, checking every head met.
  Result<Coverage> Walk(const std::string& origin) {
    const FrontierPoint start = Point(origin);
    if (m_.options.skip_head_verification_for_benchmark) return Coverage{kMaxSeq, true};
    SILIAN_RETURN_IF_ERROR(CheckHeldHeads(origin, start));
    std::map<uint64_t, ChainStep> steps;
    SILIAN_RETURN_IF_ERROR(CollectSteps(origin, start.seq, steps));
    SILIAN_ASSIGN_OR_RETURN(auto held, HeldHeads(m_.statements, origin, start.seq));
    const auto& offered = offered_[origin];
    uint64_t pos = start.seq;
    std::string hash = start.hash;
    std::optional<pb::SignedHead> last;  // the highest head met that matches the chain
    bool last_verified = false;          // ... and was verified by an earlier import
    for (;;) {
      auto it = steps.upper_bound(pos + 1);
      if (it == steps.begin()) break;
      --it;
      if (it->second.to <= pos || (it->second.bytes && it->first != pos + 1)) break;
      hash = it->second.bytes ? ChainHash(hash, *it->second.bytes) : it->second.hash;
      pos = it->second.to;
      if (auto h = offered.find(pos); h != offered.end()) {
        if (h->second.hash() != hash)
          return Forgery(h->second, "does not match the chain of the entries it covers (hash " +
                                        ToHex(h->second.hash()).substr(0, 16) + ", the entries give " +
                                        ToHex(hash).substr(0, 16) + ")");
        last = h->second;
        last_verified = false;
      } else if (auto w = held.find(pos); w != held.end()) {
        if (w->second.head.hash() == hash) {
          last = w->second.head;
          last_verified = w->second.verified;
        } else if (!w->second.verified) {
          SILIAN_RETURN_IF_ERROR(DropWaitingHead(m_.statements, origin, pos));
        }
      }
    }
    Result<std::string> key = m_.projector->OriginKey(origin);
    if (!key.ok() && key.status().code() == StatusCode::kNotFound) {
      // No anchor yet: the head matched its chain and is kept to be forwarded; receivers that hold the
      // origin's key check its signature.
      if (last) SILIAN_RETURN_IF_ERROR(StoreHead(m_.statements, *last, true));
      return Coverage{kMaxSeq, true};
    }
    if (!last) return Coverage{start.seq, true};
    if (last_verified) return Coverage{last->seq(), true};
    if (!key.ok() && key.status().code() == StatusCode::kUnavailable) return Coverage{start.seq, false};
    SILIAN_RETURN_IF_ERROR(key.status());
    if (!VerifySignature(*key, SignedHeadMessage(origin, last->seq(), last->hash()), last->signature())) {
      if (offered.count(last->seq()))
        return Forgery(*last, "has a signature that does not verify with the key of origin " + Quote(origin));
      SILIAN_RETURN_IF_ERROR(DropWaitingHead(m_.statements, origin, last->seq()));
      return Coverage{start.seq, true};
    }
    SILIAN_RETURN_IF_ERROR(StoreHead(m_.statements, *last, true));
    return Coverage{last->seq(), true};
  }

  // Refuses the import for `head`; the evidence is recorded once the import is rolled back.
  Status Forgery(const pb::SignedHead& head, const std::string& what) {
    ForgeryEvidence ev;
    ev.head = head;
    ev.sender = sender_.node_id;
    if (auto it = batch_by_origin_.find(head.origin()); it != batch_by_origin_.end())
      for (const BatchEntry* e : it->second) {
        if (ev.sample.entries_size() >= kForgerySampleEntries) break;
        if (e->skip) {
          *ev.sample.add_entries()->mutable_skip() = *e->skip;
        } else {
          ev.sample.add_entries()->set_op(*e->bytes);
        }
      }
    std::string sender = sender_.node_id.empty() ? std::string() : " sent by " + Quote(sender_.node_id);
    ev.reason = "forged: the " + HeadName(head) + sender + " " + what;
    Status refusal = PermissionDenied(ev.reason);
    forgery_ = std::move(ev);
    return refusal;
  }

  Status ApplyOp(const pb::Op& op, const std::string& bytes) {
    SILIAN_RETURN_IF_ERROR(CheckOpEnvelope(op, m_.projector->IsReference(op)));
    SILIAN_RETURN_IF_ERROR(m_.projector->CheckContent(op));
    FrontierPoint& f = Point(op.origin());
    if (op.seq() <= f.seq) return CheckKnown(op, bytes);
    if (op.origin() == m_.config.node_id.value && op.seq() > AdoptOwnUpTo())
      return PermissionDenied(OpName(op) + " claims this node as its author, but this node has written only up to seq " +
                              std::to_string(f.seq));
    if (op.seq() > f.seq + 1) return AddPending(op.origin(), op.seq(), op.seq(), "", "", bytes);
    SILIAN_ASSIGN_OR_RETURN(bool applied, TryAdvance(op, bytes));
    if (!applied) return AddPending(op.origin(), op.seq(), op.seq(), "", "", bytes);
    return Drain(op.origin());
  }

  Status ApplySkip(const pb::Skip& skip) {
    SILIAN_RETURN_IF_ERROR(CheckSkipSyntax(skip));
    if (skip.to_seq() <= HeldSeq(skip.origin())) {
      ++stats_.known;
      return Status::Ok();
    }
    SkipDecision d = DecideSkip(skip, m_.config.node_id.value, m_.scope, sender_, sender_frontier_);
    if (d.action == SkipDecision::Action::kRefuse) return PermissionDenied(d.rule);
    if (d.action == SkipDecision::Action::kIgnore) {
      ++stats_.skips_refused;
      if (first_ignored_skip_.empty()) first_ignored_skip_ = d.rule;
      return Status::Ok();
    }
    FrontierPoint& f = Point(skip.origin());
    SILIAN_ASSIGN_OR_RETURN(uint64_t covered, CoveredForSkip(skip.origin()));
    if (skip.from_seq() > f.seq + 1 || skip.to_seq() > covered)
      return AddPending(skip.origin(), skip.from_seq(), skip.to_seq(), skip.hash(), skip.scope(), std::nullopt);
    SILIAN_RETURN_IF_ERROR(m_.AddSkip(skip.origin(), f.seq + 1, skip.to_seq(), skip.hash(), skip.scope()));
    f = FrontierPoint{skip.to_seq(), skip.hash()};
    dirty_origins_.insert(skip.origin());
    ++stats_.skipped_runs;
    return Drain(skip.origin());
  }

  // Applies the next op of its origin. False: it cannot apply yet (its case's creation op has not arrived,
  // or the projector answered "not yet"); the caller parks it.
  Result<bool> TryAdvance(const pb::Op& op, const std::string& bytes) {
    SILIAN_ASSIGN_OR_RETURN(uint64_t covered, Covered(op.origin()));
    if (op.seq() > covered) return false;  // no verified head covers it yet
    FrontierPoint& f = Point(op.origin());
    if (OpInScope(op.division(), m_.scope)) {
      SILIAN_ASSIGN_OR_RETURN(bool case_known, CheckCase(op));
      if (!case_known) return false;
      Status admitted = m_.projector->Admit(op);
      if (admitted.code() == StatusCode::kUnavailable) return false;
      SILIAN_RETURN_IF_ERROR(admitted);
      std::string hash = ChainHash(f.hash, bytes);
      SILIAN_RETURN_IF_ERROR(m_.InsertOp(op, bytes, hash));
      if (!op.case_id().empty()) touched_.insert(op.case_id());
      new_ops_.insert(OpId{op.origin(), op.seq()}.ToString());
      if (!m_.clock->Observe(Hlc{op.hlc()})) NoteSkew(op);
      ++stats_.new_ops;
      f = FrontierPoint{op.seq(), std::move(hash)};
    } else {
      std::string hash = ChainHash(f.hash, bytes);
      SILIAN_RETURN_IF_ERROR(m_.AddSkip(op.origin(), op.seq(), op.seq(), hash, m_.scope));
      ++stats_.out_of_scope;
      f = FrontierPoint{op.seq(), std::move(hash)};
    }
    dirty_origins_.insert(op.origin());
    return true;
  }

  // An in-scope case op's division must be its case's: the division of the op that created the case.
  // True when it is; false when that op has not arrived yet.
  Result<bool> CheckCase(const pb::Op& op) {
    if (m_.projector->IsReference(op)) return true;
    if (op.has_case_created()) {
      case_division_[op.case_id()] = op.division();
      return true;
    }
    auto cached = case_division_.find(op.case_id());
    if (cached == case_division_.end()) {
      OpId creation = ParseOpId(op.case_id()).value();  // CheckOpEnvelope parsed it
      m_.select_op_case.Reset().Bind(1, creation.origin).Bind(2, creation.seq);
      SILIAN_ASSIGN_OR_RETURN(bool row, m_.select_op_case.Step());
      if (!row) {
        m_.select_op_case.Reset();
        if (HeldSeq(creation.origin) < creation.seq) return false;
        return PermissionDenied(OpName(op) + " is for division " + Quote(op.division()) + ", inside this replica's scope " +
                                Quote(m_.scope) + ", but its case " + Quote(op.case_id()) +
                                " was created outside it: an op's division is its case's");
      }
      std::string division = m_.select_op_case.Text(0);
      bool is_case = m_.select_op_case.Text(1) == op.case_id();
      m_.select_op_case.Reset();
      if (!is_case)
        return PermissionDenied(OpName(op) + " names " + Quote(op.case_id()) + " as its case, but that op created no case");
      cached = case_division_.emplace(op.case_id(), std::move(division)).first;
    }
    if (cached->second != op.division())
      return PermissionDenied(OpName(op) + " is for division " + Quote(op.division()) + ", but its case " +
                              Quote(op.case_id()) + " is in division " + Quote(cached->second) +
                              ": an op's division is its case's");
    return true;
  }

  void NoteSkew(const pb::Op& op) {
    ++stats_.skewed;
    uint64_t now = m_.wall->NowMs();
    uint64_t ahead = Hlc{op.hlc()}.physical_ms() - now;
    if (ahead > furthest_skew_ms_) {
      furthest_skew_ms_ = ahead;
      furthest_skew_op_ = OpName(op);
    }
  }

  Status CheckKnown(const pb::Op& op, const std::string& bytes) {
    m_.select_op_bytes.Reset().Bind(1, op.origin()).Bind(2, op.seq());
    SILIAN_ASSIGN_OR_RETURN(bool row, m_.select_op_bytes.Step());
    if (!row) {
      // Held as part of a skip (outside this replica's scope): already known all the same.
      ++stats_.known;
      return Status::Ok();
    }
    std::string stored = m_.select_op_bytes.Text(0);
    m_.select_op_bytes.Reset();
    SILIAN_ASSIGN_OR_RETURN(std::string held, m_.OpenStored("op", op.origin(), op.seq(), std::move(stored)));
    if (held == bytes) {
      ++stats_.known;
      return Status::Ok();
    }
    ++stats_.equivocations;
    return m_.AddEquivocation(op.origin(), op.seq(), held, bytes);
  }

  Status AddPending(const std::string& origin, uint64_t seq, uint64_t to_seq, const std::string& hash,
                    const std::string& skip_scope, std::optional<std::string> bytes) {
    auto& s = m_.insert_pending.Reset().Bind(1, origin).Bind(2, seq).Bind(3, to_seq).Bind(7, m_.wall->NowMs());
    if (bytes) {
      s.BindBlob(6, m_.SealStored("pending", origin, seq, *bytes));
    } else {
      s.BindBlob(4, hash).Bind(5, skip_scope);
    }
    SILIAN_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(m_.db) > 0) {
      PendingLoad& load = pending_[origin];
      ++load.entries;
      load.bytes += PendingSize(bytes);
      parked_here_.insert({origin, seq});
      return Status::Ok();
    }
    if (!bytes) return Status::Ok();
    // Already waiting: the same op again, or another version of it (an equivocation: kept as evidence).
    Stmt held;
    SILIAN_RETURN_IF_ERROR(held.Prepare(m_.db, "SELECT bytes FROM pending WHERE origin=? AND seq=?"));
    held.Bind(1, origin).Bind(2, seq);
    SILIAN_ASSIGN_OR_RETURN(bool row, held.Step());
    if (!row || held.IsNull(0)) return Status::Ok();
    SILIAN_ASSIGN_OR_RETURN(std::string held_bytes, m_.OpenStored("pending", origin, seq, held.Text(0)));
    if (held_bytes == *bytes) return Status::Ok();
    ++stats_.equivocations;
    return m_.AddEquivocation(origin, seq, held_bytes, *bytes);
  }

  Status DeletePending(const std::string& origin, uint64_t seq, uint64_t size) {
    SILIAN_RETURN_IF_ERROR(m_.delete_pending.Reset().Bind(1, origin).Bind(2, seq).Run());
    PendingLoad& load = pending_[origin];
    load.entries -= std::min<uint64_t>(load.entries, 1);
    load.bytes -= std::min(load.bytes, size);
    if (load.entries == 0) pending_.erase(origin);
    return Status::Ok();
  }

  // Retries every origin that has entries waiting until a whole pass applies nothing: an op parked for its
  // case's creation op applies once that op (of another origin) has arrived.
  Status DrainAll() {
    for (;;) {
      progress_ = false;
      // An origin whose key was not known may have been registered by what applied since.
      for (auto it = covered_.begin(); it != covered_.end();) it = it->second.definitive ? std::next(it) : covered_.erase(it);
      std::vector<std::string> origins;
      for (const auto& [origin, load] : pending_) origins.push_back(origin);
      for (const auto& origin : origins) SILIAN_RETURN_IF_ERROR(Drain(origin));
      if (!progress_) return Status::Ok();
    }
  }

  // Applies pending entries of `origin` that the frontier has reached.
  Status Drain(const std::string& origin) {
    if (!pending_.count(origin)) return Status::Ok();
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
      m_.next_pending.Reset();
      if (is_op) {
        SILIAN_ASSIGN_OR_RETURN(bytes, m_.OpenStored("pending", origin, seq, std::move(bytes)));
      }
      if (!is_op) {
        SILIAN_ASSIGN_OR_RETURN(uint64_t covered, CoveredForSkip(origin));
        if (to_seq > covered && to_seq > f.seq && to_seq <= kMaxSeq) return Status::Ok();
        SILIAN_RETURN_IF_ERROR(DeletePending(origin, seq, PendingSize(std::nullopt)));
        if (to_seq > f.seq && to_seq <= kMaxSeq) {
          SILIAN_RETURN_IF_ERROR(m_.AddSkip(origin, f.seq + 1, to_seq, hash, skip_scope));
          f = FrontierPoint{to_seq, hash};
          dirty_origins_.insert(origin);
          ++stats_.skipped_runs;
          progress_ = true;
        }
        continue;
      }
      SILIAN_ASSIGN_OR_RETURN(bool keep_going, DrainOp(origin, seq, bytes));
      if (!keep_going) return Status::Ok();
    }
  }

  // One pending op at the head of its origin. False when the origin must go on waiting.
  Result<bool> DrainOp(const std::string& origin, uint64_t seq, const std::string& bytes) {
    pb::Op op;
    if (!op.ParseFromString(bytes) || op.origin() != origin || op.seq() != seq) {
      SILIAN_RETURN_IF_ERROR(DeletePending(origin, seq, bytes.size()));  // validated before it was stored
      return true;
    }
    if (op.seq() <= Point(origin).seq) {
      SILIAN_RETURN_IF_ERROR(DeletePending(origin, seq, bytes.size()));
      SILIAN_RETURN_IF_ERROR(CheckKnown(op, bytes));
      return true;
    }
    Result<bool> advanced = TryAdvance(op, bytes);
    if (!advanced.ok()) {
      StatusCode code = advanced.status().code();
      bool refusal = code == StatusCode::kPermissionDenied || code == StatusCode::kInvalidArgument;
      // Parked by an earlier import: refusing it must not fail this one. The origin waits here.
      if (!refusal || parked_here_.count({origin, seq})) return advanced.status();
      stats_.refused.push_back(Refusal{OpId{op.origin(), op.seq()}.ToString(), advanced.status().message()});
      SILIAN_RETURN_IF_ERROR(DeletePending(origin, seq, bytes.size()));
      return false;
    }
    if (!*advanced) return false;
    SILIAN_RETURN_IF_ERROR(DeletePending(origin, seq, bytes.size()));
    progress_ = true;
    return true;
  }

  // What this import left waiting must fit the limits, and only origins this replica knows may wait
  // ahead of a gap.
  Status CheckPendingLimits() {
    if (parked_here_.empty()) return Status::Ok();
    const PendingLimits& limits = m_.options.pending;
    uint64_t entries = 0, bytes = 0;
    for (const auto& [origin, load] : pending_) {
      entries += load.entries;
      bytes += load.bytes;
    }
    if (entries > limits.max_entries || bytes > limits.max_bytes)
      return ResourceExhausted("the pending area would hold " + std::to_string(entries) + " entries of " +
                               std::to_string(bytes) + " bytes, over the limit of " + std::to_string(limits.max_entries) +
                               " entries or " + std::to_string(limits.max_bytes) + " bytes");
    std::set<std::string> checked;
    for (const auto& [origin, seq] : parked_here_) {
      if (!checked.insert(origin).second) continue;
      auto it = pending_.find(origin);
      if (it == pending_.end()) continue;
      if (it->second.entries > limits.max_entries_per_origin || it->second.bytes > limits.max_bytes_per_origin)
        return ResourceExhausted("origin " + Quote(origin) + " would have " + std::to_string(it->second.entries) +
                                 " entries of " + std::to_string(it->second.bytes) +
                                 " bytes waiting, over the limit of " + std::to_string(limits.max_entries_per_origin) +
                                 " entries or " + std::to_string(limits.max_bytes_per_origin) + " bytes per origin");
      SILIAN_RETURN_IF_ERROR(CheckKnownOrigin(origin));
    }
    return Status::Ok();
  }

  // An origin may wait ahead of a gap only when this replica holds some of its ops or registered it. What
  // a replica imports unchecked (its own export, a test) may come in any order.
  Status CheckKnownOrigin(const std::string& origin) {
    const uint64_t held = HeldSeq(origin);
    if (held > 0 || sender_.kind == ImportSender::Kind::kUnchecked) return Status::Ok();
    Stmt first;
    SILIAN_RETURN_IF_ERROR(first.Prepare(m_.db, "SELECT min(seq) FROM pending WHERE origin=?"));
    first.Bind(1, origin);
    SILIAN_ASSIGN_OR_RETURN(bool row, first.Step());
    const uint64_t first_seq = row ? static_cast<uint64_t>(first.Int(0)) : 0;
    if (first_seq == held + 1) return Status::Ok();  // its first op waits for a fact, not ahead of a gap
    SILIAN_ASSIGN_OR_RETURN(auto peer, m_.peers->Find(origin));
    if (peer) return Status::Ok();
    return PermissionDenied("entries of origin " + Quote(origin) + " from seq " + std::to_string(first_seq) +
                            " would wait ahead of a gap, but this replica holds none of its ops and has not registered it");
  }

  Status ProjectTouched() {
    if (defer_) {
      m_.marked_stale.clear();  // in stale_cases with the touched cases, for RefreshStaleCases
      for (const auto& case_id : touched_) SILIAN_RETURN_IF_ERROR(m_.InsertStale(case_id));
      return Status::Ok();
    }
    SILIAN_ASSIGN_OR_RETURN(auto stale, m_.TakeStaleCases());
    touched_.insert(stale.begin(), stale.end());
    for (const auto& case_id : touched_) {
      SILIAN_ASSIGN_OR_RETURN(std::vector<Refusal> refused, m_.Reproject(case_id));
      for (auto& r : refused)
        if (new_ops_.count(r.op)) stats_.refused.push_back(std::move(r));
    }
    return Status::Ok();
  }

  void WarnOnDivergence(const pb::Frontier& sender_frontier) {
    for (const auto& e : sender_frontier.entries()) {
      auto it = m_.frontier.find(e.origin());
      if (!e.hash().empty() && it != m_.frontier.end() && it->second.seq == e.seq() && it->second.hash != e.hash())
        stats_.warnings.push_back("the ops of origin " + Quote(e.origin()) + " up to seq " + std::to_string(e.seq()) +
                                  " differ between this ledger and the sender's (chain hashes differ): "
                                  "one side holds an equivocating op");
    }
  }

  void AddWarnings() {
    if (stats_.skewed > 0)
      stats_.warnings.push_back(std::to_string(stats_.skewed) + " ops were stamped more than " +
                                std::to_string(m_.options.max_forward_skew_ms / 1000) +
                                " s ahead of this replica's clock (the furthest, " + furthest_skew_op_ + ", by " +
                                std::to_string(furthest_skew_ms_ / 1000) +
                                " s): stored, but this clock does not follow them (clock skew)");
    if (stats_.skips_refused > 0 && sender_.kind == ImportSender::Kind::kBundle)
      stats_.warnings.push_back(std::to_string(stats_.skips_refused) +
                                " skips were not applied and the ops they cover are awaited; the first: " +
                                first_ignored_skip_);
  }

  Ledger::Impl& m_;
  ImportSender sender_;
  std::map<std::string, std::map<uint64_t, pb::SignedHead>> offered_;  // heads offered in this import
  std::vector<const pb::SignedHead*> batch_heads_;                    // those of the batch at hand
  // The entries of the batch at hand by origin, in batch order, during Add: a walk per origin of a batch of
  // many origins (a catch-up from the city) looked at every entry of the batch each time.
  std::map<std::string_view, std::vector<const BatchEntry*>> batch_by_origin_;
  std::map<std::string, Coverage> covered_;
  std::deque<std::string> pending_bytes_;                              // op bytes read for a walk
  std::optional<ForgeryEvidence> forgery_;
  SenderFrontier sender_frontier_;
  bool done_ = false;
  bool defer_ = false;
  bool progress_ = false;
  uint64_t entry_index_ = 0;
  ImportStats stats_;
  std::set<std::string> touched_;
  std::set<std::string> new_ops_;  // "origin:seq" of the ops this import stored
  std::set<std::string> dirty_origins_;
  std::map<std::string, PendingLoad> pending_;                // what waits, by origin, as this import goes
  std::set<std::pair<std::string, uint64_t>> parked_here_;    // pending entries this import added
  std::map<std::string, std::string> case_division_;          // case id -> its creation op's division
  std::string first_ignored_skip_;
  uint64_t furthest_skew_ms_ = 0;
  std::string furthest_skew_op_;
};

}  // namespace

Result<std::unique_ptr<Ledger::Import>> Ledger::BeginImport(ImportSender sender) {
  auto import = std::make_unique<ImportImpl>(*impl_, std::move(sender));
  Status s = import->Begin();
  if (!s.ok()) return s;
  return std::unique_ptr<Import>(std::move(import));
}

}  // namespace silian::sync
