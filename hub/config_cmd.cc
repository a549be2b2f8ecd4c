// `config set | show`: the settings a hub keeps in its ledger, each checked before it is stored.
#include <algorithm>
#include <iostream>
#include <utility>
#include <vector>

#include "console/render.h"
#include "domain/notice_templates.h"
#include "domain/workflow.h"
#include "http/curl_transport.h"
#include "hub/commands.h"
#include "hub/notifier.h"

namespace silian::hub {
namespace {

// Settings a hub keeps in its ledger, with what each accepts.
const std::vector<std::pair<std::string, std::string>>& HubSettings() {
  static const std::vector<std::pair<std::string, std::string>> settings = {
      {"parent", "URL of the hub above"},
      {"hub_ca", "PEM file of the CA that signed the parent's certificate (absolute path stored)"},
      {"hub_pin", "sha256//BASE64 pin of the parent's public key (silian-hub ca pin)"},
      {"notify", "on or off: create notices to applicants for case events (one hub per area should)"},
      {"notify-url", "http(s) URL of the SMS gateway notices are posted to (empty: write them to notify-log)"},
      {"notify-log", "file notices are appended to when no gateway is set (default: notices.log next to the ledger)"},
      {"rectification-days", "working days to rectify after a negative evaluation (default 15)"},
      {"transit-days", "working days a village point has to forward a case to the competent organ (default 2)"},
  };
  return settings;
}

// OK when `value` is one `key` accepts; kInvalidArgument naming the value otherwise.
Status CheckSetting(const std::string& key, const std::string& value) {
  if (key == "parent" && !value.empty()) {
    SILIAN_RETURN_IF_ERROR(sync::ValidateHubUrl(value));
    return sync::CheckPlainHttp(value);
  }
  if (key == "notify" && value != "on" && value != "off")
    return InvalidArgument("notify " + Quote(value) + " must be on or off");
  if (key == "notify-url" && !value.empty()) return ValidateGatewayUrl(value);
  if (key == "rectification-days" || key == "transit-days") return sync::ParseRectificationDays(key, value).status();
  return Status::Ok();
}

// `config set notice-template.ID.LANG TEXT`: the text replaces that template's built-in one in the
// applicant notices this hub makes (domain/notice_templates.h); an empty TEXT goes back to the built-in one.
Status SetNoticeTemplate(const GlobalOptions& g, const std::string& key, const std::string& value) {
  SILIAN_ASSIGN_OR_RETURN(auto which, sync::ParseNoticeTemplateSetting(key));
  if (!value.empty()) SILIAN_RETURN_IF_ERROR(sync::CheckNoticeTemplate(which, value));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_RETURN_IF_ERROR(store->SetSetting(key, value));
  if (!g.json) std::cout << key << " = " << (value.empty() ? "(built-in text)" : value) << "\n";
  return Status::Ok();
}

// The notice template overrides stored, each with whether it is used (a value stored under other rules, or
// by hand, is not: the built-in text goes out).
Status AddNoticeTemplateOverrides(sync::LedgerStore& store, nlohmann::json* out,
                                  std::vector<std::vector<std::string>>* rows) {
  for (const auto& t : sync::NoticeTemplates())
    for (sync::Language language : {sync::Language::kChinese, sync::Language::kMongolian}) {
      const std::string key = sync::NoticeTemplateSetting(t.id, language);
      SILIAN_ASSIGN_OR_RETURN(auto value, store.GetSetting(key));
      if (!value || value->empty()) continue;
      Status valid = sync::CheckNoticeTemplate({t.id, language}, *value);
      (*out)[key] = *value;
      if (!valid.ok()) (*out)[key + ".refused"] = valid.message();
      rows->push_back({key, *value, valid.ok() ? "notice text override (in use)"
                                               : "NOT USED (built-in text goes out): " + valid.message()});
    }
  return Status::Ok();
}

}  // namespace

Status RunConfigSet(const GlobalOptions& g, const std::string& key, const std::string& value) {
  if (sync::IsNoticeTemplateSetting(key)) return SetNoticeTemplate(g, key, value);
  const auto& settings = HubSettings();
  auto it = std::find_if(settings.begin(), settings.end(), [&](const auto& s) { return s.first == key; });
  if (it == settings.end()) {
    std::string names;
    for (const auto& s : settings) names += (names.empty() ? "" : ", ") + s.first;
    return InvalidArgument("setting " + Quote(key) + " is not one of: " + names + ", notice-template.ID.LANG");
  }
  SILIAN_RETURN_IF_ERROR(CheckSetting(key, value));
  std::string stored = value;
  if (key == sync::kHubCaSetting || key == sync::kHubPinSetting) {
    SILIAN_ASSIGN_OR_RETURN(stored, sync::HubTrustSettingValue(key, value));
  }
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_RETURN_IF_ERROR(store->SetSetting(key, stored));
  if (!g.json) std::cout << key << " = " << stored << "\n";
  return Status::Ok();
}

Status RunConfigShow(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::vector<std::string>> rows = {{"SETTING", "VALUE", "MEANING"}};
  for (const auto& [key, meaning] : HubSettings()) {
    SILIAN_ASSIGN_OR_RETURN(auto value, store->GetSetting(key));
    out[key] = value ? *value : "";
    rows.push_back({key, value ? *value : std::string("-"), meaning});
  }
  SILIAN_RETURN_IF_ERROR(AddNoticeTemplateOverrides(*store, &out, &rows));
  if (g.json) {
    console::PrintJson(out);
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

}  // namespace silian::hub
