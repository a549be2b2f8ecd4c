// The hub's nginx front for the tests that need the HTTP edge (hub/front/nginx_config.h): `silian-hub
// front-config` writes its configuration, and nginx runs it in the foreground as one process (`-g
// "master_process off;"`, so that SIGKILL leaves no worker behind) on a free loopback port, in front of a
// HubProcess. The destructor kills it if it still runs; it also gets SIGKILL if the test process dies.
// Not thread-safe (Catch2 assertions), except pid() and port().
#pragma once

#include <sys/types.h>

#include <string>

namespace silian::test {

// The nginx program: $SILIAN_NGINX, else /usr/sbin/nginx (Debian's nginx-light; tools/install-deps).
std::string NginxBin();

class FrontProcess {
 public:
  // The front's settings (`silian-hub front-config` options); short timeouts keep the tests quick.
  struct Options {
    int header_timeout_s = 2;
    int body_timeout_s = 2;
    int idle_timeout_s = 3;
    int max_requests = 64;
    int max_requests_per_ip = 16;
    int max_sockets = 4096;
    // With a certificate and key (`silian-hub ca issue` for 127.0.0.1), the front speaks HTTPS only and
    // url() is https://; `ca_file` is the CA that signed the certificate (for the readiness check).
    std::string tls_cert, tls_key, ca_file;
  };

  // `name` for messages ("county front"); `dir` an absolute folder of its own (config, log, temp files).
  FrontProcess(std::string name, std::string dir);
  ~FrontProcess();
  FrontProcess(const FrontProcess&) = delete;
  FrontProcess& operator=(const FrontProcess&) = delete;

  // Writes the configuration for the hub at 127.0.0.1:`hub_port`, starts nginx and waits until GET
  // /healthz through it answers 200. REQUIRES: the hub serves already (HubProcess::Start returned). The first start picks a free port; a port
  // taken meanwhile is retried with another. FAILs with the front's error log when it does not serve
  // within 20 s. REQUIRES: !running().
  void Start(int hub_port, const Options& options);
  void Start(int hub_port) { Start(hub_port, Options{}); }
  // SIGTERM (nginx's fast shutdown), then SIGKILL after 5 s; reaps it. Nothing when it does not run.
  void Stop();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string url() const { return (tls_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_); }
  // nginx's error log (refusals, timeouts and limits are logged there).
  std::string ErrorLog() const;

 private:
  // Starts nginx on port_; true once it serves, false when it exited (port taken).
  bool Launch();

  std::string name_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool tls_ = false;
  std::string ca_file_;
};

// What /proc says of a running process: resident memory (VmRSS) and open file descriptors; 0 when it
// cannot be read.
uint64_t ResidentBytes(pid_t pid);
int OpenFds(pid_t pid);

}  // namespace silian::test
