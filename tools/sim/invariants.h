// The invariants a settled network must satisfy (docs/simulator.md lists them with their numbers):
//   1 digest        every replica's digest equals the city's digest over that replica's scope
//   2 acknowledged  every op a hub acknowledged to a client (its receipt) is at the city
//   3 scope         no replica holds an op or a case outside its scope
//   4 case_numbers  every case number is unique network-wide, and every case created is at the city
//                   under the number its creator printed
//   5 report        the city's report over each county equals the county's own, and the city's total is
//                   the sum of the counties'
//   6 authored      every op any replica authored is at the city
//   7 integrity     no replica holds equivocations or ops still waiting for a gap (also checked during the
//                   run: failed imports change nothing, hubs never refuse a registered node)
//   8 rebuild       a fresh ledger of the city's scope that imports everything the city exports (so every
//                   case is folded once, from scratch) has the city's digest: the projections kept up op by
//                   op, batch by batch and across restarts equal a fold of the ops
//   9 reference     every replica holds every version of every catalogue item (the city publishes them)
//                   and the latest version of every calendar layer whose area contains its scope, as the
//                   city does: reference ops are outside every digest of a narrower scope
//  10 hostile     every request the byzantine laptop sends (sim/byzantine.h) is refused with a 4xx reply
//                  and changes nothing the hub stores (checked during the run)
// Invariant 0 (settle: the network stops moving ops) is checked by the simulator before these.
#pragma once

#include <vector>

#include "sim/network.h"
#include "sim/stats.h"
#include "sim/workload.h"
#include "domain/calendar.h"
#include "base/status.h"
#include "domain/workflow.h"

namespace silian::sim {

struct ReportPeriod {
  sync::Date from, to, today;
};

// The report total (sync/workflow.h) over the case views of `prefix` that `store` holds, with the calendars
// it holds: what `silian-hub report` prints as its total line.
Result<sync::ReportRow> ReportTotal(sync::LedgerStore& store, const std::string& prefix, const ReportPeriod& period);

// Checks invariants 1 to 9 and adds what is violated to `out`. `scratch` is a directory for the rebuilt
// ledger. Errors: kInternal when a ledger cannot be read or written (the check could not be made).
Status CheckInvariants(Network& net, const Acknowledgements& acks, const std::vector<CaseRecord>& cases,
                       const ReportPeriod& period, const std::string& scratch, Violations& out);

}  // namespace silian::sim
