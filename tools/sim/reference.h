// Reference data changing during a run, as `silian-admin catalog import` and `calendar import` change it at
// a serving hub: the city revises part of its catalogue (new versions of some items, published in one
// transaction), and county hubs publish new versions of a local overlay calendar for their area. Every
// replica must end up holding every reference op of the areas that contain its scope (invariant 9).
// Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "silian.pb.h"
#include "sim/network.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "base/status.h"

namespace silian::sim {

class ReferenceUpdates {
 public:
  // `overlay` is the base of every county's local calendar (none: counties publish only their closures).
  // All references are borrowed.
  ReferenceUpdates(Network& net, Rng& rng, SimStats& stats, const std::optional<pb::Calendar>& overlay);

  // At 09:00 on working days, now and then: a catalogue revision at the city, a calendar at a county.
  // Errors: a store failure (kInternal), or a published item or calendar the store refuses (a bug here).
  Status Hour(int64_t hour);

 private:
  Status ReviseCatalogue();
  Status PublishLocalCalendar(int county);

  Network& net_;
  Rng& rng_;
  SimStats& stats_;
  std::optional<pb::Calendar> overlay_;
  std::map<int, std::set<std::string>> closures_;  // by county replica: local closure days published so far
};

}  // namespace silian::sim
