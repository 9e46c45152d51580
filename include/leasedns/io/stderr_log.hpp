// Log lines on stderr with the "<N>" priority prefix that journald understands
// (sd-daemon(3)), so `journalctl -p warning` works under systemd and stays readable
// in a terminal.
#pragma once
#include "leasedns/core/log.hpp"

namespace leasedns::io {

class StderrLogSink final : public LogSink {
public:
    void write(LogLevel level, std::string_view msg_id, std::string_view text) override;
};

}  // namespace leasedns::io
