// The HTTP/1.1 request parser: well-formed requests in every way they may arrive (whole,
// byte by byte, pipelined), and each class of refusal with its status code.
#include <doctest/doctest.h>

#include <string>

#include "leasedns/http/request.hpp"

using namespace leasedns::http;
using namespace std::string_view_literals;

namespace {

struct Outcome {
    Progress progress;
    size_t used;
    Request request;
    Error error;
};

Outcome parse(std::string_view bytes, Limits limits = {}) {
    RequestParser p(limits);
    size_t used = p.feed(bytes);
    return {p.progress(), used, p.request(), p.error()};
}

int refusal(std::string_view bytes, Limits limits = {}) {
    auto o = parse(bytes, limits);
    REQUIRE(o.progress == Progress::Failed);
    CHECK_FALSE(o.error.reason.empty());
    CHECK(!reason_phrase(o.error.status).empty());
    return o.error.status;
}

constexpr std::string_view kScrape =
    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9153\r\nUser-Agent: Prometheus/2.45.0\r\n"
    "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\nAccept-Encoding: gzip\r\n"
    "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n";

}  // namespace

TEST_CASE("a Prometheus scrape parses into method, path, version and fields") {
    auto o = parse(kScrape);
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.used == kScrape.size());
    CHECK(o.request.method == "GET");
    CHECK(o.request.target == "/metrics");
    CHECK(o.request.path == "/metrics");
    CHECK(o.request.query.empty());
    CHECK(o.request.version_minor == 1);
    CHECK(o.request.keep_alive);
    REQUIRE(o.request.headers.size() == 5);
    REQUIRE(o.request.header("user-agent"));
    CHECK(*o.request.header("USER-AGENT") == "Prometheus/2.45.0");
    CHECK(o.request.header("x-missing") == nullptr);
}

