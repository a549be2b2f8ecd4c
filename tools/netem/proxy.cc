#include "netem/proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/text.h"

namespace silian::netem {

struct Proxy::Connection {
  Connection(int client, int target, const LinkParams& link, uint64_t seed)
      : client_fd(client), target_fd(target), up(link, SplitMix64(seed)), down(link, SplitMix64(seed)) {}
  int client_fd;
  int target_fd;
  LinkDirection up;    // client -> target
  LinkDirection down;  // target -> client
  bool client_eof = false;
  bool target_eof = false;
  bool up_shut = false;
  bool down_shut = false;
};

namespace {

std::string Address(const std::string& host, int port) { return host + ":" + std::to_string(port); }

Result<sockaddr_in> Resolve(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr)
    return InvalidArgument("cannot resolve host " + Quote(host) + ": " + ::gai_strerror(rc));
  sockaddr_in addr{};
  std::memcpy(&addr, found->ai_addr, sizeof addr);
  ::freeaddrinfo(found);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void SetNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Closes `fd`; with `reset`, as an abortive close (RST), so the peer sees "connection reset".
void CloseFd(int fd, bool reset) {
  if (fd < 0) return;
  if (reset) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd);
}

Status CheckOptions(const ProxyOptions& o) {
  if (o.listen_port < 0 || o.listen_port > 65535)
    return InvalidArgument("listen port " + std::to_string(o.listen_port) + " is not 0 to 65535");
  if (o.target_port < 1 || o.target_port > 65535)
    return InvalidArgument("target port " + std::to_string(o.target_port) + " is not 1 to 65535");
  if (o.link.loss < 0 || o.link.loss > 1) return InvalidArgument("loss " + std::to_string(o.link.loss) + " is not 0 to 1");
  if (o.link.rate_bytes_per_s < 0) return InvalidArgument("rate " + std::to_string(o.link.rate_bytes_per_s) + " is negative");
  if (o.link.one_way_delay_us < 0 || o.link.retransmit_us < 0) return InvalidArgument("a delay is negative");
  if (o.link.segment_bytes == 0 || o.link.max_queue_bytes < o.link.segment_bytes)
    return InvalidArgument("segment size " + std::to_string(o.link.segment_bytes) + " must be 1 to the queue size " +
                           std::to_string(o.link.max_queue_bytes));
  if (o.first_cut_s < 0) return InvalidArgument("first cut " + std::to_string(o.first_cut_s) + " s is negative");
  if (o.cut_every_s < 0) return InvalidArgument("cut interval " + std::to_string(o.cut_every_s) + " s is negative");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Proxy>> Proxy::Listen(const ProxyOptions& options) {
  SILIAN_RETURN_IF_ERROR(CheckOptions(options));
  SILIAN_ASSIGN_OR_RETURN(sockaddr_in addr, Resolve(options.listen_host, options.listen_port));
  SILIAN_RETURN_IF_ERROR(Resolve(options.target_host, options.target_port).status());
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 128) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return InvalidArgument("cannot listen on " + Address(options.listen_host, options.listen_port) + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  SetNonBlocking(fd);
  return std::unique_ptr<Proxy>(new Proxy(options, fd, ntohs(addr.sin_port)));
}

Proxy::Proxy(const ProxyOptions& options, int listen_fd, int port)
    : options_(options), listen_fd_(listen_fd), port_(port) {
  start_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::steady_clock::now().time_since_epoch()).count();
}

Proxy::~Proxy() {
  for (auto& c : connections_) Close(*c, true);
  CloseFd(listen_fd_, false);
}

int64_t Proxy::NowUs() const {
  const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch()).count();
  return (ns - start_ns_) / 1000;
}

void Proxy::AcceptOne(const std::function<void(const std::string&)>& log) {
  const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;  // EAGAIN, or the client gave up: nothing to serve
  auto target_addr = Resolve(options_.target_host, options_.target_port);
  const int target = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (!target_addr.ok() || target < 0 ||
      ::connect(target, reinterpret_cast<const sockaddr*>(&*target_addr), sizeof(sockaddr_in)) != 0) {
    const std::string why = std::strerror(errno);
    CloseFd(target, false);
    CloseFd(client, true);
    ++stats_.refused;
    log("cannot reach the target " + Address(options_.target_host, options_.target_port) + ": " + why +
        "; the client's connection was reset");
    return;
  }
  SetNonBlocking(client);
  SetNonBlocking(target);
  SetNoDelay(client);
  SetNoDelay(target);
  uint64_t seed_state = options_.seed + 0x1000 * (stats_.connections + 1);
  connections_.push_back(std::make_unique<Connection>(client, target, options_.link, SplitMix64(seed_state)));
  ++stats_.connections;
}

void Proxy::Close(Connection& c, bool reset) {
  stats_.segments += c.up.segments() + c.down.segments();
  stats_.segments_lost += c.up.segments_lost() + c.down.segments_lost();
  CloseFd(c.client_fd, reset);
  CloseFd(c.target_fd, reset);
  c.client_fd = c.target_fd = -1;
}

