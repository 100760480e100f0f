# Warning flags for every Meridian target (STYLE.md section 8); -Werror unless MERIDIAN_WERROR=OFF.
add_library(meridian_warnings INTERFACE)
target_compile_options(meridian_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
    $<$<BOOL:${MERIDIAN_WERROR}>:-Werror>
    # GCC 12 reports `"literal" + std::string` as an overlapping memcpy at -O2 and above: a known
    # false positive (GCC PR 105329), not a finding.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
