// OrderId, ClientOrderId and IdGenerator: unique identifiers, deterministic from a seed in
// backtests.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/timestamp.hpp"

namespace meridian::core {

/// The identifier of an order: ours, or the broker's (Alpaca's are UUIDs). 1 to 64 printable
/// ASCII characters, no spaces. Value type.
class OrderId {
public:
    OrderId() = default;
    static Result<OrderId> parse(std::string_view text);
    const std::string& str() const noexcept { return text_; }
    bool empty() const noexcept { return text_.empty(); }
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend auto operator<=>(const OrderId&, const OrderId&) = default;
    friend std::ostream& operator<<(std::ostream& os, const OrderId& id);

private:
    friend class IdGenerator;  // makes valid ids without checking them again
    explicit OrderId(std::string text) : text_{std::move(text)} {}
    std::string text_;
};

/// The client's idempotency key for an order, sent to the broker as client_order_id: 1 to 48
/// printable ASCII characters without spaces (Alpaca's limit is 48). Value type.
class ClientOrderId {
public:
    static constexpr std::size_t max_length = 48;
    ClientOrderId() = default;
    static Result<ClientOrderId> parse(std::string_view text);
    const std::string& str() const noexcept { return text_; }
    bool empty() const noexcept { return text_.empty(); }
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend auto operator<=>(const ClientOrderId&, const ClientOrderId&) = default;
    friend std::ostream& operator<<(std::ostream& os, const ClientOrderId& id);

private:
    friend class IdGenerator;
    explicit ClientOrderId(std::string text) : text_{std::move(text)} {}
    std::string text_;
};

/// Makes random version-4 UUIDs from a 64-bit seed: the same seed gives the same sequence
/// (backtests are reproducible); from_entropy() seeds from the OS for live use.
/// Not thread-safe: one generator per loop.
class IdGenerator {
public:
    explicit IdGenerator(std::uint64_t seed) noexcept : state_{seed} {}
    static IdGenerator from_entropy();

    /// "904837e3-3b76-47ec-b432-046db621571b"
    std::string uuid();
    /// A version-7 UUID (RFC 9562): the Unix time of `at` in milliseconds, then its fraction of
    /// a millisecond in 12 bits, then 62 random bits; "019a8b4e-2f3c-7a15-9c4d-0e6f1a2b3c4d".
    /// Ids made later sort later, so a store indexes each new one at the end of its keys
    /// instead of at a random place (one page written per batch instead of one per order).
    std::string uuid_at(Timestamp at);
    OrderId next_order_id();
    ClientOrderId next_client_order_id();
    /// Time-ordered ids (uuid_at) for live orders.
    OrderId next_order_id(Timestamp at);
    ClientOrderId next_client_order_id(Timestamp at);
    /// A 64-bit draw from the same stream (splitmix64).
    std::uint64_t next_u64() noexcept;

private:
    std::uint64_t state_;
};

}  // namespace meridian::core

template <>
struct std::hash<meridian::core::OrderId> {
    std::size_t operator()(const meridian::core::OrderId& id) const noexcept {
        return std::hash<std::string>{}(id.str());
    }
};
template <>
struct std::hash<meridian::core::ClientOrderId> {
    std::size_t operator()(const meridian::core::ClientOrderId& id) const noexcept {
        return std::hash<std::string>{}(id.str());
    }
};
