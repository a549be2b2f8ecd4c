#include "ui/internal/refusals.h"

#include <utility>
#include <vector>

#include "domain/case_model.h"
#include "domain/catalog.h"
#include "ui/internal/clerk_api.h"

namespace silian::ui::internal {
namespace {

using nlohmann::json;

json Rule(const char* rule, json params) { return json{{"rule", rule}, {"params", std::move(params)}}; }

std::string Text(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

json ClassifyActRefusal(sync::LedgerStore& store, const std::string& ref, const json& body) {
  if (!body.is_object()) return nullptr;
  const std::string action_text = Text(body, "action");
  auto action = sync::ParseAction(action_text);
  auto view = store.ShowCase(ref);
  if (!action.ok() || !view.ok()) return nullptr;
  auto status = sync::ParseCaseStatus(view->value("status", ""));
  if (!status.ok()) return nullptr;
  if (!sync::NextStatus(*status, *action)) return Rule("status_forbids", {{"action", action_text}, {"status", view->value("status", "")}});
  if (!sync::CheckTransition(*status, *action, Text(body, "reason")).ok()) return Rule("reason_required", {{"action", action_text}});
  std::vector<std::pair<std::string, std::string>> details;
  if (body.contains("details") && body["details"].is_object())
    for (const auto& [key, value] : body["details"].items())
      if (value.is_string()) details.emplace_back(key, value.get<std::string>());
  if (!sync::CheckDetails(*action, details).ok()) return Rule("detail_invalid", {{"action", action_text}});
  if (view->contains("item")) {
    pb::ItemTerms terms;
    terms.set_exercise_level((*view)["item"].value("exercise_level", ""));
    if (!sync::CheckAuthority(terms, action_text, sync::LevelName(store.config().level)).ok())
      return Rule("no_authority", {{"action", action_text}, {"level", terms.exercise_level()}});
  }
  return nullptr;
}

json ClassifyInstantRefusal(sync::LedgerStore& store, const json& body) {
  if (!body.is_object() || !body.contains("instant") || body["instant"] != true) return nullptr;
  auto item = store.FindItem(Text(body, "item_code"), std::nullopt);
  if (!item.ok()) return nullptr;
  const pb::ItemTerms terms = sync::TermsFor(*item, store.config().division.value);
  for (const char* step : kInstantSteps)
    if (!sync::CheckAuthority(terms, step, sync::LevelName(store.config().level)).ok())
      return Rule("no_authority", {{"action", step}, {"level", terms.exercise_level()}});
  return nullptr;
}

}  // namespace silian::ui::internal
