// Percent-decoding, query strings, and the Authorization field with Basic credentials.
#include <doctest/doctest.h>

#include "leasedns/http/fields.hpp"

using namespace leasedns::http;

TEST_CASE("percent_decode decodes escapes, '+' only in queries, and refuses malformed ones") {
    CHECK(*percent_decode("a%20b%2Fc") == "a b/c");
    CHECK(*percent_decode("%e2%9C%93") == "\xe2\x9c\x93");
    CHECK(*percent_decode("a+b") == "a+b");
    CHECK(*percent_decode("a+b", true) == "a b");
    CHECK(*percent_decode("") == "");
    CHECK_FALSE(percent_decode("%"));
    CHECK_FALSE(percent_decode("ab%2"));
    CHECK_FALSE(percent_decode("%zz"));
    CHECK_FALSE(percent_decode("%0g"));
    CHECK_FALSE(percent_decode("a%00b"));
}

TEST_CASE("parse_query splits on '&' and '=', decodes both sides, keeps order") {
    auto q = parse_query("hostname=nas.lan&myip=198.18.0.7&&offline&a%3Db=c+d");
    REQUIRE(q);
    REQUIRE(q->size() == 4);
    CHECK((*q)[0].name == "hostname");
    CHECK((*q)[0].value == "nas.lan");
    CHECK((*q)[2].name == "offline");
    CHECK((*q)[2].value == "");
    CHECK((*q)[3].name == "a=b");
    CHECK((*q)[3].value == "c d");
    REQUIRE(find_param(*q, "myip"));
    CHECK(*find_param(*q, "myip") == "198.18.0.7");
    CHECK(find_param(*q, "nope") == nullptr);
    CHECK(parse_query("")->empty());
    CHECK_FALSE(parse_query("a=%G1"));
    CHECK(*find_param(*parse_query("x=1&x=2"), "x") == "1");
}

TEST_CASE("parse_authorization: a scheme token, then the credentials") {
    auto a = parse_authorization("Basic dXNlcjpwYXNz");
    REQUIRE(a);
    CHECK(a->scheme == "basic");
    CHECK(a->credentials == "dXNlcjpwYXNz");
    a = parse_authorization("  Bearer   abc.def  ");
    REQUIRE(a);
    CHECK(a->scheme == "bearer");
    CHECK(a->credentials == "abc.def");
    CHECK(parse_authorization("Negotiate")->credentials.empty());
    CHECK_FALSE(parse_authorization(""));
    CHECK_FALSE(parse_authorization("   "));
    CHECK_FALSE(parse_authorization("Ba(sic x"));
}

TEST_CASE("base64_decode: RFC 4648 test vectors and malformed input") {
    CHECK(*base64_decode("") == "");
    CHECK(*base64_decode("Zg==") == "f");
    CHECK(*base64_decode("Zm8=") == "fo");
    CHECK(*base64_decode("Zm9v") == "foo");
    CHECK(*base64_decode("Zm9vYg==") == "foob");
    CHECK(*base64_decode("Zm9vYmE=") == "fooba");
    CHECK(*base64_decode("Zm9vYmFy") == "foobar");
    CHECK_FALSE(base64_decode("Zm9"));        // not a multiple of 4
    CHECK_FALSE(base64_decode("Zm=v"));       // data after padding
    CHECK_FALSE(base64_decode("Z==="));       // too much padding
    CHECK_FALSE(base64_decode("Zg==Zg=="));   // padding before the end
    CHECK_FALSE(base64_decode("Zm9v YmFy"));  // a blank
    CHECK_FALSE(base64_decode("Zh=="));       // unused bits set
}

TEST_CASE("decode_basic: user:password, the user without ':' and nothing unprintable") {
    auto c = decode_basic("dXNlcjpwYTpzcw==");  // user:pa:ss
    REQUIRE(c);
    CHECK(c->user == "user");
    CHECK(c->password == "pa:ss");
    CHECK(decode_basic("OnB3")->user.empty());  // ":pw"
    CHECK_FALSE(decode_basic("dXNlcg=="));      // "user": no colon
    CHECK_FALSE(decode_basic("dQp4OnA="));      // "u\nx:p"
    CHECK_FALSE(decode_basic("not base64!"));
}
