// Test builders for core values: test::px("187.25"), test::qty("10"), test::usd("1000"), ...
#pragma once

#include <string>
#include <string_view>

#include "core/decimal.hpp"
#include "core/fill.hpp"
#include "core/ids.hpp"
#include "core/order.hpp"
#include "core/timestamp.hpp"
#include "core/types.hpp"

namespace meridian::test {

inline core::Price px(std::string_view s) {
    return core::Price::parse(s).value();
}
inline core::Quantity qty(std::string_view s) {
    return core::Quantity::parse(s).value();
}
inline core::Money usd(std::string_view s) {
    return core::Money::parse(s).value();
}
inline core::Timestamp ts(std::string_view s) {
    return core::Timestamp::parse(s).value();
}
inline core::Symbol sym(std::string_view s) {
    return core::Symbol::parse(s).value();
}
inline core::OrderId oid(std::string_view s) {
    return core::OrderId::parse(s).value();
}
inline core::ClientOrderId coid(std::string_view s) {
    return core::ClientOrderId::parse(s).value();
}

/// A fill of `q` shares at `p`; the execution id defaults to one derived from the arguments.
inline core::Fill fill(std::string_view symbol, core::Side side, std::string_view q,
                       std::string_view p, std::string exec_id, std::string_view commission = "0",
                       std::string_view order = "order-1") {
    core::Fill f;
    f.execution_id = std::move(exec_id);
    f.order_id = oid(order);
    f.symbol = sym(symbol);
    f.side = side;
    f.qty = qty(q);
    f.price = px(p);
    f.commission = usd(commission);
    f.ts_event = ts("2024-03-01T14:30:00Z");
    f.ts_init = f.ts_event;
    return f;
}

inline core::OrderRequest market(std::string_view symbol, core::Side side, std::string_view q) {
    core::OrderRequest r;
    r.symbol = sym(symbol);
    r.side = side;
    r.type = core::OrderType::Market;
    r.time_in_force = core::TimeInForce::Day;
    r.qty = qty(q);
    return r;
}

inline core::OrderRequest limit(std::string_view symbol, core::Side side, std::string_view q,
                                std::string_view price) {
    core::OrderRequest r = market(symbol, side, q);
    r.type = core::OrderType::Limit;
    r.time_in_force = core::TimeInForce::Gtc;
    r.limit_price = px(price);
    return r;
}

}  // namespace meridian::test
