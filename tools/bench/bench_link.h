// `silian-bench link`: a node's ops pushed to a county hub over a bad link (issue 13, item 6).
//
// A county `silian-hub` serves on loopback; `silian-netem` (tools/netem) sits between it and the node and
// plays the link: by default 2 Mbit/s each way, 300 ms round trip, 1% of TCP segments lost (each one
// retransmitted, holding up the stream behind it), and every connection reset every 30 s. One node (a
// township hall's window workload, authored as `silian-bench sync` authors it) then syncs through the
// proxy as `silian-node sync --watch` would: a session, and after a failure the next one (the first retry
// after 1 s, as the node's backoff begins), until a session has pushed everything. Between sessions the
// push batch size adapts to the link (console/link_batch.h): the goodput and bytes per op of the pushes
// seen, the round trip, and the uptime before a cut.
//
// Printed: the time from the first session's start to the last one's end, the bytes through the link
// each way, the bound 1.2 x (bytes / bandwidth) + 10 s (bytes: the larger direction), the cuts that hit
// the node, the push requests lost to them (batches re-sent) per cut, the ops the hub was sent again,
// and the batch sizes used. The first cut comes 3 s in (--first-cut-s), while the push is under way:
// 20,000 ops take a few seconds at 2 Mbit/s, so cuts 30 s apart counted from the start would never hit it. Checked (an error, not a figure): the hub holds every op afterwards.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace silian::bench {

struct LinkBenchOptions {
  uint64_t seed = 20260105;
  uint64_t ops = 20000;
  double rate_kbit = 2000;
  double rtt_ms = 300;
  double loss_percent = 1;
  double cut_every_s = 30;
  double first_cut_s = 3;      // the first cut, into the transfer (a 20,000-op push takes a few seconds)
  bool fixed_batches = false;  // keep the client's default batch size (for comparison)
  std::string dir;             // empty: a fresh mkdtemp directory under /tmp, removed at the end
  std::string hub_bin;         // empty: ../hub/silian-hub next to this program's directory
  std::string netem_bin;       // empty: netem/silian-netem in this program's directory
  bool keep = false;
  bool json = false;
};

// The tiny setting of --smoke: a few hundred ops over a slow, short-lived link, for the tests.
void ApplyLinkSmoke(LinkBenchOptions& options);

// Runs it; figures on `out`, progress on `err`. kInvalidArgument for bad options or a missing program;
// kInternal when a program, a session or the store fails, or the hub lacks ops at the end.
Status RunLink(const LinkBenchOptions& options, std::ostream& out, std::ostream& err);

}  // namespace silian::bench
