// silian-netem: the link model alone (deterministic, on made-up time), the proxy in-process between a
// loopback client and an echo server (it shapes, it cuts), and the program's command line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "netem/link_model.h"
#include "netem/proxy.h"
#include "support/process.h"

namespace silian::netem {
namespace {

using std::chrono::steady_clock;

// Drains `link` completely, stepping made-up time to each due instant; returns the delivery times.
std::vector<int64_t> DrainTimes(LinkDirection& link, std::string* delivered) {
  std::vector<int64_t> times;
  while (!link.empty()) {
    const int64_t t = link.next_due_us();
    std::string_view due = link.Due(t);
    REQUIRE(!due.empty());
    delivered->append(due);
    link.Consume(due.size());
    times.push_back(t);
  }
  return times;
}

TEST_CASE("Link model: bytes leave no faster than the rate and arrive one delay later", "[netem]") {
  LinkParams p;
  p.rate_bytes_per_s = 10000;  // 10 kB/s: 1,000 bytes take 100 ms on the line
  p.one_way_delay_us = 150000;
  p.segment_bytes = 1000;
  p.max_queue_bytes = 10000;
  LinkDirection link(p, 1);
  const std::string data(5000, 'x');
  REQUIRE(link.room() == 10000);
  link.Accept(data, 0);
  CHECK(link.room() == 5000);
  CHECK(link.Due(249999).empty());  // the first segment leaves at 100 ms and travels 150 ms
  std::string out;
  const std::vector<int64_t> times = DrainTimes(link, &out);
  CHECK(out == data);
  CHECK(times == std::vector<int64_t>{250000, 350000, 450000, 550000, 650000});
  CHECK(link.bytes_delivered() == 5000);
  CHECK(link.room() == 10000);
}

TEST_CASE("Link model: a full queue has no room, so the sender is held back", "[netem]") {
  LinkParams p;
  p.rate_bytes_per_s = 1000;
  p.max_queue_bytes = 3000;
  LinkDirection link(p, 1);
  link.Accept(std::string(3000, 'a'), 0);
  CHECK(link.room() == 0);
  CHECK(link.Due(0).empty());
}

TEST_CASE("Link model: a lost segment arrives a retransmission later and holds up those behind it", "[netem]") {
  LinkParams p;
  p.rate_bytes_per_s = 10000;
  p.segment_bytes = 1000;
  p.retransmit_us = 300000;
  p.loss = 1;  // every segment lost once
  LinkDirection link(p, 7);
  link.Accept(std::string(2000, 'z'), 0);
  std::string out;
  const std::vector<int64_t> times = DrainTimes(link, &out);
  // Segment 1: 100 ms on the line, 300 ms retransmission, 100 ms on the line again. Segment 2 starts after
  // both sends of segment 1 (200 ms), and arrives at 300 + 300 + 100 ms.
  CHECK(times == std::vector<int64_t>{500000, 700000});
  CHECK(link.segments_lost() == 2);
  CHECK(out.size() == 2000);
}

TEST_CASE("Link model: with some loss the stream stays in order and a seed replays the same losses", "[netem]") {
  const uint64_t seed = 20261201;
  INFO("seed " << seed);
  LinkParams p;
  p.rate_bytes_per_s = 250000;
  p.one_way_delay_us = 150000;
  p.loss = 0.05;
  p.max_queue_bytes = 1 << 20;
  std::string data;
  for (int i = 0; i < 200000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  auto run = [&](std::vector<int64_t>* times) {
    LinkDirection link(p, seed);
    link.Accept(data, 0);
    std::string out;
    *times = DrainTimes(link, &out);
    CHECK(out == data);
    return link.segments_lost();
  };
  std::vector<int64_t> a, b;
  const uint64_t lost = run(&a);
  CHECK(run(&b) == lost);
  CHECK(a == b);
  CHECK(lost > 0);
  CHECK(std::is_sorted(a.begin(), a.end()));
}

// ---------------------------------------------------------------------------------------------- the proxy

int ListenLoopback(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{10, 0};  // no test waits forever on a proxy that misbehaves
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// An echo server on loopback, one thread per connection, until destroyed.
class EchoServer {
 public:
  EchoServer() : fd_(ListenLoopback(&port_)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        workers_.emplace_back([c] {
          char buf[65536];
          for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;)
            if (::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
          ::close(c);
        });
      }
    });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    for (auto& w : workers_) w.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int port_ = 0;
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

// A Proxy serving on its own thread until destroyed.
class RunningProxy {
 public:
  explicit RunningProxy(const ProxyOptions& o) {
    auto p = Proxy::Listen(o);
    REQUIRE(p.ok());
    proxy_ = std::move(*p);
    thread_ = std::thread([this] { result_ = proxy_->Run(stop_, [](const std::string&) {}); });
  }
  ~RunningProxy() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return proxy_->port(); }
  const ProxyStats& stats() const { return proxy_->stats(); }  // REQUIRES: Stop() first
  Status result() const { return result_; }

 private:
  std::unique_ptr<Proxy> proxy_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Status result_ = Status::Ok();
};

// Sends `data` on `fd` and reads the echo back; the echo as far as it came.
std::string RoundTrip(int fd, const std::string& data) {
  std::string echo;
  std::thread writer([&] { ::send(fd, data.data(), data.size(), MSG_NOSIGNAL); });
  char buf[65536];
  while (echo.size() < data.size()) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    echo.append(buf, static_cast<size_t>(n));
  }
  writer.join();
  return echo;
}

TEST_CASE("silian-netem proxy: bytes go through intact and no faster than the set rate", "[netem]") {
  EchoServer echo;
  ProxyOptions o;
  o.target_port = echo.port();
  o.link.rate_bytes_per_s = 40000;  // 320 kbit/s each way
  o.link.one_way_delay_us = 50000;
  RunningProxy proxy(o);
  std::string data;
  for (int i = 0; i < 60000; ++i) data.push_back(static_cast<char>(i * 7));
  const int fd = ConnectLoopback(proxy.port());
  const auto t0 = steady_clock::now();
  const std::string back = RoundTrip(fd, data);
  const double seconds = std::chrono::duration<double>(steady_clock::now() - t0).count();
  ::close(fd);
  CHECK(back == data);
  // 60,000 bytes at 40,000 bytes/s take 1.5 s on each line; the two directions overlap, so the round trip
  // takes at least 1.5 s plus the last segment's way back: a lower bound, which no slow machine can break.
  INFO("round trip of 60,000 bytes took " << seconds << " s");
  CHECK(seconds >= 1.5);
  proxy.Stop();
  CHECK(proxy.result().ok());
  CHECK(proxy.stats().bytes_up == 60000);
  CHECK(proxy.stats().bytes_down == 60000);
  CHECK(proxy.stats().connections == 1);
}

TEST_CASE("silian-netem proxy: a cut resets every open connection, and new ones are served after it", "[netem]") {
  EchoServer echo;
  ProxyOptions o;
  o.target_port = echo.port();
  o.cut_every_s = 1.5;  // time for the round trip below on a loaded machine
  RunningProxy proxy(o);
  const int a = ConnectLoopback(proxy.port());
  const int b = ConnectLoopback(proxy.port());
  CHECK(RoundTrip(a, "before the cut") == "before the cut");
  // Both connections end at the cut: a read returns a reset (or end of stream), not a timeout.
  for (int fd : {a, b}) {
    char c;
    errno = 0;
    const ssize_t n = ::recv(fd, &c, 1, 0);
    CHECK(n <= 0);
    CHECK(errno != EAGAIN);
    ::close(fd);
  }
  const int after = ConnectLoopback(proxy.port());
  CHECK(RoundTrip(after, "after the cut") == "after the cut");
  ::close(after);
  proxy.Stop();
  CHECK(proxy.stats().cuts >= 1);
  CHECK(proxy.stats().connections_cut >= 2);
}

TEST_CASE("silian-netem proxy: a client of an unreachable target is reset, and the proxy goes on", "[netem]") {
  int port = 0;
  ::close(ListenLoopback(&port));  // a port where nothing listens now
  ProxyOptions o;
  o.target_port = port;
  RunningProxy proxy(o);
  const int fd = ConnectLoopback(proxy.port());
  char c;
  CHECK(::recv(fd, &c, 1, 0) <= 0);
  ::close(fd);
  proxy.Stop();
  CHECK(proxy.result().ok());
  CHECK(proxy.stats().refused == 1);
}

// ---------------------------------------------------------------------------------------------- the program

TEST_CASE("silian-netem: bad arguments are refused with exit 2 naming the value", "[netem]") {
  const test::ProcessResult bad_to = test::RunProgram(SILIAN_NETEM_BIN, {"--to", "hub-without-port"});
  INFO(test::Describe(bad_to));
  CHECK(bad_to.exit_code == 2);
  CHECK(bad_to.err.find("\"hub-without-port\"") != std::string::npos);
  CHECK(bad_to.err.find("HOST:PORT") != std::string::npos);
  const test::ProcessResult bad_loss = test::RunProgram(SILIAN_NETEM_BIN, {"--to", "127.0.0.1:1", "--loss-percent", "150"});
  INFO(test::Describe(bad_loss));
  CHECK(bad_loss.exit_code == 2);
  CHECK(bad_loss.err.find("150") != std::string::npos);
  const test::ProcessResult missing = test::RunProgram(SILIAN_NETEM_BIN, {});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("--to") != std::string::npos);
  const test::ProcessResult help = test::RunProgram(SILIAN_NETEM_BIN, {"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--cut-every-s") != std::string::npos);
}

}  // namespace
}  // namespace silian::netem
