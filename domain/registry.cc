#include "domain/registry.h"

#include <cctype>

#include "base/text.h"
#include "ledger/db.h"

namespace silian::sync {
namespace {

std::string OpName(const pb::Op& op) { return Quote(op.origin() + ":" + std::to_string(op.seq())); }

const char* KindOf(const pb::Op& op) {
  if (op.has_item_published()) return "catalogue item";
  if (op.has_calendar_published()) return "calendar";
  return "node registration";
}

bool IsHub(Level level) { return level == Level::kCounty || level == Level::kCity; }

Registration FromRow(const Stmt& s) {
  Registration r;
  r.node_id = NodeId{s.Text(0)};
  auto level = ParseLevel(s.Text(1));
  r.level = level.ok() ? *level : Level::kVillage;
  r.division = DivisionCode{s.Text(2)};
  r.device = s.Text(3);
  r.active = s.Text(4) == "active";
  r.op = OpId{s.Text(5), static_cast<uint64_t>(s.Int(6))};
  r.public_key = s.Text(7);
  r.revoked = s.Text(4) == "revoked";
  r.revoked_after_seq = static_cast<uint64_t>(s.Int(8));
  return r;
}

constexpr const char* kSelect = "SELECT node_id, level, division, device, status, op_origin, op_seq, public_key, revoked_after FROM node_registry";

Status CheckVersion(const pb::Op& op, uint32_t version) {
  if (version >= 1 && version <= kMaxReferenceVersion) return Status::Ok();
  return InvalidArgument("op " + OpName(op) + " publishes a " + KindOf(op) + " with version " +
                         std::to_string(version) + ", outside 1.." + std::to_string(kMaxReferenceVersion));
}

}  // namespace

Status ValidateRegistration(const pb::Op& op) {
  const pb::NodeRegistered& r = op.node_registered();
  auto bad = [&](const std::string& field, const std::string& value, const std::string& why) {
    return InvalidArgument("registration op " + OpName(op) + ": " + field + " " + Quote(value) + " " + why);
  };
  if (!ParseNodeId(r.node_id()).ok()) return bad("node_id", r.node_id(), "is not a node id");
  auto level = ParseLevel(r.level());
  if (!level.ok()) return bad("level", r.level(), "is not village, township, county or city");
  auto division = ParseDivisionCode(r.division());
  if (!division.ok()) return bad("division", r.division(), "is not a 12-digit division code");
  if (!r.device().empty() && (r.device().size() != 2 || !std::isdigit(static_cast<unsigned char>(r.device()[0])) ||
                              !std::isdigit(static_cast<unsigned char>(r.device()[1]))))
    return bad("device", r.device(), "must be two digits");
  if (r.status() != "active" && r.status() != "removed" && r.status() != "revoked")
    return bad("status", r.status(), "must be active, removed or revoked");
  if (!r.public_key().empty() && r.public_key().size() != kPublicKeyBytes)
    return bad("public_key", "(" + std::to_string(r.public_key().size()) + " bytes)",
               "must be an Ed25519 public key of " + std::to_string(kPublicKeyBytes) + " bytes");
  if (r.revoked_after_seq() > kMaxSeq) return bad("revoked_after_seq", std::to_string(r.revoked_after_seq()), "is out of range");
  if (r.revoked_after_seq() != 0 && r.status() != "revoked")
    return bad("revoked_after_seq", std::to_string(r.revoked_after_seq()), "is set, but the status is not revoked");
  std::string scope = ScopeOf(*level, *division);
  if (op.division() != scope)
    return bad("area", op.division(), "must be the registered node's scope " + Quote(scope));
  return Status::Ok();
}

pb::NodeRegistered RegistrationBody(const Registration& r) {
  pb::NodeRegistered body;
  body.set_node_id(r.node_id.value);
  body.set_level(LevelName(r.level));
  body.set_division(r.division.value);
  body.set_device(r.device);
  body.set_status(r.revoked ? "revoked" : r.active ? "active" : "removed");
  body.set_public_key(r.public_key);
  body.set_revoked_after_seq(r.revoked ? r.revoked_after_seq : 0);
  return body;
}

Status Registry::EnsureTable() {
  SILIAN_RETURN_IF_ERROR(CreateTable());
  // A table made before registrations carried keys (before the trust issue) gains their columns.
  SILIAN_ASSIGN_OR_RETURN(uint64_t has_key,
                          QueryCount(ledger_.db(), "SELECT count(*) FROM pragma_table_info('node_registry') "
                                                   "WHERE name='public_key'"));
  if (has_key != 0) return Status::Ok();
  return Exec(ledger_.db(),
              "ALTER TABLE node_registry ADD COLUMN public_key BLOB NOT NULL DEFAULT x'';"
              "ALTER TABLE node_registry ADD COLUMN revoked_after INTEGER NOT NULL DEFAULT 0;");
}

Status Registry::CreateTable() {
  return Exec(ledger_.db(), R"sql(
CREATE TABLE IF NOT EXISTS node_registry(
  node_id TEXT PRIMARY KEY,
  level TEXT NOT NULL,
  division TEXT NOT NULL,
  device TEXT NOT NULL,
  status TEXT NOT NULL,
  op_origin TEXT NOT NULL,
  op_seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  public_key BLOB NOT NULL DEFAULT x'',
  revoked_after INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
)sql");
}

Result<bool> Registry::Index(const pb::Op& op) {
  SILIAN_CHECK(op.has_node_registered());
  const pb::NodeRegistered& r = op.node_registered();
  found_.erase(r.node_id());
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      ledger_.db(),
      "INSERT INTO node_registry(node_id, level, division, device, status, op_origin, op_seq, hlc, public_key, "
      "revoked_after) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT(node_id) DO UPDATE SET level=?2, "
      "division=?3, device=?4, status=?5, op_origin=?6, op_seq=?7, hlc=?8, public_key=?9, revoked_after=?10 "
      "WHERE (?8, ?6, ?7) > (hlc, op_origin, op_seq)"));
  SILIAN_RETURN_IF_ERROR(s.Bind(1, r.node_id()).Bind(2, r.level()).Bind(3, r.division()).Bind(4, r.device())
                             .Bind(5, r.status()).Bind(6, op.origin()).Bind(7, op.seq()).Bind(8, op.hlc())
                             .BindBlob(9, r.public_key()).Bind(10, static_cast<int64_t>(r.revoked_after_seq())).Run());
  return sqlite3_changes(ledger_.db()) > 0;
}

