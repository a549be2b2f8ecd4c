// Child processes: a program run to completion with its stdout and stderr captured, or a long-running
// child whose output goes to file descriptors the caller chose (see hub_process.h).
//
// Every child gets SIGKILL when the thread that started it dies (PR_SET_PDEATHSIG), so a parent that
// crashes or is killed leaves no child behind. Between fork and exec the child makes only
// async-signal-safe calls, so these functions may be called while other threads run.
// REQUIRES: children are started from a thread that outlives them (the main thread, in practice).
// Functions are thread-safe unless they say otherwise; errors are Status values, never exceptions.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace silian::launch {

// Changes to this process's environment for a child: each variable named here is removed, then set again
// when its value is non-empty. {"SILIAN_DB", ""} keeps the caller's SILIAN_DB from the child.
using EnvChanges = std::map<std::string, std::string>;

// The standard streams of a child: file descriptors of the caller, duplicated onto 0, 1 and 2.
// -1 for stdin means /dev/null. The caller keeps (and closes) its descriptors.
struct ChildFds {
  int in = -1;
  int out = 1;
  int err = 2;
};

// Starts `argv[0]` (a path: no PATH search) with `argv` and the environment changed by `env`.
// Returns the child's pid; kInvalidArgument for an empty argv; kInternal, naming the program and the
// reason, when it cannot be forked or its exec fails (the child is then reaped).
Result<pid_t> Spawn(const std::vector<std::string>& argv, const EnvChanges& env, ChildFds fds);

// The exit of a child: its exit code, or 128 + the number of the signal that killed it.
int ExitCodeOf(int wait_status);

// Waits (blocking) for child `pid` and reaps it; returns ExitCodeOf its status, or 128 + SIGKILL when
// it cannot be waited for (not our child, already reaped).
int WaitForExit(pid_t pid);

// Reaps child `pid` if it has exited, without blocking: true and `*exit_code` set (ExitCodeOf, or
// 128 + SIGKILL when it cannot be waited for); false while it runs.
bool TryReap(pid_t pid, int* exit_code);

// What a program run to completion did.
struct ProcessResult {
  int exit_code = -1;      // its exit code, or 128 + the number of the signal that killed it
  bool timed_out = false;  // true when it was killed (SIGKILL) because it outlived the timeout
  std::string out;         // everything it wrote to stdout
  std::string err;         // everything it wrote to stderr
};

struct RunOptions {
  EnvChanges env;
  std::string stdin_data;  // written to its stdin, which is then closed; empty: stdin is /dev/null
  int timeout_ms = 0;      // > 0: SIGKILL once it has run this long; 0: no limit
};

// Runs `program` (a path) with `args` and waits for it, capturing stdout and stderr in full. The
// program's own failures are in the result (a failed exec is kInternal, see Spawn); kInternal when a pipe
// cannot be made or read. A stdin the program does not read is closed without harm (no SIGPIPE).
Result<ProcessResult> RunProcess(const std::string& program, const std::vector<std::string>& args,
                                 const RunOptions& options = {});

// `program args...` on one line, for messages: the program's file name, then the arguments as given.
std::string CommandLine(const std::string& program, const std::vector<std::string>& args);

// A loopback TCP port that was free a moment ago: bound to 127.0.0.1:0, read back, closed. Another
// process may take it before the caller binds it, so callers that start servers retry with another port.
// kInternal when no socket can be bound.
Result<int> FreeLoopbackPort();

// The whole content of the file at `path`; "" when it cannot be read.
std::string ReadWholeFile(const std::string& path);

// The last `max_bytes` of the file at `path`, with "..." in front when cut; "" when it cannot be read.
std::string ReadTail(const std::string& path, size_t max_bytes);

}  // namespace silian::launch
