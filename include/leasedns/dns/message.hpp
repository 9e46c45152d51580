// DNS message codec (RFC 1035 §4, EDNS0 RFC 6891): a decoder that turns bytes into typed
// messages or a precise error, and a builder that writes replies with name compression
// and stops cleanly at a size limit (so the caller can set TC). Pure, bounds-checked.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "leasedns/core/bytes.hpp"
#include "leasedns/core/result.hpp"
#include "leasedns/dns/name.hpp"

namespace leasedns::dns {

namespace rrtype {
constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28,
                   SRV = 33, OPT = 41, DS = 43, RRSIG = 46, NSEC = 47, DNSKEY = 48, TSIG = 250,
                   IXFR = 251, AXFR = 252, ANY = 255;
}
constexpr uint16_t kClassIn = 1, kClassChaos = 3, kClassAny = 255;

enum class Rcode : uint16_t {
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
    BadVers = 16,  // extended (EDNS) rcode
};
enum class Opcode : uint8_t { Query = 0, Notify = 4, Update = 5 };

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kDefaultEdnsPayload = 1232;  // DNS flag day 2020, CVE-2023-28450
constexpr uint16_t kPlainUdpLimit = 512;        // RFC 1035 without EDNS

struct Header {
    uint16_t id = 0;
    uint16_t flags = 0;  // QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode (low 4 bits)
    uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

    static constexpr uint16_t kQr = 0x8000, kAa = 0x0400, kTc = 0x0200, kRd = 0x0100, kRa = 0x0080,
                              kAd = 0x0020, kCd = 0x0010;
    bool qr() const { return flags & kQr; }
    Opcode opcode() const { return static_cast<Opcode>((flags >> 11) & 0xf); }
    bool rd() const { return flags & kRd; }
    bool tc() const { return flags & kTc; }
    uint8_t rcode() const { return flags & 0xf; }
};

struct Question {
    Name name;
    uint16_t qtype = 0;
    uint16_t qclass = kClassIn;
    bool operator==(const Question&) const = default;
};

struct Edns {
    uint16_t udp_size = kPlainUdpLimit;  // as the sender advertised (callers clamp)
    uint8_t ext_rcode = 0;
    uint8_t version = 0;
    bool dnssec_ok = false;
};

// A decoded resource record. For NS, CNAME, PTR, MX, SOA and SRV the names inside rdata
// are decompressed (rdata holds them in uncompressed wire form, case as sent), so that
// rdata is meaningful outside its message; other types keep rdata as sent.
struct Record {
    Name name;
    uint16_t type = 0;
    uint16_t klass = kClassIn;
    uint32_t ttl = 0;
    std::vector<uint8_t> rdata;
};

// A query from a client, decoded on the hot path without heap allocation.
struct Query {
    Header header;
    Question question;   // name lower-cased
    Name question_case;  // name as the client wrote it (echoed back, 0x20 safe)
    std::optional<Edns> edns;
    size_t size = 0;  // bytes of the whole message
};

enum class QueryError : uint8_t {
    TooShort,  // fewer than 12 bytes: no header to answer with -> drop
    NotQuery,  // QR bit set (a response sent to us) -> drop
    FormErr,   // header readable, rest malformed -> FORMERR (question echoed if readable)
    BadVers,   // EDNS version != 0 -> BADVERS (RFC 6891 §6.1.3)
    NotImp,    // opcode other than QUERY (UPDATE and NOTIFY come with later issues)
};
struct QueryFailure {
    QueryError error;
    Header header;  // valid unless TooShort
    std::optional<Question> question;
    Name question_case;
    bool had_edns = false;
};

// RFC 1035 §4.1 + RFC 6891: exactly one question; OPT at most once, only in the
// additional section, owner root; counts must match the records present; trailing bytes
// after the counted records are an error. Records in answer/authority of a query are
// parsed (bounds) and ignored. TSIG (later) must be last.
Result<Query, QueryFailure> decode_query(Bytes packet);

// A whole message (upstream replies): every section decoded; the OPT record is removed
// from `additional` into `edns`.
struct Message {
    Header header;
    std::vector<Question> questions;
    std::vector<Record> answers, authority, additional;
    std::optional<Edns> edns;
};
Result<Message, std::string> decode_message(Bytes packet);

enum class Section : uint8_t { Answer, Authority, Additional };

// Writes a message into a caller-owned buffer, at most `limit` bytes. Owner names and
// the names inside NS/CNAME/PTR/MX/SOA/SRV rdata are compressed against names already
// written (only at offsets < 0x3FFF, RFC 1035 §4.1.4; ROBUSTNESS E5). add_* returns false
// and writes nothing when the record does not fit; the message written so far stays valid.
// A copy of a builder is a checkpoint (no heap, a few hundred octets): assigning it back
// forgets everything added since, compression targets included (the buffer is shared).
class MessageBuilder {
public:
    // `limit` is clamped to the buffer; a buffer smaller than a header makes every add_*
    // fail and finish() return nothing.
    MessageBuilder(std::span<uint8_t> buffer, size_t limit);

