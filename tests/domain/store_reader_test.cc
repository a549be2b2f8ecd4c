// The store's read path (domain/store_reader.h, ledger/reader.h): a second connection that sees the last
// commit and never waits for the writer.
#include "domain/store_reader.h"

#include <catch2/catch.hpp>
#include <string>

#include "domain/store.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::MakeReplica;
using test::NodeAt;
using test::TempDir;

bool Lists(const std::vector<Peer>& peers, const std::string& node) {
  for (const auto& p : peers)
    if (p.node_id.value == node) return true;
  return false;
}

TEST_CASE("StoreReader: its status is the writer's, from its own connection", "[store][reader]") {
  TempDir dir;
  auto r = MakeReplica(dir, NodeAt("th-1", Level::kTownship, test::kTownship));
  SILIAN_TAKE(r->CreateCase(test::CaseIn(1, test::kVillage)));
  SILIAN_TAKE(r->CreateCase(test::CaseIn(2, test::kOtherVillage)));
  auto reader = SILIAN_TAKE(r->OpenReader());
  const StoreStatus w = SILIAN_TAKE(r->GetStatus());
  const StoreStatus s = SILIAN_TAKE(reader->GetStatus());
  CHECK(s.config.node_id == w.config.node_id);
  CHECK(s.scope == w.scope);
  CHECK(s.op_count == w.op_count);
  CHECK(s.op_count >= 2);
  CHECK(s.case_count == 2);
  CHECK(s.case_count == w.case_count);
  CHECK(s.pending_count == w.pending_count);
  CHECK(s.open_conflicts == w.open_conflicts);
  CHECK(s.frontier.SerializeAsString() == w.frontier.SerializeAsString());
  CHECK(SILIAN_TAKE(reader->ListCases(CaseFilter())).size() == 2);
}

TEST_CASE("StoreReader: a write transaction in progress neither blocks it nor shows until it commits",
          "[store][reader]") {
  TempDir dir;
  auto r = MakeReplica(dir, NodeAt("county-a", Level::kCounty, test::kCounty));
  auto reader = SILIAN_TAKE(r->OpenReader());
  const uint64_t ops_before = SILIAN_TAKE(reader->GetStatus()).op_count;
  Peer peer;
  peer.node_id = NodeId{"vil-a1"};
  peer.level = Level::kVillage;
  peer.division = DivisionCode{test::kVillage};
  Status written = r->ledger().RunTransaction([&]() -> Status {
    SILIAN_RETURN_IF_ERROR(r->ledger().peers().Add(peer));
    // Inside the writer's open transaction: the reader answers, from the last commit.
    CHECK_FALSE(Lists(SILIAN_TAKE(reader->ListPeers()), "vil-a1"));
    CHECK(SILIAN_TAKE(reader->GetStatus()).op_count == ops_before);
    return Status::Ok();
  });
  REQUIRE(written.ok());
  CHECK(Lists(SILIAN_TAKE(reader->ListPeers()), "vil-a1"));
  SILIAN_TAKE(r->CreateCase(test::CaseIn(1, test::kVillage)));
  CHECK(SILIAN_TAKE(reader->GetStatus()).op_count == ops_before + 1);
  CHECK(SILIAN_TAKE(reader->GetStatus()).case_count == 1);
}

}  // namespace
}  // namespace silian::sync
