#include "console/session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/files.h"
#include "base/text.h"
#include "domain/local_time.h"
#include "domain/projection.h"

namespace silian::console {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

Result<std::string> SessionDir() {
  if (auto d = Env("SILIAN_SESSION_DIR")) return *d;
  if (auto d = Env("XDG_RUNTIME_DIR")) return *d + "/silian";
  if (auto d = Env("HOME")) return *d + "/.silian/sessions";
  return InvalidArgument("no directory for the session token: set SILIAN_SESSION_DIR, XDG_RUNTIME_DIR or HOME");
}

// Makes `dir` (and its parent) mode 0700 when missing; refuses one not owned by this user or open to others.
Status EnsurePrivateDir(const std::string& dir) {
  std::string parent = dir.substr(0, dir.find_last_of('/'));
  if (!parent.empty()) ::mkdir(parent.c_str(), 0700);  // an existing parent is fine as it is
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return InvalidArgument("cannot create the session directory " + Quote(dir) + ": " + std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0)
    return InvalidArgument("session directory " + Quote(dir) + " must be a directory of this user with mode 0700");
  return Status::Ok();
}

}  // namespace

Result<std::string> SessionTokenPath(const sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(std::string dir, SessionDir());
  return dir + "/" + store.epoch() + ".session";
}

Result<std::optional<std::string>> ReadSessionToken(const sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(std::string path, SessionTokenPath(store));
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return InvalidArgument("cannot read session file " + Quote(path) + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0)
    return InvalidArgument("session file " + Quote(path) + " must be a regular file of this user with mode 0600");
  SILIAN_ASSIGN_OR_RETURN(std::string token, ReadFileBounded(path, "session file", 256));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return std::optional<std::string>(token);
}

Status WriteSessionToken(const sync::LedgerStore& store, const std::string& token) {
  SILIAN_ASSIGN_OR_RETURN(std::string path, SessionTokenPath(store));
  SILIAN_RETURN_IF_ERROR(EnsurePrivateDir(path.substr(0, path.find_last_of('/'))));
  return WriteFileAtomically(path, "session file", token + "\n");
}

Status RemoveSessionToken(const sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(std::string path, SessionTokenPath(store));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return InvalidArgument("cannot remove session file " + Quote(path) + ": " + std::strerror(errno));
  return Status::Ok();
}

Result<sync::Session> CurrentSession(sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> token, ReadSessionToken(store));
  if (!token) return NotFound("no staff member is logged in on this ledger: log in first (`login STAFF`)");
  return store.ActiveSession(sync::SessionTokenHash(*token));
}

Result<std::string> ActingStaff(const std::optional<std::string>& flag, sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(bool required, store.StaffRequired());
  std::optional<std::string> typed = flag ? flag : Env("SILIAN_ACTOR");
  if (!required) return typed ? *typed : store.config().node_id.value;
  if (typed)
    return InvalidArgument("actor " + Quote(*typed) + " is refused: node " + Quote(store.config().node_id.value) +
                           " has staff accounts, so the actor is the staff member logged in "
                           "(`login STAFF`); --actor and SILIAN_ACTOR only serve nodes without any");
  SILIAN_ASSIGN_OR_RETURN(sync::Session session, CurrentSession(store));
  return session.staff_id;
}

