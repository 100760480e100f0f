// Broker: what every broker adapter shares.
#include "services/execution/broker.hpp"

namespace meridian::services {

boost::asio::awaitable<std::vector<Broker::Canceled>> Broker::cancel_all() {
    std::vector<Canceled> out;
    for (const auto& id : open_orders()) {
        const auto* o = find(id);
        if (!o || o->is_terminal()) continue;  // went with an earlier one (a bracket's exits)
        const core::OrderId target = id;
        auto result = co_await cancel(target);
        out.push_back(Canceled{target, std::move(result)});
    }
    co_return out;
}

}  // namespace meridian::services
