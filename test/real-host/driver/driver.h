// The driver: owns the VMs, streams and the clock, and turns protocol commands into the calls
// Envoy's HTTP filter makes into proxy-wasm-cpp-host. Every observable effect is an event line.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "host.h"
#include "json.h"

namespace driver {

class Driver {
public:
  Driver();
  // Runs one command; its events (and a final {"ev":"end"}) go to stdout.
  void handle(const Json &cmd);

  // ---- used by EnvoyContext / DriverWasm ----
  void emit(const std::string &line);
  bool quiet() const { return quiet_; }
  int64_t nowMs() const { return now_ms_; }
  uint64_t nowNs() const { return static_cast<uint64_t>(now_ms_) * 1000000ULL + sub_ms_ns_; }
  void recordLog(EnvoyContext *ctx, uint32_t level, std::string_view message);
  void hostError(DriverWasm *wasm, std::string_view message);
  void localReply(StreamRecord *s, uint32_t code, const std::string &body, const OwnedPairs &headers,
                  int64_t grpc_status, const std::string &details, bool fail_closed);
  void continueDecoding(StreamRecord *s);
  void continueEncoding(StreamRecord *s);
  void post(std::function<void()> task) { posted_.push_back(std::move(task)); }
  std::map<std::string, int64_t> &metrics() { return metrics_; }
  VmRecord *vmFor(WasmBase *wasm);
  // Queue token → the VM and root context that registered it last (they get on_queue_ready).
  std::map<uint32_t, std::pair<std::weak_ptr<WasmBase>, uint32_t>> &queueOwners() { return queue_owners_; }

private:
  void cmdVm(const Json &cmd);
  void cmdRequest(const Json &cmd);
  void cmdRequestBody(StreamRecord *s, const std::string &body, bool end);
  void cmdRespond(const Json &cmd);
  void cmdFailCall(const Json &cmd);
  void cmdResponse(const Json &cmd);
  void cmdEnd(const Json &cmd);
  void cmdAdvance(const Json &cmd);
  void cmdStats(const Json &cmd);
  void cmdLoop(const Json &cmd);
  void cmdSharedData(const Json &cmd);

  VmRecord *vmArg(const Json &cmd);
  StreamRecord *streamArg(const Json &cmd);
  StreamRecord *openStream(VmRecord *vm, const std::string &name, const Json &req);
  void deliverResponse(VmRecord *vm, uint32_t token, HeaderMap headers, std::string body, bool failed,
                       const std::string &how);
  void sendResponseHeaders(StreamRecord *s, HeaderMap headers, const std::string &body);
  void endStream(StreamRecord *s, bool reset);
  void runPosted();
  void reportVmFailure(VmRecord *vm);
  void fireDue(int64_t until_ms);

  std::map<std::string, std::unique_ptr<VmRecord>> vms_;
  std::map<WasmBase *, VmRecord *> by_wasm_;
  std::map<std::string, std::string> code_cache_;
  // Base VMs by vm_key, kept alive as Envoy's filter configuration keeps them (one canary each).
  std::map<std::string, std::shared_ptr<proxy_wasm::WasmHandleBase>> base_handles_;
  std::deque<std::function<void()>> posted_;
  std::map<uint32_t, std::pair<std::weak_ptr<WasmBase>, uint32_t>> queue_owners_;
  std::map<std::string, int64_t> metrics_;
  int64_t now_ms_;
  uint64_t sub_ms_ns_ = 0;
  bool quiet_ = false;
};

Driver &theDriver();

} // namespace driver
