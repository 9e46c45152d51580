// HTTP/1.1 requests (RFC 9112), parsed from bytes as they arrive, for the small HTTP
// endpoints leasedns serves on loopback (Prometheus metrics; later dyndns2). Pure: no
// I/O, no clock. Bounded: the head (request line and header fields) is at most 8 KiB
// with at most 100 fields, and a body is read only when the caller allows one. A request
// the parser refuses comes with the status code to answer it with and a reason for the
// log; the caller answers and closes the connection.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leasedns::http {

struct Limits {
    size_t max_head_bytes = 8192;    // request line + header fields + the empty line
    size_t max_headers = 100;        // header field lines
    size_t max_target_bytes = 2048;  // request-target; longer: 414
    size_t max_body_bytes = 0;       // Content-Length above this: 413 (0: no body at all)
};

struct Header {
    std::string name;   // as sent (compare case-insensitively)
    std::string value;  // leading and trailing blanks removed
};

struct Request {
    std::string method;     // a token, case-sensitive (RFC 9110 §9.1): "GET" is not "get"
    std::string target;     // as sent
    std::string path;       // origin-form path, still percent-encoded ("" for "*")
    std::string query;      // after '?', still encoded; empty when there is none
    int version_minor = 1;  // HTTP/1.0 or HTTP/1.1 (1.x above 1 reads as 1.1)
    std::vector<Header> headers;
    std::string body;
    // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
    bool keep_alive = true;

    // The first field of that name (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
};

struct Error {
    int status = 400;    // 400, 411, 413, 414, 431 or 505
    std::string reason;  // for the log: "header field without a colon"
};

enum class Progress : uint8_t { NeedMore, Complete, Failed };

// One request at a time: feed bytes until Complete or Failed; after Complete, take the
// request and reset() for the next one on the same connection.
class RequestParser {
public:
    explicit RequestParser(Limits limits = {});

    // Reads what belongs to the current request from `bytes` and returns how many bytes
    // it took: after a complete request the rest (a pipelined next request) is left to the
    // caller; after a failure nothing more is read.
    size_t feed(std::string_view bytes);

    Progress progress() const { return progress_; }
    const Request& request() const { return request_; }  // when Complete
    Request take_request() { return std::move(request_); }
    const Error& error() const { return error_; }  // when Failed
    // True once any byte of the current request has been read.
    bool started() const { return consumed_ > 0; }
    void reset();

private:
    enum class State : uint8_t { Start, RequestLine, Headers, Body, Done };
    void step(char c);
    void finish_head();
    void fail(int status, std::string reason);

    Limits limits_;
    State state_ = State::Start;
    Progress progress_ = Progress::NeedMore;
    std::string head_;  // request line and fields, from the first byte of the method
    size_t consumed_ = 0;
    size_t blank_bytes_ = 0;  // empty lines before the request line (RFC 9112 §2.2)
    size_t first_space_ = std::string::npos, second_space_ = std::string::npos;
    size_t line_start_ = 0;
    size_t header_lines_ = 0;
    size_t body_left_ = 0;
    Request request_;
    Error error_;
};

// "Bad Request" for 400...; "" for a status this module does not name.
std::string_view reason_phrase(int status);

}  // namespace leasedns::http
