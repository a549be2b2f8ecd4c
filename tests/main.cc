#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

// The tests run hubs on 127.0.0.1 without TLS: they allow plain HTTP to loopback hubs, for this process
// (in-process clients) and every program it starts (the environment is inherited; support/process.h).
// A test of the refusal removes the variable from a program's environment.
// Every program speaks English to the tests (SILIAN_LANG, console/program.h) whatever the machine's locale;
// a test of another language sets it in the program's environment.
int main(int argc, char** argv) {
  ::setenv("SILIAN_ALLOW_PLAIN_HTTP", "loopback", 1);
  ::setenv("SILIAN_LANG", "en", 1);
  return Catch::Session().run(argc, argv);
}
