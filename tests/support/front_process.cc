#include "support/front_process.h"

#include <dirent.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "launch/child_process.h"
#include "support/free_port.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/programs.h"

namespace silian::test {
namespace {

constexpr int kStartAttempts = 8;
constexpr auto kStartLimit = std::chrono::seconds(20);

std::vector<std::string> FrontConfigArgs(const std::string& dir, int port, int hub_port,
                                         const FrontProcess::Options& o) {
  std::vector<std::string> args = {"front-config",
          "--listen",
          "127.0.0.1:" + std::to_string(port),
          "--hub",
          "127.0.0.1:" + std::to_string(hub_port),
          "--dir",
          dir,
          "--header-timeout",
          std::to_string(o.header_timeout_s),
          "--body-timeout",
          std::to_string(o.body_timeout_s),
          "--idle-timeout",
          std::to_string(o.idle_timeout_s),
          "--max-requests",
          std::to_string(o.max_requests),
          "--max-requests-per-ip",
          std::to_string(o.max_requests_per_ip),
          "--max-sockets",
          std::to_string(o.max_sockets)};
  if (!o.tls_cert.empty()) args.insert(args.end(), {"--tls-cert", o.tls_cert, "--tls-key", o.tls_key});
  return args;
}

}  // namespace

std::string NginxBin() {
  const char* env = std::getenv("SILIAN_NGINX");
  return env != nullptr && *env != '\0' ? env : "/usr/sbin/nginx";
}

FrontProcess::FrontProcess(std::string name, std::string dir) : name_(std::move(name)), dir_(std::move(dir)) {}

FrontProcess::~FrontProcess() { Stop(); }

std::string FrontProcess::ErrorLog() const { return launch::ReadTail(dir_ + "/error.log", 4000); }

void FrontProcess::Start(int hub_port, const Options& options) {
  REQUIRE_FALSE(running());
  tls_ = !options.tls_cert.empty();
  ca_file_ = options.ca_file;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    port_ = FreePort();
    RunOk(HubBin(), FrontConfigArgs(dir_, port_, hub_port, options));
    if (Launch()) return;
  }
  FAIL(name_ << " did not start " << kStartAttempts << " times; its log:\n" << ErrorLog());
}

bool FrontProcess::Launch() {
  auto pid = launch::Spawn({NginxBin(), "-p", dir_ + "/", "-e", dir_ + "/error.log", "-c", dir_ + "/nginx.conf",
                            "-g", "master_process off;"},
                           {}, launch::ChildFds{-1, 2, 2});
  REQUIRE(pid.ok());
  pid_ = *pid;
  const auto deadline = std::chrono::steady_clock::now() + kStartLimit;
  while (std::chrono::steady_clock::now() < deadline) {
    int exit_code = 0;
    if (launch::TryReap(pid_, &exit_code)) {
      pid_ = -1;
      INFO(name_ << " exited with " << exit_code << ": " << ErrorLog());
      CHECK(ErrorLog().find("Address already in use") != std::string::npos);
      return false;
    }
    if (Http("GET", url() + "/healthz", "", {}, 2000, ca_file_).status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
  FAIL(name_ << " did not serve /healthz within 20 s; its log:\n" << ErrorLog());
  return false;
}

void FrontProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int exit_code = 0;
  while (!launch::TryReap(pid_, &exit_code)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      launch::WaitForExit(pid_);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

uint64_t ResidentBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      uint64_t kib = 0;
      in >> kib;
      return kib * 1024;
    }
    in.ignore(1 << 12, '\n');
  }
  return 0;
}

int OpenFds(pid_t pid) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return 0;
  int n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

}  // namespace silian::test
