// The little JSON the control socket speaks (RFC 8259): a writer for the daemon's one-line
// responses and a bounded reader for leasectl (and the tests) to take them apart. Pure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leasedns::control {

// Appends JSON text to a string. Strings are escaped; bytes that are not valid UTF-8 become
// U+FFFD, so the output is always valid JSON whatever the daemon was given (ROBUSTNESS K).
// Commas are placed automatically: call key() before each member of an object.
class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(uint64_t n);
    JsonWriter& value(int64_t n);
    JsonWriter& value(bool b);
    JsonWriter& null();
    // A value already written as JSON by another writer.
    JsonWriter& raw(std::string_view json);

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void separate();
    std::string out_;
    bool need_comma_ = false;
};

// Writes `s` as a quoted JSON string onto `out`.
void append_json_string(std::string& out, std::string_view s);

struct JsonMember;

// A parsed JSON value. Numbers keep their text (counters are 64-bit; a double would round).
struct JsonValue {
    enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    std::string text;  // String: the decoded text; Number: the literal
    std::vector<JsonValue> items;
    std::vector<JsonMember> members;  // in document order

    bool is_object() const { return kind == Kind::Object; }
    bool is_array() const { return kind == Kind::Array; }
    bool is_string() const { return kind == Kind::String; }
    bool is_number() const { return kind == Kind::Number; }
    // The member named `k` of an object, or nullptr.
    const JsonValue* find(std::string_view k) const;
    // The number as an integer, when it is one that fits.
    std::optional<int64_t> as_int() const;
    std::optional<uint64_t> as_uint() const;
};

struct JsonMember {
    std::string name;
    JsonValue value;
};

// Parses one JSON text (surrounding white space allowed). Nesting deeper than `max_depth`
// is refused. On failure returns nullopt and sets `error`.
std::optional<JsonValue> parse_json(std::string_view text, std::string& error, int max_depth = 32);

}  // namespace leasedns::control
