// Identifier validation and seeded UUID generation.
#include "core/ids.hpp"

#include <algorithm>
#include <ostream>
#include <random>

namespace meridian::core {
namespace {

Result<std::string> validate_id(std::string_view text, std::size_t max, std::string_view what) {
    if (text.empty()) return invalid(std::string{what} + " is empty");
    if (text.size() > max) {
        return invalid(std::string{what} + " is longer than " + std::to_string(max) +
                       " characters (" + std::to_string(text.size()) + ")");
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c <= 0x20 || c >= 0x7f) {
            return invalid(std::string{what} + " has a space or non-printable character at " +
                           "position " + std::to_string(i + 1));
        }
    }
    return std::string{text};
}

}  // namespace

Result<OrderId> OrderId::parse(std::string_view text) {
    auto s = validate_id(text, 64, "order id");
    if (!s) return std::move(s).error();
    return OrderId{std::move(*s)};
}

std::ostream& operator<<(std::ostream& os, const OrderId& id) {
    return os << id.str();
}

Result<ClientOrderId> ClientOrderId::parse(std::string_view text) {
    auto s = validate_id(text, max_length, "client_order_id");
    if (!s) return std::move(s).error();
    return ClientOrderId{std::move(*s)};
}

std::ostream& operator<<(std::ostream& os, const ClientOrderId& id) {
    return os << id.str();
}

IdGenerator IdGenerator::from_entropy() {
    std::random_device rd;
    const std::uint64_t hi = rd();
    const std::uint64_t lo = rd();
    return IdGenerator{(hi << 32) ^ lo};
}

std::uint64_t IdGenerator::next_u64() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

namespace {

/// The 128 bits as 8-4-4-4-12 lower-case hex digits.
std::string format_uuid(std::uint64_t hi, std::uint64_t lo) {
    static constexpr char hex[] = "0123456789abcdef";
    char out[36];
    char* p = out;
    auto put = [&p](std::uint64_t v, int from_nibble, int count) {
        for (int i = 0; i < count; ++i) {
            const int shift = 60 - 4 * (from_nibble + i);
            *p++ = hex[(v >> shift) & 0xf];
        }
    };
    put(hi, 0, 8);
    *p++ = '-';
    put(hi, 8, 4);
    *p++ = '-';
    put(hi, 12, 4);
    *p++ = '-';
    put(lo, 0, 4);
    *p++ = '-';
    put(lo, 4, 12);
    return std::string(out, sizeof out);
}

}  // namespace

std::string IdGenerator::uuid() {
    std::uint64_t hi = next_u64();
    std::uint64_t lo = next_u64();
    hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
    return format_uuid(hi, lo);
}

std::string IdGenerator::uuid_at(Timestamp at) {
    const std::int64_t ns = std::max<std::int64_t>(at.ns(), 0);
    const auto ms = static_cast<std::uint64_t>(ns / 1'000'000) & 0xffffffffffffULL;
    const auto fraction = static_cast<std::uint64_t>(ns % 1'000'000) * 4096 / 1'000'000;
    const std::uint64_t hi = ms << 16 | 0x7000ULL | fraction;  // version 7
    const std::uint64_t lo = (next_u64() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    return format_uuid(hi, lo);
}

// A UUID is 36 printable characters: a valid id of either kind.
OrderId IdGenerator::next_order_id() {
    return OrderId{uuid()};
}

ClientOrderId IdGenerator::next_client_order_id() {
    return ClientOrderId{uuid()};
}

OrderId IdGenerator::next_order_id(Timestamp at) {
    return OrderId{uuid_at(at)};
}

ClientOrderId IdGenerator::next_client_order_id(Timestamp at) {
    return ClientOrderId{uuid_at(at)};
}

}  // namespace meridian::core
