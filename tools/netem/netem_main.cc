// silian-netem: a fault-injecting TCP proxy that plays a bad link (a village's 4G or satellite uplink)
// between a Silian node and its hub: bandwidth, latency, loss and periodic cuts (proxy.h, link_model.h).
// Exit codes: 0 stopped by SIGINT/SIGTERM, 1 a failure while serving, 2 bad usage.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "netem/proxy.h"

namespace {

std::atomic<bool> g_stop{false};

void OnStop(int) { g_stop.store(true); }

// "HOST:PORT" split at its last colon. kInvalidArgument naming the option and the value otherwise.
silian::Status SplitAddress(const std::string& option, const std::string& value, std::string& host, int& port) {
  const size_t colon = value.rfind(':');
  const std::string bad = option + " " + silian::Quote(value) + " must be HOST:PORT, e.g. 127.0.0.1:8080";
  if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) return silian::InvalidArgument(bad);
  const std::string digits = value.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
    return silian::InvalidArgument(bad);
  host = value.substr(0, colon);
  port = std::stoi(digits);
  if (port > 65535) return silian::InvalidArgument(option + " port " + digits + " is above 65535");
  return silian::Status::Ok();
}

nlohmann::json StatsJson(const silian::netem::ProxyStats& s) {
  return {{"connections", s.connections}, {"refused", s.refused},   {"cuts", s.cuts},
          {"connections_cut", s.connections_cut}, {"bytes_up", s.bytes_up}, {"bytes_down", s.bytes_down},
          {"segments", s.segments},       {"segments_lost", s.segments_lost}, {"seconds", s.seconds}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"silian-netem: a TCP proxy that plays a bad link (bandwidth, latency, loss, cuts) between a node "
               "and its hub. Loss is played as TCP sees it: a lost segment arrives one retransmission later and "
               "holds up everything behind it (docs/benchmarks.md)."};
  std::string listen = "127.0.0.1:0", to, stats_file;
  double rate_kbit = 0, rtt_ms = 0, loss_percent = 0, cut_every_s = 0, first_cut_s = -1, retransmit_ms = -1;
  uint64_t seed = 1;
  app.add_option("--listen", listen, "HOST:PORT to accept connections on; port 0 picks a free one")->capture_default_str();
  app.add_option("--to", to, "HOST:PORT of the server (the hub) to connect each connection to")->required();
  app.add_option("--rate-kbit", rate_kbit, "bandwidth of each direction in kbit/s (1000 bit); 0 = unlimited")
      ->capture_default_str()->check(CLI::Range(0.0, 10e6));
  app.add_option("--rtt-ms", rtt_ms, "round-trip time added (half in each direction)")
      ->capture_default_str()->check(CLI::Range(0.0, 60000.0));
  app.add_option("--loss-percent", loss_percent, "share of TCP segments lost (each costs a retransmission)")
      ->capture_default_str()->check(CLI::Range(0.0, 100.0));
  app.add_option("--retransmit-ms", retransmit_ms, "extra delay of a lost segment; default: the RTT, at least 200")
      ->check(CLI::Range(0.0, 60000.0));
  app.add_option("--cut-every-s", cut_every_s, "reset every open connection every this many seconds; 0 = never")
      ->capture_default_str()->check(CLI::Range(0.0, 86400.0));
  app.add_option("--first-cut-s", first_cut_s, "when the first cut comes; default: --cut-every-s")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--seed", seed, "seed of the loss draws (printed at start)")->capture_default_str();
  app.add_option("--stats-file", stats_file, "write the totals here as JSON when stopped");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  silian::netem::ProxyOptions o;
  for (silian::Status s : {SplitAddress("--listen", listen, o.listen_host, o.listen_port),
                            SplitAddress("--to", to, o.target_host, o.target_port)}) {
    if (!s.ok()) {
      std::cerr << "silian-netem: " << s.message() << "\n";
      return 2;
    }
  }
  o.link.rate_bytes_per_s = rate_kbit * 1000 / 8;
  o.link.one_way_delay_us = static_cast<int64_t>(rtt_ms * 1000 / 2);
  o.link.loss = loss_percent / 100;
  o.link.retransmit_us = static_cast<int64_t>((retransmit_ms >= 0 ? retransmit_ms : std::max(200.0, rtt_ms)) * 1000);
  o.cut_every_s = cut_every_s;
  o.first_cut_s = first_cut_s >= 0 ? first_cut_s : cut_every_s;
  o.seed = seed;
  auto proxy = silian::netem::Proxy::Listen(o);
  if (!proxy.ok()) {
    std::cerr << "silian-netem: " << proxy.status().message() << "\n";
    return proxy.status().code() == silian::StatusCode::kInvalidArgument ? 2 : 1;
  }
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::cerr << "silian-netem: listening on " << o.listen_host << ":" << (*proxy)->port() << ", forwarding to " << to
            << "; rate " << (rate_kbit > 0 ? std::to_string(static_cast<int64_t>(rate_kbit)) + " kbit/s" : "unlimited")
            << ", rtt " << rtt_ms << " ms, loss " << loss_percent << "%, retransmit "
            << o.link.retransmit_us / 1000 << " ms, cut every " << cut_every_s << " s from " << o.first_cut_s << " s, seed " << seed
            << std::endl;
  auto log = [](const std::string& line) { std::cerr << "silian-netem: " << line << std::endl; };
  silian::Status s = (*proxy)->Run(g_stop, log);
  const nlohmann::json stats = StatsJson((*proxy)->stats());
  std::cerr << "silian-netem: stopped: " << stats.dump() << std::endl;
  if (!stats_file.empty()) {
    std::ofstream f(stats_file);
    f << stats.dump() << "\n";
    if (!f) {
      std::cerr << "silian-netem: cannot write --stats-file " << silian::Quote(stats_file) << "\n";
      return 1;
    }
  }
  if (!s.ok()) {
    std::cerr << "silian-netem: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
