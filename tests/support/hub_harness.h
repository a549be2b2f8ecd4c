// silian-hub for the tests that run it: `silian-hub serve` processes on loopback ports that are always
// stopped (also when a test fails), and hub ledgers set up as an operator sets them up.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "launch/hub_process.h"

namespace silian::test {

// A `silian-hub serve` process (support/programs.h: HubBin()) on a loopback port: launch::HubProcess with
// Catch2 assertions. The destructor kills it (SIGKILL) if it still runs, so a failing test leaves no hub
// behind; the hub also gets SIGKILL if the test process dies. stdout and stderr go to a log file, appended
// across restarts. Not thread-safe, except Signal().
class HubProcess {
 public:
  // `name` is for messages ("county hub"); `db` the hub's ledger; `log` its log file.
  HubProcess(std::string name, std::string db, std::string log);

  // Starts `silian-hub --db DB serve --listen 127.0.0.1:PORT EXTRA...` and waits until it serves (see
  // launch::HubProcess::Start: the first start picks a free port, restarts keep it). FAILs with the
  // hub's log when it does not start. REQUIRES: !running().
  void Start(const std::vector<std::string>& extra = {});

  // SIGTERM, then waits for the exit; returns the exit code (128 + signal when killed by one). A hub that
  // does not stop within 30 s is killed and fails the check. REQUIREs running().
  int Terminate();
  // SIGKILL, then reaps it. REQUIREs running().
  void Kill();
  // Waits for a hub that was signalled (e.g. through Signal() from another thread) to exit; returns its
  // exit code or 128 + signal. As Terminate() for a hub that does not stop. REQUIREs running().
  int Wait();
  // Sends a signal; safe from another thread while the hub runs.
  void Signal(int sig) const { process_.Signal(sig); }

  bool running() const { return process_.running(); }
  pid_t pid() const { return process_.pid(); }  // -1 when it does not run
  int port() const { return process_.port(); }
  std::string url() const { return process_.url(); }
  const std::string& db() const { return process_.db(); }
  const std::string& name() const { return process_.name(); }
  std::string log() const { return process_.Log(); }

  // GET /v1/status as JSON; REQUIREs a 200 with a JSON body.
  nlohmann::json Status() const;

 private:
  int Checked(launch::HubProcess::Exit exit);

  launch::HubProcess process_;
};

// A node a hub lets sync with it (`silian-hub node add`).
struct PeerSpec {
  std::string id;
  std::string level;
  std::string division;
};

// `silian-hub init` of the ledger `db` (with `--parent` when `parent` is given) and `node add` of each
// peer, as an operator sets a hub up. REQUIREs that every command succeeds.
void InitHub(const std::string& db, const std::string& id, const std::string& level, const std::string& division,
             const std::vector<PeerSpec>& peers, const std::string& parent = "");

// Registers the public key of the replica whose ledger is `node_db` at the hub whose ledger is `hub_db`, as
// an administrator does after comparing the fingerprint the replica shows: `identity --json` there, then
// `silian-hub node add ID --level L --division D --public-key KEY` here. Returns the key (base64).
std::string RegisterKey(const std::string& hub_db, const std::string& node_db);

// Registers node `id` at the hub whose ledger is `hub_db` with its TestKeyOf key (`node add ... --public-key`)
// and remembers the key for the support's signed requests (AuthHeader, PostSync): a compromised node whose
// requests are written by hand, with valid keys. Publishes a registration op at the hub.
void RegisterTestKey(const std::string& hub_db, const std::string& id, const std::string& level,
                     const std::string& division);

}  // namespace silian::test
