//! Configuration: `keyless.toml`, found upward from the scanned path or named with `--config`.
