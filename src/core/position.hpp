// Position: the shares held in one symbol, long or short, with exact FIFO cost and realized P&L.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/decimal.hpp"
#include "core/fill.hpp"
#include "core/types.hpp"

namespace meridian::core {

/// One open lot: shares opened together at one price. qty is signed (negative when short).
struct Lot {
    Quantity qty;
    Price price;
};

/// A position in one symbol built from fills. Lots close first-in first-out, so cost basis and
/// realized P&L are exact sums of qty x price, with no division and no rounding. A fill larger
/// than the position flips it through zero: the closing part realizes P&L, the rest opens a new
/// lot on the other side. Commissions are kept apart from P&L (realized_pnl is gross).
/// Invariants: all lots have the sign of qty(); qty() is the signed sum of applied fills.
/// Repeats are refused by execution id among the newest kRememberedFills: a fill comes again only
/// soon after its first delivery (a bus redelivery, a restart publishing the newest events
/// again), and the memory stays bounded however long the position lives.
/// Runs on its owner's loop; not thread-safe.
class Position {
public:
    static constexpr std::size_t kRememberedFills = 10'000;

    explicit Position(Symbol symbol) : symbol_{std::move(symbol)} {}
    /// `refuse_repeats` false: every fill applies, its execution id not kept (for a replay of
    /// fills known to be distinct, such as one position per strategy fed by one that checks).
    Position(Symbol symbol, bool refuse_repeats)
        : symbol_{std::move(symbol)}, refuse_repeats_{refuse_repeats} {}

    /// Applies a fill: true if applied, false if its execution id was applied before (nothing
    /// changes). Errors (nothing changes): another symbol, qty or price not positive.
    Result<bool> apply(const Fill& fill);

    const Symbol& symbol() const noexcept { return symbol_; }
    /// Signed: positive long, negative short, zero flat.
    Quantity qty() const noexcept { return qty_; }
    bool is_flat() const noexcept { return qty_.is_zero(); }
    bool is_long() const noexcept { return qty_.is_positive(); }
    bool is_short() const noexcept { return qty_.is_negative(); }
    /// Signed cost of the open lots: sum of lot qty x lot price (negative when short).
    Money cost_basis() const noexcept { return cost_basis_; }
    /// |cost_basis| / |qty| rounded half-even to 9 decimals; empty when flat.
    std::optional<Price> avg_entry_price() const;
    /// Gross P&L of the closed shares, commissions not deducted.
    Money realized_pnl() const noexcept { return realized_pnl_; }
    /// Sum of the commissions of every applied fill.
    Money commissions() const noexcept { return commissions_; }
    /// qty x mark, negative when short.
    Money market_value(Price mark) const { return mark * qty_; }
    /// market_value(mark) - cost_basis(): what closing at `mark` would realize.
    Money unrealized_pnl(Price mark) const { return market_value(mark) - cost_basis_; }
    const std::deque<Lot>& lots() const noexcept { return lots_; }
    /// Price of the last applied fill, the default mark.
    std::optional<Price> last_price() const noexcept { return last_price_; }
    /// Fills applied.
    std::size_t fill_count() const noexcept { return fill_count_; }
    /// Whether a fill with this execution id was applied (among the newest kRememberedFills).
    bool has_applied(const std::string& execution_id) const {
        return execution_ids_.contains(execution_id);
    }

private:
    Symbol symbol_;
    Quantity qty_;
    Money cost_basis_;
    Money realized_pnl_;
    Money commissions_;
    std::deque<Lot> lots_;
    std::optional<Price> last_price_;
    bool refuse_repeats_ = true;
    std::size_t fill_count_ = 0;
    std::unordered_set<std::string> execution_ids_;
    std::deque<std::string> id_order_;  // execution_ids_, oldest first
};

}  // namespace meridian::core
