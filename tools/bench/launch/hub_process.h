// A `silian-hub serve` process on a loopback port, for the benchmark and the end-to-end tests.
//
// A HubProcess stops its process when it goes away (SIGTERM, then SIGKILL after Options::destroy_grace_s),
// so an error anywhere leaves no hub running; the hub also gets SIGKILL if the thread that started it dies
// (see child_process.h). Its stdout and stderr are appended to a log file, across restarts.
// REQUIRES: started from a thread that outlives it. Not thread-safe, except Signal() and running().
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace silian::launch {

class HubProcess {
 public:
  struct Options {
    int start_timeout_s = 30;    // how long Start() waits for the hub to serve
    int destroy_grace_s = 30;    // the destructor: SIGTERM, then SIGKILL after this long; 0: SIGKILL at once
  };
  // How a hub ended.
  struct Exit {
    int code = 0;         // its exit code, or 128 + the signal that ended it
    bool forced = false;  // it outlived the grace period and was killed with SIGKILL
  };

  // `hub_bin` is the silian-hub program; `name` is for messages ("county hub"); `db` the hub's ledger;
  // `log_path` receives its stdout and stderr.
  HubProcess(std::string hub_bin, std::string name, std::string db, std::string log_path, Options options);
  HubProcess(std::string hub_bin, std::string name, std::string db, std::string log_path)
      : HubProcess(std::move(hub_bin), std::move(name), std::move(db), std::move(log_path), Options()) {}
  ~HubProcess();
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  // Starts `hub_bin --db DB serve --listen 127.0.0.1:PORT EXTRA...` and waits until the hub has logged
  // that it serves on url() and GET /healthz answers 200 (the log line tells our hub from another program
  // that took the port meanwhile). The first start picks a free port; a restart keeps it, so that nodes
  // find the hub again. When the port was taken ("cannot listen" in the log) it tries again, at most 8
  // times: with another port on a first start, with the same one after 250 ms on a restart.
  // Returns OK once it serves; kInternal with the end of its log when it exits at start, or does not serve
  // within Options::start_timeout_s (it is then killed).
  // REQUIRES: !running().
  Status Start(const std::vector<std::string>& extra = {});

  // Sends `signal` to the hub; nothing when it does not run. Safe from another thread while it runs.
  void Signal(int signal) const;
  // Waits up to `grace_s` for the hub to exit (after a Signal()), then SIGKILLs it; reaps it either way.
  // Returns {0, false} when it was not running.
  Exit Wait(int grace_s = 30);
  // SIGTERM (SIGKILL when `grace_s` is 0), then Wait(grace_s).
  Exit Stop(int grace_s = 30);

  bool running() const { return pid_.load() > 0; }
  // The hub's process id while it runs, else -1.
  pid_t pid() const { return pid_.load(); }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& name() const { return name_; }
  const std::string& db() const { return db_; }
  // The whole log, and its last `max_bytes`.
  std::string Log() const;
  std::string LogTail(size_t max_bytes = 2000) const;

  // CPU time (user + system, all threads) the hub has used so far; kInternal when it is not running.
  Result<double> CpuSeconds() const;

  // GET `path` on the hub, waiting up to `timeout_s` for the answer: the body of a 200; kUnavailable
  // when the hub does not answer, kInternal for another status.
  Result<std::string> Get(const std::string& path, long timeout_s = 120) const;
  // GET /v1/status, parsed; as Get() for errors, and kInternal when the body is not JSON.
  Result<nlohmann::json> StatusJson() const;

 private:
  Status Spawn(const std::vector<std::string>& extra);
  // Waits until the hub serves (true) or exits (false, reaped); kInternal after the start timeout.
  Result<bool> WaitServing(size_t log_offset);

  std::string hub_bin_;
  std::string name_;
  std::string db_;
  std::string log_path_;
  Options options_;
  int port_ = 0;
  std::atomic<pid_t> pid_{-1};
};

}  // namespace silian::launch
