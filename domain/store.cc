#include "domain/store.h"

#include <algorithm>
#include <set>

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/catalog.h"
#include "domain/validation.h"

namespace silian::sync {

// ------------------------------------------------------------------------------------------------ open

LedgerStore::LedgerStore(std::unique_ptr<CaseProjector> projector, std::unique_ptr<Ledger> ledger)
    : projector_(std::move(projector)), ledger_(std::move(ledger)) {}
LedgerStore::~LedgerStore() = default;

Result<std::unique_ptr<LedgerStore>> LedgerStore::Create(const std::string& path, const NodeConfig& config,
                                                         Options options) {
  auto projector = std::make_unique<CaseProjector>();
  SILIAN_ASSIGN_OR_RETURN(auto ledger, Ledger::Create(path, config, options, *projector));
  return std::unique_ptr<LedgerStore>(new LedgerStore(std::move(projector), std::move(ledger)));
}

Result<std::unique_ptr<LedgerStore>> LedgerStore::Open(const std::string& path, Options options) {
  auto projector = std::make_unique<CaseProjector>();
  SILIAN_ASSIGN_OR_RETURN(auto ledger, Ledger::Open(path, options, *projector));
  return std::unique_ptr<LedgerStore>(new LedgerStore(std::move(projector), std::move(ledger)));
}

const NodeConfig& LedgerStore::config() const { return ledger_->config(); }
const std::string& LedgerStore::scope() const { return ledger_->scope(); }
const std::string& LedgerStore::epoch() const { return ledger_->epoch(); }

// ------------------------------------------------------------------------------------------------ reference

namespace {

// Two items (or calendars) are the same publication when they differ at most in version.
template <typename Message>
bool SameContent(Message a, Message b) {
  a.set_version(0);
  b.set_version(0);
  std::string x, y;
  a.SerializeToString(&x);
  b.SerializeToString(&y);
  return x == y;
}

// The version after `latest` (0: none yet) of `what`. kFailedPrecondition when it would pass
// kMaxReferenceVersion: versions never wrap, so the publication cannot take effect.
Result<uint32_t> NextVersion(const std::string& what, uint32_t latest) {
  if (latest >= kMaxReferenceVersion)
    return FailedPrecondition(what + " is at version " + std::to_string(latest) + ", the highest a version may be (" +
                              std::to_string(kMaxReferenceVersion) + "): a new version would wrap, so nothing is published");
  return latest + 1;
}

}  // namespace

Result<LedgerStore::PublishResult> LedgerStore::PublishItems(std::vector<pb::Item> items, const std::string& actor) {
  SILIAN_RETURN_IF_ERROR(CheckText("actor", actor, kMaxActorChars, false));  // as every import checks it
  if (ledger_->config().level != Level::kCounty && ledger_->config().level != Level::kCity)
    return FailedPrecondition(std::string("the catalogue is published at a county or city hub; this is a ") +
                              LevelName(ledger_->config().level) + " node");
  std::set<std::string> codes;
  for (const auto& item : items) {
    SILIAN_RETURN_IF_ERROR(ValidateItem(item));
    if (!codes.insert(item.code()).second) return InvalidArgument("item " + Quote(item.code()) + " is given twice");
  }
  return ledger_->InTransaction<PublishResult>([&]() -> Result<PublishResult> {
    PublishResult out;
    for (auto& item : items) {
      SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Item> latest, projector_->reference().Item(item.code()));
      if (latest && SameContent(*latest, item) && (item.version() == 0 || item.version() == latest->version())) {
        out.unchanged.push_back(item.code());
        continue;
      }
      SILIAN_ASSIGN_OR_RETURN(uint32_t next, NextVersion("item " + Quote(item.code()), latest ? latest->version() : 0));
      if (item.version() != 0 && item.version() != next)
        return InvalidArgument("item " + Quote(item.code()) + " has version " + std::to_string(item.version()) +
                               " but the next version of this code is " + std::to_string(next) +
                               " (leave version out to take the next one)");
      item.set_version(next);
      pb::Op op;
      *op.mutable_item_published() = item;
      SILIAN_RETURN_IF_ERROR(ledger_->Append(std::move(op), actor, "", ledger_->scope(), {}).status());
      out.published.push_back(item);
    }
    return out;
  });
}

