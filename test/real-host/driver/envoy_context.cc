// EnvoyContext: the host side of every ABI call, written after what Envoy's Wasm Context does where
// the module can observe it (statuses, map lifetimes, deferred continue and local reply, call-outs
// bound to the root, properties). proxy-wasm-cpp-host's exports.cc decodes the ABI and calls these.
#include <algorithm>
#include <cctype>

#include "driver.h"

namespace driver {

using proxy_wasm::WasmBufferType;
using proxy_wasm::WasmHeaderMapType;
using proxy_wasm::WasmStreamType;

// ---- HeaderMap ---------------------------------------------------------------------------------

std::string HeaderMap::lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void HeaderMap::add(std::string_view key, std::string_view value) {
  std::string k = lower(key);
  if (!k.empty() && k[0] == ':') {
    // Envoy keeps pseudo-headers ahead of regular headers.
    auto it = std::find_if(entries.begin(), entries.end(),
                           [](const auto &e) { return e.first.empty() || e.first[0] != ':'; });
    entries.insert(it, {k, std::string(value)});
    return;
  }
  entries.emplace_back(k, std::string(value));
}

void HeaderMap::replace(std::string_view key, std::string_view value) {
  std::string k = lower(key);
  auto it = std::find_if(entries.begin(), entries.end(), [&](const auto &e) { return e.first == k; });
  if (it == entries.end()) {
    add(k, value);
    return;
  }
  it->second = std::string(value);
  // Envoy's setCopy keeps the first entry and drops the others.
  entries.erase(std::remove_if(std::next(it), entries.end(), [&](const auto &e) { return e.first == k; }),
                entries.end());
}

void HeaderMap::remove(std::string_view key) {
  std::string k = lower(key);
  entries.erase(std::remove_if(entries.begin(), entries.end(), [&](const auto &e) { return e.first == k; }),
                entries.end());
}

const std::string *HeaderMap::first(std::string_view key) const {
  std::string k = lower(key);
  for (const auto &e : entries) {
    if (e.first == k) return &e.second;
  }
  return nullptr;
}

uint32_t HeaderMap::byteSize() const {
  uint32_t n = 0;
  for (const auto &e : entries) n += static_cast<uint32_t>(e.first.size() + e.second.size());
  return n;
}

// ---- construction ------------------------------------------------------------------------------

EnvoyContext::EnvoyContext(WasmBase *wasm) : ContextBase(wasm) {}
EnvoyContext::EnvoyContext(WasmBase *wasm, const std::shared_ptr<proxy_wasm::PluginBase> &plugin)
    : ContextBase(wasm, plugin) {}
EnvoyContext::EnvoyContext(WasmBase *wasm, uint32_t parent_id,
                           const std::shared_ptr<proxy_wasm::PluginHandleBase> &handle, StreamRecord *stream)
    : ContextBase(wasm, parent_id, handle), stream_(stream) {}

Driver *EnvoyContext::driver() const { return static_cast<DriverWasm *>(wasm())->driver_; }
VmRecord *EnvoyContext::vm() const { return static_cast<DriverWasm *>(wasm())->record_; }

// ---- general -------------------------------------------------------------------------------------

void EnvoyContext::error(std::string_view message) {
  // Envoy logs host-side errors (e.g. proc_exit) and carries on; the trap that follows fails the VM.
  driver()->hostError(static_cast<DriverWasm *>(wasm()), message);
}

WasmResult EnvoyContext::log(uint32_t level, std::string_view message) {
  driver()->recordLog(this, level, message);
  return WasmResult::Ok;
}

uint32_t EnvoyContext::getLogLevel() {
  VmRecord *v = vm();
  return v != nullptr ? v->log_level : 0;
}

uint64_t EnvoyContext::getCurrentTimeNanoseconds() { return driver()->nowNs(); }
uint64_t EnvoyContext::getMonotonicTimeNanoseconds() { return driver()->nowNs(); }

std::string_view EnvoyContext::getConfiguration() {
  if (temp_plugin_) return temp_plugin_->plugin_configuration_;
  return "";
}

std::pair<uint32_t, std::string_view> EnvoyContext::getStatus() {
  return {status_code_, status_message_};
}

proxy_wasm::BufferInterface *EnvoyContext::getBuffer(WasmBufferType type) {
  switch (type) {
  case WasmBufferType::VmConfiguration:
    config_buffer_.reset(wasm()->vm_configuration());
    return &config_buffer_;
  case WasmBufferType::PluginConfiguration:
    // Only inside on_configure / validate_configuration (cpp-host sets temp_plugin_ there).
    if (temp_plugin_) {
      config_buffer_.reset(temp_plugin_->plugin_configuration_);
      return &config_buffer_;
    }
    return nullptr;
  case WasmBufferType::HttpRequestBody:
    return stream_ != nullptr && stream_->request_body_available ? &stream_->request_body : nullptr;
  case WasmBufferType::HttpResponseBody:
    return stream_ != nullptr && stream_->response_body_available ? &stream_->response_body : nullptr;
  case WasmBufferType::HttpCallResponseBody: {
    // Envoy serves the call response from the root context, whatever the effective context.
    EnvoyContext *r = root();
    return r != nullptr && r->call_response_ != nullptr ? &r->call_response_->body : nullptr;
  }
  default:
    return nullptr;
  }
}

bool EnvoyContext::endOfStream(WasmStreamType type) {
  if (stream_ == nullptr) return true;
  return type == WasmStreamType::Request ? stream_->request_end : stream_->response_end;
}

// ---- call-outs (Envoy Context::httpCall) ---------------------------------------------------------

WasmResult EnvoyContext::httpCall(std::string_view cluster, const proxy_wasm::Pairs &request_headers,
                                  std::string_view request_body, const proxy_wasm::Pairs &request_trailers,
                                  int timeout_milliseconds, uint32_t *token_ptr) {
  if (timeout_milliseconds < 0) return WasmResult::BadArgument;
  VmRecord *v = vm();
  if (v == nullptr) return WasmResult::InternalFailure; // canary VM: no cluster manager
  std::string c(cluster);
  if (!v->any_cluster && std::find(v->clusters.begin(), v->clusters.end(), c) == v->clusters.end()) {
    return WasmResult::BadArgument; // unknown cluster
  }
  HeaderMap headers;
  for (const auto &p : request_headers) headers.add(p.first, p.second);
  if (headers.first(":path") == nullptr || headers.first(":method") == nullptr ||
      headers.first(":authority") == nullptr) {
    return WasmResult::BadArgument;
  }
  if (!request_body.empty()) headers.replace("content-length", std::to_string(request_body.size()));
  HeaderMap trailers;
  for (const auto &p : request_trailers) trailers.add(p.first, p.second);
  uint32_t token = wasm()->nextHttpCallId();
  auto *self = static_cast<DriverWasm *>(wasm());
  if (self->role_ != "worker") {
    // Envoy's canary VM may call out too; it is dropped before any answer arrives.
    if (!driver()->quiet()) {
      driver()->emit(JsonObject().str("ev", "canary_http_call").str("vm", v->name).integer("token", token).str("cluster", c)
                         .pairs("headers", headers.entries).done());
    }
    *token_ptr = token;
    return WasmResult::Ok;
  }
  PendingCall call;
  call.token = token;
  call.cluster = c;
  call.deadline_ms = timeout_milliseconds > 0 ? driver()->nowMs() + timeout_milliseconds : -1;
  v->calls[token] = call;
  if (!driver()->quiet()) {
    ContextBase *caller = proxy_wasm::contextOrEffectiveContext();
    JsonObject ev;
    ev.str("ev", "http_call").str("vm", v->name).integer("token", token).str("cluster", c);
    auto *ec = static_cast<EnvoyContext *>(caller);
    if (ec != nullptr && ec->stream() != nullptr) ev.str("stream", ec->stream()->name);
    ev.pairs("headers", headers.entries)
        .str("body", std::string(request_body))
        .pairs("trailers", trailers.entries)
        .integer("timeout_ms", timeout_milliseconds);
    driver()->emit(ev.done());
  }
  *token_ptr = token;
  return WasmResult::Ok;
}

// ---- metrics -------------------------------------------------------------------------------------

WasmResult EnvoyContext::defineMetric(uint32_t type, std::string_view name, uint32_t *metric_id_ptr) {
  if (type > static_cast<uint32_t>(proxy_wasm::MetricType::Max)) return WasmResult::BadArgument;
  VmRecord *v = vm();
  uint32_t id;
  auto t = static_cast<proxy_wasm::MetricType>(type);
  if (t == proxy_wasm::MetricType::Counter) id = wasm()->nextCounterMetricId();
  else if (t == proxy_wasm::MetricType::Gauge) id = wasm()->nextGaugeMetricId();
  else id = wasm()->nextHistogramMetricId();
  if (v != nullptr) v->metric_names[id] = "wasmcustom." + std::string(name);
  *metric_id_ptr = id;
  return WasmResult::Ok;
}

WasmResult EnvoyContext::incrementMetric(uint32_t metric_id, int64_t offset) {
  VmRecord *v = vm();
  if (v == nullptr) return WasmResult::NotFound;
  auto it = v->metric_names.find(metric_id);
  if (it == v->metric_names.end()) return WasmResult::NotFound;
  auto &value = driver()->metrics()[it->second];
  if (wasm()->isCounterMetricId(metric_id)) {
    if (offset <= 0) return WasmResult::BadArgument;
    value += offset;
    return WasmResult::Ok;
  }
  if (wasm()->isGaugeMetricId(metric_id)) {
    value += offset;
    return WasmResult::Ok;
  }
  return WasmResult::BadArgument;
}

WasmResult EnvoyContext::recordMetric(uint32_t metric_id, uint64_t value) {
  VmRecord *v = vm();
  if (v == nullptr) return WasmResult::NotFound;
  auto it = v->metric_names.find(metric_id);
  if (it == v->metric_names.end()) return WasmResult::NotFound;
  auto &stored = driver()->metrics()[it->second];
  if (wasm()->isCounterMetricId(metric_id)) {
    if (static_cast<int64_t>(value) > stored) stored = static_cast<int64_t>(value);
  } else if (wasm()->isGaugeMetricId(metric_id)) {
    stored = static_cast<int64_t>(value);
  } else {
    driver()->metrics()[it->second + ".samples"] += 1; // histogram: count the recorded values
  }
  return WasmResult::Ok;
}

WasmResult EnvoyContext::getMetric(uint32_t metric_id, uint64_t *value_ptr) {
  VmRecord *v = vm();
  if (v == nullptr) return WasmResult::NotFound;
  auto it = v->metric_names.find(metric_id);
  if (it == v->metric_names.end()) return WasmResult::NotFound;
  if (wasm()->isHistogramMetricId(metric_id)) return WasmResult::BadArgument;
  *value_ptr = static_cast<uint64_t>(driver()->metrics()[it->second]);
  return WasmResult::Ok;
}

// ---- properties ----------------------------------------------------------------------------------

WasmResult EnvoyContext::getProperty(std::string_view path, std::string *result) {
  std::string p(path);
  // Both the Go SDK form (a\0b) and the Rust SDK form (a\0b\0) name the same path.
  while (!p.empty() && p.back() == '\0') p.pop_back();
  if (p == "plugin_name") {
    *result = plugin_ ? plugin_->name_ : "";
    return WasmResult::Ok;
  }
  if (p == "plugin_root_id") {
    *result = std::string(root_id());
    return WasmResult::Ok;
  }
  if (p == "plugin_vm_id") {
    *result = std::string(wasm()->vm_id());
    return WasmResult::Ok;
  }
  if (stream_ != nullptr) {
    auto it = stream_->properties.find(p);
    if (it != stream_->properties.end()) {
      *result = it->second;
      return WasmResult::Ok;
    }
    auto fs = stream_->filter_state.find("wasm." + p);
    if (fs != stream_->filter_state.end()) {
      *result = fs->second;
      return WasmResult::Ok;
    }
  }
  return WasmResult::NotFound;
}

WasmResult EnvoyContext::setProperty(std::string_view key, std::string_view value) {
  if (stream_ == nullptr) return WasmResult::NotFound; // no stream info on a root context
  stream_->filter_state["wasm." + std::string(key)] = std::string(value);
  return WasmResult::Ok;
}

// ---- stream control ------------------------------------------------------------------------------

WasmResult EnvoyContext::continueStream(WasmStreamType type) {
  StreamRecord *s = stream_;
  Driver *d = driver();
  switch (type) {
  case WasmStreamType::Request:
    if (s != nullptr) wasm()->addAfterVmCallAction([d, s] { d->continueDecoding(s); });
    break;
  case WasmStreamType::Response:
    if (s != nullptr) wasm()->addAfterVmCallAction([d, s] { d->continueEncoding(s); });
    break;
  case WasmStreamType::Downstream:
    return WasmResult::Ok;
  case WasmStreamType::Upstream:
    return WasmResult::Unimplemented;
  default:
    return WasmResult::BadArgument;
  }
  // Envoy drops its request-side map pointers at once, for Request and Response alike.
  if (s != nullptr) {
    s->request_headers_available = false;
    s->request_body_available = false;
  }
  return WasmResult::Ok;
}

WasmResult EnvoyContext::closeStream(WasmStreamType type) {
  StreamRecord *s = stream_;
  if (s == nullptr) return WasmResult::Ok;
  if (type == WasmStreamType::Request || type == WasmStreamType::Response) {
    Driver *d = driver();
    wasm()->addAfterVmCallAction([d, s] {
      if (s->decision.empty() || s->decision == "continued") s->decision = "reset";
      if (!d->quiet()) d->emit(JsonObject().str("ev", "reset").str("stream", s->name).str("details", "wasm_close_stream").done());
    });
  }
  return WasmResult::Ok;
}

WasmResult EnvoyContext::sendLocalResponse(uint32_t response_code, std::string_view body_text,
                                           proxy_wasm::Pairs additional_headers, uint32_t grpc_status,
                                           std::string_view details) {
  StreamRecord *s = stream_;
  if (s == nullptr) return WasmResult::Ok; // a root context has no decoder callbacks: nothing happens
  if (s->local_reply_sent) {
    // Envoy refuses a second local reply on the stream. (cpp-host's export reports Ok regardless.)
    if (!driver()->quiet()) {
      driver()->emit(JsonObject().str("ev", "local_reply_refused").str("stream", s->name).integer("status", response_code).done());
    }
    return WasmResult::BadArgument;
  }
  s->local_reply_sent = true;
  OwnedPairs headers;
  for (const auto &p : additional_headers) headers.emplace_back(HeaderMap::lower(p.first), std::string(p.second));
  std::string body(body_text);
  std::string det(details);
  for (auto &c : det) {
    if (std::isspace(static_cast<unsigned char>(c))) c = '_';
  }
  int64_t grpc = grpc_status <= 16 ? static_cast<int64_t>(grpc_status) : -1;
  Driver *d = driver();
  // The reply itself is sent after the VM call returns.
  wasm()->addAfterVmCallAction([d, s, response_code, body, headers, grpc, det] {
    d->localReply(s, response_code, body, headers, grpc, det, false);
  });
  return WasmResult::Ok;
}

void EnvoyContext::failStream(WasmStreamType type) {
  StreamRecord *s = stream_;
  if (s == nullptr || s->local_reply_sent) return;
  if (type == WasmStreamType::Request || type == WasmStreamType::Response) {
    s->local_reply_sent = true;
    // Envoy: 503, empty body, gRPC UNAVAILABLE, details wasm_fail_stream; sent at once.
    driver()->localReply(s, 503, "", {}, 14, "wasm_fail_stream", true);
  }
}

// ---- shared queues -------------------------------------------------------------------------------
// cpp-host posts the wake-up to the registrant's thread and finds the VM there through its
// thread-local VM cache: in Envoy every worker thread holds one VM per vm_key. The driver runs all
// worker VMs on one thread, so it remembers which VM registered each queue and posts the
// on_queue_ready itself, to that VM's root context, after the current event (never inline).

WasmResult EnvoyContext::registerSharedQueue(std::string_view queue_name, uint32_t *token_ptr) {
  WasmResult r = ContextBase::registerSharedQueue(queue_name, token_ptr);
  if (r == WasmResult::Ok) {
    uint32_t root_id = isRootContext() ? id() : parent_context_id_;
    driver()->queueOwners()[*token_ptr] = {wasm()->shared_from_this(), root_id};
  }
  return r;
}

WasmResult EnvoyContext::enqueueSharedQueue(uint32_t token, std::string_view value) {
  WasmResult r = ContextBase::enqueueSharedQueue(token, value);
  if (r != WasmResult::Ok) return r;
  auto it = driver()->queueOwners().find(token);
  if (it != driver()->queueOwners().end()) {
    std::weak_ptr<WasmBase> owner = it->second.first;
    uint32_t root_id = it->second.second;
    driver()->post([owner, root_id, token] {
      auto w = owner.lock();
      if (!w) return;
      ContextBase *ctx = w->getContext(root_id);
      if (ctx != nullptr) ctx->onQueueReady(token);
    });
  }
  return r;
}

// ---- header maps ---------------------------------------------------------------------------------

HeaderMap *EnvoyContext::map(WasmHeaderMapType type, bool for_write) {
  StreamRecord *s = stream_;
  switch (type) {
  case WasmHeaderMapType::RequestHeaders:
    if (s == nullptr) return nullptr;
    if (s->request_headers_available || (s->in_log_phase && !for_write)) return &s->request_headers;
    return nullptr;
  case WasmHeaderMapType::ResponseHeaders:
    if (s == nullptr) return nullptr;
    if (s->response_headers_available || (s->in_log_phase && !for_write)) return &s->response_headers;
    return nullptr;
  case WasmHeaderMapType::ResponseTrailers:
    if (s == nullptr) return nullptr;
    if (s->in_log_phase && !for_write) return &s->response_trailers;
    return nullptr;
  case WasmHeaderMapType::HttpCallResponseHeaders: {
    EnvoyContext *r = root();
    return r != nullptr && r->call_response_ != nullptr ? &r->call_response_->headers : nullptr;
  }
  case WasmHeaderMapType::HttpCallResponseTrailers: {
    EnvoyContext *r = root();
    return r != nullptr && r->call_response_ != nullptr ? &r->call_response_->trailers : nullptr;
  }
  default:
    return nullptr;
  }
}

WasmResult EnvoyContext::addHeaderMapValue(WasmHeaderMapType type, std::string_view key, std::string_view value) {
  HeaderMap *m = map(type, true);
  if (m == nullptr) return WasmResult::BadArgument;
  m->add(key, value);
  return WasmResult::Ok;
}

WasmResult EnvoyContext::getHeaderMapValue(WasmHeaderMapType type, std::string_view key, std::string_view *result) {
  HeaderMap *m = map(type, false);
  if (m == nullptr) {
    return stream_ != nullptr && stream_->in_log_phase ? WasmResult::NotFound : WasmResult::BadArgument;
  }
  const std::string *v = m->first(key);
  if (v == nullptr) return WasmResult::NotFound;
  *result = *v;
  return WasmResult::Ok;
}

WasmResult EnvoyContext::getHeaderMapPairs(WasmHeaderMapType type, proxy_wasm::Pairs *result) {
  HeaderMap *m = map(type, false);
  if (m == nullptr) return WasmResult::Ok; // unavailable: an empty map
  for (const auto &e : m->entries) result->emplace_back(e.first, e.second);
  return WasmResult::Ok;
}

WasmResult EnvoyContext::setHeaderMapPairs(WasmHeaderMapType type, const proxy_wasm::Pairs &pairs) {
  HeaderMap *m = map(type, true);
  if (m == nullptr) return WasmResult::BadArgument;
  // Copy first: `pairs` points into guest memory and into nothing of ours, but stay safe.
  OwnedPairs copy;
  for (const auto &p : pairs) copy.emplace_back(std::string(p.first), std::string(p.second));
  m->entries.clear();
  for (const auto &p : copy) m->add(p.first, p.second);
  return WasmResult::Ok;
}

WasmResult EnvoyContext::removeHeaderMapValue(WasmHeaderMapType type, std::string_view key) {
  HeaderMap *m = map(type, true);
  if (m == nullptr) return WasmResult::BadArgument;
  m->remove(key);
  return WasmResult::Ok;
}

WasmResult EnvoyContext::replaceHeaderMapValue(WasmHeaderMapType type, std::string_view key, std::string_view value) {
  HeaderMap *m = map(type, true);
  if (m == nullptr) return WasmResult::BadArgument;
  m->replace(key, value);
  return WasmResult::Ok;
}

WasmResult EnvoyContext::getHeaderMapSize(WasmHeaderMapType type, uint32_t *result) {
  HeaderMap *m = map(type, true);
  if (m == nullptr) return WasmResult::BadArgument;
  *result = m->byteSize();
  return WasmResult::Ok;
}

// ---- DriverWasm ----------------------------------------------------------------------------------

void DriverWasm::setTimerPeriod(uint32_t root_context_id, std::chrono::milliseconds period) {
  WasmBase::setTimerPeriod(root_context_id, period);
  if (record_ == nullptr || role_ != "worker") return; // base or canary VM: its timers never fire
  int64_t ms = period.count();
  // As Envoy's Wasm::setTickPeriod: any new period restarts the timer; 0 stops it.
  if (ms > 0) {
    record_->timer_period_ms[root_context_id] = ms;
    record_->timer_due_ms[root_context_id] = driver_->nowMs() + ms;
  } else {
    record_->timer_period_ms.erase(root_context_id);
    record_->timer_due_ms.erase(root_context_id);
  }
}

// cpp-host's own queue wake-up runs here too; it finds no thread-local VM (see the shared queues
// above) and does nothing, so the driver's own post is the one that delivers on_queue_ready.
proxy_wasm::CallOnThreadFunction DriverWasm::callOnThreadFunction() {
  Driver *d = driver_;
  return [d](std::function<void()> f) { d->post(std::move(f)); };
}

void DriverWasm::error(std::string_view message) { driver_->hostError(this, message); }

DriverWasm *VmRecord::wasm() const {
  return handle ? static_cast<DriverWasm *>(handle->wasm().get()) : nullptr;
}

} // namespace driver
