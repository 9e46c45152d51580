// The HTTP/1.1 request parser on arbitrary bytes (ROBUSTNESS K: http_request), as the
// metrics endpoint (and later dyndns2) feeds it. Invariants: it never crashes or reads
// out of bounds; a refusal carries one of the parser's status codes and a reason; the
// outcome does not depend on how the bytes were split into reads; pipelined requests
// parse one after another; what a complete request carries is well-formed (a token
// method, a path that starts with '/', at most 100 fields), and the field readers and
// the response writer accept whatever the parser accepted.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "leasedns/http/fields.hpp"
#include "leasedns/http/request.hpp"
#include "leasedns/http/response.hpp"

using namespace leasedns;

namespace {

struct Outcome {
    http::Progress progress;
    size_t used;
    int status;
    std::string method, target;
    size_t headers;
    std::string body;
};

Outcome outcome(const http::RequestParser& p, size_t used) {
    Outcome o{p.progress(), used, 0, {}, {}, 0, {}};
    if (p.progress() == http::Progress::Failed) o.status = p.error().status;
    if (p.progress() == http::Progress::Complete) {
        o.method = p.request().method;
        o.target = p.request().target;
        o.headers = p.request().headers.size();
        o.body = p.request().body;
    }
    return o;
}

bool same(const Outcome& a, const Outcome& b) {
    return a.progress == b.progress && a.used == b.used && a.status == b.status &&
           a.method == b.method && a.target == b.target && a.headers == b.headers &&
           a.body == b.body;
}

void check_refusal(const http::Error& e) {
    switch (e.status) {
        case 400:
        case 411:
        case 413:
        case 414:
        case 431:
        case 505:
            break;
        default:
            std::abort();
    }
    if (e.reason.empty() || http::reason_phrase(e.status).empty()) std::abort();
}

void check_request(const http::Request& r, const http::Limits& limits) {
    if (r.method.empty() || r.target.empty() || r.target.size() > limits.max_target_bytes)
        std::abort();
    if (r.target != "*" && (r.path.empty() || r.path[0] != '/')) std::abort();
    if (r.headers.size() > limits.max_headers || r.body.size() > limits.max_body_bytes)
        std::abort();
    if (r.version_minor != 0 && r.version_minor != 1) std::abort();
    // The readers a handler would use, on what the parser let through.
    (void)http::percent_decode(r.path);
    if (auto params = http::parse_query(r.query))
        for (const auto& p : *params)
            if (p.name.find('\0') != std::string::npos) std::abort();
    if (const std::string* auth = r.header("authorization"))
        if (auto a = http::parse_authorization(*auth))
            if (a->scheme == "basic") (void)http::decode_basic(a->credentials);
    std::string bytes = http::serialize(
        http::serve_resource(r, "/metrics", "text/plain", [] { return std::string("x 1\n"); }),
        r.method == "HEAD");
    if (bytes.rfind("HTTP/1.1 ", 0) != 0 || bytes.find("\r\n\r\n") == std::string::npos)
        std::abort();
}

void run(std::string_view input, const http::Limits& limits, size_t chunk_seed) {
    // All at once, request after request (pipelining).
    http::RequestParser whole(limits);
    std::string_view rest = input;
    for (int n = 0; n < 16 && !rest.empty(); ++n) {
        size_t used = whole.feed(rest);
        if (used > rest.size()) std::abort();
        Outcome first = outcome(whole, used);
        // The same bytes of this request in small reads of varying size.
        http::RequestParser pieces(limits);
        size_t taken = 0, step = chunk_seed % 7 + 1;
        while (taken < rest.size() && pieces.progress() == http::Progress::NeedMore) {
            size_t len = std::min(step, rest.size() - taken);
            taken += pieces.feed(rest.substr(taken, len));
            step = step % 13 + 1;
        }
        if (!same(first, outcome(pieces, taken))) std::abort();
        if (whole.progress() == http::Progress::Failed) {
            check_refusal(whole.error());
            if (whole.feed("GET / HTTP/1.1\r\n") != 0) std::abort();  // reads nothing more
            return;
        }
        if (whole.progress() == http::Progress::NeedMore) {
            if (used != rest.size()) std::abort();  // everything offered was taken
            return;
        }
        check_request(whole.request(), limits);
        rest.remove_prefix(used);
        whole.reset();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t seed = size > 0 ? data[0] : 0;
    run(input, http::Limits{}, seed);
    // Small limits reach every cap with short inputs; a body allowed reaches the body path.
    http::Limits small;
    small.max_head_bytes = 256;
    small.max_headers = 4;
    small.max_target_bytes = 32;
    small.max_body_bytes = 64;
    run(input, small, seed + 3);
    // The field readers on the raw bytes too.
    (void)http::percent_decode(input, true);
    (void)http::parse_query(input);
    if (auto decoded = http::base64_decode(input))
        if (decoded->size() > input.size()) std::abort();
    (void)http::decode_basic(input);
    (void)http::parse_authorization(input);
    return 0;
}
