//! Encoder for every client command.
