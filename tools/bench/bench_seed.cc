#include "bench/bench_seed.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "bench/bench_util.h"
#include "bench/workload.h"
#include "domain/store.h"
#include "domain/workflow.h"

namespace silian::bench {

Status RunSeed(const SeedOptions& o, std::ostream& out, std::ostream& err) {
  if (o.db.empty()) return InvalidArgument("--db is required: the node ledger to fill");
  if (o.item_code.empty()) return InvalidArgument("--item is required: an item code of the ledger's catalogue");
  if (o.cases == 0) return InvalidArgument("--cases 0: nothing to seed");
  sync::LedgerStore::Options so;
  so.durable = false;
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Open(o.db, so));
  Rng rng(o.seed);
  const auto t0 = std::chrono::steady_clock::now();
  std::string first, last;
  for (uint64_t i = 0; i < o.cases; ++i) {
    sync::NewCase c;
    c.item_code = o.item_code;
    c.applicant_name = MakeName(rng);
    c.applicant_id = MakeResidentId(rng);
    c.phone = MakePhone(rng);
    c.channel = "agent";
    c.actor = o.actor;
    auto made = store->CreateCase(c);
    if (!made.ok())
      return Status(made.status().code(), "case " + std::to_string(i + 1) + " of " + std::to_string(o.cases) + ": " +
                                              made.status().message());
    if (o.received)
      SILIAN_RETURN_IF_ERROR(store->Act(made->case_id.value, sync::Action::kReceive, "", o.actor).status());
    if (first.empty()) first = made->case_number;
    last = made->case_number;
    if ((i + 1) % 1000 == 0 || i + 1 == o.cases)
      err << "silian-bench seed: " << Grouped(i + 1) << "/" << Grouped(o.cases) << " cases" << std::endl;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (o.json) {
    out << nlohmann::json{{"db", o.db}, {"cases", o.cases}, {"item", o.item_code}, {"received", o.received},
                          {"first_case_number", first}, {"last_case_number", last}, {"seconds", seconds}}
               .dump()
        << '\n';
  } else {
    out << "seeded " << Grouped(o.cases) << " cases of item " << o.item_code << " into " << o.db << " in "
        << Fixed(seconds, 1) << " s (" << first << " .. " << last << ")\n";
  }
  return Status::Ok();
}

}  // namespace silian::bench
