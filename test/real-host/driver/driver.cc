// Driver commands: VM start-up the way Envoy does it (base VM, canary, one VM per worker),
// streams through the HTTP filter callbacks, call-out answers, the clock, and a quiet loop for the
// soak test and the benchmark.
#include "driver.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "include/proxy-wasm/wamr.h"

namespace driver {

using proxy_wasm::FilterHeadersStatus;
using proxy_wasm::WasmHandleBase;

namespace {

const int64_t kDefaultEpochMs = 1767225600000; // 2026-01-01T00:00:00Z, as the simulator's clock

// Envoy's VM integration: errors go to its log; here they become events.
class Integration : public proxy_wasm::WasmVmIntegration {
public:
  explicit Integration(Driver *d) : d_(d) {}
  proxy_wasm::WasmVmIntegration *clone() override { return new Integration(d_); }
  proxy_wasm::LogLevel getLogLevel() override { return proxy_wasm::LogLevel::trace; }
  void error(std::string_view message) override { d_->hostError(nullptr, message); }
  void trace(std::string_view) override {}
  bool getNullVmFunction(std::string_view, bool, int, proxy_wasm::NullPlugin *, void *) override { return false; }

private:
  Driver *d_;
};

std::unique_ptr<proxy_wasm::WasmVm> newVm(Driver *d) {
  auto vm = proxy_wasm::createWamrVm();
  vm->integration().reset(new Integration(d));
  return vm;
}

HeaderMap headersFrom(const Json *arr) {
  HeaderMap m;
  if (arr == nullptr || arr->type != Json::Type::Array) return m;
  for (const auto &p : arr->arr) {
    if (p.type == Json::Type::Array && p.arr.size() == 2) m.add(p.arr[0].s, p.arr[1].s);
  }
  return m;
}

// Headers exactly as given (a call-out answer may lack :status or carry odd keys).
HeaderMap rawHeadersFrom(const Json *arr) {
  HeaderMap m;
  if (arr == nullptr || arr->type != Json::Type::Array) return m;
  for (const auto &p : arr->arr) {
    if (p.type == Json::Type::Array && p.arr.size() == 2) m.entries.emplace_back(HeaderMap::lower(p.arr[0].s), p.arr[1].s);
  }
  return m;
}

uint32_t logLevelFrom(const Json &cmd) {
  const Json *v = cmd.get("log_level");
  if (v == nullptr) return 2;
  if (v->type == Json::Type::Number) return static_cast<uint32_t>(v->n);
  static const char *names[] = {"trace", "debug", "info", "warn", "error", "critical"};
  for (uint32_t i = 0; i < 6; i++) {
    if (v->s == names[i]) return i;
  }
  return 2;
}

std::string base64Decode(const std::string &in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else continue; // padding and whitespace
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

double cpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wallSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

const char *failStateName(proxy_wasm::FailState s) {
  switch (s) {
  case proxy_wasm::FailState::Ok: return "Ok";
  case proxy_wasm::FailState::UnableToCreateVm: return "UnableToCreateVm";
  case proxy_wasm::FailState::UnableToCloneVm: return "UnableToCloneVm";
  case proxy_wasm::FailState::MissingFunction: return "MissingFunction";
  case proxy_wasm::FailState::UnableToInitializeCode: return "UnableToInitializeCode";
  case proxy_wasm::FailState::StartFailed: return "StartFailed";
  case proxy_wasm::FailState::ConfigureFailed: return "ConfigureFailed";
  case proxy_wasm::FailState::RuntimeError: return "RuntimeError";
  }
  return "Unknown";
}

} // namespace

Driver &theDriver() {
  static Driver *d = new Driver();
  return *d;
}

Driver::Driver() : now_ms_(kDefaultEpochMs) {}

void Driver::emit(const std::string &line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

VmRecord *Driver::vmFor(WasmBase *wasm) {
  auto it = by_wasm_.find(wasm);
  return it == by_wasm_.end() ? nullptr : it->second;
}

void Driver::recordLog(EnvoyContext *ctx, uint32_t level, std::string_view message) {
  auto *w = static_cast<DriverWasm *>(ctx->wasm());
  VmRecord *v = w->record_;
  uint32_t threshold = v != nullptr ? v->log_level : 2;
  if (level < threshold) return; // Envoy drops lines below its wasm logger level
  if (quiet_) {
    if (level >= 4) metrics_["driver.error_logs"] += 1;
    return;
  }
  JsonObject ev;
  ev.str("ev", "log").str("vm", v != nullptr ? v->name : "").str("role", w->role_);
  ev.integer("ctx", ctx->id()).integer("level", level).str("msg", std::string(message));
  emit(ev.done());
}

void Driver::hostError(DriverWasm *wasm, std::string_view message) {
  if (quiet_) {
    metrics_["driver.host_errors"] += 1;
    return;
  }
  JsonObject ev;
  ev.str("ev", "host_error");
  if (wasm != nullptr && wasm->record_ != nullptr) ev.str("vm", wasm->record_->name).str("role", wasm->role_);
  ev.str("msg", std::string(message));
  emit(ev.done());
}

void Driver::reportVmFailure(VmRecord *vm) {
  DriverWasm *w = vm->wasm();
  if (w == nullptr || !w->isFailed() || vm->failure_reported) return;
  vm->failure_reported = true;
  // A failed VM's timers are gone with it.
  vm->timer_due_ms.clear();
  vm->timer_period_ms.clear();
  metrics_["driver.vm_failures"] += 1;
  if (!quiet_) {
    emit(JsonObject().str("ev", "vm_failed").str("vm", vm->name).str("fail_state", failStateName(w->fail_state())).done());
  }
}

void Driver::runPosted() {
  // Tasks posted to the "dispatcher" (shared-queue wake-ups) run after the current event.
  for (int guard = 0; guard < 10000 && !posted_.empty(); guard++) {
    auto f = std::move(posted_.front());
    posted_.pop_front();
    f();
  }
  for (auto &kv : vms_) reportVmFailure(kv.second.get());
}

// ---- commands ------------------------------------------------------------------------------------

void Driver::handle(const Json &cmd) {
  std::string c = cmd.str("cmd");
  if (c == "vm") cmdVm(cmd);
  else if (c == "request") cmdRequest(cmd);
  else if (c == "request_body") {
    StreamRecord *s = streamArg(cmd);
    if (s != nullptr) cmdRequestBody(s, cmd.str("body"), cmd.flag("end", true));
  } else if (c == "respond") cmdRespond(cmd);
  else if (c == "fail_call") cmdFailCall(cmd);
  else if (c == "response") cmdResponse(cmd);
  else if (c == "end") cmdEnd(cmd);
  else if (c == "advance") cmdAdvance(cmd);
  else if (c == "stats") cmdStats(cmd);
  else if (c == "loop") cmdLoop(cmd);
  else if (c == "shared_data") cmdSharedData(cmd);
  else if (c == "clock") {
    now_ms_ = static_cast<int64_t>(cmd.num("now_ms", static_cast<double>(now_ms_)));
  } else emit(JsonObject().str("ev", "error").str("msg", "unknown command " + c).done());
  runPosted();
}

VmRecord *Driver::vmArg(const Json &cmd) {
  auto it = vms_.find(cmd.str("vm"));
  if (it == vms_.end() || !it->second->handle) {
    emit(JsonObject().str("ev", "error").str("msg", "unknown or unstarted vm " + cmd.str("vm")).done());
    return nullptr;
  }
  return it->second.get();
}

StreamRecord *Driver::streamArg(const Json &cmd) {
  for (auto &kv : vms_) {
    auto it = kv.second->streams.find(cmd.str("stream"));
    if (it != kv.second->streams.end()) return it->second.get();
  }
  emit(JsonObject().str("ev", "error").str("msg", "unknown stream " + cmd.str("stream")).done());
  return nullptr;
}

void Driver::cmdVm(const Json &cmd) {
  std::string name = cmd.str("vm");
  std::string path = cmd.str("module");
  auto cached = code_cache_.find(path);
  if (cached == code_cache_.end()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      emit(JsonObject().str("ev", "vm_started").str("vm", name).boolean("ok", false).str("phase", "read").str("fail_state", "UnableToReadModule").done());
      return;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    cached = code_cache_.emplace(path, ss.str()).first;
  }
  const std::string &code = cached->second;
  auto rec = std::make_unique<VmRecord>();
  VmRecord *vm = rec.get();
  vm->name = name;
  vm->log_level = logLevelFrom(cmd);
  if (const Json *cl = cmd.get("clusters"); cl != nullptr && cl->type == Json::Type::Array) {
    for (const auto &c : cl->arr) vm->clusters.push_back(c.s);
  } else {
    vm->any_cluster = true;
  }
  vms_[name] = std::move(rec);

  std::string vm_id = cmd.str("vm_id");
  std::string vm_config = cmd.str("vm_config");
  std::string root_id = cmd.str("root_id");
  auto plugin = std::make_shared<proxy_wasm::PluginBase>(cmd.str("plugin_name", root_id), root_id, vm_id, "wamr",
                                                         cmd.str("plugin_config"), cmd.flag("fail_open"), "");
  vm->plugin = plugin;
  std::string vm_key = proxy_wasm::makeVmKey(vm_id, vm_config, code);

  std::string role = "base";
  auto factory = [this, vm, vm_id, vm_config](std::string_view key) -> std::shared_ptr<WasmHandleBase> {
    auto wasm = std::make_shared<DriverWasm>(newVm(this), vm_id, vm_config, key, this);
    wasm->record_ = vm;
    wasm->role_ = "base";
    return std::make_shared<WasmHandleBase>(wasm);
  };
  auto clone = [this, vm, &role](std::shared_ptr<WasmHandleBase> base) -> std::shared_ptr<WasmHandleBase> {
    auto wasm = std::make_shared<DriverWasm>(base, [this] { return newVm(this); }, this);
    wasm->record_ = vm;
    wasm->role_ = role;
    return std::make_shared<WasmHandleBase>(wasm);
  };
  auto fail = [&](const char *phase, const std::string &state) {
    emit(JsonObject().str("ev", "vm_started").str("vm", name).boolean("ok", false).str("phase", phase).str("fail_state", state).done());
    // Envoy refuses the configuration: no filter uses this VM. The record stays (its VMs may still
    // log while they shut down); without a handle it takes no requests.
    vm->plugin_handle.reset();
    vm->handle.reset();
    vm->root = nullptr;
  };
  // 1. The base VM (load + initialize) and Envoy's throwaway canary (start + configure, then dropped).
  role = "canary";
  auto base = proxy_wasm::createWasm(vm_key, code, plugin, factory, clone, false);
  if (!base) {
    fail("canary", "rejected");
    return;
  }
  base_handles_[vm_key] = base;
  // 2. This worker's VM: a fresh instance from the base bytecode, started and configured.
  role = "worker";
  auto handle = clone(base);
  auto *wasm = static_cast<DriverWasm *>(handle->wasm().get());
  if (!wasm->initialize()) {
    fail("initialize", failStateName(wasm->fail_state()));
    return;
  }
  by_wasm_[wasm] = vm;
  vm->handle = handle;
  auto *root = wasm->start(plugin);
  if (root == nullptr) {
    by_wasm_.erase(wasm);
    fail("start", wasm->isFailed() ? failStateName(wasm->fail_state()) : "StartFailed");
    return;
  }
  vm->root = static_cast<EnvoyContext *>(root);
  if (!wasm->configure(root, plugin)) {
    by_wasm_.erase(wasm);
    fail("configure", wasm->isFailed() ? failStateName(wasm->fail_state()) : "ConfigureFailed");
    return;
  }
  vm->plugin_handle = std::make_shared<proxy_wasm::PluginHandleBase>(handle, plugin);
  emit(JsonObject().str("ev", "vm_started").str("vm", name).boolean("ok", !wasm->isFailed())
           .integer("root_context", root->id()).integer("memory_bytes", static_cast<int64_t>(wasm->wasm_vm()->getMemorySize()))
           .done());
}

StreamRecord *Driver::openStream(VmRecord *vm, const std::string &name, const Json &req) {
  auto rec = std::make_unique<StreamRecord>();
  StreamRecord *s = rec.get();
  s->name = name;
  s->vm = vm;
  s->request_headers = headersFrom(req.get("headers"));
  if (const Json *props = req.get("properties"); props != nullptr && props->type == Json::Type::Object) {
    for (const auto &kv : props->obj) s->properties[kv.first] = kv.second.s;
  }
  // Binary property values (e.g. the serialized dynamic metadata) come base64-encoded.
  if (const Json *props = req.get("properties_b64"); props != nullptr && props->type == Json::Type::Object) {
    for (const auto &kv : props->obj) s->properties[kv.first] = base64Decode(kv.second.s);
  }
  DriverWasm *wasm = vm->wasm();
  if (wasm->isFailed() && vm->plugin->fail_open_) {
    s->bypassed = true; // Envoy does not install a fail-open filter on a failed VM
  } else {
    s->context = std::make_unique<EnvoyContext>(wasm, vm->root->id(), vm->plugin_handle, s);
  }
  vm->streams[name] = std::move(rec);
  return s;
}

void Driver::cmdRequest(const Json &cmd) {
  VmRecord *vm = vmArg(cmd);
  if (vm == nullptr) return;
  std::string name = cmd.str("stream");
  if (vm->streams.count(name) != 0) {
    emit(JsonObject().str("ev", "error").str("msg", "stream exists " + name).done());
    return;
  }
  StreamRecord *s = openStream(vm, name, cmd);
  bool has_body = cmd.has("body");
  bool end = cmd.flag("end", !has_body);
  s->request_end = end;
  if (s->bypassed) {
    s->decision = "continued";
    if (!quiet_) emit(JsonObject().str("ev", "upstream").str("stream", name).pairs("headers", s->request_headers.entries).boolean("bypassed", true).done());
    return;
  }
  EnvoyContext *ctx = s->context.get();
  s->request_headers_available = true;
  ctx->onCreate(); // Envoy creates the in-VM context lazily, at decodeHeaders
  auto st = ctx->onRequestHeaders(static_cast<uint32_t>(s->request_headers.entries.size()), end);
  reportVmFailure(vm);
  if (!quiet_) emit(JsonObject().str("ev", "phase").str("stream", name).str("phase", "request_headers").integer("status", static_cast<int>(st)).done());
  if (s->decision.empty()) {
    if (st == FilterHeadersStatus::Continue) {
      s->request_headers_available = false;
      s->decision = "continued";
      if (!quiet_) emit(JsonObject().str("ev", "upstream").str("stream", name).pairs("headers", s->request_headers.entries).done());
    } else {
      s->paused_request = true;
    }
  }
  if (has_body) cmdRequestBody(s, cmd.str("body"), end);
}

void Driver::cmdRequestBody(StreamRecord *s, const std::string &body, bool end) {
  if (s->paused_request || s->decision.empty()) {
    // Headers stopped with StopAll...: Envoy buffers the body and delivers it after continue.
    s->pending_request_body += body;
    s->pending_request_body_end = end;
    return;
  }
  if (s->decision != "continued" || !s->context) return;
  s->request_end = end;
  s->request_body.reset(body);
  s->request_body_available = true;
  auto st = s->context->onRequestBody(static_cast<uint32_t>(body.size()), end);
  s->request_body_available = false;
  reportVmFailure(s->vm);
  if (!quiet_) emit(JsonObject().str("ev", "phase").str("stream", s->name).str("phase", "request_body").integer("status", static_cast<int>(st)).done());
}

void Driver::continueDecoding(StreamRecord *s) {
  if (s->ended || !s->paused_request) return;
  s->paused_request = false;
  if (!s->decision.empty()) return;
  s->decision = "continued";
  if (!quiet_) emit(JsonObject().str("ev", "upstream").str("stream", s->name).pairs("headers", s->request_headers.entries).done());
  if (!s->pending_request_body.empty() || s->pending_request_body_end) {
    std::string body = std::move(s->pending_request_body);
    s->pending_request_body.clear();
    cmdRequestBody(s, body, s->pending_request_body_end);
  }
}

void Driver::continueEncoding(StreamRecord *s) {
  if (s->ended || !s->paused_response) return;
  s->paused_response = false;
  if (!quiet_) emit(JsonObject().str("ev", "downstream").str("stream", s->name).pairs("headers", s->response_headers.entries).done());
}

void Driver::localReply(StreamRecord *s, uint32_t code, const std::string &body, const OwnedPairs &headers,
                        int64_t grpc_status, const std::string &details, bool fail_closed) {
  if (s->ended || s->decision == "local_reply" || s->decision == "failed") return;
  s->decision = fail_closed ? "failed" : "local_reply";
  s->paused_request = false;
  s->request_headers_available = false;
  // Envoy's local reply: :status, the module's headers, then content-length/-type for a body.
  HeaderMap h;
  h.add(":status", std::to_string(code));
  for (const auto &p : headers) h.entries.emplace_back(HeaderMap::lower(p.first), p.second);
  if (!body.empty()) {
    h.entries.emplace_back("content-length", std::to_string(body.size()));
    h.entries.emplace_back("content-type", "text/plain");
  }
  // The reply goes through the encoder chain, this filter included (unless its VM failed).
  EnvoyContext *ctx = s->context.get();
  if (!fail_closed && ctx != nullptr && !ctx->isFailed()) {
    s->response_headers = h;
    s->response_end = body.empty();
    s->response_headers_available = true;
    ctx->onResponseHeaders(static_cast<uint32_t>(h.entries.size()), body.empty());
    s->response_headers_available = false;
    h = s->response_headers;
    if (!body.empty() && !ctx->isFailed()) {
      s->response_end = true;
      s->response_body.reset(body);
      s->response_body_available = true;
      ctx->onResponseBody(static_cast<uint32_t>(body.size()), true);
      s->response_body_available = false;
    }
  } else {
    s->response_headers = h;
  }
  if (quiet_) {
    metrics_["driver.local_reply." + std::to_string(code)] += 1;
    return;
  }
  JsonObject ev;
  ev.str("ev", "local_reply").str("stream", s->name).integer("status", code).str("body", body).str("details", details);
  if (grpc_status >= 0) ev.integer("grpc_status", grpc_status);
  else ev.raw("grpc_status", "null");
  ev.pairs("headers", h.entries).pairs("additional_headers", headers).boolean("fail_closed", fail_closed);
  emit(ev.done());
}

void Driver::deliverResponse(VmRecord *vm, uint32_t token, HeaderMap headers, std::string body, bool failed,
                             const std::string &how) {
  auto it = vm->calls.find(token);
  if (it == vm->calls.end()) {
    if (!quiet_) emit(JsonObject().str("ev", "error").str("msg", "no pending call " + std::to_string(token) + " on " + vm->name).done());
    return;
  }
  vm->calls.erase(it);
  EnvoyContext *root = vm->root;
  if (!quiet_) emit(JsonObject().str("ev", "call_answered").str("vm", vm->name).integer("token", token).str("how", how).done());
  if (failed) {
    // Envoy onHttpCallFailure: status BrokenConnection "reset", callback with no headers or body.
    root->status_code_ = static_cast<uint32_t>(WasmResult::BrokenConnection);
    root->status_message_ = "reset";
    root->onHttpCallResponse(token, 0, 0, 0);
    // Envoy clears only the message afterwards: the code stays for later answers.
    root->status_message_ = "";
  } else {
    // Envoy onHttpCallSuccess writes no status at all: a code left by an earlier failure stays.
    CallResponse response;
    response.headers = std::move(headers);
    response.body.reset(std::move(body));
    root->call_response_ = &response;
    root->onHttpCallResponse(token, static_cast<uint32_t>(response.headers.entries.size()),
                             static_cast<uint32_t>(response.body.size()), 0);
    root->call_response_ = nullptr;
  }
  reportVmFailure(vm);
}

void Driver::cmdRespond(const Json &cmd) {
  VmRecord *vm = vmArg(cmd);
  if (vm == nullptr) return;
  deliverResponse(vm, static_cast<uint32_t>(cmd.num("token")), rawHeadersFrom(cmd.get("headers")), cmd.str("body"),
                  false, "response");
}

void Driver::cmdFailCall(const Json &cmd) {
  VmRecord *vm = vmArg(cmd);
  if (vm == nullptr) return;
  deliverResponse(vm, static_cast<uint32_t>(cmd.num("token")), HeaderMap(), "", true, "reset");
}

void Driver::sendResponseHeaders(StreamRecord *s, HeaderMap headers, const std::string &body) {
  s->response_headers = std::move(headers);
  s->response_end = body.empty();
  EnvoyContext *ctx = s->context.get();
  if (ctx != nullptr && !s->bypassed) {
    s->response_headers_available = true;
    auto st = ctx->onResponseHeaders(static_cast<uint32_t>(s->response_headers.entries.size()), body.empty());
    reportVmFailure(s->vm);
    if (!quiet_) emit(JsonObject().str("ev", "phase").str("stream", s->name).str("phase", "response_headers").integer("status", static_cast<int>(st)).done());
    if (s->decision == "failed" || s->decision == "local_reply") return; // replaced by a local reply
    if (st != FilterHeadersStatus::Continue) {
      s->paused_response = true;
      return;
    }
    s->response_headers_available = false;
    if (!body.empty()) {
      s->response_body.reset(body);
      s->response_body_available = true;
      ctx->onResponseBody(static_cast<uint32_t>(body.size()), true);
      s->response_body_available = false;
      reportVmFailure(s->vm);
    }
  }
  if (!quiet_) emit(JsonObject().str("ev", "downstream").str("stream", s->name).pairs("headers", s->response_headers.entries).str("body", body).done());
}

void Driver::cmdResponse(const Json &cmd) {
  StreamRecord *s = streamArg(cmd);
  if (s == nullptr) return;
  if (s->decision != "continued") {
    emit(JsonObject().str("ev", "error").str("msg", "stream " + s->name + " was not forwarded (" + s->decision + ")").done());
    return;
  }
  sendResponseHeaders(s, rawHeadersFrom(cmd.get("headers")), cmd.str("body"));
}

void Driver::endStream(StreamRecord *s, bool reset) {
  if (s->ended) return;
  s->ended = true;
  std::vector<std::string> callbacks;
  EnvoyContext *ctx = s->context.get();
  if (ctx != nullptr) {
    // Envoy: the access-log phase first (maps read-only), then onDestroy: on_done, on_delete.
    bool live = ctx->created() && !ctx->isFailed();
    s->in_log_phase = true;
    ctx->onLog();
    s->in_log_phase = false;
    ctx->onDone();
    ctx->onDelete();
    if (live) callbacks = {"on_log", "on_done", "on_delete"};
  }
  VmRecord *vm = s->vm;
  reportVmFailure(vm);
  if (!quiet_) {
    std::string cbs = "[";
    for (size_t i = 0; i < callbacks.size(); i++) cbs += (i ? ",\"" : "\"") + callbacks[i] + "\"";
    cbs += "]";
    emit(JsonObject().str("ev", "stream_end").str("stream", s->name).boolean("reset", reset).raw("callbacks", cbs)
             .str("decision", s->decision).done());
  }
  if (ctx != nullptr) ctx->detachStream();
  vm->streams.erase(s->name); // destroys the context: its id is gone from the VM
}

void Driver::cmdEnd(const Json &cmd) {
  StreamRecord *s = streamArg(cmd);
  if (s == nullptr) return;
  endStream(s, cmd.flag("reset"));
}

void Driver::fireDue(int64_t until_ms) {
  while (true) {
    // The earliest due timer or call-out deadline, over every VM.
    int64_t best = INT64_MAX;
    VmRecord *best_vm = nullptr;
    uint32_t best_id = 0;
    bool is_call = false;
    for (auto &kv : vms_) {
      VmRecord *vm = kv.second.get();
      if (!vm->handle) continue; // a refused configuration: its VM is gone
      for (auto &c : vm->calls) {
        if (c.second.deadline_ms >= 0 && c.second.deadline_ms <= until_ms && c.second.deadline_ms < best) {
          best = c.second.deadline_ms, best_vm = vm, best_id = c.first, is_call = true;
        }
      }
      for (auto &t : vm->timer_due_ms) {
        if (t.second <= until_ms && t.second < best) best = t.second, best_vm = vm, best_id = t.first, is_call = false;
      }
    }
    if (best_vm == nullptr) return;
    if (best > now_ms_) now_ms_ = best;
    if (is_call) {
      // Envoy's AsyncClient answers a timeout with its own 504 response.
      HeaderMap h;
      const std::string body = "upstream request timeout";
      h.entries = {{":status", "504"}, {"content-length", std::to_string(body.size())}, {"content-type", "text/plain"}};
      deliverResponse(best_vm, best_id, h, body, false, "timeout");
    } else {
      best_vm->timer_due_ms.erase(best_id);
      auto *ctx = static_cast<EnvoyContext *>(best_vm->wasm()->getContext(best_id));
      if (!quiet_) emit(JsonObject().str("ev", "tick").str("vm", best_vm->name).integer("now_ms", now_ms_).done());
      if (ctx != nullptr) ctx->onTick(0);
      reportVmFailure(best_vm);
      // Re-armed after the tick returns, unless the period was cleared (or re-set inside the tick).
      auto p = best_vm->timer_period_ms.find(best_id);
      if (p != best_vm->timer_period_ms.end() && best_vm->timer_due_ms.count(best_id) == 0) {
        best_vm->timer_due_ms[best_id] = now_ms_ + p->second;
      }
    }
    runPosted();
  }
}

void Driver::cmdAdvance(const Json &cmd) {
  int64_t target = now_ms_ + static_cast<int64_t>(cmd.num("ms"));
  fireDue(target);
  now_ms_ = target;
  if (!quiet_) emit(JsonObject().str("ev", "clock").integer("now_ms", now_ms_).done());
}

void Driver::cmdStats(const Json &cmd) {
  JsonObject ev;
  ev.str("ev", "stats");
  std::string vms = "{";
  bool first = true;
  for (auto &kv : vms_) {
    VmRecord *vm = kv.second.get();
    DriverWasm *w = vm->wasm();
    if (w == nullptr) continue;
    JsonObject o;
    o.integer("memory_bytes", static_cast<int64_t>(w->wasm_vm()->getMemorySize()))
        .boolean("failed", w->isFailed())
        .str("fail_state", failStateName(w->fail_state()))
        .integer("streams", static_cast<int64_t>(vm->streams.size()))
        .integer("pending_calls", static_cast<int64_t>(vm->calls.size()))
        .integer("timers", static_cast<int64_t>(vm->timer_due_ms.size()));
    if (!first) vms += ",";
    first = false;
    appendQuoted(&vms, kv.first);
    vms += ":" + o.done();
  }
  vms += "}";
  std::string metrics = "{";
  first = true;
  for (auto &kv : metrics_) {
    if (!first) metrics += ",";
    first = false;
    appendQuoted(&metrics, kv.first);
    metrics += ":" + std::to_string(kv.second);
  }
  metrics += "}";
  ev.raw("vms", vms).raw("metrics", metrics).integer("now_ms", now_ms_);
  emit(ev.done());
}

void Driver::cmdSharedData(const Json &cmd) {
  VmRecord *vm = vmArg(cmd);
  if (vm == nullptr) return;
  std::pair<std::string, uint32_t> data;
  auto r = vm->root->getSharedData(cmd.str("key"), &data);
  JsonObject ev;
  ev.str("ev", "shared_data").str("key", cmd.str("key")).boolean("found", r == WasmResult::Ok);
  if (r == WasmResult::Ok) ev.str("value", data.first).integer("cas", data.second);
  emit(ev.done());
}

// The soak and the benchmark: many request cycles without per-event output. Every call-out is
// answered with one scripted response; forwarded requests get one scripted upstream response.
void Driver::cmdLoop(const Json &cmd) {
  std::vector<VmRecord *> vms;
  if (const Json *names = cmd.get("vms"); names != nullptr) {
    for (const auto &n : names->arr) {
      auto it = vms_.find(n.s);
      if (it != vms_.end() && it->second->handle) vms.push_back(it->second.get());
    }
  }
  if (vms.empty()) {
    emit(JsonObject().str("ev", "error").str("msg", "loop: no started vms").done());
    return;
  }
  const Json empty;
  const Json *request = cmd.get("request");
  if (request == nullptr) request = &empty;
  const Json *call_response = cmd.get("call_response");
  const Json *upstream = cmd.get("upstream");
  HeaderMap call_headers = rawHeadersFrom(call_response ? call_response->get("headers") : nullptr);
  std::string call_body = call_response ? call_response->str("body") : "";
  HeaderMap up_headers = rawHeadersFrom(upstream ? upstream->get("headers") : nullptr);
  if (up_headers.entries.empty()) up_headers.add(":status", "200");
  std::string up_body = upstream ? upstream->str("body") : "";
  int64_t n = static_cast<int64_t>(cmd.num("n", 1000));
  int64_t sample_every = static_cast<int64_t>(cmd.num("sample_every", 0));
  int64_t advance_every = static_cast<int64_t>(cmd.num("advance_every", 0));
  int64_t advance_ms = static_cast<int64_t>(cmd.num("advance_ms", 0));
  // Optional per-request variation: the i-th request uses vary[i % len] for header vary_header.
  std::string vary_header = cmd.str("vary_header");
  std::vector<std::string> vary;
  if (const Json *v = cmd.get("vary"); v != nullptr) {
    for (const auto &x : v->arr) vary.push_back(x.s);
  }

  std::map<std::string, int64_t> before = metrics_;
  int64_t calls = 0, continued = 0;
  std::string samples = "[";
  auto answerAll = [&]() {
    for (int round = 0; round < 16; round++) {
      bool any = false;
      for (VmRecord *vm : vms) {
        while (!vm->calls.empty()) {
          uint32_t token = vm->calls.begin()->first;
          calls++;
          any = true;
          deliverResponse(vm, token, call_headers, call_body, false, "response");
          runPosted();
        }
      }
      if (!any) return;
    }
  };
  quiet_ = true;
  double cpu0 = cpuSeconds(), wall0 = wallSeconds();
  for (int64_t i = 0; i < n; i++) {
    VmRecord *vm = vms[static_cast<size_t>(i) % vms.size()];
    Json req = *request;
    if (!vary.empty() && !vary_header.empty()) {
      if (Json *hs = const_cast<Json *>(req.get("headers")); hs != nullptr) {
        for (auto &p : hs->arr) {
          if (p.arr.size() == 2 && p.arr[0].s == vary_header) p.arr[1].s = vary[static_cast<size_t>(i) % vary.size()];
        }
      }
    }
    std::string name = "loop-" + std::to_string(i);
    StreamRecord *s = openStream(vm, name, req);
    s->request_end = true;
    if (s->bypassed) {
      s->decision = "continued";
    } else {
      s->request_headers_available = true;
      s->context->onCreate();
      auto st = s->context->onRequestHeaders(static_cast<uint32_t>(s->request_headers.entries.size()), true);
      if (s->decision.empty()) {
        if (st == FilterHeadersStatus::Continue) {
          s->request_headers_available = false;
          s->decision = "continued";
        } else {
          s->paused_request = true;
        }
      }
    }
    runPosted();
    answerAll();
    if (s->decision == "continued") {
      continued++;
      sendResponseHeaders(s, up_headers, up_body);
    }
    endStream(s, false);
    runPosted();
    if (advance_every > 0 && (i + 1) % advance_every == 0) {
      fireDue(now_ms_ + advance_ms);
      now_ms_ += advance_ms;
      answerAll();
    }
    if (sample_every > 0 && (i + 1) % sample_every == 0) {
      if (samples.size() > 1) samples += ",";
      samples += std::to_string(vms[0]->wasm()->wasm_vm()->getMemorySize());
    }
  }
  double cpu = cpuSeconds() - cpu0, wall = wallSeconds() - wall0;
  quiet_ = false;
  samples += "]";
  std::string outcomes = "{";
  bool first = true;
  for (auto &kv : metrics_) {
    if (kv.first.rfind("driver.", 0) != 0) continue;
    int64_t delta = kv.second - (before.count(kv.first) ? before[kv.first] : 0);
    if (delta == 0) continue;
    if (!first) outcomes += ",";
    first = false;
    appendQuoted(&outcomes, kv.first.substr(7));
    outcomes += ":" + std::to_string(delta);
  }
  outcomes += "}";
  bool failed = false;
  for (VmRecord *vm : vms) failed = failed || vm->wasm()->isFailed();
  emit(JsonObject().str("ev", "loop").integer("n", n).integer("continued", continued).integer("calls", calls)
           .num("cpu_us_per_request", cpu * 1e6 / static_cast<double>(n))
           .num("wall_us_per_request", wall * 1e6 / static_cast<double>(n))
           .raw("counts", outcomes).raw("memory_samples", samples)
           .integer("memory_bytes", static_cast<int64_t>(vms[0]->wasm()->wasm_vm()->getMemorySize()))
           .boolean("vm_failed", failed).done());
}

} // namespace driver
