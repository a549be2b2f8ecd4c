// Helpers of the end-to-end tests: silian-hub processes on loopback ports that are always stopped (also
// when a test fails), free ports, and plain HTTP requests with libcurl for what a SyncClient never sends.
#pragma once

#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include "support/free_port.h"

namespace silian::e2e {

using test::FreePort;

inline const std::string kHubBin = SILIAN_HUB_BIN;
inline const std::string kNodeBin = SILIAN_NODE_BIN;

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}


// ---------------------------------------------------------------------------------------------------
// Plain HTTP with libcurl.

struct HttpReply {
  long status = 0;  // 0 when no reply came (connection refused, reset, timeout)
  std::string body;
  std::string error;  // libcurl's message when status is 0
};

inline size_t AppendToString(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One request on a fresh connection. `body` is sent for POST; `headers` are "Name: value" lines.
inline HttpReply Http(const std::string& method, const std::string& url, const std::string& body = "",
                      const std::vector<std::string>& headers = {}, long timeout_ms = 20000) {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  REQUIRE(initialized);
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  HttpReply reply;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  } else {
    reply.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return reply;
}

// ---------------------------------------------------------------------------------------------------
// Hub processes.

// A `silian-hub serve` process on a loopback port. The destructor kills it (SIGKILL) if it still runs, so
// a failing test leaves no hub behind; the hub also gets SIGKILL if the test process dies (PDEATHSIG).
// stdout and stderr go to a log file, appended across restarts. Not thread-safe, except Signal().
class HubProcess {
 public:
  HubProcess(std::string name, std::string db, std::string log)
      : name_(std::move(name)), db_(std::move(db)), log_(std::move(log)) {}
  ~HubProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Reap(true);
    }
  }
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  // Starts `silian-hub --db DB serve --listen 127.0.0.1:PORT EXTRA...` and waits until GET /healthz
  // answers. The first start picks a free port; restarts keep it, so that nodes find the hub again.
  void Start(const std::vector<std::string>& extra = {}) {
    REQUIRE(pid_ <= 0);
    const bool keep_port = port_ != 0;
    for (int attempt = 1;; ++attempt) {
      if (!keep_port) port_ = FreePort();
      size_t log_offset = log().size();
      Spawn(extra);
      if (WaitHealthy(log_offset)) return;
      std::string tail = log().substr(log_offset);
      bool port_taken = tail.find("cannot listen") != std::string::npos;
      INFO(name_ << " did not start (attempt " << attempt << "); its log:\n" << tail);
      REQUIRE(port_taken);
      REQUIRE(attempt < 8);
      std::this_thread::sleep_for(std::chrono::milliseconds(keep_port ? 250 : 10));
    }
  }

  // SIGTERM, then waits for the exit; returns the exit code (128 + signal when killed by one).
  int Terminate() {
    REQUIRE(pid_ > 0);
    Signal(SIGTERM);
    return Reap(false);
  }

  // SIGKILL, then reaps it.
  void Kill() {
    REQUIRE(pid_ > 0);
    Signal(SIGKILL);
    Reap(true);
  }

  // Waits for a process that was signalled (e.g. through Signal() from another thread) to exit; returns
  // its exit code or 128 + signal.
  int Wait() {
    REQUIRE(pid_ > 0);
    return Reap(false);
  }

  // Sends a signal; safe from another thread while the process runs.
  void Signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& db() const { return db_; }
  const std::string& name() const { return name_; }
  std::string log() const { return ReadFile(log_); }

  // GET /v1/status as JSON; REQUIREs a 200.
  nlohmann::json Status() const {
    HttpReply r = Http("GET", url() + "/v1/status");
    INFO(name_ << ": GET /v1/status -> " << r.status << " " << r.error << " " << r.body);
    REQUIRE(r.status == 200);
    return nlohmann::json::parse(r.body);
  }

 private:
  void Spawn(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {kHubBin, "--db", db_, "serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    REQUIRE(log_fd >= 0);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int null_fd = ::open("/dev/null", O_RDONLY);
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
  }

  // Waits until this process logged that it serves and /healthz answers 200 (true), or the process exits
  // (false, reaped). The log line tells our hub from another program that took the port meanwhile.
  bool WaitHealthy(size_t log_offset) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return false;
      }
      std::string log_now = log();
      bool serving = log_now.size() > log_offset && log_now.find(" serving area ", log_offset) != std::string::npos;
      if (serving && Http("GET", url() + "/healthz", "", {}, 1000).status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL(name_ << " did not answer /healthz within 30 s; its log:\n" << log());
    return false;
  }

  // Waits for the exit (at most 30 s unless `forced`); returns the exit code or 128 + signal.
  int Reap(bool forced) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    for (;;) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) break;
      if (!forced && std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        forced = true;
        FAIL_CHECK(name_ << " did not stop within 30 s of SIGTERM; killed");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string name_;
  std::string db_;
  std::string log_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace silian::e2e
