#include "hub/enrol.h"

#include <sodium.h>
#include <cpprest/http_listener.h>

#include "base/keys.h"
#include "base/text.h"
#include "console/enrol_client.h"
#include "ledger/db.h"
#include "domain/projection.h"
#include "domain/registry.h"

namespace silian::hub {
namespace {

constexpr const char* kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base 32
constexpr size_t kCodeBytes = 15;                                      // 120 bits = 24 characters

Status EnsureTable(sqlite3* db) {
  return sync::Exec(db, R"sql(
CREATE TABLE IF NOT EXISTS enrol_codes(
  node_id TEXT PRIMARY KEY,
  division TEXT NOT NULL,
  device TEXT NOT NULL,
  code_hash BLOB NOT NULL,
  issued_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  used_ms INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
)sql");
}

std::string NewCode() {
  unsigned char raw[kCodeBytes];
  randombytes_buf(raw, sizeof raw);
  std::string code;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      if (!code.empty() && (code.size() + 1) % 5 == 0) code += '-';
      code += kAlphabet[(acc >> bits) & 31];
    }
  }
  sodium_memzero(raw, sizeof raw);
  return code;
}

// The code as compared: upper case, separators dropped, O read as 0 and I, L as 1 (Crockford).
std::string Normalise(const std::string& code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (u == 'O') u = '0';
    if (u == 'I' || u == 'L') u = '1';
    out += u;
  }
  return out;
}

std::string CodeHash(const std::string& node_id, const std::string& code) {
  return sync::Blake2b256("silian-enrol-v1\n" + node_id + "\n" + Normalise(code));
}

struct CodeRow {
  std::string division, device, code_hash;
  uint64_t expires_ms = 0, used_ms = 0;
};

Result<std::optional<CodeRow>> FindCode(sqlite3* db, const std::string& node_id) {
  sync::Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db, "SELECT division, device, code_hash, expires_ms, used_ms FROM enrol_codes WHERE node_id=?"));
  s.Bind(1, node_id);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<CodeRow>();
  CodeRow r{s.Text(0), s.Text(1), s.Text(2), static_cast<uint64_t>(s.Int(3)), static_cast<uint64_t>(s.Int(4))};
  return std::optional<CodeRow>(r);
}

// Devices promised to codes of `division` not used yet (whatever their expiry: a late node keeps its number).
Result<std::vector<std::string>> PromisedDevices(sqlite3* db, const std::string& division, const std::string& except) {
  sync::Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db, "SELECT device FROM enrol_codes WHERE division=? AND used_ms=0 AND node_id<>?"));
  s.Bind(1, division).Bind(2, except);
  return sync::CollectRows<std::string>(s, [](const sync::Stmt& row) { return row.Text(0); });
}

}  // namespace

Result<std::string> DeviceFor(sync::LedgerStore& store, const sync::Peer& peer) {
  sqlite3* db = store.ledger().db();
  SILIAN_RETURN_IF_ERROR(EnsureTable(db));
  SILIAN_ASSIGN_OR_RETURN(std::optional<CodeRow> held, FindCode(db, peer.node_id.value));
  if (held && held->division == peer.division.value) return held->device;
  SILIAN_ASSIGN_OR_RETURN(auto regs, store.Registrations());
  for (const auto& r : regs)
    if (r.node_id == peer.node_id && r.division == peer.division && !r.device.empty()) return r.device;
  SILIAN_ASSIGN_OR_RETURN(std::vector<std::string> promised, PromisedDevices(db, peer.division.value, peer.node_id.value));
  return store.AllocateDevice(peer.node_id, peer.division, promised);
}

namespace {

EnrolOutcome Refused(int status, std::string reason, std::string message) {
  EnrolOutcome o;
  o.http_status = status;
  o.reason = std::move(reason);
  o.message = std::move(message);
  return o;
}

}  // namespace

Result<std::map<std::string, std::string>> PromisedDevicesByNode(sync::LedgerStore& store) {
  sqlite3* db = store.ledger().db();
  SILIAN_RETURN_IF_ERROR(EnsureTable(db));
  sync::Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db, "SELECT node_id, device FROM enrol_codes WHERE used_ms=0"));
  std::map<std::string, std::string> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out[s.Text(0)] = s.Text(1);
  }
  s.Reset();
  return out;
}

