// The node registry as replicated reference data, and the publisher rules built on it.
//
// Every registration is a reference op (pb::NodeRegistered) authored by the hub that registered the node
// (`silian-hub node add` / `node remove`; the root hub registers itself at init). The op's area is the
// registered node's scope, so it reaches that node, the nodes below it and every hub above (OpInScope).
// Every replica indexes the registrations it holds in `node_registry`; the ops stay the truth.
//
// What is decided from it (docs/architecture.md, "The node registry and publishers"):
// - publishers: an item, calendar or registration op is admitted only when its origin is registered as a
//   county or city hub whose area contains the op's area; a registration names a node of a lower level
//   than its publisher's;
// - the root: a hub's registration of itself is the claim to be the root of the registry; a replica admits
//   it only when it matches the root pinned in its settings (`registry_root`), pinning the first one it
//   admits when none is pinned yet (a hub initialised without a parent pins itself). A county root yields
//   to a city whose area contains it (the county joined the city), and a city-rooted replica admits, but
//   does not use, the old root claim of a county inside it;
// - authority: the level that counts for a transition or a department decision is the origin's registered
//   level (Registry::LevelOf), never the level an op claims.
// Not thread-safe (as the Ledger): a collaborator of the case projector on the ledger's connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "silian.pb.h"
#include "base/ids.h"
#include "base/status.h"
#include "ledger/ledger.h"

namespace silian::sync {

// The highest version an item or a calendar may have: versions never wrap (a publish that would go past
// it fails, and an op carrying a larger one is refused).
inline constexpr uint32_t kMaxReferenceVersion = 2'147'483'647;  // 2^31 - 1
// The setting holding the node id of the registry's root (the top hub of the network).
inline constexpr const char* kRegistryRootSetting = "registry_root";
// The setting holding the root's Ed25519 public key (base64), pinned with it.
inline constexpr const char* kRegistryRootKeySetting = "registry_root_key";

struct Registration {
  NodeId node_id;
  Level level = Level::kVillage;
  DivisionCode division;
  std::string device;  // "" when not known
  bool active = true;  // false: removed or revoked
  OpId op;             // the registration op in force
  std::string public_key;          // Ed25519, 32 bytes; "" until the node enrols
  bool revoked = false;            // status "revoked": refused after revoked_after_seq
  uint64_t revoked_after_seq = 0;
  // The area the node serves: ScopeOf(level, division).
  std::string scope() const { return ScopeOf(level, division); }
};

// Content rules of a registration op: node id, level, 12-digit division, device "" or two digits, status
// "active" or "removed", and the op's area equal to the registered node's scope. Pure. kInvalidArgument
// naming the op, the field and the value.
Status ValidateRegistration(const pb::Op& op);

// The registration body for `r` (status from r.active).
pb::NodeRegistered RegistrationBody(const Registration& r);

class Registry {
 public:
  // `ledger` is borrowed and outlives the registry.
  explicit Registry(Ledger& ledger) : ledger_(ledger) {}

  // Creates the registry's table when the file has none (a ledger made before the registry existed).
  Status EnsureTable();

  // Indexes a stored registration op. Of two registrations of one node, the greater (hlc, origin, seq)
  // stands. Returns whether the registration in force changed (a node's level may now be known).
  // REQUIRES: inside a write transaction; `op` is a registration that passed ValidateRegistration.
  Result<bool> Index(const pb::Op& op);

  // The registration in force of `node_id`; nullopt when none is held. Inside a transaction, what was read
  // is kept until Forget (an import asks once per op and once per op it folds); outside one, it is read.
  Result<std::optional<Registration>> Find(std::string_view node_id);
  // Drops what Find kept: when another connection may have written (Projector::Reload, after a rollback
  // and when the file changed elsewhere).
  void Forget() { found_.clear(); }
  // Every registration held, by node id.
  Result<std::vector<Registration>> List();

  // Whether reference op `op` may join this replica's log (Projector::Admit for reference ops):
  // - kInvalidArgument: a version outside 1..kMaxReferenceVersion, a malformed registration;
  // - kUnavailable: its publisher's registration is not held yet (the ledger parks the op);
  // - kPermissionDenied: its publisher is not a county or city hub, the op's area is outside the
  //   publisher's, a registration of a node not below its publisher, a root claim that differs from the
  //   pinned root.
  // Pins the root when it admits the first root claim. REQUIRES: inside the import's write transaction.
  Status Admit(const pb::Op& op);

  // The revocation rule, for every op (case and reference) whose origin is registered here: an op of a
  // revoked origin with seq > its revoked_after_seq is refused (kPermissionDenied naming the origin, the op
  // and the revocation). Ops of origins not registered here, or not revoked, pass.
  Status AdmitOrigin(const pb::Op& op);

  // Device numbers (two digits, unique within a division over the whole network). Only the hub whose area
  // is the smallest among the active hubs' containing `division` (other than `node`, the one being added)
  // allocates there: kPermissionDenied naming that hub when it is another than `self` (e.g. a city asked for
  // a village its county hub serves).
  Status CheckDeviceAllocator(const NodeId& self, Level self_level, const DivisionCode& division, const NodeId& node);
  // The smallest device number in 01..99 of `division` that no registration held here uses and that is not
  // in `also_taken` (devices promised to enrolment codes not used yet). kResourceExhausted naming the
  // division when all 99 are taken.
  Result<std::string> FreeDevice(const DivisionCode& division, const std::vector<std::string>& also_taken);

  // Whether registration `op` is to be indexed: any registration of another node, and a root claim only
  // when it is the pinned root's (a county that was its own root before it joined a city keeps its old
  // claim in the log, unused).
  Result<bool> IsRootClaimInForce(const pb::Op& op);
  // The pinned root; nullopt when none is pinned yet.
  Result<std::optional<std::string>> Root();
  // The pinned root's public key (32 bytes); nullopt when none is pinned.
  Result<std::optional<std::string>> RootKey();
  // Pins `node_id` as this replica's root, with its public key when not empty. kPermissionDenied naming both
  // when another root is pinned, or the root is pinned with another key. REQUIRES: inside a write transaction.
  Status PinRoot(const std::string& node_id, const std::string& public_key = "");
  // kUnavailable when `op`'s publisher (its origin) is not registered here yet; kPermissionDenied unless it
  // is a county or city hub whose area contains the op's. `what` completes "op X <what> for area A".
  Status CheckPublisher(const pb::Op& op, const std::string& what);

 private:
  Status CreateTable();
  Status CheckRootClaim(const pb::Op& op);

  Ledger& ledger_;
  std::unordered_map<std::string, std::optional<Registration>> found_;  // Find's, in transactions
};

}  // namespace silian::sync
