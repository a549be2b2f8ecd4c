// libFuzzer target: a sync request body as the hub's service takes it (sync/net/service.h Handle):
// decompression, parsing, the envelope and content checks, and the push applied to a real ledger (a
// township hub on a throwaway file, with one registered village), without a network.
// Input: byte 0 even: the rest is a serialized SyncRequest, compressed here (so that mutations reach the
// parser); odd: the rest is the body as sent (so that they reach the decompressor).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "quiet_protobuf.h"

#include "domain/store.h"
#include "net/protocol.h"
#include "net/request_auth.h"
#include "net/service.h"

namespace {

using namespace silian;

std::string& HubDir() {
  static std::string dir;
  return dir;
}

const sync::SigningKey& VillageKey() {
  static const sync::SigningKey key = sync::SigningKey::FromSeed(std::string(32, 'v'));
  return key;
}

struct Hub {
  std::unique_ptr<sync::LedgerStore> store;
  std::unique_ptr<sync::DirectAccess> access;
  std::unique_ptr<sync::SyncService> service;
};

Hub& TheHub() {
  static Hub* hub = [] {
    char dir[] = "/tmp/silian-fuzz-sync-XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    HubDir() = dir;
    std::atexit([] { std::filesystem::remove_all(HubDir()); });
    sync::NodeConfig config;
    config.node_id = sync::NodeId{"hub-t"};
    config.level = sync::Level::kTownship;
    config.division = sync::DivisionCode{"152222104000"};
    sync::LedgerStore::Options options;
    options.durable = false;
    auto created = sync::LedgerStore::Create(std::string(dir) + "/hub.db", config, options);
    if (!created.ok()) std::abort();
    auto* h = new Hub;
    h->store = std::move(created).value();
    sync::Peer village;
    village.node_id = sync::NodeId{"village-a"};
    village.level = sync::Level::kVillage;
    village.division = sync::DivisionCode{"152222104201"};
    if (!h->store->AddPeer(village).ok()) std::abort();
    h->access = std::make_unique<sync::DirectAccess>(h->store->ledger());
    sync::SyncLimits limits;
    limits.max_decompressed_bytes = 4u << 20;
    // The village's key, as a registry holding its registration would give it: the fuzzer's requests are
    // signed, so that they reach the body.
    auto keys = [](sync::Ledger&, const std::string& id) -> silian::Result<std::optional<sync::NodeKey>> {
      if (id != "village-a") return std::optional<sync::NodeKey>();
      return std::optional<sync::NodeKey>(sync::NodeKey{VillageKey().public_key(), sync::Level::kVillage, false, false});
    };
    h->service = std::make_unique<sync::SyncService>(*h->access, limits, keys);
    return h;
  }();
  return *hub;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string body = (data[0] & 1) ? rest : sync::CompressBody(rest, 1);
  const std::string authorization = sync::SignRequest(VillageKey(), "village-a", "POST", sync::kSyncPath, body,
                                                     sync::SystemWallClock().NowMs(), sync::NewNonce());
  sync::SyncOutcome out = TheHub().service->Handle(authorization, body);
  if (out.http_status < 200 || out.http_status > 599) __builtin_trap();
  return 0;
}
