#include "support/ledger.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "ledger/chain.h"
#include "ledger/db.h"
#include "support/files.h"
#include "support/status.h"

namespace silian::test {

uint64_t Stamp(uint64_t ms, uint64_t logical) { return sync::Hlc::From(ms, logical).value; }

std::string ResidentIdOf(const std::string& first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[12] = "10X98765432";
  REQUIRE(first17.size() == 17);
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + kCheck[sum % 11];
}

std::string ResidentId(uint32_t n) {
  return ResidentIdOf("15222219800101" + std::to_string(100 + n % 900).substr(0, 3));
}

sync::OpId Id(const std::string& text) {
  auto id = sync::ParseOpId(text);
  INFO("op id \"" << text << "\"");
  REQUIRE(id.ok());
  return *id;
}

sync::NodeConfig NodeAt(const std::string& node_id, sync::Level level, const std::string& division,
                        const std::string& device) {
  sync::NodeConfig c;
  c.node_id = sync::NodeId{node_id};
  c.level = level;
  c.division = sync::DivisionCode{division};
  c.device = device;
  return c;
}

sync::LedgerStore::Options FastOptions(sync::WallClock* wall) {
  sync::LedgerStore::Options o;
  o.durable = false;
  o.wall = wall;
  return o;
}

sync::SigningKey TestKeyOf(const std::string& node_id) {
  return sync::SigningKey::FromSeed(sync::Blake2b256("silian-test key " + node_id));
}

Replica MakeReplica(const TempDir& dir, const sync::NodeConfig& config, uint64_t now_ms, bool durable) {
  Replica r;
  r.path = dir.File(config.node_id.value + ".db");
  r.wall = std::make_unique<sync::ManualWallClock>(now_ms);
  sync::LedgerStore::Options o = FastOptions(r.wall.get());
  o.durable = durable;
  o.signing_key = TestKeyOf(config.node_id.value);
  r.store = SILIAN_TAKE(sync::LedgerStore::Create(r.path, config, o));
  return r;
}

std::unique_ptr<sync::LedgerStore> CreateLedger(const std::string& path, const sync::NodeConfig& config) {
  sync::LedgerStore::Options o;
  o.durable = false;
  return SILIAN_TAKE(sync::LedgerStore::Create(path, config, o));
}

std::unique_ptr<sync::LedgerStore> OpenLedger(const std::string& path) {
  sync::LedgerStore::Options o;
  o.durable = false;
  return SILIAN_TAKE(sync::LedgerStore::Open(path, o));
}

void ExecOn(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const Status s = sync::Exec(db, sql);
  sqlite3_close(db);
  SILIAN_REQUIRE_OK(s);
}

std::string QueryOne(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::string value;
  Status s;
  {
    sync::Stmt q;
    s = q.Prepare(db, sql.c_str());
    if (s.ok()) {
      Result<bool> row = q.Step();
      if (!row.ok()) s = row.status();
      else if (*row) value = q.Text(0);
    }
  }
  sqlite3_close(db);
  SILIAN_REQUIRE_OK(s);
  return value;
}

void CopyLedger(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  if (fs::exists(from + "-wal")) fs::copy_file(from + "-wal", to + "-wal", fs::copy_options::overwrite_existing);
}

sync::NewCase SampleCase(uint32_t n, const std::string& actor) {
  sync::NewCase c;
  c.item_code = "11152222MB1234567X-1-001";
  c.applicant_name = "Applicant " + std::to_string(n);
  c.applicant_id = ResidentId(n);
  c.phone = "0482-55501" + std::to_string(10 + n % 90);
  c.address = "Gacha road " + std::to_string(n);
  c.summary = "pension certificate";
  c.channel = "agent";
  c.actor = actor;
  return c;
}

sync::NewCase CaseIn(uint32_t n, const std::string& division, const std::string& actor) {
  sync::NewCase c = SampleCase(n, actor);
  c.division = sync::DivisionCode{division};
  return c;
}

uint64_t FrontierSeq(sync::LedgerStore& store, const std::string& origin) {
  const pb::Frontier frontier = SILIAN_TAKE(store.GetFrontier());
  for (const auto& e : frontier.entries())
    if (e.origin() == origin) return e.seq();
  return 0;
}

uint64_t OwnSeq(sync::LedgerStore& store) { return FrontierSeq(store, store.config().node_id.value); }

std::string DigestOf(sync::LedgerStore& store, std::optional<std::string> scope) {
  return SILIAN_TAKE(store.Digest(std::move(scope))).ToLine();
}

std::optional<uint64_t> MissingAt(sync::LedgerStore& store, const std::string& level) {
  for (const auto& l : SILIAN_TAKE(store.LevelStatuses()))
    if (l.level == level) return l.own_ops_missing;
  return std::nullopt;
}

namespace {
// The signed heads of every export (the exporter's AttachHeads over the whole export), by the bytes of the
// entry each one ends on: ImportEntries attaches a head to a batch that carries that entry, as a sender
// does. Keyed by the entry rather than by origin and seq, so that replicas of other tests that share node
// names never lend each other heads; and each export says for every entry it holds whether a head ends
// there, since two tests can author the same op bytes after different chains (seen when a test binary runs
// whole: a head of another test's chain attached to this one's entry was refused as forged).
std::map<std::string, pb::SignedHead>& KnownHeads() {
  static std::map<std::string, pb::SignedHead> heads;
  return heads;
}

// The origin and the last seq an entry covers; empty origin when it does not parse.
std::pair<std::string, uint64_t> EntryEnd(const pb::Entry& e) {
  if (e.has_skip()) return {e.skip().origin(), e.skip().to_seq()};
  pb::Op op;
  if (e.has_op() && op.ParseFromString(e.op())) return {op.origin(), op.seq()};
  return {"", 0};
}
}  // namespace

std::vector<pb::Entry> ExportEntries(sync::LedgerStore& from, const pb::Frontier& holder) {
  std::vector<pb::Entry> out;
  SILIAN_REQUIRE_OK(from.Export(holder, [&](pb::Entry e) {
    out.push_back(std::move(e));
    return Status::Ok();
  }));
  pb::Batch all;
  for (const auto& e : out) *all.add_entries() = e;
  SILIAN_REQUIRE_OK(from.ledger().AttachHeads(&all));
  for (const auto& e : out) KnownHeads().erase(e.SerializeAsString());
  for (const auto& h : all.heads())
    for (const auto& e : out)
      if (EntryEnd(e) == std::make_pair(h.origin(), h.seq())) KnownHeads()[e.SerializeAsString()] = h;
  return out;
}

std::vector<pb::Entry> ExportAll(sync::LedgerStore& from) { return ExportEntries(from, pb::Frontier()); }

sync::ImportStats ImportEntries(sync::LedgerStore& to, const std::vector<pb::Entry>& entries, size_t batch_entries,
                                const pb::Frontier* sender) {
  auto import = SILIAN_TAKE(to.BeginImport());
  for (size_t i = 0; i < entries.size(); i += batch_entries) {
    pb::Batch batch;
    for (size_t k = i; k < std::min(entries.size(), i + batch_entries); ++k) *batch.add_entries() = entries[k];
    for (const auto& e : batch.entries()) {
      auto known = KnownHeads().find(e.SerializeAsString());
      if (known != KnownHeads().end() && batch.heads_size() < batch.entries_size()) *batch.add_heads() = known->second;
    }
    SILIAN_REQUIRE_OK(import->Add(batch));
  }
  return SILIAN_TAKE(import->Commit(sender));
}

void SignHeads(pb::Batch& batch, const pb::Frontier& chain_before, const std::string& only_origin,
               const sync::SigningKey* key) {
  struct Walk {
    uint64_t seq = 0;
    std::string hash;
    uint64_t start = 0;
    bool broken = false;
  };
  std::map<std::string, pb::FrontierEntry> before;
  for (const auto& f : chain_before.entries()) before[f.origin()] = f;
  std::map<std::string, Walk> walks;
  // An origin's walk starts below its first entry: at zero for seq 1, else where `chain_before` holds it.
  auto walk_for = [&](const std::string& origin, uint64_t first) -> Walk& {
    auto [it, fresh] = walks.try_emplace(origin);
    if (!fresh) return it->second;
    Walk& w = it->second;
    auto b = before.find(origin);
    if (first == 1) {
      w = Walk{0, sync::ZeroHash(), 0, false};
    } else if (b != before.end() && b->second.seq() + 1 == first) {
      w = Walk{b->second.seq(), b->second.hash(), b->second.seq(), false};
    } else {
      w.broken = true;
    }
    return w;
  };
  for (const auto& e : batch.entries()) {
    pb::Op op;
    if (e.has_op() && op.ParseFromString(e.op())) {
      Walk& w = walk_for(op.origin(), op.seq());
      if (w.broken || op.seq() != w.seq + 1) {
        w.broken = true;
        continue;
      }
      w.hash = sync::ChainHash(w.hash, e.op());
      w.seq = op.seq();
    } else if (e.has_skip()) {
      Walk& w = walk_for(e.skip().origin(), e.skip().from_seq());
      if (w.broken || e.skip().from_seq() != w.seq + 1) {
        w.broken = true;
        continue;
      }
      w.hash = e.skip().hash();
      w.seq = e.skip().to_seq();
    }
  }
  for (const auto& [origin, w] : walks) {
    if (w.seq == w.start || w.seq > sync::kMaxSeq) continue;  // no origin signs a seq it cannot have
    if (!only_origin.empty() && origin != only_origin) continue;
    pb::SignedHead* h = batch.add_heads();
    h->set_origin(origin);
    h->set_seq(w.seq);
    h->set_hash(w.hash);
    const std::string message = sync::SignedHeadMessage(origin, w.seq, w.hash);
    h->set_signature(key != nullptr ? key->Sign(message) : TestKeyOf(origin).Sign(message));
  }
}

sync::ImportStats ImportSigned(sync::LedgerStore& to, const std::vector<pb::Entry>& entries,
                               const pb::Frontier& chain_before, const std::string& origin) {
  pb::Batch batch;
  for (const auto& e : entries) *batch.add_entries() = e;
  SignHeads(batch, chain_before, origin);
  auto import = SILIAN_TAKE(to.BeginImport());
  SILIAN_REQUIRE_OK(import->Add(batch));
  return SILIAN_TAKE(import->Commit(nullptr));
}

sync::ImportStats Exchange(sync::LedgerStore& from, sync::LedgerStore& to) {
  pb::Frontier holder = SILIAN_TAKE(to.GetFrontier());
  pb::Frontier sender = SILIAN_TAKE(from.GetFrontier());
  return ImportEntries(to, ExportEntries(from, holder), 1000, &sender);
}

void RegisterNodes(sync::LedgerStore& root, const std::vector<sync::LedgerStore*>& nodes, bool as_root) {
  if (as_root) SILIAN_REQUIRE_OK(root.RegisterSelfAsRoot("admin"));
  for (sync::LedgerStore* node : nodes) {
    sync::Peer peer;
    peer.node_id = node->config().node_id;
    peer.level = node->config().level;
    peer.division = node->config().division;
    SILIAN_TAKE(root.RegisterNode(peer, node->config().device, "admin", node->ledger().signing_key().public_key()));
  }
  for (sync::LedgerStore* node : nodes) Exchange(root, *node);
}

Replica MakeCountyFor(const TempDir& dir, const std::vector<sync::LedgerStore*>& nodes) {
  Replica county = MakeReplica(dir, NodeAt("county", sync::Level::kCounty, kCounty));
  SILIAN_REQUIRE_OK(county->RegisterSelfAsRoot("admin"));
  std::vector<pb::Item> items;
  for (const char* code : {"11152222MB1234567X-1-001", "11152222MB1234567X-1-002", "11152222MB7654321Y-2-010"}) {
    pb::Item item;
    item.set_code(code);
    item.set_name(std::string("item ") + code);
    item.set_exercise_level("village");
    item.mutable_legal_limit()->set_value(20);
    item.mutable_legal_limit()->set_unit("working_days");
    item.mutable_promised_limit()->set_value(10);
    item.mutable_promised_limit()->set_unit("working_days");
    item.set_lead_department("office");
    items.push_back(item);
  }
  SILIAN_TAKE(county->PublishItems(items, "admin"));
  RegisterNodes(*county, nodes, false);
  return county;
}

Snapshot TakeSnapshot(sync::LedgerStore& s, std::optional<std::string> scope) {
  Snapshot snap;
  snap.digest = SILIAN_TAKE(s.Digest(scope)).ToLine();
  sync::CaseFilter all;
  all.limit = 100000;
  for (const auto& c : SILIAN_TAKE(s.ListCases(all)))
    snap.cases[c.case_id] = SILIAN_TAKE(s.ShowCase(c.case_id)).dump();
  nlohmann::json conflicts = nlohmann::json::array();
  for (auto& c : SILIAN_TAKE(s.ListConflicts())) conflicts.push_back(std::move(c));
  snap.conflicts = conflicts.dump();
  return snap;
}

std::string FirstDifference(const Snapshot& a, const Snapshot& b) {
  if (a.digest != b.digest) return "digest: " + a.digest + " vs " + b.digest;
  if (a.cases.size() != b.cases.size())
    return "case count: " + std::to_string(a.cases.size()) + " vs " + std::to_string(b.cases.size());
  for (const auto& [id, json] : a.cases) {
    auto it = b.cases.find(id);
    if (it == b.cases.end()) return "case " + id + " missing in the second";
    if (it->second != json) return "case " + id + ":\n  " + json + "\nvs\n  " + it->second;
  }
  if (a.conflicts != b.conflicts) return "conflicts:\n  " + a.conflicts + "\nvs\n  " + b.conflicts;
  return "";
}

}  // namespace silian::test
