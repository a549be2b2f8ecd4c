// Staff accounts, roles, login sessions and the staff audit, as replicated reference data.
//
// An account is a reference op (pb::StaffRegistered, kind 67) published by a county or city hub whose area
// contains the account's division (`silian-hub staff add / disable / passwd`). The op's area is that
// 12-digit division, so the account reaches the nodes of the division and every hub above. It carries the
// Argon2id verifier of the passphrase (libsodium crypto_pwhash_str), so a node checks a login offline.
// Every replica indexes the accounts it holds in `staff_registry`; the ops stay the truth.
//
// Staffed origins. Ops of a node are judged by staff accounts once the replica holds an account for that
// node (an account naming it, or one of its division naming no node): from then on the actor of each of
// its case ops must be an active account of that node with a role allowing the op (Judge), both when
// authoring and in the fold on every replica (refused like `no_authority`: kept, not applied, reported).
// Before any account exists for a node (bootstrap), its actors are free text, as before staff existed
// (docs/architecture.md, "Staff and roles", states the risk).
//
// Roles form a ladder: agent < clerk < approver < supervisor < administrator; each allows what the role
// below it allows and more (RoleAllows; the table is in docs/architecture.md).
//
// Roles are versioned by time. Every staff op of an account is a version, in force from its hlc until the
// next version's (ordered by hlc, origin, seq; kept in `staff_history` whatever order they arrive in). An op
// of a staffed node is judged by the version of its actor's account in force at the op's own hlc: a role
// granted later does not make an earlier op valid, a role revoked (or the account disabled) later does not
// invalidate an earlier op; an op older than its actor's first version (bootstrap) is judged by that first
// version. Authoring judges the new op the same way, at its stamp (now). The time is the op's hlc as its
// origin stamped it (signed chain heads fix it once signed). Accounts indexed before this history existed
// count as in force since ever (the rule before versioning); versions arriving later are versioned.
//
// Audit records (pb::StaffAudit, kind 68): logins, failed logins, logouts and role refusals, authored by
// the node where they happened with its division as area, so they sync up to the hubs (`report audit`).
//
// Sessions are local to one ledger file (never replicated): the hash of a random token with the staff id
// and an expiry; the token itself is held by the user who logged in (console/session.h).
// Not thread-safe (as the Ledger).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silian.pb.h"
#include "base/ids.h"
#include "base/status.h"
#include "domain/registry.h"
#include "ledger/ledger.h"

namespace silian::sync {

enum class Role { kAgent, kClerk, kApprover, kSupervisor, kAdministrator };
inline constexpr int kRoleCount = 5;
const char* RoleName(Role role);  // "agent", ...
// kInvalidArgument naming the value and the roles.
Result<Role> ParseRole(std::string_view text);

inline constexpr size_t kMinPassphraseChars = 10;
inline constexpr size_t kMaxPassphraseBytes = 1024;
inline constexpr size_t kMaxStaffNameChars = 64;
inline constexpr size_t kMaxAuditDetailChars = 500;
// Default and longest session: 8 hours, 7 days.
inline constexpr uint64_t kDefaultSessionMs = 8ull * 3600 * 1000;
inline constexpr uint64_t kMaxSessionMs = 7ull * 24 * 3600 * 1000;

// The staff action an op of a case is, for the role table: "receive" (a case created), "edit" (fields),
// "material", "note", "decide-department", "fee", "evaluate", "rectify", "resolve", or the action name of a
// transition ("accept", "approve", ...). "" for reference ops and kinds this version does not know.
std::string StaffActionOf(const pb::Op& op);
// Whether `role` allows `action` (a StaffActionOf name). An unknown action is allowed to no role.
bool RoleAllows(Role role, std::string_view action);
// The lowest role that allows `action`, nullopt when none does.
std::optional<Role> LowestRoleFor(std::string_view action);

// kInvalidArgument naming the staff id when `passphrase` is shorter than kMinPassphraseChars characters
// or longer than kMaxPassphraseBytes bytes.
Status CheckPassphraseStrength(std::string_view staff_id, std::string_view passphrase);
// The Argon2id verifier of `passphrase` (crypto_pwhash_str with the interactive limits: 64 MiB, 2 passes).
// kInternal when libsodium fails (out of memory).
Result<std::string> MakeVerifier(std::string_view passphrase);
// Whether `passphrase` matches `verifier`. REQUIRES: ValidateVerifier(verifier) is OK (bounded cost).
bool VerifyPassphrase(const std::string& verifier, std::string_view passphrase);
// An Argon2id verifier whose cost is bounded (memory <= 256 MiB, passes <= 8), so that a forged account
// cannot make a login exhaust a laptop. kInvalidArgument naming the part that is wrong.
Status ValidateVerifier(const std::string& verifier);

// Content rules of a staff op: staff id (an id like a node id), name, node id "" or a node id, 12-digit
// division equal to the op's area, 1..5 distinct known roles, status active|disabled, a valid verifier.
Status ValidateStaff(const pb::Op& op);
// Content rules of an audit op: known event, staff id text, action and detail text, 12-digit area.
Status ValidateAudit(const pb::Op& op);

struct StaffAccount {
  std::string staff_id;
  std::string name;
  std::string node_id;   // "" for any node of the division
  std::string division;  // 12 digits
  std::vector<Role> roles;
  bool active = true;
  std::string verifier;
  OpId op;                    // the op in force
  uint64_t hlc = 0;           // its hlc (0 for a version indexed before versioning: in force since ever)
  uint64_t disabled_hlc = 0;  // for a disabled account: the hlc of the op that disabled it
  std::string RolesText() const;  // "agent, clerk"
};

pb::StaffRegistered StaffBody(const StaffAccount& account);

struct AuditRecord {
  OpId op;
  uint64_t hlc = 0;
  std::string division;
  std::string event, staff_id, action, detail;
};

struct Session {
  std::string staff_id;
  uint64_t started_ms = 0;
  uint64_t expires_ms = 0;
};

// A new random session token (32 bytes, hex) and the hash the ledger keeps of one (BLAKE2b-256, hex).
std::string NewSessionToken();
std::string SessionTokenHash(std::string_view token);

class StaffRegistry {
 public:
  // Both borrowed; they outlive this.
  StaffRegistry(Ledger& ledger, Registry& registry) : ledger_(ledger), registry_(registry) {}

