// real-host-driver: reads one JSON command per line on stdin, runs it against Envoy's Proxy-Wasm
// host (proxy-wasm-cpp-host + WAMR) and writes one JSON event per line on stdout; every command's
// output ends with {"ev":"end"}. See test/real-host/README.md for the protocol.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "driver.h"

int main() {
  std::ios::sync_with_stdio(false);
  driver::Driver &d = driver::theDriver();
  std::string line;
  int64_t seq = 0;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    driver::Json cmd;
    std::string error;
    if (!driver::parseJson(line, &cmd, &error)) {
      d.emit(driver::JsonObject().str("ev", "error").str("msg", "bad command: " + error).done());
    } else if (cmd.str("cmd") == "quit") {
      break;
    } else {
      d.handle(cmd);
    }
    d.emit(driver::JsonObject().str("ev", "end").integer("seq", seq++).done());
    std::fflush(stdout);
  }
  std::fflush(stdout);
  // Skip static destructors: VMs and contexts are torn down with the process, as at Envoy exit.
  _exit(0);
}
