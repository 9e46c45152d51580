// HTTP/1.1 responses: the bytes of a status line, fields and body, and the answer of a
// server that has one resource to offer (the metrics page). Pure.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "leasedns/http/request.hpp"

namespace leasedns::http {

struct Response {
    int status = 200;
    std::vector<Header> headers;  // besides Content-Length and Connection, which are added
    std::string body;
    bool close = false;  // "Connection: close": the server closes once it is sent
};

// The response's bytes. With `head_only` (a HEAD request) the body is left out but its
// Content-Length is still given (RFC 9110 §9.3.2).
std::string serialize(const Response& response, bool head_only = false);

// A refusal: `status` with a short text/plain body naming it and `detail`; closes the
// connection (after a parse error the rest of the stream cannot be trusted).
Response error_response(int status, std::string_view detail = {});

// One resource at `path`: GET and HEAD answered 200 with `make_body()` as `content_type`;
// any other method there 405 with Allow: GET, HEAD; any other path 404. The query string
// is ignored. Closes when the request did not ask to keep the connection.
Response serve_resource(const Request& request, std::string_view path,
                        std::string_view content_type,
                        const std::function<std::string()>& make_body);

}  // namespace leasedns::http
