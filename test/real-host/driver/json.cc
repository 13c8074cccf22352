#include "json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace driver {

const Json *Json::get(const std::string &key) const {
  if (type != Type::Object) return nullptr;
  for (const auto &kv : obj) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

std::string Json::str(const std::string &key, const std::string &fallback) const {
  const Json *v = get(key);
  return v != nullptr && v->type == Type::String ? v->s : fallback;
}

double Json::num(const std::string &key, double fallback) const {
  const Json *v = get(key);
  return v != nullptr && v->type == Type::Number ? v->n : fallback;
}

bool Json::flag(const std::string &key, bool fallback) const {
  const Json *v = get(key);
  return v != nullptr && v->type == Type::Bool ? v->b : fallback;
}

namespace {

struct Parser {
  const std::string &t;
  size_t i = 0;
  std::string err;

  void ws() {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
  }
  bool fail(const char *m) {
    if (err.empty()) err = std::string(m) + " at " + std::to_string(i);
    return false;
  }
  static void utf8(std::string *o, uint32_t cp) {
    if (cp < 0x80) {
      o->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      o->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      o->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      o->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      o->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      o->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      o->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      o->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      o->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      o->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  bool hex4(uint32_t *v) {
    if (i + 4 > t.size()) return fail("short \\u escape");
    *v = 0;
    for (int k = 0; k < 4; k++) {
      char c = t[i++];
      *v <<= 4;
      if (c >= '0' && c <= '9') *v |= c - '0';
      else if (c >= 'a' && c <= 'f') *v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') *v |= c - 'A' + 10;
      else return fail("bad \\u escape");
    }
    return true;
  }
  bool string(std::string *o) {
    i++; // opening quote
    while (i < t.size()) {
      char c = t[i++];
      if (c == '"') return true;
      if (c != '\\') {
        o->push_back(c);
        continue;
      }
      if (i >= t.size()) break;
      char e = t[i++];
      switch (e) {
      case '"': o->push_back('"'); break;
      case '\\': o->push_back('\\'); break;
      case '/': o->push_back('/'); break;
      case 'b': o->push_back('\b'); break;
      case 'f': o->push_back('\f'); break;
      case 'n': o->push_back('\n'); break;
      case 'r': o->push_back('\r'); break;
      case 't': o->push_back('\t'); break;
      case 'u': {
        uint32_t cp = 0;
        if (!hex4(&cp)) return false;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= t.size() && t[i] == '\\' && t[i + 1] == 'u') {
          i += 2;
          uint32_t lo = 0;
          if (!hex4(&lo)) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        utf8(o, cp);
        break;
      }
      default: return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }
  bool value(Json *v, int depth) {
    if (depth > 64) return fail("too deep");
    ws();
    if (i >= t.size()) return fail("unexpected end");
    char c = t[i];
    if (c == '{') {
      v->type = Json::Type::Object;
      i++;
      ws();
      if (i < t.size() && t[i] == '}') { i++; return true; }
      while (true) {
        ws();
        if (i >= t.size() || t[i] != '"') return fail("expected key");
        std::string k;
        if (!string(&k)) return false;
        ws();
        if (i >= t.size() || t[i] != ':') return fail("expected :");
        i++;
        Json item;
        if (!value(&item, depth + 1)) return false;
        v->obj.emplace_back(std::move(k), std::move(item));
        ws();
        if (i < t.size() && t[i] == ',') { i++; continue; }
        if (i < t.size() && t[i] == '}') { i++; return true; }
        return fail("expected , or }");
      }
    }
    if (c == '[') {
      v->type = Json::Type::Array;
      i++;
      ws();
      if (i < t.size() && t[i] == ']') { i++; return true; }
      while (true) {
        Json item;
        if (!value(&item, depth + 1)) return false;
        v->arr.push_back(std::move(item));
        ws();
        if (i < t.size() && t[i] == ',') { i++; continue; }
        if (i < t.size() && t[i] == ']') { i++; return true; }
        return fail("expected , or ]");
      }
    }
    if (c == '"') {
      v->type = Json::Type::String;
      return string(&v->s);
    }
    if (t.compare(i, 4, "true") == 0) { v->type = Json::Type::Bool; v->b = true; i += 4; return true; }
    if (t.compare(i, 5, "false") == 0) { v->type = Json::Type::Bool; v->b = false; i += 5; return true; }
    if (t.compare(i, 4, "null") == 0) { v->type = Json::Type::Null; i += 4; return true; }
    const char *start = t.c_str() + i;
    char *end = nullptr;
    double d = std::strtod(start, &end);
    if (end == start) return fail("unexpected character");
    i += static_cast<size_t>(end - start);
    v->type = Json::Type::Number;
    v->n = d;
    return true;
  }
};

} // namespace

bool parseJson(const std::string &text, Json *out, std::string *error) {
  Parser p{text, 0, {}};
  if (!p.value(out, 0)) {
    *error = p.err;
    return false;
  }
  p.ws();
  if (p.i != text.size()) {
    *error = "trailing characters";
    return false;
  }
  return true;
}

void appendQuoted(std::string *out, const std::string &s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
    case '"': out->append("\\\""); break;
    case '\\': out->append("\\\\"); break;
    case '\n': out->append("\\n"); break;
    case '\r': out->append("\\r"); break;
    case '\t': out->append("\\t"); break;
    default:
      if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out->append(buf);
      } else {
        out->push_back(static_cast<char>(c));
      }
    }
  }
  out->push_back('"');
}

void JsonObject::key(const char *k) {
  if (!first_) body_.push_back(',');
  first_ = false;
  appendQuoted(&body_, k);
  body_.push_back(':');
}

JsonObject &JsonObject::str(const char *k, const std::string &value) {
  key(k);
  appendQuoted(&body_, value);
  return *this;
}

JsonObject &JsonObject::num(const char *k, double value) {
  key(k);
  if (!std::isfinite(value)) {
    body_.append("null");
    return *this;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  body_.append(buf);
  return *this;
}

JsonObject &JsonObject::integer(const char *k, int64_t value) {
  key(k);
  body_.append(std::to_string(value));
  return *this;
}

JsonObject &JsonObject::boolean(const char *k, bool value) {
  key(k);
  body_.append(value ? "true" : "false");
  return *this;
}

JsonObject &JsonObject::raw(const char *k, const std::string &json) {
  key(k);
  body_.append(json);
  return *this;
}

JsonObject &JsonObject::pairs(const char *k, const std::vector<std::pair<std::string, std::string>> &pairs) {
  key(k);
  body_.push_back('[');
  bool first = true;
  for (const auto &p : pairs) {
    if (!first) body_.push_back(',');
    first = false;
    body_.push_back('[');
    appendQuoted(&body_, p.first);
    body_.push_back(',');
    appendQuoted(&body_, p.second);
    body_.push_back(']');
  }
  body_.push_back(']');
  return *this;
}

} // namespace driver
