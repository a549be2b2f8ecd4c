#include "ui/sessions.h"

#include "base/text.h"
#include "domain/staff.h"
#include "domain/validation.h"
#include "ui/web.h"

namespace silian::ui {

Result<std::pair<std::string, UiSession>> SessionBook::Login(sync::LedgerStore& store, const nlohmann::json& body,
                                                              uint64_t now_ms) {
  SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
  const std::string token = sync::NewSessionToken();
  if (staffed) {
    if (!body.contains("staff_id") && body.contains("actor"))
      return InvalidArgument("actor is refused: node " + Quote(store.config().node_id.value) +
                             " has staff accounts, so log in with \"staff_id\" and \"passphrase\"; a free-text "
                             "actor only serves nodes without any");
    SILIAN_ASSIGN_OR_RETURN(std::string staff_id, StringMember(body, "staff_id", true));
    SILIAN_ASSIGN_OR_RETURN(std::string passphrase, StringMember(body, "passphrase", true));
    SILIAN_ASSIGN_OR_RETURN(sync::Session s, store.Login(staff_id, passphrase, sync::kDefaultSessionMs,
                                                         sync::SessionTokenHash(token)));
    return std::make_pair(token, UiSession{s.staff_id, true, s.expires_ms});
  }
  // Bootstrap: the command line's rule (console::ActingStaff): the typed actor, else the node id.
  SILIAN_ASSIGN_OR_RETURN(std::string typed, StringMember(body, "actor"));
  SILIAN_ASSIGN_OR_RETURN(std::string actor, sync::NormalizeText("actor", typed, sync::kMaxActorChars, false));
  if (actor.empty()) actor = store.config().node_id.value;
  UiSession session{actor, false, now_ms + sync::kDefaultSessionMs};
  std::lock_guard<std::mutex> lock(mu_);
  bootstrap_[sync::SessionTokenHash(token)] = session;
  return std::make_pair(token, session);
}

Result<UiSession> SessionBook::Resolve(sync::LedgerStore& store, const std::string& token, uint64_t now_ms) {
  if (token.empty())
    return PermissionDenied(std::string(kLoginRequired) + "this request needs the " + std::string(kSessionHeader) +
                            " header of a session (POST /api/login)");
  if (token.size() > 128) return PermissionDenied(std::string(kLoginRequired) + "the session token is not one of ours");
  const std::string hash = sync::SessionTokenHash(token);
  SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
  if (staffed) {
    auto s = store.ActiveSession(hash);
    if (!s.ok()) return PermissionDenied(std::string(kLoginRequired) + s.status().message());
    return UiSession{s->staff_id, true, s->expires_ms};
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = bootstrap_.find(hash);
  if (it == bootstrap_.end()) return PermissionDenied(std::string(kLoginRequired) + "no session holds this token");
  if (it->second.expires_ms <= now_ms) {
    bootstrap_.erase(it);
    return PermissionDenied(std::string(kLoginRequired) + "the session expired");
  }
  return it->second;
}

Status SessionBook::Logout(sync::LedgerStore& store, const std::string& token) {
  if (token.empty()) return Status::Ok();
  const std::string hash = sync::SessionTokenHash(token);
  {
    std::lock_guard<std::mutex> lock(mu_);
    bootstrap_.erase(hash);
  }
  SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
  if (staffed) return store.Logout(hash);
  return Status::Ok();
}

}  // namespace silian::ui
