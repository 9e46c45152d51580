#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "leasedns/core/log.hpp"

using namespace leasedns;

namespace {
struct CaptureSink : LogSink {
    std::vector<std::string> lines;
    void write(LogLevel, std::string_view id, std::string_view text) override {
        lines.push_back(std::string(id) + " " + std::string(text));
    }
};
}  // namespace

TEST_CASE("a flood of one message ID is rate limited, with a suppression summary") {
    CaptureSink sink;
    Log log(&sink, LogLevel::Debug);
    RateLimitedLog limited(log, 1000, 3);
    for (int i = 0; i < 100; ++i) limited.write(0, LogLevel::Warning, "DHCP-DROP", "bad");
    CHECK(sink.lines.size() == 3);
    limited.write(500, LogLevel::Warning, "OTHER", "x");  // other IDs are independent
    CHECK(sink.lines.size() == 4);
    limited.write(1500, LogLevel::Warning, "DHCP-DROP", "bad");
    REQUIRE(sink.lines.size() == 6);
    CHECK(sink.lines[4].find("97 similar messages suppressed") != std::string::npos);
}

TEST_CASE("levels below the threshold are not written") {
    CaptureSink sink;
    Log log(&sink, LogLevel::Info);
    log.debug("X", "no");
    log.info("X", "yes");
    CHECK(sink.lines.size() == 1);
}
