#include "hub/metrics.h"

#include <sstream>

namespace silian::hub {
namespace {
constexpr double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Metrics::CountRequest(const std::string& endpoint, int http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{endpoint, http_status}];
}

void Metrics::CountSync(uint64_t ops_in, uint64_t ops_out, uint64_t bytes_in, uint64_t bytes_out, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_in_ += ops_in;
  ops_out_ += ops_out;
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
  batch_seconds_sum_ += seconds;
  ++batch_count_;
  for (double b : kBuckets)
    if (seconds <= b) ++batch_buckets_[b];
}

void Metrics::CountRejection(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejections_[reason];
}

void Metrics::CountPushFindings(uint64_t equivocations, uint64_t skewed_ops) {
  std::lock_guard<std::mutex> lock(mu_);
  equivocations_ += equivocations;
  skewed_ops_ += skewed_ops;
}

void Metrics::CountForgery() {
  std::lock_guard<std::mutex> lock(mu_);
  ++forgeries_;
}

uint64_t Metrics::equivocations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return equivocations_;
}

uint64_t Metrics::ops_in() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_in_;
}

uint64_t Metrics::rejections() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const auto& [reason, count] : rejections_) n += count;
  return n;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  out << "# HELP silian_requests_total HTTP requests by endpoint and status.\n"
      << "# TYPE silian_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out << "silian_requests_total{endpoint=\"" << key.first << "\",status=\"" << key.second << "\"} " << count << "\n";
  out << "# HELP silian_ops_in_total Ops stored from pushes.\n# TYPE silian_ops_in_total counter\n"
      << "silian_ops_in_total " << ops_in_ << "\n"
      << "# HELP silian_ops_out_total Ops sent in pulls.\n# TYPE silian_ops_out_total counter\n"
      << "silian_ops_out_total " << ops_out_ << "\n"
      << "# HELP silian_bytes_in_total Sync request body bytes.\n# TYPE silian_bytes_in_total counter\n"
      << "silian_bytes_in_total " << bytes_in_ << "\n"
      << "# HELP silian_bytes_out_total Sync reply body bytes.\n# TYPE silian_bytes_out_total counter\n"
      << "silian_bytes_out_total " << bytes_out_ << "\n"
      << "# HELP silian_equivocations_total Pushed ops that contradict ops this hub holds (kept as evidence).\n"
      << "# TYPE silian_equivocations_total counter\n"
      << "silian_equivocations_total " << equivocations_ << "\n"
      << "# HELP silian_forgeries_total Pushes refused for a signed head that does not match its chain or signature.\n"
      << "# TYPE silian_forgeries_total counter\n"
      << "silian_forgeries_total " << forgeries_ << "\n"
      << "# HELP silian_skewed_ops_total Pushed ops stamped too far ahead of this hub's clock (not followed).\n"
      << "# TYPE silian_skewed_ops_total counter\n"
      << "silian_skewed_ops_total " << skewed_ops_ << "\n"
      << "# HELP silian_batch_seconds Time to handle one sync request.\n# TYPE silian_batch_seconds histogram\n";
  for (double b : kBuckets) {
    auto it = batch_buckets_.find(b);
    out << "silian_batch_seconds_bucket{le=\"" << b << "\"} " << (it == batch_buckets_.end() ? 0 : it->second) << "\n";
  }
  out << "silian_batch_seconds_bucket{le=\"+Inf\"} " << batch_count_ << "\n"
      << "silian_batch_seconds_sum " << batch_seconds_sum_ << "\n"
      << "silian_batch_seconds_count " << batch_count_ << "\n"
      << "# HELP silian_rejections_total Refused sync requests by reason.\n# TYPE silian_rejections_total counter\n";
  for (const auto& [reason, count] : rejections_)
    out << "silian_rejections_total{reason=\"" << reason << "\"} " << count << "\n";
  return out.str();
}

}  // namespace silian::hub
