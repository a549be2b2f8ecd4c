// Replicas for tests: the divisions and values of the tests' world, stores on throwaway files with
// hand-set clocks, exchanges between stores (the network, without one), and snapshots of what a person can
// see of a replica. Everything REQUIREs success; a failure names the call and its status.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "base/hlc.h"
#include "base/ids.h"
#include "domain/store.h"

namespace silian::test {

class TempDir;  // support/files.h

// ---- The tests' world: Hinggan League, Horqin Right Middle Banner.

inline constexpr const char* kCity = "152200000000";          // Hinggan League
inline constexpr const char* kCounty = "152222000000";        // Horqin Right Middle Banner
inline constexpr const char* kTownship = "152222104000";      // a sumu of it
inline constexpr const char* kVillage = "152222104200";       // a gacha in that sumu
inline constexpr const char* kOtherVillage = "152222104201";  // its neighbour in the same sumu
inline constexpr uint64_t kT0Ms = 1767225600000ull;           // 2026-01-01T00:00:00Z

// The HLC stamp of wall time `ms` with `logical`.
uint64_t Stamp(uint64_t ms, uint64_t logical = 0);

// A resident ID number (GB 11643): the 17 digits `first17` and their check character.
std::string ResidentIdOf(const std::string& first17);
// A resident ID number with a correct check character; distinct for n in 0..999.
std::string ResidentId(uint32_t n);

// The op id written "origin:seq"; REQUIREs that it parses.
sync::OpId Id(const std::string& text);

// ---- Stores.

sync::NodeConfig NodeAt(const std::string& node_id, sync::Level level = sync::Level::kVillage,
                        const std::string& division = kVillage, const std::string& device = "01");

// Options for a throwaway store: not durable, on the hand-set clock `wall` (borrowed).
// The signing key of test replica `node_id` (MakeReplica's): derived from its id, so that a test can
// register a node's key, or sign in its name, without holding its ledger.
sync::SigningKey TestKeyOf(const std::string& node_id);

sync::LedgerStore::Options FastOptions(sync::WallClock* wall);

// A store with its own hand-set wall clock. The clock outlives the store (declared first).
struct Replica {
  std::string path;
  std::unique_ptr<sync::ManualWallClock> wall;
  std::unique_ptr<sync::LedgerStore> store;

  sync::LedgerStore* operator->() { return store.get(); }
  sync::LedgerStore& operator*() { return *store; }
};

// A new replica "<node id>.db" in `dir`, its clock at `now_ms`.
Replica MakeReplica(const TempDir& dir, const sync::NodeConfig& config, uint64_t now_ms = kT0Ms,
                    bool durable = false);

// Creates a ledger at `path` for `config` (not durable, on the system clock).
std::unique_ptr<sync::LedgerStore> CreateLedger(const std::string& path, const sync::NodeConfig& config);
// Opens the ledger at `path` (not durable, on the system clock).
std::unique_ptr<sync::LedgerStore> OpenLedger(const std::string& path);
// Runs `sql` on the ledger file at `path` through a connection of its own (what another program, or an
// older version, would have written there). REQUIRES that it succeeds.
void ExecOn(const std::string& path, const std::string& sql);
// The first column of the first row `sql` returns on the ledger file at `path`, as text ("" for no row).
std::string QueryOne(const std::string& path, const std::string& sql);

// Copies the SQLite ledger `from` (with its write-ahead log) to `to`, replacing it.
void CopyLedger(const std::string& from, const std::string& to);

// An application of applicant n, made by `actor`.
sync::NewCase SampleCase(uint32_t n, const std::string& actor = "agent-1");
// SampleCase(n, actor), registered for the village `division` (by a township hall above it).
sync::NewCase CaseIn(uint32_t n, const std::string& division, const std::string& actor = "agent-1");

// The seq of `origin` in `store`'s frontier; 0 when it holds none of its ops.
uint64_t FrontierSeq(sync::LedgerStore& store, const std::string& origin);
// The seq of the store's own origin in its frontier: how many ops it has authored.
uint64_t OwnSeq(sync::LedgerStore& store);
// The digest line of `store`, of `scope` when given.
std::string DigestOf(sync::LedgerStore& store, std::optional<std::string> scope = std::nullopt);
// The store's own ops that `level` ("county", "city") does not hold yet, as the store last heard;
// nullopt when it has no line for that level.
std::optional<uint64_t> MissingAt(sync::LedgerStore& store, const std::string& level);

// ---- Exchanges: the network, without one.

// Every entry `from` holds beyond `holder`.
std::vector<pb::Entry> ExportEntries(sync::LedgerStore& from, const pb::Frontier& holder);
std::vector<pb::Entry> ExportAll(sync::LedgerStore& from);

// Imports `entries` in one transaction, `batch_entries` entries per batch, with `sender` (borrowed, may be
// null) as the sender's frontier. Each batch carries the signed heads that ExportEntries took from the
// exporting replica (Ledger::AttachHeads over the whole export) for the entries they end on, as a sender's do.
sync::ImportStats ImportEntries(sync::LedgerStore& to, const std::vector<pb::Entry>& entries,
                                size_t batch_entries = 1000, const pb::Frontier* sender = nullptr);

// Signs heads for hand-written entries as their origins would (each test replica's key is TestKeyOf its
// id): for each origin (only `only_origin` when given: an attacker signs only its own), the chain from
// zero when its first entry is seq 1, else from its point in `chain_before` (a frontier holding the chain
// just below the entries), through the contiguous entries of `batch`, signed at the last.
// `key`: the origin's key when it is not TestKeyOf (a ledger the real program made).
void SignHeads(pb::Batch& batch, const pb::Frontier& chain_before, const std::string& only_origin = "",
               const sync::SigningKey* key = nullptr);

// Imports `entries` in one batch with the head `origin` signs over them (SignHeads), as that origin's own
// program, or a hub's pull cut short, would send them.
sync::ImportStats ImportSigned(sync::LedgerStore& to, const std::vector<pb::Entry>& entries,
                               const pb::Frontier& chain_before, const std::string& origin);

// Sends `to` everything `from` holds that `to` lacks, with `from`'s frontier for the divergence check.
sync::ImportStats Exchange(sync::LedgerStore& from, sync::LedgerStore& to);
// Makes `root` (a county or city hub) the root of the node registry and registers each of `nodes` there, as
// `silian-hub init` and `node add` do, then hands the registrations to each node (Exchange): authority and
// publisher rights are judged from them (domain/registry.h).
// A county hub ("county"), root of the registry, that publishes SampleCase's item codes as village items and
// registers `nodes`, handing them both: what village laptops need before they accept and decide.
Replica MakeCountyFor(const TempDir& dir, const std::vector<sync::LedgerStore*>& nodes);
// With `root` false, `hub` only registers (it must hold its own registration already).
void RegisterNodes(sync::LedgerStore& hub, const std::vector<sync::LedgerStore*>& nodes, bool root = true);

// ---- What a person can see of a replica.

// The digest line, `case show --json` of every case, the conflicts.
struct Snapshot {
  std::string digest;
  std::map<std::string, std::string> cases;  // case id -> ShowCase JSON
  std::string conflicts;                    // ListConflicts as a JSON array

  bool operator==(const Snapshot&) const = default;
};

Snapshot TakeSnapshot(sync::LedgerStore& s, std::optional<std::string> scope = std::nullopt);

// The first difference between two snapshots (for INFO), or "" when they are equal.
std::string FirstDifference(const Snapshot& a, const Snapshot& b);

}  // namespace silian::test
