// silian-node ui: the web app of this node (ui/node_api.h) on http://127.0.0.1:PORT until SIGINT or
// SIGTERM. The sync button runs this program's own `sync --json` as a child process, so a sync from the
// app is exactly a sync from the command line (failover, restored-ledger rules, the sent mark); the USB
// calls run its `bundle export`, `frontier export` and `bundle import` the same way.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "node/commands.h"
#include "node/enrol.h"
#include "ui/listener.h"
#include "ui/node_api.h"

extern char** environ;

namespace silian::node {
namespace {

// Runs `argv`, returning (exit code, stdout, stderr). kInternal when it cannot be started.
struct ChildOutput {
  int exit_code = -1;
  std::string out, err;
};

std::string ReadAll(int fd) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  return text;
}

Result<ChildOutput> RunChild(const std::vector<std::string>& args) {
  int out_pipe[2], err_pipe[2];
  if (::pipe(out_pipe) != 0) return Internal("cannot make a pipe for the sync");
  if (::pipe(err_pipe) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Internal("cannot make a pipe for the sync");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawned = ::posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return Internal("cannot start " + args[0] + " for the sync");
  }
  ChildOutput r;
  r.out = ReadAll(out_pipe[0]);  // a sync's JSON and its one-line error are small: no pipe fills up
  r.err = ReadAll(err_pipe[0]);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// One `silian-node --db DB sync --json` run by this same program.
Result<nlohmann::json> SyncOnce(const std::string& db) {
  SILIAN_ASSIGN_OR_RETURN(ChildOutput r, RunChild({"/proc/self/exe", "--db", db, "sync", "--json"}));
  if (r.exit_code != 0) {
    std::string message = r.err;
    const std::string prefix = "silian-node: ";
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Unavailable("sync failed: " + (message.empty() ? "exit code " + std::to_string(r.exit_code) : message));
  }
  auto parsed = nlohmann::json::parse(r.out, nullptr, false);
  if (parsed.is_discarded()) return Internal("sync printed no JSON: " + r.out.substr(0, 200));
  return parsed;
}

// One `silian-node --db DB --json ARGS` run by this same program (the USB calls): its JSON with the warnings
// it printed; its own message when it fails (exit 2: bad input; else a failed operation).
Result<nlohmann::json> RunSelfJson(const std::string& db, const std::vector<std::string>& args) {
  // In English whatever the user's locale: the API's message is the core's English text (docs/api.md).
  std::vector<std::string> argv = {"/proc/self/exe", "--db", db, "--json", "--lang", "en"};
  argv.insert(argv.end(), args.begin(), args.end());
  SILIAN_ASSIGN_OR_RETURN(ChildOutput r, RunChild(argv));
  const std::string prefix = "silian-node: ", warning = "warning: ";
  std::vector<std::string> warnings;
  std::string message;
  size_t start = 0;
  while (start < r.err.size()) {
    size_t end = r.err.find('\n', start);
    std::string line = r.err.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? r.err.size() : end + 1;
    if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
    if (line.rfind(warning, 0) == 0) warnings.push_back(line.substr(warning.size()));
    else if (!line.empty()) message += (message.empty() ? "" : "; ") + line;
  }
  if (r.exit_code != 0) {
    if (message.empty()) message = args[0] + " " + args[1] + " exited " + std::to_string(r.exit_code);
    return r.exit_code == 2 ? InvalidArgument(message) : FailedPrecondition(message);
  }
  auto parsed = nlohmann::json::parse(r.out, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return Internal(args[0] + " printed no JSON object: " + r.out.substr(0, 200));
  parsed["warnings"] = warnings;
  return parsed;
}

sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Opens `url` in the desktop's browser (xdg-open), without waiting for it.
void OpenBrowser(const std::string& url) {
  std::vector<char*> argv = {const_cast<char*>("xdg-open"), const_cast<char*>(url.c_str()), nullptr};
  pid_t pid = -1;
  if (::posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv.data(), environ) != 0)
    std::cerr << "silian-node: cannot start xdg-open; open " << url << " yourself\n";
}

}  // namespace

Status RunUi(const GlobalOptions& g, const UiOptions& o) {
  if (o.port < 1 || o.port > 65535) return InvalidArgument("--port " + std::to_string(o.port) + " must be 1..65535");
  sigset_t stop_signals = BlockStopSignals();
  SILIAN_RETURN_IF_ERROR(console::OpenLedger(g).status());  // a missing or foreign ledger fails now, not in the browser
  ui::NodeAppHooks hooks;
  const std::string db = g.db_path;
  hooks.sync = [db] { return SyncOnce(db); };
  hooks.before_authoring = [db](sync::LedgerStore& store) { return CheckNotRestored(db, store); };
  hooks.run_self = [db](const std::vector<std::string>& args) { return RunSelfJson(db, args); };
  SILIAN_ASSIGN_OR_RETURN(auto app, ui::NodeApp::Create(g, ui::OriginGuard::LoopbackHosts(o.port), hooks));
  ui::WebListener listener;
  SILIAN_RETURN_IF_ERROR(listener.Start(o.port, [&app](const ui::WebRequest& r) { return app->Handle(r); }));
  const std::string url = "http://127.0.0.1:" + std::to_string(o.port) + "/";
  std::cout << console::Said(g, console::said::kServing, url) << std::endl;
  if (o.open) OpenBrowser(url);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  listener.Stop();
  return Status::Ok();
}

}  // namespace silian::node