TEST_CASE("the query string is split off the path, still encoded") {
    auto o = parse(
        "GET /nic/update?hostname=nas.lan&myip=198.18.0.7 HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Basic dXNlcjpwYXNz\r\n\r\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.request.path == "/nic/update");
    CHECK(o.request.query == "hostname=nas.lan&myip=198.18.0.7");
    REQUIRE(o.request.header("authorization"));
    CHECK(*o.request.header("authorization") == "Basic dXNlcjpwYXNz");
}

TEST_CASE("field values lose surrounding blanks; empty values are kept") {
    auto o = parse("GET / HTTP/1.1\r\nHost:   a  \r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(*o.request.header("host") == "a");
    CHECK(*o.request.header("x-empty") == "");
    CHECK(*o.request.header("x-tab") == "v");
}

TEST_CASE("absolute-form and asterisk-form targets") {
    auto o = parse("GET http://127.0.0.1:9153/metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.request.path == "/metrics");
    CHECK(o.request.query == "x=1");
    o = parse("GET HTTP://a HTTP/1.1\r\nHost: a\r\n\r\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.request.path == "/");
    o = parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.request.path.empty());
    CHECK(refusal("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
}

TEST_CASE("HTTP/1.0: no Host needed, closes unless keep-alive is asked for") {
    auto o = parse("GET /metrics HTTP/1.0\r\n\r\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.request.version_minor == 0);
    CHECK_FALSE(o.request.keep_alive);
    o = parse("GET /metrics HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    CHECK(o.request.keep_alive);
    o = parse("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n");
    CHECK_FALSE(o.request.keep_alive);
}

TEST_CASE("bare LF line ends are accepted; leading empty lines are skipped") {
    auto o = parse("\r\n\r\nGET /metrics HTTP/1.1\nHost: a\n\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.request.path == "/metrics");
}

TEST_CASE("fed one byte at a time, the parser says NeedMore until the last byte") {
    RequestParser p;
    CHECK_FALSE(p.started());
    for (size_t i = 0; i < kScrape.size(); ++i) {
        CHECK(p.progress() == Progress::NeedMore);
        CHECK(p.feed(kScrape.substr(i, 1)) == 1);
        CHECK(p.started());
    }
    REQUIRE(p.progress() == Progress::Complete);
    CHECK(p.request().path == "/metrics");
    CHECK(p.request().headers.size() == 5);
}

TEST_CASE("pipelined requests: the second is left to the caller, then parsed after reset") {
    std::string two = std::string(kScrape) + "HEAD /other?q HTTP/1.1\r\nHost: b\r\n\r\n";
    RequestParser p;
    size_t used = p.feed(two);
    CHECK(used == kScrape.size());
    REQUIRE(p.progress() == Progress::Complete);
    Request first = p.take_request();
    CHECK(first.path == "/metrics");
    p.reset();
    CHECK_FALSE(p.started());
    CHECK(p.feed(std::string_view(two).substr(used)) == two.size() - used);
    REQUIRE(p.progress() == Progress::Complete);
    CHECK(p.request().method == "HEAD");
    CHECK(p.request().path == "/other");
    CHECK(p.request().query == "q");
}

TEST_CASE("a body is read by its Content-Length when the limits allow one") {
    Limits limits;
    limits.max_body_bytes = 16;
    std::string req = "POST /nic/update HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET";
    RequestParser p(limits);
    size_t used = 0;
    for (char c : req) {  // byte by byte, through the body
        if (p.progress() != Progress::NeedMore) break;
        used += p.feed(std::string_view(&c, 1));
    }
    REQUIRE(p.progress() == Progress::Complete);
    CHECK(used == req.size() - 3);
    CHECK(p.request().body == "hello");
    // Content-Length: 0 is no body, allowed even with the default limits.
    CHECK(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").progress ==
          Progress::Complete);
}

TEST_CASE("400: malformed request lines") {
    CHECK(refusal("\x16\x03\x01\x02\x00") == 400);  // a TLS ClientHello
    CHECK(refusal("GET /metrics\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET /metrics HTTP/1.1 extra\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET /metrics http/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET /metrics HTTP/1.1x\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("G(T /metrics HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal(std::string(40, 'G') + " / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET /me\x01trics HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET /metrics#frag HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal("GET metrics HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    CHECK(refusal(std::string(20, '\n')) == 400);
    CHECK(refusal(std::string(20, '\r')) == 400);
}

TEST_CASE("400: malformed header fields") {
    CHECK(refusal("GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n") == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost : a\r\n\r\n") == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n") == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n") == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"sv) == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n") == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n") == 400);
}

TEST_CASE("400: Host missing in HTTP/1.1 or given twice") {
    CHECK(refusal("GET /metrics HTTP/1.1\r\n\r\n") == 400);
    CHECK(refusal("GET /metrics HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n") == 400);
    CHECK(refusal("GET /metrics HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
}

TEST_CASE("400: malformed or conflicting Content-Length") {
    Limits limits;
    limits.max_body_bytes = 100;
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", limits) == 400);
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", limits) == 400);
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", limits) == 400);
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                  limits) == 400);
    auto same = parse(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", limits);
    CHECK(same.progress == Progress::Complete);
}

TEST_CASE("411: chunked (any Transfer-Encoding) is refused") {
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") == 411);
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                  "transfer-encoding: gzip, chunked\r\n\r\n") == 411);
}

TEST_CASE("413: a body over the limit, by its announced length") {
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n") == 413);
    Limits limits;
    limits.max_body_bytes = 10;
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits) == 413);
    CHECK(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999999999\r\n\r\n",
                  limits) == 413);
}

TEST_CASE("414: a target over the limit, refused before the line ends") {
    RequestParser p;
    p.feed("GET /");
    std::string long_path(3000, 'a');
    size_t used = p.feed(long_path);
    REQUIRE(p.progress() == Progress::Failed);
    CHECK(p.error().status == 414);
    CHECK(used <= 2050);  // stops reading at the limit
    Limits limits;
    limits.max_target_bytes = 8;
    CHECK(refusal("GET /123456789 HTTP/1.1\r\nHost: a\r\n\r\n", limits) == 414);
    CHECK(parse("GET /1234567 HTTP/1.1\r\nHost: a\r\n\r\n", limits).progress == Progress::Complete);
}

TEST_CASE("431: too many fields, or a head over 8 KiB") {
    std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 100; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    CHECK(refusal(many + "\r\n") == 431);
    std::string big = "GET / HTTP/1.1\r\nHost: a\r\nCookie: " + std::string(8200, 'c') + "\r\n\r\n";
    RequestParser p;
    size_t used = p.feed(big);
    REQUIRE(p.progress() == Progress::Failed);
    CHECK(p.error().status == 431);
    CHECK(used <= 8193);
    // 100 fields and a 7 KiB head are fine.
    std::string fine = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 98; ++i) fine += "X-" + std::to_string(i) + ": v\r\n";
    fine += "Cookie: " + std::string(6000, 'c') + "\r\n\r\n";
    CHECK(parse(fine).progress == Progress::Complete);
}

TEST_CASE("505: HTTP versions other than 1.x") {
    CHECK(refusal("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == 505);
    CHECK(refusal("GET / HTTP/0.9\r\n\r\n") == 505);
    // 1.x with a higher minor reads as 1.1 (RFC 9110 §6.2).
    auto o = parse("GET / HTTP/1.7\r\nHost: a\r\n\r\n");
    REQUIRE(o.progress == Progress::Complete);
    CHECK(o.request.version_minor == 1);
}

TEST_CASE("after a refusal the parser reads nothing more, until reset") {
    RequestParser p;
    std::string bad = "BAD\x01 / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    size_t used = p.feed(bad);
    REQUIRE(p.progress() == Progress::Failed);
    CHECK(used < bad.size());
    CHECK(p.feed("more") == 0);
    p.reset();
    CHECK(p.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n") > 0);
    CHECK(p.progress() == Progress::Complete);
}
