// The web app's files (ui/assets/), compiled into the programs by ui/embed_assets.cmake: silian-node and
// silian-hub serve them from memory, so the app works with no network and nothing is fetched at run time.
// messages.json, the one message catalogue, is embedded by i18n/ (i18n/catalogue.h) and served from there.
// Thread-safe (constant data).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace silian::ui {

struct EmbeddedAsset {
  const char* name;  // the file name under ui/assets/, e.g. "app.js"
  const unsigned char* data;
  size_t size;
};
// Defined in the generated ui_assets.cc.
extern const EmbeddedAsset kEmbeddedAssets[];
extern const size_t kEmbeddedAssetsCount;

struct Asset {
  std::string_view content_type;  // with charset for text
  std::string_view bytes;
};

// The asset named `name` ("app.js"); nullptr when there is none. Names never contain '/'.
const Asset* FindAsset(std::string_view name);

}  // namespace silian::ui