Result<bool> LedgerStore::PublishCalendar(pb::Calendar calendar, const std::string& actor) {
  SILIAN_RETURN_IF_ERROR(CheckText("actor", actor, kMaxActorChars, false));  // as every import checks it
  if (ledger_->config().level != Level::kCounty && ledger_->config().level != Level::kCity)
    return FailedPrecondition(std::string("calendars are published at a county or city hub; this is a ") +
                              LevelName(ledger_->config().level) + " node");
  return ledger_->InTransaction<bool>([&]() -> Result<bool> {
    SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Calendar> latest,
                            projector_->reference().LatestCalendar(ledger_->scope(), calendar.name()));
    uint32_t next = 1;
    if (!latest && calendar.name() == kNationalCalendarName && SameContent(BuiltInNationalCalendar(), calendar) &&
        calendar.version() <= BuiltInNationalCalendar().version())
      return false;  // the built-in calendar already says this
    if (latest) {
      if (SameContent(*latest, calendar) && (calendar.version() == 0 || calendar.version() == latest->version()))
        return false;
      SILIAN_ASSIGN_OR_RETURN(next, NextVersion("calendar " + Quote(calendar.name()), latest->version()));
    }
    // The built-in national calendar is version 1: a published national calendar supersedes it only from 2.
    if (calendar.name() == kNationalCalendarName)
      next = std::max(next, BuiltInNationalCalendar().version() + 1);
    if (calendar.version() > kMaxReferenceVersion)
      return InvalidArgument("calendar " + Quote(calendar.name()) + " has version " + std::to_string(calendar.version()) +
                             "; versions go up to " + std::to_string(kMaxReferenceVersion) + " and never wrap");
    if (calendar.version() != 0 && calendar.version() < next)
      return InvalidArgument("calendar " + Quote(calendar.name()) + " has version " + std::to_string(calendar.version()) +
                             "; it must be at least " + std::to_string(next) + " (leave version out to take the next one)");
    if (calendar.version() == 0) calendar.set_version(next);
    // Checked once the version is known: version 0 ("the next one") is not a valid stored version.
    SILIAN_RETURN_IF_ERROR(ValidateCalendar(calendar));
    pb::Op op;
    *op.mutable_calendar_published() = calendar;
    SILIAN_RETURN_IF_ERROR(ledger_->Append(std::move(op), actor, "", ledger_->scope(), {}).status());
    return true;
  });
}

Result<std::vector<pb::Item>> LedgerStore::CatalogItems(bool all_versions) {
  return projector_->reference().Items(all_versions);
}

Result<pb::Item> LedgerStore::FindItem(const std::string& code, std::optional<uint32_t> version) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Item> item, projector_->reference().Item(code, version));
  if (!item)
    return NotFound("no item " + Quote(code) + (version ? " version " + std::to_string(*version) : std::string()) +
                    " in this replica's catalogue")
        .With(msg::kItemNotFound, code);
  return std::move(*item);
}

Result<std::vector<CalendarLayer>> LedgerStore::CalendarLayers() { return projector_->reference().CalendarLayers(); }

Result<WorkingCalendar> LedgerStore::CalendarFor(const std::string& division) {
  SILIAN_ASSIGN_OR_RETURN(auto layers, CalendarLayers());
  return WorkingCalendar::Build(layers, division);
}

// ------------------------------------------------------------------------------------------------ notices

Result<bool> LedgerStore::AddNotice(const Notice& notice) {
  return ledger_->InTransaction<bool>([&]() -> Result<bool> { return projector_->outbox().Insert(notice); });
}

Result<std::vector<Notice>> LedgerStore::ListNotices(std::optional<std::string> state, size_t limit) {
  return projector_->outbox().List(std::move(state), limit);
}

Result<std::vector<Notice>> LedgerStore::DueNotices(uint64_t now_ms, size_t limit) {
  return projector_->outbox().Due(now_ms, limit);
}

Status LedgerStore::MarkNoticeSent(const std::string& id, uint64_t now_ms) {
  return projector_->outbox().MarkSent(id, now_ms);
}

Status LedgerStore::MarkNoticeFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms,
                                     bool give_up) {
  return projector_->outbox().MarkFailed(id, error, next_attempt_ms, give_up);
}

// ------------------------------------------------------------------------------------------------ reading

Status LedgerStore::ForEachCaseView(const std::string& scope, const std::function<Status(const nlohmann::json&)>& fn) {
  return projector_->cases().ForEachView(scope, fn);
}

Result<WatchedViews> LedgerStore::WatchedCaseViews(const WatchQuery& query) {
  SILIAN_ASSIGN_OR_RETURN(WatchPage page, projector_->watch().Query(query));
  WatchedViews out;
  out.total = page.total;
  for (const auto& id : page.case_ids) {
    SILIAN_ASSIGN_OR_RETURN(nlohmann::json view, projector_->cases().View(id));
    out.views.push_back(std::move(view));
  }
  return out;
}

