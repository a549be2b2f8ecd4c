#include "base/hlc.h"

#include <catch2/catch.hpp>

#include "support/test_util.h"

namespace silian::sync {
namespace {

using test::kT0Ms;

TEST_CASE("HLC: a stamp carries the wall clock in its high bits and a counter in the low 16", "[hlc]") {
  Hlc h = Hlc::From(kT0Ms, 7);
  CHECK(h.physical_ms() == kT0Ms);
  CHECK(h.logical() == 7);
  CHECK(Hlc::From(kT0Ms, Hlc::kLogicalMax) < Hlc::From(kT0Ms + 1, 0));
}

TEST_CASE("HLC: stamps follow the wall clock when it moves forward", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc{});
  CHECK(clock.Now() == Hlc::From(kT0Ms, 0));
  wall.Set(kT0Ms + 250);
  CHECK(clock.Now() == Hlc::From(kT0Ms + 250, 0));
  CHECK(clock.last() == Hlc::From(kT0Ms + 250, 0));
}

TEST_CASE("HLC: stamps in the same millisecond count up the logical part", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc{});
  Hlc a = clock.Now();
  Hlc b = clock.Now();
  Hlc c = clock.Now();
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c == Hlc::From(kT0Ms, 2));
}

TEST_CASE("HLC: wall clock stepping back keeps stamps increasing", "[hlc]") {
  ManualWallClock wall(kT0Ms + 60'000);
  HybridClock clock(wall, Hlc{});
  Hlc before = clock.Now();
  wall.Set(kT0Ms);  // an NTP correction a minute back
  Hlc after1 = clock.Now();
  Hlc after2 = clock.Now();
  CHECK(before < after1);
  CHECK(after1 < after2);
  // The clock stays on the old physical time until the wall catches up, then follows it again.
  CHECK(after2.physical_ms() == kT0Ms + 60'000);
  wall.Set(kT0Ms + 60'001);
  Hlc caught_up = clock.Now();
  CHECK(caught_up == Hlc::From(kT0Ms + 60'001, 0));
  CHECK(after2 < caught_up);
}

TEST_CASE("HLC: stamps stay above the last stamp persisted before a restart", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  Hlc persisted = Hlc::From(kT0Ms + 5'000, 3);  // written by an earlier run whose wall clock was ahead
  HybridClock clock(wall, persisted);
  Hlc next = clock.Now();
  CHECK(persisted < next);
  CHECK(next == Hlc::From(kT0Ms + 5'000, 4));
}

TEST_CASE("HLC: a remote stamp within the skew limit is merged so the next local stamp sorts after it",
          "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc{}, /*max_forward_skew_ms=*/10'000);
  Hlc local = clock.Now();
  Hlc remote = Hlc::From(kT0Ms + 9'000, 42);  // another laptop's clock runs 9 s ahead
  CHECK(clock.Observe(remote));
  CHECK(clock.last() == remote);
  Hlc next = clock.Now();
  CHECK(local < remote);
  CHECK(remote < next);
  CHECK(next == Hlc::From(kT0Ms + 9'000, 43));
  CHECK(clock.max_skew_seen_ms() == 0);
}

TEST_CASE("HLC: a remote stamp exactly at the skew limit is still merged", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc{}, 10'000);
  Hlc remote = Hlc::From(kT0Ms + 10'000, 0);
  CHECK(clock.Observe(remote));
  CHECK(remote < clock.Now());
  CHECK(clock.max_skew_seen_ms() == 0);
}

TEST_CASE("HLC: a remote stamp behind the local clock does not move it", "[hlc]") {
  ManualWallClock wall(kT0Ms + 1'000);
  HybridClock clock(wall, Hlc{});
  Hlc local = clock.Now();
  CHECK(clock.Observe(Hlc::From(kT0Ms, 9)));
  CHECK(clock.last() == local);
  CHECK(local < clock.Now());
}

TEST_CASE("HLC: remote stamps far ahead do not drag the clock and the skew is recorded", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc{});  // default limit: 24 h
  REQUIRE(HybridClock::kDefaultMaxForwardSkewMs == 24ull * 3600 * 1000);
  Hlc local = clock.Now();
  const uint64_t ahead_ms = 3ull * 24 * 3600 * 1000;  // a laptop whose date is three days off
  Hlc remote = Hlc::From(kT0Ms + ahead_ms, 0);
  CHECK_FALSE(clock.Observe(remote));
  CHECK(clock.last() == local);
  Hlc next = clock.Now();
  CHECK(next.physical_ms() == kT0Ms);  // still on our own time, not three days ahead
  CHECK(local < next);
  CHECK(clock.max_skew_seen_ms() == ahead_ms);

  SECTION("the largest skew is kept") {
    CHECK_FALSE(clock.Observe(Hlc::From(kT0Ms + ahead_ms / 2, 0)));
    CHECK(clock.max_skew_seen_ms() == ahead_ms);
    CHECK_FALSE(clock.Observe(Hlc::From(kT0Ms + 2 * ahead_ms, 0)));
    CHECK(clock.max_skew_seen_ms() == 2 * ahead_ms);
  }
  SECTION("the recorded skew can be restored from storage") {
    HybridClock reopened(wall, clock.last());
    reopened.set_max_skew_seen_ms(clock.max_skew_seen_ms());
    CHECK(reopened.max_skew_seen_ms() == ahead_ms);
  }
}

TEST_CASE("HLC: the skew limit is configurable", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock strict(wall, Hlc{}, /*max_forward_skew_ms=*/1'000);
  CHECK_FALSE(strict.Observe(Hlc::From(kT0Ms + 1'001, 0)));
  CHECK(strict.max_skew_seen_ms() == 1'001);
  CHECK(strict.Now().physical_ms() == kT0Ms);
}

TEST_CASE("HLC: logical counter overflow borrows the next millisecond", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc::From(kT0Ms, Hlc::kLogicalMax - 1));
  Hlc last_in_ms = clock.Now();
  CHECK(last_in_ms == Hlc::From(kT0Ms, Hlc::kLogicalMax));
  Hlc borrowed = clock.Now();
  CHECK(borrowed == Hlc::From(kT0Ms + 1, 0));
  CHECK(last_in_ms < borrowed);
  // When the wall clock reaches the borrowed millisecond, stamps keep increasing there.
  wall.Set(kT0Ms + 1);
  Hlc next = clock.Now();
  CHECK(next == Hlc::From(kT0Ms + 1, 1));
}

TEST_CASE("HLC: a merged remote stamp with a full counter borrows the next millisecond", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc{});
  Hlc remote = Hlc::From(kT0Ms + 5, Hlc::kLogicalMax);
  REQUIRE(clock.Observe(remote));
  Hlc next = clock.Now();
  CHECK(remote < next);
  CHECK(next == Hlc::From(kT0Ms + 6, 0));
}

TEST_CASE("HLC: a long burst of stamps in one millisecond stays strictly increasing", "[hlc]") {
  ManualWallClock wall(kT0Ms);
  HybridClock clock(wall, Hlc{});
  Hlc prev = clock.Now();
  for (int i = 0; i < 200'000; ++i) {
    Hlc h = clock.Now();
    if (!(prev < h)) FAIL("stamp " << i << " (" << h.value << ") is not above " << prev.value);
    prev = h;
  }
  CHECK(prev == Hlc{Hlc::From(kT0Ms, 0).value + 200'000});  // borrowing is exactly +1 each time
}

TEST_CASE("HLC: random wall clock moves and remote stamps never make a stamp go back", "[hlc][random]") {
  for (uint64_t seed : test::Seeds(1, 200)) {
    INFO(test::SeedNote(seed));
    test::Rng rng(seed);
    ManualWallClock wall(kT0Ms);
    HybridClock clock(wall, Hlc{}, 60'000);
    Hlc prev{};
    Hlc highest_merged{};
    for (int step = 0; step < 300; ++step) {
      uint64_t now = wall.NowMs();
      if (rng.Percent(20) && now > kT0Ms + 10'000)
        wall.Set(now - rng.Between(1, 10'000));
      else
        wall.Set(now + rng.Between(0, 50));
      if (rng.Percent(30)) {
        uint64_t ahead = rng.Percent(10) ? rng.Between(60'001, 10'000'000) : rng.Between(0, 60'000);
        Hlc remote = Hlc::From(wall.NowMs() + ahead, rng.Below(Hlc::kLogicalMax + 1));
        bool merged = clock.Observe(remote);
        CHECK(merged == (ahead <= 60'000));
        if (merged && highest_merged < remote) highest_merged = remote;
      }
      Hlc h = clock.Now();
      CAPTURE(step);
      REQUIRE(prev < h);
      REQUIRE(highest_merged < h);
      prev = h;
    }
  }
}

}  // namespace
}  // namespace silian::sync
