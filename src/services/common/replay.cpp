// rebuild_account: opening positions, then the stored fills.
#include "services/common/replay.hpp"

#include <cstdio>
#include <string>

namespace meridian::services {

void rebuild_account(core::Account& account, const std::vector<core::Fill>& opening,
                     store::OrderStore& orders, std::string_view who) {
    const std::string name{who};
    for (const auto& f : opening) {
        if (auto ok = account.apply_fill(f); !ok) {
            std::fprintf(stderr, "%s: opening position in %s not booked: %s\n", name.c_str(),
                         f.symbol.str().c_str(), ok.error().message.c_str());
        }
    }
    auto replayed = orders.each_fill([&](const core::Fill& f) {
        if (auto ok = account.apply_fill(f); !ok) {
            std::fprintf(stderr, "%s: stored fill %s not applied: %s\n", name.c_str(),
                         f.execution_id.c_str(), ok.error().message.c_str());
        }
    });
    if (!replayed) {
        std::fprintf(stderr, "%s: cannot read fills: %s\n", name.c_str(),
                     replayed.error().message.c_str());
    }
}

}  // namespace meridian::services
