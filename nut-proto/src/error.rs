//! Every `ERR` code the server can send.
