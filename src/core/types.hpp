// Trading vocabulary with Alpaca's wire names: Symbol, Side, OrderType, TimeInForce, OrderClass,
// OrderStatus.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace meridian::core {

/// A ticker as Alpaca writes it: "AAPL", "BRK.B", "BTC/USD". 1 to 20 characters of A-Z, 0-9,
/// '.', '/', '-', starting with a letter. Case-sensitive, as Alpaca is. Value type.
class Symbol {
public:
    Symbol() = default;
    static Result<Symbol> parse(std::string_view text);
    const std::string& str() const noexcept { return text_; }
    bool empty() const noexcept { return text_.empty(); }
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend auto operator<=>(const Symbol&, const Symbol&) = default;
    /// Inline, without a call to memcmp: symbols are a few characters and compared per bar.
    friend bool operator==(const Symbol& a, const Symbol& b) noexcept {
        const std::size_t n = a.text_.size();
        if (n != b.text_.size()) return false;
        const char* p = a.text_.data();
        const char* q = b.text_.data();
        for (std::size_t i = 0; i < n; ++i) {
            if (p[i] != q[i]) return false;
        }
        return true;
    }
    friend std::ostream& operator<<(std::ostream& os, const Symbol& s);

private:
    explicit Symbol(std::string text) : text_{std::move(text)} {}
    std::string text_;
};

enum class Side : std::uint8_t { Buy, Sell };
enum class OrderType : std::uint8_t { Market, Limit, Stop, StopLimit, TrailingStop };
enum class TimeInForce : std::uint8_t { Day, Gtc, Opg, Cls, Ioc, Fok };
enum class OrderClass : std::uint8_t { Simple, Bracket, Oco, Oto };

/// Alpaca's full order status set (reference section 3.1).
enum class OrderStatus : std::uint8_t {
    PendingNew,
    Accepted,
    New,
    PartiallyFilled,
    Filled,
    DoneForDay,
    Canceled,
    Expired,
    Replaced,
    PendingCancel,
    PendingReplace,
    Rejected,
    Suspended,
    Stopped,
    Calculated,
    Held,
    AcceptedForBidding,
    PendingReview,
};
inline constexpr int order_status_count = 18;

/// Wire names: "buy", "stop_limit", "gtc", "bracket", "partially_filled", ...
std::string_view to_string(Side v) noexcept;
std::string_view to_string(OrderType v) noexcept;
std::string_view to_string(TimeInForce v) noexcept;
std::string_view to_string(OrderClass v) noexcept;
std::string_view to_string(OrderStatus v) noexcept;

/// Parse the exact lower-case wire names; anything else is an InvalidArgument error.
/// "AAPL,MSFT" -> {AAPL, MSFT}; empty text gives none. An error names the bad symbol.
Result<std::vector<Symbol>> parse_symbols(std::string_view comma_separated);

/// parse_order_class also takes "" (Alpaca's common spelling of simple).
Result<Side> parse_side(std::string_view text);
Result<OrderType> parse_order_type(std::string_view text);
Result<TimeInForce> parse_time_in_force(std::string_view text);
Result<OrderClass> parse_order_class(std::string_view text);
Result<OrderStatus> parse_order_status(std::string_view text);

/// +1 for buy, -1 for sell.
constexpr int sign(Side side) noexcept {
    return side == Side::Buy ? 1 : -1;
}
constexpr Side opposite(Side side) noexcept {
    return side == Side::Buy ? Side::Sell : Side::Buy;
}

/// filled, canceled, expired, replaced, rejected: no further updates.
bool is_terminal(OrderStatus s) noexcept;

std::ostream& operator<<(std::ostream& os, Side v);
std::ostream& operator<<(std::ostream& os, OrderType v);
std::ostream& operator<<(std::ostream& os, TimeInForce v);
std::ostream& operator<<(std::ostream& os, OrderClass v);
std::ostream& operator<<(std::ostream& os, OrderStatus v);

}  // namespace meridian::core

template <>
struct std::hash<meridian::core::Symbol> {
    std::size_t operator()(const meridian::core::Symbol& s) const noexcept {
        return std::hash<std::string>{}(s.str());
    }
};
