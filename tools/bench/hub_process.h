// The benchmark's child processes: `silian-hub` commands run to completion, and `silian-hub serve` processes
// on loopback ports. A HubProcess stops its process when it goes away (SIGTERM, then SIGKILL after a grace
// period), so an error anywhere in a benchmark leaves no hub running; each child also gets SIGKILL if the
// thread that started it dies (PR_SET_PDEATHSIG), which covers the benchmark itself being killed.
// REQUIRES: children are started from the main thread, which outlives them (PDEATHSIG follows the thread).
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace silian::bench {

// Runs `hub_bin ARGS...` with stdin from /dev/null and stderr appended to `log_path`; waits for it.
// Returns its stdout when it exits 0; kInternal naming the command, its exit code and the end of its stderr
// otherwise, or when it cannot be started.
Result<std::string> RunHubCommand(const std::string& hub_bin, const std::vector<std::string>& args,
                                  const std::string& log_path);

class HubProcess {
 public:
  // `name` is for messages ("county hub"); `db` the hub's ledger; `log_path` receives its stdout and stderr.
  HubProcess(std::string hub_bin, std::string name, std::string db, std::string log_path);
  ~HubProcess();  // Stop(), ignoring its result
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  // Starts `hub_bin --db DB serve --listen 127.0.0.1:PORT EXTRA...` on a port that was free a moment ago
  // and waits until GET /healthz answers 200. Tries another port when the chosen one was taken meanwhile.
  // kInternal with the end of the hub's log when it exits or does not answer within `timeout_s`.
  // REQUIRES: not running.
  Status Start(const std::vector<std::string>& extra, int timeout_s = 30);
  // SIGTERM, then waits up to `grace_s` for the exit, then SIGKILL. Returns the exit code (128 + signal
  // when killed by one); 0 when it was not running.
  int Stop(int grace_s = 30);

  bool running() const { return pid_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& name() const { return name_; }
  // The last `max_bytes` of its log.
  std::string LogTail(size_t max_bytes = 2000) const;

  // CPU time (user + system, all threads) the process has used so far; kInternal when it is not running.
  Result<double> CpuSeconds() const;

  // GET `path` on the hub; kUnavailable when it does not answer, kInternal for a status other than 200.
  Result<std::string> Get(const std::string& path) const;
  // GET /v1/status, parsed.
  Result<nlohmann::json> StatusJson() const;

 private:
  std::string hub_bin_;
  std::string name_;
  std::string db_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace silian::bench
