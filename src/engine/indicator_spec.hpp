// Indicators named by a spec ("sma:20", "macd:12,26,9"), run over bars with named outputs.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "engine/bar.hpp"

namespace meridian::engine {

/// An indicator fed whole bars, with one or more named outputs.
class BarIndicator {
public:
    virtual ~BarIndicator() = default;
    /// Column names: the spec with '_' for ':' and ',', plus "_upper", "_signal", ... where the
    /// indicator has several outputs ("macd_12_26_9", "macd_12_26_9_signal", ...).
    const std::vector<std::string>& names() const noexcept { return names_; }
    /// Feeds one bar; writes one value per output (empty during warm-up) into `out`.
    virtual void update(const Bar& bar, std::span<std::optional<double>> out) = 0;

protected:
    std::vector<std::string> names_;
};

/// Makes an indicator from a spec: sma:N, ema:N, wma:N, rsi:N, stddev:N[,K], roc:N, mom:N,
/// atr:N, macd:FAST,SLOW,SIGNAL, bbands:N[,K_UP[,K_DOWN]], stoch:FASTK,SLOWK,SLOWD, vwap.
/// Errors name the spec and what is wrong, or list the indicators.
core::Result<std::unique_ptr<BarIndicator>> make_indicator(std::string_view spec);

}  // namespace meridian::engine