Result<IssuedCode> IssueEnrolCode(sync::LedgerStore& store, const sync::Peer& peer, uint64_t ttl_ms, uint64_t now_ms) {
  SILIAN_RETURN_IF_ERROR(EnsureTable(store.ledger().db()));
  SILIAN_ASSIGN_OR_RETURN(std::string device, DeviceFor(store, peer));
  IssuedCode issued{NewCode(), device, now_ms + ttl_ms};
  auto record = [&]() -> Status {
    sync::Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(store.ledger().db(),
                                     "INSERT OR REPLACE INTO enrol_codes(node_id, division, device, code_hash, issued_ms, "
                                     "expires_ms, used_ms) VALUES(?,?,?,?,?,?,0)"));
    return s.Bind(1, peer.node_id.value).Bind(2, peer.division.value).Bind(3, device)
        .BindBlob(4, CodeHash(peer.node_id.value, issued.code)).Bind(5, now_ms).Bind(6, issued.expires_ms).Run();
  };
  SILIAN_RETURN_IF_ERROR(store.RegisterNode(peer, device, store.config().node_id.value, "", record).status());
  return issued;
}

Result<EnrolRequest> ParseEnrolRequest(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("an enrolment request must be a JSON object");
  EnrolRequest r;
  auto field = [&](const char* name, std::string* out) -> Status {
    if (!j.contains(name) || !j[name].is_string() || j[name].get<std::string>().size() > 256)
      return InvalidArgument(std::string("the enrolment request has no field \"") + name + "\" (a string)");
    *out = j[name].get<std::string>();
    return Status::Ok();
  };
  std::string key_b64;
  SILIAN_RETURN_IF_ERROR(field("node", &r.node_id));
  SILIAN_RETURN_IF_ERROR(field("level", &r.level));
  SILIAN_RETURN_IF_ERROR(field("division", &r.division));
  SILIAN_RETURN_IF_ERROR(field("public_key", &key_b64));
  SILIAN_RETURN_IF_ERROR(field("code", &r.code));
  SILIAN_RETURN_IF_ERROR(sync::ParseNodeId(r.node_id).status());
  SILIAN_RETURN_IF_ERROR(sync::ParseLevel(r.level).status());
  SILIAN_RETURN_IF_ERROR(sync::ParseDivisionCode(r.division).status());
  SILIAN_ASSIGN_OR_RETURN(r.public_key, sync::FromBase64(key_b64, "public_key"));
  if (r.public_key.size() != sync::kPublicKeyBytes)
    return InvalidArgument("public_key of the enrolment request has " + std::to_string(r.public_key.size()) +
                           " bytes, not the 32 of an Ed25519 key");
  if (Normalise(r.code).size() != 24)
    return InvalidArgument("enrolment code " + Quote(r.code) + " must have 24 characters (6 groups of 4)");
  return r;
}

nlohmann::json EnrolRequestJson(const EnrolRequest& r) {
  return {{"node", r.node_id}, {"level", r.level}, {"division", r.division},
          {"public_key", sync::ToBase64(r.public_key)}, {"code", r.code}};
}

EnrolOutcome Enrol(sync::LedgerStore& store, const EnrolRequest& r, uint64_t now_ms) {
  sqlite3* db = store.ledger().db();
  if (Status s = EnsureTable(db); !s.ok()) return Refused(500, "internal", s.message());
  auto row = FindCode(db, r.node_id);
  if (!row.ok()) return Refused(500, "internal", row.status().message());
  const std::string who = "node " + Quote(r.node_id);
  if (!*row) return Refused(403, "unknown_code", "no enrolment code was issued here for " + who);
  const CodeRow& c = **row;
  const std::string hash = CodeHash(r.node_id, r.code);
  if (hash.size() != c.code_hash.size() || sodium_memcmp(hash.data(), c.code_hash.data(), hash.size()) != 0)
    return Refused(403, "wrong_code", "the enrolment code given for " + who + " is not the one issued");
  if (c.used_ms != 0) return Refused(403, "used_code", "the enrolment code of " + who + " was already used");
  if (now_ms >= c.expires_ms)
    return Refused(403, "expired_code", "the enrolment code of " + who + " expired at " +
                                            sync::HlcToIso(c.expires_ms << 16) + "; ask for a new one (node add)");
  auto peer = store.FindPeer(r.node_id);
  if (!peer.ok()) return Refused(500, "internal", peer.status().message());
  if (!*peer || sync::LevelName((*peer)->level) != r.level || (*peer)->division.value != r.division)
    return Refused(403, "mismatch", who + " enrols as " + r.level + " " + Quote(r.division) +
                                        ", not as it was added here (node add)");
  auto mark = [&]() -> Status {
    sync::Stmt s;
    SILIAN_RETURN_IF_ERROR(s.Prepare(db, "UPDATE enrol_codes SET used_ms=? WHERE node_id=? AND used_ms=0"));
    SILIAN_RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, r.node_id).Run());
    return sqlite3_changes(db) == 1 ? Status::Ok() : FailedPrecondition("the enrolment code was used meanwhile");
  };
  auto done = store.RegisterNode(**peer, c.device, store.config().node_id.value, r.public_key, mark);
  if (!done.ok()) return Refused(done.status().code() == StatusCode::kInternal ? 500 : 403, "refused",
                                 done.status().message());
  EnrolOutcome o;
  const std::string& hub_key = store.ledger().signing_key().public_key();
  o.answer = {{"node", r.node_id}, {"device", c.device}, {"hub", store.config().node_id.value},
              {"hub_level", sync::LevelName(store.config().level)}, {"hub_public_key", sync::ToBase64(hub_key)}};
  auto root = store.RegistryRoot();
  auto root_key = store.ledger().GetSetting(sync::kRegistryRootKeySetting);
  if (root.ok() && *root) o.answer["root"] = **root;
  if (root_key.ok() && *root_key) o.answer["root_public_key"] = **root_key;
  // Signed by this hub's key, for the key that enrolled (console/enrol_client.h, VerifyEnrolAnswer).
  o.answer["public_key"] = sync::ToBase64(r.public_key);
  o.answer["signature"] = sync::ToBase64(store.ledger().signing_key().Sign(console::EnrolAnswerSignedMessage(o.answer)));
  return o;
}