Result<std::string> ReadPassphrase(bool from_stdin, const std::string& prompt) {
  std::string line;
  if (from_stdin) {
    if (!std::getline(std::cin, line)) return InvalidArgument("no passphrase on stdin (--passphrase-stdin)");
  } else {
    int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty < 0) return InvalidArgument("no terminal to read the passphrase from: use --passphrase-stdin");
    (void)!::write(tty, prompt.data(), prompt.size());
    termios old {};
    bool restore = ::tcgetattr(tty, &old) == 0;
    if (restore) {
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    char c = 0;
    while (::read(tty, &c, 1) == 1 && c != '\n' && line.size() <= sync::kMaxPassphraseBytes) line.push_back(c);
    if (restore) ::tcsetattr(tty, TCSAFLUSH, &old);
    (void)!::write(tty, "\n", 1);
    ::close(tty);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}


namespace {

nlohmann::json SessionJson(const sync::Session& s) {
  return {{"staff_id", s.staff_id}, {"started", sync::HlcToIso(s.started_ms << 16)},
          {"expires", sync::HlcToIso(s.expires_ms << 16)}};
}

}  // namespace

Result<sync::Session> LoginWithPassphrase(sync::LedgerStore& store, const std::string& staff_id,
                                          const std::string& passphrase, uint64_t ttl_ms) {
  const std::string token = sync::NewSessionToken();
  SILIAN_ASSIGN_OR_RETURN(sync::Session session, store.Login(staff_id, passphrase, ttl_ms, sync::SessionTokenHash(token)));
  SILIAN_RETURN_IF_ERROR(WriteSessionToken(store, token));
  return session;
}

Status RunLogin(const GlobalOptions& g, const LoginOptions& o) {
  const double max_hours = static_cast<double>(sync::kMaxSessionMs) / 3'600'000.0;
  if (!(o.hours > 0) || o.hours > max_hours)
    return InvalidArgument("--hours " + std::to_string(o.hours) + " is outside (0, " + std::to_string(max_hours) + "]");
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::string passphrase,
                          ReadPassphrase(o.passphrase_stdin, "passphrase of staff " + o.staff_id + ": "));
  const auto ttl_ms = static_cast<uint64_t>(std::llround(o.hours * 3'600'000.0));
  SILIAN_ASSIGN_OR_RETURN(sync::Session s, LoginWithPassphrase(*store, o.staff_id, passphrase, ttl_ms));
  if (g.json) {
    PrintJson(SessionJson(s));
  } else {
    std::cout << Said(g, said::kLoggedIn, s.staff_id, sync::CstDateTime(s.expires_ms)) << '\n';
  }
  return Status::Ok();
}

Status RunLogout(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> token, ReadSessionToken(*store));
  if (token) SILIAN_RETURN_IF_ERROR(store->Logout(sync::SessionTokenHash(*token)));
  SILIAN_RETURN_IF_ERROR(RemoveSessionToken(*store));
  if (g.json) {
    PrintJson({{"logged_out", token.has_value()}});
  } else {
    std::cout << (token ? Said(g, said::kLoggedOut) : Said(g, said::kNoSession)) << '\n';
  }
  return Status::Ok();
}

Status RunWhoami(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::Session s, CurrentSession(*store));
  SILIAN_ASSIGN_OR_RETURN(std::optional<sync::StaffAccount> a, store->FindStaff(s.staff_id));
  nlohmann::json out = SessionJson(s);
  out["roles"] = nlohmann::json::array();
  if (a) {
    for (sync::Role r : a->roles) out["roles"].push_back(sync::RoleName(r));
    out["name"] = a->name;
  }
  if (g.json) {
    PrintJson(out);
  } else {
    std::cout << s.staff_id << (a ? " (" + a->name + "; " + a->RolesText() + ")" : std::string()) << " until "
              << sync::CstDateTime(s.expires_ms) << '\n';
  }
  return Status::Ok();
}

void AddSessionCommands(Program& p, LoginOptions* o) {
  CLI::App* cmd = p.app().add_subcommand("login", "Log a staff member in: ops authored here carry their staff id");
  cmd->add_option("STAFF", o->staff_id, "the staff id")->required();
  cmd->add_flag("--passphrase-stdin", o->passphrase_stdin,
                "read the passphrase from stdin (one line) instead of the terminal");
  cmd->add_option("--hours", o->hours, "session length in hours (at most 168)")->capture_default_str();
  p.OnRun(cmd, [&p, o] { return RunLogin(p.global(), *o); });
  cmd = p.app().add_subcommand("logout", "End this user's session on this ledger");
  p.OnRun(cmd, [&p] { return RunLogout(p.global()); });
  cmd = p.app().add_subcommand("whoami", "Show the staff member logged in, their roles and the session's expiry");
  p.OnRun(cmd, [&p] { return RunWhoami(p.global()); });
}

}  // namespace silian::console
