// The commands of silian-node, independent of the command-line parser: main.cc maps arguments onto these
// option structs and calls one Run* function. Each writes its requested output to stdout (text, or one
// JSON document with --json), warnings and progress to stderr, and returns a Status whose message names
// the problem and the value; console::Program turns that into the one-line error and the exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "console/cases.h"
#include "console/support.h"
#include "console/views.h"
#include "base/status.h"

namespace silian::node {

using console::GlobalOptions;
using console::RunDigest;
using console::RunStatus;

struct InitOptions {
  std::string node_id;
  std::string level;
  std::string division;
  std::string device;  // "" = 01 without --enrol; with --enrol the hub allocates it
  std::string hub;  // optional hub URL
  std::string enrol;          // an enrolment code (node/enrol.h)
  std::string enrol_request;  // with enrol: write the offline request to this file instead of posting it
  std::string hub_ca, hub_pin;  // optional: how the hub is verified (settings hub_ca, hub_pin)
  std::string hub_key;  // optional, with --enrol: the hub's public key (base64) its signed answer must carry
};

struct ResolveOptions {
  std::string conflict_id;
  std::optional<std::string> value;
  std::optional<std::string> keep;  // an op id
  std::optional<std::string> actor;
};

struct BundleExportOptions {
  std::string file;
  std::optional<std::string> for_frontier_file;
  std::optional<std::string> holder_scope;  // --holder-scope: the clerk vouches for a holder wider than a village
  std::optional<std::string> to;            // --to NODE: seal the bundle for that node (default: --for's node)
};

struct SyncCommandOptions {
  std::vector<std::string> hubs;  // --hub URL (repeatable, or comma-separated): tried in order
  bool watch = false;
  double interval_s = 30;
};

// sync.cc
Status RunSync(const GlobalOptions& g, const SyncCommandOptions& o);
Status RunConfigSet(const GlobalOptions& g, const std::string& key, const std::string& value);
Status RunConfigShow(const GlobalOptions& g);

// commands.cc
Status RunInit(const GlobalOptions& g, const InitOptions& o);
Status RunConflicts(const GlobalOptions& g);
Status RunConflictsResolve(const GlobalOptions& g, const ResolveOptions& o);

// ui_cmd.cc: `ui [--port N] [--open]`, the web app on loopback (docs/ui.md).
struct UiOptions {
  int port = 8790;
  bool open = false;
};
Status RunUi(const GlobalOptions& g, const UiOptions& o);

// exchange.cc
Status RunBundleExport(const GlobalOptions& g, const BundleExportOptions& o);
Status RunBundleImport(const GlobalOptions& g, const std::string& file);
Status RunFrontierExport(const GlobalOptions& g, const std::string& file);

}  // namespace silian::node
