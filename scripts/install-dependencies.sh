#!/usr/bin/env bash
# Installs the Debian packages simlab needs when they are missing (needs root or sudo):
# the ncurses, zlib and libpng headers, the Fashion-MNIST dataset, tmux for the end-to-end
# tests and python3-venv for the PyTorch cross-check.
set -euo pipefail
needed=()
for package in libncurses-dev zlib1g-dev libpng-dev pkg-config dataset-fashion-mnist tmux python3-venv; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || needed+=("$package")
done
command -v python3 >/dev/null 2>&1 || needed+=(python3)   # the end-to-end test makes its data with it
if [ ${#needed[@]} -gt 0 ]; then
    echo "simlab: installing ${needed[*]}" >&2
    sudo_prefix=""
    [ "$(id -u)" -eq 0 ] || sudo_prefix="sudo"
    $sudo_prefix apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_prefix apt-get install -y -qq "${needed[@]}" >/dev/null
fi
