// The metrics endpoint's address, in its two spellings: dnsmasq's ADDR#PORT for the flag
// (--metrics-listen=127.0.0.1#9153, as --server writes ports) and ADDR:PORT for TOML
// ([metrics] listen = "127.0.0.1:9153", "[::1]:9153"). Only loopback is accepted.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "leasedns/config/config.hpp"
#include "leasedns/core/result.hpp"
#include "option_table.hpp"

namespace leasedns::config {

// --metrics-listen=ADDR#PORT
std::optional<std::string> apply_metrics_listen(ApplyContext& ctx, std::string_view value,
                                                const Origin& origin);

// "127.0.0.1:9153" or "[::1]:9153"; the error says what is wrong and what is allowed.
Result<LoopbackEndpoint, std::string> parse_metrics_listen_toml(std::string_view text);
// The TOML spelling, which parse_metrics_listen_toml reads back.
std::string format_metrics_listen_toml(const LoopbackEndpoint& endpoint);

}  // namespace leasedns::config
