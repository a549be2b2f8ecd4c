#include "ui/internal/usb_api.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "base/ids.h"
#include "base/text.h"
#include "ui/web.h"

namespace silian::ui::internal {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMaxListed = 200;

Result<fs::path> DirectoryOf(const json& body_or_dir) {
  std::string dir;
  if (body_or_dir.is_string()) {
    dir = body_or_dir.get<std::string>();
  } else {
    SILIAN_ASSIGN_OR_RETURN(dir, StringMember(body_or_dir, "dir", true));
  }
  const fs::path path(dir);
  if (dir.empty() || !path.is_absolute())
    return InvalidArgument("directory " + Quote(dir) + " must be an absolute path, e.g. /media/usb");
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return InvalidArgument("directory " + Quote(dir) + " does not exist or is not a directory");
  return path;
}

// A file name of directory `dir` (no directory part), which must end in `suffix` and be a regular file.
Result<fs::path> FileIn(const fs::path& dir, const std::string& name, const std::string& suffix) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == ".." ||
      name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return InvalidArgument("file " + Quote(name) + " must be the name of a " + suffix + " file in " + Quote(dir.string()));
  std::error_code ec;
  const fs::path path = dir / name;
  if (!fs::is_regular_file(path, ec)) return InvalidArgument("no file " + Quote(name) + " in " + Quote(dir.string()));
  return path;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Stamp(uint64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

}  // namespace

Result<json> ListStick(const std::string& dir_text) {
  SILIAN_ASSIGN_OR_RETURN(fs::path dir, DirectoryOf(json(dir_text)));
  std::vector<json> bundles, frontiers;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool bundle = EndsWith(name, ".bundle"), frontier = EndsWith(name, ".frontier");
    if (!(bundle || frontier) || !it->is_regular_file(ec)) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;  // gone since it was listed
    const int64_t ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    json row = {{"name", name}, {"bytes", static_cast<uint64_t>(st.st_size)}, {"modified_ms", ms}};
    (bundle ? bundles : frontiers).push_back(std::move(row));
  }
  if (ec) return InvalidArgument("cannot read directory " + Quote(dir.string()) + ": " + ec.message());
  for (auto* list : {&bundles, &frontiers}) {
    std::sort(list->begin(), list->end(), [](const json& a, const json& b) { return a["modified_ms"] > b["modified_ms"]; });
    if (list->size() > kMaxListed) list->resize(kMaxListed);
  }
  return json{{"dir", dir.string()}, {"bundles", bundles}, {"frontiers", frontiers}};
}

Result<json> ExportToStick(const RunSelf& run, const json& body, const std::string& node, uint64_t now_ms) {
  if (!run) return FailedPrecondition("this program cannot write bundles from the app");
  SILIAN_ASSIGN_OR_RETURN(fs::path dir, DirectoryOf(body));
  SILIAN_ASSIGN_OR_RETURN(std::string for_name, StringMember(body, "for"));
  SILIAN_ASSIGN_OR_RETURN(std::string to, StringMember(body, "to"));
  if (!to.empty()) SILIAN_RETURN_IF_ERROR(sync::ParseNodeId(to).status());  // never an option for the child
  std::vector<std::string> args = {"bundle", "export", (dir / ("silian-" + node + "-" + Stamp(now_ms) + ".bundle")).string()};
  if (!to.empty()) {
    args.push_back("--to");
    args.push_back(to);
  }
  if (!for_name.empty()) {
    SILIAN_ASSIGN_OR_RETURN(fs::path frontier, FileIn(dir, for_name, ".frontier"));
    args.push_back("--for");
    args.push_back(frontier.string());
  }
  SILIAN_ASSIGN_OR_RETURN(json out, run(args));
  const std::string frontier_file = (dir / (node + ".frontier")).string();
  SILIAN_ASSIGN_OR_RETURN(json frontier, run({"frontier", "export", frontier_file}));
  out["frontier_file"] = frontier.value("file", frontier_file);
  return out;
}

Result<json> ImportFromStick(const RunSelf& run, const json& body) {
  if (!run) return FailedPrecondition("this program cannot import bundles from the app");
  SILIAN_ASSIGN_OR_RETURN(fs::path dir, DirectoryOf(body));
  SILIAN_ASSIGN_OR_RETURN(std::string name, StringMember(body, "name", true));
  SILIAN_ASSIGN_OR_RETURN(fs::path file, FileIn(dir, name, ".bundle"));
  return run({"bundle", "import", file.string()});
}

}  // namespace silian::ui::internal
