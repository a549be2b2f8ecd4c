#include "support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>

namespace silian::test {
namespace {

int64_t MsLeft(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
}

}  // namespace

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd_ >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  INFO("connect to 127.0.0.1:" << port << ": errno " << errno);
  REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(std::string_view data, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    const int64_t left = MsLeft(deadline);
    if (left <= 0) return false;
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
  }
  return true;
}

bool RawConnection::ReadSome(int timeout_ms) {
  if (closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[1 << 16];
  ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) {
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed_ = true;
  return true;
}

bool RawConnection::Poll() {
  while (ReadSome(0) && !closed_) {
  }
  return !closed_;
}

bool RawConnection::WaitClosed(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!closed_) {
    const int64_t left = MsLeft(deadline);
    if (left <= 0) return false;
    ReadSome(static_cast<int>(left));
  }
  return true;
}

bool RawConnection::WaitResponse(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const size_t head_end = received_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const auto at = received_.find("\r\nContent-Length: ");
      const size_t length = at != std::string::npos && at < head_end
                                ? std::strtoull(received_.c_str() + at + 18, nullptr, 10)
                                : 0;
      if (received_.size() >= head_end + 4 + length) return true;
    }
    const int64_t left = MsLeft(deadline);
    if (closed_ || left <= 0) return false;
    ReadSome(static_cast<int>(left));
  }
}

int RawConnection::status() const {
  if (received_.rfind("HTTP/1.", 0) != 0 || received_.size() < 12) return 0;
  return std::atoi(received_.c_str() + 9);
}

std::string RawConnection::body() const {
  const size_t head_end = received_.find("\r\n\r\n");
  return head_end == std::string::npos ? "" : received_.substr(head_end + 4);
}

std::string SyncRequestHead(const std::string& headers) {
  return "POST /v1/sync HTTP/1.1\r\nHost: hub\r\n" + headers + "\r\n";
}

}  // namespace silian::test
