#include "bench/hub_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/text.h"
#include "http/curl_transport.h"

namespace silian::bench {
namespace {

std::string ReadTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > max_bytes ? "..." + text.substr(text.size() - max_bytes) : text;
}

// Forks and execs `argv` with stdin from /dev/null, stdout to `out_fd` and stderr to `err_fd`. The child gets
// SIGKILL when the calling thread dies.
Result<pid_t> Spawn(const std::vector<std::string>& args, int out_fd, int err_fd) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Internal("cannot start " + Quote(args.front()) + ": " + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid`; returns its exit code or 128 + the signal that killed it.
int WaitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 128 + SIGKILL;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A loopback port that was free a moment ago: bound to 127.0.0.1:0, read back, closed.
Result<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) return Internal(std::string("cannot find a free loopback port: ") + std::strerror(errno));
  return static_cast<int>(ntohs(addr.sin_port));
}

}  // namespace

Result<std::string> RunHubCommand(const std::string& hub_bin, const std::vector<std::string>& args,
                                  const std::string& log_path) {
  std::string out_path = log_path + ".stdout";
  int out_fd = ::open(out_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0) return Internal("cannot create " + Quote(out_path) + ": " + std::strerror(errno));
  int err_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (err_fd < 0) {
    ::close(out_fd);
    return Internal("cannot create " + Quote(log_path) + ": " + std::strerror(errno));
  }
  std::vector<std::string> argv = {hub_bin};
  argv.insert(argv.end(), args.begin(), args.end());
  auto pid = Spawn(argv, out_fd, err_fd);
  ::close(out_fd);
  ::close(err_fd);
  if (!pid.ok()) return pid.status();
  int code = WaitFor(*pid);
  std::ifstream in(out_path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  ::unlink(out_path.c_str());
  if (code != 0) {
    std::string command = "silian-hub";
    for (const auto& a : args) command += " " + a;
    return Internal("`" + command + "` exited with code " + std::to_string(code) + ": " + ReadTail(log_path, 600));
  }
  return out.str();
}

HubProcess::HubProcess(std::string hub_bin, std::string name, std::string db, std::string log_path)
    : hub_bin_(std::move(hub_bin)), name_(std::move(name)), db_(std::move(db)), log_path_(std::move(log_path)) {}

HubProcess::~HubProcess() { Stop(); }

std::string HubProcess::LogTail(size_t max_bytes) const { return ReadTail(log_path_, max_bytes); }

Status HubProcess::Start(const std::vector<std::string>& extra, int timeout_s) {
  SILIAN_CHECK(pid_ <= 0);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    SILIAN_ASSIGN_OR_RETURN(port_, FreePort());
    std::vector<std::string> argv = {hub_bin_, "--db", db_, "serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) return Internal("cannot create " + Quote(log_path_) + ": " + std::strerror(errno));
    auto pid = Spawn(argv, log_fd, log_fd);
    ::close(log_fd);
    if (!pid.ok()) return pid.status();
    pid_ = *pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exited = true;
        break;
      }
      auto health = Get("/healthz");
      if (health.ok()) return Status::Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!exited) {
      Stop(0);
      return Internal(name_ + " did not answer /healthz within " + std::to_string(timeout_s) + " s: " + LogTail(600));
    }
    // Another process may have taken the port between FreePort() and the hub's bind: try another.
    if (LogTail(400).find("cannot listen") == std::string::npos)
      return Internal(name_ + " exited at start: " + LogTail(600));
  }
  return Internal(name_ + " found no free port in 8 attempts: " + LogTail(600));
}

int HubProcess::Stop(int grace_s) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, grace_s > 0 ? SIGTERM : SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      status = 0;
      WaitFor(pid_);
      pid_ = -1;
      return 128 + SIGKILL;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<double> HubProcess::CpuSeconds() const {
  if (pid_ <= 0) return Internal(name_ + " is not running");
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string stat = text.str();
  // "pid (comm) state ppid ...": utime and stime are the 14th and 15th fields; comm may hold spaces.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return Internal("cannot read /proc/" + std::to_string(pid_) + "/stat");
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i >= 14) ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Result<std::string> HubProcess::Get(const std::string& path) const {
  sync::CurlTransport::Options options;
  options.connect_timeout_ms = 2000;
  options.total_timeout_s = 120;
  // /v1/status waits for the store lock, which a catching-up hub holds while it re-projects a session's
  // cases at the last batch: a slow answer is a busy hub, not a dead one.
  options.low_speed_time_s = 120;
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

}  // namespace silian::bench
