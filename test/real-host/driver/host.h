// The driver's model of Envoy around proxy-wasm-cpp-host: an Envoy-like Context (what Envoy's
// source/extensions/common/wasm/context.cc does where a module can observe it), a WasmBase that
// creates those contexts, and the records the driver keeps per VM, stream and http call-out.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "include/proxy-wasm/context.h"
#include "include/proxy-wasm/wasm.h"

namespace driver {

using proxy_wasm::ContextBase;
using proxy_wasm::WasmBase;
using proxy_wasm::WasmResult;
using OwnedPairs = std::vector<std::pair<std::string, std::string>>;

class Driver;
struct VmRecord;
struct StreamRecord;

// A header map as Envoy keeps it: lower-case keys, pseudo-headers before regular headers.
struct HeaderMap {
  OwnedPairs entries;
  static std::string lower(std::string_view s);
  void add(std::string_view key, std::string_view value);
  void replace(std::string_view key, std::string_view value);
  void remove(std::string_view key);
  const std::string *first(std::string_view key) const;
  uint32_t byteSize() const;
};

// An owned buffer the module can read (request/response body, call response body, config).
struct OwnedBuffer : public proxy_wasm::BufferBase {
  std::string bytes;
  explicit OwnedBuffer(std::string b = "") : bytes(std::move(b)) { set(bytes); }
  void reset(std::string b) {
    bytes = std::move(b);
    set(bytes);
  }
};

// What a call-out answer looks like once it reaches the root context.
struct CallResponse {
  HeaderMap headers;
  OwnedBuffer body;
  HeaderMap trailers;
};

class EnvoyContext : public ContextBase {
public:
  EnvoyContext(WasmBase *wasm);                                                  // VM context
  EnvoyContext(WasmBase *wasm, const std::shared_ptr<proxy_wasm::PluginBase> &); // root
  EnvoyContext(WasmBase *wasm, uint32_t parent_id, const std::shared_ptr<proxy_wasm::PluginHandleBase> &handle,
               StreamRecord *stream); // stream

  Driver *driver() const;
  VmRecord *vm() const;
  EnvoyContext *root() const { return static_cast<EnvoyContext *>(root_context()); }
  bool isStream() const { return stream_ != nullptr; }
  StreamRecord *stream() const { return stream_; }
  void detachStream() { stream_ = nullptr; }
  void markCreated() { in_vm_context_created_ = true; }
  bool created() const { return in_vm_context_created_; }

  // Set on a root context while its on_http_call_response runs (Envoy: http_call_response_).
  CallResponse *call_response_ = nullptr;
  uint32_t status_code_ = 0;
  std::string status_message_;

  // GeneralInterface
  void error(std::string_view message) override;
  WasmResult log(uint32_t level, std::string_view message) override;
  uint32_t getLogLevel() override;
  uint64_t getCurrentTimeNanoseconds() override;
  uint64_t getMonotonicTimeNanoseconds() override;
  std::string_view getConfiguration() override;
  std::pair<uint32_t, std::string_view> getStatus() override;

  // Buffers
  proxy_wasm::BufferInterface *getBuffer(proxy_wasm::WasmBufferType type) override;
  bool endOfStream(proxy_wasm::WasmStreamType type) override;

  // Call-outs
  WasmResult httpCall(std::string_view cluster, const proxy_wasm::Pairs &request_headers,
                      std::string_view request_body, const proxy_wasm::Pairs &request_trailers,
                      int timeout_milliseconds, uint32_t *token_ptr) override;
  WasmResult grpcCall(std::string_view, std::string_view, std::string_view, const proxy_wasm::Pairs &,
                      std::string_view, std::chrono::milliseconds, uint32_t *) override {
    return WasmResult::ParseFailure; // no gRPC service is configured (Envoy: unknown service)
  }
  WasmResult grpcStream(std::string_view, std::string_view, std::string_view, const proxy_wasm::Pairs &,
                        uint32_t *) override {
    return WasmResult::ParseFailure;
  }
  WasmResult grpcClose(uint32_t) override { return WasmResult::NotFound; }
  WasmResult grpcCancel(uint32_t) override { return WasmResult::NotFound; }
  WasmResult grpcSend(uint32_t, std::string_view, bool) override { return WasmResult::NotFound; }

  // Metrics
  WasmResult defineMetric(uint32_t type, std::string_view name, uint32_t *metric_id_ptr) override;
  WasmResult incrementMetric(uint32_t metric_id, int64_t offset) override;
  WasmResult recordMetric(uint32_t metric_id, uint64_t value) override;
  WasmResult getMetric(uint32_t metric_id, uint64_t *value_ptr) override;

  // Properties
  WasmResult getProperty(std::string_view path, std::string *result) override;
  WasmResult setProperty(std::string_view key, std::string_view value) override;

  // Stream control
  WasmResult continueStream(proxy_wasm::WasmStreamType type) override;
  WasmResult closeStream(proxy_wasm::WasmStreamType type) override;
  WasmResult sendLocalResponse(uint32_t response_code, std::string_view body_text,
                               proxy_wasm::Pairs additional_headers, uint32_t grpc_status,
                               std::string_view details) override;
  void clearRouteCache() override {}
  void failStream(proxy_wasm::WasmStreamType type) override;

