#include "i18n/catalogue.h"

#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace silian::i18n {
namespace {

// The longest a parameter's value is shown, in characters.
constexpr size_t kMaxParamChars = 80;

bool NameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// The placeholder name that starts at text[at] == '{', or "" when none does.
std::string_view PlaceholderAt(std::string_view text, size_t at) {
  size_t end = at + 1;
  while (end < text.size() && NameChar(text[end])) ++end;
  if (end == at + 1 || end >= text.size() || text[end] != '}') return {};
  return text.substr(at + 1, end - at - 1);
}

// `value` cut to kMaxParamChars characters (never inside a UTF-8 sequence), "…" marking the cut.
std::string Shortened(const std::string& value) {
  size_t chars = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    if ((static_cast<unsigned char>(value[i]) & 0xC0) == 0x80) continue;
    if (chars++ == kMaxParamChars) return value.substr(0, i) + "…";
  }
  return value;
}

// The catalogue's prefix for the values of an enumerated parameter, or nullptr.
const char* EnumPrefix(std::string_view param) {
  if (param == "action") return "action.";
  if (param == "status") return "status.";
  if (param == "level" || param == "node_level") return "level.";
  if (param == "field") return "field.";
  if (param == "id_type") return "idtype.";
  if (param == "detail") return "case.";
  if (param == "stage") return "stage.";
  if (param == "channel") return "channel.";
  return nullptr;
}

Status CheckText(const std::string& key, const std::string& lang, std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}' || (text[i] == '{' && PlaceholderAt(text, i).empty()))
      return InvalidArgument("message " + Quote(key) + " in " + Quote(lang) + " has an unbalanced brace at byte " +
                             std::to_string(i) + "; a placeholder is {name} of a-z, 0-9 and '_'");
    if (text[i] == '{') i += PlaceholderAt(text, i).size() + 1;
  }
  return Status::Ok();
}

}  // namespace

std::string_view CatalogueJson() {
  for (size_t i = 0; i < kCatalogueFilesCount; ++i)
    if (std::strcmp(kCatalogueFiles[i].name, "messages.json") == 0)
      return {reinterpret_cast<const char*>(kCatalogueFiles[i].data), kCatalogueFiles[i].size};
  SILIAN_CHECK(false);  // the build embeds messages.json
  return {};
}

const char* LangName(Lang lang) {
  switch (lang) {
    case Lang::kZh: return "zh";
    case Lang::kMn: return "mn";
    case Lang::kEn: return "en";
  }
  return "en";
}

Result<Lang> ParseLang(std::string_view name) {
  if (name == "zh") return Lang::kZh;
  if (name == "mn") return Lang::kMn;
  if (name == "en") return Lang::kEn;
  return InvalidArgument("language " + Quote(name) + " is not one of: zh, mn, en");
}

Lang LangOfLocale(const char* lc_all, const char* lc_messages, const char* lang) {
  for (const char* v : {lc_all, lc_messages, lang}) {
    if (v == nullptr || *v == '\0') continue;
    std::string_view locale(v);
    if (locale.starts_with("zh")) return Lang::kZh;
    if (locale.starts_with("mn")) return Lang::kMn;
    return Lang::kEn;
  }
  return Lang::kEn;
}

Result<Catalogue> Catalogue::Parse(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("the message catalogue is not one JSON object");
  auto languages = doc.find("languages");
  auto messages = doc.find("messages");
  if (languages == doc.end() || !languages->is_object())
    return InvalidArgument("the message catalogue has no \"languages\" object");
  if (messages == doc.end() || !messages->is_object())
    return InvalidArgument("the message catalogue has no \"messages\" object");
  Catalogue c;
  for (const auto& [key, entry] : messages->items()) {
    if (!entry.is_object()) return InvalidArgument("message " + Quote(key) + " is not an object of texts");
    auto& texts = c.messages_[key];
    for (const auto& [lang, text] : entry.items()) {
      if (!languages->contains(lang))
        return InvalidArgument("message " + Quote(key) + " has a text in " + Quote(lang) + ", not a language of the catalogue");
      if (!text.is_string()) return InvalidArgument("message " + Quote(key) + " in " + Quote(lang) + " is not a string");
      SILIAN_RETURN_IF_ERROR(CheckText(key, lang, text.get<std::string>()));
      texts[lang] = text.get<std::string>();
    }
  }
  return c;
}

const Catalogue& Catalogue::Embedded() {
  static const Catalogue* embedded = [] {
    auto parsed = Parse(CatalogueJson());
    if (!parsed.ok()) CheckFailed(__FILE__, __LINE__, parsed.status().message().c_str());
    return new Catalogue(std::move(parsed).value());
  }();
  return *embedded;
}

std::optional<std::string> Catalogue::Find(std::string_view key, Lang lang) const {
  auto entry = messages_.find(key);
  if (entry == messages_.end()) return std::nullopt;
  auto text = entry->second.find(LangName(lang));
  if (text == entry->second.end()) return std::nullopt;
  return text->second;
}

std::vector<std::string> Catalogue::Keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, texts] : messages_) keys.push_back(key);
  return keys;
}

std::vector<std::string> Catalogue::Placeholders(std::string_view text) {
  std::vector<std::string> names;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    std::string_view name = PlaceholderAt(text, i);
    if (name.empty()) continue;
    names.emplace_back(name);
    i += name.size() + 1;
  }
  return names;
}

std::optional<std::string> Catalogue::Say(std::string_view key, Lang lang,
                                          const std::vector<std::pair<std::string, std::string>>& params,
                                          Values values) const {
  std::optional<std::string> text = Find(key, lang);
  if (!text) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text->size(); ++i) {
    std::string_view name = (*text)[i] == '{' ? PlaceholderAt(*text, i) : std::string_view();
    const std::pair<std::string, std::string>* param = nullptr;
    for (const auto& p : params)
      if (!name.empty() && p.first == name) param = &p;
    if (param == nullptr) {
      out += (*text)[i];
      continue;
    }
    out += values == Values::kShortened ? Shortened(param->second) : param->second;
    i += name.size() + 1;
  }
  return out;
}

std::string Catalogue::Render(const Status& status, Lang lang) const {
  if (status.key().empty()) return status.message();
  std::vector<std::pair<std::string, std::string>> params;
  for (const MessageParam& p : status.params()) {
    std::string value = p.value;
    if (const char* prefix = EnumPrefix(p.name)) {
      std::string id = prefix + value;
      for (char& c : id)
        if (c == '-') c = '_';
      if (auto said = Find(id, lang)) value = *said;
    }
    params.emplace_back(std::string(p.name), std::move(value));
  }
  return Say(status.key(), lang, params).value_or(status.message());
}

std::string_view ErrorWord(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument: return "bad_input";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kFailedPrecondition: return "refused";
    case StatusCode::kPermissionDenied: return "forbidden";
    case StatusCode::kResourceExhausted: return "too_large";
    case StatusCode::kUnavailable: return "unavailable";
    default: return "internal";
  }
}

std::string Catalogue::RenderWithHeadline(const Status& status, Lang lang) const {
  if (!status.key().empty() && Find(status.key(), lang)) return Render(status, lang);
  auto headline = Find("error." + std::string(ErrorWord(status.code())), lang);
  auto detail = Find("error.detail", lang);
  if (!headline || !detail) return status.message();
  return *headline + " " + *detail + status.message();
}

}  // namespace silian::i18n
