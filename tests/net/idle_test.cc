// The idle probe's pure parts (net/idle.h): the key both ends derive, the MACs and the state digest.
#include <catch2/catch.hpp>

#include "base/keys.h"
#include "net/idle.h"
#include "support/status.h"

namespace silian::sync {
namespace {

pb::Frontier FrontierOf(const std::vector<std::pair<std::string, uint64_t>>& entries) {
  pb::Frontier f;
  for (const auto& [origin, seq] : entries) {
    auto* e = f.add_entries();
    e->set_origin(origin);
    e->set_seq(seq);
  }
  return f;
}

TEST_CASE("Idle keys: the node and the hub derive the same pair from their Ed25519 keys, and a third key gets "
          "another",
          "[net][idle]") {
  const SigningKey node = SigningKey::Generate();
  const SigningKey hub = SigningKey::Generate();
  const SigningKey other = SigningKey::Generate();
  IdleKeys at_node = SILIAN_TAKE(NodeIdleKeys(node, hub.public_key()));
  IdleKeys at_hub = SILIAN_TAKE(HubIdleKeys(hub, node.public_key()));
  CHECK(at_node.request == at_hub.request);
  CHECK(at_node.reply == at_hub.reply);
  CHECK(at_node.request != at_node.reply);
  CHECK(at_node.request.size() == 32);
  IdleKeys impostor = SILIAN_TAKE(NodeIdleKeys(other, hub.public_key()));
  CHECK(impostor.request != at_hub.request);
  const std::string probe = "probe bytes";
  CHECK(IdleMacEqual(ProbeMac(at_node.request, probe), ProbeMac(at_hub.request, probe)));
  CHECK_FALSE(IdleMacEqual(ProbeMac(impostor.request, probe), ProbeMac(at_hub.request, probe)));
  CHECK_FALSE(IdleMacEqual(ProbeMac(at_node.request, probe + "x"), ProbeMac(at_hub.request, probe)));
  const std::string nonce = NewIdleNonce();
  CHECK(nonce.size() == kIdleNonceBytes);
  CHECK_FALSE(IdleMacEqual(AnswerMac(at_hub.reply, nonce, true), AnswerMac(at_hub.reply, nonce, false)));
  CHECK_FALSE(IdleMacEqual(AnswerMac(at_hub.reply, nonce, true), AnswerMac(at_hub.reply, NewIdleNonce(), true)));
  CHECK_FALSE(IdleMacEqual("short", "short"));
  auto bad = NodeIdleKeys(node, std::string(31, 'x'));
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("31 bytes"));
}

TEST_CASE("Idle digest: covers scope, epoch, cursor and every (origin, seq), in any entry order, not the hashes",
          "[net][idle]") {
  const pb::Frontier f = FrontierOf({{"a", 3}, {"b", 7}});
  const std::string d = IdleDigest("village", "152222104200", "e1", 10, f);
  CHECK(d.size() == kIdleDigestBytes);
  CHECK(IdleDigest("village", "152222104200", "e1", 10, FrontierOf({{"b", 7}, {"a", 3}})) == d);
  pb::Frontier hashed = f;
  hashed.mutable_entries(0)->set_hash(std::string(32, 'h'));
  CHECK(IdleDigest("village", "152222104200", "e1", 10, hashed) == d);
  CHECK(IdleDigest("village", "152222104201", "e1", 10, f) != d);
  CHECK(IdleDigest("township", "152222104200", "e1", 10, f) != d);
  CHECK(IdleDigest("village", "152222104200", "e2", 10, f) != d);
  CHECK(IdleDigest("village", "152222104200", "e1", 11, f) != d);
  CHECK(IdleDigest("village", "152222104200", "e1", 10, FrontierOf({{"a", 3}, {"b", 8}})) != d);
  CHECK(IdleDigest("village", "152222104200", "e1", 10, FrontierOf({{"a", 3}, {"b", 7}, {"c", 1}})) != d);
  // Length prefixes: moving a character from one field to the next changes the digest.
  CHECK(IdleDigest("village", "152222104200", "e1", 10, FrontierOf({{"a3", 1}})) !=
        IdleDigest("village", "152222104200", "e1", 10, FrontierOf({{"a", 31}})));
}

TEST_CASE("Receipts digest: a seq or chain hash that moved, at this level or upstream, changes it, and as_of_ms does not",
          "[net][idle]") {
  pb::Frontier receipt = FrontierOf({{"a", 3}});
  receipt.mutable_entries(0)->set_hash(std::string(32, '1'));
  pb::LevelReceipt city;
  city.set_level("city");
  city.set_hub_id("city-1");
  city.set_as_of_ms(1000);
  *city.add_entries() = receipt.entries(0);
  const std::string d = ReceiptsDigest(receipt, {city});
  pb::LevelReceipt later = city;
  later.set_as_of_ms(2000);
  CHECK(ReceiptsDigest(receipt, {later}) == d);
  later.mutable_entries(0)->set_seq(4);
  CHECK(ReceiptsDigest(receipt, {later}) != d);
  pb::Frontier other_hash = receipt;
  other_hash.mutable_entries(0)->set_hash(std::string(32, '2'));
  CHECK(ReceiptsDigest(other_hash, {city}) != d);
  CHECK(ReceiptsDigest(receipt, {}) != d);
}

}  // namespace
}  // namespace silian::sync
