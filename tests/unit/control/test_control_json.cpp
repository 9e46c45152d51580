// The control socket's JSON: what the daemon writes is always valid JSON (whatever bytes it
// quotes), and leasectl's reader takes RFC 8259 text apart and refuses the rest.
#include <doctest/doctest.h>

#include <string>

#include "leasedns/control/json.hpp"

using namespace leasedns::control;

namespace {
std::string quoted(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}
std::optional<JsonValue> parse(std::string_view s) {
    std::string error;
    return parse_json(s, error);
}
}  // namespace

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
    CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(quoted(std::string("\n\t\x01\x7f", 4)) == "\"\\u000a\\u0009\\u0001\\u007f\"");
}

TEST_CASE("JSON strings keep valid UTF-8 and replace invalid bytes with U+FFFD") {
    CHECK(quoted("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
    CHECK(quoted("\xff") == "\"\xef\xbf\xbd\"");
    CHECK(quoted("\xc0\xaf") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong '/'
    CHECK(quoted("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
    CHECK(quoted("\xe2\x82") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");  // truncated sequence
}

TEST_CASE("the writer separates members and items with commas") {
    JsonWriter w;
    w.begin_object().key("a").value(uint64_t{1}).key("b").begin_array();
    w.value("x").value(true).null().begin_object().end_object();
    w.end_array().key("c").value(int64_t{-5}).end_object();
    CHECK(w.str() == R"({"a":1,"b":["x",true,null,{}],"c":-5})");
}

TEST_CASE("what the writer writes, the reader reads back") {
    JsonWriter w;
    w.begin_object()
        .key("name")
        .value("h\xc3\xa9llo \"q\"\n")
        .key("n")
        .value(uint64_t{18446744073709551615u});
    w.end_object();
    auto v = parse(w.str());
    REQUIRE(v);
    REQUIRE(v->find("name"));
    CHECK(v->find("name")->text == "h\xc3\xa9llo \"q\"\n");
    CHECK(v->find("n")->as_uint() == 18446744073709551615u);
    CHECK_FALSE(v->find("n")->as_int());  // does not fit int64
    CHECK(v->find("missing") == nullptr);
}

TEST_CASE("the reader decodes escapes and surrogate pairs") {
    auto v = parse(R"(["\u00e9\ud83d\ude00\/\b\f\r\t"])");
    REQUIRE(v);
    REQUIRE(v->items.size() == 1);
    CHECK(v->items[0].text == "\xc3\xa9\xf0\x9f\x98\x80/\b\f\r\t");
}

TEST_CASE("the reader refuses what is not JSON") {
    for (const char* bad :
         {"", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\\x\"", "\"a",
          "\"\\ud800\"", "\"\\udc00x\"", "[1] 2", "{a:1}", "\"\x01\"", "\"\xff\"", "nul"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse(bad));
    }
}

TEST_CASE("the reader accepts numbers of every RFC 8259 form") {
    for (const char* good : {"0", "-0", "12", "-3.25", "1e5", "2E-3", "4.5e+10"}) {
        CAPTURE(good);
        auto v = parse(good);
        REQUIRE(v);
        CHECK(v->is_number());
    }
    CHECK(parse(" 42 ")->as_int() == 42);
    CHECK_FALSE(parse("1.5")->as_int());
}

TEST_CASE("nesting deeper than the limit is refused, not recursed into") {
    std::string deep(100000, '[');
    std::string error;
    CHECK_FALSE(parse_json(deep, error));
    CHECK(error.find("nested too deeply") != std::string::npos);
    std::string ok = std::string(32, '[') + std::string(32, ']');
    CHECK(parse_json(ok, error));
    std::string over = std::string(33, '[') + std::string(33, ']');
    CHECK_FALSE(parse_json(over, error));
}
