#include "ui/assets.h"

#include <map>

#include "i18n/catalogue.h"

namespace silian::ui {
namespace {

std::string_view ContentTypeOf(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".json")) return "application/json; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

const std::map<std::string_view, Asset>& Table() {
  static const auto* table = [] {
    auto* t = new std::map<std::string_view, Asset>();
    for (size_t i = 0; i < kEmbeddedAssetsCount; ++i) {
      const EmbeddedAsset& a = kEmbeddedAssets[i];
      (*t)[a.name] = Asset{ContentTypeOf(a.name),
                           std::string_view(reinterpret_cast<const char*>(a.data), a.size)};
    }
    // The message catalogue is embedded once, by i18n/, for the core and the app alike.
    (*t)["messages.json"] = Asset{ContentTypeOf("messages.json"), i18n::CatalogueJson()};
    return t;
  }();
  return *table;
}

}  // namespace

const Asset* FindAsset(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : &it->second;
}

}  // namespace silian::ui
