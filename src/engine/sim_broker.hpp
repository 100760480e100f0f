// SimBroker: a simulated broker that works orders against bars, through the core order state
// machine.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "core/account.hpp"
#include "core/ids.hpp"
#include "core/order.hpp"
#include "engine/bar.hpp"

namespace meridian::engine {

/// When a market order decided on bar t fills.
enum class FillAt {
    NextOpen,  // at the open of the symbol's next bar (an order on the last bar never fills)
    Close,     // at the close of bar t
};

/// An order with the strategy that sent it.
struct SimOrder {
    core::Order order;
    std::string strategy;
};

/// A fill with the strategy whose order it filled.
struct FillRecord {
    core::Fill fill;
    std::string strategy;
};

/// Works market orders against bars. Orders are accepted (status new) at submission; each fill
/// goes through Order::apply_fill. A buy whose cost exceeds the account's buying power, or a
/// sell a cash account could not cover, is rejected when it would fill.
/// Known limits: market orders only for now; no commission, slippage or volume cap yet.
/// Runs on the backtest's loop; not thread-safe.
class SimBroker {
public:
    SimBroker(std::uint64_t seed, FillAt fill_at) : ids_{seed}, fill_at_{fill_at} {}

    /// Accepts an order: an invalid request or an unsupported type is an error.
    core::Result<core::OrderId> submit(const core::OrderRequest& request, std::string strategy,
                                       core::Timestamp now);
    /// Fills the symbol's waiting orders that this bar triggers (before strategies see the bar
    /// with NextOpen; after, with Close). Returns the fills, each already applied to its order
    /// and to `account`.
    std::vector<FillRecord> on_bar(const Bar& bar, bool after_strategies, core::Account& account);
    /// Every order ever submitted, in submission order.
    const std::deque<SimOrder>& orders() const noexcept { return orders_; }

private:
    core::IdGenerator ids_;
    FillAt fill_at_;
    std::deque<SimOrder> orders_;
    std::vector<std::size_t> open_;  // indices into orders_ of orders still working
    std::uint64_t executions_ = 0;
};

}  // namespace meridian::engine
