#include "domain/staff.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "base/keys.h"
#include "base/text.h"
#include "domain/case_model.h"
#include "domain/projection.h"
#include "domain/validation.h"
#include "ledger/db.h"

namespace silian::sync {
namespace {

constexpr const char* kRoleNames[kRoleCount] = {"agent", "clerk", "approver", "supervisor", "administrator"};

// The lowest role of the ladder that may take each action (docs/architecture.md, "Staff and roles").
const std::map<std::string, Role, std::less<>>& ActionRoles() {
  static const auto* table = new std::map<std::string, Role, std::less<>>{
      {"receive", Role::kAgent},           {"edit", Role::kAgent},
      {"material", Role::kAgent},          {"note", Role::kAgent},
      {"forward", Role::kAgent},           {"supply-correction", Role::kAgent},
      {"withdraw", Role::kAgent},          {"deliver", Role::kAgent},
      {"evaluate", Role::kAgent},          {"accept", Role::kClerk},
      {"request-correction", Role::kClerk}, {"not-accept", Role::kClerk},
      {"start-review", Role::kClerk},      {"suspend", Role::kClerk},
      {"resume", Role::kClerk},            {"complete", Role::kClerk},
      {"issue-certificate", Role::kClerk}, {"review-step", Role::kClerk},
      {"fee", Role::kClerk},               {"rectify", Role::kClerk},
      {"approve", Role::kApprover},        {"approve-tolerant", Role::kApprover},
      {"deny", Role::kApprover},           {"decide-department", Role::kApprover},
      {"revoke", Role::kApprover},         {"terminate", Role::kApprover},
      // An extension is decided by an approver (issue 11); a lapsed correction is withdrawn or continued by
      // the organ's approver too; a subsidy is recorded by a clerk, as fees are.
      {"extend", Role::kApprover},         {"correction-lapse", Role::kApprover},
      {"subsidy", Role::kClerk},
      {"resolve", Role::kSupervisor},
  };
  return *table;
}

std::string OpName(const pb::Op& op) { return Quote(op.origin() + ":" + std::to_string(op.seq())); }

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The value of "<key>=<digits>" in `params` ("m=65536,t=2,p=1"), or nullopt.
std::optional<uint64_t> Param(std::string_view params, std::string_view key) {
  size_t at = 0;
  while (at <= params.size()) {
    size_t end = params.find(',', at);
    std::string_view part = params.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (part.size() > key.size() + 1 && part.substr(0, key.size()) == key && part[key.size()] == '=') {
      uint64_t v = 0;
      auto digits = part.substr(key.size() + 1);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
      return v;
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

bool IsStaffId(std::string_view id) { return ParseNodeId(id).ok(); }

StaffAccount FromRow(const Stmt& s) {
  StaffAccount a;
  a.staff_id = s.Text(0);
  a.name = s.Text(1);
  a.node_id = s.Text(2);
  a.division = s.Text(3);
  std::string roles = s.Text(4);
  for (size_t at = 0; at < roles.size();) {
    size_t end = std::min(roles.find(',', at), roles.size());
    if (auto r = ParseRole(roles.substr(at, end - at)); r.ok()) a.roles.push_back(*r);
    at = end + 1;
  }
  a.active = s.Text(5) == "active";
  a.verifier = s.Text(6);
  a.op = OpId{s.Text(7), static_cast<uint64_t>(s.Int(8))};
  a.disabled_hlc = static_cast<uint64_t>(s.Int(9));
  return a;
}

constexpr const char* kSelect =
    "SELECT staff_id, name, node_id, division, roles, status, verifier, op_origin, op_seq, disabled_hlc FROM staff_registry";

}  // namespace

const char* RoleName(Role role) { return kRoleNames[static_cast<int>(role)]; }

Result<Role> ParseRole(std::string_view text) {
  for (int i = 0; i < kRoleCount; ++i)
    if (text == kRoleNames[i]) return static_cast<Role>(i);
  return InvalidArgument("role " + Quote(text) + " is not one of agent, clerk, approver, supervisor, administrator");
}

std::string StaffAccount::RolesText() const {
  std::string out;
  for (Role r : roles) out += (out.empty() ? "" : ", ") + std::string(RoleName(r));
  return out;
}

std::string StaffActionOf(const pb::Op& op) {
  switch (op.body_case()) {
    case pb::Op::kCaseCreated: return "receive";
    case pb::Op::kFieldsSet: return "edit";
    case pb::Op::kMaterialReceived: return "material";
    case pb::Op::kNoteAdded: return "note";
    case pb::Op::kTransition: return op.transition().action();
    case pb::Op::kConflictResolved: return "resolve";
    case pb::Op::kDepartmentDecision: return "decide-department";
    case pb::Op::kFeeRecorded: return "fee";
    case pb::Op::kEvaluationGiven: return "evaluate";
    case pb::Op::kRectificationStep: return "rectify";
    case pb::Op::kReviewStep: return "review-step";
    case pb::Op::kCorrectionLapse: return "correction-lapse";
    case pb::Op::kSubsidyPaid: return "subsidy";
    default: return "";
  }
}

std::optional<Role> LowestRoleFor(std::string_view action) {
  auto it = ActionRoles().find(action);
  if (it == ActionRoles().end()) return std::nullopt;
  return it->second;
}

bool RoleAllows(Role role, std::string_view action) {
  std::optional<Role> lowest = LowestRoleFor(action);
  return lowest && static_cast<int>(role) >= static_cast<int>(*lowest);
}

Status CheckPassphraseStrength(std::string_view staff_id, std::string_view passphrase) {
  if (passphrase.size() > kMaxPassphraseBytes)
    return InvalidArgument("the passphrase of staff " + Quote(staff_id) + " is longer than " +
                           std::to_string(kMaxPassphraseBytes) + " bytes");
  size_t chars = 0;
  for (unsigned char c : passphrase) chars += (c & 0xC0) != 0x80;
  if (chars < kMinPassphraseChars)
    return InvalidArgument("the passphrase of staff " + Quote(staff_id) + " has " + std::to_string(chars) +
                           " characters; a passphrase needs at least " + std::to_string(kMinPassphraseChars));
  return Status::Ok();
}

Result<std::string> MakeVerifier(std::string_view passphrase) {
  if (sodium_init() < 0) return Internal("libsodium cannot be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, passphrase.data(), passphrase.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Internal("cannot compute the Argon2id verifier of a passphrase (out of memory)");
  return std::string(out);
}

bool VerifyPassphrase(const std::string& verifier, std::string_view passphrase) {
  if (sodium_init() < 0) return false;
  return crypto_pwhash_str_verify(verifier.c_str(), passphrase.data(), passphrase.size()) == 0;
}

Status ValidateVerifier(const std::string& verifier) {
  constexpr std::string_view kPrefix = "$argon2id$v=19$";
  if (verifier.size() >= crypto_pwhash_STRBYTES || verifier.compare(0, kPrefix.size(), kPrefix) != 0)
    return InvalidArgument("verifier " + Quote(verifier.substr(0, 40)) + " is not an Argon2id (v=19) verifier");
  std::string_view rest = std::string_view(verifier).substr(kPrefix.size());
  std::string_view params = rest.substr(0, rest.find('$'));
  auto m = Param(params, "m"), t = Param(params, "t"), p = Param(params, "p");
  if (!m || !t || !p || *m < 8 || *m > 256 * 1024 || *t < 1 || *t > 8 || *p != 1)
    return InvalidArgument("verifier parameters " + Quote(params) +
                           " are outside the bounds m=8..262144 KiB, t=1..8, p=1");
  return Status::Ok();
}

Status ValidateStaff(const pb::Op& op) {
  const pb::StaffRegistered& s = op.staff_registered();
  auto bad = [&](const std::string& field, const std::string& value, const std::string& why) {
    return InvalidArgument("staff op " + OpName(op) + ": " + field + " " + Quote(value) + " " + why);
  };
  if (!IsStaffId(s.staff_id())) return bad("staff_id", s.staff_id(), "is not an id (letters, digits, '-', '_')");
  SILIAN_RETURN_IF_ERROR(CheckText("staff name", s.name(), kMaxStaffNameChars, true));
  if (!s.node_id().empty() && !ParseNodeId(s.node_id()).ok()) return bad("node_id", s.node_id(), "is not a node id");
  if (!ParseDivisionCode(s.division()).ok()) return bad("division", s.division(), "is not a 12-digit division code");
  if (op.division() != s.division()) return bad("area", op.division(), "must be the account's division " + Quote(s.division()));
  if (s.roles_size() < 1 || s.roles_size() > kRoleCount)
    return bad("roles", std::to_string(s.roles_size()), "must number 1 to " + std::to_string(kRoleCount));
  for (int i = 0; i < s.roles_size(); ++i) {
    SILIAN_RETURN_IF_ERROR(ParseRole(s.roles(i)).status());
    for (int j = 0; j < i; ++j)
      if (s.roles(j) == s.roles(i)) return bad("role", s.roles(i), "is repeated");
  }
  if (s.status() != "active" && s.status() != "disabled") return bad("status", s.status(), "must be active or disabled");
  if (Status v = ValidateVerifier(s.verifier()); !v.ok()) return InvalidArgument("staff op " + OpName(op) + ": " + v.message());
  return Status::Ok();
}

Status ValidateAudit(const pb::Op& op) {
  const pb::StaffAudit& a = op.staff_audit();
  const std::string head = "audit op " + OpName(op) + ": ";
  if (a.event() != "login" && a.event() != "login_failed" && a.event() != "logout" && a.event() != "role_refused")
    return InvalidArgument(head + "event " + Quote(a.event()) + " must be login, login_failed, logout or role_refused");
  SILIAN_RETURN_IF_ERROR(CheckText("audit staff id", a.staff_id(), kMaxActorChars, true));
  SILIAN_RETURN_IF_ERROR(CheckText("audit action", a.action(), kMaxActorChars, false));
  SILIAN_RETURN_IF_ERROR(CheckText("audit detail", a.detail(), kMaxAuditDetailChars, false));
  if (!ParseDivisionCode(op.division()).ok())
    return InvalidArgument(head + "area " + Quote(op.division()) + " must be the 12-digit division of its node");
  return Status::Ok();
}

pb::StaffRegistered StaffBody(const StaffAccount& a) {
  pb::StaffRegistered body;
  body.set_staff_id(a.staff_id);
  body.set_name(a.name);
  body.set_node_id(a.node_id);
  body.set_division(a.division);
  for (Role r : a.roles) body.add_roles(RoleName(r));
  body.set_status(a.active ? "active" : "disabled");
  body.set_verifier(a.verifier);
  return body;
}

std::string NewSessionToken() {
  SILIAN_CHECK(sodium_init() >= 0);
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return Hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string SessionTokenHash(std::string_view token) { return Hex(Blake2b256(token)); }

Status StaffRegistry::EnsureTables() {
  SILIAN_ASSIGN_OR_RETURN(uint64_t had_history, QueryCount(ledger_.db(),
      "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='staff_history'"));
  SILIAN_RETURN_IF_ERROR(Exec(ledger_.db(), R"sql(
CREATE TABLE IF NOT EXISTS staff_registry(
  staff_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  node_id TEXT NOT NULL,
  division TEXT NOT NULL,
  roles TEXT NOT NULL,
  status TEXT NOT NULL,
  verifier TEXT NOT NULL,
  op_origin TEXT NOT NULL,
  op_seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  disabled_hlc INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS staff_by_node ON staff_registry(node_id);
CREATE INDEX IF NOT EXISTS staff_by_division ON staff_registry(division);
CREATE TABLE IF NOT EXISTS staff_audit(
  origin TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  division TEXT NOT NULL,
  event TEXT NOT NULL,
  staff_id TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY(origin, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staff_history(
  staff_id TEXT NOT NULL,
  hlc INTEGER NOT NULL,
  op_origin TEXT NOT NULL,
  op_seq INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  division TEXT NOT NULL,
  roles TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY(staff_id, hlc, op_origin, op_seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS staff_history_by_node ON staff_history(node_id, hlc);
CREATE INDEX IF NOT EXISTS staff_history_by_division ON staff_history(division, hlc);
CREATE TABLE IF NOT EXISTS staff_session(
  token_hash TEXT PRIMARY KEY,
  staff_id TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL) WITHOUT ROWID;
)sql"));
  if (had_history > 0) return Status::Ok();
  // A ledger from before versioning: its accounts as they stand, in force since ever (hlc 0).
  return Exec(ledger_.db(),
              "INSERT OR IGNORE INTO staff_history(staff_id, hlc, op_origin, op_seq, node_id, division, roles, status) "
              "SELECT staff_id, 0, op_origin, op_seq, node_id, division, roles, status FROM staff_registry");
}

Result<bool> StaffRegistry::Index(const pb::Op& op) {
  SILIAN_CHECK(op.has_staff_registered());
  const pb::StaffRegistered& r = op.staff_registered();
  std::string roles;
  for (const auto& role : r.roles()) roles += (roles.empty() ? "" : ",") + role;
  const uint64_t disabled_hlc = r.status() == "disabled" ? op.hlc() : 0;
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      ledger_.db(),
      "INSERT INTO staff_registry(staff_id, name, node_id, division, roles, status, verifier, op_origin, op_seq, hlc, "
      "disabled_hlc) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) ON CONFLICT(staff_id) DO UPDATE SET name=?2, "
      "node_id=?3, division=?4, roles=?5, status=?6, verifier=?7, op_origin=?8, op_seq=?9, hlc=?10, "
      // A disabling op keeps the earliest disabling stamp of a run of disabled versions.
      "disabled_hlc=CASE WHEN ?6='disabled' AND status='disabled' THEN min(disabled_hlc, ?11) ELSE ?11 END "
      "WHERE (?10, ?8, ?9) > (hlc, op_origin, op_seq)"));
  SILIAN_RETURN_IF_ERROR(s.Bind(1, r.staff_id()).Bind(2, r.name()).Bind(3, r.node_id()).Bind(4, r.division())
                             .Bind(5, roles).Bind(6, r.status()).Bind(7, r.verifier()).Bind(8, op.origin())
                             .Bind(9, op.seq()).Bind(10, op.hlc()).Bind(11, disabled_hlc).Run());
  const bool current_changed = sqlite3_changes(ledger_.db()) > 0;
  Stmt h;
  SILIAN_RETURN_IF_ERROR(h.Prepare(
      ledger_.db(),
      "INSERT OR IGNORE INTO staff_history(staff_id, hlc, op_origin, op_seq, node_id, division, roles, status) "
      "VALUES(?,?,?,?,?,?,?,?)"));
  SILIAN_RETURN_IF_ERROR(h.Bind(1, r.staff_id()).Bind(2, op.hlc()).Bind(3, op.origin()).Bind(4, op.seq())
                             .Bind(5, r.node_id()).Bind(6, r.division()).Bind(7, roles).Bind(8, r.status()).Run());
  // A version older than the one in force still changes how the ops of its time are judged.
  if (!current_changed && sqlite3_changes(ledger_.db()) == 0) return false;
  Reload();
  any_accounts_ = 1;
  return true;
}

void StaffRegistry::Reload() {
  any_accounts_ = -1;
  staffed_.clear();
  accounts_.clear();
  divisions_.clear();
  versions_.clear();
}

Result<std::optional<StaffAccount>> StaffRegistry::VersionAt(const std::string& staff_id, uint64_t hlc) {
  auto it = versions_.find(staff_id);
  if (it == versions_.end()) {
    Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                     "SELECT staff_id, '', node_id, division, roles, status, '', op_origin, op_seq, hlc "
                                     "FROM staff_history WHERE staff_id=? ORDER BY hlc, op_origin, op_seq"));
    s.Bind(1, staff_id);
    SILIAN_ASSIGN_OR_RETURN(auto rows, CollectRows<StaffAccount>(s, [](const Stmt& row) {
                              StaffAccount a = FromRow(row);
                              a.hlc = a.disabled_hlc;  // column 9 is the version's hlc here
                              a.disabled_hlc = 0;
                              return a;
                            }));
    it = versions_.emplace(staff_id, std::move(rows)).first;
  }
  std::optional<StaffAccount> in_force;
  for (const auto& v : it->second) {
    if (v.hlc > hlc) break;
    in_force = v;
  }
  return in_force;
}


Result<std::optional<StaffAccount>> StaffRegistry::CachedAccount(const std::string& staff_id) {
  if (auto it = accounts_.find(staff_id); it != accounts_.end()) return it->second;
  SILIAN_ASSIGN_OR_RETURN(std::optional<StaffAccount> a, Find(staff_id));
  accounts_.emplace(staff_id, a);
  return a;
}

Result<std::string> StaffRegistry::CachedDivision(const std::string& origin) {
  if (auto it = divisions_.find(origin); it != divisions_.end()) return it->second;
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> reg, registry_.Find(origin));
  std::string division = reg ? reg->division.value : std::string();
  divisions_.emplace(origin, division);
  return division;
}

Status StaffRegistry::IndexAudit(const pb::Op& op) {
  SILIAN_CHECK(op.has_staff_audit());
  const pb::StaffAudit& a = op.staff_audit();
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                   "INSERT OR IGNORE INTO staff_audit(origin, seq, hlc, division, event, staff_id, "
                                   "action, detail) VALUES(?,?,?,?,?,?,?,?)"));
  return s.Bind(1, op.origin()).Bind(2, op.seq()).Bind(3, op.hlc()).Bind(4, op.division()).Bind(5, a.event())
      .Bind(6, a.staff_id()).Bind(7, a.action()).Bind(8, a.detail()).Run();
}

Result<std::optional<StaffAccount>> StaffRegistry::Find(std::string_view staff_id) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(), (std::string(kSelect) + " WHERE staff_id=?").c_str()));
  s.Bind(1, staff_id);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<StaffAccount>();
  return std::optional<StaffAccount>(FromRow(s));
}

Result<std::vector<StaffAccount>> StaffRegistry::List() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(), (std::string(kSelect) + " ORDER BY staff_id").c_str()));
  return CollectRows<StaffAccount>(s, FromRow);
}

