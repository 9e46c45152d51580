// Journal records. Layout (all integers big-endian):
//   record  = u32 payload length, u32 CRC-32 of the payload, payload
//   payload = u8 version (1), u8 kind, u8 state, u32 addr,
//             u8 n + n octets client id (n <= 32),
//             u8 n + n octets MAC (n = 6),
//             u8 n + n octets host name,
//             u64 expires, u64 granted (two's complement seconds)
// Variable fields carry their length, so no byte a client chooses (a host name, a client
// id) can be mistaken for structure (ROBUSTNESS D3). A decoder accepts exactly this
// layout: trailing bytes, an unknown version or an impossible value make the record bad.
//
// Replay policy: the first record that is torn (runs past the end of the file) or bad
// (implausible length, CRC mismatch, bad payload) ends the replay; it and everything after
// it are reported as discarded. A torn tail is what a crash during an append leaves (that
// record was never synced, so never ACKed). Damage in the middle stops replay there too,
// rather than guessing where the next record starts: the daemon keeps the file aside and
// reports it.
#include "leasedns/leases/journal.hpp"

#include <algorithm>
#include <string>

#include "leasedns/core/crc32.hpp"
#include "leasedns/leases/table.hpp"

namespace leasedns::leases {

namespace {

constexpr uint8_t kPayloadVersion = 1;
constexpr size_t kHeaderSize = 8;
constexpr size_t kMaxHostname = 255;  // a u8 length; sanitised labels are <= 63 anyway
constexpr size_t kMacSize = 6;
// The largest valid payload: fixed fields, a full client id, a 255-octet name.
constexpr size_t kMaxPayload = 3 + 4 + 1 + ClientId::kInline + 1 + kMacSize + 1 + kMaxHostname + 16;

void write_u64(Writer& w, uint64_t v) {
    w.u32(static_cast<uint32_t>(v >> 32));
    w.u32(static_cast<uint32_t>(v));
}
uint64_t read_u64(Reader& r) {
    uint64_t hi = r.u32();
    return (hi << 32) | r.u32();
}

bool valid_state(uint8_t s) {
    return s >= 1 && s <= 3;
}

// Decodes one payload into `kind`/`lease`; on failure says why.
bool decode_payload(Bytes payload, RecordKind& kind, Lease& lease, const char*& why) {
    Reader r(payload);
    uint8_t version = r.u8();
    uint8_t kind_byte = r.u8();
    uint8_t state = r.u8();
    uint32_t addr = r.u32();
    Bytes client = r.bytes(r.u8());
    Bytes mac = r.bytes(r.u8());
    Bytes name = r.bytes(r.u8());
    uint64_t expires = read_u64(r);
    uint64_t granted = read_u64(r);
    if (!r.ok()) return why = "payload shorter than its fields", false;
    if (!r.at_end()) return why = "trailing bytes after the payload", false;
    if (version != kPayloadVersion) return why = "unknown record version", false;
    if (kind_byte != static_cast<uint8_t>(RecordKind::Upsert) &&
        kind_byte != static_cast<uint8_t>(RecordKind::Remove))
        return why = "unknown record kind", false;
    if (!valid_state(state)) return why = "unknown lease state", false;
    kind = static_cast<RecordKind>(kind_byte);
    lease.state = static_cast<LeaseState>(state);
    // Offers are never journaled (journal.hpp): an Upsert of one is not ours.
    if (kind == RecordKind::Upsert && lease.state == LeaseState::Offered)
        return why = "upsert of an offer", false;
    if (client.size() > ClientId::kInline) return why = "client id too long", false;
    if (mac.size() != kMacSize) return why = "MAC length is not 6", false;
    lease.addr = Ipv4(addr);
    // Stored ids are already in their final (possibly reduced) form: keep them verbatim.
    lease.client = ClientId::from_option61(client);
    std::copy(mac.begin(), mac.end(), lease.mac.octets.begin());
    lease.hostname.assign(reinterpret_cast<const char*>(name.data()), name.size());
    lease.expires = static_cast<WallSeconds>(expires);
    lease.granted = static_cast<WallSeconds>(granted);
    return true;
}

std::string at_offset(const char* what, size_t offset) {
    return std::string(what) + " at offset " + std::to_string(offset);
}

}  // namespace

void append_record(RecordKind kind, const Lease& lease, std::vector<uint8_t>& out) {
    Bytes client = lease.client.bytes();
    size_t name_size = std::min(lease.hostname.size(), kMaxHostname);
    size_t payload_size = 3 + 4 + 1 + client.size() + 1 + kMacSize + 1 + name_size + 16;
    size_t start = out.size();
    out.resize(start + kHeaderSize + payload_size);
    std::span<uint8_t> payload(out.data() + start + kHeaderSize, payload_size);
    Writer w(payload);
    w.u8(kPayloadVersion);
    w.u8(static_cast<uint8_t>(kind));
    w.u8(static_cast<uint8_t>(lease.state));
    w.u32(lease.addr.value);
    w.u8(static_cast<uint8_t>(client.size()));
    w.bytes(client);
    w.u8(static_cast<uint8_t>(kMacSize));
    w.bytes(Bytes(lease.mac.octets));
    w.u8(static_cast<uint8_t>(name_size));
    w.bytes(as_bytes(std::string_view(lease.hostname).substr(0, name_size)));
    write_u64(w, static_cast<uint64_t>(lease.expires));
    write_u64(w, static_cast<uint64_t>(lease.granted));
    Writer header(std::span<uint8_t>(out.data() + start, kHeaderSize));
    header.u32(static_cast<uint32_t>(payload_size));
    header.u32(crc32(Bytes(payload)));
}

ReplayReport replay_journal(Bytes file,
                            const std::function<void(RecordKind, const Lease&)>& apply) {
    ReplayReport report;
    if (file.empty()) return report;  // a journal that was never written: nothing to do
    Bytes magic = as_bytes(kJournalMagic);
    size_t head = std::min(file.size(), magic.size());
    if (!std::equal(file.begin(), file.begin() + head, magic.begin())) {
        report.bad_magic = true;
        report.problem = "not a leasedns journal (bad magic)";
        report.discarded_bytes = file.size();
        return report;
    }
    if (file.size() < magic.size()) {  // the creating write itself was torn
        report.problem = "torn journal header";
        report.discarded_bytes = file.size();
        return report;
    }

    size_t pos = magic.size();
    RecordKind kind{};
    Lease lease;  // reused: no allocation per record beyond a long host name
    while (pos < file.size()) {
        size_t left = file.size() - pos;
        if (left < kHeaderSize) {
            report.problem = at_offset("torn record header", pos);
            break;
        }
        Reader r(file.subspan(pos, kHeaderSize));
        uint32_t length = r.u32();
        uint32_t crc = r.u32();
        if (length > kMaxPayload) {
            report.problem = at_offset("implausible record length", pos);
            break;
        }
        if (length > left - kHeaderSize) {
            report.problem = at_offset("torn record (runs past the end)", pos);
            break;
        }
        Bytes payload = file.subspan(pos + kHeaderSize, length);
        if (crc32(payload) != crc) {
            report.problem = at_offset("record CRC mismatch", pos);
            break;
        }
        const char* why = "";
        if (!decode_payload(payload, kind, lease, why)) {
            report.problem = at_offset("bad record payload", pos) + ": " + why;
            break;
        }
        apply(kind, lease);
        ++report.records;
        pos += kHeaderSize + length;
    }
    report.valid_bytes = pos;
    if (!report.problem.empty()) {
        // pos is the start of the bad record here
        report.discarded_bytes = file.size() - pos;
    }
    return report;
}

void JournalRecorder::on_lease_event(const LeaseEvent& event) {
    switch (event.kind) {
        case EventKind::Granted:
        case EventKind::Renewed:
        case EventKind::Declined:
            append_record(RecordKind::Upsert, event.lease, pending_);
            break;
        case EventKind::Released:
        case EventKind::Expired:
            append_record(RecordKind::Remove, event.lease, pending_);
            break;
    }
    ++records_;
}

void JournalRecorder::take_pending(std::vector<uint8_t>& into) {
    into.clear();
    into.swap(pending_);  // pending_ keeps into's old buffer for reuse
}

std::vector<uint8_t> snapshot_journal(const LeaseTable& table, WallSeconds now) {
    std::vector<uint8_t> out(kJournalMagic.begin(), kJournalMagic.end());
    table.for_each([&](const Lease& l) {
        if (l.state != LeaseState::Bound && l.state != LeaseState::Declined) return;
        if (l.expires != 0 && l.expires <= now) return;  // due: about to expire anyway
        append_record(RecordKind::Upsert, l, out);
    });
    return out;
}

}  // namespace leasedns::leases
