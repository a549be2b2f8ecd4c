// `silian-bench peer`: Silian side by side with PouchDB 9 + express-pouchdb on the same logical workload,
// in one run (issue 13, item 5).
//
// The workload: `cases` cases, each created and then updated `updates` times, an update being a status
// change plus a material (even updates) or a note (odd ones), so 1 + 2 x updates Silian ops a case
// (220,000 for the default 20,000 x 5). PouchDB's side is ../shared/peers/pouch_replicate.js: it writes the
// same cases as documents into an in-memory PouchDB, updates each `updates` times, and times the
// replication of the result over HTTP on loopback to an express-pouchdb server, counting the bytes with a
// TCP proxy. Silian's side: one township node authors the cases on its ledger (not timed), then one
// `silian-node sync`-style session pushes them to a county `silian-hub` on loopback, timed from the
// session's start to its end, bytes as libcurl counted them (headers included).
//
// Printed: both times, rates (logical ops per second) and byte counts, and the ratios against the targets
// (at least 4x PouchDB's rate, at least 6x fewer bytes). When node or the npm packages are missing, it
// prints how to install them and skips PouchDB's side (exit 0): the Silian figures are still printed.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace silian::bench {

inline constexpr double kTargetPeerRateRatio = 4;
inline constexpr double kTargetPeerBytesRatio = 6;

struct PeerBenchOptions {
  uint64_t seed = 20260105;
  uint64_t cases = 20000;
  int updates = 5;
  std::string script;        // empty: ../shared/peers/pouch_replicate.js beside the source tree
  std::string modules;       // a directory with node_modules/ holding the packages; empty: ~/.cache/silian-bench/peers
  std::string hub_bin;       // empty: ../hub/silian-hub next to this program's directory
  std::string dir;
  bool keep = false;
  bool json = false;
};

// The tiny setting of --smoke.
void ApplyPeerSmoke(PeerBenchOptions& options);

// kInvalidArgument for bad options or a missing hub; kInternal when a program, the session or the store
// fails, or the peer script fails or prints no figures.
Status RunPeer(const PeerBenchOptions& options, std::ostream& out, std::ostream& err);

}  // namespace silian::bench
