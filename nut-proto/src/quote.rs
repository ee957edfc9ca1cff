//! The one quoting/unquoting routine both directions use.