Result<std::optional<Registration>> Registry::Find(std::string_view node_id) {
  // A transaction's snapshot starts with Ledger::Impl::RefreshIfChangedElsewhere, which has the projector
  // Forget what another connection may have changed; this connection changes registrations only in Index.
  const bool in_transaction = sqlite3_get_autocommit(ledger_.db()) == 0;
  if (in_transaction)
    if (auto it = found_.find(std::string(node_id)); it != found_.end()) return it->second;
  static const std::string kFind = std::string(kSelect) + " WHERE node_id=?";
  SILIAN_ASSIGN_OR_RETURN(StmtCache::Lease s, ledger_.statements().Get(kFind));
  s->Bind(1, node_id);
  SILIAN_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<Registration> found;
  if (row) found = FromRow(*s);
  if (in_transaction) found_[std::string(node_id)] = found;
  return found;
}

Result<std::vector<Registration>> Registry::List() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(), (std::string(kSelect) + " ORDER BY node_id").c_str()));
  return CollectRows<Registration>(s, FromRow);
}

Result<std::optional<std::string>> Registry::Root() { return ledger_.GetSetting(kRegistryRootSetting); }

Result<std::optional<std::string>> Registry::RootKey() {
  SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> b64, ledger_.GetSetting(kRegistryRootKeySetting));
  if (!b64 || b64->empty()) return std::optional<std::string>();
  SILIAN_ASSIGN_OR_RETURN(std::string key, FromBase64(*b64, "setting registry_root_key"));
  return std::optional<std::string>(std::move(key));
}

Status Registry::PinRoot(const std::string& node_id, const std::string& public_key) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> root, Root());
  if (root && *root != node_id)
    return PermissionDenied("the registry root of this replica is pinned to " + Quote(*root) + "; refusing " +
                            Quote(node_id) + " as root");
  if (!public_key.empty()) {
    SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> key, RootKey());
    if (key && *key != public_key)
      return PermissionDenied("the registry root " + Quote(node_id) + " of this replica is pinned with key " +
                              KeyFingerprint(*key) + "; refusing key " + KeyFingerprint(public_key));
    SILIAN_RETURN_IF_ERROR(ledger_.SetMeta(std::string("setting/") + kRegistryRootKeySetting, ToBase64(public_key)));
  }
  return ledger_.SetMeta(std::string("setting/") + kRegistryRootSetting, node_id);
}

Status Registry::Admit(const pb::Op& op) {
  if (op.has_item_published()) {
    SILIAN_RETURN_IF_ERROR(CheckVersion(op, op.item_published().version()));
    return CheckPublisher(op, "publishes a catalogue item " + Quote(op.item_published().code()));
  }
  if (op.has_calendar_published()) {
    SILIAN_RETURN_IF_ERROR(CheckVersion(op, op.calendar_published().version()));
    return CheckPublisher(op, "publishes calendar " + Quote(op.calendar_published().name()));
  }
  SILIAN_CHECK(op.has_node_registered());
  SILIAN_RETURN_IF_ERROR(ValidateRegistration(op));
  const pb::NodeRegistered& r = op.node_registered();
  if (r.node_id() == op.origin()) return CheckRootClaim(op);
  SILIAN_RETURN_IF_ERROR(CheckPublisher(op, "registers node " + Quote(r.node_id())));
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> publisher, Find(op.origin()));
  Level level = *ParseLevel(r.level());
  if (level >= publisher->level)
    return PermissionDenied("op " + OpName(op) + " registers node " + Quote(r.node_id()) + " as a " + r.level() +
                            " node, but its publisher " + Quote(op.origin()) + " is a " + LevelName(publisher->level) +
                            " hub: a hub registers only nodes of a lower level");
  return Status::Ok();
}

