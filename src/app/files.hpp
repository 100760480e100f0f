// File helpers for the commands: read and write whole files, load bars from CSV files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "engine/bar.hpp"
#include "engine/bars_csv.hpp"

namespace meridian::app {

/// The whole file; an error names the path and the reason.
core::Result<std::string> read_file(const std::string& path);
/// Writes (replaces) the file; an error names the path and the reason.
core::Result<void> write_file(const std::filesystem::path& path, const std::string& text);
/// Parses every file and merges their bars in time order (stable: file order breaks ties).
core::Result<std::vector<engine::Bar>> load_bars(const std::vector<std::string>& paths,
                                                 const engine::BarsCsvOptions& options);

}  // namespace meridian::app
