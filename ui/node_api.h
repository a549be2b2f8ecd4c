// The web app of a node (`silian-node ui`): its pages and the JSON API behind them (docs/api.md). Every
// request passes the OriginGuard; every API call but /api/session and /api/login needs a session
// (ui/sessions.h). Each API call opens the node's ledger as a command does (console::OpenLedger) and
// authors through the same LedgerStore calls as `silian-node case new`, `case material` and `case act`,
// with the same actor rule (the staff member logged in, or at a node without staff the actor typed), so
// the app can do nothing the command line refuses. Bad input is a 4xx reply whose message names the value,
// and changes nothing.
// Thread-safe: calls are served one at a time.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "console/support.h"
#include "ui/item_search.h"
#include "ui/pinyin.h"
#include "ui/sessions.h"
#include "ui/web.h"

namespace silian::ui {

// What the program around the app does for it.
struct NodeAppHooks {
  // One sync session with the node's hub, as `silian-node sync --json` (its JSON on success). Null: the
  // sync button answers 409.
  std::function<Result<nlohmann::json>()> sync;
  // The checks the program makes before any command that authors ops (silian-node: a ledger that looks
  // restored from an older copy waits for its sync). Null: none.
  std::function<Status(sync::LedgerStore&)> before_authoring;
  // Runs this program on the node's ledger with --json and the arguments (`bundle export`, `frontier
  // export`, `bundle import`: the USB calls, ui/internal/usb_api.h). Null: the USB calls answer 409.
  std::function<Result<nlohmann::json>(const std::vector<std::string>& args)> run_self;
};

class NodeApp {
 public:
  // `hosts`: the Host values the server answers to (OriginGuard::LoopbackHosts). kInternal when ICU's
  // transliterator cannot be made.
  static Result<std::unique_ptr<NodeApp>> Create(console::GlobalOptions global, std::vector<std::string> hosts,
                                                 NodeAppHooks hooks);
  // Serves one request: an asset, or an API call.
  WebReply Handle(const WebRequest& request);

 private:
  NodeApp(console::GlobalOptions global, std::vector<std::string> hosts, NodeAppHooks hooks,
          std::unique_ptr<Pinyin> pinyin);
  WebReply HandleApi(const WebRequest& r);
  Result<nlohmann::json> Route(const WebRequest& r, sync::LedgerStore& store, int* status);
  Result<nlohmann::json> RouteWithSession(const WebRequest& r, sync::LedgerStore& store, const UiSession& s,
                                          int* status);
  Result<nlohmann::json> SessionInfo(const WebRequest& r, sync::LedgerStore& store);
  Result<nlohmann::json> Items(const WebRequest& r, sync::LedgerStore& store);
  Result<nlohmann::json> Sync(const WebRequest& r, sync::LedgerStore& store);

  console::GlobalOptions global_;
  OriginGuard guard_;
  NodeAppHooks hooks_;
  std::unique_ptr<Pinyin> pinyin_;
  SessionBook sessions_;
  std::mutex mu_;                          // one API call at a time
  std::vector<SearchableItem> items_;      // the catalogue with pinyin, rebuilt when it changes
  std::string items_key_;                  // the codes and versions items_ was built from
};

}  // namespace silian::ui
