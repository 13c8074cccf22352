// A small JSON reader/writer for the driver's line protocol. Strings are byte strings: \uXXXX
// escapes are decoded to UTF-8, and output escapes control bytes only, so UTF-8 passes through.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace driver {

struct Json {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<Json> arr;
  std::vector<std::pair<std::string, Json>> obj;

  const Json *get(const std::string &key) const;
  std::string str(const std::string &key, const std::string &fallback = "") const;
  double num(const std::string &key, double fallback = 0) const;
  bool flag(const std::string &key, bool fallback = false) const;
  bool has(const std::string &key) const { return get(key) != nullptr; }
};

// Parses one JSON text; returns false (with a message) on malformed input.
bool parseJson(const std::string &text, Json *out, std::string *error);

// Appends `s` as a JSON string literal.
void appendQuoted(std::string *out, const std::string &s);

// Builds one JSON object line incrementally.
class JsonObject {
public:
  JsonObject &str(const char *key, const std::string &value);
  JsonObject &num(const char *key, double value);
  JsonObject &integer(const char *key, int64_t value);
  JsonObject &boolean(const char *key, bool value);
  JsonObject &raw(const char *key, const std::string &json);
  JsonObject &pairs(const char *key, const std::vector<std::pair<std::string, std::string>> &pairs);
  std::string done() const { return body_ + "}"; }

private:
  void key(const char *k);
  std::string body_ = "{";
  bool first_ = true;
};

} // namespace driver
