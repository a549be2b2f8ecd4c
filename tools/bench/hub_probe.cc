#include "bench/hub_probe.h"

#include <chrono>
#include <sstream>

#include "console/node_keys.h"
#include "http/curl_transport.h"
#include "launch/child_process.h"
#include "net/client.h"

namespace silian::bench {

Result<uint64_t> PeakResidentBytes(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::istringstream in(launch::ReadWholeFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return Internal("no VmHWM line in " + path);
}

Result<std::unique_ptr<sync::LedgerStore>> MakeProber(const std::string& hub_bin, const std::string& hub_db,
                                                      const std::string& dir, const std::string& county,
                                                      const std::string& name) {
  const std::string township = county + "900";
  const sync::NodeConfig config{sync::NodeId{"probe-" + township}, sync::Level::kTownship,
                                sync::DivisionCode{township + "000"}, "01"};
  sync::LedgerStore::Options so;
  so.durable = false;
  so.signing_key = sync::SigningKey::Generate();
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(dir + "/probe-" + name + ".db", config, so));
  SILIAN_ASSIGN_OR_RETURN(
      launch::ProcessResult r,
      launch::RunProcess(hub_bin, {"--db", hub_db, "node", "add", config.node_id.value, "--level", "township",
                                   "--division", config.division.value, "--public-key",
                                   sync::ToBase64(so.signing_key->public_key())}));
  if (r.exit_code != 0) return Internal("registering the prober node failed: " + r.err);
  return store;
}

void HubProbe::Start(int pause_ms) {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this, pause_ms] { Loop(pause_ms); });
}

ProbeFigures HubProbe::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return figures_;
}

namespace {

// The prober's transport, timing each round trip: the session's time also holds the prober's own work in
// this process (applying what it pulled), which the 16 or 64 pushing threads beside it slow down.
class TimedTransport final : public sync::Transport {
 public:
  TimedTransport(sync::Transport& inner, std::vector<double>& ms) : inner_(inner), ms_(ms) {}
  Result<Reply> Post(const std::string& path, const std::string& body, const std::string& authorization) override {
    return Timed([&] { return inner_.Post(path, body, authorization); });
  }
  Result<Reply> Probe(const std::string& path, const std::string& body) override {
    return Timed([&] { return inner_.Probe(path, body); });
  }
  uint64_t wire_bytes_sent() const override { return inner_.wire_bytes_sent(); }
  uint64_t wire_bytes_received() const override { return inner_.wire_bytes_received(); }

 private:
  template <typename F>
  Result<Reply> Timed(F&& f) {
    const auto t0 = Clock::now();
    Result<Reply> r = f();
    if (r.ok()) ms_.push_back(Seconds(t0, Clock::now()) * 1000);
    return r;
  }
  sync::Transport& inner_;
  std::vector<double>& ms_;
};

}  // namespace

void HubProbe::Loop(int pause_ms) {
  std::unique_ptr<sync::CurlTransport> curl;
  std::unique_ptr<TimedTransport> transport;
  if (prober_ != nullptr) {
    auto t = sync::CurlTransport::Create(hub_.url());
    if (t.ok()) {
      curl = std::move(*t);
      transport = std::make_unique<TimedTransport>(*curl, figures_.round_trip_ms);
    }
  }
  auto failed = [&](const Status& s) {
    ++figures_.errors;
    if (figures_.first_error.empty()) figures_.first_error = s.message();
  };
  while (!stop_) {
    auto t0 = Clock::now();
    auto status = hub_.Get("/v1/status", 60);
    if (status.ok()) {
      figures_.status_ms.push_back(Seconds(t0, Clock::now()) * 1000);
    } else {
      failed(status.status());
    }
    if (transport) {
      sync::SyncOptions options;
      options.node_keys = console::RegistryKeyLookup();
      sync::SyncClient client(prober_->ledger(), *transport, hub_.url(), options);
      t0 = Clock::now();
      auto pulled = client.SyncOnce();
      if (pulled.ok()) {
        figures_.pull_ms.push_back(Seconds(t0, Clock::now()) * 1000);
      } else {
        failed(pulled.status());
      }
    }
    for (int waited = 0; waited < pause_ms && !stop_; waited += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string LatencyText(const std::vector<double>& ms) {
  if (ms.empty()) return "no answer";
  const Latencies l = Summarize(ms);
  return "p50 " + Fixed(l.p50_ms, 1) + " ms, p99 " + Fixed(l.p99_ms, 1) + " ms, max " + Fixed(l.max_ms, 1) + " ms (" +
         std::to_string(ms.size()) + " probes)";
}

}  // namespace silian::bench
