// Wire names of the trading enums and Symbol validation.
#include "core/types.hpp"

#include <array>
#include <ostream>
#include <utility>

namespace meridian::core {
namespace {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<Side, 2> side_names{{{Side::Buy, "buy"}, {Side::Sell, "sell"}}};

constexpr NameTable<OrderType, 5> order_type_names{{
    {OrderType::Market, "market"},
    {OrderType::Limit, "limit"},
    {OrderType::Stop, "stop"},
    {OrderType::StopLimit, "stop_limit"},
    {OrderType::TrailingStop, "trailing_stop"},
}};

constexpr NameTable<TimeInForce, 6> tif_names{{
    {TimeInForce::Day, "day"},
    {TimeInForce::Gtc, "gtc"},
    {TimeInForce::Opg, "opg"},
    {TimeInForce::Cls, "cls"},
    {TimeInForce::Ioc, "ioc"},
    {TimeInForce::Fok, "fok"},
}};

constexpr NameTable<OrderClass, 4> order_class_names{{
    {OrderClass::Simple, "simple"},
    {OrderClass::Bracket, "bracket"},
    {OrderClass::Oco, "oco"},
    {OrderClass::Oto, "oto"},
}};

constexpr NameTable<OrderStatus, order_status_count> status_names{{
    {OrderStatus::PendingNew, "pending_new"},
    {OrderStatus::Accepted, "accepted"},
    {OrderStatus::New, "new"},
    {OrderStatus::PartiallyFilled, "partially_filled"},
    {OrderStatus::Filled, "filled"},
    {OrderStatus::DoneForDay, "done_for_day"},
    {OrderStatus::Canceled, "canceled"},
    {OrderStatus::Expired, "expired"},
    {OrderStatus::Replaced, "replaced"},
    {OrderStatus::PendingCancel, "pending_cancel"},
    {OrderStatus::PendingReplace, "pending_replace"},
    {OrderStatus::Rejected, "rejected"},
    {OrderStatus::Suspended, "suspended"},
    {OrderStatus::Stopped, "stopped"},
    {OrderStatus::Calculated, "calculated"},
    {OrderStatus::Held, "held"},
    {OrderStatus::AcceptedForBidding, "accepted_for_bidding"},
    {OrderStatus::PendingReview, "pending_review"},
}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) noexcept {
    for (const auto& [v, name] : table) {
        if (v == value) return name;
    }
    return "unknown";
}

template <typename E, std::size_t N>
Result<E> parse_name(const NameTable<E, N>& table, std::string_view text, std::string_view what) {
    for (const auto& [v, name] : table) {
        if (name == text) return v;
    }
    std::string expected;
    for (const auto& [v, name] : table) {
        if (!expected.empty()) expected += ", ";
        expected += name;
    }
    std::string shown{text.substr(0, 32)};
    return invalid("unknown " + std::string{what} + " '" + shown +
                   "' (expected one of: " + expected + ")");
}

}  // namespace

Result<std::vector<Symbol>> parse_symbols(std::string_view rest) {
    std::vector<Symbol> out;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        auto s = Symbol::parse(rest.substr(0, comma));
        if (!s) return s.error();
        out.push_back(*s);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return out;
}

Result<Symbol> Symbol::parse(std::string_view text) {
    if (text.empty()) return invalid("symbol is empty");
    if (text.size() > 20) {
        return invalid("symbol '" + std::string{text.substr(0, 20)} +
                       "...' is longer than 20 characters");
    }
    if (text[0] < 'A' || text[0] > 'Z') {
        return invalid("symbol '" + std::string{text} + "' must start with an upper-case letter");
    }
    for (const char c : text) {
        const bool ok =
            (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '-';
        if (!ok) {
            return invalid("symbol '" + std::string{text} +
                           "' may contain only A-Z, 0-9, '.', '/' and '-'");
        }
    }
    return Symbol{std::string{text}};
}

std::ostream& operator<<(std::ostream& os, const Symbol& s) {
    return os << s.str();
}

std::string_view to_string(Side v) noexcept {
    return name_of(side_names, v);
}
std::string_view to_string(OrderType v) noexcept {
    return name_of(order_type_names, v);
}
std::string_view to_string(TimeInForce v) noexcept {
    return name_of(tif_names, v);
}
std::string_view to_string(OrderClass v) noexcept {
    return name_of(order_class_names, v);
}
std::string_view to_string(OrderStatus v) noexcept {
    return name_of(status_names, v);
}

Result<Side> parse_side(std::string_view text) {
    return parse_name(side_names, text, "side");
}
Result<OrderType> parse_order_type(std::string_view text) {
    return parse_name(order_type_names, text, "order type");
}
Result<TimeInForce> parse_time_in_force(std::string_view text) {
    return parse_name(tif_names, text, "time in force");
}
Result<OrderClass> parse_order_class(std::string_view text) {
    if (text.empty()) return OrderClass::Simple;
    return parse_name(order_class_names, text, "order class");
}
Result<OrderStatus> parse_order_status(std::string_view text) {
    return parse_name(status_names, text, "order status");
}

bool is_terminal(OrderStatus s) noexcept {
    switch (s) {
        case OrderStatus::Filled:
        case OrderStatus::Canceled:
        case OrderStatus::Expired:
        case OrderStatus::Replaced:
        case OrderStatus::Rejected:
            return true;
        default:
            return false;
    }
}

std::ostream& operator<<(std::ostream& os, Side v) {
    return os << to_string(v);
}
std::ostream& operator<<(std::ostream& os, OrderType v) {
    return os << to_string(v);
}
std::ostream& operator<<(std::ostream& os, TimeInForce v) {
    return os << to_string(v);
}
std::ostream& operator<<(std::ostream& os, OrderClass v) {
    return os << to_string(v);
}
std::ostream& operator<<(std::ostream& os, OrderStatus v) {
    return os << to_string(v);
}

}  // namespace meridian::core
