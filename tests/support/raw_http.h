// Raw HTTP over a loopback TCP socket, for the requests no HTTP library sends: duplicate headers, bodies
// that never come, half-sent headers, connections held open. Not thread-safe; one object per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace silian::test {

class RawConnection {
 public:
  // Connects to 127.0.0.1:`port`; REQUIREs that the connection was made.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends all of `data`, waiting at most `timeout_ms`; false when the peer has closed or reset the
  // connection, or the data did not go out in time.
  bool Send(std::string_view data, int timeout_ms = 5000);
  // Reads what is available now without waiting (appended to received()); false once the peer closed.
  bool Poll();
  // Reads until the peer closes (true) or `timeout_ms` passes (false); what came is in received().
  bool WaitClosed(int timeout_ms);
  // Reads until a whole response head and its Content-Length body arrived (true), or the connection
  // closes or `timeout_ms` passes (false).
  bool WaitResponse(int timeout_ms);

  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }
  // The status code of the first response in received(); 0 when none arrived.
  int status() const;
  // The body of the first response in received() ("" when none).
  std::string body() const;

 private:
  // Waits up to `timeout_ms` for something to read, then reads it. false when nothing came in time.
  bool ReadSome(int timeout_ms);

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

// The bytes of a POST /v1/sync with `headers` ("Name: value\r\n" lines, without the final empty line).
std::string SyncRequestHead(const std::string& headers);

}  // namespace silian::test