Status LedgerStore::ForEachWatchedCaseView(const std::string& scope,
                                           const std::function<Status(const nlohmann::json&)>& fn) {
  return ScanCaseViews(scope, /*watched_only=*/true, /*workers=*/1,
                       [&](int, size_t, bool, const nlohmann::json& view) { return fn(view); });
}

Status LedgerStore::ScanCaseViews(const std::string& scope, bool watched_only, int workers, const ViewSink& sink) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<std::string> watched, projector_->watch().CaseIds(scope));
  return ParseViews(workers, StoredCases(scope, watched_only, /*facts=*/false, watched), sink);
}

Status LedgerStore::ScanCaseFacts(const std::string& scope, bool watched_only, int workers, const FactsSink& sink) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<std::string> watched, projector_->watch().CaseIds(scope));
  return ParseFacts(workers, StoredCases(scope, watched_only, /*facts=*/true, watched), sink);
}

ViewSource LedgerStore::StoredCases(const std::string& scope, bool watched_only, bool facts,
                                    std::vector<std::string>& watched) {
  return [this, &scope, watched_only, facts, &watched](const std::function<Status(ViewText)>& push) -> Status {
    CaseTables& cases = projector_->cases();
    size_t ordinal = 0;
    if (watched_only) {
      for (auto& id : watched) {
        ViewText v{ordinal++, true, id, "", ""};
        if (facts) {
          SILIAN_ASSIGN_OR_RETURN(StoredFacts stored, cases.FactsText(id));
          v.facts = std::move(stored.facts);
          v.text = std::move(stored.view_text);
        } else {
          SILIAN_ASSIGN_OR_RETURN(v.text, cases.ViewText(id));
        }
        SILIAN_RETURN_IF_ERROR(push(std::move(v)));
      }
      return Status::Ok();
    }
    // Both lists are in case id order: the watched ones are marked walking them side by side.
    auto next_watched = watched.begin();
    auto watched_now = [&](const std::string& case_id) {
      while (next_watched != watched.end() && *next_watched < case_id) ++next_watched;
      return next_watched != watched.end() && *next_watched == case_id;
    };
    if (facts)
      return cases.ForEachFactsText(scope, [&](const std::string& case_id, StoredFacts stored) {
        return push(ViewText{ordinal++, watched_now(case_id), case_id, std::move(stored.view_text),
                             std::move(stored.facts)});
      });
    return cases.ForEachViewText(scope, [&](const std::string& case_id, std::string text) {
      return push(ViewText{ordinal++, watched_now(case_id), case_id, std::move(text), ""});
    });
  };
}

Result<CaseId> LedgerStore::FindCase(const std::string& case_ref) { return projector_->cases().Find(case_ref); }

Result<nlohmann::json> LedgerStore::ShowCase(const std::string& case_ref) {
  SILIAN_ASSIGN_OR_RETURN(CaseId id, projector_->cases().Find(case_ref));
  // The stored view has no history; the full view is folded again from the case's ops.
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, ledger_->LoadCaseOps(id.value));
  if (ops.empty()) return NotFound("no case " + Quote(case_ref)).With(msg::kCaseNotFound, case_ref);
  return std::move(ProjectCase(id, std::move(ops), ProjectionDetail::kWithHistory, projector_->levels(),
                                     projector_->actors()).view);
}

Result<std::vector<Notice>> LedgerStore::CaseNotices(const std::string& case_ref) {
  SILIAN_ASSIGN_OR_RETURN(CaseId id, projector_->cases().Find(case_ref));
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Op> ops, ledger_->LoadCaseOps(id.value));
  if (ops.empty()) return NotFound("no case " + Quote(case_ref));
  // With history: materials carry their time, so a correction notice lists what was missing when it was
  // requested (Outbox::MissingList), as the hub's outbox wrote it when the request arrived.
  CaseProjection p = ProjectCase(id, std::move(ops), ProjectionDetail::kWithHistory, projector_->levels(),
                                 projector_->actors());
  return projector_->outbox().Compose(p);
}

Result<uint64_t> LedgerStore::CountCases(const CaseFilter& filter) { return projector_->cases().Count(filter); }

Result<std::vector<CaseSummary>> LedgerStore::ListCases(const CaseFilter& filter) {
  return projector_->cases().List(filter);
}

Result<std::vector<nlohmann::json>> LedgerStore::ListConflicts() { return projector_->cases().ListConflicts(); }

