#include "support/process.h"

#include "support/programs.h"

#include <algorithm>

#include <catch2/catch.hpp>

namespace silian::test {

Env ProgramEnv(const Env& changes) {
  Env env = {{"SILIAN_DB", ""}, {"SILIAN_ACTOR", ""}};
  for (const auto& [name, value] : changes) env[name] = value;
  return env;
}

ProcessResult RunProgram(const std::string& program, const std::vector<std::string>& args, const Env& env,
                         const std::string& stdin_data) {
  launch::RunOptions options;
  options.env = ProgramEnv(env);
  options.stdin_data = stdin_data;
  options.timeout_ms = kProgramTimeoutMs;
  auto r = launch::RunProcess(program, args, options);
  INFO(launch::CommandLine(program, args) << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  INFO(launch::CommandLine(program, args) << " was killed after " << kProgramTimeoutMs << " ms\n" << Describe(*r));
  REQUIRE_FALSE(r->timed_out);
  return std::move(r).value();
}

std::string Describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string HubDigest(const std::string& db, const std::string& scope) {
  return Trim(RunOk(HubBin(), {"--db", db, "digest", "--scope", scope}));
}

std::string RunOk(const std::string& program, const std::vector<std::string>& args, const Env& env) {
  ProcessResult r = RunProgram(program, args, env);
  INFO(launch::CommandLine(program, args) << "\n" << Describe(r));
  REQUIRE(r.exit_code == 0);
  return r.out;
}

nlohmann::json RunJson(const std::string& program, const std::vector<std::string>& args, const Env& env) {
  std::string out = RunOk(program, args, env);
  INFO(launch::CommandLine(program, args) << "\nstdout:\n" << out);
  nlohmann::json doc;
  REQUIRE_NOTHROW(doc = nlohmann::json::parse(out));
  return doc;
}

void RequireRefused(const ProcessResult& r, const std::string& program, const std::vector<std::string>& needles) {
  INFO(Describe(r));
  REQUIRE(r.exit_code == 2);
  if (!r.out.empty()) {  // with --json: only the error's JSON document (console/program.h)
    nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    CHECK((doc.is_object() && doc.contains("error") && doc.contains("code")));
  }
  REQUIRE(r.err.rfind(program + ": ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.back() == '\n');
  for (const auto& needle : needles) CHECK(r.err.find(needle) != std::string::npos);
}

std::vector<std::string> LedgerCli::WithDb(std::vector<std::string> args) const {
  args.insert(args.begin(), {"--db", db_});
  return args;
}

ProcessResult LedgerCli::Run(std::vector<std::string> args, const Env& env) const {
  return RunProgram(program_, WithDb(std::move(args)), env);
}

std::string LedgerCli::Ok(std::vector<std::string> args, const Env& env) const {
  return RunOk(program_, WithDb(std::move(args)), env);
}

nlohmann::json LedgerCli::Json(std::vector<std::string> args, const Env& env) const {
  args.insert(args.begin(), "--json");
  return RunJson(program_, WithDb(std::move(args)), env);
}

}  // namespace silian::test
