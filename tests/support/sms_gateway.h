// A stand-in SMS gateway (an HTTP receiver, cpprestsdk) on 127.0.0.1 for the notice senders and the hubs
// that deliver notices: it records every request and answers as the test scripts it.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace silian::test {

class SmsGateway {
 public:
  struct Seen {
    std::string key;  // Idempotency-Key
    std::string content_type;
    std::string auth;  // Authorization
    std::string body;
    int answered = 0;  // the HTTP status answered, 0 while the request is held
  };

  // Listens on a free loopback port, at every path below url(). REQUIREs that it could listen.
  SmsGateway();
  // Stops listening; a held request is released at once.
  ~SmsGateway();
  SmsGateway(const SmsGateway&) = delete;
  SmsGateway& operator=(const SmsGateway&) = delete;

  // "http://127.0.0.1:PORT"; the gateway answers at any path below it.
  const std::string& url() const;

  // The script, checked in this order for each request; unscripted requests get 200 {"ok":true}.
  // The next `count` requests are held for `delay_ms` (or until the gateway closes), then get 503.
  void Delay(int delay_ms, int count);
  // The next `k` requests get `status` with the body "busy".
  void FailFirst(int k, int status = 503);
  // Every request for notice `id` (its Idempotency-Key) gets 400.
  void RefuseId(std::string id);
  // Every request gets `status` with "you sent: ", the request's own body and `padding` bytes.
  void EchoWith(int status, size_t padding);

  // Every request so far, in order of arrival. Thread-safe, as is everything below.
  std::vector<Seen> seen() const;
  // Per Idempotency-Key, how many requests were answered with a 2xx.
  std::map<std::string, int> Delivered() const;
  // Waits until `n` requests have arrived; false when they have not within `limit`.
  bool WaitForRequests(size_t n, std::chrono::milliseconds limit) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silian::test