Result<LedgerDigest> LedgerStore::Digest(std::optional<std::string> scope) { return ledger_->Digest(std::move(scope)); }

Result<pb::Frontier> LedgerStore::GetFrontier() { return ledger_->GetFrontier(); }

Result<StoreStatus> LedgerStore::GetStatus() {
  StoreStatus st;
  st.config = ledger_->config();
  st.scope = ledger_->scope();
  SILIAN_ASSIGN_OR_RETURN(LedgerCounts counts, ledger_->Counts());
  st.op_count = counts.op_count;
  st.pending_count = counts.pending_count;
  st.equivocation_count = counts.equivocation_count;
  st.forgery_count = counts.forgery_count;
  st.max_skew_seen_ms = counts.max_skew_seen_ms;
  SILIAN_ASSIGN_OR_RETURN(st.case_count, projector_->cases().CaseCount());
  SILIAN_ASSIGN_OR_RETURN(st.open_conflicts, projector_->cases().OpenConflictCount());
  SILIAN_ASSIGN_OR_RETURN(st.frontier, ledger_->GetFrontier());
  return st;
}

Result<std::unique_ptr<StoreReader>> LedgerStore::OpenReader() {
  SILIAN_ASSIGN_OR_RETURN(auto reader, LedgerReader::Open(ledger_->path()));
  std::unique_ptr<CaseTables> cases;
  SILIAN_RETURN_IF_ERROR(reader->Read([&](sqlite3* db) -> Status {
    SILIAN_ASSIGN_OR_RETURN(cases, CaseTables::Attach(db, ledger_->sealer()));
    return Status::Ok();
  }));
  return std::make_unique<StoreReader>(ledger_->config(), ledger_->scope(), std::move(reader), std::move(cases));
}

// ------------------------------------------------------------------------------------------------ generic

Status LedgerStore::Export(const pb::Frontier& holder, const std::function<Status(pb::Entry)>& sink) {
  return ledger_->Export(holder, sink);
}
Result<std::unique_ptr<LedgerStore::Import>> LedgerStore::BeginImport() { return ledger_->BeginImport(); }
Status LedgerStore::RefreshStaleCases() { return ledger_->RefreshStaleCases(); }
Result<LedgerStore::PullResult> LedgerStore::Pull(const std::string& child_scope, const pb::Frontier& child_frontier,
                                                  uint64_t cursor, size_t max_entries, size_t max_bytes) {
  return ledger_->Pull(child_scope, child_frontier, cursor, max_entries, max_bytes);
}
Result<pb::Frontier> LedgerStore::Receipt(const std::vector<std::string>& origins) { return ledger_->Receipt(origins); }
Result<LedgerStore::PullState> LedgerStore::GetPullState(const std::string& hub_key) {
  return ledger_->GetPullState(hub_key);
}
Result<std::vector<pb::LevelReceipt>> LedgerStore::Receipts(const std::vector<std::string>& origins) {
  return ledger_->Receipts(origins);
}
Result<std::vector<LedgerStore::LevelStatus>> LedgerStore::LevelStatuses() { return ledger_->LevelStatuses(); }
Result<uint64_t> LedgerStore::LastSyncMs(const std::string& hub_key) { return ledger_->LastSyncMs(hub_key); }
Status LedgerStore::RecordSyncDone(const std::string& hub_key) { return ledger_->RecordSyncDone(hub_key); }

Status LedgerStore::SetSetting(const std::string& key, const std::string& value) {
  return ledger_->RunTransaction([&]() -> Status {
    if (key == "notify") SILIAN_RETURN_IF_ERROR(projector_->outbox().OnNotifySetting(value));
    SILIAN_RETURN_IF_ERROR(ledger_->SetMeta("setting/" + key, value));
    return projector_->Reload();
  });
}

Result<std::optional<std::string>> LedgerStore::GetSetting(const std::string& key) { return ledger_->GetSetting(key); }

Status LedgerStore::AddPeer(const Peer& peer) { return ledger_->peers().Add(peer); }
Status LedgerStore::RemovePeer(const NodeId& node_id) { return ledger_->peers().Remove(node_id); }
Result<std::vector<Peer>> LedgerStore::ListPeers() { return ledger_->peers().List(); }
Result<std::optional<Peer>> LedgerStore::FindPeer(const std::string& node_id) { return ledger_->peers().Find(node_id); }
Status LedgerStore::RecordContact(const std::string& node_id, uint64_t ops_received, uint64_t ops_sent,
                                  const std::string& error) {
  return ledger_->peers().RecordContact(node_id, ops_received, ops_sent, error);
}

}  // namespace silian::sync
