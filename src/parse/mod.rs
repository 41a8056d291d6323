//! Parsing: structure-aware views of config, templates and source code.
