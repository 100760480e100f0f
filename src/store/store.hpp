// Persistence ports: where orders and fills are kept so that none is lost (SQLite, PostgreSQL).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fill.hpp"
#include "core/order.hpp"
#include "core/result.hpp"

namespace meridian::store {

/// An order as kept: the order and the strategy (or API user) that sent it.
struct StoredOrder {
    core::Order order;
    std::string strategy;
};

/// Orders and their fills. Every call is durable when it returns: an order inserted before a
/// broker sees it, and every fill recorded, survive the process being killed (kill -9).
/// Errors: Duplicate (an order id or client_order_id already kept), NotFound, Unavailable
/// (the database failed). Implementations block: callers run them off their event loop.
class OrderStore {
public:
    virtual ~OrderStore() = default;
    /// Keeps a new order. A client_order_id already kept is Duplicate and changes nothing.
    virtual core::Result<void> insert(const core::Order& order, std::string_view strategy) = 0;
    /// Saves an order's new state (status, timestamps, replacement).
    virtual core::Result<void> update(const core::Order& order) = 0;
    /// Keeps a fill and the order it changed, atomically: true if kept, false if this execution
    /// id was kept before (nothing changes).
    virtual core::Result<bool> record_fill(const core::Fill& fill, const core::Order& order) = 0;

    virtual core::Result<std::optional<StoredOrder>> find(const core::OrderId& id) = 0;
    virtual core::Result<std::optional<StoredOrder>> find_by_client_order_id(
        const core::ClientOrderId& id) = 0;
    /// Orders not in a final state, oldest first.
    virtual core::Result<std::vector<StoredOrder>> open_orders() = 0;
    /// Every fill, in the order they were recorded.
    virtual core::Result<std::vector<core::Fill>> fills() = 0;
};

}  // namespace meridian::store
