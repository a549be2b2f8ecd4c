#include "launch/hub_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "http/curl_transport.h"
#include "launch/child_process.h"

namespace silian::launch {
namespace {

constexpr int kStartAttempts = 8;

}  // namespace

HubProcess::HubProcess(std::string hub_bin, std::string name, std::string db, std::string log_path, Options options)
    : hub_bin_(std::move(hub_bin)),
      name_(std::move(name)),
      db_(std::move(db)),
      log_path_(std::move(log_path)),
      options_(options) {}

HubProcess::~HubProcess() { Stop(options_.destroy_grace_s); }

std::string HubProcess::Log() const { return ReadWholeFile(log_path_); }

std::string HubProcess::LogTail(size_t max_bytes) const { return ReadTail(log_path_, max_bytes); }

Status HubProcess::Start(const std::vector<std::string>& extra) {
  SILIAN_CHECK(!running());
  const bool keep_port = port_ != 0;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    if (!keep_port) {
      SILIAN_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
    }
    const size_t log_offset = Log().size();
    SILIAN_RETURN_IF_ERROR(Spawn(extra));
    SILIAN_ASSIGN_OR_RETURN(bool serving, WaitServing(log_offset));
    if (serving) return Status::Ok();
    // Another process may have taken the port between FreeLoopbackPort() and the hub's bind: try again.
    const std::string tail = Log().substr(log_offset);
    if (tail.find("cannot listen") == std::string::npos)
      return Internal(name_ + " exited at start: " + LogTail(600));
    std::this_thread::sleep_for(std::chrono::milliseconds(keep_port ? 250 : 10));
  }
  return Internal(name_ + " found its port taken " + std::to_string(kStartAttempts) + " times: " + LogTail(600));
}

Status HubProcess::Spawn(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {hub_bin_, "--db", db_, "serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Internal("cannot create \"" + log_path_ + "\": " + std::strerror(errno));
  auto pid = launch::Spawn(argv, {}, ChildFds{-1, log_fd, log_fd});
  ::close(log_fd);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return Status::Ok();
}

Result<bool> HubProcess::WaitServing(size_t log_offset) {
  const std::string serving = " serving area ";
  const std::string on_our_url = " on " + url();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.start_timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int exit_code = 0;
    if (TryReap(pid_, &exit_code)) {
      pid_ = -1;
      return false;
    }
    const std::string log = Log();
    const size_t line = log.size() > log_offset ? log.find(serving, log_offset) : std::string::npos;
    if (line != std::string::npos && log.find(on_our_url, line) != std::string::npos && Get("/healthz", 1).ok())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Stop(0);
  return Internal(name_ + " did not serve within " + std::to_string(options_.start_timeout_s) + " s: " + LogTail(600));
}

void HubProcess::Signal(int signal) const {
  const pid_t pid = pid_.load();
  if (pid > 0) ::kill(pid, signal);
}

HubProcess::Exit HubProcess::Wait(int grace_s) {
  const pid_t pid = pid_.load();
  if (pid <= 0) return {};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
  Exit exit;
  while (!TryReap(pid, &exit.code)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      exit.code = WaitForExit(pid);
      exit.forced = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  pid_ = -1;
  return exit;
}

HubProcess::Exit HubProcess::Stop(int grace_s) {
  Signal(grace_s > 0 ? SIGTERM : SIGKILL);
  return Wait(grace_s);
}

Result<double> HubProcess::CpuSeconds() const {
  const pid_t pid = pid_.load();
  if (pid <= 0) return Internal(name_ + " is not running");
  const std::string stat = ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  // "pid (comm) state ppid ...": utime and stime are the 14th and 15th fields; comm may hold spaces.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return Internal("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i >= 14) ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Result<std::string> HubProcess::Get(const std::string& path, long timeout_s) const {
  sync::CurlTransport::Options options;
  options.connect_timeout_ms = 2000;
  options.total_timeout_s = timeout_s;
  // /v1/status waits for the store lock, which a catching-up hub holds while it re-projects a session's
  // cases at the last batch: a slow answer is a busy hub, not a dead one.
  options.low_speed_time_s = timeout_s;
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(url(), options));
  SILIAN_ASSIGN_OR_RETURN(auto reply, transport->Get(path));
  if (reply.http_status != 200)
    return Internal(name_ + ": GET " + path + " answered HTTP " + std::to_string(reply.http_status) + ": " +
                    reply.body.substr(0, 300));
  return reply.body;
}

Result<nlohmann::json> HubProcess::StatusJson() const {
  SILIAN_ASSIGN_OR_RETURN(std::string body, Get("/v1/status"));
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return Internal(name_ + ": GET /v1/status is not JSON: " + e.what());
  }
}

}  // namespace silian::launch
