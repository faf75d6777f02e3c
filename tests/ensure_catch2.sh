#!/bin/sh
# Makes sure the Catch2 test framework can be included.
#   tests/ensure_catch2.sh          installs it when missing and the package manager is usable
#   tests/ensure_catch2.sh --libs   prints the linker flags the tests need (Catch2 v3 only)
CXX=${CXX:-c++}

have() { printf '#include <%s>\n' "$1" | $CXX -std=c++17 -x c++ -E - >/dev/null 2>&1; }

if [ "$1" = "--libs" ]; then
  if have catch2/catch_test_macros.hpp; then echo "-lCatch2"; fi
  exit 0
fi

if have catch2/catch_test_macros.hpp || have catch2/catch.hpp; then exit 0; fi

echo "Catch2 (the test framework) is not installed."
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    # Debian 12 calls the package catch2 (version 2); Debian 13 calls it libcatch2-dev (v3).
    install() {
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1
    }
    echo "Installing the Debian package catch2 with apt-get ..."
    $SUDO apt-get update -q >/dev/null 2>&1
    for package in catch2 libcatch2-dev; do
      if install "$package" && { have catch2/catch_test_macros.hpp || have catch2/catch.hpp; }; then
        echo "Installed $package."
        exit 0
      fi
    done
    echo "apt-get could not install catch2." >&2
  fi
fi
echo "Install Catch2 (version 2 or 3), then run make test again:" >&2
echo "  Debian/Ubuntu: sudo apt-get install catch2" >&2
echo "  Fedora: sudo dnf install catch-devel    macOS: brew install catch2" >&2
exit 1
