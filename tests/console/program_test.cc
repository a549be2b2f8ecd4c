// The process edge shared by silian-node, silian-hub and silian-admin (console/program.h): what a user sees
// on stdout and stderr, and the exit code, for success, bad usage, a failing command and an exception.
#include "console/program.h"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

namespace silian::console {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program "silian-test" with the commands `ok`, `fail` (returning `status`), `throw`, and the group
// `group` with the command `one`, on `args`, capturing stdout and stderr.
Outcome Run(std::vector<std::string> args, Status status = Status::Ok()) {
  std::ostringstream out, err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  Program program("silian-test", "a test program", "the ledger file");
  std::vector<char*> argv;
  args.insert(args.begin(), "silian-test");
  for (auto& a : args) argv.push_back(a.data());
  int code = program.Main(static_cast<int>(argv.size()), argv.data(), [&] {
    program.OnRun(program.app().add_subcommand("ok", "prints"), [&program] {
      std::cout << "done" << (program.global().json ? " json" : "") << "\n";
      return Status::Ok();
    });
    program.OnRun(program.app().add_subcommand("fail", "fails"), [status] { return status; });
    program.OnRun(program.app().add_subcommand("hostile", "prints what a ledger value could hold"), [] {
      std::cout << "name \x1b[2J\x1b]0;pwned\x07" "x\rover\xc2\x9b" "31m\xe2\x80\xae" "txt\n";
      return Status::Ok();
    });
    program.OnRun(program.app().add_subcommand("throw", "throws"), []() -> Status {
      throw std::runtime_error("boom");
    });
    CLI::App* group = program.app().add_subcommand("group", "a group");
    group->require_subcommand(1);
    program.OnRun(group->add_subcommand("one", "one"), [] { return Status::Ok(); });
  });
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {code, out.str(), err.str()};
}

void RequireOneLineError(const Outcome& r, int exit_code, const std::string& needle) {
  INFO("exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == exit_code);
  REQUIRE(r.err.rfind("silian-test: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.back() == '\n');
  CHECK(r.err.find(needle) != std::string::npos);
}

TEST_CASE("Program: a command that succeeds prints its output and exits 0", "[program]") {
  Outcome r = Run({"ok"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "done\n");
  CHECK(r.err.empty());
  // Global options may follow the command.
  CHECK(Run({"ok", "--json"}).out == "done json\n");
}

TEST_CASE("Program: bad usage is one line naming the word, exit 2", "[program]") {
  RequireOneLineError(Run({}), 2, "needs a command, one of: ok, fail, hostile, throw, group");
  RequireOneLineError(Run({"frobnicate"}), 2, "frobnicate");
  RequireOneLineError(Run({"ok", "--bogus"}), 2, "--bogus");
  RequireOneLineError(Run({"group"}), 2, "silian-test group needs a command, one of: one");
  RequireOneLineError(Run({"group", "tow"}), 2, "unknown command \"tow\" for silian-test group; commands: one");
}

TEST_CASE("Program: a command's error is one line, with the exit code of its status", "[program]") {
  RequireOneLineError(Run({"fail"}, InvalidArgument("division \"15\" must have\n12 digits")), 2,
                      "silian-test: division \"15\" must have 12 digits\n");
  RequireOneLineError(Run({"fail"}, NotFound("case \"x\" not found")), 2, "case \"x\" not found");
  RequireOneLineError(Run({"fail"}, Unavailable("cannot reach the hub")), 1, "cannot reach the hub");
  RequireOneLineError(Run({"fail"}, Internal("disk I/O error")), 1, "disk I/O error");
}

TEST_CASE("Program: an exception stops at the edge as one line, exit 1", "[program]") {
  RequireOneLineError(Run({"throw"}), 1, "silian-test: internal error: boom\n");
}

TEST_CASE("Program: --help prints the commands on stdout and exits 0", "[program]") {
  Outcome r = Run({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("a test program") != std::string::npos);
  CHECK(r.out.find("group") != std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("Program: nothing a command prints or fails with reaches the terminal with its control characters",
          "[program]") {
  Outcome r = Run({"hostile"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "name \\u001b[2J\\u001b]0;pwned\\u0007x\\u000dover\\u009b31m\\u202etxt\n");
  r = Run({"fail"}, InvalidArgument("applicant_name \x1b[31mred\x07"));
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "silian-test: applicant_name \\u001b[31mred\\u0007\n");
}

}  // namespace
}  // namespace silian::console
