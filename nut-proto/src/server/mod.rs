//! The server side of the codec.