    void set_header(const Header& h);  // counts are ignored: the builder keeps its own
    Header& header() { return header_; }
    // Sets the response code, extended ones included: the low 4 bits go into the header,
    // the high 8 bits into the OPT record's extended-rcode (RFC 6891 §6.1.3), whether
    // add_opt() is called before or after. Without an OPT only the low bits are sent.
    void set_rcode(Rcode rcode);
    // Writes the question (with `name` in the case to echo). Call before any record
    // (more than one question is allowed for re-encoding, never needed for replies).
    bool add_question(const Name& name, uint16_t qtype, uint16_t qclass);
    bool add_record(Section section, const Record& record);
    // A record whose rdata is given raw (no names inside, e.g. A, AAAA, TXT).
    bool add_raw(Section section, const Name& owner, uint16_t type, uint16_t klass, uint32_t ttl,
                 Bytes rdata);
    // OPT pseudo-record (RFC 6891), always last; reserve room for it with
    // reserve_tail() before adding records so that it always fits.
    bool add_opt(const Edns& edns);
    void reserve_tail(size_t bytes);        // shrink the limit for records by this much
    static constexpr size_t kOptSize = 11;  // an OPT record without options

    // Patches the header (counts) and returns the finished message.
    Bytes finish();
    size_t size() const;
    size_t count(Section s) const;

private:
    // Compression dictionary capacity: every label start written literally is a target.
    static constexpr size_t kMaxTargets = 128;

    size_t record_limit() const;
    // Writes an uncompressed, validated wire name at `at` (before `end`), compressed
    // against the dictionary; records new targets. Returns where it ends, 0 if no room.
    size_t write_name(Bytes wire, size_t at, size_t end);
    size_t write_record_head(const Name& owner, uint16_t type, uint16_t klass, uint32_t ttl,
                             size_t end);
    bool commit(Section section, size_t record_end, size_t rdata_start);

    std::span<uint8_t> buf_;
    size_t limit_;
    size_t tail_reserve_ = 0;
    size_t pos_ = kHeaderSize;
    Header header_;
    uint16_t counts_[4] = {0, 0, 0, 0};  // qd, an, ns, ar
    size_t opt_pos_ = 0;                 // offset of the OPT record, 0 = none yet
    uint8_t ext_rcode_ = 0;              // high 8 bits of the rcode (set_rcode)
    bool ext_rcode_set_ = false;
    // Compression dictionary: offsets (< 0x3FFF) of label runs written and the wire
    // length of the name from there on (a cheap first filter before comparing labels).
    std::array<uint16_t, kMaxTargets> target_offsets_{};
    std::array<uint8_t, kMaxTargets> target_lengths_{};
    size_t target_count_ = 0;
};

// Presentation helpers for logs and tests ("A", "TYPE65280").
std::string type_name(uint16_t type);

}  // namespace leasedns::dns
