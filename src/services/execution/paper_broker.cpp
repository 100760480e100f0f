// PaperBroker: the Broker port over engine::SimBroker; everything happens at once.
#include "services/execution/broker.hpp"

namespace meridian::services {

namespace asio = boost::asio;

PaperBroker::PaperBroker(const BrokerContext& context, std::uint64_t seed,
                         engine::SimBrokerConfig config)
    : clock_{context.clock}, account_{context.account}, sim_{seed, std::move(config)} {}

asio::awaitable<core::Result<void>> PaperBroker::start(std::vector<store::StoredOrder> open) {
    const auto now = clock_.now();
    for (auto& o : open) {
        (void)sim_.adopt(o.order, o.strategy, now);
    }
    // Then the ties between them: a bracket's legs cancel each other and wait for their entry
    // again, as before the restart.
    for (auto& o : open) {
        (void)sim_.link(o.order.id(), o.links.parent, o.links.oco_peer);
    }
    publish(sim_.take_updates());
    co_return core::Result<void>{};
}

asio::awaitable<core::Result<void>> PaperBroker::submit(const core::Order& order,
                                                        const std::string& strategy) {
    // Final orders are read from the store once the broker lets go of them: it keeps the newest
    // kKeepFinal, forgetting the older ones in one pass whenever there are twice that many.
    if (sim_.size() > sim_.open_count() + 2 * kKeepFinal) sim_.forget_final(kKeepFinal);
    auto ok = sim_.submit(order, strategy, clock_.now());
    if (!ok) co_return core::Error{core::Errc::InvalidArgument, ok.error().message};
    publish(sim_.take_updates());
    co_return core::Result<void>{};
}

asio::awaitable<core::Result<void>> PaperBroker::cancel(const core::OrderId& id) {
    auto ok = sim_.cancel(id, clock_.now());
    if (!ok) co_return ok.error();
    publish(sim_.take_updates());
    co_return core::Result<void>{};
}

asio::awaitable<core::Result<core::OrderId>> PaperBroker::replace(const core::OrderId& id,
                                                                  const core::OrderChange& change) {
    auto replaced = sim_.replace(id, change, clock_.now());
    if (!replaced) co_return replaced.error();
    publish(sim_.take_updates());
    co_return *replaced;
}

void PaperBroker::on_quote(const engine::Quote& quote) {
    if (sim_.open_count() > 0) publish(sim_.on_quote(quote, account_));
}

const core::Order* PaperBroker::find(const core::OrderId& id) const {
    const auto* s = sim_.find(id);
    return s ? &s->order : nullptr;
}

std::string PaperBroker::strategy_of(const core::OrderId& id) const {
    const auto* s = sim_.find(id);
    return s ? s->strategy : std::string{};
}

store::OrderLinks PaperBroker::links_of(const core::OrderId& id) const {
    const auto* s = sim_.find(id);
    if (!s) return {};
    const auto& orders = sim_.orders();
    store::OrderLinks links;
    if (s->parent) links.parent = orders[*s->parent].order.id();
    if (s->oco_peer) links.oco_peer = orders[*s->oco_peer].order.id();
    return links;
}

std::vector<core::OrderId> PaperBroker::open_orders() const {
    const auto& orders = sim_.orders();
    std::vector<core::OrderId> out;
    for (const auto& s : orders) {
        if (s.order.is_terminal()) continue;
        if (s.parent && !orders[*s.parent].order.is_terminal()) continue;  // goes with its entry
        out.push_back(s.order.id());
    }
    return out;
}

std::vector<core::OrderId> PaperBroker::legs_of(const core::OrderId& parent) const {
    return sim_.legs_of(parent);
}

core::Money PaperBroker::committed_buy_notional() const {
    return sim_.committed_buy_notional(account_);
}

}  // namespace meridian::services