  // Creates the tables when the file has none.
  Status EnsureTables();

  // Indexes a staff op (ValidateStaff passed). Of two ops of one account, the greater (hlc, origin, seq)
  // stands. Returns whether the account in force changed. REQUIRES: inside a write transaction.
  Result<bool> Index(const pb::Op& op);
  // Indexes an audit op. REQUIRES: inside a write transaction.
  Status IndexAudit(const pb::Op& op);

  Result<std::optional<StaffAccount>> Find(std::string_view staff_id);
  Result<std::vector<StaffAccount>> List();
  // Audit records, newest first, at most `limit`.
  Result<std::vector<AuditRecord>> Audit(size_t limit);

  // Projector::Admit for staff and audit ops. Staff: the publisher rules of Registry::CheckPublisher.
  // Audit: its origin is registered (kUnavailable until then) and the area is the origin's division.
  Status Admit(const pb::Op& op);

  // Forgets what Judge cached: another connection may have committed, a transaction rolled back, or a
  // node registration changed (which division a node is in).
  void Reload();

  // Whether ops of `origin` are judged by staff accounts (see the file comment).
  Result<bool> Staffed(std::string_view origin);
  // "" when the actor of case op `op` may author it at its origin, judged by the version of the account in
  // force at the op's hlc; otherwise the rule it breaks, naming the staff id, its roles then and the action.
  Result<std::string> Judge(const pb::Op& op);
  // The cases with ops of origins whose judgement staff op `op` may change.
  Result<std::vector<std::string>> CasesJudgedBy(const pb::Op& op);

  // Sessions (local): REQUIRE a write transaction for the writes.
  Status SaveSession(const std::string& token_hash, const Session& session);
  Result<std::optional<Session>> FindSession(const std::string& token_hash);
  Status DropSession(const std::string& token_hash);

 private:
  Ledger& ledger_;
  Registry& registry_;
  // Whether staff_registry has any row: -1 unknown. Spares the fold of a network without staff two
  // queries per op; a stale 1 (a rolled-back account) only costs those queries.
  int any_accounts_ = -1;
  // What Judge read, so that a fold asks SQLite once per origin and actor, not once per op (an import of
  // a staffed node's ops costs about the same as one without staff). Cleared by Index and Reload.
  std::map<std::string, bool, std::less<>> staffed_;
  std::map<std::string, std::optional<StaffAccount>, std::less<>> accounts_;
  std::map<std::string, std::string, std::less<>> divisions_;  // origin -> registered division, "" if none
  // Versions of an account (staff_history), oldest first.
  std::map<std::string, std::vector<StaffAccount>, std::less<>> versions_;
  Result<std::optional<StaffAccount>> CachedAccount(const std::string& staff_id);
  // The version of `staff_id` in force at `hlc`, nullopt when none was yet.
  Result<std::optional<StaffAccount>> VersionAt(const std::string& staff_id, uint64_t hlc);
  Result<std::string> CachedDivision(const std::string& origin);
};

}  // namespace silian::sync
