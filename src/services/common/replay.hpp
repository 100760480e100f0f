// rebuild_account: an account as it stands after every stored fill, for a service that starts.
#pragma once

#include <string_view>
#include <vector>

#include "core/account.hpp"
#include "store/store.hpp"

namespace meridian::services {

/// Books `opening` (positions held before Meridian's first order), then applies every fill
/// `orders` keeps, as it reads them (bounded memory whatever the history). What cannot be
/// applied, or read, is reported on stderr under `who` and skipped.
void rebuild_account(core::Account& account, const std::vector<core::Fill>& opening,
                     store::OrderStore& orders, std::string_view who);

}  // namespace meridian::services
