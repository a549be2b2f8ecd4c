// Views parsed on several threads (domain/view_scan.h): every view reaches the sink once, each worker in
// reading order; an error of the sink, of a parse or of the source stops the pass and is returned; and a
// store's scan marks exactly the watched cases.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "domain/store.h"
#include "domain/view_scan.h"
#include "support/seeds.h"
#include "support/test_util.h"
#include "support/workload.h"

namespace silian::sync {
namespace {

using json = nlohmann::json;

// A source of `n` views {"n": i} of cases "c<i>", every third watched; `bad` (if < n) is not JSON.
ViewSource Numbered(size_t n, size_t bad = SIZE_MAX, std::atomic<size_t>* pushed = nullptr) {
  return [=](const std::function<Status(ViewText)>& push) -> Status {
    for (size_t i = 0; i < n; ++i) {
      if (pushed != nullptr) ++*pushed;
      std::string text = i == bad ? "{\"n\": " : "{\"n\": " + std::to_string(i) + "}";
      SILIAN_RETURN_IF_ERROR(push(ViewText{i, i % 3 == 0, "c" + std::to_string(i), std::move(text), ""}));
    }
    return Status::Ok();
  };
}

TEST_CASE("View scan: every view is parsed and handed on once, each worker's in reading order", "[view_scan]") {
  for (int workers : {1, 2, 4}) {
    CAPTURE(workers);
    std::mutex mutex;
    std::map<int, std::vector<size_t>> by_worker;
    size_t watched = 0;
    Status done = ParseViews(workers, Numbered(1000), [&](int worker, size_t ordinal, bool is_watched, const json& view) {
      std::lock_guard<std::mutex> lock(mutex);
      CHECK(worker >= 0);
      CHECK(worker < workers);
      CHECK(view.at("n").get<size_t>() == ordinal);
      CHECK(is_watched == (ordinal % 3 == 0));
      watched += is_watched ? 1 : 0;
      by_worker[worker].push_back(ordinal);
      return Status::Ok();
    });
    REQUIRE(done.ok());
    std::set<size_t> seen;
    size_t count = 0;
    for (const auto& [worker, ordinals] : by_worker) {
      CHECK(std::is_sorted(ordinals.begin(), ordinals.end()));
      seen.insert(ordinals.begin(), ordinals.end());
      count += ordinals.size();
    }
    CHECK(count == 1000);
    CHECK(seen.size() == 1000);
    CHECK(watched == 334);
  }
}

TEST_CASE("View scan: the first error of the sink, a parse or the source stops the pass and is returned",
          "[view_scan]") {
  for (int workers : {1, 3}) {
    CAPTURE(workers);
    std::atomic<size_t> pushed{0};
    Status sink_error = ParseViews(workers, Numbered(100000, SIZE_MAX, &pushed), [](int, size_t ordinal, bool, const json&) {
      return ordinal == 500 ? InvalidArgument("view 500 refused") : Status::Ok();
    });
    CHECK(sink_error.code() == StatusCode::kInvalidArgument);
    CHECK(sink_error.message() == "view 500 refused");
    CHECK(pushed.load() < 100000);  // reading stopped soon after, not at the end

    Status parse_error = ParseViews(workers, Numbered(1000, 700), [](int, size_t, bool, const json&) { return Status::Ok(); });
    CHECK(parse_error.code() == StatusCode::kDataLoss);
    CHECK_THAT(parse_error.message(), Catch::Contains("c700"));

    // A reader that throws on a view of a shape it does not expect fails the pass, naming the case; on a
    // worker thread it must not end the process.
    Status thrown = ParseViews(workers, Numbered(200), [](int, size_t ordinal, bool, const json& view) -> Status {
      if (ordinal == 150) (void)view.at("absent");
      return Status::Ok();
    });
    CHECK(thrown.code() == StatusCode::kInternal);
    CHECK_THAT(thrown.message(), Catch::Contains("c150"));

    Status source_error = ParseViews(
        workers,
        [](const std::function<Status(ViewText)>& push) -> Status {
          for (size_t i = 0; i < 100; ++i) SILIAN_RETURN_IF_ERROR(push(ViewText{i, false, "c", "{}", ""}));
          return Unavailable("the disk went away");
        },
        [](int, size_t, bool, const json&) { return Status::Ok(); });
    CHECK(source_error.code() == StatusCode::kUnavailable);
  }
}

TEST_CASE("View scan: a store's scan reads every case once in case id order and marks the watched ones",
          "[view_scan][random]") {
  for (uint64_t seed : test::Seeds(1, 4)) {
    INFO(test::SeedNote(seed));
    test::TempDir dir(test::TempDir::Where::kMemory);
    test::Rng rng(seed);
    std::vector<test::Replica> origins;
    for (int i = 0; i < 2; ++i)
      origins.push_back(test::MakeReplica(
          dir, test::NodeAt("o" + std::to_string(i + 1), Level::kVillage, test::kVillage, "0" + std::to_string(i + 1))));
    std::vector<test::Replica*> ptrs = {&origins[0], &origins[1]};
    test::Replica county = test::MakeCountyFor(dir, {origins[0].store.get(), origins[1].store.get()});
    for (auto& o : origins) test::Exchange(*county, *o.store);  // the catalogue
    test::Workload workload(rng, ptrs);
    for (int s = 0; s < 60; ++s) workload.Step();
    workload.FullExchange();
    LedgerStore& store = *origins[0].store;

    std::vector<std::string> all, watched;
    SILIAN_REQUIRE_OK(store.ForEachCaseView(store.scope(), [&](const json& v) {
      all.push_back(v.at("case_id").get<std::string>());
      return Status::Ok();
    }));
    SILIAN_REQUIRE_OK(store.ForEachWatchedCaseView(store.scope(), [&](const json& v) {
      watched.push_back(v.at("case_id").get<std::string>());
      return Status::Ok();
    }));
    REQUIRE(!all.empty());
    for (bool watched_only : {false, true}) {
      CAPTURE(watched_only);
      std::mutex mutex;
      std::map<size_t, std::pair<std::string, bool>> read;
      SILIAN_REQUIRE_OK(store.ScanCaseViews(store.scope(), watched_only, 3,
                                            [&](int, size_t ordinal, bool is_watched, const json& v) {
                                              std::lock_guard<std::mutex> lock(mutex);
                                              read[ordinal] = {v.at("case_id").get<std::string>(), is_watched};
                                              return Status::Ok();
                                            }));
      const std::vector<std::string>& expected = watched_only ? watched : all;
      REQUIRE(read.size() == expected.size());
      size_t i = 0;
      for (const auto& [ordinal, id_watched] : read) {
        CHECK(ordinal == i);
        CHECK(id_watched.first == expected[i]);
        CHECK(id_watched.second ==
              (std::find(watched.begin(), watched.end(), id_watched.first) != watched.end()));
        ++i;
      }
    }
  }
}

}  // namespace
}  // namespace silian::sync
