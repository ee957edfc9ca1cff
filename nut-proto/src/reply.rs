//! Zero-copy parser for every line the server sends.
