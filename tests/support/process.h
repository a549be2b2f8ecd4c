// The programs run as a user runs them: a real process with arguments, environment and stdin, its stdout,
// stderr and exit code captured; the checks every command-line test makes of them; and a program bound to
// one ledger (`--db DB` before every command).
//
// The environment of a program run here is this process's (with SILIAN_ALLOW_PLAIN_HTTP=loopback, set by
// tests/main.cc for every test binary) without SILIAN_DB and SILIAN_ACTOR, so that
// the test's own environment never leaks in; `env` changes it further (launch::EnvChanges: a variable
// named with an empty value is removed, else set). Every run has a time limit (kProgramTimeoutMs); a
// program that outlives it is killed and fails the test. Not thread-safe (Catch2 assertions).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "launch/child_process.h"

namespace silian::test {

using launch::ProcessResult;
using Env = launch::EnvChanges;

inline constexpr int kProgramTimeoutMs = 120'000;

// The environment changes of every program run here: SILIAN_DB and SILIAN_ACTOR removed, then `changes`.
Env ProgramEnv(const Env& changes = {});

// Runs `program` with `args`, feeding it `stdin_data` (empty: stdin is /dev/null). REQUIREs that it
// started and ended within kProgramTimeoutMs; its exit code is the caller's to check.
ProcessResult RunProgram(const std::string& program, const std::vector<std::string>& args, const Env& env = {},
                         const std::string& stdin_data = "");

// "exit N", stdout and stderr, for an INFO.
std::string Describe(const ProcessResult& r);

// Runs a command that must succeed (exit 0); returns its stdout.
std::string RunOk(const std::string& program, const std::vector<std::string>& args, const Env& env = {});
// `s` without trailing newlines and spaces (a program's one-line output).
std::string Trim(std::string s);
// `silian-hub --db DB digest --scope SCOPE`, trimmed.
std::string HubDigest(const std::string& db, const std::string& scope);

// Runs a command that must succeed and print one JSON document; returns it parsed.
nlohmann::json RunJson(const std::string& program, const std::vector<std::string>& args, const Env& env = {});

// The shape of a refusal: exit 2, nothing on stdout (with --json: the error's JSON document), one line on
// stderr that starts with "<program>: ", ends in a newline and contains every needle.
void RequireRefused(const ProcessResult& r, const std::string& program, const std::vector<std::string>& needles);

// `program` bound to the ledger `db`: each command runs as `program --db DB ARGS...`.
class LedgerCli {
 public:
  LedgerCli(std::string program, std::string db) : program_(std::move(program)), db_(std::move(db)) {}

  const std::string& program() const { return program_; }
  const std::string& db() const { return db_; }

  ProcessResult Run(std::vector<std::string> args, const Env& env = {}) const;
  // A command that must succeed; returns its stdout.
  std::string Ok(std::vector<std::string> args, const Env& env = {}) const;
  // A command run with --json that must succeed; returns the document it printed.
  nlohmann::json Json(std::vector<std::string> args, const Env& env = {}) const;
  // `digest`: the ledger's digest line.
  std::string Digest() const { return Ok({"digest"}); }

 private:
  std::vector<std::string> WithDb(std::vector<std::string> args) const;

  std::string program_;
  std::string db_;
};

}  // namespace silian::test
