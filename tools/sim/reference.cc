#include "sim/reference.h"

#include <algorithm>
#include <vector>

#include "domain/calendar.h"
#include "domain/store.h"

namespace silian::sim {
namespace {

// A promised limit one step shorter (or, at 1, one longer when the legal limit allows): a new version.
bool Revise(pb::Item& item) {
  pb::Limit* promised = item.mutable_promised_limit();
  const pb::Limit& legal = item.legal_limit();
  if (item.instant() || promised->value() == 0) return false;
  if (promised->value() > 1) {
    promised->set_value(promised->value() - 1);
    return true;
  }
  if (legal.unit() == promised->unit() && legal.value() < 2) return false;
  promised->set_value(2);
  return true;
}

}  // namespace

ReferenceUpdates::ReferenceUpdates(Network& net, Rng& rng, SimStats& stats, const std::optional<pb::Calendar>& overlay)
    : net_(net), rng_(rng), stats_(stats), overlay_(overlay) {}

Status ReferenceUpdates::Hour(int64_t hour) {
  if (hour % 24 != 9 || (hour / 24) % 7 >= 5) return Status::Ok();
  if (rng_.Percent(15)) SILIAN_RETURN_IF_ERROR(ReviseCatalogue());
  if (rng_.Percent(15)) SILIAN_RETURN_IF_ERROR(PublishLocalCalendar(rng_.Pick(net_.counties())));
  return Status::Ok();
}

// The city changes the promised limit of some items (a few, or most of the catalogue) in one import.
Status ReferenceUpdates::ReviseCatalogue() {
  sync::LedgerStore& city = net_.store(Network::kCity);
  net_.Advance(60 * 1000);
  net_.Tick(Network::kCity);
  SILIAN_ASSIGN_OR_RETURN(std::vector<pb::Item> items, city.CatalogItems(false));
  rng_.Shuffle(items);
  items.resize(static_cast<size_t>(rng_.Between(1, static_cast<int64_t>(items.size()))));
  std::vector<pb::Item> changed;
  for (auto& item : items) {
    if (!Revise(item)) continue;
    item.set_version(0);  // the next version
    changed.push_back(std::move(item));
  }
  if (changed.empty()) return Status::Ok();
  SILIAN_ASSIGN_OR_RETURN(auto published, city.PublishItems(std::move(changed), "admin"));
  stats_.ops_authored += published.published.size();
  stats_.authored["publish:item"] += published.published.size();
  return Status::Ok();
}

// A county closes its halls for a local reason on one more day: a new version of its "local" overlay.
Status ReferenceUpdates::PublishLocalCalendar(int county) {
  auto& closures = closures_[county];
  sync::Date first = sync::DateOfUnixMs(net_.now_ms());
  for (int tries = 0; tries < 10; ++tries) {
    sync::Date day = sync::AddDays(first, static_cast<int32_t>(rng_.Between(1, 120)));
    if (sync::YearOf(day) != 2026 || sync::Weekday(day) >= 5) continue;
    closures.insert(sync::FormatDate(day));
    break;
  }
  pb::Calendar calendar;
  calendar.set_name("local");
  calendar.add_years(2026);
  std::map<std::string, pb::CalendarDay> days;
  if (overlay_)
    for (const auto& d : overlay_->days()) days[d.date()] = d;
  for (const auto& date : closures) {
    pb::CalendarDay d;
    d.set_date(date);
    d.set_working(false);
    d.set_reason("local closure");
    days.emplace(date, d);
  }
  for (auto& [date, d] : days) *calendar.add_days() = std::move(d);
  net_.Advance(60 * 1000);
  net_.Tick(static_cast<size_t>(county));
  SILIAN_ASSIGN_OR_RETURN(bool published, net_.store(static_cast<size_t>(county)).PublishCalendar(calendar, "admin"));
  stats_.ops_authored += published ? 1 : 0;
  stats_.authored["publish:calendar"] += published ? 1 : 0;
  return Status::Ok();
}

}  // namespace silian::sim
