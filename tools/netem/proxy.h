// silian-netem's proxy: accepts TCP connections on a listening address, connects each to the target, and
// carries the bytes both ways through the link model (link_model.h): bandwidth, latency, loss as
// retransmission delay, and a cut every N seconds that resets every open connection at once (both ends
// see a connection reset, as when a village's 4G link drops; new connections are accepted again at once).
//
// One thread, plain POSIX sockets and poll(). Connecting to the target blocks the loop briefly: meant for
// a target on the same machine or a near one. Not thread-safe, except that Run() watches `stop`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "netem/link_model.h"

namespace silian::netem {

struct ProxyOptions {
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;       // 0: any free port (see Proxy::port())
  std::string target_host = "127.0.0.1";
  int target_port = 0;
  LinkParams link;           // each direction of each connection gets its own LinkDirection with these
  double cut_every_s = 0;    // > 0: every this many seconds, every connection is reset
  double first_cut_s = 0;    // the first cut, from the start (then every cut_every_s); 0: cut_every_s
  uint64_t seed = 1;         // the loss draws; each direction of each connection gets its own stream
};

struct ProxyStats {
  uint64_t connections = 0;      // accepted and connected to the target
  uint64_t refused = 0;          // accepted but the target could not be reached (closed at once)
  uint64_t cuts = 0;             // cut instants passed
  uint64_t connections_cut = 0;  // connections reset by cuts
  uint64_t bytes_up = 0;         // client to target, delivered
  uint64_t bytes_down = 0;       // target to client, delivered
  uint64_t segments = 0;
  uint64_t segments_lost = 0;
  double seconds = 0;            // since Listen()
};

class Proxy {
 public:
  // Binds and listens. kInvalidArgument naming the address when it cannot be resolved or bound, or when
  // the options are out of range.
  static Result<std::unique_ptr<Proxy>> Listen(const ProxyOptions& options);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  int port() const { return port_; }
  // Serves until `stop` is true (looked at least every 50 ms); every connection is closed on return.
  // `log` gets one line per cut and per connection the target refused. kInternal when poll() fails.
  Status Run(const std::atomic<bool>& stop, const std::function<void(const std::string&)>& log);
  const ProxyStats& stats() const { return stats_; }

 private:
  struct Connection;
  Proxy(const ProxyOptions& options, int listen_fd, int port);
  int64_t NowUs() const;
  void AcceptOne(const std::function<void(const std::string&)>& log);
  void CutAll(const std::function<void(const std::string&)>& log);
  // Moves bytes for one connection after poll(); false when it has ended (closed).
  bool Service(Connection& c, short client_events, short target_events);
  void Close(Connection& c, bool reset);

  ProxyOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  int64_t start_ns_ = 0;
  std::vector<std::unique_ptr<Connection>> connections_;
  ProxyStats stats_;
};

}  // namespace silian::netem
