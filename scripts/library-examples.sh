#!/usr/bin/env bash
# Builds and runs the two library examples as a user's crate would: copied into a new crate
# that depends on this one by path, with nothing else. Proves they need only the documented
# surface of `lib.rs` (the layers are crate-private without the `internals` feature).
#
# Usage: scripts/library-examples.sh   (CI runs it; it honours CARGO_TARGET_DIR)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/bin"
cat >"$work/Cargo.toml" <<TOML
[package]
name = "mjconform-user"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
mjconform = { path = "$repo" }

# A workspace of its own, so it never joins one around the scratch directory.
[workspace]
TOML
cp "$repo/examples/client_tests.rs" "$work/src/bin/client_tests.rs"
cp "$repo/examples/server_suite.rs" "$work/src/bin/server_suite.rs"
# The same dependency versions as this repository's lock, so nothing new is resolved.
cp "$repo/Cargo.lock" "$work/Cargo.lock"
# Sharing the repository's target directory reuses its compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cd "$work"
cargo run --quiet --offline --bin client_tests
cargo run --quiet --offline --bin server_suite >/dev/null
echo "library examples: built and ran as a separate crate"
