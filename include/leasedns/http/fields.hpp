// Reading the parts of a parsed request that carry values: percent-encoded paths and
// query strings (RFC 3986 §2.1, HTML form encoding), and the Authorization field
// (RFC 9110 §11.6.2) with the Basic scheme (RFC 7617). Pure; every function refuses
// malformed input with nullopt rather than guessing.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leasedns::http {

// %XX escapes decoded; with `plus_is_space` (query strings) '+' is a space. nullopt for a
// '%' not followed by two hex digits, and for an escaped NUL (%00), which no name or
// address a handler reads may contain.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

struct QueryParam {
    std::string name, value;  // decoded
};
// "hostname=a.lan&myip=198.18.0.7&offline" -> (hostname, a.lan), (myip, ...), (offline, "").
// Empty pieces ("a=1&&b=2") are skipped; names may repeat (kept in order). nullopt when
// any piece has a malformed escape.
std::optional<std::vector<QueryParam>> parse_query(std::string_view query);
// The first parameter of that name, or nullptr.
const std::string* find_param(const std::vector<QueryParam>& params, std::string_view name);

struct Authorization {
    std::string scheme;       // lower-cased ("basic", "bearer")
    std::string credentials;  // the rest, blanks around it removed
};
// "Basic dXNlcjpwYXNz" -> (basic, dXNlcjpwYXNz). nullopt when there is no scheme token.
std::optional<Authorization> parse_authorization(std::string_view value);

// RFC 4648 §4 base64 with padding; blanks are not allowed. nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

struct BasicCredentials {
    std::string user, password;
};
// RFC 7617 §2: base64 of user ':' password; the user cannot contain ':' and neither part
// may contain control characters. nullopt when it does not decode to that.
std::optional<BasicCredentials> decode_basic(std::string_view credentials);

}  // namespace leasedns::http
