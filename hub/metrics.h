// Counters of a running hub, rendered as Prometheus text for GET /metrics. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace silian::hub {

class Metrics {
 public:
  void CountRequest(const std::string& endpoint, int http_status);
  void CountSync(uint64_t ops_in, uint64_t ops_out, uint64_t bytes_in, uint64_t bytes_out, double seconds);
  void CountRejection(const std::string& reason);
  // What a push's import found: ops contradicting held ones (equivocations, kept as evidence) and ops
  // stamped too far ahead of this hub's clock (not followed).
  void CountPushFindings(uint64_t equivocations, uint64_t skewed_ops);
  // A push refused as forged (403 `forged`: a signed head that does not match its chain or its signature).
  void CountForgery();
  // Prometheus text exposition format 0.0.4.
  std::string Render() const;

  uint64_t ops_in() const;
  uint64_t rejections() const;
  uint64_t equivocations() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, uint64_t> rejections_;
  uint64_t ops_in_ = 0;
  uint64_t ops_out_ = 0;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  uint64_t equivocations_ = 0;
  uint64_t forgeries_ = 0;
  uint64_t skewed_ops_ = 0;
  double batch_seconds_sum_ = 0;
  uint64_t batch_count_ = 0;
  std::map<double, uint64_t> batch_buckets_;  // upper bound -> count
};

}  // namespace silian::hub
