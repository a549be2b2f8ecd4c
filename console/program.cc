#include "console/program.h"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <new>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/test_clock.h"
#include "base/text.h"
#include "console/render.h"

namespace silian::console {
namespace {

// The most specific command named on the command line.
CLI::App* DeepestCommand(CLI::App* app) {
  for (std::vector<CLI::App*> selected = app->get_subcommands(); !selected.empty();
       selected = app->get_subcommands())
    app = selected.front();
  return app;
}

}  // namespace

Program::Program(std::string name, const std::string& description, const std::string& db_help)
    : name_(std::move(name)), app_(std::make_unique<CLI::App>(description, name_)) {
  // The ledger, its journal, logs and every file written to a path may hold personal data: whatever the
  // caller's umask, nothing the program creates is readable by group or others.
  ::umask(077);
  app_->fallthrough();
  app_->add_option("--db", global_.db_path, db_help)->envname("SILIAN_DB");
  app_->add_flag("--json", global_.json, "print one JSON document instead of text");
  app_->add_option("--lang", global_.lang_option,
                  "the language of messages: zh, mn or en (default: SILIAN_LANG, else the locale, else en)")
      ->envname("SILIAN_LANG");
  app_->require_subcommand(1);
}

Program::~Program() = default;

void Program::OnRun(CLI::App* cmd, std::function<Status()> fn) {
  cmd->callback([this, fn = std::move(fn)] { SetCommand(fn); });
}

void Program::PrintFailure(const Status& status) const {
  if (global_.json) {
    nlohmann::json doc = {{"error", status.message()}, {"code", StatusCodeName(status.code())}};
    if (!status.key().empty()) {
      doc["key"] = std::string(status.key());
      nlohmann::json params = nlohmann::json::object();
      for (const MessageParam& p : status.params()) params[std::string(p.name)] = p.value;
      doc["params"] = std::move(params);
    }
    PrintJson(doc);
    std::cout.flush();
  }
  // In English the core's own message, which says the most (the catalogue's English texts serve the web app).
  // Elsewhere the catalogue's text of its key, or for a refusal without one its kind in that language before
  // the English message.
  PrintError(global_.lang == i18n::Lang::kEn ? status.message()
                                             : i18n::Catalogue::Embedded().RenderWithHeadline(status, global_.lang));
}

Status Program::ResolveLanguage() {
  if (global_.lang_option.empty()) {
    global_.lang = i18n::LangOfLocale(std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
    return Status::Ok();
  }
  auto lang = i18n::ParseLang(global_.lang_option);
  if (!lang.ok())
    return InvalidArgument("--lang (or SILIAN_LANG) " + Quote(global_.lang_option) + " is not one of: zh, mn, en");
  global_.lang = *lang;
  return Status::Ok();
}

void Program::PrintError(const std::string& message) const {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << name_ << ": " << Printable(line) << '\n';
}

// CLI11 says only "A subcommand is required" when a command group such as `case` is given no command or an
// unknown one; name the group, the word, and the commands instead.
std::string Program::ParseErrorMessage(const CLI::ParseError& e) {
  CLI::App* group = DeepestCommand(app_.get());
  std::vector<CLI::App*> commands = group->get_subcommands([](CLI::App*) { return true; });
  if (dynamic_cast<const CLI::RequiredError*>(&e) == nullptr || commands.empty())
    return std::string(e.what()) + " (see --help)";
  std::string path;
  for (CLI::App* a = group; a != nullptr; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  std::string names;
  for (CLI::App* c : commands) names += (names.empty() ? "" : ", ") + c->get_name();
  std::vector<std::string> rest = app_->remaining(true);
  if (rest.empty()) return path + " needs a command, one of: " + names;
  return "unknown command \"" + rest.front() + "\" for " + path + "; commands: " + names;
}

int Program::ParseAndRun(int argc, char** argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app_->exit(e);  // --help
    PrintError(ParseErrorMessage(e));
    return kExitUsage;
  }
  if (Status lang = ResolveLanguage(); !lang.ok()) {
    PrintError(lang.message());
    return kExitUsage;
  }
  if (!run_) {
    PrintError("no command given (see --help)");
    return kExitUsage;
  }
  Status status = run_();
  if (!status.ok()) {
    std::cout.flush();
    PrintFailure(status);
    return ExitCodeFor(status.code());
  }
  // Output that never reached its reader (a full disk, a closed pipe) is a failure, not a success.
  if (!std::cout.flush()) {
    PrintError("cannot write the output to stdout");
    return kExitFailure;
  }
  return kExitSuccess;
}

int Program::Main(int argc, char** argv, const std::function<void()>& wire) {
  TerminalGuard guard(std::cout);
  // Only the test builds move the clock (base/test_clock.h): a program asked to is refused rather than run on a
  // clock the caller does not expect.
  if (std::getenv(sync::kTestClockFileEnv) != nullptr && !sync::SystemClockShifted()) {
    PrintError(std::string("the environment variable ") + sync::kTestClockFileEnv + " is set, but " + name_ +
               " runs on the system clock: only the test builds of the programs honour it; unset it");
    return kExitUsage;
  }
  try {
    wire();
    return ParseAndRun(argc, argv);
  } catch (const nlohmann::json::exception& e) {
    PrintError(std::string("internal error in JSON handling: ") + e.what());
  } catch (const std::bad_alloc&) {
    PrintError("out of memory");
  } catch (const std::exception& e) {
    PrintError(std::string("internal error: ") + e.what());
  } catch (...) {
    PrintError("internal error: an exception of unknown type");
  }
  return kExitFailure;
}

void AddConfigCommands(Program* program, const std::string& help, const std::string& set_help, ConfigCommands* o,
                       std::function<Status(const GlobalOptions&, const std::string&, const std::string&)> set,
                       std::function<Status(const GlobalOptions&)> show) {
  const GlobalOptions* g = &program->global();
  CLI::App* group = program->app().add_subcommand("config", help);
  group->require_subcommand(1);
  CLI::App* cmd = group->add_subcommand("set", "Change a setting: " + set_help);
  cmd->add_option("KEY", o->key, "the setting")->required();
  cmd->add_option("VALUE", o->value, "its value")->required();
  program->OnRun(cmd, [g, o, set = std::move(set)] { return set(*g, o->key, o->value); });
  program->OnRun(group->add_subcommand("show", "Show the settings"), [g, show = std::move(show)] { return show(*g); });
}

}  // namespace silian::console
