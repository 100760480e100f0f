# Helpers: meridian_add_library, meridian_add_tests, meridian_add_bench, meridian_header_check.
include(GoogleTest)

set_property(GLOBAL PROPERTY MERIDIAN_HEADERS "")

# meridian_add_library(name SOURCES... [HEADERS h...]): library meridian_<name>, alias meridian::<name>,
# including from src/; its headers join the header check.
function(meridian_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;HEADERS" ${ARGN})
    add_library(meridian_${name} ${ARG_SOURCES})
    add_library(meridian::${name} ALIAS meridian_${name})
    target_include_directories(meridian_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(meridian_${name} PRIVATE meridian_warnings)
    foreach(h IN LISTS ARG_HEADERS)
        set_property(GLOBAL APPEND PROPERTY MERIDIAN_HEADERS
            "${CMAKE_CURRENT_SOURCE_DIR}/${h}|meridian_${name}")
    endforeach()
endfunction()

# meridian_add_tests(component [LABEL unit|integration] SOURCES... LIBS...): one executable
# <component>_test, every TEST discovered by ctest under the label (default "unit").
function(meridian_add_tests component)
    if(MERIDIAN_FUZZ)
        return()  # the fuzz tree builds fuzzers only
    endif()
    cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
    if(NOT ARG_LABEL)
        set(ARG_LABEL unit)
    endif()
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    set(target ${component}_test)
    add_executable(${target} ${ARG_SOURCES})
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
    # Tests read fixtures (testdata/, data/) from the source tree.
    target_compile_definitions(${target} PRIVATE MERIDIAN_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(${target} PRIVATE ${ARG_LIBS} meridian_warnings
        GTest::gtest GTest::gtest_main rapidcheck rapidcheck_gtest)
    gtest_discover_tests(${target}
        PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
        DISCOVERY_TIMEOUT 60)
endfunction()

# meridian_add_bench(component SOURCES... LIBS...): <component>_bench, only with MERIDIAN_BENCH=ON.
function(meridian_add_bench component)
    if(NOT MERIDIAN_BENCH)
        return()
    endif()
    cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
    add_executable(${component}_bench ${ARG_SOURCES})
    target_include_directories(${component}_bench PRIVATE ${PROJECT_SOURCE_DIR}/src
        ${PROJECT_SOURCE_DIR})  # tests/support: the test builders
    target_link_libraries(${component}_bench PRIVATE ${ARG_LIBS} meridian_warnings
        benchmark::benchmark benchmark::benchmark_main)
endfunction()

# meridian_header_check(): one generated .cpp per public header, compiled with its component's
# usage requirements, proving each header stands alone (Seastar's checkheaders).
function(meridian_header_check)
    get_property(entries GLOBAL PROPERTY MERIDIAN_HEADERS)
    set(sources "")
    set(libs "")
    foreach(entry IN LISTS entries)
        string(REPLACE "|" ";" parts "${entry}")
        list(GET parts 0 header)
        list(GET parts 1 lib)
        file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/src ${header})
        string(MAKE_C_IDENTIFIER "${rel}" id)
        set(out ${CMAKE_BINARY_DIR}/header_check/${id}.cpp)
        file(CONFIGURE OUTPUT ${out} CONTENT "#include \"${rel}\"\n")
        list(APPEND sources ${out})
        list(APPEND libs ${lib})
    endforeach()
    list(REMOVE_DUPLICATES libs)
    add_library(header_check OBJECT ${sources})
    target_link_libraries(header_check PRIVATE ${libs} meridian_warnings)
endfunction()

# meridian_add_fuzz(name SOURCES... LIBS... [CORPUS dir]): a libFuzzer target, only with
# MERIDIAN_FUZZ=ON (the fuzz preset, clang); ctest runs it for a bounded number of inputs.
function(meridian_add_fuzz name)
    if(NOT MERIDIAN_FUZZ)
        return()
    endif()
    cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} PRIVATE ${ARG_LIBS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(corpus ${CMAKE_BINARY_DIR}/corpus/${name})
    file(MAKE_DIRECTORY ${corpus})
    set(seeds "")
    if(ARG_CORPUS)
        set(seeds ${ARG_CORPUS})
    endif()
    add_test(NAME ${name} COMMAND ${name} -runs=${MERIDIAN_FUZZ_RUNS} -max_len=4096 -seed=1 ${corpus} ${seeds})
    set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 600)
    # `fuzzers` builds every fuzz target and only what they link (the fuzz tree builds nothing
    # else: the services and the binary are not needed there).
    if(NOT TARGET fuzzers)
        add_custom_target(fuzzers)
    endif()
    add_dependencies(fuzzers ${name})
endfunction()
