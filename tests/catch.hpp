// Includes Catch2, version 3 (separate headers, linked library) or version 2 (one header),
// whichever the system has. Tests include this file and nothing else from Catch2.
#pragma once

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#define CHARNN_CATCH_VERSION 3
using Catch::Approx;
#elif __has_include(<catch2/catch.hpp>)
#include <catch2/catch.hpp>
#define CHARNN_CATCH_VERSION 2
#else
#error "Catch2 not found: install the Debian package catch2 (apt-get install catch2)"
#endif