void Proxy::CutAll(const std::function<void(const std::string&)>& log) {
  ++stats_.cuts;
  const size_t n = connections_.size();
  for (auto& c : connections_) Close(*c, true);
  connections_.clear();
  stats_.connections_cut += n;
  log("cut " + std::to_string(stats_.cuts) + " at " + std::to_string(NowUs() / 1000) + " ms: reset " +
      std::to_string(n) + " connection(s)");
}

namespace {

// Reads what `from` has into `link`, as much as it has room for. False on an error (the connection ends);
// sets `eof` at end of stream.
bool ReadInto(int from, LinkDirection& link, bool& eof, int64_t now_us) {
  char buf[65536];
  while (!eof && link.room() > 0) {
    const ssize_t n = ::recv(from, buf, std::min(sizeof buf, link.room()), 0);
    if (n > 0) {
      link.Accept(std::string_view(buf, static_cast<size_t>(n)), now_us);
    } else if (n == 0) {
      eof = true;
    } else {
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
  }
  return true;
}

// Writes what `link` has due to `to`. False on an error (the connection ends).
bool WriteDue(int to, LinkDirection& link, int64_t now_us) {
  for (std::string_view due = link.Due(now_us); !due.empty(); due = link.Due(now_us)) {
    const ssize_t n = ::send(to, due.data(), due.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    link.Consume(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

bool Proxy::Service(Connection& c, short client_events, short target_events) {
  const int64_t now = NowUs();
  const uint64_t up_before = c.up.bytes_delivered();
  const uint64_t down_before = c.down.bytes_delivered();
  bool ok = true;
  if (client_events & (POLLIN | POLLHUP | POLLERR)) ok = ok && ReadInto(c.client_fd, c.up, c.client_eof, now);
  if (target_events & (POLLIN | POLLHUP | POLLERR)) ok = ok && ReadInto(c.target_fd, c.down, c.target_eof, now);
  ok = ok && WriteDue(c.target_fd, c.up, now) && WriteDue(c.client_fd, c.down, now);
  stats_.bytes_up += c.up.bytes_delivered() - up_before;
  stats_.bytes_down += c.down.bytes_delivered() - down_before;
  if (!ok) {
    Close(c, true);
    return false;
  }
  // A half-close passes on once everything before it has been delivered.
  if (c.client_eof && c.up.empty() && !c.up_shut) {
    ::shutdown(c.target_fd, SHUT_WR);
    c.up_shut = true;
  }
  if (c.target_eof && c.down.empty() && !c.down_shut) {
    ::shutdown(c.client_fd, SHUT_WR);
    c.down_shut = true;
  }
  if (c.up_shut && c.down_shut) {
    Close(c, false);
    return false;
  }
  return true;
}

Status Proxy::Run(const std::atomic<bool>& stop, const std::function<void(const std::string&)>& log) {
  const int64_t cut_us = static_cast<int64_t>(options_.cut_every_s * 1e6);
  const int64_t first_us = options_.first_cut_s > 0 ? static_cast<int64_t>(options_.first_cut_s * 1e6) : cut_us;
  int64_t next_cut_us = cut_us > 0 ? first_us : -1;
  std::vector<pollfd> fds;
  while (!stop.load()) {
    int64_t now = NowUs();
    if (next_cut_us >= 0 && now >= next_cut_us) {
      CutAll(log);
      next_cut_us += cut_us;
    }
    // Wake for the next cut, the next segment due, or the stop flag, whichever comes first.
    int64_t wake_us = now + 50000;
    if (next_cut_us >= 0) wake_us = std::min(wake_us, next_cut_us);
    fds.assign(1, pollfd{listen_fd_, POLLIN, 0});
    for (auto& c : connections_) {
      short client_ev = 0, target_ev = 0;
      if (!c->client_eof && c->up.room() > 0) client_ev |= POLLIN;
      if (!c->target_eof && c->down.room() > 0) target_ev |= POLLIN;
      if (!c->up.Due(now).empty()) target_ev |= POLLOUT;
      else if (!c->up.empty()) wake_us = std::min(wake_us, c->up.next_due_us());
      if (!c->down.Due(now).empty()) client_ev |= POLLOUT;
      else if (!c->down.empty()) wake_us = std::min(wake_us, c->down.next_due_us());
      fds.push_back(pollfd{c->client_fd, client_ev, 0});
      fds.push_back(pollfd{c->target_fd, target_ev, 0});
    }
    const int timeout_ms = static_cast<int>(std::max<int64_t>(0, (wake_us - now + 999) / 1000));
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR)
      return Internal(std::string("poll: ") + std::strerror(errno));
    std::vector<std::unique_ptr<Connection>> kept;
    for (size_t i = 0; i < connections_.size(); ++i) {
      if (Service(*connections_[i], fds[1 + 2 * i].revents, fds[2 + 2 * i].revents))
        kept.push_back(std::move(connections_[i]));
    }
    connections_ = std::move(kept);
    if (fds[0].revents & POLLIN) AcceptOne(log);
    stats_.seconds = static_cast<double>(NowUs()) / 1e6;
  }
  for (auto& c : connections_) Close(*c, true);
  connections_.clear();
  return Status::Ok();
}

}  // namespace silian::netem
