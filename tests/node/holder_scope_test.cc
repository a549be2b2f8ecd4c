// The rule of `bundle export --for` (node/holder_scope.h) on frontiers made by hand, for the facts a
// process test cannot easily set up: a holder the exporter's registry knows.
#include "node/holder_scope.h"

#include <catch2/catch.hpp>

namespace silian::node {
namespace {

pb::Frontier Holder(const std::string& node_id, const std::string& scope) {
  pb::Frontier f;
  f.set_node_id(node_id);
  f.set_scope(scope);
  return f;
}

HolderFacts AtTownship() {
  HolderFacts facts;
  facts.exporter_scope = "152222104";
  return facts;
}

TEST_CASE("Holder scope: a registered village holder may hold its own village and nothing wider", "[holder_scope]") {
  HolderFacts facts = AtTownship();
  facts.known = KnownHolder{sync::Level::kVillage, sync::DivisionCode{"152222104201"}, "peer registry"};
  auto own = CheckHolderScope(Holder("village-b", "152222104201"), facts, "b.frontier");
  REQUIRE(own.ok());
  CHECK(*own == "152222104201");
  auto other = CheckHolderScope(Holder("village-b", "152222104200"), facts, "b.frontier");
  REQUIRE_FALSE(other.ok());
  CHECK_THAT(other.status().message(),
             Catch::Contains("the peer registry has it as a village node of 152222104201, which may hold at most "
                             "scope \"152222104201\""));
  // The clerk cannot vouch past the registry.
  facts.vouched_scope = "152222104";
  CHECK_FALSE(CheckHolderScope(Holder("village-b", "152222104"), facts, "b.frontier").ok());
}

TEST_CASE("Holder scope: a registered township holder may hold its township without --holder-scope",
          "[holder_scope]") {
  HolderFacts facts = AtTownship();
  facts.known = KnownHolder{sync::Level::kTownship, sync::DivisionCode{"152222104000"}, "peer registry"};
  CHECK(CheckHolderScope(Holder("hall-2", "152222104"), facts, "h.frontier").ok());
  CHECK(CheckHolderScope(Holder("hall-2", "152222104200"), facts, "h.frontier").ok());
}

TEST_CASE("Holder scope: malformed entries are refused by index and value", "[holder_scope]") {
  pb::Frontier f = Holder("village-b", "152222104201");
  auto* e = f.add_entries();
  e->set_origin("hall");
  e->set_seq(18446744073709551615ull);
  auto r = CheckHolderScope(f, AtTownship(), "b.frontier");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("entries[0] (\"hall\") seq 18446744073709551615 is beyond"));
  e->set_seq(3);
  f.add_entries()->set_origin("hall");
  r = CheckHolderScope(f, AtTownship(), "b.frontier");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("entries[1] repeats origin \"hall\""));
  f.mutable_entries()->RemoveLast();
  f.add_entries()->set_origin("bad id\x1b");
  CHECK_FALSE(CheckHolderScope(f, AtTownship(), "b.frontier").ok());
  CHECK_FALSE(CheckHolderScope(Holder("", "152222104201"), AtTownship(), "b.frontier").ok());
}

}  // namespace
}  // namespace silian::node
