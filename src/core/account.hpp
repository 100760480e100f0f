// Account: cash, positions, equity and buying power, kept exact from fills.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "core/decimal.hpp"
#include "core/fill.hpp"
#include "core/position.hpp"
#include "core/types.hpp"

namespace meridian::core {

/// A brokerage account. Cash moves by each fill's exact notional and commission; positions are
/// valued at their mark (the last mark() or, before one, the last fill price).
/// Buying power, with multiplier m (1 = cash account, 2 = Reg T margin, 4 = day-trading margin):
/// max(0, equity x m - (long market value + |short market value|)). With m = 1 and no shorts
/// that is the cash; with m = 2 and $100,000 equity and no positions it is $200,000.
/// Invariant: cash + sum of cost bases == starting cash + realized P&L - commissions.
/// Runs on its owner's loop; not thread-safe.
class Account {
public:
    /// multiplier is 1, 2 or 4.
    static Result<Account> create(Money starting_cash, int multiplier = 1);

    /// Applies a fill to cash and its position: true if applied, false if this execution id was
    /// applied before (nothing changes). Errors (nothing changes): see Position::apply; a cash
    /// account (multiplier 1) may not sell short.
    Result<bool> apply_fill(const Fill& fill);
    /// Sets the price positions in `symbol` are valued at.
    void mark(const Symbol& symbol, Price price);

    Money starting_cash() const noexcept { return starting_cash_; }
    Money cash() const noexcept { return cash_; }
    int multiplier() const noexcept { return multiplier_; }
    Money long_market_value() const;
    /// Negative or zero.
    Money short_market_value() const;
    /// cash + long market value + short market value.
    Money equity() const;
    Money buying_power() const;
    Money realized_pnl() const;
    Money unrealized_pnl() const;
    Money commissions() const;
    /// The position in `symbol`, or null if it never traded.
    const Position* position(const Symbol& symbol) const;
    const std::map<Symbol, Position>& positions() const noexcept { return positions_; }
    /// mark(symbol) if set, else the last fill price; empty if neither.
    std::optional<Price> mark_price(const Symbol& symbol) const;

private:
    Account(Money cash, int multiplier)
        : starting_cash_{cash}, cash_{cash}, multiplier_{multiplier} {}
    Money value_of(const Position& p) const;

    Money starting_cash_;
    Money cash_;
    int multiplier_ = 1;
    std::map<Symbol, Position> positions_;
    // Sorted by symbol; marked once per bar, so the last one marked is tried first (an index,
    // which stays right when the account is copied).
    std::vector<std::pair<Symbol, Price>> marks_;
    std::size_t last_mark_ = 0;
};

}  // namespace meridian::core
