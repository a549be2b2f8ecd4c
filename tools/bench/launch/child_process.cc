#include "launch/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace silian::launch {
namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// This process's environment with `changes` applied, as "NAME=value" strings.
std::vector<std::string> ChildEnvironment(const EnvChanges& changes) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (changes.count(entry.substr(0, entry.find('='))) == 0) out.push_back(std::move(entry));
  }
  for (const auto& [name, value] : changes)
    if (!value.empty()) out.push_back(name + "=" + value);
  return out;
}

// Pointers into `strings`, ending in nullptr, as execve takes them. `strings` must outlive the result.
std::vector<char*> PointersTo(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Both ends of a pipe, closed on destruction; O_CLOEXEC, so that no other child inherits them.
struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    Close(read);
    Close(write);
  }
  static void Close(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  Status Open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("cannot make a pipe: ") + std::strerror(errno));
    read = fds[0];
    write = fds[1];
    return Status::Ok();
  }
};

// write(2) with SIGPIPE blocked for this thread and the SIGPIPE it raised consumed, so that a child that
// closed its stdin early cannot kill this process.
ssize_t WriteWithoutSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const ssize_t n = ::write(fd, data, size);
  const int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

// Reads what is there from `fd` into `sink`; false at end of file or on an error (the caller closes it).
bool Drain(int fd, std::string& sink) {
  char buf[65536];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    sink.append(buf, static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

}  // namespace

int ExitCodeOf(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

Result<pid_t> Spawn(const std::vector<std::string>& argv_in, const EnvChanges& env, ChildFds fds) {
  if (argv_in.empty()) return InvalidArgument("no program to start");
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv = PointersTo(args);
  std::vector<std::string> env_strings = ChildEnvironment(env);
  std::vector<char*> envp = PointersTo(env_strings);
  // The child reports a failed exec (its errno) on this pipe; a successful exec closes it (O_CLOEXEC).
  Pipe report;
  SILIAN_RETURN_IF_ERROR(report.Open());
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Internal("cannot start " + Quote(argv_in.front()) + ": " + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int in = fds.in >= 0 ? fds.in : ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(fds.out, 1);
    ::dup2(fds.err, 2);
    ::execve(argv[0], argv.data(), envp.data());
    const int exec_errno = errno;
    if (::write(report.write, &exec_errno, sizeof exec_errno) < 0) ::_exit(127);
    ::_exit(127);
  }
  Pipe::Close(report.write);
  int exec_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report.read, &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    WaitForExit(pid);
    return Internal("cannot start " + Quote(argv_in.front()) + ": " + std::strerror(exec_errno));
  }
  return pid;
}

int WaitForExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 128 + SIGKILL;
  }
  return ExitCodeOf(status);
}

bool TryReap(pid_t pid, int* exit_code) {
  int status = 0;
  pid_t r = 0;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  *exit_code = r == pid ? ExitCodeOf(status) : 128 + SIGKILL;
  return true;
}

Result<ProcessResult> RunProcess(const std::string& program, const std::vector<std::string>& args,
                                 const RunOptions& options) {
  Pipe out, err, in;
  SILIAN_RETURN_IF_ERROR(out.Open());
  SILIAN_RETURN_IF_ERROR(err.Open());
  const bool feed = !options.stdin_data.empty();
  if (feed) SILIAN_RETURN_IF_ERROR(in.Open());
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  auto pid = Spawn(argv, options.env, ChildFds{feed ? in.read : -1, out.write, err.write});
  Pipe::Close(out.write);
  Pipe::Close(err.write);
  Pipe::Close(in.read);
  if (!pid.ok()) return pid.status();
  if (feed) ::fcntl(in.write, F_SETFL, ::fcntl(in.write, F_GETFL) | O_NONBLOCK);

  ProcessResult result;
  size_t fed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  while (out.read >= 0 || err.read >= 0) {
    pollfd fds[3] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}, {in.write, POLLOUT, 0}};
    int wait_ms = -1;
    if (options.timeout_ms > 0 && !result.timed_out) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(*pid, SIGKILL);
        result.timed_out = true;
      } else {
        wait_ms = static_cast<int>(left.count());
      }
    }
    if (::poll(fds, 3, wait_ms) < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::kill(*pid, SIGKILL);
      WaitForExit(*pid);
      return Internal("cannot read the output of " + Quote(program) + ": " + reason);
    }
    if (fds[0].revents != 0 && !Drain(out.read, result.out)) Pipe::Close(out.read);
    if (fds[1].revents != 0 && !Drain(err.read, result.err)) Pipe::Close(err.read);
    if (fds[2].revents != 0) {
      const ssize_t n = WriteWithoutSigpipe(in.write, options.stdin_data.data() + fed, options.stdin_data.size() - fed);
      if (n > 0) fed += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || fed == options.stdin_data.size()) Pipe::Close(in.write);
    }
  }
  Pipe::Close(in.write);
  result.exit_code = WaitForExit(*pid);
  return result;
}

std::string CommandLine(const std::string& program, const std::vector<std::string>& args) {
  std::string line = std::filesystem::path(program).filename().string();
  for (const auto& a : args) line += " " + a;
  return line;
}

Result<int> FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const int bind_errno = errno;
  ::close(fd);
  if (!ok) return Internal(std::string("cannot find a free loopback port: ") + std::strerror(bind_errno));
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

std::string ReadTail(const std::string& path, size_t max_bytes) {
  std::string text = ReadWholeFile(path);
  return text.size() > max_bytes ? "..." + text.substr(text.size() - max_bytes) : text;
}

}  // namespace silian::launch
