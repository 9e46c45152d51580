// Small text parsers shared by the flag, dnsmasq-file and TOML readers: dnsmasq's
// comma lists and quoting, lease times, numbers, domain names, hex strings.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/core/result.hpp"

namespace leasedns::config {

std::string_view trim(std::string_view text);

// A configuration file's whole content, or "PATH: cannot read: REASON".
Result<std::string, std::string> read_text_file(const std::string& path);
std::string to_lower(std::string_view text);

// Splits a dnsmasq value on commas outside double quotes, trimming blanks around each
// field (dnsmasq accepts "option:router, 198.18.0.1"). Quotes are kept: only the
// option that reads the field knows whether they matter (--dhcp-option=66,"1.2.3.4"
// forces a string). "" yields no fields; "a," yields "a" and "".
std::vector<std::string> split_fields(std::string_view text);

// Removes double quotes and applies dnsmasq's escapes inside them (\\ \" \t \n \r \e \b).
// Fails on an unterminated quote.
Result<std::string, std::string> unquote(std::string_view text);

// Configuration text must be UTF-8 without control characters (tab excepted): values
// end up in TOML (--print-config), in logs and in DNS answers. Returns the reason.
std::optional<std::string> check_text(std::string_view text);

// "45s", "2m", "12h", "1d", "1w", plain seconds, or "infinite" (kInfiniteLease).
Result<uint32_t, std::string> parse_lease_time(std::string_view text);
// True for text of the shape of a lease time (dnsmasq's test in --dhcp-host, where
// fields come in any order): digits with an optional unit, or "infinite".
bool looks_like_lease_time(std::string_view text);
// The shortest exact form: "infinite", "1w", "12h", "90s".
std::string format_lease_time(uint32_t seconds);

// Plain decimal digits, no sign, at most `max`.
std::optional<uint64_t> parse_uint(std::string_view text, uint64_t max);

// A DNS name as configuration writes it: lower-cased, one trailing dot dropped,
// labels of 1..63 letters, digits, '-' or '_' (SRV owner names), at most 253 octets.
Result<std::string, std::string> normalize_domain(std::string_view text);

// "01:02:ab" (groups of one or two hex digits separated by ':').
std::optional<std::vector<uint8_t>> parse_hex_bytes(std::string_view text);
std::string format_hex(std::span<const uint8_t> bytes);
// dnsmasq's id:… value: hex bytes when it reads as hex, else the text's bytes.
Result<std::vector<uint8_t>, std::string> parse_client_id(std::string_view text);

// dnsmasq's "/domain1/domain2/rest" syntax (--server, --address, --local). `domains` is
// empty when the text does not start with '/'; "//" yields one empty domain.
struct SlashedDomains {
    std::vector<std::string> domains;
    std::string rest;
};
Result<SlashedDomains, std::string> parse_slashed_domains(std::string_view text);

}  // namespace leasedns::config
