// Response bytes and the one-resource server the metrics endpoint uses.
#include <doctest/doctest.h>

#include "leasedns/http/response.hpp"

using namespace leasedns::http;

namespace {

Request get(std::string method, std::string path, bool keep_alive = true) {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    r.keep_alive = keep_alive;
    return r;
}

std::string render(const Request& r) {
    Response resp = serve_resource(r, "/metrics", "text/plain; version=0.0.4",
                                   [] { return std::string("up 1\n"); });
    return serialize(resp, r.method == "HEAD");
}

}  // namespace

TEST_CASE("GET of the resource: 200 with its type, length and body") {
    CHECK(render(get("GET", "/metrics")) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
          "Cache-Control: no-store\r\nContent-Length: 5\r\n\r\nup 1\n");
}

TEST_CASE("HEAD: the same head, no body") {
    CHECK(render(get("HEAD", "/metrics")) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
          "Cache-Control: no-store\r\nContent-Length: 5\r\n\r\n");
}

TEST_CASE("another method: 405 with Allow; another path: 404; close when asked") {
    std::string post = render(get("POST", "/metrics"));
    CHECK(post.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0) == 0);
    CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
    CHECK(post.find("Connection: close") == std::string::npos);
    std::string other = render(get("GET", "/", false));
    CHECK(other.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
    CHECK(other.find("Connection: close\r\n") != std::string::npos);
    CHECK(render(get("GET", "/metrics/")).rfind("HTTP/1.1 404", 0) == 0);
    CHECK(render(get("get", "/metrics")).rfind("HTTP/1.1 405", 0) == 0);
}

TEST_CASE("error_response closes and says what was wrong") {
    Response r = error_response(431, "too many header fields");
    CHECK(r.close);
    std::string bytes = serialize(r);
    CHECK(bytes.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
    CHECK(bytes.find("Connection: close\r\n") != std::string::npos);
    CHECK(bytes.find("\r\n\r\n431 Request Header Fields Too Large: too many header fields\n") !=
          std::string::npos);
}
