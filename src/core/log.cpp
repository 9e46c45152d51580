#include "leasedns/core/log.hpp"

namespace leasedns {

bool RateLimitedLog::would_log(int64_t now_ms, std::string_view msg_id) const {
    auto it = buckets_.find(std::string(msg_id));
    if (it == buckets_.end()) return true;
    return now_ms - it->second.window_start >= period_ms_ || it->second.count < burst_;
}

void RateLimitedLog::write(int64_t now_ms, LogLevel level, std::string_view msg_id,
                           std::string_view text) {
    if (!log_.enabled(level)) return;
    Bucket& b = buckets_[std::string(msg_id)];
    if (now_ms - b.window_start >= period_ms_) {
        if (b.suppressed > 0) {
            log_.write(level, msg_id,
                       "(" + std::to_string(b.suppressed) + " similar messages suppressed)");
        }
        b.window_start = now_ms;
        b.count = 0;
        b.suppressed = 0;
    }
    if (b.count < burst_) {
        ++b.count;
        log_.write(level, msg_id, text);
    } else {
        ++b.suppressed;
    }
}

}  // namespace leasedns
