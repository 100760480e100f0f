// Fill: one execution of part or all of an order.
#pragma once

#include <string>

#include "core/decimal.hpp"
#include "core/ids.hpp"
#include "core/timestamp.hpp"
#include "core/types.hpp"

namespace meridian::core {

/// One execution, immutable once made. The execution id is unique per broker: applying the same
/// execution twice is detected by it. `qty` is positive; `side` gives the direction.
struct Fill {
    std::string execution_id;
    OrderId order_id;
    Symbol symbol;
    Side side = Side::Buy;
    Quantity qty;
    Price price;
    Money commission;    // what the account pays for this execution (>= 0 for a fee)
    Timestamp ts_event;  // venue time
    Timestamp ts_init;   // when we learned of it

    /// Signed quantity: +qty for a buy, -qty for a sell.
    Quantity signed_qty() const { return side == Side::Buy ? qty : -qty; }
    /// Exact notional, qty x price (unsigned).
    Money notional() const { return price * qty; }
};

/// Checks what any fill must satisfy: an execution id, a symbol, qty > 0 and price > 0.
Result<void> validate(const Fill& fill);

}  // namespace meridian::core