  // Shared queues: cpp-host's own queue store, with the wake-up delivered to the registrant's VM
  // (see envoy_context.cc).
  WasmResult registerSharedQueue(std::string_view queue_name, uint32_t *token_ptr) override;
  WasmResult enqueueSharedQueue(uint32_t token, std::string_view value) override;

  // Header maps
  WasmResult addHeaderMapValue(proxy_wasm::WasmHeaderMapType type, std::string_view key,
                               std::string_view value) override;
  WasmResult getHeaderMapValue(proxy_wasm::WasmHeaderMapType type, std::string_view key,
                               std::string_view *result) override;
  WasmResult getHeaderMapPairs(proxy_wasm::WasmHeaderMapType type, proxy_wasm::Pairs *result) override;
  WasmResult setHeaderMapPairs(proxy_wasm::WasmHeaderMapType type, const proxy_wasm::Pairs &pairs) override;
  WasmResult removeHeaderMapValue(proxy_wasm::WasmHeaderMapType type, std::string_view key) override;
  WasmResult replaceHeaderMapValue(proxy_wasm::WasmHeaderMapType type, std::string_view key,
                                   std::string_view value) override;
  WasmResult getHeaderMapSize(proxy_wasm::WasmHeaderMapType type, uint32_t *result) override;

private:
  // The map for `type` as Envoy's getMap/getConstMap resolve it; nullptr when unavailable.
  HeaderMap *map(proxy_wasm::WasmHeaderMapType type, bool for_write);
  StreamRecord *stream_ = nullptr;
  OwnedBuffer config_buffer_;
};

class DriverWasm : public WasmBase {
public:
  DriverWasm(std::unique_ptr<proxy_wasm::WasmVm> vm, std::string_view vm_id, std::string_view vm_config,
             std::string_view vm_key, Driver *driver)
      : WasmBase(std::move(vm), vm_id, vm_config, vm_key, {}, {}), driver_(driver) {}
  DriverWasm(const std::shared_ptr<proxy_wasm::WasmHandleBase> &base, const proxy_wasm::WasmVmFactory &factory,
             Driver *driver)
      : WasmBase(base, factory), driver_(driver) {}

  ContextBase *createVmContext() override { return new EnvoyContext(this); }
  ContextBase *createRootContext(const std::shared_ptr<proxy_wasm::PluginBase> &plugin) override {
    return new EnvoyContext(this, plugin);
  }
  ContextBase *createContext(const std::shared_ptr<proxy_wasm::PluginBase> &plugin) override {
    return new EnvoyContext(this, plugin);
  }
  void setTimerPeriod(uint32_t root_context_id, std::chrono::milliseconds period) override;
  proxy_wasm::CallOnThreadFunction callOnThreadFunction() override;
  void error(std::string_view message) override;

  Driver *driver_;
  VmRecord *record_ = nullptr; // the VM record this instance was created for
  std::string role_ = "worker"; // "base" (load + initialize), "canary" (dropped) or "worker"
};

struct PendingCall {
  uint32_t token = 0;
  std::string cluster;
  int64_t deadline_ms = -1; // driver clock; -1: no timeout
};

struct StreamRecord {
  std::string name;
  VmRecord *vm = nullptr;
  std::unique_ptr<EnvoyContext> context;
  HeaderMap request_headers, response_headers, request_trailers, response_trailers;
  OwnedBuffer request_body, response_body;
  bool request_headers_available = false, response_headers_available = false;
  bool request_body_available = false, response_body_available = false;
  bool request_end = false, response_end = false;
  bool in_log_phase = false;
  bool paused_request = false, paused_response = false;
  std::string pending_request_body; // arrived while headers were stopped
  bool pending_request_body_end = false;
  std::string decision;              // "", "continued", "local_reply", "failed", "reset"
  bool local_reply_sent = false;     // Envoy local_reply_sent_: one local reply per stream
  bool bypassed = false;             // fail-open after a VM failure: the filter is not installed
  bool ended = false;
  std::map<std::string, std::string> properties;
  std::map<std::string, std::string> filter_state;
  bool quiet = false;
};

struct VmRecord {
  std::string name;
  std::shared_ptr<proxy_wasm::WasmHandleBase> handle;
  std::shared_ptr<proxy_wasm::PluginHandleBase> plugin_handle;
  std::shared_ptr<proxy_wasm::PluginBase> plugin;
  EnvoyContext *root = nullptr;
  std::vector<std::string> clusters;
  bool any_cluster = false;
  uint32_t log_level = 2;
  std::map<uint32_t, PendingCall> calls;
  std::map<uint32_t, int64_t> timer_period_ms; // root id → period
  std::map<uint32_t, int64_t> timer_due_ms;    // root id → due time
  std::map<std::string, std::unique_ptr<StreamRecord>> streams;
  std::map<uint32_t, std::string> metric_names; // metric id → name
  bool failure_reported = false;
  DriverWasm *wasm() const;
};

} // namespace driver
