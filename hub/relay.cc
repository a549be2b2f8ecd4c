#include "hub/relay.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "console/node_keys.h"
#include "http/curl_transport.h"
#include "net/client.h"

namespace silian::hub {

UpstreamRelay::UpstreamRelay(sync::LedgerAccess& ledger, Options options)
    : ledger_(ledger), options_(std::move(options)), rng_(std::random_device{}()) {}

UpstreamRelay::~UpstreamRelay() { Stop(); }

void UpstreamRelay::Start() { thread_ = std::thread([this] { Run(); }); }

void UpstreamRelay::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void UpstreamRelay::Poke() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

nlohmann::json UpstreamRelay::StatusJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {{"parent", options_.parent_url},   {"last_success_ms", last_success_ms_},
          {"last_error", last_error_},       {"consecutive_failures", failures_},
          {"ops_pushed", ops_pushed_},       {"ops_pulled", ops_pulled_}};
}

void UpstreamRelay::Run() {
  uint64_t wait_ms = 0;  // sync at once on start
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // While the parent is failing, new ops do not cut the backoff short.
      cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stop_ || (poked_ && failures_ == 0); });
      if (stop_) return;
      if (poked_ && failures_ == 0) {
        // Let a burst of pushes land, then relay them together.
        cv_.wait_for(lock, std::chrono::milliseconds(options_.debounce_ms), [this] { return stop_; });
        if (stop_) return;
      }
      poked_ = false;
    }
    sync::SyncOptions sync_options;
    sync_options.node_keys = console::RegistryKeyLookup();
    sync::CurlTransport::Options transport_options;
    transport_options.trust = {options_.parent_ca_file, options_.parent_pin};
    auto transport = sync::CurlTransport::Create(options_.parent_url, transport_options);
    Result<sync::SyncSummary> result = transport.ok()
        ? sync::SyncClient(ledger_, **transport, options_.parent_url, sync_options).SyncOnce()
        : Result<sync::SyncSummary>(transport.status());
    std::lock_guard<std::mutex> lock(mu_);
    if (result.ok()) {
      last_success_ms_ = sync::SystemWallClock().NowMs();
      last_error_.clear();
      failures_ = 0;
      ops_pushed_ += result->pushed;
      ops_pulled_ += result->pulled;
      if (result->pushed + result->pulled > 0)
        spdlog::info("relay: pushed {} and pulled {} ops with {}", result->pushed, result->pulled, options_.parent_url);
      wait_ms = options_.interval_ms;
    } else {
      last_error_ = result.status().message();
      ++failures_;
      uint64_t backoff = options_.backoff_min_ms << std::min<uint64_t>(failures_ - 1, 16);
      backoff = std::min(backoff, options_.backoff_max_ms);
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      wait_ms = static_cast<uint64_t>(static_cast<double>(backoff) * jitter(rng_));
      spdlog::warn("relay: {} (retry in {} ms)", last_error_, wait_ms);
    }
  }
}

}  // namespace silian::hub
