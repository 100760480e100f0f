// FIFO position accounting.
#include "core/position.hpp"

#include <algorithm>

namespace meridian::core {

Result<bool> Position::apply(const Fill& fill) {
    if (auto ok = validate(fill); !ok) return ok.error();
    if (fill.symbol != symbol_) {
        return invalid("fill " + fill.execution_id + " is for " + fill.symbol.str() +
                       ", not this " + symbol_.str() + " position");
    }
    if (refuse_repeats_) {
        if (!execution_ids_.insert(fill.execution_id).second) return false;
        id_order_.push_back(fill.execution_id);
        if (id_order_.size() > kRememberedFills) {
            execution_ids_.erase(id_order_.front());
            id_order_.pop_front();
        }
    }
    ++fill_count_;

    Quantity remaining = fill.signed_qty();  // shares still to place, signed
    // Close opposite lots first-in first-out.
    while (!remaining.is_zero() && !lots_.empty() &&
           lots_.front().qty.is_negative() != remaining.is_negative()) {
        Lot& lot = lots_.front();
        const Quantity lot_abs = lot.qty.abs();
        const Quantity closing = std::min(lot_abs, remaining.abs());
        // Long lot sold at fill.price: closing x (fill - entry); short lot bought back: reverse.
        const Money pnl = (fill.price - lot.price) * closing;
        realized_pnl_ += lot.qty.is_positive() ? pnl : -pnl;
        const Quantity signed_closing = lot.qty.is_positive() ? closing : -closing;
        cost_basis_ -= lot.price * signed_closing;
        lot.qty -= signed_closing;
        remaining -= -signed_closing;
        if (lot.qty.is_zero()) lots_.pop_front();
    }
    if (!remaining.is_zero()) {
        lots_.push_back(Lot{remaining, fill.price});
        cost_basis_ += fill.price * remaining;
    }
    qty_ += fill.signed_qty();
    commissions_ += fill.commission;
    last_price_ = fill.price;
    return true;
}

std::optional<Price> Position::avg_entry_price() const {
    if (qty_.is_zero()) return std::nullopt;
    return average_price(cost_basis_.abs(), qty_.abs(), Rounding::HalfEven);
}

}  // namespace meridian::core
