#include "leasedns/http/response.hpp"

namespace leasedns::http {

std::string serialize(const Response& response, bool head_only) {
    std::string out = "HTTP/1.1 " + std::to_string(response.status);
    std::string_view phrase = reason_phrase(response.status);
    out += ' ';
    out += phrase;
    out += "\r\n";
    for (const auto& h : response.headers) out += h.name + ": " + h.value + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    if (response.close) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head_only) out += response.body;
    return out;
}

Response error_response(int status, std::string_view detail) {
    Response r;
    r.status = status;
    r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    r.body = std::to_string(status) + " " + std::string(reason_phrase(status));
    if (!detail.empty()) r.body += ": " + std::string(detail);
    r.body += "\n";
    r.close = true;
    return r;
}

Response serve_resource(const Request& request, std::string_view path,
                        std::string_view content_type,
                        const std::function<std::string()>& make_body) {
    Response r;
    if (request.path != path) {
        r = error_response(404, "try " + std::string(path));
        r.close = !request.keep_alive;
        return r;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        r = error_response(405, request.method + " is not served here");
        r.headers.push_back({"Allow", "GET, HEAD"});
        r.close = !request.keep_alive;
        return r;
    }
    r.status = 200;
    r.headers.push_back({"Content-Type", std::string(content_type)});
    // Always the current figures: no cache between the scraper and us.
    r.headers.push_back({"Cache-Control", "no-store"});
    r.body = make_body();
    r.close = !request.keep_alive;
    return r;
}

}  // namespace leasedns::http
