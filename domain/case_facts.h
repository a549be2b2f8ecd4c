// The typed record of what the clocks, the report and supervision read of a case (pb::CaseFacts,
// schema/stored.proto): taken from the case's view once, when the case is projected, and stored beside
// it (domain/case_tables.h), so that a pass over many cases (hub/area_pass.h) parses a small protobuf per
// case instead of its JSON view. The readers (domain/workflow.h, domain/responsibility.h) read this record
// only; their JSON forms convert first, so one reading of a view exists.
#pragma once

#include <nlohmann/json.hpp>

#include "stored.pb.h"

namespace silian::sync {

// The facts of a case view (either shape, view.h), read tolerantly: a key that is absent or holds a value
// of the wrong type reads as absent (an optional field unset, a string empty, an entry skipped):
//   times (timeline.*, entries' "time", suspensions' start and end, the extension's and the correction's
//   times) are integers >= 0; fee and subsidy entries need a time and an integer amount_fen; suspensions a
//   start; evaluations are objects; an evaluation's, the correction's and owed's presence is the key's
//   (whatever its value), their texts read from an object only; item is an object (absent otherwise: no
//   clocks); item.departments keeps its strings; first_extension is extensions[0] of a non-empty array.
// Pure and thread-safe; never throws.
pb::CaseFacts FactsOfView(const nlohmann::json& view);

}  // namespace silian::sync