Status Registry::CheckPublisher(const pb::Op& op, const std::string& what) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> publisher, Find(op.origin()));
  const std::string head = "op " + OpName(op) + " " + what + " for area " + Quote(op.division());
  if (!publisher)
    return Unavailable(head + ", but its publisher " + Quote(op.origin()) +
                       " is not in this replica's node registry (yet)");
  if (!IsHub(publisher->level))
    return PermissionDenied(head + ", but its publisher " + Quote(op.origin()) + " is registered as a " +
                            LevelName(publisher->level) + " node: only county and city hubs publish reference data");
  if (!InScope(op.division(), publisher->scope()))
    return PermissionDenied(head + ", outside the area " + Quote(publisher->scope()) + " of its publisher, " +
                            LevelName(publisher->level) + " hub " + Quote(op.origin()));
  return Status::Ok();
}

Status Registry::CheckRootClaim(const pb::Op& op) {
  const pb::NodeRegistered& r = op.node_registered();
  const std::string head = "op " + OpName(op) + " registers its own origin " + Quote(op.origin()) + " as the " +
                           r.level() + " root of the registry";
  if (!IsHub(*ParseLevel(r.level())) || r.status() != "active")
    return PermissionDenied(head + ", but only an active county or city hub can be the root");
  SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> root, Root());
  if (!root) return PinRoot(op.origin(), r.public_key());
  if (*root == op.origin()) return PinRoot(op.origin(), r.public_key());
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> pinned, Find(*root));
  const Level level = *ParseLevel(r.level());
  if (pinned && pinned->level == Level::kCounty && level == Level::kCity && InScope(pinned->scope(), op.division()))
    // A county that served alone was its own root; the city it joined takes over, with its key.
    return ledger_.SetMeta(std::string("setting/") + kRegistryRootKeySetting, ToBase64(r.public_key())).ok()
               ? ledger_.SetMeta(std::string("setting/") + kRegistryRootSetting, op.origin())
               : Internal("cannot pin the new registry root's key");
  if (pinned && pinned->level == Level::kCity && level == Level::kCounty && InScope(op.division(), pinned->scope()))
    // The old root claim of a county that has joined this city: kept in the log, never used (IsRootClaimInForce).
    return Status::Ok();
  return PermissionDenied(head + ", but this replica's registry root is pinned to " + Quote(*root) +
                          " (a different root is refused)");
}

Status Registry::AdmitOrigin(const pb::Op& op) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> origin, Find(op.origin()));
  if (!origin || !origin->revoked || op.seq() <= origin->revoked_after_seq) return Status::Ok();
  return PermissionDenied("op " + OpName(op) + " comes from node " + Quote(op.origin()) +
                          ", which is revoked after seq " + std::to_string(origin->revoked_after_seq) +
                          " (registration op " + Quote(origin->op.origin + ":" + std::to_string(origin->op.seq)) + ")");
}

Status Registry::CheckDeviceAllocator(const NodeId& self, Level self_level, const DivisionCode& division,
                                      const NodeId& node) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<Registration> all, List());
  const std::string self_scope = ScopeOf(self_level, division);
  const Registration* smallest = nullptr;
  for (const auto& r : all) {
    if (!IsHub(r.level) || !r.active || r.node_id == node || !InScope(division.value, r.scope())) continue;
    if (smallest == nullptr || r.scope().size() > smallest->scope().size()) smallest = &r;
  }
  if (smallest == nullptr || smallest->node_id.value == self.value || smallest->level >= self_level)
    return Status::Ok();
  return PermissionDenied("device numbers of division " + Quote(division.value) + " are allocated by " +
                          LevelName(smallest->level) + " hub " + Quote(smallest->node_id.value) +
                          ", whose area " + Quote(smallest->scope()) +
                          " is the smallest containing it: add the node there");
}

Result<std::string> Registry::FreeDevice(const DivisionCode& division, const std::vector<std::string>& also_taken) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<Registration> all, List());
  std::vector<bool> taken(100, false);
  auto take = [&](const std::string& d) {
    if (d.size() == 2 && std::isdigit(static_cast<unsigned char>(d[0])) && std::isdigit(static_cast<unsigned char>(d[1])))
      taken[static_cast<size_t>((d[0] - '0') * 10 + (d[1] - '0'))] = true;
  };
  for (const auto& r : all)
    if (r.division.value == division.value) take(r.device);
  for (const auto& d : also_taken) take(d);
  for (size_t n = 1; n < 100; ++n) {
    if (taken[n]) continue;
    return std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
  }
  return ResourceExhausted("all 99 device numbers of division " + Quote(division.value) + " are taken");
}

Result<bool> Registry::IsRootClaimInForce(const pb::Op& op) {
  if (op.node_registered().node_id() != op.origin()) return true;
  SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> root, Root());
  return root && *root == op.origin();
}

}  // namespace silian::sync
