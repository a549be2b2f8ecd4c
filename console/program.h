// The process edge that silian-node, silian-hub and silian-admin share: one CLI11 application with the
// global options, the command the parse chose, and Main, which runs it and turns the outcome into what the
// user sees. Each program's main.cc only registers its commands here.
//
// What a user sees, the same in every program:
// - success: the command's output on stdout, flushed; exit code 0. Output that never reached its reader (a
//   full disk, a closed pipe) is a failure.
// - bad usage (an unknown command or option, a missing argument): one line `silian-X: message` on stderr
//   naming the word and, for a command group, its commands; exit code 2.
// - a command's error: one line `silian-X: message` with the Status message (line breaks become spaces),
//   said in the user's language when the Status has a message key (i18n/catalogue.h; in English the
//   Status message itself, as before); exit code
//   ExitCodeFor(code): 2 for bad usage or bad input, 1 for failures. With --json, stdout also gets one JSON
//   document {"error": the English message, "code": StatusCodeName, "key", "params": {name: value}} (key
//   and params only for a keyed Status), so that scripts read the refusal whatever the language.
// - the language: --lang zh|mn|en, else SILIAN_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG: zh... is
//   zh, mn... is mn), else en. An unknown --lang or SILIAN_LANG is bad usage naming the value (exit 2).
// - an exception that escaped a library: one line `silian-X: internal error: ...`; exit code 1.
// --help prints the help on stdout and exits 0.
// The test clock: with SILIAN_TEST_CLOCK_FILE set, a program that is not a test build (base/test_clock.h) refuses
// to run (exit 2).
// Files: constructing a Program sets the process umask to 077, so that every file the program creates (the
// ledger and its journals, logs) is private to its user; files written to a path given on the command line
// go through base/files.h (0600, never through a planted link).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "console/support.h"

// CLI11 is declared, not included: its header compiles its validators into every file that includes it
// (about 15 s a file on 2 cores), so only the files that add commands or options include <CLI/CLI.hpp>.
namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace silian::console {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

class Program {
 public:
  // `name` is the program's name as errors print it ("silian-hub"); `description` heads --help;
  // `db_help` describes --db. Adds --db (default: the environment variable SILIAN_DB), --json and --lang,
  // which may also follow the command (`silian-hub supervise --json`), and requires one command.
  Program(std::string name, const std::string& description, const std::string& db_help);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  CLI::App& app() { return *app_; }
  // The global options, filled by the parse. Commands read them when they run.
  GlobalOptions& global() { return global_; }

  // Makes `fn` the command to run when the parse chooses `cmd`. `fn` runs after the parse, so it may read
  // the options the parse filled.
  void OnRun(CLI::App* cmd, std::function<Status()> fn);
  // Makes `fn` the command to run; for a parse callback that chooses by itself.
  void SetCommand(std::function<Status()> fn) { run_ = std::move(fn); }

  // Registers the program's commands with `wire`, parses `argv`, runs the chosen command and returns the
  // exit code, printing as described above. Never throws: an exception from `wire`, the parse or the
  // command is the internal error above. Call once.
  int Main(int argc, char** argv, const std::function<void()>& wire);

  // Prints `message` as the program's one-line error: `name: message`, line breaks as spaces.
  void PrintError(const std::string& message) const;
  // Prints a failed command's `status` as the one-line error in the chosen language, and with --json its
  // JSON document on stdout (above).
  void PrintFailure(const Status& status) const;

 private:
  int ParseAndRun(int argc, char** argv);
  Status ResolveLanguage();
  std::string ParseErrorMessage(const CLI::ParseError& e);

  std::string name_;
  std::unique_ptr<CLI::App> app_;
  GlobalOptions global_;
  std::function<Status()> run_;
};

// `config set KEY VALUE` and `config show`, which silian-node and silian-hub both have, each with settings
// of its own: `help` describes the group, `set_help` the settings `set` takes; `set` and `show` run the
// commands. `options` and `program` must outlive the parse and the run.
struct ConfigCommands {
  std::string key;
  std::string value;
};
void AddConfigCommands(Program* program, const std::string& help, const std::string& set_help, ConfigCommands* options,
                       std::function<Status(const GlobalOptions&, const std::string& key, const std::string& value)> set,
                       std::function<Status(const GlobalOptions&)> show);

}  // namespace silian::console
