// silian-bench: performance figures of the replica core. Exit codes: 0 the measurement ran (whatever the
// figures), 1 an error while measuring, 2 bad usage.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "bench/bench_link.h"
#include "bench/bench_local.h"
#include "bench/bench_peer.h"
#include "bench/bench_queue.h"
#include "bench/bench_relay.h"
#include "bench/bench_seed.h"
#include "bench/bench_sync.h"

namespace {

// What the benchmarks that start their own hubs share: the hub program, the scratch directory, --keep
// (`kept` says what stays) and --json.
template <class Options>
void AddRunOptions(CLI::App* cmd, Options& o, const std::string& kept) {
  cmd->add_option("--hub-bin", o.hub_bin, "the silian-hub program (default: ../hub/silian-hub)");
  cmd->add_option("--dir", o.dir, "directory for scratch files (default: a temporary one, removed)");
  cmd->add_flag("--keep", o.keep, "keep the scratch directory" + kept);
  cmd->add_flag("--json", o.json, "print the figures as one JSON object");
}

}  // namespace

int main(int argc, char** argv) {
  // The bench's hubs run on 127.0.0.1 without a front: it measures the protocol over plain loopback HTTP.
  ::setenv("SILIAN_ALLOW_PLAIN_HTTP", "loopback", 1);
  CLI::App app{"silian-bench: performance figures of the Silian replica core"};
  app.require_subcommand(1);
  silian::bench::LocalOptions local;
  auto* cmd = app.add_subcommand(
      "local",
      "Authors a seeded township/village workload, then measures single-op durable commits, the import of a "
      "bundle of all its ops into an empty ledger, bundle bytes per op, and a plain-SQLite insert baseline");
  cmd->add_option("--seed", local.seed, "workload seed; the same seed gives the same ops")->capture_default_str();
  cmd->add_option("--ops", local.ops, "ops in the workload and its bundle")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10000000}));
  cmd->add_option("--durable-ops", local.durable_ops, "single-op durable commits to time")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  cmd->add_option("--villages", local.villages, "village agent points authoring besides the township hall")
      ->capture_default_str()
      ->check(CLI::Range(1, 8));
  cmd->add_option("--runs", local.runs, "import and baseline runs (alternating); medians are reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 99));
  cmd->add_option("--dir", local.dir,
                  "directory for scratch files (a fresh subdirectory is made and kept); default: a temporary "
                  "directory under /tmp, removed at the end");
  cmd->add_flag("--keep", local.keep, "keep the scratch directory");
  cmd->add_flag("--json", local.json, "print the figures as one JSON object");
  bool no_breakdown = false;
  cmd->add_flag("--no-breakdown", no_breakdown, "skip timing the pieces of an import alone");

  silian::bench::SyncBenchOptions sync;
  auto* sync_cmd = app.add_subcommand(
      "sync",
      "Runs silian-hub processes on loopback and measures hub ingest with many nodes pushing at once, wire "
      "bytes per op for pushes and pulls, the bytes of an idle sync, a fresh county hub catching up from the "
      "city, and a plain-SQLite insert baseline");
  sync_cmd->add_option("--seed", sync.seed, "workload seed; the same seed gives the same ops")->capture_default_str();
  sync_cmd->add_option("--nodes", sync.nodes, "township halls pushing at once, each on its own thread")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  sync_cmd->add_option("--ops-per-node", sync.ops_per_node, "ops each hall authors before it pushes")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  sync_cmd->add_option("--catchup-ops", sync.catchup_ops, "ops of the county at the city for the catch-up")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{20000000}));
  sync_cmd->add_option("--hub-bin", sync.hub_bin, "the silian-hub program (default: ../hub/silian-hub next to "
                                                  "this program's directory)");
  sync_cmd->add_option("--dir", sync.dir,
                       "directory for scratch files (a fresh subdirectory is made and kept); default: a temporary "
                       "directory under /tmp, removed at the end");
  sync_cmd->add_flag("--keep", sync.keep, "keep the scratch directory (ledgers and hub logs)");
  sync_cmd->add_flag("--json", sync.json, "print the figures as one JSON object");

  silian::bench::SeedOptions seed;
  auto* seed_cmd = app.add_subcommand(
      "seed",
      "Fills an existing node ledger with many cases (CreateCase and receive, as the app writes them), for "
      "measuring the app's pages on a busy hall's ledger");
  seed_cmd->add_option("--db", seed.db, "the node ledger to fill (unencrypted)")->required();
  seed_cmd->add_option("--item", seed.item_code, "an item code of the ledger's catalogue that the node may receive")
      ->required();
  seed_cmd->add_option("--cases", seed.cases, "cases to author")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  seed_cmd->add_option("--seed", seed.seed, "applicants' seed; the same seed gives the same applicants")
      ->capture_default_str();
  seed_cmd->add_option("--actor", seed.actor, "who authors the cases")->capture_default_str();
  bool not_received = false;
  seed_cmd->add_flag("--not-received", not_received, "leave the cases as drafts (no receive)");
  seed_cmd->add_flag("--json", seed.json, "print what was made as one JSON object");

  silian::bench::QueueOptions queue;
  auto* queue_cmd = app.add_subcommand(
      "queue",
      "Authors a township hall's ledger and times the window queue and supervision through the watch index of "
      "open cases, against parsing every stored case view, and the index's rebuild when an older ledger opens");
  queue_cmd->add_option("--seed", queue.seed, "workload seed")->capture_default_str();
  queue_cmd->add_option("--ops", queue.ops, "ops of the hall's workload (about 8 a case)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{10000000}));
  queue_cmd->add_option("--open-cases", queue.open_cases, "cases accepted on the last day besides the workload's")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1000000}));
  queue_cmd->add_option("--runs", queue.runs, "timed runs; medians are reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 99));
  queue_cmd->add_option("--dir", queue.dir, "directory for scratch files (default: a temporary one, removed)");
  queue_cmd->add_flag("--keep", queue.keep, "keep the scratch directory");
  queue_cmd->add_flag("--json", queue.json, "print the figures as one JSON object");

  silian::bench::LinkBenchOptions link;
  bool link_smoke = false;
  auto* link_cmd = app.add_subcommand(
      "link",
      "Pushes one node's ops to a county hub through silian-netem playing a bad link (bandwidth, round trip, "
      "loss, a cut every N seconds), retrying as `silian-node sync --watch` does, and prints the time against "
      "the bound 1.2 x (bytes / bandwidth) + 10 s and the batches re-sent per cut");
  link_cmd->add_option("--seed", link.seed, "workload seed")->capture_default_str();
  link_cmd->add_option("--ops", link.ops, "ops the node authors and pushes")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  link_cmd->add_option("--rate-kbit", link.rate_kbit, "bandwidth each way, kbit/s")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 10e6));
  link_cmd->add_option("--rtt-ms", link.rtt_ms, "round trip added")->capture_default_str()->check(CLI::Range(0.0, 10000.0));
  link_cmd->add_option("--loss-percent", link.loss_percent, "TCP segments lost (each retransmitted)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 50.0));
  link_cmd->add_option("--cut-every-s", link.cut_every_s, "reset every connection this often; 0 = never")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  link_cmd->add_option("--first-cut-s", link.first_cut_s, "when the first cut comes (then every --cut-every-s)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  link_cmd->add_flag("--fixed-batches", link.fixed_batches, "keep the client's default batch size (no adaptation)");
  link_cmd->add_flag("--smoke", link_smoke, "a tiny run (300 ops, 48 kbit/s, 40 ms, 1%, a cut at 1 s and every 2 s) for tests");
  link_cmd->add_option("--netem-bin", link.netem_bin, "the silian-netem program (default: netem/silian-netem)");
  AddRunOptions(link_cmd, link, " (ledgers, hub and proxy logs)");

  silian::bench::PeerBenchOptions peer;
  bool peer_smoke = false;
  auto* peer_cmd = app.add_subcommand(
      "peer",
      "Silian and PouchDB 9 + express-pouchdb on the same workload in one run (cases created and updated, "
      "pushed to a hub on loopback): both times, rates and byte counts, and the ratios against the targets");
  peer_cmd->add_option("--seed", peer.seed, "workload seed")->capture_default_str();
  peer_cmd->add_option("--cases", peer.cases, "cases")->capture_default_str()->check(
      CLI::Range(uint64_t{1}, uint64_t{1000000}));
  peer_cmd->add_option("--updates", peer.updates, "updates of each case (a status change plus a material or note)")
      ->capture_default_str()
      ->check(CLI::Range(0, 5));
  peer_cmd->add_option("--peer-script", peer.script, "pouch_replicate.js (default: ../shared/peers/ beside the source)");
  peer_cmd->add_option("--peer-modules", peer.modules,
                       "directory whose node_modules/ holds the npm packages (default: ~/.cache/silian-bench/peers)");
  peer_cmd->add_flag("--smoke", peer_smoke, "a tiny run (50 cases) for tests");
  AddRunOptions(peer_cmd, peer, "");

  silian::bench::RelayBenchOptions relay;
  bool relay_smoke = false;
  auto* relay_cmd = app.add_subcommand(
      "relay",
      "County hubs (13 by default), each holding a hall's ops, start at once with one city as parent: each "
      "relay's first session time (p50/p99), and the city's peak resident memory");
  relay_cmd->add_option("--seed", relay.seed, "workload seed")->capture_default_str();
  relay_cmd->add_option("--counties", relay.counties, "county hubs relaying at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 40));
  relay_cmd->add_option("--ops-per-county", relay.ops_per_county, "ops each county relays")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  relay_cmd->add_flag("--smoke", relay_smoke, "a tiny run (3 counties, 200 ops each) for tests");
  AddRunOptions(relay_cmd, relay, " (ledgers and hub logs)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  local.breakdown = !no_breakdown;
  if (link_smoke) {
    // --smoke sets the tiny workload; options given on the command line still win.
    silian::bench::LinkBenchOptions smoke = link;
    silian::bench::ApplyLinkSmoke(smoke);
    if (link_cmd->count("--ops") == 0) link.ops = smoke.ops;
    if (link_cmd->count("--rate-kbit") == 0) link.rate_kbit = smoke.rate_kbit;
    if (link_cmd->count("--rtt-ms") == 0) link.rtt_ms = smoke.rtt_ms;
    if (link_cmd->count("--loss-percent") == 0) link.loss_percent = smoke.loss_percent;
    if (link_cmd->count("--cut-every-s") == 0) link.cut_every_s = smoke.cut_every_s;
    if (link_cmd->count("--first-cut-s") == 0) link.first_cut_s = smoke.first_cut_s;
  }
  if (peer_smoke && peer_cmd->count("--cases") == 0) {
    silian::bench::PeerBenchOptions smoke = peer;
    silian::bench::ApplyPeerSmoke(smoke);
    peer.cases = smoke.cases;
  }
  if (relay_smoke) {
    silian::bench::RelayBenchOptions smoke = relay;
    silian::bench::ApplyRelaySmoke(smoke);
    if (relay_cmd->count("--counties") == 0) relay.counties = smoke.counties;
    if (relay_cmd->count("--ops-per-county") == 0) relay.ops_per_county = smoke.ops_per_county;
  }
  seed.received = !not_received;
  silian::Status s = seed_cmd->parsed()    ? silian::bench::RunSeed(seed, std::cout, std::cerr)
                     : queue_cmd->parsed() ? silian::bench::RunQueue(queue, std::cout, std::cerr)
                     : sync_cmd->parsed()  ? silian::bench::RunSync(sync, std::cout, std::cerr)
                     : relay_cmd->parsed() ? silian::bench::RunRelay(relay, std::cout, std::cerr)
                     : link_cmd->parsed() ? silian::bench::RunLink(link, std::cout, std::cerr)
                     : peer_cmd->parsed() ? silian::bench::RunPeer(peer, std::cout, std::cerr)
                                          : silian::bench::RunLocal(local, std::cout, std::cerr);
  if (!s.ok()) {
    std::cerr << "silian-bench: " << s.message() << "\n";
    return s.code() == silian::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
