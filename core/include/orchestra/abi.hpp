#pragma once
// The ABI tag a plugin is stamped with and the host checks before using it.
// Boost.DLL promises no ABI stability, so host and plugin must agree on the
// API version, the compiler and the Boost version; the loader refuses any
// plugin whose tag differs from its own.

#include <boost/version.hpp>

#define ORCHESTRA_API_VERSION 3
#define ORCHESTRA_STRINGIFY_DETAIL(x) #x
#define ORCHESTRA_STRINGIFY(x) ORCHESTRA_STRINGIFY_DETAIL(x)
#define ORCHESTRA_ABI_TAG                                          \
  "orchestra-api-" ORCHESTRA_STRINGIFY(ORCHESTRA_API_VERSION)      \
  ";cxx=" __VERSION__ ";std=" ORCHESTRA_STRINGIFY(__cplusplus)     \
  ";boost=" BOOST_LIB_VERSION
