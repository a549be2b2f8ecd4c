// The hub's read paths at the ledger: a read view (ledger/read_view.h) sees the last commit, cannot write,
// and answers while another connection holds the write lock; request nonces (ledger/request_nonces.h) keep
// refusing a replay after the file is opened again, and forget what the window no longer needs.
#include <sqlite3.h>

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "domain/store.h"
#include "ledger/read_view.h"
#include "ledger/request_nonces.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::NodeAt;
using test::TempDir;

TEST_CASE("Read view: it sees the last commit, refuses to write, and reads while another connection holds the "
          "write lock",
          "[read_view]") {
  TempDir dir;
  const std::string path = dir.File("hall.db");
  auto writer = SILIAN_TAKE(LedgerStore::Create(path, NodeAt("vil-a"), {}));
  SILIAN_TAKE(writer->CreateCase(test::SampleCase(1)));
  auto view = SILIAN_TAKE(LedgerStore::Open(path, {}));
  REQUIRE(MakeReadView(view->ledger()).ok());

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE; DELETE FROM peers;", nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto started = std::chrono::steady_clock::now();
  uint64_t ops = 0;
  Status read = RunRead(view->ledger(), [&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(auto f, view->ledger().GetFrontier());
    for (const auto& e : f.entries()) ops += e.seq();
    return Status::Ok();
  });
  const auto waited_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  INFO(read.message());
  REQUIRE(read.ok());
  CHECK(waited_ms < 1000);  // the writer's busy timeout is 10 s: this read did not wait for it
  CHECK(ops == 1);
  // A write on the view fails at once, whoever holds the lock.
  Status write = view->ledger().RunTransaction([&] { return view->ledger().SetMeta("x", "y"); });
  CHECK_FALSE(write.ok());
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  // A commit of the writer shows in the view's next read.
  SILIAN_TAKE(writer->CreateCase(test::SampleCase(2)));
  ops = 0;
  REQUIRE(RunRead(view->ledger(), [&]() -> Status {
            SILIAN_ASSIGN_OR_RETURN(auto f, view->ledger().GetFrontier());
            for (const auto& e : f.entries()) ops += e.seq();
            return Status::Ok();
          }).ok());
  CHECK(ops == 2);
  // The writer may still write: the lock the test held is gone.
  CHECK(TryTransaction(writer->ledger(), [&] { return writer->ledger().SetMeta("x", "y"); }, 100).ok());
}

TEST_CASE("Request nonces: a nonce is accepted once, also after the file is opened again, and old ones are "
          "forgotten",
          "[read_view][nonces]") {
  TempDir dir;
  const std::string path = RequestNonces::PathFor(dir.File("county.db"));
  {
    auto nonces = SILIAN_TAKE(RequestNonces::Open(path));
    CHECK(SILIAN_TAKE(nonces->Record("vil-a", "00ff", 1000, 0)));
    CHECK_FALSE(SILIAN_TAKE(nonces->Record("vil-a", "00ff", 1000, 0)));  // a replay
    CHECK(SILIAN_TAKE(nonces->Record("vil-b", "00ff", 1000, 0)));        // another node's nonce
  }
  auto reopened = SILIAN_TAKE(RequestNonces::Open(path));  // as after a restart
  CHECK_FALSE(SILIAN_TAKE(reopened->Record("vil-a", "00ff", 1000, 0)));
  // Forgetting those stamped before 60,000 ms (the window has passed them): the pair is new again.
  CHECK(SILIAN_TAKE(reopened->Record("vil-c", "0a0a", 70000, 60000)));
  CHECK(SILIAN_TAKE(reopened->Record("vil-a", "00ff", 70000, 60000)));
}

}  // namespace
}  // namespace silian::sync
