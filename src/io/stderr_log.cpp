#include "leasedns/io/stderr_log.hpp"

#include <cstdio>
#include <string>

namespace leasedns::io {

void StderrLogSink::write(LogLevel level, std::string_view msg_id, std::string_view text) {
    std::string line;
    line.reserve(msg_id.size() + text.size() + 8);
    line += '<';
    line += static_cast<char>('0' + static_cast<int>(level));
    line += '>';
    line += msg_id;
    line += ' ';
    line += text;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace leasedns::io
