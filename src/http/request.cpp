#include "leasedns/http/request.hpp"

#include <algorithm>
#include <optional>

namespace leasedns::http {

namespace {

// RFC 9110 §5.6.2: tchar.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// RFC 9110 §5.5: field-value is VCHAR, obs-text, SP and HTAB; any other control
// character (NUL, CR, DEL...) makes the request malformed.
bool is_field_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

// request-target characters (RFC 3986): visible ASCII; '#' never (fragments stay with
// the client).
bool is_target_char(char c) {
    return c > 0x20 && c < 0x7f && c != '#';
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

constexpr size_t kMaxMethodBytes = 32;
constexpr size_t kMaxBlankBytes = 16;  // CR and LF before the request line

struct HeadError {
    int status;
    std::string reason;
};

// The request line's target, split into path and query (RFC 9112 §3.2).
std::optional<HeadError> split_target(Request& r) {
    std::string_view t = r.target;
    if (!std::all_of(t.begin(), t.end(), is_target_char))
        return HeadError{400, "invalid character in the request target"};
    if (t == "*") {  // asterisk-form: OPTIONS only
        if (r.method != "OPTIONS")
            return HeadError{400, "'*' target with a method other than OPTIONS"};
        return std::nullopt;
    }
    if (t.front() != '/') {
        // absolute-form: a server must accept it (RFC 9112 §3.2.2); the authority is not
        // ours to check (a loopback listener answers whatever name it is reached by).
        size_t scheme_end = t.find("://");
        if (scheme_end == std::string_view::npos ||
            !(istarts_with(t, "http://") || istarts_with(t, "https://")))
            return HeadError{400, "request target is neither a path nor an http URL"};
        t.remove_prefix(scheme_end + 3);
        size_t start = t.find_first_of("/?");
        if (start == 0) return HeadError{400, "http URL without a host"};
        t = start == std::string_view::npos ? std::string_view("/") : t.substr(start);
        if (t.front() == '?') {
            r.path = "/";
            r.query = std::string(t.substr(1));
            return std::nullopt;
        }
    }
    size_t q = t.find('?');
    r.path = std::string(t.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(t.substr(q + 1));
    return std::nullopt;
}

std::optional<HeadError> parse_request_line(std::string_view line, Request& r,
                                            const Limits& limits) {
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos)
        return HeadError{400, "request line is not METHOD TARGET VERSION"};
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) return HeadError{400, "malformed method"};
    if (target.empty()) return HeadError{400, "empty request target"};
    if (target.size() > limits.max_target_bytes) return HeadError{414, "request target too long"};
    // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); case-sensitive.
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return HeadError{400, "malformed HTTP version"};
    if (version[5] != '1') return HeadError{505, "only HTTP/1.0 and HTTP/1.1 are served"};
    r.method = std::string(method);
    r.target = std::string(target);
    r.version_minor = version[7] == '0' ? 0 : 1;
    return split_target(r);
}

std::optional<HeadError> parse_field(std::string_view line, Request& r) {
    if (line.front() == ' ' || line.front() == '\t')
        return HeadError{400, "folded header field (obsolete line folding)"};
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return HeadError{400, "header field without a colon"};
    std::string_view name = line.substr(0, colon);
    // RFC 9112 §5.1: no whitespace between the name and the colon.
    if (!is_token(name)) return HeadError{400, "malformed header field name"};
    std::string_view value = trim_blanks(line.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(), is_field_char))
        return HeadError{400, "control character in a header field"};
    r.headers.push_back(Header{std::string(name), std::string(value)});
    return std::nullopt;
}

// Content-Length, Transfer-Encoding, Host and Connection, once all fields are read.
std::optional<HeadError> check_framing(Request& r, const Limits& limits, size_t& body_bytes) {
    body_bytes = 0;
    bool have_length = false;
    size_t hosts = 0;
    r.keep_alive = r.version_minor >= 1;
    for (const auto& h : r.headers) {
        if (iequals(h.name, "transfer-encoding"))
            // Bodies come with a Content-Length or not at all (RFC 9110 §15.5.12).
            return HeadError{411, "chunked or other transfer codings are not accepted"};
        if (iequals(h.name, "host")) ++hosts;
        if (iequals(h.name, "content-length")) {
            const std::string& v = h.value;
            if (v.empty() || v.size() > 18 ||
                !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return HeadError{400, "malformed Content-Length"};
            size_t n = std::stoull(v);
            // RFC 9110 §8.6: several differing lengths make the framing unknowable.
            if (have_length && n != body_bytes) return HeadError{400, "conflicting Content-Length"};
            have_length = true;
            body_bytes = n;
        }
        if (iequals(h.name, "connection")) {
            std::string_view rest = h.value;
            while (!rest.empty()) {
                size_t comma = rest.find(',');
                std::string_view option = trim_blanks(rest.substr(0, comma));
                if (iequals(option, "close")) r.keep_alive = false;
                if (iequals(option, "keep-alive") && r.version_minor == 0) r.keep_alive = true;
                rest =
                    comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
        }
    }
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1; never more than one.
    if (hosts > 1) return HeadError{400, "more than one Host field"};
    if (hosts == 0 && r.version_minor >= 1) return HeadError{400, "HTTP/1.1 request without Host"};
    if (body_bytes > limits.max_body_bytes) return HeadError{413, "request body too large"};
    return std::nullopt;
}

}  // namespace

const std::string* Request::header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

RequestParser::RequestParser(Limits limits) : limits_(limits) {}

void RequestParser::reset() {
    Limits limits = limits_;
    *this = RequestParser(limits);
}

void RequestParser::fail(int status, std::string reason) {
    progress_ = Progress::Failed;
    error_ = Error{status, std::move(reason)};
    state_ = State::Done;
}

size_t RequestParser::feed(std::string_view bytes) {
    size_t used = 0;
    while (used < bytes.size() && progress_ == Progress::NeedMore) {
        if (state_ == State::Body) {
            size_t n = std::min(body_left_, bytes.size() - used);
            request_.body.append(bytes.substr(used, n));
            used += n;
            consumed_ += n;
            body_left_ -= n;
            if (body_left_ == 0) {
                state_ = State::Done;
                progress_ = Progress::Complete;
            }
            continue;
        }
        ++consumed_;
        step(bytes[used++]);
    }
    return used;
}

void RequestParser::step(char c) {
    if (state_ == State::Start) {
        if (c == '\r' || c == '\n') {
            // Some clients send a CRLF after a POST body; tolerated, within reason.
            if (++blank_bytes_ > kMaxBlankBytes) fail(400, "empty lines instead of a request");
            return;
        }
        // Decided at the first byte: binary garbage or TLS is refused at once.
        if (!is_tchar(c)) return fail(400, "not an HTTP request");
        state_ = State::RequestLine;
    }
    size_t pos = head_.size();
    head_.push_back(c);
    if (state_ == State::RequestLine) {
        if (c == '\n') {
            state_ = State::Headers;
            line_start_ = head_.size();
            return;
        }
        if (c == ' ') {
            if (first_space_ == std::string::npos)
                first_space_ = pos;
            else if (second_space_ == std::string::npos)
                second_space_ = pos;
            return;
        }
        if (first_space_ == std::string::npos) {
            if (pos >= kMaxMethodBytes) return fail(400, "method too long");
            if (!is_tchar(c) && c != '\r') return fail(400, "malformed method");
        } else if (second_space_ == std::string::npos &&
                   pos - first_space_ > limits_.max_target_bytes) {
            return fail(414, "request target too long");
        }
        if (head_.size() >= limits_.max_head_bytes) return fail(400, "request line too long");
        return;
    }
    // Header fields.
    if (head_.size() > limits_.max_head_bytes) return fail(431, "request header fields too large");
    if (c != '\n') return;
    std::string_view line(head_.data() + line_start_, head_.size() - line_start_ - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return finish_head();
    if (++header_lines_ > limits_.max_headers) return fail(431, "too many header fields");
    line_start_ = head_.size();
}

void RequestParser::finish_head() {
    // Lines end in CRLF or, tolerated (RFC 9112 §2.2), a bare LF; a CR anywhere else is
    // an error rather than something to interpret.
    std::string_view head = head_;
    bool first = true;
    while (!head.empty()) {
        size_t nl = head.find('\n');
        std::string_view line = head.substr(0, nl);
        head.remove_prefix(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find('\r') != std::string_view::npos) return fail(400, "bare CR in the request");
        if (line.empty()) break;  // the end of the head
        auto e = first ? parse_request_line(line, request_, limits_) : parse_field(line, request_);
        if (e) return fail(e->status, std::move(e->reason));
        first = false;
    }
    size_t body = 0;
    if (auto e = check_framing(request_, limits_, body))
        return fail(e->status, std::move(e->reason));
    head_.clear();
    head_.shrink_to_fit();
    if (body == 0) {
        state_ = State::Done;
        progress_ = Progress::Complete;
        return;
    }
    body_left_ = body;
    request_.body.reserve(body);
    state_ = State::Body;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
    }
    return "";
}

}  // namespace leasedns::http