Result<std::vector<AuditRecord>> StaffRegistry::Audit(size_t limit) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                   "SELECT origin, seq, hlc, division, event, staff_id, action, detail FROM staff_audit "
                                   "ORDER BY hlc DESC, origin, seq LIMIT ?"));
  s.Bind(1, static_cast<int64_t>(limit));
  return CollectRows<AuditRecord>(s, [](const Stmt& r) {
    return AuditRecord{OpId{r.Text(0), static_cast<uint64_t>(r.Int(1))}, static_cast<uint64_t>(r.Int(2)), r.Text(3),
                       r.Text(4), r.Text(5), r.Text(6), r.Text(7)};
  });
}

Status StaffRegistry::Admit(const pb::Op& op) {
  if (op.has_staff_registered()) {
    SILIAN_RETURN_IF_ERROR(ValidateStaff(op));
    return registry_.CheckPublisher(op, "registers staff " + Quote(op.staff_registered().staff_id()));
  }
  SILIAN_CHECK(op.has_staff_audit());
  SILIAN_RETURN_IF_ERROR(ValidateAudit(op));
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> origin, registry_.Find(op.origin()));
  const std::string head = "audit op " + OpName(op) + " for area " + Quote(op.division());
  if (!origin) return Unavailable(head + ": its node " + Quote(op.origin()) + " is not in this replica's node registry (yet)");
  if (origin->division.value != op.division())
    return PermissionDenied(head + " is not the division " + Quote(origin->division.value) + " of its node " +
                            Quote(op.origin()));
  return Status::Ok();
}

