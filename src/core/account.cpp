// Account cash, valuation and buying power.
#include "core/account.hpp"

#include <algorithm>

namespace meridian::core {

Result<Account> Account::create(Money starting_cash, int multiplier) {
    if (multiplier != 1 && multiplier != 2 && multiplier != 4) {
        return invalid("account multiplier must be 1 (cash), 2 or 4 (margin), not " +
                       std::to_string(multiplier));
    }
    return Account{starting_cash, multiplier};
}

Result<bool> Account::apply_fill(const Fill& fill) {
    if (auto ok = validate(fill); !ok) return ok.error();
    auto it = positions_.find(fill.symbol);
    if (it != positions_.end() && it->second.has_applied(fill.execution_id)) return false;
    if (multiplier_ == 1 && fill.side == Side::Sell) {
        const Quantity held = it == positions_.end() ? Quantity{} : it->second.qty();
        if (fill.qty > held) {
            return invalid("a cash account cannot sell short: selling " + fill.qty.to_string() +
                           " " + fill.symbol.str() + " with " + held.to_string() + " held");
        }
    }
    if (it == positions_.end()) it = positions_.emplace(fill.symbol, Position{fill.symbol}).first;
    auto applied = it->second.apply(fill);
    if (!applied || !*applied) return applied;
    cash_ -= fill.price * fill.signed_qty();
    cash_ -= fill.commission;
    return true;
}

void Account::mark(const Symbol& symbol, Price price) {
    if (last_mark_ < marks_.size() && marks_[last_mark_].first == symbol) {
        marks_[last_mark_].second = price;
        return;
    }
    auto it = std::lower_bound(marks_.begin(), marks_.end(), symbol,
                               [](const auto& m, const Symbol& s) { return m.first < s; });
    if (it == marks_.end() || it->first != symbol) it = marks_.insert(it, {symbol, price});
    it->second = price;
    last_mark_ = static_cast<std::size_t>(it - marks_.begin());
}

std::optional<Price> Account::mark_price(const Symbol& symbol) const {
    if (last_mark_ < marks_.size() && marks_[last_mark_].first == symbol) {
        return marks_[last_mark_].second;
    }
    auto m = std::lower_bound(marks_.begin(), marks_.end(), symbol,
                              [](const auto& e, const Symbol& s) { return e.first < s; });
    if (m != marks_.end() && m->first == symbol) return m->second;
    if (auto p = positions_.find(symbol); p != positions_.end()) return p->second.last_price();
    return std::nullopt;
}

Money Account::value_of(const Position& p) const {
    if (p.is_flat()) return Money{};
    const auto price = mark_price(p.symbol());
    return price ? p.market_value(*price) : p.cost_basis();
}

Money Account::long_market_value() const {
    Money total;
    for (const auto& [symbol, p] : positions_) {
        if (p.is_long()) total += value_of(p);
    }
    return total;
}

Money Account::short_market_value() const {
    Money total;
    for (const auto& [symbol, p] : positions_) {
        if (p.is_short()) total += value_of(p);
    }
    return total;
}

Money Account::equity() const {
    return cash_ + long_market_value() + short_market_value();
}

Money Account::buying_power() const {
    const Money gross = long_market_value() - short_market_value();
    const Money bp = equity() * multiplier_ - gross;
    return bp.is_negative() ? Money{} : bp;
}

Money Account::realized_pnl() const {
    Money total;
    for (const auto& [symbol, p] : positions_) {
        total += p.realized_pnl();
    }
    return total;
}

Money Account::unrealized_pnl() const {
    Money total;
    for (const auto& [symbol, p] : positions_) {
        total += value_of(p) - p.cost_basis();
    }
    return total;
}

Money Account::commissions() const {
    Money total;
    for (const auto& [symbol, p] : positions_) {
        total += p.commissions();
    }
    return total;
}

const Position* Account::position(const Symbol& symbol) const {
    auto it = positions_.find(symbol);
    return it == positions_.end() ? nullptr : &it->second;
}

}  // namespace meridian::core
