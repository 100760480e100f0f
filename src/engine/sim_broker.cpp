// Simulated order matching against bars.
#include "engine/sim_broker.hpp"

#include <algorithm>

namespace meridian::engine {

core::Result<core::OrderId> SimBroker::submit(const core::OrderRequest& request,
                                              std::string strategy, core::Timestamp now) {
    if (request.type != core::OrderType::Market ||
        request.order_class != core::OrderClass::Simple) {
        return core::invalid("the simulated broker works simple market orders only, not " +
                             std::string{core::to_string(request.type)});
    }
    if (!request.qty) return core::invalid("the simulated broker needs qty, not notional");
    auto coid = request.client_order_id ? *request.client_order_id : ids_.next_client_order_id();
    auto order = core::Order::create(request, ids_.next_order_id(), coid, now);
    if (!order) return order.error();
    MERIDIAN_ASSERT(order->transition(core::OrderStatus::New, now).has_value(),
                    "pending_new -> new is legal");
    const core::OrderId id = order->id();
    orders_.push_back(SimOrder{std::move(*order), std::move(strategy)});
    open_.push_back(orders_.size() - 1);
    return id;
}

std::vector<FillRecord> SimBroker::on_bar(const Bar& bar, bool after_strategies,
                                          core::Account& account) {
    std::vector<FillRecord> fills;
    if (after_strategies != (fill_at_ == FillAt::Close)) return fills;
    const core::Price price = fill_at_ == FillAt::Close ? bar.close : bar.open;
    std::vector<std::size_t> still_open;
    for (const std::size_t i : open_) {
        core::Order& order = orders_[i].order;
        if (order.symbol() != bar.symbol) {
            still_open.push_back(i);
            continue;
        }
        const core::Quantity qty = *order.leaves_qty();
        bool affordable = true;
        if (order.side() == core::Side::Buy) {
            affordable = price * qty <= account.buying_power();
        } else if (account.multiplier() == 1) {
            const auto* p = account.position(bar.symbol);
            affordable = p != nullptr && p->qty() >= qty;
        }
        if (!affordable) {
            MERIDIAN_ASSERT(order.transition(core::OrderStatus::Rejected, bar.ts).has_value(),
                            "new -> rejected is legal before fills");
            continue;
        }
        core::Fill fill;
        fill.execution_id = "sim-" + std::to_string(++executions_);
        fill.order_id = order.id();
        fill.symbol = bar.symbol;
        fill.side = order.side();
        fill.qty = qty;
        fill.price = price;
        fill.ts_event = bar.ts;
        fill.ts_init = bar.ts;
        MERIDIAN_ASSERT(*order.apply_fill(fill), "a fresh execution applies");
        MERIDIAN_ASSERT(*account.apply_fill(fill), "an affordable fill applies");
        fills.push_back(FillRecord{std::move(fill), orders_[i].strategy});
    }
    open_ = std::move(still_open);
    return fills;
}

}  // namespace meridian::engine