Result<bool> StaffRegistry::Staffed(std::string_view origin) {
  if (any_accounts_ < 0) {
    SILIAN_ASSIGN_OR_RETURN(uint64_t n, QueryCount(ledger_.db(), "SELECT count(*) FROM (SELECT 1 FROM staff_registry LIMIT 1)"));
    any_accounts_ = n > 0 ? 1 : 0;
  }
  if (any_accounts_ == 0) return false;
  if (auto it = staffed_.find(origin); it != staffed_.end()) return it->second;
  SILIAN_ASSIGN_OR_RETURN(std::string division, CachedDivision(std::string(origin)));
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                   "SELECT 1 FROM staff_registry WHERE node_id=?1 OR (node_id='' AND division=?2) LIMIT 1"));
  s.Bind(1, origin).Bind(2, division.empty() ? std::string("-") : division);
  SILIAN_ASSIGN_OR_RETURN(bool staffed, s.Step());
  staffed_.emplace(std::string(origin), staffed);
  return staffed;
}

Result<std::string> StaffRegistry::Judge(const pb::Op& op) {
  const std::string action = StaffActionOf(op);
  if (action.empty()) return std::string();
  SILIAN_ASSIGN_OR_RETURN(bool staffed, Staffed(op.origin()));
  if (!staffed) return std::string();  // bootstrap: no account exists for this node yet
  const std::string who = "staff " + Quote(op.actor());
  std::string then = " at the op's time " + HlcToIso(op.hlc());
  SILIAN_ASSIGN_OR_RETURN(std::optional<StaffAccount> a, VersionAt(op.actor(), op.hlc()));
  if (!a) {
    // Stamped before the account's first version (bootstrap): judged by that first version, not a later one.
    auto versions = versions_.find(op.actor());
    if (versions == versions_.end() || versions->second.empty())
      return "actor " + Quote(op.actor()) + " is not a staff account, and node " + Quote(op.origin()) +
             " has staff accounts";
    a = versions->second.front();
    then = " as first published (the op is older than the account)";
  }
  if (!a->node_id.empty() && a->node_id != op.origin())
    return who + " works at node " + Quote(a->node_id) + ", not at " + Quote(op.origin());
  if (a->node_id.empty()) {
    SILIAN_ASSIGN_OR_RETURN(std::string division, CachedDivision(op.origin()));
    if (division != a->division)
      return who + " works in division " + Quote(a->division) + ", and node " + Quote(op.origin()) + " is not registered there";
  }
  if (!a->active) return who + " was disabled" + then;
  bool allowed = std::any_of(a->roles.begin(), a->roles.end(), [&](Role r) { return RoleAllows(r, action); });
  if (!allowed) {
    std::optional<Role> lowest = LowestRoleFor(action);
    return who + " (roles" + then + ": " + a->RolesText() + ") may not " + Quote(action) +
           (lowest ? "; it needs role " + std::string(RoleName(*lowest)) + " or above" : "");
  }
  if (op.has_evaluation_given() && op.evaluation_given().target_kind() == "staff" &&
      op.evaluation_given().target() == op.actor())
    return who + " may not record the evaluation of themselves";
  return std::string();
}