bool EnrolRateLimit::Allow(uint64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (now_ms - window_start_ms_ >= 60'000) {
    window_start_ms_ = now_ms;
    count_ = 0;
  }
  return ++count_ <= kPerMinute;
}

std::string EnrolRequestSignedMessage(const nlohmann::json& request) {
  return "silian-enrol-request-v1\n" + request.dump();
}

Result<EnrolRequest> ParseEnrolRequestFile(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("signature") || !j["signature"].is_string())
    return InvalidArgument("the enrolment request file is not a JSON object with a \"signature\"");
  SILIAN_ASSIGN_OR_RETURN(std::string signature, sync::FromBase64(j["signature"].get<std::string>(), "signature"));
  j.erase("signature");
  SILIAN_ASSIGN_OR_RETURN(EnrolRequest r, ParseEnrolRequest(j));
  if (!sync::VerifySignature(r.public_key, EnrolRequestSignedMessage(j), signature))
    return InvalidArgument("the enrolment request file of node " + Quote(r.node_id) +
                           " is not signed by the key it names (key " + sync::KeyFingerprint(r.public_key) + ")");
  return r;
}

namespace {

void ReplyJson(Metrics& metrics, const web::http::http_request& request, int status, const nlohmann::json& body) {
  metrics.CountRequest("enrol", status);
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  web::http::http_response response(static_cast<web::http::status_code>(status));
  response.set_body(std::vector<unsigned char>(text.begin(), text.end()));
  response.headers().set_content_type("application/json");
  request.reply(response).then([](pplx::task<void> t) {
    try {
      t.get();
    } catch (const std::exception&) {  // the client went away: nothing to do
    }
  });
}

void ReplyError(Metrics& metrics, const web::http::http_request& request, int status, const std::string& reason,
                const std::string& message) {
  ReplyJson(metrics, request, status, {{"error", reason}, {"message", message.substr(0, 1024)}});
}

}  // namespace

void ServeEnrol(HubLedger& ledger, Metrics& metrics, EnrolRateLimit& limit, const web::http::http_request& request) {
  if (request.method() != web::http::methods::POST)
    return ReplyError(metrics, request, 405, "method_not_allowed", std::string("use POST for ") + kEnrolPath);
  const auto& headers = request.headers();
  auto length = headers.find(web::http::header_names::content_length);
  if (length == headers.end() || length->second.empty() || length->second.size() > 6 ||
      length->second.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(length->second) > kMaxEnrolBodyBytes)
    return ReplyError(metrics, request, 413, "too_large",
                      "an enrolment request needs a Content-Length of at most " + std::to_string(kMaxEnrolBodyBytes));
  if (!limit.Allow(sync::SystemWallClock().NowMs()))
    return ReplyError(metrics, request, 429, "too_many_attempts",
                      "more than " + std::to_string(EnrolRateLimit::kPerMinute) +
                          " enrolment attempts this minute; try again later");
  request.extract_vector().then([&ledger, &metrics, request](pplx::task<std::vector<unsigned char>> t) {
    try {
      std::vector<unsigned char> raw = t.get();
      auto j = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
      auto parsed = ParseEnrolRequest(j);
      if (!parsed.ok()) return ReplyError(metrics, request, 400, "malformed", parsed.status().message());
      EnrolOutcome out;
      Status s = ledger.WithStore([&](sync::LedgerStore& store) {
        out = Enrol(store, *parsed, sync::SystemWallClock().NowMs());
        return Status::Ok();
      });
      if (!s.ok()) return ReplyError(metrics, request, 503, "unavailable", s.message());
      if (out.http_status != 200) return ReplyError(metrics, request, out.http_status, out.reason, out.message);
      ReplyJson(metrics, request, 200, out.answer);
    } catch (const std::exception& e) {
      ReplyError(metrics, request, 500, "internal", e.what());
    }
  });
}

}  // namespace silian::hub
