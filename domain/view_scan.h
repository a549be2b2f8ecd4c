// Reading many stored cases at once (reports, supervision, the dashboard): the store's connection reads
// each case's stored text on the calling thread while `workers` threads parse it and hand it on. What is
// read is either the case's view (JSON) or its facts (domain/case_facts.h: a small protobuf, what the
// report and supervision read), so a pass over 10,000 cases takes about 1/workers of the time it takes on
// one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "stored.pb.h"

namespace silian::sync {

// One stored case as read: its place in the reading order (0, 1, ...), whether the case is in the watch
// index (domain/case_watch.h), and its view's JSON text (unsealed); in a pass over facts, its facts as
// stored (serialized pb::CaseFacts, unsealed), and the view's text only when they are not written yet
// (domain/case_tables.h, StoredFacts).
struct ViewText {
  size_t ordinal = 0;
  bool watched = false;
  std::string case_id;
  std::string text;
  std::string facts;
};

// Called for each view parsed, on worker `worker` (0 to workers - 1). Calls of one worker are sequential
// and in reading order; calls of different workers run at once, so what a sink writes is kept per worker.
using ViewSink = std::function<Status(int worker, size_t ordinal, bool watched, const nlohmann::json& view)>;
// Reads the views on the calling thread: calls `push` for each, in order; stops when `push` fails.
using ViewSource = std::function<Status(const std::function<Status(ViewText)>& push)>;

// Runs `source` on the calling thread and parses what it pushes on `workers` threads (on the calling thread
// alone when workers is 1), calling `sink` for each. The first error of the source, of a parse (kDataLoss
// naming the case) or of the sink (an exception it throws is kInternal naming the case) stops the pass and
// is returned; views read after it are dropped.
Status ParseViews(int workers, const ViewSource& source, const ViewSink& sink);

// As ParseViews, each case's facts parsed (CaseTables::ParseFacts: from `facts`, else from `text`).
using FactsSink = std::function<Status(int worker, size_t ordinal, bool watched, const pb::CaseFacts& facts)>;
Status ParseFacts(int workers, const ViewSource& source, const FactsSink& sink);

// How many workers a pass uses: the machine's hardware threads, 1 to 4.
int ViewScanWorkers();

}  // namespace silian::sync