Result<std::vector<std::string>> StaffRegistry::CasesJudgedBy(const pb::Op& op) {
  const pb::StaffRegistered& r = op.staff_registered();
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                   "SELECT DISTINCT case_id FROM ops WHERE case_id<>'' AND (origin=?1 OR origin IN "
                                   "(SELECT node_id FROM node_registry WHERE division=?2))"));
  s.Bind(1, r.node_id().empty() ? std::string("-") : r.node_id()).Bind(2, r.division());
  return CollectRows<std::string>(s, [](const Stmt& row) { return row.Text(0); });
}

Status StaffRegistry::SaveSession(const std::string& token_hash, const Session& session) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(),
                                   "INSERT OR REPLACE INTO staff_session(token_hash, staff_id, started_ms, expires_ms) "
                                   "VALUES(?,?,?,?)"));
  return s.Bind(1, token_hash).Bind(2, session.staff_id).Bind(3, session.started_ms).Bind(4, session.expires_ms).Run();
}

Result<std::optional<Session>> StaffRegistry::FindSession(const std::string& token_hash) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(ledger_.db(), "SELECT staff_id, started_ms, expires_ms FROM staff_session WHERE token_hash=?"));
  s.Bind(1, token_hash);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Session>();
  return std::optional<Session>(
      Session{s.Text(0), static_cast<uint64_t>(s.Int(1)), static_cast<uint64_t>(s.Int(2))});
}

Status StaffRegistry::DropSession(const std::string& token_hash) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_.db(), "DELETE FROM staff_session WHERE token_hash=?"));
  return s.Bind(1, token_hash).Run();
}

}  // namespace silian::sync
