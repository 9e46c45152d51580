// Log facade. Every line an operator sees carries a stable message ID (Kea's message
// catalogue habit), e.g. "DHCP-ACK". The sink (stderr in journald format) lives in io/;
// protocol code only talks to this interface.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace leasedns {

enum class LogLevel : uint8_t { Debug = 7, Info = 6, Notice = 5, Warning = 4, Error = 3 };

class LogSink {
public:
    virtual ~LogSink() = default;
    virtual void write(LogLevel level, std::string_view msg_id, std::string_view text) = 0;
};

class Log {
public:
    Log() = default;
    Log(LogSink* sink, LogLevel threshold) : sink_(sink), threshold_(threshold) {}

    bool enabled(LogLevel level) const {
        return sink_ != nullptr && static_cast<uint8_t>(level) <= static_cast<uint8_t>(threshold_);
    }
    void write(LogLevel level, std::string_view msg_id, std::string_view text) const {
        if (enabled(level)) sink_->write(level, msg_id, text);
    }
    void debug(std::string_view id, std::string_view t) const { write(LogLevel::Debug, id, t); }
    void info(std::string_view id, std::string_view t) const { write(LogLevel::Info, id, t); }
    void notice(std::string_view id, std::string_view t) const { write(LogLevel::Notice, id, t); }
    void warning(std::string_view id, std::string_view t) const { write(LogLevel::Warning, id, t); }
    void error(std::string_view id, std::string_view t) const { write(LogLevel::Error, id, t); }

private:
    LogSink* sink_ = nullptr;
    LogLevel threshold_ = LogLevel::Info;
};

// At most `burst` lines per message ID per `period_ms`, then one "suppressed N" summary.
// Anything a client can trigger is logged through this so that a flood cannot flood the log.
class RateLimitedLog {
public:
    RateLimitedLog(const Log& log, int64_t period_ms = 10'000, uint32_t burst = 5)
        : log_(log), period_ms_(period_ms), burst_(burst) {}

    void write(int64_t now_ms, LogLevel level, std::string_view msg_id, std::string_view text);
    void set_log(const Log& log) { log_ = log; }
    bool would_log(int64_t now_ms, std::string_view msg_id) const;

private:
    struct Bucket {
        int64_t window_start = 0;
        uint32_t count = 0;
        uint64_t suppressed = 0;
    };
    Log log_;
    int64_t period_ms_;
    uint32_t burst_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace leasedns
